"""WHEA_NMI_ERROR_SECTION (FORMAT.md §8.3): 12 bytes, NMI port data plus a hypervisor flag."""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.sections import SectionContext, register
from ._kit import decode_fixed, note_extra

NMI_SECTION_GUID = "e71254e7-c1b9-4940-ab76-909703a4320f"
NMI = Layout("WHEA_NMI_ERROR_SECTION", [
    Field("data", "NMI port data", 8, "bytes", description="Raw NMI status port data"),
    Field("flags", "Flags", 4, "flags",
          bits=(Bits(0, "hypervisor_error", "Hypervisor error",
                     meaning="The NMI was raised because of a hypervisor error"),),
          reserved_mask=0xFFFFFFFE),
])


@register(NMI_SECTION_GUID)
def decode_nmi(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, NMI)
    fields = layout_json(NMI, v, plain=("flags",),
                         after={"flags": lambda flags: {"hypervisor_error": bool(flags & 1)}})
    if whole:
        note_extra(ctx, NMI.size, "NMI section")
    ctx.section.component = "platform"
    hv = " raised by a hypervisor error" if fields.get("hypervisor_error") else ""
    port = f" (port data {fields['data'].upper()})" if "data" in fields else ""
    ctx.section.summary = f"Non-maskable interrupt (NMI){hv}{port}"
    return fields
