"""Shared types for readers: RecordRef (bytes + provenance), Problem, and ``open_input``.

``open_input`` opens an input exactly once: a regular file is memory-mapped; anything else
(a pipe, a FIFO, ``-`` for standard input, ``<(process substitution)``, a sysfs pseudo-file) is
read as a stream, spilling to a temporary file past ``SPOOL_MEMORY`` so a huge stream does not
live in memory. Content detection then works on the bytes already read.
"""

from __future__ import annotations

import mmap
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SPOOL_MEMORY = 32 << 20  # a stream longer than this is kept in a temporary file, memory-mapped
READ_CHUNK = 1 << 20
# A character device (not a terminal) is read up to this many bytes: a device without an end
# (/dev/zero, /dev/urandom) must not fill the disk with a spill file. Pipes and FIFOs are read
# to their end (the user's own stream, e.g. a big export piped in). Reported when reached.
MAX_DEVICE = 64 << 20
STDIN_NAME = "<stdin>"


@dataclass(slots=True)
class RecordRef:
    data: bytes
    source: dict = field(default_factory=dict)  # path, offset, kind, and reader-specific provenance


@dataclass(slots=True)
class Problem:
    path: str
    offset: int | None
    message: str
    level: str = "warning"  # "error" | "warning" | "note"
    length: int | None = None  # bytes concerned, when a range is known

    def __str__(self) -> str:
        if self.offset is None:
            where = ""
        elif self.length:
            where = f" at bytes {self.offset}–{self.offset + self.length - 1}"
        else:
            where = f" at byte offset {self.offset}"
        return f"{self.path}{where}: {self.message}"


def utf8_text(text: str) -> str:
    """``text`` as valid UTF-8: a file name's undecodable bytes (surrogate escapes, e.g. from
    ``os.listdir`` or the command line) as ``\\xff``, a lone surrogate from JSON (``\\ud800``)
    as ``\\ud800``. Stores, reports and JSON consumers refuse such strings, so every string a
    reader hands on is made printable here (the input's own text is otherwise kept)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF
                       else f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def utf8_values(value, depth: int = 0):
    """``value`` (a provenance dict, a list, a string) with every string made ``utf8_text``;
    dicts and lists are changed in place. Bounded: provenance is a few levels deep. (Every item
    of every input passes here: ASCII strings, nearly all of them, are passed over at once.)"""
    kind = type(value)
    if kind is str:
        return value if value.isascii() else utf8_text(value)
    if depth > 8 or (kind is not dict and kind is not list):
        return value
    for key, item in (value.items() if kind is dict else enumerate(value)):
        t = type(item)
        if t is str:
            if not item.isascii():
                value[key] = utf8_text(item)
        elif t is dict or t is list:
            utf8_values(item, depth + 1)
    return value


def utf8_problem(problem: Problem) -> Problem:
    problem.path, problem.message = utf8_text(problem.path), utf8_text(problem.message)
    return problem


class SourceError(Exception):
    """The input cannot be used at all (unreadable file, unknown format); says path and why."""


def read_bytes(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc


@dataclass(slots=True)
class Input:
    """One opened input: ``buf`` is bytes or a read-only mmap; ``regular`` says whether the
    path is a regular file that can be opened again (a stream cannot)."""

    name: str
    buf: object
    regular: bool
    cut_at: int | None = None  # a stream whose reading stopped at MAX_STREAM bytes

    def cut_problem(self) -> Problem | None:
        """The problem to report when reading stopped before the stream's end."""
        if self.cut_at is None:
            return None
        return Problem(self.name, self.cut_at, f"stopped reading after {self.cut_at:,} bytes: "
                       "the input did not end (a device or an endless stream); the rest is "
                       "not read", "error")

    @property
    def size(self) -> int:
        return len(self.buf)

    @property
    def head(self) -> bytes:
        return bytes(self.buf[:4096])

    def data(self) -> bytes:
        """All the bytes (copies an mmap: for readers that need the whole text at once)."""
        return self.buf if isinstance(self.buf, bytes) else bytes(self.buf)


@contextmanager
def open_input(path: str) -> Iterator[Input]:
    """The input at ``path`` (``-`` = standard input), opened once. Raises SourceError."""
    if path == "-":
        yield _stream_input(STDIN_NAME, sys.stdin.buffer, limit=_device_limit(sys.stdin.buffer))
        return
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        try:
            st = os.fstat(fh.fileno())
            regular = stat.S_ISREG(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                raise SourceError(f"{path}: cannot read: is a folder")
            mm = None
            if regular and st.st_size > 0:
                try:
                    mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                except (ValueError, OSError):
                    mm = None  # a pseudo-file that reports a size but cannot be mapped
            if mm is None:
                inp = _stream_input(path, fh, regular=regular, limit=_device_limit(fh))
            else:
                inp = Input(path, mm, True)
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        try:
            yield inp
        finally:
            _close(inp)


def _device_limit(fh) -> int | None:
    """MAX_DEVICE for a character device that is not a terminal, else None (no limit)."""
    try:
        fd = fh.fileno()
        return MAX_DEVICE if stat.S_ISCHR(os.fstat(fd).st_mode) and not os.isatty(fd) else None
    except (OSError, ValueError, AttributeError):
        return None


def _stream_input(name: str, fh, *, regular: bool = False, limit: int | None = None) -> Input:
    """Read ``fh`` to its end once (at most ``limit`` bytes when given); a long stream goes to
    a temporary file that is mapped."""
    limit = (1 << 62) if limit is None else limit
    chunks: list[bytes] = []
    held = total = 0
    cut_at = None
    spill = None
    try:
        while True:
            chunk = fh.read(min(READ_CHUNK, limit - total + 1))
            if not chunk:
                break
            if total + len(chunk) > limit:
                chunk = chunk[:limit - total]
                cut_at = limit
            total += len(chunk)
            if spill is not None:
                spill.write(chunk)
            else:
                chunks.append(chunk)
                held += len(chunk)
                if held > SPOOL_MEMORY:
                    spill = tempfile.TemporaryFile(prefix="whea-stream-")
                    spill.writelines(chunks)
                    chunks = []
            if cut_at is not None:
                break
    except OSError as exc:
        if spill is not None:
            spill.close()
        raise SourceError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if spill is None:
        return Input(name, b"".join(chunks), regular, cut_at)
    with spill:
        spill.flush()
        mm = mmap.mmap(spill.fileno(), 0, access=mmap.ACCESS_READ)  # outlives the descriptor
    return Input(name, mm, regular, cut_at)


def _close(inp: Input) -> None:
    if isinstance(inp.buf, mmap.mmap):
        try:
            inp.buf.close()
        except BufferError:  # a slice is still exported; the mapping goes with the last one
            pass


class PageReleaser:
    """Drops the pages of a memory-mapped input behind the reading position, so scanning a huge
    file keeps a bounded resident set (the page cache still holds what the kernel wants)."""

    STEP = 16 << 20

    def __init__(self, buf) -> None:
        ok = isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED")
        self._mm = buf if ok else None
        self._done = 0

    def release(self, upto: int) -> None:
        if self._mm is None or upto - self._done < self.STEP:
            return
        upto -= upto % mmap.PAGESIZE
        try:
            self._mm.madvise(mmap.MADV_DONTNEED, self._done, upto - self._done)
        except (OSError, ValueError):
            self._mm = None  # not supported here: memory is then only bounded by the file
            return
        self._done = upto
