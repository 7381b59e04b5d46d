"""ARM Processor Error Section (FORMAT.md §6.4): 40-byte header, N × 32-byte error-information
structures (ErrorInformation decoded bit by bit, §6.4.2), contexts (§6.4.3) and vendor data.

Conflicts handled here: C2 (error Type is a bit mask, bits 0-3 per UEFI 2.11), C16 (PSCI state
is valid when bit 0 of RunningState is clear; bus AddressSpace 2 is undefined), C30 (error-info
structures are stepped by 32 whatever their Length byte says).
"""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from . import _arm_context
from . import _cpu_ids as ids
from ._kit import (
    decode_struct,
    flag_names,
    gated_values,
    raw_node,
    sentence,
    severity_word,
    struct_node,
    valid_hooks,
    word_node,
)

GUID = "e19e3d16-bc11-11e4-9caa-c2051d5d46b0"
HEADER_SIZE = 40
INFO_SIZE = 32

HEADER_VALID_BITS = (
    Bits(0, "mpidr_valid", "MPIDR valid"),
    Bits(1, "error_affinity_level_valid", "Error affinity level valid"),
    Bits(2, "running_state_valid", "Running state valid"),
    Bits(3, "vendor_specific_valid", "Vendor-specific info valid"),
)
RUNNING_BITS = (Bits(0, "running", "Running",
                     meaning="The processor is running (then PSCI state must be 0)"),)
HEADER = Layout("arm_header", [
    Field("valid_bits", "Validation bits", 4, "flags", bits=HEADER_VALID_BITS,
          reserved_mask=0xFFFFFFF0),
    Field("err_info_num", "ERR_INFO_NUM", 2, "int", description="Error-information structures"),
    Field("context_info_num", "CONTEXT_INFO_NUM", 2, "int", description="Context structures"),
    Field("section_length", "Section length", 4, "int", description="Total size of this section"),
    Field("error_affinity_level", "Error affinity level", 1, "int",
          description="0-3; 4-255 reserved"),
    Field("reserved", "Reserved", 3, "bytes", description="Must be zero"),
    Field("mpidr", "MPIDR_EL1", 8, "hex"),
    Field("midr", "MIDR_EL1", 8, "hex"),
    Field("running_state", "Running state", 4, "flags", bits=RUNNING_BITS,
          reserved_mask=0xFFFFFFFE),
    Field("psci_state", "PSCI state", 4, "hex",
          description="Valid when RunningState bit 0 is clear"),
])
assert HEADER.size == HEADER_SIZE

# -- error information (§6.4.1 / §6.4.2) ------------------------------------------------------
TYPE_BITS = (
    Bits(0, "cache", "Cache error"), Bits(1, "tlb", "TLB error"), Bits(2, "bus", "Bus error"),
    Bits(3, "micro_architectural", "Micro-architectural error"),
)
KIND_WORDS = {"cache": "cache", "tlb": "TLB", "bus": "bus",
              "micro_architectural": "micro-architectural"}
INFO_VALID_BITS = (
    Bits(0, "multiple_error_valid", "Multiple error valid"),
    Bits(1, "flags_valid", "Flags valid"),
    Bits(2, "error_information_valid", "Error information valid"),
    Bits(3, "virtual_fault_address_valid", "Virtual fault address valid"),
    Bits(4, "physical_fault_address_valid", "Physical fault address valid"),
)
INFO_FLAG_BITS = (
    Bits(0, "first_error_captured", "First error captured"),
    Bits(1, "last_error_captured", "Last error captured"),
    Bits(2, "propagated", "Propagated"),
    Bits(3, "overflow", "Overflow", meaning="Errors were lost because of an overflow"),
)
INFO = Layout("arm_error_info", [
    Field("version", "Version", 1, "int", description="0"),
    Field("length", "Length", 1, "int", description="32"),
    Field("valid_bits", "Validation bits", 2, "flags", bits=INFO_VALID_BITS, reserved_mask=0xFFE0),
    Field("type", "Type", 1, "flags", bits=TYPE_BITS, reserved_mask=0xF0,
          description="Bit mask (UEFI 2.11): bit 0 cache, 1 TLB, 2 bus, 3 micro-architectural"),
    Field("multiple_error", "Multiple error", 2, "int",
          description="0 single error, 1 multiple errors, 2+ error count"),
    Field("flags", "Flags", 1, "flags", bits=INFO_FLAG_BITS, reserved_mask=0xF0),
    Field("error_information", "Error information", 8, "hex"),
    Field("virtual_fault_address", "Virtual fault address", 8, "hex"),
    Field("physical_fault_address", "Physical fault address", 8, "hex"),
])
INFO_GATES = {"multiple_error": 0, "flags": 1, "error_information": 2,
              "virtual_fault_address": 3, "physical_fault_address": 4}

TRANSACTION_TYPES = {0: "instruction", 1: "data access", 2: "generic"}
_OPS = {0: "generic error", 1: "generic read", 2: "generic write", 3: "data read",
        4: "data write", 5: "instruction fetch", 6: "prefetch"}
CACHE_OPERATIONS = {**_OPS, 7: "eviction", 8: "snooping", 9: "snooped", 10: "management"}
TLB_OPERATIONS = {**_OPS, 7: "local management operation", 8: "external management operation"}
PARTICIPATION = {0: "local processor originated request", 1: "local processor responded",
                 2: "local processor observed", 3: "generic"}
ADDRESS_SPACE = {0: "external memory access", 1: "internal memory access",
                 3: "device memory access"}  # 2 is undefined (C16)
ACCESS_MODE = {0: "secure", 1: "normal (non-secure)"}


def _info_bits(ops: dict[int, str], bus: bool) -> tuple[Bits, ...]:
    bits = (
        Bits(0, "transaction_type_valid", "Transaction type valid"),
        Bits(1, "operation_valid", "Operation valid"),
        Bits(2, "level_valid", "Level valid"),
        Bits(3, "processor_context_corrupt_valid", "Processor context corrupt valid"),
        Bits(4, "corrected_valid", "Corrected valid"),
        Bits(5, "precise_pc_valid", "Precise PC valid"),
        Bits(6, "restartable_pc_valid", "Restartable PC valid"),
    )
    if bus:
        bits += (
            Bits(7, "participation_type_valid", "Participation type valid"),
            Bits(8, "timed_out_valid", "Time-out valid"),
            Bits(9, "address_space_valid", "Address space valid"),
            Bits(10, "memory_attributes_valid", "Memory attributes valid"),
            Bits(11, "access_mode_valid", "Access mode valid"),
        )
    bits += (
        Bits(16, "transaction_type", "Transaction type", 2, values=TRANSACTION_TYPES),
        Bits(18, "operation", "Operation", 4, values=ops),
        Bits(22, "level", "Level", 3,
             "Affinity level of the bus error" if bus else "Cache / TLB level"),
        Bits(25, "processor_context_corrupt", "Processor context corrupt"),
        Bits(26, "corrected", "Corrected", 1, "Set: corrected; clear: uncorrected"),
        Bits(27, "precise_pc", "Precise PC"),
        Bits(28, "restartable_pc", "Restartable PC"),
    )
    if bus:
        bits += (
            Bits(29, "participation_type", "Participation type", 2, values=PARTICIPATION),
            Bits(31, "timed_out", "Timed out"),
            Bits(32, "address_space", "Address space", 2, values=ADDRESS_SPACE),
            Bits(34, "memory_attributes", "Memory access attributes", 9, "As in the Arm ARM"),
            Bits(43, "access_mode", "Access mode", 1, values=ACCESS_MODE),
        )
    return bits


_GATES = {"transaction_type": 0, "operation": 1, "level": 2, "processor_context_corrupt": 3,
          "corrected": 4, "precise_pc": 5, "restartable_pc": 6}
# kind -> (bits, reserved mask, gates)
INFO_LAYOUTS = {
    "cache": (_info_bits(CACHE_OPERATIONS, False), 0xFFFFFFFFE000FF80, _GATES),
    "tlb": (_info_bits(TLB_OPERATIONS, False), 0xFFFFFFFFE000FF80, _GATES),
    "bus": (_info_bits(_OPS, True), 0xFFFFF0000000F000,
            {**_GATES, "participation_type": 7, "timed_out": 8, "address_space": 9,
             "memory_attributes": 10, "access_mode": 11}),
}


def info_kind(type_value: int) -> str | None:
    """Which ErrorInformation layout a Type selects (the lowest of cache/TLB/bus bits)."""
    for bit, kind in ((0, "cache"), (1, "tlb"), (2, "bus"), (3, "micro_architectural")):
        if type_value >> bit & 1:
            return kind
    return None


@register(GUID)
def decode_arm(ctx: SectionContext) -> dict[str, Any]:
    vb = int.from_bytes(ctx.data[ctx.offset:ctx.offset + 4], "little") if ctx.length >= 4 else 0
    rs = (int.from_bytes(ctx.data[ctx.offset + 32:ctx.offset + 36], "little")
          if ctx.length >= 36 else 0)
    psci_valid = bool(vb & 4) and not rs & 1
    hooks = valid_hooks(vb, {"mpidr": 0, "error_affinity_level": 1, "running_state": 2},
                        {"mpidr": _mpidr_node, "midr": _midr_node})
    hooks = valid_hooks(0 if not psci_valid else 1, {"psci_state": 0}, hooks)
    # the hooks only make nodes (no findings): made when the tree is read
    values, whole = decode_struct(ctx, HEADER, ctx.offset, ctx.node, "ARM section header", hooks,
                                  lazy=True)
    fields = _header_json(values, vb, psci_valid)
    if whole:
        _check_header(ctx, values)
        declared = values["section_length"]
        own_end = ctx.offset + declared if declared >= HEADER_SIZE else ctx.end
        body_end = min(ctx.end, own_end)
        end = _decode_infos(ctx, values["err_info_num"], body_end, fields)
        expected = body_end if not vb & 8 else None
        fields["context_info"], end = _arm_context.decode_contexts(
            ctx, end, body_end, values["context_info_num"], (ctx.offset + 6, 2), expected)
        _vendor(ctx, end, body_end, bool(vb & 8), fields)
    _describe(ctx, fields)
    return fields


def _mpidr_node(f: Field, v: int, off: int) -> FieldNode:
    return word_node(f, v, off, ids.MPIDR_BITS, 0, {},
                     display=lambda: f"0x{v:016X} (affinity {ids.mpidr_text(v)})")


def _midr_node(f: Field, v: int, off: int) -> FieldNode:
    return word_node(f, v, off, ids.MIDR_BITS, ids.MIDR_RESERVED, {},
                     display=lambda: f"0x{v:016X} ({ids.midr_text(v)})")


HEADER_JSON_KEYS = ("validation_bits", "err_info_num", "context_info_num", "section_length",
                    "error_affinity_level", "mpidr", "mpidr_affinity", "midr", "midr_fields",
                    "running_state", "running", "psci_state")


def _header_json(values: dict[str, Any], vb: int, psci_valid: bool) -> dict[str, Any]:
    """Every header key (null when not valid or not reached), then the lists filled later."""
    return layout_json(
        HEADER, values, keys={"valid_bits": "validation_bits"}, omit=("reserved",),
        plain=("valid_bits", "running_state"),
        valid={"mpidr": bool(vb & 1), "error_affinity_level": bool(vb & 2),
               "running_state": bool(vb & 4), "psci_state": psci_valid},
        after={"mpidr": lambda m: {"mpidr_affinity": ids.mpidr_fields(m)},
               "midr": lambda m: {"midr_fields": ids.midr_fields(m)},
               "running_state": lambda rs: {"running": bool(rs & 1)}},
        extra={"error_info": [], "context_info": [], "vendor_specific": None},
        order=HEADER_JSON_KEYS, nulls=True)


INFO_JSON_KEYS = ("version", "length", "validation_bits", "type", "type_names", "error_information",
                  "multiple_error", "flags", "virtual_fault_address", "physical_fault_address",
                  "flag_names")


def _check_header(ctx: SectionContext, v: dict[str, Any]) -> None:
    if v["err_info_num"] == 0:
        ctx.finding(WARNING, "ERR_INFO_NUM is 0; the section must carry at least one "
                             "error-information structure", ctx.offset + 4, 2, "arm-count")
    declared = v["section_length"]
    if declared != ctx.declared_length:
        level = ERROR if declared > ctx.declared_length or declared < HEADER_SIZE else WARNING
        ctx.finding(level, f"the section's own SectionLength is {declared} but the descriptor "
                           f"says {ctx.declared_length}", ctx.offset + 8, 4, "arm-length")
    if v["error_affinity_level"] > 3 and v["valid_bits"] & 2:
        ctx.finding(NOTE, f"error affinity level {v['error_affinity_level']} is reserved (0-3)",
                    ctx.offset + 12, 1, "reserved")
    if any(v["reserved"]):
        ctx.finding(WARNING, "reserved bytes 13-15 are not zero", ctx.offset + 13, 3, "reserved")
    if v["valid_bits"] & 0xFFFFFFF0:
        ctx.finding(WARNING, f"reserved validation bits set (0x{v['valid_bits']:X})", ctx.offset,
                    4, "reserved")
    if v["valid_bits"] & 4 and v["running_state"] & 1 and v["psci_state"]:
        ctx.finding(NOTE, "the processor is marked running but PSCI state is not 0",
                    ctx.offset + 36, 4, "arm-psci")


def _decode_infos(ctx: SectionContext, count: int, end: int, fields: dict[str, Any]) -> int:
    off = ctx.offset + HEADER_SIZE
    for i in range(count):
        if off >= end:
            ctx.finding(ERROR, f"ERR_INFO_NUM is {count} but only {i} error-information "
                               "structure(s) fit in the section", ctx.offset + 4, 2,
                        "count-overrun")
            break
        fields["error_info"].append(_decode_info(ctx, i, off, end))
        off += INFO_SIZE  # C30: step by 32 whatever the Length byte says
    return min(off, end)


def _decode_info(ctx: SectionContext, i: int, off: int, end: int) -> dict[str, Any]:
    node = struct_node(ctx.node, f"error_info_{i}", f"Error information {i}", off, INFO_SIZE, end=end)
    data = ctx.data
    vb = int.from_bytes(data[off + 2:off + 4], "little") if off + 4 <= end else 0
    etype = data[off + 4] if off + 4 < end else 0
    kind = info_kind(etype)
    layout = INFO_LAYOUTS.get(kind or "")

    def info_hook(f: Field, v: int, o: int) -> FieldNode:
        if layout is None:
            what = "vendor-specific" if kind else "no error type set"
            return make_node(f, v, o, display=f"0x{v:016X} ({what}: raw)")
        bits, reserved, gates = layout
        return word_node(f, v, o, bits, reserved, gates,
                         display=lambda: f"0x{v:016X} ({KIND_WORDS[kind]} error: "
                                 f"{_info_text(gated_values(v, bits, gates))})")

    values, _ = decode_struct(ctx, INFO, off, node, f"Error-information structure {i}",
                              valid_hooks(vb, INFO_GATES, {"error_information": info_hook}),
                              end=end, lazy=True)
    node.display = ", ".join(KIND_WORDS[k] for k in flag_names(TYPE_BITS, etype)) or "no type"
    _check_info(ctx, i, off, values, etype)
    # every key is written: null when its valid bit is clear or the structure ends before it
    return layout_json(
        INFO, values, keys={"valid_bits": "validation_bits"}, plain=("valid_bits", "type", "flags"),
        valid={name: bool(vb >> bit & 1) for name, bit in INFO_GATES.items()},
        convert={"error_information": lambda word: _information_json(word, kind, layout)},
        after={"type": lambda t: {"type_names": flag_names(TYPE_BITS, t)},
               "flags": lambda f: {"flag_names": flag_names(INFO_FLAG_BITS, f)}},
        order=INFO_JSON_KEYS, nulls=True)


def _information_json(word: int, kind: str | None, layout: tuple | None) -> dict[str, Any]:
    """ErrorInformation: its number, the kind the Type selects and (cache, TLB, bus) its
    sub-fields, each null when its own valid bit is clear."""
    if layout is None:
        return {"value": word, "kind": kind}
    bits, _reserved, gates = layout
    return {"value": word, "kind": kind, **gated_values(word, bits, gates)}


def _check_info(ctx: SectionContext, i: int, off: int, v: dict[str, Any], etype: int) -> None:
    if v.get("length", INFO_SIZE) != INFO_SIZE or v.get("version", 0) != 0:
        # name only what the body holds: a structure cut after its Version byte has no Length
        known = [(k, v[k.lower()], want) for k, want in (("Version", 0), ("Length", INFO_SIZE))
                 if k.lower() in v]
        has = " and ".join(f"{k} {value}" for k, value, _ in known)
        expected = " and ".join(str(want) for _, _, want in known)
        ctx.finding(WARNING, f"error-information structure {i} has {has} (expected {expected}); "
                             "stepped by 32 bytes", off, min(2, ctx.end - off), "arm-info-length")
    if "type" not in v:
        return
    if etype == 0 or etype & 0xF0:
        ctx.finding(NOTE, f"error-information structure {i} has Type 0x{etype:02X}: not a UEFI "
                          "2.11 bit mask (bits 0-3); possibly the older encoding (conflict C2)",
                    off + 4, 1, "arm-type")
    elif etype & (etype - 1) & 7:
        ctx.finding(NOTE, f"error-information structure {i} sets several error types "
                          f"(0x{etype:02X}); ErrorInformation is decoded as {info_kind(etype)}",
                    off + 4, 1, "arm-type")


def _info_text(vals: dict[str, Any]) -> str:
    parts = []
    if vals.get("operation_name"):
        parts.append(vals["operation_name"] if vals["operation_name"] != "Unknown"
                     else f"operation {vals['operation']}")
    if vals.get("level") is not None:
        parts.append(f"level {vals['level']}")
    if vals.get("corrected") is not None:
        parts.append("corrected" if vals["corrected"] else "uncorrected")
    if vals.get("processor_context_corrupt"):
        parts.append("processor context corrupt")
    if vals.get("timed_out"):  # (a bus error's; null when its valid bit is clear)
        parts.append("timed out")
    if vals.get("address_space") is not None:  # (2 is undefined: said as its number, not "Unknown")
        space = vals["address_space"]
        parts.append(ADDRESS_SPACE.get(space, f"address space {space} (undefined)"))
    return ", ".join(parts) or "no valid sub-fields"


def _vendor_layout(size: int) -> Layout:
    """The vendor-specific bytes: one field whose size is what is left up to SectionLength."""
    return Layout("arm_vendor_specific", [Field("vendor_specific", "Vendor-specific error "
                                                "information", size, "bytes")])


def _vendor(ctx: SectionContext, start: int, end: int, valid: bool, fields: dict) -> None:
    node = raw_node(ctx.node, ctx, "vendor_specific", "Vendor-specific error information", start,
                    end - start, "Bytes after the context structures, up to SectionLength",
                    as_count=True)
    if node is not None:
        fields.update(layout_json(_vendor_layout(node.length),
                                  {"vendor_specific": node.value},
                                  valid={"vendor_specific": valid}))
        if not valid:
            node.display += " (not valid)"
            node.valid = False
            if any(node.value):
                ctx.finding(NOTE, f"{node.length} bytes follow the context structures but the "
                                  "vendor-specific valid bit is clear", start, node.length,
                            "arm-vendor")
    elif valid:
        ctx.finding(NOTE, "vendor-specific information is marked valid but no bytes are left for "
                          "it", ctx.offset, 4, "arm-vendor")
    raw_node(ctx.node, ctx, "beyond_length", "Bytes beyond the section's own SectionLength", end,
             ctx.end - end, as_count=True)


def _describe(ctx: SectionContext, f: dict[str, Any]) -> None:
    sec = ctx.section
    sec.component = "cpu"
    mpidr = f["mpidr"]
    where = "on an ARM processor"
    if mpidr is not None:
        sec.location = {"mpidr": mpidr, "processor_id": mpidr}
        where = f"on CPU with MPIDR {numbers.hex_id(mpidr)} (affinity {ids.mpidr_text(mpidr)})"
    infos = f["error_info"]
    lead = ids.lead_error_info(infos, lambda e: e.get("error_information"))
    first = infos[lead] if lead is not None else None
    what, detail = "processor error", ""
    if first is not None and first["type_names"]:
        info = first.get("error_information") if isinstance(first.get("error_information"), dict) else {}
        worse = info.get("corrected") is False or info.get("processor_context_corrupt") is True
        noun = "check" if severity_word(ctx) == "Informational" and not worse else "error"  # (A7-15)
        what = "/".join(KIND_WORDS[k] for k in first["type_names"]) + f" {noun}"
        ei = first["error_information"]
        if ei is not None and ei["kind"] in INFO_LAYOUTS:
            detail = _info_text(ei)
        pa = first.get("physical_fault_address")
        if pa is not None:
            pa_text = f"physical address {numbers.address(pa)}"
            detail = f"{detail}, {pa_text}" if detail else pa_text
    extra = ids.more_structures_text(len(infos), lead)
    tail = f"({detail}{extra})" if detail else (f"({extra.removeprefix('; ')})" if extra else "")
    sec.summary = sentence(severity_word(ctx), what, where, tail)
