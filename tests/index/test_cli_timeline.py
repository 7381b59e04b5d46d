"""``whea timeline`` on real Windows records and on a generated month."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from whea_gui.cli import main
from whea_gui.compose.generate import Storm, generate_timeline

VECTORS = Path(__file__).resolve().parents[1].parent.parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"


def _json(capsys, *argv) -> tuple[int, dict]:
    code = main(["timeline", *map(str, argv), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_real_windows_records(capsys):
    code, rep = _json(capsys, DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin",
                      DWR / "cper_cmci_amd_xpfmca_v2r2.bin", DWR / "whlg_cmci_restart.bin")
    assert code == 0
    assert (rep["records"], rep["timed"]) == (3, 2)
    assert rep["time_sources"] == {"none": 1, "record": 2, "event": 0}
    # the maintainer's decode of the Zen 4 record: LocalAPICId 13 (bank 3 from its MCA section);
    # the issue #7 record: TimeCreated 2024-11-09T09:55:33.65Z
    assert {"location": "cpu:apic=13:bank=3", "count": 1} in rep["top_locations"]
    times = {Path(r["source"]["path"]).name: (r["time"], r["time_source"]) for r in rep["record_times"]}
    assert times["cper_cmci_amd_xpfmca_v2r2.bin"] == ("2024-11-09T09:55:33Z", "record")
    assert times["whlg_cmci_restart.bin"] == (None, "none")
    assert rep["bins"]["by"] == "severity" and sum(map(sum, rep["bins"]["counts"])) == 2
    assert rep["crossings"] == [] and rep["storms"] == []


def test_event_log_entries_use_the_event_time(capsys):
    # 47 WhLg entries and 5 Event ID 5 error-source tables (no timestamp of their own) from a
    # November 2024 Kernel-WHEA channel
    code, rep = _json(capsys, VECTORS / "evtx" / "kernel_whea_operational_52events.evtx")
    assert code == 0
    assert rep["time_sources"] == {"none": 0, "record": 0, "event": 52}
    assert {r["time_source"] for r in rep["record_times"]} == {"event"}
    assert all(r["time"].startswith("2024-11-") for r in rep["record_times"])
    assert rep["span"]["start"] >= "2024-11-01" and rep["span"]["end"] < "2024-12-01"


def test_generated_month_storm_and_text(tmp_path, capsys):
    gen = generate_timeline(["ia32x64", "memory"], 300, seed=5, hosts=["web-01", "db-01"],
                            start=dt.datetime(2025, 3, 1), span=dt.timedelta(days=30),
                            storm=Storm(count=40, kind="ia32x64", duration=dt.timedelta(seconds=45)))
    path = tmp_path / "month.bin"
    path.write_bytes(b"".join(g.data for g in gen))
    code, rep = _json(capsys, path, "--by", "component", "--storm", "20")
    assert code == 0 and rep["records"] == rep["timed"] == 300
    assert rep["bins"]["width"] == 3 * 3600 and rep["bins"]["by"] == "component"
    storm_times = sorted(g.time for g in gen if g.role == "storm")
    [storm] = rep["storms"]
    assert storm["start"] <= storm_times[0].isoformat() + "Z" and storm["end"] >= storm_times[-1].isoformat() + "Z"
    assert storm["count"] >= 40
    assert [r["source"]["offset"] for r in rep["record_times"]][:2] == [0, len(gen[0].data)]
    # the text form says the same
    assert main(["timeline", str(path), "--storm", "20"]) == 0
    text = capsys.readouterr().out
    assert "300 records: 300 on the timeline" in text and f"{storm['count']} records, peak" in text


def test_threshold_override_and_bad_arguments(tmp_path, capsys):
    # a 5-hour burst on random CPUs: every record corrected
    gen = generate_timeline(["ia32x64"], 30, seed=2, start=dt.datetime(2025, 3, 1),
                            storm=Storm(count=30, kind="ia32x64", duration=dt.timedelta(hours=5)))
    path = tmp_path / "cpu.bin"
    path.write_bytes(b"".join(g.data for g in gen))
    assert {g.severity for g in gen} == {2}
    code, rep = _json(capsys, path, "--threshold", "cpu=1", "--top", "1000")
    assert code == 0
    cpu = next(r for r in rep["thresholds"] if r["scope"] == "cpu")
    assert cpu["threshold"] == 1
    # within 5 hours no CPU falls back below 1 in 24 h: each located CPU crosses exactly once
    crossed = [c["location"] for c in rep["crossings"] if c["rule"] == "CPU"]
    assert sorted(crossed) == sorted(r["location"] for r in rep["top_locations"])
    assert len(crossed) > 20 and all(c["count"] == 1 for c in rep["crossings"])
    assert main(["timeline", str(path), "--threshold", "dimm=x"]) == 2
    assert "expected SCOPE=N" in capsys.readouterr().err
    assert main(["timeline", str(tmp_path / "missing.bin")]) == 2
    assert "missing.bin" in capsys.readouterr().err
