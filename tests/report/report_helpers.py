"""Shared inputs and readers for the report tests: real vectors, generated timelines, hostile
text, and a small HTML parser that keeps element text by id/class."""

from __future__ import annotations

import datetime as dt
import re
import struct
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from whea_gui.compose.generate import RepeatFault, Storm, generate_timeline

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
MALFORMED = VECTORS / "malformed"
FIXED_AT = "2025-06-01T12:00:00Z"

HOSTILE_FRU = '"><script>x</script>'[:20]
HOSTILE_PATH = "<script>alert('path')</script>|**bold**|=cmd()"
HOSTILE_HOST = '"><img src=x onerror=alert(1)>'


def dwr_files() -> list[Path]:
    return sorted(DWR.glob("*.bin"))


@cache
def timeline(count: int = 120, seed: int = 5):
    """A generated fleet timeline with a storm (40 PCIe errors in 4 minutes) and a DIMM that
    fails 14 times in 20 hours, over two hosts."""
    return generate_timeline(None, count, seed, storm=Storm(count=40, duration=dt.timedelta(minutes=4)),
                             repeat=RepeatFault(), hosts=["node-a", "node-b"])


def timeline_items(count: int = 120, seed: int = 5) -> list[tuple[bytes, dict]]:
    return [(g.data, {"path": f"gen-{g.host}.bin", "offset": i * 4096, "host": g.host})
            for i, g in enumerate(timeline(count, seed))]


def hostile_record() -> bytes:
    """A generated memory record whose first descriptor's FRU text is markup, marked valid."""
    data = bytearray(generate_timeline(["memory"], 1, 9)[0].data)
    d = 128
    data[d + 52:d + 72] = HOSTILE_FRU.encode("latin-1").ljust(20, b"\0")
    data[d + 10] |= 2
    assert struct.unpack_from("<H", data, 10)[0] >= 1
    return bytes(data)


class Page(HTMLParser):
    """Text of every element with an id, the attributes seen, and the tags used."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.by_id: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []
        self.all_text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("meta", "br", "img", "link", "input", "hr"):
            return
        self._open.append((tag, a.get("id")))
        if a.get("id"):
            self.by_id.setdefault(a["id"], [])

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        self.all_text.append(data)
        for _, ident in self._open:
            if ident:
                self.by_id[ident].append(data)

    def text(self, ident: str) -> str:
        return squash(" ".join(self.by_id.get(ident, [])))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def table_rows(html_fragment: str) -> list[list[str]]:
    """Cell texts of every <tr> in a fragment."""
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html_fragment, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.S)
        rows.append([squash("".join(Page(c).all_text)) for c in cells])
    return rows


def article(html: str, index: int) -> str:
    """The HTML of record ``index``'s detail article."""
    m = re.search(rf'<article class="[^"]*" id="record-{index}">(.*?)</article>', html, flags=re.S)
    assert m, f"no article for record {index}"
    return m.group(1)
