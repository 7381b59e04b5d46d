"""The timeline panel's side tabs: threshold rules and their crossings, storms, top locations."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..index.rates import Crossing, Storm, ThresholdRule
from .timeline_controls import StormSettings, ThresholdEditor
from .timeline_plot import LocationBars, utc_text

MAX_LIST_ROWS = 500  # longer lists say how many more there are


def _table(headers: tuple[str, ...], stretch: int | None = None) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        t.horizontalHeader().setStretchLastSection(True)
    else:
        t.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def _fill(table: QTableWidget, rows: list[tuple]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(f"{value:,}" if isinstance(value, int) else str(value))
            if isinstance(value, int):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def _more(items: list) -> str:
    return f" (first {MAX_LIST_ROWS} listed)" if len(items) > MAX_LIST_ROWS else ""


class TimelineSide(QTabWidget):
    crossingActivated = Signal(int)  # row = index into the crossings shown
    stormActivated = Signal(int)
    locationsShown = Signal()

    def __init__(self, rules: list[ThresholdRule], storm_count: int, storm_window: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addTab(self._thresholds_page(rules), "Thresholds")
        self.addTab(self._storms_page(storm_count, storm_window), "Storms")
        self.location_page = self._locations_page()
        self.addTab(self.location_page, "Top locations")
        self.currentChanged.connect(self._on_tab)

    def _thresholds_page(self, rules) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        self.threshold_editor = ThresholdEditor(rules)
        col.addWidget(self.threshold_editor)
        row = QHBoxLayout()
        row.addWidget(QLabel("Rate plot"))
        self.rate_rule_combo = QComboBox()
        self.rate_rule_combo.addItems([r.name for r in rules])
        self.rate_rule_combo.setCurrentIndex(min(1, len(rules) - 1))
        row.addWidget(self.rate_rule_combo, 1)
        col.addLayout(row)
        self.cross_summary = QLabel()
        col.addWidget(self.cross_summary)
        self.cross_table = _table(("Rule", "Location", "Crossed at (UTC)", "Count", "Peak"), 1)
        self.cross_table.cellDoubleClicked.connect(lambda r, _c: self.crossingActivated.emit(r))
        col.addWidget(self.cross_table, 1)
        return page

    def _storms_page(self, storm_count, storm_window) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        self.storm_settings = StormSettings(storm_count, storm_window)
        col.addWidget(self.storm_settings)
        self.storm_summary = QLabel()
        col.addWidget(self.storm_summary)
        self.storm_table = _table(("Start (UTC)", "End", "Duration", "Records", "Peak in window"))
        self.storm_table.cellDoubleClicked.connect(lambda r, _c: self.stormActivated.emit(r))
        col.addWidget(self.storm_table, 1)
        return page

    def _locations_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        self.fault_label = QLabel()
        self.fault_label.setWordWrap(True)
        col.addWidget(self.fault_label)
        self.location_plot = pg.PlotWidget()  # colours: TimelinePanel._style_charts
        self.location_bars = LocationBars(self.location_plot)
        # fifteen labels one line apart (plus the axis): fewer pixels and they overlap
        self.location_plot.setMinimumHeight(15 * self.fontMetrics().height() + 40)
        col.addWidget(self.location_plot, 1)
        return page

    def _on_tab(self, _index: int) -> None:
        if self.locations_visible():
            self.locationsShown.emit()

    def locations_visible(self) -> bool:
        return self.currentWidget() is self.location_page

    # -- contents ----------------------------------------------------------------------------
    def show_crossings(self, crossings: list[Crossing], note: str = "") -> None:
        """``note``: why there are no fault locations yet (shown instead of a count)."""
        shown = crossings[:MAX_LIST_ROWS]
        _fill(self.cross_table, [(c.rule, c.label, utc_text(c.time, True), c.count, c.peak)
                                 for c in shown])
        for row, c in enumerate(shown):
            self.cross_table.item(row, 1).setToolTip(
                f"{c.label}: at or above the threshold until {utc_text(c.until, True)} UTC")
        groups = len({(c.rule, c.label) for c in crossings})
        if note:
            self.cross_summary.setText(note)
            return
        self.cross_summary.setText(f"{len(crossings):,} crossings in {groups:,} groups"
                                   f"{_more(crossings)}; a crossing is the record whose count "
                                   "reaches the threshold")

    def show_storms(self, storms: list[Storm]) -> None:
        _fill(self.storm_table, [(utc_text(s.start, True), utc_text(s.end, True),
                                  f"{s.duration:,} s", s.count, s.peak)
                                 for s in storms[:MAX_LIST_ROWS]])
        n, w = self.storm_settings.values()
        plural = "s" if len(storms) != 1 else ""
        self.storm_summary.setText(f"{len(storms):,} storm{plural} of ≥ {n} records within "
                                   f"{w} s{_more(storms)}")

    def show_locations(self, rows: list[tuple[str, int]], summary: dict[str, int],
                       note: str = "") -> None:
        self.location_bars.draw(rows)
        if note:
            self.fault_label.setText(note)
            return
        self.fault_label.setText(
            f"In view: {summary['faults']:,} distinct fault locations from {summary['errors']:,} "
            f"records ({summary['unlocated']:,} without a location)")
