"""An ``.evtx`` without its file header: the file starts with a chunk (``ElfChnk\\0`` at 0), as a
chunk carved out of a log or a log whose first 4096 bytes were cut off. Read as raw binary, its
events would lose their provenance and the stale records in each chunk's slack space would come
out as live ones; so it is read as an event log behind a rebuilt 4096-byte header (in memory,
the file is never changed), and every offset is given in the file's own terms."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from . import evtx_header, evtx_log
from .base import Problem, RecordRef

name = "evtx"
CHUNK_MAGIC = evtx_header.CHUNK_MAGIC
SHIFT = evtx_header.HEADER_SIZE  # the rebuilt header's bytes, before the file's first byte


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    on_problem(Problem(path, 0, "the file starts with an event-log chunk, not the 4096-byte file "
                                "header (a chunk carved out of a log, or a log whose start is cut "
                                "off): it is read as an event log behind a rebuilt header", "error"))

    def shifted(problem: Problem) -> None:
        off = problem.offset
        on_problem(problem if off is None else replace(problem, offset=max(0, off - SHIFT)))

    blob = evtx_header.rebuilt(len(data)) + bytes(data)
    for ref in evtx_log.read_bytes(blob, path, shifted):
        off = ref.source.get("offset")
        if isinstance(off, int):
            ref.source["offset"] = max(0, off - SHIFT)
        yield ref
