"""Drawing helpers for the timeline: stacked count bars (linear or log), storm shading,
crossing markers and the horizontal "top locations" bar chart."""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from ..index.analysis import LOG_ENTRY_LABEL, NONE_LABEL, OTHER_LABEL
from ..index.timebins import Histogram, width_text
from .palette import mix, readable_behind

SEVERITY_COLOURS = {"Fatal": "#d62728", "Recoverable": "#ff7f0e", "Corrected": "#4c78a8",
                    "Informational": "#9da5ad", "Unknown": "#c7c7c7",
                    LOG_ENTRY_LABEL: "#b7c9a8"}  # a muted green: bookkeeping, not an error
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#eeca3b",
           "#9d755d", "#ff9da6", "#79706e")
FIXED = {OTHER_LABEL: "#bab0ac", NONE_LABEL: "#dddddd"}
LOG_FLOOR = -0.35  # log10 of the bar base in log scale: a count of 1 still shows


def colour_for(label: str, index: int) -> str:
    return SEVERITY_COLOURS.get(label) or FIXED.get(label) or PALETTE[index % len(PALETTE)]


def utc_text(t: float, with_seconds: bool = False) -> str:
    fmt = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime(fmt)


def bin_text(h: Histogram, i: int) -> str:
    """What the hover shows for bin ``i``: its time span and counts per group."""
    t0, t1 = h.edges[i], h.edges[i + 1]
    row = h.counts[i]
    parts = [f"{lab} {int(c):,}" for lab, c in zip(h.labels, row) if c]
    secs = h.width < 60
    return (f"{utc_text(t0, secs)} – {utc_text(t1, secs)} UTC ({width_text(h.width)}): "
            f"{int(row.sum()):,} records" + (" — " + ", ".join(parts) if parts else ""))


class StackedBars:
    """One BarGraphItem per group, stacked bottom-up, redrawn from a Histogram.

    Items are kept per group label and updated in place: adding and removing graphics items
    on every zoom step costs more than drawing them.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self._items: dict[str, pg.BarGraphItem] = {}
        self.items: list[pg.BarGraphItem] = []  # drawn this time, bottom-up
        self.log = False
        self.top = np.zeros(0)  # bar tops in view units (for markers and y range)

    def clear(self) -> None:
        for item in self._items.values():
            item.hide()
        self.items = []
        self.top = np.zeros(0)

    def _item(self, label: str, index: int) -> pg.BarGraphItem:
        item = self._items.get(label)
        if item is None:
            colour = colour_for(label, index)
            item = pg.BarGraphItem(x0=[], width=1, y0=[], height=[], brush=pg.mkBrush(colour),
                                   pen=pg.mkPen(colour, width=0), name=label)
            item.setZValue(10)
            self.plot.addItem(item)
            self._items[label] = item
        return item

    def draw(self, h: Histogram, log: bool) -> None:
        self.log = log
        x0 = h.edges[:-1]
        cum = np.zeros(len(x0))
        drawn = []
        for i, label in enumerate(h.labels):
            counts = h.counts[:, i].astype(np.float64)
            nz = counts > 0
            if not nz.any():
                continue
            below, above = cum[nz], cum[nz] + counts[nz]
            if log:
                y0 = np.where(below > 0, np.log10(np.maximum(below, 1)), LOG_FLOOR)
                height = np.log10(above) - y0
            else:
                y0, height = below, counts[nz]
            item = self._item(label, i)
            item.setOpts(x0=x0[nz], width=h.width, y0=y0, height=height)
            item.show()
            drawn.append(item)
            cum += counts
        for item in self._items.values():
            if item not in drawn:
                item.hide()
        self.items = drawn
        self.top = np.where(cum > 0, np.log10(np.maximum(cum, 1)), LOG_FLOOR) if log else cum

    def y_range(self) -> tuple[float, float]:
        peak = float(self.top.max()) if len(self.top) else (1.0 if not self.log else 0.0)
        if self.log:
            return LOG_FLOOR, max(peak, 0.0) + 0.3
        return 0.0, max(peak, 1.0) * 1.12


class LocationBars:
    """Horizontal bars of the most frequent fault locations, log-scaled counts."""

    def __init__(self, widget: pg.PlotWidget) -> None:
        self.widget = widget
        self.item: pg.BarGraphItem | None = None
        self.texts: list[pg.TextItem] = []
        plot = widget.getPlotItem()
        plot.hideAxis("left")
        plot.setLabel("bottom", "records (log scale)")
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.invertY(True)
        # With no bars an empty log axis (ticked 0.1 … 0.9) means nothing: say so instead.
        self.empty = pg.TextItem("No fault locations in view", anchor=(0.5, 0.5))
        plot.addItem(self.empty)
        self.empty.hide()

    def colours(self) -> tuple[QColor, QColor]:
        """(label text, bar): the palette's text, and a bar tinted towards the highlight that the
        text still reads on (a light bar under light text in a dark theme could not be read)."""
        pal = self.widget.palette()
        text = pal.text().color()
        bar = readable_behind(mix(pal.base().color(), pal.highlight().color(), 0.35), text)
        return text, bar

    def draw(self, rows: list[tuple[str, int]]) -> None:
        plot = self.widget.getPlotItem()
        text_colour, bar_colour = self.colours()
        if self.item is None:
            self.item = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[],
                                        brush=pg.mkBrush(bar_colour), pen=pg.mkPen(None))
            plot.addItem(self.item)
        self.item.setOpts(brush=pg.mkBrush(bar_colour))
        while len(self.texts) < len(rows):  # a pool of labels, reused on every update
            text = pg.TextItem("", color=text_colour, anchor=(0, 0.5))
            plot.addItem(text)
            self.texts.append(text)
        for text in self.texts[len(rows):]:
            text.hide()
        for text in self.texts:  # follow the palette (View → Theme may have changed it)
            text.setColor(text_colour)
        self.empty.setColor(text_colour)
        self.empty.setVisible(not rows)
        plot.getAxis("bottom").setVisible(bool(rows))
        if not rows:
            self.item.setOpts(x0=[], y=[], width=[])
            plot.setXRange(0, 1, padding=0)
            plot.setYRange(0, 1, padding=0)
            self.empty.setPos(0.5, 0.5)
            return
        counts = np.array([c for _, c in rows], dtype=np.float64)
        y = np.arange(len(rows), dtype=np.float64)
        self.item.setOpts(x0=np.full(len(rows), LOG_FLOOR), y=y, width=np.log10(counts) - LOG_FLOOR)
        top = int(np.ceil(np.log10(counts.max()) + 1e-9))
        plot.getAxis("bottom").setTicks([[(k, f"{10 ** k:,}") for k in range(top + 1)], []])
        for i, (label, count) in enumerate(rows):
            text = self.texts[i]
            text.setText(f"{label}  ({count:,})")
            text.setPos(LOG_FLOOR, float(i))
            text.show()
        plot.setXRange(LOG_FLOOR, float(np.log10(counts.max())) + 0.2, padding=0)
        plot.setYRange(-0.6, len(rows) - 0.4, padding=0)


def item_colour(item) -> str:
    """The colour a legend swatch shows for a bar, scatter or curve item."""
    opts = getattr(item, "opts", {}) or {}
    keys = ("brush", "symbolBrush", "pen")
    if isinstance(item, pg.PlotDataItem) and opts.get("symbol") is None:
        # a curve is drawn by its pen; its symbolBrush is pyqtgraph's default navy, unused
        keys = ("pen",)
    for key in keys:
        value = opts.get(key)
        if value is None:
            continue
        colour = pg.mkBrush(value).color() if key != "pen" else pg.mkPen(value).color()
        if colour.alpha():
            colour.setAlpha(255)
            return colour.name()
    return "#888888"


class LegendLabel(QLabel):
    """A legend above its chart instead of inside it: it can never cover a bar or a curve.
    Same clear()/addItem(item, name) calls as pyqtgraph's LegendItem."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextFormat(Qt.RichText)
        self.entries: list[tuple[str, str, str]] = []  # (symbol, colour, name)

    def clear(self) -> None:
        self.entries = []
        self.setText("")

    def addItem(self, item, name: str) -> None:  # noqa: N802 (pyqtgraph's name)
        marker = {"t": "▼", "t1": "▲", "o": "●"}.get(str(getattr(item, "opts", {}).get("symbol")), "▲")
        symbol = marker if isinstance(item, pg.ScatterPlotItem) else (
            "━" if isinstance(item, pg.PlotDataItem) else "■")
        self.entries.append((symbol, item_colour(item), str(name)))
        self.setText("&nbsp;&nbsp; ".join(
            f"<span style='color:{c}'>{s}</span>&nbsp;{html.escape(_elide(n)).replace(' ', '&nbsp;')}"
            for s, c, n in self.entries))
        self.setToolTip("<br>".join(f"<span style='color:{c}'>{s}</span> {html.escape(n)}"
                                    for s, c, n in self.entries))

    def names(self) -> list[str]:
        return [n for _, _, n in self.entries]


LEGEND_CHARS = 34  # longer names (host | memory:node=…/card=…/module=…) keep both ends


def _elide(name: str) -> str:
    if len(name) <= LEGEND_CHARS:
        return name
    half = (LEGEND_CHARS - 1) // 2
    return name[:half] + "…" + name[-half:]


def style_chart(widget: pg.PlotWidget, pal) -> None:
    """Background, axes and labels from the palette (a dark palette gets a dark chart)."""
    widget.setBackground(pal.base().color())
    text = pal.text().color()
    plot = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pal.mid().color() if pal.base().color().lightness() >= 128 else text.darker(150))
        axis.setTextPen(text)
        if axis.label is not None:
            axis.label.setDefaultTextColor(text)
