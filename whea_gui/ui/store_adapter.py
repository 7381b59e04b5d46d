"""Record stores (``whea_gui.store``, SQLite) as a source for the record list.

A store is recognised by the SQLite file magic (or its name). Its index rows become the list's
columns at once; a record's bytes are read from the store only when the record is shown.
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


def is_store_file(path: str | Path) -> bool:
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

    def __init__(self, path: str, table: RecordTable, on_problem=None) -> None:
        self.path = path
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
                from ..store import Store
                store = self._local.store = Store(self.path, readonly=True, create=False)
            return store.get(int(self.ids[i]), host=self.table.string(int(self.table.host[i])) or "") or b""
        except StoreError as exc:  # damage found only now (a big store, or a file changed)
            if self.on_problem is not None and i not in self._reported:
                self._reported.add(i)
                self.on_problem(Problem(self.path, None, str(exc).removeprefix(f"{self.path}: "),
                                        "error"))
            return b""

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


def store_batch(path: str | Path, on_problem=None) -> Batch:
    """Every intact record of a store as one batch; SourceError says plainly why a store cannot
    be read. Records whose bytes fail their checksum are left out of the list and reported to
    ``on_problem`` as one problem naming the store and the records."""
    p = str(path)
    try:
        from ..store import Store, StoreError
    except ImportError as exc:  # pragma: no cover - the store ships with the app
        raise SourceError(f"{p}: looks like a record store, but store support is missing") from exc
    try:
        with Store(p, readonly=True, create=False) as store:
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


def _report_damage(path: str, keys: list[tuple[str, int]], total: int, on_problem) -> None:
    if on_problem is None:
        return
    names = ", ".join(f"0x{rid:016X}" + (f" ({host})" if host else "") for host, rid in keys[:10])
    more = f" and {len(keys) - 10} more" if len(keys) > 10 else ""
    on_problem(Problem(path, None, f"{len(keys)} of {total} records are damaged (their bytes fail "
                                   f"the checksum) and are not listed: {names}{more}; `whea store "
                                   f"check --store {path}` salvages the intact records", "error"))
