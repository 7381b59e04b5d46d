"""Raw binary: one record, several concatenated, or records carved out of any other binary.

A file that starts with a signature is split record by record (bytes after the last record
stay with it, where the decoder shows them as trailing data); a record cut short by another
that starts inside its claimed length ends there, reported as an error (``decode.boundary``).
Anything else is scanned for plausible headers (see ``carve``). Big files are memory-mapped and scanned once, front to back,
with the pages behind the scan released; streams are read once (``base.open_input``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .base import PageReleaser, Problem, RecordRef, open_input
from .carve import (
    MAX_RECORD,
    MAX_WHLG,
    SIGNATURES,
    carve,
    cut_short,
    gap,
    next_header,
    plausible_length,
    record_end,
    table_cut,
)

name = "raw"
# provenance strings are the path and the parser's own (valid UTF-8): registry.iter_file
VALID_TEXT = True
SMALL_FILE = 64 << 10  # an explicitly opened small file with no record is still shown as bytes
TRAILING_KEPT = 64 << 10  # bytes after a record (or past a damaged header's claim) kept with it
EMPTY = "the file is empty"


def sniff(head: bytes, path: str = "") -> int:
    return 50 if head[:4] in SIGNATURES else 2


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    yield from read_buffer(data, path, on_problem)


def read_path(path: str, on_problem) -> Iterator[RecordRef]:
    with open_input(path) as inp:
        if inp.cut_at is not None:
            on_problem(inp.cut_problem())
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
        length = plausible_length(buf, pos, n)
        if length is None:
            # A damaged header: its extent is a guess, so it runs up to the next
            # plausible header (never over a good record after it) or the end, but keeps no
            # more than its header can claim plus TRAILING_KEPT bytes; the rest is skipped.
            hit = next_header(buf, pos + 1, n, pages)
            end = hit[0] if hit is not None else n
            cut = min(end, _claim_end(buf, pos, n))
            if hit is not None and table_cut(buf, pos, n) == end:  # cut at its header end
                cut_short(on_problem, path, pos, struct.unpack_from("<I", buf, pos + 20)[0], end)
            yield RecordRef(bytes(buf[pos:cut]), dict(src, offset=pos))
            if cut < end:
                gap(on_problem, path, cut, end - cut)
            pos = end
            pages.release(pos)
            continue
        nxt = record_end(buf, pos, length, n, pages)  # a truncated one ends at the next record
        if nxt < min(pos + length, n):
            cut_short(on_problem, path, pos, length, nxt)
        if nxt >= n or bytes(buf[nxt:nxt + 4]) in SIGNATURES:
            yield RecordRef(bytes(buf[pos:nxt]), dict(src, offset=pos))
            pos = nxt
            pages.release(pos)
            continue
        if next_header(buf, nxt, n, pages) is None:
            if n - nxt <= TRAILING_KEPT:
                yield RecordRef(bytes(buf[pos:n]), dict(src, offset=pos))  # trailing bytes stay
            else:  # e.g. a record at the start of a 1 GB image: not a 1 GB record
                yield RecordRef(bytes(buf[pos:nxt]), dict(src, offset=pos))
                gap(on_problem, path, nxt, n - nxt)
            return
        yield RecordRef(bytes(buf[pos:nxt]), dict(src, offset=pos))
        yield from carve(buf, path, on_problem, kind=name, start=nxt, pages=pages)
        return


def _claim_end(buf, pos: int, n: int) -> int:
    """How far a damaged header at ``pos`` may reach: what its own fields claim (descriptors,
    RecordLength or Length when not absurd) plus TRAILING_KEPT, so filler after a damaged
    header is skipped and reported instead of decoded as one giant record."""
    claim = 0
    if n - pos >= 24 and bytes(buf[pos:pos + 4]) == b"CPER":
        count, = struct.unpack_from("<H", buf, pos + 10)
        declared, = struct.unpack_from("<I", buf, pos + 20)
        claim = max(128 + 72 * count, declared if declared <= MAX_RECORD else 0)
    elif n - pos >= 12:
        declared, = struct.unpack_from("<I", buf, pos + 8)
        claim = declared if declared <= MAX_WHLG else 0
    return min(n, pos + claim + TRAILING_KEPT)
