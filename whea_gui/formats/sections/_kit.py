"""The one kit of helpers every section decoder shares (not a plug-in: the name starts with _).

Everything here works on a ``SectionContext``: offsets are record-relative, every read is bounded
by the body bytes actually present (``ctx.end``), and problems become findings with byte ranges
inside the body, never exceptions. Conventions:
  * a field whose validation bit is clear is still shown (marked "not valid"); its JSON value
    is ``None`` (``core.fields.layout_json``);
  * a structure cut short by the end of the body keeps the fields that fit, and the bytes of the
    field that was cut stay visible as raw bytes (``decode_fields``, ``decode_fixed``,
    ``decode_struct``: the three report it in their sections' established words and codes);
  * 64-bit "information" words (check info, ARM error information) get one bit child per
    sub-field, marked "not valid" when that sub-field's own valid bit is clear.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...core.fields import (
    Bits,
    Field,
    Layout,
    bit_nodes,
    display_value,
    hexint,
    make_node,
)
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext
from .. import numbers

Hook = Callable[[Field, Any, int], FieldNode]


def struct_node(parent: FieldNode, name: str, label: str, offset: int, length: int,
                display: str = "", description: str = "", *, end: int | None = None) -> FieldNode:
    """A grouping node (a sub-structure) added to ``parent``, clipped to ``end`` when given."""
    if end is not None:
        length = min(length, end - offset)
    return parent.add(FieldNode(name, label, None, display, offset, max(length, 0), kind="struct",
                                description=description))


def raw_node(parent: FieldNode, ctx: SectionContext, name: str, label: str, offset: int, length: int,
             description: str = "", display: str | None = None, *, as_count: bool = False
             ) -> FieldNode | None:
    """A raw byte-range node clipped to the body; None when nothing of it is present.

    Shown as hex when short, else as its size (always as its size with ``as_count``)."""
    length = min(length, ctx.end - offset)
    if length <= 0:
        return None
    raw = bytes(ctx.data[offset:offset + length])
    if display is None:
        display = raw.hex(" ").upper() if length <= 32 and not as_count else f"{length} bytes"
    return parent.add(FieldNode(name, label, raw, display, offset, length, kind="bytes",
                                description=description))


def fitted_end(layout: Layout, offset: int, count: int) -> int:
    """Where the first ``count`` fields of ``layout`` at ``offset`` end: the start of the bytes of
    a structure cut short, which every decode helper below keeps visible as raw bytes."""
    return offset + sum(f.size for f in layout.fields[:count])


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
    # Nodes are made when first shown (after the parent's earlier children, made or not).
    values, count = layout.decode(ctx.data, offset, limit, parent, hooks, lazy=True)
    if count < len(layout.fields):
        # the bytes of a field cut off by the end stay visible (never lost), as raw bytes
        f = layout.fields[count]
        start = fitted_end(layout, offset, count)
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


BOOL = {0: "FALSE", 1: "TRUE"}


def decode_fixed(ctx: SectionContext, layout: Layout, offset: int | None = None,
                 parent: FieldNode | None = None, hooks: Mapping | None = None,
                 what: str = "") -> tuple[dict, bool]:
    """Decode ``layout`` at ``offset`` (default: body start) into ``parent`` (default: body node).

    Fields beyond the bytes present are left out with one error finding. Returns the values
    and whether every field fitted.
    """
    off = ctx.offset if offset is None else offset
    node = ctx.node if parent is None else parent
    values, count = layout.decode(ctx.data, off, ctx.end, node, hooks)
    whole = count == len(layout.fields)
    if not whole:
        have = max(0, ctx.end - off)
        fitted = fitted_end(layout, off, count)
        raw_node(node, ctx, "undecoded", "Undecoded bytes (structure cut short)", fitted,
                 ctx.end - fitted)
        ctx.finding(ERROR, f"{what or layout.name} needs {layout.size} bytes but only {have} are "
                           f"present; {count} of {len(layout.fields)} fields decoded",
                    off, have, "body-truncated")
    return values, whole


def note_extra(ctx: SectionContext, used: int, what: str) -> None:
    """Bytes after the structure: kept as a node, reported as a note (padding is common)."""
    end = ctx.offset + used
    if end < ctx.end:
        extra = ctx.end - end
        raw_node(ctx.node, ctx, "trailing", "Bytes after the structure", end, extra)
        nonzero = any(ctx.data[end:ctx.end])
        ctx.finding(NOTE if not nonzero else WARNING,
                    f"{extra} byte(s) after the {used}-byte {what}"
                    + (" (not zero)" if nonzero else " (zero padding)"), end, extra, "extra-bytes")


def filetime_text(value: int) -> str | None:
    """A Windows FILETIME (100 ns since 1601, UTC) as ISO text, when it is a plausible date."""
    if not 0 < value < 1 << 63:
        return None
    try:
        t = dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=value // 10)
    except OverflowError:
        return None
    return t.isoformat() if 1990 <= t.year <= 2100 else None


def check_valid_bits(ctx: SectionContext, value: int, defined: int, offset: int, size: int,
                     what: str = "ValidBits") -> None:
    undefined = value & ~defined & ((1 << (8 * size)) - 1)
    if undefined:
        ctx.finding(WARNING, f"{what} has reserved bits set (0x{undefined:X})", offset, size,
                    "reserved")


def pci_text(seg, bus, dev, fn) -> str:
    """SSSS:BB:DD.F with the parts that are known (None = unknown), as a JSON value: an
    impossible device or function is shown as it is (the decoder adds ``pci-address-range``)."""
    return numbers.pci_address(seg, bus, dev, fn, say_impossible=False)


def decode_struct(ctx: SectionContext, layout: Layout, off: int, node: FieldNode, what: str,
                  hooks: Mapping[str, Hook] | None = None, *,
                  blame: tuple[int, int] | None = None, end: int | None = None,
                  lazy: bool | None = None) -> tuple[dict[str, Any], bool]:
    """Decode ``layout`` at ``off`` into ``node``; a cut-short structure gets an error finding.

    ``end`` defaults to the body's end. ``blame`` is the byte range to point at when not even
    one byte of the structure is present (usually the count field that promised it).
    ``lazy`` makes the field nodes on first use (children added later still come after them);
    by default only without ``hooks``, which may report findings while they make nodes.
    """
    end = ctx.end if end is None else end
    if lazy is None:
        lazy = hooks is None
    lazy = lazy and off + layout.size <= end
    values, count = layout.decode(ctx.data, off, end, node, hooks, lazy=lazy)
    whole = count == len(layout.fields)
    if not whole:
        have = max(0, end - off)
        rel = off - ctx.offset
        msg = (f"{what} needs {layout.size} bytes at section offset {rel} but only {have} "
               f"are present; the fields that fit are shown")
        if have:
            ctx.finding(ERROR, msg, off, have, "body-truncated")
        else:
            b_off, b_len = blame or (ctx.offset, min(ctx.length, 1))
            ctx.finding(ERROR, msg, b_off, b_len, "body-truncated")
        node.display = node.display or f"truncated: {have} of {layout.size} bytes"
        done = fitted_end(layout, off, count)
        # the bytes of the field that was cut, so no byte goes unshown
        raw_node(node, ctx, "truncated", "Truncated field", done, end - done,
                 display=f"{end - done} bytes (field cut short)")
    return values, whole


def valid_hooks(valid_bits: int, gates: Mapping[str, int],
                extra: Mapping[str, Hook] | None = None) -> dict[str, Hook]:
    """Hooks that mark fields whose validation bit (``gates[name]``) is clear as not valid."""
    hooks: dict[str, Hook] = dict(extra or {})
    for name, bit in gates.items():
        inner = hooks.get(name)
        hooks[name] = _gated_hook(bool(valid_bits >> bit & 1), inner)
    return hooks


def _gated_hook(valid: bool, inner: Hook | None) -> Hook:
    def hook(f: Field, v: Any, off: int) -> FieldNode:
        node = inner(f, v, off) if inner else make_node(f, v, off)
        if not valid:
            node.valid = False
            node.display = f"{node.display} (not valid)"
        return node
    return hook


def gated_bit_nodes(bits: Sequence[Bits], value: int, off: int, size: int,
                    reserved_mask: int, gates: Mapping[str, int]) -> list[FieldNode]:
    """Bit nodes for ``value``; sub-fields whose valid bit (``gates[name]``) is clear are marked."""
    nodes = bit_nodes(bits, value, off, size, reserved_mask)
    for n in nodes:
        bit = gates.get(n.name)
        if bit is not None and not value >> bit & 1:
            n.valid = False
            n.display += " (not valid)"
    return nodes


def word_node(f: Field, value: int, off: int, bits: Sequence[Bits], reserved_mask: int,
              gates: Mapping[str, int], display: str | Callable[[], str] | None = None
              ) -> FieldNode:
    """An information word whose bit children are chosen at decode time.

    ``display`` may be a function: its text is then made only when someone looks.
    """
    def make(_n: FieldNode) -> list[FieldNode]:
        return gated_bit_nodes(bits, value, off, f.size, reserved_mask, gates)
    fmt = display if callable(display) else (lambda: display_value(f, value))
    return FieldNode(f.name, f.label, value, display if isinstance(display, str) else None, off,
                     f.size, kind=f.kind, description=f.description, make_children=make, fmt=fmt)


def bits_of(value: int, bit: int, width: int = 1) -> int:
    return value >> bit & ((1 << width) - 1)


def gated_values(value: int, bits: Sequence[Bits], gates: Mapping[str, int]) -> dict[str, Any]:
    """JSON for a bit-field word: each named sub-field, ``None`` when its valid bit is clear.

    1-bit fields become booleans, enumerated fields also get ``<name>_name``.
    """
    out: dict[str, Any] = {}
    for b in bits:
        if b.name.endswith("_valid"):
            continue
        gate = gates.get(b.name)
        valid = gate is None or bool(value >> gate & 1)
        v = bits_of(value, b.bit, b.width)
        if b.width == 1 and not b.values:
            out[b.name] = bool(v) if valid else None
        else:
            out[b.name] = v if valid else None
        if b.values:
            out[b.name + "_name"] = b.values.get(v, "Unknown") if valid else None
    return out


def flag_names(bits: Sequence[Bits], value: int | None) -> list[str] | None:
    if value is None:
        return None
    return [b.name for b in bits if b.width == 1 and value >> b.bit & 1]


def ascii_or_none(raw: bytes | None) -> str | None:
    """Text up to the first NUL (Latin-1, so no byte is lost)."""
    if raw is None:
        return None
    return bytes(raw).split(b"\0", 1)[0].decode("latin-1")


def severity_word(ctx: SectionContext) -> str:
    """"Corrected" / "Fatal" / ... from the section descriptor, for summaries."""
    name = ctx.section.values.get("severity_name")
    return name if name and name != "Unknown" else ""


def sentence(*parts: str) -> str:
    text = " ".join(p for p in parts if p)
    return text[:1].upper() + text[1:]


def hex_or_dec(value: int) -> str:
    return f"{value}" if value < 10 else f"{value} (0x{value:X})"
