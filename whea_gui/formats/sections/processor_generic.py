"""Processor Generic Error Section, 192 bytes (FORMAT.md §6.1, §6.1.1; conflict C12)."""

from __future__ import annotations

from typing import Any

from ...core import guids
from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.model import NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from . import _cpu_ids as ids
from ._kit import (
    ascii_or_none,
    decode_struct,
    flag_names,
    sentence,
    severity_word,
    valid_hooks,
    word_node,
)

GUID = "9876ccad-47b4-4bdb-b65e-16f193c4f3db"
SIZE = 192

PROCESSOR_TYPES = {0: "IA32/X64", 1: "IA64", 2: "ARM"}
ISA_UEFI = {0: "IA32", 1: "IA64", 2: "X64", 3: "ARM A32/T32", 4: "ARM A64"}
# WDK GENPROC_PROCISA_* (conflict C12): used for records a Windows creator wrote
ISA_WINDOWS = {0: "IA32", 1: "IA64", 2: "X64", 4: "ARM32", 8: "ARM64"}
OPERATIONS = {0: "unknown or generic", 1: "data read", 2: "data write", 3: "instruction execution"}

VALID_BITS = (
    Bits(0, "processor_type_valid", "Processor type valid"),
    Bits(1, "isa_valid", "ISA valid"),
    Bits(2, "error_type_valid", "Error type valid"),
    Bits(3, "operation_valid", "Operation valid"),
    Bits(4, "flags_valid", "Flags valid"),
    Bits(5, "level_valid", "Level valid"),
    Bits(6, "cpu_version_valid", "CPU version valid"),
    Bits(7, "brand_string_valid", "Brand string valid"),
    Bits(8, "processor_id_valid", "Processor ID valid"),
    Bits(9, "target_address_valid", "Target address valid"),
    Bits(10, "requestor_id_valid", "Requestor ID valid"),
    Bits(11, "responder_id_valid", "Responder ID valid"),
    Bits(12, "instruction_ip_valid", "Instruction IP valid"),
    Bits(13, "native_model_id_valid", "Native model ID valid",
         meaning="Windows only (WDK): CPUVersion bits 32-63 hold NativeModelId"),
)
ERROR_TYPE_BITS = (
    Bits(0, "cache", "Cache error"),
    Bits(1, "tlb", "TLB error"),
    Bits(2, "bus", "Bus error"),
    Bits(3, "micro_architectural", "Micro-architectural error"),
)
ERROR_KIND_WORDS = {"cache": "cache", "tlb": "TLB", "bus": "bus",
                    "micro_architectural": "micro-architectural"}
FLAG_BITS = (
    Bits(0, "restartable", "Restartable", meaning="Program execution can be restarted reliably"),
    Bits(1, "precise_ip", "Precise IP", meaning="The instruction IP is directly associated with the error"),
    Bits(2, "overflow", "Overflow", meaning="More errors happened than could be logged"),
    Bits(3, "corrected", "Corrected", meaning="The error was corrected"),
)

LAYOUT = Layout("processor_generic", [
    Field("valid_bits", "Validation bits", 8, "flags", bits=VALID_BITS,
          reserved_mask=0xFFFFFFFFFFFFC000),
    Field("processor_type", "Processor type", 1, "enum", enum=PROCESSOR_TYPES),
    Field("isa", "Instruction set", 1, "enum", enum=ISA_UEFI),
    Field("error_type", "Error type", 1, "flags", bits=ERROR_TYPE_BITS, reserved_mask=0xF0,
          description="0 unknown; otherwise a bit mask of cache/TLB/bus/micro-architectural"),
    Field("operation", "Operation", 1, "enum", enum=OPERATIONS),
    Field("flags", "Flags", 1, "flags", bits=FLAG_BITS, reserved_mask=0xF0),
    Field("level", "Level", 1, "int", description="Cache/TLB level (0 = lowest level)"),
    Field("reserved", "Reserved", 2, "hex", description="Must be zero"),
    Field("cpu_version", "CPU version", 8, "hex",
          description="x86: CPUID(1).EAX; IA64: CPUID register 3; ARM: MIDR_EL1"),
    Field("brand_string", "CPU brand string", 128, "ascii", description="NUL-terminated ASCII"),
    Field("processor_id", "Processor ID", 8, "hex",
          description="x86: local APIC ID; IA64: LID; ARM: MPIDR_EL1"),
    Field("target_address", "Target address", 8, "hex"),
    Field("requestor_id", "Requestor ID", 8, "hex"),
    Field("responder_id", "Responder ID", 8, "hex"),
    Field("instruction_ip", "Instruction IP", 8, "hex"),
])
assert LAYOUT.size == SIZE

GATES = {"processor_type": 0, "isa": 1, "error_type": 2, "operation": 3, "flags": 4, "level": 5,
         "cpu_version": 6, "brand_string": 7, "processor_id": 8, "target_address": 9,
         "requestor_id": 10, "responder_id": 11, "instruction_ip": 12}


def _family(values: dict[str, Any], isa_names: dict[int, str]) -> str:
    """"x86" / "arm" / "ia64" / "": which CPU the identification words belong to."""
    vb = values.get("valid_bits", 0)
    ptype = values.get("processor_type") if vb & 1 else None
    isa = isa_names.get(values.get("isa", -1), "") if vb & 2 else ""
    if ptype == 2 or isa.startswith("ARM"):
        return "arm"
    if ptype == 1 or isa == "IA64":
        return "ia64"
    if ptype == 0 or isa in ("IA32", "X64"):
        return "x86"
    return ""


def _cpu_version_node(family: str, native_valid: bool):
    def hook(f: Field, v: int, off: int) -> FieldNode:
        if family == "arm":
            return word_node(f, v, off, ids.MIDR_BITS, 0, {},
                             display=lambda: f"0x{v:016X} (MIDR_EL1: {ids.midr_text(v)})")
        if family == "ia64":
            return make_node(f, v, off)
        bits = ids.X86_SIGNATURE_BITS + (ids.NATIVE_MODEL_ID_BITS if native_valid else ())
        reserved = ids.X86_SIGNATURE_RESERVED | (0 if native_valid else 0xFFFFFFFF00000000)
        return word_node(f, v, off, bits, reserved, {},
                         display=lambda: f"0x{v:016X} ({ids.x86_signature_text(v & 0xFFFFFFFF)})")
    return hook


def _processor_id_node(family: str):
    def hook(f: Field, v: int, off: int) -> FieldNode:
        if family == "arm":
            return word_node(f, v, off, ids.MPIDR_BITS, 0, {},
                             display=lambda: f"0x{v:016X} (MPIDR_EL1 affinity {ids.mpidr_text(v)})")
        if family == "x86":
            return make_node(f, v, off, display=f"{v} (0x{v:X}, local APIC ID)")
        return make_node(f, v, off)
    return hook


@register(GUID)
def decode_processor_generic(ctx: SectionContext) -> dict[str, Any]:
    windows = ctx.creator_id in guids.WINDOWS_CREATORS
    isa_names = ISA_WINDOWS if windows else ISA_UEFI
    n = ctx.data
    vb = int.from_bytes(n[ctx.offset:ctx.offset + 8], "little") if ctx.length >= 8 else 0
    peek = {"valid_bits": vb}
    if ctx.length >= 10:
        peek.update(processor_type=n[ctx.offset + 8], isa=n[ctx.offset + 9])
    family = _family(peek, isa_names)

    def isa_hook(f: Field, v: int, off: int) -> FieldNode:
        name = isa_names.get(v)
        note = " (WDK numbering)" if windows else ""
        return make_node(f, v, off, display=f"{name}{note} ({v})" if name else f"Unknown ({v})")

    hooks = valid_hooks(vb, GATES, {"isa": isa_hook,
                                    "cpu_version": _cpu_version_node(family, bool(vb >> 13 & 1)),
                                    "processor_id": _processor_id_node(family)})
    # the hooks only make nodes (no findings): made when the tree is read
    values, whole = decode_struct(ctx, LAYOUT, ctx.offset, ctx.node, "Processor Generic section",
                                  hooks, lazy=True)
    _check(ctx, values, whole, windows)
    fields = _json(values, isa_names, family)
    _describe(ctx, fields, family)
    return fields


def _check(ctx: SectionContext, values: dict[str, Any], whole: bool, windows: bool) -> None:
    if values.get("reserved"):
        ctx.finding(WARNING, f"reserved bytes 14-15 are 0x{values['reserved']:04X}, should be 0",
                    ctx.offset + 14, 2, "reserved")
    vb = values.get("valid_bits", 0)
    reserved = vb & (0xFFFFFFFFFFFFC000 if windows else 0xFFFFFFFFFFFFE000)
    if reserved:
        ctx.finding(WARNING, f"reserved validation bits set (0x{reserved:X})", ctx.offset, 8,
                    "reserved")
    if whole and ctx.length > SIZE:
        ctx.finding(NOTE, f"{ctx.length - SIZE} bytes follow the 192-byte section body",
                    ctx.offset + SIZE, ctx.length - SIZE, "body-extra")
        ctx.node.add(FieldNode("extra", "Extra bytes", ctx.data[ctx.offset + SIZE:ctx.end],
                               f"{ctx.length - SIZE} bytes", ctx.offset + SIZE, ctx.length - SIZE,
                               kind="bytes"))


# every key is written, in this order (null when not valid or not reached)
JSON_KEYS = ("validation_bits", "processor_type", "processor_type_name", "isa", "isa_name",
             "error_type", "error_type_names", "operation", "operation_name", "flags", "flag_names",
             "level", "cpu_version", "cpu_version_info", "brand_string", "processor_id", "mpidr",
             "target_address", "requestor_id", "responder_id", "instruction_ip")


def _json(values: dict[str, Any], isa_names: dict[int, str], family: str) -> dict[str, Any]:
    vb = values.get("valid_bits", 0)

    def version_info(version: int) -> dict[str, Any] | None:
        if family == "arm":
            return ids.midr_fields(version)
        if family not in ("x86", ""):
            return None
        info = ids.x86_signature(version & 0xFFFFFFFF)
        if vb >> 13 & 1:
            info["native_model_id"] = version >> 32
        return info

    return layout_json(
        LAYOUT, values, valid={name: bool(vb >> bit & 1) for name, bit in GATES.items()},
        keys={"valid_bits": "validation_bits"}, plain=("valid_bits", "error_type", "flags"),
        omit=("reserved",), order=JSON_KEYS, nulls=True,
        convert={"brand_string": ascii_or_none}, after={
            "processor_type": lambda t: {"processor_type_name": PROCESSOR_TYPES.get(t, "Unknown")},
            "isa": lambda isa: {"isa_name": isa_names.get(isa, "Unknown")},
            "error_type": lambda e: {"error_type_names": flag_names(ERROR_TYPE_BITS, e)},
            "operation": lambda op: {"operation_name": OPERATIONS.get(op, "Unknown")},
            "flags": lambda fl: {"flag_names": flag_names(FLAG_BITS, fl)},
            "cpu_version": lambda ver: {"cpu_version_info": version_info(ver)},
            "processor_id": lambda pid: {"mpidr": ids.mpidr_fields(pid) if family == "arm" else None},
        })


def _describe(ctx: SectionContext, f: dict[str, Any], family: str) -> None:
    sec = ctx.section
    sec.component = "cpu"
    pid = f["processor_id"]
    where = "on a processor"
    if pid is not None:
        if family == "arm":
            sec.location = {"mpidr": pid, "processor_id": pid}
            where = f"on CPU with MPIDR {numbers.hex_id(pid)} (affinity {ids.mpidr_text(pid)})"
        elif family == "x86":
            sec.location = {"apic_id": pid, "processor_id": pid}
            where = f"on CPU with APIC id {pid}"
        else:
            sec.location = {"processor_id": pid}
            where = f"on processor {numbers.hex_id(pid)}"
    kinds = [ERROR_KIND_WORDS[k] for k in f["error_type_names"] or ()]
    what = "/".join(kinds) + " error" if kinds else "processor error"
    details = []
    if f["operation"] not in (None, 0):
        details.append(f["operation_name"])
    if f["level"] is not None and f["error_type"] and f["error_type"] & 3:
        details.append(f"level {f['level']}")
    tail = f"({', '.join(details)})" if details else ""
    sec.summary = sentence(severity_word(ctx), what, where, tail).rstrip()
