"""Failures a user met under a real X server (Xvfb + openbox), each pinned with real input."""

import pytest
from conftest import REPO, load
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from whea_gui.decode import decode_record
from whea_gui.ui.palette import contrast
from whea_gui.ui.timeline_plot import LOG_FLOOR

SAMPLE = REPO / "resources" / "sample" / "sample-records.bin"


def _type_into(qtbot, widget, text):
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def test_text_filter_counts_every_summary_not_only_the_scrolled_ones(qtbot, window):
    load(qtbot, window, [SAMPLE])
    panel = window.records_panel
    rs = window.session.records
    n = len(rs)
    assert n == 400
    expect = sum("dimm" in decode_record(rs.data(i), source=rs.source(i)).summary.lower()
                 or "dimm" in panel.model.data(panel.model.index(i, 3)).lower()
                 or "dimm" in panel.model.data(panel.model.index(i, 5)).lower()
                 for i in range(n))
    assert expect > 10  # the sample has DIMM faults
    _type_into(qtbot, panel.text, "DIMM")
    qtbot.keyClick(panel.text, Qt.Key_Return)
    panel.apply_filter()
    # Until every summary is made the count says it is partial.
    assert "searching summaries" in panel.count.text()
    assert "of 400" in panel.count.toolTip()  # "searching summaries: N of 400"
    assert window.minimumSizeHint().width() <= 1024  # the longer count does not widen the window
    qtbot.waitUntil(lambda: panel.model.search_progress() is None, timeout=60_000)
    assert panel.model.rowCount() == expect
    assert panel.count.text() == f"{expect} of 400"
    # The same answer after scrolling and filtering again.
    panel.view.scrollToBottom()
    panel.text.clear()
    panel.apply_filter()
    _type_into(qtbot, panel.text, "dimm")
    panel.apply_filter()
    assert panel.model.rowCount() == expect and "searching" not in panel.count.text()


def test_detail_panes_show_a_record_again_when_the_filter_lists_rows(qtbot, window):
    load(qtbot, window, [SAMPLE])
    panel = window.records_panel
    panel.select_row(5)
    shown = window.session.current
    assert shown >= 0
    _type_into(qtbot, panel.text, "zzz-no-such")
    panel.apply_filter()
    assert panel.model.rowCount() == 0 and window.session.current == -1
    assert window.current_record is None
    for _ in range(len("zzz-no-such")):
        qtbot.keyClick(panel.text, Qt.Key_Backspace)
    panel.apply_filter()
    assert panel.model.rowCount() == 400
    assert window.session.current == shown  # the record shown before, listed again
    assert window.current_record is not None
    assert panel.view.currentIndex().isValid()
    # A time range (what a timeline bin picks) listing rows shows one of them, without a click.
    panel.text.setText("zzz-no-such")
    panel.apply_filter()
    panel.text.clear()
    t = sorted(int(x) for x in window.session.records.column("time"))
    window.session.set_filter(type(window.session.filter)(time_from=t[100], time_to=t[160]))
    rows = panel.model.visible_records()
    assert len(rows) > 0 and window.session.current in set(int(r) for r in rows)
    assert window.current_record is not None


def test_compare_picker_fits_the_screen_and_is_resizable(qtbot, window):
    load(qtbot, window, [SAMPLE])
    panel = window.records_panel
    panel.select_row(0)
    seen = {}

    def answer():
        from whea_gui.ui.record_dialogs import ComparePicker

        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, ComparePicker)
        screen = window.screen().availableGeometry()
        seen["size"] = (dlg.width(), dlg.height(), screen.width(), screen.height())
        seen["resizable"] = dlg.minimumWidth() < dlg.maximumWidth()
        seen["buttons_inside"] = dlg.rect().contains(dlg.layout().itemAt(2).widget().geometry())
        QTest.keyClick(dlg.list, Qt.Key_Down)
        QTest.keyClick(dlg.list, Qt.Key_Down)
        seen["picked"] = dlg.chosen()
        QTest.keyClick(dlg.list, Qt.Key_Return)

    QTimer.singleShot(200, answer)
    window.tree.setFocus()
    window.activateWindow()
    QTest.keyClick(window, Qt.Key_D, Qt.ControlModifier)
    w, h, sw, sh = seen["size"]
    assert w <= sw and h <= sh and seen["resizable"] and seen["buttons_inside"]
    assert seen["picked"].startswith("3. ")  # row 1 is the shown record: the list skips it
    diffs = [d for d in QApplication.topLevelWidgets() if d.windowTitle().startswith("Compare ")]
    assert diffs
    for d in diffs:
        qtbot.addWidget(d)


def _label_parts(plot, image, text_item, bar_right_x):
    """The label's pixels over the bar and past it, measured separately."""
    rect = plot.mapFromScene(text_item.sceneBoundingRect()).boundingRect().intersected(image.rect())
    split = max(rect.left(), min(rect.right(), int(bar_right_x)))
    mid, half = rect.center().y(), max(rect.height() // 4, 3)  # inside the bar's height
    parts = []
    for x0, x1 in ((rect.left() + 2, split - 2), (split + 2, rect.right())):
        if x1 - x0 < 12:
            continue
        counts, pixels = {}, []
        for x in range(x0, x1):
            for y in range(mid - half, mid + half):
                c = image.pixelColor(x, y)
                counts[c.rgb()] = counts.get(c.rgb(), 0) + 1
                pixels.append(c)
        background = max(counts, key=counts.get)
        bg = next(c for c in pixels if c.rgb() == background)
        parts.append(max(contrast(bg, c) for c in pixels))
    return parts


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_top_locations_labels_read_on_bar_and_background(qtbot, window, theme):
    from whea_gui.ui.theme import set_theme

    set_theme(window, theme)
    load(qtbot, window, [SAMPLE])
    window.resize(1600, 1000)
    window.dock_actions["timeline"].trigger()
    tl = window.timeline
    tl.tabs.setCurrentWidget(tl.tabs.location_page)
    qtbot.waitUntil(lambda: "distinct" in tl.tabs.fault_label.text(), timeout=60_000)
    qtbot.wait(100)
    plot = tl.tabs.location_plot
    image = plot.grab().toImage()
    bars = tl.tabs.location_bars
    shown = [t for t in bars.texts if t.isVisible()]
    assert len(shown) >= 3
    vb = plot.getPlotItem().getViewBox()
    widths = bars.item.opts["width"]
    for i, text in enumerate(shown):
        x_end = plot.mapFromScene(vb.mapViewToScene(QPointF(LOG_FLOOR + widths[i], i))).x()
        for ratio in _label_parts(plot, image, text, x_end):
            assert ratio >= 4.5, (theme, i, ratio)
    set_theme(window, "light")


def test_folder_load_status_counts_empty_files_and_problems_show_file_names(qtbot, window,
                                                                           tmp_path):
    folder = tmp_path / ("a-rather-long-folder-name-for-the-records-" * 3) / "m"
    folder.mkdir(parents=True)
    data = SAMPLE.read_bytes()
    (folder / "m00-records.bin").write_bytes(data)
    (folder / "m01-empty.cper").write_bytes(b"")
    (folder / "m02-junk.cper").write_bytes(b"not a record at all " * 10)
    window.resize(1600, 1000)
    load(qtbot, window, [folder])
    status = window.status_message.toolTip()
    assert status.startswith("Loaded 400 records; 400 in all; 2 files skipped: no record read")
    assert "first error: m01-empty.cper" in status or "first error: m02-junk.cper" in status
    assert str(tmp_path) not in status  # file names, not the long path
    assert "2 files skipped" in window.status_message.text()  # shown, not cut away at 1600 px
    panel = window.problems_panel
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=2000)
    qtbot.wait(50)
    qtbot.wait(300)  # and it stays so once the layout has settled
    assert panel.viewport().height() >= 6 * panel.verticalHeader().defaultSectionSize() - 2
    # The File column elides in the middle: the file name stays visible.
    panel.setColumnWidth(1, 260)
    image = panel.viewport().grab().toImage()
    assert not image.isNull()
    option_mode = panel.itemDelegateForColumn(1)
    assert option_mode is not None
    from PySide6.QtWidgets import QStyleOptionViewItem

    opt = QStyleOptionViewItem()
    option_mode.initStyleOption(opt, panel.model().index(0, 1))
    assert opt.textElideMode == Qt.ElideMiddle
    shown = opt.fontMetrics.elidedText(opt.text, opt.textElideMode, 250)
    assert shown.endswith(".cper") and "…" in shown
    assert panel.item(0, 1).toolTip().startswith(str(folder))


def test_everything_filter_names_every_extension_of_the_readable_vectors():
    from conftest import VECTORS

    from whea_gui.sources import iter_path
    from whea_gui.ui.loading import OPEN_FILTERS

    everything = OPEN_FILTERS.split(";;")[0]
    for suffix in ("cper", "cperhex", "bin", "evtx", "xml", "json"):
        found = [p for p in sorted(VECTORS.rglob(f"*.{suffix}")) if "malformed" not in str(p)]
        if not found:
            continue
        sample = found[0]
        if suffix == "json" and not list(iter_path(sample)):
            continue  # libcper's JSON is not a record; Redfish JSON is
        assert list(iter_path(sample)), sample  # the readers accept it ...
        assert f"*.{suffix} " in everything or f"*.{suffix})" in everything  # ... so offer it


def test_go_to_is_a_go_to_field_not_the_last_find(qtbot, window):
    load(qtbot, window, [SAMPLE])
    window.tree.setFocus()
    window.activateWindow()
    QTest.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    bar = window.find_bar
    qtbot.keyClicks(bar.edit, "Signature")
    QTest.keyClick(window, Qt.Key_G, Qt.ControlModifier)
    assert bar.mode == "goto" and bar.edit.text() == ""
    assert not any(b.isVisible() for b in bar.step_buttons)
    qtbot.keyClicks(bar.edit, "0x10")
    QTest.keyClick(bar.edit, Qt.Key_F, Qt.ControlModifier)
    assert bar.mode == "find" and bar.edit.text() == "Signature"


def test_keyboard_shortcuts_list_each_action_once(window):
    from whea_gui.ui.shortcuts import shortcut_rows

    keys = [k for k, _ in shortcut_rows(window)]
    paste = [what for k, what in shortcut_rows(window) if k == "Ctrl+Shift+V"]
    assert len(paste) == 1 and "Paste record" in paste[0]
    menu_keys = [k for k in keys if "+" in k and k.startswith("Ctrl")]
    assert len(menu_keys) == len(set(menu_keys))


def test_a_window_larger_than_the_free_screen_is_fitted_into_it():
    from PySide6.QtCore import QRect

    from whea_gui.ui.window_extras import fitted_frame

    screen = QRect(0, 0, 1600, 1000)
    free = QRect(0, 0, 1600, 960)  # a 40 px panel at the bottom
    frame = QRect(0, 0, 1600 + 2, 1000 + 30)  # 1600×1000 inside a title bar and borders
    got = fitted_frame(frame, QRect(1, 29, 1600, 1000), free)
    assert free.contains(got) and got.height() == 960 and screen.contains(got)
    moved = fitted_frame(QRect(900, 500, 800, 600), QRect(901, 529, 798, 570), free)
    assert free.contains(moved) and moved.size() == QRect(0, 0, 800, 600).size()


def test_worker_progress_touches_widgets_only_on_the_gui_thread(qtbot, window, monkeypatch):
    import threading

    threads = set()
    real = window.timeline.set_faults_note

    def note(text):
        threads.add(threading.current_thread().name)
        real(text)
    monkeypatch.setattr(window.timeline, "set_faults_note", note)
    load(qtbot, window, [SAMPLE])  # raw records: their fault locations need a decode job
    window.raise_dock("timeline")
    qtbot.waitUntil(lambda: not window.timeline_link.fault_job, timeout=60_000)
    qtbot.wait(100)
    assert threads and threads == {threading.main_thread().name}
