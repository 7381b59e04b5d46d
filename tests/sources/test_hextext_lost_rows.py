"""Hex text that lost or repeated a row, or has one bad pair in plain hex, while the offsets
(or the byte position) still place every later byte (audit 4, A4-12). The dumps are made from
a shared vector the way ``hexdump -Cv``, ``xxd`` and ``xxd -p`` write them."""

from __future__ import annotations

import pytest
import sources_helpers as h

from whea_gui.decode.record import decode_record
from whea_gui.sources import iter_bytes

FATAL = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()  # 1019 bytes
CMC = (h.DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()
ROW = 0x2C0  # the audit's row: the XPF MCA section's CPU number (11) starts here


def _read(text: str, path: str = "dump.txt"):
    problems = []
    refs = list(iter_bytes(text.encode(), path, problems.append))
    return refs, problems


def _unread(ref) -> list:
    rec = decode_record(ref.data, source=ref.source)
    return [f for f in rec.findings if f.code == "bytes-unread"]


def _zeroed(data: bytes, start: int, length: int) -> bytes:
    out = bytearray(data)
    out[start:start + length] = bytes(length)
    return bytes(out)


@pytest.mark.parametrize("dump", [h.hexdump_c, h.xxd], ids=["hexdump -C", "xxd"])
def test_a_missing_row_inside_the_record_is_read_as_unread_zeros(dump):
    lines = dump(FATAL).split("\n")
    del lines[ROW // 16]  # line 45 gone: line 45 is now the row at 0x2d0
    refs, problems = _read("\n".join(lines))
    assert [r.data for r in refs] == [_zeroed(FATAL, ROW, 16)]  # 1019 bytes, each in its place
    assert [(p.level, p.offset) for p in problems] == [("error", None)]
    assert str(problems[0]).startswith("dump.txt: line 45: offset 0x2d0 skips 16 bytes after line 44 "
                                       "(which ends at 0x2c0) with no '*' line: 1 row(s) missing")
    assert "read as 00 at dump offsets 0x2c0–0x2cf" in problems[0].message
    unread = _unread(refs[0])
    assert [(f.offset, f.length, f.level) for f in unread] == [(ROW, 16, "error")]
    assert unread[0].message.startswith("bytes 704–719 (dump offset 0x2c0) are not from the input: "
                                        "the dump has no line for them (line 45")
    assert len(decode_record(refs[0].data).sections) == 4


def test_two_missing_rows_in_a_row_and_one_elsewhere():
    lines = h.hexdump_c(FATAL).split("\n")
    for index in (60, 45, 44, 10):  # rows 0xa0, 0x2c0, 0x2d0, 0x3c0; deleted from the end
        del lines[index]
    refs, problems = _read("\n".join(lines))
    expect = _zeroed(_zeroed(_zeroed(FATAL, 0xA0, 16), ROW, 32), 0x3C0, 16)
    assert [r.data for r in refs] == [expect]
    assert [p.level for p in problems] == ["error"] * 3
    assert "2 row(s) missing" in problems[1].message
    assert [(f.offset, f.length) for f in _unread(refs[0])] == [(0xA0, 16), (ROW, 32), (0x3C0, 16)]


def test_a_row_pasted_twice_is_dropped_with_a_warning():
    lines = h.xxd(FATAL).split("\n")
    lines.insert(ROW // 16 + 1, lines[ROW // 16])  # as the audit's t2: line 46 repeats line 45
    refs, problems = _read("\n".join(lines), "twice.txt")
    assert [r.data for r in refs] == [FATAL]
    assert [(p.level, str(p)) for p in problems] == [
        ("warning", "twice.txt: line 46: offset 0x2c0 is line 45's again, with the same bytes: a line "
                    "pasted twice; this copy is left out")]
    assert _unread(refs[0]) == []


def test_a_row_repeated_with_other_bytes_keeps_the_first_with_an_error():
    lines = h.hexdump_c(FATAL).split("\n")
    other = lines[ROW // 16].replace("0b 00 00 00", "0c 00 00 00", 1)
    assert other != lines[ROW // 16]
    lines.insert(ROW // 16 + 1, other)
    refs, problems = _read("\n".join(lines))
    assert [r.data for r in refs] == [FATAL]  # line 45's bytes, the first ones
    assert [(p.level, p.message) for p in problems] == [
        ("error", "line 46: offset 0x2c0 is line 45's again, with other bytes: which is right is not known; "
                  "line 45's bytes are kept and this line's are left out")]


def test_one_bad_pair_in_one_line_of_plain_hex_keeps_the_record():
    text = FATAL.hex()
    text = text[:1400] + "g1" + text[1402:]  # the audit's t4: byte 700 typed as 'g1'
    refs, problems = _read(text + "\n", "plain.txt")
    assert [r.data for r in refs] == [_zeroed(FATAL, 700, 1)]
    assert [(p.level, str(p)) for p in problems] == [
        ("error", "plain.txt: line 1: column 1401: 'g1' (byte 700 of the hex from line 1) is not a hex byte: "
                  "read as 00 so the bytes after it keep their places; a record that holds it is marked")]
    unread = _unread(refs[0])
    assert [(f.offset, f.length) for f in unread] == [(700, 1)]
    assert "line 1, column 1401 shows 'g1'" in unread[0].message


def test_bad_pairs_in_xxd_p_lines_are_placed_by_byte_position():
    lines = [FATAL[i:i + 30].hex() for i in range(0, len(FATAL), 30)]  # xxd -p: 30 bytes a line
    lines[3] = lines[3][:10] + "?z" + lines[3][12:]  # byte 95
    lines[20] = lines[20][:41] + "x" + lines[20][42:]  # the second digit of byte 620: '3x'
    refs, problems = _read("\n".join(lines) + "\n")
    assert [r.data for r in refs] == [_zeroed(_zeroed(FATAL, 95, 1), 620, 1)]
    assert [(p.message.split(":")[0], p.level) for p in problems] == [("line 4", "error"), ("line 21", "error")]
    assert "column 11: '?z' (byte 95 of the hex from line 1)" in problems[0].message
    assert f"column 41: '{FATAL[620:621].hex()[0]}x' (byte 620 of the hex from line 1)" in problems[1].message
    assert [(f.offset, f.length) for f in _unread(refs[0])] == [(95, 1), (620, 1)]


# -- what still splits ------------------------------------------------------------------------
def test_an_offset_that_skips_part_of_a_row_still_splits_the_dump():
    lines = h.hexdump_c(FATAL).split("\n")
    lines[45] = "000002d8" + lines[45][8:]  # mistyped: 8 bytes after 0x2d0 is not whole rows
    refs, problems = _read("\n".join(lines))
    assert [len(r.data) for r in refs] == [0x2D0]
    assert "offset 0x2d8 skips 8 bytes after line 45" in problems[0].message
    assert "so the dump is split here" in problems[0].message


def test_rows_missing_after_a_record_ends_are_not_made_up():
    # a dump of FATAL at 0 and CMC at 0x800 with the rows between them cut out: whole rows are
    # missing, but no record above reaches them, so it is another record, split as before
    image = FATAL + bytes(0x800 - len(FATAL)) + CMC
    lines = h.hexdump_c(image).split("\n")
    del lines[0x40:0x80]
    refs, problems = _read("\n".join(lines))
    # the first block is its rows up to 0x400: the record and 5 zeros after it (trailing data)
    assert [(r.data, r.source["dump_offset"]) for r in refs] == [(FATAL + bytes(5), 0), (CMC, 0x800)]
    assert [p.level for p in problems] == ["error"] and problems[0].message.startswith("line 65: ")
    assert "skips 1024 bytes after line 64" in problems[0].message and "split here" in problems[0].message


def test_words_with_few_hex_pairs_around_them_are_not_taken_for_hex():
    # 8 bytes, a word, 4 bytes: too little hex around it for a typo, so the old rule says it
    refs, problems = _read(FATAL[:128].hex() + "\n0011223344556677ok99aabbcc\n")
    assert any("'ok99aabbcc' after the hex is not hex bytes; left out" in p.message for p in problems)


def test_a_dump_started_again_at_the_same_address_is_another_dump():
    # the row above is all its dump had, or the new row begins a record: a second dump of the
    # same memory (WinDbg 'db' twice), not a row pasted twice with other bytes
    one_row = h.windbg_db(CMC[:16])
    for text in (one_row + "\n\n" + h.windbg_db(FATAL),
                 h.windbg_db(CMC[:48]) + "\n" + h.windbg_db(FATAL, base=0xFFFFF8021A2B3C40 + 32)):
        refs, problems = _read(text)
        assert FATAL in [r.data for r in refs]
        assert not [p for p in problems if "again, with other bytes" in p.message]
