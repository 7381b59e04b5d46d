"""Fault locations for the timeline's thresholds, computed off the GUI thread.

The index columns give times and types; where an error happened (CPU bank, DIMM, page) needs a
record's sections decoded. Records from a store carry those keys in the store's index; for the
others a worker decodes every record whose keys are not known yet — all of them, however many,
reporting its progress — and hands the timeline complete fault columns. Until it has finished
the timeline says that the locations are still being computed (never a count over part of the
records passed off as the answer).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..index.analysis import table_fault_columns
from ..index.faultindex import FaultKeyer
from .recordset import RecordSet

PROGRESS_EVERY = 2000


class _Cancelled(Exception):
    pass


def pending_note(unknown: int, total: int, done: int = 0) -> str:
    """What the timeline shows instead of crossings while fault keys are being computed."""
    return (f"Fault locations are being computed: {done:,} of {unknown:,} records decoded "
            f"({total:,} loaded); threshold crossings and top locations follow when all are done")


class FaultJob(QObject):
    finished = Signal(object)  # the job; ``faults`` is None when cancelled or failed
    progress = Signal(int, int)  # records decoded so far, records to decode

    def __init__(self, records: RecordSet) -> None:
        super().__init__()
        self.records = records
        self.count = len(records)
        self.table = records.table()  # taken on the GUI thread
        self.unknown = np.flatnonzero(~self.table.faults_known())
        self.faults: dict | None = None
        self.error = ""
        self.thread = None
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _keys(self):
        rs, keyer, total = self.records, FaultKeyer(), len(self.unknown)
        for done, i in enumerate(self.unknown.tolist()):
            if self._cancelled:
                raise _Cancelled
            if done % PROGRESS_EVERY == 0:
                self.progress.emit(done, total)
            yield keyer.keys(rs.data(i), rs.source(i))

    def run(self) -> None:
        try:
            table = self.table.take(np.arange(len(self.table)))  # the shown table stays as it is
            table.set_fault_keys(self.unknown.tolist(), list(self._keys()))
            self.faults = table_fault_columns(table)
        except _Cancelled:
            self.faults = None
        except Exception as exc:  # the timeline then says the locations are unknown
            self.error = f"{type(exc).__name__}: {exc}"
            self.faults = None
        self.finished.emit(self)
