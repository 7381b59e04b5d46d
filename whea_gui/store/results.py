"""What the store's calls return, its errors, and small helpers shared with salvage."""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass, field
from typing import NamedTuple

from ..index.table import SEVERITY_NAMES
from . import rules
from .status import (
    STATUS_INSUFFICIENT_RESOURCES,
    STATUS_INVALID_PARAMETER,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_SUCCESS,
    status_name,
)

# what reading a damaged file can raise: SQLite's errors, and a UnicodeDecodeError when
# SQLite's own error message quotes damaged bytes (e.g. a garbled schema entry)
DB_ERRORS = (sqlite3.Error, UnicodeDecodeError)


class StoreError(Exception):
    """The store cannot be used; the message names the file and says why."""


class StoreDamaged(StoreError):
    """The store file is damaged (``whea store check`` salvages the intact records)."""


class AmbiguousRecordId(StoreError):
    """A call named a RecordId without a host, and several hosts store that id."""

    def __init__(self, path: str, record_id: int, hosts: list[str]) -> None:
        self.record_id, self.hosts = record_id, hosts
        names = ", ".join(h or "(no host)" for h in hosts)
        super().__init__(f"{path}: RecordId 0x{record_id:016X} is stored for {len(hosts)} hosts "
                         f"({names}); name the host (--host)")


@dataclass
class WriteResult:
    status: int
    record_id: int
    reason: str = ""
    replaced: bool = False
    notes: list[str] = field(default_factory=list)
    duplicate: bool = False  # an identical copy is stored already: nothing was written

    @property
    def ok(self) -> bool:
        return self.status == STATUS_SUCCESS

    @property
    def status_name(self) -> str:
        return status_name(self.status)


class ReadResult(NamedTuple):
    status: int
    record: bytes
    next_record_id: int
    length: int  # the record's length (on STATUS_BUFFER_TOO_SMALL: the length needed)

    @property
    def record_id(self) -> int:
        return rules.record_id_of(self.record)


@dataclass
class WriteSummary:
    written: int = 0
    replaced: int = 0
    refused: int = 0  # STATUS_INVALID_PARAMETER
    duplicates: int = 0  # identical copies of stored records (counted in written, not stored twice)
    collisions: int = 0  # same host and RecordId stored with other bytes, kept (no replace)
    failed: int = 0  # any other failure (store full, disk full, read-only, busy)
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, result: WriteResult) -> None:
        self.statuses[result.status_name] = self.statuses.get(result.status_name, 0) + 1
        if result.ok:
            self.written += 1
            self.replaced += result.replaced
            self.duplicates += result.duplicate
        elif result.status == STATUS_INVALID_PARAMETER:
            self.refused += 1
        elif result.status == STATUS_OBJECT_NAME_COLLISION:
            self.collisions += 1
        else:
            self.failed += 1


def signed(record_id: int) -> int:
    """A u64 RecordId as SQLite's signed 64-bit INTEGER (two's complement)."""
    return record_id - (1 << 64) if record_id >= 1 << 63 else record_id


def unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def crc_bytes(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "little")


def origin_bytes(host: str) -> bytes:
    """``record_data.origin``: CRC-32 of the host's UTF-8 text, then the text. It sits in the
    record's cell right after the record bytes, so salvage can tell which host a record found
    in the file's pages belongs to (the RecordId alone is not unique across hosts)."""
    text = host.encode("utf-8", "surrogatepass")
    return crc_bytes(text) + text


def parse_origin(blob) -> str | None:
    """The host an ``origin`` value names, or None when it is missing or damaged."""
    if not isinstance(blob, bytes) or len(blob) < 4 or crc_bytes(blob[4:]) != blob[:4]:
        return None
    try:
        return blob[4:].decode("utf-8")
    except UnicodeDecodeError:
        return None


def advance(last: int, rows: list, what: str) -> int:
    """The key after a chunk of rows read in key order; a damaged b-tree can hand back keys out
    of order, which would make a chunked scan loop for ever: that is damage, reported."""
    key = rows[-1][0]
    if not isinstance(key, int) or key <= last:
        raise StoreDamaged(f"{what}: a table's pages are damaged (keys out of order after {last}); "
                           "`whea store check` salvages the intact records")
    return key


def write_in_batches(records, batch_size: int, write_batch, on_result=None) -> WriteSummary:
    """What every engine's ``write_records`` shares: ``records`` ((bytes, source) pairs) in
    batches of ``batch_size``, each stored by ``write_batch(batch)`` (one WriteResult per item,
    in order); ``on_result(result, source)`` after each."""
    summary = WriteSummary()
    batch: list[tuple[bytes, dict]] = []

    def flush() -> None:
        for result, (_, src) in zip(write_batch(batch), batch):
            summary.add(result)
            if on_result is not None:
                on_result(result, src)
        batch.clear()

    for data, source in records:
        batch.append((data, source or {}))
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return summary


def locate_record(conn, table: str, mark: str, path, record_id: int, host: str | None):
    """(slot, host, RecordId, length) of the record a PSHED call names in ``table``, or None:
    the first record (of ``host``, when given) for FIRST_RECORD_ID, else the one with that id
    (of that host; without a host the id must name one record, else AmbiguousRecordId).
    ``mark`` is the engine's parameter placeholder ("?" for SQLite, "%s" for psycopg)."""
    cols = f"SELECT slot, host, record_id, length FROM {table}"
    if record_id == rules.FIRST_RECORD_ID:
        if host is None:
            row = conn.execute(f"{cols} ORDER BY slot LIMIT 1").fetchone()
        else:
            row = conn.execute(f"{cols} WHERE host = {mark} ORDER BY slot LIMIT 1", (host,)).fetchone()
    elif host is None:
        rows = conn.execute(f"{cols} WHERE record_id = {mark} ORDER BY slot",
                            (signed(record_id),)).fetchall()
        if len(rows) > 1:
            raise AmbiguousRecordId(path, record_id, [r[1] for r in rows])
        row = rows[0] if rows else None
    else:
        row = conn.execute(f"{cols} WHERE host = {mark} AND record_id = {mark}",
                           (host, signed(record_id))).fetchone()
    if row is None:
        return None
    if not all(isinstance(v, int) for v in (row[0], row[2], row[3])):  # a damaged row (NULLs)
        raise StoreDamaged(f"{path}: the record index row of slot {row[0]!r} is damaged (RecordId "
                           f"{row[2]!r}, length {row[3]!r}); `whea store check` salvages the rest")
    return row[0], row[1], unsigned(row[2]), row[3]


def fit_capacity(path, sizes: list[int], todo: list[int], keys: list, existing: dict, results: list,
                 count: int, used: int, max_records: int | None, max_bytes: int | None) -> list[int]:
    """The writes among ``todo`` (of ``sizes`` bytes each) that fit a store holding ``count``
    records in ``used`` bytes, in order; the others get STATUS_INSUFFICIENT_RESOURCES and a
    reason naming ``path``. A write that replaces a stored record (``existing[key]`` holds its
    length second) frees that record's bytes and adds no record."""
    fits = []
    for i, size in zip(todo, sizes):
        old = existing.get(keys[i])
        new_count = count + (old is None)
        new_used = used - (old[1] if old else 0) + size
        reason = ""
        if max_records is not None and new_count > max_records:
            reason = f"{path} is full: it holds {count} of at most {max_records} records"
        elif max_bytes is not None and new_used > max_bytes:
            reason = f"{path} is full: {used} of {max_bytes} bytes are used and this record needs {size}"
        if reason:
            results[i].status, results[i].reason = STATUS_INSUFFICIENT_RESOURCES, reason
            continue
        count, used = new_count, new_used
        fits.append(i)
    return fits


SEVERITY_KEYS = SEVERITY_NAMES  # the index's names (codes 0-3, then "undefined"), declared once


def time_text(seconds) -> str | None:
    """A stored time (Unix seconds, None when unknown) as ISO text for ``stats``, in UTC with a
    ``Z`` as every other command prints times (``whea timeline``, report headers): stored times
    are UTC (a CPER timestamp carries no zone and is read as UTC, ``index.faults.to_epoch``)."""
    import numpy as np
    return None if seconds is None else f"{np.datetime64(int(seconds), 's')}Z"


def table_stats(table) -> dict:
    """The parts of ``stats`` an engine that holds a RecordTable derives from it: records per
    severity, first and last time, hosts, records without a host, distinct sources."""
    import numpy as np
    times = table.timestamp[table.timestamp >= 0]
    codes, per_code = np.unique(table.host, return_counts=True)
    named = {int(c): table.string(int(c)) for c in codes if c >= 0}
    counts = np.bincount(table.severity[table.severity >= 0].astype(np.int64), minlength=5)
    return {
        "severity": {name: int(n) for name, n in zip(SEVERITY_KEYS, counts)},
        "first_time": time_text(times.min()) if len(times) else None,
        "last_time": time_text(times.max()) if len(times) else None,
        "hosts": sorted({h for h in named.values() if h}),
        "records_without_host": int(sum(int(n) for c, n in zip(codes, per_code)
                                        if c < 0 or not named.get(int(c)))),
        "sources": int(len(np.unique(table.path[table.path >= 0]))),
    }
