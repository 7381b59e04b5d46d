"""ARM processor section (FORMAT.md §6.4): libcper oracle and built bytes.

Deliberate differences from libcper, each compared another way in ``procsec_oracle``:
  * C16: PSCI state — libcper reports it when RunningState bit 31 is clear, UEFI when bit 0
    is clear; the raw located field is compared instead.
  * libcper gates the bus AccessMode on valid bit 8 (time-out) instead of 11; its value is
    compared with bit 43 of the raw ErrorInformation word.
  * C2: Type is a bit mask; libcper decodes ErrorInformation only for Type 1, 2 or 4.
  * Misc. registers (type 8): libcper shows the first entry with a 2-bit O0; UEFI O0 is bit 14.
  * C29: context padding — as for IA32/X64, libcper reads contexts back to back.
"""

import struct

import pytest
from procsec_build import check_located, decode_body
from procsec_oracle import compare_record, vector_files
from vectorlib import ids

from whea_gui.formats.sections.arm import GUID

FILES = vector_files("ArmProcessor")


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_values_match_libcper(path):
    assert compare_record(path, "ArmProcessor") == []


def header(n_info, n_ctx, length, valid=0xF, affinity=1, mpidr=0x80000102, midr=0x410FD4F1,
           running=0, psci=0x33):
    return struct.pack("<IHHIB3xQQII", valid, n_info, n_ctx, length, affinity, mpidr, midr,
                       running, psci)


def info(etype, ei, valid=0x1F, mult=1, flags=0x5, va=0xFFFF0000, pa=0x8000_1000, version=0,
         length=32):
    return struct.pack("<BBHBHBQQQ", version, length, valid, etype, mult, flags, ei, va, pa)


def context(ctype, array, version=0, pad=True):
    raw = struct.pack("<HHI", version, ctype, len(array)) + array
    return raw + bytes(-len(raw) % 16) if pad else raw


def section(infos, ctxs=b"", vendor=b"", *, counts=None, n_ctx=0, length=None, **kw):
    rest = b"".join(infos) + ctxs + vendor
    n_info, n_ctx = counts or (len(infos), n_ctx)
    return header(n_info, n_ctx, 40 + len(rest) if length is None else length, **kw) + rest


CACHE_EI = 0x7F | 1 << 16 | 3 << 18 | 1 << 22 | 1 << 26  # data access, data read, L1, corrected
BUS_EI = 0xFFF | 2 << 16 | 6 << 18 | 2 << 22 | 1 << 29 | 1 << 31 | 3 << 32 | 0x1A5 << 34 | 1 << 43


def test_cache_error_summary_and_location():
    rec, sec = decode_body(section([info(1, CACHE_EI)]), GUID)
    f = sec.fields
    e = f["error_info"][0]["error_information"]
    assert (e["kind"], e["operation_name"], e["level"], e["corrected"]) == ("cache", "data read", 1, True)
    assert f["mpidr_affinity"] == {"aff0": 2, "aff1": 1, "aff2": 0, "aff3": 0}
    assert f["midr_fields"]["implementer_name"] == "Arm" and f["midr_fields"]["part_number"] == 0xD4F
    assert sec.location == {"mpidr": 0x80000102, "processor_id": 0x80000102}
    assert sec.summary == ("Corrected cache error on CPU with MPIDR 0x80000102 (affinity 0.0.1.2) "
                           "(data read, level 1, corrected, physical address 0x80001000)")
    assert sec.component == "cpu"
    check_located(rec)


def test_bus_error_information_bit_by_bit():
    rec, sec = decode_body(section([info(4, BUS_EI)]), GUID)
    e = sec.fields["error_info"][0]["error_information"]
    assert (e["kind"], e["transaction_type_name"], e["operation_name"]) == ("bus", "generic", "prefetch")
    assert (e["participation_type_name"], e["timed_out"], e["address_space_name"]) == (
        "local processor responded", True, "device memory access")
    assert (e["memory_attributes"], e["access_mode_name"]) == (0x1A5, "normal (non-secure)")
    word = sec.body.find("error_info_0.error_information")
    assert word.offset == sec.body.offset + 40 + 8
    attrs = word.find("memory_attributes")  # bits 34-42 span bytes 4 and 5
    assert (attrs.offset - word.offset, attrs.length, attrs.bit_offset, attrs.bit_width) == (4, 2, 2, 9)
    mode = word.find("access_mode")
    assert (mode.offset - word.offset, mode.bit_offset, mode.bit_width) == (5, 3, 1)
    check_located(rec)


def test_sub_field_valid_bits_are_honoured():
    ei = CACHE_EI & ~0x7F | 1 << 2  # only the level is valid
    rec, sec = decode_body(section([info(1, ei, valid=0x04)]), GUID)
    e = sec.fields["error_info"][0]
    assert e["multiple_error"] is None and e["physical_fault_address"] is None
    assert e["error_information"]["level"] == 1
    assert e["error_information"]["operation"] is None
    assert sec.body.find("error_info_0.error_information.corrected").valid is False


@pytest.mark.parametrize("etype,code", [(0, "arm-type"), (0x10, "arm-type"), (3, "arm-type")])
def test_type_encodings_outside_uefi_2_11_are_noted(etype, code):
    rec, sec = decode_body(section([info(etype, CACHE_EI)]), GUID)
    assert any(f.code == code and f.offset == sec.body.offset + 44 for f in rec.findings)
    kind = sec.fields["error_info"][0]["error_information"]["kind"]
    assert kind == {0: None, 0x10: None, 3: "cache"}[etype]


def test_info_length_byte_is_ignored_for_stepping():
    body = section([info(1, CACHE_EI, length=24), info(2, CACHE_EI)])
    rec, sec = decode_body(body, GUID)
    assert [e["type_names"] for e in sec.fields["error_info"]] == [["cache"], ["tlb"]]
    assert any(f.code == "arm-info-length" for f in rec.findings)


def test_section_length_field_disagreeing_with_descriptor():
    body = section([info(1, CACHE_EI)], length=60)
    rec, sec = decode_body(body, GUID)
    mismatch = [f for f in rec.findings if f.code == "arm-length"]
    assert mismatch and mismatch[0].offset == sec.body.offset + 8
    # the error-info structure reaching past the section's own length is cut there
    assert any(f.code == "body-truncated" for f in rec.findings)
    assert sec.body.find("beyond_length").length == len(body) - 60
    check_located(rec)


GPR64 = struct.pack("<32Q", *range(1000, 1032))
EL1_A32 = struct.pack("<24I", *range(24))
D128 = (5).to_bytes(16, "little") + b"\xff" * 16 + bytes(64)
MISC = struct.pack("<HQHQ", 0x5E82, 0x1111, 0x4000 | 3 << 11 | 7, 0x2222)


@pytest.mark.parametrize("pad", [True, False], ids=["padded", "unpadded"])
def test_contexts_vendor_data_and_padding(pad):
    ctxs = (context(1, EL1_A32, pad=pad) + context(8, MISC, pad=pad) + context(9, D128, pad=pad)
            + context(4, GPR64, pad=pad))
    body = section([info(1, CACHE_EI)], ctxs, vendor=b"VENDOR!", n_ctx=4)
    rec, sec = decode_body(body, GUID)
    el1, misc, d128, gpr = sec.fields["context_info"]
    assert el1["registers"]["mpidr"] == 7 and el1["registers"]["dacr"] == 23
    assert [m["value"] for m in misc["misc_registers"]] == [0x1111, 0x2222]
    assert (misc["misc_registers"][1]["op0"], misc["misc_registers"][1]["op1"]) == (3, 3)
    assert d128["registers"]["ttbr0_el1"] == 5
    assert d128["registers"]["ttbr0_el2"] == (1 << 128) - 1
    assert sec.body.find("context_2.register_array.ttbr0_el2").valid is False  # all ones
    assert gpr["registers"]["sp"] == 1031 and gpr["registers"]["x30"] == 1030
    assert sec.fields["vendor_specific"] == b"VENDOR!".hex()
    assert bool([f for f in rec.findings if f.code == "context-padding"]) is (not pad)
    check_located(rec)


def test_psci_state_validity_follows_running_bit_0():
    rec, sec = decode_body(section([info(1, CACHE_EI)], running=0), GUID)
    assert (sec.fields["running"], sec.fields["psci_state"]) == (False, 0x33)
    rec, sec = decode_body(section([info(1, CACHE_EI)], running=1), GUID)
    assert (sec.fields["running"], sec.fields["psci_state"]) == (True, None)
    assert any(f.code == "arm-psci" for f in rec.findings)


def test_counts_beyond_the_section():
    body = section([info(1, CACHE_EI)], counts=(4, 2))
    rec, sec = decode_body(body, GUID)
    overruns = [f for f in rec.findings if f.code == "count-overrun"]
    assert {f.offset - sec.body.offset for f in overruns} == {4, 6}  # ERR_INFO_NUM, CONTEXT_INFO_NUM
    assert len(sec.fields["error_info"]) == 1
    check_located(rec)


def test_zero_error_info_is_flagged():
    rec, sec = decode_body(section([]), GUID)
    assert any(f.code == "arm-count" for f in rec.findings)
    assert sec.summary == "Corrected processor error on CPU with MPIDR 0x80000102 (affinity 0.0.1.2)"
