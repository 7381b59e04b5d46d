"""Helpers shared by the processor and firmware section decoders (not a plug-in module).

Conventions used by every decoder here:
  * every node lies inside the body's byte range; a structure cut short by the end of the
    body keeps the fields that fit and gets an error finding over the bytes that are there;
  * a field whose validation bit is clear is still shown (marked "not valid") but its JSON
    value is ``None``;
  * 64-bit "information" words (check info, ARM error information) get one bit child per
    sub-field, marked "not valid" when that sub-field's own valid bit is clear.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...core.fields import Bits, Field, Layout, bit_nodes, display_value, make_node
from ...core.model import ERROR, FieldNode
from ...core.sections import SectionContext

Hook = Callable[[Field, Any, int], FieldNode]


def struct_node(parent: FieldNode, name: str, label: str, off: int, size: int, end: int,
                display: str = "") -> FieldNode:
    """A container node clipped to ``end`` (the body's end)."""
    return parent.add(FieldNode(name, label, None, display, off, max(0, min(size, end - off)),
                                kind="struct"))


def decode_struct(ctx: SectionContext, layout: Layout, off: int, node: FieldNode, what: str,
                  hooks: Mapping[str, Hook] | None = None, *,
                  blame: tuple[int, int] | None = None, end: int | None = None,
                  lazy: bool = False) -> tuple[dict[str, Any], bool]:
    """Decode ``layout`` at ``off`` into ``node``; a cut-short structure gets an error finding.

    ``end`` defaults to the body's end. ``blame`` is the byte range to point at when not even
    one byte of the structure is present (usually the count field that promised it).
    ``lazy`` makes the field nodes on first use; only for a node that gets no other children.
    """
    end = ctx.end if end is None else end
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
        done = off + sum(f.size for f in layout.fields[:count])
        if done < end:  # the bytes of the field that was cut, so no byte goes unshown
            node.add(FieldNode("truncated", "Truncated field", ctx.data[done:end],
                               f"{end - done} bytes (field cut short)", done, end - done,
                               kind="bytes"))
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


def valid_value(values: Mapping[str, Any], name: str, valid_bits: int, bit: int) -> Any:
    """``values[name]`` when present and its validation bit is set, else ``None``."""
    if name not in values or not valid_bits >> bit & 1:
        return None
    return values[name]


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


def raw_node(ctx: SectionContext, parent: FieldNode, name: str, label: str, off: int, end: int,
             description: str = "", display: str | None = None) -> FieldNode | None:
    """A raw-bytes node for ``[off, end)`` clipped to the body; nothing when it is empty."""
    end = min(end, ctx.end)
    if end <= off:
        return None
    return parent.add(FieldNode(name, label, ctx.data[off:end], display or f"{end - off} bytes",
                                off, end - off, kind="bytes", description=description))
