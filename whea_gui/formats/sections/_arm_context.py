"""ARM processor context structures: 8-byte header + register array (FORMAT.md §6.4.3, C24).

Not a plug-in module: ``arm`` calls ``decode_contexts``.
"""

from __future__ import annotations

import struct
from typing import Any

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext
from . import _context_walk
from ._kit import decode_struct, raw_node, struct_node, word_node

HEADER_SIZE = 8
CONTEXT_TYPES = {
    0: "AArch32 general purpose registers", 1: "AArch32 EL1 context registers",
    2: "AArch32 EL2 context registers", 3: "AArch32 secure context registers",
    4: "AArch64 general purpose registers", 5: "AArch64 EL1 context registers",
    6: "AArch64 EL2 context registers", 7: "AArch64 EL3 context registers",
    8: "Miscellaneous system registers",
    9: "128-bit translation table base registers (FEAT_D128, UEFI 2.11)",
}

HEADER = Layout("arm_context_header", [
    Field("version", "Version", 2, "int", description="0"),
    Field("register_context_type", "Register context type", 2, "enum", enum=CONTEXT_TYPES),
    Field("register_array_size", "Register array size", 4, "int", description="Bytes"),
])


def _regs(name: str, size: int, names: list[str]) -> Layout:
    return Layout(name, [Field(n, n.upper(), size, "hex") for n in names])


REGISTER_LAYOUTS = {
    0: _regs("aarch32_gpr", 4, [f"r{i}" for i in range(13)] + ["r13_sp", "r14_lr", "r15_pc"]),
    1: _regs("aarch32_el1", 4, ["dfar", "dfsr", "ifar", "isr", "mair0", "mair1", "midr", "mpidr",
                                "nmrr", "prrr", "sctlr_ns", "spsr", "spsr_abt", "spsr_fiq",
                                "spsr_irq", "spsr_svc", "spsr_und", "tpidrprw", "tpidruro",
                                "tpidrurw", "ttbcr", "ttbr0", "ttbr1", "dacr"]),
    2: _regs("aarch32_el2", 4, ["elr_hyp", "hamair0", "hamair1", "hcr", "hcr2", "hdfar", "hifar",
                                "hpfar", "hsr", "htcr", "htpidr", "httbr", "spsr_hyp", "vtcr",
                                "vttbr", "dacr32_el2"]),
    3: _regs("aarch32_secure", 4, ["sctlr_s", "spsr_mon"]),
    4: _regs("aarch64_gpr", 8, [f"x{i}" for i in range(31)] + ["sp"]),
    5: _regs("aarch64_el1", 8, ["elr_el1", "esr_el1", "far_el1", "isr_el1", "mair_el1",
                                "midr_el1", "mpidr_el1", "sctlr_el1", "sp_el0", "sp_el1",
                                "spsr_el1", "tcr_el1", "tpidr_el0", "tpidr_el1", "tpidrro_el0",
                                "ttbr0_el1", "ttbr1_el1"]),
    6: _regs("aarch64_el2", 8, ["elr_el2", "esr_el2", "far_el2", "hacr_el2", "hcr_el2",
                                "hpfar_el2", "mair_el2", "sctlr_el2", "sp_el2", "spsr_el2",
                                "tcr_el2", "tpidr_el2", "ttbr0_el2", "vtcr_el2", "vttbr_el2"]),
    7: _regs("aarch64_el3", 8, ["elr_el3", "esr_el3", "far_el3", "mair_el3", "sctlr_el3",
                                "sp_el3", "spsr_el3", "tcr_el3", "tpidr_el3", "ttbr0_el3"]),
    9: _regs("d128_ttbr", 16, ["ttbr0_el1", "ttbr0_el2", "ttbr0_el3", "ttbr1_el1", "ttbr1_el2",
                               "vttbr_el2"]),
}
FIXED_SIZES = {t: lay.size for t, lay in REGISTER_LAYOUTS.items()}
assert FIXED_SIZES == {0: 64, 1: 96, 2: 64, 3: 8, 4: 256, 5: 136, 6: 120, 7: 80, 9: 96}
D128_INVALID = (1 << 128) - 1  # "An invalid register ... must have all 128 bits set"

MISC_ENTRY = 10
MRS_BITS = (
    Bits(0, "op2", "Op2", 3), Bits(3, "crm", "CRm", 4), Bits(7, "crn", "CRn", 4),
    Bits(11, "op1", "Op1", 3), Bits(14, "o0", "O0", 1, "op0 - 2 (op0 is 2 or 3)"),
)
MRS_RESERVED = 0x8000
MISC_LAYOUT = Layout("arm_misc_register", [  # one entry of a miscellaneous-register context
    Field("mrs_encoding", "MRS encoding", 2, "hex"),
    Field("value", "Value", 8, "hex"),
])
assert MISC_LAYOUT.size == MISC_ENTRY


def _plausibility(ctype: int, size: int) -> int:
    if ctype not in CONTEXT_TYPES:
        return 0
    if ctype == 8:
        return 2 if size % MISC_ENTRY == 0 else 1
    return 2 if size == FIXED_SIZES[ctype] else 1


def decode_contexts(ctx: SectionContext, start: int, end: int, count: int,
                    count_field: tuple[int, int], expected_end: int | None
                    ) -> tuple[list[dict[str, Any]], int]:
    """Decode ``count`` contexts in ``[start, end)``; returns (JSON list, end of the last)."""
    if count == 0:
        return [], start

    def read(off: int) -> tuple[int, int]:
        _v, ctype, size = struct.unpack_from("<HHI", ctx.data, off)
        return ctype, size

    chosen, _other = _context_walk.plan(ctx.data, start, end, count, HEADER_SIZE, read,
                                        _plausibility, expected_end)
    _report_walk(ctx, chosen)
    out = [_decode_one(ctx, i, off, end) for i, off in enumerate(chosen.starts)]
    missing = count - len(chosen.starts)
    if missing > 0:
        ctx.finding(ERROR, f"CONTEXT_INFO_NUM is {count} but only {len(chosen.starts)} context "
                           f"structure(s) start inside the section; {missing} missing",
                    *count_field, "count-overrun")
    return out, chosen.end


def _report_walk(ctx: SectionContext, chosen) -> None:
    if not chosen.differs_from_unpadded:
        return
    first = next(i for i, s in enumerate(chosen.sizes) if s % 16)
    where, size = chosen.starts[first], chosen.sizes[first]
    if chosen.padded:
        if not chosen.pad_zero:
            ctx.finding(NOTE, "context structures are padded to 16 bytes but the padding is "
                              "not all zero", where, size, "context-padding")
        return
    ctx.finding(WARNING, "context structures are not padded to a multiple of 16 bytes as UEFI "
                         "requires (libcper and Linux before 2025 write them this way); they "
                         "were read back to back", where, size, "context-padding")


def _decode_one(ctx: SectionContext, i: int, off: int, end: int) -> dict[str, Any]:
    node = struct_node(ctx.node, f"context_{i}", f"Processor context {i}", off, HEADER_SIZE, end=end)
    h, _whole = decode_struct(ctx, HEADER, off, node, f"Context structure {i} header", end=end)
    ctype, size = h["register_context_type"], h["register_array_size"]
    name = CONTEXT_TYPES.get(ctype)
    node.display = f"{name or f'reserved type {ctype}'}, {size} bytes"
    arr = off + HEADER_SIZE
    avail = max(0, min(size, end - arr))
    node.length = HEADER_SIZE + avail
    if h["version"] != 0:
        ctx.finding(NOTE, f"context structure {i} has version {h['version']} (expected 0)", off, 2,
                    "context-version")
    if avail < size:
        ctx.finding(ERROR, f"context structure {i} declares a {size}-byte register array but only "
                           f"{avail} bytes remain in the section", off + 4, 4, "context-truncated")
    if name is None:
        ctx.finding(NOTE, f"context structure {i} has reserved type {ctype}; register array kept "
                          "as raw bytes", off + 2, 2, "context-type")
    registers = misc = None
    if avail:
        arr_node = node.add(FieldNode("register_array", "Register array", ctx.data[arr:arr + avail],
                                      f"{avail} bytes", arr, avail, kind="struct"))
        if ctype == 8:
            misc = _misc(ctx, arr_node, arr, avail, size, i)
        elif ctype in REGISTER_LAYOUTS:
            registers = _fixed(ctx, arr_node, ctype, arr, avail, size, i)
        else:
            arr_node.kind = "bytes"
    return layout_json(HEADER, h, after={"register_context_type": lambda t: {
        "register_context_type_name": CONTEXT_TYPES.get(t, "Unknown (reserved)")}},
        extra={"registers": registers, "misc_registers": misc,
               "data": ctx.data[arr:arr + avail].hex()})


def _fixed(ctx, arr_node, ctype, arr, avail, size, i) -> dict[str, int]:
    layout = REGISTER_LAYOUTS[ctype]
    if size != layout.size:
        ctx.finding(WARNING, f"context structure {i} ({CONTEXT_TYPES[ctype]}) has "
                             f"RegisterArraySize {size}; the type defines {layout.size} bytes",
                    arr - 4, 4, "context-size")
    hooks = None
    if ctype == 9:
        hooks = {f.name: _d128_hook for f in layout.fields}
    values, _count = layout.decode(ctx.data, arr, arr + min(avail, layout.size), arr_node, hooks,
                                   lazy=avail == layout.size)  # lazy: nothing else is added
    raw_node(arr_node, ctx, "extra", "Bytes beyond the register set", arr + layout.size,
             avail - layout.size, as_count=True)
    return layout_json(layout, values, convert=_D128_NUMBERS if ctype == 9 else None)


# a 128-bit register is a number in JSON (the layout reads it as 16 bytes)
_D128_NUMBERS = {f.name: (lambda raw: int.from_bytes(raw, "little")) for f in REGISTER_LAYOUTS[9].fields}


def _d128_hook(f: Field, raw: bytes, off: int) -> FieldNode:
    v = int.from_bytes(raw, "little")
    disp = "invalid (all 128 bits set)" if v == D128_INVALID else f"0x{v:032X}"
    return FieldNode(f.name, f.label, v, disp, off, f.size, kind="hex", valid=v != D128_INVALID)


def _misc(ctx, arr_node, arr, avail, size, i) -> list[dict[str, int]]:
    if size % MISC_ENTRY:
        ctx.finding(WARNING, f"context structure {i} (miscellaneous registers) has "
                             f"RegisterArraySize {size}, not a multiple of 10", arr - 4, 4,
                    "context-size")
    out = []
    enc_field = MISC_LAYOUT["mrs_encoding"]
    for k in range(avail // MISC_ENTRY):
        off = arr + k * MISC_ENTRY
        values = MISC_LAYOUT.unpack(ctx.data, off)
        enc, value = values["mrs_encoding"], values["value"]
        entry = arr_node.add(FieldNode(f"register_{k}", f"Register {k}", None,
                                       f"{_mrs_text(enc)} = 0x{value:016X}", off, MISC_ENTRY,
                                       kind="struct"))
        entry.add(word_node(enc_field, enc, off, MRS_BITS, MRS_RESERVED, {},
                            display=f"0x{enc:04X} ({_mrs_text(enc)})"))
        entry.add(FieldNode("value", "Value", value, f"0x{value:016X}", off + 2, 8, kind="hex"))
        out.append(layout_json(MISC_LAYOUT, values, keys={"mrs_encoding": "encoding"},
                               plain=("mrs_encoding",), after={"mrs_encoding": _mrs_json}))
    raw_node(arr_node, ctx, "extra", "Bytes beyond the last whole entry",
             arr + avail // MISC_ENTRY * MISC_ENTRY, avail % MISC_ENTRY, as_count=True)
    return out


def _mrs_json(enc: int) -> dict[str, int]:
    """The MRS operands of an encoding (op0 is 2 plus the O0 bit)."""
    return {"op0": 2 + (enc >> 14 & 1), "op1": enc >> 11 & 7, "crn": enc >> 7 & 0xF,
            "crm": enc >> 3 & 0xF, "op2": enc & 7}


def _mrs_text(enc: int) -> str:
    return (f"S{2 + (enc >> 14 & 1)}_{enc >> 11 & 7}_C{enc >> 7 & 0xF}_C{enc >> 3 & 0xF}_"
            f"{enc & 7}")
