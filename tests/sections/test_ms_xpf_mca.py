"""WHEA_XPF_MCA_SECTION on real Windows records (DecodeWheaRecord vectors) and crafted bodies."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from _ms_build import DWR, body_of, build_record, node_ranges_ok
except ImportError:  # pragma: no cover - when tests/ is a package
    from tests.sections._ms_build import DWR, body_of, build_record, node_ranges_ok

from whea_gui.decode.record import decode_record
from whea_gui.formats.mca import classify_mca_code

XPF_MCA = "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8"


def mca_section(name: str):
    rec = decode_record((DWR / name).read_bytes())
    [sec] = [s for s in rec.sections if s.type_guid == XPF_MCA]
    return rec, sec


# (file, version, vendor, section length, size form) from the vectors README / DWR test names
REAL = [
    ("cper_cmc_amd_xpfmca_v2r1.bin", 2, "AMD", 264, 264),
    ("cper_cmci_amd_xpfmca_v2r2.bin", 2, "AMD", 272, 272),
    ("cper_mce_fatal_amd_xpfmca_v3.bin", 3, "AMD", 292, 292),
    ("cper_cmci_amd_zen4_xpfmca_v4.bin", 4, "AMD", 1192, 1192),
    ("cper_cmci_intel_xpfmca_v4_memext.bin", 4, "Intel", 1192, 1192),
]


@pytest.mark.parametrize("name,version,vendor,length,size", REAL)
def test_real_versions_and_sizes(name, version, vendor, length, size):
    rec, sec = mca_section(name)
    f = sec.fields
    assert sec.values["length"] == length
    assert f["version_number"] == version and f["cpu_vendor_name"] == vendor
    assert f["size_form"] == size
    assert not [x for x in rec.findings if x.code in ("decoder-failed", "internal", "body-truncated")]
    assert sec.component == "cpu"
    assert sec.location["cpu_vendor"] == vendor
    assert sec.location["bank"] == f["bank_number"]
    # the body is covered by located nodes only (nothing outside the section)
    assert node_ranges_ok(sec.body, sec.values["offset"], sec.values["offset"] + length)


def test_v2_forms_differ_only_by_global_capability_and_amd_registers():
    _, r1 = mca_section("cper_cmc_amd_xpfmca_v2r1.bin")
    _, r2 = mca_section("cper_cmci_amd_xpfmca_v2r2.bin")
    assert "global_capability" not in r1.fields and "extended_registers" in r1.fields
    assert "global_capability" in r2.fields and "amd_extended_registers" in r2.fields
    assert "recovery_info" not in r2.fields


def test_zen4_matches_maintainer_decode():
    # README (issue #9): XPF processor section LocalAPICId 13; generic section ProcessorId 0xD
    rec, sec = mca_section("cper_cmci_amd_zen4_xpfmca_v4.bin")
    f = sec.fields
    assert f["apic_id"] == 13 and f["processor_number"] == 13
    assert sec.values["severity_name"] == "Corrected"
    assert not f["status"]["uncorrected"] and f["status"]["valid"]
    assert f["ex_bank_count"] == 0 and f["ex_banks"] == []
    # AMD SMCA IPID names the bank's hardware block
    assert f["amd_extended_registers"]["smca_bank_type"].startswith("DE")
    assert "recovery_info" in f
    # Windows' Timestamp is a FILETIME: same instant as the record header's (binary) timestamp
    assert f["timestamp_utc"].startswith(rec.header["timestamp"][:16])


def test_fatal_v3_is_uncorrected_with_context_corrupt():
    rec, sec = mca_section("cper_mce_fatal_amd_xpfmca_v3.bin")
    st_ = sec.fields["status"]
    assert st_["uncorrected"] and st_["pcc"] and st_["valid"]
    assert st_["mca_error_kind"] == "cache"
    assert "Uncorrected" in sec.summary and "context corrupt" in sec.summary
    assert sec.fields["amd_extended_registers"]["smca_bank_type"].startswith("LS")


def test_intel_v4_address_valid_gives_location_address():
    _, sec = mca_section("cper_cmci_intel_xpfmca_v4_memext.bin")
    st_ = sec.fields["status"]
    assert st_["addr_valid"] and not st_["uncorrected"]
    assert "corrected_error_count" in st_ and "poison" not in st_
    assert sec.location["address"] == sec.fields["address"] != 0


def test_status_node_is_located_bit_by_bit():
    rec, sec = mca_section("cper_cmci_amd_zen4_xpfmca_v4.bin")
    status = sec.body.find("status")
    raw = struct.unpack_from("<Q", rec.data, status.offset)[0]
    assert status.value == raw and status.length == 8
    for bit, name in [(57, "pcc"), (58, "addrv"), (59, "miscv"), (60, "en"), (61, "uc"),
                      (62, "over"), (63, "val"), (43, "poison"), (44, "deferred")]:
        node = status.find(name)
        assert node.value == (raw >> bit) & 1, name
        assert node.offset == status.offset + bit // 8 and node.bit_offset == bit % 8
        assert node.bit_width == 1


def crafted_v4(status: int, vendor: int = 1, bank: int = 5, size: int = 1192) -> bytes:
    body = bytearray(size)
    struct.pack_into("<II", body, 0, 4 if size == 1192 else 5, vendor)
    struct.pack_into("<I", body, 36, bank)
    struct.pack_into("<Q", body, 40, status)
    struct.pack_into("<I", body, 68, 7)  # APIC ID
    return bytes(body)


def test_crafted_intel_status_every_field():
    # VAL OVER UC EN MISCV ADDRV PCC S AR, threshold=2 (yellow), count=0x1234, FW-update,
    # other info 0x15, model code 0xBEEF, MCA code 0x0A35 (bus: PP=01 T=0 RRRR=3 II=01 LL=01)
    status = ((1 << 63) | (1 << 62) | (1 << 61) | (1 << 60) | (1 << 59) | (1 << 58) | (1 << 57)
              | (1 << 56) | (1 << 55) | (2 << 53) | (0x1234 << 38) | (1 << 37) | (0x15 << 32)
              | (0xBEEF << 16) | 0x0A35)
    rec = decode_record(build_record([(XPF_MCA, crafted_v4(status))], severity=1))
    sec = rec.sections[0]
    node = sec.body.find("status")
    base = node.offset
    expect = {  # name: (first bit, width, value)
        "mca_error_code": (0, 16, 0x0A35), "model_specific_code": (16, 16, 0xBEEF),
        "other_info": (32, 5, 0x15), "firmware_update_error": (37, 1, 1),
        "corrected_error_count": (38, 15, 0x1234), "threshold_status": (53, 2, 2),
        "ar": (55, 1, 1), "s": (56, 1, 1), "pcc": (57, 1, 1), "addrv": (58, 1, 1),
        "miscv": (59, 1, 1), "en": (60, 1, 1), "uc": (61, 1, 1), "over": (62, 1, 1),
        "val": (63, 1, 1)}
    names = [c.name for c in node.children]
    assert names == list(expect) + ["diagnosis"]  # the diagnosis node comes after the bits
    for name, (bit, width, value) in expect.items():
        n = node.find(name)
        assert (n.value, n.bit_width) == (value, width), name
        assert n.offset - base == bit // 8 and n.bit_offset == bit % 8, name
        assert n.offset + n.length <= base + 8
    # compound bus/interconnect code, sub-fields as children of the code node
    code = node.find("mca_error_code")
    sub = {c.name: (c.value, c.bit_offset + 8 * (c.offset - base), c.bit_width) for c in code.children}
    assert sub == {"ll": (1, 0, 2), "ii": (1, 2, 2), "rrrr": (3, 4, 4), "t": (0, 8, 1),
                   "pp": (1, 9, 2), "f": (0, 12, 1)}
    f = sec.fields["status"]
    assert f["mca_error_kind"] == "bus" and f["threshold_status"] == 2
    assert f["corrected_error_count"] == 0x1234 and f["ar"] and f["s"]
    assert sec.location == {"cpu_vendor": "Intel", "processor_number": 0, "apic_id": 7, "bank": 5,
                            "address": 0, "unit": "bus/interconnect"}


def test_crafted_amd_status_bits():
    status = (1 << 63) | (1 << 44) | (1 << 43) | (1 << 55) | (1 << 53) | 0x0135
    rec = decode_record(build_record([(XPF_MCA, crafted_v4(status, vendor=2))]))
    node = rec.sections[0].body.find("status")
    for name, bit in (("poison", 43), ("deferred", 44), ("syndv", 53), ("tcc", 55)):
        n = node.find(name)
        assert n.value == 1 and n.offset == node.offset + bit // 8 and n.bit_offset == bit % 8
    assert node.find("ar") is None  # Intel-only bit not shown for AMD
    assert "Deferred" in rec.sections[0].summary


@pytest.mark.parametrize("code,kind,parts", [
    (0x0000, "simple", {}), (0x0005, "simple", {}), (0x0E0B, "simple", {}),
    (0x000D, "generic_cache", {"ll": 1, "f": 0}),
    (0x0014, "tlb", {"ll": 0, "tt": 1, "f": 0}),
    (0x009F, "memory_controller", {"mmm": 1, "cccc": 15, "channel": None, "f": 0}),
    (0x00C2, "memory_controller", {"mmm": 4, "cccc": 2, "channel": 2, "f": 0}),
    (0x1135, "cache", {"ll": 1, "tt": 1, "rrrr": 3, "f": 1}),
    (0x0E0F, "bus", {"ll": 3, "ii": 3, "rrrr": 0, "t": 0, "pp": 3, "f": 0}),
    (0x0401, "internal", {}), (0x0040, "unknown", {}),
])
def test_mca_error_code_forms(code, kind, parts):
    c = classify_mca_code(code)
    assert c.kind == kind and c.parts == parts


def test_version_5_uses_64_ex_banks_and_clamps_count():
    body = bytearray(crafted_v4((1 << 63) | 0x0150, size=2088))
    struct.pack_into("<I", body, 292, 70)  # ExBankCount beyond the 64 slots
    for i in range(64):
        struct.pack_into("<I", body, 296 + 4 * i, 100 + i)
    rec = decode_record(build_record([(XPF_MCA, bytes(body))]))
    f = rec.sections[0].fields
    assert f["version_number"] == 5 and f["size_form"] == 2088
    assert len(f["ex_banks"]) == 64 and f["ex_banks"][63]["bank"] == 163
    assert any(x.code == "count" and "ExBankCount is 70" in x.message for x in rec.findings)


def test_truncated_and_unknown_version():
    body = crafted_v4((1 << 63) | 0x0150)[:300]
    rec = decode_record(build_record([(XPF_MCA, body)]))
    sec = rec.sections[0]
    assert any(x.code == "body-truncated" for x in rec.findings)
    assert sec.fields["bank_number"] == 5 and "ex_banks" in sec.fields  # decoded what fits
    odd = bytearray(crafted_v4(0))
    struct.pack_into("<I", odd, 0, 9)
    rec = decode_record(build_record([(XPF_MCA, bytes(odd[:264]))]))
    assert any(x.code == "version" for x in rec.findings)
    assert "No valid error" in rec.sections[0].summary


@settings(max_examples=200, deadline=None)
@given(data=st.binary(min_size=0, max_size=1300), version=st.sampled_from([1, 2, 3, 4, 5, 7]),
       vendor=st.integers(0, 3))
def test_mutated_bodies_never_raise(data, version, vendor):
    body = struct.pack("<II", version, vendor) + data
    rec = decode_record(build_record([(XPF_MCA, body)]))
    assert not [x for x in rec.findings if x.code in ("decoder-failed", "internal")]
    for x in rec.findings:
        assert 0 <= x.offset and x.offset + x.length <= len(rec.data)
    sec = rec.sections[0]
    assert node_ranges_ok(sec.body, sec.values["offset"], len(rec.data))
    assert body_of(rec) == body


# -- the 289-byte version-3 layout ---------------------------------------------------------------
def early_v3_record() -> tuple[bytes, bytes]:
    """The real 292-byte v3 record re-laid out as the early Windows 10 writer did: the same
    section with a 17-byte XPF_RECOVERY_INFO (289 bytes), every offset and length consistent."""
    from whea_gui.compose.layout import assemble, split_record

    real = (DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    header, parts = split_record(real)
    [part] = [p for p in parts if p.type_guid == XPF_MCA]
    assert len(part.body) == 292 and not any(part.body[289:])  # only reserved zeros dropped
    part.body = part.body[:289]
    return real, assemble(header, parts)


def test_early_v3_289_bytes_is_a_layout_not_an_error():
    real, data = early_v3_record()
    old, new = decode_record(real), decode_record(data)
    [sec] = [s for s in new.sections if s.type_guid == XPF_MCA]
    [ref] = [s for s in old.sections if s.type_guid == XPF_MCA]
    assert sec.values["length"] == 289 and len(data) == len(real) - 3
    assert new.header["length"] == len(data)
    assert not [x for x in new.findings if x.level == "error"], new.findings
    notes = [x for x in new.findings if x.code == "layout-version"]
    assert len(notes) == 1 and notes[0].level == "note" and "289 bytes" in notes[0].message
    f = sec.fields
    assert f["version_number"] == 3 and f["size_form"] == 289 and "289 bytes" in f["layout"]
    # every value present decodes exactly as in the 292-byte original
    for key in ("processor_number", "bank_number", "status", "address", "misc", "apic_id",
                "amd_extended_registers", "global_capability", "recovery_info", "diagnosis"):
        assert f[key] == ref.fields[key], key
    rec_node = sec.body.find("recovery_info")
    assert rec_node.length == 17
    reserved = rec_node.find("reserved")
    assert reserved.offset == rec_node.offset + 11 and reserved.length == 6
    assert node_ranges_ok(sec.body, sec.values["offset"], sec.values["offset"] + 289)
    assert sec.summary == ref.summary
    # the 292-byte original names its SDK layout and gets no layout note
    assert "10.0.20348" in ref.fields["layout"]
    assert not [x for x in old.findings if x.code == "layout-version"]


@pytest.mark.parametrize("length", [288, 290, 291])
def test_v3_bodies_of_other_sizes_are_still_truncation_errors(length):
    body = bytearray(crafted_v4((1 << 63) | 0x0150, size=292))
    struct.pack_into("<I", body, 0, 3)
    rec = decode_record(build_record([(XPF_MCA, bytes(body[:length]))]))
    assert any(x.code == "body-truncated" and x.level == "error" for x in rec.findings)
    assert not any(x.code == "layout-version" for x in rec.findings)


def test_early_v3_declared_but_cut_short_is_an_error():
    from whea_gui.compose.layout import with_declared_length

    body = bytearray(crafted_v4((1 << 63) | 0x0150, size=292))
    struct.pack_into("<I", body, 0, 3)
    data = with_declared_length(build_record([(XPF_MCA, bytes(body[:280]))]), 0, 289)
    rec = decode_record(data)
    assert rec.sections[0].fields["size_form"] == 289
    assert any(x.code == "body-truncated" and x.level == "error" for x in rec.findings)


def test_a_bank_not_known_to_be_core_local_is_only_logged_by_the_cpu():
    """A re-check found "machine check in bank 27 of CPU 0" beside the caveat that CPU 0 only
    logged it (the bank's unit is unknown: its IPID is not in the record)."""
    from pathlib import Path

    from whea_gui.decode import decode_record
    dwr = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "DecodeWheaRecord"
    shared = decode_record((dwr / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes())
    core = decode_record((dwr / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes())
    (mca,) = [s for s in shared.sections if "machine check" in s.summary]
    assert "bank 27 logged by CPU 0 (APIC ID 0)" in mca.summary
    (mca,) = [s for s in core.sections if "machine check" in s.summary]
    assert "bank 3 (DE (decode unit)) of CPU 13 (APIC ID 13)" in mca.summary
