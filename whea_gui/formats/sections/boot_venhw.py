"""The vendor section of Windows revision 1.1 BOOT records (FORMAT.md §13 sample B).

Section type 93a41c2f-a09f-e7c2-ac1f-f2488f03eec3 has been seen only in BOOT records that
Windows logs as WHEA-Logger event 3 (DecodeWheaRecord issue #5; a second record from another
machine has the same body). Its layout is known from those bytes, not from a specification:
8 bytes whose meaning is not documented, the section type GUID again, a u32 equal to the
section's length, then UTF-16LE text ending in a NUL: a UEFI device path in text form
("VenHw(GUID)": UEFI spec §10.6, Vendor-Defined Hardware Device Path). Only a body that has
that shape is decoded; any other is left raw.
"""

from __future__ import annotations

from typing import Any

from ...core import guids
from ...core.fields import Field, Layout, layout_json, make_node
from ...core.model import FieldNode
from ...core.sections import SectionContext, register
from ._kit import decode_fields

BOOT_VENHW_GUID = "93a41c2f-a09f-e7c2-ac1f-f2488f03eec3"
HEAD = Layout("boot_venhw", [
    Field("header", "Header (meaning not documented)", 8, "bytes"),
    Field("section_type", "Section type (again)", 16, "guid",
          description="The same GUID as the descriptor's section type"),
    Field("length", "Length", 4, "int", description="The section's length"),
])


def _text(raw: bytes) -> str | None:
    """UTF-16LE text up to its NUL, when it is printable; else None."""
    end = next((i for i in range(0, len(raw) - 1, 2) if raw[i:i + 2] == b"\0\0"), len(raw) & ~1)
    try:
        text = raw[:end].decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    return text if text and text.isprintable() else None


def _length_node(f: Field, value: int, off: int) -> FieldNode:
    return make_node(f, value, off, display=f"{value} (the section's length)")


@register(BOOT_VENHW_GUID)
def decode_boot_venhw(ctx: SectionContext) -> dict[str, Any] | None:
    body, data = ctx.offset, ctx.data
    if ctx.end - body < HEAD.size + 2:
        return None
    guid = guids.guid_text(bytes(data[body + 8:body + 24]))
    length = int.from_bytes(data[body + 24:body + 28], "little")
    text = _text(bytes(data[body + HEAD.size:ctx.end]))
    if guid != BOOT_VENHW_GUID or length != ctx.length or text is None:
        return None  # not the shape seen in real records: shown raw
    values = decode_fields(ctx, HEAD, body, ctx.node, hooks={"length": _length_node})
    at = body + HEAD.size
    size = min(2 * len(text) + 2, ctx.end - at)  # with its NUL when present
    ctx.node.add(FieldNode("text", "Text (UTF-16LE)", text, text, at, size, kind="text",
                           description="A UEFI device path in text form when it starts with VenHw("))
    ctx.section.summary = (f"Boot record section naming a vendor-defined hardware device path: {text}"
                           if text.startswith("VenHw(") else f"Boot record section with the text: {text}")
    return layout_json(HEAD, values, extra={"text": text})
