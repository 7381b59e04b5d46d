"""Loading off the GUI thread: a worker reads inputs, computes table columns, emits batches."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QThread, Signal

from ..sources import Problem, iter_bytes
from .inputs import iter_inputs
from .recordset import make_batch

FIRST_BATCH = 256  # small, so the first rows paint quickly
MAX_BATCH = 20_000
BATCH_SECONDS = 0.15


class LoadJob(QObject):
    batchReady = Signal(object)  # recordset.Batch
    progress = Signal(int, int)  # bytes done, bytes total
    problem = Signal(object)  # sources.Problem
    finished = Signal(object)  # the job itself; ``cancelled`` says whether it ran to the end

    def __init__(self, paths=(), data: bytes | None = None, name: str = "<clipboard>") -> None:
        super().__init__()
        self.paths = [str(p) for p in paths]
        self._data = data
        self._name = name
        self._cancelled = False
        self.thread: QThread | None = None
        self.problems: list[Problem] = []
        self.count = 0

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _report(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.problem.emit(problem)

    def _records(self):
        if self._data is not None:
            total = len(self._data)
            for ref in iter_bytes(self._data, self._name, self._report):
                yield ref, (int(ref.source.get("offset", 0)) + len(ref.data), total)
            return
        for ref, prog in iter_inputs(self.paths, self._report, lambda: self._cancelled):
            yield ref, (prog.done, prog.total)

    def run(self) -> None:
        pending = []
        limit = FIRST_BATCH
        last = time.perf_counter()
        done = total = 0
        try:
            for ref, (done, total) in self._records():
                if self._cancelled:
                    break
                pending.append(ref)
                now = time.perf_counter()
                if len(pending) >= limit or now - last > BATCH_SECONDS:
                    self._emit(pending, done, total)
                    pending = []
                    limit = min(MAX_BATCH, limit * 4)
                    last = time.perf_counter()
            if pending and not self._cancelled:
                self._emit(pending, done, total)
        except Exception as exc:  # never lose the thread silently
            self._report(Problem(", ".join(self.paths) or self._name, None,
                                 f"loading stopped ({type(exc).__name__}: {exc})", "error"))
        self.finished.emit(self)

    def _emit(self, refs, done, total) -> None:
        batch = make_batch(refs)
        self.count += len(batch)
        self.batchReady.emit(batch)
        self.progress.emit(done, total)


def start_job(job: LoadJob, parent: QObject | None = None) -> QThread:
    """Run ``job`` on its own thread; the thread ends and cleans up when the job finishes."""
    thread = QThread(parent)
    job.moveToThread(thread)
    thread.started.connect(job.run)
    job.finished.connect(thread.quit)
    job.thread = thread
    thread.start()
    return thread
