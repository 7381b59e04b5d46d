"""Windows ``.evtx`` event logs, read with the Rust-based ``evtx`` package (see docs/sources.md
for the measured choice over python-evtx).

Events of the WHEA providers keep their binary ``RawData`` (a CPER record or a WhLg entry);
each record's offset is the byte offset of its event record in the file. Chunks are found by
scanning every 64 KiB slot, so chunks past the file header's (often stale) chunk count are
read; a chunk that cannot be parsed is reported and only its events are lost.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections import deque
from collections.abc import Iterator

from . import evtx_header
from .base import Problem, RecordRef, SourceError, open_input

name = "evtx"
# provenance strings are the path and the parser's own (valid UTF-8): registry.iter_file
VALID_TEXT = True
FILE_MAGIC = b"ElfFile\0"
CHUNK_MAGIC = b"ElfChnk\0"
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
RECORD_MAGIC = b"\x2a\x2a\0\0"
_RECORD_START = struct.Struct("<4sIQ")  # an event record's signature, size and record id
_MAGIC_CRC = zlib.crc32(CHUNK_MAGIC)  # a chunk header's checksum starts as if its signature were intact
# the provenance key of an item read from a chunk whose checksum fails (see _mark_damaged)
CHECKSUM_FLAG = "chunk_checksum_fails"
# Cheap text filter on each event before it is parsed: "WHEA" in any letter case (a provider,
# a channel), or an element whose text starts with "CPER"/"WhLg" in hex (any provider's record
# data). In the XML form that text follows ">", in the JSON form it opens a string.
def _wanted_xml(text: str) -> bool:
    if "WHEA" in text:
        return True
    low = text.lower()  # one copy, then literal searches: faster than a case-blind pattern
    return "whea" in low or ">43504552" in low or ">57684c67" in low


def _wanted_json(text: str) -> bool:
    if "WHEA" in text:  # the providers' usual spelling, found early (in the System part)
        return True
    low = text.lower()
    return "whea" in low or '"43504552' in low or '"57684c67' in low


def sniff(head: bytes, path: str = "") -> int:
    return 90 if head[:8] == FILE_MAGIC else 0


def _too_short(size: int, path: str, on_problem) -> bool:
    """A file that ends inside the 4096-byte file header holds no chunk, so no event: said with
    its place (the parser's own message names none)."""
    if size >= FILE_HEADER_SIZE:
        return False
    on_problem(Problem(path, size, f"the file ends at byte {size}, inside the {FILE_HEADER_SIZE}-byte "
                                   "event log file header (a truncated copy?): it holds no chunk and no "
                                   "events", "error"))
    return True


def read_path(path: str, on_problem) -> Iterator[RecordRef]:
    with open_input(path) as inp:  # mapped when it can be; SourceError names the path
        if _too_short(len(inp.buf), path, on_problem):
            return
        chunks, slots = _scan(inp.buf, path, on_problem)
        header = _parser_header(inp.buf)
    source = path if header is None else evtx_header.PatchedFile(path, header)
    try:
        yield from _events(source, path, chunks, slots, on_problem, lambda off, n: _read_at(path, off, n))
    finally:
        if header is not None:
            source.close()


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    if _too_short(len(data), path, on_problem):
        return
    chunks, slots = _scan(data, path, on_problem)
    header = _parser_header(data)
    blob = data if header is None else header + bytes(data[FILE_HEADER_SIZE:])
    yield from _events(io.BytesIO(blob), path, chunks, slots, on_problem, lambda off, n: bytes(data[off:off + n]))


def _parser_header(buf) -> bytes | None:
    """The repaired file header the parser needs when the file's own lacks its signature."""
    return None if bytes(buf[:8]) == FILE_MAGIC else evtx_header.repaired(buf)


def _read_at(path: str, offset: int, length: int) -> bytes:
    """A damaged chunk read again from the file (only those are, so memory stays one chunk)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read(length)
    except OSError:
        return b""


def scan_chunks(buf, path: str, on_problem) -> list[dict]:
    """Every chunk slot holding a chunk: its offset, record range, checksum state and the file
    offset of each event record (by record id)."""
    return _scan(buf, path, on_problem)[0]


def _header_chunks(buf, path: str, on_problem) -> tuple[int | None, bool]:
    """How many chunks the file header names (last chunk number + 1), and whether its checksum
    holds; None when the number is impossible."""
    if len(buf) < 128:
        return None, False
    if bytes(buf[:8]) != FILE_MAGIC:  # read as a log all the same (evtx_header): the input is damaged
        on_problem(Problem(path, 0, evtx_header.problem_text(buf), "error",
                           8 if evtx_header.only_signature_damaged(buf) else 128))
        if not evtx_header.only_signature_damaged(buf):
            return None, False  # a garbled header's chunk count means nothing
        buf = FILE_MAGIC + bytes(buf[8:128])  # its checksum holds now
    last = struct.unpack_from("<Q", buf, 16)[0]
    trusted = zlib.crc32(bytes(buf[:120])) == struct.unpack_from("<I", buf, 124)[0]
    if not trusted:
        on_problem(Problem(path, 0, "the file header fails its checksum", "note", 128))
    return (last + 1 if last < 1 << 16 else None), trusted


def fast_crc32():
    """zlib's ``crc32``, from zlib-ng when it is installed (a dependency): its SIMD CRC reads a
    chunk's 64 KiB in about 1 µs where the system zlib takes 14 (benchmarks/bench_sources.py);
    imported when a log is read, not when every run judges its input."""
    try:
        from zlib_ng.zlib_ng import crc32
    except ImportError:
        crc32 = zlib.crc32
    return crc32


def _slot(n: int) -> int:
    return FILE_HEADER_SIZE + n * CHUNK_SIZE


def _scan(buf, path: str, on_problem) -> tuple[list[dict], set[int]]:
    """The chunks (also those whose signature alone is damaged) and the numbers of the chunk
    slots already reported here (damaged free space, damaged chunks without records)."""
    chunks = []
    reported: set[int] = set()
    named, trusted = _header_chunks(buf, path, on_problem)
    crc32 = fast_crc32()
    for off in range(FILE_HEADER_SIZE, len(buf) - 512 + 1, CHUNK_SIZE):
        number = (off - FILE_HEADER_SIZE) // CHUNK_SIZE
        end = min(off + CHUNK_SIZE, len(buf))
        signature = bytes(buf[off:off + 8])
        if signature != CHUNK_MAGIC:
            if buf[off:end] == bytes(end - off):  # compared in C, not byte by byte
                if named is not None and number < named:  # the header says a chunk is here
                    on_problem(Problem(path, off, f"chunk {number} is all zeros, though the file header names "
                                                  f"chunks 0–{named - 1}: its events, if it held any, are lost"
                                                  + ("" if trusted else " (the header fails its checksum)"),
                                       "error" if trusted else "warning", end - off))
                    reported.add(number)
                continue  # free space
            # a chunk whose signature alone is damaged still holds event records
            from . import evtx_repair  # here: only a damaged log needs it
            if not evtx_repair.find_records(bytes(buf[off:end]), end - off):
                _damaged_slot(path, number, off, end, named, on_problem)
                reported.add(number)
                continue
        first, last = struct.unpack_from("<QQ", buf, off + 24)
        free, data_crc = struct.unpack_from("<II", buf, off + 48)
        header_crc = struct.unpack_from("<I", buf, off + 124)[0]
        # checked as if the signature were intact: a damaged signature alone is reported (and
        # repaired) by itself, the checksums then say whether the chunk's other bytes are sound
        # a file cut inside the chunk's records: their checksum cannot be checked (the cut is an
        # error of its own), which says nothing about the bytes present
        cut = 512 <= free <= CHUNK_SIZE and off + free > end
        with memoryview(buf) as view:  # the checksums read the input in place (no copy of each chunk)
            ok_header = crc32(view[off + 128:off + 512], crc32(view[off + 8:off + 120], _MAGIC_CRC)) == header_crc
            ok_data = 512 <= free <= CHUNK_SIZE and not cut and crc32(view[off + 512:off + free]) == data_crc
        chunk = {"offset": off, "number": number, "first": first, "last": last, "records": {}, "free": free,
                 "length": end - off, "truncated": end - off < CHUNK_SIZE}
        if signature != CHUNK_MAGIC:
            chunk["signature"] = signature
            chunk["damaged"] = True  # its records are recovered here (the parser skips the chunk)
        if not (ok_header and ok_data):
            chunk["damaged"] = True  # its records are recovered here if the parser fails on it
        if not ok_header or not (ok_data or cut):
            chunk["checksum_fails"] = True  # each of its items is marked (_mark_damaged);
            # an error: the input is proven damaged, though its events are still shown
            on_problem(Problem(path, off, f"chunk {number} (event records {first}–{last}) fails its "
                                          "checksum; its events may be damaged (each is marked)", "error", end - off))
        pos = off + 512
        limit = min(off + max(free, 512), end)
        walked = chunk["walked"] = []  # (record id, offset) of every record, repeats kept
        while pos + 16 <= limit:
            magic, size, rid = _RECORD_START.unpack_from(buf, pos)
            if magic != RECORD_MAGIC or size < 24 or pos + size > end:
                break
            walked.append((rid, pos))
            pos += size
        records = chunk["records"] = dict(walked)  # record id → offset (of its first record)
        if len(records) != len(walked):
            for rid, at in reversed(walked):
                records[rid] = at
        if (512 <= free <= CHUNK_SIZE and not cut and pos == limit and walked
                and (last - first + 1 != len(walked) or len(records) != len(walked)
                     or min(records) < first or max(records) > last)):
            # the records do not fit the chunk header's range of ids (a damaged last id: the
            # parser stops at it; a record id repeated or out of the range): recovered as a
            # damaged chunk is, its records read by their own sizes
            chunk["damaged"] = True
            chunk["ids_off"] = True
            if last - first + 1 > len(walked) and buf[pos:pos + 4] == RECORD_MAGIC:
                chunk["walk_ends"] = CHUNK_SIZE  # records follow the free-space offset: read on
                said = (f"event records continue past its free-space offset ({free}), and its header's range "
                        f"of ids {first}–{last} names them")
            else:
                ids = sorted({rid for rid, _ in walked})
                said = (f"its header's range of event record ids ({first}–{last}) does not match its "
                        f"{len(walked)} event records (ids {_runs(ids)})")
            on_problem(Problem(path, off + 8, f"chunk {number}: {said}; the records are read by their own "
                                              "sizes", "warning", 40))
        if 512 <= free <= CHUNK_SIZE and not cut and pos != limit:
            # the records do not end where the chunk says its free space starts (a damaged size
            # field, whatever the checksums say): the parser stops there, so the records after
            # it are recovered as in a chunk whose checksum fails (read as XML)
            chunk["damaged"] = True
            chunk["walk_ends"] = pos - off  # where the records walked from 512 end
            if pos > limit:
                on_problem(Problem(path, off + 48, f"chunk {number}: its free-space offset ({free}) falls inside "
                                                   f"the event record that ends at chunk byte {pos - off}; the "
                                                   "chunk's records are read by their own sizes", "warning", 4))
        chunks.append(chunk)
    if named is not None:
        _missing_chunks(path, len(buf), named, trusted, {c["number"] for c in chunks}, on_problem)
    tail = FILE_HEADER_SIZE + (len(buf) - FILE_HEADER_SIZE) // CHUNK_SIZE * CHUNK_SIZE
    if FILE_HEADER_SIZE <= tail < len(buf) and not any(c["offset"] == tail for c in chunks) \
            and bytes(buf[tail:tail + 8]) == CHUNK_MAGIC[:len(buf) - tail]:
        on_problem(Problem(path, tail, f"the file ends {len(buf) - tail} bytes into a chunk (a truncated "
                                       "copy?); the events of that chunk are lost", "error", len(buf) - tail))
    if len(buf) >= FILE_HEADER_SIZE and not chunks:
        on_problem(Problem(path, FILE_HEADER_SIZE, "the event log holds no chunks (no events)", "note"))
    return chunks, reported


def _damaged_slot(path: str, number: int, off: int, end: int, named: int | None, on_problem) -> None:
    """A chunk slot that is neither a chunk nor free (all-zero) space and holds no event record."""
    if named is not None and number >= named:
        on_problem(Problem(path, off, f"unused chunk slot {number} (beyond the {named} chunk(s) the file "
                                      "header names) holds non-zero bytes but no chunk; no events are in it",
                           "note", end - off))
    else:
        on_problem(Problem(path, off, f"chunk {number} is damaged (no chunk signature, no event records "
                                      "in it); its events, if any, are lost", "error", end - off))


def _missing_chunks(path: str, size: int, named: int, trusted: bool, present: set[int], on_problem) -> None:
    """Chunks the file header names that the file is too short to hold."""
    missing = [n for n in range(named) if _slot(n) >= size and n not in present]
    if not missing:
        return
    start, stop = _slot(missing[0]), _slot(missing[-1] + 1)
    numbers = f"{missing[0]}–{missing[-1]}" if len(missing) > 1 else f"{missing[0]}"
    # placed where the file ends (a problem's offset lies inside the input); the message names
    # the bytes where the missing chunks belong
    if trusted:
        on_problem(Problem(path, size, f"the file header names chunks 0–{named - 1}, but the file ends here "
                                       f"(a truncated copy?): chunk(s) {numbers}, bytes {start}–{stop - 1}, "
                                       "are missing and their events are lost", "error"))
    else:
        on_problem(Problem(path, size, f"the file header, whose checksum fails, names chunks 0–{named - 1}, "
                                       f"but the file ends here: chunk(s) {numbers}, bytes {start}–{stop - 1}, "
                                       "would be missing (a truncated copy, or a damaged header)", "warning"))


# Events taken from the parser between two hand-overs to the consumer: holding every event of a
# large log before the first was used cost a fifth of the reading time (the events' text and
# bytes fell out of the CPU cache); a batch stays in it.
_BATCH = 64


def _parsed(source, as_json: bool, reasons: list[str], stops: list[BaseException]) -> Iterator[list[dict]]:
    """The parser's events (its dicts: ``event_record_id``, ``data``, the JSON or XML text), in
    batches. The parser's warnings
    (records it skipped) are caught only while it runs, never while the consumer holds a batch,
    and added to ``reasons``; what stopped it early (an error, a Rust panic) to ``stops``."""
    import evtx
    parser = evtx.PyEvtxParser(source, skip_errors=True)
    records = iter(parser.records_json() if as_json else parser.records())
    done = False
    while not done:
        batch: list[dict] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                for rec in records:
                    batch.append(rec)
                    if len(batch) == _BATCH:
                        break
                else:
                    done = True
            except Exception as exc:  # noqa: BLE001 - the parser's errors are not typed
                stops.append(exc)
                done = True
            except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException
                if type(exc).__name__ != "PanicException":
                    raise
                stops.append(exc)
                done = True
        reasons.extend(str(w.message) for w in caught)
        if batch:
            yield batch


def _events(source, path: str, chunks: list[dict], slots: set[int], on_problem, read) -> Iterator[RecordRef]:
    """The parser's events, then the records of the chunks it gave up on (``read(offset, length)``
    gives the file's bytes), then one problem per loss. A sound log's events are handed on as
    the parser gives them (in file order); a damaged log's are put in file order with the
    records recovered from its damaged chunks."""
    try:
        import evtx  # noqa: F401 - said here, before any event is read
    except ImportError as exc:
        raise SourceError(f"{path}: reading .evtx needs the 'evtx' package (pip install evtx)") from exc
    # imported here, not at the top: every run imports this reader to judge its input
    from .winevent import EventCollector, RepeatedName, event_json_reader, parse_event
    # (offset, record id, its XML text) of a damaged log's selected events, read after the recovery
    wanted: list[tuple[int, int, str]] = []
    # record ids the parser gave, by chunk number (a copied chunk repeats ids: each copy counts
    # its own; an id whose record the scan did not place goes to the chunk whose range holds it)
    seen: dict[int, set[int]] = {}
    # events of a chunk whose bytes are in doubt (checksum, signature) are checked for garbling
    damaged = {rid for c in chunks if c.get("checksum_fails") or "signature" in c for rid in c["records"]}
    places = _places(path, chunks, on_problem)
    seen_number, seen_here = None, set()
    collector = EventCollector(path, name, on_problem)
    # A sound log is read in the parser's JSON form: selecting and reading the few fields we
    # use from it costs a fraction of parsing XML. A log with a damaged chunk is read as XML,
    # the form the garbled-event checks and the chunk repair (evtx_repair) work on.
    as_json = not any(c.get("damaged") for c in chunks)  # (one may hold no record found)
    as_xml = _ChunkXml(read, chunks)  # an event whose JSON is ambiguous, read as XML
    read_json = event_json_reader()
    garbled: list[int] = []
    reasons: list[str] = []
    stops: list[BaseException] = []
    one_record = collector.one_record
    for batch in _parsed(source, as_json, reasons, stops):
        for rec in batch:
            rid, data = rec.get("event_record_id"), rec.get("data")
            if type(rid) is not int or type(data) is not str:  # (the parser's own types: no subclass)
                continue
            # the parser gives records in file order: the n-th with an id is the n-th found
            offset = _next_place(places.get(rid))
            number = (offset - FILE_HEADER_SIZE) // CHUNK_SIZE if offset is not None \
                else _chunk_number(chunks, rid, seen)
            if number != seen_number:  # (the parser gives a chunk's records together)
                seen_number, seen_here = number, seen.setdefault(number, set())
            seen_here.add(rid)
            if as_json:  # (no chunk is damaged: nothing to mark)
                if "WHEA" not in data and not _wanted_json(data):
                    continue
                try:
                    info = read_json(data)
                except RepeatedName:  # X and X_1: a repeated name, or one really named X_1
                    info = as_xml.event(rid, offset)
                    if info is None:
                        on_problem(Problem(path, offset, f"event record {rid}: its JSON names a field twice "
                                                         "and its XML could not be read; skipped", "error"))
                        continue
                except (ValueError, RecursionError) as exc:
                    on_problem(Problem(path, offset, f"event record {rid}: unreadable JSON ({exc}); skipped",
                                       "error"))
                    continue
                if info.record_id != rid:
                    _own_id(info, rid)
                ref = one_record(info, offset)  # the usual event, without the general path's generator
                if ref is not None:
                    yield ref
                else:
                    yield from collector.refs(info, offset)
            elif rid in damaged and _garbled(rid, data):
                garbled.append(rid)
            elif _wanted_xml(data):
                wanted.append((offset if offset is not None else 1 << 62, rid, data))
    if stops:
        stopped = stops[0]
        on_problem(Problem(path, None, f"the event log could not be read further "
                                       f"({type(stopped).__name__}: {str(stopped)[:200]})", "error"))
    reasons = [r for r in reasons if not _names_slot(r, slots)]
    for c in chunks:
        mine = seen.setdefault(c["number"], set())
        # (a walk that broke before the free space: a damaged record the range may not name)
        if c.get("damaged") and ("signature" in c or _expected(c) - mine
                                 or c.get("walk_ends", CHUNK_SIZE) < c.get("free", 0)):
            recovered = _recover(path, read(0, FILE_HEADER_SIZE), read(c["offset"], c["length"]), c, mine,
                                 reasons, on_problem)
            # each recovered record at its own place: an id repeated in the chunk takes its
            # records' offsets in file order (the parser gives them in that order)
            own: dict[int, deque] = {}
            for rid, at in c.get("walked") or ():
                own.setdefault(rid, deque()).append(at)
            doubtful = c.get("checksum_fails") or "signature" in c  # (else only its ids are off)
            for rid, data in recovered:
                mine.add(rid)
                at = _next_place(own.get(rid))
                at = c["records"].get(rid, c["offset"]) if at is None else at
                if doubtful and _garbled(rid, data):
                    garbled.append(rid)
                elif _wanted_xml(data):
                    wanted.append((at, rid, data))
    for problem in _lost_records(path, chunks, seen, reasons):
        on_problem(problem)
    offsets = {rid: off for c in chunks for rid, off in c["records"].items()}  # with those recovered
    for rid in garbled[:50]:
        on_problem(Problem(path, offsets.get(rid), f"event record {rid} (in a chunk whose checksum fails) came "
                                                   "out garbled (no readable provider name, or another record id in its XML); "
                                                   "it may have been a WHEA event; skipped", "warning"))
    wanted.sort(key=lambda item: item[0])  # (stable: the parser's order for equal places)
    for offset, rid, text in wanted:
        at = offset if offset < 1 << 62 else None
        try:
            info = parse_event(_xml(text))
        except (ValueError, RecursionError) as exc:
            on_problem(Problem(path, at, f"event record {rid}: unreadable XML ({exc}); skipped", "error"))
            continue
        chunk = _chunk_at(chunks, at)
        for ref in collector.refs(_own_id(info, rid), at):
            yield _mark_damaged(ref, chunk if chunk is not None and chunk.get("checksum_fails") else None)
    collector.finish()


def _places(path: str, chunks: list[dict], on_problem) -> dict[int, int | deque]:
    """Record id → the file offsets of the event records with that id, in file order. A log
    whose ids repeat (a chunk copied, logs joined) is said once: each item still gets its own
    record's offset."""
    places: dict[int, int | deque] = {}
    repeated: dict[int, deque] = {}
    for c in chunks:
        for rid, off in c.get("walked") or c["records"].items():
            known = places.setdefault(rid, off)
            if known != off:  # the id again: a queue of its offsets, in file order
                if type(known) is int:
                    known = places[rid] = repeated[rid] = deque((known,))
                known.append(off)
    repeated = list(repeated.items())
    if repeated:
        rid, offs = min(repeated, key=lambda item: item[1][1])
        on_problem(Problem(path, offs[1], f"{len(repeated)} event record id(s) appear more than once in the log "
                                          f"(e.g. id {rid} at bytes {offs[0]} and {offs[1]}: a copied chunk, or "
                                          "logs joined); each item's offset is that of its own event record",
                           "warning"))
    return places


def _next_place(place: int | deque | None) -> int | None:
    """The offset of the next record with an id: its one offset, or the next of a queue of them
    (the last one stays, for a later look-up of the same id)."""
    if place is None or type(place) is int:
        return place
    return place.popleft() if len(place) > 1 else place[0]


def _chunk_at(chunks: list[dict], offset: int | None) -> dict | None:
    if offset is None:
        return None
    return next((c for c in chunks if c["offset"] <= offset < c["offset"] + c["length"]), None)


def _own_id(info, rid: int):
    """The event's record id is its event record's (the header the chunk and the offsets are
    walked by); a System part naming another (an edit, a damaged value) is said."""
    if info.record_id != rid:
        said = "no EventRecordID" if info.record_id is None else f"EventRecordID {info.record_id}"
        info.issues.append(f"its System part gives {said}, but its event record's header gives "
                           f"{rid}; the header's id is used")
        info.record_id = rid
    return info


class _ChunkXml:
    """The XML of one event of a sound log, parsed from its chunk alone (evtx_repair), for the
    rare event whose JSON cannot say what its XML says; the chunk last parsed is kept."""

    def __init__(self, read, chunks: list[dict]) -> None:
        self.read, self.chunks = read, chunks
        self.chunk: int | None = None
        self.events: dict[int, str] = {}

    def event(self, rid: int, offset: int | None):
        from . import evtx_repair
        from .winevent import parse_event
        c = _chunk_at(self.chunks, offset)
        if c is None:
            return None
        if self.chunk != c["offset"]:
            got, _ = evtx_repair.parse_chunk(self.read(0, FILE_HEADER_SIZE), self.read(c["offset"], c["length"]))
            self.chunk, self.events = c["offset"], dict(got)
        text = self.events.get(rid)
        try:
            return None if text is None else parse_event(_xml(text))
        except (ValueError, RecursionError):
            return None


def _mark_damaged(ref: RecordRef, chunk: dict | None) -> RecordRef:
    """An item from a chunk whose checksum fails says so in its provenance; the decoder turns
    that into a finding (decode/record.py), so a consumer of the item (JSON, a store, a report)
    sees the mark, not only the problem printed while reading."""
    if chunk is not None:
        ref.source[CHECKSUM_FLAG] = {"chunk": chunk["number"], "offset": chunk["offset"]}
    return ref


def _xml(text: str):
    """The element tree of an event's XML; a ParseError is a ValueError here. (ElementTree is
    imported only when a damaged log needs it: not on every ``whea decode`` start-up.)"""
    import xml.etree.ElementTree as ET
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(str(exc)) from None


def _recover(path: str, file_header: bytes, raw: bytes, c: dict, seen: set[int], reasons: list[str],
             on_problem) -> list[tuple[int, str]]:
    """Parse the good records of a chunk the parser gave up on (see ``evtx_repair``); reports
    each damaged stretch with its bytes and record ids, and the repaired signature."""
    off = c["offset"]
    if len(raw) < 512:  # the file changed since it was scanned
        return []
    free = struct.unpack_from("<I", raw, 48)[0]
    end = free if 512 <= free <= len(raw) else len(raw)
    extended = c.get("walk_ends", 0) > end
    if extended:  # the free-space offset falls inside a record: records may follow it
        end = len(raw)
    from . import evtx_repair
    records = evtx_repair.find_records(raw, end)
    if extended:  # past the true end lie stale records of earlier use: only the chunk's own ids
        records = [r for r in records if c["first"] <= r[2] <= c["last"]]
        end = max((at + size for at, size, _ in records), default=512)
    holes = evtx_repair.gaps(records, end)
    chunk = evtx_repair.rebuild(raw, records, holes)
    if chunk is None or not records:
        return []
    got, why = evtx_repair.parse_chunk(file_header, chunk)
    got = [(rid, data) for rid, data in got if rid not in seen]
    by_id = {rid: at for at, _, rid in records}
    ids = {rid for rid, _ in got}
    for rid in ids:
        c["records"].setdefault(rid, off + by_id.get(rid, 512))
    tail_lost = _damaged_tail(path, raw, c, records, seen | ids, free, on_problem)
    if not got:
        if tail_lost:  # the parser's complaint about it is answered by that error
            reasons[:] = [r for r in reasons if _names_any(r) and not _names_chunk(r, c["number"], c, tail_lost)]
        return []
    # the parser's complaints about this chunk are answered here
    lost_here = sorted(_expected(c) - seen)
    reasons[:] = [r for r in reasons if not _names_chunk(r, c["number"], c, lost_here) and _names_any(r)]
    reasons.extend(why)
    if "signature" in c:
        on_problem(Problem(path, off, f"chunk {c['number']}: its signature is damaged (found "
                                      f"{c['signature']!r}, not 'ElfChnk\\0'); its event records were read "
                                      "with the signature restored", "warning", 8))
    read = len(_expected(c) & (seen | ids))
    for start, stop in holes:
        prev = max((rid for at, size, rid in records if at + size <= start), default=None)
        nxt = min((rid for at, _, rid in records if at >= stop), default=None)
        lost = sorted(i for i in _expected(c) - seen - ids
                      if (prev is None or i > prev) and (nxt is None or i < nxt))
        if not lost:  # the chunk header's range names none there: the damaged record's own id
            lost = _own_lost_id(raw, start, seen | ids)
        place = f"chunk {c['number']}"  # the bytes are the problem's offset and length
        if raw[start:start + 4] == RECORD_MAGIC:
            why_bad = (f"size field {struct.unpack_from('<I', raw, start + 4)[0]}, which disagrees with the "
                       "record's end")
        else:
            why_bad = "no record signature where a record should start"
        if lost:
            message = (f"{place}: event record(s) {_runs(lost)} damaged ({why_bad}); lost, the other "
                       f"{read} record(s) of the chunk were read")
            on_problem(Problem(path, off + start, message, "error", stop - start))
        else:
            on_problem(Problem(path, off + start, f"{place}: bytes between event records are no record ({why_bad}); "
                                                  "skipped, no record id is missing", "warning", stop - start))
        c.setdefault("explained", set()).update(lost)
    return got


def _damaged_tail(path: str, raw: bytes, c: dict, records: list, read: set[int], free: int, on_problem
                  ) -> list[int]:
    """A damaged record after the last good one, before the free space (the gaps end there):
    reported, and its id returned."""
    tail = max((at + size for at, size, _ in records), default=512)
    stop = free if 512 <= free <= len(raw) else len(raw)
    if tail + 24 > stop or c.get("truncated"):  # (a chunk the file's end cuts is said as such)
        return []
    lost = _own_lost_id(raw, tail, read | c.get("explained", set()))
    if lost:
        whole = len(_expected(c) & read)
        on_problem(Problem(path, c["offset"] + tail, f"chunk {c['number']}: event record(s) {_runs(lost)} damaged "
                                                     f"(size field {struct.unpack_from('<I', raw, tail + 4)[0]}, which "
                                                     "disagrees with the record's end); lost, the other "
                                                     f"{whole} record(s) of the chunk were read", "error", stop - tail))
        c.setdefault("explained", set()).update(lost)
    return lost


def _own_lost_id(raw: bytes, start: int, read: set[int]) -> list[int]:
    """The id a damaged record's own header gives, when a record signature starts there and
    no record with that id was read."""
    if raw[start:start + 4] != RECORD_MAGIC or start + 16 > len(raw):
        return []
    rid = struct.unpack_from("<Q", raw, start + 8)[0]
    return [] if rid in read else [rid]


def _garbled(rid: int, xml: str) -> bool:
    """An event the parser read through damaged templates: its XML lacks the provider's name or
    names another record id than the record header."""
    provider = _PROVIDER.search(xml)
    return provider is None or f"<EventRecordID>{rid}</EventRecordID>" not in xml


def _expected(c: dict) -> set[int]:
    expected = set(c["records"])
    first, last = c["first"], c["last"]
    if first <= last and last - first < MAX_RECORDS_PER_CHUNK:
        expected.update(range(first, last + 1))
    return expected


def _names_slot(reason: str, slots: set[int]) -> bool:
    m = _NUMBER.search(reason)
    return bool(m) and int(m.group(1)) in slots


_RECORD = re.compile(r"record number (\d+)")
_RANGE = re.compile(r"record IDs (\d+)\.\.(\d+)")
_NUMBER = re.compile(r"chunk number (\d+)")
# a provider's name as Windows writes them (letters, digits, '-', '_', '.', ' ', '/'), not
# characters the parser read from damaged template bytes
_PROVIDER = re.compile(r'<Provider Name="[A-Za-z0-9][-\w. /]*"', re.ASCII)
MAX_RECORDS_PER_CHUNK = (CHUNK_SIZE - 512) // 24  # an event record is at least 24 bytes


def _chunk_number(chunks: list[dict], rid: int, seen: dict[int, set[int]]) -> int:
    """The chunk of a record the scan did not place: the first whose range holds its id."""
    return next((c["number"] for c in chunks if c["first"] <= rid <= c["last"]
                 and rid not in seen.get(c["number"], ())), -1)


def _lost_records(path: str, chunks: list[dict], seen: dict[int, set[int]], reasons: list[str]
                  ) -> Iterator[Problem]:
    """One error per chunk whose event records did not all come out of the parser, naming the
    record ids lost (from the chunk header's range and the records found in the chunk) and the
    parser's reason; parser messages that name no chunk are reported as they are."""
    used: set[int] = set()
    everywhere = set().union(*seen.values())  # every record id the parser gave
    for c in chunks:
        index = c["number"]
        expected = _expected(c)
        mine = seen.get(index, set())
        # an id the chunk header's range names but another chunk gave, and no record of this
        # chunk carries, is that chunk's record (a range too wide), not one lost here
        elsewhere = {rid for rid in expected - mine if rid not in c["records"] and rid in everywhere}
        lost = sorted(expected - mine - elsewhere - c.get("explained", set()))
        if not lost:
            continue
        if c.get("ids_off") and len(mine) >= len(c["records"]):
            continue  # every record walked was read: the range's other ids are ids, not records (said)
        why = [i for i, r in enumerate(reasons) if _names_chunk(r, index, c, lost)]
        used.update(why)
        because = "; ".join(_clean(reasons[i]) for i in why[:2]) or (
            "the file ends inside the chunk" if c.get("truncated") else "the parser skipped them")
        whole = len(lost) == len(expected)
        offset = c["offset"] if whole else c["records"].get(lost[0], c["offset"])
        # a chunk whose checksums and records are sound is not called damaged: the parser
        # refused a value in it (e.g. a time out of its range)
        label = f"damaged chunk {index}" if c.get("damaged") or c.get("truncated") else f"chunk {index}"
        yield Problem(path, offset, f"{label}: event record(s) {_runs(lost)} could not be read, "
                                    f"their events are lost ({because})", "error",
                      c["length"] if offset == c["offset"] else None)
    for i, r in enumerate(reasons):
        if i not in used:
            yield _chunk_problem(path, r, chunks)


def _names_any(reason: str) -> bool:
    return any(p.search(reason) for p in (_RECORD, _RANGE, _NUMBER))


def _names_chunk(reason: str, index: int, chunk: dict, lost: list[int]) -> bool:
    m = _RECORD.search(reason)
    if m:
        return int(m.group(1)) in lost or chunk["first"] <= int(m.group(1)) <= chunk["last"]
    m = _RANGE.search(reason)
    if m:
        return int(m.group(1)) == chunk["first"]
    m = _NUMBER.search(reason)
    return bool(m) and int(m.group(1)) == index


def _runs(ids: list[int], limit: int = 8) -> str:
    """``[3, 4, 5, 9]`` → ``3–5, 9`` (the first ``limit`` runs, then a count)."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    text = ", ".join(f"{a}–{b}" if b > a else f"{a}" for a, b in runs[:limit])
    return text + (f" and {len(runs) - limit} more ranges" if len(runs) > limit else "")


def _clean(message: str) -> str:
    return message.removeprefix("Skipping EVTX data: ").removeprefix("RuntimeError: ")[:300]


def _chunk_problem(path: str, message: str, chunks: list[dict]) -> Problem:
    offset = None
    m = _RANGE.search(message)
    if m:
        first = int(m.group(1))
        offset = next((c["offset"] for c in chunks if c["first"] == first), None)
    else:
        m = _NUMBER.search(message)
        if m:
            offset = _slot(int(m.group(1)))
    return Problem(path, offset, f"the parser skipped damaged data ({_clean(message)})",
                   "error", CHUNK_SIZE if offset is not None else None)
