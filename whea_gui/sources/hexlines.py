"""One line of hex text → what it holds. ``hextext`` puts the lines together into blocks.

A line is one of:
  * ``Row``: an offset/address column, then hex tokens, maybe an ASCII column — ``hexdump``,
    ``od``, ``xxd``, WinDbg ``db/dw/dd/dq/dc``, Event Viewer "In Bytes"/"In Words";
  * ``Bare``: an offset alone (``hexdump``/``od`` print the total length last);
  * ``STAR``: ``*`` (``hexdump``/``od``/``xxd -a``: lines equal to the one above were left out);
  * ``Loose``: hex without an offset column (``xxd -p``, forum posts, C arrays, XML elements);
  * ``Base64Line``; or ``Prose`` (anything else; ``hexlike`` when it looks like broken hex).

Every parser here runs in time linear in the line and never raises on any text.
"""

from __future__ import annotations

import array
from dataclasses import dataclass

from ._lazy_re import LazyPattern, lazy_compile

ROW_MAX_CHARS = 1 << 14  # longer lines are never dump rows (xxd -c 256 is ~1.3 K characters)
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
HOLES_PER_BYTES = 16  # hex with more than one unreadable pair per this many bytes is not hex

_ROW = lazy_compile(r"[ \t]*(?:0[xX])?(?P<addr>[0-9A-Fa-f]{8}`[0-9A-Fa-f]{8}|[0-9A-Fa-f]{4,16})"
                  r"(?P<sep>:[ \t]*|[ \t]+)(?P<body>\S.*)")
_BARE = lazy_compile(r"[ \t]*(?:0[xX])?(?P<addr>[0-9A-Fa-f]{4,16})[ \t]*")
_STAR = lazy_compile(r"[ \t]*\*[ \t]*")
_RUN = lazy_compile(r"[^ \t]+")
_HEX = lazy_compile(r"[0-9A-Fa-f]+")
_ALL_HEX = lazy_compile(r"[0-9A-Fa-f]+")
_DQ = lazy_compile(r"[0-9A-Fa-f]{8}`[0-9A-Fa-f]{8}")
_DB_PAIR = lazy_compile(r"[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}")
_XML_TAG = lazy_compile(r"<[^<>]*>")
_COLON_LABEL = lazy_compile(r"[ \t]*[A-Za-z][\w .()/-]{0,40}:[ \t]*")
_WORD_LABEL = lazy_compile(r"[ \t]*[A-Za-z][A-Za-z_]{2,30}[ \t]+")
_PLAIN_HEX = lazy_compile(r"[0-9A-Fa-f \t]*")
_LOOSE_TOKEN = lazy_compile(r"[^\s,;:\-]+")
_B64 = lazy_compile(r"[A-Za-z0-9+/]+={0,2}")
_HEXLIKE = lazy_compile(r"[0-9A-Fa-fxX\s,;:\-]*")
_FROMHEX_POS = lazy_compile(r"position (\d+)")


@dataclass(slots=True)
class Row:
    line: int
    addr: str  # the offset/address digits as written (WinDbg's backtick removed)
    kind: str  # "colon" (xxd, Event Viewer), "tick" (WinDbg 64-bit), "wide" (2+ spaces), "single"
    width: int  # hex digits per token: 2 = bytes, 4/8/16 = words
    mem: bytes  # bytes in memory order (word tokens read little-endian)
    written: bytes  # bytes in the order the digits are written
    text: str  # the whole line, to re-read as loose hex if the offset column is not confirmed
    # which order of a word row its ASCII column shows: "le" (xxd -e), "written" (xxd -g4), or
    # "" (no column, or both read the same)
    order: str = ""
    # bytes of a byte row that could not be read ("xx" put in to redact, "??" for memory WinDbg
    # could not read, a garbled pair): (index in mem, 1-based column, the token); read as 00
    unknown: tuple = ()
    # every byte of the row is a placeholder (a whole row redacted, "xx xx … xx"): taken only
    # where its offset follows the dump's rows and it has their byte count (hextext decides)
    blind: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.width

    def as_width(self, width: int) -> Row:
        """This row (a lone group shorter than ``width``) as a line of a ``width`` dump: read
        little-endian in memory order and as written in written order, like every word, so the
        dump's choice of order (``xxd -e`` or ``xxd -g4``) covers this group too."""
        return Row(self.line, self.addr, self.kind, width, self.written[::-1], self.written,
                   self.text, self.order, self.unknown)

    @property
    def strong(self) -> bool:
        """An offset column for sure (a single space after a number could be loose hex)."""
        return self.kind != "single"


@dataclass(slots=True)
class Bare:
    line: int
    addr: str
    text: str


@dataclass(slots=True)
class Loose:
    line: int
    data: bytes
    style: str  # "loose" or "xml"
    stray: str = ""  # text after the hex that was left out
    column: int = 0  # 1-based column where the stray text starts
    partial: bool = False  # the line had text that is not hex
    text: str = ""  # the line, when partial
    # pairs inside the hex that are not hex (a typo, "g1"): (index in data, 1-based column, the
    # pair); read as 00 so the bytes after them keep their places
    unknown: tuple = ()


@dataclass(slots=True)
class Base64Line:
    line: int
    text: str


@dataclass(slots=True)
class Prose:
    line: int
    hexlike: bool
    text: str


STAR = "*"


def classify(line: str, no: int):
    """What one line (no line break) holds; see the module docstring."""
    if len(line) > 16 and _ALL_HEX.fullmatch(line):  # xxd -p, continuous hex: the common case
        return Loose(no, bytes.fromhex(line), "loose") if len(line) % 2 == 0 else parse_loose(line, no)
    if len(line) <= ROW_MAX_CHARS:
        if _STAR.fullmatch(line):
            return STAR
        bare = _BARE.fullmatch(line)
        if bare:
            return Bare(no, bare.group("addr"), line)
        row = parse_row(line, no)
        if row is not None:
            return row
    loose = parse_loose(line, no)
    if loose is not None:
        return loose
    b64 = base64_text(line)
    if b64 is not None:
        return Base64Line(no, b64)
    return as_prose(line, no)


def as_prose(line: str, no: int) -> Prose:
    """Text that gives no bytes; ``hexlike`` when it is hex that went wrong (a lone digit, an
    odd count), which is worth reporting, unlike ordinary words."""
    text = line.strip()
    hexlike = bool(text) and _HEXLIKE.fullmatch(text) is not None and (
        len(text) <= 3 or any(c.isdigit() for c in text))
    return Prose(no, hexlike, text)


# -- dump rows --------------------------------------------------------------------------------
def parse_row(line: str, no: int) -> Row | None:
    m = _ROW.match(line)
    if not m:
        return None
    return _parse_row(line, no, m, holes=True)


def _row_with_unknowns(line: str, no: int, m) -> Row | None:
    """A byte row some of whose pairs are not hex (``xx``, ``??``, ``z1``): each such pair,
    up to the ASCII column, is read as 00 and named, so the bytes after it keep their places.
    Taken only when the pairs around it are hex (or the unreadable ones are WinDbg's ``??``),
    so a line of words is never read as bytes."""
    body_at = m.start("body")
    body = m.group("body")
    unknown = []
    hexes = 0
    found = []  # (start, token, gap before it)
    end = 0
    for t in _PAIR_TOKEN.finditer(body):
        found.append((t.start(), t.group(), t.start() - end))
        end = t.end()
        if len(found) > 66:
            break
    for i, (at, tok, gap) in enumerate(found):
        n = hexes + len(unknown)
        # the ASCII column: after a wider gap (hexdump -C has its two spaces after 8 bytes), or
        # a token that is not a pair
        if n and (gap >= 3 or (gap == 2 and n != 8)) or len(tok) != 2 or "|" in tok:
            break
        if tok[0] in HEX_DIGITS and tok[1] in HEX_DIGITS:
            hexes += 1
            continue
        if n >= 16 and not (i + 1 < len(found) and found[i + 1][2] == 1 and _is_pair(found[i + 1][1])):
            break  # past a usual row, only a hole with hex after it (Format-Hex 7: ASCII 1 space on)
        unknown.append((at, tok))
    tokens = {tok for _, tok in unknown}
    if not unknown or len(unknown) + hexes > 64 or not (
            tokens == {"??"} or hexes >= 2 * len(unknown) or (len(tokens) == 1 and hexes >= len(unknown))):
        return None  # words after an offset ("1234  ab cd ef gh ij"): not a row with holes
    chars = list(line)
    for at, _ in unknown:
        chars[body_at + at:body_at + at + 2] = "00"
    filled = "".join(chars)
    row = _parse_row(filled, no, _ROW.match(filled), holes=False)
    if row is None or row.width != 2:
        return None
    index = _pair_index(body, [at for at, _ in unknown])
    if max(index) >= len(row.mem):
        return None  # an unreadable pair after the hex: not part of the row
    row.text = line
    row.unknown = tuple((i, body_at + at + 1, tok) for i, (at, tok) in zip(index, unknown))
    return row


def _is_pair(tok: str) -> bool:
    return len(tok) == 2 and tok[0] in HEX_DIGITS and tok[1] in HEX_DIGITS


def _pair_index(body: str, starts: list[int]) -> list[int]:
    """The byte index in a row of each pair starting at ``starts`` in ``body``."""
    out = []
    count = 0
    wanted = iter(starts)
    nxt = next(wanted, None)
    for t in _PAIR_TOKEN.finditer(body):
        if nxt is None:
            break
        if t.start() == nxt:
            out.append(count)
            nxt = next(wanted, None)
        count += 1
    return out


_PAIR_TOKEN = lazy_compile(r"[^\s-]+")
# two characters alone, not both hex digits, where the hex of a byte row stops: maybe a byte
# that could not be read
_UNKNOWN_NEXT = lazy_compile(r"[ \t-]*(?:[0-9A-Fa-f][^0-9A-Fa-f\s|-]|[^0-9A-Fa-f\s|-][^\s|-])(?=[\s-]|$)")


def _parse_row(line: str, no: int, m, holes: bool) -> Row | None:
    addr, sep, body = m.group("addr"), m.group("sep"), m.group("body")
    kind = "colon" if sep[0] == ":" else "tick" if "`" in addr else "wide" if len(sep) >= 2 else "single"
    first = _FIRST.match(body)
    if not first:
        if not holes:
            return None
        row = _row_with_unknowns(line, no, m) if _UNKNOWN_NEXT.match(body) else None
        return row if row is not None else _blind_row(line, no, m, kind)
    width = len(first.group().replace("`", ""))
    if width in (2, 4, 8, 16):
        area = _AREAS[width].match(body).group()
        area = _without_ascii_column(body, area, width)
        if width == 2 and body[len(area):].strip():
            area = _without_close_ascii_column(body, area)
    elif width % 2 == 0 and width < 16 and (not _HEX_START.match(body, first.end())
                                            or _lone_group_column(body[first.end():], first.group())):
        area = first.group()  # one short group alone: the last line of a word dump (xxd -g8)
    else:
        return None
    if width == 2:
        written = bytes.fromhex(area.replace("-", " "))
        row = Row(no, addr.replace("`", ""), kind, 2, written, written, line)
        if holes and _UNKNOWN_NEXT.match(body, len(area)):  # the hex stops at a pair that is not hex
            return _row_with_unknowns(line, no, m) or row
        return row
    written = bytes.fromhex(area.replace("`", ""))
    mem = _little_endian(area, width, written)
    return Row(no, addr.replace("`", ""), kind, width, mem, written, line,
               _column_order(body[len(area):], mem, written))


# what a byte typed over to redact it is made of: anything but a hex digit, blank or a character
# that frames an ASCII column or a list
_NOT_PLACEHOLDER = frozenset("0123456789abcdefABCDEF|<>\"'`,;:()[]{}")
_BLIND_TOKEN = lazy_compile(r"\S+")


def _blind_row(line: str, no: int, m, kind: str) -> Row | None:
    """A row whose every byte is a placeholder (``xx xx … xx``, ``XXXX XXXX`` for words): the
    offset column and the row's layout are all that is left. Tokens of one width (2, 4, 8 or
    16 characters) each made of one repeated character that is not hex, one or two spaces
    apart (two only at the middle of a byte row, as ``hexdump -C`` writes it); after them at
    most an ASCII column as long as the bytes (kept or redacted, it cannot be compared). At
    least 4 tokens, so a word or two after a number is never such a row. Its bytes are read as
    00 and all named unread; ``blind`` tells the dump to take it only where its offset follows."""
    body_at = m.start("body")
    body = m.group("body")
    tokens: list[tuple[int, str]] = []
    chars: set[str] = set()
    width = end = 0
    rest = ""
    for t in _BLIND_TOKEN.finditer(body):
        tok = t.group()
        gap = t.start() - end
        n = len(tokens)
        if n and (gap >= 3 or (gap == 2 and not (width == 2 and n == 8))):
            rest = body[t.start():]
            break
        c = tok[0]
        if (len(tok) not in (2, 4, 8, 16) or (width and len(tok) != width) or c in _NOT_PLACEHOLDER
                or tok != c * len(tok)):
            rest = body[t.start():]
            break
        width = len(tok)
        chars.add(c.lower())
        tokens.append((t.start(), tok))
        end = t.end()
        if n > 64:
            return None
    size = len(tokens) * width // 2
    if len(tokens) < 4 or len(chars) > 2 or len(rest.strip()) > size + 2:
        return None
    unknown = tuple((i * width // 2 + k, body_at + at + 1, tok)
                    for i, (at, tok) in enumerate(tokens) for k in range(width // 2))
    zeros = bytes(size)
    return Row(no, m.group("addr").replace("`", ""), kind, width, zeros, zeros, line,
               unknown=unknown, blind=True)


def _lone_group_column(rest: str, group: str) -> bool:
    """Is ``rest`` the ASCII column of one short group (xxd -e -g8 -c8: "  3P|h."), read in
    either byte order? Its first character may be a hex digit."""
    written = bytes.fromhex(group)
    return rest.startswith("  ") and (ascii_matches(rest, written) or ascii_matches(rest, written[::-1]))


def _column_order(rest: str, mem: bytes, written: bytes) -> str:
    """The byte order a word row's ASCII column (the text after its hex) confirms, if any."""
    if not rest.strip() or mem == written:
        return ""
    as_mem, as_written = ascii_matches(rest, mem), ascii_matches(rest, written)
    return "le" if as_mem and not as_written else "written" if as_written and not as_mem else ""


def _little_endian(area: str, width: int, written: bytes) -> bytes:
    """Memory order of little-endian words written as hex (the last one may be shorter)."""
    size = width // 2
    code = _ARRAY_CODES.get(size)
    if code is None:  # one short group alone
        return written[::-1]
    last = area[area.rfind(" ") + 1:].replace("`", "")
    short = len(last) // 2 if len(last) != width else 0
    words = array.array(code, written[:len(written) - short])
    words.byteswap()
    return words.tobytes() + (written[len(written) - short:][::-1] if short else b"")


def _area_pattern(width: int) -> LazyPattern:
    """Hex tokens of one width from the start of a row body, 1–2 spaces apart (words up to 4;
    WinDbg db: a '-' between the 8th and 9th byte; dq: a backtick inside); the last may be a
    shorter group."""
    if width == 16:
        tok = r"[0-9A-Fa-f]{8}`?[0-9A-Fa-f]{8}(?![0-9A-Fa-f`])"
    else:
        tok = rf"[0-9A-Fa-f]{{{width}}}(?![0-9A-Fa-f`])"
    sep = r"(?: {1,2}|-)" if width == 2 else r" {1,4}"  # hexdump -x puts 4 spaces between words
    # xxd -e prints a partial last group right-aligned: up to width-2 more spaces before it
    pad = rf" {{0,{width - 2}}}"
    short = (rf"(?:{sep}{pad}(?:[0-9A-Fa-f]{{2}}){{1,{width // 2 - 1}}}(?![0-9A-Fa-f`]))?"
             if width > 2 else "")
    return lazy_compile(rf"{tok}(?:{sep}{tok})*{short}")


_AREAS = {w: _area_pattern(w) for w in (2, 4, 8, 16)}
_FIRST = lazy_compile(r"[0-9A-Fa-f]{8}`[0-9A-Fa-f]{8}(?![0-9A-Fa-f`])|[0-9A-Fa-f]+(?![0-9A-Fa-f`])")
_HEX_START = lazy_compile(r" {1,2}[0-9A-Fa-f]")
_ARRAY_CODES = {2: "H", 4: "I", 8: "Q"}


def _without_ascii_column(body: str, area: str, width: int) -> str:
    """Cut off tokens that are really the start of the ASCII column (bytes 'ab', 'cafe' ...):
    after a gap of two spaces, the rest of the line must read as the bytes before it."""
    p = area.find("  ")
    while p >= 0:
        tail = body[p + 2:]
        if len(tail.strip()) <= p // 2 + 1:  # no longer than the bytes before the gap
            head = area[:p]
            written = bytes.fromhex(head.replace("-", " ").replace("`", ""))
            if ascii_matches(tail, written):
                return head
            if width > 2 and ascii_matches(tail, _little_endian(head, width, written)):
                return head
        p = area.find("  ", p + 2)
    return area


def _without_close_ascii_column(body: str, area: str) -> str:
    """PowerShell 7's Format-Hex puts its ASCII column one space after the bytes, so the column
    may start with characters that read as hex bytes ("ab", "00"): cut the last one to three
    tokens off when they and the rest of the line are exactly the ASCII column of the bytes
    before them."""
    rest = body[len(area):]
    cut = len(area)
    for _ in range(3):
        cut = area.rfind(" ", 0, cut)
        if cut <= 0:
            break
        head = area[:cut]
        try:
            written = bytes.fromhex(head.replace("-", " "))
        except ValueError:
            break
        if ascii_matches(area[cut + 1:] + rest, written):
            return head
    return area


def ascii_matches(tail: str, data: bytes) -> bool:
    """Is ``tail`` the ASCII column of ``data``? Printable bytes must show as themselves; others
    as anything but a letter or digit ('.', or a code-page character in Event Viewer). Spaces at
    either end are not compared (they merge with the gap and trailing blanks get trimmed)."""
    lo, hi = 0, len(data)
    while lo < hi and data[lo] == 0x20:
        lo += 1
    while hi > lo and data[hi - 1] == 0x20:
        hi -= 1
    text = tail.strip(" \t")
    if len(text) != hi - lo or not text:
        return False
    for c, b in zip(text, data[lo:hi]):
        if 0x20 <= b < 0x7F:
            if c != chr(b):
                return False
        elif c.isascii() and c.isalnum():
            return False
    return True


# -- loose hex --------------------------------------------------------------------------------
def parse_loose(line: str, no: int) -> Loose | None:
    """Hex without an offset column. A line that is hex up to some point keeps those bytes and
    names the rest (``stray``); a line with no hex at its start is None."""
    text, base = line, 0
    style = "loose"
    if "<" in text and ">" in text and len(text) <= ROW_MAX_CHARS * 64:
        stripped = _XML_TAG.sub(lambda m: " " * len(m.group()), text)  # keep columns
        if stripped != text:
            text, style = stripped, "xml"
    if "{" in text:  # a C initialiser: "uint8_t rec[] = { 0x43, 0x50, ... };"
        base = text.index("{") + 1
    end = text.find("}", base)
    if end < 0:
        end = len(text)
    label = _COLON_LABEL.match(text, base, end) or _WORD_LABEL.match(text, base, end)
    if label and not _HEX.fullmatch(text[base:label.end()].strip(" \t:")):
        base = label.end()
    body = text[base:end]
    if not body.strip():
        return None
    if _PLAIN_HEX.fullmatch(body):  # the fast path, also for a 100 MB line of hex
        try:
            partial = base > 0 and style == "loose"  # after a label or inside { }
            return Loose(no, bytes.fromhex(body), style, partial=partial, text=line)
        except ValueError as exc:
            cut = _fromhex_cut(body, exc)
            data = bytes.fromhex(body[:cut]) if cut else b""
            if not data:
                return None
            rest = body[cut:]
            column = base + cut + len(rest) - len(rest.lstrip()) + 1
            return Loose(no, data, style, rest.strip(), column, True, line)
    return _loose_tokens(text, base, end, no, style)


def _fromhex_cut(body: str, exc: ValueError) -> int:
    """Where the good pairs end, from bytes.fromhex's error position."""
    m = _FROMHEX_POS.search(str(exc))
    if not m:
        return 0
    pos = min(int(m.group(1)), len(body))
    if pos > 0 and body[pos - 1] in HEX_DIGITS:
        pos -= 1  # the first digit of a broken pair
    return pos


def _loose_tokens(text: str, base: int, end: int, no: int, style: str) -> Loose | None:
    out: list[bytes] = []
    for m in _LOOSE_TOKEN.finditer(text, base, end):
        tok = m.group()
        data = _loose_token(tok)
        if data is None:
            holes = _loose_holes(text, m.start(), end, sum(map(len, out)))
            if holes is not None:
                rest, unknown = holes
                return Loose(no, b"".join(out) + rest, style, unknown=unknown)
            # hex running into other text ("…0000a", "…00z!"): keep the whole pairs
            digits = _HEX.match(tok)
            good = (digits.end() // 2 * 2) if digits and not tok.startswith(("0x", "0X")) else 0
            if good:
                out.append(bytes.fromhex(tok[:good]))
            if not out:
                return None
            start = m.start() + good
            return Loose(no, b"".join(out), style, text[start:end].strip(), start + 1, True, text)
        out.append(data)
    return Loose(no, b"".join(out), style) if out else None


# typos in hex are single pairs here and there: this many non-hex pairs one after another
# end the reading as holes (a long non-hex token would otherwise be walked pair by pair)
MAX_HOLES_IN_A_ROW = 4


def _loose_holes(text: str, start: int, end: int, before: int) -> tuple[bytes, tuple] | None:
    """The rest of a line of loose hex from ``start``, when it is plain hex pairs of which a few
    are not hex (``g1`` typed for ``01``): (its bytes with each such pair as 00, ((index in the
    line's data, 1-based column, pair), ...)), or None. ``before``: bytes the line gave before
    ``start``. Hex must follow every such pair, and the line must hold at least
    HOLES_PER_BYTES hex bytes per such pair (so words such as "is ok" stay text)."""
    out = bytearray()
    unknown = []
    for m in _LOOSE_TOKEN.finditer(text, start, end):
        tok = m.group()
        if len(tok) % 2 or tok[:2] in ("0x", "0X") or "\\" in tok:
            return None
        at = 0
        while at < len(tok):
            run = _HEX.match(tok, at)
            stop = run.end() - (run.end() - at) % 2 if run else at
            out += bytes.fromhex(tok[at:stop])
            if stop == len(tok):
                break
            pair = tok[stop:stop + 2]
            if any(c in _NOT_PLACEHOLDER and c not in HEX_DIGITS for c in pair):
                return None  # a quote, bracket or bar: text around the hex, not a typo in it
            unknown.append((before + len(out), m.start() + stop + 1, pair))
            if len(unknown) > MAX_HOLES_IN_A_ROW and unknown[-1 - MAX_HOLES_IN_A_ROW][0] == before + len(out) \
                    - MAX_HOLES_IN_A_ROW:
                return None  # a run of non-hex pairs is a word or a blob, not typos in hex
            if len(unknown) > MAX_HOLES_IN_A_ROW and before + len(out) < HOLES_PER_BYTES * (len(unknown) - 1):
                return None  # more than one such pair per HOLES_PER_BYTES bytes so far: no typos
            out.append(0)
            at = stop + 2
    if not unknown or unknown[-1][0] == before + len(out) - 1:
        return None  # no hex after the last one: text after the hex (said as before)
    if before + len(out) - len(unknown) < HOLES_PER_BYTES * len(unknown):
        return None
    return bytes(out), tuple(unknown)


def _loose_token(tok: str) -> bytes | None:
    if tok[:2] in ("0x", "0X"):
        digits = tok[2:]
        if not digits or len(digits) > 16 or not _HEX.fullmatch(digits):
            return None
        size = 1 if len(digits) <= 2 else 2 if len(digits) <= 4 else 4 if len(digits) <= 8 else 8
        return int(digits, 16).to_bytes(size, "little")
    if tok.startswith("\\x"):  # "\x43\x50..."
        parts = tok.split("\\x")[1:]
        if all(len(p) == 2 and _HEX.fullmatch(p) for p in parts):
            return bytes.fromhex("".join(parts))
        return None
    if len(tok) % 2 == 0 and _HEX.fullmatch(tok):
        return bytes.fromhex(tok)
    return None


def odd_hex(text: str) -> tuple[bytes, int, str] | None:
    """A field of hex (whitespace allowed) with an odd number of digits: (the whole bytes, how
    many digits there are, the last digit, which is left out), or None when ``text`` is not
    such hex. The bytes keep their places; only the lone last nibble is lost."""
    compact = "".join(text.split())
    if len(compact) % 2 == 0 or not _HEX.fullmatch(compact):
        return None
    return bytes.fromhex(compact[:-1]), len(compact), compact[-1]


def hex_with_holes(text: str) -> tuple[bytes, list[tuple[int, int, str]]] | None:
    """A field of hex (whitespace allowed) in which a few pairs are not hex (a typo, a garbled
    character): (the bytes with each such pair read as 00, [(byte index, 0-based character
    offset in ``text``, the pair)]), or None. Only for text that starts with a record signature
    in hex and has an even digit count, and at most one bad pair per HOLES_PER_BYTES bytes: base64
    has a character that is no hex digit in most pairs, so it is never taken for this."""
    compact = "".join(text.split())
    if len(compact) % 2 or compact[:8].upper() not in ("43504552", "57684C67"):
        return None
    out = bytearray()
    bad: list[tuple[int, int, str]] = []  # (byte index, index in compact, pair)
    limit = len(compact) // 2 // HOLES_PER_BYTES + 1
    start = 0
    while start < len(compact):
        m = _HEX.match(compact, start)
        end = m.end() if m else start
        end -= (end - start) % 2  # a lone digit before the bad character belongs to its pair
        out += bytes.fromhex(compact[start:end])
        if end == len(compact):
            break
        bad.append((len(out), end, compact[end:end + 2]))
        if len(bad) > limit:
            return None
        out.append(0)
        start = end + 2
    if not bad:
        return None  # all hex: not this function's case
    offsets = _char_offsets(text, [at for _, at, _ in bad])
    return bytes(out), [(i, off, pair) for (i, _, pair), off in zip(bad, offsets)]


def _char_offsets(text: str, indexes: list[int]) -> list[int]:
    """Where the ``indexes``-th (ascending) non-blank characters of ``text`` are (a field may
    be wrapped over lines); one pass over the text."""
    if not any(c.isspace() for c in text):
        return indexes
    out: list[int] = []
    seen = -1
    wanted = iter(indexes)
    nxt = next(wanted, None)
    for at, c in enumerate(text):
        if nxt is None:
            break
        if not c.isspace():
            seen += 1
            if seen == nxt:
                out.append(at)
                nxt = next(wanted, None)
    return out


# -- base64 -----------------------------------------------------------------------------------
def base64_text(line: str) -> str | None:
    """The base64 on a line (after an optional ``Label:``), or None."""
    text = line.strip()
    label = _COLON_LABEL.match(text)
    if label:
        text = text[label.end():].strip()
    if len(text) >= 8 and _B64.fullmatch(text) and not _HEX.fullmatch(text):
        return text
    return None
