"""Platform memory (§6.5) and memory-2 (§6.6) sections: libcper oracle, real Windows records, sizes."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import (
    DWR,
    STATUS_RULES,
    Rule,
    build_record,
    check_located,
    decode_bad_body,
    libcper_sections,
    load_case,
    matches_libcper,
    mutate,
    section_findings,
    tree_value,
)

from whea_gui.decode import decode_record
from whea_gui.formats.sections.memory import MEMORY2_GUID, MEMORY_GUID

_BANK_REASON = ("libcper prints bank address/group whenever the plain-bank bit 6 is clear, even with "
                "bits 19/20 (bank group/address valid) clear; we only report them when valid")
_COMMON = STATUS_RULES + [
    Rule(r"bank\.value", "bank"),
    Rule(r"bank\.address", "bank_address", fallback=tree_value("bank", lambda v: v & 0xFF),
         reason=_BANK_REASON),
    Rule(r"bank\.group", "bank_group", fallback=tree_value("bank", lambda v: v >> 8), reason=_BANK_REASON),
    Rule(r"memoryErrorType\.value", "error_type"),
    Rule(r"memoryErrorType\.name", "error_type_name", theirs=str.lower, mine=str.lower),
    Rule(r"physicalAddressMask", "physical_address_mask"),
    Rule(r"node", "node"), Rule(r"card", "card"), Rule(r"device", "device"),
    Rule(r"column", "column"), Rule(r"bitPosition", "bit_position"),
    Rule(r"requestorID", "requestor_id"), Rule(r"responderID", "responder_id"),
    Rule(r"targetID", "target_id"),
    Rule(r"cardSmbiosHandle", "card_handle"), Rule(r"moduleSmbiosHandle", "module_handle"),
]
MEMORY_RULES = _COMMON + [
    Rule(r"physicalAddress", "physical_address"),
    Rule(r"physicalAddressHex", "physical_address", theirs=lambda s: int(s, 16)),
    Rule(r"moduleRank", "module"),
    Rule(r"rankNumber", "rank"),
    # our row includes extended row bits 16-17 when bit 18 is valid; libcper prints bits 15:0
    Rule(r"row", "row", mine=lambda v: v & 0xFFFF),
    Rule(r"extended\.rowBit16", "extended.row_bit_16"),
    Rule(r"extended\.rowBit17", "extended.row_bit_17"),
    Rule(r"extended\.chipIdentification", "extended.chip_identification"),
]
_C21 = ("libcper keys the Memory-2 physical address on validation bit 0 (error status) instead of bit 1 "
        "and prints physicalAddressHex unconditionally (FORMAT.md C21); read from the tree")
MEMORY2_RULES = _COMMON + [
    Rule(r"physicalAddress", "physical_address", fallback=tree_value("physical_address"), reason=_C21),
    Rule(r"physicalAddressHex", "physical_address", theirs=lambda s: int(s, 16),
         fallback=tree_value("physical_address"), reason=_C21),
    Rule(r"module", "module"), Rule(r"rank", "rank"), Rule(r"row", "row"),
    Rule(r"chipID", "chip_id"),
    Rule(r"status\.value", "status.value"),
    Rule(r"status\.state", "status.state", theirs=str.lower),
]

MEMORY_CASES = libcper_sections("Memory", ("memory",), ("memory", "memory-validation-bits"))
MEMORY2_CASES = libcper_sections("Memory2", ("memory2",), ("memory2",))


def test_oracle_cases_exist():
    assert len(MEMORY_CASES) >= 24 and len(MEMORY2_CASES) >= 23


@pytest.mark.parametrize("rel,index", MEMORY_CASES)
def test_memory_matches_libcper(rel, index):
    rec, sec, oracle = load_case(rel, index, "Memory")
    result = matches_libcper(oracle, sec, rec, MEMORY_RULES)
    assert result.compared >= 2
    check_located(rec)
    assert sec.component == "memory"


@pytest.mark.parametrize("rel,index", MEMORY2_CASES)
def test_memory2_matches_libcper(rel, index):
    rec, sec, oracle = load_case(rel, index, "Memory2")
    matches_libcper(oracle, sec, rec, MEMORY2_RULES)
    check_located(rec)


# -- real Windows records (DecodeWheaRecord) --------------------------------------------------------------
def test_77_byte_sections_are_the_73_byte_layout_plus_padding():
    """cper_memory_1sec_padded.bin: README says "4 padding bytes". Bytes 0-72 are the UEFI 2.2
    structure (valid bits 0x4019: status, node, card, error type), 73-76 are zero and no validation bit
    refers to them, so this is the 73-byte form with 4 padding bytes, not a truncated 80-byte one."""
    rec = decode_record((DWR / "cper_memory_1sec_padded.bin").read_bytes())
    check_located(rec)
    sec = rec.sections[0]
    f = sec.fields
    assert f["validation_bits"] == 0x4019
    assert f["error_status"]["error_type"] == 4 and f["error_status"]["error_type_name"] == "ERR_MEM"
    assert (f["node"], f["card"], f["error_type"], f["error_type_name"]) == (0, 0, 2, "Single-bit ECC")
    assert "rank" not in f and f["device"] is None  # no rank in 73 bytes; device bytes hold 1 but bit 7 is clear
    assert sec.body.find("device").value == 1 and sec.body.find("device").valid is False
    assert sec.body.find("rank") is None  # not part of the 73-byte structure
    pad = sec.body.find("extra_bytes")
    assert (pad.offset, pad.length, pad.value) == (273, 4, bytes(4))
    notes = section_findings(rec)
    assert [(n.level, n.code, n.offset, n.length) for n in notes] == [
        ("note", "memory-legacy-padded", 273, 4)]
    assert sec.summary == "Corrected single-bit ECC error (node 0, card 0)"
    assert sec.location == {"node": 0, "card": 0}


def test_two_padded_sections():
    rec = decode_record((DWR / "cper_memory_2sec_padded.bin").read_bytes())
    check_located(rec)
    assert [s.body.offset for s in rec.sections] == [272, 349]
    for sec in rec.sections:
        assert sec.fields["error_type_name"] == "Single-bit ECC"
        assert sec.body.find("extra_bytes").length == 4
    assert not rec.has_errors()


@pytest.mark.parametrize("name,index", [("cper_mce_fatal_amd_xpfmca_v3.bin", 0),
                                        ("cper_cmci_intel_xpfmca_v4_memext.bin", 0)])
def test_memory_sections_without_valid_bits(name, index):
    """Both records carry an 80-byte memory section of zeros: "no valid bits set" (README)."""
    rec = decode_record((DWR / name).read_bytes())
    check_located(rec)
    sec = rec.sections[index]
    assert sec.values["type"] == MEMORY_GUID and sec.body.length == 80
    assert {k: v for k, v in sec.fields.items() if v is not None} == {"validation_bits": 0}
    assert sec.location == {}
    assert sec.summary.endswith("memory error; the section marks no field as valid")
    assert all(not n.valid for n in sec.body.children if n.name not in ("validation_bits",))
    assert not section_findings(rec, index)


def test_fatal_severity_reaches_the_summary():
    rec = decode_record((DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes())
    assert rec.sections[0].summary.startswith("Fatal memory error")


# -- bodies built here -------------------------------------------------------------------------------------
def memory_body(valid: int, *, status=0x0400, pa=0x12345000, mask=0xFFFFFFFFFFFFF000, node=0, card=1,
                module=3, bank=2, device=4, row=0x1A2, column=0x40, bit=7, req=0, resp=0, target=0,
                etype=2, ext=0, rank=1, card_handle=0x10, module_handle=0x11) -> bytes:
    return struct.pack("<QQQQHHHHHHHHQQQBBHHH", valid, status, pa, mask, node, card, module, bank, device,
                       row, column, bit, req, resp, target, etype, ext, rank, card_handle, module_handle)


def _decode(guid, body, **kw):
    rec = decode_record(build_record(guid, body, **kw))
    check_located(rec)
    return rec, rec.sections[0]


def test_summary_names_type_address_and_location():
    valid = 1 | 2 | 8 | 16 | 32 | 64 | 256 | 512 | 1 << 14  # status, PA, node-bank, row, column, type
    _rec, sec = _decode(MEMORY_GUID, memory_body(valid))
    assert sec.summary == ("Corrected single-bit ECC error at physical address 0x12345000 "
                           "(node 0, card 1, module 3, bank 2, row 418, column 64)")
    assert sec.location == {"physical_address": 0x12345000, "node": 0, "card": 1, "module": 3,
                            "bank": 2, "row": 0x1A2, "column": 0x40}


def test_all_sixteen_error_types_have_names():
    for et in range(16):
        _rec, sec = _decode(MEMORY_GUID, memory_body(1 << 14, etype=et))
        assert sec.fields["error_type"] == et
        assert not sec.fields["error_type_name"].startswith("Reserved")
    rec, sec = _decode(MEMORY_GUID, memory_body(1 << 14, etype=16))
    assert sec.fields["error_type_name"] == "Reserved (16)"
    assert [f.code for f in section_findings(rec)] == ["memory-error-type"]


def test_error_status_decoded_bit_by_bit():
    status = 26 << 8 | 1 << 16 | 1 << 18 | 1 << 20 | 1 << 22
    _rec, sec = _decode(MEMORY_GUID, memory_body(1, status=status))
    assert sec.fields["error_status"] == {
        "value": status, "error_type": 26, "error_type_name": "ERR_POISONED", "address": True,
        "control": False, "data": True, "responder": False, "requester": True, "first_error": False,
        "overflow": True}
    node = sec.body.find("error_status")
    bits = {c.name: (c.offset, c.bit_offset, c.bit_width, c.value) for c in node.children}
    assert bits["error_type"] == (209, 0, 8, 26)
    assert bits["overflow"] == (210, 6, 1, 1)


def test_extended_row_bank_group_and_chip_id():
    valid = 1 << 18 | 1 << 19 | 1 << 20 | 1 << 21 | 1 << 15 | 1 << 16 | 1 << 17
    ext = 0b101 << 5 | 0b11
    _rec, sec = _decode(MEMORY_GUID, memory_body(valid, row=0x1234, bank=0x0305, ext=ext))
    f = sec.fields
    assert f["row"] == 0x31234  # bits 16-17 from Extended
    assert f["extended"] == {"value": ext, "row_bit_16": True, "row_bit_17": True, "chip_identification": 5}
    assert f["chip_id"] == 5 and f["bank_group"] == 3 and f["bank_address"] == 5 and f["bank"] is None
    assert (f["rank"], f["card_handle"], f["module_handle"]) == (1, 0x10, 0x11)
    assert sec.location["bank_group"] == 3 and sec.location["row"] == 0x31234


def test_row_bits_8_and_18_together_note():
    rec, sec = _decode(MEMORY_GUID, memory_body(1 << 8 | 1 << 18, ext=1))
    assert [f.code for f in section_findings(rec)] == ["valid-bits-conflict"]
    assert sec.fields["row"] == 0x101A2


def test_legacy_73_byte_section():
    body = memory_body(1 << 14 | 1 << 3)[:73]
    rec, sec = _decode(MEMORY_GUID, body)
    assert [f.code for f in section_findings(rec)] == ["memory-legacy-73"]
    assert sec.fields["error_type"] == 2 and sec.body.find("extended") is None


def test_legacy_73_byte_section_with_valid_bits_beyond_it_warns():
    rec, _sec = _decode(MEMORY_GUID, memory_body(1 << 14 | 1 << 16)[:73])
    codes = {f.code: f.level for f in section_findings(rec)}
    assert codes == {"memory-legacy-73": "note", "valid-bits-beyond-structure": "warning"}


def test_76_byte_section_with_data_after_byte_73_is_a_short_80_byte_section():
    body = memory_body(1 << 15, rank=9)[:76]
    rec, sec = _decode(MEMORY_GUID, body)
    codes = [f.code for f in section_findings(rec)]
    assert codes[0] == "section-too-small" and sec.fields["rank"] == 9
    assert sec.body.find("card_handle") is None


def test_too_short_memory_section_is_an_error():
    rec, sec = _decode(MEMORY_GUID, memory_body(1 | 1 << 3)[:40])
    err = [f for f in section_findings(rec) if f.code == "section-too-small"]
    assert err[0].level == "error" and (err[0].offset, err[0].length) == (200, 40)
    assert sec.fields["node"] == 0 and sec.fields["card"] is None  # card at 34..36 fits, but not valid
    assert sec.body.find("card") is not None and sec.body.find("device") is None


def test_memory2_status_and_summary():
    body = struct.pack("<QQQQHHHHIIIIIBBBBQQQII", 1 | 2 | 8 | 1 << 10 | 1 << 13 | 1 << 14 | 1 << 20 | 1 << 21,
                       0x400, 0xABC000, 0, 2, 0, 0, 0x0102, 0, 0, 0, 3, 0, 0, 3, 1, 0, 0, 0, 0, 0, 0)
    _rec, sec = _decode(MEMORY2_GUID, body, severity=1)
    f = sec.fields
    assert f["status"] == {"value": 1, "uncorrected": True, "state": "uncorrected"}
    assert (f["bank_group"], f["bank_address"], f["rank"]) == (1, 2, 3)
    assert sec.summary == ("Uncorrected multi-bit ECC error at physical address 0xABC000 "
                           "(node 2, bank group 1, bank address 2, rank 3)")


# -- malformed input ---------------------------------------------------------------------------------------
BASE = memory_body(0x3FFFFF, ext=0xE3)


@settings(max_examples=150, deadline=None)
@given(guid=st.sampled_from([MEMORY_GUID, MEMORY2_GUID]), cut=st.integers(0, 100),
       flips=st.lists(st.tuples(st.integers(0, 95), st.integers(0, 255)), max_size=6),
       valid=st.integers(0, 2**64 - 1), declared_more=st.booleans())
def test_truncated_and_mutated_bodies_never_raise(guid, cut, flips, valid, declared_more):
    body = mutate(BASE + bytes(20), cut, flips, [(0, 8, valid)])
    decode_bad_body(guid, body, declared_length=len(body) + 16 if declared_more and body else None)
