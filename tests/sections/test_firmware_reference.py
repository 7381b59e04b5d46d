"""Firmware Error Record Reference (FORMAT.md §6.10, conflict C18) and the IPF section (§6.3)."""

import struct
import uuid

import pytest
from procsec_build import check_located, decode_body
from procsec_oracle import compare_record, vector_files
from vectorlib import VECTORS, ids

from whea_gui.decode import decode_record
from whea_gui.formats.sections.firmware_reference import GUID
from whea_gui.formats.sections.ipf import GUID as IPF_GUID

FILES = vector_files("Firmware")
CRASHLOG = "8f87f311-c998-4d9e-a0c4-6065518c4f6d"


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_values_match_libcper(path):
    assert compare_record(path, "Firmware") == []


def test_windows_boot_record_with_three_crashlog_references():
    path = VECTORS / "DecodeWheaRecord" / "cper_firmware_boot_3x_fwrecref.bin"
    rec = decode_record(path.read_bytes())
    # README: three Firmware Error Record Reference sections of 2592, 544 and 72 bytes
    assert [s.values["length"] for s in rec.sections] == [2592, 544, 72]
    for s in rec.sections:
        f = s.fields
        assert (f["record_type"], f["revision"], f["record_guid"]) == (2, 2, CRASHLOG)
        assert f["record_guid_name"] == "Intel CrashLog"
        assert len(f["vendor_data"]) // 2 == s.values["length"] - 32
        assert s.component == "firmware"
        assert s.location == {}  # the GUID names the data format, not a place
        data = s.body.find("vendor_data")
        assert (data.offset, data.length) == (s.body.offset + 32, s.values["length"] - 32)
        check_located(rec, s.index)
    assert rec.sections[2].summary == (
        "Fatal error recorded by the firmware: SOC firmware error record type 2 carrying 40 bytes of Intel "
        "CrashLog data")
    assert not [f for f in rec.findings if f.message.startswith("Section")]


def test_sixteen_byte_wdk_form():
    rec, sec = decode_body(struct.pack("<BB6xQ", 0, 0, 0x1234), GUID)
    f = sec.fields
    assert (f["form"], f["record_id"], f["record_guid"]) == ("16-byte (original / WDK)", 0x1234, None)
    assert sec.location == {}
    assert "firmware record ID 0x1234" in sec.summary
    assert not [x for x in rec.findings if x.message.startswith("Section")]


def test_revision_2_needs_32_bytes():
    rec, sec = decode_body(struct.pack("<BB6xQ", 2, 2, 0), GUID)
    short = [f for f in rec.findings if f.code == "firmware-short"]
    assert short and short[0].offset == sec.body.offset + 1
    check_located(rec)


def test_record_id_ignored_from_revision_1_and_reserved_bytes():
    body = struct.pack("<BB6sQ", 2, 2, b"\1" * 6, 99) + uuid.UUID(CRASHLOG).bytes_le
    rec, sec = decode_body(body, GUID)
    codes = {f.code for f in rec.findings if f.message.startswith("Section")}
    assert codes == {"reserved", "firmware-record-id"}
    assert sec.body.find("record_id").valid is False


def test_type_0_guid_is_marked_ignored():
    body = struct.pack("<BB6xQ", 0, 2, 0) + uuid.UUID(CRASHLOG).bytes_le
    rec, sec = decode_body(body, GUID)
    assert sec.body.find("record_guid").valid is False
    assert sec.summary == "Corrected error recorded by the firmware: IPF SAL error record"


def test_truncated_reference():
    rec, sec = decode_body(b"\x02\x02\x00", GUID)
    assert sec.fields["revision"] == 2 and sec.fields["record_id"] is None
    assert any(f.code == "body-truncated" for f in rec.findings)
    check_located(rec)


def test_ipf_section_is_named_and_kept_raw():
    rec, sec = decode_body(bytes(range(48)), IPF_GUID, severity=1)
    assert sec.values["type_name"] == "IPF Processor"
    assert sec.fields == {"data": bytes(range(48)).hex()}
    raw = sec.body.find("sal_record")
    assert (raw.offset, raw.length) == (sec.body.offset, 48)
    assert sec.summary.startswith("Fatal IPF (Itanium) processor error")
    check_located(rec)


def test_explanation_of_a_record_id_reference_points_at_the_platform_log():
    from whea_gui.decode.explain import explain_record
    rec, _ = decode_body(struct.pack("<BB6xQ", 0, 0, 0x1234), GUID)
    e = explain_record(rec)
    assert not e["where"]
    assert any("firmware record ID 0x1234 in the platform's own error log" in a for a in e["advice"])
    # a type-2 reference without data: no location, the GUID is never a place
    rec, _ = decode_body(struct.pack("<BB6xQ", 2, 2, 0) + uuid.UUID(CRASHLOG).bytes_le, GUID)
    e = explain_record(rec)
    assert not e["where"] and CRASHLOG not in e["headline"]
    assert any("does not carry the firmware's detailed error" in a for a in e["advice"])
