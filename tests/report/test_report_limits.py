"""HTML and Markdown reports cap the record list and the details at stated limits and say so in
the report; the summary, thresholds and storms still count every record."""

from __future__ import annotations

import datetime as dt
import re

from whea_gui.cli import main
from whea_gui.compose.generate import RepeatFault, generate_records
from whea_gui.report import write_report


def _fleet(tmp_path, n=120):
    path = tmp_path / "fleet.bin"
    path.write_bytes(b"".join(generate_records(["memory", "pcie"], n, seed=2,
                                               start=dt.datetime(2025, 1, 1),
                                               span=dt.timedelta(days=2),
                                               repeat=RepeatFault(count=20))))
    return path


def test_html_limits_are_applied_and_stated(tmp_path):
    src = _fleet(tmp_path)
    capped, full = tmp_path / "capped.html", tmp_path / "full.html"
    a = write_report([src], capped, list_limit=30, detail_limit=4)
    b = write_report([src], full, list_limit=-1, detail_limit=-1)
    html, whole = capped.read_text(), full.read_text()
    assert len(re.findall(r'<tr><td class="num"><a href="#record-', html)) == 30
    assert len(re.findall(r'<article class="record', html)) == 4 == a.detailed
    assert "The record list shows the first 30 of 120 records (list limit 30)" in html
    assert "Details are shown for the first 4 records (detail limit 4); 116 more" in html
    # every record counted: the summary and the thresholds equal the unlimited report's
    assert a.summary == b.summary and a.summary["records"] == 120 and a.summary["thresholds"]
    assert len(re.findall(r'<article class="record', whole)) == 120 and "list limit" not in whole


def test_markdown_default_limits_and_the_command_line(tmp_path, capsys):
    src = _fleet(tmp_path, 50)
    out = tmp_path / "r.md"
    assert main(["report", str(src), "-o", str(out), "-q", "--list-limit", "10",
                 "--detail-limit", "2"]) == 0
    text = out.read_text()
    table_rows = [ln for ln in text.splitlines() if re.match(r"\| \d+ \|", ln)]
    assert len(table_rows) == 10
    assert "The record list shows the first 10 of 50 records (list limit 10)" in text
    assert "Details are shown for the first 2 records (detail limit 2); 48 more" in text
    # under the defaults (20,000 / 1,000) a small report is complete and says nothing
    assert main(["report", str(src), "-o", str(out), "-q"]) == 0
    text = out.read_text()
    assert len([ln for ln in text.splitlines() if re.match(r"\| \d+ \|", ln)]) == 50
    assert "list limit" not in text and "detail limit" not in text
