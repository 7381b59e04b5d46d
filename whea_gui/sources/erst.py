"""QEMU ``acpi-erst`` backing files ("ERSTSTOR"): every live record with its slot, and the
records a clear left in their slots, offered as recoverable (source ``state`` "cleared").

A header QEMU refuses is reported as an error naming the byte offset; the records are then
carved out of the file's bytes, so the good ones are still read.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..formats import erst_header
from . import raw
from ._mapped import mapped
from .base import Problem, RecordRef
from .carve import carve

name = "erst"


def sniff(head: bytes, path: str = "") -> int:
    return erst_header.sniff(head)


def read_path(path: str, on_problem) -> Iterator[RecordRef]:
    """A regular file: mapped, never copied whole (a backing file may be gigabytes)."""
    with mapped(path) as (buf, fd):
        yield from read_bytes(buf, path, on_problem, fd)


def read_bytes(data, path: str, on_problem, fd: int | None = None) -> Iterator[RecordRef]:
    from ..formats import erst_container as ec  # numpy: only when an ERST file is read

    lay = ec.parse(data, fd)
    # The RecordIDs the map holds for live records. Bytes inserted or deleted in the map or
    # before a slot move the records against the map: a record found off its slot, or in the
    # wrong slot, whose own RecordID the map holds, is that live record (fresh check 10: eight
    # bytes in the map lost every record; a whole slot inserted showed a live record as cleared
    # and two others under their neighbours' RecordIDs)
    live_ids = {s.map_id for s in lay.slots if s.state in (ec.LIVE, ec.BAD)
                and s.map_id not in (ec.EMPTY_ID, ec.END_ID)}
    own = {s.record_id for s in lay.slots if s.state == ec.LIVE}  # read at a slot's start
    # records a live map entry names, off their slot's start: found first, so the "holds no
    # record" error of their slot is not said beside the "read from there" (the fresh check)
    moved: dict[int, RecordRef] = {}
    if lay.slot_count > lay.first_index:
        taken: set[int] = set()
        for s in lay.slots:
            if s.state == ec.BAD and s.map_id:
                ref = _displaced(data, lay, s, path, ec.LIVE, live_ids - own - taken)
                if ref is not None:
                    moved[s.index] = ref
                    taken.add(ref.source["record_id"])
        # a live RecordID still not found may have moved into a slot the map calls free (eight
        # bytes inserted in the map's first entries shift slot 1's record under a free entry:
        # the second fresh check); those slots, up to the last one used, are searched too
        missing = live_ids - own - taken
        if missing:
            used = {s.index for s in lay.slots}
            last = min(lay.slot_count, max(used, default=lay.first_index) + 2)
            free = [i for i in range(lay.first_index, last) if i not in used][:MAX_FREE_SEARCHED]
            for i in free:
                ref = _displaced(data, lay, ec.Slot(i, i * lay.slot_size, 0, ec.BAD), path, ec.LIVE,
                                 missing - taken)
                if ref is not None:
                    moved[i] = ref
                    taken.add(ref.source["record_id"])
    # a record in a slot the map calls free, whose RecordID the map holds for a slot that does
    # not have it: the live record, moved by whole slots (not a cleared one)
    moved_ids = {r.source["record_id"] for r in moved.values()}
    promoted = {s.index for s in lay.slots if s.state == ec.CLEARED and s.record_id in live_ids
                and s.record_id not in own | moved_ids}
    read_ids = own | moved_ids | {s.record_id for s in lay.slots if s.index in promoted}
    said_no_record = {lay.map_offset(s.index) for s in lay.slots
                      if s.state == ec.BAD and (s.index in moved or s.map_id in read_ids)}
    promoted_at = {s.offset for s in lay.slots if s.index in promoted}
    for f in lay.findings:
        if f.code == "erst-map-no-record" and f.offset in said_no_record:
            continue
        if f.code == "erst-cleared" and f.offset in promoted_at:
            continue
        on_problem(Problem(path, f.offset, f.message, f.level, f.length or None))
    for i, ref in moved.items():
        at, shift = ref.source["offset"], ref.source["displaced_by"]
        on_problem(Problem(path, at, f"slot {i}'s record (RecordID 0x{ref.source['record_id']:016X}) is at "
                                     f"byte {at}, {shift:+d} from the slot's start: bytes were inserted or "
                                     "deleted before it; read from there", "warning", len(ref.data)))
    for s in lay.slots:
        if s.state == ec.BAD and s.index not in moved and s.map_id in read_ids:
            on_problem(Problem(path, lay.map_offset(s.index), f"map entry {s.index} holds RecordID "
                               f"0x{s.map_id:016X}; slot {s.index} does not hold it, the record was "
                               "found in another slot (records moved by inserted or deleted bytes)",
                               "warning", 8))
        if s.state == ec.LIVE and s.record_id != s.map_id and s.record_id in live_ids \
                and s.map_id not in read_ids:
            on_problem(Problem(path, lay.map_offset(s.index), f"map entry {s.index} holds RecordID "
                               f"0x{s.map_id:016X}, but no slot holds that record (slot {s.index} holds "
                               f"0x{s.record_id:016X}, which the map places elsewhere): the record is "
                               "lost", "error", 8))
        if s.index in promoted:
            on_problem(Problem(path, s.offset, f"slot {s.index}'s map entry is free, but its record "
                               f"(RecordID 0x{s.record_id:016X}) is one the map holds as live for "
                               "another slot: read as that live record, moved by inserted or deleted "
                               "bytes", "warning", s.length))
    if lay.slot_count <= lay.first_index:
        if lay.formatted:  # a header QEMU refuses, or no whole slot: carve what is there
            on_problem(Problem(path, None, "reading the records found in the file's bytes "
                                           "instead of through the map", "note"))
            yield from _carve(data, path, on_problem, fd)
        return
    listed = {s.index for s in lay.slots}
    for i in sorted(set(moved) - listed):  # found in a slot the map calls free
        yield moved[i]
    for s in lay.slots:
        if s.index in moved:
            yield moved[s.index]
            continue
        if s.state not in (ec.LIVE, ec.CLEARED):
            continue
        rid = s.map_id or s.record_id
        if s.state == ec.LIVE and s.record_id != s.map_id and s.record_id in live_ids:
            rid = s.record_id  # its own: the map holds it for another slot (records moved)
        state = ec.LIVE if s.index in promoted else s.state
        src = {"path": path, "offset": s.offset, "kind": name, "slot": s.index,
               "state": state, "record_id": rid if s.index not in promoted else s.record_id}
        if state == ec.CLEARED:
            src["recoverable"] = True
        elif not s.visible:
            src["hidden_by_record_count"] = True
        yield RecordRef(ec.record_bytes(data, s), src)


DISPLACED_REACH = 4096  # bytes before a slot's start searched for its record (bytes deleted)
MAX_FREE_SEARCHED = 4096  # free slots searched for live RecordIDs not found elsewhere


def _displaced(data, lay, s, path: str, live: str, others: set[int]) -> RecordRef | None:
    """The record a live map entry names, found off its slot's start (bytes inserted or deleted
    before it: F7-10, the record one byte away was said to be lost): a plausible CPER header
    near the slot whose RecordID is the one the map holds for this slot, or one it holds for
    another slot that has no record (``others``: the map moved too), all of whose bytes are there."""
    from ..decode.boundary import plausible_length
    lo = max(0, s.offset - DISPLACED_REACH)
    hi = min(len(data), s.offset + lay.slot_size)
    at = data.find(b"CPER", lo, hi)
    while at >= 0:
        length = plausible_length(data, at, len(data))
        rid = int.from_bytes(bytes(data[at + 96:at + 104]), "little")
        if length and at + length <= len(data) and at != s.offset \
                and (rid == s.map_id or rid in others):
            return RecordRef(bytes(data[at:at + length]),
                             {"path": path, "offset": at, "kind": name, "slot": s.index,
                              "state": live, "record_id": rid, "displaced_by": at - s.offset})
        at = data.find(b"CPER", at + 1, hi)
    return None


def _carve(data, path: str, on_problem, fd: int | None) -> Iterator[RecordRef]:
    """Records in the file's bytes; a sparse file's holes (zeros) are skipped unread."""
    from ..formats import erst_container as ec
    extents = ec.data_extents(fd, len(data))
    if extents is None or not len(extents) or int((extents[:, 1] - extents[:, 0]).sum()) == len(data):
        # carve, never read_buffer: the ERSTSTOR header is not a record, even when none is found
        yield from carve(data, path, on_problem, kind=raw.name)
        return
    holes = len(data) - int((extents[:, 1] - extents[:, 0]).sum())
    on_problem(Problem(path, None, f"{holes} bytes are holes of a sparse file (zeros, no "
                                   "record): not read", "note"))
    for start, end in extents.tolist():
        yield from carve(data, path, on_problem, kind=raw.name, start=start, end=end)
