"""What the platform-container engines (ERST backing file, edk2 variable store) share: the
read-many half of RecordStore over a short list of (record id, bytes, provenance), and the
write checks the SQLite store makes (full decode or header checks)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ..index.table import RecordTable
from . import rules
from .results import ReadResult, StoreError, WriteResult, WriteSummary, table_stats, write_in_batches
from .status import (
    STATUS_BUFFER_TOO_SMALL,
    STATUS_INVALID_PARAMETER,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
)


def checked(records: list[bytes], validate: str) -> list[rules.Checked]:
    if validate == "full":
        return [rules.check_full(d) for d in records]
    if validate == "header":
        return rules.check_headers(records)
    raise ValueError(f"validate must be 'full' or 'header', not {validate!r}")


def refused(c: rules.Checked) -> WriteResult:
    return WriteResult(STATUS_INVALID_PARAMETER, c.record_id, c.reason, notes=list(c.notes))


class ContainerStore:
    """Base of the container engines. A subclass keeps ``self._entries``: a list of
    (record id, bytes, source dict) in store order, rebuilt by ``_load()`` after each change,
    and implements ``_write_one`` and ``clear_error_record``."""

    kind = "container"
    path: str
    readonly: bool

    def __init__(self) -> None:
        self._entries: list[tuple[int, bytes, dict]] = []

    # -- PSHED calls ---------------------------------------------------------------------
    def write_error_record(self, record: bytes, flags: int = 0, *, source: dict | None = None,
                           replace: bool = True) -> WriteResult:
        return self._write_checked(checked([bytes(record)], "full")[0], flags, replace)

    def write_records(self, records: Iterable[tuple[bytes, dict | None]], *,
                      validate: str = "full", flags: int = 0, batch_size: int = 1000,
                      replace: bool = True,
                      on_result: Callable[[WriteResult, dict], None] | None = None) -> WriteSummary:
        def write_batch(batch):
            return [self._write_checked(c, flags, replace)
                    for c in checked([bytes(d) for d, _ in batch], validate)]

        summary = write_in_batches(records, batch_size, write_batch, on_result)
        return summary

    def _write_checked(self, c: rules.Checked, flags: int, replace: bool) -> WriteResult:
        raise NotImplementedError

    def read_error_record(self, record_id: int, buffer_length: int | None = None, *,
                          host: str | None = None) -> ReadResult:
        """ReadErrorRecord: id 0 reads the first record; the next id of the last record is its
        own id (as the SQLite store answers). The container has no hosts: ``host`` other than
        None or '' finds nothing."""
        entries = self._entries
        if host or not entries:
            return ReadResult(STATUS_OBJECT_NOT_FOUND, b"", record_id, 0)
        pos = 0 if record_id == rules.FIRST_RECORD_ID else self._position(record_id)
        if pos is None:
            return ReadResult(STATUS_OBJECT_NOT_FOUND, b"", record_id, 0)
        rid, data, _src = entries[pos]
        next_id = entries[pos + 1][0] if pos + 1 < len(entries) else rid
        if buffer_length is not None and buffer_length < len(data):
            return ReadResult(STATUS_BUFFER_TOO_SMALL, b"", next_id, len(data))
        return ReadResult(STATUS_SUCCESS, data, next_id, len(data))

    def _position(self, record_id: int) -> int | None:
        for i, (rid, _d, _s) in enumerate(self._entries):
            if rid == record_id:
                return i
        return None

    # -- many records --------------------------------------------------------------------
    def iter_records(self, chunk: int = 256) -> Iterator[tuple[int, bytes]]:
        for rid, data, _src in list(self._entries):
            yield rid, data

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return self.iter_records()

    def get(self, record_id: int, host: str | None = None) -> bytes | None:
        result = self.read_error_record(record_id, host=host) if record_id else None
        return result.record if result and result.status == STATUS_SUCCESS else None

    def record_ids(self) -> np.ndarray:
        return np.array([rid for rid, _d, _s in self._entries], dtype=np.uint64)

    def record_table(self) -> RecordTable:
        return RecordTable.from_records((data, src) for _rid, data, src in self._entries)

    def hosts_of(self, record_id: int) -> list[str]:
        return [""] if self._position(record_id) is not None else []

    def damaged_rows(self, chunk: int = 2048) -> tuple[np.ndarray, list[tuple[str, int]]]:
        return np.zeros(0, np.int64), []  # unreadable entries are never listed as records

    def usage(self) -> tuple[int, int]:
        return len(self._entries), sum(len(d) for _r, d, _s in self._entries)

    def stats(self) -> dict:
        table = self.record_table()
        max_bytes, max_records = self.capacity()
        count, used = self.usage()
        return {
            "path": self.path, "engine": self.kind, "schema_version": self.schema_version(),
            "records": count, "bytes": used, "max_bytes": max_bytes, "max_records": max_records,
            "file_bytes": os.path.getsize(self.path) if os.path.exists(self.path) else 0,
            **table_stats(table),
            "hosts": [], "sources": 1 if count else 0,  # one container: no hosts, one source
            "damage": self.damage(),
        }

    def schema_version(self) -> str:
        return self.kind

    def damage(self) -> list[str]:
        """The container's error findings, each naming the file and byte offset (the records
        before the damage are still listed; an empty list: undamaged)."""
        lay = getattr(self, "layout", None)
        return [f"{self.path} at byte offset {f.offset}: {f.message}"
                for f in (lay.findings if lay is not None else []) if f.level == "error"]

    def warnings(self) -> list[str]:
        """The container's warnings (QEMU or edk2 accepts it, but something is off: a storage
        offset leaving no slots, a record count that hides records), file and offset each."""
        lay = getattr(self, "layout", None)
        return [f"{self.path} at byte offset {f.offset}: warning: {f.message}"
                for f in (lay.findings if lay is not None else []) if f.level == "warning"]

    def findings(self) -> list:
        """Every finding on the container (errors, warnings, notes) with byte offsets."""
        lay = getattr(self, "layout", None)
        return list(lay.findings) if lay is not None else []

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def require_file(path: str, create: bool, readonly: bool | None, what: str) -> bool:
    """Whether ``path`` exists; StoreError when it must and does not, or is a folder."""
    if os.path.isdir(path):
        raise StoreError(f"{path}: is a folder, not {what}")
    exists = os.path.exists(path)
    if exists and not os.path.isfile(path):  # /dev/zero would never end; a FIFO is read once
        raise StoreError(f"{path}: not a regular file (a device, pipe or socket); {what} is a "
                         "file of a fixed size")
    if not exists and (not create or readonly):
        raise StoreError(f"{path}: no {what} here")
    return exists


def write_protected(path: str) -> bool:
    return not os.access(path, os.W_OK) or os.stat(path).st_mode & 0o222 == 0
