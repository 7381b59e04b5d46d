"""QEMU ``acpi-erst`` backing files ("ERSTSTOR"): every live record with its slot, and the
records a clear left in their slots, offered as recoverable (source ``state`` "cleared").

A header QEMU refuses is reported as an error naming the byte offset; the records are then
carved out of the file's bytes, so the good ones are still read.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..formats import erst_container as ec
from . import raw
from .base import Problem, RecordRef

name = "erst"


def sniff(head: bytes, path: str = "") -> int:
    return ec.sniff(head)


def read_bytes(data, path: str, on_problem) -> Iterator[RecordRef]:
    lay = ec.parse(data)
    for f in lay.findings:
        on_problem(Problem(path, f.offset, f.message, f.level, f.length or None))
    if lay.slot_count <= lay.first_index:
        if lay.formatted:  # a header QEMU refuses, or no whole slot: carve what is there
            on_problem(Problem(path, None, "reading the records found in the file's bytes "
                                           "instead of through the map", "note"))
            yield from raw.read_buffer(data, path, on_problem)
        return
    for s in lay.slots:
        if s.state not in (ec.LIVE, ec.CLEARED):
            continue
        src = {"path": path, "offset": s.offset, "kind": name, "slot": s.index,
               "state": s.state, "record_id": s.map_id or s.record_id}
        if s.state == ec.CLEARED:
            src["recoverable"] = True
        elif not s.visible:
            src["hidden_by_record_count"] = True
        yield RecordRef(ec.record_bytes(data, s), src)
