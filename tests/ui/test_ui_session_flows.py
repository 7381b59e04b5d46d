"""State that follows the user, through real input events: opening shows what was opened, the
panes follow the list, edits are never lost silently, every load problem is listed, the compare
picker lists the listed records, offsets say what they are."""

import numpy as np
from conftest import VECTORS, load
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from whea_gui.sources import iter_path
from whea_gui.ui.inputs import iter_inputs
from whea_gui.ui.record_dialogs import ComparePicker
from whea_gui.ui.record_model import HEADERS, SOURCE, TIME

CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"
TWO = VECTORS / "malformed/m23-two-records-concatenated.cper"
FOLDER = VECTORS / "DecodeWheaRecord"
EVTX = VECTORS / "evtx/kernel_whea_operational_52events.evtx"


def _press(qtbot, window, key, modifiers=Qt.ControlModifier):
    window.activateWindow()
    QTest.keyClick(window, key, modifiers)


def _open_with_keys(qtbot, window, monkeypatch, paths, key=Qt.Key_O,
                    modifiers=Qt.ControlModifier):
    """File → Open through its shortcut, the file dialog answering ``paths``."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: ([str(p) for p in paths], "")))
    with qtbot.waitSignal(window.loadFinished, timeout=60_000):
        _press(qtbot, window, key, modifiers)
    qtbot.waitUntil(lambda: not window.loading, timeout=60_000)


def _click_row(qtbot, window, row):
    view = window.records_panel.view
    rect = view.visualRect(window.records_panel.model.index(row, 1))
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())


def _answer_box(qtbot, button):
    """Click ``button`` of the next message box asking about unsaved edits, as a user would."""
    clicked = []

    def answer():
        box = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.isVisible()
                    and w.objectName() == "UnsavedEdits"), None)
        if box is None:
            QTimer.singleShot(20, answer)
            return
        clicked.append(box.text())
        QTest.mouseClick(box.button(button), Qt.LeftButton)
    QTimer.singleShot(0, answer)
    return clicked


def _listed(window):
    model = window.records_panel.model
    return [model.record_index(r) for r in range(model.rowCount())]


def test_open_replaces_the_collection_and_shows_the_first_record(qtbot, window, monkeypatch):
    _open_with_keys(qtbot, window, monkeypatch, [CMC])
    assert window.records_panel.model.rowCount() == 1
    _open_with_keys(qtbot, window, monkeypatch, [TWO])
    first = next(iter(iter_path(TWO)))
    assert window.records_panel.model.rowCount() == 2  # replaced, not appended to CMC
    assert window.records_panel.view.currentIndex().row() == 0  # selected …
    assert window.current_record.data == first.data  # … and shown
    assert "m23-two-records-concatenated" in window.windowTitle()
    # Add to collection (its own action) appends
    _open_with_keys(qtbot, window, monkeypatch, [CMC], Qt.Key_O,
                    Qt.ControlModifier | Qt.AltModifier)
    assert window.records_panel.model.rowCount() == 3
    assert window.current_record.data == first.data  # the shown record stays


def test_close_all_resets_filter_and_time_range(qtbot, window, monkeypatch):
    load(qtbot, window, [FOLDER])
    panel = window.records_panel
    total = panel.model.rowCount()
    panel.text.setFocus()
    QTest.keyClicks(panel.text, "memory")
    panel.apply_filter()
    panel.use_time.click()
    assert panel.model.rowCount() < total
    window.act_clear.trigger()
    assert panel.text.text() == "" and not panel.use_time.isChecked()
    assert window.session.filter.active is False
    assert window.current_record is None
    load(qtbot, window, [TWO])
    assert panel.count.text() == "2 records"  # not "0 of 2" behind an old filter


def test_filtering_moves_the_panes_to_a_listed_record_or_clears_them(qtbot, window):
    load(qtbot, window, [FOLDER])
    panel = window.records_panel
    _click_row(qtbot, window, 3)
    shown = window.session.current
    assert shown == panel.model.record_index(3)
    assert window.current_record.data == panel.records.data(shown)
    severity = panel.records.column("severity")[shown]
    other = next(int(s) for s in (2, 1, 0, 3) if s != severity and (panel.records.column("severity") == s).any())
    panel.severity.setCurrentIndex(panel.severity.findData(other))  # the shown one is filtered out
    listed = _listed(window)
    assert shown not in listed
    assert window.session.current in listed  # the nearest listed record is shown
    assert window.current_record.data == panel.records.data(window.session.current)
    assert panel.view.currentIndex().row() == panel.model.row_of_record(window.session.current)
    panel.text.setFocus()
    QTest.keyClicks(panel.text, "no record says this")
    panel.apply_filter()
    assert panel.model.rowCount() == 0
    assert window.current_record is None and window.field_model.rowCount() == 0
    assert window.hex.selection() == (0, 0)


def test_a_timeline_range_moves_the_panes_too(qtbot, window):
    load(qtbot, window, [FOLDER])
    t = window.records_panel.records.column("time")
    timed = np.flatnonzero(t != np.iinfo(np.int64).min)
    untimed = np.flatnonzero(t == np.iinfo(np.int64).min)
    _click_row(qtbot, window, window.records_panel.model.row_of_record(int(untimed[0])))
    lo = int(t[timed].min())
    window.timeline.timeRangeSelected.emit(float(lo), float(lo + 1))
    listed = _listed(window)
    assert listed and int(untimed[0]) not in listed
    assert window.session.current in listed


def test_an_edit_is_marked_and_quitting_asks_save_discard_cancel(qtbot, window, monkeypatch,
                                                                tmp_path):
    load(qtbot, window, [TWO])
    window.editing.set_edit_mode(True)
    assert window.editing.set_field("header.record_id", 0x4242)
    edited = bytes(window.current_record.data)
    assert window.windowTitle().startswith("*")
    model = window.records_panel.model
    assert model.data(model.index(0, TIME)).startswith("* ")
    assert not model.data(model.index(1, TIME)).startswith("* ")
    # Cancel: the window stays open, the edit stays
    asked = _answer_box(qtbot, QMessageBox.Cancel)
    assert not window.close()
    assert asked and "not saved" in asked[0]
    assert window.isVisible() and window.session.modified_records() == {0}
    # Save: the edited bytes are written where the user says, then the window closes
    out = tmp_path / "saved.cper"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    asked = _answer_box(qtbot, QMessageBox.Save)
    assert window.close()
    assert asked and out.read_bytes() == edited
    assert window.session.modified_records() == set()


def test_discard_on_quit_and_cancel_on_open(qtbot, window, monkeypatch):
    load(qtbot, window, [TWO])
    window.editing.set_field("header.record_id", 7)
    assert window.session.modified_records() == {0}
    asked = _answer_box(qtbot, QMessageBox.Cancel)  # opening another file: Cancel keeps all
    assert window.open_paths([CMC]) is None
    assert asked and window.records_panel.model.rowCount() == 2
    asked = _answer_box(qtbot, QMessageBox.Discard)
    assert window.close()
    assert asked and window.session.modified_records() == set()


def test_close_all_with_edits_asks_first(qtbot, window):
    load(qtbot, window, [TWO])
    window.editing.set_field("header.record_id", 7)
    asked = _answer_box(qtbot, QMessageBox.Cancel)
    window.act_clear.trigger()
    assert asked and window.records_panel.model.rowCount() == 2
    asked = _answer_box(qtbot, QMessageBox.Discard)
    window.act_clear.trigger()
    assert asked and window.records_panel.model.rowCount() == 0


def test_problems_panel_lists_every_problem(qtbot, window, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for p in sorted((VECTORS / "malformed").glob("*.cper"))[:12]:
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "notes.txt").write_text("nothing here\n")
    (folder / "truncated.evtx").write_bytes(EVTX.read_bytes()[:70_000])
    want = []
    list(iter_inputs([str(folder)], want.append))
    assert len(want) >= 2
    load(qtbot, window, [folder])
    rows = window.problems_panel.rows()
    assert len(rows) == len(window.problems) == len(want)
    assert sorted((r[1], r[3]) for r in rows) == sorted((str(p.path), p.message) for p in want)
    for row, p in zip(sorted(rows, key=lambda r: (r[1], r[3])),
                      sorted(want, key=lambda p: (str(p.path), p.message))):
        assert row[2] == ("" if p.offset is None else
                          f"{p.offset}–{p.offset + p.length - 1}" if p.length else str(p.offset))
    assert "problems:" in window.status_message.toolTip()
    assert window.problems_dock.windowTitle() == f"Problems ({len(want)})"
    window.act_clear.trigger()
    assert window.problems_panel.rowCount() == 0


def test_skipped_events_are_said_in_the_status_line(qtbot, window):
    load(qtbot, window, [EVTX])
    problems = []
    refs = list(iter_path(EVTX, problems.append))
    assert window.records_panel.model.rowCount() == len(refs)
    status = window.status_message.toolTip()
    assert status.startswith(f"Loaded {len(refs)} records")
    if problems:  # e.g. WHEA events without RawData: counted, listed in the panel
        assert "problems:" in status
        assert len(window.problems_panel.rows()) == len(problems)


def test_event_offsets_name_the_event_not_a_file_offset(qtbot, window):
    load(qtbot, window, [EVTX])
    src = window.current_record.source
    assert "event_record_id" in src
    text = window.status_offset.text()
    assert f"event {src['event_record_id']} RawData +" in text and "file 0x" not in text
    model = window.records_panel.model
    row = window.records_panel.view.currentIndex().row()
    assert model.data(model.index(row, HEADERS.index("Event record"))) == str(src["event_record_id"])
    assert model.data(model.index(row, HEADERS.index("Event ID"))) == str(src["event_id"])
    assert "@" not in model.data(model.index(row, SOURCE))


def test_compare_picker_lists_the_listed_records(qtbot, window, monkeypatch):
    load(qtbot, window, [FOLDER])
    panel = window.records_panel
    panel.severity.setCurrentIndex(panel.severity.findData(2))  # corrected only
    listed = _listed(window)
    assert 1 < len(listed) < len(panel.records)
    seen = {}

    def pick(parent, items):
        seen["items"] = list(items)
        return items[2], True
    monkeypatch.setattr(ComparePicker, "choose", staticmethod(pick))
    window.tree.setFocus()
    _press(qtbot, window, Qt.Key_D)  # Compare with… (Ctrl+D)
    items = seen["items"]
    assert items[0] == "A file…"
    others = [i for i in listed if i != window.session.current]
    assert len(items) == 1 + len(others)
    model = panel.model
    for text, index in zip(items[1:], others):
        row = model.row_of_record(index)
        assert text.startswith(f"{row + 1}. ")
        assert model.data(model.index(row, 1)) in text  # severity
        assert model.data(model.index(row, TIME)) in text
    dialogs = [w for w in QApplication.topLevelWidgets() if w.windowTitle().startswith("Compare")]
    assert dialogs
    dlg = dialogs[-1]
    qtbot.addWidget(dlg)
    assert bytes(dlg.hex_a.data()) == window.current_record.data
    assert bytes(dlg.hex_b.data()) == panel.records.data(others[1])  # the picked item


def test_compare_window_tints_the_changed_bytes(qtbot, window):
    load(qtbot, window, [TWO])
    window.editing.set_field("header.record_id", 0x77)
    dlg = window.editing.compare_with_bytes(window.session.original(0), "as opened")
    qtbot.addWidget(dlg)
    record_id = window.current_record.root.find("header.record_id")
    marks = dlg.byte_marks(dlg.diff.length_a, dlg.diff.length_b)
    assert marks and {(o, n) for o, n, _c in marks} == set(dlg.diff.byte_runs)
    assert all(record_id.offset <= o and o + n <= record_id.end for o, n, _c in marks)
    window.session.discard_edits()


def test_column_chooser_is_remembered(qtbot, window):
    from whea_gui.ui.window import MainWindow

    panel = window.records_panel
    event_col = HEADERS.index("Event ID")
    acts = panel.column_actions()
    acts[event_col].trigger()  # what the header's context menu does
    assert panel.view.isColumnHidden(event_col)
    other = MainWindow(settings=window.settings)
    qtbot.addWidget(other)
    assert other.records_panel.view.isColumnHidden(event_col)
    assert not other.records_panel.view.isColumnHidden(TIME)


def test_store_rows_show_no_meaningless_offset(qtbot, window, tmp_path):
    from whea_gui.store import Store

    db = tmp_path / "s.wheastore"
    with Store(db) as store:
        store.write_error_record(CMC.read_bytes(), source={"path": str(CMC), "offset": 0})
    load(qtbot, window, [db])
    model = window.records_panel.model
    text = model.data(model.index(0, SOURCE))
    assert "@0" not in text and text.startswith(f"{CMC.name} · store record 0x")
    assert "store record 0x" in window.status_offset.text()
