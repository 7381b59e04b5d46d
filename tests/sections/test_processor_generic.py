"""Processor Generic section (FORMAT.md §6.1): libcper oracle, DecodeWheaRecord quotes, built bytes."""

import struct

import pytest
from procsec_build import WINDOWS_CREATOR, check_located, decode_body
from procsec_oracle import compare_record, vector_files
from vectorlib import VECTORS, ids

from whea_gui.decode import decode_record
from whea_gui.formats.sections.processor_generic import GUID

FILES = vector_files("GenericProcessor")
DWR = VECTORS / "DecodeWheaRecord"


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_values_match_libcper(path):
    assert compare_record(path, "GenericProcessor") == []


def test_every_generated_directory_record_is_compared():
    names = {p.parent.name for p in FILES}
    assert {"libcper-examples", "generic", "multi", "single-section"} <= names
    assert len([p for p in FILES if p.parent.name == "generic"]) == 21


def test_zen4_cmci_record_matches_decodewhearecord_readme():
    rec = decode_record((DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes())
    sec = rec.sections[0]
    f = sec.fields
    # README: ProcessorType XPF, InstructionSet X64, ErrorType Cache, Operation InstructionExe,
    # Level 0, CPUVersion stepping 2 model 1 family 15 ext-model 6 ext-family 10, ProcessorId 0xD
    assert f["validation_bits"] == 0x17F  # the eight valid bits the README lists
    assert (f["processor_type"], f["processor_type_name"]) == (0, "IA32/X64")
    assert (f["isa"], f["isa_name"]) == (2, "X64")
    assert f["error_type_names"] == ["cache"]
    assert (f["operation"], f["operation_name"]) == (3, "instruction execution")
    assert f["level"] == 0
    info = f["cpu_version_info"]
    assert (info["stepping"], info["model"], info["family"], info["extended_model"],
            info["extended_family"]) == (2, 1, 15, 6, 10)
    assert (info["display_family"], info["display_model"]) == (0x19, 0x61)  # Zen 4
    assert f["processor_id"] == 0xD
    assert f["brand_string"] is None and f["target_address"] is None  # valid bits clear
    assert sec.component == "cpu"
    assert sec.location == {"apic_id": 13, "processor_id": 13}
    assert sec.summary == ("Corrected cache error on CPU with APIC id 13 "
                           "(instruction execution, level 0)")
    # the CPUVersion bit children sit on the bytes that hold them
    cv = sec.body.find("cpu_version")
    assert cv.offset == 416 + 16
    ext_family = cv.find("extended_family")
    assert (ext_family.offset, ext_family.bit_offset, ext_family.bit_width) == (434, 4, 8)
    assert ext_family.value == 10
    check_located(rec)


@pytest.mark.parametrize("name", ["cper_cmc_amd_xpfmca_v2r1.bin", "cper_cmci_amd_xpfmca_v2r2.bin",
                                  "cper_mce_fatal_amd_xpfmca_v3.bin",
                                  "cper_cmci_intel_xpfmca_v4_memext.bin"])
def test_other_windows_records_decode_cleanly(name):
    rec = decode_record((DWR / name).read_bytes())
    secs = [s for s in rec.sections if s.type_guid == GUID]
    assert secs
    for s in secs:
        assert s.fields["processor_type_name"] == "IA32/X64"
        assert s.summary and s.component == "cpu"
        assert not [f for f in rec.findings if f.message.startswith(f"Section {s.index}:")]
        check_located(rec, s.index)


def _body(valid, ptype=0, isa=2, etype=1, op=1, flags=0, level=1, version=0, pid=7, **kw):
    brand = kw.get("brand", b"Test CPU\0").ljust(128, b"\0")
    return (struct.pack("<QBBBBBBH", valid, ptype, isa, etype, op, flags, level, kw.get("res", 0))
            + struct.pack("<Q", version) + brand
            + struct.pack("<QQQQQ", pid, 0x1000, 0x2000, 0x3000, 0x4000))


def test_valid_bits_gate_every_field():
    rec, sec = decode_body(_body(0), GUID)
    f = sec.fields
    for key in ("processor_type", "isa", "error_type", "operation", "flags", "level",
                "cpu_version", "brand_string", "processor_id", "target_address", "requestor_id",
                "responder_id", "instruction_ip"):
        assert f[key] is None, key
    assert sec.body.find("processor_id").valid is False
    assert sec.summary == "Corrected processor error on a processor"
    rec, sec = decode_body(_body(0x1FFF), GUID)
    f = sec.fields
    assert (f["brand_string"], f["processor_id"], f["instruction_ip"]) == ("Test CPU", 7, 0x4000)
    assert f["target_address"] == 0x1000 and f["responder_id"] == 0x3000


def test_windows_isa_numbering_and_native_model_id():
    # C12: WDK numbers ARM64 as 8; bit 13 (WDK) makes CPUVersion bits 32-63 NativeModelId
    version = 0x1234_5678 << 32 | 0x000806EC
    rec, sec = decode_body(_body(0x3FFF, ptype=2, isa=8, version=version), GUID,
                           creator=WINDOWS_CREATOR)
    assert sec.fields["isa_name"] == "ARM64"
    rec, sec = decode_body(_body(0x3FFF, ptype=0, isa=2, version=version), GUID,
                           creator=WINDOWS_CREATOR)
    assert sec.fields["cpu_version_info"]["native_model_id"] == 0x12345678
    assert sec.fields["cpu_version_info"]["display_model"] == 0x8E
    native = sec.body.find("cpu_version.native_model_id")
    assert (native.offset, native.length, native.bit_offset, native.bit_width) == (
        sec.body.offset + 20, 4, 0, 32)
    # the same ISA byte under UEFI numbering is unknown, and bit 13 is reserved there
    rec, sec = decode_body(_body(0x3FFF, ptype=2, isa=8), GUID)
    assert sec.fields["isa_name"] == "Unknown"
    assert any(f.code == "reserved" for f in rec.findings)


def test_arm_processor_uses_midr_and_mpidr():
    midr = 0x413FD0C1  # Arm Neoverse-N1 r3p1
    mpidr = 0x81000100 | 2 << 32
    rec, sec = decode_body(_body(0x1FF, ptype=2, isa=4, version=midr, pid=mpidr), GUID)
    f = sec.fields
    assert f["cpu_version_info"]["implementer_name"] == "Arm"
    assert f["cpu_version_info"]["part_number"] == 0xD0C
    assert f["mpidr"] == {"aff0": 0, "aff1": 1, "aff2": 0, "aff3": 2}
    assert sec.location == {"mpidr": mpidr, "processor_id": mpidr}
    assert "MPIDR" in sec.summary
    assert sec.body.find("cpu_version.implementer").display == "Arm (65)"


def test_reserved_bytes_and_short_body():
    rec, sec = decode_body(_body(0x7F, res=0xBEEF), GUID)
    assert any(f.code == "reserved" and f.offset == sec.body.offset + 14 for f in rec.findings)
    rec, sec = decode_body(_body(0x1FFF)[:100], GUID)
    assert [f.code for f in rec.findings if f.message.startswith("Section 0")] == ["body-truncated"]
    assert sec.fields["level"] == 1 and sec.fields["processor_id"] is None  # cut off at 100
    assert sec.body.find("brand_string") is None
    check_located(rec)
