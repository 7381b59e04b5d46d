"""The store's SQLite schema, its versions (``PRAGMA user_version``) and connection settings.

Layout (version 1):

* ``records``: one row per stored record in insertion order (``slot``); the RecordId (u64 kept
  as a signed 64-bit integer), the columns SQL queries filter on, and ``idx`` — the record's
  packed RecordTable row (``index.table.ROW_DTYPE``, string codes = ``names.id``), so the
  columnar index of a million records loads without touching a blob.
* ``record_data``: the record bytes, byte for byte, with a CRC-32 just before them. The CRC
  makes every copy verifiable, and because the two sit next to each other in the SQLite cell,
  ``check`` can find intact records even in pages SQLite can no longer reach.
* ``names``: strings (GUIDs, paths, hosts; kind 's') and section-type lists (kind 't').
* ``meta``: key/value settings (capacity limits, creation time).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

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


# MIGRATIONS[i] brings a store from version i to version i + 1 (run inside one transaction).
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]


def latest_version() -> int:
    return len(MIGRATIONS)


def configure(conn: sqlite3.Connection, *, readonly: bool) -> None:
    """Per-connection settings: durable commits, zeroed deleted content, WAL."""
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")  # a cleared record must not linger in free pages
    if not readonly:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # no effect once the file has pages
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
