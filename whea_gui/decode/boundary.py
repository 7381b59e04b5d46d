"""Where records start and end in a buffer of concatenated (or carved) CPER records and WhLg
entries: the header checks and the rule that ends a record early when another one starts
inside it. Used by ``decode.split`` and the binary readers (``sources.raw``, ``sources.carve``).

A record's RecordLength is only a claim. A record cut short (a paste, a dump, a damaged log)
and followed by a complete record claims the start of that record as its own. So a plausible
header inside a record's claimed span ends the record there, unless the record's own sections
account for it: an embedded copy sits wholly inside one section body of a kind that can carry
free-form data (a vendor section, a firmware record reference, an error packet, ...). A header
in the header/descriptor area, in bytes no section claims, overrunning the section it starts
in, or inside a section of a fixed layout (processor, memory, PCIe, machine-check bank dump)
is not part of the record. Inside a span the later header must be whole and consistent (see
``whole_record``), so the bytes "CPER" found by chance in a body never split a record.
Only an intact record keeps embedded copies: in a record cut short, whole records in its
sections that run one after another exactly to the cut were concatenated after it
(``record_end``). A header whose descriptor table holds another record's header was cut at its
header end (``table_cut``).

Candidates are found by one regular expression run in C over windows of the buffer; each is
checked in constant time (bounded descriptor walk), so the cost stays linear in the input.
"""

from __future__ import annotations

import bisect
import re
import struct
from collections.abc import Iterator

from ..core.guids import guid_bytes

CPER_SIG = b"CPER"
WHLG_SIG = b"WhLg"
SIGNATURES = (CPER_SIG, WHLG_SIG)
MAX_SECTIONS = 1024
MAX_RECORD = 64 << 20  # a larger RecordLength is taken as noise, not a record
MAX_WHLG = 16 << 20
WINDOW = 8 << 20  # bytes searched per regex call (bounded pages touched between releases)
HEADER = 128
WHLG_HEADER = 32  # a WhLg entry's header (Length counts it)
DESCRIPTOR = 72
WHOLE_CHECKED = 64  # descriptors of a header found inside another record checked for sense
_HDR = struct.Struct("<4sHIHII")  # signature, revision, signature end, count, severity, valid bits
_WHLG = struct.Struct("<4s7I")
_DESC0 = struct.Struct("<IIHBB")  # first descriptor: offset, length, revision, valid bits, reserved
_DESC = struct.Struct("<IIHBBI16s16sI")  # offset, length, revision, valid, reserved, flags, type, fru, severity
# The fixed bytes of each header: "CPER" rev 0xFFFFFFFF, or "WhLg" version 1 (little-endian).
_CANDIDATE = re.compile(rb"CPER..\xff\xff\xff\xff|WhLg\x01\x00\x00\x00", re.S)
_CANDIDATE_LEN = 10

# Section kinds with a fixed layout of registers and fields (FORMAT.md §6, §8): no whole record
# can legitimately sit inside one. Every other kind (vendor, unknown, firmware record reference,
# error packet, generic/status block, context dumps) may carry arbitrary bytes.
_FIXED_LAYOUT = frozenset(guid_bytes(g) for g in (
    "9876ccad-47b4-4bdb-b65e-16f193c4f3db",  # Processor Generic (192)
    "a5bc1114-6f64-4ede-b863-3e83ed7c83b1",  # Platform Memory (80)
    "61ec04fc-48e6-d813-25c9-8daa44750b12",  # Platform Memory 2 (96)
    "d995e954-bbc1-430f-ad91-b44dcb3c6f35",  # PCI Express (208)
    "c5753963-3b84-4095-bf78-eddad3f9c9dd",  # PCI/PCI-X Bus (72)
    "5b51fef7-c79d-4434-8f1b-aa62de3e2c64",  # DMAr Generic (32)
    "71761d37-32b2-45cd-a7d0-b0fedd93e8cf",  # Intel VT-d DMAr (144)
    "036f84e1-7f37-428c-a79e-575fdfaa84ec",  # IOMMU DMAr (144)
    "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8",  # XPF MCA bank dump (264..2088)
    "e71254e7-c1b9-4940-ab76-909703a4320f",  # NMI (12)
    "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc",  # Error Recovery Information (39)
    "dd060800-f6e1-4204-ac27-c4bca9568402",  # PCI Recovery (3)
    "85183a8b-9c41-429c-939c-5c3c087ca280",  # Project Mu Telemetry (56)
    "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9",  # Arm RAS node (Microsoft, 80)
))


def cper_length(buf, pos: int, end: int) -> int | None:
    """RecordLength of a plausible CPER header at ``pos``, else None."""
    if end - pos < 24:
        return None
    sig, _rev, sig_end, count, severity, _vb = _HDR.unpack_from(buf, pos)
    # The revision is not checked: libcper's generator writes major 0, old firmware 1.x.
    if sig != CPER_SIG or sig_end != 0xFFFFFFFF or not 1 <= count <= 0xFFFF or severity > 3:
        return None
    length = struct.unpack_from("<I", buf, pos + 20)[0]
    if not HEADER + DESCRIPTOR * count <= length <= MAX_RECORD:
        return None
    if count > MAX_SECTIONS and not _many_sections_whole(buf, pos, end, count, length):
        return None
    if end - pos >= HEADER + 16:  # the first descriptor is there: it must point into the record
        offset, sec_len, _rev, valid, _res = _DESC0.unpack_from(buf, pos + HEADER)
        # offset 128 is allowed: Linux FMP records write it (the decoder explains the quirk)
        if not HEADER <= offset < length or valid & 0xFC or not sec_len:
            return None
    return length


def _many_sections_whole(buf, pos: int, end: int, count: int, length: int) -> bool:
    """A header counting more than MAX_SECTIONS sections (legal: SectionCount is 16 bits) is a
    record only when all of it is there and its descriptors make sense: every body after the
    descriptors and inside the record, for the first WHOLE_CHECKED descriptors and the last.
    Looser, runs of such headers amplified the work (bench_streams); stricter, a second record
    of 65,535 sections after another was lost (the fresh check)."""
    if end - pos < length:
        return False
    first_body = HEADER + DESCRIPTOR * count
    for i in list(range(min(count, WHOLE_CHECKED))) + [count - 1]:
        offset, sec_len, _rev, valid, _res = _DESC0.unpack_from(buf, pos + HEADER + DESCRIPTOR * i)
        if valid & 0xFC or not sec_len or offset < first_body or offset + sec_len > length:
            return False
    return True


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


def candidates(buf, start: int, end: int, pages=None, *,
               before: int | None = None) -> Iterator[tuple[int, int]]:
    """(offset, declared length) of each plausible header in ``buf[start:end]`` (starting before
    ``before`` when given; its bytes may run on to ``end``), in order, each checked once.
    ``pages`` (a ``sources.base.PageReleaser``) drops mapped pages behind the scan."""
    pos = start
    limit = end if before is None else min(before, end)
    while pos < limit:
        stop = min(pos + WINDOW, limit)
        m = _CANDIDATE.search(buf, pos, min(stop + _CANDIDATE_LEN - 1, end))
        while m is not None and m.start() < stop:
            at = m.start()
            length = plausible_length(buf, at, end)
            if length is not None:
                yield at, length
            m = _CANDIDATE.search(buf, at + 1, min(stop + _CANDIDATE_LEN - 1, end))
        pos = stop
        if pages is not None:
            pages.release(pos)


def next_header(buf, start: int, end: int, pages=None, *,
                before: int | None = None) -> tuple[int, int] | None:
    """(offset, declared length) of the first plausible header in ``buf[start:end]`` (that
    starts before ``before`` when given; its bytes may run on to ``end``)."""
    return next(candidates(buf, start, end, pages, before=before), None)


def find_headers(buf, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(offset, declared length) of every plausible header in ``buf[start:end]``, in order."""
    return candidates(buf, start, len(buf) if end is None else end)


class _Sections:
    """What a CPER record's own descriptors account for: the end of the bytes they claim, and
    which ranges are bodies that may carry an embedded record (sorted, with a running maximum
    of their ends, so "is [a, b) inside one such body" is a binary search)."""

    def __init__(self, buf, pos: int, length: int, stop: int) -> None:
        count = struct.unpack_from("<H", buf, pos + 10)[0]
        self.table_end = HEADER + DESCRIPTOR * count
        self.used = self.table_end
        carriers: list[tuple[int, int]] = []
        for d in range(pos + HEADER, min(pos + self.table_end, stop - DESCRIPTOR + 1), DESCRIPTOR):
            offset, sec_len, *_mid, sec_type, _fru, _sev = _DESC.unpack_from(buf, d)
            if offset >= length:
                continue
            body_end = min(offset + sec_len, length)
            self.used = max(self.used, body_end)
            if sec_type not in _FIXED_LAYOUT and offset < body_end:
                carriers.append((offset, body_end))
        carriers.sort()
        self.starts = [s for s, _e in carriers]
        self.reach: list[int] = []
        top = 0
        for _s, e in carriers:
            top = max(top, e)
            self.reach.append(top)

    def holds(self, start: int, end: int) -> bool:
        """Whether one body that may carry a record holds all of ``[start, end)``."""
        if start < self.table_end:
            return False
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.reach[i] >= end


def whole_record(buf, at: int, length: int, end: int) -> bool:
    """Whether the header at ``at`` (already plausible) starts a whole, consistent record: all
    of it in the data, a revision of a known major, and its descriptors (the first
    WHOLE_CHECKED) each inside it with defined reserved bits and severity."""
    if at + length > end:
        return False
    if bytes(buf[at:at + 4]) != CPER_SIG:
        return True  # a WhLg entry: whlg_length checked all it has
    if buf[at + 5] > 3:
        return False
    count = struct.unpack_from("<H", buf, at + 10)[0]
    for i in range(min(count, WHOLE_CHECKED)):
        offset, sec_len, _rev, valid, _res, _flags, _t, _f, severity = \
            _DESC.unpack_from(buf, at + HEADER + DESCRIPTOR * i)
        if offset < HEADER or offset + sec_len > length or valid & 0xFC or severity > 3:
            return False
    return True


def whole_records(buf) -> int:
    """How many whole, consistent records (``whole_record``) headers in ``buf`` begin."""
    return sum(whole_record(buf, at, length, len(buf)) for at, length in find_headers(buf))


def record_end(buf, pos: int, length: int, end: int, pages=None) -> int:
    """Where the plausible record at ``pos`` (declaring ``length`` bytes) ends: at its declared
    length or the end of the data, or earlier where another record starts that the record's
    own sections do not account for (module docstring). Less than ``min(pos + length, end)``
    means the record is cut short there.

    A record that is cut short (its declared length runs past the data, or a record starts
    inside it) ends even earlier at the first of a chain of whole records held in its sections
    that runs, record after record, exactly to the cut: those were concatenated after the cut
    record, not copies embedded in it. An intact record keeps its embedded copies."""
    stop = min(pos + length, end)
    if bytes(buf[pos:pos + 4]) == WHLG_SIG:
        return _whlg_end(buf, pos, length, end, pages)
    if bytes(buf[pos:pos + 4]) != CPER_SIG or stop - pos <= HEADER:
        return stop
    if stop - pos <= WINDOW and _CANDIDATE.search(buf, pos + 1, stop + _CANDIDATE_LEN - 1) is None:
        return stop  # the common case, one search in C: no header inside at all
    own = None  # built at the first header found inside: most records hold none
    held: dict[int, int] = {}  # whole records kept as embedded copies so far: offset -> length
    cut = stop
    for at, inner in candidates(buf, pos + 1, end, pages, before=stop):
        own = own or _Sections(buf, pos, length, stop)
        rel = at - pos
        if rel >= own.used:
            cut = at  # after every byte the record's descriptors claim
            break
        if whole_record(buf, at, inner, end):
            if not own.holds(rel, rel + inner):
                cut = at
                break
            held[at] = inner
    if cut >= pos + length or not held:
        return cut
    return _chain_start(held, cut)


def _whlg_end(buf, pos: int, length: int, end: int, pages=None) -> int:
    """Where a WhLg entry at ``pos`` ends: at its Length, or at the first whole record that
    starts inside it (a record concatenated after the entry was cut, as for a CPER record cut
    short: a cut entry's Length still claims the bytes after the cut, whether the data ends
    before it or goes on). No WhLg payload carries a whole record: one there was written
    after the entry."""
    stop = min(pos + length, end)
    # (a header starting just before the Length's end runs past it: the search reaches on)
    if stop - pos <= WHLG_HEADER or _CANDIDATE.search(buf, pos + WHLG_HEADER, min(stop + _CANDIDATE_LEN - 1, end)) is None:
        return stop  # the common case, one search in C
    for at, inner in candidates(buf, pos + WHLG_HEADER, end, pages, before=stop):
        if whole_record(buf, at, inner, end):
            return at
    return stop


def table_cut(buf, pos: int, end: int) -> int:
    """Where a CPER header at ``pos`` whose first descriptor is not one (``cper_length`` fails
    on it) ends when another record starts inside its descriptor table: it was cut at or just
    after its header end. ``end`` when its own header fields are implausible or none starts."""
    declared = cper_length(buf, pos, min(end, pos + 24))
    if declared is None:
        return end
    count = struct.unpack_from("<H", buf, pos + 10)[0]
    hit = next_header(buf, pos + 1, end, before=pos + min(declared, HEADER + DESCRIPTOR * count))
    return end if hit is None else hit[0]


def header_cut_before(buf, lo: int, pos: int, end: int) -> int | None:
    """The offset of a CPER header in ``buf[lo:pos]`` that was cut at or just after its header
    end by the record that starts at ``pos`` (``table_cut``): its first descriptor holds that
    record's header, so it is no candidate of its own and a carve would pass over it."""
    start = max(lo, pos - HEADER - DESCRIPTOR * MAX_SECTIONS)
    found = None
    for m in _CANDIDATE.finditer(buf, start, pos):
        at = m.start()
        if bytes(buf[at:at + 4]) == CPER_SIG and pos - at >= 24 and table_cut(buf, at, end) == pos:
            found = at
    return found


def _chain_start(held: dict[int, int], cut: int) -> int:
    """The first offset in ``held`` from which whole records follow one another exactly up to
    ``cut`` (each starts where the one before it ends), else ``cut``."""
    reaches: set[int] = set()
    for at in sorted(held, reverse=True):  # a record's successor starts after it: seen first
        after = at + held[at]
        if after == cut or after in reaches:
            reaches.add(at)
    return min(reaches, default=cut)


def embedded_records(buf, start: int, end: int, limit: int) -> tuple[list[tuple[int, int]], int]:
    """The whole records lying in ``buf[start:end]`` (a section body), not counting those inside
    another one found: up to ``limit`` of them as (offset, length), and how many there are."""
    found: list[tuple[int, int]] = []
    count = 0
    after = start
    for at, inner in candidates(buf, start, end):
        if at < after or not whole_record(buf, at, inner, end):
            continue
        count += 1
        if len(found) < limit:
            found.append((at, inner))
        after = at + inner
    return found, count
