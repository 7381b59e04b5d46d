"""Dumps of big, mostly empty images and dumps with unreadable bytes (audit 2, M5 and M4).

The dumps are ``hexdump -C`` text of real records (shared vectors) placed in images of zeros,
squeezed with '*' the way hexdump writes them (``sources_helpers.hexdump_c_squeezed``, checked
against the real tool where it is installed).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sources_helpers as h

from whea_gui.sources import iter_bytes
from whea_gui.sources.hextext import scan_text

ZEN4 = (h.DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes()  # 2063 bytes, zero runs inside
FATAL = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
WHLG = (h.DWR / "whlg_edpc_enabled.bin").read_bytes()
MIB = 1 << 20


def _read(text: str, path: str = "dump.txt"):
    problems = []
    refs = list(iter_bytes(text.encode(), path, problems.append))
    return refs, problems


@pytest.mark.skipif(shutil.which("hexdump") is None, reason="hexdump not installed")
def test_the_squeezed_dump_helper_writes_what_hexdump_writes():
    pieces, total = [(0x40, ZEN4), (0x2000, WHLG)], 0x3000
    image = bytearray(total)
    for offset, data in pieces:
        image[offset:offset + len(data)] = data
    real = subprocess.run(["hexdump", "-C"], input=bytes(image), capture_output=True, check=True).stdout
    assert h.hexdump_c_squeezed(pieces, total) == real.decode()


def test_zero_runs_with_no_record_make_no_record():
    # 20 one-MiB zero runs, as in the audit's input: nothing there is a record
    text = h.hexdump_c_squeezed([(i * MIB, bytes(16)) for i in range(20)], 20 * MIB)
    refs, problems = _read(text, "zeros.txt")
    assert refs == []
    assert [p.level for p in problems] == ["warning"]
    msg = str(problems[0])
    assert msg.startswith("zeros.txt: no CPER or WhLg signature in ")
    assert "line 1 at dump offsets 0x0–" in msg and "nothing to decode" in msg
    # the runs were not made: a few lines' bytes, not 20 MiB
    assert sum(len(b.data) for b in scan_text(text).blocks) < 64 << 10


def test_a_star_over_gigabytes_keeps_the_records_at_their_dump_offsets():
    at_zen4, at_fatal, at_whlg = 0x10_0040, 0x1_0000_2000, 0x2_4000_0000  # past 4 GiB
    total = 0x3_0000_0000  # a 12 GiB image: '*' lines stand for nearly all of it
    text = h.hexdump_c_squeezed([(at_zen4, ZEN4), (at_fatal, FATAL), (at_whlg, WHLG)], total)
    refs, problems = _read(text)
    assert [r.data for r in refs] == [ZEN4, FATAL, WHLG]
    assert [r.source["dump_offset"] for r in refs] == [at_zen4, at_fatal, at_whlg]
    lines = text.split("\n")
    for ref, at in zip(refs, (at_zen4, at_fatal, at_whlg)):
        assert lines[ref.source["line"] - 1].startswith(f"{at:08x}  ")
    assert not [p for p in problems if p.level != "note"], [str(p) for p in problems]
    # memory: the records and the lines around them, not the gigabytes '*' stands for
    assert sum(len(b.data) for b in scan_text(text).blocks) < 1 << 20


def test_zero_runs_inside_a_record_are_still_made_in_full():
    # ZEN4 has runs of zero lines inside its sections: a '*' within a record's length is part of it
    text = h.hexdump_c_squeezed([(0x200000, ZEN4)], 0x400000)
    inside = text.split("00200000  ", 1)[1].split("\n00200810")[0]
    assert "\n*\n" in inside  # hexdump squeezed lines inside the record
    refs, _ = _read(text)
    assert [r.data for r in refs] == [ZEN4]
    assert refs[0].source["dump_offset"] == 0x200000


def test_a_record_that_needs_more_than_the_budget_is_split_with_an_error():
    # a header that claims 32 MiB, and a '*' over them: the run inside the record is more than
    # the 16 MiB the text may expand, so the dump is split at the '*' line, which is named
    claimed = bytearray(ZEN4)
    claimed[20:24] = (32 * MIB).to_bytes(4, "little")
    text = h.hexdump_c_squeezed([(0, bytes(claimed))], 48 * MIB)
    scan = scan_text(text)
    errors = [p for p in scan.problems if p.level == "error"]
    assert len(errors) == 1 and "more than the 16777216 bytes" in errors[0].message
    assert text.split("\n")[errors[0].line - 1] == "*"
    assert sum(len(b.data) for b in scan.blocks) < 1 << 20


def test_a_signature_split_by_a_star_run_is_still_found():
    # the repeated line ends in "CP" and the line after the run starts "ER...": the last copy
    # is kept so the record's signature is whole
    unit = bytes(14) + b"CP"
    lines = [f"00000000  {_hex(unit[:8])}  {_hex(unit[8:])}  |..............CP|", "*"]
    rec = ZEN4[2:]
    body = [rec[i:i + 16] for i in range(0, len(rec), 16)]
    start = 0x200000
    for i, chunk in enumerate(body):
        lines.append(f"{start + 16 * i:08x}  {_hex(chunk[:8]).ljust(23)}  {_hex(chunk[8:]).ljust(23)}  |{h._ascii(chunk)}|")
    refs, problems = _read("\n".join(lines) + "\n")
    assert [r.data for r in refs] == [ZEN4]
    assert refs[0].source["dump_offset"] == start - 2


def _hex(data: bytes) -> str:
    return " ".join(f"{b:02x}" for b in data)


# -- M4: unreadable pairs in a dump ------------------------------------------------------------
def _redact(text: str, line_no: int, byte: int, token: str) -> tuple[str, int]:
    """Replace byte ``byte`` (0-15) of dump line ``line_no`` (1-based) by ``token``; returns
    the text and the 1-based column of the token."""
    lines = text.split("\n")
    line = lines[line_no - 1]
    col = 10 + 3 * byte + (1 if byte >= 8 else 0)  # hexdump -C: offset, 2 spaces, "xx " pairs
    assert line[col:col + 2] != "  "
    lines[line_no - 1] = line[:col] + token + line[col + 2:]
    return "\n".join(lines), col + 1


def _decoded(ref):
    from whea_gui.decode.record import decode_record
    rec = decode_record(ref.data, source=ref.source)
    codes = [f.code for f in rec.findings]
    assert "internal" not in codes and "decoder-failed" not in codes
    return rec


@pytest.mark.parametrize("byte_at, token", [(0xA0, "xx"), (0x1A3, "zz"), (0x262, "??"), (0x30F, "x5")])
def test_an_unreadable_pair_in_hexdump_c_keeps_every_other_byte(byte_at, token):
    text = h.hexdump_c(ZEN4)
    line_no = byte_at // 16 + 1
    text, column = _redact(text, line_no, byte_at % 16, token)
    refs, problems = _read(text, "redacted.txt")
    expect = bytearray(ZEN4)
    expect[byte_at] = 0
    assert [r.data for r in refs] == [bytes(expect)]  # all 2063 bytes, each in its place
    assert [p.level for p in problems] == ["error"]
    assert str(problems[0]).startswith(f"redacted.txt: line {line_no}: column {column}: {token!r} "
                                       f"(dump offset {byte_at:#x})")
    rec = _decoded(refs[0])
    unread = [f for f in rec.findings if f.code == "bytes-unread"]
    assert [(f.offset, f.length, f.level) for f in unread] == [(byte_at, 1, "error")]
    assert f"line {line_no}, column {column}" in unread[0].message
    # everything else decodes as the intact record does
    whole = _decoded(next(iter_bytes(ZEN4, "whole.bin")))
    assert len(rec.sections) == len(whole.sections) == 4


def test_windbg_unreadable_memory_rows_are_placed_and_marked_as_one_run():
    text = h.windbg_db(ZEN4)
    lines = text.split("\n")
    addr = lines[40][:19]
    lines[40] = addr + "  " + " ".join(["??"] * 8) + "-" + " ".join(["??"] * 8) + "  " + "?" * 16
    lines[41] = lines[41][:19] + "  " + " ".join(["??"] * 8) + "-" + " ".join(["??"] * 8) + "  " + "?" * 16
    refs, problems = _read("\n".join(lines))
    expect = bytearray(ZEN4)
    expect[640:672] = bytes(32)
    assert [r.data for r in refs] == [bytes(expect)]
    assert [(p.level, str(p).split(":")[1].strip()) for p in problems] == [("error", "line 41"),
                                                                           ("error", "line 42")]
    unread = [f for f in _decoded(refs[0]).findings if f.code == "bytes-unread"]
    assert [(f.offset, f.length) for f in unread] == [(640, 32)]


def test_a_star_after_a_redacted_line_marks_the_whole_run():
    rec = bytearray(ZEN4)
    rec[0x100:0x180] = bytes(0x80)  # the line at 0x100 and seven equal ones: hexdump writes '*'
    lines = h.hexdump_c_squeezed([(0, bytes(rec))], len(rec)).split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("00000100"))
    assert lines[at + 1] == "*" and lines[at + 2].startswith("00000180")
    lines[at] = lines[at][:10] + "xx" + lines[at][12:]
    refs, problems = _read("\n".join(lines))
    assert [r.data for r in refs] == [bytes(rec)]
    unread = [f for f in _decoded(refs[0]).findings if f.code == "bytes-unread"]
    # the pair itself, then the run of copies of its line (each copy has the hole somewhere)
    assert [(f.offset, f.length) for f in unread] == [(0x100, 1), (0x110, 0x70)]
    assert f"line {at + 1}, column 11" in unread[0].message
    assert f"line {at + 2} (a '*' line)" in unread[1].message


def test_words_and_prose_after_an_offset_are_not_read_as_bytes_with_holes():
    from whea_gui.sources.hexlines import Row, classify
    for line in ("0010  is my id", "2024  it is ok to go", "1234  ab cd ef gh ij kl"):
        assert not isinstance(classify(line, 1), Row) or not classify(line, 1).unknown, line
    row = classify("00000010: 43 50 xx 52 00 00 00 00 00 00 00 00 00 00 00 00  CP.R............", 1)
    assert isinstance(row, Row) and len(row.mem) == 16 and row.unknown == ((2, 17, "xx"),)


# -- L3: an event's RawData with an odd number of hex digits -----------------------------------
def test_raw_data_with_a_lost_nibble_is_decoded_and_the_nibble_named():
    import hexformats

    cut = hexformats.ev_xml_event(FATAL)
    whole_hex = FATAL.hex().upper()
    cut = cut.replace(whole_hex, whole_hex[:-1])  # the last digit lost in copying
    text = "<Events>" + cut + hexformats.ev_xml_event(ZEN4) + "</Events>"
    refs, problems = _read(text, "events.xml")
    assert [r.data for r in refs] == [FATAL[:-1], ZEN4]  # both events, every whole byte
    errors = [str(p) for p in problems if p.level == "error"]
    assert len(errors) == 1
    assert f"event record 1042 (Event ID 20): RawData has an odd number of hex digits ({2 * len(FATAL) - 1})" \
        in errors[0] and f"the last digit {whole_hex[-2]!r} (byte {len(FATAL) - 1}) is left out" in errors[0]
    assert "missing or extra somewhere" in errors[0]  # it cannot say where the digit went
    rec = _decoded(refs[0])
    assert any(f.code == "truncated" for f in rec.findings)  # one byte short of its Length


def test_a_damaged_header_before_a_long_zero_run_is_still_shown():
    damaged = bytearray(FATAL)
    damaged[6:10] = b"\x00\x00\xff\xff"  # SignatureEnd broken: no longer a plausible header
    text = h.hexdump_c_squeezed([(0, bytes(damaged)), (0x200000, ZEN4)], 0x300000)
    refs, problems = _read(text)
    assert [r.source["dump_offset"] for r in refs] == [0, 0x200000]
    assert refs[0].data[:len(FATAL)] == bytes(damaged) and refs[1].data == ZEN4
    assert [(f.code, f.offset) for f in _decoded(refs[0]).findings if f.level == "error"] == [("signature-end", 6)]


# -- audit 3, N2: a whole row redacted --------------------------------------------------------
def _json(data: bytes) -> dict:
    from whea_gui.decode.jsonout import record_to_json
    from whea_gui.decode.record import decode_record
    return record_to_json(decode_record(data))


def _blind(text: str, line_no: int, token: str, ascii_column: str | None = None) -> str:
    """Type ``token`` over every byte of dump line ``line_no`` (1-based), keeping its offset;
    the ASCII column is kept, replaced by ``ascii_column``, or dropped ('')."""
    lines = text.split("\n")
    line = lines[line_no - 1]
    pairs = " ".join([token] * 8)
    new = f"{line[:8]}  {pairs}  {pairs}"
    if ascii_column is None:
        new += line[58:]
    elif ascii_column:
        new += "  " + ascii_column
    lines[line_no - 1] = new
    return "\n".join(lines)


@pytest.mark.parametrize("token, ascii_column", [("xx", None), ("xx", ""), ("XX", "|xxxxxxxxxxxxxxxx|"),
                                                 ("zz", None), ("--", "|................|")])
def test_a_whole_redacted_row_keeps_the_record_whole(token, ascii_column):
    # the audit's h1b: row 0xd0 (line 14) of the fatal AMD machine check typed over
    text = _blind(h.hexdump_c(FATAL), 14, token, ascii_column)
    refs, problems = _read(text, "redacted.txt")
    expect = bytearray(FATAL)
    expect[0xD0:0xE0] = bytes(16)
    assert [r.data for r in refs] == [bytes(expect)]
    assert len(refs[0].data) == 1019 and refs[0].source["dump_offset"] == 0
    assert [p.level for p in problems] == ["error"]
    assert str(problems[0]).startswith(f"redacted.txt: line 14: columns 11–58: the whole row (16 bytes "
                                       f"at dump offsets 0xd0–0xdf) is {token!r}")
    rec = _decoded(refs[0])
    unread = [f for f in rec.findings if f.code == "bytes-unread"]
    assert [(f.offset, f.length, f.level) for f in unread] == [(0xD0, 16, "error")]
    assert "line 14, column 11" in unread[0].message and "(dump offset 0xd0)" in unread[0].message
    whole = _json(FATAL)
    got = _json(refs[0].data)
    assert got["header"] == whole["header"] and got["length"] == 1019
    assert len(got["sections"]) == len(whole["sections"])


def test_two_redacted_rows_and_a_run_of_them_are_placed():
    text = h.hexdump_c(FATAL)
    for line_no in (7, 14, 30, 31, 32):  # 0x60, 0xd0 and three rows in a row from 0x1d0
        text = _blind(text, line_no, "xx")
    refs, problems = _read(text)
    expect = bytearray(FATAL)
    for at in (0x60, 0xD0, 0x1D0, 0x1E0, 0x1F0):
        expect[at:at + 16] = bytes(16)
    assert [r.data for r in refs] == [bytes(expect)]
    assert [str(p).split(":")[1].strip() for p in problems] == ["line 7", "line 14", "line 30", "line 31", "line 32"]
    unread = [f for f in _decoded(refs[0]).findings if f.code == "bytes-unread"]
    assert [(f.offset, f.length) for f in unread] == [(0x60, 16), (0xD0, 16), (0x1D0, 48)]


def test_a_redacted_row_whose_offset_does_not_follow_is_left_out_and_its_row_is_missing():
    lines = _blind(h.hexdump_c(FATAL), 14, "xx").split("\n")
    lines[13] = "000000d8" + lines[13][8:]  # the offset mistyped: its place is not known
    refs, problems = _read("\n".join(lines))
    errors = [str(p) for p in problems if p.level == "error"]
    assert errors[0].startswith("dump.txt: line 14: column 11: a row of 16 unreadable bytes ('xx' for every "
                                "one), but its offset 000000d8 does not follow line 13 (which ends at 0xd0")
    # the row is not taken; the next row's offset places it, so the 16 bytes are missing ones
    # (read as 00 and marked, audit 4 A4-12), not a split of the record
    assert "line 15: offset 0xe0 skips 16 bytes after line 13" in errors[1]
    expect = bytearray(FATAL)
    expect[0xD0:0xE0] = bytes(16)
    assert [r.data for r in refs] == [bytes(expect)]
    assert [(f.offset, f.length) for f in _decoded(refs[0]).findings if f.code == "bytes-unread"] == [(0xD0, 16)]


def test_a_redacted_row_with_a_row_count_that_differs_is_not_placed():
    lines = h.hexdump_c(FATAL).split("\n")
    lines[13] = "000000d0  " + " ".join(["xx"] * 8) + "  " + " ".join(["xx"] * 7)  # 15 placeholders
    refs, problems = _read("\n".join(lines))
    assert len(refs) == 1 and len(refs[0].data) == 1019  # the row's place is read as missing
    assert any("line 15: offset 0xe0 skips 16 bytes" in str(p) for p in problems)


def test_placeholder_rows_with_nothing_to_follow_and_prose_are_not_rows():
    from whea_gui.sources.hexlines import Row, classify
    # a blind row alone: no row before it confirms its offset
    scan = scan_text("Redacted dump:\n000000d0  " + " ".join(["xx"] * 16) + "\n")
    assert scan.blocks == [] and [p.level for p in scan.problems] == ["warning"]
    assert scan.problems[0].line == 2 and "no dump row before it confirms its offset" in scan.problems[0].message
    for line in ("0010  is my id", "2024  -- -- -- -- and then a whole sentence after the dashes",
                 "1234  xx xx", "0020  ab cd ef gh ij kl", "00000010  xx ?? zz -- xx xx xx xx"):
        row = classify(line, 1)
        assert not (isinstance(row, Row) and row.blind), line
    row = classify("00000020: xxxx xxxx xxxx xxxx xxxx xxxx xxxx xxxx  xxxxxxxxxxxxxxxx", 1)
    assert isinstance(row, Row) and row.blind and len(row.mem) == 16 and row.width == 4


def test_an_od_dump_with_a_redacted_row_in_octal_offsets():
    # od's default: seven octal digits, single space: the row at 0o320 (0xd0)
    rows = [f"{i:07o} " + " ".join(f"{b:02x}" for b in FATAL[i:i + 16]) for i in range(0, len(FATAL), 16)]
    rows[13] = f"{0xd0:07o} " + " ".join(["xx"] * 16)
    rows.append(f"{len(FATAL):07o}")
    refs, problems = _read("\n".join(rows) + "\n")
    expect = bytearray(FATAL)
    expect[0xD0:0xE0] = bytes(16)
    assert [r.data for r in refs] == [bytes(expect)]
    assert [p.level for p in problems] == ["error"] and "dump offsets 0xd0–0xdf" in str(problems[0])


# -- audit 3, N3: a row pasted without its offset column ---------------------------------------
def _no_offset(text: str, line_no: int, keep_ascii: bool = True) -> str:
    lines = text.split("\n")
    line = lines[line_no - 1][10:]
    lines[line_no - 1] = line if keep_ascii else line[:48].rstrip()
    return "\n".join(lines)


@pytest.mark.parametrize("line_no, keep_ascii", [(10, True), (10, False), (2, True), (40, True)])
def test_a_row_without_its_offset_between_two_rows_is_placed(line_no, keep_ascii):
    text = _no_offset(h.hexdump_c(FATAL), line_no, keep_ascii)
    refs, problems = _read(text, "h3.txt")
    assert [r.data for r in refs] == [FATAL]
    at = (line_no - 1) * 16
    assert [(p.level, str(p)) for p in problems] == [(
        "warning", f"h3.txt: line {line_no}: this row has no offset column; its 16 bytes are placed at dump "
                   f"offset {at:#x}, the one place left between line {line_no - 1} (which ends there) and "
                   f"line {line_no + 1} (offset {at + 16:#x})")]
    rec = _decoded(refs[0])
    assert not [f for f in rec.findings if f.code == "bytes-unread"]  # every byte is the text's own
    assert _json(refs[0].data) == _json(FATAL)


def test_a_row_without_its_offset_is_not_placed_where_the_gap_is_not_one_row():
    lines = _no_offset(h.hexdump_c(FATAL), 10).split("\n")
    del lines[10]  # the row at 0xa0 is gone too: the gap is two rows, the place is not certain
    refs, problems = _read("\n".join(lines))
    assert len(refs[0].data) == 0x90
    assert not any("no offset column" in str(p) for p in problems)
    # a row with 15 pairs, or whose ASCII column is not its bytes, is not taken for the row either
    for damaged in ("14 11 bc a5 64 6f de 4e  b8 63 3e 83 ed 7c 83  |....do.N.c>..|.|",
                    "14 11 bc a5 64 6f de 4e  b8 63 3e 83 ed 7c 83 b1  |a note by hand!!|"):
        lines = h.hexdump_c(FATAL).split("\n")
        lines[9] = damaged
        refs, problems = _read("\n".join(lines))
        assert len(refs[0].data) == 0x90, damaged
        assert not any("no offset column" in str(p) for p in problems)


def test_loose_hex_after_a_dump_is_still_its_own_block():
    # 16 bytes of loose hex under a dump of whole rows (so it could be a row), then a blank line
    # or another dump from 0: not a row of the dump
    dump = h.hexdump_c(FATAL[:1008])
    loose = " ".join(f"{b:02x}" for b in bytes(range(1, 17)))
    for after, more in (("\n\nsome prose\n", []), ("\n" + h.hexdump_c(ZEN4) + "\n", [ZEN4])):
        scan = scan_text(dump + "\n" + loose + after)
        assert [b.data for b in scan.blocks] == [FATAL[:1008], bytes(range(1, 17))] + more
        assert not any("no offset column" in p.message for p in scan.problems)


def test_a_row_without_offset_before_a_redacted_row_and_a_redacted_row_after_a_star():
    lines = h.hexdump_c(FATAL).split("\n")
    lines[9] = lines[9][10:]  # 0x90 without its offset, then 0xa0 redacted: its offset still counts
    lines[10] = _blind(lines[10], 1, "xx")
    assert lines[3].startswith("00000030  00 00") and lines[2].startswith("00000020  00 00")
    lines[3] = "*"  # 0x30 is a copy of 0x20: hexdump squeezes it; 0x40 redacted right after
    lines[4] = _blind(lines[4], 1, "xx")
    refs, problems = _read("\n".join(lines))
    expect = bytearray(FATAL)
    expect[0x40:0x50] = expect[0xA0:0xB0] = bytes(16)
    assert [r.data for r in refs] == [bytes(expect)]
    assert [(p.level, str(p).split(":")[1].strip()) for p in problems] == [
        ("error", "line 5"), ("warning", "line 10"), ("error", "line 11")]
    unread = [f for f in _decoded(refs[0]).findings if f.code == "bytes-unread"]
    assert [(f.offset, f.length) for f in unread] == [(0x40, 16), (0xA0, 16)]


@pytest.mark.parametrize("codec", ["ascii", "utf-16-le"])
def test_a_garbled_line_above_a_star_ends_the_dump_instead_of_repeating_the_row_above_it(vectors, codec):
    # the fresh check of F7-12: the '*' repeated the last good row in place of the garbled one,
    # so the record came out whole with wrong bytes, exit 0 and no word said
    for name in ("cper_memory_1sec_padded.bin", "cper_mce_fatal_amd_xpfmca_v3.bin"):
        record = (vectors / "DecodeWheaRecord" / name).read_bytes()
        lines = h.hexdump_c_squeezed([(0, record)], len(record)).splitlines()
        star = lines.index("*")
        assert star >= 2  # a row above it, and one above that
        lines[star - 1] = lines[star - 1][:3] + "\u3041 garbled"
        text = "\n".join(lines) + "\n"
        data = text.encode() if codec == "ascii" else b"\xff\xfe" + text.encode(codec)
        problems: list = []
        refs = list(iter_bytes(data, f"{name}.txt", problems.append))
        said = [p for p in problems if "'*' follows line" in p.message]
        assert said and said[0].level == "error", problems
        assert f"line {star + 1}: '*' follows line {star}" in str(said[0])
        # the record as far as the rows above the garbled line go (cut: its own error), never
        # the whole record with made-up bytes
        assert [r.data for r in refs] == [record[:(star - 1) * 16]]
