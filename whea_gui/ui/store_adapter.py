"""A small adapter over the record store (``whea_gui.store``, SQLite) for the loader.

The store is recognised by its name or by the SQLite file magic. Reading goes through
``whea_gui.store`` when that package is present; the adapter accepts the few shapes such an API
naturally takes (a module-level iterator, or a store object with an iterating method), each item
being a RecordRef-like object (``.data``/``.source``) or plain bytes.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

from ..sources.base import RecordRef, SourceError

SQLITE_MAGIC = b"SQLite format 3\0"
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".whea")


def is_store_file(path: str | Path) -> bool:
    p = Path(path)
    if p.suffix.lower() in STORE_SUFFIXES:
        return True
    try:
        with open(p, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _as_ref(item, path: str, n: int) -> RecordRef:
    if isinstance(item, (bytes, bytearray, memoryview)):
        return RecordRef(bytes(item), {"path": path, "offset": 0, "kind": "store", "row": n})
    data = getattr(item, "data", None)
    if data is None and isinstance(item, dict):
        data = item.get("data")
    src = dict(getattr(item, "source", None) or (item.get("source") if isinstance(item, dict) else {})
               or {})
    src.setdefault("path", path)
    src.setdefault("kind", "store")
    return RecordRef(bytes(data or b""), src)


def iter_store(path: str | Path) -> Iterator[RecordRef]:
    """Records of a store file; SourceError says plainly when the store cannot be read."""
    p = str(path)
    try:
        store = importlib.import_module("whea_gui.store")
    except ImportError as exc:
        raise SourceError(f"{p}: looks like a record store (SQLite), but store support "
                          "(whea_gui.store) is not part of this build") from exc
    items = None
    for name in ("iter_store", "iter_records"):
        fn = getattr(store, name, None)
        if callable(fn):
            items = fn(p)
            break
    if items is None:
        opener = getattr(store, "open_store", None) or getattr(store, "Store", None)
        if opener is None:
            raise SourceError(f"{p}: whea_gui.store has no way to open a store file")
        handle = opener(p)
        for name in ("iter_refs", "iter_records", "records"):
            meth = getattr(handle, name, None)
            if callable(meth):
                items = meth()
                break
        if items is None:
            raise SourceError(f"{p}: the opened store cannot list its records")
    for n, item in enumerate(items):
        yield _as_ref(item, p, n)
