"""Hex text as people paste it: the real tools' output (run here) and Windows formats made the way
WinDbg and Event Viewer lay them out. Used by the hex-text tests and the fuzz test."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"

# The Unix tools exactly as users run them (Debian: bsdextrautils/util-linux → hexdump,
# coreutils → od, xxd → xxd).
TOOLS = {
    "hexdump -C": ["hexdump", "-C"],
    "hexdump -Cv": ["hexdump", "-Cv"],
    "od -A x -t x1z": ["od", "-A", "x", "-t", "x1z"],
    "od -A x -t x1": ["od", "-A", "x", "-t", "x1"],
    "od -t x1": ["od", "-t", "x1"],
    "xxd": ["xxd"],
    "xxd -p": ["xxd", "-p"],
}
# more layouts of the same tools that users meet (16-bit words, decimal offsets, xxd groups)
MORE_TOOLS = {
    "hexdump": ["hexdump"],
    "hexdump -x": ["hexdump", "-x"],
    "od -A d -t x1": ["od", "-A", "d", "-t", "x1"],
    "od -t x2": ["od", "-t", "x2"],
    "od -A x -t x4": ["od", "-A", "x", "-t", "x4"],
    "xxd -a": ["xxd", "-a"],
    "xxd -g4": ["xxd", "-g4"],
    "xxd -g8": ["xxd", "-g8"],
}


def record_vectors() -> list[Path]:
    """Every shared file that holds record bytes (binary vectors and the libcper records)."""
    return sorted(p for p in VECTORS.rglob("*") if p.is_file() and p.suffix in (".bin", ".cper"))


def missing_tools() -> list[str]:
    return [t for t in ("hexdump", "od", "xxd") if shutil.which(t) is None]


def run_tool(argv: list[str], data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".bin") as fh:
        fh.write(data)
        fh.flush()
        return subprocess.run(argv + [fh.name], capture_output=True, check=True).stdout.decode("ascii")


def run_tool_on(argv: list[str], path: Path) -> str:
    return subprocess.run(argv + [str(path)], capture_output=True, check=True).stdout.decode("ascii")


# -- WinDbg ------------------------------------------------------------------------------------
def _ascii(chunk: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)


def _addr64(a: int) -> str:
    return f"{a >> 32:08x}`{a & 0xFFFFFFFF:08x}"


def windbg_db(data: bytes, base: int = 0xFFFFF80112345670) -> str:
    """``db`` on a 64-bit target: 16 bytes a line, '-' after the 8th, ASCII at a fixed column."""
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        cells = "".join(f"{b:02x}" + ("-" if j == 7 and len(chunk) > 8 else " ")
                        for j, b in enumerate(chunk))
        lines.append(f"{_addr64(base + i)}  {cells.ljust(48)} {_ascii(chunk)}")
    return "\n".join(lines)


def memory_after(data: bytes, word: int, filler: int = 0xCC) -> bytes:
    """What a word dump of ``data`` shows: whole words, the last filled from the memory after."""
    return data + bytes([filler]) * (-len(data) % word)


def windbg_dd(data: bytes, base: int = 0xFFFFF80112345670) -> str:
    """``dd``: four little-endian dwords a line (a dump cannot stop inside a dword)."""
    mem = memory_after(data, 4)
    lines = []
    for i in range(0, len(mem), 16):
        words = struct.unpack_from(f"<{len(mem[i:i + 16]) // 4}I", mem, i)
        lines.append(f"{_addr64(base + i)}  " + " ".join(f"{w:08x}" for w in words))
    return "\n".join(lines)


def windbg_dq(data: bytes, base: int = 0xFFFFF80112345670) -> str:
    """``dq``: two little-endian qwords a line, each written ``hhhhhhhh`hhhhhhhh``."""
    mem = memory_after(data, 8)
    lines = []
    for i in range(0, len(mem), 16):
        words = struct.unpack_from(f"<{len(mem[i:i + 16]) // 8}Q", mem, i)
        lines.append(f"{_addr64(base + i)}  " + " ".join(f"{w >> 32:08x}`{w & 0xFFFFFFFF:08x}"
                                                         for w in words))
    return "\n".join(lines)


# -- Event Viewer ------------------------------------------------------------------------------
def _cp1252(b: int) -> str:
    if 0x20 <= b < 0x7F:
        return chr(b)
    if b >= 0xA0 or b in (0x80, 0x8A, 0x8C, 0x8E, 0x9A, 0x9C, 0x9E, 0x9F):
        return bytes([b]).decode("cp1252")
    return "."


_EV_HEAD = ("Log Name:      Microsoft-Windows-Kernel-WHEA/Errors\r\n"
            "Source:        Microsoft-Windows-Kernel-WHEA\r\n"
            "Date:          11/9/2024 9:55:33 AM\r\n"
            "Event ID:      20\r\n"
            "Level:         Information\r\n"
            "Computer:      DESKTOP-4F2K9Q1\r\n"
            "Description:\r\nA hardware error was corrected.\r\n\r\nBinary data:\r\n\r\n")


def ev_in_bytes(data: bytes, *, header: bool = True) -> str:
    """Friendly View → Binary data → In Bytes, copied: 8 bytes a line, code-page ASCII."""
    lines = [f"{i:04x}: " + " ".join(f"{b:02x}" for b in data[i:i + 8]).ljust(23) + "   "
             + "".join(_cp1252(b) for b in data[i:i + 8]) for i in range(0, len(data), 8)]
    return (_EV_HEAD + "In Bytes\r\n\r\n" if header else "") + "\r\n".join(lines) + "\r\n"


def ev_in_words(data: bytes, *, header: bool = True) -> str:
    """Friendly View → In Words: four little-endian dwords a line (the last dword zero-filled)."""
    mem = memory_after(data, 4, 0)
    lines = []
    for i in range(0, len(mem), 16):
        words = struct.unpack_from(f"<{len(mem[i:i + 16]) // 4}I", mem, i)
        lines.append(f"{i:04x}: " + " ".join(f"{w:08x}" for w in words))
    return (_EV_HEAD + "In Words\r\n\r\n" if header else "") + "\r\n".join(lines) + "\r\n"


def ev_xml_event(data: bytes) -> str:
    """An event as Event Viewer's XML View shows it (Kernel-WHEA: ``<Data Name="RawData">``)."""
    return ('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">\r\n'
            "  <System>\r\n"
            '    <Provider Name="Microsoft-Windows-Kernel-WHEA" '
            'Guid="{7b563579-53c8-44e7-8236-0f87b9fe6594}" />\r\n'
            "    <EventID>20</EventID>\r\n    <Version>0</Version>\r\n    <Level>4</Level>\r\n"
            '    <TimeCreated SystemTime="2024-11-09T09:55:33.6500000Z" />\r\n'
            "    <EventRecordID>1042</EventRecordID>\r\n"
            "    <Channel>Microsoft-Windows-Kernel-WHEA/Errors</Channel>\r\n"
            "    <Computer>DESKTOP-4F2K9Q1</Computer>\r\n  </System>\r\n  <EventData>\r\n"
            f'    <Data Name="Length">{len(data)}</Data>\r\n'
            f'    <Data Name="RawData">{data.hex().upper()}</Data>\r\n'
            "  </EventData>\r\n</Event>\r\n")


def ev_xml_data_line(data: bytes) -> str:
    """The one line a user copies out of the XML View."""
    return f'    <Data Name="RawData">{data.hex().upper()}</Data>'


def ev_xml_binary(data: bytes) -> str:
    """Classic events keep their data in ``<Binary>`` (copied as a fragment)."""
    return f"  <EventData>\n    <Binary>{data.hex().upper()}</Binary>\n  </EventData>\n"


def ev_friendly_event_data(data: bytes) -> str:
    """Friendly View of a Kernel-WHEA event, copied: the EventData table as "Name Value" lines."""
    return ("- System\r\n\r\n  - Provider\r\n\r\n   [ Name]  Microsoft-Windows-Kernel-WHEA\r\n"
            "  EventID 20\r\n\r\n- EventData\r\n\r\n"
            f"  Length {len(data)}\r\n  RawData {data.hex().upper()}\r\n")


PYTHON_FORMATS = {
    "windbg db": windbg_db,
    "windbg dd": windbg_dd,
    "windbg dq": windbg_dq,
    "event viewer in bytes": ev_in_bytes,
    "event viewer in words": ev_in_words,
    "event viewer xml event": ev_xml_event,
    "event viewer xml RawData line": ev_xml_data_line,
    "event viewer xml Binary": ev_xml_binary,
    "event viewer friendly EventData": ev_friendly_event_data,
}
WORD_FORMATS = {"windbg dd": 4, "windbg dq": 8, "event viewer in words": 4}
