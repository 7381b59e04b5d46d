"""Split a buffer holding one or more concatenated records (CPER and/or WhLg entries)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ..core.model import DecodedRecord
from .boundary import SIGNATURES, cper_length, record_end, table_cut
from .record import decode_record, record_extent


def _extent(buf: bytes, pos: int) -> int:
    if buf[pos:pos + 4] == b"WhLg":
        if len(buf) - pos >= 12:
            length = struct.unpack_from("<I", buf, pos + 8)[0]
            return max(1, min(length, len(buf) - pos)) if length >= 32 else min(32, len(buf) - pos)
        return len(buf) - pos
    ext = max(1, record_extent(memoryview(buf)[pos:]))  # a view: slicing bytes would copy the rest
    length = cper_length(buf, pos, len(buf))
    if length is not None:  # a record cut short by another that starts inside it ends there
        ext = min(ext, record_end(buf, pos, length, len(buf)) - pos)
    else:
        ext = min(ext, table_cut(buf, pos, len(buf)) - pos)
    return ext


def split_records(buf: bytes) -> Iterator[tuple[int, int]]:
    """(offset, length) of each record; a record that is not followed by another signature
    keeps whatever bytes follow it (shown as trailing data), so nothing is dropped. A record
    cut short by another record that starts inside it ends where that one starts
    (``boundary.record_end``); the decoder then reports it as truncated."""
    pos, n = 0, len(buf)
    while pos < n:
        if buf[pos:pos + 4] not in SIGNATURES:
            yield pos, n - pos
            return
        ext = _extent(buf, pos)
        nxt = pos + ext
        if nxt < n and buf[nxt:nxt + 4] not in SIGNATURES:
            yield pos, n - pos
            return
        yield pos, min(ext, n - pos)
        pos = nxt


def decode_buffer(buf: bytes, source: dict | None = None) -> list[DecodedRecord]:
    """Decode every record in ``buf``; ``source`` provenance gets each record's ``offset``."""
    out = []
    base = dict(source or {})
    base_off = base.get("offset", 0)
    for off, length in split_records(buf):
        src = dict(base, offset=base_off + off)
        out.append(decode_record(buf[off:off + length], source=src))
    if not buf:
        out.append(decode_record(b"", source=dict(base, offset=base_off)))
    return out
