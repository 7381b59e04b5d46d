"""The window lists Kernel-WHEA Event ID 5 error-source tables (once dropped with a note):
a row per table with its own type, and the panes show its error sources when it is clicked."""

from conftest import VECTORS, load
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from whea_gui.ui.record_model import HEADERS

EVTX = VECTORS / "evtx/kernel_whea_operational_52events.evtx"


def test_tables_are_listed_and_shown(qtbot, window):
    load(qtbot, window, [EVTX])
    model = window.records_panel.model
    assert model.rowCount() == 52
    records = window.records_panel.records
    rows = [model.row_of_record(i) for i in range(len(records))
            if records.source(i).get("format") == "error_source_table"]
    assert len(rows) == 5
    texts = [" | ".join(str(model.data(model.index(rows[0], c))) for c in range(len(HEADERS)))]
    assert "Error source table" in texts[0] and "Configuration" in texts[0], texts
    view = window.records_panel.view
    rect = view.visualRect(model.index(rows[0], 1))
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    qtbot.waitUntil(lambda: window.current_record is not None
                    and window.current_record.kind == "error_source_table", timeout=10_000)
    rec = window.current_record
    assert len(rec.sections) == 9 and rec.summary.startswith("WHEA error source table: 9")
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
