"""The summary's thresholds and storms point at the records the generator planted them with,
and every format shows them."""

from __future__ import annotations

import json
import re

import pytest
from report_helpers import FIXED_AT, Page, table_rows, timeline, timeline_items

from whea_gui.report import write_report
from whea_gui.report.markdown import md as md_text


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("s") / "s.json"
    write_report(timeline_items(), out, generated_at=FIXED_AT)
    return json.loads(out.read_text(encoding="utf-8"))["summary"]


def test_dimm_threshold_crossed_at_the_tenth_repeat(summary):
    gens = timeline()
    repeats = [i for i, g in enumerate(gens, 1) if g.role == "repeat"]
    dimm = [c for c in summary["thresholds"] if c["rule"] == "DIMM"]
    assert len(dimm) == 1
    c = dimm[0]
    assert c["record"] == repeats[9]  # the 10th corrected error within 24 h
    assert c["time"] == gens[repeats[9] - 1].time.isoformat()
    assert c["peak"] == len(repeats) == 14
    assert c["location"] == "node-a | memory:node=1/card=3/module=0"
    assert summary["by_location"][c["location"]] == 14


def test_storms_start_at_storm_records(summary):
    gens = timeline()
    storm_idx = {i for i, g in enumerate(gens, 1) if g.role == "storm"}
    assert summary["storms"]
    covered = 0
    for s in summary["storms"]:
        first = s["first_record"]
        assert first in storm_idx
        assert gens[first - 1].time.isoformat() == s["start"]
        assert s["records"] >= summary["storm_rule"]["records"]
        covered += s["records"]
    assert covered <= len(storm_idx) + 5  # a background record may fall inside the burst
    assert summary["by_location"]["node-b | pcie:" + next(
        k.split("pcie:")[1] for k in summary["by_location"] if "pcie:" in k)] >= len(storm_idx)


def test_every_format_shows_them(tmp_path, summary):
    items = timeline_items()
    write_report(items, tmp_path / "r.html", generated_at=FIXED_AT)
    write_report(items, tmp_path / "r.md", generated_at=FIXED_AT)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    analysis = html[html.index('<section id="analysis">'):html.index('<section id="breakdown">')]
    rows = [r for r in table_rows(analysis) if r and r[0].startswith("DIMM")]
    c = summary["thresholds"][0]
    assert rows == [[f"DIMM ({c['threshold']} in 24 h)", c["location"], c["time"].replace("T", " "),
                     str(c["peak"]), c["until"].replace("T", " "), str(c["record"])]]
    svg = Page(html).text("timeline")
    assert "DIMM threshold crossed" in svg and "Storm" in svg
    assert len(re.findall(r'fill="#f9e79f"><title>Storm', html)) == len(summary["storms"])
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert f"| DIMM | {md_text(c['location'])} | {c['time']} | {c['peak']} | {c['record']} |" in md
    assert md.count("\n| 2025-") >= len(summary["storms"])
