"""`whea timeline` on a PostgreSQL store runs in the server (SQL time bins, rolling 24 h windows)
and gives exactly the figures the decoding timeline gives for the same records in a SQLite store;
`whea report` reads a PostgreSQL store as an input."""

from __future__ import annotations

import json

import pytest
from fleet_helpers import fill

from whea_gui.cli import main


def _timeline(capsys, *argv) -> dict:
    assert main(["timeline", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _without_sources(report: dict) -> dict:
    """The figures, without the per-record source names (a file path vs a URL)."""
    out = dict(report)
    out["crossings"] = [{k: v for k, v in c.items() if k != "source"} for c in report["crossings"]]
    out["record_times"] = [{k: v for k, v in r.items() if k != "source"} for r in report["record_times"]]
    return out


@pytest.mark.parametrize("options", [
    [], ["--by", "component"], ["--by", "notify", "--bin", "3600"], ["--by", "section"],
    ["--by", "source", "--threshold", "dimm=4", "--threshold", "cpu=5", "--storm", "6"],
])
def test_server_timeline_equals_the_decoded_timeline(pg_url, tmp_path, fleet, capsys, options):
    sqlite = fill(str(tmp_path / "fleet.sqlite"), fleet)
    fill(pg_url, fleet)
    decoded = _timeline(capsys, sqlite, *options)
    server = _timeline(capsys, "--store", pg_url, *options)
    assert _without_sources(server) == _without_sources(decoded)
    # the data exercise what is compared: crossings of both memory and CPU rules, storms,
    # records without a time, several hosts
    rules = {c["rule"] for c in decoded["crossings"]}
    assert "DIMM" in rules and ("CPU" in rules or "--threshold" not in options)
    assert decoded["crossings"] and decoded["storms"] and decoded["time_sources"]["none"]
    assert all(c["source"]["path"] == server["crossings"][0]["source"]["path"]
               for c in server["crossings"])


def test_text_output_and_usage_errors(pg_url, fleet, capsys):
    fill(pg_url, fleet[:120])
    assert main(["timeline", pg_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("120 records:") and "Threshold crossings" in out
    assert main(["timeline", pg_url, "/nonexistent"]) == 2
    assert "on its own" in capsys.readouterr().err
    assert main(["timeline", pg_url.replace("host=", "host=/nonexistent")]) == 2


def test_report_reads_a_postgresql_store(pg_url, fleet, tmp_path, capsys):
    fill(pg_url, fleet[:40])
    out = tmp_path / "r.jsonl"
    assert main(["report", pg_url, "-o", str(out), "-q"]) in (0, 1)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    records = [r for r in rows if "header" in r or "record_id" in r]
    assert len(records) == 40
    text = out.read_text()
    assert "node1" in text and "hunter" not in text
