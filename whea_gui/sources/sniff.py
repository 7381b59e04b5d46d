"""How the text readers recognise their input from its first bytes, in a module light to import.

Every run judges its input with every reader's ``sniff``; the text readers (``hextext``,
``eventxml``, ``redfish``) are heavy to import (their parsers), so the registry takes their
sniffs from here and imports a text reader only when it wins. The reader modules use these same
functions as their own ``sniff``: one definition each.
"""

from __future__ import annotations

import re

from .carve import SIGNATURES

EVENT_NS = "schemas.microsoft.com/win/2004/08/events/event"
# what a piece of an event copied out of Event Viewer starts with: the event, its EventData,
# one data field or a classic <Binary>, on one line or many, with or without <System>
_FRAGMENT_TAG = re.compile(r"<(?:Event|EventData|UserData|Binary)[\s/>]|<Data\s+Name\s*=")
_EVENT_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Events?[\s>]")  # (a namespace prefix allowed)
_JSON_START = re.compile(r'\ufeff?\s*(?:\{\s*(?:["}]|$)|\[\s*(?:[\[{"\]]|$))')


def decode_text(raw: bytes) -> str:
    """Text of a file: UTF-8 / UTF-16 by BOM, UTF-16 (either byte order) without BOM by its NUL
    pattern."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    sample = raw[:512]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and not sample[0::2].count(0):
        return raw.decode("utf-16-le", "replace")
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4 and not sample[1::2].count(0):
        return raw.decode("utf-16-be", "replace")  # (big-endian: the NUL comes first)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def looks_like_text(head: bytes) -> bool:
    """Mostly printable text. NULs (a stray one from a copy, a zero-filled block from a crash
    or a pre-allocated file) are not counted against it while at least half the head is other
    characters: a binary record's other bytes are far from all printable."""
    if not head:
        return False
    text = decode_text(head)
    nuls = text.count("\0")
    rest = len(text) - nuls
    if 2 * rest < len(text):
        return False
    printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
    return printable >= 0.95 * rest


def text_sniff(head: bytes, path: str = "") -> int:
    """Hex dumps, base64, pasted text (``hextext``)."""
    return 30 if head[:4] not in SIGNATURES and looks_like_text(head) else 0


def event_xml_sniff(head: bytes, path: str = "") -> int:
    """Windows events as XML (``eventxml``)."""
    text = decode_text(head)
    if (EVENT_NS in text or "<Events>" in text or "<Events " in text) and _EVENT_TAG.search(text):
        return 80
    if _FRAGMENT_TAG.search(text):
        return 75  # below Redfish JSON (80), whose messages may quote XML
    return 0


def json_sniff(head: bytes, path: str = "") -> int:
    """Any JSON document is claimed (``redfish``; by its shape, not by markers in the first
    bytes, which may hold only a long description): the reader says when it holds no Redfish
    LogEntry, so a JSON file is never decoded as record bytes from its own text."""
    return 80 if _JSON_START.match(decode_text(head)) else 0
