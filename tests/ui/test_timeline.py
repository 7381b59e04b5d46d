"""TimelinePanel with qtbot, offscreen: real mouse clicks and drags on the plot, group-by
re-stacking, log scale, debounced re-binning on zoom, hover text, editable thresholds."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from whea_gui.index.analysis import TimelineData
from whea_gui.index.timebins import DAY, HOUR
from whea_gui.ui.compat import binding_drops_singleton_refs
from whea_gui.ui.timeline import TimelinePanel

T0 = 1_717_200_000  # 2024-06-01 00:00 UTC


def _data() -> TimelineData:
    """10 days: 4 errors a day at 10:00-10:03, 12 extra on day 3 (a storm, one DIMM crossing
    the 10-per-24-h threshold), 2 fatal errors on day 6."""
    times, sev, comp, dimm = [], [], [], []
    for day in range(10):
        for k in range(4):
            times.append(T0 + day * DAY + 10 * HOUR + k * 60)
            sev.append(2)
            comp.append("CPU" if k % 2 else "Memory")
            dimm.append("" if k % 2 else f"dimm{k}")
    for k in range(12):
        times.append(T0 + 3 * DAY + 15 * HOUR + k * 4)
        sev.append(2)
        comp.append("Memory")
        dimm.append("bad-dimm")
    for k in range(2):
        times.append(T0 + 6 * DAY + 8 * HOUR + k)
        sev.append(1)
        comp.append("CPU")
        dimm.append("")
    return TimelineData(np.array(times), severity=sev, groups={"component": comp},
                        faults={"dimm": dimm, "location": dimm})


@pytest.fixture
def panel(qtbot):
    w = TimelinePanel(_data())
    qtbot.addWidget(w)
    w.resize(1200, 700)
    w.show()
    qtbot.waitExposed(w)
    w.rebin()
    qtbot.wait(50)  # let the layout settle (the axis width follows the new y range)
    return w


def _view_to_widget(panel, x: float, y: float) -> QPoint:
    vb = panel.plot.getPlotItem().getViewBox()
    scene = vb.mapViewToScene(QPointF(x, y))
    return panel.plot.mapFromScene(scene)


def test_initial_view_bins_the_whole_span_by_severity(panel):
    h = panel.histogram
    assert h.labels == ["Fatal", "Corrected"]
    assert int(h.counts.sum()) == 54
    assert h.width == choose_expected_width(panel)
    assert [i.opts["name"] for i in panel.bars.items] == ["Fatal", "Corrected"]
    assert panel.storm_list and panel.storm_list[0].count == 12
    assert [c.label for c in panel.crossings] == ["bad-dimm"]
    assert panel.cross_table.rowCount() == 1 and panel.cross_table.item(0, 1).text() == "bad-dimm"
    assert panel.storm_table.rowCount() == 1 and panel.storm_table.item(0, 3).text() == "12"
    assert "54 records" in panel.info.text() and "0 without a time" in panel.info.text()


def choose_expected_width(panel):
    from whea_gui.index.timebins import choose_bin_width
    x0, x1 = panel.visible_range()
    return choose_bin_width(x1 - x0)


def test_group_by_switch_restacks(panel, qtbot):
    before = panel.histogram.totals.copy()
    panel.group_combo.setCurrentIndex(panel.group_combo.findData("component"))
    h = panel.histogram
    assert h.labels == ["Memory", "CPU"]  # most frequent first (bottom of the stack)
    assert h.counts.sum(axis=0).tolist() == [32, 22]
    assert np.array_equal(h.totals, before)
    assert [i.opts["name"] for i in panel.bars.items] == ["Memory", "CPU"]
    # the stacked bars reach exactly the totals
    top = panel.bars.items[-1]
    tops = dict(zip(top.opts["x0"], np.asarray(top.opts["y0"]) + np.asarray(top.opts["height"])))
    for x0, total in zip(h.edges[:-1], h.totals):
        if x0 in tops:
            assert tops[x0] == total


def test_log_toggle_transforms_bars_and_axis(panel, qtbot):
    qtbot.mouseClick(panel.log_check, Qt.MouseButton.LeftButton)
    assert panel.log and panel.plot.getPlotItem().getAxis("left").logMode
    h = panel.histogram
    nz = h.totals > 0
    assert np.allclose(panel.bars.top[nz], np.log10(h.totals[nz]))
    qtbot.mouseClick(panel.log_check, Qt.MouseButton.LeftButton)
    assert not panel.log and np.allclose(panel.bars.top, panel.histogram.totals)


def test_clicking_a_bar_emits_its_bin(panel, qtbot):
    h = panel.histogram
    i = int(np.argmax(h.totals))
    mid = (h.edges[i] + h.edges[i + 1]) / 2
    pos = _view_to_widget(panel, mid, h.totals[i] / 2)
    with qtbot.waitSignal(panel.binClicked, timeout=2000) as sig:
        qtbot.mouseClick(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert sig.args == [float(h.edges[i]), float(h.edges[i + 1])]


def test_clicking_an_empty_bin_emits_nothing(panel, qtbot):
    h = panel.histogram
    i = int(np.flatnonzero(h.totals == 0)[len(np.flatnonzero(h.totals == 0)) // 2])
    pos = _view_to_widget(panel, (h.edges[i] + h.edges[i + 1]) / 2, 0.5)
    with qtbot.assertNotEmitted(panel.binClicked, wait=100):
        qtbot.mouseClick(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_dragging_the_region_emits_a_time_range(panel, qtbot):
    with qtbot.waitSignal(panel.timeRangeSelected, timeout=2000) as first:
        qtbot.mouseClick(panel.select_button, Qt.MouseButton.LeftButton)
    lo, hi = first.args
    assert panel.region.isVisible() and lo < hi
    # drag the region's left edge one day to the right, with real mouse events
    y = panel.bars.y_range()[1] / 2
    start = _view_to_widget(panel, lo, y)
    end = _view_to_widget(panel, lo + DAY, y)
    vp = panel.plot.viewport()
    with qtbot.waitSignal(panel.timeRangeSelected, timeout=2000) as moved:
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for k in range(1, 6):
            QTest.mouseMove(vp, start + (end - start) * k / 5)
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    new_lo, new_hi = moved.args
    assert new_hi == pytest.approx(hi)
    assert new_lo == pytest.approx(lo + DAY, abs=DAY * 0.02)  # within a couple of pixels
    with qtbot.waitSignal(panel.timeRangeCleared, timeout=1000):
        qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert not panel.region.isVisible()


def test_zoom_rebins_after_a_debounce(panel, qtbot):
    assert panel.histogram.width == 3600  # 10 days → hourly bins
    vb = panel.plot.getPlotItem().getViewBox()
    vb.setXRange(T0 + 3 * DAY + 14 * HOUR, T0 + 3 * DAY + 16 * HOUR, padding=0)
    assert panel.histogram.width == 3600  # not yet: re-binning waits for the range to settle
    qtbot.waitUntil(lambda: panel.histogram.width == 30, timeout=2000)  # 2 h → 30 s bins
    h = panel.histogram
    assert int(h.counts.sum()) == 12  # the storm only (the view plus half a view either side)
    assert "30 seconds" in panel.bin_label.text()


def test_hover_shows_the_bin_counts(panel, qtbot):
    h = panel.histogram
    i = int(np.argmax(h.totals))
    qtbot.wait(50)  # pyqtgraph drops mouse moves that come within 1/60 s of the previous one
    pos = _view_to_widget(panel, (h.edges[i] + h.edges[i + 1]) / 2, 1)
    QTest.mouseMove(panel.plot.viewport(), pos)
    qtbot.waitUntil(lambda: "2024-06-04 15:00" in panel.hover_label.text(), timeout=2000)
    text = panel.hover_label.text()
    assert f"{int(h.totals[i])} records" in text and "Corrected" in text
    assert "2024-06-04 15:00 – 2024-06-04 16:00 UTC" in text


def test_threshold_edit_updates_crossings(panel, qtbot):
    assert len(panel.crossings) == 1
    dimm_row = [panel.threshold_editor.item(r, 1).text() for r in range(3)].index("dimm")
    panel.threshold_editor.thresholds[dimm_row].setValue(12)  # the bad DIMM peaks at 12
    assert [(c.count, c.peak) for c in panel.crossings] == [(12, 12)]
    panel.threshold_editor.thresholds[dimm_row].setValue(13)
    assert panel.crossings == [] and panel.cross_table.rowCount() == 0


def test_storm_settings_update_the_list_and_shading(panel, qtbot):
    assert len(panel.storm_item.opts["x0"]) == 1
    panel.storm_settings.count.setValue(13)
    assert panel.storm_list == [] and panel.storm_table.rowCount() == 0
    assert len(panel.storm_item.opts["x0"]) == 0


def test_singleton_refcounts_survive_a_session(panel, qtbot):
    before = sys.getrefcount(None)
    for _ in range(20):
        panel.rebin()
    if binding_drops_singleton_refs():  # PySide6 6.12.0 on Python 3.11: the work-around is on
        assert sys.getrefcount(None) > 1 << 39 and sys.getrefcount(True) > 1 << 39
    else:
        assert abs(sys.getrefcount(None) - before) < 1000


def test_activating_a_crossing_selects_its_window(panel, qtbot):
    [c] = panel.crossings
    with qtbot.waitSignal(panel.timeRangeSelected, timeout=2000) as sig:
        panel.tabs.crossingActivated.emit(0)  # what a double-click on row 0 sends
    assert sig.args == [float(c.time - DAY), float(c.time)]
    x0, x1 = panel.visible_range()
    assert x0 < c.time - DAY and x1 > c.until


def test_top_locations_follow_the_view_when_shown(panel, qtbot):
    assert panel.tabs.location_bars.item is None  # not drawn while hidden
    panel.tabs.setCurrentWidget(panel.tabs.location_page)
    texts = [t.textItem.toPlainText() for t in panel.tabs.location_bars.texts if t.isVisible()]
    assert texts[0] == "bad-dimm  (12)" and len(texts) == 3  # bad-dimm, dimm0, dimm2
    # 20 CPU errors and 2 fatal ones carry no DIMM
    assert "3 distinct fault locations from 54 records (22 without a location)" in \
        panel.tabs.fault_label.text()
    panel.zoom_to(T0 + 6 * DAY, T0 + 6 * DAY + 12 * HOUR)  # day 6: 2 fatal at 08:00, 4 at 10:00
    qtbot.waitUntil(lambda: "2 distinct fault locations from 6 records (4 without a location)"
                    in panel.tabs.fault_label.text(), timeout=2000)


def test_panel_without_times_or_fault_columns(qtbot):
    w = TimelinePanel(TimelineData([None, None], severity=[2, 2]))
    qtbot.addWidget(w)
    w.show()
    assert w.info.text() == "No records with a time"
    assert w.crossings == [] and w.storm_list == [] and not w.bars.items
    later = TimelinePanel()  # data can come later
    qtbot.addWidget(later)
    later.set_data(TimelineData(T0 + np.arange(30) * 5, severity=[2] * 30))  # no fault columns
    assert int(later.histogram.counts.sum()) == 30 and later.crossings == []
    assert "1 storm of ≥ 10 records" in later.tabs.storm_summary.text()


def test_new_data_clears_the_hover_line(panel, qtbot):
    h = panel.histogram
    i = int(np.argmax(h.totals))
    target = _view_to_widget(panel, (h.edges[i] + h.edges[i + 1]) / 2, 1)
    for dx in (40, 0):  # from elsewhere: a move to where the pointer already is sends nothing
        qtbot.wait(50)
        QTest.mouseMove(panel.plot.viewport(), target + QPoint(dx, 0))
    qtbot.waitUntil(lambda: "records" in panel.hover_label.text(), timeout=2000)
    panel.set_data(_data())  # another collection opened (here: the same records again)
    assert panel.hover_label.text().strip() == "" and panel.plot.toolTip() == ""
