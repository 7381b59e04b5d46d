"""JSON, JSON Lines, CSV and Markdown reports read back and compared with the decoder."""

from __future__ import annotations

import csv
import json
from collections import Counter

from report_helpers import (
    FIXED_AT,
    HOSTILE_FRU,
    HOSTILE_PATH,
    MALFORMED,
    dwr_files,
    hostile_record,
    timeline,
    timeline_items,
)

from whea_gui.decode import decode_record, record_to_json
from whea_gui.decode.explain import explain_record
from whea_gui.report import record_markdown, write_report
from whea_gui.report.csvout import EXPLANATION_COLUMNS
from whea_gui.report.rows import ROW_COLUMNS, record_time, severity_label
from whea_gui.sources import iter_path


def _decoded(paths):
    out = []
    for p in paths:
        for ref in iter_path(p):
            out.append(decode_record(ref.data, source=ref.source))
    return out


def _roundtrip(obj):
    return json.loads(json.dumps(obj, default=lambda v: bytes(v).hex()
                                 if isinstance(v, (bytes, bytearray)) else str(v)))


def test_json_is_the_decode_json_plus_summary(tmp_path):
    paths = dwr_files() + sorted(MALFORMED.glob("*.cper"))[:6]
    out = tmp_path / "r.json"
    result = write_report(paths, out, generated_at=FIXED_AT)
    doc = json.loads(out.read_text(encoding="utf-8"))
    recs = _decoded(paths)
    assert doc["report"] == "whea-inspector" and doc["generated_at"] == FIXED_AT
    assert [r["index"] for r in doc["records"]] == list(range(1, len(recs) + 1))
    for got, rec in zip(doc["records"], recs):
        got = dict(got)
        got.pop("index")
        # the explanation is an added key; everything else is exactly decode --json
        assert got.pop("explanation") == _roundtrip(explain_record(rec))
        assert got == _roundtrip(record_to_json(rec))
    s = doc["summary"]
    assert s == _roundtrip(result.summary)
    assert s["records"] == len(recs)
    assert s["records_with_errors"] == sum(r.has_errors() for r in recs) > 0
    assert s["by_severity"] == dict(Counter(severity_label(r) for r in recs))
    assert s["findings"]["error"] == sum(f.level == "error" for r in recs for f in r.findings)
    # the first line names the format; the generated-at time has a line of its own
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1] == f'"generated_at": "{FIXED_AT}",'


def test_json_lines(tmp_path):
    items = timeline_items(60)
    out = tmp_path / "r.jsonl"
    write_report(items, out, generated_at=FIXED_AT)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["generated_at"] == FIXED_AT and lines[0]["report"] == "whea-inspector"
    assert lines[-1]["summary"]["records"] == 60 == len(lines) - 2
    for obj, (data, src) in zip(lines[1:-1], items):
        assert obj["source"] == src
        assert obj["length"] == len(data)
        assert obj["header"]["record_id"] == decode_record(data).header["record_id"]


def test_csv_rows_match_generated_records(tmp_path):
    items = timeline_items()
    out = tmp_path / "r.csv"
    write_report(items, out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # the record-list columns first, then the explanation's
    assert list(rows[0].keys()) == list(ROW_COLUMNS) + list(EXPLANATION_COLUMNS)
    gens = timeline()
    assert len(rows) == len(gens)
    sev = {0: "Recoverable", 1: "Fatal", 2: "Corrected", 3: "Informational"}
    for row, g, (_, src) in zip(rows, gens, items):
        assert row["time"] == g.time.isoformat()
        assert row["time_source"] == "record"
        assert row["severity"] == sev[g.severity]
        assert row["host"] == g.host and row["path"] == src["path"]
        assert int(row["offset"]) == src["offset"]
        rec = decode_record(g.data)
        assert int(row["record_id"]) == rec.header["record_id"]
        assert row["section_types"] == "; ".join(s.values["type_name"] for s in rec.sections)
        assert row["summary"] == rec.summary


def test_csv_neutralises_formulas(tmp_path):
    out = tmp_path / "r.csv"
    write_report([(hostile_record(), {"path": HOSTILE_PATH, "offset": 0}),
                  (hostile_record(), {"path": "=HYPERLINK(\"x\")", "offset": 1})], out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["path"] == HOSTILE_PATH  # starts with "<": left alone
    assert rows[1]["path"] == "'=HYPERLINK(\"x\")"


def test_records_without_own_time_use_the_event_time(tmp_path):
    data = [decode_record(p.read_bytes()) for p in dwr_files() if p.name.startswith("whlg_")][0].data
    out = tmp_path / "r.csv"
    write_report([(data, {"path": "events.evtx", "time_created": "2024-07-06T10:20:30Z"}),
                  (data, {"path": "raw.bin"})], out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert (rows[0]["time"], rows[0]["time_source"]) == ("2024-07-06T10:20:30", "event")
    assert (rows[1]["time"], rows[1]["time_source"]) == ("", "none")


def test_markdown_record_tables_and_escaping():
    rec = decode_record(hostile_record(), source={"path": HOSTILE_PATH, "offset": 0})
    text = record_markdown(rec)
    assert "<script>" not in text and "\\<script\\>" in text
    # every table row of a field table has exactly the header's number of cells
    for block in text.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if not rows:
            continue
        width = len(_cells(rows[0]))
        assert all(len(_cells(r)) == width for r in rows), block
    assert "| Severity | Corrected |" in text
    assert f"| FRU text | {_md(HOSTILE_FRU)} |" in text
    length = rec.header["length"]
    assert f"| Length | {length} |" in text
    body = rec.sections[0].body
    first = next(c for c in body.children if c.kind != "bit")
    assert f"| {_md(first.label)} | {_md(first.display)} | @{first.offset}+{first.length} |" in text


def _md(text: str) -> str:
    from whea_gui.report.markdown import md
    return md(text)


def _cells(row: str) -> list[str]:
    """Split a Markdown table row on pipes that are not escaped."""
    cells, cur, esc = [], "", False
    for ch in row.strip()[1:-1]:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\":
            cur += ch
            esc = True
        elif ch == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += ch
    return cells + [cur]


def test_markdown_report_summary_and_sections(tmp_path):
    paths = dwr_files()
    out = tmp_path / "r.md"
    write_report(paths, out, generated_at=FIXED_AT)
    text = out.read_text(encoding="utf-8")
    recs = _decoded(paths)
    assert f"- Records: **{len(recs)}**" in text
    sev = ", ".join(f"{k} {v}" for k, v in Counter(severity_label(r) for r in recs).most_common())
    assert sorted(sev.split(", ")) == sorted(
        next(line for line in text.splitlines() if line.startswith("- Severity: "))[12:].split(", "))
    for i, rec in enumerate(recs, 1):
        assert f"## Record {i}: {severity_label(rec)}" in text
    times = [record_time(r)[0] for r in recs]
    first = min(t for t in times if t)
    assert f"- Time span: {first.isoformat()}" in text
