"""Platform Memory Error (FORMAT.md §6.5, 80 bytes / 73 legacy) and Memory Error 2 (§6.6, 96 bytes)."""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits, Field, Layout, bit_nodes, hexint, layout_json, make_node
from ...core.model import NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from ._error_status import ERROR_STATUS_FIELD, error_status_json, error_status_node
from ._kit import (
    decode_fields,
    fixed_size_check,
    reserved_valid_bits,
    trailing_bytes,
    valid_bits_field,
)

MEMORY_GUID = "a5bc1114-6f64-4ede-b863-3e83ed7c83b1"
MEMORY2_GUID = "61ec04fc-48e6-d813-25c9-8daa44750b12"

# Memory error types 0-15 (UEFI; the WDK stops at 0x0C): display name, noun for summaries
MEMORY_ERROR_TYPES: dict[int, tuple[str, str]] = {
    0: ("Unknown", "memory error"),
    1: ("No error", "memory report without an error"),
    2: ("Single-bit ECC", "single-bit ECC error"),
    3: ("Multi-bit ECC", "multi-bit ECC error"),
    4: ("Single-symbol ChipKill ECC", "single-symbol ChipKill ECC error"),
    5: ("Multi-symbol ChipKill ECC", "multi-symbol ChipKill ECC error"),
    6: ("Master abort", "memory master abort"),
    7: ("Target abort", "memory target abort"),
    8: ("Parity error", "memory parity error"),
    9: ("Watchdog timeout", "memory watchdog timeout"),
    10: ("Invalid address", "invalid memory address error"),
    11: ("Mirror broken", "broken memory mirror"),
    12: ("Memory sparing", "memory sparing event"),
    13: ("Scrub corrected error", "error corrected by memory scrubbing"),
    14: ("Scrub uncorrected error", "uncorrected error found by memory scrubbing"),
    15: ("Physical memory map-out event", "physical memory map-out event"),
}
_TYPE_ENUM = {k: v[0] for k, v in MEMORY_ERROR_TYPES.items()}

_BANK_BITS = (Bits(0, "bank_address", "Bank address", 8), Bits(8, "bank_group", "Bank group", 8))


def _f(name: str, label: str, size: int, kind: str = "int", **kw) -> Field:
    return Field(name, label, size, kind, **kw)


# -- Platform Memory Error Section (§6.5) --------------------------------------------------------
MEMORY_VALID_NAMES = (
    (0, "error_status", "Error status valid"), (1, "physical_address", "Physical address valid"),
    (2, "physical_address_mask", "Physical address mask valid"), (3, "node", "Node valid"),
    (4, "card", "Card valid"), (5, "module", "Module valid"), (6, "bank", "Bank valid"),
    (7, "device", "Device valid"), (8, "row", "Row valid"), (9, "column", "Column valid"),
    (10, "bit_position", "Bit position valid"), (11, "requestor_id", "Requestor ID valid"),
    (12, "responder_id", "Responder ID valid"), (13, "target_id", "Target ID valid"),
    (14, "error_type", "Memory error type valid"), (15, "rank", "Rank number valid"),
    (16, "card_handle", "Card handle valid"), (17, "module_handle", "Module handle valid"),
    (18, "extended_row", "Extended row bits 16-17 valid"), (19, "bank_group", "Bank group valid"),
    (20, "bank_address", "Bank address valid"), (21, "chip_id", "Chip identification valid"),
)

MEMORY = Layout("platform_memory", [
    valid_bits_field(8, MEMORY_VALID_NAMES),
    ERROR_STATUS_FIELD,
    _f("physical_address", "Physical address", 8, "hex"),
    _f("physical_address_mask", "Physical address mask", 8, "hex", description="Address granularity"),
    _f("node", "Node", 2, description="Node number in a multi-node system"),
    _f("card", "Card", 2, description="Memory card or board"),
    _f("module", "Module", 2, description="Memory module or rank number"),
    _f("bank", "Bank", 2, bits=_BANK_BITS,
       description="Plain bank number, or bank group (bits 8-15) and address (bits 0-7)"),
    _f("device", "Device", 2),
    _f("row", "Row", 2, description="Row bits 15:0 (bits 16-17 are in Extended)"),
    _f("column", "Column", 2),
    _f("bit_position", "Bit position", 2),
    _f("requestor_id", "Requestor ID", 8, "hex"),
    _f("responder_id", "Responder ID", 8, "hex"),
    _f("target_id", "Target ID", 8, "hex"),
    _f("error_type", "Memory error type", 1, "enum", enum=_TYPE_ENUM),
    _f("extended", "Extended", 1, "hex", reserved_mask=0x1C, bits=(
        Bits(0, "row_bit_16", "Row bit 16"), Bits(1, "row_bit_17", "Row bit 17"),
        Bits(5, "chip_identification", "Chip identification", 3))),
    _f("rank", "Rank number", 2),
    _f("card_handle", "Card handle", 2, "hex", description="SMBIOS Type 16 handle"),
    _f("module_handle", "Module handle", 2, "hex", description="SMBIOS Type 17 handle"),
])
assert MEMORY.size == 80
LEGACY_MEMORY_SIZE = 73  # UEFI 2.1/2.2: up to and including the memory error type

# field → validation bits that make it valid (any of them)
_MEMORY_VALID_OF = {
    "error_status": (0,), "physical_address": (1,), "physical_address_mask": (2,), "node": (3,),
    "card": (4,), "module": (5,), "bank": (6, 19, 20), "device": (7,), "row": (8, 18),
    "column": (9,), "bit_position": (10,), "requestor_id": (11,), "responder_id": (12,),
    "target_id": (13,), "error_type": (14,), "extended": (18, 21), "rank": (15,),
    "card_handle": (16,), "module_handle": (17,),
}

# -- Platform Memory Error Section 2 (§6.6) ------------------------------------------------------
MEMORY2_VALID_NAMES = (
    (0, "error_status", "Error status valid"), (1, "physical_address", "Physical address valid"),
    (2, "physical_address_mask", "Physical address mask valid"), (3, "node", "Node valid"),
    (4, "card", "Card valid"), (5, "module", "Module valid"), (6, "bank", "Bank valid"),
    (7, "device", "Device valid"), (8, "row", "Row valid"), (9, "column", "Column valid"),
    (10, "rank", "Rank valid"), (11, "bit_position", "Bit position valid"),
    (12, "chip_id", "Chip identification valid"), (13, "error_type", "Memory error type valid"),
    (14, "status", "Status valid"), (15, "requestor_id", "Requestor ID valid"),
    (16, "responder_id", "Responder ID valid"), (17, "target_id", "Target ID valid"),
    (18, "card_handle", "Card handle valid"), (19, "module_handle", "Module handle valid"),
    (20, "bank_group", "Bank group valid"), (21, "bank_address", "Bank address valid"),
)

MEMORY2 = Layout("platform_memory2", [
    valid_bits_field(8, MEMORY2_VALID_NAMES),
    ERROR_STATUS_FIELD,
    _f("physical_address", "Physical address", 8, "hex"),
    _f("physical_address_mask", "Physical address mask", 8, "hex", description="Address granularity"),
    _f("node", "Node", 2),
    _f("card", "Card", 2),
    _f("module", "Module", 2),
    _f("bank", "Bank", 2, bits=_BANK_BITS,
       description="Plain bank number, or bank group (bits 8-15) and address (bits 0-7)"),
    _f("device", "Device", 4),
    _f("row", "Row", 4),
    _f("column", "Column", 4),
    _f("rank", "Rank", 4),
    _f("bit_position", "Bit position", 4),
    _f("chip_id", "Chip identification", 1),
    _f("error_type", "Memory error type", 1, "enum", enum=_TYPE_ENUM),
    _f("status", "Status", 1, "hex", reserved_mask=0xFE,
       bits=(Bits(0, "uncorrected", "Uncorrected", meaning="0: corrected, 1: uncorrected"),)),
    _f("reserved", "Reserved", 1, "hex"),
    _f("requestor_id", "Requestor ID", 8, "hex"),
    _f("responder_id", "Responder ID", 8, "hex"),
    _f("target_id", "Target ID", 8, "hex"),
    _f("card_handle", "Card handle", 4, "hex", description="SMBIOS Type 16 handle"),
    _f("module_handle", "Module handle", 4, "hex", description="SMBIOS Type 17 handle"),
])
assert MEMORY2.size == 96

_MEMORY2_VALID_OF = {
    "error_status": (0,), "physical_address": (1,), "physical_address_mask": (2,), "node": (3,),
    "card": (4,), "module": (5,), "bank": (6, 20, 21), "device": (7,), "row": (8,),
    "column": (9,), "rank": (10,), "bit_position": (11,), "chip_id": (12,), "error_type": (13,),
    "status": (14,), "requestor_id": (15,), "responder_id": (16,), "target_id": (17,),
    "card_handle": (18,), "module_handle": (19,),
}


# -- shared decode ---------------------------------------------------------------------------------
def _num_node(f: Field, value: int, offset: int) -> FieldNode:
    return make_node(f, value, offset, display=f"{value} (0x{value:X})")


def _error_type_node(f: Field, value: int, offset: int) -> FieldNode:
    name = MEMORY_ERROR_TYPES.get(value, (f"Reserved ({value})",))[0]
    return make_node(f, value, offset, display=f"{name} ({value})")


_HOOKS = {"error_status": error_status_node, "row": _num_node, "column": _num_node,
          "error_type": _error_type_node}

def _part_valid_node(f: Field, value: int, offset: int, part_valid: dict[str, bool],
                     describe) -> FieldNode:
    """A field made of parts with validation bits of their own (UEFI N.2.5: the Extended byte's row
    bits need bit 18, its chip ID bit 21; the bank's group and address bits 19/20). Each bit child
    carries its own validity; the display names only the valid parts."""
    def children(_parent: FieldNode) -> list[FieldNode]:
        nodes = bit_nodes(f.bits, value, offset, f.size, f.reserved_mask)
        for n in nodes:
            if part_valid.get(n.name, True) is False:
                n.valid = False
                n.display = f"{n.display} (not valid)"
        return nodes
    return FieldNode(f.name, f.label, value, describe(value), offset, f.size, kind=f.kind,
                     description=f.description, make_children=children, spec=f)


def _extended_hook(vb: int):
    rows, chip = _is_valid(vb, 18), _is_valid(vb, 21)

    def describe(value: int) -> str:
        parts = []
        if rows:
            parts.append(f"row bits 17:16 = {value & 3}")
        if chip:
            parts.append(f"chip {value >> 5}")
        # with neither bit set the generic marking adds "(not valid)"
        return hexint(value, 1) + (f" ({', '.join(parts)})" if parts else "")

    def hook(f: Field, value: int, offset: int) -> FieldNode:
        return _part_valid_node(f, value, offset, {"row_bit_16": rows, "row_bit_17": rows,
                                                   "chip_identification": chip}, describe)
    return hook


def _bank_hook(vb: int, group_bit: int, address_bit: int):
    plain, group, address = _is_valid(vb, 6), _is_valid(vb, group_bit), _is_valid(vb, address_bit)

    def describe(value: int) -> str:
        parts = [f"{value} (0x{value:X})"] if plain else [f"0x{value:04X}"]
        if group:
            parts.append(f"group {value >> 8}")
        if address:
            parts.append(f"address {value & 0xFF}")
        return parts[0] + (f" ({', '.join(parts[1:])})" if parts[1:] else "")

    def hook(f: Field, value: int, offset: int) -> FieldNode:
        return _part_valid_node(f, value, offset, {"bank_group": group, "bank_address": address},
                                describe)
    return hook


def _valid(vb: int, valid_of: dict[str, tuple[int, ...]]) -> dict[str, bool]:
    return {name: any(vb >> b & 1 for b in bits) for name, bits in valid_of.items()}


def _is_valid(vb: int, bit: int) -> bool:
    return bool(vb >> bit & 1)


@register(MEMORY_GUID)
def decode_memory(ctx: SectionContext) -> dict[str, Any]:
    body, data = ctx.offset, ctx.data
    vb = int.from_bytes(data[body:body + 8], "little") if ctx.length >= 8 else 0
    layout_end = _memory_extent(ctx, vb)
    valid = _valid(vb, _MEMORY_VALID_OF)
    # the legacy 73-byte form has no fields after the error type: its tail is shown as padding
    hooks = dict(_HOOKS, extended=_extended_hook(vb), bank=_bank_hook(vb, 19, 20))
    values = decode_fields(ctx, MEMORY, body, ctx.node, valid=valid, hooks=hooks,
                           end=body + layout_end)
    trailing_bytes(ctx, layout_end, "platform memory error",
                   level=NOTE if layout_end == MEMORY.size else None)
    _check_common(ctx, values, vb, MEMORY, MEMORY_VALID_NAMES, _MEMORY_VALID_OF, layout_end)
    if _is_valid(vb, 8) and _is_valid(vb, 18):
        ctx.finding(NOTE, "validation bits 8 (row) and 18 (extended row) are both set; UEFI says "
                          "bit 8 must be 0 when bit 18 is set", body, 8, code="valid-bits-conflict")
    fields = _memory_json(values, vb)
    _describe(ctx, fields, uncorrected=None)
    return fields


def _memory_extent(ctx: SectionContext, vb: int) -> int:
    """How many bytes of the 80-byte layout this section carries (73 for the legacy form)."""
    n = ctx.length
    if n >= MEMORY.size:
        return MEMORY.size
    if n < LEGACY_MEMORY_SIZE:
        fixed_size_check(ctx, MEMORY.size, "Platform memory error", minimum=LEGACY_MEMORY_SIZE)
        return MEMORY.size  # decode whatever fields fit
    beyond = vb >> 15 & 0x7F  # bits 15-21 describe fields after byte 73
    tail = ctx.data[ctx.offset + LEGACY_MEMORY_SIZE:ctx.end]
    if n == LEGACY_MEMORY_SIZE or (not beyond and not any(tail)):
        if n == LEGACY_MEMORY_SIZE:
            ctx.finding(NOTE, "73-byte platform memory section: the UEFI 2.1/2.2 form, which ends "
                              "after the memory error type", code="memory-legacy-73")
        else:
            ctx.finding(NOTE, f"{n}-byte platform memory section: the 73-byte UEFI 2.1/2.2 structure "
                              f"followed by {n - LEGACY_MEMORY_SIZE} zero padding bytes (no validation "
                              "bit refers to them)", ctx.offset + LEGACY_MEMORY_SIZE,
                        n - LEGACY_MEMORY_SIZE, code="memory-legacy-padded")
        if beyond:
            ctx.finding(WARNING, "validation bits 15-21 are set but the 73-byte structure has no "
                                 "fields for them (Linux ignores such a section)", ctx.offset, 8,
                        code="valid-bits-beyond-structure")
        return LEGACY_MEMORY_SIZE
    ctx.finding(WARNING, f"platform memory section is {n} bytes: neither the 80-byte structure nor the "
                         "73-byte UEFI 2.2 form; decoded as a truncated 80-byte structure",
                code="section-too-small")
    return MEMORY.size


@register(MEMORY2_GUID)
def decode_memory2(ctx: SectionContext) -> dict[str, Any]:
    body, data = ctx.offset, ctx.data
    fixed_size_check(ctx, MEMORY2.size, "Platform memory error 2")
    vb = int.from_bytes(data[body:body + 8], "little") if ctx.length >= 8 else 0
    values = decode_fields(ctx, MEMORY2, body, ctx.node, valid=_valid(vb, _MEMORY2_VALID_OF),
                           hooks=dict(_HOOKS, bank=_bank_hook(vb, 20, 21)))
    trailing_bytes(ctx, MEMORY2.size, "platform memory error 2")
    _check_common(ctx, values, vb, MEMORY2, MEMORY2_VALID_NAMES, _MEMORY2_VALID_OF, MEMORY2.size)
    if values.get("reserved"):
        ctx.finding(WARNING, f"reserved byte 63 is 0x{values['reserved']:02X}, should be 0",
                    body + 63, 1, code="reserved")
    if "status" in values and values["status"] & 0xFE:
        ctx.finding(WARNING, f"reserved status bits 1-7 are set (0x{values['status']:02X})",
                    body + 62, 1, code="reserved")
    fields = _memory2_json(values, vb)
    unc = None
    if fields.get("status") is not None:
        unc = bool(fields["status"]["uncorrected"])
    _describe(ctx, fields, uncorrected=unc)
    return fields


def _check_common(ctx, values, vb, layout, names, valid_of, extent) -> None:
    if "validation_bits" in values:
        reserved_valid_bits(ctx, layout["validation_bits"], vb, ctx.offset)
    if "error_status" in values and values["error_status"] & ERROR_STATUS_FIELD.reserved_mask:
        ctx.finding(WARNING, "reserved error-status bits are set "
                             f"(0x{values['error_status'] & ERROR_STATUS_FIELD.reserved_mask:X})",
                    ctx.offset + 8, 8, code="reserved")
    et = values.get("error_type")
    if et is not None and et > 15 and any(vb >> b & 1 for b in valid_of["error_type"]):
        off = ctx.offset + layout.offsets["error_type"]
        ctx.finding(WARNING, f"memory error type {et} is reserved (defined: 0-15)", off, 1,
                    code="memory-error-type")
    # valid fields whose bytes are missing (a short section)
    missing = [name for name, bits in valid_of.items()
               if name not in values and layout.offsets[name] < extent
               and any(vb >> b & 1 for b in bits)]
    if missing and "validation_bits" in values:
        ctx.finding(WARNING, "validation bits mark fields valid that lie beyond the section's end: "
                             + ", ".join(missing), ctx.offset, 8, code="valid-bits-beyond-section")
    group_and_address = (vb >> 19) & 3 if layout is MEMORY else (vb >> 20) & 3
    if (vb >> 6) & 1 and group_and_address:
        ctx.finding(NOTE, "the bank is marked valid both as one number and as group/address",
                    ctx.offset, 8, code="valid-bits-conflict")


def _common_json(layout: Layout, values: dict, vb: int, valid_of: dict, group_bit: int,
                 address_bit: int, *, convert: dict, after: dict | None = None,
                 last: tuple[str, ...] = ()) -> dict:
    """``fields`` from the layout (core.fields.layout_json: each field's name is its key, null
    when its validation bit is clear). The published order puts the error status, the bank and
    the error type (then ``last``) after the other fields."""
    valid = {name: any(vb >> b & 1 for b in bits) for name, bits in valid_of.items()}
    valid["bank"] = bool(vb >> 6 & 1)  # the plain number; group and address have their own bits
    bank = values.get("bank")
    moved = ("error_status", "bank", "bank_group", "bank_address", "error_type", "error_type_name",
             *last)
    # a validation word the body does not reach is written as 0 (no field valid)
    return layout_json(
        layout, {**values, "validation_bits": vb}, valid=valid, plain=("validation_bits",),
        omit=("reserved",), convert={"error_status": error_status_json, **convert},
        after={"error_type": lambda et: {"error_type_name": MEMORY_ERROR_TYPES.get(
            et, (f"Reserved ({et})",))[0]}, **(after or {})},
        extra=None if bank is None else {
            "bank_group": bank >> 8 if vb >> group_bit & 1 else None,
            "bank_address": bank & 0xFF if vb >> address_bit & 1 else None},
        order=(*(f.name for f in layout.fields if f.name not in moved), *moved))


def _memory_json(values: dict, vb: int) -> dict[str, Any]:
    convert: dict = {"extended": lambda ext: _extended_json(ext, vb)}
    if vb >> 18 & 1 and "extended" in values:  # row bits 16-17 are in Extended
        convert["row"] = lambda row: row | (values["extended"] & 3) << 16
    return _common_json(MEMORY, values, vb, _MEMORY_VALID_OF, 19, 20, convert=convert,
                        after={"extended": lambda ext: {"chip_id": ext >> 5} if vb >> 21 & 1 else {}},
                        last=("extended", "chip_id"))


def _extended_json(ext: int, vb: int) -> dict[str, Any]:
    out: dict[str, Any] = {"value": ext}
    if vb >> 18 & 1:  # row bits 16-17 need the extended-row bit, not the chip-ID bit
        out.update(row_bit_16=bool(ext & 1), row_bit_17=bool(ext & 2))
    if vb >> 21 & 1:
        out["chip_identification"] = ext >> 5
    return out


def _memory2_json(values: dict, vb: int) -> dict[str, Any]:
    return _common_json(MEMORY2, values, vb, _MEMORY2_VALID_OF, 20, 21, convert={
        "status": lambda st: {"value": st, "uncorrected": bool(st & 1),
                              "state": "uncorrected" if st & 1 else "corrected"}}, last=("status",))


# -- summary and location ---------------------------------------------------------------------------
_LOCATION_KEYS = ("physical_address", "node", "card", "module", "bank", "bank_group", "bank_address",
                  "device", "chip_id", "row", "column", "rank", "card_handle", "module_handle")


def _describe(ctx: SectionContext, fields: dict, uncorrected: bool | None) -> None:
    sec = ctx.section
    sec.component = "memory"
    fields = {k: v for k, v in fields.items() if v is not None}  # null: validation bit clear
    if "bank_group" in fields or "bank_address" in fields:
        # the field is split (UEFI: group in bits 15:8, address in 7:0): its 16 bits read as one
        # number would count the group byte into the bank (audit 4, A4-18: "bank 1282")
        fields.pop("bank", None)
    sec.location = {k: fields[k] for k in _LOCATION_KEYS if k in fields}
    if uncorrected is not None:
        sev = "Uncorrected" if uncorrected else "Corrected"
    else:
        sev = sec.values.get("severity_name") or ""
        sev = "" if sev == "Unknown" else sev
    et = fields.get("error_type")
    noun = MEMORY_ERROR_TYPES.get(et, ("", "memory error"))[1] if et is not None else "memory error"
    text = f"{sev} {noun}".strip()
    text = text[0].upper() + text[1:]
    if "physical_address" in fields:
        text += f" at physical address {numbers.address(fields['physical_address'])}"
    parts = []
    for key, label in (("node", "node"), ("card", "card"), ("module", "module"), ("bank", "bank"),
                       ("bank_group", "bank group"), ("bank_address", "bank address"),
                       ("device", "device"), ("rank", "rank")):
        if key in fields:
            parts.append(f"{label} {numbers.decimal(fields[key])}")
    for key in ("row", "column"):
        if key in fields:
            parts.append(f"{key} {numbers.decimal(fields[key])}")
    if "bit_position" in fields:
        parts.append(f"bit {fields['bit_position']}")
    if parts:
        text += f" ({', '.join(parts)})"
    if fields.get("validation_bits") == 0:
        text += "; the section marks no field as valid"
    sec.summary = text
