"""The inspector session: one Qt-free object holding what the window shows.

It holds the open collection (a RecordSet), the list filter with its time range, the selected
record, the selected field (with the byte the user clicked), the hovered field, a small decode
cache, the records edited in this session and every load problem. The window and its panes do
not keep their own copies: they change the session and redraw when its events say so. Because a
selection made in one pane only reaches the others through the session, no pane needs a flag
saying "this change came from the other pane".
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..compose import RecordEditor
from ..compose.diff import byte_runs
from ..core.model import DecodedRecord, FieldNode
from ..decode.record import decode_record
from ..sources import Problem
from .events import SessionEvents
from .recordquery import RecordFilter
from .recordset import Batch, RecordSet

DECODE_CACHE = 16


@dataclass(frozen=True)
class FieldSelection:
    """The selected field (``path`` None: a byte no field covers) and the bytes to mark.

    ``cursor`` is the byte the user clicked (None: the field was picked in the tree, so the
    cursor goes to the field's first byte); ``scroll`` says whether the hex view should scroll.
    """

    path: str | None
    offset: int
    length: int
    cursor: int | None = None
    scroll: bool = True
    bit_offset: int | None = None
    bit_width: int | None = None


def nearest_visible(current: int, rows: np.ndarray) -> int:
    """The listed record to show when ``current`` may no longer be listed: itself if it is, else
    the listed record closest to it in the collection (the earlier one on a tie), -1 if none."""
    if len(rows) == 0:
        return -1
    if current < 0:
        return int(rows[0])
    rows = np.asarray(rows, dtype=np.int64)
    distance = np.abs(rows - current)
    best = np.flatnonzero(distance == distance.min())
    return int(rows[best].min())


class InspectorSession:
    def __init__(self) -> None:
        self.events = SessionEvents()
        self.records = RecordSet()
        self.filter = RecordFilter()
        self.current = -1
        self._hidden = -1  # the record shown before a filter listed nothing: shown again after
        self.selection: FieldSelection | None = None
        self.hovered: FieldNode | None = None
        self.problems: list[Problem] = []
        self._decoded: OrderedDict[int, DecodedRecord] = OrderedDict()
        self._editors: dict[int, tuple[RecordEditor, bytes]] = {}  # record -> editor, bytes as opened

    # -- the collection ----------------------------------------------------------------------
    def reset(self) -> None:
        """An empty collection with no filter, selection, edits or problems (Close all, or
        before opening something that replaces the collection)."""
        had_edits = bool(self.modified_records())
        self.records = RecordSet()
        self._decoded.clear()
        self._editors.clear()
        self.problems = []
        self.filter = RecordFilter()
        self.current = -1
        self._hidden = -1
        self.selection = None
        self.hovered = None
        self.events.collection.emit("reset", range(0))
        self.events.filter.emit(self.filter)
        self.events.current.emit(-1)
        if had_edits:
            self.events.modified.emit(set())

    def add_batch(self, batch: Batch) -> range:
        new = self.records.extend(batch)
        if len(new):
            self.events.collection.emit("append", new)
        return new

    def add_problem(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.events.problems.emit([problem])

    # -- filter ------------------------------------------------------------------------------
    def set_filter(self, flt: RecordFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.events.filter.emit(flt)

    def set_time_range(self, t0: int | None, t1: int | None) -> None:
        self.set_filter(dataclasses.replace(self.filter, time_from=t0, time_to=t1))

    def clear_filter(self) -> None:
        self.set_filter(RecordFilter())

    # -- the selected record -----------------------------------------------------------------
    def select(self, index: int) -> bool:
        """Show record ``index`` (-1: none). Returns whether the selection changed."""
        index = int(index) if 0 <= int(index) < len(self.records) else -1
        if index == self.current:
            return False
        self.current = index
        if index >= 0:
            self._hidden = -1
        self.selection = None
        self.hovered = None
        self.events.current.emit(index)
        return True

    def follow_visible(self, rows: np.ndarray, filtered: bool = False) -> int:
        """After the listed rows changed (filter, sort, time range): keep the shown record if it
        is still listed, else show the nearest listed one, or nothing. When nothing is shown and
        rows are listed again, show the one nearest the record a filter hid (``filtered``: the
        filter changed, so with nothing hidden the first listed record is shown). Returns the
        record shown."""
        if self.current >= 0:
            target = nearest_visible(self.current, rows)
            if target < 0:
                self._hidden = self.current
            if target != self.current:
                self.select(target)
        elif len(rows) and (self._hidden >= 0 or filtered):
            self.select(nearest_visible(self._hidden, rows))
        return self.current

    def decoded(self, index: int) -> DecodedRecord:
        """Record ``index`` decoded (its edited form when it was edited in this session)."""
        kept = self._editors.get(index)
        if kept is not None:
            return kept[0].record
        rec = self._decoded.get(index)
        if rec is None:
            rec = decode_record(self.records.data(index), source=self.records.source(index))
            self._decoded[index] = rec
            while len(self._decoded) > DECODE_CACHE:
                self._decoded.popitem(last=False)
        else:
            self._decoded.move_to_end(index)
        return rec

    @property
    def record(self) -> DecodedRecord | None:
        return self.decoded(self.current) if self.current >= 0 else None

    def data(self, index: int) -> bytes:
        kept = self._editors.get(index)
        return bytes(kept[0].data) if kept is not None else self.records.data(index)

    # -- the selected field and the hovered byte ---------------------------------------------
    def select_field(self, node: FieldNode | None, cursor: int | None = None,
                     scroll: bool = True) -> None:
        if node is None:
            sel = None
        else:
            sel = FieldSelection(node.path, node.offset, node.length, cursor, scroll,
                                 node.bit_offset, node.bit_width)
        if sel is not None and self.selection is not None and cursor is None \
                and sel.path == self.selection.path:
            return  # the same field again (e.g. the tree echoing a hex click): keep the cursor
        self.selection = sel
        self.events.field.emit(sel)

    def click_byte(self, offset: int) -> None:
        """The user clicked byte ``offset``: select the deepest field covering it."""
        rec = self.record
        if rec is None:
            return
        node = rec.root.deepest_at(offset)
        if node is None:
            self.selection = FieldSelection(None, offset, 1, offset, False)
            self.events.field.emit(self.selection)
        else:
            self.select_field(node, cursor=offset, scroll=False)

    def hover_byte(self, offset: int) -> None:
        rec = self.record
        node = rec.root.deepest_at(offset) if rec is not None and offset >= 0 else None
        self.hovered = node
        self.events.hover.emit(node, offset)

    # -- edits -------------------------------------------------------------------------------
    def editor(self, index: int | None = None) -> RecordEditor | None:
        """The editor of record ``index`` (the shown one by default), made on first use."""
        index = self.current if index is None else index
        if not 0 <= index < len(self.records):
            return None
        kept = self._editors.get(index)
        if kept is None:
            rec = self.decoded(index)
            kept = self._editors[index] = (RecordEditor(rec.data, source=rec.source),
                                           bytes(rec.data))
        return kept[0]

    def has_editor(self, index: int) -> bool:
        return index in self._editors

    def record_edited(self, index: int | None = None) -> None:
        """Tell observers that record ``index``'s bytes changed through its editor."""
        index = self.current if index is None else index
        self.events.record.emit(index)
        self.events.modified.emit(self.modified_records())

    def original(self, index: int) -> bytes:
        kept = self._editors.get(index)
        return kept[1] if kept is not None else self.records.data(index)

    def is_modified(self, index: int) -> bool:
        kept = self._editors.get(index)
        return kept is not None and bytes(kept[0].data) != kept[1]

    def modified_records(self) -> set[int]:
        return {i for i in self._editors if self.is_modified(i)}

    def changed_runs(self, index: int | None = None) -> list[tuple[int, int]]:
        index = self.current if index is None else index
        kept = self._editors.get(index)
        return byte_runs(kept[1], kept[0].data) if kept is not None else []

    def mark_saved(self, index: int) -> None:
        """The edited bytes were written somewhere: they are what the record now is."""
        kept = self._editors.get(index)
        if kept is not None:
            self._editors[index] = (kept[0], bytes(kept[0].data))
            self.events.modified.emit(self.modified_records())

    def discard_edits(self) -> None:
        changed = self.modified_records()
        self._editors.clear()
        for index in sorted(changed):
            self.events.record.emit(index)
        if changed:
            self.events.modified.emit(set())

    # -- what went wrong while loading -------------------------------------------------------
    def problem_counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "note": 0}
        for p in self.problems:
            counts[p.level if p.level in counts else "error"] += 1
        return counts
