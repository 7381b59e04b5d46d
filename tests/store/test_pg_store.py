"""The PostgreSQL store on a real server: fleet keys and PSHED per host on both engines, the
schema and its migrations, bytes and CRC kept exactly, read-only use, the `whea store` commands
on a URL, and concurrent importer processes killed with SIGKILL losing and duplicating nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from store_helpers import TEMPLATE, build_record, child_record

from whea_gui.cli import main
from whea_gui.store import (
    STATUS_MEDIA_WRITE_PROTECTED,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    AmbiguousRecordId,
    StoreDamaged,
    StoreError,
    open_store,
)

CHILD = Path(__file__).with_name("writer_child.py")
REPO = Path(__file__).resolve().parents[2]


def _unstamped(data: bytes) -> bytes:
    return data[:108] + bytes(8) + data[116:]


def _chain(store, host: str) -> list[int]:
    rid, chain = 0, []
    while True:
        res = store.read_error_record(rid, host=host)
        if res.status != STATUS_SUCCESS:
            return chain
        chain.append(res.record_id)
        if res.next_record_id == res.record_id:
            return chain
        rid = res.next_record_id


def test_hosts_with_colliding_ids_dedup_and_collisions_on_each_engine(engine_spec, make_record):
    with open_store(engine_spec) as s:
        for host, sev in (("hostA", 2), ("hostB", 1)):
            summary = s.write_records([(make_record(rid, severity=sev), {"host": host})
                                       for rid in range(1, 31)], batch_size=7)
            assert summary.written == 30 and summary.replaced == 0
        assert len(s) == 60 and s.hosts_of(7) == ["hostA", "hostB"]
        with pytest.raises(AmbiguousRecordId, match="hostA, hostB"):
            s.read_error_record(7)
        assert _chain(s, "hostA") == _chain(s, "hostB") == list(range(1, 31))
        assert s.get(7, host="hostA")[12] == 2 and s.get(7, host="hostB")[12] == 1
        again = s.write_error_record(make_record(7, severity=2), source={"host": "hostA"})
        assert again.ok and again.duplicate and len(s) == 60
        kept = s.write_error_record(make_record(7, severity=3), source={"host": "hostA"},
                                    replace=False)
        assert kept.status == STATUS_OBJECT_NAME_COLLISION and s.get(7, host="hostA")[12] == 2
        assert s.clear_error_record(7, host="hostA") == STATUS_SUCCESS
        assert s.read_error_record(7).record[12] == 1  # only hostB's is left
        assert s.clear_error_record(7, host="hostA") == STATUS_OBJECT_NOT_FOUND
        assert s.read_error_record(7, host="hostC").status == STATUS_OBJECT_NOT_FOUND
        # a replacement is a new write: it moves to the end of its host's order
        assert s.write_error_record(make_record(3, severity=3), source={"host": "hostB"}).replaced
        assert _chain(s, "hostB")[-1] == 3


def test_schema_is_versioned_and_migrated_once(pg_url, make_record):
    import psycopg

    from whea_gui.store import pg_schema

    with open_store(pg_url) as s:
        assert s.schema_version() == pg_schema.latest_version() == 3
        assert s.write_error_record(make_record(1)).ok
    with open_store(pg_url) as s:  # a second open runs nothing again
        assert len(s) == 1
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM whea_schema_version ORDER BY 1").fetchall() == [(1,), (2,), (3,)]
        indexes = {r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'whea_records'")}
        assert {"whea_records_host_slot", "whea_records_host_ts", "whea_records_ts",
                "whea_records_key"} <= indexes
        conn.execute("INSERT INTO whea_schema_version VALUES (99, 0)")
    with pytest.raises(StoreError, match="newer"):
        open_store(pg_url)


def test_read_only_opens_read_a_store_whose_missing_steps_only_add_indexes(pg_server,
                                                                            make_record,
                                                                            monkeypatch):
    """A store at version 2 (before the crossings' indexes) is read as it is by a read-only
    open — timeline, metrics and export work before anyone upgrades it, and nothing is
    changed; a version-1 store (no rollups) is refused with the command that upgrades it."""
    import pgserver
    import psycopg

    from whea_gui.index.rates import default_rules
    from whea_gui.store import pg_schema, pg_timeline

    urls = {}
    for version in (1, 2):
        urls[version] = pgserver.new_database()
        with monkeypatch.context() as patch:
            patch.setattr(pg_schema, "MIGRATIONS", pg_schema.MIGRATIONS[:version])
            with open_store(urls[version]) as s:
                assert s.write_records([(make_record(r), {"host": "h"}) for r in range(1, 6)]
                                       ).written == 5
    with open_store(urls[2], readonly=True) as s:
        assert s.schema_version() == 2 and len(s) == 5
        assert pg_timeline.analyse_store(s, default_rules(), record_times=False)["records"] == 5
    with psycopg.connect(urls[2]) as conn:
        assert conn.execute("SELECT max(version) FROM whea_schema_version").fetchone()[0] == 2
    with pytest.raises(StoreError, match="whea store --store URL init"):
        open_store(urls[1], readonly=True)
    with open_store(urls[2]) as s:  # a write-access open upgrades it
        assert s.schema_version() == 3


def test_an_empty_or_foreign_database_is_refused_without_create(pg_server):
    import pgserver
    import psycopg

    empty = pgserver.new_database()
    with pytest.raises(StoreError, match="no store"):
        open_store(empty, create=False)
    with psycopg.connect(empty, autocommit=True) as conn:
        conn.execute("CREATE TABLE whea_records (x int)")
    with pytest.raises(StoreError, match="not a WHEA store"):
        open_store(empty)
    with pytest.raises(StoreError, match="cannot connect"):
        open_store(empty.replace("host=", "host=/nonexistent"))


def test_bytes_are_kept_exactly_with_their_crc(pg_url, dwr_cper):
    import psycopg

    with open_store(pg_url) as s:
        stored = {}
        for name, data in dwr_cper:
            if s.write_error_record(data, source={"host": "pc1", "path": name}).ok:
                stored[int.from_bytes(data[96:104], "little")] = data
        for rid, original in stored.items():
            got = s.get(rid, host="pc1")
            assert _unstamped(got) == _unstamped(original) and got[108:110] == b"ER"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute("SELECT crc, data, length FROM whea_records").fetchall()
        assert all(crc == zlib.crc32(data) and length == len(data) for crc, data, length in rows)
        conn.execute("UPDATE whea_records SET data = set_byte(data, 300, get_byte(data, 300) # 255) "
                     "WHERE slot = (SELECT min(slot) FROM whea_records)")
    with open_store(pg_url) as s:
        with pytest.raises(StoreDamaged, match="checksum"):
            s.read_error_record(0, host="pc1")
        bad, keys = s.damaged_rows()
        assert list(bad) == [0] and keys[0][0] == "pc1"


def test_read_only_and_password_redaction(pg_url, make_record):
    with open_store(pg_url) as s:
        assert s.write_error_record(make_record(1)).ok
    with open_store(pg_url, readonly=True) as s:
        result = s.write_error_record(make_record(2))
        assert result.status == STATUS_MEDIA_WRITE_PROTECTED
        assert s.clear_error_record(1) == STATUS_MEDIA_WRITE_PROTECTED
        assert len(s) == 1
    secret = pg_url.replace("postgres@", "postgres:hunter2@")
    with open_store(secret) as s:  # trust auth: the password is not checked, only hidden
        assert "hunter2" not in s.path and ":***@" in s.path


def test_store_commands_on_a_url(pg_url, tmp_path, capsys):
    template = TEMPLATE.read_bytes()
    src = tmp_path / "node7.bin"
    src.write_bytes(b"".join(build_record(template, rid, severity=2) for rid in range(1, 21)))
    assert main(["store", "--store", pg_url, "import", str(src), "--host", "node7"]) == 0
    assert capsys.readouterr().out.startswith("20 stored")
    assert main(["store", "--store", pg_url, "import", str(src), "--host", "node7"]) == 0
    assert "20 already stored (identical copies)" in capsys.readouterr().out
    assert main(["store", "--store", pg_url, "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["records"] == 20 and stats["hosts"] == ["node7"]
    assert main(["store", "--store", pg_url, "read", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["next_record_id"] == 6
    assert main(["store", "--store", pg_url, "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["record_id"] for r in rows] == list(range(1, 21))
    assert main(["store", "--store", pg_url, "clear", "5"]) == 0
    assert main(["store", "--store", pg_url, "read", "5"]) == 1


# -- many importers at once, killed at random ------------------------------------------------
def _spawn(url: str, base: int, count: int, mode: str, host: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(CHILD), url, str(base), str(count), mode, host],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read()
    return proc


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_concurrent_importers_killed_at_random_lose_and_duplicate_nothing(pg_url):
    """Four importer processes (three hosts; two of them import the same host's records, as a
    retried import would) race on a fresh database — creating its schema at the same moment —
    and are SIGKILLed mid-write in several rounds, then restarted and run to completion. Every
    acknowledged record is stored exactly once with its bytes; the finished imports are
    complete."""
    template = TEMPLATE.read_bytes()
    rnd = random.Random(16)
    workers = [("node1", "batch"), ("node2", "single"), ("node3", "batch"), ("node1", "single")]
    acked: set[tuple[str, int]] = set()
    base, full = 1000, 120
    for _round in range(3):
        procs = [_spawn(pg_url, base, 100_000, mode, host) for host, mode in workers]
        seen = [[p.stdout.readline() for _ in range(rnd.randint(1, 40))] for p in procs]
        for proc, lines, (host, _) in zip(procs, seen, workers):
            assert all(line.strip().isdigit() for line in lines), lines
            assert proc.poll() is None  # still writing when killed
            os.kill(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == -signal.SIGKILL
            acked |= {(host, int(x)) for x in "".join(lines).split() + out.split()}
    procs = [_spawn(pg_url, base, full, mode, host) for host, mode in workers]  # run to the end
    for proc, (host, _) in zip(procs, workers):
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert {int(x) for x in out.split()} == set(range(base, base + full))
        acked |= {(host, int(x)) for x in out.split()}
    with open_store(pg_url) as s:
        rows = s.conn.execute("SELECT host, record_id, count(*) OVER (PARTITION BY host, record_id) "
                              "FROM whea_records").fetchall()
        assert all(n == 1 for _, _, n in rows)  # no duplicates
        keys = {(h, r) for h, r, _ in rows}
        assert acked <= keys  # no loss
        for host in ("node1", "node2", "node3"):
            assert set(range(base, base + full)) <= {r for h, r in keys if h == host}
            chain = _chain(s, host)
            assert len(chain) == len(set(chain)) == sum(1 for h, _ in keys if h == host)
        for host, rid in sorted(acked)[::25]:
            assert _unstamped(s.get(rid, host=host)) == _unstamped(child_record(template, rid))


def test_store_init_on_a_url_creates_the_schema(pg_server, capsys):
    import pgserver

    url = pgserver.new_database()
    assert main(["store", "--store", url, "init", "--max-records", "5"]) == 0
    assert "store ready, 0 records" in capsys.readouterr().out
    with open_store(url, create=False) as s:
        assert s.capacity() == (None, 5) and s.schema_version() == 3
