"""WHEA's own log entries (WhLg event-log entries, Event ID 5 error-source tables) are listed and
charted but report no hardware error: a boot's burst of them is no error storm. Storms count
error records only: in the timeline of files and `whea report` (stores keep CPER records only,
so their storms agree). The log is the real Kernel-WHEA Operational log of the shared vectors
(shared/vectors/evtx/README.md): 47 WhLg entries and 5 error-source tables, no error record, in
bursts of up to 12 within 12 seconds."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from vectorlib import VECTORS

from whea_gui.cli import main
from whea_gui.compose.generate import generate_timeline

EVTX = VECTORS / "evtx" / "kernel_whea_operational_52events.evtx"
FIRST_BURST = dt.datetime(2024, 11, 14, 16, 15, 45)  # 12 entries logged in 12 s from here


def _timeline(capsys, *argv) -> dict:
    assert main(["timeline", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _inputs(tmp_path, errors: int):
    """The log plus ``errors`` memory error records within 30 s of its first burst."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EVTX, folder / EVTX.name)
    for i, rec in enumerate(generate_timeline(["memory"], errors, 5, start=FIRST_BURST,
                                              span=dt.timedelta(seconds=30))):
        (folder / f"mem{i}.bin").write_bytes(rec.data)
    return folder


def test_a_burst_of_log_entries_alone_is_no_storm(capsys):
    report = _timeline(capsys, str(EVTX))
    assert (report["records"], report["timed"]) == (52, 52)
    assert report["storms"] == []  # it listed 5 storms of 10-12 "records" before
    # and they stack as log entries (the 47 WhLg entries and the 5 tables), not as "Unknown"
    bins = report["bins"]
    assert bins["labels"] == ["WHEA log entry"] and sum(map(sum, bins["counts"])) == 52
    assert main(["timeline", str(EVTX)]) == 0
    text = capsys.readouterr().out
    assert "Storms (at least 10 error records within 60 s" in text and "  none" in text


@pytest.mark.parametrize("errors", [9, 10])
def test_storms_count_error_records_only_in_every_engine(tmp_path, capsys, pg_url, errors):
    folder = _inputs(tmp_path, errors)
    raw = _timeline(capsys, str(folder))
    assert raw["records"] == 52 + errors
    sqlite = str(tmp_path / "s.sqlite")
    assert main(["store", "--store", sqlite, "import", str(folder)]) in (0, 1)
    assert main(["store", "--store", pg_url, "import", str(folder)]) in (0, 1)
    capsys.readouterr()
    stored = [_timeline(capsys, sqlite), _timeline(capsys, "--store", pg_url)]
    # 9 errors among 12 log entries in a minute: no storm; 10: one storm of exactly the 10
    expected = [] if errors < 10 else [errors]
    for report in [raw, *stored]:
        assert [s["count"] for s in report["storms"]] == expected, report["storms"]
    # (a store keeps CPER error records only: the log entries were skipped, as import says)
    assert stored[0]["records"] == stored[1]["records"] == errors
    out = tmp_path / "r.json"
    assert main(["report", "-q", "-o", str(out), str(folder)]) in (0, 1)
    summary = json.loads(out.read_text())["summary"]
    assert [s["records"] for s in summary["storms"]] == expected
