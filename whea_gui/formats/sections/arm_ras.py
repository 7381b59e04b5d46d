"""Arm RAS error-node sections.

* Arm RAS System Architecture Node (libcper ``bf32d4d5-…``, FORMAT.md §6.18, Arm DEN0085):
  80-byte node header, error syndrome descriptors (72 bytes each) at ErrorSyndromeArrayOffset,
  optional auxiliary data (address-space register contexts, key/value pairs).
* Microsoft WHEA_ARM_RAS_NODE_SECTION (``e3ebf4a2-…``, §8.12): node header + ERR<n> registers.

Both carry the Arm RAS ERR<n>STATUS register, whose bits are decoded for the summary.
"""

from __future__ import annotations

import struct
from typing import Any

from ...core import guids
from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from . import _cpu_ids as ids
from ._kit import (
    ascii_or_none,
    decode_struct,
    gated_values,
    sentence,
    severity_word,
    struct_node,
    valid_hooks,
    word_node,
)

GUID = "bf32d4d5-b427-4025-8495-8a9e5d4030e4"
MS_GUID = "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9"
MPAM_PARTID_KEY = "ebb45182-fb03-4bf9-9aca-8613709fd789"
guids.register(MPAM_PARTID_KEY, "arm-ras-key", "MPAM PARTID")

# AEST node types (ACPI AEST / DEN0085)
NODE_TYPES = {0: "processor", 1: "memory", 2: "SMMU", 3: "vendor-defined", 4: "GIC",
              5: "PCIe root complex", 6: "proxy"}
NODE_COMPONENTS = {0: "cpu", 1: "memory", 2: "iommu", 5: "pcie"}
IP_INSTANCE_FORMATS = {0: "PE (MPIDR_EL1)", 1: "system physical address",
                       2: "local address identifier", 3: "SoC-specific IP identifier"}
IP_TYPE_FORMATS = {0: "PE (MIDR, REVIDR, AIDR)", 1: "SMMU IIDR", 2: "GIC IIDR", 3: "PIDR",
                   255: "invalid"}

UET = {0: "uncontainable", 1: "unrecoverable", 2: "restartable", 3: "recoverable"}
CE = {0: "none", 1: "transient", 2: "non-specific", 3: "persistent"}
ERR_STATUS_BITS = (
    Bits(0, "serr", "SERR", 8, "Architecturally-defined primary error code"),
    Bits(8, "ierr", "IERR", 8, "Implementation-defined error code"),
    Bits(19, "ci", "CI", 1, "Critical error"),
    Bits(20, "uet", "UET", 2, "Uncorrected error type", UET),
    Bits(22, "pn", "PN", 1, "Poison"),
    Bits(23, "de", "DE", 1, "Deferred error"),
    Bits(24, "ce", "CE", 2, "Corrected error", CE),
    Bits(26, "mv", "MV", 1, "ERR<n>MISC<m> valid"),
    Bits(27, "of", "OF", 1, "Overflow"),
    Bits(28, "er", "ER", 1, "Error reported (an exception or interrupt was signalled)"),
    Bits(29, "ue", "UE", 1, "Uncorrected error"),
    Bits(30, "v", "V", 1, "Status register valid"),
    Bits(31, "av", "AV", 1, "ERR<n>ADDR valid"),
)
ERR_REGS = ("err_fr", "err_ctlr", "err_status", "err_addr", "err_misc0", "err_misc1",
            "err_misc2", "err_misc3")
_REG_LABELS = {"err_fr": "ERR_FR (feature)", "err_ctlr": "ERR_CTLR (control)",
               "err_status": "ERR_STATUS (primary status)", "err_addr": "ERR_ADDR (address)"}


def _reg_fields() -> list[Field]:
    return [Field(r, _REG_LABELS.get(r, r.upper()), 8, "hex") for r in ERR_REGS]


def _status_hook(f: Field, v: int, off: int) -> FieldNode:
    return word_node(f, v, off, ERR_STATUS_BITS, 0, {}, display=lambda: f"0x{v:016X} ({status_text(v)})")


def status_text(v: int) -> str:
    if not v >> 30 & 1:
        return "not valid"
    parts = []
    if v >> 29 & 1:
        parts.append(f"uncorrected ({UET[v >> 20 & 3]})")
    if v >> 23 & 1:
        parts.append("deferred")
    if v >> 24 & 3:
        parts.append(f"corrected ({CE[v >> 24 & 3]})")
    if v >> 27 & 1:
        parts.append("overflow")
    return ", ".join(parts) or "status valid, no UE/DE/CE bit set"


def _status_json(v: int) -> dict[str, Any]:
    return gated_values(v, ERR_STATUS_BITS, {})


# -- libcper / Arm DEN0085 node --------------------------------------------------------------
NODE = Layout("arm_ras_node", [
    Field("revision", "Revision", 4, "int", description="1"),
    Field("component_type", "Component type", 1, "enum", enum=NODE_TYPES),
    Field("reserved0", "Reserved", 3, "bytes"),
    Field("error_syndrome_array_num_entries", "Error syndrome entries", 4, "int"),
    Field("error_syndrome_array_offset", "Error syndrome array offset", 2, "int",
          description="From the start of the section"),
    Field("auxiliary_data_offset", "Auxiliary data offset", 2, "int",
          description="From the start of the section; 0 = none"),
    Field("ip_instance_format", "IP instance format", 1, "enum", enum=IP_INSTANCE_FORMATS),
    Field("ip_type_format", "IP type format", 1, "enum", enum=IP_TYPE_FORMATS),
    Field("reserved1", "Reserved", 6, "bytes"),
    Field("ip_instance", "IP instance", 16, "bytes"),
    Field("ip_type", "IP type", 24, "bytes"),
    Field("user_data", "User data", 16, "ascii"),
])
NODE_SIZE = NODE.size
NODE_JSON_KEYS = ("revision", "component_type", "error_syndrome_array_num_entries",
                  "error_syndrome_array_offset", "auxiliary_data_offset", "ip_instance_format",
                  "ip_type_format", "component_type_name", "ip_instance", "ip_type", "user_data")
DESCRIPTOR = Layout("arm_ras_error_syndrome", [
    Field("error_record_index", "Error record index", 4, "int"),
    Field("ras_extension_revision", "RAS extension revision", 1, "hex",
          bits=(Bits(0, "arch_version", "ARCHVER", 4), Bits(4, "revision", "REVISION", 4))),
    Field("reserved", "Reserved", 3, "bytes"),
    *_reg_fields(),
])
DESCRIPTOR_SIZE = DESCRIPTOR.size
SYNDROME_JSON_KEYS = ("error_record_index", "ras_extension_revision", *ERR_REGS, "revision",
                      "arch_version", "err_status_fields")
AUX = Layout("arm_ras_aux_header", [
    Field("version", "Version", 1, "int"), Field("reserved0", "Reserved", 1, "hex"),
    Field("address_space_array_entry_count", "Address-space contexts", 2, "int"),
    Field("auxiliary_data_size", "Auxiliary data size", 4, "int"),
    Field("key_value_pair_array_offset", "Key/value array offset", 4, "int",
          description="From the start of the auxiliary data"),
    Field("key_value_pair_array_entry_count", "Key/value pairs", 2, "int"),
    Field("reserved1", "Reserved", 2, "hex"),
])
AUX_CONTEXT = Layout("arm_ras_aux_context", [
    Field("length", "Length", 4, "int"),
    Field("flags", "Flags", 1, "flags",
          bits=(Bits(0, "local_address_space", "Local address space", meaning=
                     "Set: the identifier names a local address space; clear: system physical"),),
          reserved_mask=0xFE),
    Field("reserved0", "Reserved", 1, "hex"),
    Field("register_array_entry_count", "Registers", 2, "int"),
    Field("address_space_identifier", "Address space identifier", 2, "int"),
    Field("reserved1", "Reserved", 6, "bytes"),
])

AUX_REGISTER = Layout("arm_ras_aux_register", [
    Field("address", "Address", 8, "hex"),
    Field("value", "Value", 8, "hex"),
])
KEY_VALUE = Layout("arm_ras_key_value", [
    Field("key", "Key", 16, "guid", guid_kind="arm-ras-key"),
    Field("value", "Value", 8, "hex"),
])

_KEY_NAME = {"key": lambda k: {"key_name": guids.name_of(guids.guid_text(k), "arm-ras-key", "") or None}}


@register(GUID)
def decode_arm_ras_node(ctx: SectionContext) -> dict[str, Any]:
    node_values, whole = decode_struct(ctx, NODE, ctx.offset, ctx.node, "Arm RAS node header",
                                       {"ip_instance": _ip_instance_hook(ctx),
                                        "ip_type": _ip_type_hook(ctx)})
    v = node_values
    syndromes, aux = [], None
    if whole:
        if v["revision"] != 1:
            ctx.finding(WARNING, f"Arm RAS node revision is {v['revision']} (expected 1)",
                        ctx.offset, 4, "arm-ras-revision")
        syndromes = _syndromes(ctx, v)
        aux = _aux(ctx, v)
    # every key is written (null when not reached); the IP words are read by their format bytes
    fields = layout_json(NODE, v, omit=("reserved0", "reserved1"), convert={
        "ip_instance": lambda raw: _ip_instance_json(v.get("ip_instance_format"), raw),
        "ip_type": lambda raw: _ip_type_json(v.get("ip_type_format"), raw),
        "user_data": ascii_or_none},
        after={"component_type": lambda t: {"component_type_name": NODE_TYPES.get(t)}},
        extra={"error_syndromes": syndromes, "aux_data": aux}, order=NODE_JSON_KEYS, nulls=True)
    _describe(ctx, fields, fields["error_syndromes"], None)
    return fields


def _ip_instance_hook(ctx):
    def hook(f: Field, raw: bytes, off: int) -> FieldNode:
        fmt = ctx.data[ctx.offset + 16]
        node = make_node(f, raw, off)
        lo, hi = struct.unpack_from("<QQ", raw)
        names = {0: ("mpidr", None), 1: ("system_physical_address", None),
                 2: ("local_address_space", "base_address")}.get(fmt)
        if names:
            node.display = f"{names[0]} 0x{lo:X}" + (f", {names[1]} 0x{hi:X}" if names[1] else "")
            node.add(FieldNode(names[0], names[0].replace("_", " ").capitalize(), lo,
                               f"0x{lo:016X}", off, 8, kind="hex"))
            if names[1]:
                node.add(FieldNode(names[1], "Base address", hi, f"0x{hi:016X}", off + 8, 8,
                                   kind="hex"))
        return node
    return hook


def _ip_instance_json(fmt, raw) -> dict[str, Any] | None:
    if raw is None:
        return None
    lo, hi = struct.unpack_from("<QQ", raw)
    if fmt == 0:
        return {"mpidr": lo}
    if fmt == 1:
        return {"system_physical_address": lo}
    if fmt == 2:
        return {"local_address_space": lo, "base_address": hi}
    return {"raw": bytes(raw).hex()}


_IP_TYPE_FIELDS = {
    0: [("midr", 0, 8), ("revidr", 8, 8), ("aidr", 16, 8)],
    1: [("iidr", 0, 4), ("aidr", 4, 4)],
    2: [("iidr", 0, 4), ("aidr", 4, 4)],
    3: [(f"pidr{n}", i, 1) for i, n in enumerate((3, 2, 1, 0, 7, 6, 5, 4))],
}


def _ip_type_hook(ctx):
    def hook(f: Field, raw: bytes, off: int) -> FieldNode:
        fmt = ctx.data[ctx.offset + 17]
        node = make_node(f, raw, off)
        for name, pos, size in _IP_TYPE_FIELDS.get(fmt, ()):
            val = int.from_bytes(raw[pos:pos + size], "little")
            node.add(FieldNode(name, name.upper(), val, f"0x{val:0{size * 2}X}", off + pos, size,
                               kind="hex"))
        return node
    return hook


def _ip_type_json(fmt, raw) -> dict[str, Any] | None:
    if raw is None:
        return None
    spec = _IP_TYPE_FIELDS.get(fmt)
    if spec is None:
        return {"raw": bytes(raw).hex()}
    return {name: int.from_bytes(raw[pos:pos + size], "little") for name, pos, size in spec}


def _syndromes(ctx: SectionContext, v: dict[str, Any]) -> list[dict[str, Any]]:
    count, rel = v["error_syndrome_array_num_entries"], v["error_syndrome_array_offset"]
    out: list[dict[str, Any]] = []
    if count == 0:
        return out
    if rel < NODE_SIZE or rel >= ctx.length:
        ctx.finding(ERROR, f"ErrorSyndromeArrayOffset {rel} is outside the section (must be at "
                           f"least {NODE_SIZE} and less than {ctx.length})", ctx.offset + 12, 2,
                    "arm-ras-offset")
        return out
    off = ctx.offset + rel
    for i in range(count):
        if off >= ctx.end:
            ctx.finding(ERROR, f"ErrorSyndromeArrayNumEntries is {count} but only {i} "
                               "descriptor(s) fit in the section", ctx.offset + 8, 4,
                        "count-overrun")
            break
        node = struct_node(ctx.node, f"error_syndrome_{i}", f"Error syndrome {i}", off,
                           DESCRIPTOR_SIZE, end=ctx.end)
        rev = ctx.data[off + 4] if off + 4 < ctx.end else 0
        gates = valid_hooks(1 if rev else 0, {"err_misc2": 0, "err_misc3": 0},
                            {"err_status": _status_hook})
        d, _ = decode_struct(ctx, DESCRIPTOR, off, node, f"Error syndrome descriptor {i}", gates,
                             lazy=True)
        node.display = (f"record {d['error_record_index']}: {status_text(d['err_status'])}"
                        if "err_status" in d else node.display)
        # every key is written (null when not reached); ERR_MISC2/3 exist from revision 1
        out.append(layout_json(
            DESCRIPTOR, d, omit=("reserved",), plain=("ras_extension_revision",),
            valid={"err_misc2": bool(rev), "err_misc3": bool(rev)},
            after={"ras_extension_revision": lambda r: {"revision": r >> 4, "arch_version": r & 0xF},
                   "err_status": lambda status: {"err_status_fields": _status_json(status)}},
            order=SYNDROME_JSON_KEYS, nulls=True))
        off += DESCRIPTOR_SIZE
    return out


def _aux(ctx: SectionContext, v: dict[str, Any]) -> dict[str, Any] | None:
    rel = v["auxiliary_data_offset"]
    if not rel:
        return None
    syn_end = v["error_syndrome_array_offset"] + DESCRIPTOR_SIZE * v["error_syndrome_array_num_entries"]
    if rel < NODE_SIZE or rel >= ctx.length:
        ctx.finding(ERROR, f"AuxiliaryDataOffset {rel} is outside the section", ctx.offset + 14,
                    2, "arm-ras-offset")
        return None
    if v["error_syndrome_array_offset"] <= rel < syn_end:
        ctx.finding(WARNING, f"AuxiliaryDataOffset {rel} points into the error syndrome array",
                    ctx.offset + 14, 2, "arm-ras-offset")
    base = ctx.offset + rel
    node = struct_node(ctx.node, "aux_data", "Auxiliary data", base, 16, end=ctx.end)
    h, whole = decode_struct(ctx, AUX, base, node, "Auxiliary data header")
    if not whole:
        return None
    size = h["auxiliary_data_size"]
    end = min(ctx.end, base + size)
    node.length = max(16, end - base)
    if base + size > ctx.end:
        ctx.finding(ERROR, f"AuxiliaryDataSize {size} runs past the end of the section",
                    base + 4, 4, "arm-ras-aux")
    if h["version"] != 1:
        ctx.finding(WARNING, f"auxiliary data version is {h['version']} (expected 1)", base, 1,
                    "arm-ras-aux")
    kv_off = base + h["key_value_pair_array_offset"]
    contexts = _aux_contexts(ctx, node, base + 16, min(end, kv_off),
                             h["address_space_array_entry_count"], base + 2)
    pairs = _aux_kvps(ctx, node, kv_off, end, h["key_value_pair_array_entry_count"], base + 12)
    return layout_json(AUX, h, omit=("reserved0", "reserved1"),
                       extra={"contexts": contexts, "key_value_pairs": pairs})


def _aux_contexts(ctx, parent, off, end, count, count_at) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        if off + 16 > end:
            ctx.finding(ERROR, f"AddressSpaceArrayEntryCount is {count} but only {i} context(s) "
                               "fit before the key/value array", count_at, 2, "count-overrun")
            break
        node = struct_node(parent, f"context_{i}", f"Address-space context {i}", off, 16, end=end)
        h, _ = decode_struct(ctx, AUX_CONTEXT, off, node, f"Auxiliary context {i}", end=end)
        local = bool(h["flags"] & 1)
        regs = []
        reg_off = off + 16
        for k in range(h["register_array_entry_count"]):
            if reg_off + 16 > end:
                ctx.finding(ERROR, f"auxiliary context {i} lists {h['register_array_entry_count']}"
                                   f" registers but only {k} fit", off + 6, 2, "count-overrun")
                break
            rv = AUX_REGISTER.unpack(ctx.data, reg_off)
            addr, value = rv["address"], rv["value"]
            node.add(FieldNode(f"register_{k}", f"Register at 0x{addr:X}", value,
                               f"0x{value:016X}", reg_off, 16, kind="hex",
                               children=[FieldNode("address", "Address", addr, f"0x{addr:016X}",
                                                   reg_off, 8, kind="hex"),
                                         FieldNode("value", "Value", value, f"0x{value:016X}",
                                                   reg_off + 8, 8, kind="hex")]))
            regs.append(layout_json(AUX_REGISTER, rv))
            reg_off += 16
        step = h["length"]
        node.length = max(16, min(step, end - off))
        node.display = f"{len(regs)} register(s), {'local' if local else 'system physical'} space"
        out.append(layout_json(
            AUX_CONTEXT, h, plain=("flags",), omit=("reserved0", "reserved1", "register_array_entry_count"),
            valid={"address_space_identifier": local},  # meaningful for a local space only
            after={"flags": lambda flags: {"local_address_space": bool(flags & 1)}},
            extra={"registers": regs}))
        if step < 16:
            ctx.finding(ERROR, f"auxiliary context {i} has Length {step} (less than its 16-byte "
                               "header); the remaining contexts cannot be located", off, 4,
                        "arm-ras-aux")
            break
        off += step
    return out


def _aux_kvps(ctx, parent, off, end, count, count_at) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        if off + 24 > end:
            ctx.finding(ERROR, f"KeyValuePairArrayEntryCount is {count} but only {i} pair(s) fit "
                               "in the auxiliary data", count_at, 2, "count-overrun")
            break
        kv = KEY_VALUE.unpack(ctx.data, off)
        key, value = guids.guid_text(kv["key"]), kv["value"]
        name = guids.name_of(key, "arm-ras-key", "")
        parent.add(FieldNode(f"key_value_{i}", name or f"Key {key}", value, f"0x{value:016X}",
                             off, 24, kind="struct",
                             children=[FieldNode("key", "Key", key, f"{name} {{{key}}}" if name
                                                 else key, off, 16, kind="guid"),
                                       FieldNode("value", "Value", value, f"0x{value:016X}",
                                                 off + 16, 8, kind="hex")]))
        out.append(layout_json(KEY_VALUE, kv, after=_KEY_NAME,
                               extra={"mpam_part_id": value & 0xFFFF} if key == MPAM_PARTID_KEY
                               else None))
        off += 24
    return out


# -- Microsoft WHEA_ARM_RAS_NODE_SECTION ---------------------------------------------------------
INTERFACE_TYPES = {0: "system register", 1: "MMIO"}
MS_NODE = Layout("ms_arm_ras_node", [
    Field("node_field_count", "Node field count", 4, "int",
          description="Number of ERR registers that follow (8)"),
    Field("node_index", "Node index", 4, "int"),
    Field("interface_type", "Interface type", 1, "enum", enum=INTERFACE_TYPES),
    Field("aest_node_type", "AEST node type", 1, "enum", enum=NODE_TYPES),
    Field("reserved", "Reserved", 6, "bytes"),
])

MS_REGISTERS = Layout("ms_arm_ras_registers", _reg_fields())  # NodeFieldCount may show fewer
MS_NODE_JSON_KEYS = ("node_field_count", "node_index", "interface_type", "aest_node_type",
                     "aest_node_type_name", "interface_type_name")


@register(MS_GUID)
def decode_ms_arm_ras_node(ctx: SectionContext) -> dict[str, Any]:
    h, whole = decode_struct(ctx, MS_NODE, ctx.offset, ctx.node, "ARM RAS node section header")
    values: dict[str, Any] = {}
    if whole:
        count = h["node_field_count"]
        if count != len(ERR_REGS):
            ctx.finding(NOTE, f"NodeFieldCount is {count}; Windows defines {len(ERR_REGS)} ERR "
                              "registers", ctx.offset, 4, "ms-arm-ras-count")
        shown = min(count, len(ERR_REGS))
        regs = Layout("ms_arm_ras_registers", _reg_fields()[:shown])
        values, _ = decode_struct(ctx, regs, ctx.offset + MS_NODE.size, ctx.node,
                                  "ERR register block", {"err_status": _status_hook},
                                  blame=(ctx.offset, 4))
        extra_at = ctx.offset + MS_NODE.size + regs.size
        if count > shown and extra_at < ctx.end:
            ctx.node.add(FieldNode("extra_registers", "Further node fields",
                                   ctx.data[extra_at:ctx.end], f"{ctx.end - extra_at} bytes",
                                   extra_at, ctx.end - extra_at, kind="bytes"))
    # every key is written (null when not reached): the header, two names, the ERR registers
    fields = layout_json(MS_NODE, h, omit=("reserved",), after={
        "aest_node_type": lambda t: {"aest_node_type_name": NODE_TYPES.get(t)},
        "interface_type": lambda t: {"interface_type_name": INTERFACE_TYPES.get(t)}},
        order=MS_NODE_JSON_KEYS, nulls=True)
    fields.update(layout_json(MS_REGISTERS, values, after={
        "err_status": lambda status: {"err_status_fields": _status_json(status)}},
        order=(*ERR_REGS, "err_status_fields"), nulls=True))
    status = fields["err_status"]
    syndrome = [{"error_record_index": None, "err_status": status, "err_addr": fields["err_addr"]}]
    _describe(ctx, {"component_type": fields["aest_node_type"],
                    "component_type_name": fields["aest_node_type_name"], "ip_instance": None},
              syndrome if status is not None else [], fields["node_index"])
    return fields


def _describe(ctx: SectionContext, f: dict[str, Any], syndromes: list[dict[str, Any]],
              node_index: int | None) -> None:
    sec = ctx.section
    ctype = f.get("component_type")
    sec.component = NODE_COMPONENTS.get(ctype, "platform")
    loc: dict[str, Any] = {}
    if node_index is not None:
        loc["node_index"] = node_index
    inst = f.get("ip_instance") or {}
    if "mpidr" in inst:
        loc["mpidr"] = inst["mpidr"]
    kind = f.get("component_type_name") or "unknown"
    where = f"in Arm RAS {kind} node" + (f" {node_index}" if node_index is not None else "")
    if "mpidr" in inst:
        where += f" (MPIDR affinity {ids.mpidr_text(inst['mpidr'])})"
    hit = next((s for s in syndromes if s.get("err_status") is not None
                and s["err_status"] >> 30 & 1), None)
    what = "RAS error"
    if hit is not None:
        status = hit["err_status"]
        what = f"RAS error ({status_text(status)})"
        if hit.get("error_record_index") is not None:
            loc["error_record_index"] = hit["error_record_index"]
            where += f", error record {hit['error_record_index']}"
        if status >> 31 & 1 and hit.get("err_addr") is not None:
            addr = hit["err_addr"] & ((1 << 56) - 1)
            loc["address"] = addr
            where += f", address {numbers.address(addr)}"
    sec.location = loc
    sec.summary = sentence(severity_word(ctx), what, where)
