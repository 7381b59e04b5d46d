"""Header and descriptor values agree with libcper's JSON and with DecodeWheaRecord's quotes."""

import json
import re

import pytest
from vectorlib import DWR_CPER, DWR_WHLG, LIBCPER_FULL, ids

from whea_gui.decode import decode_buffer, decode_record
from whea_gui.formats.cper import SECTION_FLAGS_UEFI


def _bcd(b):
    return (b >> 4) * 10 + (b & 15)


@pytest.mark.parametrize("path", LIBCPER_FULL, ids=ids(LIBCPER_FULL))
def test_header_and_descriptors_match_libcper(path):
    expected = json.loads(path.with_suffix(".json").read_text())
    rec = decode_record(path.read_bytes())
    h, eh = rec.header, expected["header"]
    assert (h["revision"] >> 8, h["revision"] & 0xFF) == (eh["revision"]["major"], eh["revision"]["minor"])
    assert h["section_count"] == eh["sectionCount"]
    assert h["severity"] == eh["severity"]["code"]
    assert h["length"] == eh["recordLength"]
    assert h["creator_id"] == eh["creatorID"]
    assert h["notify_type"] == eh["notificationType"]["guid"]
    assert h["record_id"] == eh["recordID"]
    assert h["flags"] == eh["flags"]["value"]
    assert h["persistence_info"] == eh["persistenceInfo"]
    # libcper honours the valid bits for PlatformID and TimeStamp, as we do
    assert h["platform_id"] == eh.get("platformID")
    if "timestamp" in eh:
        # libcper always reads BCD; we may decide the bytes are binary (FORMAT.md §3.4), so
        # compare libcper's date with the BCD reading of our raw bytes: same bytes, same place.
        raw = bytes.fromhex(h["timestamp_raw"])
        y, mo, d, hh, mm, ss = map(int, re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)",
                                                 eh["timestamp"]).groups())
        assert (ss, mm, hh, d, mo) == tuple(_bcd(raw[i]) for i in (0, 1, 2, 4, 5))
        assert y == _bcd(raw[7]) * 100 + _bcd(raw[6])
        assert h["timestamp_precise"] == eh["timestampIsPrecise"]
    else:
        assert h["timestamp"] is None
    assert len(rec.sections) == len(expected["sectionDescriptors"])
    for sec, ed in zip(rec.sections, expected["sectionDescriptors"], strict=True):
        v = sec.values
        assert v["offset"] == ed["sectionOffset"]
        assert v["length"] == ed["sectionLength"]
        assert (v["revision"] >> 8, v["revision"] & 0xFF) == (ed["revision"]["major"], ed["revision"]["minor"])
        assert v["type"] == ed["sectionType"]["data"]
        assert v["severity"] == ed["severity"]["code"]
        for bit in SECTION_FLAGS_UEFI:
            lib_name = {"threshold_exceeded": "errorThresholdExceeded",
                        "resource_not_accessible": "resourceNotAccessible"}.get(
                bit.name, "".join(w if i == 0 else w.title() for i, w in enumerate(bit.name.split("_"))))
            assert (bit.name in v["flag_names"]) == ed["flags"][lib_name], bit.name
        # libcper prints FRU id whatever the valid bit says: compare the located raw value
        assert sec.descriptor.find("fru_id").value == ed["fruID"]
        if "fruText" in ed:
            assert v["fru_text"] == ed["fruText"]


# Values DecodeWheaRecord's README quotes from the maintainer's own decodes of real records.
DWR_EXPECTED = {
    "cper_mce_fatal_amd_xpfmca_v3.bin": dict(
        revision=0x0210, section_count=4, severity_name="Fatal", valid_bits=2, length=1019,
        timestamp="2024-10-24T14:20:20", creator_name="Microsoft (Windows kernel)",
        notify_type_name="MCE (Machine Check Exception)", record_id=133742532178400704,
        flag_names=["previous_error"],
        sections=[(416, 80, 0x0300, ["primary"], "Platform Memory", "Fatal"),
                  (496, 192, 0x0300, [], "Processor Generic", "Fatal")]),
    "cper_cmci_intel_xpfmca_v4_memext.bin": dict(
        revision=0x0210, section_count=5, severity_name="Corrected", valid_bits=2, length=2157,
        timestamp="2025-07-01T02:01:34", timestamp_precise=False,
        notify_type_name="CMCI (Microsoft)", record_id=0x01DBEA259DBFA6D8, flag_names=["persist_pfn"],
        sections=[(488, 80, 0x0300, None, "Platform Memory", "Corrected"),
                  (568, 192, None, None, "Processor Generic", "Corrected"),
                  (760, 1192, None, None, None, None)]),
    "cper_devicedriver_storport_nullsection.bin": dict(
        revision=0x0210, section_count=1, severity_name="Fatal", valid_bits=7, length=298,
        timestamp="2024-01-25T21:08:17", platform_id="83c1603c-1552-48a7-87d1-14d9467d7765",
        partition_id="00000000-0000-0000-0000-000000000000",
        creator_name="Device Driver (default creator)", notify_type_name="Device Driver (Microsoft)",
        record_id=133506556525740266, flag_names=["device_driver"],
        sections=[(200, 98, 0x0300, ["primary"], None, "Fatal")]),
    "cper_cmci_amd_zen4_xpfmca_v4.bin": dict(
        revision=0x0210, section_count=4, severity_name="Corrected", timestamp="2025-01-23T23:19:28",
        sections=[(416, 192, None, None, "Processor Generic", "Corrected"),
                  (608, 224, None, None, "IA32/X64 Processor", "Corrected"),
                  (832, 1192, 0x0300, None, None, "Corrected"),
                  (2024, 39, None, None, None, "Informational")]),
    "cper_boot_rev0101_venhw_section.bin": dict(
        revision=0x0101, section_count=1, severity_name="Informational", valid_bits=1,
        timestamp=None, creator_id="37006b9c-35c0-0000-0000-000000000000",
        platform_id="37006b9c-35c0-0000-0000-000000000000",
        notify_type_name="BOOT (boot error record)", record_id=0, flags=0,
        sections=[(200, 116, 0x0100, ["primary"], None, "Informational")]),
}


@pytest.mark.parametrize("name", sorted(DWR_EXPECTED))
def test_decodewhearecord_quoted_values(vectors, name):
    exp = dict(DWR_EXPECTED[name])
    rec = decode_record((vectors / "DecodeWheaRecord" / name).read_bytes())
    secs = exp.pop("sections")
    for key, value in exp.items():
        assert rec.header[key] == value, key
    for sec, (off, ln, rev, flags, tname, sev) in zip(rec.sections, secs, strict=False):
        assert (sec.values["offset"], sec.values["length"]) == (off, ln)
        if rev is not None:
            assert sec.values["revision"] == rev
        if flags is not None:
            assert sec.values["flag_names"] == flags
        if tname is not None:
            assert sec.values["type_name"] == tname
        if sev is not None:
            assert sec.values["severity_name"] == sev
    assert not rec.has_errors()


@pytest.mark.parametrize("path", DWR_CPER, ids=ids(DWR_CPER))
def test_real_windows_records_are_clean_and_exact(path):
    data = path.read_bytes()
    recs = decode_buffer(data)
    assert len(recs) == 1
    rec = recs[0]
    assert rec.kind == "cper" and rec.extent == len(data) == rec.header["length"]
    assert not rec.has_errors(), [f.message for f in rec.findings]
    # Windows records carry binary timestamps (FORMAT.md §3.4)
    if rec.header["timestamp"]:
        assert rec.header["timestamp_encoding"] == "binary"


@pytest.mark.parametrize("path", DWR_WHLG, ids=ids(DWR_WHLG))
def test_whlg_entries_are_not_fed_to_the_cper_decoder(path):
    data = path.read_bytes()
    (rec,) = decode_buffer(data)
    assert rec.kind == "whlg"
    assert rec.header["signature"] == "WhLg" and rec.header["version"] == 1
    assert rec.header["length"] == len(data)


def test_whlg_aer_not_granted_quoted_values(vectors):
    rec = decode_record((vectors / "DecodeWheaRecord" / "whlg_aer_not_granted_to_os.bin").read_bytes())
    h = rec.header
    assert (h["version"], h["length"], h["type_name"], h["owner_tag"], h["id_name"],
            h["payload_length"]) == (1, 32, "Informational", 541672272, "AerNotGrantedToOs", 0)
    assert h["flag_names"] == ["LogInternalEtw"]
