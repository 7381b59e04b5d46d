"""Section summaries say numbers in one style (issue #13, docs/explain.md, formats/numbers.py):
checked mechanically over every shared vector and generated records of every kind, and an
impossible PCI address is shown as such with a ``pci-address-range`` finding."""

from __future__ import annotations

import re
import struct

import pytest
from uefi_b_oracle import build_record

from tests.vectorlib import VECTORS
from whea_gui.compose.bodies.io import pcie_body
from whea_gui.compose.generate import all_kinds, generate_records
from whea_gui.decode.record import decode_record
from whea_gui.formats import numbers
from whea_gui.formats.sections.cxl_component import DEVICE_ID as CXL_DEVICE_ID
from whea_gui.formats.sections.pcie import PCIE_GUID

# Words after which a number is an address, ID, handle or code: hex with 0x.
HEX_WORDS = r"(?:address|vendor|source|port|FRU|handle|serial|FAR|MPIDR|RCRB|processor" \
            r"|fault|event|EC|status code|error source)"
# Words after which a number is a position or count: decimal.
DECIMAL_WORDS = r"(?:row|column|rank|bank|bank group|node|card|module|socket|channel|dimm slot" \
                r"|subchannel|core|CPU|APIC id|level|error record|memory controller|umc|chip select)"
NUMBER = r"(0[xX][0-9A-Za-z]*|[0-9][0-9A-Za-z]*)"
PCI_ADDRESS = re.compile(r"([0-9A-Fa-f]{4}):([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\.([0-9A-Fa-f]+)")
REQUESTER = re.compile(r"(?<![:0-9A-Fa-f])([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\.([0-9A-Fa-f])\b")


def ours(text: str) -> str:
    """The summary without text quoted from the record (a driver's message, strings found)."""
    return re.sub(r'"[^"]*"', '""', text.split("; strings: ")[0])


def style_problems(summary: str) -> list[str]:
    """Every place where a summary breaks the number style (empty when it keeps it)."""
    text = ours(summary)
    bad = []
    for m in re.finditer(r"0[xX]([0-9A-Za-z]*)", text):
        if m.group(0).startswith("0X") or not re.fullmatch(r"[0-9A-F]+", m.group(1)):
            bad.append(f"not 0x + uppercase hex: {m.group(0)!r}")
    for m in re.finditer(rf"\b{HEX_WORDS} {NUMBER}", text):
        if not m.group(1).startswith("0x"):
            bad.append(f"an ID or address without 0x: {m.group(0)!r}")
    for m in re.finditer(rf"\b{DECIMAL_WORDS} {NUMBER}", text, re.IGNORECASE):
        if not m.group(1).isdigit():
            bad.append(f"a position not in decimal: {m.group(0)!r}")
    for m in PCI_ADDRESS.finditer(text):
        if m.group(0) != m.group(0).upper():
            bad.append(f"PCI address not uppercase: {m.group(0)!r}")
        impossible = int(m.group(3), 16) > 31 or int(m.group(4), 16) > 7 or len(m.group(4)) > 1
        if impossible and not text[m.end():].startswith(" (impossible PCI address"):
            bad.append(f"an impossible PCI address shown as valid: {m.group(0)!r}")
    for m in REQUESTER.finditer(text):
        if m.group(0) != m.group(0).upper():
            bad.append(f"requester ID not uppercase: {m.group(0)!r}")
    return bad


def _check_record(data: bytes, label: str, seen: list) -> None:
    rec = decode_record(data)
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")], label
    for sec in rec.sections:
        if sec.summary:
            seen.append(sec.summary)
            assert not style_problems(sec.summary), (label, sec.index, sec.summary,
                                                     style_problems(sec.summary))


def test_the_checker_catches_each_style_the_issue_reported():
    for text in ("memory error (row 0x1234, column 0x56)", "at physical address 0xabcde000",
                 "at 0000:3b:00.0 (vendor d63e device 2196)", "CCIX error from source 0xb1",
                 "PCIe error at 0FAD:9E:0F.F1 (vendor 0x1234)", "fault on 00:1f.2",
                 "Memory range error at RCRB 1000", "level 0x2"):
        assert style_problems(text), text
    for text in ("Corrected memory error at physical address 0xABCDE000 (node 1, row 4660, "
                 "column 86)", "PCIe error at 0FAD:9E:0F.1 (vendor 0xD63E device 0x2196)",
                 "PCIe error at " + numbers.pci_address(0xFAD, 0x9E, 0x0F, 241)):
        assert not style_problems(text), text


@pytest.mark.parametrize("seed", range(6))
def test_generated_records_of_every_kind(seed):
    kinds = all_kinds(standalone=False)
    seen: list = []
    for i, data in enumerate(generate_records(kinds, count=len(kinds) * 3, seed=seed,
                                              creator="mixed")):
        _check_record(data, f"seed {seed} record {i}", seen)
    assert len(seen) >= len(kinds)
    # the words the checker keys on do occur, so it checks something
    joined = "\n".join(seen)
    for word in ("physical address 0x", "row ", "vendor 0x"):
        assert word in joined


VECTOR_FILES = sorted(p for p in VECTORS.rglob("*") if p.is_file()
                      and p.suffix not in (".json", ".md") and not p.name.startswith("LICENSE"))


def test_every_shared_vector():
    from whea_gui.sources import iter_path
    seen: list = []
    for path in VECTOR_FILES:
        for ref in iter_path(str(path), on_problem=lambda pr: None):
            _check_record(ref.data, str(path.relative_to(VECTORS)), seen)
    assert len(seen) > 100


# -- impossible PCI addresses -----------------------------------------------------------------------
def _pcie_body(function: int, device: int) -> bytes:
    return pcie_body({"validation_bits": 1 << 3, "port_type": 4, "version": 0x0310,
                      "device_id": {"vendor_id": 0xD63E, "device_id": 0x2196, "class_code": 0x060400,
                                    "function": function, "device": device, "segment": 0x0FAD,
                                    "primary_bus": 0x9E}})


@pytest.mark.parametrize(("function", "device", "why"), [
    (241, 0x0F, "function 241 is above 7"), (1, 32, "device 32 is above 31"),
    (8, 0xFF, "device 255 is above 31 and function 8 is above 7")])
def test_an_impossible_pci_address_is_flagged_not_shown_as_valid(function, device, why):
    rec = decode_record(build_record(PCIE_GUID, _pcie_body(function, device)))
    sec = rec.sections[0]
    found = [f for f in rec.findings if f.code == "pci-address-range"]
    assert len(found) == 1 and found[0].level == "warning" and why in found[0].message
    # the finding covers the function and device bytes of the device ID structure
    ident = sec.body.find("device_id")
    assert found[0].offset == ident.find("function").offset and found[0].length == 2
    assert f"0FAD:9E:{device:02X}.{function:X} (impossible PCI address: {why})" in sec.summary
    assert not style_problems(sec.summary)
    assert sec.location["function"] == function and sec.location["device"] == device


def test_a_possible_pci_address_has_no_range_finding():
    rec = decode_record(build_record(PCIE_GUID, _pcie_body(7, 31)))
    assert not [f for f in rec.findings if f.code == "pci-address-range"]
    assert "at 0FAD:9E:1F.7 (vendor 0xD63E device 0x2196)" in rec.sections[0].summary


def test_cxl_component_device_id_is_range_checked():
    guid = "fbcd0a77-c260-417f-85a9-088b1621eba6"  # CXL general media component event
    ident = struct.pack("<HHBBBHHB", 0x1E98, 0x0001, 9, 40, 0x3A, 0, 0, 0)
    assert len(ident) == CXL_DEVICE_ID.size
    body = struct.pack("<IQ", 32, 1) + ident + bytes(8)
    rec = decode_record(build_record(guid, body))
    found = [f for f in rec.findings if f.code == "pci-address-range"]
    assert len(found) == 1 and "device 40 is above 31 and function 9 is above 7" in found[0].message
    assert "(impossible PCI address" in rec.sections[0].summary
