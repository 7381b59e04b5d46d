"""IA32/X64 processor context structures: 16-byte header + register array (FORMAT.md §6.2.3).

Not a plug-in module: ``ia32x64`` calls ``decode_contexts``.
"""

from __future__ import annotations

import struct
from typing import Any

from ...core.fields import Field, Layout, layout_json
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext
from . import _context_walk
from ._kit import decode_struct, raw_node, struct_node

HEADER_SIZE = 16
CONTEXT_TYPES = {
    0: "Unclassified data", 1: "MSR registers", 2: "32-bit mode execution context",
    3: "64-bit mode execution context", 4: "FXSAVE context", 5: "32-bit debug registers (DR0-DR7)",
    6: "64-bit debug registers (DR0-DR7)", 7: "Memory-mapped registers",
}

HEADER = Layout("ia32x64_context_header", [
    Field("register_context_type", "Register context type", 2, "enum", enum=CONTEXT_TYPES),
    Field("register_array_size", "Register array size", 2, "int", description="Bytes"),
    Field("msr_address", "MSR address", 4, "hex", description="First MSR (type 1 only)"),
    Field("mm_register_address", "MM register address", 8, "hex",
          description="First memory-mapped register (type 7 only)"),
])


def _regs(name: str, spec: list[tuple[str, int]]) -> Layout:
    return Layout(name, [Field(n, n.upper().replace("_", " "), size, "hex") for n, size in spec])


IA32_REGISTERS = _regs("ia32_register_state", [
    *[(r, 4) for r in ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp")],
    *[(r, 2) for r in ("cs", "ds", "ss", "es", "fs", "gs")],
    *[(r, 4) for r in ("eflags", "eip", "cr0", "cr1", "cr2", "cr3", "cr4")],
    ("gdtr", 8), ("idtr", 8), ("ldtr", 2), ("tr", 2),
])
X64_REGISTERS = _regs("x64_register_state", [
    *[(r, 8) for r in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp")],
    *[(f"r{i}", 8) for i in range(8, 16)],
    *[(r, 2) for r in ("cs", "ds", "ss", "es", "fs", "gs")],
    ("reserved", 4), ("rflags", 8), ("rip", 8),
    *[(r, 8) for r in ("cr0", "cr1", "cr2", "cr3", "cr4", "cr8")],
    # 16-byte pseudo-descriptors, shown as two 64-bit halves (as libcper does)
    ("gdtr_0", 8), ("gdtr_1", 8), ("idtr_0", 8), ("idtr_1", 8), ("ldtr", 2), ("tr", 2),
])
# edk2's EFI_CONTEXT_X64_REGISTER_STATE has no CR8: 236 bytes, later fields 8 bytes earlier (C13)
X64_REGISTERS_EDK2 = Layout("x64_register_state_edk2",
                            [f for f in X64_REGISTERS.fields if f.name != "cr8"])
DEBUG32 = _regs("debug_registers_32", [(f"dr{i}", 4) for i in range(8)])
DEBUG64 = _regs("debug_registers_64", [(f"dr{i}", 8) for i in range(8)])
assert (IA32_REGISTERS.size, X64_REGISTERS.size, X64_REGISTERS_EDK2.size) == (92, 244, 236)
FIXED_LAYOUTS = {2: IA32_REGISTERS, 3: X64_REGISTERS, 5: DEBUG32, 6: DEBUG64}
FXSAVE_SIZE = 512

_SMCA_REGS = {0: "ctl", 1: "status", 2: "addr", 3: "misc0", 4: "config", 5: "ipid", 6: "synd",
              8: "destat", 9: "deaddr", 10: "misc1", 11: "misc2", 12: "misc3", 13: "misc4"}
_MCA_REGS = ("ctl", "status", "addr", "misc")


def msr_name(addr: int) -> str:
    """A readable name for an MSR in the machine-check bank ranges, else its address."""
    if 0x400 <= addr < 0x480:
        bank, reg = divmod(addr - 0x400, 4)
        return f"mc{bank}_{_MCA_REGS[reg]}"
    if 0xC0002000 <= addr < 0xC0003000:  # AMD SMCA banks (Linux decodes these too)
        bank, reg = divmod(addr - 0xC0002000, 0x10)
        return f"mca{bank}_{_SMCA_REGS.get(reg, f'reg{reg:x}')}"
    return f"msr_0x{addr:x}"


def msr_label(addr: int) -> str:
    """The tree's label: the address, and the architectural register it is in the machine-check
    bank ranges (Intel SDM vol. 4: IA32_MCi_CTL/STATUS/ADDR/MISC = 0x400 + 4i + 0..3; AMD SMCA
    MCA_*: 0xC0002000 + 0x10 i + register)."""
    name = msr_name(addr)
    if name.startswith("mc") and not name.startswith("mca"):
        bank, reg = name[2:].split("_", 1)
        return f"MSR 0x{addr:X} (IA32_MC{bank}_{reg.upper()})"
    if name.startswith("mca"):
        bank, reg = name[3:].split("_", 1)
        return f"MSR 0x{addr:X} (MCA_{reg.upper()} of SMCA bank {bank})"
    return f"MSR 0x{addr:X}"


def _read_header(data: bytes):
    def read(off: int) -> tuple[int, int]:
        return struct.unpack_from("<HH", data, off)
    return read


def _plausibility(ctype: int, size: int) -> int:
    if ctype not in CONTEXT_TYPES:
        return 0
    fixed = FIXED_LAYOUTS.get(ctype)
    if fixed is not None:
        return 2 if size == fixed.size else 1
    if ctype == 4:
        return 2 if size == FXSAVE_SIZE else 1
    return 2 if size % 8 == 0 else 1


def decode_contexts(ctx: SectionContext, start: int, count: int,
                    count_field: tuple[int, int]) -> tuple[list[dict[str, Any]], int]:
    """Decode ``count`` context structures from ``start``; returns (JSON list, end offset)."""
    if count == 0:
        return [], start
    start = _skip_empty_slots(ctx, start)
    chosen, other = _context_walk.plan(ctx.data, start, ctx.end, count, HEADER_SIZE,
                                       _read_header(ctx.data), _plausibility, ctx.end)
    _report_walk(ctx, chosen, other)
    out = []
    for i, off in enumerate(chosen.starts):
        out.append(_decode_one(ctx, i, off))
    missing = count - len(chosen.starts)
    if missing > 0:
        ctx.finding(ERROR, f"PROC_CONTEXT_INFO_NUM is {count} but only {len(chosen.starts)} "
                           f"context structure(s) start inside the section; {missing} missing",
                    *count_field, "count-overrun")
    return out, chosen.end


def _skip_empty_slots(ctx: SectionContext, start: int) -> int:
    """Skip all-zero 64-byte blocks in front of the first context.

    Windows has been seen to leave an empty (all-zero) error-information slot before the
    context it reports (DecodeWheaRecord's AMD Zen 4 CMCI sample): read naively, that slot
    is a 0-byte "unclassified" context and the real one is lost in the tail. Skip such a
    block only when a plausible non-empty context header follows it.
    """
    pos, data = start, ctx.data
    while pos + 64 + HEADER_SIZE <= ctx.end and not any(data[pos:pos + 64]):
        ctype, size = struct.unpack_from("<HH", data, pos + 64)
        if not (1 <= ctype <= 7 and size and pos + 64 + HEADER_SIZE + size <= ctx.end):
            break
        pos += 64
    if pos != start:
        ctx.finding(NOTE, f"{pos - start} zero bytes (an empty error-information slot) come "
                          "before the context structures; contexts are read after them",
                    start, pos - start, "empty-slot")
        ctx.node.add(FieldNode("empty_slot", "Empty slot (all zero)", data[start:pos],
                               f"{pos - start} zero bytes", start, pos - start, kind="bytes"))
    return pos


def _report_walk(ctx: SectionContext, chosen, other) -> None:
    if not chosen.differs_from_unpadded:
        return
    first = next(i for i, s in enumerate(chosen.sizes) if s % 16)
    where = chosen.starts[first]
    if chosen.padded:
        if not chosen.pad_zero:
            ctx.finding(NOTE, "context structures are padded to 16 bytes but the padding is "
                              "not all zero", where, chosen.sizes[first], "context-padding")
        return
    ctx.finding(WARNING, "context structures are not padded to a multiple of 16 bytes as UEFI "
                         "requires (libcper and Linux before 2025 write them this way); they "
                         "were read back to back", where, chosen.sizes[first], "context-padding")


def _decode_one(ctx: SectionContext, i: int, off: int) -> dict[str, Any]:
    node = struct_node(ctx.node, f"context_{i}", f"Processor context {i}", off, HEADER_SIZE,
                       end=ctx.end)
    h, whole = decode_struct(ctx, HEADER, off, node, f"Context structure {i} header")
    if not whole:
        return _context_json(h, None, None)
    ctype, size = h["register_context_type"], h["register_array_size"]
    name = CONTEXT_TYPES.get(ctype, f"unknown type {ctype}")
    node.display = f"{name}, {size} bytes"
    node.length = min(HEADER_SIZE + size, ctx.end - off)
    arr = off + HEADER_SIZE
    avail = max(0, min(size, ctx.end - arr))
    if avail < size:
        ctx.finding(ERROR, f"context structure {i} declares a {size}-byte register array but only "
                           f"{avail} bytes remain in the section", off + 2, 2, "context-truncated")
    if ctype not in CONTEXT_TYPES:
        ctx.finding(NOTE, f"context structure {i} has reserved type {ctype}; register array "
                          "kept as raw bytes", off, 2, "context-type")
    arr_node = FieldNode("register_array", "Register array", ctx.data[arr:arr + avail],
                         f"{avail} bytes", arr, avail, kind="struct" if avail else "bytes")
    if avail:
        node.add(arr_node)
    registers = _registers(ctx, i, ctype, h, arr, avail, size, arr_node)
    return _context_json(h, registers, ctx.data[arr:arr + avail].hex())


_CONTEXT_ORDER = (*(f.name for f in HEADER.fields[:1]), "register_context_type_name",
                  *(f.name for f in HEADER.fields[1:]), "registers", "data")


def _context_json(h: dict[str, Any], registers: dict[str, int] | None,
                  data: str | None) -> dict[str, Any]:
    """Every key of a context (null when the header is cut short): the header's fields, the
    named registers (types that define them) and the register array's bytes as hex."""
    return layout_json(HEADER, h, after={"register_context_type": lambda t: {
        "register_context_type_name": CONTEXT_TYPES.get(t, "Unknown (reserved)")}},
        extra={"registers": registers, "data": data}, order=_CONTEXT_ORDER, nulls=True)


def _registers(ctx, i, ctype, h, arr, avail, size, arr_node) -> dict[str, int] | None:
    """Named registers for the types that define them (None for raw types)."""
    fixed = FIXED_LAYOUTS.get(ctype)
    if ctype == 3 and size == X64_REGISTERS_EDK2.size:
        fixed = X64_REGISTERS_EDK2
        ctx.finding(NOTE, f"context structure {i} is a 236-byte X64 register state: read with "
                          "the edk2 layout, which has no CR8 (conflict C13)",
                    arr - HEADER_SIZE + 2, 2, "context-size")
    if fixed is not None:
        if size != fixed.size:
            ctx.finding(WARNING, f"context structure {i} ({CONTEXT_TYPES[ctype]}) has "
                                 f"RegisterArraySize {size}; the type defines {fixed.size} bytes",
                        arr - HEADER_SIZE + 2, 2, "context-size")
        limit = arr + min(avail, fixed.size)
        values, _count = fixed.decode(ctx.data, arr, limit, arr_node, lazy=avail == fixed.size)
        raw_node(arr_node, ctx, "extra", "Bytes beyond the register set", arr + fixed.size,
                 avail - fixed.size, as_count=True)
        return layout_json(fixed, values)
    if ctype in (1, 7) and avail >= 8:
        base = h["msr_address"] if ctype == 1 else h["mm_register_address"]
        layout = _register_run(ctype, base, avail // 8)
        values, _count = layout.decode(ctx.data, arr, arr + layout.size, arr_node)
        raw_node(arr_node, ctx, "extra", "Bytes beyond the last whole register",
                 arr + avail // 8 * 8, avail % 8, as_count=True)
        return layout_json(layout, values)
    if avail:
        arr_node.kind = "bytes"
    return None


def _register_run(ctype: int, base: int, count: int) -> Layout:
    """The layout of ``count`` 64-bit registers from ``base``: consecutive MSRs (type 1), or
    memory-mapped registers 8 bytes apart (type 7), each named by its address."""
    if ctype == 1:
        fields = [Field(msr_name(base + k), msr_label(base + k), 8, "hex") for k in range(count)]
    else:
        fields = [Field(f"mmio_0x{base + 8 * k:x}", f"Register at 0x{base + 8 * k:X}", 8, "hex")
                  for k in range(count)]
    return Layout("msr_registers" if ctype == 1 else "mm_registers", fields)
