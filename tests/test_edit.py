"""RecordEditor: each field kind writes exactly its bytes; undo/redo; fix-up; sections."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.compose import EditError, RecordEditor, SectionTemplate, new_record
from whea_gui.compose.generate import all_kinds
from whea_gui.core import guids
from whea_gui.decode import decode_record

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
MEM2 = VECTORS / "DecodeWheaRecord" / "cper_memory_2sec_padded.bin"


def changed(a: bytes, b: bytes) -> dict[int, int]:
    assert len(a) == len(b)
    return {i: b[i] for i in range(len(a)) if a[i] != b[i]}


@pytest.fixture
def ed():
    return RecordEditor(MEM2.read_bytes())


def test_number_field(ed):
    before = ed.data
    ed.set_field("header.record_id", 0x0102030405060708)
    assert ed.data[96:104] == bytes([8, 7, 6, 5, 4, 3, 2, 1])
    assert set(changed(before, ed.data)) <= set(range(96, 104))
    assert ed.record.header["record_id"] == 0x0102030405060708
    ed.set_field("descriptor_0.section_length", "0x50")
    assert struct.unpack_from("<I", ed.data, 128 + 4)[0] == 0x50


def test_enum_by_name_number_and_display(ed):
    before = ed.data
    ed.set_field("header.severity", "Fatal")
    assert changed(before, ed.data) == {12: 1}
    ed.set_field("header.severity", 0)
    assert ed.data[12] == 0
    ed.set_field("descriptor_1.severity", "Informational (3)")
    assert struct.unpack_from("<I", ed.data, 200 + 48)[0] == 3
    with pytest.raises(EditError, match="not one of"):
        ed.set_field("header.severity", "Catastrophic")


def test_flag_bits_touch_only_their_bit(ed):
    raw = bytearray(ed.data)
    raw[104:108] = struct.pack("<I", 0x20)  # PersistPfn set; the edit must keep it
    ed = RecordEditor(bytes(raw))
    ed.set_field("header.flags.simulated", 1)
    assert struct.unpack_from("<I", ed.data, 104)[0] == 0x24
    ed.set_field("header.flags.persist_pfn", "clear")
    assert struct.unpack_from("<I", ed.data, 104)[0] == 0x04
    ed.set_field("descriptor_0.flags.threshold_exceeded", True)
    assert struct.unpack_from("<I", ed.data, 128 + 12)[0] == 0x09
    with pytest.raises(EditError, match="does not fit"):
        ed.set_field("header.flags.recovered", 2)


def test_multi_bit_field():
    data = bytearray(MEM2.read_bytes())
    data[108:110] = b"ER"  # persisted: the persistence info gets bit fields
    ed = RecordEditor(bytes(data))
    ed.set_field("header.persistence_info.identifier", 0xBEEF)
    value = struct.unpack_from("<Q", ed.data, 108)[0]
    assert value & 0xFFFF == 0x5245 and (value >> 40) & 0xFFFF == 0xBEEF


def test_guid_text(ed):
    before = ed.data
    ed.set_field("header.notify_type", "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890")
    assert ed.data[80:96] == bytes.fromhex("b18bce2dd7bd0e45b9ad9cf4ebd4f890")
    assert set(changed(before, ed.data)) <= set(range(80, 96))
    assert ed.record.header["notify_type_name"] == "CMC (Corrected Machine Check)"
    with pytest.raises(EditError, match="not a GUID"):
        ed.set_field("header.creator_id", "xyz")


def test_text_and_bytes(ed):
    ed.set_field("descriptor_0.fru_text", "CPU0_DIMM_A1")
    assert ed.data[128 + 52:128 + 72] == b"CPU0_DIMM_A1".ljust(20, b"\0")
    ed.set_field("header.reserved", bytes([1, 2, 3]))
    assert ed.data[116:128] == bytes([1, 2, 3]) + bytes(9)
    with pytest.raises(EditError, match="do not fit"):
        ed.set_field("descriptor_0.fru_text", "x" * 21)


def test_timestamp_binary_and_bcd(ed):
    when = dt.datetime(2024, 2, 29, 23, 59, 58)
    ed.set_field("header.timestamp", when)
    assert ed.data[24:32] == bytes([58, 59, 23, 0, 29, 2, 24, 20])
    ed.set_field("header.timestamp", when, encoding="bcd", precise=True)
    assert ed.data[24:32] == bytes([0x58, 0x59, 0x23, 1, 0x29, 0x02, 0x24, 0x20])
    # a Windows creator means binary timestamps, so that stays the default encoding
    ed.set_field("header.timestamp", "2023-01-02T03:04:05")
    assert ed.data[24:32] == bytes([5, 4, 3, 1, 2, 1, 23, 20])
    # a firmware (UEFI) record keeps BCD
    uefi = RecordEditor(new_record("memory", creator="3f6a9f4b-2b0e-4c3e-9a53-5e0b6f1c2d7e"))
    assert uefi.record.header["timestamp_encoding"] == "bcd"
    uefi.set_field("header.timestamp", "2023-01-02T03:04:05")
    assert uefi.data[24:27] == bytes([0x05, 0x04, 0x03])
    assert uefi.data[28:32] == bytes([0x02, 0x01, 0x23, 0x20])
    assert uefi.record.header["timestamp"] == "2023-01-02T03:04:05"


def test_undo_redo(ed):
    original = ed.data
    ed.set_field("header.severity", 1)
    ed.set_field("header.record_id", 7)
    assert ed.history == ["Set header.severity", "Set header.record_id"]
    assert ed.undo() == "Set header.record_id"
    assert ed.record.header["severity"] == 1 and ed.record.header["record_id"] != 7
    assert ed.redo() == "Set header.record_id"
    assert ed.record.header["record_id"] == 7
    ed.undo(), ed.undo()
    assert ed.data == original and not ed.can_undo and ed.can_redo
    ed.set_field("header.flags", 4)
    assert not ed.can_redo  # a new edit drops the redo stack


def test_failed_edit_leaves_record_unchanged(ed):
    before = ed.data
    with pytest.raises(EditError):
        ed.set_field("header.section_count", 70000)
    with pytest.raises(KeyError):
        ed.set_field("header.no_such_field", 1)
    assert ed.data == before and not ed.can_undo


@pytest.mark.parametrize("name", ["m10-section-offset-beyond-length.cper",
                                  "m20-record-length-0.cper", "m21-record-length-100.cper",
                                  "m09-bad-signature-end.cper", "m22-trailing-garbage.cper"])
def test_fix_up_repairs_malformed_vectors(name):
    data = (VECTORS / "malformed" / name).read_bytes()
    ed = RecordEditor(data)
    ed.fix_up()
    rec = ed.record
    assert not rec.has_errors(), [f.message for f in rec.findings]
    assert rec.header["length"] == len(ed.data)
    assert ed.undo() and ed.data == data


def test_fix_up_drops_a_section_without_any_length():
    ed = RecordEditor((VECTORS / "malformed" / "m14-section-length-zero.cper").read_bytes())
    ed.fix_up()
    assert ed.record.header["section_count"] == 0 and len(ed.data) == 128
    assert ed.record.header["length"] == 128


def test_fix_up_after_breaking_on_purpose(ed):
    ed.set_field("header.length", 99)
    ed.set_field("descriptor_1.section_offset", 5)
    assert ed.record.has_errors()
    ed.fix_up(set_severity=True)
    assert not ed.record.has_errors()
    assert [s.values["offset"] for s in ed.record.sections] == [128 + 144, 128 + 144 + 77]
    # the body that offset 5 lost is zero-filled at its declared length
    assert ed.data[128 + 144 + 77:] == bytes(77)


def test_add_remove_move_sections(ed):
    ed.add_section("pcie", severity="Fatal")
    rec = ed.record
    assert [s.values["type_name"] for s in rec.sections] == ["Platform Memory", "Platform Memory",
                                                               "PCI Express"]
    assert rec.sections[2].values["severity"] == 1 and rec.sections[2].values["length"] == 208
    assert not rec.has_errors()
    ed.move_section(2, 0)
    assert ed.record.sections[0].values["type_name"] == "PCI Express"
    ed.remove_section(1)
    rec = ed.record
    assert len(rec.sections) == 2 and rec.header["section_count"] == 2
    assert rec.header["length"] == len(ed.data) and not rec.has_errors()
    with pytest.raises(EditError):
        ed.remove_section(5)


@pytest.mark.parametrize("kind", all_kinds(standalone=False))
def test_new_record_of_every_kind_is_valid(kind):
    for creator in ("cf07c4bd-b789-4e18-b3c4-1f732cb57131", "3f6a9f4b-2b0e-4c3e-9a53-5e0b6f1c2d7e"):
        rec = decode_record(new_record(kind, creator=creator))
        assert not rec.has_errors(), [f.message for f in rec.findings]
        assert not [f for f in rec.findings if f.level == "warning"], [f.message for f in rec.findings]
        assert rec.header["section_count"] == 1


def test_new_record_defaults_and_overrides():
    data = new_record(SectionTemplate("memory", fru_text="DIMM_C1",
                                      values={"physical_address": 0x12345678C0}),
                      SectionTemplate("processor-generic", severity="Fatal"),
                      platform_id="83c1603c-1552-48a7-87d1-14d9467d7765")
    rec = decode_record(data)
    assert rec.header["severity"] == 1  # the most severe section
    assert rec.header["platform_id"] == "83c1603c-1552-48a7-87d1-14d9467d7765"
    assert rec.sections[0].values["fru_text"] == "DIMM_C1"
    assert rec.sections[0].values["flag_names"] == ["primary"]
    assert rec.sections[1].values["flags"] == 0
    body = rec.sections[0].body
    assert struct.unpack_from("<Q", data, body.offset + 16)[0] == 0x12345678C0
    assert guids.guid_text(data[64:80]) in guids.WINDOWS_CREATORS


LEAF_PATHS = ["header.severity", "header.record_id", "header.flags", "header.valid_bits",
              "descriptor_0.flags", "descriptor_1.severity", "descriptor_0.revision"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LEAF_PATHS), st.integers(0, 2**32 - 1)), max_size=6))
def test_random_edits_undo_to_the_original(edits):
    original = MEM2.read_bytes()
    ed = RecordEditor(original)
    for path, value in edits:
        node = ed.find(path)
        value %= 1 << (8 * node.length)
        ed.set_field(path, value)
        node = ed.find(path)
        assert int.from_bytes(ed.data[node.offset:node.end], "little") == value
    while ed.can_undo:
        ed.undo()
    assert ed.data == original


def test_choices_for_drop_downs(ed):
    assert ed.choices("header.severity") == {0: "Recoverable", 1: "Fatal", 2: "Corrected",
                                             3: "Informational"}
    assert ed.choices("header.flags.recovered") == {0: "clear", 1: "set"}
    assert ed.choices("header.record_id") == {}
