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
    # records a live map entry names, off their slot's start: found first, so the "holds no
    # record" error of their slot is not said beside the "read from there" (the fresh check)
    moved = {}
    if lay.slot_count > lay.first_index:
        for s in lay.slots:
            if s.state == ec.BAD and s.map_id:
                ref = _displaced(data, lay, s, path, ec.LIVE)
                if ref is not None:
                    moved[s.index] = ref
    found_at = {lay.map_offset(i) for i in moved}
    for f in lay.findings:
        if f.code == "erst-map-no-record" and f.offset in found_at:
            continue
        on_problem(Problem(path, f.offset, f.message, f.level, f.length or None))
    for i, ref in moved.items():
        at, shift = ref.source["offset"], ref.source["displaced_by"]
        on_problem(Problem(path, at, f"slot {i}'s record (RecordID 0x{ref.source['record_id']:016X}) is at "
                                     f"byte {at}, {shift:+d} from the slot's start: bytes were inserted or "
                                     "deleted before it; read from there", "warning", len(ref.data)))
    if lay.slot_count <= lay.first_index:
        if lay.formatted:  # a header QEMU refuses, or no whole slot: carve what is there
            on_problem(Problem(path, None, "reading the records found in the file's bytes "
                                           "instead of through the map", "note"))
            yield from _carve(data, path, on_problem, fd)
        return
    for s in lay.slots:
        if s.index in moved:
            yield moved[s.index]
            continue
        if s.state not in (ec.LIVE, ec.CLEARED):
            continue
        src = {"path": path, "offset": s.offset, "kind": name, "slot": s.index,
               "state": s.state, "record_id": s.map_id or s.record_id}
        if s.state == ec.CLEARED:
            src["recoverable"] = True
        elif not s.visible:
            src["hidden_by_record_count"] = True
        yield RecordRef(ec.record_bytes(data, s), src)


DISPLACED_REACH = 4096  # bytes before a slot's start searched for its record (bytes deleted)


def _displaced(data, lay, s, path: str, live: str) -> RecordRef | None:
    """The record a live map entry names, found off its slot's start (bytes inserted or deleted
    before it: F7-10, the record one byte away was said to be lost): a plausible CPER header
    near the slot whose RecordID is the one the map holds, and all of whose bytes are there."""
    from ..decode.boundary import plausible_length
    lo = max(0, s.offset - DISPLACED_REACH)
    hi = min(len(data), s.offset + lay.slot_size)
    at = data.find(b"CPER", lo, hi)
    while at >= 0:
        length = plausible_length(data, at, len(data))
        if length and at + length <= len(data) and at != s.offset \
                and int.from_bytes(bytes(data[at + 96:at + 104]), "little") == s.map_id:
            return RecordRef(bytes(data[at:at + length]),
                             {"path": path, "offset": at, "kind": name, "slot": s.index,
                              "state": live, "record_id": s.map_id, "displaced_by": at - s.offset})
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
