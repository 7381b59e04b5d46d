"""Expanding what the user opened (files, folders, store files) into records (Qt-free).

Files and folders go through ``whea_gui.sources`` (content detection, folder walking, progress,
cancellation). Record stores (SQLite) are not carved for bytes: their index rows are listed
directly and each record's bytes are read from the store only when it is shown.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from ..session.recordset import Batch
from ..sources import Problem, RecordRef, SourceError, iter_path
from ..sources.folder import list_files
from .store_adapter import is_store_file, store_batch

ProblemSink = Callable[[Problem], None]
ProgressSink = Callable[[int, int], None]  # bytes done, bytes in all


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def plan(paths, on_problem: ProblemSink) -> list[tuple[str, int]]:
    """(input, bytes) to read in order: files as given; a folder whole, unless it holds record
    stores, which are then read as stores and the other files one by one."""
    out: list[tuple[str, int]] = []
    for raw in paths:
        p = str(raw)
        if not os.path.isdir(p):
            out.append((p, _size(p)))
            continue
        files = list_files(p, on_problem)
        if any(is_store_file(f) for f, _ in files):
            out.extend((f, size) for f, size in files
                       if not f.endswith(("-wal", "-shm", "-journal")))
        else:
            out.append((p, sum(size for _, size in files)))
    return out


def iter_inputs(paths, on_problem: ProblemSink, cancelled: Callable[[], bool] = lambda: False,
                progress: ProgressSink | None = None) -> Iterator[RecordRef | Batch]:
    """Records (RecordRefs) and whole store listings (Batches) from ``paths``; inputs that
    cannot be read become problems naming the file, and reading goes on."""
    items = plan(paths, on_problem)
    total = sum(size for _, size in items)
    done = 0
    for p, size in items:
        if cancelled():
            return
        base = done
        try:
            if is_store_file(p) and not os.path.isdir(p):
                yield store_batch(p, on_problem)
            else:
                def step(prog, _base=base):
                    if progress:
                        progress(_base + prog.bytes_done, total)
                for ref in iter_path(p, on_problem, progress=step, cancel=cancelled):
                    if progress and not os.path.isdir(p):
                        at = int(ref.source.get("offset", 0) or 0) + len(ref.data)
                        progress(base + min(at, size), total)
                    yield ref
        except SourceError as exc:
            on_problem(Problem(p, None, str(exc).removeprefix(f"{p}: "), "error"))
        except Exception as exc:  # a reader bug: say where, keep going with the next input
            on_problem(Problem(p, None, f"could not be read ({type(exc).__name__}: {exc})",
                               "error"))
        done += size
        if progress:
            progress(done, total)

