"""Failures a user met under a real X server (Xvfb + openbox), each pinned with real input."""

from conftest import REPO, load
from PySide6.QtCore import Qt

from whea_gui.decode import decode_record

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
