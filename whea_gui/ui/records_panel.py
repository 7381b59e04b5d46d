"""The record list panel: filter bar (text, severity, section type, time range) over the table.

The panel is a view of the session: its controls set the session's filter, and it redraws the
list when the session's collection, filter or selected record change. When the listed rows
change (a filter, a sort, a time range picked on the timeline) it asks the session to keep the
shown record only if it is still listed, so the detail panes never show an unlisted record.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core import guids
from ..formats import cper
from ..session import InspectorSession
from ..session.recordquery import RecordFilter
from ..session.recordset import NO_TIME, RecordSet
from .record_model import HEADERS, RecordTableModel

COLUMN_WIDTHS = (150, 95, 170, 260, 420, 200, 70, 90)
HIDDEN_KEY = "records/hidden_columns"


def _to_seconds(value: QDateTime) -> int:
    return calendar.timegm(value.toPython().timetuple())


def _from_seconds(seconds: int) -> QDateTime:
    return QDateTime(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds)))


class RecordsPanel(QWidget):
    currentRecordChanged = Signal(int)  # record index in the RecordSet, -1 for none

    def __init__(self, session: InspectorSession | None = None, settings=None, parent=None) -> None:
        super().__init__(parent)
        self.session = session if session is not None else InspectorSession()
        self.settings = settings
        self.model = RecordTableModel(self.session.records, self)
        self._known_types: set[str] = set()
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(150)
        self._filter_timer.timeout.connect(self.apply_filter)

        self.text = QLineEdit(placeholderText="Filter: type, notify, severity, source, summary…")
        self.text.setClearButtonEnabled(True)
        self.severity = QComboBox()
        self.severity.addItem("Any severity", None)
        for value in (1, 0, 2, 3):
            self.severity.addItem(cper.severity_name(value), value)
        self.section_type = QComboBox()
        self.section_type.addItem("Any section type", None)
        self.section_type.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.use_time = QCheckBox("Time")
        self.time_from = QDateTimeEdit(calendarPopup=True, displayFormat="yyyy-MM-dd HH:mm:ss")
        self.time_to = QDateTimeEdit(calendarPopup=True, displayFormat="yyyy-MM-dd HH:mm:ss")
        for w in (self.time_from, self.time_to):  # record times are naive: shown as written
            w.setMinimumDateTime(_from_seconds(0))
            w.setSpecialValueText("—")  # shown until records with times are loaded
            w.setDateTime(w.minimumDateTime())
            w.setEnabled(False)
        self.count = QLabel("0 records")
        # its text grows while a search runs: an explicit minimum keeps it from widening the window
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("000,000 of 000,000"))

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.text, 3)
        bar.addWidget(self.severity)
        bar.addWidget(self.section_type, 1)
        bar.addWidget(self.use_time)
        bar.addWidget(self.time_from)
        bar.addWidget(QLabel("–"))
        bar.addWidget(self.time_to)
        bar.addWidget(self.count)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.ElideRight)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        vh = self.view.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.Fixed)  # no per-row measuring: a million rows stay fast
        vh.setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        vh.hide()
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.Interactive)
        hh.setStretchLastSection(True)
        hh.setHighlightSections(False)
        for col, width in enumerate(COLUMN_WIDTHS[:len(HEADERS)]):
            self.view.setColumnWidth(col, width)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view)

        self.text.textChanged.connect(lambda _t: self._filter_timer.start())
        self.severity.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.section_type.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.use_time.toggled.connect(self._time_toggled)
        self.time_from.dateTimeChanged.connect(lambda _v: self._filter_timer.start())
        self.time_to.dateTimeChanged.connect(lambda _v: self._filter_timer.start())
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.layoutChanged.connect(self._update_count)
        self.model.searchProgress.connect(self._update_count)
        self.model.layoutChanged.connect(self._rows_changed)  # a sort: keep the record in view
        hh.setContextMenuPolicy(Qt.CustomContextMenu)
        hh.customContextMenuRequested.connect(self._column_menu)
        self._restore_columns()
        ev = self.session.events
        ev.collection.connect(self._collection_changed)
        ev.filter.connect(self.show_filter)
        ev.current.connect(self.show_current)
        ev.modified.connect(self.model.set_modified)
        ev.modified.connect(self._fit_time_column)

    # -- columns (a chooser like Wireshark's: the header's context menu) ---------------------
    def column_actions(self, parent=None) -> list[QAction]:
        acts = []
        for col, name in enumerate(HEADERS):
            act = QAction(name, parent or self, checkable=True)
            act.setChecked(not self.view.isColumnHidden(col))
            act.toggled.connect(lambda on, c=col: self.set_column_shown(c, on))
            acts.append(act)
        return acts

    def _column_menu(self, pos) -> None:
        menu = QMenu(self)
        for act in self.column_actions(menu):
            menu.addAction(act)
        menu.exec(self.view.horizontalHeader().mapToGlobal(pos))

    def set_column_shown(self, column: int, shown: bool) -> None:
        visible = [c for c in range(len(HEADERS)) if not self.view.isColumnHidden(c)]
        if not shown and visible == [column]:
            return  # the last shown column stays
        self.view.setColumnHidden(column, not shown)
        if self.settings is not None:
            hidden = [HEADERS[c] for c in range(len(HEADERS)) if self.view.isColumnHidden(c)]
            self.settings.setValue(HIDDEN_KEY, hidden or "")

    def _restore_columns(self) -> None:
        value = self.settings.value(HIDDEN_KEY, "") if self.settings is not None else ""
        hidden = [value] if isinstance(value, str) and value else list(value or [])
        for col, name in enumerate(HEADERS):
            self.view.setColumnHidden(col, name in hidden)
    # -- data --------------------------------------------------------------------------------
    @property
    def records(self) -> RecordSet:
        return self.model.records

    def _collection_changed(self, kind: str, new: range) -> None:
        if kind == "reset":
            self.clear()
        else:
            self.records_added(new)

    def clear(self) -> None:
        self.model.set_records(self.session.records)
        self._known_types.clear()
        while self.section_type.count() > 1:
            self.section_type.removeItem(1)
        for w in (self.time_from, self.time_to):
            w.setDateTime(w.minimumDateTime())

    def records_added(self, new: range) -> None:
        self.model.rows_appended(new)
        self._refresh_type_choices()
        self._refresh_time_bounds()

    def _refresh_type_choices(self) -> None:
        fresh = {g for key in self.records.type_keys for g in key
                 if not g.startswith("whlg:")} - self._known_types
        if not fresh:
            return
        self._known_types |= fresh
        current = self.section_type.currentData()
        self.section_type.blockSignals(True)
        while self.section_type.count() > 1:
            self.section_type.removeItem(1)
        for g in sorted(self._known_types, key=lambda g: guids.name_of(g, "section", g).lower()):
            self.section_type.addItem(guids.name_of(g, "section", g), g)
        pos = self.section_type.findData(current)
        self.section_type.setCurrentIndex(max(pos, 0))
        self.section_type.blockSignals(False)

    def _refresh_time_bounds(self) -> None:
        if self.use_time.isChecked():
            return
        t = self.records.column("time")
        t = t[t != NO_TIME]
        if len(t):
            self.time_from.setDateTime(_from_seconds(int(np.min(t))))
            self.time_to.setDateTime(_from_seconds(int(np.max(t))))

    # -- filter ------------------------------------------------------------------------------
    def _time_toggled(self, on: bool) -> None:
        self.time_from.setEnabled(on)
        self.time_to.setEnabled(on)
        self.apply_filter()

    def set_time_range(self, t0: int, t1: int) -> None:
        """Filter to records from ``t0`` to ``t1`` (seconds; e.g. a range picked on the timeline)."""
        self.session.set_time_range(max(int(t0), 0), max(int(t1), 0))

    def current_filter(self) -> RecordFilter:
        use_time = self.use_time.isChecked()
        return RecordFilter(
            text=self.text.text().strip(),
            severity=self.severity.currentData(),
            section_type=self.section_type.currentData(),
            time_from=_to_seconds(self.time_from.dateTime()) if use_time else None,
            time_to=_to_seconds(self.time_to.dateTime()) if use_time else None)

    def apply_filter(self) -> None:
        """The controls' filter becomes the session's (which redraws the list)."""
        self._filter_timer.stop()
        self.session.set_filter(self.current_filter())

    def show_filter(self, flt: RecordFilter) -> None:
        """Show the session's filter in the controls and the list; then keep the panes on a
        listed record."""
        self._filter_timer.stop()
        controls = (self.text, self.severity, self.section_type, self.use_time, self.time_from,
                    self.time_to)
        for w in controls:
            w.blockSignals(True)
        try:
            if self.text.text().strip() != flt.text:
                self.text.setText(flt.text)
            self.severity.setCurrentIndex(max(self.severity.findData(flt.severity), 0))
            self.section_type.setCurrentIndex(max(self.section_type.findData(flt.section_type), 0))
            timed = flt.time_from is not None or flt.time_to is not None
            self.use_time.setChecked(timed)
            self.time_from.setEnabled(timed)
            self.time_to.setEnabled(timed)
            if flt.time_from is not None:
                self.time_from.setDateTime(_from_seconds(flt.time_from))
            if flt.time_to is not None:
                self.time_to.setDateTime(_from_seconds(flt.time_to))
        finally:
            for w in controls:
                w.blockSignals(False)
        if not timed:
            self._refresh_time_bounds()
        self.model.set_filter(flt)
        self._update_count()
        self._rows_changed(filtered=True)

    def _rows_changed(self, *_args, filtered: bool = False) -> None:
        shown = self.session.follow_visible(self.model.visible_records(), filtered)
        self.show_current(shown)

    def _update_count(self, *_args) -> None:
        shown, total = self.model.rowCount(), len(self.records)
        text = (f"{total:,} record{'' if total == 1 else 's'}" if shown == total
                else f"{shown:,} of {total:,}")
        progress = self.model.search_progress()
        tip = ""
        if progress is not None:  # summaries still being made: more rows may match
            done, n = progress
            tip = (f"{text} so far: searching summaries: {done:,} of {n:,} (a text filter also "
                   "matches each record's summary, made in the background)")
            text = f"{text} so far · searching summaries {100 * done // max(n, 1)}%"
        self.count.setText(text)
        self.count.setToolTip(tip)

    def _fit_time_column(self, modified) -> None:
        """The "* " that marks an edited row must not cut the end of its time off."""
        if not modified:
            return
        wanted = self.view.fontMetrics().horizontalAdvance("* 0000-00-00 00:00:00") + 16
        if self.view.columnWidth(0) < wanted:
            self.view.setColumnWidth(0, wanted)

    # -- selection ---------------------------------------------------------------------------
    def _row_changed(self, current, _previous) -> None:
        record = self.model.record_index(current.row()) if current.isValid() else -1
        if record >= 0:
            self.session.select(record)
        self.currentRecordChanged.emit(record)

    def show_current(self, record: int) -> None:
        """Make the list's current row the session's record (none: no current row)."""
        row = self.model.row_of_record(record) if record >= 0 else -1
        if row < 0:
            if self.view.currentIndex().isValid():
                self.view.selectionModel().clearCurrentIndex()
                self.view.clearSelection()
            return
        if self.view.currentIndex().row() != row:
            self.view.setCurrentIndex(self.model.index(row, 0))
        self.view.scrollTo(self.model.index(row, 0))

    def select_row(self, row: int) -> bool:
        if not 0 <= row < self.model.rowCount():
            return False
        idx = self.model.index(row, 0)
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)
        return True

    def current_record(self) -> int:
        idx = self.view.currentIndex()
        return self.model.record_index(idx.row()) if idx.isValid() else -1
