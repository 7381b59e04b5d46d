"""WHEA_MSR_DUMP_SECTION (FORMAT.md §8.8): a 5-byte packed header and MsrDumpLength data bytes."""

from __future__ import annotations

from ...core.fields import Field, Layout, layout_json
from ...core.model import ERROR
from ...core.sections import SectionContext, register
from ._kit import decode_fixed, note_extra, raw_node

MSR_DUMP_GUID = "1c15b445-9b06-4667-ac25-33c056b88803"
MSR_DUMP = Layout("WHEA_MSR_DUMP_SECTION", [
    Field("msr_dump_buffer", "MsrDumpBuffer", 1, "hex"),
    Field("msr_dump_length", "MsrDumpLength", 4, "int", description="Bytes of MSR data that follow"),
])


@register(MSR_DUMP_GUID)
def decode_msr_dump(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, MSR_DUMP)
    ctx.section.component = "cpu"
    if not whole:
        ctx.section.summary = "MSR dump (truncated header)"
        return layout_json(MSR_DUMP, v)
    declared = v["msr_dump_length"]
    start = ctx.offset + MSR_DUMP.size
    present = max(0, min(declared, ctx.end - start))
    if present < declared:
        ctx.finding(ERROR, f"MsrDumpLength is {declared} but only {present} bytes follow",
                    ctx.offset + 1, 4, "count")
    raw_node(ctx.node, ctx, "msr_dump_data", "MSR dump data", start, present,
             "Model-specific register values as captured by the platform (IPMI)")
    note_extra(ctx, MSR_DUMP.size + present, "MSR dump")
    ctx.section.summary = f"Dump of model-specific registers ({present} bytes)"
    # the dump that follows the header, as hex
    return layout_json(MSR_DUMP, v, extra={"msr_dump_data": bytes(ctx.data[start:start + present]).hex()})
