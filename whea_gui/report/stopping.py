"""Stopping a long write (the Parquet export) on SIGTERM or Ctrl-C without leaving debris.

Python's default SIGTERM action ends the process at once: no ``finally`` runs, so a temporary
folder beside the destination stays behind. ``StopSignals`` turns SIGTERM and SIGINT into
``Stopped`` (a BaseException, so no ``except Exception`` swallows it) at the next Python
instruction; inside ``hold()`` — making the temporary folder, moving finished tables into place —
the signal waits until the block ends, so the destination is never left half-swapped. Once
``Stopped`` is raised, further signals are ignored so the cleanup itself cannot be cut short.
Handlers are only installed in the main thread (the window exports from a worker thread and
stops it with its own cancel flag) and are restored on exit.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

# SIGHUP too: a closed terminal or an ssh session that drops ends an export like SIGTERM
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                if hasattr(signal, name))


class Stopped(BaseException):
    """A termination signal stopped the work; ``signum`` names it; ``committed`` is true when it
    came while the finished result was being moved into place (the result is complete)."""

    def __init__(self, signum: int, committed: bool = False) -> None:
        self.signum, self.committed = signum, committed
        super().__init__(f"stopped by {signal.Signals(signum).name}")


class StopSignals:
    def __init__(self) -> None:
        self.active = False
        self._held = 0
        self._pending: int | None = None
        self._raised = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
            self.active = True
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        self.active = False

    def _handle(self, signum, _frame) -> None:
        if self._raised:
            return  # cleaning up after the first signal: let it finish
        if self._held:
            self._pending = self._pending or signum
            return
        self._raised = True
        raise Stopped(signum)

    @contextmanager
    def hold(self, *, committing: bool = False):
        """Defer signals to the end of the block; then raise ``Stopped`` (``committed`` when
        ``committing``: the block completed the work)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if not self._held and self._pending is not None and not self._raised:
            self._raised = True
            raise Stopped(self._pending, committed=committing)


@contextmanager
def no_hold(*, committing: bool = False):
    yield
