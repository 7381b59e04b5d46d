"""Microsoft Arm exception sections: SEA and SEI (FORMAT.md §8.11). The Microsoft Arm RAS node
section (§8.12) is decoded with the Arm RAS sections in ``arm_ras.py``."""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import BOOL, decode_fixed, note_extra

SEA_GUID = "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1"
SEI_GUID = "f2a4a152-9c6d-4020-aecf-7695b389251b"

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


def _exception(ctx: SectionContext, layout: Layout, name: str) -> dict:
    v, whole = decode_fixed(ctx, layout)
    ec = v["esr"] >> 26 & 0x3F if "esr" in v else None
    # the exception class (ESR bits 26-31) after the fields, where it has always been
    f = layout_json(layout, v, plain=("esr",), convert={"was_kernel": bool}, extra=None if ec is None
                    else {"exception_class": ec, "exception_class_name": ESR_CLASS.get(ec)})
    if whole:
        note_extra(ctx, layout.size, f"{name} section")
    ctx.section.component = "cpu"
    ec_text = f.get("exception_class_name") or (f"EC {numbers.hex_id(f['exception_class'], 2)}" if "esr" in f else "")
    far = f" at FAR {numbers.address(f['far'])}" if "far" in f else ""
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

