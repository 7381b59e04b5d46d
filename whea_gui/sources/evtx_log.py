"""Windows ``.evtx`` event logs, read with the Rust-based ``evtx`` package (see docs/sources.md
for the measured choice over python-evtx).

Events of the WHEA providers keep their binary ``RawData`` (a CPER record or a WhLg entry);
each record's offset is the byte offset of its event record in the file. Chunks are found by
scanning every 64 KiB slot, so chunks past the file header's (often stale) chunk count are
read; a chunk that cannot be parsed is reported and only its events are lost.
"""

from __future__ import annotations

import io
import mmap
import re
import struct
import warnings
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator

from .base import Problem, RecordRef, SourceError
from .winevent import EventCollector, parse_event

name = "evtx"
FILE_MAGIC = b"ElfFile\0"
CHUNK_MAGIC = b"ElfChnk\0"
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
RECORD_MAGIC = b"\x2a\x2a\0\0"
# Cheap text filter before XML parsing: a WHEA provider, or binary data that starts with
# "CPER"/"WhLg" in hex.
_WANTED = ("WHEA", ">43504552", ">57684C67", ">57684c67")


def sniff(head: bytes, path: str = "") -> int:
    return 90 if head[:8] == FILE_MAGIC else 0


def read_path(path: str, on_problem) -> Iterator[RecordRef]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        try:
            buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):
            buf = fh.read()
        try:
            chunks = scan_chunks(buf, path, on_problem)
        finally:
            if isinstance(buf, mmap.mmap):
                buf.close()
    yield from _events(path, path, chunks, on_problem)


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    chunks = scan_chunks(data, path, on_problem)
    yield from _events(io.BytesIO(data), path, chunks, on_problem)


def scan_chunks(buf, path: str, on_problem) -> list[dict]:
    """Every chunk slot holding a chunk: its offset, record range, checksum state and the file
    offset of each event record (by record id)."""
    chunks = []
    for off in range(FILE_HEADER_SIZE, len(buf) - 512 + 1, CHUNK_SIZE):
        if bytes(buf[off:off + 8]) != CHUNK_MAGIC:
            continue
        first, last = struct.unpack_from("<QQ", buf, off + 24)
        free, data_crc = struct.unpack_from("<II", buf, off + 48)
        header_crc = struct.unpack_from("<I", buf, off + 124)[0]
        end = min(off + CHUNK_SIZE, len(buf))
        ok_header = zlib.crc32(bytes(buf[off:off + 120]) + bytes(buf[off + 128:off + 512])) == header_crc
        ok_data = 512 <= free <= CHUNK_SIZE and zlib.crc32(bytes(buf[off + 512:off + free])) == data_crc
        chunk = {"offset": off, "first": first, "last": last, "records": {}}
        if not (ok_header and ok_data):
            on_problem(Problem(path, off, f"chunk {len(chunks)} (event records {first}–{last}) fails "
                                          "its checksum; its events may be damaged", "warning", end - off))
        pos = off + 512
        limit = min(off + max(free, 512), end)
        while pos + 16 <= limit and bytes(buf[pos:pos + 4]) == RECORD_MAGIC:
            size, rid = struct.unpack_from("<IQ", buf, pos + 4)
            if size < 24 or pos + size > end:
                break
            chunk["records"][rid] = pos
            pos += size
        chunks.append(chunk)
    if len(buf) >= FILE_HEADER_SIZE and not chunks:
        on_problem(Problem(path, FILE_HEADER_SIZE, "the event log holds no chunks (no events)", "note"))
    return chunks


def _events(source, path: str, chunks: list[dict], on_problem) -> Iterator[RecordRef]:
    try:
        import evtx
    except ImportError as exc:
        raise SourceError(f"{path}: reading .evtx needs the 'evtx' package (pip install evtx)") from exc
    offsets = {rid: off for c in chunks for rid, off in c["records"].items()}
    wanted: list[tuple[int, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            parser = evtx.PyEvtxParser(source, skip_errors=True)
            for rec in parser.records():
                data = rec["data"]
                if any(w in data for w in _WANTED):
                    wanted.append((rec["event_record_id"], data))
        except (RuntimeError, OSError) as exc:
            on_problem(Problem(path, None, f"the event log could not be read further: {exc}", "error"))
    for w in caught:
        on_problem(_chunk_problem(path, str(w.message), chunks))
    collector = EventCollector(path, name, on_problem)
    for rid, xml in wanted:
        try:
            elem = ET.fromstring(xml)
        except ET.ParseError as exc:
            on_problem(Problem(path, offsets.get(rid), f"event record {rid}: unreadable XML ({exc})",
                               "error"))
            continue
        yield from collector.refs(parse_event(elem), offsets.get(rid))
    collector.finish()


_RANGE = re.compile(r"record IDs (\d+)\.\.(\d+)")
_NUMBER = re.compile(r"chunk number (\d+)")


def _chunk_problem(path: str, message: str, chunks: list[dict]) -> Problem:
    offset = None
    m = _RANGE.search(message)
    if m:
        first = int(m.group(1))
        offset = next((c["offset"] for c in chunks if c["first"] == first), None)
    else:
        m = _NUMBER.search(message)
        if m and int(m.group(1)) < len(chunks):
            offset = chunks[int(m.group(1))]["offset"]
    text = message.removeprefix("Skipping EVTX data: ").removeprefix("RuntimeError: ")
    return Problem(path, offset, f"a damaged chunk was skipped, its events are lost ({text})", "error",
                   CHUNK_SIZE if offset is not None else None)
