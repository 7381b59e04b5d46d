"""WHEA_EXTENDED_RAS (FORMAT.md §8.16): flag, DIMM location and a u64 array; the meaning of the
values is undocumented, so they are shown as numbers."""

from __future__ import annotations

from ...core.fields import Field, Layout, layout_json
from ...core.model import ERROR, FieldNode
from ...core.sections import SectionContext, register
from ._kit import decode_fixed, note_extra, struct_node

EXTENDED_RAS_GUID = "c6749ac0-16fb-4868-b976-65a61299834f"
HEAD = Layout("WHEA_EXTENDED_RAS", [
    Field("flag", "Flag", 4, "hex"), Field("dimm_location", "DIMM location", 4, "hex"),
    Field("section_length", "Section length", 8, "int", description="Bytes of SectionData"),
])


@register(EXTENDED_RAS_GUID)
def decode_extended_ras(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, HEAD, what="Extended RAS section")
    ctx.section.summary = "Platform extended RAS data (undocumented layout)"
    if not whole:
        return layout_json(HEAD, v)
    declared = v["section_length"]
    start = ctx.offset + HEAD.size
    present = max(0, min(declared, ctx.end - start))
    if present < declared:
        ctx.finding(ERROR, f"SectionLength is {declared} but only {present} bytes follow",
                    ctx.offset + 8, 8, "count")
    words = present // 8
    node = struct_node(ctx.node, "section_data", "Section data", start, present, f"{words} values")
    data = []
    for i in range(words):
        o = start + 8 * i
        val = int.from_bytes(ctx.data[o:o + 8], "little")
        data.append(val)
        node.add(FieldNode(f"value_{i}", f"SectionData[{i}]", val, f"0x{val:016X}", o, 8, kind="hex"))
    note_extra(ctx, HEAD.size + 8 * words, "extended RAS data")
    return layout_json(HEAD, v, extra={"section_data": data})  # the 64-bit values that follow
