"""Loading off the GUI thread: a worker reads inputs, computes table columns, emits batches."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QThread, Signal

from ..session.recordset import Batch, make_batch
from ..sources import Problem, SourceError, iter_bytes
from ..store.backend import redact
from .inputs import iter_inputs
from .store_adapter import store_batch

log = logging.getLogger("whea_gui.ui")
THREAD_WAIT_MS = 10_000
FIRST_BATCH = 256  # small, so the first rows paint quickly
MAX_BATCH = 20_000
BATCH_SECONDS = 0.15


class LoadJob(QObject):
    batchReady = Signal(object)  # recordset.Batch
    progress = Signal(int, int)  # bytes done, bytes total
    problem = Signal(object)  # sources.Problem
    finished = Signal(object)  # the job itself; ``cancelled`` says whether it ran to the end

    def __init__(self, paths=(), data: bytes | None = None, name: str = "<clipboard>",
                 stores=()) -> None:
        super().__init__()
        self.paths = [str(p) for p in paths]
        self.stores = [str(s) for s in stores]  # store specs: a path or a postgresql:// URL
        self._data = data
        self._name = name
        self._cancelled = False
        self.thread: QThread | None = None
        self.problems: list[Problem] = []
        self.count = 0
        self._done = (0, 0)

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _report(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.problem.emit(problem)

    def _items(self):
        """RecordRefs and ready Batches (stores), with progress reported as they come."""
        if self._data is not None:
            total = len(self._data)
            for ref in iter_bytes(self._data, self._name, self._report):
                self._done = (int(ref.source.get("offset", 0)) + len(ref.data), total)
                yield ref
            return

        for spec in self.stores:
            try:
                yield store_batch(spec, self._report)
            except SourceError as exc:
                shown = redact(spec)  # the password stays out of the Problems list and status
                self._report(Problem(shown, None,
                                     redact(exc, spec).removeprefix(f"{shown}: "), "error"))

        def progress(done, total):
            self._done = (done, total)
        yield from iter_inputs(self.paths, self._report, lambda: self._cancelled, progress)

    def run(self) -> None:
        pending = []
        limit = FIRST_BATCH
        last = time.perf_counter()
        try:
            for item in self._items():
                if self._cancelled:
                    break
                if isinstance(item, Batch):
                    if pending:
                        self._emit(make_batch(pending))
                        pending = []
                    self._emit(item)
                    continue
                pending.append(item)
                if len(pending) >= limit or time.perf_counter() - last > BATCH_SECONDS:
                    self._emit(make_batch(pending))
                    pending = []
                    limit = min(MAX_BATCH, limit * 4)
                    last = time.perf_counter()
            if pending and not self._cancelled:
                self._emit(make_batch(pending))
        except Exception as exc:  # never lose the thread silently
            self._report(Problem(", ".join(self.paths + self.stores) or self._name, None,
                                 f"loading stopped ({type(exc).__name__}: {exc})", "error"))
        self.finished.emit(self)

    def _emit(self, batch: Batch) -> None:
        self.count += len(batch)
        self.batchReady.emit(batch)
        self.progress.emit(*self._done)


def start_job(job: LoadJob, parent: QObject | None = None) -> QThread:
    """Run ``job`` on its own thread; the thread ends and cleans up when the job finishes."""
    thread = QThread(parent)
    job.moveToThread(thread)
    thread.started.connect(job.run)
    job.finished.connect(thread.quit)
    job.thread = thread
    thread.start()
    return thread


def end_thread(job) -> None:
    """Let a finished job's thread end (bounded: a stuck thread is logged, never waited on forever)."""
    thread = job.thread
    if thread is None:
        return
    thread.quit()
    if not thread.wait(THREAD_WAIT_MS):
        log.warning("a worker thread did not end within %d ms", THREAD_WAIT_MS)
        return
    thread.deleteLater()
    job.thread = None
