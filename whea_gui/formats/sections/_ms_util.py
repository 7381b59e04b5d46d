"""Small helpers shared by the Microsoft section decoders (not a plug-in: the name starts with _)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ...core.fields import Layout, ascii_text
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext
from .. import numbers

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
        fitted = off + sum(f.size for f in layout.fields[:count])
        raw_node(node, ctx.data, "undecoded", "Undecoded bytes (structure cut short)", fitted,
                 ctx.end - fitted)
        ctx.finding(ERROR, f"{what or layout.name} needs {layout.size} bytes but only {have} are "
                           f"present; {count} of {len(layout.fields)} fields decoded",
                    off, have, "body-truncated")
    return values, whole


def struct_node(parent: FieldNode, name: str, label: str, offset: int, length: int,
                display: str = "", description: str = "") -> FieldNode:
    return parent.add(FieldNode(name, label, None, display, offset, max(0, length), kind="struct",
                                description=description))


def raw_node(parent: FieldNode, data: bytes, name: str, label: str, offset: int, length: int,
             description: str = "") -> FieldNode | None:
    """A node for opaque bytes (shown as hex), or None when there are none."""
    if length <= 0:
        return None
    raw = bytes(data[offset:offset + length])
    disp = raw.hex(" ").upper() if len(raw) <= 32 else f"{len(raw)} bytes"
    return parent.add(FieldNode(name, label, raw, disp, offset, len(raw), kind="bytes",
                                description=description))


def note_extra(ctx: SectionContext, used: int, what: str) -> None:
    """Bytes after the structure: kept as a node, reported as a note (padding is common)."""
    end = ctx.offset + used
    if end < ctx.end:
        extra = ctx.end - end
        raw_node(ctx.node, ctx.data, "trailing", "Bytes after the structure", end, extra)
        nonzero = any(ctx.data[end:ctx.end])
        ctx.finding(NOTE if not nonzero else WARNING,
                    f"{extra} byte(s) after the {used}-byte {what}"
                    + (" (not zero)" if nonzero else " (zero padding)"), end, extra, "extra-bytes")


def c_string(raw: bytes) -> str:
    return ascii_text(raw)


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
