"""Microsoft GENERIC section (FORMAT.md §8.4): a whole ACPI Generic Error Status Block (GHES
buffer) embedded in a CPER record. Each data entry's body is decoded by the section registry."""

from __future__ import annotations

from ...core.sections import SectionContext, register
from .. import cper
from ..gesb import block_json, decode_gesb

GENERIC_SECTION_GUID = "e71254e8-c1b9-4940-ab76-909703a4320f"


@register(GENERIC_SECTION_GUID)
def decode_generic(ctx: SectionContext) -> dict:
    tag = f"Section {ctx.section.index} (generic error status block)"
    block = decode_gesb(ctx.data, ctx.offset, ctx.end, ctx.node, ctx.record, tag=tag,
                        creator_id=ctx.creator_id)
    if not block.header:
        ctx.section.summary = "Generic error status block (truncated before its header)"
        return {}
    entries = block.entries
    # The most severe entry with a component speaks for the block.
    ranked = sorted(entries, key=lambda e: cper.SEVERITY_RANK.get(e.values["severity"], 0),
                    reverse=True)
    lead = next((e for e in ranked if e.section.component), ranked[0] if ranked else None)
    sev = block.header["error_severity_name"]
    if lead is None:
        ctx.section.summary = f"Generic error status block ({sev}) with no data entries"
    else:
        inner = lead.section.summary or lead.values["type_name"]
        more = f" (+{len(entries) - 1} more entr{'y' if len(entries) == 2 else 'ies'})" \
            if len(entries) > 1 else ""
        ctx.section.summary = f"Generic error status block ({sev}): {inner}{more}"
        ctx.section.component = lead.section.component
        ctx.section.location = dict(lead.section.location)
    return block_json(block)
