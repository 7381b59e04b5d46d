"""Helpers shared by the standard section-body decoders (memory, PCI/PCIe, DMAr, CCIX, CXL, FMP).

Everything here works on a ``SectionContext``: offsets are record-relative, every read is bounded
by the body bytes actually present (``ctx.end``), and problems become findings with byte ranges
inside the body, never exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...core.fields import Bits, Field, Layout, bit_nodes, hexint, make_node, register_json
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext
from .. import numbers

Hook = Callable[[Field, Any, int], FieldNode]


def struct_node(parent: FieldNode, name: str, label: str, offset: int, length: int,
                display: str = "", description: str = "") -> FieldNode:
    """A grouping node (a sub-structure) added to ``parent``."""
    return parent.add(FieldNode(name, label, None, display, offset, max(length, 0), kind="struct",
                                description=description))


def decode_fields(ctx: SectionContext, layout: Layout, offset: int, parent: FieldNode, *,
                  valid: Mapping[str, bool] | None = None,
                  hooks: Mapping[str, Hook] | None = None, end: int | None = None) -> dict[str, Any]:
    """Decode ``layout`` at record offset ``offset`` into ``parent``; fields past the body are left out.

    ``valid`` maps field names to their validation-bit state: invalid fields stay in the tree
    (their bytes are real) but are marked ``valid=False`` and shown "(not valid)".
    """
    limit = ctx.end if end is None else min(end, ctx.end)
    if offset >= limit:
        return {}
    if valid and any(v is False for v in valid.values()):
        hooks = _marking_invalid(layout, valid, hooks)
    # Nodes are made when first shown, unless the parent already has children to keep in order.
    values, count = layout.decode(ctx.data, offset, limit, parent, hooks,
                                  lazy=not parent.has_children())
    if count < len(layout.fields):
        # the bytes of a field cut off by the end stay visible (never lost), as raw bytes
        f = layout.fields[count]
        start = offset + sum(x.size for x in layout.fields[:count])
        if start < limit:
            raw = bytes(ctx.data[start:limit])
            parent.add(FieldNode(f"{f.name}_truncated", f"{f.label} (truncated)", raw,
                                 f"{len(raw)} of {f.size} bytes: {raw.hex(' ').upper()}", start,
                                 len(raw), kind="bytes", valid=False))
    return values


def _marking_invalid(layout: Layout, valid: Mapping[str, bool], hooks: Mapping[str, Hook] | None):
    """Hooks that mark fields whose validation bit is clear: shown "(not valid)", valid=False."""
    merged = dict(hooks or {})
    for f in layout.fields:
        if valid.get(f.name, True) is False:
            inner = merged.get(f.name)

            def hook(f, v, off, inner=inner):
                node = inner(f, v, off) if inner else make_node(f, v, off)
                node.valid = False
                node.display = f"{node.display} (not valid)"
                return node
            merged[f.name] = hook
    return merged


def fixed_size_check(ctx: SectionContext, size: int, what: str, *, minimum: int | None = None) -> bool:
    """Report a body shorter than the fixed structure. Returns True when the whole structure is present.

    A section whose own declared length is too small is an error of the section; a body cut short by
    a truncated record was already reported by the record decoder, so it only gets a note here.
    """
    need = size if minimum is None else minimum
    if ctx.length >= size:
        return True
    if ctx.declared_length < need:
        ctx.finding(ERROR, f"{what} section is {ctx.declared_length} bytes but the structure needs "
                           f"{size}; only the fields inside the {ctx.length} bytes present are decoded",
                    code="section-too-small")
    elif ctx.length < size:
        ctx.finding(NOTE, f"only {ctx.length} of the {size} bytes of the {what} structure are present "
                          "(the record is truncated); later fields are missing", code="section-partial")
    return False


def trailing_bytes(ctx: SectionContext, used: int, what: str, *, level: str | None = NOTE) -> None:
    """Show body bytes after the structure (``used`` bytes from the body start) as an extra node.

    ``level=None`` when the caller has already explained the bytes in a finding of its own.
    """
    extra = ctx.length - used
    if extra <= 0:
        return
    start = ctx.offset + used
    ctx.node.add(FieldNode("extra_bytes", "Bytes after the structure", ctx.data[start:ctx.end],
                           f"{extra} bytes", start, extra, kind="bytes"))
    if level is None:
        return
    ctx.finding(level, f"{extra} bytes follow the {used}-byte {what} structure; not described by the "
                       "format, shown as raw bytes", start, extra, code="section-slack")


def valid_map(valid_bits: int, bit_of: Mapping[str, int]) -> dict[str, bool]:
    """Field name → whether its validation bit is set."""
    return {name: bool(valid_bits >> bit & 1) for name, bit in bit_of.items()}


def valid_bits_field(size: int, names: Sequence[tuple[int, str, str]], label: str = "Validation bits"
                     ) -> Field:
    """A validation-bits field: one named bit per (bit, name, label); the others are reserved."""
    bits = tuple(Bits(b, n, lbl) for b, n, lbl in names)
    defined = 0
    for b, _n, _l in names:
        defined |= 1 << b
    return Field("validation_bits", label, size, "flags", bits=bits,
                 reserved_mask=((1 << (size * 8)) - 1) & ~defined)


def reserved_valid_bits(ctx: SectionContext, field: Field, value: int, offset: int) -> None:
    reserved = value & field.reserved_mask
    if reserved:
        ctx.finding(WARNING, f"reserved validation bits are set (0x{reserved:X})", offset, field.size,
                    code="reserved")


def reserved_zero(ctx: SectionContext, raw: bytes | int, offset: int, size: int, what: str) -> None:
    if raw:
        if isinstance(raw, (bytes, bytearray)) and not any(raw):
            return
        ctx.finding(WARNING, f"{what} is not zero", offset, size, code="reserved")


bits_json = register_json  # one register shape for every section (core.fields)


def register_text(f: Field, value: int) -> str:
    """Hex value plus the set flags and non-zero multi-bit fields of a register."""
    parts = []
    for b in f.bits:
        v = (value >> b.bit) & ((1 << b.width) - 1)
        if b.width == 1 and not b.values:
            if v:
                parts.append(b.label)
        elif v and not b.name.startswith("reserved"):
            parts.append(f"{b.label} {b.values.get(v, v) if b.values else v}")
    return hexint(value, f.size) + (f" ({', '.join(parts)})" if parts else "")


def register_node(f: Field, value: int, offset: int) -> FieldNode:
    """A register node; its display text and bit children are made only when first shown."""
    make = bit_children(f.bits, value, offset, f.size, f.reserved_mask) if f.bits or f.reserved_mask \
        else None
    return FieldNode(f.name, f.label, value, None, offset, f.size, kind=f.kind,
                     description=f.description, make_children=make,
                     fmt=lambda: register_text(f, value), spec=f)


def u8(data: bytes, off: int) -> int:
    return data[off]


def raw_node(parent: FieldNode, ctx: SectionContext, name: str, label: str, offset: int, length: int,
             description: str = "") -> FieldNode | None:
    """A raw byte-range node clipped to the body; None when nothing of it is present."""
    length = min(length, ctx.end - offset)
    if length <= 0:
        return None
    raw = ctx.data[offset:offset + length]
    disp = raw.hex(" ").upper() if length <= 32 else f"{length} bytes"
    return parent.add(FieldNode(name, label, raw, disp, offset, length, kind="bytes",
                                description=description))


def bit_children(bits: Sequence[Bits], value: int, offset: int, size: int, reserved_mask: int = 0):
    """A lazy ``make_children`` for the bit nodes of a value."""
    def make(_parent: FieldNode) -> list[FieldNode]:
        return bit_nodes(bits, value, offset, size, reserved_mask)
    return make


def pci_bdf(segment: int | None, bus: int | None, device: int | None, function: int | None) -> str:
    """``SSSS:BB:DD.F`` in the one number style (``formats/numbers.py``); missing parts as ?."""
    return numbers.pci_address(segment, bus, device, function)


def vendor_device_text(loc: Mapping[str, Any]) -> str:
    """`` (vendor 0x8086 device 0x2030)`` from whichever IDs are known; empty when neither is."""
    text = numbers.vendor_device(loc.get("vendor_id"), loc.get("device_id"))
    return f" ({text})" if text else ""


def check_pci_address(ctx: SectionContext, device: int | None, function: int | None,
                      parent: FieldNode | None = None, what: str = "PCI address") -> bool:
    """Warn (code ``pci-address-range``) when a decoded device number is above 31 or a function
    above 7: no PCI address has them, so the field is garbled or not what its name says. The
    finding covers the ``device``/``function`` children of ``parent`` (else the section).
    Returns True when the address is possible."""
    problems = numbers.pci_range_problems(device, function)
    if not problems:
        return True
    parts = [c for c in parent.children if c.name in ("device", "function")] if parent else []
    offset = min(c.offset for c in parts) if parts else None
    length = max(c.end for c in parts) - offset if parts else None
    ctx.finding(WARNING, f"{what} is impossible: {' and '.join(problems)}", offset, length,
                "pci-address-range")
    return False
