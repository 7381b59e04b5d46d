"""Issue #17: a field whose validation bit is clear is ``null`` in ``fields`` (never left out),
while its bytes stay in the tree marked not valid: PCI/PCI-X bus and component, CCIX PER."""

from __future__ import annotations

import struct

from uefi_b_oracle import build_record, check_located

from whea_gui.decode import decode_record
from whea_gui.formats.sections.ccix import CCIX_PER_GUID
from whea_gui.formats.sections.pci import PCI_BUS_GUID, PCI_COMPONENT_GUID


def _section(guid, body):
    rec = decode_record(build_record(guid, body))
    check_located(rec)
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    return rec.sections[0]


def test_pci_bus_fields_not_marked_valid_are_null():
    # only error status (bit 0) and bus ID (bit 2) are valid
    body = struct.pack("<QQHHIQQQQQQ", 0b101, 0x1234, 3, 0x0102, 0, 0xAA, 0xBB, 1 << 56, 0xCC, 0xDD, 0xEE)
    sec = _section(PCI_BUS_GUID, body)
    f = sec.fields
    assert f["bus_id"] == {"bus": 2, "segment": 1} and f["error_status"]["value"] == 0x1234
    for key in ("error_type", "error_type_name", "bus_address", "bus_data", "bus_command",
                "requestor_id", "completer_id", "target_id"):
        assert key in f and f[key] is None, key
    assert sec.body.find("bus_address").valid is False and sec.body.find("bus_address").value == 0xAA
    assert "bus address" not in sec.summary


def test_pci_bus_all_valid_keeps_every_value():
    body = struct.pack("<QQHHIQQQQQQ", 0x1FF, 0, 3, 0x0102, 0, 0xAA, 0xBB, 1 << 56 | 5, 0xCC, 0xDD, 0xEE)
    f = _section(PCI_BUS_GUID, body).fields
    assert (f["error_type"], f["bus_address"], f["target_id"]) == (3, 0xAA, 0xEE)
    assert f["bus_command"] == {"value": 1 << 56 | 5, "command": 5, "pci_x": True, "type": "PCI-X"}


def test_pci_component_id_info_counts_and_pairs_null_when_not_valid():
    ident = struct.pack("<HH3sBBBB5s", 0x8086, 0x1234, b"\x00\x00\x01", 1, 2, 3, 0, bytes(5))
    pairs = struct.pack("<QQ", 0x1000, 0x55)
    body = struct.pack("<QQ", 0b00001, 0) + ident + struct.pack("<II", 1, 0) + pairs
    f = _section(PCI_COMPONENT_GUID, body).fields
    assert f["error_status"]["value"] == 0
    for key in ("id_info", "memory_number", "io_number", "register_pairs"):
        assert key in f and f[key] is None, key


def test_ccix_source_port_and_log_null_when_not_valid():
    body = struct.pack("<IQBBH", 24, 0b010, 0x11, 0x22, 0) + struct.pack("<II", 0xDEAD, 0xBEEF)
    sec = _section(CCIX_PER_GUID, body)
    f = sec.fields
    assert f["source_id"] is None and f["port_id"] == 0x22 and f["per_log"] is None
    assert sec.body.find("source_id").valid is False and sec.body.find("per_log").valid is False
    assert "source" not in sec.summary and "port 0x22" in sec.summary
