"""Records are keyed by (host, RecordId): colliding ids from two hosts both stay, each host keeps
PSHED semantics of its own, identical copies are deduplicated, and nothing is replaced unless
asked. Version-1 stores (made by the code before the host key) are migrated."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from store_helpers import TEMPLATE, build_record

from whea_gui.cli import main
from whea_gui.store import (
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    AmbiguousRecordId,
    Store,
    schema,
)

# The sample as schema version 1 wrote it (400 records of 4 hosts; before 2026-12-07 it was the
# bundled sample): what a store made by that version looks like to the migrations
SCHEMA1_SAMPLE = Path(__file__).parent / "data" / "schema1-sample.wheastore"


def _unstamped(data: bytes) -> bytes:
    return data[:108] + bytes(8) + data[116:]


def _run(capsys, *argv):
    code = main(["store", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_two_hosts_with_colliding_record_ids_both_stay(tmp_path, capsys):
    template = TEMPLATE.read_bytes()
    a, b = tmp_path / "hostA.bin", tmp_path / "hostB.bin"
    a.write_bytes(b"".join(build_record(template, rid, severity=2) for rid in range(1, 101)))
    b.write_bytes(b"".join(build_record(template, rid, severity=1) for rid in range(1, 101)))
    store = tmp_path / "fleet.sqlite"
    code, out, _ = _run(capsys, "--store", store, "import", a, "--host", "hostA")
    assert code == 0 and out.startswith("100 stored")
    code, out, err = _run(capsys, "--store", store, "import", b, "--host", "hostB")
    assert code == 0 and out.startswith("100 stored") and "replaced" not in out + err
    with Store(store) as s:
        assert len(s) == 200
        assert s.hosts_of(7) == ["hostA", "hostB"]
        assert s.get(7, host="hostA")[12] == 2 and s.get(7, host="hostB")[12] == 1
        with pytest.raises(AmbiguousRecordId, match="hostA, hostB"):
            s.read_error_record(7)
        # each host is its own PSHED store: first record, next-id chain, last record
        for host, sev in (("hostA", 2), ("hostB", 1)):
            rid, chain = 0, []
            while True:
                res = s.read_error_record(rid, host=host)
                assert res.status == STATUS_SUCCESS and res.record[12] == sev
                chain.append(res.record_id)
                if res.next_record_id == res.record_id:
                    break
                rid = res.next_record_id
            assert chain == list(range(1, 101))
        assert s.read_error_record(7, host="hostC").status == STATUS_OBJECT_NOT_FOUND
        assert s.clear_error_record(7, host="hostA") == STATUS_SUCCESS
        assert s.read_error_record(7).record[12] == 1  # only hostB's is left: no ambiguity
        assert s.clear_error_record(7, host="hostA") == STATUS_OBJECT_NOT_FOUND
    # the command line asks for the host when an id is ambiguous, and takes --host
    code, _, err = _run(capsys, "--store", store, "read", "8")
    assert code == 2 and "hostA, hostB" in err and "--host" in err
    code, out, _ = _run(capsys, "--store", store, "read", "8", "--host", "hostB", "--json")
    assert code == 0 and json.loads(out)["header"]["severity"] == 1
    assert json.loads(out)["next_record_id"] == 9
    code, out, _ = _run(capsys, "--store", store, "clear", "8", "--host", "hostB")
    assert code == 0 and "cleared" in out


def test_identical_copies_are_deduplicated_and_nothing_is_replaced_unasked(tmp_path, capsys):
    template = TEMPLATE.read_bytes()
    first = tmp_path / "first.bin"
    first.write_bytes(b"".join(build_record(template, rid, severity=2) for rid in range(1, 11)))
    changed = tmp_path / "changed.bin"
    changed.write_bytes(b"".join(build_record(template, rid, severity=1) for rid in range(1, 11)))
    store = tmp_path / "s.sqlite"
    assert _run(capsys, "--store", store, "import", first, "--host", "h")[0] == 0
    code, out, _ = _run(capsys, "--store", store, "import", first, "--host", "h")
    assert code == 0 and out.startswith("0 stored") and "10 already stored (identical copies)" in out
    code, out, err = _run(capsys, "--store", store, "import", changed, "--host", "h")
    assert code == 1 and out.startswith("0 stored") and "10 not stored" in out
    assert "STATUS_OBJECT_NAME_COLLISION" in err and "--replace" in err
    with Store(store) as s:
        assert len(s) == 10 and all(data[12] == 2 for _, data in s)
    code, out, _ = _run(capsys, "--store", store, "import", changed, "--host", "h", "--replace")
    assert code == 0 and out.startswith("10 stored, 10 of them replaced")
    with Store(store) as s:
        assert len(s) == 10 and all(data[12] == 1 for _, data in s)


def test_api_replace_false_answers_name_collision(tmp_path, make_record):
    with Store(tmp_path / "s.sqlite") as s:
        assert s.write_error_record(make_record(5, severity=2)).ok
        again = s.write_error_record(make_record(5, severity=2))
        assert again.ok and again.duplicate and not again.replaced
        kept = s.write_error_record(make_record(5, severity=1), replace=False)
        assert kept.status == STATUS_OBJECT_NAME_COLLISION and "0x0000000000000005" in kept.reason
        assert s.get(5)[12] == 2 and len(s) == 1
        replaced = s.write_error_record(make_record(5, severity=1))  # PSHED/ERST: replaces
        assert replaced.ok and replaced.replaced and s.get(5)[12] == 1 and len(s) == 1


def test_a_store_made_by_the_previous_version_is_migrated(tmp_path):
    path = tmp_path / "sample.wheastore"
    shutil.copy(SCHEMA1_SAMPLE, path)
    with sqlite3.connect(path) as conn:  # the bundled sample was written by schema version 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        before = conn.execute("SELECT r.slot, r.record_id, d.data FROM records r JOIN record_data "
                              "d USING (slot) ORDER BY r.slot").fetchall()
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()[0]
    conn.close()
    with Store(path) as s:
        assert s.schema_version() == schema.latest_version() == 3
        table = s.record_table()
        hosts = {table.row(i)["host"] for i in range(len(table))}
        got = s.conn.execute("SELECT r.slot, r.record_id, d.data, r.host FROM records r JOIN "
                             "record_data d USING (slot) ORDER BY r.slot").fetchall()
        assert [g[:3] for g in got] == before  # every record, byte for byte, in the same order
        assert {g[3] for g in got} == hosts and len(hosts) == 4 and "" not in hosts
        for slot, _rid, _data, host in got[:20]:
            assert table.row(slot - 1)["host"] == host
        # the slot sequence carries over (new writes never reuse an old identifier)
        assert s._next_slot(s.conn) == seq + 1
        host = got[0][3]
        first = s.read_error_record(0, host=host)
        assert first.status == STATUS_SUCCESS and first.record == got[0][2]


def test_an_old_read_only_store_is_read_through_a_migrated_copy(tmp_path):
    path = tmp_path / "sample.wheastore"
    shutil.copy(SCHEMA1_SAMPLE, path)
    original = path.read_bytes()
    path.chmod(0o444)
    with Store(path) as s:
        assert s.readonly and len(s) == 400 and s.schema_version() == 3
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample.wheastore"]


def test_a_store_read_as_a_source_skips_and_reports_damaged_records(tmp_path, make_record):
    from whea_gui.sources import iter_path

    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        s.write_records([(make_record(r), {"host": h}) for r in range(1, 6) for h in ("a", "b")])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE record_data SET data = zeroblob(length(data)) WHERE slot = 4")
    conn.close()
    problems = []
    refs = list(iter_path(path, problems.append))
    assert len(refs) == 9
    assert {(r.source["host"], r.source["record_id"]) for r in refs} == (
        {(h, r) for r in range(1, 6) for h in ("a", "b")} - {("b", 2)})
    assert len(problems) == 1 and problems[0].level == "error"
    assert "0x0000000000000002 of host b fails its checksum" in str(problems[0])


def test_salvage_from_the_file_pages_keeps_each_hosts_colliding_records(tmp_path, make_record):
    """With the SQLite header wiped only the page scan finds records; the host stored (with
    its own CRC) beside each record's bytes keeps hostA's and hostB's record 7 apart."""
    from whea_gui.store.salvage import salvage

    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        s.write_records([(make_record(r, severity=n), {"host": h})
                         for r in range(1, 21) for n, h in enumerate(("hostA", "hostB", ""))])
        want = {(row[0], row[1]): bytes(row[2]) for row in s.conn.execute(
            "SELECT r.host, r.record_id, d.data FROM records r JOIN record_data d USING (slot)")}
    raw = bytearray(path.read_bytes())
    raw[:100] = bytes(100)
    path.write_bytes(bytes(raw))
    report = salvage(str(path), str(tmp_path / "new.sqlite"))
    assert report.from_pages == 60 and report.from_tables == 0
    with Store(tmp_path / "new.sqlite") as s:
        got = {(row[0], row[1]): bytes(row[2]) for row in s.conn.execute(
            "SELECT r.host, r.record_id, d.data FROM records r JOIN record_data d USING (slot)")}
    assert got == want


def test_the_temporary_copy_of_an_old_read_only_store_is_removed(tmp_path):
    import gc
    import os

    path = tmp_path / "sample.wheastore"
    shutil.copy(SCHEMA1_SAMPLE, path)
    path.chmod(0o444)
    s = Store(path)
    copy = s._copy
    assert copy and os.path.exists(copy)
    del s
    gc.collect()
    assert not os.path.exists(copy)


def test_export_and_the_window_listing_read_each_hosts_copy(tmp_path, capsys, make_record):
    from whea_gui.ui.store_adapter import store_batch

    path = tmp_path / "s.sqlite"
    with Store(path) as s:  # RecordId 3 from a record without a host and from hostX
        s.write_records([(make_record(3, severity=1), {}), (make_record(3, severity=2),
                                                            {"host": "hostX"})])
    folder = tmp_path / "out"
    code, _, err = _run(capsys, "--store", path, "export", "-o", f"{folder}/")
    assert code == 0 and "exported 2 records" in err
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(files) == ["0000000000000003.cper", "hostX-0000000000000003.cper"]
    assert files["0000000000000003.cper"][12] == 1 and files["hostX-0000000000000003.cper"][12] == 2
    problems = []
    batch = store_batch(path, problems.append)
    assert sorted(batch.data[i][12] for i in range(2)) == [1, 2] and problems == []
