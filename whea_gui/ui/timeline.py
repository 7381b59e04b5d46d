"""TimelinePanel: error counts over time, rolling 24 h rates against thresholds, storms and the
locations that keep failing, for a dock in the main window.

The panel draws a ``TimelineData`` (whea_gui.index.analysis); all counting happens there.
Zooming or panning re-bins the visible range (debounced); hovering shows a bin's counts;
clicking a bar emits ``binClicked(t0, t1)``; dragging the range selector emits
``timeRangeSelected(t0, t1)``. Times are epoch seconds, shown in UTC (the records' own clock).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..index.analysis import TimelineData
from ..index.rates import Crossing, Storm, ThresholdRule, default_rules
from ..index.timebins import choose_bin_width, width_text
from .compat import fix_singleton_refcounts
from .timeline_plot import PALETTE, LegendLabel, StackedBars, bin_text, style_chart
from .timeline_side import TimelineSide

fix_singleton_refcounts()
DEBOUNCE_MS = 60


class TimelinePanel(QWidget):
    timeRangeSelected = Signal(float, float)
    timeRangeCleared = Signal()
    binClicked = Signal(float, float)

    def __init__(self, data: TimelineData | None = None, parent: QWidget | None = None, *,
                 rules: list[ThresholdRule] | None = None, storm_count: int = 10,
                 storm_window: int = 60) -> None:
        super().__init__(parent)
        self.data: TimelineData | None = None
        self.histogram = None
        self.crossings: list[Crossing] = []
        self.storm_list: list[Storm] = []
        self.log = False
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS, timeout=self.rebin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_controls())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._build_plots())
        split.addWidget(self._build_side(rules or default_rules(), storm_count, storm_window))
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info)
        self._style_charts()
        if data is not None:
            self.set_data(data)

    # -- construction ----------------------------------------------------------------------
    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Stack by"))
        self.group_combo = QComboBox()
        self.group_combo.currentIndexChanged.connect(self._on_group_changed)
        row.addWidget(self.group_combo)
        self.log_check = QCheckBox("Log scale")
        self.log_check.toggled.connect(self.set_log)
        row.addWidget(self.log_check)
        self.select_button = QPushButton("Select range")
        self.select_button.setToolTip("Show a range selector; drag it to filter the records by time")
        self.select_button.clicked.connect(self._select_middle)
        self.clear_button = QPushButton("Clear range")
        self.clear_button.clicked.connect(self.clear_range)
        self.reset_button = QPushButton("Show all")
        self.reset_button.clicked.connect(self.reset_zoom)
        for b in (self.select_button, self.clear_button, self.reset_button):
            row.addWidget(b)
        row.addStretch(1)
        self.bin_label = QLabel()
        row.addWidget(self.bin_label)
        return row

    def _date_plot(self) -> pg.PlotWidget:
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
        w = pg.PlotWidget(axisItems={"bottom": axis})
        p = w.getPlotItem()
        p.setMouseEnabled(x=True, y=False)
        p.showGrid(x=False, y=True, alpha=0.15)
        p.hideButtons()
        p.getViewBox().disableAutoRange()
        return w

    def _style_charts(self) -> None:
        for chart in (self.plot, self.rate_plot, getattr(self.tabs, "location_plot", None)):
            if chart is not None:
                style_chart(chart, self.palette())
        self._locations_dirty = True  # label and bar colours follow the palette
        self._update_locations()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._style_charts()

    def _build_plots(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        self.plot = self._date_plot()
        pi = self.plot.getPlotItem()
        pi.setLabel("left", "records per bin")
        self.legend = LegendLabel()  # above the chart: never over the bars
        self.bars = StackedBars(pi)
        self.storm_item = pg.BarGraphItem(x0=[], width=[], y0=[], height=[],
                                          brush=pg.mkBrush(148, 103, 189, 70), pen=pg.mkPen(None))
        # violet: orange is Recoverable's bar colour, and the legend showed both alike
        self.storm_item.setZValue(0)
        pi.addItem(self.storm_item)
        self.cross_marks = pg.ScatterPlotItem(symbol="t", size=12, brush=pg.mkBrush("#d62728"),
                                              pen=pg.mkPen("#7f0000"))
        self.cross_marks.setZValue(20)
        pi.addItem(self.cross_marks)
        self.region = pg.LinearRegionItem(brush=pg.mkBrush(60, 140, 255, 45),
                                          pen=pg.mkPen("#1f5fbf", width=2))
        self.region.setZValue(30)
        self.region.hide()
        self.region.sigRegionChangeFinished.connect(self._on_region_finished)
        pi.addItem(self.region, ignoreBounds=True)
        pi.getViewBox().sigXRangeChanged.connect(self._schedule_rebin)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.hover_label = QLabel(" ")
        self.rate_plot = self._date_plot()
        rp = self.rate_plot.getPlotItem()
        rp.setLabel("left", "rolling count")
        rp.setXLink(pi)
        self.rate_legend = LegendLabel()
        self.rate_items: list = []
        self._legend_names: list[str] = []
        self._rate_curves: tuple[list, int] = ([], 1)
        # Readable minimums: on a small window the dock scrolls rather than squash a chart to a
        # strip under its legend (the window keeps them from setting its own size).
        self.plot.setMinimumHeight(130)
        self.rate_plot.setMinimumHeight(120)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(_with_legend(self.legend, self.plot))
        split.addWidget(_with_legend(self.rate_legend, self.rate_plot))
        split.setStretchFactor(0, 1)  # the rate plot's legend takes a row or two of its share
        split.setStretchFactor(1, 1)
        col.addWidget(split, 1)
        col.addWidget(self.hover_label)
        return box

    def _build_side(self, rules, storm_count, storm_window) -> TimelineSide:
        side = self.tabs = TimelineSide(rules, storm_count, storm_window)
        # the editors and lists, by their names, for the main window and tests
        self.threshold_editor, self.rate_rule_combo = side.threshold_editor, side.rate_rule_combo
        self.cross_table, self.storm_settings, self.storm_table = (
            side.cross_table, side.storm_settings, side.storm_table)
        self.threshold_editor.rulesChanged.connect(self._update_thresholds)
        self.rate_rule_combo.currentIndexChanged.connect(self._draw_rates)
        self.storm_settings.changed.connect(self._update_storms)
        side.crossingActivated.connect(self._on_crossing_activated)
        side.stormActivated.connect(self._on_storm_activated)
        side.locationsShown.connect(self._update_locations)
        self._locations_dirty = True
        return side

    # -- data --------------------------------------------------------------------------------
    def set_data(self, data: TimelineData) -> None:
        self.data = data
        self.hover_label.setText(" ")  # it described a bin of the old data
        self.plot.setToolTip("")
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        for key, label in data.groupings().items():
            self.group_combo.addItem(label, key)
        self.group_combo.blockSignals(False)
        self._update_thresholds(redraw=False)
        self._update_storms(redraw=False)
        self.reset_zoom()
        self.rebin()

    @property
    def group_by(self) -> str:
        return self.group_combo.currentData() or "severity"

    def set_log(self, on: bool) -> None:
        self.log = bool(on)
        if self.log_check.isChecked() != self.log:
            self.log_check.setChecked(self.log)
            return
        self.plot.getPlotItem().getAxis("left").setLogMode(self.log)
        self.rebin()

    def full_range(self) -> tuple[float, float] | None:
        span = self.data.span() if self.data is not None else None
        if span is None:
            return None
        pad = max((span[1] - span[0]) * 0.03, 600)
        return span[0] - pad, span[1] + pad

    def reset_zoom(self) -> None:
        rng = self.full_range()
        if rng is None:
            return
        vb = self.plot.getPlotItem().getViewBox()
        vb.setLimits(xMin=rng[0] - (rng[1] - rng[0]), xMax=rng[1] + (rng[1] - rng[0]),
                     minXRange=60)
        vb.setXRange(*rng, padding=0)

    def visible_range(self) -> tuple[float, float]:
        x0, x1 = self.plot.getPlotItem().getViewBox().viewRange()[0]
        return float(x0), float(x1)

    # -- drawing -----------------------------------------------------------------------------
    def _schedule_rebin(self, *_args) -> None:
        self._timer.start()

    def rebin(self) -> None:
        """Re-count the visible range (plus a quarter view either side, for smooth panning)."""
        self._timer.stop()
        if self.data is None or not self.data.timed:
            self.bars.clear()
            self.info.setText("No records with a time" if self.data is not None else "")
            return
        x0, x1 = self.visible_range()
        span = max(x1 - x0, 1.0)
        width = choose_bin_width(span)
        h = self.data.histogram(x0 - span / 4, x1 + span / 4, by=self.group_by, width=width)
        self.histogram = h
        self.bars.draw(h, self.log)
        self._update_legend()
        visible = (h.edges[1:] > x0) & (h.edges[:-1] < x1)
        top = self.bars.top[visible]
        lo, hi = self.bars.y_range()
        if len(top):
            hi = (max(float(top.max()), 0.0) + 0.3) if self.log else max(float(top.max()), 1.0) * 1.12
        self.plot.getPlotItem().getViewBox().setYRange(lo, hi, padding=0)
        self._draw_storms(lo, hi, width)
        self._draw_crossing_marks()
        self._fit_rate_y()
        self.bin_label.setText(f"bins of {width_text(width)}")
        self._locations_dirty = True
        self._update_locations()
        self._update_info()

    def _update_legend(self) -> None:
        """Groups, then the markers in use; rebuilt only on change (it is slow to rebuild)."""
        entries = [(item, item.opts.get("name")) for item in self.bars.items]
        if self.storm_list:
            entries.append((self.storm_item, "storm"))
        if self.crossings:
            entries.append((self.cross_marks, "threshold crossing"))
        names = [name for _, name in entries]
        if names != self._legend_names:
            self.legend.clear()
            for item, name in entries:
                self.legend.addItem(item, name)
            self._legend_names = names

    def _draw_storms(self, lo: float, hi: float, width: int) -> None:
        x0, x1 = self.visible_range()
        shown = [s for s in self.storm_list if s.end >= x0 and s.start <= x1]
        if not shown:
            self.storm_item.setOpts(x0=[], width=[], y0=[], height=[])
            return
        starts = np.array([s.start for s in shown], dtype=np.float64)
        px = (x1 - x0) / max(self.plot.getPlotItem().getViewBox().width(), 1.0)
        widths = np.maximum([s.duration for s in shown], max(width, 12 * px))  # visible at any zoom
        centre_shift = (widths - np.array([s.duration for s in shown])) / 2
        self.storm_item.setOpts(x0=starts - centre_shift, width=widths,
                                y0=np.full(len(shown), lo), height=np.full(len(shown), hi - lo))

    def _draw_crossing_marks(self) -> None:
        h = self.histogram
        if h is None or not self.crossings:
            self.cross_marks.setData([], [])
            return
        xs = np.array([c.time for c in self.crossings], dtype=np.float64)
        idx = np.searchsorted(h.edges, xs, side="right") - 1
        ok = (idx >= 0) & (idx < len(h.counts))
        tops = self.bars.top[idx[ok]] if len(self.bars.top) else np.zeros(int(ok.sum()))
        lo, hi = self.plot.getPlotItem().getViewBox().viewRange()[1]
        self.cross_marks.setData(xs[ok], tops + (hi - lo) * 0.04)

    def _draw_rates(self, *_args) -> None:
        rp = self.rate_plot.getPlotItem()
        for item in self.rate_items:
            rp.removeItem(item)
        self.rate_items = []
        self.rate_legend.clear()
        rules = self.threshold_editor.rules()
        if self.data is None or not rules:
            return
        rule = rules[max(self.rate_rule_combo.currentIndex(), 0)]
        curves = self.data.rate_curves(rule, top=5)
        for i, (label, xs, ys) in enumerate(curves):
            item = pg.PlotDataItem(xs, ys, pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=1),
                                   name=label)
            rp.addItem(item)  # clip/downsample only once it sits in the ViewBox (pyqtgraph)
            self.rate_legend.addItem(item, label)
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            self.rate_items.append(item)
        line = pg.InfiniteLine(pos=rule.threshold, angle=0,
                               pen=pg.mkPen("#d62728", width=1.5, style=Qt.PenStyle.DashLine),
                               label=f"{rule.name} threshold {rule.threshold} / "
                                     f"{rule.window // 3600} h",
                               labelOpts={"position": 0.98, "color": "#d62728",
                                          "anchors": [(1, 1), (1, 1)]})
        rp.addItem(line)
        self.rate_items.append(line)
        drawn = {label for label, _, _ in curves}
        mine = [c for c in self.crossings if c.rule == rule.name and c.label in drawn]
        if mine:
            marks = pg.ScatterPlotItem([c.time for c in mine], [c.count for c in mine], symbol="o",
                                       size=8, brush=pg.mkBrush("#d62728"), pen=pg.mkPen("#7f0000"))
            rp.addItem(marks)
            self.rate_items.append(marks)
        # short enough for the plot's height at its minimum (the rule is named by the threshold
        # line's label and the rule box above)
        rp.setLabel("left", f"count / {rule.window // 3600} h")
        self._rate_curves = (curves, rule.threshold)
        self._fit_rate_y()

    def _fit_rate_y(self) -> None:
        """Y range of the rate plot: the highest visible curve point, and the threshold line."""
        curves, threshold = self._rate_curves
        x0, x1 = self.visible_range()
        peak = float(threshold)
        for _label, xs, ys in curves:
            lo, hi = np.searchsorted(xs, (x0, x1))
            part = ys[max(lo - 1, 0):hi + 1]
            if len(part):
                peak = max(peak, float(part.max()))
        self.rate_plot.getPlotItem().getViewBox().setYRange(0, peak * 1.15, padding=0)

    # -- thresholds, storms, locations ------------------------------------------------------
    def _update_thresholds(self, *_args, redraw: bool = True) -> None:
        self.crossings = []
        if self.data is not None:
            for rule in self.threshold_editor.rules():
                self.crossings.extend(self.data.crossings(rule))
        self.crossings.sort(key=lambda c: c.time)
        self.tabs.show_crossings(self.crossings, self.faults_note())
        self._draw_rates()
        if redraw:
            self._draw_crossing_marks()
            self._update_legend()

    def _update_storms(self, *_args, redraw: bool = True) -> None:
        self.storm_list = self.data.storms(*self.storm_settings.values()) if self.data else []
        self.tabs.show_storms(self.storm_list)
        if redraw:
            self.rebin()

    def _update_locations(self, *_args) -> None:
        """The top-locations chart follows the visible range; drawn only while its tab shows."""
        if self.data is None or not self._locations_dirty or not self.tabs.locations_visible():
            return
        self._locations_dirty = False
        x0, x1 = self.visible_range()
        self.tabs.show_locations(self.data.top_locations(15, x0, x1),
                                 self.data.fault_summary(x0, x1), self.faults_note())

    def faults_note(self) -> str:
        """Why crossings and locations are missing ('' when the fault columns are complete)."""
        return getattr(self.data, "faults_note", "") if self.data is not None else ""

    def set_faults_note(self, note: str) -> None:
        """Progress of the fault-location computation (shown instead of the counts)."""
        if self.data is not None and self.data.faults_note:
            self.data.faults_note = note
            self.tabs.show_crossings(self.crossings, note)
            self._locations_dirty = True
            self._update_locations()

    def _update_info(self) -> None:
        d = self.data
        ts = d.time_source_counts()
        self.info.setText(f"{d.n:,} records · {d.timed:,} on the timeline (own timestamp "
                          f"{ts['record']:,}, event time {ts['event']:,}) · {ts['none']:,} without a "
                          "time · times in UTC")

    # -- interaction -------------------------------------------------------------------------
    def _on_group_changed(self, *_args) -> None:
        if self.data is not None:
            self.rebin()

    def _bin_under(self, scene_pos) -> int | None:
        vb = self.plot.getPlotItem().getViewBox()
        if self.histogram is None or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        return self.histogram.bin_at(vb.mapSceneToView(scene_pos).x())

    def _on_mouse_moved(self, scene_pos) -> None:
        i = self._bin_under(scene_pos)
        text = bin_text(self.histogram, i) if i is not None else " "
        self.hover_label.setText(text)
        self.plot.setToolTip(text.strip())

    def _on_mouse_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        i = self._bin_under(ev.scenePos())
        if i is not None and self.histogram.totals[i] > 0:
            h = self.histogram
            self.binClicked.emit(float(h.edges[i]), float(h.edges[i + 1]))

    def _select_middle(self) -> None:
        x0, x1 = self.visible_range()
        q = (x1 - x0) / 4
        self.select_range(x0 + q, x1 - q)

    def select_range(self, t0: float, t1: float) -> None:
        """Show the range selector at [t0, t1] (emits timeRangeSelected)."""
        self.region.show()
        self.region.setRegion((t0, t1))
        self._on_region_finished()

    def clear_range(self) -> None:
        self.region.hide()
        self.timeRangeCleared.emit()

    def _on_region_finished(self, *_args) -> None:
        if self.region.isVisible():
            t0, t1 = self.region.getRegion()
            self.timeRangeSelected.emit(float(t0), float(t1))

    def zoom_to(self, t0: float, t1: float) -> None:
        self.plot.getPlotItem().getViewBox().setXRange(t0, t1, padding=0.05)

    def _on_crossing_activated(self, row: int) -> None:
        c = self.crossings[row]
        rule = next((r for r in self.threshold_editor.rules() if r.name == c.rule), None)
        window = rule.window if rule else 86400
        self.zoom_to(c.time - window * 1.5, c.until + window * 0.5)
        self.select_range(c.time - window, c.time)

    def _on_storm_activated(self, row: int) -> None:
        s = self.storm_list[row]
        pad = max(s.duration, 60) * 3
        self.zoom_to(s.start - pad, s.end + pad)
        self.select_range(s.start, s.end + 1)


def _with_legend(legend: QWidget, chart: QWidget) -> QWidget:
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(0)
    legend.setContentsMargins(6, 2, 6, 0)
    col.addWidget(legend)
    col.addWidget(chart, 1)
    return box
