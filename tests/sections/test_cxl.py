"""CCIX PER (§6.14), CXL protocol error (§6.15) and CXL component event (§6.16) sections."""

from __future__ import annotations

import struct
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import (
    Rule,
    b64,
    body_bytes,
    build_record,
    check_located,
    decode_bad_body,
    libcper_sections,
    load_case,
    matches_libcper,
    mutate,
    section_body,
    section_findings,
    tree_value,
)

from whea_gui.core import guids
from whea_gui.decode import decode_record
from whea_gui.formats.sections.ccix import CCIX_PER_GUID
from whea_gui.formats.sections.cxl_component import EVENT_KINDS
from whea_gui.formats.sections.cxl_protocol import CXL_PROTOCOL_GUID, RAS_SIZE


def _dwords(v: list) -> bytes:
    return struct.pack(f"<{len(v)}I", *v)


CCIX_RULES = [
    Rule(r"length", "length"),
    Rule(r"ccixSourceID", "source_id"),
    Rule(r"ccixPortID", "port_id"),
    Rule(r"ccixPERLog", "per_log", theirs=b64, mine=_dwords),
]
_INVALID_DEVICE_ID = ("libcper prints the vendor ID even when validation bit 2 (device ID) is clear; "
                      "read from the tree")
PROTOCOL_RULES = [
    Rule(r"agentType\.value", "agent_type"),
    Rule(r"agentType\.name", None,
         reason="C22: libcper uses the UEFI 2.10 names (CXL 1.1 device...), we the 2.11 names"),
    Rule(r"cxlAgentAddress\.value", "agent_address.rcrb_base_address"),
    Rule(r"cxlAgentAddress\.functionNumber", "agent_address.function"),
    Rule(r"cxlAgentAddress\.deviceNumber", "agent_address.device"),
    Rule(r"cxlAgentAddress\.busNumber", "agent_address.bus"),
    Rule(r"cxlAgentAddress\.segmentNumber", "agent_address.segment"),
    Rule(r"deviceID\.vendorID", "device_id.vendor_id", fallback=tree_value("device_id.vendor_id"),
         reason=_INVALID_DEVICE_ID),
    Rule(r"deviceID\.deviceID", "device_id.device_id"),
    Rule(r"deviceID\.subsystemVendorID", "device_id.subsystem_vendor_id"),
    Rule(r"deviceID\.subsystemDeviceID", "device_id.subsystem_device_id"),
    Rule(r"deviceID\.classCode", "device_id.class_code"),
    Rule(r"deviceID\.slotNumber", "device_id.slot"),
    Rule(r"deviceSerial", "device_serial_number"),
    Rule(r"capabilityStructure", None, theirs=b64, fallback=body_bytes(48, 60), reason="raw 60 bytes"),
    Rule(r"dvsecLength", "dvsec_length"),
    Rule(r"errorLogLength", "error_log_length"),
    Rule(r"cxlDVSEC", "dvsec", theirs=b64, mine=bytes.fromhex),
    Rule(r"cxlErrorLog", "error_log", theirs=b64, mine=bytes.fromhex),
]
COMPONENT_RULES = [
    Rule(r"length", "length"),
    *[Rule(rf"deviceID\.{k}", f"device_id.{v}") for k, v in {
        "vendorID": "vendor_id", "deviceID": "device_id", "functionNumber": "function",
        "deviceNumber": "device", "busNumber": "bus", "segmentNumber": "segment",
        "slotNumber": "slot"}.items()],
    Rule(r"deviceSerial", "device_serial_number"),
    Rule(r"cxlComponentEventLog\.data", "event_log.data", theirs=b64, mine=bytes.fromhex),
]
_COMPONENT_DIRS = ("cxlcomponent-media", "cxlcomponent-dram", "cxlcomponent-memory", "cxlcomponent-mld",
                   "cxlcomponent-pswitch", "cxlcomponent-vswitch")
KINDS = {"CcixPer": (("ccixper",), ("ccixper",), CCIX_RULES),
         "CxlProtocol": (("cxlprotocol",), ("cxlprotocol",), PROTOCOL_RULES),
         "CxlComponent": (_COMPONENT_DIRS, ("cxlcomponent-media",), COMPONENT_RULES)}
CASES = [(key, rel, i) for key, (dirs, ex, _r) in KINDS.items() for rel, i in libcper_sections(key, dirs, ex)]


def test_oracle_cases_exist():
    assert len(CASES) >= 22 + 22 + 6 * 21 + 1


@pytest.mark.parametrize("key,rel,index", CASES)
def test_matches_libcper(key, rel, index):
    rec, sec, oracle = load_case(rel, index, key)
    result = matches_libcper(oracle, sec, rec, KINDS[key][2])
    assert result.compared >= 1
    check_located(rec)
    assert sec.component == ("ccix" if key == "CcixPer" else "cxl")
    assert sec.summary


def _decode(guid, body, **kw):
    rec = decode_record(build_record(guid, body, **kw))
    check_located(rec)
    return rec, rec.sections[0]


# -- CCIX -----------------------------------------------------------------------------------------------
def ccix_body(length, valid=7, source=0x21, port=3, log=b"") -> bytes:
    return struct.pack("<IQBBH", length, valid, source, port, 0) + log


def test_ccix_log_dwords_and_summary():
    rec, sec = _decode(CCIX_PER_GUID, ccix_body(24, log=struct.pack("<II", 0x11, 0x22)))
    assert sec.fields == {"length": 24, "validation_bits": 7, "source_id": 0x21, "port_id": 3,
                          "per_log": [0x11, 0x22]}
    assert sec.summary == "CCIX protocol error from source 0x21 port 0x03 (2 log DWORDs)"
    assert not section_findings(rec)


def test_ccix_length_beyond_the_section_is_an_error():
    rec, sec = _decode(CCIX_PER_GUID, ccix_body(0xFFFFFFF0, log=bytes(8)))
    err = [f for f in section_findings(rec) if f.code == "length-exceeds-section"]
    assert err and (err[0].offset, err[0].length) == (200, 4)
    assert sec.fields["per_log"] == [0, 0]


def test_ccix_length_shorter_than_the_section_leaves_slack():
    rec, sec = _decode(CCIX_PER_GUID, ccix_body(20, log=bytes(12)))
    assert [f.code for f in section_findings(rec)] == ["section-slack"]
    assert sec.fields["per_log"] == [0]


# -- CXL protocol error ---------------------------------------------------------------------------------
def protocol_body(valid, agent=2, *, dvsec=b"", log=b"", fn=1, dev=0, bus=0x40, seg=0, ras_unc=0) -> bytes:
    body = struct.pack("<QB", valid, agent) + bytes(7)
    body += struct.pack("<BBBH", fn, dev, bus, seg) + bytes(3)
    body += struct.pack("<HHHHHH", 0x1E98, 0x0001, 0x1E98, 0x0002, 0x0502, 7 << 3) + bytes(4)
    body += struct.pack("<Q", 0xABCDEF) + bytes(60) + struct.pack("<HHI", len(dvsec), len(log), 0)
    if ras_unc:
        log = struct.pack("<I", ras_unc) + log[4:]
    return body + dvsec + log


def test_protocol_fields_ras_log_and_summary():
    log = bytes(RAS_SIZE)
    rec, sec = _decode(CXL_PROTOCOL_GUID, protocol_body(0x7F, dvsec=bytes(range(8)), log=log,
                                                        ras_unc=1 << 10 | 1 << 7))
    f = sec.fields
    assert f["agent_type_name"] == "CXL endpoint device"
    assert f["agent_address"] == {"function": 1, "device": 0, "bus": 0x40, "segment": 0}
    assert f["device_id"]["slot"] == 7 and f["device_id"]["class_code"] == 0x0502
    assert f["dvsec"] == "0001020304050607" and f["dvsec_length"] == 8
    ras = f["ras_capability"]["uncorrectable_error_status"]
    assert ras["poison_received"] and ras["mem_data_ecc"] and not ras["cache_data_ecc"]
    assert sec.summary == ("CXL protocol error reported by a CXL endpoint device at 0000:40:00.1 "
                           "(vendor 0x1E98 device 0x0001): uncorrectable Memory data ECC, Poison received")
    assert sec.location == {"segment": 0, "bus": 0x40, "device": 0, "function": 1, "vendor_id": 0x1E98,
                            "device_id": 1, "serial_number": 0xABCDEF}
    assert not section_findings(rec)


def test_protocol_rch_downstream_port_uses_the_rcrb_address():
    body = bytearray(protocol_body(0x3, agent=1))
    body[16:24] = (0xFED80000).to_bytes(8, "little")
    _rec, sec = _decode(CXL_PROTOCOL_GUID, bytes(body))
    assert sec.fields["agent_address"] == {"rcrb_base_address": 0xFED80000}
    assert "at RCRB 0xFED80000" in sec.summary


def test_protocol_lengths_beyond_the_section_are_an_error():
    body = bytearray(protocol_body(0x7F, dvsec=bytes(4)))
    body[108:112] = struct.pack("<HH", 0xFFFF, 0xFFFF)
    rec, sec = _decode(CXL_PROTOCOL_GUID, bytes(body))
    err = [f for f in section_findings(rec) if f.code == "count-exceeds-section"]
    assert err and (err[0].offset, err[0].length) == (308, 4)
    assert sec.body.find("dvsec").length == 4 and sec.body.find("error_log") is None


# -- CXL component events -------------------------------------------------------------------------------
GM = "fbcd0a77-c260-417f-85a9-088b1621eba6"
DRAM = "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624"


def component_body(length=None, valid=7, event=b"") -> bytes:
    head = struct.pack("<HHBBBHHB", 0x1E98, 0x0001, 2, 0, 0x41, 0, 3 << 3, 0) + struct.pack("<Q", 0x55)
    length = 32 + len(event) if length is None else length
    return struct.pack("<IQ", length, valid) + head + event


def event_record(handle=0x10, timestamp=1_700_000_000_000_000_000) -> bytes:
    return struct.pack("<B3sHHQBBHB", 0x70, b"\x01\0\0", handle, 0, timestamp, 0, 0, 0, 0) + bytes(11) \
        + bytes(80)


def test_component_event_header_decoded():
    rec, sec = _decode(GM, component_body(event=event_record()))
    ev = sec.fields["event_log"]
    assert (ev["record_length"], ev["flags"], ev["handle"], ev["timestamp"]) == (
        0x70, 1, 0x10, 1_700_000_000_000_000_000)
    assert len(bytes.fromhex(ev["data"])) == 112
    assert sec.fields["device_id"]["slot"] == 3
    assert sec.summary == ("CXL General Media event from 0000:41:00.2 (vendor 0x1E98 device 0x0001), serial 0x55: "
                           "Media ECC error at device physical address 0x0")
    assert sec.body.find("event_log.event_specific").length == 80
    assert sec.body.find("event_log.event_data") is None
    assert not section_findings(rec)


def test_component_guid_in_windows_byte_order_is_decoded():
    swapped = guids.swapped_text(DRAM)
    assert guids.lookup(swapped).byte_swapped
    data = bytearray(build_record(DRAM, component_body(event=event_record())))
    data[144:160] = uuid.UUID(swapped).bytes_le  # the descriptor's section type, RFC 4122 wire order
    rec = decode_record(bytes(data))
    sec = rec.sections[0]
    assert sec.values["type"] == swapped and sec.values["type_name"] == "CXL DRAM Event"
    assert sec.summary.startswith("CXL DRAM event from 0000:41:00.2")


def test_all_six_component_kinds_registered():
    from whea_gui.core.sections import decoder_for
    assert {decoder_for(g) for g in EVENT_KINDS} == {decoder_for(GM)} != {None}


def test_component_length_checks():
    rec, _sec = _decode(GM, component_body(length=500, event=bytes(16)))
    assert [f.code for f in section_findings(rec)] == ["length-exceeds-section"]
    rec, _sec = _decode(GM, component_body(length=8))
    assert [f.code for f in section_findings(rec)] == ["length-too-small"]
    rec, _sec = _decode(GM, component_body(event=event_record() + bytes(8)))
    assert [f.code for f in section_findings(rec)] == ["cxl-event-length"]


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["ccixper", "cxlprotocol", "cxlcomponent-media", "cxlcomponent-dram"]),
       cut=st.integers(0, 240), flips=st.lists(st.tuples(st.integers(0, 239), st.integers(0, 255)),
                                               max_size=6),
       length=st.integers(0, 2**32 - 1), lengths=st.integers(0, 2**32 - 1), declared_more=st.booleans())
def test_truncated_and_mutated_bodies_never_raise(kind, cut, flips, length, lengths, declared_more):
    guid, body = section_body(f"libcper-generated/{kind}/005.cper")
    words = [(108, 4, lengths)] if kind == "cxlprotocol" else [(0, 4, length)]
    body = mutate(body + bytes(40), cut, flips, words)
    decode_bad_body(guid, body, declared_length=len(body) + 24 if declared_more and body else None)


def dram_event(valid: int, descriptor=0x01, event_type=0, transaction=1) -> bytes:
    """A DRAM Event Record's 80 event-specific bytes packed by hand at Linux ``struct cxl_event_dram``
    offsets (less the 48-byte header): phys_addr 0x30, descriptor 0x38, type 0x39, transaction 0x3a,
    validity 0x3b, channel 0x3d, rank 0x3e, nibble 0x3f, bank group 0x42, bank 0x43, row 0x44,
    column 0x47, correction mask 0x49, component ID 0x69, sub-channel 0x79."""
    out = struct.pack("<QBBBHBB", 0x1234_5678_C0 | 0x1, descriptor, event_type, transaction, valid, 3, 1)
    out += (0x00F0F0).to_bytes(3, "little") + bytes([2, 5]) + (0x01_2345).to_bytes(3, "little")
    out += struct.pack("<H", 0x3A1) + bytes(range(32)) + b"COMPONENT-ID-XYZ" + bytes([1])
    return out.ljust(80, b"\0")


def _event_with(specific: bytes) -> bytes:
    return struct.pack("<B3sHHQBBHB", 0x80, b"\x01\0\0", 1, 0, 1_700_000_000_000_000_000, 0, 0, 0, 0) \
        + bytes(11) + specific


def test_dram_event_fields_decoded_at_their_offsets():
    rec, sec = _decode(DRAM, component_body(event=_event_with(dram_event(0x07FF))))
    ev = sec.fields["event_log"]["event_specific"]
    assert ev["physical_address"] == 0x1234_5678_C1
    assert (ev["device_physical_address"], ev["volatile"], ev["not_repairable"]) == (0x1234_5678_C0, True, False)
    assert ev["descriptor"]["uncorrectable_event"] is True and ev["descriptor"]["threshold_event"] is False
    assert (ev["memory_event_type"], ev["memory_event_type_name"]) == (0, "Media ECC error")
    assert ev["transaction_type_name"] == "Host read" and ev["validation_bits"] == 0x7FF
    assert (ev["channel"], ev["rank"], ev["nibble_mask"], ev["bank_group"], ev["bank"], ev["row"],
            ev["column"]) == (3, 1, 0xF0F0, 2, 5, 0x12345, 0x3A1)
    assert ev["correction_mask"] == bytes(range(32)).hex()
    assert ev["component_id"] == b"COMPONENT-ID-XYZ".hex() and ev["sub_channel"] == 1
    assert sec.body.find("event_log.event_specific.row").offset == sec.body.find("event_log").offset + 32 + 0x14
    # the place of the event: DIMM-like keys, and the fault key the timeline counts by
    assert {k: sec.location[k] for k in ("channel", "rank", "bank_group", "bank", "row", "column")} == {
        "channel": 3, "rank": 1, "bank_group": 2, "bank": 5, "row": 0x12345, "column": 0x3A1}
    assert "physical_address" not in sec.location  # a device address is not a host address
    from whea_gui.index.faults import location_key, scope_keys
    assert location_key("cxl", sec.location) == "cxl:0000:41:00.2/channel=3/sub_channel=1/rank=1"
    assert scope_keys("cxl", sec.location)["dimm"] == "cxl:0000:41:00.2/channel=3/sub_channel=1/rank=1"
    assert "Media ECC error (uncorrectable) at device physical address 0x12345678C0, channel 3" in sec.summary
    assert not any(n.label == "Event-specific data" for n in sec.body.walk())
    assert not section_findings(rec)


def test_dram_event_fields_null_when_their_validity_flag_is_clear():
    rec, sec = _decode(DRAM, component_body(event=_event_with(dram_event(0x0001))))
    ev = sec.fields["event_log"]["event_specific"]
    assert ev["channel"] == 3
    for key in ("rank", "nibble_mask", "bank_group", "bank", "row", "column", "correction_mask",
                "component_id", "sub_channel"):
        assert ev[key] is None, key
    assert "rank" not in sec.location and "row" not in sec.location
    assert sec.body.find("event_log.event_specific.row").valid is False
    assert "rank" not in sec.summary


def test_general_media_event_decoded_and_gated():
    spec = struct.pack("<QBBBHBB", 0x4000, 0x02, 4, 5, 0x0005, 7, 9) + (0xABCDEF).to_bytes(3, "little")
    rec, sec = _decode(GM, component_body(event=_event_with(spec.ljust(80, b"\0"))))
    ev = sec.fields["event_log"]["event_specific"]
    assert ev["memory_event_type_name"] == "Scrub media ECC error"
    assert ev["descriptor"]["threshold_event"] is True and ev["descriptor"]["uncorrectable_event"] is False
    assert ev["transaction_type_name"] == "Internal media scrub"
    assert (ev["channel"], ev["rank"], ev["device"], ev["component_id"]) == (7, None, 0xABCDEF, None)
    assert sec.location["channel"] == 7 and "rank" not in sec.location
    assert not section_findings(rec)


def test_media_event_reserved_validity_bits_reported():
    rec, sec = _decode(GM, component_body(event=_event_with(
        struct.pack("<QBBBHBB", 0, 0, 0, 0, 0x8001, 0, 0).ljust(80, b"\0"))))
    assert any(f.code == "reserved" for f in section_findings(rec)), section_findings(rec)


def test_memory_module_event_bytes_stay_raw():
    rec, sec = _decode("fe927475-dd59-4339-a586-79bab113b774", component_body(event=event_record()))
    assert "event_specific" not in sec.fields["event_log"]
    assert sec.body.find("event_log.event_data").length == 80
