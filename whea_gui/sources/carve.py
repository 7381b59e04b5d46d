"""Find CPER records and WhLg entries anywhere in a binary (crash dumps, memory images, ERST dumps).

A hit must look like a real header, not just the 4-byte signature: CPER needs SignatureEnd
0xFFFFFFFF, a section count of 1–1024, a defined severity, a RecordLength that holds the
header and descriptors and, when its bytes are there, a first descriptor that points past the
header; WhLg needs version 1, a defined type and Length = 32 + PayloadLength.

Carving is linear in the input: candidates are found by one regular expression run in C over
windows of the buffer (bytes or mmap), each is checked in constant time, and the scan resumes
after a record it yields (a header inside a record belongs to that record). Pages of an mmap
behind the scan are released, so memory stays bounded on a huge file.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator

from .base import PageReleaser, Problem, RecordRef

CPER_SIG = b"CPER"
WHLG_SIG = b"WhLg"
SIGNATURES = (CPER_SIG, WHLG_SIG)
MAX_SECTIONS = 1024
MAX_RECORD = 64 << 20  # a larger RecordLength is taken as noise, not a record
MAX_WHLG = 16 << 20
WINDOW = 8 << 20  # bytes searched per regex call (bounded pages touched between releases)
_HDR = struct.Struct("<4sHIHII")  # signature, revision, signature end, count, severity, valid bits
_WHLG = struct.Struct("<4s7I")
_DESC0 = struct.Struct("<IIHBB")  # first descriptor: offset, length, revision, valid bits, reserved
# The fixed bytes of each header: "CPER" rev 0xFFFFFFFF, or "WhLg" version 1 (little-endian).
_CANDIDATE = re.compile(rb"CPER..\xff\xff\xff\xff|WhLg\x01\x00\x00\x00", re.S)
_CANDIDATE_LEN = 10


def cper_length(buf, pos: int, end: int) -> int | None:
    """RecordLength of a plausible CPER header at ``pos``, else None."""
    if end - pos < 24:
        return None
    sig, _rev, sig_end, count, severity, _vb = _HDR.unpack_from(buf, pos)
    # The revision is not checked: libcper's generator writes major 0, old firmware 1.x.
    if sig != CPER_SIG or sig_end != 0xFFFFFFFF or not 1 <= count <= MAX_SECTIONS or severity > 3:
        return None
    length = struct.unpack_from("<I", buf, pos + 20)[0]
    if not 128 + 72 * count <= length <= MAX_RECORD:
        return None
    if end - pos >= 128 + 16:  # the first descriptor is there: it must point into the record
        offset, sec_len, _rev, valid, _res = _DESC0.unpack_from(buf, pos + 128)
        # offset 128 is allowed: Linux FMP records write it (the decoder explains the quirk)
        if not 128 <= offset < length or valid & 0xFC or not sec_len:
            return None
    return length


def whlg_length(buf, pos: int, end: int) -> int | None:
    """Length of a plausible WHEA_EVENT_LOG_ENTRY at ``pos``, else None."""
    if end - pos < 32:
        return None
    sig, version, length, etype, _owner, _id, _flags, payload = _WHLG.unpack_from(buf, pos)
    if sig != WHLG_SIG or version != 1 or etype > 2 or not 32 <= length <= MAX_WHLG:
        return None
    return length if payload == length - 32 else None


def plausible_length(buf, pos: int, end: int) -> int | None:
    sig = bytes(buf[pos:pos + 4])
    if sig == CPER_SIG:
        return cper_length(buf, pos, end)
    if sig == WHLG_SIG:
        return whlg_length(buf, pos, end)
    return None


def next_header(buf, start: int, end: int, pages: PageReleaser | None = None, *,
                before: int | None = None) -> tuple[int, int] | None:
    """(offset, declared length) of the first plausible header in ``buf[start:end]`` (that
    starts before ``before`` when given; its bytes may run on to ``end``)."""
    pos = start
    limit = end if before is None else min(before, end)
    while pos < limit:
        stop = min(pos + WINDOW, limit)
        m = _CANDIDATE.search(buf, pos, min(stop + _CANDIDATE_LEN - 1, end))
        while m is not None and m.start() < stop:
            at = m.start()
            length = plausible_length(buf, at, end)
            if length is not None:
                return at, length
            m = _CANDIDATE.search(buf, at + 1, min(stop + _CANDIDATE_LEN - 1, end))
        pos = stop
        if pages is not None:
            pages.release(pos)
    return None


def record_end(buf, pos: int, length: int, end: int, pages: PageReleaser | None = None) -> int:
    """Where the plausible record at ``pos`` ends: at its declared length (or the end of the
    data), unless a plausible header starts after every byte its own descriptors claim. That
    is a truncated record followed by another, which must not be swallowed; a header inside a
    section body stays part of the record (an embedded copy)."""
    stop = min(pos + length, end)
    if bytes(buf[pos:pos + 4]) != CPER_SIG or stop - pos <= 128:
        return stop
    count = struct.unpack_from("<H", buf, pos + 10)[0]
    used = 128 + 72 * count
    for d in range(pos + 128, min(pos + used, stop - 8), 72):
        offset, sec_len = struct.unpack_from("<II", buf, d)
        if offset < length:
            used = max(used, min(offset + sec_len, length))
    if pos + used >= stop:
        return stop
    hit = next_header(buf, pos + used, end, pages, before=stop)
    return hit[0] if hit is not None else stop


def find_headers(buf, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(offset, declared length) of every plausible header in ``buf[start:end]``, in order."""
    end = len(buf) if end is None else end
    pos = start
    while True:
        hit = next_header(buf, pos, end)
        if hit is None:
            return
        yield hit
        pos = hit[0] + 1


def carve(buf, path: str, on_problem, *, kind: str, start: int = 0, end: int | None = None,
          base: int = 0, pages: PageReleaser | None = None) -> Iterator[RecordRef]:
    """Each plausible record in ``buf[start:end]``; the bytes between them go to ``on_problem``.

    ``base`` is added to every reported offset (the buffer's position in the file). A header
    inside a record already yielded belongs to that record (embedded copies are not split out).
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
        if pos > gap_from:
            gap(on_problem, path, base + gap_from, pos - gap_from)
        avail = record_end(buf, pos, length, end, pages) - pos
        if avail < length:
            where = (f"only {avail} remain in the file" if pos + avail == end
                     else f"the next record starts after {avail}")
            on_problem(Problem(path, base + pos, f"record declares {length} bytes but {where} "
                                                 "(truncated)", "warning", avail))
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


def gap(on_problem, path: str, offset: int, length: int) -> None:
    """Report ``length`` skipped bytes at ``offset`` (a note)."""
    on_problem(Problem(path, offset, f"{length} bytes hold no CPER record or WhLg entry; skipped",
                       "note", length))
