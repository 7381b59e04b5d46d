"""The record list panel: filter bar (text, severity, section type, time range) over the table."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core import guids
from ..formats import cper
from ..session.recordquery import RecordFilter
from ..session.recordset import NO_TIME, RecordSet
from .record_model import HEADERS, RecordTableModel

COLUMN_WIDTHS = (150, 95, 170, 260, 420, 200)


def _to_seconds(value: QDateTime) -> int:
    return calendar.timegm(value.toPython().timetuple())


def _from_seconds(seconds: int) -> QDateTime:
    return QDateTime(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds)))


class RecordsPanel(QWidget):
    currentRecordChanged = Signal(int)  # record index in the RecordSet, -1 for none

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = RecordTableModel(RecordSet(), self)
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

    # -- data --------------------------------------------------------------------------------
    @property
    def records(self) -> RecordSet:
        return self.model.records

    def clear(self) -> None:
        self.model.set_records(RecordSet())
        self._known_types.clear()
        while self.section_type.count() > 1:
            self.section_type.removeItem(1)

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
        for w, value in ((self.time_from, t0), (self.time_to, t1)):
            w.blockSignals(True)
            w.setDateTime(_from_seconds(max(int(value), 0)))
            w.blockSignals(False)
        self.use_time.blockSignals(True)
        self.use_time.setChecked(True)
        self.use_time.blockSignals(False)
        self._time_toggled(True)

    def clear_time_range(self) -> None:
        self.use_time.setChecked(False)

    def current_filter(self) -> RecordFilter:
        use_time = self.use_time.isChecked()
        return RecordFilter(
            text=self.text.text().strip(),
            severity=self.severity.currentData(),
            section_type=self.section_type.currentData(),
            time_from=_to_seconds(self.time_from.dateTime()) if use_time else None,
            time_to=_to_seconds(self.time_to.dateTime()) if use_time else None)

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        self.model.set_filter(self.current_filter())
        self._update_count()

    def _update_count(self, *_args) -> None:
        shown, total = self.model.rowCount(), len(self.records)
        self.count.setText(f"{total:,} records" if shown == total else f"{shown:,} of {total:,}")

    # -- selection ---------------------------------------------------------------------------
    def _row_changed(self, current, _previous) -> None:
        self.currentRecordChanged.emit(self.model.record_index(current.row())
                                       if current.isValid() else -1)

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
