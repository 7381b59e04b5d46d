"""Device-driver sections (Storport and others): located strings, inferred roles, undocumented rest."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import DWR, check_located, section_findings

from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode import decode_record
from whea_gui.formats.sections.device_driver import (
    DEVICE_DRIVER_CREATOR,
    DEVICE_DRIVER_NOTIFY,
    MAX_STRINGS,
    find_strings,
)

NULL = "00000000-0000-0000-0000-000000000000"
NVME = DWR / "cper_devicedriver_storport_nullsection.bin"
AHCI = DWR / "cper_smoke_test_devicedriver_462b.bin"


def _clean(rec) -> None:
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    check_located(rec)


def driver_record(body: bytes, *, guid: str = NULL, creator: str = DEVICE_DRIVER_CREATOR,
                  notify: str = DEVICE_DRIVER_NOTIFY, declared: int | None = None) -> bytes:
    header = make_header(creator=creator, notify=notify, severity=1, record_id=1, flags=8, revision=0x0210)
    data = bytearray(assemble(header, [SectionPart(make_descriptor(guid, severity=1, flags=1), body)]))
    if declared is not None:
        struct.pack_into("<I", data, 128 + 4, declared)
    return bytes(data)


@pytest.mark.parametrize("path,driver,vendor,model", [(NVME, "stornvme", "NVMe", "KINGSTON SFYRD20"),
                                                       (AHCI, "storahci", "WDC", "WD10EZEX-60ZF5A0")])
def test_real_storport_records(path, driver, vendor, model):
    rec = decode_record(path.read_bytes())
    _clean(rec)
    sec = rec.sections[0]
    b = sec.values["offset"]
    assert b == 200 and sec.component == "storage"
    assert sec.location == {"driver": driver, "device_vendor": vendor, "device_model": model}
    assert driver in sec.summary and model in sec.summary and "undocumented" in sec.summary
    f = sec.fields
    assert f["producer"] == "Storport" and f["driver"] == driver
    # every string where its bytes are
    assert [(s["offset"], s["length"], s.get("role")) for s in f["strings"]] == [
        (0, 8, "tag"), (40, 16, "driver"), (72, 8, "device_vendor"), (81, 16, "device_model")]
    node = sec.body.find("driver")
    assert (node.offset, node.length) == (b + 40, 16)
    assert rec.data[node.offset:node.offset + 16].decode("utf-16-le") == driver
    model_node = sec.body.find("device_model")
    assert rec.data[model_node.offset:model_node.offset + model_node.length].decode() == model
    # the body is covered: strings and undocumented byte runs, no gaps, no overlaps
    pos = b
    for child in sec.body.children:
        assert child.offset == pos
        pos += child.length
    assert pos == b + sec.values["length"]
    [note] = [x for x in section_findings(rec) if x.code == "undocumented-layout"]
    assert note.level == "note" and "not publicly documented" in note.message
    assert not [x for x in rec.findings if x.level == "error"]
    # no status is claimed: none is documented for these bodies
    assert "status" not in sec.location and "status" not in f


def test_unknown_driver_section_type_shows_strings_without_roles():
    body = b"\x01\x02MYDRV\0\0\0" + "acmedisk".encode("utf-16-le") + b"\0\0\x10\x01" + b"Model X-123\0"
    rec = decode_record(driver_record(body, guid="11112222-3333-4444-5555-666677778888"))
    _clean(rec)
    sec = rec.sections[0]
    assert sec.fields["producer"] is None
    assert [s["text"] for s in sec.fields["strings"]] == ["MYDRV", "acmedisk", "Model X-123"]
    assert all("role" not in s for s in sec.fields["strings"]) and sec.location == {}
    assert sec.component == "" and "undocumented layout" in sec.summary


def test_null_guid_outside_device_driver_records_stays_raw():
    rec = decode_record((DWR.parent / "malformed/m29-section-type-guid-zero.cper").read_bytes())
    assert rec.sections[0].fields is None
    # but a Storport-tagged body is recognised by its tag whatever the creator
    body = NVME.read_bytes()[200:]
    rec = decode_record(driver_record(body, creator="cf07c4bd-b789-4e18-b3c4-1f732cb57131",
                                      notify="2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"))
    _clean(rec)
    assert rec.sections[0].fields["driver"] == "stornvme"


def test_ambiguous_bytes_read_as_utf16_first():
    # "V\0a\0c\0..." reads as UTF-16 "Vacm..."; Windows stores names as UTF-16, so that reading wins
    assert [s["text"] for s in find_strings(b"MYDRV\0a\0c\0m\0e\0", 0, 14)] == ["Vacme"]


def test_strings_are_bounded_and_binary_noise_is_not_a_string():
    assert find_strings(b"\x80nonic" + b"s\0t\0o\0r\0", 0, 14) == [
        {"offset": 6, "length": 8, "text": "stor", "encoding": "utf-16le"}]
    many = b"".join(b"abcd\0" for _ in range(500))
    assert len(find_strings(many, 0, len(many))) == MAX_STRINGS
    rec = decode_record(driver_record(many))
    _clean(rec)
    assert len(rec.sections[0].fields["strings"]) == MAX_STRINGS


@pytest.mark.parametrize("path", [NVME, AHCI])
def test_truncation_at_every_byte(path):
    data = path.read_bytes()
    body = data[200:]
    for cut in range(1, len(body)):
        # a record cut short inside the section, and a section whose own length is shorter
        for rec in (decode_record(data[:200 + cut]), decode_record(driver_record(body[:cut]))):
            _clean(rec)
            sec = rec.sections[0]
            assert sec.fields is not None and sec.summary
            covered = sum(c.length for c in sec.body.children)
            assert covered == sec.body.length


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bodies_never_raise(body):
    for b in (body, b"STORPORT" + body):
        if b:
            rec = decode_record(driver_record(b))
            _clean(rec)
            rec = decode_record(driver_record(b, declared=len(b) + 100))
            _clean(rec)
