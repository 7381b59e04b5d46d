"""Where a report's records come from: paths (any input ``whea_gui.sources`` reads), record
bytes, ``RecordRef``s or already decoded records, filtered and decoded one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from os import PathLike

from ..core.model import DecodedRecord
from ..decode import decode_record
from ..sources import RecordRef, iter_path
from ..sources.base import Problem, SourceError
from ..sources.recoverable import is_recoverable, left_out
from ..store.backend import is_server_spec, redact
from ..store.results import StoreError
from .filters import ReportFilters

NO_RECORD = "no record found in this input"


class ReportCancelled(Exception):
    """The caller's ``cancel()`` said stop; no output file was left behind."""


@dataclass(slots=True)
class Selected:
    index: int  # 1-based place among all input records (before filtering)
    record: DecodedRecord


def is_store(item) -> bool:
    """A record store (an empty one is no failure), not a file of records."""
    if is_server_spec(str(item)):
        return True
    try:
        with open(item, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _refs(items, on_problem: Callable[[Problem], None],
          on_unreadable: Callable[[Problem], None]) -> Iterator[RecordRef | DecodedRecord]:
    if isinstance(items, (str, PathLike, bytes, bytearray, DecodedRecord, RecordRef)):
        items = [items]
    for item in items:
        if isinstance(item, (str, PathLike)):
            found = 0
            try:
                for ref in iter_path(item, on_problem=on_problem):  # stores too (sources.store_file)
                    found += 1
                    if is_recoverable(ref.source):  # cleared/deleted: not counted, said so
                        on_problem(left_out(ref.source))
                        continue
                    yield ref
            except (SourceError, StoreError) as exc:  # one unreadable input: say so, go on
                name = redact(str(item))  # a store URL's password never reaches a report
                text = redact(str(exc), item).removeprefix(f"{name}: ")
                on_unreadable(Problem(name, None, text, "error"))
                continue
            if not found and not is_store(item):  # as `whea decode` counts it: the input failed
                on_problem(Problem(redact(str(item)), None, NO_RECORD, "error"))
        elif isinstance(item, (DecodedRecord, RecordRef)):
            yield item
        elif isinstance(item, (bytes, bytearray, memoryview)):
            yield RecordRef(bytes(item), {})
        elif isinstance(item, tuple) and len(item) == 2:
            yield RecordRef(bytes(item[0]), dict(item[1] or {}))
        else:
            raise TypeError(f"cannot report on a {type(item).__name__}")


def select_records(items: Iterable, filters: ReportFilters,
                   on_problem: Callable[[Problem], None],
                   cancel: Callable[[], bool] | None = None,
                   on_unreadable: Callable[[Problem], None] | None = None,
                   seen: list[int] | None = None) -> Iterator[Selected]:
    """Decoded records that pass ``filters``, in input order.

    With conditions beyond ``record``, a record is first decoded without its bodies (cheap) to
    test them, and fully decoded only when it passes. An unreadable path is passed to
    ``on_unreadable`` (default: ``on_problem``) and the others are still read. Raises ReportCancelled when ``cancel()`` turns true.
    ``seen[0]`` counts the records read, before filtering.
    """
    # the cheap test leaves severity to the full decode: a record is as severe as its worst
    # section or status-block entry, and entries are read from the bodies
    cheap = replace(filters, severity=())
    prefilter = cheap.active and cheap != ReportFilters(record=filters.record)
    for index, ref in enumerate(_refs(items, on_problem, on_unreadable or on_problem),
                                 start=1):
        if cancel is not None and cancel():
            raise ReportCancelled()
        if seen is not None:
            seen[0] = index
        if not filters.wants_index(index):
            if filters.record is not None and index > filters.record:
                return
            continue
        if isinstance(ref, DecodedRecord):
            if filters.matches(ref):
                yield Selected(index, ref)
            continue
        if prefilter and not cheap.matches(decode_record(ref.data, source=ref.source, bodies=False)):
            continue
        rec = decode_record(ref.data, source=ref.source)
        if filters.severity and not filters.matches(rec):
            continue
        yield Selected(index, rec)
