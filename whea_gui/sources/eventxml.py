"""Windows event XML: Event Viewer "Save as XML", ``wevtutil qe /f:xml`` and copied event text.

Each ``<Event>`` element is parsed on its own, so the file may have an ``<Events>`` root or
none (wevtutil prints bare events one after another), be UTF-8 or UTF-16, and one broken event
loses only itself. Offsets are byte offsets of the ``<Event`` tag in the file.

Events are found by one linear pass over the opening and closing tags: an ``<Event`` followed
by another ``<Event`` before any ``</Event>`` is reported as unclosed and the next one is read,
so a file full of unclosed tags costs linear time and loses none of the whole events in it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from .base import Problem, RecordRef
from .sniff import decode_text, decode_text_strays, text_codec
from .sniff import event_xml_sniff as sniff  # noqa: F401 - the reader's sniff
from .winevent import EventCollector, EventInfo, parse_binaries, parse_event, parse_system

name = "eventxml"
# with or without a namespace prefix (<e:Event xmlns:e="…">: the same element to an XML parser)
_OPEN = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Event[\s>]")
_CLOSE = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?Event\s*>")
_EVENTS_CLOSE = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?Events\s*>")
MAX_EVENT_PROBLEMS = 50  # unclosed / broken events reported one by one, then counted


_FRAGMENT_ELEMENT = re.compile(r"<(Data|Binary)\b[^<>]*?(?:/>|>[^<]*</\1\s*>)")
_SYSTEM_OPEN = re.compile(r"<System[\s>]")
_SYSTEM_CLOSE = re.compile(r"</System\s*>")


def byte_offset_function(data: bytes, text: str) -> Callable[[int], int]:
    """Character index in ``text`` (``decode_text(data)``) → byte offset in ``data``, counted
    incrementally (linear over increasing indexes, as readers ask)."""
    codec, bom = text_codec(data)
    if codec == "latin-1":
        return lambda index: min(index, len(data))
    # a U+FFFD standing for one stray byte of damaged UTF-16 (``sniff.utf16_strays``) is one
    # byte, not the two it encodes to
    strays = decode_text_strays(data)[1] if codec.startswith("utf-16") else []
    state = [0, bom]  # (character, byte) reached so far

    def offset_of(index: int) -> int:
        if index < state[0]:
            state[0], state[1] = 0, bom
        state[1] += len(text[state[0]:index].encode(codec, "surrogatepass"))
        state[1] -= bisect.bisect_left(strays, index) - bisect.bisect_left(strays, state[0])
        state[0] = index
        return min(state[1], len(data))
    return offset_of


def blank_non_markup(text: str) -> str:
    """``text`` with comments and markup-holding CDATA sections replaced by as many spaces, so
    every other character keeps its index (byte offsets stay right): events inside them are text,
    not events. One forward pass; an unterminated comment or CDATA section ends the scan."""
    parts, pos, done = [], 0, 0
    while True:
        i = text.find("<!", pos)
        if i < 0:
            break
        if text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            end = j + 3
        elif text.startswith("<![CDATA[", i):
            j = text.find("]]>", i + 9)
            end = j + 3
            if j >= 0 and "<" not in text[i + 9:j]:  # plain text (e.g. hex): keep it
                pos = end
                continue
        else:
            pos = i + 2
            continue
        if j < 0:
            break
        parts += [text[done:i], " " * (end - i)]
        pos = done = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    text = decode_text(data)
    offset_of = byte_offset_function(data, text)
    text = blank_non_markup(text)
    if _CLOSE.search(text):
        yield from events_from_text(text, path, on_problem, name, offset_of=offset_of)
        yield from records_outside_events(text, path, on_problem)
        return
    # no whole <Event>: a fragment (EventData, Data or Binary elements, maybe a System block)
    found = False
    for ref in fragment_refs(text, path, on_problem, offset_of):
        found = True
        yield ref
    if not found:  # no data field at all: the XML was only mentioned next to other text
        from .hextext import read_bytes as read_text
        yield from read_text(data, path, on_problem)


def records_outside_events(text: str, path: str, on_problem) -> Iterator[RecordRef]:
    """Hex or base64 records in the text around the events (a paste of a hexdump and an event
    export in one file: F7-6, they were dropped without a word), read as pasted text is, after
    the events. The events' own characters are left out (a line break kept for each, so the
    lines named are the file's); comments are already blank."""
    from .carve import SIGNATURES
    from .hextext import read_bytes as read_text
    from .hextext import scan_text

    pieces, pos = [], 0
    for start, end in event_spans(text):
        if start < pos:
            continue
        pieces.append(text[pos:start])
        stop = len(text) if end is None else end  # an unclosed event: up to the next (below)
        if end is None:  # up to the next event or the end of the export, not past it
            following = _OPEN.search(text, start + 1)
            stop = following.start() if following else len(text)
            closing = _EVENTS_CLOSE.search(text, start + 1, stop)
            stop = closing.start() if closing else stop
        pieces.append("\n" * text.count("\n", start, stop))
        pos = stop
    pieces.append(text[pos:])
    outside = "".join(pieces)
    if not outside.strip() or not any(sig in block.data for block in scan_text(outside).blocks
                                      for sig in SIGNATURES):
        return
    on_problem(Problem(path, None, "the text holds hex or base64 record data besides its events; "
                                   "those records are read after the events (their line numbers "
                                   "are the file's)", "note"))
    yield from read_text(outside.encode("utf-8"), path, on_problem)


def fragment_refs(text: str, path: str, on_problem, offset_of) -> Iterator[RecordRef]:
    """Records in the binary fields of a piece of an event (no closing ``</Event>``): each
    ``<Data>``/``<Binary>`` element is parsed on its own, with the provenance of a ``<System>``
    block when one is there. Yields nothing when the text has no such field with text in it."""
    import xml.etree.ElementTree as ET  # here, not at the top: `whea decode` of a binary file
    # sniffs every reader, and the XML parser is a tenth of its start-up
    info = EventInfo()
    system = _SYSTEM_OPEN.search(text)
    close = _SYSTEM_CLOSE.search(text, system.end()) if system else None
    if system and close:
        try:
            parse_system(ET.fromstring(text[system.start():close.end()]), info)
        except (ET.ParseError, ValueError, RecursionError, MemoryError) as exc:
            # (no line and column: expat's count inside the block, not the file's; the block's
            # byte offset says where)
            reason = re.sub(r": line \d+, column \d+$", "", str(exc))[:120]
            on_problem(Problem(path, offset_of(system.start()), f"the <System> block is not well-formed "
                                                                 f"XML ({reason}); left out", "warning"))
    collector = EventCollector(path, name, on_problem)
    issues, info.issues = info.issues, []
    for m in _FRAGMENT_ELEMENT.finditer(text):
        try:
            elem = ET.fromstring(m.group())
        except (ET.ParseError, ValueError, RecursionError, MemoryError) as exc:
            collector.report(offset_of(m.start()), f"{m.group()[:60]!r} is not well-formed XML "
                                                    f"({str(exc)[:120]}); skipped", "error")
            continue
        holder = ET.Element("EventData")
        holder.append(elem)
        one = replace(info, binaries=[], issues=issues)
        issues = []  # the System block's issues are reported once, with the first field
        parse_binaries(holder, one)
        if one.binaries or one.issues:
            yield from collector.refs(one, offset_of(m.start()))
    collector.finish()


def event_spans(text: str) -> Iterator[tuple[int, int | None]]:
    """(start, end) of each ``<Event`` element in one linear pass; end is None for an event that
    is not closed before the next one starts (or before the end of the text)."""
    closes = _CLOSE.finditer(text)
    close = next(closes, None)
    opens = _OPEN.finditer(text)
    start = next(opens, None)
    while start is not None:
        while close is not None and close.start() < start.start():
            close = next(closes, None)  # a stray closing tag
        following = next(opens, None)
        if close is None or (following is not None and following.start() < close.start()):
            yield start.start(), None
        else:
            yield start.start(), close.end()
            close = next(closes, None)
        start = following


_XMLNS = re.compile(r'\sxmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*(?:"[^"<]*"|\'[^\'<]*\')')
MAX_PROLOGUE = 1 << 20  # where namespace declarations for the events are looked for


def _with_outer_namespaces(text: str, start: int, end: int, exc, outer: dict):
    """An event whose prefix is declared on an element around it (``<ev:Events xmlns:ev=…>``):
    parsed alone it has an unbound prefix; parsed inside an element carrying the namespace
    declarations written before the first event (found once, in at most MAX_PROLOGUE
    characters), it is the same element as in the whole document. None when that is not the
    fault or does not help."""
    if "unbound prefix" not in str(exc):
        return None
    import xml.etree.ElementTree as ET
    if "decls" not in outer:
        first = _OPEN.search(text)
        stop = first.start() if first else 0
        outer["decls"] = " ".join(m.group().strip() for m in _XMLNS.finditer(text, max(0, stop - MAX_PROLOGUE), stop))
    decls = outer["decls"]
    if not decls:
        return None
    try:
        outer = ET.fromstring(f"<outer {decls}>{text[start:end]}</outer>")
    except (ET.ParseError, ValueError):
        return None
    return outer[0] if len(outer) else None


def _where_in_file(text: str, start: int, exc) -> str:
    """The parser's complaint with the line and column of the file, not of the event cut out of
    it (F7-17: "line 1, column 291" of an event on line 11)."""
    reason = re.sub(r": line \d+, column \d+$", "", str(exc))
    line, column = getattr(exc, "position", (0, 0)) or (0, 0)
    if line < 1:
        return reason
    at = start
    for _ in range(line - 1):  # the start of the event's line ``line``
        nl = text.find("\n", at)
        if nl < 0:
            return reason
        at = nl + 1
    at += column
    file_line = text.count("\n", 0, at) + 1
    file_column = at - (text.rfind("\n", 0, at) + 1) + 1
    return f"{reason}: line {file_line}, column {file_column} of the file"


def events_from_text(text: str, path: str, on_problem, kind: str, *, offset_of=None
                     ) -> Iterator[RecordRef]:
    import xml.etree.ElementTree as ET  # see fragment_refs
    collector = EventCollector(path, kind, on_problem)
    found = broken = records = 0

    def report(offset: int, message: str) -> None:
        nonlocal broken
        broken += 1
        if broken <= MAX_EVENT_PROBLEMS:
            on_problem(Problem(path, offset, message, "error"))

    outer: dict = {}  # namespace declarations before the first event (_with_outer_namespaces)
    counted = [0, 1]  # (character index, its line): lines counted on from the last event

    def line_of(index: int) -> int:
        counted[1] += text.count("\n", counted[0], index)
        counted[0] = index
        return counted[1]

    for start, end in event_spans(text):
        found += 1
        offset = offset_of(start) if offset_of else start
        # named by its line: a count of events goes wrong where damage hid an event's start
        # (the fresh check: "event 197" was the 206th)
        what = f"the event on line {line_of(start)}"
        if end is None:
            report(offset, f"{what} has no closing </Event> before the next event or the end "
                           "of the file; skipped")
            continue
        try:
            elem = ET.fromstring(text[start:end])
        except ET.ParseError as exc:
            elem = _with_outer_namespaces(text, start, end, exc, outer)
            if elem is None:
                # its data fields may be whole where the damage is elsewhere (in <System>, say):
                # read on their own, as a piece of an event is (the fresh check lost them)
                pieces = list(fragment_refs(text[start:end], path, on_problem,
                                            lambda i, at=start: offset_of(at + i) if offset_of else at + i))
                report(offset, f"{what} is not well-formed XML ({_where_in_file(text, start, exc)}); "
                               + (f"its {len(pieces)} record data field(s) were read on their own"
                                  if pieces else "skipped"))
                records += len(pieces)
                yield from pieces
                continue
        except (ValueError, RecursionError, MemoryError) as exc:  # e.g. expat refusing the text
            report(offset, f"{what} cannot be parsed ({type(exc).__name__}: {str(exc)[:120]}); "
                           "skipped")
            continue
        for ref in collector.refs(parse_event(elem), offset):
            records += 1
            yield ref
    if found and not records:
        on_problem(Problem(path, 0, f"{found} event(s) read and none holds record data (a RawData or "
                                    "Binary field); nothing to decode", "warning"))
    if broken > MAX_EVENT_PROBLEMS:
        on_problem(Problem(path, None, f"{broken - MAX_EVENT_PROBLEMS} more events are unclosed or not "
                                       "well-formed; skipped", "error"))
    if not found:
        on_problem(Problem(path, 0, "no <Event> elements found", "warning"))
    collector.finish()
