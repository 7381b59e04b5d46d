"""Record stores (``whea_gui.store``) as a source for the record list.

A store file is recognised by the SQLite file magic (or its name); a store on a server by its
spec (``postgresql://…``). Stores open through ``store.open_store``. Its index rows become the
list's columns at once; a record's bytes are read from the store only when the record is shown.
A server store is listed by pages (``PAGE_ROWS`` index rows, keyset pages over the store order):
``store_batch`` gives the first page, and the batch's ``more()`` the next one (None after the
last), so a 10-million-record store is never pulled whole to the window.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..index.table import RecordTable
from ..sources.base import Problem, SourceError
from .recordset import Batch, batch_from_table

SQLITE_MAGIC = b"SQLite format 3\0"
STORE_SUFFIXES = (".wheastore", ".sqlite", ".sqlite3", ".db")


PAGE_ROWS = 10_000  # index rows per page of a server store (a screenful many times over)


def _is_server(spec: str) -> bool:
    from ..store.backend import is_server_spec
    return is_server_spec(spec)


def is_store_file(path: str | Path) -> bool:
    """A store file, or a store spec naming a server (listed the same way)."""
    if _is_server(str(path)):
        return True
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return p.suffix.lower() in STORE_SUFFIXES and not p.is_dir()


VERIFY_UP_TO = 512 << 20  # record bytes checked when a store is opened (more: checked when shown)


class StoreRecords:
    """The bytes of a store's records by row, read on demand (one connection per thread).
    A record whose bytes fail their checksum reads as empty and is reported once."""

    def __init__(self, path: str, table: RecordTable, on_problem=None, label: str | None = None) -> None:
        self.path = path  # what to open (a server spec keeps its password here, never shown)
        self.label = label or path
        self.table = table
        self.ids = np.asarray(table.record_id)
        self.on_problem = on_problem
        self._reported: set[int] = set()
        self._local = threading.local()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> bytes:
        from ..store import StoreError
        store = getattr(self._local, "store", None)
        try:
            if store is None:
                from ..store import open_store
                store = self._local.store = open_store(self.path, readonly=True, create=False)
            return store.get(int(self.ids[i]), host=self.table.string(int(self.table.host[i])) or "") or b""
        except StoreError as exc:  # damage found only now (a big store, or a file changed)
            if self.on_problem is not None and i not in self._reported:
                self._reported.add(i)
                self.on_problem(Problem(self.label, None,
                                        str(exc).removeprefix(f"{self.label}: "), "error"))
            return b""

    def source(self, i: int) -> dict:
        """Provenance as ``sources.store_file`` gives it: the store, the record id, and where
        the record came from before it was stored."""
        row = self.table.row(i)
        src = {"path": self.label, "offset": 0, "kind": "store", "record_id": int(self.ids[i])}
        for key, name in (("host", "host"), ("path", "origin_path"), ("offset", "origin_offset"),
                          ("event_time", "time_created"), ("inserted_at", "inserted_at")):
            if row.get(key) not in (None, ""):
                src[name] = row[key]
        return src


def store_batch(path: str | Path, on_problem=None) -> Batch:
    """Every intact record of a store as one batch; SourceError says plainly why a store cannot
    be read. Records whose bytes fail their checksum are left out of the list and reported to
    ``on_problem`` as one problem naming the store and the records."""
    p = str(path)
    from ..store import StoreError, open_store
    if _is_server(p):
        return server_page(p, on_problem)
    try:
        with open_store(p, readonly=True, create=False) as store:
            table = store.record_table()
            if int(np.sum(table.length, dtype=np.int64)) <= VERIFY_UP_TO:
                bad, keys = store.damaged_rows()
                if len(bad):
                    table = table.take(np.setdiff1d(np.arange(len(table)), bad))
                    _report_damage(p, keys, len(table) + len(keys), on_problem)
    except StoreError as exc:
        raise SourceError(str(exc) if str(exc).startswith(p) else f"{p}: {exc}") from exc
    records = StoreRecords(p, table, on_problem)
    batch = batch_from_table(table, records)
    batch.table = table
    batch.source_of = records.source
    return batch


def server_page(spec: str, on_problem=None, after_slot: int = 0, rows: int | None = None) -> Batch:
    """One page of a server store's list: up to ``rows`` records after ``after_slot`` in store
    order. ``batch.more()`` reads the next page (None when this one was the last);
    ``batch.store_total`` is the store's record count (the server's estimate for big tables)."""
    from ..store import StoreError, open_store, redact

    rows = rows or PAGE_ROWS
    label = redact(spec)
    try:
        with open_store(spec, readonly=True, create=False) as store:
            table, slots = store.table_page(after_slot, rows)
            total = store.estimated_count()
    except StoreError as exc:
        text = str(exc)
        raise SourceError(text if text.startswith(label) else f"{label}: {text}") from exc
    records = StoreRecords(spec, table, on_problem, label)
    batch = batch_from_table(table, records)
    batch.table = table
    batch.source_of = records.source
    last = int(slots[-1]) if len(slots) else after_slot
    batch.store_total = total
    batch.more = (lambda: server_page(spec, on_problem, last, rows)) if len(slots) == rows else (lambda: None)
    return batch


def _report_damage(path: str, keys: list[tuple[str, int]], total: int, on_problem) -> None:
    if on_problem is None:
        return
    names = ", ".join(f"0x{rid:016X}" + (f" ({host})" if host else "") for host, rid in keys[:10])
    more = f" and {len(keys) - 10} more" if len(keys) > 10 else ""
    on_problem(Problem(path, None, f"{len(keys)} of {total} records are damaged (their bytes fail "
                                   f"the checksum) and are not listed: {names}{more}; `whea store "
                                   f"check --store {path}` salvages the intact records", "error"))
