"""ACPI boot and hardware error data: the BERT table, BERT regions and GHES status blocks.

* A BERT table (``/sys/firmware/acpi/tables/BERT``, 48 bytes, FORMAT.md §9.4) names the boot
  error region; its bytes come after the table in the same file (some dump tools) or from
  ``data/BERT`` beside it (Linux sysfs).
* A region (``/sys/firmware/acpi/tables/data/BERT``) or a dumped GHES buffer is one or more
  Generic Error Status Blocks back to back, walked as Linux ``bert_print_all`` does.
Each block is yielded on its own with ``kind`` "gesb"; ``decode_record`` decodes it as a status
block (entry headers located, bodies through the section decoders).
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Iterator
from pathlib import Path

from ..core import guids
from ..formats.gesb_sizes import ENTRY_V1_SIZE, ENTRY_V3_SIZE
from ..formats.gesb_sizes import HEADER_SIZE as BLOCK_HEADER_SIZE
from .base import MAX_DEVICE, Problem, RecordRef, SourceError

name = "gesb"
BERT_TABLE_SIZE = 48
_TABLE = struct.Struct("<4sIBB6s8sI4sIIQ")
SCAN_WINDOW = 4 << 20  # bytes tested per vectorised step when looking for the next block


def sniff(head: bytes, path: str = "") -> int:
    if head[:4] == b"BERT" and len(head) >= 8 and struct.unpack_from("<I", head, 4)[0] >= BERT_TABLE_SIZE:
        return 95
    return gesb_score(head)


def gesb_score(head: bytes) -> int:
    """How much ``head`` looks like a status block with at least one sane data entry."""
    if len(head) < BLOCK_HEADER_SIZE + 28:  # the header and the entry fields read below
        return 0
    status = int.from_bytes(head[:4], "little")
    if not status or status & 0xFFFFC000:
        return 0  # (judged before the layouts are imported: most inputs stop here)
    from ..formats.gesb import ENTRY
    from ..formats.gesb import HEADER as BLOCK
    block = BLOCK.unpack(head)
    status, data_len = block["block_status"], block["data_length"]
    if not status or status & 0xFFFFC000 or block["error_severity"] > 3 or data_len < ENTRY_V1_SIZE:
        return 0
    if block["raw_data_length"] and block["raw_data_offset"] < BLOCK_HEADER_SIZE + data_len:
        return 0
    e = BLOCK_HEADER_SIZE
    rev = ENTRY.read(head, "revision", e)
    if (ENTRY.read(head, "error_severity", e) > 3 or ENTRY.read(head, "validation_bits", e) & 0xF8
            or not 1 <= rev >> 8 <= 3):
        return 0
    if (ENTRY_V3_SIZE if rev >> 8 >= 3 else ENTRY_V1_SIZE) + ENTRY.read(head, "error_data_length", e) > data_len:
        return 0
    known = guids.lookup(guids.guid_text(ENTRY.read(head, "section_type", e)), guids.SECTION) is not None
    return 70 if known else 40


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    if data[:4] == b"BERT":
        yield from _bert_table(data, path, on_problem)
    else:
        yield from walk_region(data, path, on_problem, {"container": "gesb"})


def _bert_table(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    if len(data) < BERT_TABLE_SIZE:
        on_problem(Problem(path, 0, f"BERT table is {len(data)} bytes; it needs {BERT_TABLE_SIZE}", "error"))
        return
    (_sig, length, revision, _csum, oem_id, oem_table, _oem_rev, _creator, _creator_rev,
     region_len, region_addr) = _TABLE.unpack_from(data, 0)
    info = {"container": "bert", "bert_table_path": path, "region_address": region_addr,
            "region_length": region_len, "oem_id": oem_id.rstrip(b"\0 ").decode("latin-1"),
            "oem_table_id": oem_table.rstrip(b"\0 ").decode("latin-1"), "table_revision": revision}
    table_len = min(max(length, BERT_TABLE_SIZE), len(data))
    if sum(data[:table_len]) & 0xFF:
        on_problem(Problem(path, 9, "BERT table checksum does not add up to 0", "warning", 1))
    if region_len < BLOCK_HEADER_SIZE:
        on_problem(Problem(path, 36, f"BootErrorRegionLength is {region_len}; a region needs at least "
                                     f"{BLOCK_HEADER_SIZE} bytes", "warning", 4))
    if len(data) > table_len:  # the region follows the table in this file
        yield from walk_region(data, path, on_problem, info, start=table_len, region_len=region_len)
        return
    region_path = Path(path).parent / "data" / "BERT"
    if not Path(path).is_file():  # bytes from memory or standard input: no folder to look in
        on_problem(Problem(path, 40, f"the boot error region ({region_len} bytes at physical address "
                                     f"0x{region_addr:X}) is not in this input", "warning", 12))
        return
    try:
        region = _read_region(region_path)
    except SourceError as exc:
        on_problem(Problem(path, 40, f"the boot error region ({region_len} bytes at physical address "
                                     f"0x{region_addr:X}) is not in this file and {region_path} cannot "
                                     f"be read ({exc}); on Linux it is /sys/firmware/acpi/tables/data/BERT "
                                     "(readable by root); the boot error it holds is not read", "error", 12))
        return
    if len(region) > MAX_REGION:
        on_problem(Problem(str(region_path), MAX_REGION, f"the region file holds more than {MAX_REGION} bytes "
                                                         "(no boot error region is that big); the rest is not read",
                           "error"))
        region = region[:MAX_REGION]
    yield from walk_region(region, str(region_path), on_problem, info, region_len=region_len)


# The region file beside a BERT table is opened by this reader, not named by the user: only a
# regular file is read (a FIFO would block, a device never ends), and at most this much of it
MAX_REGION = MAX_DEVICE


def _read_region(region_path: Path) -> bytes:
    """At most MAX_REGION + 1 bytes of the region file; SourceError when it is missing or not a
    regular file (checked before it is opened: opening a FIFO blocks)."""
    try:
        if not stat.S_ISREG(os.stat(region_path).st_mode):
            raise SourceError("it is not a regular file")
        with open(region_path, "rb") as fh:
            return fh.read(MAX_REGION + 1)
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from exc


def walk_region(data: bytes, path: str, on_problem, info: dict, *, start: int = 0,
                region_len: int | None = None) -> Iterator[RecordRef]:
    """Each status block in ``data[start:]``: stops at an empty block (BlockStatus 0) or one
    that cannot be whole, as Linux does, reporting why."""
    from ..formats.gesb import block_length  # here: judging an input needs only the sizes
    end = len(data)
    if region_len is not None:
        if start + region_len < end:
            end = start + region_len
        elif start + region_len > end:
            on_problem(Problem(path, end, f"the region is {region_len} bytes but only {end - start} are "
                                          "present", "warning"))
    pos = start
    index = 0
    while end - pos >= BLOCK_HEADER_SIZE:
        status = struct.unpack_from("<I", data, pos)[0]
        length = block_length(data, pos)
        if status == 0:
            if any(data[pos:end]):
                on_problem(Problem(path, pos, "a block with BlockStatus 0 (no error) ends the region; "
                                              f"the {end - pos} bytes from here are not read", "note",
                                   end - pos))
            break
        if length < BLOCK_HEADER_SIZE:
            found = _next_block(data, pos + 4, end)
            if found is None:
                on_problem(Problem(path, pos, f"status block length {length} is impossible and no "
                                              "further block is found; stopped", "error", end - pos))
                break
            on_problem(Problem(path, pos, f"status block length {length} is impossible; skipped "
                                          f"{found - pos} bytes to the next plausible block", "error",
                               found - pos))
            pos = found
            continue
        cut = _swallowed_block(data, pos, length, end)
        if cut is not None:
            entries_end, found = cut
            room = "" if length <= end - pos else f" but only {end - pos} remain"
            on_problem(Problem(path, pos, f"status block at offset {pos} declares {length} bytes"
                                          f"{room}, which its data entries (ending at {entries_end}) "
                                          f"do not fill, and a plausible status block starts at "
                                          f"{found}: the block is read up to there", "error",
                               found - pos))
            length = found - pos
        elif length > end - pos:
            on_problem(Problem(path, pos, f"status block declares {length} bytes but only {end - pos} "
                                          "remain (truncated)", "warning", end - pos))
            length = end - pos
        src = {"path": path, "offset": pos, "kind": name, "format": "gesb", "block": index}
        src.update(info)
        yield RecordRef(bytes(data[pos:pos + length]), src)
        pos += length
        index += 1
    if 0 < end - pos < BLOCK_HEADER_SIZE and any(data[pos:end]):
        on_problem(Problem(path, pos, f"{end - pos} bytes after the last block are too few for a block "
                                      "header; not read", "note", end - pos))
    if index == 0:
        on_problem(Problem(path, start, "no error status block with an error in it (BlockStatus is 0 "
                                        "or the region is empty)", "note"))


def _swallowed_block(data: bytes, pos: int, length: int, end: int) -> tuple[int, int] | None:
    """(where its entries end, where the next block starts) when the block at ``pos`` claims
    bytes its data entries do not account for (DataLength past the data present, or not filled
    by whole entries) and a plausible status block starts in them: its DataLength is impossible
    and would swallow that block. None for a consistent block, or when no block is found."""
    data_len = struct.unpack_from("<I", data, pos + 12)[0]
    data_end = pos + BLOCK_HEADER_SIZE + data_len
    if pos + length <= end and _entries_end(data, pos, data_end, 0) == data_end:
        return None  # whole and consistent: its entries fill DataLength exactly
    count = struct.unpack_from("<I", data, pos)[0] >> 4 & 0x3FF
    claim_end = min(pos + length, end)
    entries_end = _entries_end(data, pos, min(data_end, claim_end), count)
    found = _next_block(data, entries_end, claim_end + BLOCK_HEADER_SIZE + 28, before=claim_end)
    return None if found is None else (entries_end, found)


def _entries_end(data: bytes, pos: int, limit: int, count: int) -> int:
    """Where the data entries of the block at ``pos`` end, walked by their own lengths while
    each header is sane (severity 0–3, revision major 0–3, no reserved validation bits) and
    whole before ``limit``; after ``count`` entries when the count is not 0."""
    p = pos + BLOCK_HEADER_SIZE
    n = 0
    while limit - p >= ENTRY_V1_SIZE and (not count or n < count):
        severity, revision, valid, _flags, size = struct.unpack_from("<IHBBI", data, p + 16)
        if severity > 3 or revision >> 8 > 3 or valid & 0xF8:
            break
        step = (ENTRY_V3_SIZE if revision >> 8 >= 3 else ENTRY_V1_SIZE) + size
        if p + step > limit:
            break
        p += step
        n += 1
    return p


def _next_block(data: bytes, pos: int, end: int, *, before: int | None = None) -> int | None:
    """The next offset in ``data[pos:end]`` (before ``before`` when given) where a plausible
    status block with a sane first entry starts: the fixed bytes (ErrorSeverity 0-3, the first
    entry's revision major 1-3 and validation bits 0-7) tested for every offset at once, a
    window at a time (bounded time and memory on a huge region), then the full check."""
    import numpy as np  # only when a damaged region is searched

    end = min(end, len(data))
    stop = min(end if before is None else min(before, end), end - (BLOCK_HEADER_SIZE + 28) + 1)
    for w in range(pos, stop, SCAN_WINDOW):
        n = min(SCAN_WINDOW, stop - w)
        b = np.frombuffer(data, np.uint8, count=min(n + 43, len(data) - w), offset=w)
        hits = ((b[16:16 + n] <= 3) & (b[17:17 + n] == 0) & (b[18:18 + n] == 0)
                & (b[19:19 + n] == 0) & (b[41:41 + n] - np.uint8(1) <= 2) & (b[42:42 + n] <= 7))
        for i in np.flatnonzero(hits).tolist():
            if gesb_score(bytes(data[w + i:w + i + 64])):
                return w + i
    return None
