"""Reader registry: each reader has ``name``, ``sniff(head, path) -> int`` and ``read``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from .base import Problem, RecordRef, SourceError, read_bytes

ProblemSink = Callable[[Problem], None]

_READER_MODULES = ["raw"]  # more readers append their module names here
readers: list = []


def _load() -> None:
    if readers:
        return
    for name in _READER_MODULES:
        readers.append(importlib.import_module(f"{__package__}.{name}"))


def detect(head: bytes, path: str = "") -> object:
    """The reader that claims ``head`` (the first bytes) most strongly; raw as the fallback."""
    _load()
    best, score = None, 0
    for r in readers:
        s = r.sniff(head, path)
        if s > score:
            best, score = r, s
    return best or readers[0]


def iter_bytes(data: bytes, path: str = "<bytes>",
               on_problem: ProblemSink | None = None) -> Iterator[RecordRef]:
    reader = detect(data[:4096], path)
    yield from reader.read_bytes(data, path, on_problem or _ignore)


def iter_path(path: str | Path, on_problem: ProblemSink | None = None) -> Iterator[RecordRef]:
    """Records from a file (``-`` = standard input). Raises SourceError if it cannot be read."""
    p = str(path)
    if p == "-":
        yield from iter_bytes(sys.stdin.buffer.read(), "<stdin>", on_problem)
        return
    if Path(p).is_dir():
        raise SourceError(f"{p}: is a folder (folder reading is not supported by this reader)")
    yield from iter_bytes(read_bytes(p), p, on_problem)


def _ignore(_p: Problem) -> None:
    pass
