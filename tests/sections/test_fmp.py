"""FRU Memory Poison section (§6.17): checksum, descriptors, counts, bad input (built bodies: libcper
has no FMP decoder, so there is no oracle)."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import build_record, check_located, decode_bad_body, mutate, section_findings

from whea_gui.core.guids import LINUX_FMP_CREATOR
from whea_gui.decode import decode_record
from whea_gui.formats.sections.fmp import FMP_GUID


def fmp_body(entries, *, count=None, valid=0x3F, checksum=None, pad=0) -> bytes:
    count = len(entries) if count is None else count
    rest = struct.pack("<QIQIQI", valid, 0, 0x00A10F11, 0, 0x1122334455667788, count)
    rest += b"".join(struct.pack("<QIQIQ", ts, 0, ipid, 0, addr) for ts, ipid, addr in entries)
    rest += bytes(pad)
    if checksum is None:
        checksum = -sum(rest) & 0xFFFFFFFF
    return struct.pack("<I", checksum) + rest


def _decode(body, **kw):
    rec = decode_record(build_record(FMP_GUID, body, **kw))
    check_located(rec)
    return rec, rec.sections[0]


def test_descriptors_checksum_and_summary():
    entries = [(1_700_000_000, 0x1000, 0x12345000), (1_700_000_100, 0x1001, 0x6789A000)]
    rec, sec = _decode(fmp_body(entries))
    f = sec.fields
    assert f["checksum_ok"] is True
    assert (f["fru_architecture"], f["fru_id"], f["poison_list_entries"]) == (0x00A10F11, 0x1122334455667788, 2)
    assert f["poison_list"][1] == {"timestamp": 1_700_000_100, "hw_id_type": 0, "hw_id": 0x1001,
                                   "address_type": 0, "address": 0x6789A000}
    assert sec.summary == ("FRU memory poison record for FRU 0x1122334455667788: 2 poisoned addresses "
                           "(first 0x12345000)")
    assert sec.component == "memory" and sec.location["fru_id"] == 0x1122334455667788
    assert not section_findings(rec)
    node = sec.body.find("poison_list.descriptor_1.address")
    assert (node.offset, node.length) == (200 + 40 + 32 + 24, 8)


def test_bad_checksum_warns_with_expected_value():
    good = fmp_body([(1, 2, 3)])
    rec, sec = _decode(fmp_body([(1, 2, 3)], checksum=0xDEADBEEF))
    warn = [f for f in section_findings(rec) if f.code == "fmp-checksum"]
    assert warn and (warn[0].offset, warn[0].length) == (200, 4)
    assert f"0x{struct.unpack_from('<I', good)[0]:08X}" in warn[0].message
    assert sec.fields["checksum_ok"] is False


def test_entry_count_beyond_the_section_is_an_error():
    rec, sec = _decode(fmp_body([(1, 2, 3)], count=0xFFFFFFFF))
    err = [f for f in section_findings(rec) if f.code == "count-exceeds-section"]
    assert err and err[0].level == "error" and (err[0].offset, err[0].length) == (236, 4)
    assert len(sec.fields["poison_list"]) == 1


def test_linux_fmpm_record_quirk_c17():
    """Linux writes SectionOffset 128 for its FMP records; the core places the body after the
    descriptor, and the FMP decoder reads it there."""
    body = fmp_body([(5, 6, 0xABC000)])
    data = bytearray(build_record(FMP_GUID, body, creator=LINUX_FMP_CREATOR))
    data[128:132] = struct.pack("<I", 128)
    rec = decode_record(bytes(data))
    check_located(rec)
    assert rec.sections[0].fields["poison_list"][0]["address"] == 0xABC000


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(0, 120), flips=st.lists(st.tuples(st.integers(0, 119), st.integers(0, 255)),
                                                max_size=6),
       count=st.integers(0, 2**32 - 1), declared_more=st.booleans())
def test_truncated_and_mutated_bodies_never_raise(cut, flips, count, declared_more):
    body = mutate(fmp_body([(1, 2, 3), (4, 5, 6)], pad=16), cut, flips, [(36, 4, count)])
    decode_bad_body(FMP_GUID, body, declared_length=len(body) + 32 if declared_more and body else None)


def test_fields_whose_validation_bit_is_clear_are_null():
    # bits 1 (architecture value), 3 (FRU id) and 4 (entry count) set; types and the list not valid
    rec, sec = _decode(fmp_body([(1, 2, 3)], valid=0x1A))
    f = sec.fields
    assert f["fru_architecture_type"] is None and f["fru_id_type"] is None
    assert f["poison_list"] is None
    assert (f["fru_architecture"], f["fru_id"], f["poison_list_entries"]) == (0x00A10F11, 0x1122334455667788, 1)
    assert sec.body.find("poison_list").valid is False  # the bytes stay in the tree, marked
    assert "poisoned address" not in sec.summary
