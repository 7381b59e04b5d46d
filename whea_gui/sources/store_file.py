"""A WHEA Inspector record store (``whea store``'s SQLite file) read as a source of records."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Problem, RecordRef, SourceError

name = "store"
SQLITE_MAGIC = b"SQLite format 3\x00"


def sniff(head: bytes, path: str = "") -> int:
    return 96 if head.startswith(SQLITE_MAGIC) else 0


def read_path(path, on_problem) -> Iterator[RecordRef]:
    """Every record of the store, in store order, with the provenance the store kept. A record
    whose bytes fail their checksum is reported (naming the store and the record) and skipped."""
    from ..store import Store
    from ..store.results import StoreDamaged, StoreError

    try:
        with Store(path, readonly=True) as store:
            table = store.record_table()
            for i in range(len(table)):
                row = table.row(i)
                rid = row["record_id"]
                try:
                    data = store.get(rid, host=row.get("host") or "")
                except StoreDamaged as exc:
                    on_problem(Problem(str(path), None,
                                       str(exc).removeprefix(f"{store.path}: "), "error"))
                    continue
                if data is None:  # cleared by another process since the index was read
                    continue
                src = {"path": str(path), "offset": 0, "kind": name, "record_id": rid}
                for key, field in (("host", "host"), ("path", "origin_path"),
                                   ("offset", "origin_offset"), ("event_time", "time_created"),
                                   ("inserted_at", "inserted_at")):
                    if row.get(key) not in (None, ""):
                        src[field] = row[key]
                yield RecordRef(data, src)
    except StoreError as exc:
        text = str(exc)  # (the store's own messages mostly name the file already)
        raise SourceError(text if text.startswith(f"{path}: ") else f"{path}: {text}") from exc


def read_spec(spec: str, on_problem) -> Iterator[RecordRef]:
    """Every record of a store named by a spec (``postgresql://…``), in store order, read by
    pages; the source is as for a store file, with the spec (password hidden) as its path."""
    from ..store import open_store
    from ..store.results import StoreDamaged, StoreError

    try:
        with open_store(spec, readonly=True, create=False) as store:
            for rid, data, prov in store.iter_provenance():
                if isinstance(data, StoreDamaged):
                    on_problem(Problem(store.path, None, str(data).removeprefix(f"{store.path}: "),
                                       "error"))
                    continue
                src = {"path": store.path, "offset": 0, "kind": name, "record_id": rid}
                src.update({k: v for k, v in prov.items() if v not in (None, "")})
                yield RecordRef(data, src)
    except StoreError as exc:
        raise SourceError(str(exc)) from exc


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    on_problem(Problem(path, 0, "a record store (SQLite) can only be read from a file; "
                                "save it and open the file", "error"))
    return iter(())
