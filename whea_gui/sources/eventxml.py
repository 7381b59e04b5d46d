"""Windows event XML: Event Viewer "Save as XML", ``wevtutil qe /f:xml`` and copied event text.

Each ``<Event>`` element is parsed on its own, so the file may have an ``<Events>`` root or
none (wevtutil prints bare events one after another), be UTF-8 or UTF-16, and one broken event
loses only itself. Offsets are byte offsets of the ``<Event`` tag in the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from .base import Problem, RecordRef
from .hextext import decode_text
from .winevent import EventCollector, parse_event

name = "eventxml"
EVENT_NS = "schemas.microsoft.com/win/2004/08/events/event"
_EVENT = re.compile(r"<Event[\s>].*?</Event\s*>", re.S)


def sniff(head: bytes, path: str = "") -> int:
    text = decode_text(head)
    if "<Event" in text and (EVENT_NS in text or "<Events>" in text or "<Events " in text):
        return 80
    return 0


def _encoding(data: bytes) -> tuple[str, int]:
    """(codec, bytes per char for offset arithmetic or 0 for variable width), after any BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", 2
    sample = data[:512]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and not sample[0::2].count(0):
        return "utf-16-le", 2
    return "utf-8", 0


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    codec, width = _encoding(data)
    bom = 2 if codec == "utf-16" else 3 if data.startswith(b"\xef\xbb\xbf") else 0
    text = decode_text(data)
    yield from events_from_text(text, path, on_problem, name,
                                offset_of=_offsets(text, width, bom))


def _offsets(text: str, width: int, bom: int):
    """Character index → byte offset in the file (incremental for UTF-8)."""
    state = {"char": 0, "byte": bom}

    def offset_of(index: int) -> int:
        if width:
            return bom + width * index
        state["byte"] += len(text[state["char"]:index].encode("utf-8"))
        state["char"] = index
        return state["byte"]
    return offset_of


def events_from_text(text: str, path: str, on_problem, kind: str, *, offset_of=None
                     ) -> Iterator[RecordRef]:
    collector = EventCollector(path, kind, on_problem)
    found = 0
    for m in _EVENT.finditer(text):
        found += 1
        offset = offset_of(m.start()) if offset_of else m.start()
        try:
            elem = ET.fromstring(m.group(0))
        except ET.ParseError as exc:
            on_problem(Problem(path, offset, f"event {found} is not well-formed XML ({exc}); "
                                             "skipped", "error"))
            continue
        yield from collector.refs(parse_event(elem), offset)
    if not found:
        on_problem(Problem(path, 0, "no <Event> elements found", "warning"))
    collector.finish()
