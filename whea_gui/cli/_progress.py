"""A one-line progress bar on standard error for long folder reads (only on a terminal)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Callable for ``iter_path(progress=...)``; draws after ``delay`` seconds, then at most
    ten times a second, and clears its line when the walk ends."""

    def __init__(self, stream=None, delay: float = 0.5, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.delay, self.width = delay, width
        self.last = 0.0
        self.shown = False

    @classmethod
    def for_terminal(cls) -> ProgressBar | None:
        return cls() if sys.stderr.isatty() else None

    def __call__(self, p) -> None:
        now = time.monotonic()
        done = p.files_done >= p.files_total
        if now - self.start < self.delay or (now - self.last < 0.1 and not done):
            return
        self.last = now
        frac = p.bytes_done / p.bytes_total if p.bytes_total else p.files_done / max(p.files_total, 1)
        fill = int(frac * self.width)
        line = (f"\r[{'#' * fill}{'.' * (self.width - fill)}] {p.files_done}/{p.files_total} files, "
                f"{p.bytes_done / 1e6:.1f}/{p.bytes_total / 1e6:.1f} MB, {p.records} records")
        self.stream.write(line)
        self.shown = True
        if done:
            self.finish()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False
