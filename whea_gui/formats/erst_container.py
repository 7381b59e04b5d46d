"""QEMU's ``acpi-erst`` backing file: the "ERSTSTOR" header, the RecordID map, fixed-size slots.

Layout (QEMU hw/acpi/erst.c; where docs/specs/acpi_erst.rst differs, the code is followed):

- bytes 0–7 magic "ERSTSTOR", 8–11 record (slot) size, 12–15 storage offset (where slot
  storage begins, a multiple of the slot size), 16–17 version 0x0100, 18–19 reserved 0,
  20–23 record count (non-zero map entries), then the map: one u64 RecordID per slot index,
  ``file size / slot size`` entries, index i describing the slot at byte ``i * slot size``.
- Indices below ``storage offset / slot size`` are the header's own slots and never used.
- A map entry 0 is a free slot. A write copies the record to the start of its slot and fills
  the rest of the slot with 0xFF; a clear only zeroes the map entry and lowers the count, so
  a cleared record stays in its slot until the slot is written again (recoverable).
- QEMU refuses to start on a header whose slot size is not a power of two ≥ 4096, whose magic,
  version or reserved field is wrong, or whose storage offset is not a multiple of the slot
  size ("ERST backend storage header is invalid"), and on a file whose size is not a multiple
  of the slot size. An all-zero magic means "not formatted yet": QEMU writes a fresh header.

``parse(buf)`` gives an ``ErstLayout`` (slots with their state, findings with byte offsets);
``container_record(buf)`` gives it as a located FieldNode tree for the hex view.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field

import numpy as np

from ..core.fields import Field, Layout, bytes_text
from ..core.model import ERROR, NOTE, WARNING, DecodedRecord, FieldNode, Finding, new_record
from .erst_header import HEADER_SIZE, MAGIC, MIN_SLOT, VERSION, sniff  # noqa: F401 (re-exported)

DEFAULT_SLOT = 8192  # QEMU's default record_size
CPER_MIN = 128
LENGTH_AT, ID_AT = 20, 96  # RecordLength and RecordID inside a CPER record
EMPTY_ID = 0
END_ID = 0xFFFFFFFFFFFFFFFF
MAX_NODES = 4096  # slot nodes in the tree; the rest are summarised (a file may hold 100k slots)
MAX_BEYOND = 1 << 16  # map entries read past a cut file's last whole slot (bounded work)

HEADER = Layout("erst_header", [
    Field("magic", "Magic", 8, "sig", description='Must be "ERSTSTOR"'),
    Field("record_size", "Slot size", 4, "int",
          description="Bytes per slot: the largest record QEMU stores (a power of two, ≥ 4096)"),
    Field("storage_offset", "Storage offset", 4, "hex",
          description="Where slot storage begins (a multiple of the slot size, after the map)"),
    Field("version", "Version", 2, "hex", description="Must be 0x0100"),
    Field("reserved", "Reserved", 2, "hex", description="Must be 0"),
    Field("record_count", "Record count", 4, "int",
          description="How many map entries hold a RecordID (QEMU's reads stop after this many)"),
])
assert HEADER.size == HEADER_SIZE

LIVE, CLEARED, EMPTY, BAD = "live", "cleared", "empty", "bad"


@dataclass(slots=True)
class Slot:
    index: int
    offset: int  # byte offset of the slot in the file
    map_id: int  # the RecordID the map holds for it (0 = free)
    state: str  # live | cleared | empty | bad (a map entry whose slot holds no readable record)
    length: int = 0  # the CPER RecordLength found at the slot start (0 = no CPER record)
    record_id: int = 0  # the RecordID inside the record
    visible: bool = True  # QEMU's lookup finds it (it stops after ``record_count`` entries)
    present: int = -1  # bytes of the record in the file when fewer than ``length`` (-1: all)

    @property
    def kept(self) -> int:
        """Bytes of the record that are read: RecordLength, or what the slot/file holds."""
        return self.length if self.present < 0 else min(self.length, self.present)


@dataclass
class ErstLayout:
    size: int
    header: dict = field(default_factory=dict)
    valid: bool = False  # QEMU would accept the header and the file size
    formatted: bool = True  # False: the magic is zero, QEMU formats the file on start
    slot_size: int = 0
    first_index: int = 0
    slot_count: int = 0  # map entries == slots in the file, header slots included
    slots: list[Slot] = field(default_factory=list)  # storage slots that are not free and empty
    stray: list[tuple[int, int]] = field(default_factory=list)  # (index, RecordID) in header slots
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: str, message: str, offset: int, length: int, code: str) -> None:
        self.findings.append(Finding(level, message, offset, length, code))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    def live(self) -> list[Slot]:
        return [s for s in self.slots if s.state == LIVE]

    def cleared(self) -> list[Slot]:
        return [s for s in self.slots if s.state == CLEARED]

    def map_offset(self, index: int) -> int:
        return HEADER_SIZE + 8 * index


def parse(buf, fd: int | None = None) -> ErstLayout:
    """The container's structure. Never raises on bad bytes: problems become findings.

    ``buf`` may be a read-only mmap of a huge file: it is never copied whole; only the map,
    the heads of free slots (to find cleared records) and the live records are read, and the
    pages read are dropped again as the scan moves on. With ``fd`` (the file's descriptor) the
    holes of a sparse file are skipped without reading them."""
    size = len(buf)
    lay = ErstLayout(size)
    if size < HEADER_SIZE:
        lay.add(ERROR, f"{size} bytes: too short for the 24-byte ERSTSTOR header", 0, size,
                "erst-header")
        return lay
    lay.header = h = HEADER.unpack(buf)
    magic = bytes(h["magic"])
    if magic == bytes(8):
        lay.formatted = False
        lay.add(NOTE, "the header is all zeros: QEMU has not formatted this file yet (it writes "
                      "a fresh header when it starts); no records", 0, 8, "erst-unformatted")
        return lay
    if magic != MAGIC:
        lay.add(ERROR, f"magic is {bytes_text(magic)}, not \"ERSTSTOR\": QEMU refuses this file "
                       "(\"ERST backend storage header is invalid\")", 0, 8, "erst-magic")
        return lay
    slot = h["record_size"]
    problems = []
    if slot < MIN_SLOT or slot & (slot - 1):
        problems.append((8, 4, f"slot size {slot} is not a power of two of at least {MIN_SLOT} "
                               "(QEMU: \"ERST record_size is invalid\")"))
    if h["version"] != VERSION:
        problems.append((16, 2, f"version is 0x{h['version']:04X}, not 0x0100"))
    if h["reserved"] != 0:
        problems.append((18, 2, f"reserved field is 0x{h['reserved']:04X}, not 0"))
    if slot and h["storage_offset"] % slot:
        problems.append((12, 4, f"storage offset 0x{h['storage_offset']:X} is not a multiple of "
                                f"the slot size {slot}"))
    for off, n, text in problems:
        lay.add(ERROR, f"{text}: QEMU refuses the header (\"ERST backend storage header is "
                       "invalid\")", off, n, "erst-header")
    if problems:
        return lay
    if size % slot:
        lay.add(ERROR, f"file size {size} is not a multiple of the slot size {slot}: QEMU refuses "
                       "it (\"storage size be multiple of record size\"); the whole slots are read",
                size - size % slot, size % slot, "erst-size")
    lay.slot_size = slot
    lay.slot_count = size // slot
    lay.first_index = h["storage_offset"] // slot
    lay.valid = not lay.errors
    _check_map_room(lay)
    _read_slots(lay, buf, fd)
    return lay


def _check_map_room(lay: ErstLayout) -> None:
    """The map needs 8 bytes per slot after the header; storage must begin after it."""
    map_end = HEADER_SIZE + 8 * lay.slot_count
    start = lay.header["storage_offset"]
    if start < map_end:
        lay.valid = False
        lay.add(ERROR, f"storage begins at 0x{start:X} but the RecordID map runs to 0x{map_end:X}: "
                       "map and slots overlap (QEMU would write records over its own map); slots "
                       "below the map's end are not read", 12, 4, "erst-map-overlap")
        lay.first_index = max(lay.first_index, -(-map_end // lay.slot_size))
    if start >= lay.size:
        lay.add(WARNING, f"storage offset 0x{start:X} is at or past the end of the file "
                         f"({lay.size} bytes): the store has no slots", 12, 4, "erst-no-slots")


SCAN_BYTES = 16 << 20  # pages of the file scanned before they are dropped again
MAX_EXTENTS = 1 << 16


def data_extents(fd: int | None, size: int) -> np.ndarray | None:
    """(start, end) rows of the file's data (SEEK_DATA/SEEK_HOLE), or None when unknown."""
    if fd is None or not hasattr(os, "SEEK_DATA"):
        return None
    rows, pos = [], 0
    try:
        while pos < size and len(rows) < MAX_EXTENTS:
            try:
                start = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:  # ENXIO: no data after pos
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            rows.append((start, min(end, size)))
            pos = end
        else:
            if pos < size:
                return None  # too fragmented to be worth it: every slot is read
    except OSError:
        return None
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _drop_pages(buf, start: int, end: int) -> None:
    """Release the mapped pages of [start, end) so a scan keeps a bounded resident set."""
    if not isinstance(buf, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED"):
        return
    start -= start % mmap.PAGESIZE
    try:
        buf.madvise(mmap.MADV_DONTNEED, start, min(end, len(buf)) - start)
    except (OSError, ValueError):
        pass


def _cper_heads(buf, slot: int, indices: np.ndarray, fd: int | None) -> np.ndarray:
    """The free slots among ``indices`` whose first bytes are "CPER" (a cleared record)."""
    size = len(buf)
    starts = indices.astype(np.int64) * slot
    keep = starts + 4 <= size
    extents = data_extents(fd, size)
    if extents is not None:  # a hole reads as zeros: no record there
        row = np.searchsorted(extents[:, 0], starts, side="right") - 1
        inside = row >= 0
        inside[inside] = starts[inside] + 4 <= extents[row[inside], 1]
        keep &= inside
    starts = starts[keep]
    if not len(starts):
        return starts
    u8 = np.frombuffer(buf, dtype=np.uint8)
    found = []
    per_chunk = max(SCAN_BYTES // slot, 1)
    magic = np.frombuffer(b"CPER", dtype=np.uint8)
    for at in range(0, len(starts), per_chunk):
        part = starts[at:at + per_chunk]
        heads = u8[part[:, None] + np.arange(4)]
        found.append(part[(heads == magic).all(axis=1)])
        _drop_pages(buf, int(part[0]), int(part[-1]) + 4)
    del u8
    return np.concatenate(found) // slot


def _read_slots(lay: ErstLayout, buf, fd: int | None = None) -> None:
    n = lay.slot_count
    # The map may hold more entries than the file has whole slots (a file cut short): every
    # entry before storage begins is read, so the records of the missing slots are named.
    room = max(n, min((min(lay.header["storage_offset"], lay.size) - HEADER_SIZE) // 8,
                      n + MAX_BEYOND))
    ids = np.frombuffer(buf, dtype="<u8", count=room, offset=HEADER_SIZE) if room else np.zeros(0, "<u8")
    beyond = [int(i) for i in np.flatnonzero(ids[n:]) + n if i >= lay.first_index]
    ids = ids[:n]
    used = int(np.count_nonzero(ids[lay.first_index:])) + len(beyond)
    stray = np.flatnonzero(ids[:lay.first_index])
    lay.stray = [(int(i), int(ids[i])) for i in stray[:MAX_NODES]]
    for i in stray[:8]:
        lay.add(WARNING, f"map entry {i} holds RecordID 0x{int(ids[i]):016X} but slot {i} is part "
                         "of the header: QEMU ignores it", lay.map_offset(int(i)), 8, "erst-map-stray")
    count = lay.header["record_count"]
    if _map_cut(lay, buf, room, count, used):
        pass  # the count is judged against the entries left, in the cut's message
    elif count != used:
        lay.add(WARNING, f"record count is {count} but {used} map entries hold a RecordID"
                         + (": QEMU's lookups stop after the counted entries, so later records "
                            "cannot be read or cleared through the device" if count < used else ""),
                20, 4, "erst-record-count")
    seen: dict[int, int] = {}
    counted = 0
    slot = lay.slot_size
    storage = ids[lay.first_index:]
    mapped = np.flatnonzero(storage) + lay.first_index
    cleared = _cper_heads(buf, slot, np.flatnonzero(storage == EMPTY_ID) + lay.first_index, fd)
    del storage
    for i in np.union1d(mapped, cleared).tolist():
        rid = int(ids[i])
        off = i * slot
        if rid == EMPTY_ID:
            s = _record_slot(lay, buf, i, rid, CLEARED)
            lay.slots.append(s)
            if s.state == CLEARED:
                lay.add(NOTE, f"slot {i} holds a cleared record (RecordID 0x{s.record_id:016X}, "
                              f"{s.length} bytes): its map entry was zeroed, the bytes remain "
                              "(recoverable)", off, max(s.length, CPER_MIN), "erst-cleared")
            continue
        s = _record_slot(lay, buf, i, rid, LIVE)
        s.visible = counted < count
        counted += 1
        lay.slots.append(s)
        if rid == END_ID:
            lay.add(WARNING, f"map entry {i} holds the all-ones RecordID (ERST's \"no record\")",
                    lay.map_offset(i), 8, "erst-map-id")
        if rid in seen:
            lay.add(WARNING, f"RecordID 0x{rid:016X} is mapped to slots {seen[rid]} and {i}: QEMU "
                             f"reads and overwrites only slot {seen[rid]}", lay.map_offset(i), 8,
                    "erst-map-id")
        seen.setdefault(rid, i)
    _beyond_the_end(lay, buf, beyond, count, counted)


def _map_cut(lay: ErstLayout, buf, room: int, count: int, used: int) -> bool:
    """The file ends before storage begins, so inside the RecordID map: the entries past the
    end are missing (not empty), and a partial entry's bytes are named as they are."""
    storage = lay.header["storage_offset"]
    if lay.size >= storage or not lay.size % lay.slot_size:
        return False  # whole slots: a storage offset past them leaves no slots (erst-no-slots)
    whole_end = HEADER_SIZE + 8 * room
    entries = (storage - HEADER_SIZE) // 8
    half = bytes(buf[whole_end:lay.size])
    parts = []
    if half:
        low = int.from_bytes(half, "little")
        parts.append(f"entry {room} is cut after {len(half)} of its 8 bytes ("
                     + " ".join(f"{b:02X}" for b in half)
                     + (f": the low bytes of a RecordID ending in ...{low:0{2 * len(half)}X})"
                        if low else ")"))
    first_missing = room + (1 if half else 0)
    if first_missing < entries:
        parts.append(f"entries {first_missing}–{entries - 1} are missing")
    text = (f"the file ends at byte {lay.size}, inside the RecordID map (it runs to storage at "
            f"0x{storage:X}): " + "; ".join(parts))
    if count > used:
        text += (f"; the record count is {count} and the {room} whole entries left hold {used} "
                 f"RecordID(s): the other {count - used} are in the cut or missing entries, "
                 "so those records are lost and their RecordIDs cannot be read whole")
    elif count != used:
        text += f"; the record count is {count} but {used} whole entries hold a RecordID"
    lay.add(ERROR, text, whole_end, len(half), "erst-map-cut")
    return True


def _beyond_the_end(lay: ErstLayout, buf, indices: list[int], count: int, counted: int) -> None:
    """Map entries whose slots are not whole in the file (it was cut short): a partial slot's
    record is kept as far as it goes; a slot past the end is named as a lost record."""
    if not indices:
        return
    full = np.frombuffer(buf, dtype="<u8", count=max(indices) + 1, offset=HEADER_SIZE)
    slot = lay.slot_size
    cut, lost = [], []
    for i in indices:
        rid = int(full[i])
        off = i * slot
        if off + CPER_MIN <= lay.size and bytes(buf[off:off + 4]) == b"CPER":
            s = _record_slot(lay, buf, i, rid, LIVE)
            s.visible = counted < count
            counted += 1
            lay.slots.append(s)
            cut.append(f"0x{rid:016X} (slot {i}, {s.kept} of {s.length} bytes)")
            continue
        lost.append(f"0x{rid:016X} (slot {i} at 0x{off:X})")
        if len(lost) <= 16:
            lay.add(ERROR, f"map entry {i} holds RecordID 0x{rid:016X} but slot {i} at 0x{off:X} "
                           + ("is past the end of the file" if off >= lay.size else
                              f"is cut short: the file ends {lay.size - off} bytes into it")
                           + f" ({lay.size} bytes): the record is lost", lay.map_offset(i), 8,
                    "erst-map-no-record")
    parts = []
    if cut:
        parts.append(f"{len(cut)} record(s) cut short, decoded as far as they go: {', '.join(cut[:16])}")
    if lost:
        more = f" and {len(lost) - 16} more" if len(lost) > 16 else ""
        parts.append(f"{len(lost)} record(s) lost: {', '.join(lost[:16])}{more}")
    lay.add(ERROR, f"the file ends at byte {lay.size}, inside or before slots the map uses: "
                   + "; ".join(parts), lay.size, 0, "erst-size")


def _record_slot(lay: ErstLayout, buf, index: int, map_id: int, state: str) -> Slot:
    slot = lay.slot_size
    off = index * slot
    end = min(off + slot, lay.size)
    s = Slot(index, off, map_id, state)
    head = bytes(buf[off:off + CPER_MIN])
    live = state == LIVE
    if len(head) < CPER_MIN or head[:4] != b"CPER":
        if live:
            s.state = BAD
            lay.add(ERROR, f"map entry {index} holds RecordID 0x{map_id:016X} but slot {index} at "
                           f"0x{off:X} holds no record (starts {bytes_text(head[:4])})",
                    lay.map_offset(index), 8, "erst-map-no-record")
        return s
    s.length, = struct.unpack_from("<I", head, LENGTH_AT)
    s.record_id, = struct.unpack_from("<Q", head, ID_AT)
    if s.length < CPER_MIN:
        lay.add(ERROR if live else NOTE, f"slot {index} at 0x{off:X}: RecordLength {s.length} is "
                                         "below 128 (QEMU's read fails)", off + LENGTH_AT, 4,
                "erst-record-overflow")
        s.state = BAD if live else EMPTY
        return s
    if s.length > end - off:
        # Kept: the bytes the slot holds are decoded (as a truncated record) with the error,
        # rather than the record dropped; a cleared one past its slot is only noted.
        s.present = end - off
        if off + slot > lay.size:
            why = (f"the file ends {end - off} bytes into slot {index}, RecordLength is "
                   f"{s.length}: the record is cut short")
        else:
            why = f"RecordLength {s.length} overflows the {slot}-byte slot (QEMU's read fails)"
        kept = f"; the {end - off} bytes present are decoded" if live else ""
        lay.add(ERROR if live else NOTE, f"slot {index} at 0x{off:X}: {why}{kept}",
                off + LENGTH_AT, 4, "erst-record-overflow")
        if not live:
            s.state = EMPTY
        return s
    if live and s.record_id != map_id:
        lay.add(WARNING, f"slot {index}: the map says RecordID 0x{map_id:016X}, the record says "
                         f"0x{s.record_id:016X} (QEMU reads it under the map's id)",
                off + ID_AT, 8, "erst-record-id")
    pad_len = end - off - s.length
    not_ff = _count_not_ff(buf, off + s.length, end)
    if not_ff:
        lay.add(NOTE, f"slot {index}: {not_ff} of the {pad_len} bytes after the record are not "
                      "QEMU's 0xFF padding", off + s.length, pad_len, "erst-padding")
    return s


def _count_not_ff(buf, start: int, end: int, step: int = 1 << 20) -> int:
    """Bytes other than 0xFF in [start, end), read a piece at a time (a slot may be huge)."""
    total = 0
    for at in range(start, end, step):
        piece = bytes(buf[at:min(at + step, end)])
        total += len(piece) - piece.count(0xFF)
        if end - start > step:
            _drop_pages(buf, at, at + len(piece))
    return total


def record_bytes(buf, s: Slot) -> bytes:
    return bytes(buf[s.offset:s.offset + s.kept])


# -- the located tree -------------------------------------------------------------------------
def container_record(buf, source: dict | None = None) -> DecodedRecord:
    """The file as a DecodedRecord of kind "container": header, map and slots as located
    fields, the layout's findings attached (offsets are file offsets)."""
    return new_record(bytes(buf), "container", "erst", "ERST backing file (QEMU acpi-erst)",
                      source, _decode_tree)


def _decode_tree(rec: DecodedRecord, buf: bytes, n: int) -> None:
    lay = parse(buf)
    rec.extent = n
    root = rec.root
    if n >= HEADER_SIZE:
        head = root.add(FieldNode("header", "Header", None, "ERSTSTOR header", 0, HEADER_SIZE,
                                  kind="struct"))
        HEADER.decode(buf, 0, n, head)
    if lay.slot_size:
        _map_nodes(root, lay)
        _slot_nodes(root, lay)
    for f in lay.findings:
        rec.add_finding(f.level, f.message, f.offset, f.length, f.code)
    rec.summary = summary(lay)


def _map_nodes(root: FieldNode, lay: ErstLayout) -> None:
    count = lay.slot_count
    mapped = [s for s in lay.slots if s.map_id]
    first = lay.first_index
    text = f"{count} entries, {len(mapped) + len(lay.stray)} hold a RecordID (shown)"
    if first:
        text += f"; entr{'y 0 describes' if first == 1 else f'ies 0–{first - 1} describe'} " \
                "the header's own slots"
    entries = max([count] + [s.index + 1 for s in mapped])  # a cut file: entries past its slots
    node = root.add(FieldNode("map", "RecordID map", None, text, HEADER_SIZE,
                              min(8 * entries, max(lay.size - HEADER_SIZE, 0)), kind="struct"))
    for index, rid in lay.stray:  # a RecordID in a header slot's entry: QEMU ignores it
        node.add(FieldNode(f"map_{index}", f"Entry {index}", rid,
                           f"0x{rid:016X} → slot {index}, part of the header (ignored)",
                           lay.map_offset(index), 8, kind="hex", valid=False))
    for s in mapped[:MAX_NODES]:
        node.add(FieldNode(f"map_{s.index}", f"Entry {s.index}", s.map_id,
                           f"0x{s.map_id:016X} → slot {s.index}", lay.map_offset(s.index), 8,
                           kind="hex"))


def _slot_nodes(root: FieldNode, lay: ErstLayout) -> None:
    slot = lay.slot_size
    node = root.add(FieldNode("slots", "Slots", None,
                              f"{len(lay.live())} live, {len(lay.cleared())} cleared",
                              lay.first_index * slot,
                              max(lay.size - lay.first_index * slot, 0), kind="struct"))
    labels = {LIVE: "record", CLEARED: "cleared (recoverable)", BAD: "no readable record"}
    for s in lay.slots[:MAX_NODES]:
        end = min(s.offset + slot, lay.size)
        sn = node.add(FieldNode(f"slot_{s.index}", f"Slot {s.index}", s.record_id or s.map_id,
                                f"{labels.get(s.state, s.state)} 0x{(s.record_id or s.map_id):016X}",
                                s.offset, end - s.offset,
                                kind="struct", valid=s.state != BAD))
        if s.length:
            shown = f"{s.length} bytes" + (f" ({s.kept} present)" if s.kept < s.length else "")
            sn.add(FieldNode("record", "Record", None, shown, s.offset, s.kept, kind="bytes"))
            if end > s.offset + s.kept:
                sn.add(FieldNode("padding", "Padding", None, f"{end - s.offset - s.kept} bytes",
                                 s.offset + s.kept, end - s.offset - s.kept, kind="bytes"))


def summary(lay: ErstLayout) -> str:
    if not lay.formatted:
        return "ERST backing file, not formatted yet (no records)"
    if not lay.slot_size:
        return "ERST backing file with a header QEMU refuses"
    total = max(lay.slot_count - lay.first_index, 0)
    free = max(total - len(lay.live()) - sum(s.state == BAD for s in lay.slots), 0)
    # A cleared slot is free to QEMU (the next write may take it) though its bytes remain: it is
    # counted among the free ones, and said so, so the numbers add up to the slots.
    cleared = len(lay.cleared())
    still = (f" ({cleared} of them still holding a cleared record, recoverable until "
             "overwritten)") if cleared else ""
    return (f"ERST backing file: {len(lay.live())} records, {free} free slots{still}, "
            f"{total} slots of {lay.slot_size} bytes")
