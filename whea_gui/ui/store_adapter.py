"""Record stores (``whea_gui.store``, SQLite) as a source for the record list.

A store is recognised by the SQLite file magic (or its name). Its index rows become the list's
columns at once; a record's bytes are read from the store only when the record is shown.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..index.table import RecordTable
from ..sources.base import SourceError
from .recordset import Batch, batch_from_table

SQLITE_MAGIC = b"SQLite format 3\0"
STORE_SUFFIXES = (".wheastore", ".sqlite", ".sqlite3", ".db")


def is_store_file(path: str | Path) -> bool:
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return p.suffix.lower() in STORE_SUFFIXES and not p.is_dir()


class StoreRecords:
    """The bytes of a store's records by row, read on demand (one connection per thread)."""

    def __init__(self, path: str, table: RecordTable) -> None:
        self.path = path
        self.table = table
        self.ids = np.asarray(table.record_id)
        self._local = threading.local()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> bytes:
        store = getattr(self._local, "store", None)
        if store is None:
            from ..store import Store
            store = self._local.store = Store(self.path, readonly=True, create=False)
        return store.get(int(self.ids[i])) or b""

    def source(self, i: int) -> dict:
        """Provenance as ``sources.store_file`` gives it: the store, the record id, and where
        the record came from before it was stored."""
        row = self.table.row(i)
        src = {"path": self.path, "offset": 0, "kind": "store", "record_id": int(self.ids[i])}
        for key, name in (("host", "host"), ("path", "origin_path"), ("offset", "origin_offset"),
                          ("event_time", "time_created"), ("inserted_at", "inserted_at")):
            if row.get(key) not in (None, ""):
                src[name] = row[key]
        return src


def store_batch(path: str | Path) -> Batch:
    """Every record of a store as one batch; SourceError says plainly why a store cannot be read."""
    p = str(path)
    try:
        from ..store import Store, StoreError
    except ImportError as exc:  # pragma: no cover - the store ships with the app
        raise SourceError(f"{p}: looks like a record store, but store support is missing") from exc
    try:
        with Store(p, readonly=True, create=False) as store:
            table = store.record_table()
    except StoreError as exc:
        raise SourceError(str(exc) if str(exc).startswith(p) else f"{p}: {exc}") from exc
    records = StoreRecords(p, table)
    batch = batch_from_table(table, records)
    batch.table = table
    batch.source_of = records.source
    return batch
