"""A whole-fleet analysis holds only the index columns it reads (issue #18, target 4): a slim
RecordTable keeps those columns and reads the others as their defaults through zero-stride
views; a store's index loads chunk by chunk into only those columns. The answers are the same
as from the whole table."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pytest

from whea_gui.cli.timeline import analyse
from whea_gui.compose.generate import RepeatFault, generate_records
from whea_gui.index.analysis import from_record_table
from whea_gui.index.faultindex import FaultKeyer
from whea_gui.index.table import ANALYSIS_COLUMNS, COLUMNS, RecordTable
from whea_gui.store import Store, StoreDamaged
from whea_gui.store import store as store_module
from whea_gui.store.store import intact_analysis_table


def _held_bytes(table: RecordTable) -> int:
    """Bytes the table's columns own (a zero-stride view owns none)."""
    return sum(col.nbytes for col in table.columns.values() if col.strides[0] != 0)


@pytest.fixture(scope="module")
def records() -> list[bytes]:
    return generate_records(None, 600, seed=5, hosts=["web-01", "db-01"],
                            start=dt.datetime(2025, 5, 1), span=dt.timedelta(days=3),
                            repeat=RepeatFault(count=30))


def _table(records) -> RecordTable:
    table = RecordTable.from_records([(r, {"path": "f.bin", "offset": i}) for i, r in enumerate(records)])
    FaultKeyer().fill(table, records, [{} for _ in records])
    return table


def _report(table) -> dict:
    import argparse
    args = argparse.Namespace(by="component", bin=None, top=20, storm=10, storm_window=60, threshold=[])
    rep = analyse(from_record_table(table, first_seen=True), [{}] * len(table), args)
    rep["record_times"] = [e["time"] for e in rep["record_times"]]
    return rep


def test_a_slim_table_holds_half_the_bytes_and_analyses_the_same(records):
    whole = _table(records)
    slim = whole.slim()
    n = len(whole)
    assert _held_bytes(whole) == 96 * n
    assert _held_bytes(slim) == 48 * n  # the analysis columns only
    fresh = RecordTable({"record_id": np.zeros(n)})  # every other column its default
    for name, _ in COLUMNS:  # the columns not held read as those defaults
        if name not in ANALYSIS_COLUMNS:
            assert slim.columns[name].strides[0] == 0
            assert (slim.columns[name] == fresh.columns[name]).all(), name
    report = _report(whole)
    assert report["crossings"] and report["top_locations"]
    assert _report(slim) == report


def test_concat_and_take_keep_columns_that_are_not_held(records):
    whole = _table(records)
    parts = [whole.take(np.arange(0, 250)).slim(), whole.take(np.arange(250, len(whole))).slim()]
    joined = RecordTable.concat(parts)
    assert _held_bytes(joined) == 48 * len(whole)
    assert _report(joined) == _report(whole)
    picked = joined.take(np.arange(0, len(whole), 3))
    assert _held_bytes(picked) == 48 * len(picked)
    assert (picked.columns["timestamp"] == whole.columns["timestamp"][::3]).all()


def test_a_store_index_loads_only_the_kept_columns_chunk_by_chunk(tmp_path, records, monkeypatch):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        assert s.write_records([(r, {}) for r in records]).written == len(records)
    monkeypatch.setattr(store_module, "_LOAD_CHUNK", 64)  # many chunks
    with Store(path, readonly=True) as s:
        whole = s.record_table()
        slim = s.record_table(keep=ANALYSIS_COLUMNS)
    assert _held_bytes(slim) == 48 * len(whole)
    for name in ANALYSIS_COLUMNS:
        assert (slim.columns[name] == whole.columns[name]).all(), name
    table, damaged = intact_analysis_table(str(path), FaultKeyer())
    assert not damaged and _held_bytes(table) == 48 * len(whole)
    assert _report(table) == _report(whole)


def test_a_damaged_row_in_a_later_chunk_is_still_named(tmp_path, records, monkeypatch):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        assert s.write_records([(r, {}) for r in records]).written == len(records)
    with sqlite3.connect(path) as conn:  # a severity of 9 in the 500th row's packed index
        slot, idx = conn.execute("SELECT slot, idx FROM records ORDER BY slot LIMIT 1 OFFSET 499").fetchone()
        row = bytearray(idx)
        row[ROW_SEVERITY] = 9
        conn.execute("UPDATE records SET idx = ? WHERE slot = ?", (bytes(row), slot))
    monkeypatch.setattr(store_module, "_LOAD_CHUNK", 64)
    with Store(path, readonly=True) as s:
        for keep in (None, ANALYSIS_COLUMNS):
            with pytest.raises(StoreDamaged, match=r"1 index rows are damaged \(values out of range"):
                s.record_table(keep)


ROW_SEVERITY = np.dtype([(n, c) for n, c in COLUMNS]).fields["severity"][1]


def test_an_analysis_that_consumes_its_table_answers_the_same_and_lets_every_column_go(records):
    kept = _report(_table(records).slim())
    table = _table(records).slim()
    data = from_record_table(table, first_seen=True, consume=True)
    assert not set(table.columns) & set(ANALYSIS_COLUMNS) - {"fault_state"}  # all let go
    import argparse
    args = argparse.Namespace(by="component", bin=None, top=20, storm=10, storm_window=60, threshold=[])
    rep = analyse(data, [{}] * len(records), args)
    rep["record_times"] = [e["time"] for e in rep["record_times"]]
    assert rep == kept


def test_a_store_source_column_names_only_the_hosts_its_rows_have(tmp_path, records):
    from whea_gui.index.stream import TimelineBuilder

    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        assert s.write_records([(r, {"host": "web-01"}) for r in records]).written == len(records)
    builder = TimelineBuilder()
    table, _ = intact_analysis_table(str(path), builder.keyer)
    assert len(table.strings) > 100  # GUIDs, fault keys ...
    builder.add_table(table, str(path))
    assert builder.data().groups["source"].labels == ["web-01"]  # ... none of them a source


def test_a_store_whose_only_name_has_id_0_loads(tmp_path):
    # (reading the names row by row first took the largest id with `or`: an id of 0 made an
    # empty list and a traceback)
    path = tmp_path / "s.sqlite"
    with Store(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO names (id, kind, text) VALUES (0, 's', 'host-0')")
    with Store(path, readonly=True) as s:
        for keep in (None, ANALYSIS_COLUMNS):
            table = s.record_table(keep)
            assert len(table) == 0 and table.strings == ["host-0"]
