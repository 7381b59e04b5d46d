"""IA64 (IPF) Processor Error Section: named, kept raw (FORMAT.md §6.3 and §14: the body is a
SAL "Processor Device Error Info" that no examined implementation decodes)."""

from __future__ import annotations

from typing import Any

from ...core.fields import Field, Layout, layout_json
from ...core.sections import SectionContext, register
from ._kit import raw_node, sentence, severity_word

GUID = "e429faf1-3cb7-11d4-bca7-0080c73c8881"


def body_layout(size: int) -> Layout:
    """The whole body is one field: the SAL record, as many bytes as the section holds."""
    return Layout("ipf_processor_error", [
        Field("sal_record", "SAL processor error record (not decoded)", size, "bytes",
              description="Itanium SAL Processor Device Error Info; layout not decoded"),
    ])


@register(GUID)
def decode_ipf(ctx: SectionContext) -> dict[str, Any]:
    layout = body_layout(ctx.length)
    f = layout["sal_record"]
    raw_node(ctx.node, ctx, f.name, f.label, ctx.offset, ctx.length, f.description, as_count=True)
    ctx.section.component = "cpu"
    ctx.section.summary = sentence(severity_word(ctx), "IPF (Itanium) processor error; the SAL "
                                   f"record ({ctx.length} bytes) is kept as raw bytes")
    # published as "data" (the raw body), as before the layout was declared
    return layout_json(layout, {"sal_record": ctx.body}, keys={"sal_record": "data"})
