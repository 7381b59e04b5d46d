"""The Parquet export: Hive partitions by host and month, records and sections tables, the same
rows from a PostgreSQL store's columns as from decoding; DuckDB reads the folder as it is and
reproduces `whea timeline`'s bin counts, threshold crossings and top locations exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fleet_helpers import fill

from whea_gui.cli import main
from whea_gui.formats.cper import SEVERITY
from whea_gui.index.rates import default_rules

duckdb = pytest.importorskip("duckdb", reason="the DuckDB checks need duckdb (pip install duckdb)")
pytest.importorskip("pyarrow", reason="the Parquet export needs pyarrow")
DB = duckdb.connect()  # in memory

CROSSINGS_SQL = """
WITH sel AS (
    SELECT seq, ts, {col} AS k FROM recs
    WHERE {col} IS NOT NULL AND ts IS NOT NULL AND time_source <> 'none' AND severity = 2),
counted AS (
    SELECT seq, ts, k, row_number() OVER (PARTITION BY k ORDER BY ts, seq)
        - count(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING
                         AND {w1} PRECEDING) AS n
    FROM sel),
marked AS (
    SELECT *, n >= {th} AS above,
        coalesce(lag(n >= {th}) OVER (PARTITION BY k ORDER BY ts, seq), false) AS prev
    FROM counted),
episodes AS (
    SELECT *, sum(CASE WHEN above AND NOT prev THEN 1 ELSE 0 END)
        OVER (PARTITION BY k ORDER BY ts, seq) AS ep
    FROM marked)
SELECT k, arg_min(ts, ts * 1000000 + seq), arg_min(n, ts * 1000000 + seq), max(n),
       arg_max(ts, ts * 1000000 + seq)
FROM episodes WHERE above GROUP BY k, ep
"""


def _iso(t: int) -> str:
    import datetime as dt
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _export(capsys, folder: Path, *inputs) -> None:
    assert main(["export", "--format", "parquet", str(folder), *map(str, inputs)]) == 0
    assert "records" in capsys.readouterr().err


def _table(folder: Path, name: str, order: str = "seq"):
    return DB.execute(f"SELECT * FROM read_parquet('{folder}/{name}/**/*.parquet', "
                      f"hive_partitioning = true) ORDER BY {order}")


def test_duckdb_reproduces_the_timeline(pg_url, tmp_path, fleet, capsys):
    fill(pg_url, fleet)
    folder = tmp_path / "export"
    _export(capsys, folder, pg_url)
    hosts = sorted(p.name for p in (folder / "records").iterdir())
    assert hosts == ["host=node1", "host=node2", "host=node3"]
    assert any(p.name == "month=2025-03" for p in (folder / "records/host=node1").iterdir())
    assert main(["timeline", "--store", pg_url, "--json"]) == 0
    timeline = json.loads(capsys.readouterr().out)
    DB.execute(f"CREATE OR REPLACE VIEW recs AS SELECT * FROM read_parquet("
               f"'{folder}/records/**/*.parquet', hive_partitioning = true)")
    assert DB.execute("SELECT count(*) FROM recs").fetchone()[0] == timeline["records"]
    assert DB.execute("SELECT count(*) FROM recs WHERE time_source <> 'none'").fetchone()[0] == \
        timeline["timed"]
    # bin counts by severity, on the timeline's own bins
    bins = timeline["bins"]
    start = int(DB.execute(f"SELECT epoch(TIMESTAMPTZ '{bins['start']}')").fetchone()[0])
    counts = [[0] * len(bins["labels"]) for _ in bins["counts"]]
    for b, sev, n in DB.execute(f"SELECT (ts - {start}) // {bins['width']}, severity, count(*) "
                                "FROM recs WHERE time_source <> 'none' GROUP BY ALL").fetchall():
        counts[b][bins["labels"].index(SEVERITY.get(sev, "Unknown"))] += n
    assert counts == bins["counts"]
    # threshold crossings: the rolling 24 h windows as DuckDB window functions
    found = []
    for index, rule in enumerate(default_rules()):
        col = {"page": "page_key", "dimm": "dimm_key", "cpu": "cpu_key"}[rule.scope]
        for k, t, n, peak, until in DB.execute(CROSSINGS_SQL.format(
                col=col, w1=rule.window + 1, th=rule.threshold)).fetchall():
            first = DB.execute(f"SELECT min(seq) FROM recs WHERE {col} = ?", [k]).fetchone()[0]
            found.append((t, index, first, {"rule": rule.name, "location": k, "time": _iso(t),
                                            "count": n, "peak": peak, "until": _iso(until)}))
    found.sort(key=lambda c: c[:3])
    assert [c[3] for c in found] == [{k: v for k, v in c.items() if k != "source"}
                                     for c in timeline["crossings"]]
    assert len(found) >= 3
    tops = DB.execute("SELECT location, count(*) FROM recs WHERE location IS NOT NULL "
                      "GROUP BY location ORDER BY 2 DESC, location LIMIT 10").fetchall()
    assert [{"location": k, "count": n} for k, n in tops] == timeline["top_locations"]


def test_store_columns_and_decoding_give_the_same_tables(pg_url, tmp_path, fleet, capsys):
    fill(pg_url, fleet[:150])
    sqlite = fill(str(tmp_path / "s.sqlite"), fleet[:150])
    _export(capsys, tmp_path / "from_pg", pg_url)
    _export(capsys, tmp_path / "from_sqlite", sqlite)
    for name, order in (("records", "seq"), ("sections", "seq, section_index")):
        a = _table(tmp_path / "from_pg", name, order).fetchall()
        b = _table(tmp_path / "from_sqlite", name, order).fetchall()
        assert a == b and len(a) >= 150
    host, provenance, summary, names = DB.execute(
        f"SELECT host, provenance, summary, section_names FROM read_parquet('{tmp_path}/from_pg/"
        "records/**/*.parquet', hive_partitioning = true) ORDER BY seq LIMIT 1").fetchone()
    assert host in ("node1", "node2", "node3") and provenance.startswith("/logs/")
    assert summary and names
    fields = [json.loads(f) for (f,) in DB.execute(
        f"SELECT location_fields FROM read_parquet('{tmp_path}/from_pg/sections/**/*.parquet', "
        "hive_partitioning = true) WHERE component = 'memory' AND location_fields IS NOT NULL"
    ).fetchall()]
    assert fields and all(f["node"] == 0 for f in fields)


def test_export_parquet_api_and_a_failed_export_leaves_nothing(tmp_path, fleet):
    from whea_gui.report.parquet import export_parquet

    result = export_parquet(fleet[:20], tmp_path / "out")
    assert (result.records, result.parts) == (20, 1)
    assert DB.execute(f"SELECT count(*) FROM '{tmp_path}/out/records/**/*.parquet'").fetchone()[0] == 20

    class Batch:  # what the window hands over: record bytes and a provenance per row
        data = [d for d, _ in fleet[:5]]

        @staticmethod
        def source_of(i):
            return fleet[i][1]

    assert export_parquet(Batch(), tmp_path / "batch").records == 5
    with pytest.raises(TypeError):
        export_parquet([(fleet[0][0], {}), 42], tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".whea")] == []


def test_export_usage_errors_write_nothing(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["export", "--format", "parquet", str(target), str(tmp_path)]) == 2
    assert main(["export", "--format", "parquet", str(tmp_path / "out")]) == 2
    assert main(["export", "--format", "parquet", str(tmp_path / "out"),
                 "postgresql://nobody@/nothing?host=/nonexistent"]) == 2
    assert "cannot connect" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and target.read_text() == "x"


def test_more_host_date_partitions_than_pyarrows_default_limit(tmp_path, fleet, monkeypatch):
    """A fleet part touching more than 1,024 host/date folders (pyarrow's default limit)."""
    from whea_gui.report import parquet

    monkeypatch.setattr(parquet, "CHUNK", 5000)
    pairs = [(data, {**src, "host": f"{src['host']}-{k}"}) for k, (data, src) in
             enumerate(fleet[:1] * 1100)]
    result = parquet.export_parquet(pairs, tmp_path / "many")
    assert result.records == 1100
    assert len(list((tmp_path / "many" / "records").iterdir())) == 1100


def test_export_keeps_files_it_did_not_write(tmp_path, fleet, capsys):
    from whea_gui.report.parquet import export_parquet
    src = tmp_path / "in.bin"
    src.write_bytes(b"".join(data for data, _ in fleet[:5]))
    out = tmp_path / "out"
    _export(capsys, out, src)
    mine = out / "records" / "mine.txt"
    mine.write_text("my notes")
    assert main(["export", "--format", "parquet", str(out), str(src)]) == 2
    err = capsys.readouterr().err
    assert "records/mine.txt" in err and "--replace" in err and mine.read_text() == "my notes"
    assert len(list((out / "records").rglob("*.parquet"))) >= 1  # the last export is intact
    assert main(["export", "--format", "parquet", "--replace", str(out), str(src)]) == 0
    capsys.readouterr()
    assert not mine.exists()
    assert main(["export", "--format", "parquet", str(out), str(src)]) == 0  # its own files
    capsys.readouterr()
    assert export_parquet([], tmp_path / "x").records == 0


def test_empty_store_exports_tables_duckdb_reads(pg_url, tmp_path, capsys):
    from whea_gui.store import open_store
    open_store(pg_url).close()  # a store with its schema and no records
    for spec in (pg_url, str(tmp_path / "empty.sqlite")):
        open_store(spec).close()
        out = tmp_path / ("pg" if spec == pg_url else "sqlite")
        _export(capsys, out, spec)
        for name in ("records", "sections"):
            rows = DB.execute(f"SELECT count(*) FROM read_parquet('{out}/{name}/**/*.parquet', "
                              "hive_partitioning = true)").fetchone()
            assert rows == (0,)
        cols = [d[0] for d in _table(out, "records").description]
        assert {"host", "host_name", "date", "page_key", "severity"} <= set(cols)


def test_store_columns_in_many_runs_with_odd_text_match_decoding(pg_url, tmp_path, fleet,
                                                                  monkeypatch, capsys):
    """The PostgreSQL export reads its columns in runs of BLOCK records by host (a host's
    records split across runs and parts here) and parses the server's CSV: host names and
    paths holding commas, quotes, newlines and non-ASCII text, and records without a host,
    come out exactly as the decoding export writes them, with the same seq (store order)."""
    from whea_gui.report import parquet

    monkeypatch.setattr(parquet, "BLOCK", 7)
    monkeypatch.setattr(parquet, "CHUNK", 30)
    odd = {"node1": 'node,"1"', "node2": "nœud 2", "node3": ""}
    pairs = [(data, {**src, "host": odd[src["host"]], "path": f'/logs/a,b "{k % 3}"\n.evtx'})
             for k, (data, src) in enumerate(fleet[:90])]
    fill(pg_url, pairs)
    sqlite = fill(str(tmp_path / "s.sqlite"), pairs)
    _export(capsys, tmp_path / "from_pg", pg_url)
    _export(capsys, tmp_path / "from_sqlite", sqlite)
    for name, order in (("records", "seq"), ("sections", "seq, section_index")):
        a = _table(tmp_path / "from_pg", name, order).fetchall()
        b = _table(tmp_path / "from_sqlite", name, order).fetchall()
        assert a == b and len(a) >= 90
    rows = _table(tmp_path / "from_pg", "records").fetchall()
    assert [r[0] for r in rows] == list(range(90))  # seq: store order, every record once
    cols = [d[0] for d in _table(tmp_path / "from_pg", "records").description]
    hosts = {r[cols.index("host_name")] for r in rows}
    assert hosts == {'node,"1"', "nœud 2", None}
    assert {r[cols.index("provenance")] for r in rows} == {f'/logs/a,b "{k}"\n.evtx'
                                                           for k in range(3)}
    # several parts, each a file per host and month
    parts = {p.name.split("-")[1] for p in (tmp_path / "from_pg" / "records").rglob("part-*")}
    assert len(parts) >= 3


def test_section_objects_with_any_text_and_records_without_sections(pg_url, tmp_path, fleet,
                                                                     capsys):
    """Sections leave the server as the JSON text of the ``sections`` column and are taken apart
    by the client: summaries and location fields holding quotes, backslashes, escaped newlines,
    brackets, a line-break-and-brace and non-ASCII text come out as stored; a record whose
    column is null or not an array has no section rows, and the others keep theirs."""
    from whea_gui.store import open_store

    fill(pg_url, fleet[:12])
    odd = 'line 1\nline 2 "quoted" \\ back } ] {"s": []}\n nœud 🙂'
    with open_store(pg_url) as store:
        conn = store.conn
        slots = [r[0] for r in conn.execute("SELECT slot FROM whea_records ORDER BY slot")]
        conn.execute("UPDATE whea_records SET sections = jsonb_set(jsonb_set(sections, "
                     "'{0,summary}', to_jsonb(%s::text)), '{0,location_fields}', to_jsonb(%s::text)) "
                     "WHERE slot = %s", (odd, odd[::-1], slots[0]))
        conn.execute("UPDATE whea_records SET sections = NULL WHERE slot = %s", (slots[1],))
        conn.execute("UPDATE whea_records SET sections = '{\"not\": \"an array\"}' WHERE slot = %s",
                     (slots[2],))
        conn.commit()
        expected = sum(len(r[0]) for r in conn.execute(
            "SELECT sections FROM whea_records WHERE jsonb_typeof(sections) = 'array'"))
    _export(capsys, tmp_path / "out", pg_url)
    rows = _table(tmp_path / "out", "sections", "seq, section_index").fetchall()
    cols = [d[0] for d in _table(tmp_path / "out", "sections").description]
    assert len(rows) == expected > 12
    seq, summary, fields = (cols.index(c) for c in ("seq", "summary", "location_fields"))
    assert {r[seq] for r in rows} == set(range(12)) - {1, 2}
    first = [r for r in rows if r[seq] == 0]
    assert first[0][summary] == odd and first[0][fields] == odd[::-1]
