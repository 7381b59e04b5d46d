"""PCI/PCI-X Bus Error (FORMAT.md §6.8, 72 bytes) and PCI/PCI-X Component Error (§6.9, 40 + 16·n)."""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits, Field, Layout, field_json, layout_json, make_node
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from ._error_status import ERROR_STATUS_FIELD, error_status_json, error_status_node, error_status_text
from ._kit import (
    check_pci_address,
    decode_fields,
    fixed_size_check,
    pci_bdf,
    reserved_valid_bits,
    reserved_zero,
    struct_node,
    trailing_bytes,
    valid_bits_field,
    valid_map,
    vendor_device_text,
)

PCI_BUS_GUID = "c5753963-3b84-4095-bf78-eddad3f9c9dd"
PCI_COMPONENT_GUID = "eb5e4685-ca66-4769-b6a2-26068b001326"

BUS_ERROR_TYPES = {
    0: "Unknown or OEM-specific error", 1: "Data parity error", 2: "System error",
    3: "Master abort", 4: "Bus timeout or no device present (no DEVSEL#)",
    5: "Master data parity error", 6: "Address parity error", 7: "Command parity error",
}

# -- PCI/PCI-X bus (§6.8) -------------------------------------------------------------------------------
BUS_VALID = (
    (0, "error_status", "Error status valid"), (1, "error_type", "Error type valid"),
    (2, "bus_id", "Bus ID valid"), (3, "bus_address", "Bus address valid"),
    (4, "bus_data", "Bus data valid"), (5, "bus_command", "Bus command valid"),
    (6, "requestor_id", "Requestor ID valid"), (7, "completer_id", "Completer ID valid"),
    (8, "target_id", "Target ID valid"),
)
BUS = Layout("pci_bus", [
    valid_bits_field(8, BUS_VALID),
    ERROR_STATUS_FIELD,
    Field("error_type", "Bus error type", 2, "hex",
          bits=(Bits(0, "type", "Type", 8, values=BUS_ERROR_TYPES),), reserved_mask=0xFF00,
          description="Byte 0: PCI bus error type; byte 1 reserved"),
    Field("bus_id", "Bus ID", 2, "hex",
          bits=(Bits(0, "bus_number", "Bus number", 8), Bits(8, "segment_number", "Segment number", 8))),
    Field("reserved", "Reserved", 4, "hex"),
    Field("bus_address", "Bus address", 8, "hex"),
    Field("bus_data", "Bus data", 8, "hex"),
    Field("bus_command", "Bus command", 8, "hex",
          bits=(Bits(0, "command", "Command", 56),
                Bits(56, "pci_x", "PCI-X command", meaning="0: PCI command, 1: PCI-X command")),
          reserved_mask=0xFE << 56),
    Field("requestor_id", "Requestor ID", 8, "hex"),
    Field("completer_id", "Completer ID", 8, "hex"),
    Field("target_id", "Target ID", 8, "hex"),
])
assert BUS.size == 72


def _bus_type_node(f: Field, value: int, off: int) -> FieldNode:
    t = value & 0xFF
    return make_node(f, value, off, display=f"{BUS_ERROR_TYPES.get(t, 'Reserved')} ({t})")


def _bus_id_node(f: Field, value: int, off: int) -> FieldNode:
    return make_node(f, value, off, display=f"segment {value >> 8}, bus {value & 0xFF} (0x{value:04X})")


def _bus_command_json(command: int) -> dict[str, Any]:
    out = field_json(BUS["bus_command"], command)
    out["type"] = "PCI-X" if out["pci_x"] else "PCI"
    return out


_BUS_CONVERT = {
    "error_status": error_status_json,
    "error_type": lambda t: t & 0xFF,  # the type byte (byte 1 is reserved)
    "bus_id": lambda b: {"bus": b & 0xFF, "segment": b >> 8},
    "bus_command": _bus_command_json,
}


@register(PCI_BUS_GUID)
def decode_pci_bus(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, BUS.size, "PCI/PCI-X bus error")
    vb = int.from_bytes(ctx.data[body:body + 8], "little") if ctx.length >= 8 else 0
    valid = valid_map(vb, {name: bit for bit, name, _l in BUS_VALID})
    values = decode_fields(ctx, BUS, body, ctx.node, valid=valid, hooks={
        "error_status": error_status_node, "error_type": _bus_type_node, "bus_id": _bus_id_node})
    trailing_bytes(ctx, BUS.size, "PCI/PCI-X bus error")
    if "validation_bits" in values:
        reserved_valid_bits(ctx, BUS["validation_bits"], vb, body)
    if "reserved" in values:
        reserved_zero(ctx, values["reserved"], body + 20, 4, "reserved dword at offset 20")
    if "error_type" in values and valid["error_type"] and values["error_type"] & 0xFF > 7:
        ctx.finding(WARNING, f"bus error type {values['error_type'] & 0xFF} is reserved (defined: 0-7)",
                    body + 16, 2, code="pci-bus-error-type")

    # a validation word the body does not reach is written as 0 (no field valid); the type's
    # name follows the fields, where it has always been
    fields = layout_json(BUS, {**values, "validation_bits": vb}, valid=valid,
                         plain=("validation_bits",), omit=("reserved",), convert=_BUS_CONVERT,
                         after={"error_type": lambda t: {"error_type_name": BUS_ERROR_TYPES.get(
                             t & 0xFF, f"Reserved ({t & 0xFF})")}},
                         order=[f.name for f in BUS.fields if f.name != "reserved"])

    sec = ctx.section
    sec.component = "pci"
    loc = {}
    if fields.get("bus_id") is not None:
        loc = {"segment": fields["bus_id"]["segment"], "bus": fields["bus_id"]["bus"]}
    sec.location = loc
    if fields.get("error_type_name") is not None:
        name = fields["error_type_name"][0].lower() + fields["error_type_name"][1:]
        text = "PCI/PCI-X " + (name if name.startswith("bus ") else f"bus {name}")  # (not "bus bus timeout")
    elif fields.get("error_status") is not None:
        text = f"PCI/PCI-X bus error ({error_status_text(values['error_status'])})"
    else:
        text = "PCI/PCI-X bus error"
    if loc:
        text += f" on bus {numbers.pci_address(loc['segment'], loc['bus'])}"
    if fields.get("bus_address") is not None:
        text += f" at bus address {numbers.address(fields['bus_address'])}"
    sec.summary = text
    return fields


# -- PCI/PCI-X component (§6.9) ---------------------------------------------------------------------------
COMPONENT_VALID = (
    (0, "error_status", "Error status valid"), (1, "id_info", "ID info valid"),
    (2, "memory_number", "Memory number valid"), (3, "io_number", "I/O number valid"),
    (4, "register_pairs", "Register data pairs valid"),
)
COMPONENT_HEAD = Layout("pci_component", [
    valid_bits_field(8, COMPONENT_VALID),
    ERROR_STATUS_FIELD,
])
ID_INFO = Layout("pci_id_info", [
    Field("vendor_id", "Vendor ID", 2, "hex"),
    Field("device_id", "Device ID", 2, "hex"),
    Field("class_code", "Class code", 3, "bytes"),
    Field("function", "Function", 1, "int"),
    Field("device", "Device", 1, "int"),
    Field("bus", "Bus", 1, "int"),
    Field("segment", "Segment", 1, "int"),
    Field("reserved", "Reserved", 5, "bytes"),
])
COUNTS = Layout("pci_counts", [
    Field("memory_number", "Memory register pairs", 4, "int",
          description="Number of memory-mapped register address/data pairs"),
    Field("io_number", "I/O register pairs", 4, "int",
          description="Number of programmed-I/O register address/data pairs"),
])
PAIR = Layout("register_pair", [
    Field("address", "Address", 8, "hex"),
    Field("data", "Data", 8, "hex", description="2 to 8 bytes of register data"),
])
COMPONENT_FIXED = 40


def _class_code_node(f: Field, value: bytes, off: int) -> FieldNode:
    code = int.from_bytes(value, "little")
    return FieldNode(f.name, f.label, code, f"0x{code:06X}", off, f.size, kind="hex")


@register(PCI_COMPONENT_GUID)
def decode_pci_component(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, COMPONENT_FIXED, "PCI/PCI-X component error")
    vb = int.from_bytes(ctx.data[body:body + 8], "little") if ctx.length >= 8 else 0
    valid = valid_map(vb, {name: bit for bit, name, _l in COMPONENT_VALID})
    head = decode_fields(ctx, COMPONENT_HEAD, body, ctx.node, valid=valid,
                         hooks={"error_status": error_status_node})
    ident: dict[str, Any] = {}
    if body + 16 < ctx.end:
        inode = struct_node(ctx.node, "id_info", "Device identification", body + 16,
                            min(16, ctx.end - body - 16))
        if not valid["id_info"]:
            inode.valid, inode.display = False, "(not valid)"
        ident = decode_fields(ctx, ID_INFO, body + 16, inode, hooks={"class_code": _class_code_node})
        if "reserved" in ident:
            reserved_zero(ctx, ident["reserved"], body + 27, 5, "reserved bytes of the device ID")
    counts = decode_fields(ctx, COUNTS, body + 32, ctx.node, valid=valid)
    pairs = _decode_pairs(ctx, counts, valid)
    if "validation_bits" in head:
        reserved_valid_bits(ctx, COMPONENT_HEAD["validation_bits"], vb, body)

    id_info = None
    if ident and valid["id_info"]:
        id_info = layout_json(ID_INFO, ident, omit=("reserved",), convert={
            "class_code": lambda raw: int.from_bytes(raw, "little")})  # three bytes, one number
    # a validation word the body does not reach is written as 0 (no field valid)
    fields = layout_json(COMPONENT_HEAD, {**head, "validation_bits": vb}, valid=valid,
                         plain=("validation_bits",), convert={"error_status": error_status_json},
                         extra={"id_info": id_info} if ident else None)
    if id_info is not None:
        check_pci_address(ctx, id_info.get("device"), id_info.get("function"),
                          ctx.node.find("id_info"), "The device identification's PCI address")
    fields.update(layout_json(COUNTS, counts, valid=valid, extra=None if pairs is None else {
        "register_pairs": pairs if valid["register_pairs"] else None}))
    _describe_component(ctx, fields, head)
    return fields


def _decode_pairs(ctx: SectionContext, counts: dict, valid: dict) -> list[dict] | None:
    """The register pairs, bounded by the section; a count that does not fit is an error."""
    body = ctx.offset
    if "io_number" not in counts:
        return None
    mem, io = counts["memory_number"], counts["io_number"]
    total = mem + io  # Python ints: no 32-bit overflow
    start = body + COMPONENT_FIXED
    room = max(0, ctx.declared_length - COMPONENT_FIXED) // PAIR.size
    present = max(0, ctx.end - start) // PAIR.size
    if total > room:
        ctx.finding(ERROR, f"memory ({mem}) + I/O ({io}) register pair counts need {total} pairs "
                           f"({COMPONENT_FIXED + 16 * total} bytes) but the section has room for "
                           f"{room}; only the pairs present are decoded", body + 32, 8,
                    code="count-exceeds-section")
    elif total > present:
        ctx.finding(NOTE, f"only {present} of {total} register pairs are present (the record is "
                          "truncated)", body + 32, 8, code="section-partial")
    if not (valid["memory_number"] and valid["io_number"]) and total and valid["register_pairs"]:
        ctx.finding(NOTE, "register pairs are marked valid but the memory/I-O counts are not; the "
                          "counts are used anyway to find the pairs", body, 8, code="valid-bits-conflict")
    shown = min(total, present)
    pairs = []
    if shown:
        pnode = struct_node(ctx.node, "register_pairs", "Register data pairs", start, shown * PAIR.size,
                            f"{shown} pairs ({mem} memory, {io} I/O)")
        if not valid["register_pairs"]:
            pnode.valid, pnode.display = False, pnode.display + " (not valid)"
        for i in range(shown):
            off = start + i * PAIR.size
            kind = "memory" if i < mem else "I/O"
            node = struct_node(pnode, f"pair_{i}", f"Pair {i} ({kind})", off, PAIR.size)
            pv = decode_fields(ctx, PAIR, off, node)
            node.display = f"address 0x{pv['address']:X} = 0x{pv['data']:X}"
            pairs.append(layout_json(PAIR, pv, extra={"space": "memory" if i < mem else "io"},
                                     order=("space",)))
    used = COMPONENT_FIXED + shown * PAIR.size
    if ctx.length >= COMPONENT_FIXED and total <= room:
        trailing_bytes(ctx, COMPONENT_FIXED + total * PAIR.size, "PCI/PCI-X component error")
    elif ctx.length > used and total > room:
        trailing_bytes(ctx, used, "PCI/PCI-X component error", level=None)
    return pairs


def _describe_component(ctx: SectionContext, fields: dict, head: dict) -> None:
    sec = ctx.section
    sec.component = "pci"
    ident = fields.get("id_info") or {}
    loc = {}
    for key in ("segment", "bus", "device", "function", "vendor_id", "device_id"):
        if key in ident:
            loc[key] = ident[key]
    sec.location = loc
    text = "PCI/PCI-X device error"
    if fields.get("error_status") is not None:
        text = f"PCI/PCI-X device error ({error_status_text(head['error_status'])})"
    if {"segment", "bus", "device", "function"} <= loc.keys():
        text += " at " + pci_bdf(loc["segment"], loc["bus"], loc["device"], loc["function"])
    text += vendor_device_text(loc)
    sec.summary = text
