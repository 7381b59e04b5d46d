"""Integrity check and salvage of a damaged store.

``check_store`` runs SQLite's ``PRAGMA integrity_check`` and verifies every record's checksum.
``salvage`` copies every intact record out of a damaged file into a new store, in two passes:

1. through SQLite, reading the tables in slot order and stepping over pages it cannot read;
2. by scanning the file's bytes for records SQLite can no longer reach. Every stored record
   sits in its cell right after its CRC-32 and carries the "ER" PersistenceInfo stamp with its
   own length, so a copy found this way is accepted only when all of that checks out.

Deleted records do not come back: the store runs with ``secure_delete`` (freed space is
zeroed), and when the index table could be read completely, a record it does not list is
skipped.
"""

from __future__ import annotations

import mmap
import os
import re
import sqlite3
import struct
from dataclasses import dataclass, field
from urllib.parse import quote

import numpy as np

from ..index.table import ROW_DTYPE
from . import meta, reindex, rules, schema
from .reindex import source_of
from .results import DB_ERRORS, StoreDamaged, StoreError, crc_bytes, parse_origin, unsigned
from .store import Store, host_of

_U32 = struct.Struct("<I")


@dataclass
class CheckReport:
    path: str
    ok: bool
    records: int = 0
    problems: list[str] = field(default_factory=list)
    # every problem is in the store's own metadata or index rows, and every record's bytes
    # are intact: ``repair`` rebuilds them in place (``salvage`` works too)
    repairable: bool = False
    readonly: bool = False


@dataclass
class SalvageReport:
    output: str
    recovered: int = 0
    from_tables: int = 0  # read through SQLite
    from_pages: int = 0  # found by scanning the file's bytes
    bad_copies: int = 0  # copies whose checksum or stamp did not match (not recovered)
    stale_skipped: int = 0  # intact copies of records the index no longer lists
    unreadable: int = 0  # places where SQLite reported damage
    index_complete: bool = False
    notes: list[str] = field(default_factory=list)


def check_store(path: str, *, max_problems: int = 20) -> CheckReport:
    """Is the store intact? Raises StoreError only when ``path`` is not a store at all."""
    report = CheckReport(path, ok=True, readonly=_write_protected(path))
    try:
        store = Store(path, readonly=True, create=False, strict=False)
    except StoreDamaged as exc:
        return CheckReport(path, False, 0, [str(exc)], readonly=report.readonly)
    records_damaged = False
    try:
        report.problems += [f"metadata: {p}" for p in store.damage]
        with store._read() as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                report.problems += [f"integrity_check: {r}" for r in rows[:max_problems]]
                records_damaged = True
            else:
                if not store.damage:
                    report.problems += [f"metadata: {p}" for p in meta.problems(conn, deep=True)]
                records_damaged = _check_records(conn, report, max_problems)
    except StoreError as exc:  # includes StoreDamaged raised while reading
        report.problems.append(str(exc))
        records_damaged = True
    finally:
        store.close()
    report.ok = not report.problems
    report.repairable = bool(report.problems) and not records_damaged
    return report


def _check_records(conn, report: CheckReport, max_problems: int) -> bool:
    """Adds a problem per damaged record; True when a record's bytes are damaged (index-row
    damage alone is repairable)."""
    names_size = (conn.execute("SELECT max(id) FROM names").fetchone()[0] or 0) + 1
    rows = conn.execute("SELECT r.slot, r.record_id, r.length, r.idx, d.crc, d.data FROM records r "
                        "LEFT JOIN record_data d ON d.slot = r.slot ORDER BY r.slot")
    bytes_damaged = False
    for slot, rid, length, idx, crc, data in rows:
        report.records += 1
        rid = unsigned(rid)
        problem = ""
        if not isinstance(data, bytes):
            problem, bytes_damaged = "its bytes are missing", True
        elif crc_bytes(data) != crc:
            problem, bytes_damaged = "its bytes fail the checksum", True
        elif rules.record_id_of(data) != rid:
            problem, bytes_damaged = "its bytes do not match its index columns", True
        elif len(data) != length:
            problem = "its length column is damaged"
        elif (not isinstance(idx, bytes) or len(idx) != ROW_DTYPE.itemsize
              or np.frombuffer(idx, ROW_DTYPE)["record_id"][0] != rid
              or meta.bad_index_rows(np.frombuffer(idx, ROW_DTYPE), names_size)[0]):
            problem = "its index row is damaged"
        if problem and len(report.problems) < max_problems:
            report.problems.append(f"record 0x{rid:016X} (slot {slot}): {problem}")
        elif problem:
            report.problems[-1] = "... (more damaged records)"
    orphans = conn.execute("SELECT count(*) FROM record_data WHERE slot NOT IN "
                           "(SELECT slot FROM records)").fetchone()[0]
    if orphans:
        report.problems.append(f"{orphans} record bodies have no index row")
        bytes_damaged = True
    return bytes_damaged


def repair(path: str) -> str:
    """Rebuild a store's metadata and every index row in place, from the record bytes (which
    ``check_store`` found intact). Returns what was rebuilt, in words."""
    import time

    done = []
    with Store(path, create=False, strict=False) as store:
        store._require_writable()
        with store._lock, store._write() as conn:
            tables = schema.user_tables(conn)
            if "meta" not in tables:
                conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value)")
                done.append("the meta table")
            if "names" not in tables:
                conn.execute("CREATE TABLE names (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                             "text TEXT NOT NULL, UNIQUE (kind, text))")
                done.append("the names table (source paths are lost; hosts are kept)")
            values = meta.meta_values(conn)
            if values.get("application") != schema.APPLICATION:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('application', ?)",
                             (schema.APPLICATION,))
                done.append("meta.application")
            if not isinstance(values.get("created_at"), int):
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('created_at', ?)", (int(time.time()),))
            for key in ("max_bytes", "max_records"):
                value = values.get(key)
                if key in values and (not isinstance(value, int) or value < 0):
                    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                    done.append(f"meta.{key} (unreadable; set the capacity again with "
                                "`whea store init --max-...`)")
            try:
                old = meta.parse_row_format(values.get(meta.ROW_FORMAT_KEY))
            except ValueError:
                old = None
                done.append("meta.row_format")
            columns = {r[1] for r in conn.execute("PRAGMA table_info(records)")}
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 or version > schema.latest_version():
                version = 2 if "host" in columns else 1
                conn.execute(f"PRAGMA user_version = {version}")
                done.append("the schema version")
            if "host" in columns:
                rows = reindex.reindex(store, conn, old)
                done.append(f"{rows} index rows")
            else:  # an older layout: the next open migrates it and rebuilds the rows there
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             (meta.ROW_FORMAT_KEY, meta.row_format()))
    with Store(path, create=False):  # runs any migration; raises if still damaged
        pass
    return ", ".join(done) or "nothing needed rebuilding"


def _write_protected(path: str) -> bool:
    return os.path.exists(path) and (not os.access(path, os.W_OK)
                                     or os.stat(path).st_mode & 0o222 == 0)


# -- salvage ------------------------------------------------------------------------------
def salvage(path: str, output: str) -> SalvageReport:
    """Copy every intact record of ``path`` into a new store at ``output``."""
    if os.path.exists(output):
        raise StoreError(f"{output}: already exists; choose a new file for the salvaged store")
    if not os.path.isfile(path):
        raise StoreError(f"{path}: no such store file")
    report = SalvageReport(output)
    items = salvaged_items(path, report)
    with Store(output) as out:
        out.restore_records(items)
        report.recovered = len(out)
    return report


def salvaged_items(path: str, report: SalvageReport) -> list[tuple[bytes, dict, int | None]]:
    """(record bytes, provenance, inserted) of every intact record of the store at ``path``, in
    store order, as ``salvage`` copies them (also read by ``decode`` and the other readers when
    SQLite refuses the store: F7-8)."""
    index, names, data_rows = _read_tables(path, report)
    live_ids = {entry[0] for entry in index.values()} if report.index_complete else None

    # (host, rid) -> (order, data, source, inserted): records are keyed per host
    chosen: dict[tuple[str, int], tuple[float, bytes, dict, int | None]] = {}
    for slot, data, origin in data_rows:
        rid = rules.record_id_of(data)
        known = index.get(slot)
        if live_ids is not None and known is None:
            report.stale_skipped += 1
            continue
        # the slot ties the bytes to their index row; the RecordId comes from the bytes (their
        # CRC matched), since the index's record_id column has no checksum of its own
        source, inserted = _provenance(known, names, origin)
        chosen[(host_of(source), rid)] = (slot, data, source, inserted)
        report.from_tables += 1

    by_id: dict[int, list[int]] = {}
    for slot, entry in index.items():
        by_id.setdefault(entry[0], []).append(slot)
    for offset, data, origin in _carve(path, report):
        rid = rules.record_id_of(data)
        if live_ids is not None and rid not in live_ids:
            report.stale_skipped += 1
            continue
        # the stamp's identifier is the slot modulo 65536: it picks the host's index row
        ident = rules.persistence_fields(data)["identifier"]
        slot = next((k for k in by_id.get(rid, []) if k & 0xFFFF == ident), None)
        source, inserted = _provenance(index.get(slot), names, origin)
        key = (host_of(source), rid)
        if key in chosen:
            continue
        order = slot if slot is not None else 1e18 + offset  # unknown slots go last, file order
        chosen[key] = (order, data, source, inserted)
        report.from_pages += 1

    items = sorted(chosen.values(), key=lambda item: item[0])
    return [(data, source, inserted) for _, data, source, inserted in items]


def _connect_ro(path: str) -> sqlite3.Connection:
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    if not os.path.exists(path + "-wal"):  # as Store does: looking creates no -wal/-shm files
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    schema.harden(conn)
    conn.execute("PRAGMA query_only = ON")
    return conn


def _read_tables(path: str, report: SalvageReport):
    """(slot -> (record id, index row), names id -> text, [(slot, data)]) as far as readable."""
    index: dict[int, tuple[int, bytes | None, str]] = {}
    names: dict[int, str] = {}
    data_rows: list[tuple[int, bytes]] = []
    try:
        conn = _connect_ro(path)
    except DB_ERRORS as exc:
        report.notes.append(f"SQLite cannot open the file ({exc}); scanning its bytes only")
        return index, names, data_rows
    try:
        upper = _upper_slot(conn)
        has_host = _has_column(conn, "records", "host")
        rows, errors = _scan(conn, "records", "record_id, idx, " + ("host" if has_host else "''"),
                             upper)
        report.unreadable += errors
        report.index_complete = errors == 0 and rows is not None
        for slot, rid, idx, host in rows or []:
            if not isinstance(rid, int):
                report.index_complete = False
                continue
            ok = isinstance(idx, bytes) and len(idx) == ROW_DTYPE.itemsize
            index[slot] = (unsigned(rid), idx if ok else None, host if isinstance(host, str) else "")
        name_rows, errors = _scan(conn, "names", "kind, text", None, key="id")
        report.unreadable += errors
        names = {nid: text for nid, kind, text in name_rows or [] if kind == "s"}
        has_origin = _has_column(conn, "record_data", "origin")
        rows, errors = _scan(conn, "record_data", "crc, data, " + ("origin" if has_origin else "NULL"),
                             upper)
        report.unreadable += errors
        for slot, crc, data, origin in rows or []:
            if isinstance(data, bytes) and crc == crc_bytes(data) and _stamped(data):
                data_rows.append((slot, data, parse_origin(origin)))
            else:
                report.bad_copies += 1
    finally:
        conn.close()
    return index, names, data_rows


def _upper_slot(conn) -> int | None:
    best = None
    for sql in ("SELECT seq FROM sqlite_sequence WHERE name = 'records'",
                "SELECT max(slot) FROM records", "SELECT max(slot) FROM record_data"):
        try:
            row = conn.execute(sql).fetchone()
        except DB_ERRORS:
            continue
        if row and row[0] is not None:
            best = max(best or 0, row[0])
    return best


MAX_PROBES = 200_000  # keys tried one by one past a damaged page (slots are nearly dense)


def _has_column(conn, table: str, column: str) -> bool:
    """Whether ``table`` has ``column`` (older schemas lack some); False when the schema cannot
    be read."""
    try:
        return column in {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    except DB_ERRORS:
        return False


def _scan(conn, table: str, columns: str, upper: int | None, key: str = "slot",
          page: int = 512) -> tuple[list | None, int]:
    """Rows in key order, stepping one key at a time past pages SQLite cannot read.

    Returns (rows, number of damaged places); rows is None when the table cannot be read at all.
    Bounded: a damaged b-tree that returns keys out of order, or a damaged upper bound, ends the
    scan instead of looping.
    """
    rows: list = []
    errors = 0
    last = 0
    while True:
        try:
            part = conn.execute(f"SELECT {key}, {columns} FROM {table} WHERE {key} > ? "
                                f"ORDER BY {key} LIMIT ?", (last, page)).fetchall()
        except (*DB_ERRORS, MemoryError):
            errors += 1
            if upper is None:
                return (rows or None), errors
            found = None
            for k in range(last + 1, min(upper, last + MAX_PROBES) + 1):
                try:
                    found = conn.execute(f"SELECT {key}, {columns} FROM {table} WHERE {key} = ?",
                                         (k,)).fetchone()
                except (*DB_ERRORS, MemoryError):
                    continue
                if found is not None:
                    break
            if found is None:
                return rows, errors
            rows.append(found)
            last = found[0]
            continue
        part = [r for r in part if isinstance(r[0], int) and r[0] > last]
        if not part:
            return rows, errors
        rows.extend(part)
        if part[-1][0] <= last:  # no progress: a damaged tree
            return rows, errors + 1
        last = part[-1][0]


def _stamped(data: bytes) -> bool:
    """Looks like a record this store wrote: CPER, RecordLength = size = stamped length."""
    if len(data) < 128 or data[:4] != b"CPER":
        return False
    p = rules.persistence_fields(data)
    return (_U32.unpack_from(data, 20)[0] == len(data) and p["signature"] == rules.ER_SIGNATURE
            and p["length"] == len(data))


def _carve(path: str, report: SalvageReport):
    """(file offset, record bytes, host or None) of every intact record image in the file."""
    size = os.path.getsize(path)
    if size == 0:
        return
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for m in re.finditer(b"CPER", mm):
            p = m.start()
            if p < 4 or p + 128 > size:
                continue
            length = _U32.unpack_from(mm, p + 20)[0]
            if length < 128 or p + length > size:
                continue
            data = mm[p:p + length]
            if not _stamped(data):
                continue
            if mm[p - 4:p] != crc_bytes(data):
                report.bad_copies += 1
                continue
            yield p, bytes(data), _carved_origin(mm, p, length)


def _carved_origin(mm, p: int, length: int) -> str | None:
    """The host stored after a carved record: the cell's last serial type (the varint just
    before the CRC value) says how long ``origin`` is; its own CRC says whether it is intact."""
    end = p - 5  # the last byte of the header's last varint
    if end < 0 or mm[end] & 0x80:
        return None
    start = end
    while start > 0 and end - start < 8 and mm[start - 1] & 0x80:
        start -= 1
    serial = 0
    for b in mm[start:end + 1]:
        serial = (serial << 7) | (b & 0x7F)
    if serial < 12 or serial % 2 or serial == 2 * length + 12:  # not a blob, or the data's own
        return None
    size = (serial - 12) // 2
    if size > 4 + 1024 or p + length + size > len(mm):
        return None
    return parse_origin(mm[p + length:p + length + size])


def _provenance(entry, names: dict[int, str], origin: str | None = None) -> tuple[dict, int | None]:
    """(source, inserted_at) from an index entry (record id, packed row or None, host) and the
    host stored beside the record bytes (checked by its own CRC, so it wins)."""
    source, inserted = {}, None
    if entry is not None:
        _, idx, host = entry
        row = np.frombuffer(idx, ROW_DTYPE) if idx else None
        # a row with impossible values is damaged: its provenance is not used (string codes
        # need no range check here: source_of looks each one up in ``names``)
        if row is not None and not meta.bad_index_rows(row, 1 << 31)[0]:
            source, inserted = source_of(row[0], names)
        if host:  # the key column is the authority over the packed row
            source["host"] = host
    if origin is not None:
        if origin:
            source["host"] = origin
        else:
            source.pop("host", None)
    return source, inserted
