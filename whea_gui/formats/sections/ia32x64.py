"""IA32/X64 Processor Error Section (FORMAT.md §6.2): 64-byte header, N error-information
structures (64 bytes each, check information decoded bit by bit, §6.2.2) and M contexts."""

from __future__ import annotations

from typing import Any

from ...core import guids
from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from . import _cpu_ids as ids
from ._ia32x64_context import decode_contexts
from ._kit import (
    decode_struct,
    gated_values,
    hex_or_dec,
    raw_node,
    sentence,
    severity_word,
    struct_node,
    valid_hooks,
    word_node,
)

GUID = "dc3ea0b0-a144-4797-b95b-53fa242b6e1d"
HEADER_SIZE = 64
INFO_SIZE = 64

HEADER_VALID_BITS = (
    Bits(0, "local_apic_id_valid", "LocalAPIC_ID valid"),
    Bits(1, "cpuid_info_valid", "CPUID info valid"),
    Bits(2, "error_info_count", "PROC_ERR_INFO_NUM", 6,
         "Number of processor error-information structures"),
    Bits(8, "context_info_count", "PROC_CONTEXT_INFO_NUM", 6,
         "Number of processor context structures"),
)
HEADER = Layout("ia32x64_header", [
    Field("valid_bits", "Validation bits", 8, "hex", bits=HEADER_VALID_BITS,
          reserved_mask=0xFFFFFFFFFFFFC000),
    Field("local_apic_id", "Local APIC ID", 8, "hex"),
    Field("cpuid_info", "CPUID info", 48, "bytes",
          description="CPUID(EAX=1) outputs EAX, EBX, ECX, EDX"),
])

# -- check information (§6.2.2) -------------------------------------------------------------
TRANSACTION_TYPES = {0: "instruction", 1: "data access", 2: "generic"}
_OPS = {0: "generic error", 1: "generic read", 2: "generic write", 3: "data read",
        4: "data write", 5: "instruction fetch", 6: "prefetch"}
CACHE_OPERATIONS = {**_OPS, 7: "eviction", 8: "snoop"}
PARTICIPATION = {0: "local processor originated request", 1: "local processor responded",
                 2: "local processor observed", 3: "generic"}
ADDRESS_SPACE = {0: "memory access", 1: "reserved", 2: "I/O", 3: "other transaction"}
MS_ERROR_TYPES = {0: "no error", 1: "unclassified", 2: "microcode ROM parity error",
                  3: "external error", 4: "FRC error", 5: "internal unclassified"}


def _common_bits(ops: dict[int, str]) -> tuple[Bits, ...]:
    return (
        Bits(0, "transaction_type_valid", "Transaction type valid"),
        Bits(1, "operation_valid", "Operation valid"),
        Bits(2, "level_valid", "Level valid"),
        Bits(3, "processor_context_corrupt_valid", "Processor context corrupt valid"),
        Bits(4, "uncorrected_valid", "Uncorrected valid"),
        Bits(5, "precise_ip_valid", "Precise IP valid"),
        Bits(6, "restartable_ip_valid", "Restartable IP valid"),
        Bits(7, "overflow_valid", "Overflow valid"),
        Bits(16, "transaction_type", "Transaction type", 2, values=TRANSACTION_TYPES),
        Bits(18, "operation", "Operation", 4, values=ops),
        Bits(22, "level", "Level", 3, "Cache / TLB / bus hierarchy level"),
        Bits(25, "processor_context_corrupt", "Processor context corrupt", 1,
             "The processor state may be corrupted"),
        Bits(26, "uncorrected", "Uncorrected", 1, "Set: uncorrected; clear: corrected"),
        Bits(27, "precise_ip", "Precise IP", 1, "The instruction pointer points at the faulting instruction"),
        Bits(28, "restartable_ip", "Restartable IP", 1, "Execution can restart at the instruction pointer"),
        Bits(29, "overflow", "Overflow", 1, "Further errors occurred and were not logged"),
    )


_COMMON_GATES = {"transaction_type": 0, "operation": 1, "level": 2,
                 "processor_context_corrupt": 3, "uncorrected": 4, "precise_ip": 5,
                 "restartable_ip": 6, "overflow": 7}
CACHE_BITS = _common_bits(CACHE_OPERATIONS)
TLB_BITS = _common_bits(_OPS)
BUS_BITS = _common_bits(_OPS) + (
    Bits(8, "participation_type_valid", "Participation type valid"),
    Bits(9, "timed_out_valid", "Time-out valid"),
    Bits(10, "address_space_valid", "Address space valid"),
    Bits(30, "participation_type", "Participation type", 2, values=PARTICIPATION),
    Bits(32, "timed_out", "Timed out", 1, "The request timed out"),
    Bits(33, "address_space", "Address space", 2, values=ADDRESS_SPACE),
)
MS_BITS = (
    Bits(0, "error_type_valid", "Error type valid"),
    Bits(1, "processor_context_corrupt_valid", "Processor context corrupt valid"),
    Bits(2, "uncorrected_valid", "Uncorrected valid"),
    Bits(3, "precise_ip_valid", "Precise IP valid"),
    Bits(4, "restartable_ip_valid", "Restartable IP valid"),
    Bits(5, "overflow_valid", "Overflow valid"),
    Bits(16, "error_type", "Error type", 3, "Other values are processor specific", MS_ERROR_TYPES),
    Bits(19, "processor_context_corrupt", "Processor context corrupt"),
    Bits(20, "uncorrected", "Uncorrected", 1, "Set: uncorrected; clear: corrected"),
    Bits(21, "precise_ip", "Precise IP"),
    Bits(22, "restartable_ip", "Restartable IP"),
    Bits(23, "overflow", "Overflow"),
)
# GUID -> (short kind, bits, reserved mask, gates)
CHECKS = {
    "a55701f5-e3ef-43de-ac72-249b573fad2c": ("cache", CACHE_BITS, 0xFFFFFFFFC000FF00, _COMMON_GATES),
    "fc06b535-5e1f-4562-9f25-0a3b9adb63c3": ("TLB", TLB_BITS, 0xFFFFFFFFC000FF00, _COMMON_GATES),
    "1cf3f8b3-c5b1-49a2-aa59-5eef92ffa63c": ("bus", BUS_BITS, 0xFFFFFFF80000F800,
                                             {**_COMMON_GATES, "participation_type": 8,
                                              "timed_out": 9, "address_space": 10}),
    "48ab7f57-dc34-4f6c-a7d3-b0b5b0a74314": ("micro-architectural", MS_BITS, 0xFFFFFFFFFF00FFC0,
                                             {"error_type": 0, "processor_context_corrupt": 1,
                                              "uncorrected": 2, "precise_ip": 3,
                                              "restartable_ip": 4, "overflow": 5}),
}

INFO_VALID_BITS = (
    Bits(0, "check_info_valid", "Check info valid"),
    Bits(1, "target_id_valid", "Target ID valid"),
    Bits(2, "requestor_id_valid", "Requestor ID valid"),
    Bits(3, "responder_id_valid", "Responder ID valid"),
    Bits(4, "instruction_pointer_valid", "Instruction pointer valid"),
)
INFO = Layout("ia32x64_error_info", [
    Field("type", "Error structure type", 16, "guid", guid_kind="check"),
    Field("valid_bits", "Validation bits", 8, "flags", bits=INFO_VALID_BITS,
          reserved_mask=0xFFFFFFFFFFFFFFE0),
    Field("check_info", "Check information", 8, "hex"),
    Field("target_id", "Target identifier", 8, "hex"),
    Field("requestor_id", "Requestor identifier", 8, "hex"),
    Field("responder_id", "Responder identifier", 8, "hex"),
    Field("instruction_pointer", "Instruction pointer", 8, "hex"),
])
INFO_GATES = {"check_info": 0, "target_id": 1, "requestor_id": 2, "responder_id": 3,
              "instruction_pointer": 4}


_VALID_KEY = {"valid_bits": "validation_bits"}  # the published name of the field
_HEADER_ORDER = ("validation_bits", "error_info_count", "context_info_count", "local_apic_id",
                 "cpuid_info")
_INFO_ORDER = ("type", "type_name", "validation_bits", *INFO_GATES)


@register(GUID)
def decode_ia32x64(ctx: SectionContext) -> dict[str, Any]:
    vb = int.from_bytes(ctx.data[ctx.offset:ctx.offset + 8], "little") if ctx.length >= 8 else 0
    hooks = valid_hooks(vb, {"local_apic_id": 0, "cpuid_info": 1},
                        {"valid_bits": _header_valid_node,
                         "local_apic_id": lambda f, v, o: make_node(f, v, o, display=hex_or_dec(v)),
                         "cpuid_info": _cpuid_node})
    # the hooks only make nodes (no findings): made when the tree is read
    values, whole = decode_struct(ctx, HEADER, ctx.offset, ctx.node, "IA32/X64 section header",
                                  hooks, lazy=True)
    n_info, n_ctx = vb >> 2 & 0x3F, vb >> 8 & 0x3F
    # every header key is written (null when not valid or not reached); the counts live in the
    # validation bits
    fields = layout_json(HEADER, values, keys=_VALID_KEY, plain=("valid_bits",),
                         valid={"local_apic_id": bool(vb & 1), "cpuid_info": bool(vb & 2)},
                         convert={"cpuid_info": _cpuid_json},
                         after={"valid_bits": lambda bits: {"error_info_count": bits >> 2 & 0x3F,
                                                            "context_info_count": bits >> 8 & 0x3F}},
                         order=_HEADER_ORDER, nulls=True)
    fields.update(error_info=[], context_info=[])
    if vb & 0xFFFFFFFFFFFFC000:
        ctx.finding(WARNING, f"reserved validation bits 14-63 are set (0x{vb:X})", ctx.offset, 8,
                    "reserved")
    if whole:
        end = _decode_infos(ctx, n_info, fields)
        fields["context_info"], end = decode_contexts(ctx, end, n_ctx, (ctx.offset, 8))
        _tail(ctx, end)
    _describe(ctx, fields)
    return fields


def _header_valid_node(f: Field, v: int, off: int) -> FieldNode:
    node = make_node(f, v, off)
    node.display = (f"0x{v:016X} (APIC ID {'valid' if v & 1 else 'not valid'}, CPUID "
                    f"{'valid' if v & 2 else 'not valid'}, {v >> 2 & 0x3F} error info, "
                    f"{v >> 8 & 0x3F} context)")
    return node


# -- CPUID: UEFI/libcper write four zero-extended 64-bit registers, Windows four 32-bit ones --
def cpuid_layout(raw: bytes) -> str:
    q = [int.from_bytes(raw[i:i + 8], "little") for i in range(0, 32, 8)]
    if all(x >> 32 == 0 for x in q):
        return "4x64"
    if not any(raw[16:]) and any(raw[:16]):
        return "4x32"
    return "4x64"


def _cpuid_node(f: Field, raw: bytes, off: int) -> FieldNode:
    layout = cpuid_layout(raw)
    width = 8 if layout == "4x64" else 4
    regs = _cpuid_regs(raw, width)
    disp = (f"EAX 0x{regs['eax']:X} ({ids.x86_signature_text(regs['eax'] & 0xFFFFFFFF)}), "
            f"{'64' if width == 8 else '32'}-bit slots")

    def make(_n: FieldNode) -> list[FieldNode]:
        kids = []
        for i, name in enumerate(("eax", "ebx", "ecx", "edx")):
            fld = Field(name, name.upper(), width, "hex")
            if name == "eax":
                kids.append(word_node(fld, regs[name], off + i * width, ids.X86_SIGNATURE_BITS,
                                      0, {}))
            else:
                kids.append(make_node(fld, regs[name], off + i * width))
        pad = 48 - 4 * width
        kids.append(make_node(Field("reserved", "Reserved", pad, "bytes"), raw[4 * width:],
                              off + 4 * width))
        return kids
    return FieldNode(f.name, f.label, bytes(raw), disp, off, 48, kind="struct",
                     description=f"{layout}: " + ("UEFI/libcper layout (4 x UINT64)" if width == 8
                                                  else "Windows layout (4 x UINT32)"),
                     make_children=make)


def _cpuid_regs(raw: bytes, width: int) -> dict[str, int]:
    return {name: int.from_bytes(raw[i * width:(i + 1) * width], "little")
            for i, name in enumerate(("eax", "ebx", "ecx", "edx"))}


def _cpuid_json(raw: bytes) -> dict[str, Any]:
    layout = cpuid_layout(raw)
    regs = _cpuid_regs(raw, 8 if layout == "4x64" else 4)
    return {**regs, "layout": layout, "signature": ids.x86_signature(regs["eax"] & 0xFFFFFFFF)}


# -- error information ------------------------------------------------------------------------
def _decode_infos(ctx: SectionContext, count: int, fields: dict[str, Any]) -> int:
    off = ctx.offset + HEADER_SIZE
    for i in range(count):
        if off >= ctx.end:
            ctx.finding(ERROR, f"PROC_ERR_INFO_NUM is {count} but only {i} error-information "
                               f"structure(s) fit in the {ctx.length}-byte section",
                        ctx.offset, 8, "count-overrun")
            break
        fields["error_info"].append(_decode_info(ctx, i, off))
        off += INFO_SIZE
    return min(off, ctx.end)


def _decode_info(ctx: SectionContext, i: int, off: int) -> dict[str, Any]:
    node = struct_node(ctx.node, f"error_info_{i}", f"Error information {i}", off, INFO_SIZE,
                       end=ctx.end)
    data = ctx.data
    type_text = guids.guid_text(data[off:off + 16]) if off + 16 <= ctx.end else ""
    check = CHECKS.get(type_text)
    vb = int.from_bytes(data[off + 16:off + 24], "little") if off + 24 <= ctx.end else 0

    def check_hook(f: Field, v: int, o: int) -> FieldNode:
        if check is None:
            return make_node(f, v, o, display=f"0x{v:016X} (unknown structure type: raw)")
        kind, bits, reserved, gates = check
        return word_node(f, v, o, bits, reserved, gates,
                         display=lambda: f"0x{v:016X} ({kind} check: {_check_text(v, kind, bits, gates)})")

    values, _ = decode_struct(ctx, INFO, off, node, f"Error-information structure {i}",
                              valid_hooks(vb, INFO_GATES, {"check_info": check_hook}),
                              lazy=True)
    kind = check[0] if check else None
    node.display = f"{kind} check" if kind else (guids.name_of(type_text, "check") if type_text else "")
    # every key is written: null when its valid bit is clear or the structure ends before it
    out = layout_json(INFO, values, keys=_VALID_KEY, plain=("valid_bits",),
                      valid={name: bool(vb >> bit & 1) for name, bit in INFO_GATES.items()},
                      convert={"check_info": lambda word: _check_json(word, check)},
                      after={"type": lambda t: {"type_name": guids.name_of(guids.guid_text(t),
                                                                            "check")}},
                      order=_INFO_ORDER, nulls=True)
    if vb & 0xFFFFFFFFFFFFFFE0:
        ctx.finding(WARNING, f"error-information structure {i}: reserved validation bits set "
                             f"(0x{vb:X})", off + 16, 8, "reserved")
    if type_text and check is None:
        ctx.finding(NOTE, f"error-information structure {i} has an unknown structure type "
                          f"{type_text}; its check information is shown raw", off, 16, "check-type")
    return out


def _check_json(word: int, check: tuple | None) -> dict[str, Any]:
    """Check information: its number, its kind and (a known kind) its sub-fields, each null
    when its own valid bit is clear."""
    if check is None:
        return {"value": word, "kind": None}
    kind, bits, _reserved, gates = check
    return {"value": word, "kind": kind, **gated_values(word, bits, gates)}


def _check_text(v: int, kind: str, bits, gates) -> str:
    vals = gated_values(v, bits, gates)
    parts = []
    for name in ("operation_name", "error_type_name"):
        if vals.get(name):
            parts.append(vals[name])
    if vals.get("level") is not None:
        parts.append(f"level {vals['level']}")
    if vals.get("uncorrected") is not None:
        parts.append("uncorrected" if vals["uncorrected"] else "corrected")
    if vals.get("processor_context_corrupt"):
        parts.append("processor context corrupt")
    return ", ".join(parts) or "no valid sub-fields"


def _tail(ctx: SectionContext, end: int) -> None:
    if end >= ctx.end:
        return
    node = raw_node(ctx.node, ctx, "unused", "Unused bytes", end, ctx.end - end,
                    "Bytes after the last structure the counts describe", as_count=True)
    if node is not None and any(node.value):
        ctx.finding(NOTE, f"{ctx.end - end} bytes after the last error-information/context "
                          "structure are not described by the counts (and are not zero)",
                    end, ctx.end - end, "body-extra")


def _describe(ctx: SectionContext, f: dict[str, Any]) -> None:
    sec = ctx.section
    sec.component = "cpu"
    apic = f["local_apic_id"]
    if apic is not None:
        sec.location = {"apic_id": apic, "processor_id": apic}
    where = f"on CPU with APIC id {apic}" if apic is not None else "on a processor"
    infos = f["error_info"]
    lead = ids.lead_error_info(infos, lambda e: e.get("check_info"))
    first = infos[lead] if lead is not None else None
    what, detail = "processor error", ""
    if first is not None and first.get("check_info") and first["check_info"].get("kind"):
        ci = first["check_info"]
        # an MS check of error type 0 reports "no error": not "a micro-architectural error" (A7-15)
        # an MS check of error type 0 reports "no error", and an Informational section reports
        # a status, not a hardware fault (A7-15): a "check", not an "error"
        status = severity_word(ctx) == "Informational" and not (ci.get("uncorrected") or
                                                                ci.get("processor_context_corrupt"))
        what = f"{ci['kind']} check" if ci.get("error_type") == 0 or status else f"{ci['kind']} error"
        parts = [ci.get("operation_name") or ci.get("error_type_name") or ""]
        if ci.get("level") is not None:
            parts.append(f"level {ci['level']}")
        # what the check says of itself, as ARM's summary says it (N9-17): a Corrected record
        # whose structure says uncorrected must not read as a corrected error
        if ci.get("uncorrected"):
            parts.append("uncorrected")
        if ci.get("processor_context_corrupt"):
            parts.append("processor context corrupt")
        if ci.get("timed_out"):
            parts.append("timed out")
        detail = ", ".join(p for p in parts if p)
    extra = ids.more_structures_text(len(infos), lead)
    tail = f"({detail}{extra})" if detail else (f"({extra.removeprefix('; ')})" if extra else "")
    sec.summary = sentence(severity_word(ctx), what, where, tail)
