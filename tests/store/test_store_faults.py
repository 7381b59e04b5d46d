"""Fault keys in the store's index (schema 3): filled on import and by the 2 → 3 migration, equal to
the keys of the decoded record, and left 'not computed' only by the header-only (--fast) import."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from whea_gui.compose.generate import generate_records
from whea_gui.decode import decode_record
from whea_gui.index.faults import record_fault_keys
from whea_gui.index.table import FAULT_COLUMNS
from whea_gui.store import Store, schema

# The sample as schema version 1 wrote it (400 records of 4 hosts; before 2026-12-07 it was the
# bundled sample): what a store made by that version looks like to the migrations
SCHEMA1_SAMPLE = Path(__file__).parent / "data" / "schema1-sample.wheastore"


def _as_version_2(path) -> None:
    """The bundled sample (schema 1) brought to schema 2 exactly as the previous version did:
    its index rows keep the old layout and ``meta.row_format``."""
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.execute("BEGIN")
    schema.MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("COMMIT")
    conn.close()


def _keys_by_decoding(data: bytes, host: str) -> tuple:
    return record_fault_keys(decode_record(data, source={"host": host} if host else {}))


def test_a_schema_2_store_is_migrated_to_3_with_fault_keys(tmp_path):
    path = tmp_path / "v2.wheastore"
    shutil.copy(SCHEMA1_SAMPLE, path)
    _as_version_2(path)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT r.slot, r.record_id, r.host, d.data, d.crc FROM records r "
                              "JOIN record_data d USING (slot) ORDER BY r.slot").fetchall()
        assert "location" not in {r[1] for r in conn.execute("PRAGMA table_info(records)")}
    conn.close()
    with Store(path) as s:
        assert s.schema_version() == 3
        after = s.conn.execute("SELECT r.slot, r.record_id, r.host, d.data, d.crc FROM records r "
                               "JOIN record_data d USING (slot) ORDER BY r.slot").fetchall()
        assert after == before  # every record byte for byte, same slots, hosts and checksums
        table = s.record_table()
        locations = [r[0] for r in s.conn.execute("SELECT location FROM records ORDER BY slot")]
    assert len(table) == len(before) == 400 and table.faults_known().all()
    located = 0
    for i, (_slot, _rid, host, data, _crc) in enumerate(before):
        want = _keys_by_decoding(data, host)
        got = tuple(table.fault_text(i, name) for name in FAULT_COLUMNS)
        assert got == want, i
        assert locations[i] == (want[1] or "")
        located += bool(want[1])
    assert located > 100  # the sample's records name real places (the test compares something)


def test_full_import_fills_fault_keys_and_fast_import_leaves_them_unknown(tmp_path):
    records = generate_records(["memory", "xpf-mca", "pcie"], 60, 3, hosts=["a", "b"])
    with Store(tmp_path / "full.sqlite") as s:
        assert s.write_records((d, {"host": "h1"}) for d in records).written == 60
        table = s.record_table()
        assert table.faults_known().all()
        for i, (_, data) in enumerate(s):
            assert tuple(table.fault_text(i, n) for n in FAULT_COLUMNS) == _keys_by_decoding(data, "h1")
        assert s.conn.execute("SELECT count(*) FROM records WHERE location IS NULL").fetchone()[0] == 0
    with Store(tmp_path / "fast.sqlite") as s:
        assert s.write_records(((d, {}) for d in records), validate="header").written == 60
        table = s.record_table()
        assert not table.faults_known().any() and (table.columns["fault_state"] == 0).all()
        assert s.conn.execute("SELECT count(*) FROM records WHERE location IS NULL").fetchone()[0] == 60


def test_damaged_records_are_named_alike_by_damaged_rows_and_analysis_table(tmp_path):
    """Both scans over the record bytes (one chunked reader) report the records whose bytes
    fail their CRC by position and (host, RecordId), across chunk boundaries."""
    path = tmp_path / "damaged.wheastore"
    datas = list(generate_records(["memory", "pcie"], count=9, seed=4))
    with Store(path) as st:
        st.write_records([(d, {"host": f"h{i % 2}"}) for i, d in enumerate(datas)])
        table = st.record_table()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE record_data SET data = zeroblob(length(data)) WHERE slot % 4 = 1")
        slots = [s for (s,) in conn.execute("SELECT slot FROM records ORDER BY slot")]
    conn.close()
    positions = [i for i, s in enumerate(slots) if s % 4 == 1]
    expected_ids = [int(table.record_id[i]) for i in positions]
    with Store(path) as st:
        rows, keys = st.damaged_rows(chunk=2)
        full, bad, bad_keys = st.analysis_table(chunk=3)
    assert list(rows) == positions == list(bad) and positions
    assert [rid for _, rid in keys] == expected_ids == [rid for _, rid in bad_keys]
    assert keys == bad_keys and {h for h, _ in keys} <= {"h0", "h1"}
    assert len(full) == len(datas)


def test_fault_keys_set_a_chunk_at_a_time_are_those_set_at_once(tmp_path, monkeypatch):
    """A header-only import leaves the keys to the analysis; they are set into the table a
    chunk at a time (a million held at once were ~130 MB at the peak of `whea timeline STORE`),
    sharing one string map: the same table as setting them all at once."""
    from whea_gui.store import store as store_module
    path = tmp_path / "fast.wheastore"
    datas = list(generate_records(["memory", "pcie", "ia32x64", "cxl-media"], count=40, seed=9))
    with Store(path) as st:
        st.write_records([(d, {"host": f"h{i % 3}"}) for i, d in enumerate(datas)], validate="header")
        assert not st.record_table().faults_known().any()  # (header-only: none computed)
        whole, _, _ = st.analysis_table()
        monkeypatch.setattr(store_module, "KEYS_AT_ONCE", 3)
        chunked, _, _ = st.analysis_table()
    for table in (whole, chunked):
        assert table.faults_known().all()
    for name in FAULT_COLUMNS:
        assert [table.string(int(c)) if c >= 0 else None for c in whole.columns[name]] == \
            [chunked.string(int(c)) if c >= 0 else None for c in chunked.columns[name]]
    assert chunked.fault_text(0) == _keys_by_decoding(datas[0], "h0")[1] or chunked.fault_text(0) is not None
