"""Hex dumps, loose hex and base64 in text files and pasted text."""

from __future__ import annotations

import base64

import pytest
import sources_helpers as h
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.sources import iter_bytes, iter_path
from whea_gui.sources.hextext import parse_blocks, parse_pasted_text

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


def test_event_viewer_words_padding_stays_as_trailing_bytes():
    refs = list(iter_bytes(h.ev_words(ODD).encode(), "words.txt"))
    assert len(refs) == 1 and refs[0].data[:277] == ODD and refs[0].data[277:] == b"\0\0\0"


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


def test_prose_only_is_an_error_for_paste_and_a_warning_for_files():
    with pytest.raises(ValueError, match="No hex or base64"):
        parse_pasted_text("The machine rebooted twice, no idea why.")
    problems = []
    text = b"The machine rebooted twice, no idea why.\n"
    refs = list(iter_bytes(text, "notes.txt", problems.append))
    # opened directly it is still shown (as bytes that are not a record); folder walks skip it
    assert [(r.data, r.source["format"]) for r in refs] == [(text, "unknown")]
    assert problems and problems[0].path == "notes.txt" and problems[0].level == "warning"


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
