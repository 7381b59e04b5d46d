"""The store's own metadata (``meta`` table, schema tables, index-row layout) checked as data.

A flipped byte in ``meta`` must not turn every command into a traceback: ``problems`` lists what
is damaged in plain words; the store refuses to open with that list (StoreDamaged), and
``whea store check`` rebuilds it (``salvage.repair``) or salvages into a new file.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from ..index.table import FAULT_COLUMNS, ROW_DTYPE
from . import schema

REQUIRED_TABLES = ("meta", "names", "records", "record_data")
ROW_FORMAT_KEY = "row_format"
INT_KEYS = ("created_at", "max_bytes", "max_records")
# How the fault keys in the index rows were derived (``index.faults.record_fault``). The row
# layout can stay the same while the derivation changes; a store written with another version
# is re-indexed (``reindex``) the next time it is opened with write access.
# 2: the component is the one the record's explanation names (a memory-controller machine
# check counts as Memory, not CPU). Missing: written before version 2.
FAULT_KEYS_KEY = "fault_keys"
FAULT_KEYS_VERSION = 2


def parse_row_format(text) -> np.dtype:
    """The dtype a ``meta.row_format`` value describes; ValueError when it is not one."""
    try:
        dtype = np.dtype([tuple(field) for field in json.loads(text)])
    except (TypeError, ValueError, KeyError, IndexError) as exc:  # json errors are ValueErrors
        raise ValueError(f"meta.row_format is not a row layout ({exc})") from None
    if "record_id" not in (dtype.names or ()):
        raise ValueError("meta.row_format has no record_id field")
    return dtype


def row_format(dtype: np.dtype = ROW_DTYPE) -> str:
    return json.dumps(dtype.descr)


def meta_values(conn: sqlite3.Connection) -> dict:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def problems(conn: sqlite3.Connection, *, deep: bool = False) -> list[str]:
    """What is damaged in the store's metadata ([] = nothing); ``deep`` also checks every index
    row's size (a table scan: ``check`` does it, an ordinary open does not). Raises
    sqlite3.Error when SQLite cannot read the pages themselves (reported as file damage)."""
    tables = schema.user_tables(conn)
    out = []
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        out.append(f"table{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                   f"{'are' if len(missing) > 1 else 'is'} missing")
    if "meta" not in tables:
        return out
    values = meta_values(conn)
    if values.get("application") != schema.APPLICATION:
        out.append(f"meta.application is {values.get('application')!r}, not "
                   f"{schema.APPLICATION!r}")
    for key in INT_KEYS:
        value = values.get(key)
        if key in values and (not isinstance(value, int) or value < 0):
            out.append(f"meta.{key} is {value!r}, not a count")
    text = values.get(ROW_FORMAT_KEY)
    if text is not None:
        try:
            dtype = parse_row_format(text)
        except ValueError as exc:
            out.append(str(exc))
        else:
            if deep and "records" in tables:
                bad = conn.execute("SELECT count(*) FROM records WHERE length(idx) != ?",
                                   (dtype.itemsize,)).fetchone()[0]
                if bad:
                    out.append(f"{bad} index rows do not have the {dtype.itemsize}-byte layout "
                               "meta.row_format names")
    elif "records" in tables and conn.execute("SELECT 1 FROM records LIMIT 1").fetchone():
        out.append("meta.row_format is missing")
    return out


_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59: later times cannot be shown


def bad_index_rows(rows: np.ndarray, names_size: int) -> np.ndarray:
    """Mask of packed index rows whose values cannot be right (a code outside ``names``, an
    enum or time out of range): the rows carry no checksum, so a flipped byte shows here."""
    bad = np.zeros(len(rows), dtype=bool)
    for name, lo, hi in (("time_source", 0, 2), ("severity", -1, 4), ("kind", 0, 2)):
        bad |= (rows[name] < lo) | (rows[name] > hi)
    for name in ("notify", "creator", "path", "host", "section_types"):
        bad |= (rows[name] < -1) | (rows[name] >= names_size)
    names = rows.dtype.names or ()
    if "fault_state" in names:  # 0: the fault keys were not computed (a --fast import)
        bad |= (rows["fault_state"] < 0) | (rows["fault_state"] > 1)
    for name in FAULT_COLUMNS:
        if name in names:
            bad |= (rows[name] < -1) | (rows[name] >= names_size)
    for name in ("timestamp", "event_time", "inserted_at"):
        bad |= (rows[name] < -1) | (rows[name] > _LAST_SECOND)
    return bad
