"""PCI Express Error Section (FORMAT.md §6.7, 208 bytes; UEFI 2.11 RCRB fields, conflict C23)."""

from __future__ import annotations

import functools
from typing import Any

from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.model import NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from . import _pcie_regs as regs
from ._kit import (
    check_pci_address,
    decode_fields,
    fixed_size_check,
    pci_bdf,
    register_node,
    reserved_valid_bits,
    struct_node,
    trailing_bytes,
    valid_bits_field,
    vendor_device_text,
)

PCIE_GUID = "d995e954-bbc1-430f-ad91-b44dcb3c6f35"
PCIE_SIZE = 208

VALID_NAMES = (
    (0, "port_type", "Port type valid"), (1, "version", "Version valid"),
    (2, "command_status", "Command/status valid"), (3, "device_id", "Device ID valid"),
    (4, "device_serial_number", "Device serial number valid"),
    (5, "bridge_control_status", "Bridge control/status valid"),
    (6, "capability_structure", "Capability structure valid"), (7, "aer_info", "AER info valid"),
    (8, "device_id_rcrb", "Device ID valid (RCRB, UEFI 2.11)"),
    (9, "rcrb_high_address", "RCRB high address valid (UEFI 2.11)"),
)

# PCI command/status and bridge control/secondary status registers (PCI Local Bus / PCIe base spec)
_STATUS_BITS = (
    (3, "interrupt_status", "Interrupt status"), (4, "capabilities_list", "Capabilities list"),
    (5, "mhz66_capable", "66 MHz capable"), (7, "fast_back_to_back_capable", "Fast back-to-back capable"),
    (8, "master_data_parity_error", "Master data parity error"),
    (11, "signaled_target_abort", "Signaled target abort"),
    (12, "received_target_abort", "Received target abort"),
    (13, "received_master_abort", "Received master abort"),
    (14, "signaled_system_error", "Signaled system error"),
    (15, "detected_parity_error", "Detected parity error"),
)
_COMMAND_BITS = (
    (0, "io_space_enable", "I/O space enable"), (1, "memory_space_enable", "Memory space enable"),
    (2, "bus_master_enable", "Bus master enable"), (6, "parity_error_response", "Parity error response"),
    (8, "serr_enable", "SERR# enable"), (10, "interrupt_disable", "Interrupt disable"),
)
_BRIDGE_CONTROL_BITS = (
    (0, "parity_error_response_enable", "Parity error response enable"),
    (1, "serr_enable", "SERR# enable"), (2, "isa_enable", "ISA enable"), (3, "vga_enable", "VGA enable"),
    (5, "master_abort_mode", "Master abort mode"), (6, "secondary_bus_reset", "Secondary bus reset"),
    (10, "discard_timer_status", "Discard timer status"),
)


def _bits(table, shift: int = 0) -> tuple[Bits, ...]:
    return tuple(Bits(bit + shift, name, label) for bit, name, label in table)


HEAD = Layout("pcie_head", [
    valid_bits_field(8, VALID_NAMES),
    Field("port_type", "Port type", 4, "enum", enum=regs.PORT_TYPES,
          description="PCIe capability device/port type of the reporting function"),
    Field("version", "PCIe version", 4, "hex", description="Byte 0 minor, byte 1 major (BCD)"),
    Field("command_status", "Command/status", 4, "hex",
          bits=(Bits(0, "command", "Command register", 16),) + _bits(_COMMAND_BITS)
          + (Bits(16, "status", "Status register", 16),) + _bits(_STATUS_BITS, 16),
          description="Bytes 0-1: PCI Command register; bytes 2-3: PCI Status register"),
    Field("rcrb_high_address", "RCRB high address", 4, "hex",
          description="UEFI 2.11: upper dword of the RCRB base (reserved before 2.11)"),
])
DEVICE_ID = Layout("pcie_device_id", [
    Field("vendor_id", "Vendor ID", 2, "hex"),
    Field("device_id", "Device ID", 2, "hex"),
    Field("class_code", "Class code", 3, "bytes", description="Programming interface, subclass, base class"),
    Field("function", "Function", 1, "int"),
    Field("device", "Device", 1, "int"),
    Field("segment", "Segment", 2, "int"),
    Field("primary_bus", "Primary or device bus", 1, "int"),
    Field("secondary_bus", "Secondary bus", 1, "int"),
    Field("slot", "Slot", 2, "hex", bits=(Bits(3, "slot_number", "Slot number", 13),), reserved_mask=0x7),
    Field("reserved", "Reserved", 1, "hex"),
])
DEVICE_ID_RCRB = Layout("pcie_device_id_rcrb", [
    DEVICE_ID["vendor_id"], DEVICE_ID["device_id"], DEVICE_ID["class_code"],
    Field("rcrb_low_address", "RCRB low address", 4, "hex", description="Lower dword of the RCRB base"),
    DEVICE_ID["primary_bus"], DEVICE_ID["secondary_bus"], DEVICE_ID["slot"], DEVICE_ID["reserved"],
])
MIDDLE = Layout("pcie_middle", [
    Field("device_serial_number", "Device serial number", 8, "hex"),
    Field("bridge_control_status", "Bridge control/status", 4, "hex",
          bits=(Bits(0, "secondary_status", "Secondary status", 16),) + _bits(_STATUS_BITS)
          + (Bits(16, "bridge_control", "Bridge control", 16),) + _bits(_BRIDGE_CONTROL_BITS, 16),
          description="Bytes 0-1: secondary status; bytes 2-3: bridge control (bridges only)"),
])
OFF_DEVICE_ID, OFF_MIDDLE, OFF_CAPABILITY, OFF_AER = 24, 40, 52, 112


def _bcd(byte: int) -> int:
    return (byte >> 4) * 10 + (byte & 0xF)


def _version_node(f: Field, value: int, off: int) -> FieldNode:
    return make_node(f, value, off, display=f"{_bcd(value >> 8 & 0xFF)}.{_bcd(value & 0xFF)} "
                                            f"(0x{value:08X})")


def _class_code_node(f: Field, value: bytes, off: int) -> FieldNode:
    code = int.from_bytes(value, "little")
    return FieldNode(f.name, f.label, code, f"0x{code:06X}", off, f.size, kind="hex",
                     description=f.description)


@register(PCIE_GUID)
def decode_pcie(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, PCIE_SIZE, "PCI Express error")
    vb = int.from_bytes(ctx.data[body:body + 8], "little") if ctx.length >= 8 else 0

    def ok(bit: int) -> bool:
        return bool(vb >> bit & 1)

    head = decode_fields(ctx, HEAD, body, ctx.node, valid={
        "port_type": ok(0), "version": ok(1), "command_status": ok(2), "rcrb_high_address": ok(9)},
        hooks={"version": _version_node, "command_status": register_node})
    rcrb_form = ok(8) and not ok(3)
    dev_layout = DEVICE_ID_RCRB if rcrb_form else DEVICE_ID
    dev: dict[str, Any] = {}
    if body + OFF_DEVICE_ID < ctx.end:
        dnode = struct_node(ctx.node, "device_id", "Device ID", body + OFF_DEVICE_ID,
                            min(16, ctx.end - body - OFF_DEVICE_ID),
                            "(RCRB form)" if rcrb_form else "")
        if not (ok(3) or ok(8)):
            dnode.valid, dnode.display = False, "(not valid)"
        dev = decode_fields(ctx, dev_layout, body + OFF_DEVICE_ID, dnode,
                            hooks={"class_code": _class_code_node})
    mid = decode_fields(ctx, MIDDLE, body + OFF_MIDDLE, ctx.node,
                        valid={"device_serial_number": ok(4), "bridge_control_status": ok(5)},
                        hooks={"bridge_control_status": register_node})
    cap = regs.decode_capability(ctx, ctx.node, body + OFF_CAPABILITY, valid=ok(6))
    aer = regs.decode_aer(ctx, ctx.node, body + OFF_AER, valid=ok(7))
    trailing_bytes(ctx, PCIE_SIZE, "PCI Express error")

    _checks(ctx, head, vb, rcrb_form, cap, aer)
    fields = _json(head, dev, mid, cap, aer, vb, rcrb_form)
    shown = fields.get("device_id") or {}
    check_pci_address(ctx, shown.get("device"), shown.get("function"), ctx.node.find("device_id"),
                      "The device ID's PCI address")
    _describe(ctx, fields)
    return fields


def _checks(ctx, head, vb, rcrb_form, cap, aer) -> None:
    body = ctx.offset
    if "validation_bits" in head:
        reserved_valid_bits(ctx, HEAD["validation_bits"], vb, body)
        if vb >> 3 & 1 and vb >> 8 & 1:
            ctx.finding(WARNING, "validation bits 3 (device ID) and 8 (device ID with RCRB) are both "
                                 "set; UEFI 2.11 requires bit 3 to be 0 when bit 8 is set", body, 8,
                        code="valid-bits-conflict")
    pt = head.get("port_type")
    if pt is not None and vb & 1 and pt not in regs.PORT_TYPES:
        ctx.finding(WARNING, f"port type {pt} is not a defined PCIe device/port type", body + 8, 4,
                    code="pcie-port-type")
    ver = head.get("version")
    if ver is not None and vb >> 1 & 1 and any((ver >> s & 0xF) > 9 for s in (0, 4, 8, 12)):
        ctx.finding(NOTE, f"version 0x{ver:08X} is not binary-coded decimal", body + 12, 4,
                    code="pcie-version-bcd")
    if cap and vb >> 6 & 1:
        cid = cap["pcie_capability_header"]["capability_id"]
        if cid != regs.PCIE_CAPABILITY_ID:
            ctx.finding(NOTE, f"capability structure starts with capability ID 0x{cid:02X}, not the "
                              "PCI Express capability ID 0x10", body + OFF_CAPABILITY, 1,
                        code="pcie-capability-id")
        else:
            cap_type = cap.get("pcie_capabilities", {}).get("device_port_type")
            if pt is not None and vb & 1 and cap_type is not None and cap_type != pt:
                ctx.finding(WARNING, f"port type {pt} ({regs.PORT_TYPES.get(pt, 'undefined')}) disagrees with "
                                     f"the PCIe capability's Device/Port Type {cap_type} "
                                     f"({regs.PORT_TYPES.get(cap_type, 'undefined')}); the explanation follows "
                                     "the port type field", body + 8, 4, code="pcie-port-type-mismatch")
    if aer and vb >> 7 & 1:
        aid = aer["capability_header"]["capability_id"]
        if aid != regs.AER_CAPABILITY_ID:
            ctx.finding(NOTE, f"AER block starts with extended capability ID 0x{aid:04X}, not the AER "
                              "ID 0x0001", body + OFF_AER, 2, code="pcie-aer-id")


def _json(head, dev, mid, cap, aer, vb, rcrb_form) -> dict[str, Any]:
    """``fields`` from the layouts (core.fields.layout_json: a field whose validation bit is
    clear is null); this adapter adds only the computed keys."""
    def ok(bit: int) -> bool:
        return bool(vb >> bit & 1)

    device_id = None
    if dev:
        dev_layout = DEVICE_ID_RCRB if rcrb_form else DEVICE_ID
        base = ({"rcrb_base_address": dev["rcrb_low_address"] | (
            head.get("rcrb_high_address", 0) << 32 if ok(9) else 0)}
            if rcrb_form and "rcrb_low_address" in dev else None)
        d = layout_json(dev_layout, dev, omit=("reserved",), extra=base, convert={
            "class_code": lambda raw: int.from_bytes(raw, "little"),  # three bytes, one number
            "slot": lambda slot: slot >> 3})  # the slot number (bits 15:3); the register is in the tree
        device_id = d if ok(3) or ok(8) else None
    # a validation word the body does not reach is written as 0 (no field valid); the port
    # type's name and the device ID follow the header's fields, where they have always been
    out = layout_json(HEAD, {**head, "validation_bits": vb}, plain=("validation_bits",), valid={
        "port_type": ok(0), "version": ok(1), "command_status": ok(2), "rcrb_high_address": ok(9)},
        convert={"version": lambda v: {"value": v, "major": _bcd(v >> 8 & 0xFF),
                                       "minor": _bcd(v & 0xFF)}},
        after={"port_type": lambda pt: {"port_type_name": regs.PORT_TYPES.get(pt, "Unknown")}},
        extra={"device_id": device_id} if dev else None, order=[f.name for f in HEAD.fields])
    registers = {}
    if cap:
        registers["capability_structure"] = cap if ok(6) else None
    if aer:
        registers["aer_info"] = aer if ok(7) else None
    out.update(layout_json(MIDDLE, mid, valid={"device_serial_number": ok(4),
                                               "bridge_control_status": ok(5)}, extra=registers))
    return out


def error_class(fields: dict, severity_name: str | None) -> tuple[str, list[str]]:
    """("uncorrectable"|"correctable"|"", error names) from the AER block, else from the severity.
    Only unmasked status bits count: a masked error sets its status bit but is not reported (PCIe
    Base spec, AER mask registers; Linux prints ``status & ~mask``), and stale masked bits are
    common. A Corrected section's error is the correctable one it reports, as Linux reads it: an
    uncorrectable status bit beside it is an advisory non-fatal error signalled as correctable, or
    stale."""
    aer = fields.get("aer_info") or {}
    register = functools.partial(regs.register_value, aer)
    unc = register("uncorrectable_error_status") & ~register("uncorrectable_error_mask")
    cor = register("correctable_error_status") & ~register("correctable_error_mask")
    # an uncorrectable error of Fatal severity (its Severity register bit) is never signalled as
    # an advisory correctable one: beside it, a Corrected record does contradict itself
    fatal = unc & register("uncorrectable_error_severity")
    if cor and (severity_name == "Corrected" and not fatal or not unc):
        return "correctable", regs.correctable_names(cor)
    if unc:
        names = regs.uncorrectable_names(unc)
        first = aer.get("advanced_error_capabilities_and_control", {}).get("first_error_pointer")
        first_name = next((label for bit, _n, label in regs.UNCORRECTABLE_ERRORS
                           if bit == first and unc >> bit & 1), None)
        if first_name:
            names.remove(first_name)
            names.insert(0, first_name)
        return "uncorrectable", names
    if severity_name == "Corrected":
        return "correctable", []
    if severity_name in ("Fatal", "Recoverable"):
        return "uncorrectable", []
    return "", []


def _describe(ctx: SectionContext, fields: dict) -> None:
    sec = ctx.section
    sec.component = "pcie"
    dev = fields.get("device_id") or {}
    loc: dict[str, Any] = {}
    for key, src in (("segment", "segment"), ("bus", "primary_bus"), ("device", "device"),
                     ("function", "function"), ("vendor_id", "vendor_id"), ("device_id", "device_id")):
        if src in dev:
            loc[key] = dev[src]
    if "rcrb_base_address" in dev:
        loc["rcrb_base_address"] = dev["rcrb_base_address"]
    sec.location = loc
    kind, names = error_class(fields, sec.values.get("severity_name"))
    text = f"PCIe {kind} error" if kind else "PCIe error"
    if {"segment", "bus", "device", "function"} <= loc.keys():
        text += " at " + pci_bdf(loc["segment"], loc["bus"], loc["device"], loc["function"])
    elif "rcrb_base_address" in loc:
        text += f" at RCRB {numbers.address(loc['rcrb_base_address'])}"
    text += vendor_device_text(loc)
    if fields.get("port_type_name") and not loc:
        text += f" ({fields['port_type_name'].lower()})"
    if names:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        text += f": {shown}"
    elif _only_masked(fields):
        text += ": its AER status bits are all masked (errors the device does not report)"
    sec.summary = text


def _only_masked(fields: dict) -> bool:
    """Whether the AER block has status bits set and every one of them masked."""
    register = functools.partial(regs.register_value, fields.get("aer_info") or {})
    pairs = (("uncorrectable_error_status", "uncorrectable_error_mask"),
             ("correctable_error_status", "correctable_error_mask"))
    return any(register(st) for st, _ in pairs) and not any(register(st) & ~register(m) for st, m in pairs)
