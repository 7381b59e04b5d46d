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
from . import rules
from .reindex import source_of
from .results import StoreDamaged, StoreError, crc_bytes, unsigned
from .store import Store

_U32 = struct.Struct("<I")


@dataclass
class CheckReport:
    path: str
    ok: bool
    records: int = 0
    problems: list[str] = field(default_factory=list)


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
    report = CheckReport(path, ok=True)
    try:
        store = Store(path, readonly=True, create=False)
    except StoreDamaged as exc:
        return CheckReport(path, False, 0, [str(exc)])
    try:
        with store._read() as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                report.problems += [f"integrity_check: {r}" for r in rows[:max_problems]]
            else:
                _check_records(conn, report, max_problems)
    except StoreError as exc:  # includes StoreDamaged raised while reading
        report.problems.append(str(exc))
    finally:
        store.close()
    report.ok = not report.problems
    return report


def _check_records(conn, report: CheckReport, max_problems: int) -> None:
    rows = conn.execute("SELECT r.slot, r.record_id, r.length, r.idx, d.crc, d.data FROM records r "
                        "LEFT JOIN record_data d ON d.slot = r.slot ORDER BY r.slot")
    for slot, rid, length, idx, crc, data in rows:
        report.records += 1
        rid = unsigned(rid)
        problem = ""
        if data is None:
            problem = "its bytes are missing"
        elif crc_bytes(data) != crc:
            problem = "its bytes fail the checksum"
        elif len(data) != length or rules.record_id_of(data) != rid:
            problem = "its bytes do not match its index columns"
        elif len(idx) != ROW_DTYPE.itemsize or np.frombuffer(idx, ROW_DTYPE)["record_id"][0] != rid:
            problem = "its index row is damaged"
        if problem and len(report.problems) < max_problems:
            report.problems.append(f"record 0x{rid:016X} (slot {slot}): {problem}")
        elif problem:
            report.problems[-1] = "... (more damaged records)"
    orphans = conn.execute("SELECT count(*) FROM record_data WHERE slot NOT IN "
                           "(SELECT slot FROM records)").fetchone()[0]
    if orphans:
        report.problems.append(f"{orphans} record bodies have no index row")


# -- salvage ------------------------------------------------------------------------------
def salvage(path: str, output: str) -> SalvageReport:
    """Copy every intact record of ``path`` into a new store at ``output``."""
    if os.path.exists(output):
        raise StoreError(f"{output}: already exists; choose a new file for the salvaged store")
    if not os.path.isfile(path):
        raise StoreError(f"{path}: no such store file")
    report = SalvageReport(output)
    index, names, data_rows = _read_tables(path, report)
    live_ids = {rid for rid, _ in index.values()} if report.index_complete else None

    chosen: dict[int, tuple[float, bytes, dict, int]] = {}  # rid -> (order, data, source, inserted)
    for slot, data in data_rows:
        rid = rules.record_id_of(data)
        known = index.get(slot)
        if live_ids is not None and (known is None or known[0] != rid):
            report.stale_skipped += 1
            continue
        source, inserted = _provenance(known[1] if known else None, names)
        chosen[rid] = (slot, data, source, inserted)
        report.from_tables += 1

    by_id = {rid: (slot, row) for slot, (rid, row) in index.items()}
    for offset, data in _carve(path, report):
        rid = rules.record_id_of(data)
        if rid in chosen:
            continue
        if live_ids is not None and rid not in live_ids:
            report.stale_skipped += 1
            continue
        slot, row = by_id.get(rid, (None, None))
        source, inserted = _provenance(row, names)
        order = slot if slot is not None else 1e18 + offset  # unknown slots go last, file order
        chosen[rid] = (order, data, source, inserted)
        report.from_pages += 1

    items = sorted(chosen.values(), key=lambda item: item[0])
    with Store(output) as out:
        out.restore_records([(data, source, inserted) for _, data, source, inserted in items])
        report.recovered = len(out)
    return report


def _connect_ro(path: str) -> sqlite3.Connection:
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    conn.execute("PRAGMA query_only = ON")
    return conn


def _read_tables(path: str, report: SalvageReport):
    """(slot -> (record id, index row), names id -> text, [(slot, data)]) as far as readable."""
    index: dict[int, tuple[int, bytes | None]] = {}
    names: dict[int, str] = {}
    data_rows: list[tuple[int, bytes]] = []
    try:
        conn = _connect_ro(path)
    except sqlite3.Error as exc:
        report.notes.append(f"SQLite cannot open the file ({exc}); scanning its bytes only")
        return index, names, data_rows
    try:
        upper = _upper_slot(conn)
        rows, errors = _scan(conn, "records", "record_id, idx", upper)
        report.unreadable += errors
        report.index_complete = errors == 0 and rows is not None
        for slot, rid, idx in rows or []:
            ok = isinstance(idx, bytes) and len(idx) == ROW_DTYPE.itemsize
            index[slot] = (unsigned(rid), idx if ok else None)
        name_rows, errors = _scan(conn, "names", "kind, text", None, key="id")
        report.unreadable += errors
        names = {nid: text for nid, kind, text in name_rows or [] if kind == "s"}
        rows, errors = _scan(conn, "record_data", "crc, data", upper)
        report.unreadable += errors
        for slot, crc, data in rows or []:
            if isinstance(data, bytes) and crc == crc_bytes(data) and _stamped(data):
                data_rows.append((slot, data))
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
        except sqlite3.Error:
            continue
        if row and row[0] is not None:
            best = max(best or 0, row[0])
    return best


def _scan(conn, table: str, columns: str, upper: int | None, key: str = "slot",
          page: int = 512) -> tuple[list | None, int]:
    """Rows in key order, stepping one key at a time past pages SQLite cannot read.

    Returns (rows, number of damaged places); rows is None when the table cannot be read at all.
    """
    rows: list = []
    errors = 0
    last = 0
    while True:
        try:
            part = conn.execute(f"SELECT {key}, {columns} FROM {table} WHERE {key} > ? "
                                f"ORDER BY {key} LIMIT ?", (last, page)).fetchall()
        except sqlite3.Error:
            errors += 1
            if upper is None:
                return (rows or None), errors
            found = None
            for k in range(last + 1, upper + 1):
                try:
                    found = conn.execute(f"SELECT {key}, {columns} FROM {table} WHERE {key} = ?",
                                         (k,)).fetchone()
                except sqlite3.Error:
                    continue
                if found is not None:
                    break
            if found is None:
                return rows, errors
            rows.append(found)
            last = found[0]
            continue
        if not part:
            return rows, errors
        rows.extend(part)
        last = part[-1][0]


def _stamped(data: bytes) -> bool:
    """Looks like a record this store wrote: CPER, RecordLength = size = stamped length."""
    if len(data) < 128 or data[:4] != b"CPER":
        return False
    p = rules.persistence_fields(data)
    return (_U32.unpack_from(data, 20)[0] == len(data) and p["signature"] == rules.ER_SIGNATURE
            and p["length"] == len(data))


def _carve(path: str, report: SalvageReport):
    """(file offset, record bytes) of every intact record image in the file."""
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
            yield p, bytes(data)


def _provenance(idx: bytes | None, names: dict[int, str]) -> tuple[dict, int | None]:
    if idx is None:
        return {}, None
    return source_of(np.frombuffer(idx, ROW_DTYPE)[0], names)
