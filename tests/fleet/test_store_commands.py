"""`whea store` commands on a PostgreSQL store (real server, fleet records from the shared
vectors): check verifies every record's checksum in place."""

from __future__ import annotations

import psycopg
import pytest
from fleet_helpers import fill

from whea_gui.cli import main


def test_check_verifies_every_checksum_on_the_server(pg_url, fleet, capsys):
    fill(pg_url, fleet[:60])
    secret = pg_url.replace("postgres@", "postgres:hunter22@")
    assert main(["store", "check", "--store", secret]) == 0
    out, err = capsys.readouterr()
    assert "ok (60 records, every checksum matches)" in out and "no store here" not in err
    assert "hunter22" not in out + err
    with psycopg.connect(pg_url, autocommit=True) as conn:  # flip one bit of one record
        host, rid = conn.execute(
            "UPDATE whea_records SET data = set_byte(data, 200, get_byte(data, 200) # 1) "
            "WHERE slot = (SELECT min(slot) FROM whea_records) RETURNING host, record_id").fetchone()
    assert main(["store", "check", "--store", secret]) == 1
    out, err = capsys.readouterr()
    assert "DAMAGED: 1 of 60 records fail their checksum" in err
    assert f"record {rid:#x} of host {host!r}" in err and "hunter22" not in out + err


def test_check_of_a_missing_server_store_says_why(pg_url, capsys):
    secret = pg_url.replace("postgres@", "postgres:hunter22@")
    assert main(["store", "check", "--store", secret]) == 2  # an empty database: no schema
    err = capsys.readouterr().err
    assert "no store in this database" in err and "hunter22" not in err
    with pytest.raises(SystemExit):
        main(["store", "check", "--store"])


LONG_HOST = "n" * 100_000


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_odd_host_names_are_refused_at_import(engine, request, tmp_path, fleet, capsys):
    from whea_gui.store import STATUS_INVALID_PARAMETER, open_store
    spec = str(tmp_path / "s.sqlite") if engine == "sqlite" else request.getfixturevalue("pg_url")
    vector = tmp_path / "one.bin"
    vector.write_bytes(fleet[0][0])
    for host in (LONG_HOST, "node\n7", "x" * 256):
        with pytest.raises(SystemExit) as info:
            main(["store", "import", "--store", spec, "--host", host, str(vector)])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "argument --host" in err and len(err) < 2000
    assert main(["store", "import", "--store", spec, "--host", "é" * 127, str(vector)]) == 0
    capsys.readouterr()
    with open_store(spec) as store:  # the API refuses them too, naming why; others still go in
        data = fleet[1][0]
        summary = store.write_records([(data, {"host": LONG_HOST}), (data, {"computer": "a\tb"}),
                                       (data, {"host": "node9"})])
        assert (summary.written, summary.refused) == (1, 2)
        result = store.write_error_record(data, source={"host": "bad\x7fhost"})
        assert result.status == STATUS_INVALID_PARAMETER and "control character" in result.reason
        assert len(store) == 2  # "é" * 127 (254 bytes) and node9


def test_export_survives_an_odd_host(tmp_path, fleet):
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    from whea_gui.report.parquet import export_parquet, partition_host
    odd = [LONG_HOST, "rack 4\nnode 2", "a/../b", "ü" * 100]
    pairs = [(data, {"host": odd[i % len(odd)]}) for i, (data, _) in enumerate(fleet[:40])]
    pairs.append((fleet[40][0], {"host": "node1"}))
    result = export_parquet(pairs, tmp_path / "out")
    assert result.records == 41
    rows = duckdb.execute(
        f"SELECT host, host_name, count(*) FROM read_parquet('{tmp_path}/out/records/**/*.parquet',"
        " hive_partitioning = true) GROUP BY ALL ORDER BY host_name").fetchall()
    assert {r[1]: r[2] for r in rows} == {"node1": 1, **{h: 10 for h in odd}}
    assert all(r[0] == partition_host(r[1]) for r in rows)
    assert partition_host("node1") == "node1" and "~" in partition_host(LONG_HOST)
    assert partition_host(LONG_HOST) != partition_host(LONG_HOST[:-1] + "m")


def test_whea_store_is_the_default_input(pg_url, fleet, tmp_path, monkeypatch, capsys):
    """README: $WHEA_STORE works wherever a store does — timeline, report, metrics, export."""
    import json
    fill(pg_url, fleet[:30])
    monkeypatch.setenv("WHEA_STORE", pg_url)
    assert main(["timeline", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 30
    assert main(["report", "-o", str(tmp_path / "r.json"), "-q"]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["records"] == 30
    assert main(["metrics", "--as-of", "last"]) == 0
    assert "whea_store_records 30.0" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "pq")]) == 0
    monkeypatch.delenv("WHEA_STORE")
    capsys.readouterr()
    for argv in (["timeline"], ["report", "-o", str(tmp_path / "x.html")], ["metrics"]):
        assert main(argv) == 2 and "WHEA_STORE" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_write_host_read_names_host_and_last_id(engine, request, tmp_path, fleet, capsys):
    import json
    spec = str(tmp_path / "s.sqlite") if engine == "sqlite" else request.getfixturevalue("pg_url")
    f = tmp_path / "two.bin"
    one_host = [data for data, src in fleet if src["host"] == "node1"]  # distinct record ids
    f.write_bytes(one_host[0] + one_host[1])
    for host in ("rackA-n1", "rackB-n2"):  # the same record ids under two hosts
        assert main(["store", "--store", spec, "write", str(f), "--host", host]) == 0
    capsys.readouterr()
    assert main(["store", "--store", spec, "read", "0"]) == 0
    out = capsys.readouterr().out.splitlines()[0]
    assert "of one of the hosts 'rackA-n1', 'rackB-n2'" in out
    assert main(["store", "--store", spec, "read", "0", "--host", "rackB-n2", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["hosts"] == ["rackB-n2"] and first["last_record"] is False
    rid2 = first["next_record_id"]
    assert main(["store", "--store", spec, "read", str(rid2), "--host", "rackB-n2"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert f"record 0x{rid2:016X} of host 'rackB-n2'" in line
    assert f"next record id 0x{rid2:016X} (its own: the last record)" in line
    assert main(["store", "--store", spec, "read", str(rid2), "--host", "rackB-n2", "--json"]) == 0
    last = json.loads(capsys.readouterr().out)
    assert last["next_record_id"] == rid2 and last["last_record"] is True


def test_import_into_a_full_store_counts_repeated_failures(tmp_path, fleet, capsys):
    spec = str(tmp_path / "full.sqlite")
    assert main(["store", "--store", spec, "init", "--max-records", "3"]) == 0
    src = tmp_path / "many.bin"
    src.write_bytes(b"".join([data for data, s in fleet if s["host"] == "node1"][:60]))
    capsys.readouterr()
    assert main(["store", "--store", spec, "import", str(src), "--host", "n1"]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "STATUS_INSUFFICIENT_RESOURCES:" in ln]
    assert len(lines) == 5
    assert "57 records in all failed with STATUS_INSUFFICIENT_RESOURCES (52 not listed above)" in err
