"""Usable at 1024×700 (ten tree rows and the Value column), Meaning readable at 1400×900."""

import pytest
from conftest import VECTORS, load
from PySide6.QtCore import Qt

from whea_gui.ui.field_model import MEANING, VALUE

CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"


@pytest.fixture
def sized(qtbot):
    from whea_gui.ui.window import MainWindow

    made = []

    def make(w, h):
        win = MainWindow()
        qtbot.addWidget(win)
        win.resize(w, h)
        win.show()
        qtbot.waitExposed(win)
        qtbot.wait(50)  # the first-show layout runs from the event loop
        load(qtbot, win, [CMC])
        qtbot.wait(50)
        made.append(win)
        return win

    yield make
    for win in made:
        win.cancel_loading(wait=True)


def _visible_width(tree, col):
    left = tree.columnViewportPosition(col)
    right = left + tree.columnWidth(col)
    return max(0, min(right, tree.viewport().width()) - max(left, 0))


def test_small_window_keeps_ten_tree_rows_and_the_value_column(sized):
    win = sized(1024, 700)
    tree = win.tree
    row = tree.sizeHintForRow(0)
    assert row > 0
    assert tree.viewport().height() >= 10 * row
    assert _visible_width(tree, VALUE) >= 150
    # the explanation is still all there: it scrolls rather than pushing the tree away
    scroll = win.findChild(type(win._fit.scroll), "SummaryScroll")
    assert scroll is not None and scroll.widget() is win.summary
    content = win.summary.heightForWidth(scroll.viewport().width())
    assert scroll.viewport().height() + scroll.verticalScrollBar().maximum() >= content - 2


def test_meaning_column_is_readable_at_1400x900(sized):
    win = sized(1400, 900)
    assert _visible_width(win.tree, MEANING) >= 250
    assert _visible_width(win.tree, VALUE) >= 200
    win.select_field("header.revision")
    idx = win.tree.currentIndex().siblingAtColumn(MEANING)
    assert idx.data()  # the cell shown there has text


def _tab_bar_click(qtbot, win, title):
    from PySide6.QtWidgets import QTabBar

    for bar in win.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title and bar.isVisible():
                qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
                return
    raise AssertionError(f"no tab {title!r}")


@pytest.mark.parametrize("how", ["tab", "menu"])
def test_small_window_timeline_keeps_the_tree_rows_and_readable_charts(sized, qtbot, how):
    win = sized(1024, 700)
    if how == "tab":
        _tab_bar_click(qtbot, win, "Timeline")
    else:
        win.dock_actions["timeline"].trigger()
    qtbot.waitUntil(lambda: win.timeline.isVisible(), timeout=2000)
    tree, tl = win.tree, win.timeline

    def fitted():  # the dock is fitted from the event loop: late on a busy machine
        assert tree.viewport().height() >= 10 * tree.sizeHintForRow(0)
        assert win.timeline_dock.height() >= 180  # what the tree's rows leave, not a 150 px strip
        assert tl.plot.height() >= 130 and tl.rate_plot.height() >= 120  # the dock scrolls instead

    qtbot.waitUntil(fitted, timeout=5000)
    tl.tabs.setCurrentWidget(tl.tabs.location_page)
    fm = tl.tabs.location_plot.fontMetrics()
    qtbot.waitUntil(lambda: tl.tabs.location_plot.height() >= 15 * fm.height(),
                    timeout=5000)  # fifteen labels do not overlap
    _tab_bar_click(qtbot, win, "Records")
    qtbot.waitUntil(lambda: tree.viewport().height() >= 10 * tree.sizeHintForRow(0), timeout=5000)
