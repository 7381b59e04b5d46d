"""Find CPER records and WhLg entries anywhere in a binary (crash dumps, memory images, ERST dumps).

A hit must look like a real header, not just the 4-byte signature: CPER needs SignatureEnd
0xFFFFFFFF, a section count of 1–1024, a defined severity, a RecordLength that holds the
header and descriptors and, when its bytes are there, a first descriptor that points past the
header; WhLg needs version 1, a defined type and Length = 32 + PayloadLength.

A record ends early where another record starts inside its claimed length that its own
sections do not account for (a record cut short, then a whole one; ``decode.boundary``); a
header inside one of its section bodies that may carry data stays part of an intact record (an
embedded copy); in a record cut short, whole records that run from there exactly to the cut
are split off. Carving is linear in the input: candidates are found by one regular expression run in C
over windows of the buffer (bytes or mmap), each is checked once in constant time, and the scan
resumes after a record it yields. Pages of an mmap behind the scan are released, so memory
stays bounded on a huge file.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ..decode.boundary import (  # noqa: F401  (re-exported: the readers' names for them)
    CPER_SIG,
    MAX_RECORD,
    MAX_SECTIONS,
    MAX_WHLG,
    SIGNATURES,
    WHLG_SIG,
    cper_length,
    find_headers,
    header_cut_before,
    next_header,
    plausible_length,
    record_end,
    table_cut,
    whlg_length,
)
from .base import PageReleaser, Problem, RecordRef


def carve(buf, path: str, on_problem, *, kind: str, start: int = 0, end: int | None = None,
          base: int = 0, pages: PageReleaser | None = None) -> Iterator[RecordRef]:
    """Each plausible record in ``buf[start:end]``; the bytes between them go to ``on_problem``.

    ``base`` is added to every reported offset (the buffer's position in the file). A header
    inside a record already yielded belongs to that record (embedded copies are not split out),
    unless it cuts that record short (``record_end``).
    """
    end = len(buf) if end is None else end
    pages = pages or PageReleaser(buf)
    gap_from = start
    found = 0
    while True:
        hit = next_header(buf, gap_from, end, pages)
        if hit is None:
            break
        pos, length = hit
        cut_at = header_cut_before(buf, gap_from, pos, end) if pos - gap_from >= 24 else None
        if cut_at is not None:  # a header cut at its end by this record: a record, cut short
            if cut_at > gap_from:
                gap(on_problem, path, base + gap_from, cut_at - gap_from)
            cut_short(on_problem, path, base + cut_at, struct.unpack_from("<I", buf, cut_at + 20)[0],
                      base + pos)
            found += 1
            yield RecordRef(bytes(buf[cut_at:pos]),
                            {"path": path, "offset": base + cut_at, "kind": kind, "carved": True})
            gap_from = pos
        if pos > gap_from:
            gap(on_problem, path, base + gap_from, pos - gap_from)
        avail = record_end(buf, pos, length, end, pages) - pos
        if avail < min(length, end - pos):
            cut_short(on_problem, path, base + pos, length, base + pos + avail)
        elif avail < length:
            on_problem(Problem(path, base + pos, f"record declares {length} bytes but only "
                                                 f"{avail} remain in the file (truncated)",
                               "warning", avail))
        found += 1
        yield RecordRef(bytes(buf[pos:pos + avail]),
                        {"path": path, "offset": base + pos, "kind": kind, "carved": True})
        gap_from = pos + avail
        pages.release(gap_from)
    if found and end > gap_from:
        gap(on_problem, path, base + gap_from, end - gap_from)
    if not found:
        on_problem(Problem(path, base + start, f"no CPER record or WhLg entry found in "
                                               f"{end - start} bytes", "warning", end - start))


def cut_short(on_problem, path: str, offset: int, declared: int, cut: int) -> None:
    """Report a record at ``offset`` that ends at ``cut``, where another record starts inside
    the ``declared`` length (an error: part of that record is missing)."""
    on_problem(Problem(path, offset, f"record at offset {offset} is cut short at {cut} by a "
                                     f"record that starts there (it declares {declared} bytes, "
                                     f"{cut - offset} are present)", "error", cut - offset))


def gap(on_problem, path: str, offset: int, length: int) -> None:
    """Report ``length`` skipped bytes at ``offset`` (a note)."""
    on_problem(Problem(path, offset, f"{length} bytes hold no CPER record or WhLg entry; skipped",
                       "note", length))
