"""Reader registry: each reader has ``name``, ``sniff(head, path) -> int`` and ``read_bytes``.

A reader may also have ``read_path(path, on_problem)`` to stream or memory-map a big file; it
is preferred when present. Detection is by content: every reader scores the first bytes and
the highest score wins (``raw`` is the fallback and carves records out of any binary).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from . import raw, sniff
from .base import (
    PageReleaser,
    Problem,
    RecordRef,
    SourceError,
    open_input,
    utf8_problem,
    utf8_text,
    utf8_values,
)
from .folder import walk

ProblemSink = Callable[[Problem], None]
HEAD_SIZE = 4096

# Order matters only for equal scores (the earlier wins).
_READER_MODULES = ["raw", "hextext", "eventxml", "evtx_log", "redfish", "acpi", "efivar", "pstore",
                   "erst", "uefi_varstore",
                   "store_file"]
# Readers heavy to import (text parsers), judged by their sniff in ``sniff`` and imported only
# when they claim the input: (module, reader name, sniff); the module's own sniff is the same.
_DEFERRED = {"hextext": ("text", sniff.text_sniff), "eventxml": ("eventxml", sniff.event_xml_sniff),
             "redfish": ("redfish", sniff.json_sniff)}
readers: list = []


class _Deferred:
    """Stands for a reader module until it is needed: ``name`` and ``sniff`` only."""

    def __init__(self, module: str, name: str, sniff_fn) -> None:
        self.module, self.name, self.sniff = module, name, sniff_fn

    def load(self):
        return importlib.import_module(f"{__package__}.{self.module}")


def _load() -> None:
    if readers:
        return
    for module in _READER_MODULES:
        if module in _DEFERRED:
            readers.append(_Deferred(module, *_DEFERRED[module]))
        else:
            readers.append(importlib.import_module(f"{__package__}.{module}"))


def _module(reader):
    return reader.load() if isinstance(reader, _Deferred) else reader


def reader_named(name: str):
    _load()
    return _module(next(r for r in readers if r.name == name))


def detect(head: bytes, path: str = "") -> object:
    """The reader (module) that claims ``head`` (the first bytes) most strongly; raw as the
    fallback."""
    _load()
    best, score = None, 0
    for r in readers:
        s = r.sniff(head, path)
        if s > score:
            best, score = r, s
    return _module(best or readers[0])


_BLANK = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"  # whitespace, NULs of UTF-16 and byte-order marks
SCAN_CHUNK = 1 << 20


def detect_input(buf, path: str = "") -> object:
    """``detect`` on the first bytes; when they are only whitespace, a JSON document further on
    is still recognised: one bounded pass (1 MiB at a time) finds the first character that is
    not whitespace, and the Redfish reader judges the bytes from there by their shape."""
    head = bytes(buf[:HEAD_SIZE])
    reader = detect(head, path)
    if reader.name in ("raw", "text") and len(buf) > HEAD_SIZE and _evtx_damaged_header(buf):
        return reader_named("evtx")
    if reader.name in ("raw", "text") and head[:8] == b"ElfChnk\0":  # chunks, no file header
        from . import evtx_chunks
        return evtx_chunks
    if reader.name == "raw" and _nv_volume_inside(buf):
        return reader_named("uefi-varstore")
    if reader.name == "raw" and store_without_header(buf, path):
        return reader_named("store")  # (read as `whea store check` salvages it: hosts kept)
    if reader.name == "text" and len(buf) > HEAD_SIZE and _events_past_head(buf):
        # whole <Event> elements past the sniffed head (after prose, a comment, a DTD or a
        # hexdump: F7-7, F7-6): the event reader reads them, then the text around them as the
        # text reader would (eventxml.records_outside_events)
        return reader_named("eventxml")
    if reader.name not in ("raw", "text") or head.strip(_BLANK) or len(buf) <= HEAD_SIZE:
        return reader
    pos = HEAD_SIZE
    pages = PageReleaser(buf)  # (a 1 GB sparse file of zeros was made wholly resident here)
    while pos < len(buf):
        chunk = bytes(buf[pos:pos + SCAN_CHUNK])
        rest = chunk.lstrip(_BLANK)
        if rest:
            start = pos + len(chunk) - len(rest)
            redfish = reader_named("redfish")
            return redfish if redfish.sniff(bytes(buf[start:start + HEAD_SIZE]), path) else reader
        pos += SCAN_CHUNK
        pages.release(pos)
    return reader


STORE_NAMES = (".wheastore", ".sqlite", ".sqlite3", ".db")
STORE_MARK = b"whea-inspector store"  # the meta table's application value (store.schema)


def store_without_header(buf, path: str) -> bool:
    """A WHEA Inspector store whose SQLite header is damaged (the fresh check: carved as raw
    bytes, its hosts and original paths were lost): named like a store, not starting with the
    SQLite header, and holding the store's application mark."""
    name = os.path.basename(path or "").lower()
    if not (name.endswith(STORE_NAMES) or name.startswith("whea-store")):
        return False
    return not bytes(buf[:16]).startswith(b"SQLite format 3") and _contains(buf, STORE_MARK)


def _events_past_head(buf) -> bool:
    """A whole ``<Event>`` element anywhere in a text (not inside a comment: the event reader
    blanks those and would hand the text back). UTF-8 and Latin-1 text is searched in its
    bytes; UTF-16/32 text is decoded first."""
    from .eventxml import _CLOSE, _OPEN, blank_non_markup
    from .sniff import decode_text, text_codec
    if not hasattr(buf, "find"):  # (a memoryview)
        buf = bytes(buf)
    codec, _bom = text_codec(bytes(buf[:HEAD_SIZE]))
    if codec in ("utf-8", "latin-1"):
        opened = _OPEN_BYTES.search(buf)
        if opened is None or _CLOSE_BYTES.search(buf, opened.end()) is None:
            return False
    elif buf.find("</Event".encode(codec)) < 0:  # (a cheap look before decoding it all)
        return False
    text = blank_non_markup(decode_text(bytes(buf)))
    opened = _OPEN.search(text)
    return opened is not None and _CLOSE.search(text, opened.end()) is not None


_OPEN_BYTES = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Event[\s>]")
_CLOSE_BYTES = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?Event\s*>")


def _evtx_damaged_header(buf) -> bool:
    """An event log whose file header is damaged, known by its first chunk beyond the bytes the
    sniffs see: read as raw binary, its events would lose their provenance and the stale
    records in its chunks' slack space would come out as live ones (sources/evtx_header.py)."""
    from .evtx_header import is_damaged_log
    return is_damaged_log(buf)


def _nv_volume_inside(buf) -> bool:
    """A usable edk2 NVRAM volume somewhere in a binary the other readers do not claim (a flash
    dump without an Intel descriptor, a volume behind a prefix): read as a variable store, its
    deleted HwErrRec variables are said to be deleted instead of carved out as live records.
    One linear search for the volume header's 24 fixed bytes (edk2_varstore.parse)."""
    from ..formats.edk2_sniff import NV_DATA_FV_LE
    if hasattr(buf, "find") and not _contains(buf, NV_DATA_FV_LE):  # a fast substring search first
        return False
    from ..formats import edk2_varstore as vs
    if vs.find_nv_volume(buf) is None:
        return False
    return vs.parse(buf).usable


FIND_STEP = 16 << 20  # (the resident window: PageReleaser.STEP)


def _contains(buf, needle: bytes) -> bool:
    """``needle in buf``; a mapped file is searched a window at a time with the pages behind
    dropped, so the search does not leave the whole file resident (a 1M-record file is 384 MB:
    every command reading it peaked at that size before its reader had begun)."""
    pages = PageReleaser(buf)
    pos, n = 0, len(buf)
    while pos < n:
        if buf.find(needle, pos, min(n, pos + FIND_STEP + len(needle) - 1)) >= 0:
            return True
        pos += FIND_STEP
        pages.release(min(pos, n))
    return False


def iter_bytes(data: bytes, path: str = "<bytes>",
               on_problem: ProblemSink | None = None) -> Iterator[RecordRef]:
    reader = detect_input(data, path)
    yield from _utf8(reader.read_bytes(data, path, _utf8_sink(on_problem)))


def _utf8(refs: Iterator[RecordRef]) -> Iterator[RecordRef]:
    """Every string of every item's provenance as valid UTF-8 (``base.utf8_values``): a file
    name with undecodable bytes or a lone surrogate in a BMC's JSON must not make a store, a
    report or a JSON consumer fail on the item, or on every other item with it."""
    for ref in refs:
        utf8_values(ref.source)
        yield ref


def _utf8_sink(on_problem: ProblemSink | None) -> ProblemSink:
    sink = on_problem or _ignore
    return lambda problem: sink(utf8_problem(problem))


def iter_file(path: str, on_problem: ProblemSink | None = None) -> Iterator[RecordRef]:
    """Records from one file or stream, by content. Raises SourceError if it cannot be read.

    The input is opened once (``base.open_input``), so a pipe, a FIFO or ``-`` works and the
    reader is chosen from the bytes already read. An empty input is reported, not yielded.
    """
    sink = on_problem or _ignore
    with open_input(path) as inp:
        if inp.cut_at is not None:
            sink(inp.cut_problem())
        if inp.size == 0:
            sink(Problem(inp.name, 0, raw.EMPTY, "error"))
            return
        reader = detect_input(inp.buf, inp.name)
        if reader is raw:
            refs = raw.read_buffer(inp.buf, inp.name, sink)
        elif inp.regular and hasattr(reader, "read_path"):
            # a regular file may be opened again: the reader maps or queries it itself (SQLite)
            refs = reader.read_path(path, sink)
        else:
            refs = reader.read_bytes(inp.data(), inp.name, sink)
        # a reader whose provenance strings are its own or its parser's (valid UTF-8) needs only
        # the path checked, once per file: the .evtx reader's items are too many to walk each
        if getattr(reader, "VALID_TEXT", False) and utf8_text(inp.name) == inp.name:
            yield from refs
        else:
            yield from _utf8(refs)


def iter_path(path: str | Path, on_problem: ProblemSink | None = None, *, progress=None,
              cancel=None, records_only: bool = False) -> Iterator[RecordRef]:
    """Records from a file, a folder (walked recursively), ``-`` (standard input) or
    ``live:[channel,...]`` (Windows event logs). Raises SourceError if it cannot be read.

    ``progress`` gets a ``folder.Progress`` after each file; ``cancel`` (a threading.Event or a
    callable returning True) stops a folder walk between files and records. A small file named
    on its own that holds no record is yielded as its bytes (to inspect a damaged record), the
    reader having reported it; ``records_only`` leaves such bytes out, as a folder walk does
    (counting, storing and exporting commands: they are no record).
    """
    if records_only:
        for ref in iter_path(path, on_problem, progress=progress, cancel=cancel):
            if ref.source.get("format") != "unknown":
                yield ref
        return
    yield from _iter_path(str(path), _utf8_sink(on_problem), progress, cancel)


def _iter_path(p: str, on_problem: ProblemSink, progress, cancel) -> Iterator[RecordRef]:
    if p == "-":
        yield from iter_file(p, on_problem)
        return
    if "://" in p and _server_spec(p):  # a store on a server (store.postgres)
        from .store_file import read_spec
        yield from _utf8(read_spec(p, on_problem))
        return
    if p.startswith("live:"):
        from .live import iter_live
        channels = [c for c in p[5:].split(",") if c] or None
        yield from _utf8(iter_live(channels, on_problem))
        return
    yield from walk(p, on_problem, iter_file, progress=progress, cancel=cancel)


def _server_spec(p: str) -> bool:
    """A ``postgresql://`` spec (any letter case); a ``word://`` spec no engine knows raises
    SourceError (not read as a path). Imported late: a file decode needs no store package."""
    from ..store.backend import engine_of, is_server_spec
    from ..store.results import StoreError
    try:
        engine_of(p)
    except StoreError as exc:
        raise SourceError(str(exc)) from None
    return is_server_spec(p)


def _ignore(_p: Problem) -> None:
    pass
