"""The 80 event-specific bytes of a CXL General Media or DRAM Event Record (CXL 3.0 §8.2.9.2.1.1-2,
with the fields CXL 3.1 added in bytes 3.0 kept reserved; offsets checked against Linux
``struct cxl_event_gen_media`` / ``struct cxl_event_dram``).

Both start with the same media header: the device physical address (DPA, bits 63:6, with flags in
bits 1:0), a descriptor, the memory event type, the transaction type and a validity-flags word
that gates the location fields after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.model import FieldNode
from ...core.sections import SectionContext
from ._kit import decode_fields, reserved_valid_bits, struct_node, valid_bits_field, valid_map

SIZE = 80  # a 128-byte CXL event record less its 16-byte UUID and 32-byte common header
DPA_FLAG_MASK = 0x3F  # bits 5:0 of the physical address field are flags, not address

DESCRIPTOR_BITS = (Bits(0, "uncorrectable_event", "Uncorrectable event"),
                   Bits(1, "threshold_event", "Threshold event"),
                   Bits(2, "poison_list_overflow", "Poison list overflow"))
ADDRESS_BITS = (Bits(0, "volatile", "Volatile"), Bits(1, "not_repairable", "Not repairable (CXL 3.1)"),
                Bits(6, "dpa_bits", "Device physical address bits 63:6", 58))
# General Media memory event types; CXL 3.0 defined 0-2, CXL 3.1 added 3-6
MEDIA_EVENT_TYPES = {0: "Media ECC error", 1: "Invalid address", 2: "Data path error",
                     3: "TE state violation", 4: "Scrub media ECC error",
                     5: "Advanced programmable CME counter expiration", 6: "CKID violation"}
# DRAM memory event types: CXL 3.1 inserted "scrub media ECC error" at 1, moving the CXL 3.0
# values 1 and 2 up by one; the record carries no revision, so both readings are named
DRAM_EVENT_TYPES = {0: "Media ECC error", 1: "Scrub media ECC error (CXL 3.1; CXL 3.0: invalid address)",
                    2: "Invalid address (CXL 3.1; CXL 3.0: data path error)", 3: "Data path error",
                    4: "TE state violation", 5: "Advanced programmable CME counter expiration",
                    6: "CKID violation"}
TRANSACTION_TYPES = {0: "Unknown", 1: "Host read", 2: "Host write", 3: "Host scan media",
                     4: "Host inject poison", 5: "Internal media scrub", 6: "Internal media management",
                     7: "Internal media error check scrub", 8: "Media initialization"}
SUB_TYPES = {0: "Not reported", 1: "Internal datapath error", 2: "Media link command training error",
             3: "Media link control training error", 4: "Media link data training error",
             5: "Media link CRC error"}
CME_FLAG_BITS = (Bits(0, "multiple_media", "Corrected memory errors in multiple media components"),
                 Bits(1, "threshold_exceeded", "Exceeded programmable threshold"))

MEDIA_VALID = ((0, "channel", "Channel valid"), (1, "rank", "Rank valid"), (2, "device", "Device valid"),
               (3, "component_id", "Component ID valid"),
               (4, "component_id_pldm", "Component ID in PLDM format (CXL 3.1)"))
DRAM_VALID = ((0, "channel", "Channel valid"), (1, "rank", "Rank valid"),
              (2, "nibble_mask", "Nibble mask valid"), (3, "bank_group", "Bank group valid"),
              (4, "bank", "Bank valid"), (5, "row", "Row valid"), (6, "column", "Column valid"),
              (7, "correction_mask", "Correction mask valid"),
              (8, "component_id", "Component ID valid (CXL 3.1)"),
              (9, "component_id_pldm", "Component ID in PLDM format (CXL 3.1)"),
              (10, "sub_channel", "Sub-channel valid (CXL 3.1)"))


def _media_head(types: dict[int, str], valid: tuple) -> list[Field]:
    return [
        Field("physical_address", "Physical address", 8, "hex", bits=ADDRESS_BITS, reserved_mask=0x3C,
              description="Device physical address (bits 63:6) of the event; bit 0 volatile, bit 1 "
                          "not repairable"),
        Field("descriptor", "Memory event descriptor", 1, "flags", bits=DESCRIPTOR_BITS,
              reserved_mask=0xF8),
        Field("memory_event_type", "Memory event type", 1, "enum", types),
        Field("transaction_type", "Transaction type", 1, "enum", TRANSACTION_TYPES),
        valid_bits_field(2, valid, "Validity flags"),
        Field("channel", "Channel", 1, "int"),
        Field("rank", "Rank", 1, "int"),
    ]


GENERAL_MEDIA = Layout("cxl_general_media_event", [
    *_media_head(MEDIA_EVENT_TYPES, MEDIA_VALID),
    Field("device", "Device", 3, "bytes", description="Bit mask of the media devices in the rank"),
    Field("component_id", "Component ID", 16, "bytes"),
    Field("cme_flags", "Corrected memory error threshold event flags (CXL 3.1)", 1, "flags",
          bits=CME_FLAG_BITS, reserved_mask=0xFC),
    Field("cme_count", "Corrected memory error count (CXL 3.1)", 3, "bytes"),
    Field("sub_type", "Memory event sub-type (CXL 3.1)", 1, "enum", SUB_TYPES),
    Field("reserved", "Reserved", 41, "bytes"),
])
DRAM = Layout("cxl_dram_event", [
    *_media_head(DRAM_EVENT_TYPES, DRAM_VALID),
    Field("nibble_mask", "Nibble mask", 3, "bytes", description="Bit mask of the nibbles in error"),
    Field("bank_group", "Bank group", 1, "int"),
    Field("bank", "Bank", 1, "int"),
    Field("row", "Row", 3, "bytes"),
    Field("column", "Column", 2, "int"),
    Field("correction_mask", "Correction mask", 32, "bytes",
          description="Four 64-bit masks of the bits corrected in each beat"),
    Field("component_id", "Component ID (CXL 3.1)", 16, "bytes"),
    Field("sub_channel", "Sub-channel (CXL 3.1)", 1, "int"),
    Field("cme_flags", "Corrected memory error threshold event flags (CXL 3.1)", 1, "flags",
          bits=CME_FLAG_BITS, reserved_mask=0xFC),
    Field("cvme_count", "Corrected volatile memory error count (CXL 3.1)", 3, "bytes"),
    Field("sub_type", "Memory event sub-type (CXL 3.1)", 1, "enum", SUB_TYPES),
    Field("reserved", "Reserved", 1, "bytes"),
])
assert GENERAL_MEDIA.size == DRAM.size == SIZE
LAYOUTS = {"General Media": (GENERAL_MEDIA, MEDIA_VALID), "DRAM": (DRAM, DRAM_VALID)}
# little-endian 24-bit fields, shown and written as numbers
_INT24 = ("device", "cme_count", "nibble_mask", "row", "cvme_count")


def _le(raw: bytes) -> int:
    return int.from_bytes(raw, "little")


def _int24_node(f: Field, value: bytes, off: int) -> FieldNode:
    n = _le(value)
    shown = f"0x{n:06X}" if f.name in ("device", "nibble_mask") else str(n)
    return make_node(f, value, off, display=shown)


def _address_json(raw: int) -> dict[str, Any]:
    return {"device_physical_address": raw & ~DPA_FLAG_MASK, "volatile": bool(raw & 1),
            "not_repairable": bool(raw >> 1 & 1)}


def _named(table: dict[int, str], key: str) -> Callable[[int], dict[str, Any]]:
    return lambda v: {key: table.get(v, "Unknown")}


def decode_media_event(ctx: SectionContext, kind: str, start: int, end: int,
                       parent: FieldNode) -> dict[str, Any] | None:
    """Decode a General Media or DRAM record's event-specific bytes at ``start`` (None for other
    kinds); fields past ``end`` are left out, fields whose validity flag is clear are null."""
    if kind not in LAYOUTS or start >= end:
        return None
    layout, valid_names = LAYOUTS[kind]
    node = struct_node(parent, "event_specific", f"{kind} event", start, SIZE, end=end)
    # the validity word first, so the fields it gates can be marked in the tree
    voff = start + layout.offsets["validation_bits"]
    vb = _le(ctx.data[voff:voff + 2]) if voff + 2 <= end else 0
    valid = valid_map(vb, {name: bit for bit, name, _l in valid_names if name in layout.offsets})
    values = decode_fields(ctx, layout, start, node, valid=valid, end=end,
                           hooks=dict.fromkeys(_INT24, _int24_node))
    if "validation_bits" in values:
        reserved_valid_bits(ctx, layout["validation_bits"], vb, voff)
    types = DRAM_EVENT_TYPES if kind == "DRAM" else MEDIA_EVENT_TYPES
    return layout_json(
        layout, values, valid=valid, plain=("physical_address", "validation_bits"), omit=("reserved",),
        convert={**dict.fromkeys(_INT24, _le)},
        after={"physical_address": _address_json,
               "memory_event_type": _named(types, "memory_event_type_name"),
               "transaction_type": _named(TRANSACTION_TYPES, "transaction_type_name"),
               "sub_type": _named(SUB_TYPES, "sub_type_name")})


def location_of(event: dict[str, Any] | None) -> dict[str, Any]:
    """The DIMM-like place of a media event: the valid channel/rank/bank/row/column and the DPA
    (a device address, so not ``physical_address``, which means a host address elsewhere)."""
    if not event:
        return {}
    loc = {}
    if event.get("device_physical_address") is not None:
        loc["device_physical_address"] = event["device_physical_address"]
    for key in ("channel", "sub_channel", "rank", "bank_group", "bank", "row", "column"):
        if event.get(key) is not None:
            loc[key] = event[key]
    if isinstance(event.get("device"), int):  # (a bit mask of the rank's devices, not one number)
        loc["media_device_mask"] = event["device"]
    return loc
