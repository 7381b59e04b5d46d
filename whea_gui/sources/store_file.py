"""A WHEA Inspector record store (``whea store``'s SQLite file) read as a source of records."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Problem, RecordRef, SourceError

name = "store"
SQLITE_MAGIC = b"SQLite format 3\x00"


def sniff(head: bytes, path: str = "") -> int:
    return 96 if head.startswith(SQLITE_MAGIC) else 0


def read_path(path, on_problem) -> Iterator[RecordRef]:
    """Every record of the store, in store order, with the provenance the store kept."""
    from ..store import Store
    from ..store.results import StoreError

    try:
        with Store(path, readonly=True) as store:
            table = store.record_table()
            for i, (rid, data) in enumerate(store.iter_records()):
                row = table.row(i) if i < len(table) else {}
                src = {"path": str(path), "offset": 0, "kind": name, "record_id": rid}
                for key, field in (("host", "host"), ("path", "origin_path"),
                                   ("offset", "origin_offset"), ("event_time", "time_created"),
                                   ("inserted_at", "inserted_at")):
                    if row.get(key) not in (None, ""):
                        src[field] = row[key]
                yield RecordRef(data, src)
    except StoreError as exc:
        raise SourceError(f"{path}: {exc}") from exc


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    on_problem(Problem(path, 0, "a record store (SQLite) can only be read from a file; "
                                "save it and open the file", "error"))
    return iter(())
