"""The store's SQLite schema, its versions (``PRAGMA user_version``) and connection settings.

Layout (version 1):

* ``records``: one row per stored record in insertion order (``slot``); the RecordId (u64 kept
  as a signed 64-bit integer), the columns SQL queries filter on, and ``idx`` — the record's
  packed RecordTable row (``index.table.ROW_DTYPE``, string codes = ``names.id``), so the
  columnar index of a million records loads without touching a blob.
* ``record_data``: the record bytes, byte for byte, with a CRC-32 just before them (and, from
  version 2, ``origin`` — the host, with its own CRC — just after them). The CRC
  makes every copy verifiable, and because the two sit next to each other in the SQLite cell,
  ``check`` can find intact records even in pages SQLite can no longer reach.
* ``names``: strings (GUIDs, paths, hosts; kind 's') and section-type lists (kind 't').
* ``meta``: key/value settings (capacity limits, creation time).

Version 2 keys records by (source host, RecordId): RecordIds are unique per writer (one
machine's ERST/PSHED store), not across a fleet. ``records.host`` is the host text ('' when the
source named none); the PSHED calls work per host. Version-1 stores are migrated in place,
each row's host taken from its packed index row.

Version 3 keeps each record's fault keys (``index.faults.record_fault_keys``: component,
location, page, DIMM, CPU) in the packed index row, so thresholds and top locations need no
decode, and the location key in ``records.location`` for SQL ('' = none, NULL = not computed
yet: a ``--fast`` import decodes nothing). The migration adds the column; the index rows are
then rebuilt from the record bytes (``reindex``: the row layout changed), which fills both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import numpy as np

from ..index.table import ROW_DTYPE
from .results import advance, origin_bytes

APPLICATION = "whea-inspector store"
PAGE_SIZE = 16384  # records up to ~16 KB stay in one page (one contiguous, carvable cell)


def _run(conn: sqlite3.Connection, script: str) -> None:
    # not executescript(): it would COMMIT the migration's transaction first
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    _run(conn, """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value);
        CREATE TABLE names (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            UNIQUE (kind, text));
        CREATE TABLE records (
            slot INTEGER PRIMARY KEY AUTOINCREMENT,
            record_id INTEGER NOT NULL UNIQUE,
            ts INTEGER NOT NULL,
            severity INTEGER NOT NULL,
            length INTEGER NOT NULL,
            inserted_at INTEGER NOT NULL,
            idx BLOB NOT NULL);
        CREATE INDEX records_ts ON records (ts);
        CREATE INDEX records_severity ON records (severity);
        CREATE TABLE record_data (
            slot INTEGER PRIMARY KEY,
            crc BLOB NOT NULL,
            data BLOB NOT NULL);
    """)


_RECORDS_V2 = """
    CREATE TABLE records (
        slot INTEGER PRIMARY KEY AUTOINCREMENT,
        host TEXT NOT NULL DEFAULT '',
        record_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        severity INTEGER NOT NULL,
        length INTEGER NOT NULL,
        inserted_at INTEGER NOT NULL,
        idx BLOB NOT NULL,
        UNIQUE (host, record_id))"""


def _row_dtype(conn: sqlite3.Connection) -> np.dtype | None:
    """The layout the index rows were written in (None when unknown)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'row_format'").fetchone()
        return np.dtype([tuple(f) for f in json.loads(row[0])]) if row else ROW_DTYPE
    except (sqlite3.Error, ValueError, TypeError, KeyError, IndexError):
        return None


def host_names(conn: sqlite3.Connection, idxs: list[bytes], dtype: np.dtype | None) -> list[str]:
    """Host text of packed index rows ('' when the row cannot say)."""
    if dtype is None or "host" not in (dtype.names or ()):
        return [""] * len(idxs)
    names = dict(conn.execute("SELECT id, text FROM names WHERE kind = 's'").fetchall())
    out = []
    for idx in idxs:
        ok = isinstance(idx, bytes) and len(idx) == dtype.itemsize
        out.append(str(names.get(int(np.frombuffer(idx, dtype)["host"][0]), "")) if ok else "")
    return out


def _v2(conn: sqlite3.Connection) -> None:
    """Key records by (host, RecordId): rebuild ``records`` (SQLite cannot drop a UNIQUE)."""
    dtype = _row_dtype(conn)
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
    conn.execute("ALTER TABLE records RENAME TO records_v1")
    conn.execute(_RECORDS_V2)
    last = 0
    while True:
        rows = conn.execute("SELECT slot, record_id, ts, severity, length, inserted_at, idx "
                            "FROM records_v1 WHERE slot > ? ORDER BY slot LIMIT 5000",
                            (last,)).fetchall()
        if not rows:
            break
        hosts = host_names(conn, [r[6] for r in rows], dtype)
        conn.executemany("INSERT INTO records (slot, host, record_id, ts, severity, length, "
                         "inserted_at, idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [(r[0], h, *r[1:]) for r, h in zip(rows, hosts)])
        last = advance(last, rows, 'the store being upgraded')
    max_slot = last
    conn.execute("DROP TABLE records_v1")  # its indexes and sequence row go with it
    conn.execute("ALTER TABLE record_data ADD COLUMN origin BLOB")
    last = 0
    while True:
        rows = conn.execute("SELECT slot, host FROM records WHERE slot > ? ORDER BY slot "
                            "LIMIT 5000", (last,)).fetchall()
        if not rows:
            break
        conn.executemany("UPDATE record_data SET origin = ? WHERE slot = ?",
                         [(origin_bytes(host), slot) for slot, host in rows])
        last = advance(last, rows, 'the store being upgraded')
    _run(conn, """
        CREATE INDEX records_ts ON records (ts);
        CREATE INDEX records_severity ON records (severity);
        CREATE INDEX records_host_slot ON records (host, slot);
        CREATE INDEX records_record_id ON records (record_id)
    """)
    if seq:  # slots are never reused, even those of records cleared before the migration
        conn.execute("DELETE FROM sqlite_sequence WHERE name = 'records'")
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('records', ?)",
                      (max(seq[0], max_slot),))


def _v3(conn: sqlite3.Connection) -> None:
    """The fault location column (filled by the index rebuild that follows: the row layout
    changed with the fault columns)."""
    conn.execute("ALTER TABLE records ADD COLUMN location TEXT")
    conn.execute("CREATE INDEX records_location ON records (location)")


# MIGRATIONS[i] brings a store from version i to version i + 1 (run inside one transaction).
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]


def latest_version() -> int:
    return len(MIGRATIONS)


# No value in a store is longer than a record (PersistenceInfo's 24-bit length): a damaged
# cell that claims a gigabyte is an error ("string or blob too big"), not an allocation.
MAX_VALUE_LENGTH = 32 << 20


def _text(raw: bytes) -> str:
    # a damaged page can hold any bytes where text was: show them, never fail on them
    return raw.decode("utf-8", "replace")


def harden(conn: sqlite3.Connection) -> None:
    """Settings for reading files that may be damaged: bounded value lengths, and text that
    is not UTF-8 decoded with replacement characters instead of raising."""
    if hasattr(conn, "setlimit"):  # Python 3.11+
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_LENGTH)
    conn.text_factory = _text


def configure(conn: sqlite3.Connection, *, readonly: bool) -> None:
    """Per-connection settings that write nothing to the file: bounded value lengths, durable
    commits, zeroed deleted content, the page size of a file still empty. WAL (which rewrites
    the file's header) waits for ``use_wal``, once the file is known to be a store: a foreign
    SQLite file a command refuses must be left as it was (fuzzing campaign 7, F7-4)."""
    harden(conn)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")  # a cleared record must not linger in free pages
    if not readonly:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # no effect once the file has pages


def use_wal(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"cannot switch the store to WAL mode (got {mode})")


def user_tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def migrate(conn: sqlite3.Connection, now: int) -> int:
    """Bring the schema to the latest version; returns the version found before."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in MIGRATIONS[version:]:
            step(conn)
        if version == 0:
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                             [("application", APPLICATION), ("created_at", now)])
        conn.execute(f"PRAGMA user_version = {latest_version()}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version
