"""Expanding what the user opened (files, folders, store files) into records (Qt-free).

Folders are walked in name order; inside a folder only files a reader recognises are read (so a
README beside the dumps is not shown as a broken record), and the skipped ones are reported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..sources import Problem, RecordRef, SourceError, detect, iter_path
from .store_adapter import is_store_file, iter_store

ProblemSink = Callable[[Problem], None]
RECOGNISED_SCORE = 2  # the raw reader answers 1 ("maybe") for anything; more means "this is mine"


@dataclass(slots=True)
class Progress:
    done: int  # bytes of input handled so far
    total: int  # bytes of input in all


def _is_recognised(path: Path) -> bool:
    if is_store_file(path):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    reader = detect(head, str(path))
    return reader.sniff(head, str(path)) >= RECOGNISED_SCORE


def expand_paths(paths, on_problem: ProblemSink) -> list[Path]:
    """Files to read: given files as they are, folders as their recognised files (recursively)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found, skipped = [], 0
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    f = Path(root) / name
                    if _is_recognised(f):
                        found.append(f)
                    else:
                        skipped += 1
            if skipped:
                on_problem(Problem(str(p), None, f"{skipped} file(s) not recognised as error "
                                                 "records were skipped", "note"))
            if not found:
                on_problem(Problem(str(p), None, "the folder holds no recognised record files"))
            out.extend(found)
        else:
            out.append(p)
    return out


def iter_inputs(paths, on_problem: ProblemSink,
                cancelled: Callable[[], bool] = lambda: False) -> Iterator[tuple[RecordRef, Progress]]:
    """Every record in ``paths`` with progress; unreadable inputs become problems, not errors."""
    files = expand_paths(paths, on_problem)
    sizes = []
    for f in files:
        try:
            sizes.append(f.stat().st_size)
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    done = 0
    for f, size in zip(files, sizes):
        if cancelled():
            return
        try:
            refs = iter_store(f) if is_store_file(f) else iter_path(f, on_problem)
            for ref in refs:
                at = min(size, int(ref.source.get("offset", 0) or 0) + len(ref.data))
                yield ref, Progress(done + at, total)
                if cancelled():
                    return
        except SourceError as exc:
            on_problem(Problem(str(f), None, str(exc).removeprefix(f"{f}: "), "error"))
        except Exception as exc:  # a reader bug: say where, keep going with the next file
            on_problem(Problem(str(f), None, f"could not be read ({type(exc).__name__}: {exc})",
                               "error"))
        done += size
