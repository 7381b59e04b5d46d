"""The timeline dock fed from the session: counts over time from the index columns (nothing
decoded), fault locations from a background decode once the timeline is looked at, and ranges
or bins picked on it set the session's time range."""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QTimer

from ..index.analysis import from_record_table
from ..session import InspectorSession
from .faults_job import FaultJob, pending_note
from .loader import end_thread, start_job

TIMELINE_DELAY_MS = 400  # batches arrive quickly while loading: recount once they pause


class TimelineLink(QObject):
    def __init__(self, session: InspectorSession, window) -> None:
        super().__init__(window)
        self.session = session
        self.faults: tuple[int, dict] | None = None  # (record count, fault columns)
        self.fault_job: FaultJob | None = None
        self._timer = QTimer(self, singleShot=True, interval=TIMELINE_DELAY_MS,
                             timeout=self.refresh)
        timeline = window.timeline
        timeline.timeRangeSelected.connect(self._range)
        timeline.binClicked.connect(self._range)
        timeline.timeRangeCleared.connect(lambda: session.set_time_range(None, None))
        session.events.collection.connect(self._collection_changed)

    @property
    def window(self):
        return self.parent()

    def _collection_changed(self, kind: str, _rows) -> None:
        if kind == "reset":
            self.cancel()
            self.faults = None
            self.refresh()

    def schedule(self) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Counts over time for every loaded record (from the index columns, no decoding);
        fault locations join once a background decode has found them."""
        self._timer.stop()
        w = self.window
        rs = self.session.records
        faults = self.faults if self.faults is not None and self.faults[0] == len(rs) else None
        table = rs.table()
        data = from_record_table(table, faults[1] if faults else None)
        unknown = 0 if faults or not len(rs) else int((~table.faults_known()).sum())
        if unknown and not w.loading and w.timeline.isVisible():
            # decode for thresholds only when looked at; every record, with progress
            data.faults_note = pending_note(unknown, len(rs))
            w.timeline.set_data(data)
            self._start_fault_job()
            return
        w.timeline.set_data(data)

    def _start_fault_job(self) -> None:
        if self.fault_job is not None:
            if self.fault_job.count == len(self.session.records):
                return  # already working on exactly these records
            self.fault_job.cancel()
        job = FaultJob(self.session.records)
        job.finished.connect(self._fault_job_done)
        # a bound slot of this (GUI-thread) object, so the call is queued to the GUI thread; a
        # lambda ran in the worker and touched widgets there ("QBasicTimer … another thread")
        job.progress.connect(self._fault_progress)
        self.fault_job = job
        start_job(job, self.window)

    def _fault_progress(self, done: int, total: int) -> None:
        job = self.fault_job
        if job is not None:
            self.window.timeline.set_faults_note(pending_note(total, job.count, done))

    def _fault_job_done(self, job: FaultJob) -> None:
        end_thread(job)
        if job is self.fault_job:
            self.fault_job = None
        if job.faults is not None and job.count == len(self.session.records):
            self.faults = (job.count, job.faults)
            self.refresh()
        self.window.faultsReady.emit()

    def cancel(self, wait: bool = False) -> None:
        job = self.fault_job
        if job is not None:
            job.cancel()
            if wait and job.thread is not None:
                job.thread.quit()
                job.thread.wait(5000)

    def _range(self, t0: float, t1: float) -> None:
        """The timeline's ranges are [t0, t1); the list's time filter includes both ends."""
        self.session.set_time_range(max(math.ceil(t0), 0), max(math.ceil(t1) - 1, 0))
