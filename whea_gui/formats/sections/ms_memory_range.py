"""WHEA_MEMORY_RANGE_ERROR_SECTION (FORMAT.md §8.15): 88 bytes + 16 per range; for CXL devices
(DeviceType 0) the device info holds the PCIe address and serial number."""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import ERROR
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import (
    check_pci_address,
    check_valid_bits,
    decode_fixed,
    note_extra,
    pci_text,
    raw_node,
    struct_node,
)

MEMORY_RANGE_GUID = "cc245308-61d5-4356-a707-25172ec2f5ea"
VALID = (Bits(0, "version", "Version valid"), Bits(1, "device_info", "DeviceInfo valid"),
         Bits(2, "device_type", "DeviceType valid"), Bits(3, "range_count", "RangeCount valid"),
         Bits(4, "ranges", "Ranges valid"))
HEAD = Layout("WHEA_MEMORY_RANGE_ERROR_SECTION", [
    Field("valid_bits", "Validation bits", 8, "flags", bits=VALID, reserved_mask=(1 << 64) - 1 - 0x1F),
    Field("version", "Version", 4, "int"),
])
CXL_DEVICE = Layout("WHEA_CXL_PCIE_DEVICE_ID + serial", [
    Field("vendor_id", "Vendor ID", 2, "hex"), Field("device_id", "Device ID", 2, "hex"),
    Field("function", "Function", 1, "int"), Field("device", "Device", 1, "int"),
    Field("bus", "Bus", 1, "int"), Field("segment", "Segment", 2, "int"),
    Field("slot", "Slot", 2, "hex", bits=(Bits(3, "slot_number", "Slot number", 13),)),
    Field("reserved2", "Reserved2", 1, "hex"),
    Field("serial_number", "Device serial number", 8, "hex"),
])
DEVICE_INFO_SIZE = 72
TAIL = Layout("memory range tail", [
    Field("device_type", "Device type", 1, "enum", enum={0: "CXL"}),
    Field("reserved", "Reserved", 1, "hex"),
    Field("range_count", "Range count", 2, "int"),
])
RANGE = Layout("WHEA_MEMORY_RANGE", [
    Field("start", "Start system physical address", 8, "hex"),
    Field("length", "Length in bytes", 8, "int"),
])
FIXED = HEAD.size + DEVICE_INFO_SIZE + TAIL.size  # 88


@register(MEMORY_RANGE_GUID)
def decode_memory_range(ctx: SectionContext) -> dict:
    ctx.section.component = "memory"
    h, whole = decode_fixed(ctx, HEAD, what="Memory range error section")
    f = layout_json(HEAD, h, plain=("valid_bits",))
    if not whole:
        ctx.section.summary = "Memory range error (truncated)"
        return f
    vb = h["valid_bits"]
    check_valid_bits(ctx, vb, 0x1F, ctx.offset, 8)
    d_off = ctx.offset + HEAD.size
    dnode = struct_node(ctx.node, "device_info", "Device info", d_off,
                        min(DEVICE_INFO_SIZE, ctx.end - d_off))
    t_off = d_off + DEVICE_INFO_SIZE
    tv, twhole = ({}, False)
    if t_off < ctx.end:
        tv, twhole = decode_fixed(ctx, TAIL, t_off, what="Memory range error section")
    else:
        ctx.finding(ERROR, f"Memory range error section needs {FIXED} bytes but the body has "
                           f"{ctx.length}", ctx.offset, ctx.length, "body-truncated")
    f.update(layout_json(TAIL, tv))
    if tv.get("device_type", 0) == 0 or not vb & 4:
        dv, _ = CXL_DEVICE.decode(ctx.data, d_off, ctx.end, dnode)
        raw_node(dnode, ctx, "reserved", "Reserved", d_off + CXL_DEVICE.size,
                 min(DEVICE_INFO_SIZE - CXL_DEVICE.size, ctx.end - d_off - CXL_DEVICE.size))
        if vb & 2 and "serial_number" in dv:
            # published shape: the slot number (bits 3-15) after the other fields, then the address
            f["device"] = layout_json(
                CXL_DEVICE, dv, keys={"slot": "slot_number"}, convert={"slot": lambda s: s >> 3},
                extra={"address": pci_text(dv["segment"], dv["bus"], dv["device"], dv["function"])},
                order=[fl.name for fl in CXL_DEVICE.fields if fl.name != "slot"])
            check_pci_address(ctx, dv["device"], dv["function"], dnode, "The CXL device's PCI address")
    else:
        raw_node(dnode, ctx, "raw", "Device info", d_off, min(DEVICE_INFO_SIZE, ctx.end - d_off))
    ranges = []
    if twhole:
        count = tv["range_count"]
        room = (ctx.length - FIXED) // RANGE.size
        if count > room:
            ctx.finding(ERROR, f"RangeCount is {count} but the body holds only {room} range(s)",
                        t_off + 2, 2, "count")
        for i in range(min(count, room)):
            off = ctx.offset + FIXED + RANGE.size * i
            rnode = struct_node(ctx.node, f"range_{i}", f"Range {i}", off, RANGE.size)
            rv, _ = RANGE.decode(ctx.data, off, ctx.end, rnode)
            rnode.display = f"0x{rv['start']:X} + {rv['length']} bytes"
            ranges.append(layout_json(RANGE, rv))
        note_extra(ctx, FIXED + RANGE.size * len(ranges), "memory range section")
    f["ranges"] = ranges
    loc: dict = {}
    if "device" in f:
        dev = f["device"]
        loc.update(segment=dev["segment"], bus=dev["bus"], device=dev["device"],
                   function=dev["function"], vendor_id=dev["vendor_id"], device_id=dev["device_id"])
    if ranges and vb & 0x10:
        loc["physical_address"] = ranges[0]["start"]
    ctx.section.location = loc
    where = ""
    if "device" in f:
        dev = f["device"]
        where = f" on CXL device {numbers.pci_address(dev['segment'], dev['bus'], dev['device'], dev['function'])}"
    span = (f": {len(ranges)} range(s), first {numbers.address(ranges[0]['start'])} "
            f"(+{ranges[0]['length']} bytes)"
            if ranges else "")
    ctx.section.summary = f"Memory range error{where}{span}"
    return f
