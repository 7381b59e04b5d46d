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


def text_codec(raw: bytes) -> tuple[str, int]:
    """(codec, byte-order-mark length) of a file's text: UTF-8 / UTF-16 / UTF-32 by BOM, UTF-16
    and UTF-32 (either byte order) without BOM by their NUL patterns, else UTF-8 ("latin-1"
    when it is not valid UTF-8). One answer for the text and for its byte offsets."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    if raw.startswith(b"\xff\xfe\x00\x00"):
        return "utf-32-le", 4
    if raw.startswith(b"\x00\x00\xfe\xff"):
        return "utf-32-be", 4
    if raw.startswith(b"\xff\xfe"):
        return "utf-16-le", 2
    if raw.startswith(b"\xfe\xff"):
        return "utf-16-be", 2
    sample = raw[:512]
    if len(sample) >= 8 and not any(sample[1::4] + sample[2::4]):  # UTF-32 of text: 2 NULs in 4
        le = any(sample[0::4])
        if not any(sample[3::4] if le else sample[0::4]):
            return ("utf-32-le" if le else "utf-32-be"), 0
    # UTF-16 of text: a NUL in every other byte. The other bytes hold none in the first 64 (a
    # byte inserted or deleted further on swaps the NULs' side: the fresh check's UTF-16 text
    # damaged at byte 427 was read as Latin-1 with "2,123 NULs inserted"), and far fewer in all
    head = sample[:64]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if len(sample) >= 4 and odd > len(sample) // 4 and not head[0::2].count(0) and even < odd // 2:
        return "utf-16-le", 0
    if len(sample) >= 4 and even > len(sample) // 4 and not head[1::2].count(0) and odd < even // 2:
        return "utf-16-be", 0  # (big-endian: the NUL comes first)
    try:
        raw.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError:
        return "latin-1", 0


def decode_text(raw: bytes) -> str:
    """Text of a file (``text_codec``); undecodable bytes as U+FFFD."""
    return decode_text_strays(raw)[0]


def decode_text_strays(raw: bytes) -> tuple[str, list[int]]:
    """``decode_text`` and the indexes in it of the U+FFFD that each stand for one stray byte
    of UTF-16 text (``utf16_strays``; every other character stands for whole code units)."""
    codec, bom = text_codec(raw)
    strays = utf16_strays(raw, codec, bom) if codec.startswith("utf-16") else []
    if not strays:
        return raw[bom:].decode(codec, "replace"), []
    parts, at, pos = [], [], bom
    length = 0
    for stray in strays:
        part = raw[pos:stray].decode(codec, "replace")
        parts.append(part)
        length += len(part)
        at.append(length)
        parts.append("\ufffd")
        length += 1
        pos = stray + 1
    parts.append(raw[pos:].decode(codec, "replace"))
    return "".join(parts), at


# resynchronisations per file: a damaged file may have many (64 lost every record after the
# 64th, the fresh check); each costs a scan of a window that starts small, so time stays linear
MAX_STRAYS = 1 << 16
_SHIFTED_RUN = 8  # ASCII characters read one byte off, in a row, that tell a lost alignment
_FIRST_WINDOW = 4096
_SCAN_WINDOW = 1 << 20


def utf16_strays(raw: bytes, codec: str, bom: int) -> list[int]:
    """Byte offsets of stray bytes in UTF-16 text: where one byte was inserted or deleted, the
    ASCII characters after it read one byte off ("A\\0" as "\\0A": U+4100, CJK), so a whole
    hex dump or event after the damage was lost, and the text judged not to be text (F7-12).
    The first of a run of such characters marks it; decoding goes on from the byte after."""
    import numpy as np

    printable = np.zeros(256, bool)
    printable[0x20:0x7F] = True
    printable[[9, 10, 13]] = True
    big = codec.endswith("be")
    strays: list[int] = []
    pos, window = bom, _FIRST_WINDOW
    while pos + 2 * _SHIFTED_RUN <= len(raw) and len(strays) < MAX_STRAYS:
        end = min(len(raw), pos + window + 2 * _SHIFTED_RUN)
        end -= (end - pos) % 2
        a = np.frombuffer(raw, np.uint8, count=end - pos, offset=pos)
        first, second = a[0::2], a[1::2]
        # a code unit whose ASCII byte sits where the NUL belongs, and its NUL where the
        # next character's ASCII byte belongs
        shifted = (first == 0) & printable[second] if not big else (second == 0) & printable[first]
        runs = np.convolve(shifted, np.ones(_SHIFTED_RUN, np.int8), "valid") >= _SHIFTED_RUN \
            if len(shifted) >= _SHIFTED_RUN else np.zeros(0, bool)
        hit = np.flatnonzero(runs)
        if len(hit):
            unit = int(hit[0])
            # the stray byte: the last before the run's first unit that keeps the run aligned
            stray = pos + 2 * unit
            strays.append(stray)
            pos, window = stray + 1, _FIRST_WINDOW
            continue
        if end >= len(raw) - 1:
            break
        pos = end - 2 * _SHIFTED_RUN  # (a run across the window's end is found next time)
        window = min(2 * window, _SCAN_WINDOW)
    return strays


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
