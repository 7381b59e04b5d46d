"""Text holding record bytes: hex dumps in any common style, loose hex, and base64.

Understood styles (each line may carry an offset/address column and an ASCII column):
  * Event Viewer "In Bytes" (``0000: 43 50 45 52 …   CPER…``) and "In Words" (``0000: 52455043 …``)
  * WinDbg ``db`` (``ff-ff`` in the middle), ``dw``/``dd``/``dq`` (little-endian words: the
    bytes are put back in memory order; ``dq`` values may contain a backtick)
  * ``xxd`` (byte-order pairs), ``hexdump -C`` (``|ASCII|``)
  * forum posts: spaces, newlines, ``0x`` prefixes, commas, a ``RawData:`` style label
  * base64, whole or per line (PowerShell, python-evtx, Redfish exports)
Dumped lines whose addresses follow on from each other form one block; a jump in the address,
or prose between loose hex, starts a new one. Each block is then split into records.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .base import Problem, RecordRef
from .carve import SIGNATURES
from .raw import SMALL_FILE

name = "text"

_ADDR_LINE = re.compile(
    r"^\s*(?P<addr>(?:0x)?[0-9a-fA-F]{4,16}(?:`[0-9a-fA-F]{8})?)(?P<sep>:\s*|\s{2,}|\s+(?=\S))(?P<rest>.*)$")
_HEX = re.compile(r"[0-9a-fA-F]+")
_LABEL = re.compile(r"^\s*[A-Za-z][\w .()/-]{0,40}:\s*")
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_SPLIT_FREE = re.compile(r"[\s,;{}\[\]]+")
_MIDDLE_HYPHEN = re.compile(r"(?<=[0-9a-fA-F])-(?=[0-9a-fA-F])")
_ASCII_TAIL = re.compile(r"\s*\|[^|]*\|?\s*$")


@dataclass
class Block:
    """Decoded bytes from one run of text lines."""

    line: int  # 1-based line where it starts
    encoding: str  # "hex" | "base64"
    style: str  # e.g. "dump-8", "dump-32-le", "loose", "base64"
    data: bytes = b""
    # for word dumps: the same bytes in written order, used when only that order has a signature
    alt: bytes | None = None
    next_addr: int | None = None
    parts: list = field(default_factory=list)
    alt_parts: list = field(default_factory=list)

    def finish(self) -> None:
        self.data = b"".join(self.parts)
        if self.alt_parts:
            alt = b"".join(self.alt_parts)
            if self.data[:4] not in SIGNATURES and alt[:4] in SIGNATURES:
                self.data, self.style = alt, self.style.replace("-le", "-bytes")
        self.parts = self.alt_parts = []


def decode_text(raw: bytes) -> str:
    """Text of a file: UTF-8 / UTF-16 by BOM, UTF-16 without BOM by its NUL pattern."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    sample = raw[:512]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and not sample[0::2].count(0):
        return raw.decode("utf-16-le", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    text = decode_text(head)
    if "\0" in text:
        return False
    printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
    return printable >= 0.95 * len(text)


def sniff(head: bytes, path: str = "") -> int:
    return 30 if head[:4] not in SIGNATURES and looks_like_text(head) else 0


# -- line parsers ---------------------------------------------------------------------------------
def _words(tokens: list[str], width: int) -> tuple[bytes, bytes] | None:
    """(memory order, written order) bytes of same-width hex tokens, or None. The last token may
    be shorter (xxd's final group on a partial line)."""
    if not tokens:
        return None
    if width == 16:
        tokens = [t.replace("`", "") for t in tokens]
    last = len(tokens[-1])
    if last > width or last % 2 or any(len(t) != width for t in tokens[:-1]):
        return None
    try:
        written = bytes.fromhex("".join(tokens))
    except ValueError:
        return None
    if width == 2:
        return written, written
    step = width // 2
    le = b"".join(written[i:i + step][::-1] for i in range(0, len(written), step))
    return le, written


def _is_ascii_column(seg: str, line_bytes: bytes) -> bool:
    if len(seg) != len(line_bytes) or not seg:
        return False
    same = sum(c == "." or c == chr(b) or ord(c) > 127 for c, b in zip(seg, line_bytes))
    return same >= 0.75 * len(seg)


def parse_dump_line(line: str):
    """(address, memory-order bytes, written-order bytes, width, colon) of an offset-column
    dump line, or None."""
    m = _ADDR_LINE.match(line)
    if not m:
        return None
    addr_text, sep, rest = m.group("addr"), m.group("sep"), m.group("rest")
    colon = ":" in sep
    if not (colon or "`" in addr_text or len(sep) >= 2):
        return None
    rest = _ASCII_TAIL.sub("", rest)
    segments = [s for s in re.split(r"\s{2,}", rest.strip()) if s]
    if not segments:
        return None
    first = _MIDDLE_HYPHEN.sub(" ", segments[0]).split()
    width = len(first[0].replace("`", ""))
    if width not in (2, 4, 8, 16):
        return None
    got = _words(first, width)
    if got is None:
        return None
    le, written = got
    for seg in segments[1:]:
        more = _words(_MIDDLE_HYPHEN.sub(" ", seg).split(), width)
        if more is None or _is_ascii_column(seg, written):
            break
        le, written = le + more[0], written + more[1]
    addr = int(addr_text.replace("`", "").removeprefix("0x"), 16)
    return addr, (written if width == 2 else le), written, width, colon


def parse_loose_line(line: str) -> bytes | None:
    """Bytes of a line of loose hex (forum style), or None if it is not one."""
    text = line.strip()
    if "{" in text:  # a C initialiser: "uint8_t rec[] = { 0x43, 0x50, ... };"
        text = text.split("{", 1)[1]
    text = text.split("}", 1)[0].strip()
    if not text:
        return None
    label = _LABEL.match(text)
    if label and not _HEX.fullmatch(text[:label.end()].strip(" :")):
        text = text[label.end():]
    out = []
    for tok in _SPLIT_FREE.split(text):
        if not tok:
            continue
        if tok[:2] in ("0x", "0X"):
            digits = tok[2:]
            if not digits or len(digits) > 16 or not _HEX.fullmatch(digits):
                return None
            size = 1 if len(digits) <= 2 else 2 if len(digits) <= 4 else 4 if len(digits) <= 8 else 8
            out.append(int(digits, 16).to_bytes(size, "little"))
        elif _HEX.fullmatch(tok) and len(tok) % 2 == 0:
            out.append(bytes.fromhex(tok))
        else:
            return None
    return b"".join(out) if out else None


def parse_base64_line(line: str) -> str | None:
    text = line.strip()
    label = _LABEL.match(text)
    if label:
        text = text[label.end():].strip()
    if len(text) >= 8 and _B64.fullmatch(text) and not _HEX.fullmatch(text):
        return text
    return None


def _b64(text: str) -> bytes | None:
    text = text.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


# -- whole text -------------------------------------------------------------------------------
def parse_blocks(text: str) -> list[Block]:
    compact = "".join(text.split())
    if len(compact) >= 16 and _B64.fullmatch(compact) and not _HEX.fullmatch(compact):
        data = _b64(compact)
        if data is not None:
            return [Block(1, "base64", "base64", data)]
    blocks: list[Block] = []
    cur: Block | None = None
    b64_run: list[str] = []
    b64_line = 0

    def close() -> None:
        nonlocal cur
        if cur is not None:
            cur.finish()
            if cur.data:
                blocks.append(cur)
        cur = None

    def close_b64() -> None:
        if b64_run:
            data = _b64("".join(b64_run))
            if data:
                blocks.append(Block(b64_line, "base64", "base64", data))
            b64_run.clear()

    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        dump = parse_dump_line(line)
        if dump is not None:
            close_b64()
            addr, mem, written, width, colon = dump
            if cur is None or not cur.style.startswith("dump") or addr != cur.next_addr:
                close()
                style = f"dump-{width * 4}" + ("" if width == 2 else
                                               "-bytes" if width == 4 and colon else "-le")
                cur = Block(no, "hex", style)
            if width == 4 and colon:  # xxd: pairs are in byte order
                mem, written = written, mem
            cur.parts.append(mem)
            if width > 2:
                cur.alt_parts.append(written)
            cur.next_addr = addr + len(mem)
            continue
        loose = parse_loose_line(line)
        if loose is not None and (len(loose) >= 4 or (cur is not None and cur.style == "loose")):
            close_b64()
            if cur is None or cur.style != "loose":
                close()
                cur = Block(no, "hex", "loose")
            cur.parts.append(loose)
            continue
        b64 = parse_base64_line(line)
        if b64 is not None:
            close()
            if not b64_run:
                b64_line = no
            b64_run.append(b64)
            continue
        close()
        close_b64()
    close()
    close_b64()
    return blocks


def parse_pasted_text(text: str) -> bytes:
    """The bytes in pasted text (any style above); several blocks are joined in order.

    Raises ValueError with a plain message when the text holds no hex or base64 data.
    """
    blocks = parse_blocks(text)
    if not blocks:
        raise ValueError("No hex or base64 data found in the pasted text")
    return b"".join(b.data for b in blocks)


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    from .raw import read_bytes as split_raw

    blocks = parse_blocks(decode_text(data))
    if not blocks:
        on_problem(Problem(path, 0, "text file holds no hex or base64 record data", "warning"))
        if len(data) <= SMALL_FILE:  # opened directly: still shown as bytes; folder walks skip it
            yield RecordRef(bytes(data), {"path": path, "offset": 0, "kind": name, "format": "unknown"})
        return
    with_sig = [any(sig in b.data for sig in SIGNATURES) for b in blocks]
    for i, block in enumerate(blocks):
        if any(with_sig) and not with_sig[i]:
            on_problem(Problem(path, None, f"text block at line {block.line}: {len(block.data)} bytes "
                                           "of hex without a record signature; skipped", "note"))
            continue

        def sink(p: Problem, block=block) -> None:
            on_problem(Problem(p.path, p.offset, f"text block at line {block.line} "
                               f"(offsets in its decoded bytes): {p.message}", p.level, p.length))

        for ref in split_raw(block.data, path, sink):
            ref.source.update(kind=name, encoding=block.encoding, style=block.style,
                              line=block.line, block=i)
            yield ref
