"""Seeded fuzzing of the hex-text parser (the one behind text files, ``whea decode -`` and paste).

Each case puts a real record, dumped in one of the formats people paste (real ``hexdump``/``od``/
``xxd`` output, WinDbg, Event Viewer, loose hex, base64), between lines of generated garbage:
binary noise, prose, stray ``*`` lines, dump lines with wild offsets, broken hex, other formats'
fragments. Asserted for every case: no exception escapes; the bytes found are bounded by the
text's length plus the '*' budget; every problem names a line of the text; and the record is
found, whole, at the line where its text starts. Hostile inputs (a 100 MB line, millions of
'*' lines, offsets asking for gigabytes) are checked for bounded output and memory.
"""

from __future__ import annotations

import base64
import random
import sys
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
from hexformats import PYTHON_FORMATS, TOOLS, VECTORS, run_tool  # noqa: E402

from whea_gui.sources import hextext, iter_bytes  # noqa: E402
from whea_gui.sources.hextext import scan_text  # noqa: E402
from whea_gui.sources.registry import HEAD_SIZE, detect  # noqa: E402

SEED = 20261206
CASES = 3000
FUZZ_EXPAND = 1 << 20  # a smaller '*' budget than the default, to reach it often

RECORDS = [VECTORS / "DecodeWheaRecord" / n for n in (
    "cper_cmc_amd_xpfmca_v2r1.bin", "cper_memory_1sec_padded.bin", "whlg_edpc_enabled.bin",
    "cper_mce_fatal_amd_xpfmca_v3.bin")] + [VECTORS / "libcper-examples" / "arm.cper"]
TEXT_FORMATS = ["hexdump -C", "hexdump -Cv", "od -A x -t x1z", "od -t x1", "xxd", "xxd -p",
                "windbg db", "event viewer in bytes", "event viewer xml RawData line",
                "continuous", "spaced", "0x list", "base64"]


def _render(fmt: str, data: bytes) -> str:
    if fmt in TOOLS:
        return run_tool(TOOLS[fmt], data).rstrip("\n")
    if fmt in PYTHON_FORMATS:
        return PYTHON_FORMATS[fmt](data).rstrip("\r\n")
    if fmt == "continuous":
        return data.hex()
    if fmt == "spaced":
        return "\n".join(data[i:i + 16].hex(" ") for i in range(0, len(data), 16))
    if fmt == "0x list":
        return ",\n".join(", ".join(f"0x{b:02X}" for b in data[i:i + 12]) for i in range(0, len(data), 12))
    b64 = base64.b64encode(data).decode()
    return "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))


@pytest.fixture(scope="module")
def rendered():
    return {(p.name, fmt): (p.read_bytes(), _render(fmt, p.read_bytes()))
            for p in RECORDS for fmt in TEXT_FORMATS}


def _first_line(body: str) -> int:
    """The line of ``body`` that shows the record's first byte (after a header, if any)."""
    return next(r.source.get("line", 1) for r in iter_bytes(body.encode(), "alone.txt"))


def _garbage_line(rng: random.Random, others: list[str]) -> str:
    kind = rng.randrange(12)
    if kind == 0:
        return rng.randbytes(rng.randrange(1, 200)).decode("latin-1").replace("\n", " ").replace("\r", " ")
    if kind == 1:
        return "*"
    if kind == 2:  # a dump line with a wild offset
        return f"{rng.getrandbits(rng.choice((16, 32, 64))):08x}  " + " ".join(
            f"{rng.randrange(256):02x}" for _ in range(rng.randrange(1, 17)))
    if kind == 3:  # an offset alone
        return f"{rng.getrandbits(rng.choice((8, 24, 40))):0{rng.choice((6, 7, 8))}x}"
    if kind == 4:  # broken hex
        return "".join(rng.choice("0123456789abcdefg -:,x") for _ in range(rng.randrange(1, 90)))
    if kind == 5:
        return rng.choice(["Hi all, my PC keeps crashing.", "Binary data:", "In Words", "In Bytes",
                           "Information", "Keywords", "0: kd> db fffff801`12345670 L100", "thanks!",
                           "<Data Name=\"Length\">936</Data>", "uint8_t rec[] = {", "};", "}"])
    if kind == 6:  # a piece of some other dump
        return rng.choice(others)
    if kind == 7:
        return base64.b64encode(rng.randbytes(rng.randrange(1, 60))).decode()
    if kind == 8:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 60)))
    if kind == 9:
        return " ".join(f"{rng.randrange(65536):04x}" for _ in range(rng.randrange(1, 9)))
    if kind == 10:
        return "\t" * rng.randrange(3) + rng.choice(["", " ", "|", ">", "<", "`", "-", "0x"])
    return f"{rng.randrange(1 << 32):08x}: " + " ".join(f"{rng.getrandbits(32):08x}" for _ in range(4))


def _check_bounds(text: str, scan, limit: int) -> None:
    lines = text.count("\n") + 1
    assert sum(len(b.data) for b in scan.blocks) <= len(text) + limit
    for p in scan.problems:
        assert 1 <= p.line <= lines and str(p).startswith(f"line {p.line}: ")
        assert p.level in ("error", "warning", "note")


def test_a_good_record_beside_garbage_is_never_lost(rendered):
    rng = random.Random(SEED)
    keys = sorted(rendered)
    others = [ln for _, t in rendered.values() for ln in t.splitlines()[:3]]
    as_text = 0
    for case in range(CASES):
        name, fmt = rng.choice(keys)
        data, body = rendered[(name, fmt)]
        before = [_garbage_line(rng, others) for _ in range(rng.randrange(0, 6))]
        after = [_garbage_line(rng, others) for _ in range(rng.randrange(0, 6))]
        # a blank line keeps garbage that happens to be valid hex of the same kind apart
        text = "\n".join(before + [""] + body.splitlines() + [""] + after)
        start = len(before) + 1 + _first_line(body)
        scan = scan_text(text, expand_limit=FUZZ_EXPAND)
        _check_bounds(text, scan, FUZZ_EXPAND)
        raw = text.encode("utf-8", "surrogatepass")
        # the text reader itself; `whea decode -` picks it unless binary noise fills the head
        refs = list(hextext.read_bytes(raw, "fuzz.txt", lambda p: None))
        if detect(raw[:HEAD_SIZE]) is hextext:
            as_text += 1
            assert [r.data for r in iter_bytes(raw, "fuzz.txt")] == [r.data for r in refs]
        found = [r for r in refs if r.data[:len(data)] == data]
        assert found, f"case {case}: {name} as {fmt} lost among garbage:\n{text[:2000]}"
        assert any(r.source.get("line") == start for r in found), (
            f"case {case}: {name} as {fmt} found at line {[r.source.get('line') for r in found]}, "
            f"not {start}")
    assert as_text > CASES // 2


def test_garbage_alone_never_raises_and_stays_bounded():
    rng = random.Random(SEED + 1)
    others = ["00000000  43 50 45 52", "*", "00000010", "0000: 52455043", "Q1BFUg=="]
    for _ in range(CASES):
        text = "\n".join(_garbage_line(rng, others) for _ in range(rng.randrange(1, 40)))
        scan = scan_text(text, expand_limit=FUZZ_EXPAND)
        _check_bounds(text, scan, FUZZ_EXPAND)
        for ref in iter_bytes(text.encode("utf-8", "surrogatepass"), "junk.txt"):
            assert isinstance(ref.data, bytes)


# -- hostile inputs ---------------------------------------------------------------------------
ROW0 = "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|"


def test_millions_of_star_lines_cost_nothing_and_expand_nothing():
    text = ROW0 + "\n" + "*\n" * 2_000_000
    scan = scan_text(text)
    assert [len(b.data) for b in scan.blocks] == [16]
    assert [p.line for p in scan.problems] == [2]  # reported once, at the first '*'


def _star_runs(first: str, ascii_col: str) -> str:
    """2000 lines, each followed by a '*' that asks for 16 MiB more: together far beyond the budget."""
    rows = []
    for i in range(2000):
        rows += [f"{i << 24:08x}  {first} " + "00 " * 4 + " " + "00 " * 8 + f" |{ascii_col}|", "*"]
    return "\n".join(rows) + f"\n{2000 << 24:08x}\n"


def _peak_scan(text: str, limit: int):
    tracemalloc.start()
    try:
        scan = scan_text(text, expand_limit=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return scan, peak


def test_offsets_asking_for_gigabytes_stop_at_the_budget_with_memory_bounded():
    # the repeated line holds a signature, so a record could start in any copy: the runs must be
    # made, and the budget stops them
    text = _star_runs("43 50 45 52", "CPER............")
    scan, peak = _peak_scan(text, FUZZ_EXPAND * 4)
    _check_bounds(text, scan, FUZZ_EXPAND * 4)
    assert peak < 16 * len(text) + FUZZ_EXPAND * 16
    # 200 problems are listed, the other 1800 counted in a last one
    assert len(scan.problems) == 201 and all("'*'" in str(p) for p in scan.problems[:200])
    assert str(scan.problems[-1]).endswith("1800 more problems from here on are not listed")
    assert {p.level for p in scan.problems} == {"error"}


def test_gigabytes_of_zero_runs_are_not_made_at_all():
    # zero lines: no record can be in a run, so nothing is made, no budget is spent, no error
    text = _star_runs("00 00 00 00", "................")
    scan, peak = _peak_scan(text, FUZZ_EXPAND * 4)
    _check_bounds(text, scan, FUZZ_EXPAND * 4)
    assert peak < 32 * len(text)  # a block per line pair, linear in the text
    assert scan.problems == [] and [len(b.data) for b in scan.blocks] == [16] * 2000
    assert [b.dump_offset_at(0) for b in scan.blocks[:3]] == [0, 1 << 24, 2 << 24]
    problems = []
    assert list(iter_bytes(text.encode(), "zeros.txt", problems.append)) == []
    assert [p.level for p in problems] == ["warning"] and "and 1995 more" in problems[0].message


def test_a_100_mb_line_is_read_once_with_the_record_in_it_and_garbage_after():
    record = (VECTORS / "DecodeWheaRecord" / "cper_cmc_amd_xpfmca_v2r1.bin").read_bytes()
    filler = bytes(50_000_000 - len(record))
    text = (record + filler).hex() + "z!"
    assert len(text) > 100_000_000
    scan = scan_text(text)
    assert [len(b.data) for b in scan.blocks] == [50_000_000]
    assert [p.line for p in scan.problems] == [1] and "column 100000001" in str(scan.problems[0])
    refs = list(iter_bytes(text[:4000].encode(), "head.txt"))
    assert refs[0].data[:len(record)] == record


def test_binary_garbage_decoded_as_text_is_bounded():
    rng = random.Random(SEED + 2)
    for size in (1, 100, 10_000, 2_000_000):
        text = rng.randbytes(size).decode("latin-1")
        scan = scan_text(text)
        _check_bounds(text, scan, 0)


def test_star_lines_while_the_offset_base_is_undecided_are_not_stored():
    # od's seven digits could be octal, decimal or hex until a later line tells: the '*' lines
    # in between must not pile up
    text = ("0000000 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n" + "*\n" * 300_000
            + "0000140 00 00 00 00\n0000144\n")
    tracemalloc.start()
    try:
        scan = scan_text(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [len(b.data) for b in scan.blocks] == [100] and scan.problems == []
    assert peak < 8 << 20


def test_many_garbage_lines_give_a_bounded_list_of_problems():
    text = "\n".join(["a"] * 200_000)
    scan = scan_text(text)
    assert scan.blocks == [] and len(scan.problems) == 201
    assert str(scan.problems[-1]) == "line 201: 199800 more problems from here on are not listed"
