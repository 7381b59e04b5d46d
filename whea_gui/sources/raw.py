"""Raw binary: one record, several concatenated, or records carved out of any other binary.

A file that starts with a signature is split record by record (bytes after the last record
stay with it, where the decoder shows them as trailing data). Anything else is scanned for
plausible headers (see ``carve``). Big files are memory-mapped and scanned once, front to back,
with the pages behind the scan released; streams are read once (``base.open_input``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ..decode.record import record_extent
from .base import PageReleaser, Problem, RecordRef, open_input
from .carve import MAX_RECORD, SIGNATURES, carve, cper_length, next_header, plausible_length

name = "raw"
SMALL_FILE = 64 << 10  # an explicitly opened small file with no record is still shown as bytes
EMPTY = "the file is empty"


def sniff(head: bytes, path: str = "") -> int:
    return 50 if head[:4] in SIGNATURES else 2


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    yield from read_buffer(data, path, on_problem)


def read_path(path: str, on_problem) -> Iterator[RecordRef]:
    with open_input(path) as inp:
        yield from read_buffer(inp.buf, inp.name, on_problem)


def read_buffer(buf, path: str, on_problem) -> Iterator[RecordRef]:
    """Records in ``buf`` (bytes or a read-only mmap). An empty input is a problem, not a record."""
    n = len(buf)
    src = {"path": path, "kind": name}
    if n == 0:
        on_problem(Problem(path, 0, EMPTY, "error"))
        return
    pages = PageReleaser(buf)
    if bytes(buf[:4]) not in SIGNATURES:
        found = False
        for ref in carve(buf, path, on_problem, kind=name, pages=pages):
            found = True
            yield ref
        if not found and n <= SMALL_FILE:
            # Shown as bytes so a damaged record can still be inspected; a folder walk skips it.
            yield RecordRef(bytes(buf), dict(src, offset=0, format="unknown"))
        return
    pos = 0
    while pos < n:
        trusted = plausible_length(buf, pos, n) is not None
        nxt = pos + _span(buf, pos, n)
        # After a plausible record, a signature starts the next one (it may be damaged). After
        # a damaged header its extent is a guess, so only a plausible header may end it:
        # otherwise "CPER" filler would split into one huge-count record per guess.
        if nxt >= n or (bytes(buf[nxt:nxt + 4]) in SIGNATURES if trusted
                        else plausible_length(buf, nxt, n) is not None):
            yield RecordRef(bytes(buf[pos:nxt]), dict(src, offset=pos))
            pos = nxt
            pages.release(pos)
            continue
        hit = next_header(buf, nxt, n, pages)
        if hit is None:
            yield RecordRef(bytes(buf[pos:n]), dict(src, offset=pos))  # trailing bytes stay
            return
        if not trusted:  # the damaged record runs up to the next plausible one
            yield RecordRef(bytes(buf[pos:hit[0]]), dict(src, offset=pos))
            pos = hit[0]
            continue
        yield RecordRef(bytes(buf[pos:nxt]), dict(src, offset=pos))
        yield from carve(buf, path, on_problem, kind=name, start=nxt, pages=pages)
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
    # Only the bytes the header can claim are copied (its descriptors, its RecordLength up to
    # MAX_RECORD): the span found is then at least what was copied, so splitting stays linear.
    if left >= 24:
        count = struct.unpack_from("<H", buf, pos + 10)[0]
        declared = struct.unpack_from("<I", buf, pos + 20)[0]
        want = max(128 + 72 * count, declared if declared <= MAX_RECORD else 0, 128)
    else:
        want = left
    return max(1, record_extent(bytes(buf[pos:pos + min(left, want)])))
