"""IA32/X64 section (FORMAT.md §6.2): libcper oracle, DecodeWheaRecord quotes, built bytes.

Deliberate difference from libcper (C29): libcper steps over context structures without the
16-byte padding UEFI requires. We choose padded or unpadded per section (see
``_context_walk``); libcper's own records come out identical, and padded records built here
decode where libcper would misread them.
"""

import struct
import uuid

import pytest
from procsec_build import check_located, decode_body
from procsec_oracle import compare_record, vector_files
from vectorlib import VECTORS, ids

from whea_gui.decode import decode_record
from whea_gui.formats.sections.ia32x64 import GUID

FILES = vector_files("Ia32x64Processor")
DWR = VECTORS / "DecodeWheaRecord"
CACHE = "a55701f5-e3ef-43de-ac72-249b573fad2c"
TLB = "fc06b535-5e1f-4562-9f25-0a3b9adb63c3"
BUS = "1cf3f8b3-c5b1-49a2-aa59-5eef92ffa63c"
MS = "48ab7f57-dc34-4f6c-a7d3-b0b5b0a74314"


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_values_match_libcper(path):
    assert compare_record(path, "Ia32x64Processor") == []


def test_zen4_cmci_record_matches_decodewhearecord_readme():
    rec = decode_record((DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes())
    sec = rec.sections[1]
    f = sec.fields
    # README: ValidBits LocalAPICId, CpuId, ProcInfoCount 1, ContextInfoCount 1, LocalAPICId 13
    assert f["validation_bits"] & 3 == 3
    assert (f["error_info_count"], f["context_info_count"], f["local_apic_id"]) == (1, 1, 13)
    # Windows writes the CPUID outputs as four 32-bit values (libcper/UEFI: four 64-bit)
    cpuid = f["cpuid_info"]
    assert cpuid["layout"] == "4x32" and cpuid["eax"] == 0x00A60F12
    assert cpuid["signature"]["display_family"] == 0x19
    info = f["error_info"][0]
    assert info["type_name"] == "Cache check"
    ci = info["check_info"]
    assert (ci["operation_name"], ci["level"], ci["uncorrected"]) == ("instruction fetch", 0, False)
    assert ci["precise_ip"] is None  # its valid bit (5) is clear
    # Windows left an all-zero 64-byte slot before the context (DWR reads a 0-byte context
    # there); the MSR context after it is the one the count describes
    (c,) = f["context_info"]
    assert (c["register_context_type"], c["register_array_size"], c["msr_address"]) == (1, 8, 0x180)
    assert [x.code for x in rec.findings] == ["empty-slot"]
    assert sec.body.find("context_0").offset == sec.body.offset + 192
    assert sec.location == {"apic_id": 13, "processor_id": 13}
    assert sec.summary == ("Corrected cache error on CPU with APIC id 13 "
                           "(instruction fetch, level 0)")
    check_located(rec, 1)


@pytest.mark.parametrize("name", ["cper_cmc_amd_xpfmca_v2r1.bin", "cper_cmci_amd_xpfmca_v2r2.bin"])
def test_one_error_info_no_context(name):
    rec = decode_record((DWR / name).read_bytes())
    sec = next(s for s in rec.sections if s.type_guid == GUID)
    f = sec.fields
    assert (f["error_info_count"], f["context_info_count"]) == (1, 0)
    assert len(f["error_info"]) == 1 and f["error_info"][0]["check_info"] is not None
    assert not [x for x in rec.findings if x.message.startswith(f"Section {sec.index}:")]
    check_located(rec, sec.index)


# -- built sections -----------------------------------------------------------------------------
def header(n_info, n_ctx, apic=5, valid=3):
    cpuid = struct.pack("<QQQQ", 0x000906EA, 0x01100800, 0x7FFAFBBF, 0xBFEBFBFF) + bytes(16)
    return struct.pack("<QQ", valid | n_info << 2 | n_ctx << 8, apic) + cpuid


def info(guid, check, valid=0x1F, ids_=(1, 2, 3, 4)):
    return uuid.UUID(guid).bytes_le + struct.pack("<QQQQQQ", valid, check, *ids_)


def context(ctype, array, msr=0, mm=0, pad=True):
    raw = struct.pack("<HHIQ", ctype, len(array), msr, mm) + array
    return raw + bytes(-len(raw) % 16) if pad else raw


def test_cache_check_decoded_bit_by_bit():
    # valid bits 0-7 all set; TT data access(1), op data write(4), level 2, uncorrected, PCC
    check = 0xFF | 1 << 16 | 4 << 18 | 2 << 22 | 1 << 25 | 1 << 26
    rec, sec = decode_body(header(1, 0) + info(CACHE, check), GUID)
    ci = sec.fields["error_info"][0]["check_info"]
    assert (ci["kind"], ci["transaction_type_name"], ci["operation_name"], ci["level"]) == (
        "cache", "data access", "data write", 2)
    assert ci["uncorrected"] is True and ci["processor_context_corrupt"] is True
    assert ci["overflow"] is False
    node = sec.body.find("error_info_0.check_info")
    assert node.offset == sec.body.offset + 64 + 24 and node.length == 8
    expect = {"transaction_type": (2, 0, 2), "operation": (2, 2, 4), "level": (2, 6, 3),
              "processor_context_corrupt": (3, 1, 1), "uncorrected": (3, 2, 1),
              "overflow": (3, 5, 1)}
    for name, (byte, bit, width) in expect.items():
        child = node.find(name)
        assert (child.offset - node.offset, child.bit_offset, child.bit_width) == (byte, bit, width)
    assert sec.summary == ("Corrected cache error on CPU with APIC id 5 "
                           "(data write, level 2, uncorrected, processor context corrupt)")
    check_located(rec)


def test_bus_and_ms_checks_and_validity():
    bus = 0x7FF | 3 << 16 | 6 << 18 | 1 << 30 | 1 << 32 | 2 << 33
    ms = 0x01 | 0x04 | 5 << 16 | 1 << 20
    tlb = 0x02 | 3 << 18  # only the operation is valid
    rec, sec = decode_body(header(3, 0) + info(BUS, bus) + info(MS, ms) + info(TLB, tlb), GUID)
    b, m, t = (e["check_info"] for e in sec.fields["error_info"])
    assert (b["participation_type_name"], b["timed_out"], b["address_space_name"]) == (
        "local processor responded", True, "I/O")
    assert (b["operation_name"], b["transaction_type"]) == ("prefetch", 3)
    assert (m["error_type_name"], m["uncorrected"], m["processor_context_corrupt"]) == (
        "internal unclassified", True, None)
    assert t["operation_name"] == "data read" and t["level"] is None
    timed_out = sec.body.find("error_info_0.check_info.timed_out")
    assert (timed_out.offset - timed_out.parent.offset, timed_out.bit_offset) == (4, 0)
    level = sec.body.find("error_info_2.check_info.level")
    assert not level.valid and "(not valid)" in level.display
    check_located(rec)


def test_zero_context_is_not_skipped_without_a_real_one_after_it():
    body = header(0, 1) + bytes(64) + struct.pack("<HHIQ", 9, 4, 0, 0) + bytes(4)
    rec, sec = decode_body(body, GUID)
    (c,) = sec.fields["context_info"]
    assert (c["register_context_type"], c["register_array_size"]) == (0, 0)
    assert not any(f.code == "empty-slot" for f in rec.findings)


def test_unknown_check_guid_is_raw_with_a_note():
    rec, sec = decode_body(header(1, 0) + info("12345678-1234-1234-1234-123456789abc", 0xFF), GUID)
    assert sec.fields["error_info"][0]["check_info"] == {"value": 0xFF, "kind": None}
    assert any(f.code == "check-type" for f in rec.findings)


X64_REGS = struct.pack("<16Q", *range(100, 116)) + struct.pack("<6HI", *range(1, 7), 0) + \
    struct.pack("<8Q", 0x246, 0xFFFF800012345678, 11, 12, 13, 14, 15, 16) + \
    struct.pack("<4Q", 21, 22, 23, 24) + struct.pack("<HH", 0x50, 0x40)
IA32_REGS = struct.pack("<8I", *range(1, 9)) + struct.pack("<6H", *range(10, 16)) + \
    struct.pack("<7I", 0x202, 0x401000, 1, 2, 3, 4, 5) + struct.pack("<QQHH", 7, 8, 9, 10)


@pytest.mark.parametrize("pad", [True, False], ids=["padded", "unpadded"])
def test_register_contexts_padded_or_not(pad):
    ctxs = (context(2, IA32_REGS, pad=pad) + context(3, X64_REGS, pad=pad)
            + context(1, struct.pack("<2Q", 0xAA, 0xBB), msr=0x401, pad=pad))
    rec, sec = decode_body(header(0, 3) + ctxs, GUID)
    c32, c64, msr = sec.fields["context_info"]
    assert (c32["register_context_type"], c32["register_array_size"]) == (2, 92)
    assert c32["registers"]["eip"] == 0x401000 and c32["registers"]["tr"] == 10
    assert c64["registers"]["rip"] == 0xFFFF800012345678 and c64["registers"]["cr8"] == 16
    assert (c64["registers"]["gdtr_0"], c64["registers"]["idtr_1"]) == (21, 24)
    assert msr["registers"] == {"mc0_status": 0xAA, "mc0_addr": 0xBB}
    rip = sec.body.find("context_1.register_array.rip")
    start = 64 + (112 if pad else 108)
    assert rip.offset == sec.body.offset + start + 16 + 152
    walk = [f for f in rec.findings if f.code == "context-padding"]
    assert bool(walk) is (not pad)  # an unpadded walk is reported (UEFI requires padding)
    check_located(rec)


def test_edk2_x64_register_state_without_cr8():
    edk2 = X64_REGS[:200] + X64_REGS[208:]  # drop CR8: 236 bytes
    rec, sec = decode_body(header(0, 1) + context(3, edk2), GUID)
    regs = sec.fields["context_info"][0]["registers"]
    assert "cr8" not in regs and regs["cr4"] == 15 and regs["gdtr_0"] == 21 and regs["tr"] == 0x40
    assert [f.code for f in rec.findings if f.message.startswith("Section 0")] == ["context-size"]
    check_located(rec)


def test_context_count_overrun_and_truncated_array():
    body = header(1, 3) + info(CACHE, 0) + context(3, X64_REGS)[:100]
    rec, sec = decode_body(body, GUID)
    codes = [f.code for f in rec.findings if f.message.startswith("Section 0")]
    assert "context-truncated" in codes and "count-overrun" in codes
    partial = sec.fields["context_info"][0]["registers"]
    assert partial["rax"] == 100 and "cr0" not in partial  # what fits is decoded
    check_located(rec)


def test_error_info_count_overrun_points_at_the_count():
    rec, sec = decode_body(header(5, 0) + info(CACHE, 0) + info(TLB, 0)[:36], GUID)
    overrun = [f for f in rec.findings if f.code == "count-overrun"]
    assert overrun and overrun[0].offset == sec.body.offset and overrun[0].length == 8
    assert len(sec.fields["error_info"]) == 2
    assert sec.fields["error_info"][1]["target_id"] is None  # cut before TargetId
    check_located(rec)


def test_header_shorter_than_64_bytes():
    rec, sec = decode_body(header(1, 0)[:20], GUID)
    assert sec.fields["local_apic_id"] == 5 and sec.fields["cpuid_info"] is None
    assert [f.code for f in rec.findings if f.message.startswith("Section 0")] == ["body-truncated"]
    check_located(rec)


def test_the_summary_says_what_the_check_says_of_itself():
    # N9-17: the summary dropped "uncorrected" and "timed out" (ARM's says them): a Corrected
    # record's structure saying uncorrected read as a corrected TLB error
    from whea_gui.decode import decode_record
    seen = {"uncorrected": 0, "timed_out": 0}
    for path in sorted((VECTORS / "libcper-generated" / "ia32x64").glob("*.cper")):
        sec = decode_record(path.read_bytes()).sections[0]
        infos = sec.fields["error_info"] if isinstance(sec.fields, dict) else []
        from whea_gui.formats.sections._cpu_ids import lead_error_info
        lead = lead_error_info(infos, lambda e: e.get("check_info"))
        ci = infos[lead].get("check_info") if lead is not None else None
        if not isinstance(ci, dict) or not ci.get("kind"):
            continue
        detail = sec.summary[sec.summary.index("("):]
        assert ("uncorrected" in detail) == bool(ci.get("uncorrected")), (path.name, sec.summary)
        assert ("timed out" in detail) == bool(ci.get("timed_out")), (path.name, sec.summary)
        for key in ("uncorrected", "timed_out"):
            seen[key] += bool(ci.get(key))
    assert all(seen.values()), seen  # the corpus has each case
