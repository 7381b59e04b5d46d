"""Microsoft Arm sections: SEA and SEI exceptions (FORMAT.md §8.11) and the Arm RAS node
(§8.12, WHEA_ARM_RAS_NODE_SECTION, 80 bytes of ERR<n> registers)."""

from __future__ import annotations

from ...decode.sections import SectionContext, register
from ..fields import Bits, Field, Layout
from ._ms_util import BOOL, decode_fixed, note_extra

SEA_GUID = "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1"
SEI_GUID = "f2a4a152-9c6d-4020-aecf-7695b389251b"
ARM_RAS_NODE_GUID = "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9"

# ESR_ELx exception class (bits 31:26), the classes an external abort arrives with.
ESR_CLASS = {0x20: "instruction abort from a lower EL", 0x21: "instruction abort (same EL)",
             0x24: "data abort from a lower EL", 0x25: "data abort (same EL)", 0x2F: "SError interrupt"}
ESR_BITS = (Bits(0, "iss", "ISS (syndrome)", 25), Bits(25, "il", "IL (32-bit instruction)"),
            Bits(26, "ec", "EC (exception class)", 6, values=ESR_CLASS))
SEA = Layout("WHEA_SEA_SECTION", [
    Field("esr", "ESR", 4, "hex", bits=ESR_BITS), Field("far", "FAR", 8, "hex"),
    Field("par", "PAR", 8, "hex"), Field("was_kernel", "Was kernel", 1, "enum", enum=BOOL),
])
SEI = Layout("WHEA_SEI_SECTION", [Field("esr", "ESR", 4, "hex", bits=ESR_BITS),
                                  Field("far", "FAR", 8, "hex")])
AEST_NODE_TYPE = {0: "processor", 1: "memory", 2: "SMMU", 3: "vendor-defined", 4: "GIC",
                  5: "PCIe root complex", 6: "proxy"}
NODE_COMPONENT = {0: "cpu", 1: "memory", 2: "iommu", 4: "platform", 5: "pcie"}
ERR_STATUS_BITS = (
    Bits(0, "serr", "SERR (error code)", 8), Bits(22, "pn", "PN (poison)"), Bits(23, "de", "DE (deferred)"),
    Bits(24, "ce", "CE (corrected)", 2), Bits(26, "mv", "MV (misc valid)"), Bits(27, "of", "OF (overflow)"),
    Bits(28, "er", "ER (error reported)"), Bits(29, "ue", "UE (uncorrected)"), Bits(30, "v", "V (valid)"),
    Bits(31, "av", "AV (address valid)"),
)
RAS_NODE = Layout("WHEA_ARM_RAS_NODE_SECTION", [
    Field("node_field_count", "Node field count", 4, "int", description="ERR registers that follow (8)"),
    Field("node_index", "Node index", 4, "int"),
    Field("interface_type", "Interface type", 1, "enum", enum={0: "System register", 1: "MMIO"}),
    Field("aest_node_type", "AEST node type", 1, "enum", enum=AEST_NODE_TYPE),
    Field("reserved", "Reserved", 6, "bytes"),
    Field("err_fr", "ERR<n>FR", 8, "hex"), Field("err_ctlr", "ERR<n>CTLR", 8, "hex"),
    Field("err_status", "ERR<n>STATUS", 8, "hex", bits=ERR_STATUS_BITS),
    Field("err_addr", "ERR<n>ADDR", 8, "hex"), Field("err_misc0", "ERR<n>MISC0", 8, "hex"),
    Field("err_misc1", "ERR<n>MISC1", 8, "hex"), Field("err_misc2", "ERR<n>MISC2", 8, "hex"),
    Field("err_misc3", "ERR<n>MISC3", 8, "hex"),
])


def _exception(ctx: SectionContext, layout: Layout, name: str) -> dict:
    v, whole = decode_fixed(ctx, layout)
    f = {k: (bool(x) if k == "was_kernel" else x) for k, x in v.items()}
    if "esr" in v:
        ec = v["esr"] >> 26 & 0x3F
        f["exception_class"] = ec
        f["exception_class_name"] = ESR_CLASS.get(ec)
    if whole:
        note_extra(ctx, layout.size, f"{name} section")
    ctx.section.component = "cpu"
    ec_text = f.get("exception_class_name") or (f"EC 0x{f['exception_class']:02X}" if "esr" in f else "")
    far = f" at FAR 0x{f['far']:X}" if "far" in f else ""
    ctx.section.summary = f"Arm {name}: {ec_text}{far}".rstrip(": ")
    return f


@register(SEA_GUID)
def decode_sea(ctx: SectionContext) -> dict:
    f = _exception(ctx, SEA, "synchronous external abort (SEA)")
    if f.get("was_kernel"):
        ctx.section.summary += " (in kernel mode)"
    return f


@register(SEI_GUID)
def decode_sei(ctx: SectionContext) -> dict:
    return _exception(ctx, SEI, "SError interrupt (SEI)")


@register(ARM_RAS_NODE_GUID)
def decode_arm_ras_node(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, RAS_NODE)
    f = {k: x for k, x in v.items() if k != "reserved"}
    if whole:
        note_extra(ctx, RAS_NODE.size, "Arm RAS node section")
    ntype = v.get("aest_node_type")
    ctx.section.component = NODE_COMPONENT.get(ntype, "platform") if ntype is not None else "cpu"
    if "node_index" in v:
        ctx.section.location = {"ras_node": v["node_index"],
                                "node_type": AEST_NODE_TYPE.get(ntype, f"type {ntype}")}
    st = v.get("err_status")
    if st is None:
        ctx.section.summary = "Arm RAS node error (truncated before ERR<n>STATUS)"
        return f
    f["err_status_fields"] = {b.name: st >> b.bit & ((1 << b.width) - 1) for b in ERR_STATUS_BITS}
    how = "uncorrected" if st >> 29 & 1 else "deferred" if st >> 23 & 1 else \
        "corrected" if st >> 24 & 3 else "no valid"
    node = AEST_NODE_TYPE.get(ntype, "unknown")
    addr = f" at 0x{v['err_addr']:X}" if st >> 31 & 1 and "err_addr" in v else ""
    ctx.section.summary = (f"Arm RAS {node} node {v.get('node_index', '?')}: {how} error, "
                           f"code 0x{st & 0xFF:02X}{addr}")
    return f
