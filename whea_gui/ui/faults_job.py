"""Fault locations for the timeline's thresholds, decoded off the GUI thread.

The index columns give times and types but not where an error happened (CPU bank, DIMM, page):
that needs each record decoded. For collections up to ``FAULT_DECODE_LIMIT`` records a worker
decodes them all once loading has finished and hands the timeline its fault columns.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ..decode.record import decode_record
from ..index.analysis import fault_columns
from .recordset import RecordSet

FAULT_DECODE_LIMIT = 20_000


class _Cancelled(Exception):
    pass


class FaultJob(QObject):
    finished = Signal(object)  # the job; ``faults`` is None when cancelled or failed

    def __init__(self, records: RecordSet) -> None:
        super().__init__()
        self.records = records
        self.count = len(records)
        self.faults: dict | None = None
        self.error = ""
        self.thread = None
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _decoded(self):
        rs = self.records
        for i in range(self.count):
            if self._cancelled:
                raise _Cancelled
            yield decode_record(rs.data(i), source=rs.source(i))

    def run(self) -> None:
        try:
            self.faults = fault_columns(self._decoded())
        except _Cancelled:
            self.faults = None
        except Exception as exc:  # the timeline then simply has no thresholds
            self.error = f"{type(exc).__name__}: {exc}"
            self.faults = None
        self.finished.emit(self)
