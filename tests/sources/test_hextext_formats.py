"""Every shared record vector through every hex format people paste (issues #13, #15).

The real ``hexdump``/``od``/``xxd`` are run here on each vector; WinDbg and Event Viewer text is
made in the layout those programs use (``hexformats``). For each vector and format:
  * the text parses to exactly the file's bytes, in one block, with no warning or error;
  * ``whea decode -`` (``iter_bytes`` on the text) yields the same records as opening the binary
    file (the raw reader on the same bytes), and each record's ``line``/``dump_offset`` points at
    the text line that shows its first byte;
  * the window's paste path hands the readers the same input as ``whea decode -``.
Word dumps (``dd``, ``dq``, "In Words") cannot stop inside a word: for a length that is not a
multiple of the word they hold the bytes after the record too, which are cut at the record's
Length when it says so (a note), and otherwise kept.
"""

from __future__ import annotations

import re

import pytest
from hexformats import (
    MORE_TOOLS,
    PYTHON_FORMATS,
    TOOLS,
    WORD_FORMATS,
    memory_after,
    missing_tools,
    record_vectors,
    run_tool,
    run_tool_on,
)

from whea_gui.session.paste import clipboard_bytes
from whea_gui.sources import iter_bytes
from whea_gui.sources import raw as raw_reader
from whea_gui.sources.carve import SIGNATURES
from whea_gui.sources.hextext import _declared_length, scan_text

VECS = record_vectors()
BASES = {"od -t x1": 8, "od -A d -t x1": 10, "od -t x2": 8}
STEP = {"event viewer in bytes": 8, "windbg dq": 16}
# xxd -e: little-endian groups; a partial last group is printed short and right-aligned
XXD_LITTLE_ENDIAN = {
    "xxd -e": ["xxd", "-e"],
    "xxd -e -g8": ["xxd", "-e", "-g8"],
    "xxd -e -g2": ["xxd", "-e", "-g2"],
    "xxd -e -g8 -c8": ["xxd", "-e", "-g8", "-c8"],
}


def test_the_tools_are_installed_and_the_vectors_are_there():
    assert not missing_tools(), ("install the dump tools: apt-get install bsdextrautils (hexdump) "
                                 f"xxd coreutils (od); missing: {missing_tools()}")
    assert len(VECS) > 600


def _records(data: bytes, path: str) -> list[tuple[bytes, int]]:
    return [(r.data, r.source["offset"]) for r in raw_reader.read_bytes(data, path, lambda p: None)]


def _line_offset(line: str, base: int) -> int | None:
    m = re.match(r"\s*([0-9A-Fa-f]+)(?:`([0-9A-Fa-f]{8}))?:?\s", line)
    if not m:
        return None
    return int(m.group(1) + (m.group(2) or ""), base)


def _check(fmt: str, path, data: bytes, text: str) -> list[str]:
    """What is wrong with reading ``text`` (a dump of ``data`` in format ``fmt``)."""
    out = []
    if "xml" in fmt:  # an event or a piece of one goes to the Event XML reader, not the hex parser
        refs = list(iter_bytes(text.encode("utf-8"), "<stdin>"))
        if b"".join(r.data for r in refs) != data or any(r.source["kind"] != "eventxml" for r in refs):
            out.append(f"event XML read as {[(len(r.data), r.source['kind']) for r in refs]}")
        return out
    scan = scan_text(text)
    joined = b"".join(b.data for b in scan.blocks)
    if not data:  # od prints a lone offset for an empty file: never a record
        return [] if not any(s in joined for s in SIGNATURES) else ["a record from an empty file"]
    word = WORD_FORMATS.get(fmt)
    want = data
    if word and len(data) % word:
        declared = _declared_length(memory_after(data, word))
        if not (declared is not None and len(data) <= declared < len(data) + -len(data) % word):
            want = memory_after(data, word, 0 if fmt == "event viewer in words" else 0xCC)
    if joined != want:
        out.append(f"bytes differ: {len(joined)} read, {len(want)} expected")
    if len(scan.blocks) != 1:
        out.append(f"{len(scan.blocks)} blocks")
    bad = [str(p) for p in scan.problems if p.level != "note"]
    if bad:
        out.append(f"problems: {bad[:3]}")
    refs = list(iter_bytes(text.encode("utf-8"), "<stdin>"))
    if [(r.data, r.source["offset"]) for r in refs] != _records(want, str(path)):
        out.append("records differ from the binary file's")
    lines = text.splitlines()
    for ref in refs:
        src = ref.source
        if src.get("kind") != "text" or "line" not in src:
            out.append(f"no text provenance: {src}")
            continue
        shown = src.get("dump_offset")
        line = lines[src["line"] - 1]
        if shown is None:
            continue
        if shown - src["offset"] not in (0, 0xFFFFF80112345670):
            out.append(f"dump_offset {shown:#x} for record at {src['offset']}")
        start = _line_offset(line, BASES.get(fmt, 16))
        step = STEP.get(fmt, 16)
        if line.strip() != "*" and not (start is not None and start <= shown < start + step):
            out.append(f"record at {shown:#x} placed on line {src['line']}: {line[:40]!r}")
    return out


def _run(fmt: str, make) -> None:
    failures = []
    for path in VECS:
        data = path.read_bytes()
        problems = _check(fmt, path, data, make(path, data))
        if problems:
            failures.append(f"{path.relative_to(path.parents[1])}: {problems}")
    assert not failures, f"{len(failures)} vectors fail in {fmt}:\n" + "\n".join(failures[:10])


@pytest.mark.parametrize("fmt", list(TOOLS) + list(MORE_TOOLS) + list(XXD_LITTLE_ENDIAN))
def test_real_tool_output_reads_back_every_vector(fmt):
    argv = {**TOOLS, **MORE_TOOLS, **XXD_LITTLE_ENDIAN}[fmt]
    _run(fmt, lambda path, data: run_tool_on(argv, path))


@pytest.mark.parametrize("fmt", list(PYTHON_FORMATS))
def test_windows_formats_read_back_every_vector(fmt):
    _run(fmt, lambda path, data: PYTHON_FORMATS[fmt](data))


@pytest.mark.parametrize("fmt", list(TOOLS) + list(PYTHON_FORMATS))
def test_paste_path_hands_the_readers_what_decode_stdin_reads(fmt):
    path = VECS[0].parent / "cper_cmc_amd_xpfmca_v2r1.bin"
    data = path.read_bytes()
    text = run_tool_on(TOOLS[fmt], path) if fmt in TOOLS else PYTHON_FORMATS[fmt](data)
    pasted = clipboard_bytes(text)
    assert pasted == text.encode("utf-8")
    a = [(r.data, {k: v for k, v in r.source.items() if k != "path"})
         for r in iter_bytes(pasted, "<clipboard>")]
    b = [(r.data, {k: v for k, v in r.source.items() if k != "path"})
         for r in iter_bytes(text.encode("utf-8"), "<stdin>")]
    assert a == b and [d for d, _ in a] == [data]


@pytest.mark.parametrize("fmt", list(XXD_LITTLE_ENDIAN))
def test_xxd_e_keeps_the_partial_last_group_for_every_length(fmt):
    """``xxd -e`` prints a last group of 1..size-1 bytes short and right-aligned; every byte of
    a file of any length (every remainder modulo the group and the line) must come back."""
    record = VECS[0].parent / "cper_memory_1sec_padded.bin"
    data = record.read_bytes()
    wrong = []
    for n in [*range(1, 40), 276, 277, 278, 279, len(data)]:
        text = run_tool(XXD_LITTLE_ENDIAN[fmt], data[:n])
        got = b"".join(b.data for b in scan_text(text).blocks)
        if got != data[:n]:
            wrong.append((n, len(got)))
    assert not wrong, f"(length, bytes read) wrong for {wrong[:8]}"
    text = run_tool_on(XXD_LITTLE_ENDIAN[fmt], record)
    refs = list(iter_bytes(text.encode(), "<stdin>"))
    assert [r.data for r in refs] == [data] and len(data) % 4  # 277 bytes: not whole words


def _printable(chunk: bytes, other: str) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else other for b in chunk)


def format_hex_ps5(data: bytes) -> str:
    """Windows PowerShell 5.1 ``Format-Hex -Path``: a Path line, a column header, 8-digit hex
    offsets, three spaces, bytes padded to 16 columns, two spaces, the ASCII column."""
    out = [r"           Path: C:\Windows\Temp\rec.bin", "",
           "           00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", ""]
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        out.append(f"{i:08X}   {chunk.hex(' ').upper():<47}  {_printable(chunk, '.')}")
    return "\r\n".join([*out, "", ""])


def format_hex_ps7(data: bytes) -> str:
    """PowerShell 7 ``Format-Hex``: a Label line, "Offset Bytes Ascii" headers and a rule,
    16-digit hex offsets, the ASCII column ONE space after the bytes (non-printable bytes as
    U+FFFD), so a column that starts with hex-looking characters touches the last byte."""
    out = [r"   Label: C:\Windows\Temp\rec.bin", "",
           "          Offset Bytes                                           Ascii",
           "                 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F",
           "          ------ ----------------------------------------------- -----"]
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        out.append(f"{i:016X} {chunk.hex(' ').upper():<47} {_printable(chunk, chr(0xFFFD))}")
    return "\n".join([*out, ""])


FORMAT_HEX = {"format-hex ps5": format_hex_ps5, "format-hex ps7": format_hex_ps7}


@pytest.mark.parametrize("fmt", list(FORMAT_HEX))
def test_powershell_format_hex_reads_back_every_vector(fmt):
    _run(fmt, lambda path, data: FORMAT_HEX[fmt](data))


def _raw_problems(data: bytes) -> list:
    problems = []
    list(raw_reader.read_bytes(data, "file.bin", problems.append))
    return problems


def test_powershell_decimal_byte_list_reads_back_every_vector():
    """``[IO.File]::ReadAllBytes($p)`` prints one decimal value per line; it gave 9-34 bogus
    "records" (each number read as loose hex). A list of 128 values or more is the bytes; a
    shorter one (no record is that short) is reported once."""
    failures = []
    for path in VECS:
        data = path.read_bytes()
        if not data:
            continue
        text = "\r\n".join(str(b) for b in data) + "\r\n"
        problems = []
        refs = list(iter_bytes(text.encode(), "<stdin>", problems.append))
        if len(data) >= 128:
            ok = ([(r.data, r.source["offset"]) for r in refs] == _records(data, str(path))
                  and all(r.source["kind"] == "text" and r.source["line"] == r.source["offset"] + 1
                          for r in refs)
                  # no problem beyond those of the binary file (a section without a signature)
                  and len([p for p in problems if p.level != "note"]) == len(
                      [p for p in _raw_problems(data) if p.level != "note"]))
        else:
            ok = not refs and len([p for p in problems if p.level == "error"]) == 1
        if not ok:
            failures.append(f"{path.name}: {[len(r.data) for r in refs][:5]} {[p.message[:90] for p in problems][:2]}")
    assert not failures, f"{len(failures)} vectors fail:\n" + "\n".join(failures[:10])


def test_the_issue_record_hexdump_is_928_bytes_not_628():
    """Issue #13: the default ``hexdump -C`` collapses the zero rows of this record into '*'."""
    path = VECS[0].parent / "cper_cmc_amd_xpfmca_v2r1.bin"
    text = run_tool_on(["hexdump", "-C"], path)
    assert "\n*\n" in text
    refs = list(iter_bytes(text.encode(), "<stdin>"))
    assert [len(r.data) for r in refs] == [928] and refs[0].data == path.read_bytes()
    assert refs[0].source["style"] == "dump-8" and refs[0].source["line"] == 1


@pytest.mark.parametrize("indent", ["", "    "])
def test_loose_hex_row_reading_00_to_0f_is_bytes_not_a_format_hex_header(indent):
    # 16 bytes 00 01 … 0F inside a record, pasted as loose hex 16 to a line: the line reads
    # exactly like Format-Hex's column header, and was skipped (16 bytes lost, the record cut)
    data = bytearray(VECS[0].read_bytes())
    data[64:80] = bytes(range(16))  # (inside the header's reserved bytes: any values decode)
    text = "\n".join(indent + data[i:i + 16].hex(" ").upper() for i in range(0, len(data), 16))
    assert any(line.strip() == " ".join(f"{i:02X}" for i in range(16)) for line in text.splitlines())
    refs = list(iter_bytes(text.encode(), "<stdin>"))
    assert [r.data for r in refs] == [bytes(data)]
