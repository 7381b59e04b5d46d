"""CXL Protocol Error Section (FORMAT.md §6.15): 116 bytes + DVSEC + CXL RAS capability (error log).

Agent type names are the UEFI 2.11 ones (conflict C22: the numbers are stable across versions).
"""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import ERROR, NOTE, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from . import _pcie_regs as regs
from ._kit import (
    check_pci_address,
    decode_fields,
    fixed_size_check,
    pci_bdf,
    raw_node,
    register_node,
    reserved_valid_bits,
    reserved_zero,
    struct_node,
    trailing_bytes,
    valid_bits_field,
    valid_map,
    vendor_device_text,
)

CXL_PROTOCOL_GUID = "80b9efb4-52b5-4de3-a777-68784b771048"
FIXED_SIZE = 116

AGENT_TYPES = {
    0: "CXL RCD (restricted CXL device) RCiEP",
    1: "CXL RCH downstream port (RCRB)",
    2: "CXL endpoint device",
    3: "CXL logical device",
    4: "CXL fabric-manager-owned logical device",
    5: "CXL root port",
    6: "CXL downstream switch port",
    7: "CXL upstream switch port",
}
RCH_DOWNSTREAM_PORT = 1

VALID = (
    (0, "agent_type", "Agent type valid"), (1, "agent_address", "Agent address valid"),
    (2, "device_id", "Device ID valid"), (3, "device_serial_number", "Device serial number valid"),
    (4, "capability_structure", "Capability structure valid"), (5, "dvsec", "CXL DVSEC valid"),
    (6, "error_log", "CXL error log valid"),
)
HEAD = Layout("cxl_protocol_head", [
    valid_bits_field(8, VALID),
    Field("agent_type", "CXL agent type", 1, "enum", enum=AGENT_TYPES),
    Field("reserved", "Reserved", 7, "bytes"),
])
AGENT_ADDRESS_BDF = Layout("cxl_agent_address", [
    Field("function", "Function", 1, "int"),
    Field("device", "Device", 1, "int"),
    Field("bus", "Bus", 1, "int"),
    Field("segment", "Segment", 2, "int"),
    Field("reserved", "Reserved", 3, "bytes"),
])
AGENT_ADDRESS_RCRB = Layout("cxl_agent_rcrb", [
    Field("rcrb_base_address", "RCRB base address", 8, "hex",
          description="Root complex register block of the RCH downstream port"),
])
DEVICE_ID = Layout("cxl_device_id", [
    Field("vendor_id", "Vendor ID", 2, "hex"),
    Field("device_id", "Device ID", 2, "hex"),
    Field("subsystem_vendor_id", "Subsystem vendor ID", 2, "hex"),
    Field("subsystem_device_id", "Subsystem device ID", 2, "hex"),
    Field("class_code", "Class code", 2, "hex"),
    Field("slot", "Slot", 2, "hex", bits=(Bits(3, "slot_number", "Slot number", 13),), reserved_mask=7),
    Field("reserved", "Reserved", 4, "bytes"),
])
SERIAL = Layout("cxl_serial", [Field("device_serial_number", "Device serial number", 8, "hex")])
LENGTHS = Layout("cxl_lengths", [
    Field("dvsec_length", "CXL DVSEC length", 2, "int"),
    Field("error_log_length", "CXL error log length", 2, "int"),
    Field("reserved2", "Reserved", 4, "hex"),
])

# CXL RAS capability structure (the error log): register bits per the CXL specification
_UNCORRECTABLE = (
    Bits(0, "cache_data_parity", "Cache data parity"), Bits(1, "cache_address_parity", "Cache address parity"),
    Bits(2, "cache_be_parity", "Cache byte-enable parity"), Bits(3, "cache_data_ecc", "Cache data ECC"),
    Bits(4, "mem_data_parity", "Memory data parity"), Bits(5, "mem_address_parity", "Memory address parity"),
    Bits(6, "mem_be_parity", "Memory byte-enable parity"), Bits(7, "mem_data_ecc", "Memory data ECC"),
    Bits(8, "reinit_threshold", "REINIT threshold"),
    Bits(9, "rsvd_encoding_violation", "Reserved encoding violation"),
    Bits(10, "poison_received", "Poison received"), Bits(11, "receiver_overflow", "Receiver overflow"),
    Bits(14, "internal_error", "Internal error"), Bits(15, "cxl_ide_tx_error", "CXL IDE Tx error"),
    Bits(16, "cxl_ide_rx_error", "CXL IDE Rx error"),
)
_CORRECTABLE = (
    Bits(0, "cache_data_ecc", "Cache data ECC"), Bits(1, "mem_data_ecc", "Memory data ECC"),
    Bits(2, "crc_threshold", "CRC threshold"), Bits(3, "retry_threshold", "Retry threshold"),
    Bits(4, "cache_poison_received", "Cache poison received"),
    Bits(5, "mem_poison_received", "Memory poison received"),
    Bits(6, "physical_layer_error", "Physical layer error"),
)
RAS = Layout("cxl_ras_capability", [
    Field("uncorrectable_error_status", "Uncorrectable error status", 4, "hex", bits=_UNCORRECTABLE),
    Field("uncorrectable_error_mask", "Uncorrectable error mask", 4, "hex", bits=_UNCORRECTABLE),
    Field("uncorrectable_error_severity", "Uncorrectable error severity", 4, "hex", bits=_UNCORRECTABLE),
    Field("correctable_error_status", "Correctable error status", 4, "hex", bits=_CORRECTABLE),
    Field("correctable_error_mask", "Correctable error mask", 4, "hex", bits=_CORRECTABLE),
    Field("error_capability_control", "Error capability and control", 4, "hex", bits=(
        Bits(0, "first_error_pointer", "First error pointer", 6),
        Bits(9, "multiple_header_recording_capability", "Multiple header recording capability"),
        Bits(13, "poison_enabled", "Poison enabled"))),
    *[Field(f"header_log_{i}", f"Header log DW{i}", 4, "hex") for i in range(16)],
])
RAS_SIZE = RAS.size  # 88 bytes: Linux struct cxl_ras_capability_regs
_RAS_HOOKS = {f.name: register_node for f in RAS.fields if f.bits}
_RAS_UNNAMED = tuple(f.name for f in RAS.fields if not f.bits)  # header log words: one list


@register(CXL_PROTOCOL_GUID)
def decode_cxl_protocol(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, FIXED_SIZE, "CXL protocol error")
    vb = int.from_bytes(ctx.data[body:body + 8], "little") if ctx.length >= 8 else 0
    valid = valid_map(vb, {name: bit for bit, name, _l in VALID})
    head = decode_fields(ctx, HEAD, body, ctx.node, valid={"agent_type": valid["agent_type"]})
    if "validation_bits" in head:
        reserved_valid_bits(ctx, HEAD["validation_bits"], vb, body)
    if "reserved" in head:
        reserved_zero(ctx, head["reserved"], body + 9, 7, "reserved bytes 9-15")
    agent = head.get("agent_type")
    if agent is not None and valid["agent_type"]:
        if agent not in AGENT_TYPES:
            ctx.finding(NOTE, f"agent type {agent} is reserved (defined: 0-7)", body + 8, 1,
                        code="cxl-agent-type")

    # The agent address is a union chosen by the agent type byte (read even when not marked valid).
    rcrb = agent == RCH_DOWNSTREAM_PORT
    parts: dict[str, Any] = {}  # the agent address and device ID objects (null when not valid)
    addr = _sub(ctx, "agent_address", "CXL agent address", body + 16,
                AGENT_ADDRESS_RCRB if rcrb else AGENT_ADDRESS_BDF, valid["agent_address"])
    if addr:
        parts["agent_address"] = None
    if addr and valid["agent_address"]:
        parts["agent_address"] = layout_json(AGENT_ADDRESS_RCRB if rcrb else AGENT_ADDRESS_BDF,
                                             addr, omit=("reserved",))
        check_pci_address(ctx, addr.get("device"), addr.get("function"), ctx.node.find("agent_address"),
                          "The CXL agent's PCI address")
    dev = _sub(ctx, "device_id", "Device ID", body + 24, DEVICE_ID, valid["device_id"])
    if dev:
        # the slot number (bits 15:3); the register is in the tree
        parts["device_id"] = layout_json(DEVICE_ID, dev, omit=("reserved",), convert={
            "slot": lambda slot: slot >> 3}) if valid["device_id"] else None
    serial = decode_fields(ctx, SERIAL, body + 40, ctx.node,
                           valid={"device_serial_number": valid["device_serial_number"]})
    cap = regs.decode_capability(ctx, ctx.node, body + 48, valid=valid["capability_structure"])
    lengths = decode_fields(ctx, LENGTHS, body + 108, ctx.node)
    if "reserved2" in lengths:
        reserved_zero(ctx, lengths["reserved2"], body + 112, 4, "reserved bytes 112-115")
    # a validation word the body does not reach is written as 0 (no field valid)
    fields = layout_json(HEAD, {**head, "validation_bits": vb}, valid=valid, plain=("validation_bits",),
                         omit=("reserved",), extra=parts,
                         after={"agent_type": lambda a: {
                             "agent_type_name": AGENT_TYPES.get(a, f"Reserved ({a})")}})
    fields.update(layout_json(SERIAL, serial, valid=valid, extra=None if not cap else {
        "capability_structure": cap if valid["capability_structure"] else None}))
    if "error_log_length" in lengths:
        fields.update(layout_json(LENGTHS, lengths, omit=("reserved2",),
                                  extra=_variable_parts(ctx, lengths, valid)))
    _describe(ctx, fields)
    return fields


def _sub(ctx, name, label, offset, layout, valid) -> dict[str, Any]:
    if offset >= ctx.end:
        return {}
    node = struct_node(ctx.node, name, label, offset, min(layout.size, ctx.end - offset))
    if not valid:
        node.valid, node.display = False, "(not valid)"
    return decode_fields(ctx, layout, offset, node)


def _variable_parts(ctx: SectionContext, lengths: dict, valid: dict) -> dict[str, Any]:
    """The DVSEC and the error log, each bounded by the section (lengths are checked, never
    trusted); their JSON: the DVSEC and the error log as hex, the RAS capability's registers."""
    fields: dict[str, Any] = {}
    body = ctx.offset
    dlen, llen = lengths["dvsec_length"], lengths["error_log_length"]
    need = FIXED_SIZE + dlen + llen
    if need > ctx.declared_length:
        ctx.finding(ERROR, f"DVSEC length {dlen} + error log length {llen} need a {need}-byte section "
                           f"but it is {ctx.declared_length} bytes; only the bytes present are decoded",
                    body + 108, 4, code="count-exceeds-section")
    dstart = body + FIXED_SIZE
    dnode = raw_node(ctx.node, ctx, "dvsec", "CXL DVSEC", dstart, dlen,
                     "PCIe DVSEC for CXL devices / flex bus port")
    if dnode is not None:
        if not valid["dvsec"]:
            dnode.valid, dnode.display = False, dnode.display + " (not valid)"
            fields["dvsec"] = None
        elif dnode.length:
            fields["dvsec"] = bytes(dnode.value).hex()
    lstart = dstart + dlen
    if lstart < ctx.end and llen:
        n = min(llen, ctx.end - lstart)
        lnode = struct_node(ctx.node, "error_log", "CXL error log (RAS capability)", lstart, n)
        if not valid["error_log"]:
            lnode.valid, lnode.display = False, "(not valid)"
        ras = decode_fields(ctx, RAS, lstart, lnode, hooks=_RAS_HOOKS, end=lstart + n)
        used = sum(RAS[k].size for k in ras)
        if used < n:
            rest = ctx.data[lstart + used:lstart + n]
            lnode.add(FieldNode("extra", "Further error log bytes", rest, f"{len(rest)} bytes",
                                lstart + used, len(rest), kind="bytes"))
        if not valid["error_log"]:
            fields["error_log"] = fields["ras_capability"] = None
        else:
            fields["error_log"] = ctx.data[lstart:lstart + n].hex()
            fields["ras_capability"] = regs.log_json(RAS, ras, "header_log", _RAS_UNNAMED)
        if llen != RAS_SIZE and valid["error_log"]:
            ctx.finding(NOTE, f"error log length is {llen}; a CXL RAS capability structure is "
                              f"{RAS_SIZE} bytes (Linux rejects other sizes)", body + 110, 2,
                        code="cxl-error-log-length")
    if need <= ctx.declared_length:
        trailing_bytes(ctx, need, "CXL protocol error")
    return fields


def _describe(ctx: SectionContext, fields: dict) -> None:
    sec = ctx.section
    sec.component = "cxl"
    loc: dict[str, Any] = {}
    addr = fields.get("agent_address") or {}
    for key in ("segment", "bus", "device", "function", "rcrb_base_address"):
        if key in addr:
            loc[key] = addr[key]
    dev = fields.get("device_id") or {}
    for key in ("vendor_id", "device_id"):
        if key in dev:
            loc[key] = dev[key]
    if fields.get("device_serial_number") is not None:
        loc["serial_number"] = fields["device_serial_number"]
    sec.location = loc
    text = "CXL protocol error"
    if fields.get("agent_type_name") is not None:
        text += f" reported by a {fields['agent_type_name']}"
    if {"segment", "bus", "device", "function"} <= loc.keys():
        text += " at " + pci_bdf(loc["segment"], loc["bus"], loc["device"], loc["function"])
    elif "rcrb_base_address" in loc:
        text += f" at RCRB {numbers.address(loc['rcrb_base_address'])}"
    text += vendor_device_text(loc)
    ras = fields.get("ras_capability") or {}
    # only unmasked bits: a masked error sets its status bit but is not reported (as PCIe AER)
    unc = regs.register_value(ras, "uncorrectable_error_status") & ~regs.register_value(ras, "uncorrectable_error_mask")
    cor = regs.register_value(ras, "correctable_error_status") & ~regs.register_value(ras, "correctable_error_mask")
    names = [b.label for b in _UNCORRECTABLE if unc >> b.bit & 1] or \
        [b.label for b in _CORRECTABLE if cor >> b.bit & 1]
    if names:
        kind = "uncorrectable" if unc else "correctable"
        text += f": {kind} " + ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    sec.summary = text
