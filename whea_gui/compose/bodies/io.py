"""I/O sections: PCIe (§6.7), PCI bus/component (§6.8–6.9), DMAr (§6.11–6.13), CCIX (§6.14),
CXL protocol (§6.15) and CXL component events (§6.16)."""

from __future__ import annotations

import random
import struct
from collections.abc import Mapping
from typing import Any

from ...formats.sections import _cxl_media, ccix, cxl_component, cxl_protocol, dmar, pci, pcie
from ...formats.sections import _pcie_regs as regs
from ._pack import (
    ERROR_STATUS_BUS,
    PCI_DEVICES,
    bdf,
    error_status,
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
    return pack(pci.BUS, v)


def pack_pci_component(r: random.Random, severity: int, over: dict) -> bytes:
    loc, dev = pci_function(r, over)
    mem = take(over, "memory_number", r.randrange(0, 3))
    io = take(over, "io_number", r.randrange(0, 2))
    vendor, device, class_code, _ = dev
    v = {"validation_bits": 0x1F,
         "error_status": error_status(ERROR_STATUS_BUS, data=True, responder=True),
         "id_info": {"vendor_id": vendor, "device_id": device, "class_code": class_code,
                     "function": loc["function"], "device": loc["device"], "bus": loc["bus"],
                     "segment": loc["segment"] & 0xFF},
         "memory_number": mem, "io_number": io, **over}
    pairs = b"".join(pack(pci.PAIR, {"address": 0xF800_0000 + 0x10 * i, "data": r.getrandbits(32)})
                     for i in range(mem + io))
    return pack(pci.COMPONENT_HEAD, v) + pack(pci.ID_INFO, v["id_info"]) + pack(pci.COUNTS, v) + pairs


def pack_dmar_generic(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    v = {"requester_id": (loc["bus"] << 8) | (loc["device"] << 3) | loc["function"],
         "segment_number": loc["segment"], "fault_reason": r.randrange(1, 0x0C),
         "access_type": r.randrange(0, 2), "address_type": 0,
         "architecture_type": take(over, "arch_type", 1), "device_address": r.getrandbits(48) & ~0xFFF}
    v.update(over)
    return pack(dmar.GENERIC, v)


def _page_tables(levels: dict[int, int]) -> dict[str, int]:
    return {f"page_table_entry_level{n}": value for n, value in levels.items()}


def pack_dmar_vtd(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    sid = (loc["bus"] << 8) | (loc["device"] << 3) | loc["function"]
    v = {"version": 0x10, "revision": 1, "oem_id": b"INTEL ", "capability": 0x00D2008C40660462,
         "extended_capability": 0x0000000000F050DA, "global_command": 0xC0000000,
         "global_status": 0xC7000000, "fault_status": 0x2,
         "fault_record_lo": r.getrandbits(48) & ~0xFFF,
         "fault_record_hi": (1 << 63) | (r.randrange(1, 0x30) << 32) | sid,
         "root_entry_lo": 0x1_0000_0001 | (r.getrandbits(20) << 12),
         "context_entry_lo": 0x2_0000_0001 | (r.getrandbits(20) << 12), "context_entry_hi": 0x102,
         **_page_tables({4: 0x3_0000_0003, 3: 0x4_0000_0003, 2: 0x5_0000_0003, 1: 0x6_0000_0003})}
    v.update(over)
    return pack(dmar.VTD, v)


def pack_dmar_iommu(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    dev = (loc["bus"] << 8) | (loc["device"] << 3) | loc["function"]
    v = {"revision": 1, "control": 0x0000000000000C05, "status": 0x12,
         "event_log_entry_lo": dev | (0x2 << 28) << 32,
         "event_log_entry_hi": r.getrandbits(48) & ~0xFFF,
         "device_table_entry_0": 0x6000_0000_0003 | (r.getrandbits(20) << 12),
         **_page_tables({4: 0x7_0000_0003, 3: 0x8_0000_0003, 2: 0x9_0000_0003, 1: 0xA_0000_0003})}
    v.update(over)
    return pack(dmar.IOMMU, v)


def pack_ccix(r: random.Random, severity: int, over: dict) -> bytes:
    dwords = take(over, "log_dwords", 8)
    log = struct.pack(f"<{dwords}I", *([dwords] + [r.getrandbits(32) for _ in range(dwords - 1)]))
    head = pack(ccix.HEAD, {"length": ccix.HEAD.size + len(log), "validation_bits": 0x7,
                            "source_id": take(over, "source_id", r.randrange(0, 64)),
                            "port_id": r.randrange(0, 32), **over})
    return head + log


def pack_cxl_protocol(r: random.Random, severity: int, over: dict) -> bytes:
    loc, _ = pci_function(r, over)
    corrected = severity in (2, 3)
    dvsec = struct.pack("<IHH", 0x3C010023, 0x1E98, 0) + bytes(52)  # Flex Bus device DVSEC
    ras = pack(cxl_protocol.RAS, {
        "uncorrectable_error_status": 0 if corrected else 1 << r.randrange(0, 12),
        "uncorrectable_error_severity": 0x1FFF,
        "correctable_error_status": (1 << r.randrange(0, 7)) if corrected else 0})
    v = {"validation_bits": 0x7F, "agent_type": take(over, "agent_type", 2),
         "agent_address": {"function": loc["function"], "device": loc["device"], "bus": loc["bus"],
                           "segment": loc["segment"]},
         "device_id": {"vendor_id": 0x8086, "device_id": 0x0D93, "subsystem_vendor_id": 0x8086,
                       "subsystem_device_id": 0x0001, "class_code": 0x0502,
                       "slot": r.randrange(0, 8) << 3},
         "device_serial_number": r.getrandbits(64),
         "capability_structure": {"pcie_capability_header": 0x0010, "pcie_capabilities": 0x0002},
         "dvsec_length": len(dvsec), "error_log_length": len(ras), **over}
    head = (pack(cxl_protocol.HEAD, v) + pack(cxl_protocol.AGENT_ADDRESS_BDF, v["agent_address"])
            + pack(cxl_protocol.DEVICE_ID, v["device_id"]) + pack(cxl_protocol.SERIAL, v)
            + pack(regs.CAPABILITY, v["capability_structure"]) + pack(cxl_protocol.LENGTHS, v))
    return head + dvsec + ras


def _media_event(r: random.Random, severity: int, kind: str) -> bytes:
    """A General Media or DRAM event's 80 bytes that agree with the section: uncorrectable only
    in an uncorrected record, an ECC error (corrected) or a data path error on a host read."""
    uncorrected = severity in (0, 1)
    layout = _cxl_media.DRAM if kind == "dram" else _cxl_media.GENERAL_MEDIA
    v = dict.fromkeys((f.name for f in layout.fields), 0)
    v.update({f.name: bytes(f.size) for f in layout.fields if f.kind == "bytes"})
    v.update({"physical_address": r.getrandbits(36) & ~_cxl_media.DPA_FLAG_MASK | 1,  # volatile
              "descriptor": 0x1 if uncorrected else 0x0,
              "memory_event_type": 0 if not uncorrected else r.choice([0, 3 if kind == "dram" else 2]),
              "transaction_type": r.choice([1, 5]), "channel": r.randrange(0, 8), "rank": r.randrange(0, 4)})
    if kind == "dram":  # channel, rank, nibble mask, bank group, bank, row, column
        v.update({"validation_bits": 0x7F, "nibble_mask": (1 << r.randrange(0, 20)).to_bytes(3, "little"),
                  "bank_group": r.randrange(0, 8), "bank": r.randrange(0, 4),
                  "row": r.randrange(0, 1 << 17).to_bytes(3, "little"), "column": r.randrange(0, 1024)})
    else:  # channel, rank, device
        v.update({"validation_bits": 0x7, "device": (1 << r.randrange(0, 18)).to_bytes(3, "little")})
    return pack(layout, v)


def pack_cxl_component(r: random.Random, severity: int, over: dict, kind: str = "media") -> bytes:
    loc, _ = pci_function(r, over)
    ts_ns = (1_700_000_000 + r.randrange(0, 50_000_000)) * 1_000_000_000
    flags = 0x01 if severity in (2, 3) else 0x02  # event record flags: informational / warning...
    head = pack(cxl_component.EVENT_HEADER, {"record_length": 128, "flags": flags,
                                             "handle": r.getrandbits(16), "timestamp": ts_ns})
    if kind in ("media", "dram"):
        data = _media_event(r, severity, kind)
    else:
        r.getrandbits(36)  # the draw a media event's address took before, so these bytes stay
        data = (struct.pack("<BBBBHHI", 0, 0, 0x01, 0, 0, 30, 0x12) if kind == "module"
                else bytes(r.getrandbits(8) for _ in range(16)))
    record = head + data.ljust(80, b"\0")
    ident = {"vendor_id": 0x8086, "device_id": 0x0D93, "function": loc["function"],
             "device": loc["device"], "bus": loc["bus"], "segment": loc["segment"],
             "slot": r.randrange(0, 8) << 3}
    size = cxl_component.HEAD.size + cxl_component.DEVICE_ID.size + cxl_component.SERIAL.size
    v = {"length": size + len(record), "validation_bits": 0x7, "device_id": ident,
         "device_serial_number": r.getrandbits(64), **over}
    return (pack(cxl_component.HEAD, v) + pack(cxl_component.DEVICE_ID, v["device_id"])
            + pack(cxl_component.SERIAL, v) + record)
