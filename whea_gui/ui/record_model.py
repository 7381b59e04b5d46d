"""The record list: a table model over a RecordSet through a numpy array of visible rows.

Cells are read from columns; only the Summary column needs a decode, and that happens lazily for
rows the view actually asks for, a few milliseconds at a time from an idle timer, then cached.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont

from ..decode.record import decode_record
from ..session.labels import source_label
from ..session.recordquery import SORT_KEYS, RecordFilter, filter_rows, sort_rows
from ..session.recordset import NO_TIME, RecordSet
from .qtconst import (
    DISPLAY,
    FONT,
    FOREGROUND,
    LEAF_FLAGS,
    NO_FLAGS,
    TOOLTIP,
    USER,
    VERTICAL,
    column_title,
)

HEADERS = ("Time", "Severity", "Notify type", "Section types", "Summary", "Source", "Event ID",
           "Event record")
TIME, SEVERITY, NOTIFY, TYPES, SUMMARY, SOURCE, EVENT_ID, EVENT_RECORD = range(8)
PROVENANCE_KEYS = {EVENT_ID: "event_id", EVENT_RECORD: "event_record_id"}  # from each source dict
PROVENANCE_SORT_LIMIT = 200_000  # these columns sort from provenance dicts: only this many rows
SEVERITY_COLOURS = {1: QColor("#b3261e"), 0: QColor("#c25e00"), 2: QColor("#1e6fb3"),
                    3: QColor("#5f6368")}
SUMMARY_BUDGET_S = 0.012  # decode time spent per idle tick, so scrolling stays smooth
SWEEP_BUDGET_S = 0.03  # the text search's summary sweep: per idle tick, the window stays responsive


def time_text(seconds: int) -> str:
    if seconds == NO_TIME:
        return ""
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds))).strftime("%Y-%m-%d %H:%M:%S")


class RecordTableModel(QAbstractTableModel):
    summariesUpdated = Signal()
    searchProgress = Signal()  # the text search's summary sweep moved on (see search_progress)

    def __init__(self, records: RecordSet | None = None, parent=None) -> None:
        super().__init__(parent)
        self._rs = records if records is not None else RecordSet()
        self._rows = np.arange(len(self._rs), dtype=np.int64)
        self._filter = RecordFilter()
        self._sort: tuple[int, bool] | None = None
        self._summaries: dict[int, str] = {}
        self.modified: set[int] = set()  # records edited and not saved: marked with "*"
        self._pending: dict[int, None] = {}  # ordered set of records waiting for a summary
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._compute_summaries)
        # A text filter also matches full summaries, which are made lazily; so that the count does
        # not depend on which rows were scrolled past, a sweep summarises every record in record
        # order while a text filter is set. Until it is done the count is partial.
        self._sweep_next = 0
        self._sweep_timer = QTimer(self)
        self._sweep_timer.setSingleShot(True)
        self._sweep_timer.setInterval(0)
        self._sweep_timer.timeout.connect(self._sweep_step)

    # -- data source -------------------------------------------------------------------------
    @property
    def records(self) -> RecordSet:
        return self._rs

    def set_records(self, records: RecordSet) -> None:
        self.beginResetModel()
        self._rs = records
        self._summaries.clear()
        self._pending.clear()
        self._sweep_next = 0
        self._rows = self._compute_rows()
        self.endResetModel()
        self._start_sweep()

    def rows_appended(self, new: range) -> None:
        """Call after ``records.extend``: cheap append when no filter or sort is active."""
        if not len(new):
            return
        self._start_sweep()
        if self._filter.active or self._sort is not None:
            self._reorder()
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._rows = np.concatenate([self._rows, np.arange(new.start, new.stop, dtype=np.int64)])
        self.endInsertRows()

    def record_index(self, row: int) -> int:
        return int(self._rows[row])

    def row_of_record(self, record: int) -> int:
        hits = np.flatnonzero(self._rows == record)
        return int(hits[0]) if len(hits) else -1

    def summary(self, record: int) -> str | None:
        return self._summaries.get(record)

    def set_summary(self, record: int, text: str) -> None:
        """The full summary, when the record was decoded elsewhere (e.g. it was selected)."""
        if self._summaries.get(record) != text:
            self._summaries[record] = text
            self._pending.pop(record, None)
            row = self.row_of_record(record)
            if row >= 0:
                idx = self.index(row, SUMMARY)
                self.dataChanged.emit(idx, idx, [DISPLAY])

    # -- filter and sort ---------------------------------------------------------------------
    @property
    def filter(self) -> RecordFilter:
        return self._filter

    def set_filter(self, flt: RecordFilter) -> None:
        self._filter = flt
        self._reorder()
        self._start_sweep()

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS):
            self._sort = None
        else:
            self._sort = (column, order == Qt.DescendingOrder)
        self._reorder()

    def _compute_rows(self) -> np.ndarray:
        if self._filter.active:
            rows = filter_rows(self._rs, self._filter, self._summaries)
        else:
            rows = np.arange(len(self._rs), dtype=np.int64)
        if self._sort is not None:
            column, descending = self._sort
            if column in PROVENANCE_KEYS:
                rows = self._sort_by_provenance(rows, PROVENANCE_KEYS[column], descending)
            else:
                rows = sort_rows(self._rs, rows, SORT_KEYS[column], descending)
        return rows

    def _sort_by_provenance(self, rows: np.ndarray, key: str, descending: bool) -> np.ndarray:
        if len(rows) > PROVENANCE_SORT_LIMIT:
            return rows  # too many provenance dicts to read; the list keeps its order
        values = np.array([_int_or(self._rs.source(int(i)).get(key), -1) for i in rows],
                          dtype=np.int64)
        order = np.argsort(-values if descending else values, kind="stable")
        return rows[order]

    def visible_records(self) -> np.ndarray:
        """The listed records (indices into the RecordSet), in list order."""
        return self._rows

    def set_modified(self, records: set[int]) -> None:
        changed = self.modified ^ set(records)
        self.modified = set(records)
        for record in changed:
            row = self.row_of_record(record)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def _reorder(self) -> None:
        # Keep the selection and current row on the same records across the new order.
        self.layoutAboutToBeChanged.emit()  # views store persistent indexes now: read them after
        kept = [(p, int(self._rows[p.row()])) for p in self.persistentIndexList()
                if p.isValid() and p.row() < len(self._rows)]
        self._rows = self._compute_rows()
        if kept:
            inverse = np.full(len(self._rs), -1, dtype=np.int64)
            inverse[self._rows] = np.arange(len(self._rows))
            new = []
            for p, record in kept:
                row = int(inverse[record])
                new.append(self.index(row, p.column()) if row >= 0 else QModelIndex())
            self.changePersistentIndexList([p for p, _ in kept], new)
        self.layoutChanged.emit()

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == DISPLAY and orientation == VERTICAL and 0 <= section < len(self._rows):
            return str(section + 1)  # row numbers
        return column_title(HEADERS, section, orientation, role)

    def flags(self, index):
        if not index.isValid():
            return NO_FLAGS
        return LEAF_FLAGS

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        i = int(self._rows[index.row()])
        col = index.column()
        rs = self._rs
        if role == DISPLAY:
            if col == TIME:
                mark = "* " if i in self.modified else ""
                return mark + time_text(int(rs.column("time")[i]))
            if col == SEVERITY:
                return rs.severity_text(i)
            if col == NOTIFY:
                return rs.notify_names[rs.column("notify")[i]]
            if col == TYPES:
                return rs.type_names[rs.column("types")[i]]
            if col == SUMMARY:
                text = self._summaries.get(i)
                if text is None:
                    self._request_summary(i)
                    return rs.quick_summary(i)
                return text
            if col == SOURCE:
                src = rs.source(i)
                where = source_label(src)
                return f"{src['host']} · {where}" if src.get("host") else where
            if col in PROVENANCE_KEYS:
                value = rs.source(i).get(PROVENANCE_KEYS[col])
                return "" if value is None else str(value)
        elif role == FONT and i in self.modified:
            font = QFont()
            font.setBold(True)
            return font
        elif role == FOREGROUND and col == SEVERITY:
            return SEVERITY_COLOURS.get(int(rs.column("severity")[i]))
        elif role == TOOLTIP:
            if col == SOURCE:
                src = rs.source(i)
                return "\n".join(f"{k}: {v}" for k, v in src.items())
            if col == SUMMARY:
                return self._summaries.get(i) or rs.quick_summary(i)
            if i in self.modified:
                return "Edited in this window and not saved"
        elif role == USER:
            return i
        return None

    # -- the text search's sweep -------------------------------------------------------------
    def search_progress(self) -> tuple[int, int] | None:
        """(records summarised, records) while a text filter still waits for summaries."""
        n = len(self._rs)
        if not self._filter.text or self._sweep_next >= n:
            return None
        return self._sweep_next, n

    def _start_sweep(self) -> None:
        if self.search_progress() is not None:
            self._sweep_timer.start()
            self.searchProgress.emit()

    def _sweep_step(self) -> None:
        if self.search_progress() is None:
            return
        needle = self._filter.text.lower()
        deadline = time.perf_counter() + SWEEP_BUDGET_S
        n = len(self._rs)
        found = False
        while self._sweep_next < n and time.perf_counter() < deadline:
            record = self._sweep_next
            self._sweep_next += 1
            text = self._summaries.get(record)
            if text is None:
                text = decode_record(self._rs.data(record), source=self._rs.source(record)).summary
                self._summaries[record] = text
                self._pending.pop(record, None)
            found = found or needle in text.lower()
        if found:
            self._reorder()  # newly matching records join the list
        if self._sweep_next < n:
            self._sweep_timer.start()
        self.searchProgress.emit()

    # -- lazy summaries ----------------------------------------------------------------------
    def _request_summary(self, record: int) -> None:
        if record not in self._pending:
            self._pending[record] = None
            if len(self._pending) > 500:  # forget rows scrolled far past
                for stale in list(self._pending)[:-200]:
                    del self._pending[stale]
            self._timer.start()

    def _compute_summaries(self) -> None:
        deadline = time.perf_counter() + SUMMARY_BUDGET_S
        done = 0
        while self._pending and time.perf_counter() < deadline:
            record = next(reversed(self._pending))  # newest request: what is on screen now
            del self._pending[record]
            if record >= len(self._rs):
                continue
            rec = decode_record(self._rs.data(record), source=self._rs.source(record))
            self._summaries[record] = rec.summary
            done += 1
        if done and self._rows.size:
            self.dataChanged.emit(self.index(0, SUMMARY), self.index(len(self._rows) - 1, SUMMARY),
                                  [DISPLAY])
            self.summariesUpdated.emit()
        if self._pending:
            self._timer.start()



def _int_or(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
