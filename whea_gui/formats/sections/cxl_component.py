"""CXL Component Events Section (FORMAT.md §6.16): 32-byte header + a CXL event record without its UUID.

The section type GUID is the CXL event record UUID. Windows writes two of them in RFC 4122 byte order
(conflict C3); the GUID registry knows those spellings and this module registers for both.
"""

from __future__ import annotations

from typing import Any

from ...core import guids
from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import ERROR, NOTE, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from . import _cxl_media
from ._kit import (
    bit_children,
    check_pci_address,
    decode_fields,
    fixed_size_check,
    pci_bdf,
    raw_node,
    reserved_valid_bits,
    struct_node,
    trailing_bytes,
    valid_bits_field,
    valid_map,
    vendor_device_text,
)

EVENT_KINDS = {
    "fbcd0a77-c260-417f-85a9-088b1621eba6": "General Media",
    "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624": "DRAM",
    "fe927475-dd59-4339-a586-79bab113b774": "Memory Module",
    "77cf9271-9c02-470b-9fe4-bc7b75f2da97": "Physical Switch",
    "40d26425-3396-4c4d-a5da-3d47263af425": "Virtual Switch",
    "8dc44363-0c96-4710-b7bf-04bb99534c3f": "MLD Port",
}
HEADER_SIZE = 32
MAX_LENGTH = 144  # 32-byte header + 112-byte event record (Linux GHES bound)

VALID = ((0, "device_id", "Device ID valid"), (1, "device_serial_number", "Device serial number valid"),
         (2, "event_log", "Component event log valid"))
HEAD = Layout("cxl_component_head", [
    Field("length", "Length", 4, "int", description="Bytes of the whole structure"),
    valid_bits_field(8, VALID),
])
DEVICE_ID = Layout("cxl_component_device_id", [
    Field("vendor_id", "Vendor ID", 2, "hex"),
    Field("device_id", "Device ID", 2, "hex"),
    Field("function", "Function", 1, "int"),
    Field("device", "Device", 1, "int"),
    Field("bus", "Bus", 1, "int"),
    Field("segment", "Segment", 2, "int"),
    Field("slot", "Slot", 2, "hex", bits=(Bits(3, "slot_number", "Slot number", 13),), reserved_mask=7),
    Field("reserved", "Reserved", 1, "hex"),
])
SERIAL = Layout("cxl_component_serial", [Field("device_serial_number", "Device serial number", 8, "hex")])
# CXL 3.0 §8.2.9.2.1 Common Event Record, Event Record Flags (Linux CXL_EVENT_RECORD_FLAG_*)
EVENT_SEVERITY = {0: "informational", 1: "warning", 2: "failure", 3: "fatal"}
FLAG_BITS = (
    Bits(0, "event_record_severity", "Event record severity", 2, values=EVENT_SEVERITY),
    Bits(2, "permanent_condition", "Permanent condition"),
    Bits(3, "maintenance_needed", "Maintenance needed"),
    Bits(4, "performance_degraded", "Performance degraded"),
    Bits(5, "hardware_replacement_needed", "Hardware replacement needed"),
)
# CXL common event record header as carried here (from its offset 16: no UUID)
EVENT_HEADER = Layout("cxl_event_header", [
    Field("record_length", "Event record length", 1, "int"),
    Field("flags", "Event record flags", 3, "bytes",
          description="Bits 1:0 event record severity (informational, warning, failure, fatal); bit 2 "
                      "permanent condition; 3 maintenance needed; 4 performance degraded; 5 hardware "
                      "replacement needed"),
    Field("handle", "Event record handle", 2, "hex"),
    Field("related_handle", "Related event record handle", 2, "hex"),
    Field("timestamp", "Event record timestamp", 8, "int", description="Nanoseconds since 1970-01-01 UTC"),
    Field("maintenance_operation_class", "Maintenance operation class", 1, "int"),
    Field("maintenance_operation_subclass", "Maintenance operation subclass", 1, "int"),
    Field("ld_id", "LD-ID", 2, "hex"),
    Field("head_id", "Head ID", 1, "int"),
    Field("reserved", "Reserved", 11, "bytes"),
])
assert EVENT_HEADER.size == 32


def _event_guids() -> list[str]:
    out = []
    for g in EVENT_KINDS:
        out.append(g)
        swapped = guids.swapped_text(g)
        info = guids.lookup(swapped)
        if info is not None and info.byte_swapped:
            out.append(swapped)
    return out


def _kind_of(type_guid: str) -> str:
    if type_guid in EVENT_KINDS:
        return EVENT_KINDS[type_guid]
    for g, kind in EVENT_KINDS.items():
        if guids.swapped_text(g) == type_guid:
            return kind
    return "component"


def device_id_json(dev: dict[str, Any]) -> dict[str, Any]:
    """The device ID; ``slot`` is the slot number (bits 15:3), the register is in the tree."""
    return layout_json(DEVICE_ID, dev, omit=("reserved",), convert={"slot": lambda slot: slot >> 3})


@register(*_event_guids())
def decode_cxl_component(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, HEADER_SIZE, "CXL component event")
    h = decode_fields(ctx, HEAD, body, ctx.node)
    vb = h.get("validation_bits", 0)
    valid = valid_map(vb, {name: bit for bit, name, _l in VALID})
    if "validation_bits" in h:
        reserved_valid_bits(ctx, HEAD["validation_bits"], vb, body + 4)
    device: dict[str, Any] = {}  # the device ID object, or null when not valid
    if body + 12 < ctx.end:
        dnode = struct_node(ctx.node, "device_id", "Device ID", body + 12, min(12, ctx.end - body - 12))
        if not valid["device_id"]:
            dnode.valid, dnode.display = False, "(not valid)"
        dev = decode_fields(ctx, DEVICE_ID, body + 12, dnode)
        if dev:
            device["device_id"] = None
        if dev and valid["device_id"]:
            d = device["device_id"] = device_id_json(dev)
            check_pci_address(ctx, d.get("device"), d.get("function"), dnode,
                              "The device ID's PCI address")
    serial = decode_fields(ctx, SERIAL, body + 24, ctx.node,
                           valid={"device_serial_number": valid["device_serial_number"]})
    end = _log_end(ctx, h.get("length"))
    kind = _kind_of(ctx.section.type_guid)
    event = _decode_event(ctx, body + HEADER_SIZE, end, valid["event_log"], kind)
    # a validation word the body does not reach is written as 0 (no field valid)
    fields = layout_json(HEAD, {**h, "validation_bits": vb}, plain=("validation_bits",), extra=device)
    fields.update(layout_json(SERIAL, serial, valid=valid, extra=None if event is None else {
        "event_log": event if valid["event_log"] else None}))
    _describe(ctx, fields)
    return fields


def _log_end(ctx: SectionContext, length: int | None) -> int:
    body = ctx.offset
    if length is None:
        return ctx.end
    if length < HEADER_SIZE:
        ctx.finding(ERROR, f"Length field is {length}, less than the {HEADER_SIZE}-byte header; the "
                           "rest of the section is shown as the event log", body, 4,
                    code="length-too-small")
        return ctx.end
    if length > ctx.declared_length:
        ctx.finding(ERROR, f"Length field is {length} but the section is {ctx.declared_length} bytes; "
                           "only the event bytes inside the section are decoded", body, 4,
                    code="length-exceeds-section")
        return ctx.end
    if length > MAX_LENGTH:
        ctx.finding(NOTE, f"Length {length} exceeds {MAX_LENGTH} (32-byte header + 112-byte CXL event "
                          "record); Linux rejects such a section", body, 4, code="cxl-event-length")
    if body + length <= ctx.end:
        trailing_bytes(ctx, length, "CXL component event")
    return min(body + length, ctx.end)


def _decode_event(ctx: SectionContext, start: int, end: int, valid: bool,
                  kind: str) -> dict[str, Any] | None:
    if end <= start:
        return None
    n = end - start
    node = struct_node(ctx.node, "event_log", "CXL component event record", start, n,
                       f"{n} bytes" + ("" if valid else " (not valid)"),
                       "CXL event record from its offset 16 (the UUID is the section type)")
    node.valid = valid
    hv: dict[str, Any] = {}
    specific = None
    if n < EVENT_HEADER.size:
        raw_node(node, ctx, "raw", "Event record bytes (shorter than the 32-byte common header)",
                 start, n)
    else:
        hv = decode_fields(ctx, EVENT_HEADER, start, node, end=end, hooks=_FLAG_HOOKS)
        specific = _event_specific(ctx, kind, start + EVENT_HEADER.size, end, node)
    # the whole record as hex first, then its common header's fields, then the decoded
    # event-specific fields (General Media and DRAM events)
    extra: dict[str, Any] = {"data": ctx.data[start:end].hex()}
    if specific is not None:
        extra["event_specific"] = specific
    return layout_json(EVENT_HEADER, hv, omit=("reserved",), extra=extra,
                       convert={"flags": lambda raw: int.from_bytes(raw, "little")},
                       after={"flags": flags_json}, order=("data",))


def _flags_node(f: Field, raw: bytes, offset: int) -> FieldNode:
    """The 3 flag bytes as before, with a node per flag under them (N9-22: the tree showed
    "26 00 00" while the JSON named the flags)."""
    value = int.from_bytes(raw, "little")
    return FieldNode(f.name, f.label, raw, None, offset, f.size, kind=f.kind, description=f.description,
                     make_children=bit_children(FLAG_BITS, value, offset, f.size),
                     fmt=lambda: f.text_of(raw), spec=f)


_FLAG_HOOKS = {"flags": _flags_node}


def flags_json(raw: bytes) -> dict[str, Any]:
    """The Event Record Flags' meaning beside their value (the device's own judgement: a
    permanent condition, maintenance or a replacement it says is needed)."""
    value = int.from_bytes(raw, "little")
    return {"event_record_severity": value & 3, "event_record_severity_name": EVENT_SEVERITY[value & 3],
            **{b.name: bool(value >> b.bit & 1) for b in FLAG_BITS[1:]}}


def _event_specific(ctx: SectionContext, kind: str, start: int, end: int, node) -> dict | None:
    """General Media and DRAM events decoded field by field (the ``event_specific`` JSON); other
    kinds' event-specific bytes stay raw (they are in ``data``) and give None."""
    media = _cxl_media.decode_media_event(ctx, kind, start, end, node)
    if media is not None:
        if start + _cxl_media.SIZE < end:
            raw_node(node, ctx, "event_data_extra", "Bytes after the event record",
                     start + _cxl_media.SIZE, end - start - _cxl_media.SIZE)
        return media
    raw_node(node, ctx, "event_data", "Event-specific data", start, end - start)
    return None


def _describe(ctx: SectionContext, fields: dict) -> None:
    sec = ctx.section
    sec.component = "cxl"
    kind = _kind_of(sec.type_guid)
    dev = fields.get("device_id") or {}
    loc = {k: dev[k] for k in ("segment", "bus", "device", "function", "vendor_id", "device_id")
           if k in dev}
    if fields.get("device_serial_number") is not None:
        loc["serial_number"] = fields["device_serial_number"]
    media = (fields.get("event_log") or {}).get("event_specific")
    loc.update(_cxl_media.location_of(media))
    sec.location = loc
    text = f"CXL {kind} event"
    if {"segment", "bus", "device", "function"} <= loc.keys():
        text += " from " + pci_bdf(loc["segment"], loc["bus"], loc["device"], loc["function"])
    text += vendor_device_text(loc)
    if fields.get("device_serial_number") is not None:
        text += f", serial {numbers.hex_id(fields['device_serial_number'])}"
    if media:
        text += _media_text(media)
    sec.summary = text


def _media_text(media: dict) -> str:
    """``: Media ECC error (uncorrectable) at device physical address 0x..., channel 1, rank 0,
    during host read``."""
    text = ""
    if media.get("memory_event_type_name"):
        text += f": {media['memory_event_type_name']}"
        desc = media.get("descriptor") or {}
        flags = [w for k, w in (("uncorrectable_event", "uncorrectable"), ("threshold_event", "threshold"),
                                ("poison_list_overflow", "poison list overflow")) if desc.get(k)]
        if flags:
            text += f" ({', '.join(flags)})"
    if media.get("device_physical_address") is not None:
        text += f" at device physical address {numbers.address(media['device_physical_address'])}"
    where = [f"{label} {media[k]}" for k, label in (
        ("channel", "channel"), ("sub_channel", "sub-channel"), ("rank", "rank"),
        ("bank_group", "bank group"), ("bank", "bank"), ("row", "row"), ("column", "column"))
        if media.get(k) is not None]
    if isinstance(media.get("device"), int):
        where.append(f"media device mask 0x{media['device']:X}")  # (one bit per device of the rank)
    if where:
        text += ", " + ", ".join(where)
    if media.get("transaction_type") not in (None, 0):
        text += f", during {media['transaction_type_name'].lower()}"
    return text
