"""PSHED write/read/clear semantics, PersistenceInfo stamping, capacity, schema."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import VECTORS

from whea_gui.decode import decode_record
from whea_gui.index.faultindex import FaultKeyer
from whea_gui.index.table import COLUMNS, ROW_DTYPE, RecordTable
from whea_gui.store import (
    STATUS_BUFFER_TOO_SMALL,
    STATUS_DISK_FULL,
    STATUS_INSUFFICIENT_RESOURCES,
    STATUS_INVALID_PARAMETER,
    STATUS_MEDIA_WRITE_PROTECTED,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    WHEA_WRITE_FLAG_DUMMY,
    Store,
    StoreError,
    nt_success,
    open_store,
    reindex,
    schema,
    status_name,
)


@pytest.fixture
def store(engine_spec):
    """Every behavioural test below runs on the SQLite file and on a PostgreSQL server."""
    with open_store(engine_spec) as s:
        yield s


def _unstamped(data: bytes) -> bytes:
    return data[:108] + bytes(8) + data[116:]


def test_status_values_are_the_wdk_ones():
    assert (STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_BUFFER_TOO_SMALL,
            STATUS_OBJECT_NOT_FOUND, STATUS_INSUFFICIENT_RESOURCES) == (
        0, 0xC000000D, 0xC0000023, 0xC0000034, 0xC000009A)
    assert WHEA_WRITE_FLAG_DUMMY == 1
    assert nt_success(STATUS_SUCCESS) and not nt_success(STATUS_BUFFER_TOO_SMALL)
    assert status_name(STATUS_OBJECT_NOT_FOUND) == "STATUS_OBJECT_NOT_FOUND"


def test_write_then_read_real_records(store, dwr_cper):
    written = {}
    for name, data in dwr_cper:
        result = store.write_error_record(data, source={"path": name})
        rid = int.from_bytes(data[96:104], "little")
        if rid == 0:  # the firmware boot record: id 0 means "first record" to a reader
            assert result.status == STATUS_INVALID_PARAMETER and "reserved" in result.reason
            continue
        assert result.ok, (name, result.reason)
        assert result.record_id == rid and not result.replaced
        written[rid] = data
    assert len(store) == len(written)
    for rid, original in written.items():
        res = store.read_error_record(rid, 1 << 20)
        assert res.status == STATUS_SUCCESS and res.record_id == rid
        assert res.length == len(res.record) == len(original)
        # byte for byte, except the PersistenceInfo the store stamps
        assert _unstamped(res.record) == _unstamped(original)
        rec = decode_record(res.record)
        assert not rec.has_errors()
        p = rec.header["persistence"]
        assert p["signature"] == "ER" and p["length"] == len(original)
        assert res.record[108:110] == b"ER"


def test_persistence_identifier_and_kept_flags(store, make_record):
    first = make_record(0x10)
    assert store.write_error_record(first).ok
    p1 = decode_record(store.get(0x10)).header["persistence"]
    # a record that already carries ER with DoNotLog keeps that bit; the identifier is the slot
    flagged = bytearray(make_record(0x11))
    struct.pack_into("<Q", flagged, 108, 0x5245 | (1 << 58) | (0x1F << 59))
    assert store.write_error_record(bytes(flagged)).ok
    p2 = decode_record(store.get(0x11)).header["persistence"]
    assert p2["do_not_log"] and not p1["do_not_log"]
    assert p2["identifier"] == p1["identifier"] + 1
    assert int.from_bytes(store.get(0x11)[108:116], "little") >> 59 == 0  # reserved bits cleared


def test_same_id_replaces(store, make_record):
    assert store.write_error_record(make_record(7, severity=2)).ok
    assert store.write_error_record(make_record(8)).ok
    result = store.write_error_record(make_record(7, severity=1))
    assert result.ok and result.replaced
    assert len(store) == 2
    assert store.get(7)[12] == 1
    # replacement moves the record to the end of the store order (a new write)
    assert list(store.record_ids()) == [8, 7]


def test_dummy_write_stores_nothing(store, make_record):
    result = store.write_error_record(make_record(5), WHEA_WRITE_FLAG_DUMMY)
    assert result.ok
    assert len(store) == 0
    bad = store.write_error_record(b"CPER" + bytes(10), WHEA_WRITE_FLAG_DUMMY)
    assert bad.status == STATUS_INVALID_PARAMETER


def test_invalid_records_are_refused_with_a_reason(store, make_record):
    malformed = sorted((VECTORS / "malformed").glob("*.cper"))
    refused = 0
    for path in malformed:
        data = path.read_bytes()
        result = store.write_error_record(data)
        if decode_record(data).has_errors() or data[:4] != b"CPER":
            assert result.status == STATUS_INVALID_PARAMETER, path.name
            assert result.reason, path.name
            refused += 1
    assert refused >= 20
    assert store.write_error_record(make_record(0xFFFFFFFFFFFFFFFF)).status == STATUS_INVALID_PARAMETER
    assert store.write_error_record(b"").status == STATUS_INVALID_PARAMETER
    before = len(store)
    # bytes after RecordLength are not part of the record
    result = store.write_error_record(make_record(0x99) + b"garbage")
    assert result.ok and "7 bytes after RecordLength" in result.notes[0]
    assert len(store.get(0x99)) == len(make_record(0x99))
    assert len(store) == before + 1


def test_read_semantics_first_next_last(store, make_record):
    assert store.read_error_record(0).status == STATUS_OBJECT_NOT_FOUND  # empty store
    ids = [0x30, 0x10, 0x20]
    for rid in ids:
        assert store.write_error_record(make_record(rid)).ok
    seen, rid = [], 0
    while True:
        res = store.read_error_record(rid, 4096)
        assert res.status == STATUS_SUCCESS
        seen.append(res.record_id)
        if res.next_record_id == res.record_id:  # PSHED: "no more records"
            break
        rid = res.next_record_id
    assert seen == ids  # store (insertion) order
    small = store.read_error_record(0x10, 100)
    assert small.status == STATUS_BUFFER_TOO_SMALL and small.length == 1019 and small.record == b""
    exact = store.read_error_record(0x10, small.length)
    assert exact.status == STATUS_SUCCESS and exact.next_record_id == 0x20
    missing = store.read_error_record(0x55)
    assert missing.status == STATUS_OBJECT_NOT_FOUND and missing.record == b""


def test_clear(store, make_record):
    for rid in (1, 2, 3):
        store.write_error_record(make_record(rid))
    assert store.clear_error_record(2) == STATUS_SUCCESS
    assert store.clear_error_record(2) == STATUS_OBJECT_NOT_FOUND
    assert store.read_error_record(2).status == STATUS_OBJECT_NOT_FOUND
    assert store.read_error_record(1).next_record_id == 3
    assert [rid for rid, _ in store] == [1, 3]


def test_capacity_answers_like_a_full_nvram(store, make_record):
    store.set_capacity(max_records=3)
    for rid in (1, 2, 3):
        assert store.write_error_record(make_record(rid)).ok
    full = store.write_error_record(make_record(4))
    assert full.status == STATUS_INSUFFICIENT_RESOURCES and "full" in full.reason
    assert store.write_error_record(make_record(4), WHEA_WRITE_FLAG_DUMMY).status == \
        STATUS_INSUFFICIENT_RESOURCES
    assert store.write_error_record(make_record(2, severity=3)).ok  # replacing fits
    assert store.clear_error_record(1) == STATUS_SUCCESS
    assert store.write_error_record(make_record(4)).ok
    store.set_capacity(max_bytes=4 * 1019 - 1)
    assert store.write_error_record(make_record(5)).status == STATUS_INSUFFICIENT_RESOURCES
    store.set_capacity(max_bytes=4 * 1019)
    assert store.write_error_record(make_record(5)).ok
    assert store.capacity() == (4 * 1019, None)
    # a batch stores what fits and reports the rest
    store.set_capacity(max_records=6)
    summary = store.write_records([(make_record(r), {}) for r in range(10, 14)])
    assert summary.written == 2 and summary.statuses["STATUS_INSUFFICIENT_RESOURCES"] == 2
    assert len(store) == 6


def test_record_table_matches_the_stored_bytes(store, dwr_cper):
    sources = []
    for i, (name, data) in enumerate(dwr_cper):
        src = {"path": f"/logs/{name}", "offset": 100 * i, "host": f"host{i % 3}",
               "time_created": 1_700_000_000 + i}
        if store.write_error_record(data, source=src).ok:
            sources.append(src)
    table = store.record_table()
    datas = [d for _, d in store]
    fresh = RecordTable.from_records(zip(datas, sources))
    FaultKeyer().fill(fresh, datas, sources)  # the fault keys, decoded afresh
    assert table.faults_known().all()
    assert len(table) == len(fresh) == len(sources)
    for i in range(len(table)):
        got, want = table.row(i), fresh.row(i)
        assert got.pop("inserted_at") is not None
        want.pop("inserted_at")
        assert got == want
    assert (table.inserted_at > 1_600_000_000).all()


def test_write_records_batches_and_header_validation(store, make_record):
    items = [(make_record(r), {"offset": r}) for r in range(1, 2501)]
    items.append((b"CPER" + bytes(200), {"offset": -1}))  # structurally invalid
    items.append((make_record(5, severity=2), {"offset": 5}))  # same id again: last one wins
    seen = []
    summary = store.write_records(items, validate="header", batch_size=700,
                                  on_result=lambda r, s: seen.append((r.status, s["offset"])))
    assert summary.written == 2501 and summary.refused == 1 and summary.replaced == 1
    assert len(seen) == len(items)
    assert (STATUS_INVALID_PARAMETER, -1) in seen
    assert len(store) == 2500 and store.get(5)[12] == 2
    table = store.record_table()
    assert sorted(int(x) for x in table.record_id) == list(range(1, 2501))


def test_schema_settings_and_versions(tmp_path, make_record):
    path = tmp_path / "v.sqlite"
    with Store(path) as s:
        assert s.schema_version() == schema.latest_version() == 3
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert s.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
        s.write_error_record(make_record(1))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)
    foreign = tmp_path / "other.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a WHEA store"):
        Store(foreign)
    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "missing.sqlite", create=False)
    with pytest.raises(StoreError, match="folder"):
        Store(tmp_path)


def test_migration_runs_new_steps_once(tmp_path, make_record, monkeypatch):
    path = tmp_path / "m.sqlite"
    with Store(path) as s:
        s.write_error_record(make_record(1))

    def next_step(conn):
        conn.execute("CREATE TABLE notes (slot INTEGER PRIMARY KEY, text TEXT)")

    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + [next_step])
    with Store(path) as s:
        assert s.schema_version() == len(schema.MIGRATIONS)
        assert "notes" in schema.user_tables(s.conn)
        assert s.get(1) is not None
    with Store(path) as s:  # a second open runs nothing again
        assert s.schema_version() == len(schema.MIGRATIONS)


def test_read_only_file(tmp_path, make_record):
    path = tmp_path / "ro.sqlite"
    with Store(path) as s:
        assert s.write_error_record(make_record(1)).ok
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    os.chmod(path, 0o444)
    try:
        with Store(path) as s:
            assert s.readonly
            result = s.write_error_record(make_record(2))
            assert result.status == STATUS_MEDIA_WRITE_PROTECTED and "read-only" in result.reason
            assert s.clear_error_record(1) == STATUS_MEDIA_WRITE_PROTECTED
            assert s.get(1) is not None and len(s) == 1
            with pytest.raises(StoreError, match="read-only"):
                s.set_capacity(max_records=1)
    finally:
        os.chmod(path, 0o644)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_disk_full_writes_nothing_partial(tmp_path, make_record):
    path = tmp_path / "full.sqlite"
    with Store(path) as s:
        for rid in range(1, 11):
            assert s.write_error_record(make_record(rid)).ok
        pages = s.conn.execute("PRAGMA page_count").fetchone()[0]
        s.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        statuses = [s.write_error_record(make_record(rid)).status for rid in range(100, 160)]
        assert STATUS_DISK_FULL in statuses
        stored_before_batch = len(s)
        batch = [(make_record(r), {}) for r in range(1000, 1200)]
        summary = s.write_records(batch, batch_size=200)
        assert summary.statuses == {"STATUS_DISK_FULL": 200}
        assert len(s) == stored_before_batch  # the whole batch rolled back
        full = s.write_error_record(make_record(2000))
        assert "disk full" in full.reason
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(path) as s:
        ids = set(int(x) for x in s.record_ids())
        assert set(range(1, 11)) <= ids and not ids & set(range(1000, 1200))
        for rid in ids:
            assert _unstamped(s.get(rid)) == _unstamped(make_record(rid))


def test_stats(store, dwr_cper):
    for name, data in dwr_cper:
        store.write_error_record(data, source={"path": name, "host": "pc1"})
    stats = store.stats()
    assert stats["records"] == len(store) == 10
    assert stats["severity"]["fatal"] == 4 and stats["severity"]["corrected"] == 6
    assert stats["hosts"] == ["pc1"] and stats["sources"] == 10
    assert stats["records_without_host"] == 0
    assert stats["first_time"] == "2023-03-04T18:25:31Z"  # UTC, marked as every command does


def test_stats_count_the_records_without_a_host(store, make_record):
    """The hosts listed are not every record's: the ones written without a host are counted."""
    store.write_error_record(make_record(1), source={"host": "pc1"})
    store.write_error_record(make_record(2))
    store.write_error_record(make_record(3))
    stats = store.stats()
    assert stats["hosts"] == ["pc1"] and stats["records_without_host"] == 2


def test_iteration_sees_concurrent_appends(store, make_record):
    for rid in range(1, 6):
        store.write_error_record(make_record(rid))
    seen = []
    for rid, _ in store.iter_records(chunk=2):
        seen.append(rid)
        if rid == 5:
            store.write_error_record(make_record(6))
    assert seen == [1, 2, 3, 4, 5, 6]
    assert np.array_equal(store.record_ids(), np.arange(1, 7, dtype=np.uint64))


def test_damaged_record_bytes_are_reported(tmp_path, make_record):
    path = tmp_path / "d.sqlite"
    with Store(path) as s:
        s.write_error_record(make_record(1))
        data = bytearray(s.get(1))
        data[500] ^= 0xFF
        s.conn.execute("UPDATE record_data SET data = ?", (bytes(data),))
        with pytest.raises(StoreError, match="checksum"):
            s.read_error_record(1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 1018), st.integers(0, 255)), max_size=6),
       cut=st.one_of(st.just(1100), st.integers(0, 1100)))
def test_mutated_records_are_stored_or_refused_never_broken(tmp_path, template, edits, cut):
    data = bytearray(template + b"\xAA" * 81)
    for pos, value in edits:
        data[pos] = value
    data = bytes(data[:cut])
    with Store(tmp_path / "h.sqlite") as s:
        before = len(s)
        result = s.write_error_record(data)
        if result.ok:
            stored = s.get(result.record_id)
            assert stored is not None and not decode_record(stored).has_errors()
            assert _unstamped(stored) == _unstamped(data[:len(stored)])
            assert len(s) == before + (not result.replaced and not result.duplicate)
        else:
            assert result.status == STATUS_INVALID_PARAMETER and result.reason
            assert len(s) == before


def test_index_rows_are_rebuilt_when_the_columns_change(tmp_path, dwr_cper):
    path = tmp_path / "layout.sqlite"
    with Store(path) as s:
        for name, data in dwr_cper:
            s.write_error_record(data, source={"path": name, "offset": 3, "host": "h",
                                               "time_created": 1_700_000_000})
        before = s.record_table()
        # rewrite the rows in an older layout that lacked two columns
        old = np.dtype([(n, c) for n, c in COLUMNS if n not in ("problems", "flags")])
        for slot, idx in s.conn.execute("SELECT slot, idx FROM records").fetchall():
            row = np.frombuffer(idx, ROW_DTYPE)[0]
            packed = np.zeros(1, old)
            for name in old.names:
                packed[name] = row[name]
            s.conn.execute("UPDATE records SET idx = ? WHERE slot = ?", (packed.tobytes(), slot))
        s.conn.execute("UPDATE meta SET value = ? WHERE key = 'row_format'", (reindex.row_format(old),))
    with pytest.raises(StoreError, match="rebuilding"):
        Store(path, readonly=True)
    with Store(path) as s:
        after = s.record_table()
    assert [after.row(i) for i in range(len(after))] == [before.row(i) for i in range(len(before))]


@pytest.mark.parametrize("tables", [["CREATE TABLE t (x)"],
                                    ["CREATE TABLE meta (key, value)", "CREATE TABLE records (x)"]])
def test_a_refused_foreign_sqlite_file_is_left_as_it_was(tmp_path, tables):
    # fuzzing campaign 7, F7-4: a command that refused another program's database still switched
    # it to WAL mode (file header bytes 18-19), changing it for good
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    for sql in tables:
        conn.execute(sql)
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="not a WHEA store"):
            Store(foreign, readonly=readonly)
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal / -shm left


def test_a_damaged_index_row_is_a_store_error_not_a_traceback():
    # F7-5: `whea store read 0` on a row whose RecordId and length are NULL raised TypeError
    from whea_gui.store.results import StoreDamaged, locate_record

    class Rows:
        def execute(self, *_a):
            return self

        def fetchone(self):
            return (0, "", None, None)

        def fetchall(self):
            return [self.fetchone()]
    with pytest.raises(StoreDamaged, match="slot 0 is damaged"):
        locate_record(Rows(), "records", "?", "s.wheastore", 0, None)
    with pytest.raises(StoreDamaged, match="slot 0 is damaged"):
        locate_record(Rows(), "records", "?", "s.wheastore", 5, None)
