"""Recovering the event records of a damaged .evtx chunk (used by ``evtx_log``).

The Rust parser gives up on a whole chunk when one event record's size is wrong or when the
chunk's signature is damaged. An event record starts with ``**\\0\\0``, its size, its record id
and its time, and repeats its size in its last four bytes; records whose size and trailing copy
agree are found by scanning. Records must stay at their offsets (templates and names are
referenced by their offset in the chunk), so the chunk is handed back to the parser as it is,
with each damaged stretch between good records turned into one filler record whose id is a
sentinel: whatever the parser makes of the filler is thrown away, so nothing is invented.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

CHUNK_MAGIC = b"ElfChnk\0"
RECORD_MAGIC = b"\x2a\x2a\0\0"
CHUNK_HEADER_SIZE = 512
CHUNK_SIZE = 65536
MIN_RECORD = 28  # the parser's minimum: 24-byte header + the trailing size copy
FILLER_ID = 1 << 63


def find_records(chunk: bytes, end: int) -> list[tuple[int, int, int]]:
    """``(offset, size, record id)`` of every record in ``chunk[512:end]`` whose size and the
    copy at its end agree, scanning on after bytes that are not a record."""
    found = []
    pos = CHUNK_HEADER_SIZE
    while True:
        at = chunk.find(RECORD_MAGIC, pos, end)
        if at < 0 or at + MIN_RECORD > end:
            return found
        size, rid = struct.unpack_from("<IQ", chunk, at + 4)
        if MIN_RECORD <= size <= end - at and struct.unpack_from("<I", chunk, at + size - 4)[0] == size:
            found.append((at, size, rid))
            pos = at + size
        else:
            pos = at + 1


def gaps(records: list[tuple[int, int, int]], end: int) -> list[tuple[int, int]]:
    """The stretches ``[start, stop)`` between good records (and before the first) that hold
    bytes of damaged records. Bytes after the last good record are not parsed (the chunk's
    free-space offset is set there); records lost in them are reported by id from the chunk
    header's range."""
    out = []
    pos = CHUNK_HEADER_SIZE
    for at, size, _ in records:
        if at > pos:
            out.append((pos, at))
        pos = at + size
    return out


def rebuild(chunk: bytes, records: list[tuple[int, int, int]], holes: list[tuple[int, int]]) -> bytes | None:
    """The chunk with its signature restored and every hole made one filler record; None when
    a hole is too small to hold a record header."""
    out = bytearray(chunk)
    out[:8] = CHUNK_MAGIC
    for start, stop in holes:
        if stop - start < MIN_RECORD:
            return None
        struct.pack_into("<4sIQ", out, start, RECORD_MAGIC, stop - start, FILLER_ID)
        struct.pack_into("<I", out, stop - 4, stop - start)
    if records:
        last_end = records[-1][0] + records[-1][1]
        struct.pack_into("<I", out, 48, last_end)  # free-space offset: just past the last good record
        # the chunk header's range of ids as the records give it (the parser stops at its last id)
        ids = [rid for _, _, rid in records]
        struct.pack_into("<QQ", out, 24, min(ids), max(ids))
    # a chunk cut short (a truncated file) is padded with free space after its last good record
    return bytes(out.ljust(CHUNK_SIZE, b"\0"))


def parse_chunk(file_header: bytes, chunk: bytes) -> tuple[list[tuple[int, str]], list[str]]:
    """Parse one chunk on its own (behind a copy of the file header naming one chunk): the
    ``(record id, xml)`` of every record but fillers, and the parser's warnings."""
    import evtx
    header = bytearray(file_header[:4096].ljust(4096, b"\0"))
    header[:8] = b"ElfFile\0"  # the file's own may be damaged (evtx_header)
    struct.pack_into("<QQ", header, 8, 0, 0)
    struct.pack_into("<H", header, 42, 1)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    out: list[tuple[int, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for rec in evtx.PyEvtxParser(io.BytesIO(bytes(header) + chunk), skip_errors=True).records():
                rid, data = rec.get("event_record_id"), rec.get("data")
                if isinstance(rid, int) and isinstance(data, str) and rid != FILLER_ID:
                    out.append((rid, data))
        except Exception as exc:  # noqa: BLE001 - the parser's errors are not typed
            return out, [f"{type(exc).__name__}: {exc}"]
        except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException
            if type(exc).__name__ != "PanicException":
                raise
            return out, [f"{type(exc).__name__}: {exc}"]
    return out, [str(w.message) for w in caught if "9223372036854775808" not in str(w.message)]
