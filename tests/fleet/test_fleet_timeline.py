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


def test_rollups_stay_exact_through_clears_replacements_and_a_migration(pg_url, tmp_path, fleet,
                                                                        capsys, monkeypatch):
    """The server keeps running totals (schema version 2, statement triggers); a store made at
    version 1 is migrated and counted once; clears and replacements subtract what they remove."""
    from whea_gui.store import open_store, pg_schema

    with monkeypatch.context() as patch:  # a store made by schema version 1
        patch.setattr(pg_schema, "MIGRATIONS", pg_schema.MIGRATIONS[:1])
        fill(pg_url, fleet[:300])
    sqlite = fill(str(tmp_path / "fleet.sqlite"), fleet[:300])
    changes = [(d, s) for d, s in fleet[300:420]]
    summaries = []
    for spec in (pg_url, sqlite):
        with open_store(spec) as store:  # opening migrates the PostgreSQL store to the latest version
            assert store.schema_version() == (pg_schema.latest_version() if spec == pg_url
                                              else store.schema_version())
            for data, src in fleet[0:300:7]:
                rid = int.from_bytes(data[96:104], "little")
                assert store.clear_error_record(rid, host=src["host"]) == 0
            replaced = [(bytearray(d), s) for d, s in fleet[1:300:11]]
            for data, _ in replaced:
                data[12] = 1  # another severity under the same key: a replacement
            summaries.append(store.write_records([(bytes(d), s) for d, s in replaced] + changes))
    assert summaries[0] == summaries[1] and summaries[0].replaced > 10
    for options in ([], ["--bin", "60", "--by", "component"], ["--threshold", "dimm=3"]):
        decoded = _timeline(capsys, sqlite, *options)
        server = _timeline(capsys, "--store", pg_url, *options)
        assert _without_sources(server) == _without_sources(decoded)
    with open_store(pg_url) as store:  # the totals equal a count over the table
        conn = store.conn
        assert conn.execute("SELECT sum(n) FROM whea_hour_counts").fetchone()[0] == len(store)
        assert conn.execute("SELECT location, n FROM whea_location_counts WHERE n > 0 ORDER BY 1"
                            ).fetchall() == conn.execute(
            "SELECT location, count(*) FROM whea_records WHERE location IS NOT NULL GROUP BY 1 "
            "ORDER BY 1").fetchall()


def _one_dimm_history():
    """One host's corrected memory errors on one DIMM over 42 days: quiet days (1-3 records),
    bursts that reach the threshold across midnight, at the very second a window ends, twice
    within a day (two episodes) and one day after a quiet day."""
    import random

    from fleet_data import DWR, START, _stamp

    template = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    rnd = random.Random(5)
    times = []
    for day in range(40):
        base = START + day * 86400
        times += [base + rnd.randrange(86400) for _ in range(rnd.randint(0, 3))]
        if day in (6, 13, 21):  # a burst straddling midnight
            times += [base + 86400 - 600 + 60 * k for k in range(12)]
        if day == 27:  # two bursts in one day: the count falls below, then reaches it again
            times += [base + 3600 + k for k in range(10)] + [base + 3600 + 86400 + 10 + k
                                                             for k in range(10)]
        if day == 33:  # records exactly one window apart
            times += [base + k * 86400 // 10 for k in range(11)]
    # 7 records late on day 40 and 3 early on day 41: the rollup's busy days (>= 4 a day at a
    # threshold of 10) show only day 40, so whether the pair is hot takes an exact sum
    end = START + 41 * 86400
    times += [end - 3600 + 60 * k for k in range(7)] + [end + 60 * k for k in range(3)]
    times.sort()
    return [(_stamp(template, k + 1, t), {"host": "node9", "path": "/logs/node9.evtx",
                                          "offset": 4096 * k}) for k, t in enumerate(times)]


@pytest.mark.parametrize("share", [0.0, 1.0])  # one pass over the table / range scans
@pytest.mark.parametrize("threshold", ["dimm=10", "dimm=4", "dimm=1"])
def test_pruned_crossings_equal_the_decoded_ones(pg_url, tmp_path, capsys, threshold, share,
                                                 monkeypatch):
    """The server reads only the days the key-day rollup marks as able to hold a crossing
    (and the day before each such block) — by index range scans, or by one pass over the
    candidate keys when the ranges hold much of the store; the crossings are still exactly
    the decoding timeline's — and the pruning did leave records out."""
    from whea_gui.index.rates import default_rules
    from whea_gui.store import open_store, pg_timeline

    monkeypatch.setattr(pg_timeline, "RANGE_SCAN_SHARE", share)

    records = _one_dimm_history()
    sqlite = fill(str(tmp_path / "dimm.sqlite"), records)
    fill(pg_url, records)
    options = ["--threshold", threshold]
    decoded = _timeline(capsys, sqlite, *options)
    server = _timeline(capsys, "--store", pg_url, *options)
    assert _without_sources(server) == _without_sources(decoded)
    dimm = [c for c in decoded["crossings"] if c["rule"] == "DIMM"]
    assert len(dimm) >= (3 if threshold != "dimm=1" else 1)
    import dataclasses
    rule = dataclasses.replace(next(r for r in default_rules() if r.scope == "dimm"),
                               threshold=int(threshold.split("=")[1]))
    with open_store(pg_url, readonly=True) as store:
        ranges = pg_timeline.candidate_ranges(store.conn, rule)
        kept = sum(store.conn.execute(
            "SELECT count(*) FROM whea_records WHERE dimm_key = %s AND ts BETWEEN %s AND %s",
            r).fetchone()[0] for r in ranges)
    if threshold == "dimm=10":
        assert 0 < kept <= len(records) - 20  # quiet days were left out


def test_pruned_crossings_with_several_severities_and_longer_windows(pg_url, tmp_path, capsys,
                                                                     monkeypatch):
    """Rules that count several severities (or every one) over windows of several days: the
    rollup then holds a row per day and severity, and a hot run can be spread over all of them;
    the server's crossings are still exactly the decoding timeline's."""
    from whea_gui.cli import timeline as cli_timeline
    from whea_gui.index.rates import ThresholdRule

    records = []
    for k, (data, src) in enumerate(_one_dimm_history()):
        data = bytearray(data)
        data[12] = (0, 1, 2, 4)[k % 4]  # ErrorSeverity: recoverable, fatal, corrected, info
        records.append((bytes(data), src))
    rules = [ThresholdRule("DIMM, any severity", "dimm", 7, 86400, ()),
             ThresholdRule("DIMM, fatal or corrected, 3 days", "dimm", 12, 3 * 86400, (1, 2)),
             ThresholdRule("DIMM, recoverable, 12 h", "dimm", 3, 43200, (0,))]
    monkeypatch.setattr(cli_timeline, "_rules", lambda overrides: list(rules))
    sqlite = fill(str(tmp_path / "dimm.sqlite"), records)
    fill(pg_url, records)
    decoded = _timeline(capsys, sqlite)
    assert {c["rule"] for c in decoded["crossings"]} == {r.name for r in rules}
    server = _timeline(capsys, "--store", pg_url)
    assert _without_sources(server) == _without_sources(decoded)


def test_a_bin_too_narrow_for_the_span_is_refused_by_the_server_and_the_files(pg_url, tmp_path, fleet, capsys):
    # the fresh check: `--bin 1` over records ten years apart made 306M bins (a traceback at
    # 3 GB); refused with the narrowest usable width, as for files
    sqlite = fill(str(tmp_path / "fleet.sqlite"), fleet)
    fill(pg_url, fleet)
    for source in (["--store", pg_url], [sqlite]):
        capsys.readouterr()
        assert main(["timeline", *source, "--bin", "1"]) == 2
        err = capsys.readouterr().err
        assert "bins over the records' span" in err and "give a bin of at least" in err
        least = int(err.split("at least ")[1].split(" seconds")[0].replace(",", ""))
        assert main(["timeline", *source, "--bin", str(least), "--json"]) == 0
        assert len(json.loads(capsys.readouterr().out)["bins"]["counts"]) <= 100_001
