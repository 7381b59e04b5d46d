"""WHEA_ERROR_SOURCE_DESCRIPTOR (972 bytes, packed; WDK ``ntddk.h``): how Windows describes an
error source. Found in WhLg payloads (WheaInit, AddRemoveErrorSource, ErrSrcInvalid).

The 932-byte ``Info`` union is chosen by the source Type and checked against the union's own
descriptor-type field; sources without a published descriptor (BOOT, CPE, …) stay raw bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..core.fields import Bits, Field, Layout
from ..core.guids import guid_text
from ..core.model import NOTE, WARNING, FieldNode

DESCRIPTOR_SIZE = 972
HEADER_SIZE = 40
MAX_BANKS = 32

SOURCE_TYPE = {0x00: "MCE", 0x01: "CMC", 0x02: "CPE", 0x03: "NMI", 0x04: "PCIe",
               0x05: "Generic", 0x06: "INIT", 0x07: "BOOT", 0x08: "SCIGeneric", 0x09: "IPFMCA",
               0x0A: "IPFCMC", 0x0B: "IPFCPE", 0x0C: "GenericV2", 0x0D: "SCIGenericV2",
               0x0E: "BMC", 0x0F: "PMEM", 0x10: "DeviceDriver", 0x11: "SEA", 0x12: "SEI"}
SOURCE_STATE = {1: "Stopped", 2: "Started", 3: "Removed", 4: "RemovePending"}
SOURCE_FLAGS = (
    Bits(0, "firmware_first", "FirmwareFirst"), Bits(1, "global", "Global"),
    Bits(2, "ghes_assist", "GhesAssist"), Bits(3, "v2_descriptor", "V2Descriptor"),
    Bits(30, "override", "Override"), Bits(31, "default_source", "DefaultSource"),
)
DESCRIPTOR_TYPE = {0: "XpfMce", 1: "XpfCmc", 2: "XpfNmi", 3: "IpfMca", 4: "IpfCmc", 5: "IpfCpe",
                   6: "AerRootPort", 7: "AerEndpoint", 8: "AerBridge", 9: "Generic",
                   10: "GenericV2"}
# Which union member (descriptor type) each error-source type uses.
EXPECTED_DESCRIPTOR = {0x00: {0}, 0x01: {1}, 0x03: {2}, 0x04: {6, 7, 8}, 0x05: {9}, 0x08: {9},
                       0x09: {3}, 0x0A: {4}, 0x0B: {5}, 0x0C: {10}, 0x0D: {10}}
NOTIFY_TYPE = {0: "Polled", 1: "External interrupt", 2: "Local interrupt", 3: "SCI", 4: "NMI",
               5: "CMCI", 6: "MCE", 7: "GPIO signal", 8: "ARMv8 SEA", 9: "ARMv8 SEI",
               10: "External interrupt (GSIV)", 11: "SDEI"}

HEADER = Layout("WHEA_ERROR_SOURCE_DESCRIPTOR", [
    Field("length", "Length", 4, "int", description="972"),
    Field("version", "Version", 4, "int", description="10 or 11"),
    Field("type", "Type", 4, "enum", enum=SOURCE_TYPE),
    Field("state", "State", 4, "enum", enum=SOURCE_STATE),
    Field("max_raw_data_length", "Max raw data length", 4, "int"),
    Field("num_records_to_preallocate", "Records to preallocate", 4, "int"),
    Field("max_sections_per_record", "Max sections per record", 4, "int"),
    Field("error_source_id", "Error source ID", 4, "int"),
    Field("platform_error_source_id", "Platform error source ID", 4, "int"),
    Field("flags", "Flags", 4, "flags", bits=SOURCE_FLAGS, reserved_mask=0x3FFFFFF0),
])
NOTIFY = Layout("WHEA_NOTIFICATION_DESCRIPTOR", [
    Field("type", "Type", 1, "enum", enum=NOTIFY_TYPE),
    Field("length", "Length", 1, "int"),
    Field("flags", "Flags", 2, "flags", bits=tuple(Bits(i, n, n) for i, n in enumerate(
        ("PollIntervalRW", "SwitchToPollingThresholdRW", "SwitchToPollingWindowRW",
         "ErrorThresholdRW", "ErrorThresholdWindowRW"))), reserved_mask=0xFFE0),
    Field("poll_interval", "Poll interval (ms)", 4, "int"),
    Field("vector", "Vector", 4, "int"),
    Field("switch_to_polling_threshold", "Switch-to-polling threshold", 4, "int"),
    Field("switch_to_polling_window", "Switch-to-polling window", 4, "int"),
    Field("error_threshold", "Error threshold", 4, "int"),
    Field("error_threshold_window", "Error threshold window", 4, "int"),
])
BANK = Layout("WHEA_XPF_MC_BANK_DESCRIPTOR", [
    Field("bank_number", "Bank number", 1, "int"),
    Field("clear_on_initialization", "Clear on initialization", 1, "int"),
    Field("status_data_format", "Status data format", 1, "enum",
          enum={0: "IA32MCA", 1: "Intel64MCA", 2: "AMD64MCA"}),
    Field("flags", "Flags", 1, "flags", bits=(Bits(0, "clear_on_init_rw", "ClearOnInitializationRW"),
                                             Bits(1, "control_data_rw", "ControlDataRW"))),
    Field("control_msr", "Control MSR", 4, "hex"), Field("status_msr", "Status MSR", 4, "hex"),
    Field("address_msr", "Address MSR", 4, "hex"), Field("misc_msr", "Misc MSR", 4, "hex"),
    Field("control_data", "Control data", 8, "hex"),
])
_TYPE = Field("type", "Descriptor type", 2, "enum", enum=DESCRIPTOR_TYPE)
_ENABLED = Field("enabled", "Enabled", 1, "int")
_RES8 = Field("reserved", "Reserved", 1, "hex")
_AER_COMMON = [_TYPE, _ENABLED, _RES8, Field("bus_number", "Bus", 4, "int"),
               Field("slot", "Slot", 4, "hex", bits=(Bits(0, "device", "Device", 5),
                                                      Bits(5, "function", "Function", 3))),
               Field("device_control", "Device control", 2, "hex"),
               Field("flags", "Flags", 2, "hex"),
               Field("uncorrectable_error_mask", "Uncorrectable error mask", 4, "hex"),
               Field("uncorrectable_error_severity", "Uncorrectable error severity", 4, "hex"),
               Field("correctable_error_mask", "Correctable error mask", 4, "hex"),
               Field("advanced_caps_and_control", "Advanced caps and control", 4, "hex")]


def _gas(prefix: str, label: str) -> list[Field]:
    return [Field(f"{prefix}_address_space_id", f"{label} address space", 1, "int"),
            Field(f"{prefix}_bit_width", f"{label} bit width", 1, "int"),
            Field(f"{prefix}_bit_offset", f"{label} bit offset", 1, "int"),
            Field(f"{prefix}_access_size", f"{label} access size", 1, "int"),
            Field(f"{prefix}_address", f"{label} address", 8, "hex")]


_GENERIC = [_TYPE, _RES8, Field("enabled", "Enabled", 1, "int"),
            Field("err_status_block_length", "Error status block length", 4, "int"),
            Field("related_error_source_id", "Related error source ID", 4, "hex"),
            *_gas("err_status", "Error status")]
LAYOUTS: dict[int, tuple[Layout, bool]] = {  # descriptor type → (fixed part, has Notify)
    0: (Layout("WHEA_XPF_MCE_DESCRIPTOR", [
        _TYPE, _ENABLED, Field("number_of_banks", "Number of banks", 1, "int"),
        Field("flags", "Flags", 4, "flags", bits=(Bits(0, "mcg_capability_rw", "MCG_CapabilityRW"),
                                                 Bits(1, "mcg_global_control_rw", "MCG_GlobalControlRW"))),
        Field("mcg_capability", "MCG_CAP", 8, "hex"),
        Field("mcg_global_control", "MCG_CTL", 8, "hex")]), False),
    1: (Layout("WHEA_XPF_CMC_DESCRIPTOR", [
        _TYPE, _ENABLED, Field("number_of_banks", "Number of banks", 1, "int"),
        Field("reserved", "Reserved", 4, "hex")]), True),
    2: (Layout("WHEA_XPF_NMI_DESCRIPTOR", [_TYPE, _ENABLED]), False),
    3: (Layout("WHEA_IPF_MCA_DESCRIPTOR", [_TYPE, _ENABLED, _RES8]), False),
    4: (Layout("WHEA_IPF_CMC_DESCRIPTOR", [_TYPE, _ENABLED, _RES8]), False),
    5: (Layout("WHEA_IPF_CPE_DESCRIPTOR", [_TYPE, _ENABLED, _RES8]), False),
    6: (Layout("WHEA_AER_ROOTPORT_DESCRIPTOR", _AER_COMMON + [
        Field("root_error_command", "Root error command", 4, "hex")]), False),
    7: (Layout("WHEA_AER_ENDPOINT_DESCRIPTOR", _AER_COMMON), False),
    8: (Layout("WHEA_AER_BRIDGE_DESCRIPTOR", _AER_COMMON + [
        Field("secondary_uncorrectable_error_mask", "Secondary uncorrectable error mask", 4, "hex"),
        Field("secondary_uncorrectable_error_sev", "Secondary uncorrectable error severity", 4, "hex"),
        Field("secondary_caps_and_control", "Secondary caps and control", 4, "hex")]), False),
    9: (Layout("WHEA_GENERIC_ERROR_DESCRIPTOR", _GENERIC), True),
    10: (Layout("WHEA_GENERIC_ERROR_DESCRIPTOR_V2", _GENERIC), True),
}
GENERIC_V2_TAIL = Layout("GHESv2 read-ack", [
    *_gas("read_ack", "Read-ack"),
    Field("read_ack_preserve_mask", "Read-ack preserve mask", 8, "hex"),
    Field("read_ack_write_mask", "Read-ack write mask", 8, "hex"),
])
# x64 layout: pointers are 8 bytes (Windows on x64 wrote every sample we have).
DEVICE_DRIVER = Layout("WHEA_DEVICE_DRIVER_DESCRIPTOR", [
    Field("type", "Type", 2, "int"), _ENABLED, _RES8,
    Field("source_guid", "Source GUID", 16, "guid"),
    Field("log_tag", "Log tag", 2, "hex"), Field("reserved2", "Reserved2", 2, "hex"),
    Field("packet_length", "Packet length", 4, "int"), Field("packet_count", "Packet count", 4, "int"),
    Field("packet_buffer", "Packet buffer (pointer)", 8, "hex"),
    Field("config_initialize", "Config: Initialize (pointer)", 8, "hex"),
    Field("config_uninitialize", "Config: Uninitialize (pointer)", 8, "hex"),
    Field("config_correct", "Config: Correct (pointer)", 8, "hex"),
    Field("creator_id", "Creator ID", 16, "guid", guid_kind="creator"),
    Field("partition_id", "Partition ID", 16, "guid"),
    Field("max_section_data_length", "Max section data length", 4, "int"),
    Field("max_sections_per_record", "Max sections per record", 4, "int"),
    Field("packet_state_buffer", "Packet state buffer (pointer)", 8, "hex"),
    Field("open_handles", "Open handles", 4, "int"),
])

AddFinding = Callable[..., object]


def _json(values: dict) -> dict:
    out = {}
    for k, v in values.items():
        if isinstance(v, (bytes, bytearray)):
            out[k] = guid_text(v) if len(v) == 16 else bytes(v).hex()
        else:
            out[k] = v
    return out


def decode_descriptor(buf: bytes, off: int, limit: int, parent: FieldNode, add: AddFinding,
                      tag: str, name: str = "descriptor",
                      label: str = "Error source descriptor") -> dict:
    """Decode a WHEA_ERROR_SOURCE_DESCRIPTOR at ``off`` into ``parent``; returns its JSON."""
    node = parent.add(FieldNode(name, label, None, "", off, max(0, min(DESCRIPTOR_SIZE, limit - off)),
                                kind="struct"))
    h, count = HEADER.decode(buf, off, limit, node)
    out = _json(h)
    if count < len(HEADER.fields):
        add(WARNING, f"{tag}: error source descriptor truncated ({max(0, limit - off)} of "
                     f"{DESCRIPTOR_SIZE} bytes)", off, max(0, limit - off), "truncated")
        return out
    stype = h["type"]
    out["type_name"] = SOURCE_TYPE.get(stype, "Unknown")
    out["state_name"] = SOURCE_STATE.get(h["state"], "Unknown")
    out["flag_names"] = [b.name for b in SOURCE_FLAGS if h["flags"] >> b.bit & 1]
    node.display = f"{out['type_name']} source {h['error_source_id']}"
    if h["length"] != DESCRIPTOR_SIZE:
        add(WARNING, f"{tag}: descriptor Length is {h['length']} ({DESCRIPTOR_SIZE} expected)",
            off, 4, "length")
    if h["version"] not in (10, 11):
        add(NOTE, f"{tag}: descriptor Version is {h['version']} (10 or 11 expected)", off + 4, 4,
            "version")
    info_off = off + HEADER_SIZE
    info_end = min(off + DESCRIPTOR_SIZE, limit)
    if info_off >= info_end:
        return out
    info = node.add(FieldNode("info", "Info (by error source type)", None, "", info_off,
                              info_end - info_off, kind="struct"))
    out["info"] = _info(buf, info_off, info_end, info, stype, add, tag)
    return out


def _info(buf, off, end, node, stype, add, tag) -> dict:
    if stype == 0x10:
        v, _ = DEVICE_DRIVER.decode(buf, off, end, node)
        node.display = "Device driver descriptor"
        _rest(buf, node, off + DEVICE_DRIVER.size, end)
        return _json(v)
    expected = EXPECTED_DESCRIPTOR.get(stype)
    dtype = struct.unpack_from("<H", buf, off)[0] if off + 2 <= end else None
    if expected is None or dtype not in expected:
        if expected is not None:
            add(WARNING, f"{tag}: descriptor type {dtype} does not match error source type "
                         f"{SOURCE_TYPE.get(stype, stype)}; kept as raw bytes", off, 2, "descriptor-type")
        node.display = "no published descriptor for this source type; raw bytes"
        _rest(buf, node, off, end)
        return {"descriptor_type": None}
    layout, has_notify = LAYOUTS[dtype]
    v, _ = layout.decode(buf, off, end, node)
    node.display = DESCRIPTOR_TYPE[dtype]
    out = _json(v)
    out["descriptor_type_name"] = DESCRIPTOR_TYPE[dtype]
    pos = off + layout.size
    if has_notify and pos < end:
        nnode = node.add(FieldNode("notify", "Notification", None, "", pos, min(NOTIFY.size, end - pos),
                                   kind="struct"))
        nv, _ = NOTIFY.decode(buf, pos, end, nnode)
        if "type" in nv:
            nnode.display = NOTIFY_TYPE.get(nv["type"], f"type {nv['type']}")
            nv["type_name"] = NOTIFY_TYPE.get(nv["type"], "Unknown")
        out["notify"] = nv
        pos += NOTIFY.size
    if dtype == 10 and pos < end:
        tv, _ = GENERIC_V2_TAIL.decode(buf, pos, end, node)
        out.update(tv)
        pos += GENERIC_V2_TAIL.size
    if dtype in (0, 1) and pos < end:
        pos, out["banks"] = _banks(buf, pos, end, node, v.get("number_of_banks", 0), add, tag)
    _rest(buf, node, pos, end)
    return out


def _banks(buf, pos, end, node, count, add, tag) -> tuple[int, list]:
    if count > MAX_BANKS:
        add(WARNING, f"{tag}: NumberOfBanks {count} exceeds {MAX_BANKS}; {MAX_BANKS} shown",
            pos, 1, "count")
    banks = []
    bnode = node.add(FieldNode("banks", "Banks", None, f"{min(count, MAX_BANKS)} used", pos,
                               min(BANK.size * MAX_BANKS, end - pos), kind="struct"))
    for i in range(min(count, MAX_BANKS)):
        o = pos + BANK.size * i
        if o + BANK.size > end:
            break
        one = bnode.add(FieldNode(f"bank_{i}", f"Bank {i}", None, "", o, BANK.size, kind="struct"))
        v, _ = BANK.decode(buf, o, end, one)
        one.display = f"bank {v['bank_number']}, status MSR 0x{v['status_msr']:X}"
        banks.append(v)
    used = pos + BANK.size * len(banks)
    slots_end = min(pos + BANK.size * MAX_BANKS, end)
    if slots_end > used:
        bnode.add(FieldNode("unused", "Unused bank slots", bytes(buf[used:slots_end]),
                            f"{slots_end - used} bytes", used, slots_end - used, kind="bytes"))
    return slots_end, banks


def _rest(buf, node, pos, end) -> None:
    if end > pos:
        node.add(FieldNode("unused", "Unused union bytes", bytes(buf[pos:end]),
                           f"{end - pos} bytes" + ("" if any(buf[pos:end]) else " (zero)"),
                           pos, end - pos, kind="bytes"))
