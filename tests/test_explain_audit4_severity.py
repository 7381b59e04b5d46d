"""Independent audit 4: severities and places the explanation stated wrongly (A4-2, A4-8, A4-9,
A4-10, A4-11). Records are made with the project's builder; each test asserts the corrected
sentence and the absence of the false one, and runs the explanation's pair checks."""

from __future__ import annotations

import random
import struct

from tests.explain_checks import check, explained
from whea_gui.compose.bodies import catalog
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.compose.status_block import data_entry, status_block
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

FATAL, CORRECTED, INFORMATIONAL = 1, 2, 3


def _record(parts: list[tuple[str, int, bytes]], header_severity: int) -> bytes:
    """(catalogue kind, descriptor severity, body) sections under a header of ``header_severity``."""
    return assemble(make_header(severity=header_severity),
                    [SectionPart(make_descriptor(catalog.guid_of(kind), severity=sev), body)
                     for kind, sev, body in parts])


def _body(kind: str, severity: int, **over) -> bytes:
    return catalog.find(kind).pack(random.Random(7), severity, over)


_explained = explained


def test_a_fatal_entry_in_a_microsoft_generic_section_makes_the_record_fatal():
    # A4-2: a Corrected record whose generic section holds a status block with a Corrected memory
    # entry and a Fatal processor entry: each entry is a section of its own (ACPI GEDE severity)
    block = status_block([data_entry(catalog.guid_of("memory"), _body("memory", CORRECTED), severity=CORRECTED),
                          data_entry(catalog.guid_of("processor-generic"), _body("processor-generic", FATAL),
                                     severity=FATAL)], severity=CORRECTED)
    rec, e, text = _explained(_record([("generic-error", CORRECTED, block)], CORRECTED), "generic")
    assert e["headline"].startswith("Fatal"), e["headline"]
    assert ("The record header says Corrected, but entry 1 of section 0's error status block is marked "
            "Fatal") in text
    assert "No action needed" not in text
    said = next(s for s in e["statements"] if s["kind"] == "severity")
    assert "section_0.error_status_block.entry_1.header.error_severity" in said["cites"]


def test_a_header_worse_than_every_section_is_a_contradiction_said_and_found():
    # A4-8: header Fatal, both sections Corrected
    data = _record([("memory", CORRECTED, _body("memory", CORRECTED)),
                    ("processor-generic", CORRECTED, _body("processor-generic", CORRECTED))], FATAL)
    rec, e, text = _explained(data, "header above sections")
    assert ("The record header says Fatal, but no section is marked worse than Corrected: the record "
            "contradicts itself") in text
    found = [f for f in rec.findings if f.code == "severity-mismatch"]
    assert [f.message for f in found] == ["Record severity is Fatal but no section is worse than Corrected"]
    # a consistent record gets neither
    rec, e, text = _explained(_record([("memory", FATAL, _body("memory", FATAL))], FATAL), "consistent")
    assert "contradicts itself" not in text and not [f for f in rec.findings if f.code == "severity-mismatch"]


def test_an_undefined_section_severity_is_no_status_report():
    # A4-9: header Informational, the memory section's severity 7 (UEFI defines 0-3)
    data = _record([("memory", 7, _body("memory", CORRECTED))], INFORMATIONAL)
    _rec, e, text = _explained(data, "undefined section severity")
    assert ("The record header says Informational, but section 0 has severity 7, a value UEFI does not "
            "define (0-3; Linux treats it as fatal): the record does not give a known severity.") in text
    assert "not a hardware fault" not in text and "status report" not in text
    assert "No action needed" not in text


def test_a_place_that_names_no_memory_module_is_not_called_the_module():
    # A4-10: node and card valid, module not (ValidationBits bit 5 clear)
    valid = sum(1 << b for b in (0, 1, 3, 4, 15))  # status, address, node, card, rank
    data = _record([("memory", CORRECTED, _body("memory", CORRECTED, node=1, card=2, validation_bits=valid))],
                   CORRECTED)
    _rec, e, text = _explained(data, "no module")
    assert "same memory module" not in text
    assert ("If corrected errors repeat at node 1, card 2, find the module there in the BMC/firmware log "
            "(the record does not name it)") in text
    assert "not the memory module (DIMM)" in text
    # with the module valid, the module is named as before
    data = _record([("memory", CORRECTED, _body("memory", CORRECTED, node=1, card=2, module=1))], CORRECTED)
    _rec, e, text = _explained(data, "module")
    assert "If corrected errors repeat on the same memory module (node 1, card 2, module 1, module SMBIOS " \
        "handle 0x1105)" in text  # (the builder's module handle: its SMBIOS Type 17 structure, audit 5 A5-4)
    assert "not the memory module (DIMM)" not in text


def test_a_cxl_root_port_is_not_told_to_be_reseated():
    # A4-11: CXL protocol error, agent type 5 (root port), fatal
    body = bytearray(_body("cxl-protocol", FATAL, agent_type=5))
    assert body[8] == 5 and struct.unpack_from("<Q", body, 0)[0] & 1  # agent type, valid
    _rec, e, text = _explained(_record([("cxl-protocol", FATAL, bytes(body))], FATAL), "cxl root port")
    assert "Reseat or replace the device" not in text
    assert "the root port is part of the CPU/chipset and cannot be reseated" in text
    assert any(p["label"] == "CXL root port" for p in e["location"]), e["location"]
    # an endpoint is still a device to reseat
    _rec, e, text = _explained(_record([("cxl-protocol", FATAL, _body("cxl-protocol", FATAL, agent_type=2))],
                                       FATAL), "cxl endpoint")
    assert "Reseat or replace the device" in text


def test_a_record_cut_inside_its_error_recovery_section_says_so():
    # A4-19: a real fatal AMD machine check cut 19 bytes short, inside its last section (the
    # Microsoft error recovery section, which names no part): the cut was only "malformed"
    from tests.vectorlib import VECTORS
    data = (VECTORS / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()[:1000]
    _rec, e, text = _explained(data, "cut in the recovery section")
    assert e["advice"][0].startswith("Read the complete record again from its source")
    assert ("The record is cut short: only 1000 of its 1019 bytes are present. Section 3 (Error "
            "Recovery Information (Microsoft)) is cut (20 of 39 bytes).") in text


def test_a_split_bank_field_is_never_read_as_one_number_too():
    # A4-18: Bank (bit 6) and Bank group (bit 19) both marked valid, Bank = 0x0502: the field is
    # split (group 5, address 2); "bank 1282" counted the group byte into the bank
    valid = sum(1 << b for b in (0, 1, 3, 4, 5, 6, 19))
    body = _body("memory", CORRECTED, bank=0x0502, validation_bits=valid)
    rec, e, text = _explained(_record([("memory", CORRECTED, body)], CORRECTED), "split bank")
    assert "1282" not in text and "1282" not in rec.sections[0].summary
    assert "bank group 5" in text
    assert rec.sections[0].fields["bank"] == 0x0502  # the field itself, as the record holds it


def test_a_valid_chip_identification_is_part_of_the_place():
    # A4-15: Platform Memory, Chip identification valid (bit 21): Extended bits 7:5 = 6
    valid = sum(1 << b for b in (0, 1, 3, 4, 5, 21))
    body = _body("memory", CORRECTED, extended=6 << 5, validation_bits=valid)
    rec, e, text = _explained(_record([("memory", CORRECTED, body)], CORRECTED), "chip id")
    assert rec.sections[0].location.get("chip_id") == 6
    assert "chip ID 6" in e["where"], e["where"]
    # not valid: not stated
    body = _body("memory", CORRECTED, extended=6 << 5, validation_bits=valid & ~(1 << 21))
    rec, e, text = _explained(_record([("memory", CORRECTED, body)], CORRECTED), "chip id not valid")
    assert "chip_id" not in rec.sections[0].location and "chip ID" not in text


def test_the_pci_recovery_section_is_quoted():
    # A4-14: a fatal PCIe error with a Microsoft PCI Recovery section: "failed recovery" (9) and
    # "no error" (1) gave the same explanation, the section never quoted
    texts = []
    for status in (9, 1):
        parts = [("pcie", FATAL, _body("pcie", FATAL)),
                 ("pci-recovery", FATAL, _body("pci-recovery", FATAL, signal_type=2, status=status))]
        _rec, e, text = _explained(_record(parts, FATAL), f"pci recovery {status}")
        said = next(s for s in e["statements"] if "PCI recovery section" in s["text"])
        assert any(c.endswith("recovery_status") for c in said["cites"]), said["cites"]
        texts.append(said["text"])
    assert texts == ["The PCI recovery section (section 1) says: PCIe error recovery after DPC signal: "
                     "attempted, status Failed recovery.",
                     "The PCI recovery section (section 1) says: PCIe error recovery after DPC signal: "
                     "attempted, status No error."]


def test_a_status_block_entry_counts_in_the_severity_checks_both_ways():
    # a Fatal entry under a Corrected record: the severity-mismatch finding names the entry;
    # a Fatal record whose Corrected section holds a Fatal entry is consistent: no caveat
    def generic(header: int) -> bytes:
        block = status_block([data_entry(catalog.guid_of("processor-generic"),
                                         _body("processor-generic", FATAL), severity=FATAL)], severity=FATAL)
        return _record([("generic-error", CORRECTED, block)], header)
    rec, _e, _text = _explained(generic(CORRECTED), "entry worse")
    assert [f.message for f in rec.findings if f.code == "severity-mismatch"] == \
        ["Record severity is Corrected but an entry of a section's error status block is Fatal"]
    rec, _e, text = _explained(generic(FATAL), "entry as the header")
    assert not [f for f in rec.findings if f.code == "severity-mismatch"]
    assert "contradicts itself" not in text


def test_a_place_read_from_bytes_the_input_did_not_give_is_left_out():
    # A4-12's limit: a hexdump with the row that holds the processor number missing; the bytes
    # are read as 00, so "CPU 0" would be a made-up place
    from tests.vectorlib import VECTORS
    from whea_gui.sources import iter_bytes
    data = (VECTORS / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    rows = [f"{i:08x}  " + data[i:i + 16].hex(" ") for i in range(0, len(data), 16)]
    whole = decode_record(data)
    node = whole.root.find(next(p for p in explain_record(whole)["location"] if p["label"] == "CPU")["cites"][0])
    gone = node.offset // 16
    text = "\n".join(r for i, r in enumerate(rows) if i != gone) + f"\n{len(data):08x}\n"
    [ref] = list(iter_bytes(text.encode(), "<stdin>"))
    rec = decode_record(ref.data, source=ref.source)
    assert [f for f in rec.findings if f.code == "bytes-unread"]
    e = explain_record(rec)
    check(rec, e, None, "unread row")
    assert "CPU 0" not in e["headline"] and all(p["label"] != "CPU" for p in e["location"])
    assert any(s.startswith("Left out of the place: CPU, read from bytes the input did not give")
               for s in e["caveats"]), e["caveats"]
    assert "APIC ID 11" in e["headline"]  # the place the input did give stays
    # nor is it in the section's location (its JSON, the timeline's fault keys: recheck N3)
    from whea_gui.index.faults import record_fault_keys
    lead = next(i for i, s in enumerate(whole.sections) if "processor_number" in (s.location or {}))
    assert whole.sections[lead].location["processor_number"] == 11
    assert "processor_number" not in rec.sections[lead].location
    assert rec.sections[lead].location["apic_id"] == 11
    assert not any("cpu=0" in (k or "") for k in record_fault_keys(rec))
    # and the first advice says that what comes from the missing bytes may be wrong (recheck N3:
    # a zeroed MCi_STATUS read as "no valid error … no action needed")
    assert e["advice"][0].startswith("Read the complete record again from its source (the event log "
                                     "entry, or the platform's error log): 16 bytes of section 2, the "
                                     "one this explanation follows, were not in the input")


def test_an_undefined_section_severity_does_not_hide_a_fatal_section():
    # recheck N1: a Fatal processor section beside a memory section of severity 7, under an
    # Informational header: the record is Fatal (its worst known section), not of unknown severity
    data = _record([("memory", 7, _body("memory", CORRECTED)),
                    ("processor-generic", FATAL, _body("processor-generic", FATAL))], INFORMATIONAL)
    _rec, e, text = _explained(data, "undefined beside fatal")
    assert e["headline"].startswith("Fatal"), e["headline"]
    assert "does not give a known severity" not in text


def test_memory_on_a_cxl_device_is_still_the_unit_to_replace():
    # review: A4-10's "names a module" rule left memory on a CXL device (a Microsoft memory range
    # section, DeviceType CXL) without its unit: "find the module there in the BMC/firmware log"
    from whea_gui.compose.generate import generate_records
    rec = decode_record(generate_records(["memory-range"], 1, seed=0)[0])
    e = explain_record(rec)
    check(rec, e, None, "cxl memory range")
    assert any(p["label"] == "CXL memory device" for p in e["location"])
    assert any(a.startswith("If corrected errors repeat on the same CXL memory device (CXL memory device ")
               for a in e["advice"]), e["advice"]
    assert not any("find the module there" in a for a in e["advice"])


def test_a_cut_record_with_unread_bytes_says_read_it_again_once():
    from tests.vectorlib import VECTORS
    from whea_gui.sources import iter_bytes
    data = (VECTORS / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    rows = [f"{i:08x}  " + data[i:i + 16].hex(" ") for i in range(0, 992, 16)]  # cut at 992
    del rows[45]  # (a row of the machine-check section, 0x2d0)
    [ref] = list(iter_bytes(("\n".join(rows) + "\n").encode(), "<stdin>"))
    rec = decode_record(ref.data, source=ref.source)
    e = explain_record(rec)
    check(rec, e, None, "cut and unread")
    again = [a for a in e["advice"] if "Read the complete record again" in a]
    assert len(again) == 1, e["advice"]
    assert any(a.startswith("Also: 16 bytes of section 2") for a in e["advice"]), e["advice"]
