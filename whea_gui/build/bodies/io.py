"""I/O sections: PCIe (§6.7), PCI bus/component (§6.8–6.9), DMAr (§6.11–6.13), CCIX (§6.14),
CXL protocol (§6.15) and CXL component events (§6.16)."""

from __future__ import annotations

import random
import struct
from collections.abc import Mapping
from typing import Any

from ...formats.sections import _pcie_regs as regs
from ...formats.sections import pcie
from ._pack import (
    ERROR_STATUS_BUS,
    PCI_DEVICES,
    bdf,
    error_status,
    layout,
    pack,
    pack_at,
    register_value,
    take,
)

# correctable AER status bits: receiver error, bad TLP, bad DLLP, replay timer timeout
CORRECTABLE_BITS = [0, 6, 7, 12]
# uncorrectable: surprise down, completion timeout, unexpected completion, malformed TLP
UNCORRECTABLE_BITS = [5, 14, 16, 18]


def pci_function(r: random.Random, over: dict) -> tuple[dict, tuple]:
    loc = bdf(r)
    for k in ("segment", "bus", "device", "function"):
        loc[k] = take(over, k, loc[k])
    dev = PCI_DEVICES[take(over, "device_index", r.randrange(len(PCI_DEVICES)))]
    return loc, dev


def device_id(loc: dict, dev: tuple, slot: int) -> bytes:
    vendor, device, cls, _ = dev
    return struct.pack("<HH3sBBHBBHB", vendor, device, cls.to_bytes(3, "little"), loc["function"],
                       loc["device"], loc["segment"], loc["bus"], loc["bus"] + 1, slot << 3, 0)


def pcie_body(v: Mapping[str, Any]) -> bytes:
    """A PCI Express error section body (208 bytes) from values named as ``whea decode --json``
    names them, packed with the decoder's own layouts (formats/sections/pcie.py): head, device
    ID (its RCRB form when it has ``rcrb_low_address``), serial number and bridge registers, the
    PCIe capability structure and the AER block (registers by name, ``header_log`` and
    ``tlp_prefix_log`` as lists). Registers may be numbers or their JSON objects."""
    dev = dict(v.get("device_id") or {})
    if "slot" in dev:  # JSON gives the slot number, bits 3-15 of the field
        dev["slot"] = register_value(dev["slot"]) << 3
    dev_layout = pcie.DEVICE_ID_RCRB if "rcrb_low_address" in dev else pcie.DEVICE_ID
    aer = dict(v.get("aer_info") or {})
    for name, count in (("header_log", 4), ("tlp_prefix_log", 4)):
        for i, word in enumerate((aer.pop(name, None) or [])[:count]):
            aer[f"{name}_{i}"] = word
    return (pack(pcie.HEAD, v) + pack(dev_layout, dev) + pack(pcie.MIDDLE, v)
            + pack_at(regs.CAPABILITY.size, (regs.CAPABILITY, v.get("capability_structure") or {}))
            + pack_at(regs.AER_SIZE, (regs.AER_HEAD, aer), (regs.AER_TLP_PREFIX, aer)))


def pack_pcie(r: random.Random, severity: int, over: dict) -> bytes:
    loc, dev = pci_function(r, over)
    port = take(over, "port_type", 4 if dev[2] == 0x060400 else 0)
    corrected = severity in (2, 3)
    bit = take(over, "aer_bit", r.choice(CORRECTABLE_BITS if corrected else UNCORRECTABLE_BITS))
    slot = take(over, "slot", r.randrange(0, 16))
    vendor, device, class_code, _ = dev
    src = (loc["bus"] << 8) | (loc["device"] << 3) | loc["function"]
    valid = 0xFF if port in (4, 5, 6, 7, 8) else 0xDF
    v = {"validation_bits": valid, "port_type": port, "version": 0x0300,
         "command_status": 0x00100547 if corrected else 0x40100547,
         "device_id": {"vendor_id": vendor, "device_id": device, "class_code": class_code,
                       "function": loc["function"], "device": loc["device"],
                       "segment": loc["segment"], "primary_bus": loc["bus"],
                       "secondary_bus": loc["bus"] + 1, "slot": slot},
         "device_serial_number": r.getrandbits(64),
         "bridge_control_status": 0x00100000 if valid & 0x20 else 0,
         "capability_structure": {
             "pcie_capability_header": 0x0010, "pcie_capabilities": 0x0002 | (port << 4),
             "device_capabilities": 0x00008FE2, "device_control": 0x2937, "device_status": 0x0009,
             "link_capabilities": 0x0047A843, "link_control": 0x0040, "link_status": 0x1043},
         "aer_info": {
             "capability_header": 0x14820001,
             "uncorrectable_error_status": 0 if corrected else 1 << bit,
             "uncorrectable_error_severity": 0x00462030,
             "correctable_error_status": (1 << bit) if corrected else 0,
             "correctable_error_mask": 0x00002000,
             "advanced_error_capabilities_and_control": 0x000001E0,
             "root_error_command": 0x7, "root_error_status": 0x1 if corrected else 0x7C,
             "error_source_id": (0 if corrected else src) << 16 | (src if corrected else 0)}}
    v.update(over)
    return pcie_body(v)


PCI_BUS = layout("pci_bus", [
    ("validation_bits", 8), ("error_status", 8), ("error_type", 2), ("bus_id", 2),
    ("reserved", 4), ("bus_address", 8), ("bus_data", 8), ("bus_command", 8),
    ("requestor_id", 8), ("completer_id", 8), ("target_id", 8)])


def pack_pci_bus(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    v = {"validation_bits": 0x1FF,
         "error_status": error_status(ERROR_STATUS_BUS, address=True, requester=True),
         "error_type": take(over, "error_type", r.choice([1, 2, 3, 4, 6])),
         "bus_id": (loc["segment"] << 8) | loc["bus"],
         "bus_address": 0xF000_0000 | r.getrandbits(24), "bus_data": r.getrandbits(32),
         "bus_command": (1 << 56) | 0x6, "requestor_id": (loc["bus"] << 8) | (loc["device"] << 3),
         "completer_id": r.getrandbits(16), "target_id": 0xF000_0000}
    v.update(over)
    return pack(PCI_BUS, v)


PCI_DEV = layout("pci_component", [
    ("validation_bits", 8), ("error_status", 8), ("id_info", 16), ("memory_number", 4),
    ("io_number", 4)])


def pack_pci_component(r: random.Random, severity: int, over: dict) -> bytes:
    loc, dev = pci_function(r, over)
    mem = take(over, "memory_number", r.randrange(0, 3))
    io = take(over, "io_number", r.randrange(0, 2))
    vendor, device, cls, _ = dev
    ident = struct.pack("<HH3sBBBB5s", vendor, device, cls.to_bytes(3, "little"), loc["function"],
                        loc["device"], loc["bus"], loc["segment"] & 0xFF, b"")
    head = pack(PCI_DEV, {"validation_bits": 0x1F,
                          "error_status": error_status(ERROR_STATUS_BUS, data=True, responder=True),
                          "id_info": ident, "memory_number": mem, "io_number": io, **over})
    pairs = b"".join(struct.pack("<QQ", 0xF800_0000 + 0x10 * i, r.getrandbits(32))
                     for i in range(mem + io))
    return head + pairs


DMAR_GENERIC = layout("dmar_generic", [
    ("requester_id", 2), ("segment", 2), ("fault_reason", 1), ("access_type", 1),
    ("address_type", 1), ("arch_type", 1), ("device_address", 8), ("reserved", 16)])


def pack_dmar_generic(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    v = {"requester_id": (loc["bus"] << 8) | (loc["device"] << 3) | loc["function"],
         "segment": loc["segment"], "fault_reason": r.randrange(1, 0x0C),
         "access_type": r.randrange(0, 2), "address_type": 0, "arch_type": take(over, "arch_type", 1),
         "device_address": r.getrandbits(48) & ~0xFFF}
    v.update(over)
    return pack(DMAR_GENERIC, v)


VTD = layout("dmar_vtd", [
    ("version", 1), ("revision", 1), ("oem_id", 6), ("capability", 8), ("extended_capability", 8),
    ("global_command", 4), ("global_status", 4), ("fault_status", 4), ("reserved", 12),
    ("fault_record", 16), ("root_entry", 16), ("context_entry", 16), ("pte_l6", 8), ("pte_l5", 8),
    ("pte_l4", 8), ("pte_l3", 8), ("pte_l2", 8), ("pte_l1", 8)])


def pack_dmar_vtd(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    sid = (loc["bus"] << 8) | (loc["device"] << 3) | loc["function"]
    fault = struct.pack("<QQ", r.getrandbits(48) & ~0xFFF, (1 << 63) | (r.randrange(1, 0x30) << 32) | sid)
    v = {"version": 0x10, "revision": 1, "oem_id": b"INTEL ", "capability": 0x00D2008C40660462,
         "extended_capability": 0x0000000000F050DA, "global_command": 0xC0000000,
         "global_status": 0xC7000000, "fault_status": 0x2, "fault_record": fault,
         "root_entry": struct.pack("<QQ", 0x1_0000_0001 | (r.getrandbits(20) << 12), 0),
         "context_entry": struct.pack("<QQ", 0x2_0000_0001 | (r.getrandbits(20) << 12), 0x102),
         "pte_l4": 0x3_0000_0003, "pte_l3": 0x4_0000_0003, "pte_l2": 0x5_0000_0003,
         "pte_l1": 0x6_0000_0003}
    v.update(over)
    return pack(VTD, v)


IOMMU = layout("dmar_iommu", [
    ("revision", 1), ("reserved1", 7), ("control", 8), ("status", 8), ("reserved2", 8),
    ("event_log_entry", 16), ("reserved3", 16), ("device_table_entry", 32), ("pte_l6", 8),
    ("pte_l5", 8), ("pte_l4", 8), ("pte_l3", 8), ("pte_l2", 8), ("pte_l1", 8)])


def pack_dmar_iommu(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    dev = (loc["bus"] << 8) | (loc["device"] << 3) | loc["function"]
    event = struct.pack("<IIQ", dev, 0x2 << 28, r.getrandbits(48) & ~0xFFF)
    v = {"revision": 1, "control": 0x0000000000000C05, "status": 0x12,
         "event_log_entry": event,
         "device_table_entry": struct.pack("<QQQQ", 0x6000_0000_0003 | (r.getrandbits(20) << 12), 0, 0, 0),
         "pte_l4": 0x7_0000_0003, "pte_l3": 0x8_0000_0003, "pte_l2": 0x9_0000_0003, "pte_l1": 0xA_0000_0003}
    v.update(over)
    return pack(IOMMU, v)


CCIX = layout("ccix_per", [("length", 4), ("validation_bits", 8), ("source_id", 1),
                           ("port_id", 1), ("reserved", 2)])


def pack_ccix(r: random.Random, severity: int, over: dict) -> bytes:
    dwords = take(over, "log_dwords", 8)
    log = struct.pack(f"<{dwords}I", *([dwords] + [r.getrandbits(32) for _ in range(dwords - 1)]))
    head = pack(CCIX, {"length": 16 + len(log), "validation_bits": 0x7,
                       "source_id": take(over, "source_id", r.randrange(0, 64)),
                       "port_id": r.randrange(0, 32), **over})
    return head + log


CXL_PROTOCOL = layout("cxl_protocol", [
    ("validation_bits", 8), ("agent_type", 1), ("reserved1", 7), ("agent_address", 8),
    ("device_id", 16), ("serial_number", 8), ("capability", 60), ("dvsec_length", 2),
    ("error_log_length", 2), ("reserved2", 4)])

def pack_cxl_protocol(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    corrected = severity in (2, 3)
    dvsec = struct.pack("<IHH", 0x3C010023, 0x1E98, 0) + bytes(52)  # Flex Bus device DVSEC
    ras = struct.pack("<6I", 0 if corrected else 1 << r.randrange(0, 12), 0, 0x1FFF,
                      (1 << r.randrange(0, 7)) if corrected else 0, 0, 0) + bytes(64)
    head = pack(CXL_PROTOCOL, {
        "validation_bits": 0x7F, "agent_type": take(over, "agent_type", 2),
        "agent_address": struct.pack("<BBBH3s", loc["function"], loc["device"], loc["bus"],
                                     loc["segment"], b""),
        "device_id": struct.pack("<HHHHHH4s", 0x8086, 0x0D93, 0x8086, 0x0001, 0x0502,
                                 r.randrange(0, 8) << 3, b""),
        "serial_number": r.getrandbits(64),
        "capability": struct.pack("<BBH", 0x10, 0, 0x0002) + bytes(56),
        "dvsec_length": len(dvsec), "error_log_length": len(ras), **over})
    return head + dvsec + ras


CXL_COMPONENT = layout("cxl_component", [
    ("length", 4), ("validation_bits", 8), ("device_id", 12), ("serial_number", 8)])


def pack_cxl_component(r: random.Random, severity: int, over: dict, kind: str = "media") -> bytes:
    loc, _ = pci_function(r, over)
    ts_ns = (1_700_000_000 + r.randrange(0, 50_000_000)) * 1_000_000_000
    flags = 0x01 if severity in (2, 3) else 0x02  # event record flags: informational / warning...
    head = struct.pack("<B3sHHQBBHB11s", 128, bytes([flags, 0, 0]), r.getrandbits(16), 0, ts_ns,
                       0, 0, 0, 0, b"")
    dpa = r.getrandbits(36) & ~0x3F
    if kind in ("media", "dram"):
        data = struct.pack("<QBBBHBB3s", dpa, 0x1, r.choice([1, 2]), 1, 0x7, r.randrange(0, 8),
                           r.randrange(0, 4), r.getrandbits(24).to_bytes(3, "little"))
    elif kind == "module":
        data = struct.pack("<BBBBHHI", 0, 0, 0x01, 0, 0, 30, 0x12)
    else:
        data = bytes(r.getrandbits(8) for _ in range(16))
    record = head + data.ljust(80, b"\0")
    ident = struct.pack("<HHBBBHHB", 0x8086, 0x0D93, loc["function"], loc["device"], loc["bus"],
                        loc["segment"], r.randrange(0, 8) << 3, 0)
    return pack(CXL_COMPONENT, {"length": 32 + len(record), "validation_bits": 0x7,
                                "device_id": ident, "serial_number": r.getrandbits(64),
                                **over}) + record
