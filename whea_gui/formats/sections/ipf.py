"""IA64 (IPF) Processor Error Section: named, kept raw (FORMAT.md §6.3 and §14: the body is a
SAL "Processor Device Error Info" that no examined implementation decodes)."""

from __future__ import annotations

from typing import Any

from ...core.sections import SectionContext, register
from ._kit import raw_node, sentence, severity_word

GUID = "e429faf1-3cb7-11d4-bca7-0080c73c8881"


@register(GUID)
def decode_ipf(ctx: SectionContext) -> dict[str, Any]:
    raw_node(ctx.node, ctx, "sal_record", "SAL processor error record (not decoded)", ctx.offset,
             ctx.length, "Itanium SAL Processor Device Error Info; layout not decoded", as_count=True)
    ctx.section.component = "cpu"
    ctx.section.summary = sentence(severity_word(ctx), "IPF (Itanium) processor error; the SAL "
                                   f"record ({ctx.length} bytes) is kept as raw bytes")
    return {"data": ctx.body.hex()}
