"""Raw binary: one record, several concatenated, or records carved out of any other binary.

A file that starts with a signature is split record by record (bytes after the last record
stay with it, where the decoder shows them as trailing data). Anything else is scanned for
plausible headers (see ``carve``); big files are memory-mapped, never read whole.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator

from ..decode.record import record_extent
from .base import Problem, RecordRef, SourceError
from .carve import SIGNATURES, carve, cper_length, find_headers

name = "raw"
SMALL_FILE = 64 << 10  # an explicitly opened small file with no record is still shown as bytes


def sniff(head: bytes, path: str = "") -> int:
    return 50 if head[:4] in SIGNATURES else 2


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    yield from _read(data, path, on_problem)


def read_path(path: str, on_problem) -> Iterator[RecordRef]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # empty file, or a pseudo-file (sysfs, pipe)
            yield from _read(fh.read(), path, on_problem)
            return
        with mm:
            yield from _read(mm, path, on_problem)


def _read(buf, path: str, on_problem) -> Iterator[RecordRef]:
    n = len(buf)
    src = {"path": path, "kind": name}
    if n == 0:
        on_problem(Problem(path, 0, "the file is empty", "error"))
        yield RecordRef(b"", dict(src, offset=0, format="unknown"))
        return
    if bytes(buf[:4]) not in SIGNATURES:
        found = False
        for ref in carve(buf, path, on_problem, kind=name):
            found = True
            yield ref
        if not found and n <= SMALL_FILE:
            # Shown as bytes so a damaged record can still be inspected; a folder walk skips it.
            yield RecordRef(bytes(buf), dict(src, offset=0, format="unknown"))
        return
    pos = 0
    while pos < n:
        nxt = pos + _span(buf, pos, n)
        if nxt >= n or bytes(buf[nxt:nxt + 4]) in SIGNATURES:
            yield RecordRef(bytes(buf[pos:nxt]), dict(src, offset=pos))
            pos = nxt
            continue
        if next(find_headers(buf, nxt, n), None) is None:
            yield RecordRef(bytes(buf[pos:n]), dict(src, offset=pos))  # trailing bytes stay
            return
        yield RecordRef(bytes(buf[pos:nxt]), dict(src, offset=pos))
        yield from carve(buf, path, on_problem, kind=name, start=nxt)
        return


def _span(buf, pos: int, n: int) -> int:
    """Bytes of the record starting at ``pos`` (at least 1, at most what is left)."""
    left = n - pos
    if bytes(buf[pos:pos + 4]) == b"WhLg":
        if left < 12:
            return left
        length = struct.unpack_from("<I", buf, pos + 8)[0]
        return max(1, min(length, left)) if length >= 32 else min(32, left)
    length = cper_length(buf, pos, n)
    if length is not None and length <= left:
        return length
    return max(1, record_extent(bytes(buf[pos:pos + min(left, 1 << 26)])))
