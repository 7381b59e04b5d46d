"""Where a report's records come from: paths (any input ``whea_gui.sources`` reads), record
bytes, ``RecordRef``s or already decoded records, filtered and decoded one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from os import PathLike

from ..decode import decode_record
from ..decode.model import DecodedRecord
from ..sources import RecordRef, iter_path
from ..sources.base import Problem, SourceError
from ..store.results import StoreError
from .filters import ReportFilters

SQLITE_MAGIC = b"SQLite format 3\x00"


class ReportCancelled(Exception):
    """The caller's ``cancel()`` said stop; no output file was left behind."""


@dataclass(slots=True)
class Selected:
    index: int  # 1-based place among all input records (before filtering)
    record: DecodedRecord


def _refs(items, on_problem: Callable[[Problem], None],
          on_unreadable: Callable[[Problem], None]) -> Iterator[RecordRef | DecodedRecord]:
    if isinstance(items, (str, PathLike, bytes, bytearray, DecodedRecord, RecordRef)):
        items = [items]
    for item in items:
        if isinstance(item, (str, PathLike)):
            try:
                if is_store(item):
                    yield from store_refs(item)
                else:
                    yield from iter_path(item, on_problem=on_problem)
            except (SourceError, StoreError) as exc:  # one unreadable input: say so, go on
                text = str(exc).removeprefix(f"{item}: ")
                on_unreadable(Problem(str(item), None, text, "error"))
        elif isinstance(item, (DecodedRecord, RecordRef)):
            yield item
        elif isinstance(item, (bytes, bytearray, memoryview)):
            yield RecordRef(bytes(item), {})
        elif isinstance(item, tuple) and len(item) == 2:
            yield RecordRef(bytes(item[0]), dict(item[1] or {}))
        else:
            raise TypeError(f"cannot report on a {type(item).__name__}")


def is_store(path) -> bool:
    """A record store (``whea store``'s SQLite file) rather than a file of records."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def store_refs(path) -> Iterator[RecordRef]:
    """Every record of a store, in store order, with the provenance the store kept."""
    from ..store import Store
    with Store(path, readonly=True) as store:
        table = store.record_table()
        for i, (rid, data) in enumerate(store.iter_records()):
            row = table.row(i) if i < len(table) else {}
            src = {"path": str(path), "kind": "store", "record_id": rid}
            for key, name in (("host", "host"), ("path", "origin_path"), ("offset", "origin_offset"),
                              ("event_time", "time_created"), ("inserted_at", "inserted_at")):
                if row.get(key) not in (None, ""):
                    src[name] = row[key]
            yield RecordRef(data, src)


def select_records(items: Iterable, filters: ReportFilters,
                   on_problem: Callable[[Problem], None],
                   cancel: Callable[[], bool] | None = None,
                   on_unreadable: Callable[[Problem], None] | None = None) -> Iterator[Selected]:
    """Decoded records that pass ``filters``, in input order.

    With conditions beyond ``record``, a record is first decoded without its bodies (cheap) to
    test them, and fully decoded only when it passes. An unreadable path is passed to
    ``on_unreadable`` (default: ``on_problem``) and the others are still read. Raises ReportCancelled when ``cancel()`` turns true.
    """
    prefilter = filters.active and filters != ReportFilters(record=filters.record)
    for index, ref in enumerate(_refs(items, on_problem, on_unreadable or on_problem),
                                 start=1):
        if cancel is not None and cancel():
            raise ReportCancelled()
        if not filters.wants_index(index):
            if filters.record is not None and index > filters.record:
                return
            continue
        if isinstance(ref, DecodedRecord):
            if filters.matches(ref):
                yield Selected(index, ref)
            continue
        if prefilter and not filters.matches(decode_record(ref.data, source=ref.source,
                                                           bodies=False)):
            continue
        yield Selected(index, decode_record(ref.data, source=ref.source))
