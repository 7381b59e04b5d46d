"""Hex dumps, loose hex and base64 in text files and pasted text."""

from __future__ import annotations

import base64

import pytest
import sources_helpers as h
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.sources import iter_bytes, iter_path
from whea_gui.sources.hextext import parse_blocks, parse_pasted_text, scan_text

REC = (h.DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()  # 936 bytes, a multiple of 8
ODD = (h.DWR / "cper_memory_1sec_padded.bin").read_bytes()  # 277 bytes
WHLG = (h.DWR / "whlg_edpc_enabled.bin").read_bytes()  # 34 bytes

STYLES = {
    "event viewer bytes": h.ev_bytes,
    "event viewer words": h.ev_words,
    "windbg db": h.windbg_db,
    "windbg dw": lambda d: h.windbg_words(d, 2),
    "windbg dd": lambda d: h.windbg_words(d, 4),
    "windbg dq": lambda d: h.windbg_words(d, 8),
    "xxd": h.xxd,
    "hexdump -C": h.hexdump_c,
    "forum spaced": h.forum_spaced,
    "forum 0x commas": h.forum_0x,
    "continuous hex": lambda d: d.hex(),
    "base64 wrapped": h.b64_wrapped,
}


@pytest.mark.parametrize("style", STYLES)
def test_each_style_gives_the_record_back(style):
    text = STYLES[style](REC)
    assert parse_pasted_text(text) == REC
    refs = list(iter_bytes(text.encode(), "paste.txt"))
    assert [r.data for r in refs] == [REC]
    assert refs[0].source["kind"] == "text" and refs[0].source["line"] == 1


@pytest.mark.parametrize("style", ["event viewer bytes", "windbg db", "xxd", "hexdump -C", "forum spaced"])
def test_byte_styles_with_a_partial_last_line(style):
    assert parse_pasted_text(STYLES[style](ODD)) == ODD


def test_event_viewer_words_padding_is_cut_at_the_record_length():
    # "In Words" shows whole dwords: the last one of a 277-byte record carries 3 filler bytes
    problems = []
    refs = list(iter_bytes(h.ev_words(ODD).encode(), "words.txt", problems.append))
    assert [r.data for r in refs] == [ODD]
    assert [p.level for p in problems] == ["note"] and "length (277)" in problems[0].message


def test_xxd_group_of_four_bytes_is_read_in_byte_order_when_that_gives_a_signature():
    # "xxd -g4" writes bytes in order, which looks like "In Words" without the little-endian swap
    lines = []
    for i in range(0, len(REC), 16):
        chunk = REC[i:i + 16]
        lines.append(f"{i:08x}: " + " ".join(chunk[j:j + 4].hex() for j in range(0, 16, 4)))
    assert parse_pasted_text("\n".join(lines)) == REC


def test_forum_post_with_prose_label_and_c_array_of_dwords():
    words = ", ".join(f"0x{int.from_bytes(REC[i:i + 4], 'little'):08X}" for i in range(0, len(REC), 4))
    text = ("Hi all, my PC keeps crashing. Event Viewer shows this:\n\n"
            f"RawData: {WHLG.hex().upper()}\n\nand the other one as a C array:\n"
            f"uint32_t rec[] = {{ {words} }};\nThanks!\n")
    blocks = parse_blocks(text)
    assert [b.data for b in blocks] == [WHLG, REC]
    refs = list(iter_bytes(text.encode(), "post.txt"))
    assert [r.data for r in refs] == [WHLG, REC]
    assert [r.source["line"] for r in refs] == [3, 6]


def test_two_dumps_with_restarting_offsets_are_two_blocks():
    text = h.ev_bytes(WHLG) + "\n\n" + h.ev_bytes(REC)
    blocks = parse_blocks(text)
    assert [b.data for b in blocks] == [WHLG, REC]


def test_windbg_session_joins_contiguous_db_commands():
    base = 0xFFFFA00012345000
    text = ("0: kd> db ffffa000`12345000 L100\n" + h.windbg_db(REC[:256], base)
            + "\n0: kd> db ffffa000`12345100 L2a8\n" + h.windbg_db(REC[256:], base + 256))
    assert parse_pasted_text(text) == REC


def test_base64_file_in_utf16_with_bom(tmp_path):
    path = tmp_path / "record.b64"
    path.write_bytes(b"\xff\xfe" + base64.b64encode(REC).decode().encode("utf-16-le"))
    refs = list(iter_path(path))
    assert [r.data for r in refs] == [REC] and refs[0].source["encoding"] == "base64"


def test_malformed_base64_of_valid_record_vector():
    data = (h.VECTORS / "malformed" / "m26-base64-of-valid-record.cper").read_bytes()
    refs = list(iter_bytes(data, "m26"))
    assert len(refs) == 1 and refs[0].data[:4] == b"CPER" and refs[0].source["encoding"] == "base64"


def test_libcper_cperhex_files_match_their_binaries():
    ex = h.VECTORS / "libcper-examples"
    for hexfile in sorted(ex.glob("*.cperhex")):
        assert parse_pasted_text(hexfile.read_text()) == hexfile.with_suffix(".cper").read_bytes(), hexfile


def test_blocks_without_a_signature_are_skipped_when_others_have_one():
    text = "Keywords: 0x8000000000000000\nThe record:\n" + h.forum_spaced(REC)
    problems = []
    refs = list(iter_bytes(text.encode(), "t.txt", problems.append))
    assert [r.data for r in refs] == [REC]
    assert any(p.level == "note" and "line 1" in p.message for p in problems)


def test_prose_only_is_an_error_for_paste_and_reported_not_decoded_for_files():
    with pytest.raises(ValueError, match="No hex or base64"):
        parse_pasted_text("The machine rebooted twice, no idea why.")
    problems = []
    text = b"The machine rebooted twice, no idea why.\n"
    refs = list(iter_bytes(text, "notes.txt", problems.append))
    # text is never decoded as a record from its own characters ("Signature: The ")
    assert refs == []
    assert [(p.path, p.level) for p in problems] == [("notes.txt", "warning")]
    assert "no hex or base64 record data" in problems[0].message


@pytest.mark.parametrize("text", [
    '<Data Name="Length">277</Data>',
    '<Event><EventData><Data Name="ErrorSource">3</Data></EventData></Event>',
    "<Binary></Binary> was empty in the event",
    "Name,Value\nLength,277\nErrorSource,3\n",
])
def test_text_without_record_data_never_becomes_a_record_of_its_characters(text, tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_text(text)
    problems = []
    assert list(iter_path(path, problems.append)) == []
    assert problems and all(p.path == str(path) for p in problems)
    assert not any("internal" in p.message for p in problems)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=600).map(lambda b: b"CPER" + b), st.sampled_from(
    ["event viewer bytes", "windbg db", "xxd", "hexdump -C", "forum spaced", "forum 0x commas",
     "continuous hex", "base64 wrapped"]))
def test_round_trip_property(data, style):
    assert parse_pasted_text(STYLES[style](data)) == data


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=4, max_size=400).map(lambda b: (b"WhLg" + b)[: (len(b) + 4) // 8 * 8]),
       st.sampled_from(["event viewer words", "windbg dd", "windbg dq", "windbg dw"]))
def test_word_dumps_round_trip_property(data, style):
    assert parse_pasted_text(STYLES[style](data)) == data


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_any_text_never_raises(text):
    for ref in iter_bytes(text.encode("utf-8", "replace"), "t"):
        assert isinstance(ref.data, bytes)


# -- issue #15: stray text beside a record -------------------------------------------------------
CMC = (h.DWR / "cper_cmc_amd_xpfmca_v2r1.bin").read_bytes()  # 928 bytes, zero rows in the middle


def _xxd_p(data: bytes) -> str:
    hx = data.hex()
    return "\n".join(hx[i:i + 60] for i in range(0, len(hx), 60))


@pytest.mark.parametrize("text, line, column", [
    (CMC.hex() + "a", 1, 1857),
    (_xxd_p(CMC) + "a", 31, 57),
    (_xxd_p(CMC) + "\na", 32, None),
    (h.forum_spaced(CMC) + " a", 39, 49),
    (h.forum_0x(CMC) + ", 0xZZ", 78, 25),
])
def test_a_stray_nibble_after_a_record_keeps_the_record_and_names_the_line(text, line, column):
    problems = []
    refs = list(iter_bytes(text.encode(), "paste.txt", problems.append))
    assert [r.data for r in refs] == [CMC]
    assert len(problems) == 1 and problems[0].level == "warning"
    assert problems[0].message.startswith(f"line {line}: ")
    if column:
        assert f"column {column}: " in problems[0].message
    assert parse_pasted_text(text) == CMC


def test_prose_around_a_dump_is_ignored_and_garbage_lines_are_named():
    text = ("Here is the record from the server:\n" + h.hexdump_c(CMC) + "\n3\nthanks\n")
    problems = []
    refs = list(iter_bytes(text.encode(), "post.txt", problems.append))
    assert [r.data for r in refs] == [CMC]
    assert [p.message for p in problems] == [
        "line 60: '3' has an odd number of hex digits (1); left out"]


# -- offsets place the bytes ----------------------------------------------------------------
def _hexdump_cv(data: bytes) -> list[str]:
    return h.hexdump_c(data).split("\n")


def test_a_missing_dump_line_is_an_error_naming_the_line_and_its_bytes_are_marked():
    lines = _hexdump_cv(CMC)
    del lines[10]  # offset 0xa0 gone
    problems = []
    scan = scan_text("\n".join(lines))
    problems = [(p.line, p.level) for p in scan.problems]
    assert problems == [(11, "error")]
    assert "offset 0xb0 skips 16 bytes after line 10" in scan.problems[0].message
    # inside the record: the offsets place every later byte, so the row is read as 00 and
    # marked (audit 4, A4-12), not a split that loses the rest of the record
    expect = bytearray(CMC)
    expect[0xA0:0xB0] = bytes(16)
    assert [(b.line, b.data) for b in scan.blocks] == [(1, bytes(expect))]
    assert [u[:2] for u in scan.blocks[0].unknown] == [(0xA0, 16)]


def test_an_offset_going_back_starts_another_dump_with_a_warning():
    lines = _hexdump_cv(CMC)
    lines[5:5] = lines[2:5]  # lines 3-5 pasted again after line 5: not just the row above
    scan = scan_text("\n".join(lines))
    assert [(p.line, p.level) for p in scan.problems] == [(6, "warning")]
    assert "offset 0x20 goes back from 0x50" in scan.problems[0].message
    assert [len(b.data) for b in scan.blocks] == [80, 928 - 32]


def test_star_repeats_the_line_above_up_to_the_next_offset():
    text = ("00000000  43 50 45 52 00 00 00 00  00 00 00 00 00 00 00 00  |CPER............|\n"
            "00000010  01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10  |................|\n"
            "*\n"
            "00000040  ff                                                |.|\n"
            "00000041\n")
    scan = scan_text(text)
    assert scan.problems == []
    (block,) = scan.blocks
    row = bytes(range(1, 17))
    assert block.data == b"CPER" + bytes(12) + row * 3 + b"\xff"
    # provenance: the repeated bytes come from the '*' line, the rest from their own lines
    assert [block.line_at(p) for p in (0, 16, 32, 47, 48, 64)] == [1, 2, 3, 3, 3, 4]
    assert [block.dump_offset_at(p) for p in (0, 33, 64)] == [0, 33, 64]


def test_star_without_a_following_offset_is_reported_and_the_lines_above_are_kept():
    text = "\n".join(h.hexdump_c(CMC).split("\n")[:3]) + "\n*\n"
    scan = scan_text(text)
    assert [b.data for b in scan.blocks] == [CMC[:48]]
    assert [(p.line, p.level) for p in scan.problems] == [(4, "warning")]
    assert "number of repeated lines is unknown" in scan.problems[0].message


def test_star_over_bytes_no_record_can_hold_is_not_made_and_a_partial_line_is_an_error():
    head = "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n"
    scan = scan_text(head + "100000000\n")  # 4 GiB of zeros: no record there, so nothing is made
    assert [len(b.data) for b in scan.blocks] == [16] and scan.problems == []
    scan = scan_text(head + "00000028\n")  # 24 bytes: not whole 16-byte lines
    assert [len(b.data) for b in scan.blocks] == [16]
    assert "not a whole number of 16-byte lines" in scan.problems[0].message
    # a record that needs the run, past the limit: an error naming the '*' line
    rec = "00000000  43 50 45 52 01 01 ff ff  ff ff 01 00 01 00 00 00  |CPER............|\n"
    rec += "00000010  00 00 00 00 00 00 40 00  00 00 00 00 00 00 00 00  |......@.........|\n*\n"
    scan = scan_text(rec + "00400000\n", expand_limit=1 << 20)  # RecordLength 4 MiB
    assert [(p.line, p.level) for p in scan.problems] == [(3, "error")]
    assert "more than the 1048576 bytes" in scan.problems[0].message


def test_od_octal_offsets_are_told_apart_from_hex_even_across_stars():
    # od's default offsets are octal: 0000020 follows 16 bytes, 0000140 is byte 96
    zeros = "00 " * 15 + "00"
    text = (f"0000000 43 50 45 52 {zeros[12:]}\n0000020 {zeros}\n*\n0000140 00 00 00 00\n"
            "0000144\n")
    scan = scan_text(text)
    assert [b.data for b in scan.blocks] == [b"CPER" + bytes(96)] and scan.problems == []
    # only '*' between the lines: hex would fit too, but seven digits with bytes is od's octal
    text = f"0000000 {zeros}\n*\n0000140 00 00 00 00\n0000144\n"
    assert [b.data for b in scan_text(text).blocks] == [bytes(100)]
    # hexdump's own (16-bit words, seven hex digits) stays hex
    text = "0000000 0000 0000 0000 0000 0000 0000 0000 0000\n*\n0000060 0000 0000\n0000064\n"
    assert [b.data for b in scan_text(text).blocks] == [bytes(100)]


def test_lines_of_loose_hex_with_a_number_first_are_not_taken_for_offsets():
    # "4350 4552 ..." (single spaces, offsets that do not follow) is loose hex, not a dump
    text = "\n".join(" ".join(CMC[i + j:i + j + 2].hex() for j in range(0, 16, 2))
                     for i in range(0, len(CMC), 16))
    assert parse_pasted_text(text) == CMC


def test_several_formats_in_one_text_keep_their_order_and_lines():
    text = "\n".join(["first:", h.hexdump_c(CMC), "second:", h.xxd(WHLG), "third:",
                      h.b64_wrapped(ODD), "fourth:", h.ev_bytes(REC)])
    refs = list(iter_bytes(text.encode(), "mixed.txt"))
    assert [r.data for r in refs] == [CMC, WHLG, ODD, REC]
    lines = text.split("\n")
    for ref in refs:
        assert lines[ref.source["line"] - 2].endswith(":")  # each starts right after its label
    assert [r.source["style"] for r in refs] == ["dump-8", "dump-16-bytes", "base64", "dump-8"]


def test_each_record_of_a_dump_gets_the_line_and_offset_of_its_first_byte():
    data = (h.VECTORS / "malformed" / "m23-two-records-concatenated.cper").read_bytes()
    first = int.from_bytes(data[20:24], "little")
    refs = list(iter_bytes(h.hexdump_c(data).encode(), "two.txt"))
    assert [r.source["offset"] for r in refs] == [0, first]
    assert [r.source["dump_offset"] for r in refs] == [0, first]
    assert [r.source["line"] for r in refs] == [1, first // 16 + 1]
    assert all(r.source["block_line"] == 1 for r in refs)


def test_base64_whose_last_line_looks_like_hex_is_read_whole():
    data = CMC + bytes(41)  # 17 lines of 76 characters, the last "AAAA…": all hex digits
    text = h.b64_wrapped(data)
    assert text.rsplit("\n", 1)[1] == "A" * 76
    assert parse_pasted_text(text) == data
    # a line right under it that does not complete it is named and left out
    scan = scan_text(text + "\n435045521")
    assert [b.data for b in scan.blocks] == [data]
    assert [p.line for p in scan.problems] == [text.count("\n") + 2]


def test_decimal_byte_list_is_one_message_when_it_cannot_be_bytes():
    values = "\n".join(str(b) for b in REC)
    # a value above 255: one error naming its line, no record, no line-by-line noise
    problems = []
    bad = values.replace("\n255\n", "\n256\n", 1)
    assert list(iter_bytes(bad.encode(), "list.txt", problems.append)) == []
    assert len(problems) == 2 and "256" in problems[0].message and problems[0].level == "error"
    line = bad.splitlines().index("256") + 1
    assert f"line {line} " in problems[0].message
    # too short to be a record: one message
    problems = []
    assert list(iter_bytes(b"67\n80\n69\n82\n2\n1\n", "short.txt", problems.append)) == []
    assert problems[0].level == "error" and "decimal" in problems[0].message
    # blank lines inside keep each byte's line
    spaced = values.replace("\n", "\n\n", 3)
    refs = list(iter_bytes(spaced.encode(), "list.txt"))
    assert [r.data for r in refs] == [REC] and refs[0].source["line"] == 1
    # two-digit-only lines stay hex (xxd -p -c1 of bytes that are all digits)
    hexish = "\n".join(["43", "50", "45", "52"] * 40)
    assert scan_text(hexish).blocks[0].data == bytes.fromhex("43504552") * 40


def test_base64_one_record_per_line_gives_every_record():
    """An outside tester: `base64 -w0` lines one under another lost all but the first record."""
    import base64 as b64
    records = [p.read_bytes() for p in sorted((h.VECTORS / "libcper-generated" / "generic").glob("00[0-4].cper"))]
    lines = [b64.b64encode(r).decode() for r in records]
    problems = []
    refs = list(iter_bytes(("\n".join(lines) + "\n").encode(), "b64.txt", problems.append))
    assert [r.data for r in refs] == records
    assert [r.source["line"] for r in refs] == [1, 2, 3, 4, 5]
    assert not [p for p in problems if p.level != "note"]
    # wrapped at 76 columns (GNU base64's default), two records back to back
    wrapped = "".join(b64.encodebytes(r).decode() for r in records[:2])
    assert [r.data for r in iter_bytes(wrapped.encode(), "w.txt")] == records[:2]
