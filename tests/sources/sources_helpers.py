"""Builders shared by the source-reader tests: hex dumps in each style, status blocks, tables."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

from whea_gui.compose.status_block import entry_for_section, status_block
from whea_gui.formats.cper import DESCRIPTOR, HEADER

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
EVTX = VECTORS / "evtx" / "kernel_whea_operational_52events.evtx"


def dwr_records() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(DWR.glob("*.bin"))]


def _ascii(chunk: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)


def ev_bytes(data: bytes) -> str:
    """Event Viewer, Details → Friendly View → Binary data "In Bytes"."""
    return "\r\n".join(f"{i:04x}: " + " ".join(f"{b:02X}" for b in data[i:i + 8]).ljust(23)
                       + "   " + _ascii(data[i:i + 8]) for i in range(0, len(data), 8))


def ev_words(data: bytes) -> str:
    """Event Viewer "In Words": little-endian DWORDs, 4 per line (last one zero-padded)."""
    padded = data + b"\0" * (-len(data) % 4)
    lines = []
    for i in range(0, len(padded), 16):
        chunk = padded[i:i + 16]
        words = struct.unpack(f"<{len(chunk) // 4}I", chunk)
        lines.append(f"{i:04x}: " + " ".join(f"{w:08X}" for w in words))
    return "\r\n".join(lines)


def _addr(a: int) -> str:
    return f"{a >> 32:08x}`{a & 0xFFFFFFFF:08x}"


def windbg_db(data: bytes, base: int = 0xFFFFF8021A2B3C40) -> str:
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        hx = " ".join(f"{b:02x}" for b in chunk)
        if len(chunk) > 8:
            hx = hx[:23] + "-" + hx[24:]
        lines.append(f"{_addr(base + i)}  {hx.ljust(47)}  {_ascii(chunk)}")
    return "\n".join(lines)


def windbg_words(data: bytes, size: int, base: int = 0xFFFFF8021A2B3C40) -> str:
    """``dw`` (size 2), ``dd`` (4) or ``dq`` (8); data length must be a multiple of size."""
    fmt = {2: "H", 4: "I", 8: "Q"}[size]
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        vals = struct.unpack(f"<{len(chunk) // size}{fmt}", chunk)
        if size == 8:
            cells = [f"{v >> 32:08x}`{v & 0xFFFFFFFF:08x}" for v in vals]
        else:
            cells = [f"{v:0{size * 2}x}" for v in vals]
        lines.append(f"{_addr(base + i)}  " + " ".join(cells))
    return "\n".join(lines)


def xxd(data: bytes) -> str:
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        hx = " ".join(chunk[j:j + 2].hex() for j in range(0, len(chunk), 2))
        lines.append(f"{i:08x}: {hx.ljust(39)}  {_ascii(chunk)}")
    return "\n".join(lines)


def hexdump_c(data: bytes) -> str:
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        left = " ".join(f"{b:02x}" for b in chunk[:8])
        right = " ".join(f"{b:02x}" for b in chunk[8:])
        lines.append(f"{i:08x}  {left.ljust(23)}  {right.ljust(23)}  |{_ascii(chunk)}|")
    return "\n".join(lines)


def hexdump_c_squeezed(pieces: list[tuple[int, bytes]], total: int) -> str:
    """``hexdump -C`` of an image of ``total`` bytes that is zero except for ``pieces``
    ((offset, bytes), offsets in order, not overlapping), with its line squeezing: a line equal
    to the one above becomes '*', and the total length ends the dump. The image is never made,
    so it may be gigabytes."""
    out: list[str] = []
    prev = None

    def row(i: int, chunk: bytes) -> None:
        nonlocal prev
        if chunk == prev and len(chunk) == 16:
            if out[-1] != "*":
                out.append("*")
            return
        left = " ".join(f"{b:02x}" for b in chunk[:8])
        right = " ".join(f"{b:02x}" for b in chunk[8:])
        out.append(f"{i:08x}  {left.ljust(23)}  {right.ljust(23)}  |{_ascii(chunk)}|")
        prev = chunk

    def zeros(start: int, end: int) -> None:
        full = start + (end - start) // 16 * 16
        if full > start:
            row(start, bytes(16))
        if full - start > 16:
            row(start + 16, bytes(16))  # equal to the line above: '*' stands for all up to `full`
        if end > full:
            row(full, bytes(end - full))

    pos = 0
    for offset, data in pieces:
        assert offset % 16 == 0 and offset >= pos
        zeros(pos, offset)
        padded = data + bytes(-len(data) % 16) if offset + len(data) < total else data
        for i in range(0, len(padded), 16):
            row(offset + i, padded[i:i + 16])
        pos = offset + len(padded)
    zeros(pos, total)
    out.append(f"{total:08x}")
    return "\n".join(out) + "\n"


def forum_spaced(data: bytes) -> str:
    return "\n".join(" ".join(f"{b:02X}" for b in data[i:i + 24]) for i in range(0, len(data), 24))


def forum_0x(data: bytes) -> str:
    return ",\n".join(", ".join(f"0x{b:02x}" for b in data[i:i + 12]) for i in range(0, len(data), 12))


def b64_wrapped(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


# -- ACPI ------------------------------------------------------------------------------------
def cper_sections(record: bytes) -> list[tuple[bytes, bytes]]:
    """(72-byte descriptor, body) for each section of a CPER record."""
    out = []
    for i in range(HEADER.read(record, "section_count")):
        d = record[HEADER.size + DESCRIPTOR.size * i:HEADER.size + DESCRIPTOR.size * (i + 1)]
        off, length = DESCRIPTOR.read(d, "section_offset"), DESCRIPTOR.read(d, "section_length")
        out.append((d, record[off:off + length]))
    return out


def gede(descriptor: bytes, body: bytes, *, v3: bool = False, timestamp: bytes = b"\0" * 8) -> bytes:
    """A Generic Error Data Entry carrying a CPER section (descriptor fields mapped over)."""
    return entry_for_section(descriptor, body, revision=0x300 if v3 else 0x201, timestamp=timestamp)


def gesb(entries: list[bytes], *, severity: int = 2, status: int | None = None, raw: bytes = b"") -> bytes:
    if status is None:
        status = (2 if severity == 2 else 1) | (len(entries) << 4)
    return status_block(entries, severity=severity, block_status=status, raw=raw)


def bert_table(region_len: int, region_addr: int = 0x7AF3E018) -> bytes:
    t = bytearray(struct.pack("<4sIBB6s8sI4sIIQ", b"BERT", 48, 1, 0, b"ALASKA", b"A M I   ", 0x1072009,
                              b"AMI ", 0x10013, region_len, region_addr))
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)
