"""Firmware Error Record Reference (FORMAT.md §6.10, conflict C18).

UEFI 2.4+ defines 32 bytes (Type, Revision, Reserved[6], RecordIdentifier, RecordIdentifierGUID);
the WDK declares the original 16-byte form (Type, Reserved[7], FirmwareRecordId). Like Linux we
key on Revision and accept 16-byte sections. Bytes after the reference (Intel CrashLog puts the
whole firmware record there) are kept as vendor data.
"""

from __future__ import annotations

from typing import Any

from ...core import guids
from ...core.fields import Field, Layout, layout_json, make_node
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from ._kit import decode_struct, raw_node, sentence, severity_word

GUID = "81212a96-09ed-4996-9471-8d729c8e69ed"
RECORD_TYPES = {0: "IPF SAL error record", 1: "SOC firmware error record type 1 (legacy CrashLog)",
                2: "SOC firmware error record type 2"}
FIRMWARE_RECORD = "firmware-record"
for _guid, _name in (("8f87f311-c998-4d9e-a0c4-6065518c4f6d", "Intel CrashLog"),
                     ("26d769a7-c31a-43d0-9378-3c6c872eea4d", "Intel telemetry"),
                     ("024508e0-d564-42ed-b236-580d542bc9d6", "Intel trace")):
    guids.register(_guid, FIRMWARE_RECORD, _name)

SHORT = Layout("firmware_reference_v0", [
    Field("record_type", "Firmware error record type", 1, "enum", enum=RECORD_TYPES),
    Field("revision", "Revision", 1, "int", description="0 in the original (WDK) form"),
    Field("reserved", "Reserved", 6, "bytes", description="Must be zero"),
    Field("record_id", "Record identifier", 8, "hex",
          description="Firmware record ID (ignored for Revision >= 1; should be 0)"),
])
LONG = Layout("firmware_reference", [
    *SHORT.fields,
    Field("record_guid", "Record identifier GUID", 16, "guid", guid_kind=FIRMWARE_RECORD,
          description="Identifies the firmware record (Type 2)"),
])


_JSON_KEYS = ("record_type", "record_type_name", "revision", "record_id", "record_guid",
              "record_guid_name", "form", "vendor_data")


@register(GUID)
def decode_firmware_reference(ctx: SectionContext) -> dict[str, Any]:
    rev = ctx.data[ctx.offset + 1] if ctx.length >= 2 else 0
    # 32 bytes or more: the UEFI 2.4+ form (as libcper reads it); 16-31: the WDK form
    layout = LONG if ctx.length >= LONG.size else SHORT

    rtype = ctx.data[ctx.offset] if ctx.length else 0

    def id_hook(f: Field, v: int, off: int) -> FieldNode:
        node = make_node(f, v, off)
        if rev >= 1:
            node.display += " (ignored for Revision >= 1)"
            node.valid = False
        return node

    def guid_hook(f: Field, v: bytes, off: int) -> FieldNode:
        node = make_node(f, v, off)
        if rtype != 2:
            node.display += f" (ignored for type {rtype})"
            node.valid = False
        return node

    values, whole = decode_struct(ctx, layout, ctx.offset, ctx.node,
                                  "Firmware Error Record Reference",
                                  {"record_id": id_hook, "record_guid": guid_hook},
                                  lazy=True)  # the hooks only make nodes (no findings)
    _checks(ctx, values, layout, whole, rev)
    vendor_data = None
    if whole:
        node = raw_node(ctx.node, ctx, "vendor_data", "Firmware record data",
                        ctx.offset + layout.size, ctx.length - layout.size,
                        "Data following the reference (e.g. the CrashLog record itself)",
                        as_count=True)
        if node is not None:
            vendor_data = node.value.hex()
    # every key is written (null when the body does not reach it): this section always was
    fields = layout_json(layout, values, omit=("reserved",), after={
        "record_type": lambda t: {"record_type_name": RECORD_TYPES.get(t, "Unknown (reserved)")},
        "record_guid": lambda g: {"record_guid_name": guids.name_of(
            guids.guid_text(g), FIRMWARE_RECORD, "") or None}},
        extra={"form": "32-byte (UEFI 2.4+)" if layout is LONG else "16-byte (original / WDK)",
               "vendor_data": vendor_data},
        order=_JSON_KEYS, nulls=True)
    _describe(ctx, fields)
    return fields


def _checks(ctx, values, layout, whole, rev) -> None:
    if not whole:
        return
    if rev >= 2 and layout is SHORT:
        ctx.finding(ERROR, f"Revision {rev} needs the 32-byte form but the section has only "
                           f"{ctx.length} bytes; the record GUID is missing", ctx.offset + 1, 1,
                    "firmware-short")
    if any(values["reserved"]):
        ctx.finding(WARNING, "reserved bytes 2-7 are not zero", ctx.offset + 2, 6, "reserved")
    if rev >= 1 and values["record_id"]:
        ctx.finding(NOTE, f"RecordIdentifier is 0x{values['record_id']:X} but must be 0 for "
                          f"Revision {rev}", ctx.offset + 8, 8, "firmware-record-id")
    if values["record_type"] not in RECORD_TYPES:
        ctx.finding(NOTE, f"firmware error record type {values['record_type']} is reserved",
                    ctx.offset, 1, "firmware-type")


def _describe(ctx: SectionContext, f: dict[str, Any]) -> None:
    """The record GUID names the *format* of the firmware record (e.g. Intel CrashLog), not a
    place: it is never put in the location. A revision-0 record ID names a record kept in the
    platform's own log, also not a place; the explanation reads both from ``fields``."""
    sec = ctx.section
    sec.component = "firmware"
    sec.location = {}
    rtype = f["record_type_name"] or "firmware error record reference"
    data = f["vendor_data"]
    size = len(data) // 2 if data else 0
    fmt = f["record_guid_name"] if f["record_type"] == 2 else None
    if size:
        what = f"{rtype} carrying {size} bytes of " + (f"{fmt} data" if fmt else "firmware record data")
    elif f["record_guid"] and f["record_type"] == 2:
        what = (f"{rtype} with record identifier GUID {f['record_guid']}"
                + (f" ({fmt})" if fmt else "") + ", carrying no record data")
    elif f["record_id"] is not None and not f["revision"]:
        what = f"{rtype} pointing at firmware record ID 0x{f['record_id']:X} in the platform's own log"
    else:
        what = rtype
    # the firmware recorded the error (UEFI N.2.10): no claim that the firmware failed
    sec.summary = sentence(severity_word(ctx), "error recorded by the firmware:", what)
