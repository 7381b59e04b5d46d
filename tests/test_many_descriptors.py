"""Issue #15: a record with tens of thousands of section descriptors must cost work linear in
their number. Work is counted, not timed: the Python lines executed (sys.settrace) by decode,
summary, explanation, ``--json``, ``--json --tree`` and text output for records of n, 2n and 4n
descriptors. Linear work doubles its increase when n doubles; a step over all pairs of sections
quadruples it. Timings are in benchmarks/bench_many_descriptors.py."""

from __future__ import annotations

import json
import sys

import pytest
from vectorlib import VECTORS

from whea_gui.cli.decode import render_text
from whea_gui.decode import decode_record, record_to_json
from whea_gui.decode.explain import explain_record
from whea_gui.formats.cper import DESCRIPTOR, HEADER

GENERIC = VECTORS / "libcper-generated" / "generic" / "001.cper"


def many_descriptors(record: bytes, n: int) -> bytes:
    """``record``'s first descriptor repeated ``n`` times, every copy pointing at its one body
    (the tester's record in issue #15)."""
    head = bytearray(record[:128])
    desc = bytearray(record[128:200])
    offset, length = DESCRIPTOR.read(desc, "section_offset"), DESCRIPTOR.read(desc, "section_length")
    body = record[offset:offset + length]
    start = 128 + 72 * n
    HEADER.write(head, "section_count", n)
    HEADER.write(head, "length", start + len(body))
    DESCRIPTOR.write(desc, "section_offset", start)
    return bytes(head) + bytes(desc) * n + body


def everything(data: bytes) -> None:
    """What ``whea decode`` (text, --json, --json --tree) and the window's panels do."""
    rec = decode_record(data)
    assert rec.summary
    explain_record(rec)
    json.dumps(record_to_json(rec))
    json.dumps(record_to_json(rec, with_tree=True))
    render_text(rec)


def lines_run(fn, *args) -> int:
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        fn(*args)
    finally:
        sys.settrace(None)
    return count


@pytest.fixture(scope="module")
def generic() -> bytes:
    data = GENERIC.read_bytes()
    everything(many_descriptors(data, 4))  # warm up: plug-in imports and caches run once
    return data


def test_the_built_record_is_what_the_tester_sent(generic):
    rec = decode_record(many_descriptors(generic, 300))
    assert len(rec.sections) == 300
    assert all(s.body is not None for s in rec.sections)
    # one body decode, the other 299 descriptors share it
    assert [s.same_body_as for s in rec.sections[1:]] == [0] * 299
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]


def test_work_grows_linearly_with_descriptors(generic):
    n = 150
    work = [lines_run(everything, many_descriptors(generic, k)) for k in (n, 2 * n, 4 * n)]
    first, second = work[1] - work[0], work[2] - work[1]
    assert first > 0
    # linear: second == 2 * first; a quadratic step a*n² makes it 4 * first (at these sizes
    # issue #15's explanation step alone pushed it past 2.5)
    assert second <= 2.2 * first, work


def test_explanation_and_findings_stay_small(generic):
    """C-level scans (``x in list``) do not show in line counts: bound what they scan."""
    small = explain_record(decode_record(many_descriptors(generic, 100)))
    big_rec = decode_record(many_descriptors(generic, 2000))
    big = explain_record(big_rec)
    assert max(len(s["cites"]) for s in big["statements"]) <= 16 + 4
    assert len(big["statements"]) == len(small["statements"])
    assert big["headline"] == small["headline"]
    per_code: dict[str, int] = {}
    for f in big_rec.findings:
        per_code[f.code] = per_code.get(f.code, 0) + 1
    assert max(per_code.values()) <= 256


def test_text_output_stops_at_its_limit_and_says_where(generic):
    from whea_gui.cli.decode import _render

    rec = decode_record(many_descriptors(generic, 50))
    lines: list[str] = []
    _render(rec.root.children, lines, False, max_nodes=100)
    assert len(lines) == 101
    assert lines[-1].startswith("  [output limit: field tree stopped at 100 lines")
    assert "descriptor_" in lines[-1]
    full: list[str] = []
    _render(rec.root.children, full, False)
    assert not any("output limit" in line for line in full)
    assert full[:100] == lines[:100]


def test_deepest_at_with_many_children_finds_what_a_scan_finds(generic):
    """The bisection index of nodes with many children answers as a scan in order would,
    overlaps, zero-length children and gaps included."""
    import random

    from whea_gui.core.model import FieldNode

    rng = random.Random(15)
    for trial in range(30):
        root = FieldNode("record", "Record", None, "", 0, 600, kind="record")
        for i in range(rng.randrange(64, 200)):
            root.add(FieldNode(f"c{i}", "c", None, "", rng.randrange(0, 580), rng.randrange(0, 40)))
        for offset in range(-2, 640):
            want = next((c for c in root.children
                         if c.length > 0 and c.offset <= offset < c.offset + c.length), None)
            assert root.deepest_at(offset) is want, (trial, offset)
        root.add(FieldNode("late", "late", None, "", 599, 1))  # added after the index was built
        assert root.deepest_at(599).name == next(
            c.name for c in root.children if c.offset <= 599 < c.offset + c.length)
    rec = decode_record(many_descriptors(generic, 300))
    for f in rec.findings:
        node = rec.root.deepest_at(f.offset)
        assert node is not None and node.offset <= f.offset < node.end
    assert rec.root.deepest_at(128 + 72 * 299).path == "descriptor_299.section_offset"
