"""A timestamp the decoder calls implausible (libcper's CXL example: all-digit BCD bytes of the
year 5348, as libcper also reads them) is no usable time: it sets neither the report's time span
nor the timeline's, and both count it among the records without a usable time (audit F7)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from whea_gui.compose.generate import generate_timeline
from whea_gui.decode import decode_record

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT.parent / "shared" / "vectors"
IMPLAUSIBLE = VECTORS / "libcper-examples" / "cxlcomponent-media.cper"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *args], cwd=ROOT, capture_output=True,
                          text=True)


def test_implausible_timestamp_sets_no_time_span(tmp_path):
    bad = decode_record(IMPLAUSIBLE.read_bytes())
    assert bad.header["timestamp"].startswith("5348")
    assert any("implausible year 5348" in f.message for f in bad.findings)
    good = generate_timeline(["memory"], 1, 3, start=dt.datetime(2025, 3, 1))[0]
    (tmp_path / "good.bin").write_bytes(good.data)
    (tmp_path / "bad.cper").write_bytes(IMPLAUSIBLE.read_bytes())
    when = good.time.isoformat()

    report = run_cli("report", "-o", str(tmp_path / "r.json"), str(tmp_path))
    assert report.returncode in (0, 1), report.stderr
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert summary["records"] == 2
    assert (summary["first_time"], summary["last_time"]) == (when, when)
    assert summary["time_sources"] == {"record": 1, "none": 1}
    assert "no usable time" in summary["time_note"]

    run_cli("report", "-o", str(tmp_path / "r.md"), str(tmp_path))
    text = (tmp_path / "r.md").read_text()
    assert f"Time span: {when} to {when}" in text and "5348" not in text.split("Top fault")[0]

    timeline = run_cli("timeline", "--json", str(tmp_path))
    assert timeline.returncode in (0, 1), timeline.stderr
    t = json.loads(timeline.stdout)
    assert t["timed"] == 1 and t["time_sources"]["none"] == 1
    assert t["span"]["start"].rstrip("Z") == when == t["span"]["end"].rstrip("Z")
