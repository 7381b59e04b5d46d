"""MU_TELEMETRY_SECTION (FORMAT.md §8.9, 56 bytes): Project Mu firmware telemetry, carrying a
PI status code (class/subclass/operation) and two vendor values."""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import decode_fixed, note_extra

MU_TELEMETRY_GUID = "85183a8b-9c41-429c-939c-5c3c087ca280"
# PI spec vol. 3 status codes: EFI_STATUS_CODE_VALUE = class(31:24) | subclass(23:16) | operation.
STATUS_CODE_CLASS = {0: "Computing unit", 1: "Peripheral", 2: "I/O bus", 3: "Software"}
STATUS_VALUE_BITS = (
    Bits(0, "operation", "Operation", 16),
    Bits(16, "subclass", "Subclass", 8),
    Bits(24, "class", "Class", 8, values=STATUS_CODE_CLASS),
)
MU = Layout("MU_TELEMETRY_SECTION", [
    Field("component_id", "Component ID", 16, "guid"),
    Field("sub_component_id", "Subcomponent ID", 16, "guid"),
    Field("reserved", "Reserved", 4, "hex"),
    Field("error_status_value", "Error status value", 4, "hex",
          description="PI EFI_STATUS_CODE_VALUE: class, subclass, operation"),
    Field("additional_info1", "Additional info 1", 8, "hex"),
    Field("additional_info2", "Additional info 2", 8, "hex"),
])


@register(MU_TELEMETRY_GUID)
def decode_mu_telemetry(ctx: SectionContext) -> dict:
    hooks = {"error_status_value": lambda f, v, o: make_node(
        Field(f.name, f.label, 4, "hex", bits=STATUS_VALUE_BITS, description=f.description), v, o)}
    v, whole = decode_fixed(ctx, MU, hooks=hooks)
    code = v.get("error_status_value")
    # the status code's parts, after the fields (where they have always been)
    f = layout_json(MU, v, extra=None if code is None else {"status_code": {
        "class": code >> 24, "class_name": STATUS_CODE_CLASS.get(code >> 24),
        "subclass": code >> 16 & 0xFF, "operation": code & 0xFFFF}})
    if whole:
        note_extra(ctx, MU.size, "telemetry section")
    ctx.section.component = "firmware"
    if "component_id" in f:
        ctx.section.location = {"firmware_component": f["component_id"]}
    sc = f.get("status_code")
    what = (f"status code {numbers.hex_id(f['error_status_value'], 8)} ({sc['class_name'] or 'class ' + str(sc['class'])})"
            if sc else "no status code")
    ctx.section.summary = f"Project Mu firmware telemetry: {what}"
    return f
