"""Vectorised indexing of record headers: numpy over the 128-byte header and the descriptors.

No construct, no decode: each record's header is copied out of the buffer through a sliding
window view (one row copy per record) and read through a structured dtype; descriptor section
types are gathered the same way, one descriptor position at a time. Work is done in chunks so
memory stays bounded for millions of records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np

from ..core import guids
from . import timestamps as ts

HEADER_SIZE, DESCRIPTOR_SIZE = 128, 72
MAX_DESCRIPTORS = 64  # section types indexed per record (the rest is flagged TYPES_TRUNCATED)
CHUNK = 1 << 17

KIND_UNKNOWN, KIND_CPER, KIND_WHLG = 0, 1, 2
KIND_TABLE = 3  # an Event ID 5 error-source table: set from its reader's format, not its bytes
KIND_NAMES = ("unknown", "cper", "whlg", "error_source_table")
_SIG_CPER = int.from_bytes(b"CPER", "little")
_SIG_WHLG = int.from_bytes(b"WhLg", "little")

# header problems found without decoding (bit → name); a subset of decode_record's errors
NOT_CPER, BAD_SIGNATURE_END, TRUNCATED, LENGTH_TOO_SMALL, NO_SECTIONS = 1, 2, 4, 8, 16
TIMESTAMP_BAD, SECTION_OUTSIDE, TYPES_TRUNCATED = 32, 64, 128
PROBLEM_NAMES = {
    NOT_CPER: "not a CPER record",
    BAD_SIGNATURE_END: "SignatureEnd is not 0xFFFFFFFF",
    TRUNCATED: "fewer bytes than RecordLength",
    LENGTH_TOO_SMALL: "RecordLength smaller than header + descriptors",
    NO_SECTIONS: "SectionCount is 0",
    TIMESTAMP_BAD: "timestamp marked valid but not a plausible date",
    SECTION_OUTSIDE: "a section lies outside the record",
    TYPES_TRUNCATED: "not every section type was indexed",
}
# problems that make a record structurally invalid (decode_record reports them as errors)
STRUCTURAL = NOT_CPER | BAD_SIGNATURE_END | TRUNCATED | LENGTH_TOO_SMALL | NO_SECTIONS | SECTION_OUTSIDE

HEADER_DTYPE = np.dtype({
    "names": ["signature", "signature_end", "whlg_length", "section_count", "severity",
              "valid_bits", "length", "timestamp", "creator_lo", "creator_hi", "notify_lo",
              "notify_hi", "record_id", "flags"],
    "formats": ["<u4", "<u4", "<u4", "<u2", "<u4", "<u4", "<u4", ("u1", 8), "<u8", "<u8", "<u8",
                "<u8", "<u8", "<u4"],
    "offsets": [0, 6, 8, 10, 12, 16, 20, 24, 64, 72, 80, 88, 96, 104],
    "itemsize": HEADER_SIZE,
})
_DESC_DTYPE = np.dtype({"names": ["offset", "length", "type_lo", "type_hi"],
                        "formats": ["<u4", "<u4", "<u8", "<u8"], "offsets": [0, 4, 16, 24],
                        "itemsize": 32})
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _pair(text: str) -> tuple[int, int]:
    lo, hi = np.frombuffer(guids.guid_bytes(text), "<u8")
    return int(lo), int(hi)


_WINDOWS_PAIRS = [_pair(g) for g in sorted(guids.WINDOWS_CREATORS)]
_PSTORE_PAIR = _pair(guids.LINUX_PSTORE_CREATOR)


@dataclass
class HeaderIndex:
    """Columns for n records; GUID columns are codes into ``guids`` (text), -1 = none."""

    kind: np.ndarray
    record_id: np.ndarray
    severity: np.ndarray
    timestamp: np.ndarray
    notify: np.ndarray
    creator: np.ndarray
    section_types: np.ndarray  # code into ``type_lists``
    section_count: np.ndarray
    length: np.ndarray
    flags: np.ndarray
    problems: np.ndarray
    guids: list[str] = field(default_factory=list)
    type_lists: list[tuple[str, ...]] = field(default_factory=list)


def _rows(u8: np.ndarray, offs: np.ndarray, width: int) -> np.ndarray:
    """(len(offs), width) bytes starting at each offset; bytes past the buffer read as 0.

    A 1-byte-strided array of ``width``-byte void items over the buffer makes the gather one
    memcpy per record (a 2-D byte gather is an order of magnitude slower).
    """
    out = np.zeros(len(offs), dtype=np.dtype(("V", width)))
    whole = offs + width <= len(u8)
    if len(u8) >= width:
        items = np.ndarray(shape=(len(u8) - width + 1,), dtype=out.dtype, buffer=u8, strides=(1,))
        out[whole] = items[offs[whole]]
    rows = out.view(np.uint8).reshape(len(offs), width)
    for i in np.flatnonzero(~whole):
        o = int(offs[i])
        piece = u8[o:o + width]
        rows[i, :len(piece)] = piece
    return rows


def _unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each key, first index of each distinct key). Neighbouring records usually
    share values, so only the starts of runs of equal keys are sorted."""
    n = len(key)
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    _, first, inv = np.unique(key[starts], return_index=True, return_inverse=True)
    codes = np.repeat(inv.ravel(), np.diff(np.append(starts, n)))
    return codes, starts[first]


def _unique_pairs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, first index of each distinct (lo, hi)) via a hash + verification."""
    if len(lo) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    inv, first = _unique(lo * _MIX ^ hi)
    if (lo[first][inv] == lo).all() and (hi[first][inv] == hi).all():
        return inv.ravel(), first
    pairs = np.stack([lo, hi], axis=1)  # hash collision: exact (slow) path
    _, first, inv = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
    return inv.ravel(), first


def _guid_text(lo: int, hi: int) -> str:
    return str(uuid.UUID(bytes_le=np.array([lo, hi], "<u8").tobytes()))


def _index_chunk(u8: np.ndarray, offs: np.ndarray, lengths: np.ndarray | None) -> HeaderIndex:
    m = len(offs)
    h = _rows(u8, offs, HEADER_SIZE).view(HEADER_DTYPE).ravel()
    avail = np.maximum(len(u8) - offs, 0)
    if lengths is not None:
        avail = np.minimum(avail, lengths)
    sig = np.where(avail >= 4, h["signature"], 0)
    kind = np.where(sig == _SIG_CPER, KIND_CPER, np.where(sig == _SIG_WHLG, KIND_WHLG, KIND_UNKNOWN))
    cper = kind == KIND_CPER
    masks: dict[int, np.ndarray] = {}

    def present(end):  # header field ending at ``end`` is there (and this is CPER)
        if end not in masks:
            masks[end] = cper & (avail >= end)
        return masks[end]

    hlen = np.where(present(24), h["length"], 0).astype(np.int64)
    if lengths is not None:
        span = avail
    else:
        whlg_len = np.where((kind == KIND_WHLG) & (avail >= 12), h["whlg_length"], 0).astype(np.int64)
        own = np.where(cper, hlen, np.where(kind == KIND_WHLG, whlg_len, avail))
        span = np.where((own >= 1) & (own <= avail), own, avail)
    count = np.where(present(12), h["section_count"], 0).astype(np.int64)
    severity = np.where(present(16), np.minimum(h["severity"], 4), -1).astype(np.int8)
    valid_bits = np.where(present(20), h["valid_bits"], 0)

    # problem bits as whole-array ORs (boolean-mask updates are much slower)
    problems = (~cper) * NOT_CPER
    problems |= (present(10) & (h["signature_end"] != 0xFFFFFFFF)) * BAD_SIGNATURE_END
    problems |= (cper & ((avail < HEADER_SIZE) | (hlen > span))) * TRUNCATED
    problems |= (present(24) & (hlen < HEADER_SIZE + DESCRIPTOR_SIZE * np.maximum(count, 1))) * LENGTH_TOO_SMALL
    problems |= (present(12) & (count == 0)) * NO_SECTIONS

    # timestamp (only when marked valid); creator class decides BCD vs binary
    clo, chi = h["creator_lo"], h["creator_hi"]
    cclass = np.zeros(m, dtype=np.int8)
    for lo, hi in _WINDOWS_PAIRS:
        cclass[(clo == lo) & (chi == hi)] = ts.CREATOR_WINDOWS
    cclass[(clo == _PSTORE_PAIR[0]) & (chi == _PSTORE_PAIR[1])] = ts.CREATOR_PSTORE
    want_time = present(32) & (valid_bits & 2 != 0)
    stamp = np.full(m, ts.MISSING, dtype=np.int64)
    if want_time.all():
        stamp = ts.decode_timestamps(h["timestamp"], cclass)
    elif want_time.any():
        stamp[want_time] = ts.decode_timestamps(h["timestamp"][want_time], cclass[want_time])
    problems |= (want_time & (stamp == ts.MISSING)) * TIMESTAMP_BAD

    # descriptors: section offset/length checks and the section-type list
    n_fit = np.clip((np.minimum(span, avail) - HEADER_SIZE) // DESCRIPTOR_SIZE, 0, None)
    n_read = np.minimum(np.minimum(count, n_fit), MAX_DESCRIPTORS)
    problems |= (cper & (n_read < count)) * TYPES_TRUNCATED
    width = int(n_read.max()) if m else 0
    # column-major: each descriptor position is contiguous, so equal neighbours form runs
    type_lo = np.zeros((width, m), dtype=np.uint64)
    type_hi = np.zeros((width, m), dtype=np.uint64)
    has = np.zeros((width, m), dtype=bool)
    desc_end = HEADER_SIZE + DESCRIPTOR_SIZE * count
    for j in range(width):
        every = bool((n_read > j).all())
        rows = slice(None) if every else np.flatnonzero(n_read > j)
        d = _rows(u8, offs[rows] + HEADER_SIZE + DESCRIPTOR_SIZE * j, 32).view(_DESC_DTYPE).ravel()
        so, sl = d["offset"].astype(np.int64), d["length"].astype(np.int64)
        outside = (so < desc_end[rows]) | (so + sl > hlen[rows]) | (sl == 0)
        if every:
            problems |= outside * SECTION_OUTSIDE
        else:
            problems[rows[outside]] |= SECTION_OUTSIDE
        type_lo[j, rows], type_hi[j, rows], has[j, rows] = d["type_lo"], d["type_hi"], True

    # one code space for every GUID seen in this chunk
    parts_lo = [clo[present(80)], h["notify_lo"][present(96)], type_lo[has]]
    parts_hi = [chi[present(80)], h["notify_hi"][present(96)], type_hi[has]]
    all_lo, all_hi = np.concatenate(parts_lo), np.concatenate(parts_hi)
    codes, first = _unique_pairs(all_lo, all_hi)
    guid_list = [_guid_text(int(all_lo[i]), int(all_hi[i])) for i in first]
    a, b = len(parts_lo[0]), len(parts_lo[1])
    creator = np.full(m, -1, dtype=np.int32)
    creator[present(80)] = codes[:a]
    notify = np.full(m, -1, dtype=np.int32)
    notify[present(96)] = codes[a:a + b]
    type_codes = np.full((width, m), -1, dtype=np.int64)
    type_codes[has] = codes[a + b:]
    section_types, type_lists = _type_lists(type_codes.T, cper, guid_list)

    return HeaderIndex(
        kind=kind.astype(np.int8),
        record_id=np.where(present(104), h["record_id"], 0).astype(np.uint64),
        severity=severity, timestamp=stamp, notify=notify, creator=creator,
        section_types=section_types,
        section_count=np.minimum(count, 0xFFFF).astype(np.uint16),
        length=np.minimum(span, 0xFFFFFFFF).astype(np.uint32),
        flags=np.where(present(108), h["flags"], 0).astype(np.uint32),
        problems=problems.astype(np.uint16), guids=guid_list, type_lists=type_lists)


def _type_lists(codes: np.ndarray, cper: np.ndarray, guid_list: list[str]):
    m, width = codes.shape
    out = np.full(m, -1, dtype=np.int32)
    if m == 0 or not cper.any():
        return out, []
    key = np.zeros(m, dtype=np.uint64)
    for j in range(width):
        key = key * _MIX + (codes[:, j] + 2).astype(np.uint64)
    sel = slice(None) if cper.all() else np.flatnonzero(cper)
    inv, first = _unique(key[sel])
    reps = codes[sel][first]
    if not (reps[inv] == codes[sel]).all():  # hash collision: exact path
        _, first, inv = np.unique(codes[sel], axis=0, return_index=True, return_inverse=True)
        inv, reps = inv.ravel(), codes[sel][first]
    out[sel] = inv
    lists = [tuple(guid_list[c] for c in row if c >= 0) for row in reps]
    return out, lists


def index_headers(buf, offsets, lengths=None) -> HeaderIndex:
    """Index the records at ``offsets`` in ``buf`` (bytes-like or uint8 array).

    ``lengths`` (optional) bounds each record; without it a record is RecordLength bytes (the
    WhLg Length for event-log entries), clipped to the buffer.
    """
    u8 = np.frombuffer(buf, dtype=np.uint8) if not isinstance(buf, np.ndarray) else buf.view(np.uint8).ravel()
    offs = np.asarray(offsets, dtype=np.int64).ravel()
    lens = None if lengths is None else np.asarray(lengths, dtype=np.int64).ravel()
    if len(offs) and (offs.min() < 0 or offs.max() > len(u8)):
        raise ValueError("an offset lies outside the buffer")
    chunks = [_index_chunk(u8, offs[i:i + CHUNK], None if lens is None else lens[i:i + CHUNK])
              for i in range(0, len(offs), CHUNK)] or [_index_chunk(u8, offs, lens)]
    return merge(chunks)


def merge(chunks: list[HeaderIndex]) -> HeaderIndex:
    """One index from chunk indexes (GUID and type-list codes remapped to shared tables)."""
    if len(chunks) == 1:
        return chunks[0]
    guid_pos: dict[str, int] = {}
    list_pos: dict[tuple[str, ...], int] = {}
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("notify", "creator", "section_types")}
    for c in chunks:
        gmap = np.array([guid_pos.setdefault(g, len(guid_pos)) for g in c.guids] + [-1], np.int32)
        lmap = np.array([list_pos.setdefault(t, len(list_pos)) for t in c.type_lists] + [-1], np.int32)
        cols["notify"].append(gmap[c.notify])  # code -1 picks the trailing -1
        cols["creator"].append(gmap[c.creator])
        cols["section_types"].append(lmap[c.section_types])
    simple = {k: np.concatenate([getattr(c, k) for c in chunks])
              for k in ("kind", "record_id", "severity", "timestamp", "section_count", "length",
                        "flags", "problems")}
    return HeaderIndex(**simple, **{k: np.concatenate(v) for k, v in cols.items()},
                       guids=list(guid_pos), type_lists=list(list_pos))
