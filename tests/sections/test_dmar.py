"""DMAr generic (§6.11), Intel VT-d (§6.12) and IOMMU (§6.13) sections: libcper oracle, C14 enums."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import (
    Rule,
    b64,
    build_record,
    check_located,
    decode_bad_body,
    libcper_sections,
    load_case,
    matches_libcper,
    mutate,
    section_body,
    section_findings,
)

from whea_gui.decode import decode_record
from whea_gui.formats.sections.dmar import DMAR_GENERIC_GUID, DMAR_IOMMU_GUID, DMAR_VTD_GUID

_PTE = [Rule(rf"pageTableEntry_Level{n}", f"page_table_entry_level{n}") for n in range(1, 7)]


def _qwords(v) -> bytes:
    if isinstance(v, dict):
        return struct.pack("<QQ", v["lo"], v["hi"])
    return struct.pack(f"<{len(v)}Q", *v)


GENERIC_RULES = [
    Rule(r"requesterID", "requester_id"),
    Rule(r"segmentNumber", "segment_number"),
    Rule(r"faultReason\.value", "fault_reason"),
    Rule(r"faultReason\.(name|description)", None, reason="fault reason texts are worded differently"),
    Rule(r"accessType\.value", "access_type"),
    Rule(r"accessType\.name", "access_type_name", theirs=str.lower, mine=str.lower),
    Rule(r"addressType\.value", "address_type"),
    Rule(r"addressType\.name", "address_type_name", theirs=str.lower, mine=str.lower),
    Rule(r"architectureType\.value", "architecture_type"),
    Rule(r"architectureType\.name", None,
         reason="C14: libcper names 0 VT-d and 1 IOMMU; UEFI (and we) name 1 VT-d and 2 IOMMU"),
    Rule(r"deviceAddress", "device_address"),
]
VTD_RULES = [
    Rule(r"version", "version"), Rule(r"revision", "revision"), Rule(r"oemID", "oem_id"),
    Rule(r"capabilityRegister", "capability"),
    Rule(r"extendedCapabilityRegister", "extended_capability"),
    Rule(r"globalCommandRegister", "global_command"),
    Rule(r"globalStatusRegister", "global_status"),
    Rule(r"faultStatusRegister", "fault_status"),
    Rule(r"faultRecord\.faultInformation", "fault_record.fault_information"),
    Rule(r"faultRecord\.sourceIdentifier", "fault_record.source_identifier"),
    Rule(r"faultRecord\.privelegeModeRequested", "fault_record.privilege_mode_requested"),
    Rule(r"faultRecord\.executePermissionRequested", "fault_record.execute_permission_requested"),
    Rule(r"faultRecord\.pasidPresent", "fault_record.pasid_present"),
    Rule(r"faultRecord\.faultReason", "fault_record.fault_reason"),
    Rule(r"faultRecord\.pasidValue", "fault_record.pasid_value"),
    Rule(r"faultRecord\.addressType", "fault_record.address_type"),
    Rule(r"faultRecord\.type\.value", "fault_record.type1"),
    Rule(r"faultRecord\.type\.name", None,
         reason="request type text; ours also uses type bit 2 (read vs AtomicOp)"),
    Rule(r"rootEntry", "root_entry", theirs=b64, mine=_qwords),
    Rule(r"contextEntry", "context_entry", theirs=b64, mine=_qwords),
    *_PTE,
]
IOMMU_RULES = [
    Rule(r"revision", "revision"), Rule(r"controlRegister", "control"), Rule(r"statusRegister", "status"),
    Rule(r"eventLogEntry", "event_log_entry", theirs=b64, mine=_qwords),
    Rule(r"deviceTableEntry", "device_table_entry", theirs=b64, mine=_qwords),
    *_PTE,
]
KINDS = {"GenericDmar": ("dmargeneric", GENERIC_RULES), "VtdDmar": ("dmarvtd", VTD_RULES),
         "IommuDmar": ("dmariommu", IOMMU_RULES)}
CASES = [(key, rel, i) for key, (name, _r) in KINDS.items()
         for rel, i in libcper_sections(key, (name,), (name,))]


def test_oracle_cases_exist():
    assert len(CASES) >= 3 * 22


@pytest.mark.parametrize("key,rel,index", CASES)
def test_dmar_matches_libcper(key, rel, index):
    rec, sec, oracle = load_case(rel, index, key)
    result = matches_libcper(oracle, sec, rec, KINDS[key][1])
    assert result.compared >= 7
    check_located(rec)
    assert sec.component == "iommu"


def _decode(guid, body, **kw):
    rec = decode_record(build_record(guid, body, **kw))
    check_located(rec)
    return rec, rec.sections[0]


def generic_body(arch=1, access=0, reason=1, addr_type=0, rid=0x3B08, seg=0, addr=0x7FFF0000) -> bytes:
    return struct.pack("<HHBBBBQ", rid, seg, reason, access, addr_type, arch, addr) + bytes(16)


def test_generic_uses_uefi_enum_values():
    _rec, sec = _decode(DMAR_GENERIC_GUID, generic_body(arch=1, access=0))
    f = sec.fields
    assert (f["architecture_type_name"], f["access_type_name"]) == ("VT-d", "DMA write")
    _rec, sec = _decode(DMAR_GENERIC_GUID, generic_body(arch=2, access=1))
    assert (sec.fields["architecture_type_name"], sec.fields["access_type_name"]) == ("IOMMU", "DMA read")
    assert sec.summary == ("DMA remapping fault (DMA read, IOMMU): domain mapping table entry not present; "
                           "requester 0000:3B:01.0 at device address 0x7FFF0000")
    assert sec.location == {"segment": 0, "requester_id": 0x3B08, "bus": 0x3B, "device": 1, "function": 0,
                            "device_address": 0x7FFF0000}


def test_generic_architecture_zero_is_a_libcper_style_value():
    rec, sec = _decode(DMAR_GENERIC_GUID, generic_body(arch=0))
    assert sec.fields["architecture_type_name"] == "reserved"
    notes = section_findings(rec)
    assert [n.code for n in notes] == ["dmar-architecture-type"] and "libcper" in notes[0].message
    assert (notes[0].offset, notes[0].length) == (207, 1)


def test_generic_reserved_bytes_flagged():
    body = bytearray(generic_body())
    body[30] = 7
    rec, _sec = _decode(DMAR_GENERIC_GUID, bytes(body))
    assert [(f.code, f.offset, f.length) for f in section_findings(rec)] == [("reserved", 216, 16)]


def test_vtd_fault_record_bits():
    lo = 0x0000_0012_3456_7000 | 0xABC  # fault info = page 0x123456_7, low 12 bits reserved
    hi = 0x3B08 | 1 << 28 | 1 << 29 | 1 << 31 | 0x06 << 32 | 0x12345 << 40 | 2 << 60 | 1 << 62 | 1 << 63
    body = bytes([1, 1]) + b"INTEL\0" + bytes(28) + bytes(12) + struct.pack("<QQ", lo, hi) + bytes(80)
    rec, sec = _decode(DMAR_VTD_GUID, body)
    fr = sec.fields["fault_record"]
    assert fr["fault_information"] == lo >> 12 and fr["fault_address"] == 0x12_3456_7000
    assert fr["source_identifier"] == 0x3B08 and fr["fault_reason"] == 6
    assert fr["privilege_mode_requested"] and fr["pasid_present"] and not fr["execute_permission_requested"]
    assert (fr["pasid_value"], fr["address_type"], fr["type1"], fr["fault"]) == (0x12345, 2, 1, True)
    assert fr["request_type"] == "AtomicOp request"
    assert sec.fields["oem_id_text"] == "INTEL"
    assert sec.summary == ("Intel VT-d DMA remapping fault 0x06 (read access not allowed by the page "
                           "tables) on an AtomicOp request from 3B:01.0 at address 0x1234567000")
    node = sec.body.find("fault_record_hi")
    fault = next(c for c in node.children if c.name == "fault")
    assert (fault.offset, fault.bit_offset, fault.bit_width) == (node.offset + 7, 7, 1)


def test_iommu_event_entry():
    lo = 0x3B08 | 2 << 60
    body = bytes([2]) + bytes(31) + struct.pack("<QQ", lo, 0xFEED000) + bytes(96)
    _rec, sec = _decode(DMAR_IOMMU_GUID, body)
    ev = sec.fields["event_log_entry"]
    assert (ev["device_id"], ev["event_code"], ev["event_name"]) == (0x3B08, 2, "I/O page fault")
    assert sec.summary == "IOMMU event 0x2 (I/O page fault) for device 3B:01.0 at address 0xFEED000"


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["dmargeneric", "dmarvtd", "dmariommu"]), cut=st.integers(0, 160),
       flips=st.lists(st.tuples(st.integers(0, 159), st.integers(0, 255)), max_size=6),
       declared_more=st.booleans())
def test_truncated_and_mutated_bodies_never_raise(kind, cut, flips, declared_more):
    guid, body = section_body(f"libcper-generated/{kind}/003.cper")
    body = mutate(body + bytes(16), cut, flips)
    decode_bad_body(guid, body, declared_length=len(body) + 8 if declared_more and body else None)
