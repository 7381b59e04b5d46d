"""An ``.evtx`` whose file header (its first 4096 bytes) is damaged (used by ``evtx_log`` and the
reader registry).

The Rust parser refuses a file whose first 8 bytes are not ``ElfFile\\0``, although it finds
the chunks by scanning their slots, not through the header. Read as raw binary, such a log
loses every event's provenance and its slack space (stale records past each chunk's free-space
offset) comes out as live records. So a log is also known by its first chunk (``ElfChnk\\0`` at
4096) or by a header that, its signature restored, passes its checksum; and the parser is given
the file behind a repaired header, never a changed file.
"""

from __future__ import annotations

import io
import struct
import zlib

FILE_MAGIC = b"ElfFile\0"
CHUNK_MAGIC = b"ElfChnk\0"
HEADER_SIZE = 4096
CHUNK_SIZE = 65536


def only_signature_damaged(buf) -> bool:
    """With ``ElfFile\\0`` in place the header's checksum (CRC32 of bytes 0–119 at 124) holds:
    the rest of the header, its chunk count too, can be trusted."""
    if len(buf) < 128:
        return False
    return zlib.crc32(FILE_MAGIC + bytes(buf[8:120])) == struct.unpack_from("<I", buf, 124)[0]


def _near(found: bytes, magic: bytes) -> bool:
    """At most two of the 8 signature bytes differ (damage, not another format)."""
    return len(found) == len(magic) and sum(a != b for a, b in zip(found, magic)) <= 2


MAX_SLOTS_CHECKED = 4096  # chunk slots looked at to tell a damaged log (256 MiB of them)
CHUNK_HEADER = 512
ZERO_CHUNK_HEADER = bytes(CHUNK_HEADER)


def is_damaged_log(buf) -> bool:
    """An event log whose header signature is damaged (or whose header is garbled or zeroed):
    its first chunk slot holds a chunk, or only the header's signature is wrong."""
    if bytes(buf[:8]) == FILE_MAGIC or bytes(buf[:4]) in (b"CPER", b"WhLg"):
        return False  # (a file of error records: its chunk slots need no look, see below)
    if bytes(buf[HEADER_SIZE:HEADER_SIZE + 8]) == CHUNK_MAGIC or only_signature_damaged(buf):
        return True
    if _near(bytes(buf[:8]), FILE_MAGIC) and _near(bytes(buf[HEADER_SIZE:HEADER_SIZE + 8]), CHUNK_MAGIC):
        return True  # both signatures a byte or two off (bit flips): a small log, one chunk maybe
    # the first chunk's signature damaged too: most used chunk slots still hold chunks (free
    # slots are zeros; a disk image that merely contains a log somewhere has far more used
    # slots than chunks)
    slots = range(HEADER_SIZE, min(len(buf), HEADER_SIZE + MAX_SLOTS_CHECKED * CHUNK_SIZE) - 8 + 1, CHUNK_SIZE)
    # one page a slot, but the kernel reads ahead around each fault: asked for no read-ahead
    # and the pages dropped as the look moves on, or a 256 MiB stretch of a big file is
    # resident before any reader has begun (a 1 GB sparse file: 273 MB)
    from .base import PageReleaser
    pages = PageReleaser(buf)
    _advise(buf, "MADV_RANDOM", slots[-1] + CHUNK_HEADER if slots else 0)
    used, found = 0, 0
    for at in slots:
        head = bytes(buf[at:at + CHUNK_HEADER])
        if head != ZERO_CHUNK_HEADER:
            used += 1
            found += head[:8] == CHUNK_MAGIC
        pages.release(at)
    pages.release(slots[-1] + CHUNK_HEADER if slots else 0)
    _advise(buf, "MADV_NORMAL", slots[-1] + CHUNK_HEADER if slots else 0)
    return found >= 1 and 2 * found >= used


def _advise(buf, advice: str, length: int) -> None:
    import mmap
    if isinstance(buf, mmap.mmap) and hasattr(mmap, advice) and length > 0:
        try:
            buf.madvise(getattr(mmap, advice), 0, length - length % mmap.PAGESIZE or mmap.PAGESIZE)
        except (OSError, ValueError):
            pass  # (advice only)


def repaired(buf) -> bytes:
    """The 4096-byte header the parser is given: the file's own with the signature restored when
    that is all that is wrong; otherwise a new one naming the chunk slots the file holds (the
    parser reads chunks by slot; the count only keeps the header plausible)."""
    if only_signature_damaged(buf):
        return (FILE_MAGIC + bytes(buf[8:HEADER_SIZE])).ljust(HEADER_SIZE, b"\0")
    return rebuilt(len(buf) - HEADER_SIZE)


def rebuilt(chunk_bytes: int) -> bytes:
    """A new 4096-byte file header for ``chunk_bytes`` of chunk slots after it."""
    slots = max(1, (chunk_bytes + CHUNK_SIZE - 1) // CHUNK_SIZE)
    head = bytearray(HEADER_SIZE)
    head[:8] = FILE_MAGIC
    # first/last chunk number, next record id (unknown: 0), header size 128, version 3.1,
    # header block size 4096, chunk count (2 bytes), flags 0, then the checksum
    struct.pack_into("<QQQIHHHH", head, 8, 0, slots - 1, 0, 128, 1, 3, HEADER_SIZE, min(slots, 0xFFFF))
    struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120])))
    return bytes(head)


def problem_text(buf) -> str:
    """What is wrong with the header and how the file was read (an error: the input is damaged)."""
    found = bytes(buf[:8])
    if only_signature_damaged(buf):
        return (f"the file header's signature is damaged (found {found!r}, not 'ElfFile\\0'); the file "
                "was recognised as an event log by its chunks and read with the signature restored")
    return (f"the file header is damaged (found {found!r}, not 'ElfFile\\0', and its checksum fails "
            "with the signature restored); the file was recognised as an event log by its chunks and "
            "read behind a rebuilt header; the header's chunk count is not used")


class PatchedFile(io.RawIOBase):
    """The file at ``path`` read through ``header`` in place of its first bytes: the parser
    streams a big log from disk instead of a repaired copy in memory."""

    def __init__(self, path: str, header: bytes) -> None:
        super().__init__()
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed with this object
        self._header = header

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        pos = self._file.tell()
        n = self._file.readinto(b) or 0
        if n and pos < len(self._header):
            k = min(n, len(self._header) - pos)
            memoryview(b)[:k] = self._header[pos:pos + k]
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()
