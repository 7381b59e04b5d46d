"""Open a regular file read-only as an mmap for a container reader (never a copy of the whole
file), with its descriptor, for readers whose files may be gigabytes."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager

from .base import SourceError


@contextmanager
def mapped(path: str) -> Iterator[tuple[object, int]]:
    """(buffer, fd): an mmap of ``path`` (b"" when empty). Raises SourceError."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    mm = None
    try:
        size = os.fstat(fd).st_size
        if size:
            try:
                mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError) as exc:
                raise SourceError(f"{path}: cannot read: {exc}") from exc
        yield (mm if mm is not None else b""), fd
    finally:
        if mm is not None:
            try:
                mm.close()
            except BufferError:
                pass  # a record view is still alive; the mapping goes with it
        os.close(fd)
