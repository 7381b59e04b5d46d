"""Text holding record bytes: hex dumps in any common style, loose hex, and base64.

This one parser serves text files, ``whea decode -`` and the window's paste and drop.

Understood styles (``hexlines`` reads each line; this module puts lines together):
  * ``hexdump -C`` / ``-Cv``, ``hexdump`` (16-bit words), ``od`` with hex, octal or decimal
    offsets (``-A x``, default, ``-A d``; ``-t x1``, ``-t x1z``, ``-t x2``/``x4``), ``xxd``,
    ``xxd -a``, ``xxd -g N``, ``xxd -p``;
  * WinDbg ``db`` (``ff-ff`` in the middle), ``dw``/``dd``/``dq``/``dc`` (little-endian words,
    put back in memory order; ``dq`` values may contain a backtick);
  * Event Viewer "In Bytes" (``0000: 43 50 45 52 …``) and "In Words" (``0000: 52455043 …``:
    little-endian dwords), an XML fragment ``<Data Name="RawData">…</Data>`` / ``<Binary>``;
  * forum posts: spaces, newlines, ``0x`` prefixes, ``\\x``, commas, colons, C arrays, labels;
  * base64, whole or wrapped (PowerShell, python-evtx, Redfish exports).

Offsets place the bytes. A ``*`` line stands for copies of the line above up to the next offset
shown (never more than ``EXPAND_LIMIT`` bytes per text); an offset alone ends a dump (its total
length). Whole rows missing inside a record the dump began (the next row's offset places every
later byte) are read as 00 and marked unread, like a redacted row; the row just above repeated
is dropped (the same bytes: a warning; other bytes: an error, the first kept). Any other offset
that goes back or skips bytes without ``*``, or a ``*`` that cannot be filled, is reported with
its line and splits the dump there: nothing is merged by guesswork. Whether
offsets are hex, octal (``od``'s default) or decimal is decided by which base makes the offsets
follow the byte counts. Text that is not hex next to hex is reported with its line and column;
the hex around it is kept. Time is linear in the text; memory is the text plus the bytes.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..decode.boundary import whole_records
from ._lazy_re import lazy_compile
from .base import Problem, RecordRef
from .carve import MAX_RECORD, MAX_WHLG, SIGNATURES, carve, plausible_length
from .hexlines import (
    STAR,
    Bare,
    Base64Line,
    Loose,
    Prose,
    Row,
    as_prose,
    ascii_matches,
    classify,
    parse_loose,
)
from .raw import SMALL_FILE
from .sniff import decode_text, looks_like_text  # noqa: F401 - looks_like_text: this module's API
from .sniff import text_sniff as sniff  # noqa: F401 - the reader's sniff

name = "text"

EXPAND_LIMIT = 16 << 20  # bytes that all the '*' lines of one text may stand for together
SHORT_RUN = 64 << 10  # a '*' run up to this long is made in full; a longer one only where a record may reach
DAMAGED_REACH = 64 << 10  # bytes a header too damaged to give its length may reach past its claim
PENDING_LIMIT = 64  # dump lines read before the base of their offsets must be decided
MAX_PROBLEMS = 200  # problems listed for one text; the rest are counted
UNREAD_LISTED = 20  # runs of unread bytes named on one record (the total is given too)
MAX_UNKNOWN_RANGES = 1000  # runs of unreadable bytes kept apart in one block; then merged
_LEVELS = ("error", "warning", "note")
_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
NO_DATA = "the text holds no hex or base64 record data (nor event XML with it); nothing to decode"
_B64_LINE = lazy_compile(r"[A-Za-z0-9+/]+={0,2}")
_NOT_B64 = lazy_compile(r"[^A-Za-z0-9+/]")  # '=' too: inside the body it is damage
_SPACE = lazy_compile(r"\s")


@dataclass(slots=True)
class TextProblem:
    line: int
    message: str
    level: str = "warning"  # "error" when bytes the text meant to give are missing

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Block:
    """Decoded bytes from one run of text lines, with where each byte came from."""

    line: int  # 1-based line where it starts
    encoding: str  # "hex" | "base64"
    style: str  # e.g. "dump-8", "dump-32-le", "loose", "xml", "base64"
    data: bytes = b""
    # (position in data, line, bytes per line or 0, offset shown in the dump for that position)
    segments: list = field(default_factory=list)
    # a '*' run next to it was not made (it could hold no record byte): the block is a piece of
    # a bigger image, so records are carved from it as from an image, with no trailing bytes
    cut: bool = False
    # bytes the text did not give (a pair that is not hex, read as 00): (position in data,
    # length, line, column (0 for a '*' line), the token), adjacent ones merged
    unknown: list = field(default_factory=list)

    def unknown_in(self, start: int, end: int) -> list:
        """The unread bytes in ``data[start:end]``: (offset from ``start``, length, line, column,
        token, dump offset or None)."""
        out = []
        for pos, length, line, column, token in self.unknown:
            lo, hi = max(pos, start), min(pos + length, end)
            if lo < hi:
                out.append((lo - start, hi - lo, line, column, token, self.dump_offset_at(lo)))
        return out

    def _segment(self, pos: int):
        starts = self.__dict__.get("_starts")
        if starts is None or len(starts) != len(self.segments):
            starts = self.__dict__["_starts"] = [s[0] for s in self.segments]
        i = bisect.bisect_right(starts, pos) - 1
        return self.segments[max(i, 0)] if self.segments else (0, self.line, 0, None)

    def line_at(self, pos: int) -> int:
        """The text line that holds byte ``pos`` of ``data``."""
        start, line, stride, _ = self._segment(pos)
        return line + (pos - start) // stride if stride else line

    def dump_offset_at(self, pos: int) -> int | None:
        """The offset/address the dump shows for byte ``pos`` (None for loose hex, base64)."""
        start, _, _, offset = self._segment(pos)
        return None if offset is None else offset + pos - start


@dataclass
class TextScan:
    blocks: list[Block]
    problems: list[TextProblem]


def scan_text(text: str, *, expand_limit: int = EXPAND_LIMIT) -> TextScan:
    """Every block of record bytes in ``text`` and every problem found, by line."""
    decimal = _decimal_list(text)
    if decimal is not None:
        return decimal
    scan = _Scanner(expand_limit).run(text)
    if not any(sig in b.data for b in scan.blocks for sig in SIGNATURES):
        # base64 wrapped at odd places reads line by line as nothing useful: try it whole
        whole = _whole_base64(text)
        if whole is not None and (whole.data[:4] in SIGNATURES or not scan.blocks):
            return TextScan([whole], [])
    return scan


def parse_blocks(text: str) -> list[Block]:
    return scan_text(text).blocks


def parse_pasted_text(text: str) -> bytes:
    """The bytes in pasted text (any style above); several blocks are joined in order.

    Raises ValueError with a plain message when the text holds no hex or base64 data.
    """
    scan = scan_text(text)
    if not scan.blocks:
        raise ValueError(no_data_message(scan))
    return b"".join(b.data for b in scan.blocks)


def no_data_message(scan: TextScan) -> str:
    first = f" ({scan.problems[0]})" if scan.problems else ""
    return f"No hex or base64 data found in the pasted text{first}"


# -- decimal byte lists -------------------------------------------------------------------------
DECIMAL_MIN_LINES = 128  # fewer decimal numbers are not taken for a record's bytes
_DECIMAL_TEXT = lazy_compile(r"[0-9 \t\r\n]*")
_DECIMAL_LINE = lazy_compile(r"[ \t]*([0-9]{1,3})[ \t]*")
# Format-Hex (PowerShell 5 and 7) prints this column header above its rows
FORMAT_HEX_HEADER = " ".join(f"{i:02X}" for i in range(16))


def _decimal_list(text: str) -> TextScan | None:
    """A PowerShell byte array as printed (``[IO.File]::ReadAllBytes(...)``: one decimal value
    per line), or None when ``text`` is not one. Lines of one to three digits with mixed widths
    are decimal (one-byte-per-line hex has two characters on every line); such a list is read
    as bytes when it has at least DECIMAL_MIN_LINES values, all 0–255, and otherwise reported
    once instead of line by line."""
    if not _DECIMAL_TEXT.fullmatch(text) or not text.strip():
        return None
    data = bytearray()
    segments: list = []
    widths = set()
    first = bad = None
    for no, line in _lines(text):
        if not line.strip():
            continue
        m = _DECIMAL_LINE.fullmatch(line)
        if m is None:
            return None  # several numbers on a line: not this format
        digits = m.group(1)
        widths.add(len(digits))
        if first is None:
            first = no
        if int(digits) > 255 and bad is None:
            bad = (no, digits)
        if not segments or segments[-1][1] + len(data) - segments[-1][0] != no:
            segments.append((len(data), no, 1, None))
        data.append(int(digits) & 0xFF)
    if widths == {2}:
        return None  # e.g. "xxd -p -c1" of bytes that happen to be all digits: hex
    if bad is not None or len(data) < DECIMAL_MIN_LINES:
        why = (f"line {bad[0]} holds {bad[1]}, which is not a byte (0–255)" if bad is not None else
               f"only {len(data)} values; a record has at least {DECIMAL_MIN_LINES} bytes")
        return TextScan([], [TextProblem(first or 1, f"{len(data)} lines of decimal numbers are not a "
                                         f"byte list that can be read ({why}); nothing to decode",
                                         "error")])
    block = Block(first, "decimal", "decimal", bytes(data))
    block.segments = segments
    return TextScan([block], [])


# -- the scanner --------------------------------------------------------------------------------
def _not_base64(text: str) -> bool:
    """A line after loose hex that base64 would misread: placeholder pairs only, or three
    quarters hex digits or more (base64 has a third) and no record signature in base64."""
    if text.startswith(("Q1BFU", "V2hMZ")) or len(text) < 8 or len(text) % 2:
        return False
    return _placeholder_line(text) or sum(c in _HEX_CHARS for c in text) * 4 >= len(text) * 3


def _placeholder_line(text: str) -> bool:
    """A line that repeats one two-character token that is not a hex byte ("xx", "zz", "g1")."""
    pair = text[:2]
    return (len(text) >= 8 and len(text) % 2 == 0 and text == pair * (len(text) // 2)
            and not all(c in _HEX_CHARS for c in pair))


class _Builder:
    """The bytes of one block as lines are added, and a compact byte → line map."""

    def __init__(self, line: int, encoding: str, style: str, *, words: int = 0,
                 written_order: bool = False) -> None:
        self.block = Block(line, encoding, style)
        self.mem = bytearray()
        self.written = bytearray() if words else None
        self.word_bytes = words
        self.written_order = written_order
        self.votes = {"le": 0, "written": 0}  # rows whose ASCII column shows that byte order
        self.scanned = 0  # bytes searched for signatures by ``reach``
        self.reach_done = 0  # the reach of the signatures in the bytes searched

    def reach(self, unit: Row) -> int:
        """The dump offset up to which a record whose signature is in this block so far may
        run: its RecordLength (WhLg: Length) when the header is plausible, else what its fields
        claim plus DAMAGED_REACH. ``unit`` (the line a '*' repeats) completes a header that
        the block's last bytes begin. 0 when the block holds no signature."""
        best = self.reach_done
        base = self.block.segments[0][3] if self.block.segments else 0
        orders = [self.mem] if self.written is None else [self.mem, self.written]
        start = max(0, self.scanned - 3)
        settled = len(self.mem) - 160  # a header starting after this is completed by the run
        for buf, tail in zip(orders, [unit.mem, unit.written]):
            for sig in SIGNATURES:
                p = buf.find(sig, start)
                while p >= 0:
                    probe = bytes(buf[p:p + 160])
                    if len(probe) < 160:
                        probe += tail * (-(-(160 - len(probe)) // max(len(tail), 1)))
                    end = base + p + _extent(probe)
                    best = max(best, end)
                    if p <= settled:
                        self.reach_done = max(self.reach_done, end)
                    p = buf.find(sig, p + 1)
        self.scanned = max(self.scanned, settled + 1, 0)
        return best

    def vote(self, order: str) -> None:
        if order:
            self.votes[order] += 1

    def add(self, mem: bytes, written: bytes | None, line: int, offset: int | None,
            stride: int | None = None) -> None:
        pos = len(self.mem)
        stride = len(mem) if stride is None else stride
        segs = self.block.segments
        if segs:
            p0, l0, s0, o0 = segs[-1]
            same = (s0 and s0 == stride and (pos - p0) % s0 == 0 and line == l0 + (pos - p0) // s0
                    and (o0 is None) == (offset is None) and (offset is None or offset == o0 + pos - p0))
        else:
            same = False
        if not same:
            segs.append((pos, line, stride, offset))
        self.mem += mem
        if self.written is not None:
            self.written += written if written is not None else mem

    def mark_unknown(self, pos: int, length: int, line: int, column: int, token: str) -> None:
        marks = self.block.unknown
        # a run missing from the text ("" token) and bytes the text shows wrongly are kept apart
        if marks and marks[-1][0] + marks[-1][1] >= pos and (marks[-1][4] == "") == (token == ""):
            last = marks[-1]
            marks[-1] = (last[0], max(last[1], pos + length - last[0]), *last[2:])
        elif len(marks) >= MAX_UNKNOWN_RANGES:  # hostile: the last range grows over the rest
            last = marks[-1]
            marks[-1] = (last[0], pos + length - last[0], *last[2:])
        else:
            marks.append((pos, length, line, column, token))

    def trim(self, count: int) -> None:
        del self.mem[len(self.mem) - count:]
        if self.written is not None:
            del self.written[len(self.written) - count:]

    def finish(self, problems: list[TextProblem]) -> Block:
        block = self.block
        data = bytes(self.mem)
        if self.written is not None:
            written = bytes(self.written)
            le, as_written = self.votes["le"], self.votes["written"]
            if le != as_written and (as_written > le) != self.written_order:
                # the ASCII column says which order the words are in (xxd -e against xxd -g4)
                self.written_order = as_written > le
                stem, _ = block.style.rsplit("-", 1)
                block.style = f"{stem}-{'bytes' if self.written_order else 'le'}"
            first, other = (written, data) if self.written_order else (data, written)
            if first[:4] not in SIGNATURES and other[:4] in SIGNATURES:
                first = other  # e.g. "xxd -g4" looks like "In Words" but is in byte order
                stem, order = block.style.rsplit("-", 1)
                block.style = f"{stem}-{'bytes' if order == 'le' else 'le'}"
            data = first
            declared = _declared_length(data)
            # a word dump cannot stop inside a word: the last word may run past the record
            if declared is not None and len(data) - self.word_bytes < declared < len(data):
                problems.append(TextProblem(
                    block.line_at(declared), f"the word dump ends {len(data) - declared} bytes after "
                    f"the record's length ({declared}); those bytes fill the last word and are left out",
                    "note"))
                data = data[:declared]
        block.data = data
        return block


def _extent(head: bytes) -> int:
    """How many bytes the record whose header begins ``head`` may take (see _Builder.reach)."""
    length = plausible_length(head, 0, len(head))
    if length is not None:
        return length
    claim = 0
    if head[:4] == b"CPER" and len(head) >= 24:
        count, = struct.unpack_from("<H", head, 10)
        declared, = struct.unpack_from("<I", head, 20)
        claim = max(128 + 72 * count, declared if declared <= MAX_RECORD else 0)
    elif len(head) >= 12:
        declared, = struct.unpack_from("<I", head, 8)
        claim = declared if declared <= MAX_WHLG else 0
    return claim + DAMAGED_REACH


def _starts_record(row: Row) -> bool:
    """Does a dump row begin with a record signature (in either byte order of a word row)?"""
    return row.mem[:4] in SIGNATURES or row.written[:4] in SIGNATURES


def _holds_signature(data: bytes) -> bool:
    return any(sig in data for sig in SIGNATURES)


def _may_begin_signature(data: bytes) -> bool:
    """Do the last bytes of ``data`` begin a signature (so the next bytes could complete it)?"""
    return any(data.endswith(sig[:k]) for sig in SIGNATURES for k in (1, 2, 3))


def _declared_length(data: bytes) -> int | None:
    if len(data) >= 24 and data[:4] == b"CPER":
        return struct.unpack_from("<I", data, 20)[0]
    if len(data) >= 12 and data[:4] == b"WhLg":
        return struct.unpack_from("<I", data, 8)[0]
    return None


def _fmt(offset: int) -> str:
    return f"0x{offset:x}"


def _splice(text: str, at: list[int], fill: str) -> str:
    """``text`` with the characters at the positions ``at`` replaced by ``fill``."""
    pieces, last = [], 0
    for i in sorted(at):
        pieces += [text[last:i], fill]
        last = i + 1
    return "".join(pieces) + text[last:]


def _quote(text: str, limit: int = 40) -> str:
    text = text if len(text) <= limit else text[:limit] + "…"
    return repr(text)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based number, line) split at \\n only (a lone \\r too), without building a list."""
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    start, no, n = 0, 0, len(text)
    while start <= n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        no += 1
        line = text[start:end]
        yield no, line[:-1] if line.endswith("\r") else line
        start = end + 1


class _Scanner:
    def __init__(self, expand_limit: int) -> None:
        self.blocks: list[Block] = []
        self.problems: list[TextProblem] = []
        self.budget = expand_limit
        self.limit = expand_limit
        self.loose: _Builder | None = None
        self.b64: list[str] = []
        self.b64_line = 0
        self.b64_width = 0
        self.b64_chars = 0
        self.b64_need = 0  # characters a block needs when its first line starts a CPER record
        self.b64_bad: list[tuple[int, int, int, str]] = []  # damaged lines: (index, line, column, what)
        self.b64_marks: list[tuple] = []  # bytes of a repaired first line not read: Block.unknown entries
        self.dumps = _Dumps(self)
        self.unlisted = self.first_unlisted = 0
        self.unlisted_level = "note"
        self.orphan: Loose | None = None  # a dump row with no offset, until the next line says where
        # a base64-like line among a dump's rows (a word, a blob): read as base64, it would end
        # the dump and cut the record across it, unless the next row continues the offsets
        self.stray: Base64Line | Loose | None = None
        self.held_b64: tuple | None = None  # a damaged base64 line, until the next line says what it is

    def problem(self, line: int, message: str, level: str = "warning") -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(TextProblem(line, message, level))
            return
        if not self.unlisted:
            self.first_unlisted = line
        self.unlisted += 1
        if _LEVELS.index(level) < _LEVELS.index(self.unlisted_level):
            self.unlisted_level = level

    def run(self, text: str) -> TextScan:
        for no, line in _lines(text):
            if not line.strip():  # a blank line ends loose hex and base64, not a dump
                self.flush_orphan()
                if self.dumps.key is not None and self.dumps.base is None:
                    self.dumps.end()  # undecided lines may turn out to be loose hex
                self.close_loose()
                self.close_b64()
                continue
            if line[:1].isspace() and len(line) < 200 and line.strip().upper() == FORMAT_HEX_HEADER \
                    and self.loose is None:
                # Format-Hex's column header (indented under its Path/Label line), not bytes; the
                # same 16 bytes inside loose hex, or flush left, are a record's bytes
                continue
            if self.held_b64 is not None:
                self.settle_held_b64(line, no)
            if self.stray is not None and self.settle_stray(line, no):
                continue
            if self.b64 and self._continues_b64(line):
                self.b64.append(line.strip())  # a wrapped line that happens to be all hex ("AAAA…")
                self.b64_chars += len(self.b64[-1])
                continue
            if self.b64 and self._damaged_b64(line, no):
                continue
            item = classify(line, no)
            if item is STAR and self.dumps.line_before and not self.dumps.row_before:
                # a '*' below a line that is no row (kept for when the '*' is placed: it may
                # wait until later lines decide the offsets' base)
                self.dumps.star_before[no] = self.dumps.line_before
            self.feed(item, no)
            self.dumps.line_before = no
            self.dumps.row_before = item is STAR or isinstance(item, Row)
        self.flush_orphan()
        self.dumps.end()
        self.close_loose()
        self.close_b64()
        self.blocks.sort(key=lambda b: b.line)  # dump blocks can close after later loose lines
        if self.unlisted:
            self.problems.append(TextProblem(self.first_unlisted, f"{self.unlisted} more problems from "
                                             "here on are not listed", self.unlisted_level))
        return TextScan(self.blocks, self.problems)

    def _held_b64_candidate(self, item: Prose) -> bool:
        """A line of base64 with a character or two damaged (not base64, or one inserted), where
        no base64 is open: the first line of wrapped base64, or a one-line base64 text. Held
        until the next line says which (``settle_held_b64``): read as prose, the lines after it
        that look like hex ("AAAA…") were read as hex and the record lost."""
        text = item.text.strip()
        if len(text) < 20 or _SPACE.search(text):
            return False
        body = text.rstrip("=")
        bad = []
        for found in _NOT_B64.finditer(body):  # stop at the third: a long line of prose is not
            bad.append(found.start())          # held, nor listed character by character (F7-2)
            if len(bad) > 2:
                return False
        if not bad or len(body) - len(bad) < 16:
            return False
        column = item.text.index(text) + bad[0] + 1
        self.held_b64 = (item, text, bad, column)
        return True

    def settle_held_b64(self, line: str | None, no: int) -> None:
        """Decide the held damaged base64 line (``_held_b64_candidate``) by the line after it
        (None: the text ends or a blank line follows)."""
        item, held, bad, column = self.held_b64
        self.held_b64 = None
        replaced = _splice(held, bad, "A")  # (slices: a 100 MB line went character by character)
        inserted = _splice(held, bad, "")
        text = (line or "").strip()
        width = len(text)  # a full line after it gives the width
        nxt_is_b64 = width % 4 == 0 and width >= 16 and _B64_CHARS.issuperset(text) \
            and _B64_LINE.fullmatch(text) is not None and width in (len(replaced), len(inserted))
        if nxt_is_b64:
            how = "replaced" if len(replaced) == width else "inserted"
        else:  # one line: the reading that gives more whole records (the other shifts the bytes)
            how = max(("replaced", "inserted"),
                      key=lambda h: whole_records(_b64(replaced if h == "replaced" else inserted) or b""))
        repaired = replaced if how == "replaced" else inserted
        what = f"{_quote(item.text.strip()[bad[0]])} is not base64"
        lead = item.text.index(item.text.strip())
        stripped = item.text.strip()
        marks = [(6 * i // 8, (6 * i + 5) // 8 - 6 * i // 8 + 1, item.line, lead + i + 1,
                  f"{_quote(stripped[i])} is not base64") for i in bad] if how == "replaced" else []
        said = ("read as zero bits; the bytes it held are marked" if how == "replaced"
                else "taken for an inserted character and left out")
        if nxt_is_b64:  # the first line of wrapped base64: the rest follows at its width
            self.b64_line, self.b64_width, self.b64_chars, self.b64_need = item.line, width, width, 0
            self.b64.append(repaired)
            self.b64_marks += marks
            self.problem(item.line, f"column {column}: {what}: {said} (the rest of the line is base64)", "error")
            return
        data = _b64(repaired) if len(repaired) >= 64 else b""
        if not data:
            self._say_prose(item)
            return
        # one line of base64 (`base64 -w0`) with a character or two damaged
        block = Block(item.line, "base64", "base64", data)
        block.segments.append((0, item.line, 0, None))
        block.unknown += marks
        self.problem(item.line, f"column {column}: {what}: {said} (the rest of the line is base64)", "error")
        self.blocks.append(block)

    def settle_stray(self, line: str, no: int) -> bool:
        """Decide the line held in ``stray`` by the line after it: True when that line is the
        dump's next row (the held line is left out, the row placed); otherwise the held line is
        read as it would have been, and this line is read as usual (False)."""
        stray, self.stray = self.stray, None
        item = classify(line, no)
        if isinstance(item, Row) and self.dumps.continues(item):
            what = _quote(stray.text) if stray.text else "the line"
            self.problem(stray.line, f"{what} between the rows of a dump is not part of it (the next row "
                                     "continues the offsets); left out")
            self.feed(item, no)
            return True
        self._feed(stray, stray.line)
        return False

    def feed(self, item, no: int) -> None:
        if (isinstance(item, Base64Line) or (isinstance(item, Loose) and not self.dumps.may_be_row(item))) \
                and self.dumps.continues_after():
            self.stray = item  # the next line tells whether the dump goes on past it
            return
        if self.orphan is not None:
            orphan, self.orphan = self.orphan, None
            if not (isinstance(item, Row) and self.dumps.place_orphan(orphan, item)):
                self._feed(orphan, orphan.line)  # as it would have been read without the wait
        if self.dumps.key is not None and isinstance(item, Loose) and self.dumps.may_be_row(item):
            self.orphan = item  # the next line tells whether it fits between the rows
            return
        self._feed(item, no)

    def _feed(self, item, no: int) -> None:
        if item is STAR:
            self.close_b64()
            self.dumps.star(no)
        elif isinstance(item, Row):
            self.close_b64()
            self.dumps.row(item)
        elif isinstance(item, Bare) and self.dumps.takes(item):
            self.dumps.bare(item)
        elif isinstance(item, Bare):
            self.dumps.end()
            self.loose_text(item.text, no)
        elif isinstance(item, Loose):
            if item.partial and len(item.data) < 4 and not self._continues_loose(item):
                self.prose(as_prose(item.text, item.line))  # a word that starts like hex: no dump end
                return
            self.dumps.end()
            self.add_loose(item)
        elif isinstance(item, Base64Line) and self.loose is not None and _not_base64(item.text):
            # right after loose hex, a line of one non-hex pair over and over ("xxxx…") or of hex
            # with a few pairs that are not ("g1abcdef…"), that starts no record in base64: a
            # redaction or garbled line between pastes; as base64 it took the next paste's hex
            # lines in and lost its record (fuzzing campaign 7, F7-3); the hex after it starts anew
            self.close_loose()
            what = (f"a line of {len(item.text) // 2} {_quote(item.text[:2])} pairs"
                    if _placeholder_line(item.text) else "a line of hex with pairs that are not hex")
            self.problem(no, f"{what} between hex lines: its place in the bytes is not known, so it "
                             "is left out; the hex after it is read on its own", "error")
        elif isinstance(item, Base64Line):
            self.dumps.end()
            self.close_loose()
            self.add_b64(item)
        else:
            self.prose(item)

    def flush_orphan(self) -> None:
        if self.held_b64 is not None:
            self.settle_held_b64(None, 0)
        if self.stray is not None:
            stray, self.stray = self.stray, None
            self._feed(stray, stray.line)
        if self.orphan is not None:
            orphan, self.orphan = self.orphan, None
            self._feed(orphan, orphan.line)

    def prose(self, item: Prose) -> None:
        self.close_loose()
        self.close_b64()
        if self._held_b64_candidate(item):
            return
        self._say_prose(item)

    def _say_prose(self, item: Prose) -> None:
        if item.hexlike:
            digits = sum(c in _HEX_CHARS for c in item.text)
            why = f"an odd number of hex digits ({digits})" if digits % 2 else "not whole hex bytes"
            self.problem(item.line, f"{_quote(item.text)} has {why}; left out")

    def loose_text(self, text: str, no: int) -> None:
        """A line first taken for a dump line, read again as loose hex."""
        loose = parse_loose(text, no)
        if loose is not None:
            self.add_loose(loose)
        else:
            self.prose(as_prose(text, no))

    def _continues_loose(self, item: Loose) -> bool:
        return self.loose is not None and self.loose.block.style == item.style == "loose"

    def add_loose(self, item: Loose) -> None:
        cont = self._continues_loose(item)
        if item.partial and len(item.data) < 4 and not cont:  # a word of prose that looks like hex
            self.prose(as_prose(item.text, item.line))
            return
        if not cont:
            self.close_loose()
            self.close_b64()
            self.loose = _Builder(item.line, "hex", item.style)
        start = len(self.loose.mem)
        self.loose.add(item.data, None, item.line, None)
        if item.unknown:
            self._loose_unknown(item, start)
        if item.stray:
            self.problem(item.line, f"column {item.column}: {_quote(item.stray)} after the hex is not "
                                    "hex bytes; left out")
        if item.style == "xml":
            self.close_loose()

    def _loose_unknown(self, item: Loose, start: int) -> None:
        """Name the pairs of a loose hex line that are not hex (read as 00, hexlines) and mark
        them, as in a dump row: the byte position places every byte after them."""
        for index, column, token in item.unknown:
            self.loose.mark_unknown(start + index, 1, item.line, column, token)
        index, column, token = item.unknown[0]
        more = (f" and {len(item.unknown) - 1} more up to column {item.unknown[-1][1]}"
                if len(item.unknown) > 1 else "")
        self.problem(item.line, f"column {column}: {_quote(token)} (byte {start + index} of the hex from "
                                f"line {self.loose.block.line}){more} is not a hex byte: read as 00 so the "
                                "bytes after it keep their places; a record that holds it is marked", "error")

    def close_loose(self) -> None:
        if self.loose is not None:
            block = self.loose.finish(self.problems)
            if block.data:
                self.blocks.append(block)
            self.loose = None

    def add_b64(self, item: Base64Line) -> None:
        # wrapped base64 has lines of one width and only the last one shorter; a line that ends
        # in padding, or that completes the record the block's first line began, ends a block
        # (one record per line, as `base64 -w0` writes them)
        if self.b64 and (len(item.text) > self.b64_width or len(self.b64[-1]) < self.b64_width
                         or self._next_record(item.text)):
            self.close_b64()
        if not self.b64 and len(item.text) < 16 and not _looks_base64(item.text):
            self.prose(as_prose(item.text, item.line))  # one word ("Information") is not base64
            return
        if not self.b64:
            self.b64_line, self.b64_width = item.line, len(item.text)
            self.b64_chars, self.b64_need = 0, _b64_record_chars(item.text)
        self.b64.append(item.text)
        self.b64_chars += len(item.text)

    def _next_record(self, text: str) -> bool:
        """``text`` starts another record: the block so far ended in padding or holds the whole
        record its first line began, and ``text`` begins with a CPER header of its own."""
        done = self.b64[-1].endswith("=") or bool(self.b64_need and self.b64_chars >= self.b64_need)
        return done and _b64_record_chars(text) > 0

    def _continues_b64(self, line: str) -> bool:
        text = line.strip()
        return (not self._next_record(text) and len(self.b64[-1]) == self.b64_width
                and len(text) <= self.b64_width
                and _B64_CHARS.issuperset(text) and _B64_LINE.fullmatch(text) is not None)

    def _damaged_b64(self, line: str, no: int) -> bool:
        """A line inside wrapped base64 with a character or two inserted, deleted or replaced
        (a line of another width, or non-base64 characters in it). Every whole line of a width
        divisible by 4 decodes to its own bytes, so the line is kept as zeros of its width (marked
        unread: the lines after it keep their places) instead of ending the block there and the
        lines after it being read as something else (hex, from their "AAAA…")."""
        text = line.strip()
        width = self.b64_width
        last = self.b64[-1]
        if (width % 4 == 0 and width >= 16 and len(self.b64) >= 2 and width - 2 <= len(last) < width
                and len(text) == width and _B64_LINE.fullmatch(text) and not self._next_record(text)):
            # the line before, shorter, was no last line: a full one follows it (a character or
            # two deleted from it)
            self.b64_bad.append((len(self.b64) - 1, no - 1, len(last) + 1,
                                 f"{len(last)} characters where the lines around it have {width}"))
            self.b64[-1] = "A" * width
            self.b64_chars += width - len(last)
            self.b64.append(text)
            self.b64_chars += width
            return True
        if width % 4 or width < 16 or len(last) != width or not width - 2 <= len(text) <= width + 2 \
                or self._next_record(text):
            return False
        body = text.rstrip("=")  # (padding ends the last line)
        bad = [i for i, c in enumerate(body) if c not in _B64_CHARS or c == "="]
        if len(bad) > 2 or (not bad and len(text) <= width):
            return False  # text of its own, or all base64: an intact line, a last line, another block
        column = line.index(text) + (bad[0] if bad else len(text)) + 1
        what = (f"{_quote(text[bad[0]])} is not base64" if bad else
                f"{len(text)} characters where the lines around it have {width}")
        self.b64_bad.append((len(self.b64), no, column, what))
        self.b64.append("A" * width)  # zero bits: the same number of bytes, in their places
        self.b64_chars += width
        return True

    def close_b64(self) -> None:
        if not self.b64:
            return
        bad, self.b64_bad = self.b64_bad, []
        marks, self.b64_marks = self.b64_marks, []
        text = "".join(self.b64)
        data = _b64(text)
        if not data and len(self.b64) > 1 and (head := _b64("".join(self.b64[:-1]))):
            # the last line was not part of it (hex pasted right under the base64)
            self.problem(self.b64_line + len(self.b64) - 1, f"{_quote(self.b64[-1])} does not "
                         "complete the base64 above; left out")
            data = head
        if data:
            block = Block(self.b64_line, "base64", "base64", data)
            stride = self.b64_width * 3 // 4 if self.b64_width % 4 == 0 else 0
            block.segments.append((0, self.b64_line, stride, None))
            block.unknown += [m for m in marks if m[0] < len(data)]
            for index, line, column, what in bad[:MAX_UNKNOWN_RANGES]:
                block.unknown.append((index * stride, stride, line, column, what))  # (record.py words it)
                self.problem(line, f"column {column}: {what}: this base64 line is damaged; its {stride} bytes "
                                   f"(bytes {index * stride}–{index * stride + stride - 1} of the base64 from "
                                   f"line {self.b64_line}) are read as 00 so the lines after it keep their "
                                   "places; a record that holds them is marked", "error")
            self.blocks.append(block)
        elif len(self.b64) > 1 or len(text) >= 16:
            self.problem(self.b64_line, f"{len(self.b64)} line(s) of base64-like text that do not "
                                        "decode as base64; left out")
        self.b64 = []


class _Dumps:
    """Dump lines of one kind (same offset column style and token width) in a row: decides the
    base of their offsets, places their bytes by offset, expands '*' and reports what is off."""

    def __init__(self, scanner: _Scanner) -> None:
        self.s = scanner
        self.key = None
        self.base: int | None = None
        self.cands: list[int] = []
        self.pending: list = []
        self.digits = self.block_digits = 0
        self.strong = False
        self.b: _Builder | None = None
        self.expected = 0
        self.last: Row | None = None
        self.last_off = 0  # the dump offset of ``last``
        self.star_line = 0
        self.line_before = 0  # the last non-blank line before the one being read (run())
        self.row_before = False  # ... and whether it was a row (or a '*')
        self.star_before: dict[int, int] = {}  # a '*' line below a line that is no row → that line
        self.cut = False  # the next block starts after a '*' run that was not made
        self.holes: list[tuple[int, int, int, int, int]] = []  # see _open

    # -- feeding ----------------------------------------------------------------------------
    def row(self, row: Row) -> None:
        if row.blind and not self._blind_fits(row):
            self._refuse_blind(row)
            return
        if self.key is not None and row.key != self.key:
            kind, width = self.key
            if row.kind == kind and row.width < width and len(row.written) * 2 == row.width:
                row = row.as_width(width)  # the last line of a word dump: one short group
            else:
                self.end()
        elif self.base is not None and not _in_base(row.addr, self.base):
            self.end()  # e.g. hex digits after octal offsets: not this dump
        if self.key is None:
            self.key, self.strong, self.digits = row.key, row.strong, len(row.addr)
            self.block_digits = self.digits
            self.cands = [16] + [b for b in (8, 10) if row.kind != "tick"]
        if self.base is None:
            self.pending.append(row)
            self._narrow(row.addr)
            self._try_decide()
        else:
            self._place_row(row)

    def may_be_row(self, loose: Loose) -> bool:
        """Could a line of loose hex be a row of this byte dump pasted without its offset
        column: the dump is placing rows, the line has exactly a row's count of pairs laid
        out as the dump's pairs are, and any text after them is the ASCII column of those
        bytes? Whether it is one is decided by the next line (``place_orphan``)."""
        last = self._row_above()
        if (self.star_line or last is None or last.width != 2 or loose.style != "loose"
                or len(loose.data) != len(last.mem) or not loose.text):
            return False
        hexes = loose.text[:loose.column - 1] if loose.stray else loose.text
        if _ORPHAN_PAIRS.fullmatch(hexes) is None or hexes.count(" ") + hexes.count("-") > 3 * len(last.mem):
            return False
        if not loose.stray:
            return True
        column = loose.stray
        if len(column) >= 2 and (column[0], column[-1]) in (("|", "|"), (">", "<")):
            column = column[1:-1]
        return ascii_matches(column, loose.data)

    def _row_above(self) -> Row | None:
        """The dump row a next line would follow (a placed one, or the last one still pending)."""
        if self.base is not None:
            return self.last if self.b is not None else None
        last = self.pending[-1] if self.pending else None
        return last if isinstance(last, Row) else None

    def continues_after(self) -> bool:
        """Whether rows of a decided offset base are being placed (a line may be waited on)."""
        return self.key is not None and self.base is not None and self.b is not None and not self.star_line

    def continues(self, row: Row) -> bool:
        """Whether ``row`` is the next row of the dump being placed (same kind, the next offset)."""
        return (self.continues_after() and row.key == self.key and _in_base(row.addr, self.base)
                and int(row.addr, self.base) == self.expected)

    def place_orphan(self, orphan: Loose, row: Row) -> bool:
        """Put a row with no offset (``may_be_row``) where it must be: between the row above
        and ``row``, when ``row``'s offset is exactly one row after the row above ends. The
        bytes are the text's own; only their offset is inferred, so a warning names the line
        and the record gets no finding."""
        size = len(orphan.data)
        if row.key != self.key:  # a redacted row's offset says where it is as well as any
            return False
        if self.base is None:  # the offsets' base is not decided: only one may leave this place
            above = self._row_above()
            bases = [b for b in self.cands if _in_base(row.addr, b) and _in_base(above.addr, b)
                     and int(row.addr, b) == int(above.addr, b) + len(above.mem) + size]
            if len(bases) != 1:
                return False
            self._decide(bases[0])
        if self.b is None or not _in_base(row.addr, self.base):
            return False
        if int(row.addr, self.base) != self.expected + size:
            return False
        at = self.expected
        self.b.add(orphan.data, None, orphan.line, at)
        self.s.problem(orphan.line, f"this row has no offset column; its {size} bytes are placed at dump "
                                    f"offset {_fmt(at)}, the one place left between line {self.last.line} "
                                    f"(which ends there) and line {row.line} (offset {_fmt(at + size)})")
        self.expected = at + size
        return True

    def _blind_fits(self, row: Row) -> bool:
        """Does a row of placeholders only follow the dump's rows: same layout and byte count
        as the row before it, at the offset that row ends at (or a whole number of rows on,
        after a '*')? Nothing else says it is a row, so nothing else lets it in."""
        if self.key != row.key:
            return False
        if self.base is None:  # the base is not decided yet: it must follow in a base still possible
            last = self.pending[-1] if self.pending else None
            return isinstance(last, Row) and len(last.mem) == len(row.mem) and any(
                _in_base(row.addr, b) and _in_base(last.addr, b)
                and int(row.addr, b) == int(last.addr, b) + len(last.mem) for b in self.cands)
        last = self.last
        if self.b is None or last is None or len(last.mem) != len(row.mem) or not _in_base(row.addr, self.base):
            return False
        off = int(row.addr, self.base)
        if self.star_line:
            return off > self.expected and (off - self.expected) % len(last.mem) == 0
        return off == self.expected

    def _refuse_blind(self, row: Row) -> None:
        """A row of placeholders whose place the rows before it do not confirm: left out and
        said so (the dump goes on; a row after it that skips its bytes splits the dump)."""
        token = row.unknown[0][2]
        size = len(row.mem)
        if self.b is not None and self.last is not None and self.base is not None:
            why = (f"its offset {row.addr} does not follow line {self.last.line} (which ends at "
                   f"{_fmt(self.expected)} with {len(self.last.mem)}-byte rows)")
            level = "error"
        else:
            why = "no dump row before it confirms its offset"
            level = "warning"
        self.s.problem(row.line, f"column {row.unknown[0][1]}: a row of {size} unreadable bytes "
                                 f"({_quote(token)} for every one), but {why}: its place is not "
                                 "known, so it is left out", level)

    def star(self, no: int) -> None:
        if self.key is None:
            self.s.problem(no, "'*' with no dump line above it; ignored")
        elif self.base is None:
            if not (self.pending and isinstance(self.pending[-1], int)):
                self.pending.append(no)  # more '*' lines in a row say nothing more
        elif self.b is None:
            self.s.problem(no, "'*' after the end of a dump; ignored")
        elif not self.star_line:
            above = self.star_before.pop(no, 0)
            if self.last is not None and above:
                # '*' repeats the line above it: not a row (a garbled one), so its bytes are
                # unknown; filling the run with the last row's bytes made a wrong record with
                # no word said (the fresh check of F7-12)
                self.s.problem(no, f"'*' follows line {above}, which is not a row of the "
                                   f"dump: the bytes it repeats are unknown, so the dump ends at line "
                                   f"{self.last.line}", "error")
                self._close()
                return
            self.star_line = no
        # more '*' lines in a row say nothing more

    def takes(self, bare: Bare) -> bool:
        """Is an offset alone the end of the current dump (not 2–8 bytes of loose hex)?"""
        return self.key is not None and len(bare.addr) >= self.block_digits and (
            self.base is None or _in_base(bare.addr, self.base)) and (
            self.b is not None or self.base is None)

    def bare(self, bare: Bare) -> None:
        if self.base is None:
            self.pending.append(bare)
            self._narrow(bare.addr)
            self._try_decide()
        else:
            self._place_bare(bare)

    def end(self) -> None:
        if self.key is None:
            return
        if self.base is None:
            oks = [b for b in self.cands if self._fits(b)[0]]
            if oks and (self.strong or any(self._fits(b)[1] for b in oks)):
                self._decide(self._prefer(oks))
            else:
                self._reject()
        self._close()
        self.key, self.base, self.pending, self.cut = None, None, [], False

    # -- the base of the offsets ------------------------------------------------------------
    def _narrow(self, addr: str) -> None:
        if any(c not in "01234567" for c in addr):
            self.cands = [b for b in self.cands if b != 8]
        if any(c not in "0123456789" for c in addr):
            self.cands = [b for b in self.cands if b != 10]

    def _fits(self, base: int) -> tuple[bool, bool]:
        """(the pending lines' offsets follow their byte counts in ``base``, and some step said
        so exactly rather than through a '*')."""
        prev_end = unit = None
        star = exact = False
        for it in self.pending:
            if isinstance(it, int):
                star = prev_end is not None
                continue
            off = int(it.addr, base)
            if prev_end is not None and off != 0:
                if star:
                    if off <= prev_end or (off - prev_end) % unit:
                        return False, exact
                elif isinstance(it, Bare) and prev_end - unit < off <= prev_end:
                    exact = True
                elif off == prev_end:
                    exact = True
                else:
                    return False, exact
            star = False
            if isinstance(it, Bare):
                prev_end = None
            else:
                prev_end, unit = off + len(it.mem), len(it.mem) or 1
        return True, exact

    def _try_decide(self) -> None:
        if self.strong and self.cands == [16]:
            self._decide(16)
            return
        fits = {b: self._fits(b) for b in self.cands}
        oks = [b for b, (ok, _) in fits.items() if ok]
        if len(oks) == 1 and fits[oks[0]][1]:
            self._decide(oks[0])
        elif not oks:
            if self.strong:
                self._decide(self._prefer(self.cands))
            else:
                self._reject()
        elif len(self.pending) >= PENDING_LIMIT:
            if self.strong or any(fits[b][1] for b in oks):
                self._decide(self._prefer(oks))
            else:
                self._reject()

    def _prefer(self, oks: list[int]) -> int:
        kind, width = self.key
        if 8 in oks and self.digits == 7 and kind == "single" and width == 2:
            return 8  # od's default: seven octal digits
        return 16 if 16 in oks else oks[0]

    def _decide(self, base: int) -> None:
        self.base = base
        self.s.close_loose()
        pending, self.pending = self.pending, []
        for it in pending:
            if isinstance(it, int):
                self.star(it)
            elif isinstance(it, Bare):
                self._place_bare(it)
            else:
                self._place_row(it)

    def _reject(self) -> None:
        """Lines with a single space after a number that do not behave as a dump: loose hex."""
        pending, self.pending = self.pending, []
        self.key = None
        for it in pending:
            if isinstance(it, int):
                self.s.problem(it, "'*' with no dump line above it; ignored")
            else:
                self.s.loose_text(it.text, it.line)

    # -- placing bytes ----------------------------------------------------------------------
    def _open(self, row: Row, offset: int, line: int = 0) -> None:
        # rows found missing in this block: (dump offset, byte index, length, line, problem index)
        self.holes: list[tuple[int, int, int, int, int]] = []
        self.b = _Builder(line or row.line, "hex", self._style(row), words=row.width // 2 if row.width > 2 else 0,
                          written_order=self._written_order(row))
        self.b.block.cut, self.cut = self.cut, False
        self.expected = offset

    @staticmethod
    def _written_order(row: Row) -> bool:
        kind, width = row.key
        return width > 2 and kind == "colon" and len(row.addr) >= 8  # xxd groups

    def _style(self, row: Row) -> str:
        width = row.width
        return f"dump-{width * 4}" + ("" if width == 2 else "-bytes" if self._written_order(row) else "-le")

    def _place_row(self, row: Row) -> None:
        off = int(row.addr, self.base)
        if self.b is not None:
            if self.star_line:
                if not self._expand(off, row.line):
                    self._close()
            elif off != self.expected:
                if self._repeated(row, off) or self._fills_hole(row, off):
                    return
                if not self._missing_rows(row, off):
                    self._jump(off, row.line)
                    self._close()
        if self.b is None:
            self._open(row, off)
            self.block_digits = len(row.addr)
        start = len(self.b.mem)
        self.b.add(row.mem, row.written if row.width > 2 else None, row.line, off)
        self.b.vote(row.order)
        if row.unknown:
            self._unknown(row, start, off)
        self.expected = off + len(row.mem)
        self.last, self.last_off = row, off

    def _repeated(self, row: Row, off: int) -> bool:
        """A row at the offset of the row just above (a line pasted twice): the same bytes are
        dropped with a warning; other bytes are an error and the first row is kept (nothing
        says which is right, and the first was placed already). Other bytes start another dump,
        as before, where that is likelier: at offset 0, after a dump of that one row, or when
        the row begins a record of its own."""
        last = self.last
        if (last is None or off != self.last_off or self.expected != off + len(last.mem)
                or len(row.mem) != len(last.mem)):
            return False
        if row.mem == last.mem and row.written == last.written:
            self.s.problem(row.line, f"offset {_fmt(off)} is line {last.line}'s again, with the same "
                                     "bytes: a line pasted twice; this copy is left out")
            return True
        if off == 0 or len(self.b.mem) == len(last.mem) or _starts_record(row):
            return False
        self.s.problem(row.line, f"offset {_fmt(off)} is line {last.line}'s again, with other bytes: "
                                 f"which is right is not known; line {last.line}'s bytes are kept and "
                                 f"this line's are left out", "error")
        return True

    def _missing_rows(self, row: Row, off: int) -> bool:
        """Whole rows missing (deleted in an edit, lost in a paste) inside a record the block
        holds: the next row's offset places it and every byte after it, so the missing bytes
        are read as 00 and marked, as a redacted row's are, and the record stays whole. A gap
        that is not whole rows, or outside every record's reach, still splits the dump."""
        last = self.last
        size = len(last.mem) if last is not None else 0
        gap = off - self.expected
        start = self.b.block.segments[0][3] if self.b.block.segments else 0
        if (size == 0 or gap <= 0 or gap % size or (self.expected - start) % size
                or gap > self.s.budget or len(row.mem) > size or _starts_record(row)):
            return False
        reach = self.b.reach(last)
        if not self.expected < reach or off >= reach + size:
            return False  # no record started above runs into the gap: maybe another dump
        self.s.budget -= gap
        at = len(self.b.mem)
        self.b.add(bytes(gap), bytes(gap) if last.width > 2 else None, row.line, self.expected, stride=0)
        self.b.mark_unknown(at, gap, row.line, 0, "")  # no token: no line gave these bytes
        self.holes.append((self.expected, at, gap, row.line, len(self.s.problems)))
        self.s.problem(row.line, f"offset {_fmt(off)} skips {gap} bytes after line {last.line} (which "
                                 f"ends at {_fmt(self.expected)}) with no '*' line: {gap // size} row(s) "
                                 f"missing inside the record begun above; read as 00 at dump offsets "
                                 f"{_fmt(self.expected)}–{_fmt(off - 1)}, and this line is placed by its "
                                 "offset; a record that holds them is marked", "error")
        self.expected = off
        return True

    def _fills_hole(self, row: Row, off: int) -> bool:
        """A row whose offset goes back into rows found missing just above (``_missing_rows``):
        rows pasted out of order. Its bytes are placed by its offset, the hole's marks are
        taken off those bytes, and when the hole is filled its "missing" error is replaced by a
        warning naming both lines."""
        for i, (hole_off, at, length, line, said) in enumerate(self.holes):
            if not (hole_off <= off and off + len(row.mem) <= hole_off + length):
                continue
            pos = at + off - hole_off
            self.b.mem[pos:pos + len(row.mem)] = row.mem
            if self.b.written is not None and row.width > 2:
                self.b.written[pos:pos + len(row.mem)] = row.written
            self._unmark(pos, len(row.mem))
            if row.unknown:
                self._unknown(row, pos, off)
            filled = not any(p < at + length and p + n > at and mark[-1] == ""
                             for p, n, *mark in self.b.block.unknown)
            if filled:
                del self.holes[i]
                if said < len(self.s.problems) and "row(s) missing" in self.s.problems[said].message:
                    self.s.problems[said] = TextProblem(line, f"rows out of order: line {row.line} (offset "
                                                              f"{_fmt(off)}) belongs before line {line}; each is "
                                                              "placed by its offset", "warning")
            else:
                self.s.problem(row.line, f"offset {_fmt(off)} goes back into rows missing above line {line}: "
                                         "placed there by its offset (rows pasted out of order)", "warning")
            return True
        return False

    def _unmark(self, pos: int, length: int) -> None:
        """Take the "missing" marks off ``length`` bytes at ``pos`` (a row found for them)."""
        kept = []
        for mark in self.b.block.unknown:
            p, n, *rest = mark
            if rest[-1] != "" or p + n <= pos or p >= pos + length:
                kept.append(mark)
                continue
            if p < pos:
                kept.append((p, pos - p, *rest))
            if p + n > pos + length:
                kept.append((pos + length, p + n - pos - length, *rest))
        self.b.block.unknown[:] = kept

    def _unknown(self, row: Row, start: int, off: int) -> None:
        """Name the pairs of ``row`` that are not hex (read as 00) and remember where they are."""
        for index, column, token in row.unknown:
            self.b.mark_unknown(start + index, 1, row.line, column, token)
        first = row.unknown[0]
        if len(row.unknown) == len(row.mem) and len(row.mem) > 1:
            self.s.problem(row.line, f"columns {first[1]}–{row.unknown[-1][1] + len(row.unknown[-1][2]) - 1}: "
                                     f"the whole row ({len(row.mem)} bytes at dump offsets {_fmt(off)}–"
                                     f"{_fmt(off + len(row.mem) - 1)}) is {_quote(first[2])}, not hex bytes: "
                                     "read as 00, placed by its offset, which follows the rows above; a "
                                     "record that holds them is marked", "error")
            return
        more = f" and {len(row.unknown) - 1} more up to column {row.unknown[-1][1]}" if len(row.unknown) > 1 else ""
        self.s.problem(row.line, f"column {first[1]}: {_quote(first[2])} (dump offset {_fmt(off + first[0])})"
                                 f"{more} is not a hex byte: read as 00 so the bytes after it keep their "
                                 "places; a record that holds it is marked", "error")

    def _place_bare(self, bare: Bare) -> None:
        off = int(bare.addr, self.base)
        if self.b is None:
            return  # od prints the length alone for empty input
        last = self.last
        if self.star_line:
            self._expand(off, bare.line)
        elif off == self.expected:
            pass
        elif self.expected - len(last.mem) < off < self.expected:
            self.b.trim(self.expected - off)  # hexdump's 16-bit words pad the last byte
        elif off > self.expected:
            self.s.problem(bare.line, f"the dump's length {_fmt(off)} is {off - self.expected} bytes "
                                      f"past its last line (line {last.line} ends at "
                                      f"{_fmt(self.expected)}): those bytes are missing", "error")
        else:
            self.s.problem(bare.line, f"the dump's length {_fmt(off)} is before the end of line "
                                      f"{last.line} ({_fmt(self.expected)}); the lines are kept")
        self._close()

    def _expand(self, target: int, line: int) -> bool:
        star, self.star_line = self.star_line, 0
        unit = self.last
        gap = target - self.expected
        size = len(unit.mem)
        if gap <= 0 or size == 0 or gap % size:
            self.s.problem(star, f"'*' stands for the lines up to offset {_fmt(target)} (line {line}), "
                                 f"which is not a whole number of {size}-byte lines after "
                                 f"{_fmt(self.expected)}; the dump is split here", "error")
            return False
        keep = self._kept(unit, gap)
        if keep > self.s.budget:
            self.s.problem(star, f"'*' would repeat line {unit.line} for {keep} bytes up to offset "
                                 f"{_fmt(self.expected + keep)} (line {line}) that a record may hold: more "
                                 f"than the {self.s.limit} bytes '*' may stand for in one text; the dump "
                                 "is split here", "error")
            return False
        self.s.budget -= keep
        count = keep // size
        if count:
            start = len(self.b.mem)
            self.b.add(unit.mem * count, unit.written * count if unit.width > 2 else None, star,
                       self.expected, stride=0)
            if unit.unknown:  # copies of a line with unreadable bytes: the whole run is unsure
                self.b.mark_unknown(start, keep, star, 0, unit.unknown[0][2])
        if keep < gap:
            # The rest of the run can hold no byte of any record: it is not made (a '*' may stand
            # for gigabytes of zeros). The block ends here and the next line starts another at its
            # own dump offset, so every record keeps the offset the dump shows for it.
            self.b.block.cut = True
            self._close()
            self.cut = True
            if _may_begin_signature(unit.mem) or (unit.width > 2 and _may_begin_signature(unit.written)):
                # the last copy could start a signature that the next line completes
                self._open(unit, target - size, star)
                self.b.add(unit.mem, unit.written if unit.width > 2 else None, star, target - size)
            self.last = unit
        self.expected = target
        return True

    def _kept(self, unit: Row, gap: int) -> int:
        """How many bytes of a '*' run of ``gap`` bytes (copies of ``unit``) to make: all of a
        short run (as a binary file would give them), else only those a record may reach: the
        extent of every header in the block so far, or all when a copy could hold a signature."""
        size = len(unit.mem)
        if _holds_signature(unit.mem * 2) or (unit.width > 2 and _holds_signature(unit.written * 2)):
            return gap
        if gap <= SHORT_RUN and gap <= self.s.budget:
            return gap
        reach = self.b.reach(unit)
        need = max(0, min(gap, reach - self.expected))
        return -(-need // size) * size

    def _jump(self, off: int, line: int) -> None:
        if off == 0:
            return  # a new dump starts
        prev = self.last.line
        if off < self.expected:
            self.s.problem(line, f"offset {_fmt(off)} goes back from {_fmt(self.expected)} (the end "
                                 f"of line {prev}); read as the start of another dump")
        else:
            self.s.problem(line, f"offset {_fmt(off)} skips {off - self.expected} bytes after line "
                                 f"{prev} (which ends at {_fmt(self.expected)}) with no '*' line: those "
                                 "bytes are missing, so the dump is split here", "error")

    def _close(self) -> None:
        if self.star_line:
            self.s.problem(self.star_line, "'*' with no offset after it: the number of repeated "
                                           "lines is unknown, so the dump ends above it")
            self.star_line = 0
        if self.b is not None:
            block = self.b.finish(self.s.problems)
            if block.data:
                self.s.blocks.append(block)
        self.b = None
        self.last = None


# the pairs of a byte row as dumps write them: one or two spaces apart, WinDbg's '-' in the middle
_ORPHAN_PAIRS = lazy_compile(r"[ \t]*[0-9A-Fa-f]{2}(?:(?: {1,2}|-)[0-9A-Fa-f]{2})*[ \t]*")


def _b64_record_chars(first_line: str) -> int:
    """Base64 characters of the whole CPER record whose header starts ``first_line`` (its
    RecordLength, from the first 24 bytes), or 0 when the line does not start a record."""
    try:
        head = base64.b64decode(first_line[:32], validate=True) if len(first_line) >= 32 else b""
    except (binascii.Error, ValueError):
        return 0
    if head[:4] != b"CPER" or len(head) < 24:
        return 0
    length = struct.unpack_from("<I", head, 20)[0]
    return 4 * -(-length // 3) if length >= 128 else 0


def _looks_base64(word: str) -> bool:
    """A short line is base64 only with padding or a mix of digits and both letter cases
    (a word of prose such as "Information" has neither)."""
    return word.endswith("=") or (any(c.isdigit() for c in word) and not word.isupper()
                                  and not word.islower())


def _in_base(digits: str, base: int) -> bool:
    return base == 16 or all(c in "0123456789"[:base] for c in digits)


def _b64(text: str) -> bytes | None:
    text = text.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _whole_base64(text: str) -> Block | None:
    compact = "".join(text.split())
    if len(compact) < 16 or not _B64_CHARS.issuperset(compact) or _HEX_CHARS.issuperset(compact):
        return None
    stripped = compact.rstrip("=")
    if "=" in stripped or len(compact) - len(stripped) > 2:
        return None
    data = _b64(compact)
    if not data:
        return None
    first = next((no for no, line in _lines(text) if line.strip()), 1)
    block = Block(first, "base64", "base64", data)
    block.segments.append((0, first, 0, None))
    return block


# -- text files -------------------------------------------------------------------------------
def _unsigned_message(blocks: list[Block], alone: bool) -> str:
    """One message for every block whose bytes hold no CPER or WhLg signature."""
    where = "; ".join(_block_place(b) for b in blocks[:5]) + (
        f"; and {len(blocks) - 5} more" if len(blocks) > 5 else "")
    total = sum(len(b.data) for b in blocks)
    kinds = " or ".join(dict.fromkeys(b.encoding for b in blocks))  # hex, base64 (F7-17)
    return (f"no CPER or WhLg signature in {len(blocks)} block(s) of {kinds} ({total} bytes: {where}), so "
            f"no record is made from them; {'nothing to decode' if alone else 'skipped'}")


def _block_refs(block: Block, path: str, sink, split_raw) -> Iterator[RecordRef]:
    """The records of one block: split like a raw file, or, for a piece of a bigger image (a
    '*' run beside it was not made), carved as from an image, so zeros kept before the cut are
    not trailing bytes of a record. A damaged header at the start of such a piece, which
    carving passes over, is still shown as a raw file would show it."""
    if not block.cut:
        yield from split_raw(block.data, path, sink)
        return
    said: list[Problem] = []
    refs = list(carve(block.data, path, said.append, kind="raw"))
    if not refs and block.data[:4] in SIGNATURES:
        yield from split_raw(block.data, path, sink)
        return
    for p in said:
        sink(p)
    yield from refs


def _inspectable(block: Block) -> bool:
    """Is a block with no signature still shown as bytes, as ``raw`` shows a small binary file
    (a damaged header or a bare section body can be inspected, a paste gives its bytes back)?
    Only when it is all the text gave, no bigger than such a file and not a piece of a bigger
    image (a dump whose '*' runs were not made: its zeros would make up records)."""
    return not block.cut and len(block.data) <= SMALL_FILE


def _block_place(block: Block) -> str:
    start = block.dump_offset_at(0)
    if start is None:
        return f"line {block.line}"
    return f"line {block.line} at dump offsets {_fmt(start)}–{_fmt(start + len(block.data) - 1)}"


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    from .raw import read_bytes as split_raw

    text = decode_text(data)
    scan = scan_text(text.replace("\0", ""))
    blocks = scan.blocks
    with_sig = [any(sig in b.data for sig in SIGNATURES) for b in blocks]
    if not any(with_sig) and whole_records(data):
        # no record in the text, but whole binary records in its bytes (records appended to a
        # log, a binary that begins like text): read as the raw reader reads a binary file, and
        # what the text reading found (NULs, lines) is not said
        on_problem(Problem(path, None, "the file begins like text but holds no hex or base64 record data; "
                                       "binary records are in its bytes, so it is read as binary", "note"))
        yield from split_raw(data, path, on_problem)
        return
    if "\0" in text:  # (a few, or looks_like_text would not have claimed it)
        first = text.index("\0")
        on_problem(Problem(path, None, f"the text holds {text.count(chr(0))} NUL character(s), the "
                                       f"first at character offset {first} (line {text.count(chr(10), 0, first) + 1}); "
                                       "each is left out (a NUL inserted into hex or base64 text)",
                           "warning"))
    for p in scan.problems:
        on_problem(Problem(path, None, str(p), p.level))
    if not blocks:
        # text is never decoded as a record from its own characters: it is reported, not shown
        on_problem(Problem(path, 0, NO_DATA, "warning"))
        return
    if len(blocks) == 1 and _inspectable(blocks[0]):
        with_sig = [True]  # the whole text is one small piece of bytes: shown as a small binary file is
    unsigned = [b for b, sig in zip(blocks, with_sig) if not sig]
    if unsigned:
        # bytes with no signature are not a record: decoding them would invent one (zeros read
        # as a "Recoverable" header), so they are named, never shown as records
        on_problem(Problem(path, None, _unsigned_message(unsigned, len(unsigned) == len(blocks)),
                           "warning" if len(unsigned) == len(blocks) else "note"))
    for i, block in enumerate(blocks):
        if not with_sig[i]:
            continue

        def sink(p: Problem, block=block) -> None:
            where = f"; offset {p.offset} is on line {block.line_at(p.offset)}" if p.offset is not None else ""
            on_problem(Problem(p.path, p.offset, f"text block at line {block.line} (offsets in its "
                               f"decoded bytes{where}): {p.message}", p.level, p.length))

        for ref in _block_refs(block, path, sink, split_raw):
            pos = int(ref.source.get("offset", 0))
            ref.source.update(kind=name, encoding=block.encoding, style=block.style,
                              line=block.line_at(pos), block_line=block.line, block=i)
            shown = block.dump_offset_at(pos)
            if shown is not None:
                ref.source["dump_offset"] = shown
            if block.unknown:
                unread = block.unknown_in(pos, pos + len(ref.data))
                if unread:  # the decoder says which bytes are not from the input (record.py)
                    ref.source["unread"] = [list(u) for u in unread[:UNREAD_LISTED]]
                    ref.source["unread_bytes"] = sum(u[1] for u in unread)
            yield ref
