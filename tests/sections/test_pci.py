"""PCI/PCI-X bus (§6.8) and component (§6.9) sections: libcper oracle, counts, summaries, bad input."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import (
    STATUS_RULES,
    Rule,
    build_record,
    check_located,
    decode_bad_body,
    libcper_sections,
    load_case,
    matches_libcper,
    mutate,
    section_findings,
)

from whea_gui.decode import decode_record
from whea_gui.formats.sections.pci import PCI_BUS_GUID, PCI_COMPONENT_GUID

BUS_RULES = STATUS_RULES + [
    Rule(r"errorType\.value", "error_type"),
    Rule(r"errorType\.name", None, reason="bus error type names are worded differently; values compared"),
    Rule(r"busID\.busNumber", "bus_id.bus"),
    Rule(r"busID\.segmentNumber", "bus_id.segment"),
    Rule(r"busAddress", "bus_address"),
    Rule(r"busData", "bus_data"),
    Rule(r"busCommandType", "bus_command.type"),
    Rule(r"busRequestorID", "requestor_id"),
    Rule(r"busRequestorIDHex", "requestor_id", theirs=lambda s: int(s, 16)),
    Rule(r"busCompleterID", "completer_id"),
    Rule(r"busCompleterIDHex", "completer_id", theirs=lambda s: int(s, 16)),
    Rule(r"targetID", "target_id"),
]
_ID = {"vendorID": "vendor_id", "deviceID": "device_id", "classCode": "class_code",
       "functionNumber": "function", "deviceNumber": "device", "busNumber": "bus",
       "segmentNumber": "segment"}
COMPONENT_RULES = STATUS_RULES + [
    *[Rule(rf"idInfo\.{k}", f"id_info.{v}") for k, v in _ID.items()],
    Rule(r"memoryNumber", "memory_number"),
    Rule(r"ioNumber", "io_number"),
    Rule(r"registerDataPairs\[(\d+)\]\.firstHalf", r"register_pairs[\1].address"),
    Rule(r"registerDataPairs\[(\d+)\]\.secondHalf", r"register_pairs[\1].data"),
]

BUS_CASES = libcper_sections("PciBus", ("pcibus",), ("pcibus",))
COMPONENT_CASES = libcper_sections("PciComponent", ("pcidev",), ("pcidev",))


def test_oracle_cases_exist():
    assert len(BUS_CASES) >= 23 and len(COMPONENT_CASES) >= 23


@pytest.mark.parametrize("rel,index", BUS_CASES)
def test_pci_bus_matches_libcper(rel, index):
    rec, sec, oracle = load_case(rel, index, "PciBus")
    matches_libcper(oracle, sec, rec, BUS_RULES)
    check_located(rec)
    assert sec.component == "pci"


@pytest.mark.parametrize("rel,index", COMPONENT_CASES)
def test_pci_component_matches_libcper(rel, index):
    rec, sec, oracle = load_case(rel, index, "PciComponent")
    matches_libcper(oracle, sec, rec, COMPONENT_RULES)
    check_located(rec)
    # libcper decodes exactly MemoryNumber + IoNumber pairs; so do we, all inside the section
    pairs = sec.body.find("register_pairs")
    n = sec.body.find("memory_number").value + sec.body.find("io_number").value
    assert (pairs.length if pairs else 0) == 16 * n


def bus_body(valid, *, status=0x1600, etype=3, bus=0x3B, segment=1, address=0xFEE00000, data=0xDEAD,
             command=0x6 | 1 << 56, req=0x100, comp=0x200, target=0x300) -> bytes:
    return struct.pack("<QQHHIQQQQQQ", valid, status, etype, segment << 8 | bus, 0, address, data, command,
                       req, comp, target)


def component_body(valid, mem, io, pairs, *, vendor=0x8086, device=0x1234, fn=1, dev=2, bus=3, seg=0):
    ident = struct.pack("<HH", vendor, device) + (0x020000).to_bytes(3, "little")
    ident += struct.pack("<BBBB", fn, dev, bus, seg) + bytes(5)
    body = struct.pack("<QQ", valid, 0x1700) + ident + struct.pack("<II", mem, io)
    return body + b"".join(struct.pack("<QQ", a, d) for a, d in pairs)


def _decode(guid, body, **kw):
    rec = decode_record(build_record(guid, body, **kw))
    check_located(rec)
    return rec, rec.sections[0]


def test_bus_fields_and_summary():
    rec, sec = _decode(PCI_BUS_GUID, bus_body(0x1FF))
    f = sec.fields
    assert f["error_type"] == 3 and f["error_type_name"] == "Master abort"
    assert f["bus_id"] == {"bus": 0x3B, "segment": 1}
    assert f["bus_command"] == {"value": 6 | 1 << 56, "command": 6, "pci_x": True, "type": "PCI-X"}
    assert (f["requestor_id"], f["completer_id"], f["target_id"]) == (0x100, 0x200, 0x300)
    assert sec.summary == "PCI/PCI-X bus master abort on bus 0001:3B at bus address 0xFEE00000"
    assert sec.location == {"segment": 1, "bus": 0x3B}
    assert not section_findings(rec)


def test_bus_reserved_type_and_dword_are_flagged():
    body = bytearray(bus_body(0x3, etype=9))
    body[20] = 1
    rec, _sec = _decode(PCI_BUS_GUID, bytes(body))
    assert sorted(f.code for f in section_findings(rec)) == ["pci-bus-error-type", "reserved"]


def test_component_pairs_and_summary():
    pairs = [(0xF000, 1), (0xF008, 2), (0xCF8, 3)]
    rec, sec = _decode(PCI_COMPONENT_GUID, component_body(0x1F, 2, 1, pairs))
    f = sec.fields
    assert f["id_info"] == {"vendor_id": 0x8086, "device_id": 0x1234, "class_code": 0x020000,
                            "function": 1, "device": 2, "bus": 3, "segment": 0}
    assert f["register_pairs"] == [{"space": "memory", "address": 0xF000, "data": 1},
                                   {"space": "memory", "address": 0xF008, "data": 2},
                                   {"space": "io", "address": 0xCF8, "data": 3}]
    assert sec.summary == ("PCI/PCI-X device error (ERR_PROTOCOL (protocol error)) at 0000:03:02.1 "
                           "(vendor 0x8086 device 0x1234)")
    assert not section_findings(rec)


def test_component_counts_beyond_the_section_are_an_error():
    body = component_body(0x1F, 0x7FFFFFFF, 0x80000002, [(1, 2)])  # sum overflows 32 bits
    rec, sec = _decode(PCI_COMPONENT_GUID, body)
    err = [f for f in section_findings(rec) if f.code == "count-exceeds-section"]
    assert err and err[0].level == "error" and (err[0].offset, err[0].length) == (232, 8)
    assert len(sec.fields["register_pairs"]) == 1  # the one pair present is decoded


def test_component_slack_after_the_pairs_is_a_note():
    rec, sec = _decode(PCI_COMPONENT_GUID, component_body(0x1F, 1, 0, [(1, 2)]) + bytes(8))
    assert [f.code for f in section_findings(rec)] == ["section-slack"]
    assert sec.body.find("extra_bytes").length == 8


@settings(max_examples=150, deadline=None)
@given(bus=st.booleans(), cut=st.integers(0, 100),
       flips=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 255)), max_size=6),
       mem=st.integers(0, 2**32 - 1), io=st.integers(0, 2**32 - 1), declared_more=st.booleans())
def test_truncated_and_mutated_bodies_never_raise(bus, cut, flips, mem, io, declared_more):
    if bus:
        body = mutate(bus_body(0x1FF) + bytes(28), cut, flips)
        guid = PCI_BUS_GUID
    else:
        base = component_body(0x1F, 2, 1, [(1, 2), (3, 4), (5, 6)])
        body = mutate(base, cut, flips, [(32, 4, mem), (36, 4, io)])
        guid = PCI_COMPONENT_GUID
    decode_bad_body(guid, body, declared_length=len(body) + 32 if declared_more and body else None)
