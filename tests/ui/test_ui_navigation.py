"""Keyboard flows driven by real key events: Tab/F6 between the panes, Ctrl+F in the tree and
the hex view, F3/Shift+F3, Ctrl+G, Help → Keyboard shortcuts, View → Timeline."""

from conftest import VECTORS, load
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"
TWO = VECTORS / "malformed/m23-two-records-concatenated.cper"


def _focused():
    return QApplication.focusWidget()


def _ready(qtbot, window, path=CMC):
    load(qtbot, window, [path])
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    return window.current_record


def _key(qtbot, key, mod=Qt.NoModifier):
    qtbot.keyClick(_focused(), key, mod)


def test_tab_and_f6_cycle_list_tree_hex_findings(qtbot, window):
    _ready(qtbot, window)
    table = window.records_panel.view
    table.setFocus()
    qtbot.waitUntil(lambda: _focused() is table)
    order = [window.tree, window.hex, window.findings_view, table]
    for expected in order:  # Tab leaves the table (it used to move between its cells)
        _key(qtbot, Qt.Key_Tab)
        assert _focused() is expected
    for expected in reversed(order[:-1]):
        _key(qtbot, Qt.Key_Backtab, Qt.ShiftModifier)
        assert _focused() is expected
    assert _focused() is window.tree
    _key(qtbot, Qt.Key_F6)
    assert _focused() is window.hex
    _key(qtbot, Qt.Key_F6, Qt.ShiftModifier)
    _key(qtbot, Qt.Key_F6, Qt.ShiftModifier)
    assert _focused() is table


def test_ctrl_f_finds_fields_by_name_and_value_and_f3_steps(qtbot, window):
    rec = _ready(qtbot, window)
    window.tree.setFocus()
    _key(qtbot, Qt.Key_F, Qt.ControlModifier)
    bar = window.find_bar
    assert bar.isVisible() and _focused() is bar.edit and bar.scope == "tree"
    qtbot.keyClicks(bar.edit, "severity")
    _key(qtbot, Qt.Key_Return)
    first = window.current_node()
    assert first is not None and "severity" in (first.label + first.name).lower()
    expected = [n for n in rec.root.walk() if n is not rec.root and "severity" in (
        n.label + n.name + n.display + window.field_model.cell_text(n, 1)).lower()]
    assert len(expected) >= 2 and first is expected[0]
    _key(qtbot, Qt.Key_F3)
    assert window.current_node() is expected[1]
    _key(qtbot, Qt.Key_F3, Qt.ShiftModifier)
    assert window.current_node() is expected[0]
    assert bar.result.text() == f"1 of {len(expected)} matching fields"
    # a value: the record's creator id text is found by what the Value column shows
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "Corrected")
    _key(qtbot, Qt.Key_Return)
    node = window.current_node()
    assert "corrected" in (node.display + window.field_model.cell_text(node, 1)).lower()
    _key(qtbot, Qt.Key_Escape)
    assert not bar.isVisible() and _focused() is window.tree


def test_ctrl_f_in_the_hex_view_finds_bytes_and_text(qtbot, window):
    rec = _ready(qtbot, window, TWO)
    data = rec.data
    window.hex.setFocus()
    qtbot.waitUntil(lambda: _focused() is window.hex)
    _key(qtbot, Qt.Key_F, Qt.ControlModifier)
    bar = window.find_bar
    assert bar.scope == "hex"
    qtbot.keyClicks(bar.edit, "43 50 45 52")  # "CPER" as hex bytes
    _key(qtbot, Qt.Key_Return)
    hits = [i for i in range(len(data) - 3) if data[i:i + 4] == b"CPER"]
    assert window.hex.selection() == (hits[0], 4)
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, '"CPER"')  # the same as text
    _key(qtbot, Qt.Key_Return)
    assert window.hex.selection() == (hits[0], 4)
    if len(hits) > 1:
        _key(qtbot, Qt.Key_F3)
        assert window.hex.selection() == (hits[1], 4)
    _key(qtbot, Qt.Key_F3, Qt.ShiftModifier)
    assert window.hex.selection()[0] in hits
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "DE AD BE EF 01 02 03 04 05")
    _key(qtbot, Qt.Key_Return)
    assert bar.result.text() == "No match for “DE AD BE EF 01 02 03 04 05” as hex bytes"


def test_ctrl_g_goes_to_an_offset_and_selects_the_field_there(qtbot, window):
    rec = _ready(qtbot, window)
    window.tree.setFocus()
    _key(qtbot, Qt.Key_G, Qt.ControlModifier)
    bar = window.find_bar
    assert bar.isVisible() and bar.mode == "goto" and _focused() is bar.edit
    qtbot.keyClicks(bar.edit, "0x68")
    _key(qtbot, Qt.Key_Return)
    assert window.hex.cursor_offset() == 0x68
    assert window.current_node() is rec.root.deepest_at(0x68)
    assert not bar.isVisible() and _focused() is window.hex
    _key(qtbot, Qt.Key_G, Qt.ControlModifier)
    qtbot.keyClicks(bar.edit, "99999999")
    _key(qtbot, Qt.Key_Return)
    assert "outside this record" in bar.result.text() and window.hex.cursor_offset() == 0x68
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "+8")
    _key(qtbot, Qt.Key_Return)
    assert window.hex.cursor_offset() == 0x70


def test_help_lists_every_menu_shortcut_and_the_navigation_keys(qtbot, window):
    from whea_gui.ui.shortcuts import ShortcutsDialog, shortcut_rows

    rows = shortcut_rows(window)
    keys = " | ".join(k for k, _ in rows)
    for key in ("Ctrl+F", "Ctrl+G", "F3", "F6", "Tab", "Ctrl+O", "Ctrl+E", "Ctrl+H", "F1"):
        assert key in keys
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == len(rows)


def test_view_timeline_shows_the_timeline_even_when_it_is_open_behind_records(qtbot, window):
    _ready(qtbot, window)
    from whea_gui.ui.window_extras import dock_on_top

    assert window.timeline_dock.isVisible() is False or not dock_on_top(window.timeline_dock)
    window.dock_actions["timeline"].trigger()
    qtbot.waitUntil(lambda: dock_on_top(window.timeline_dock))
    qtbot.waitUntil(lambda: window.timeline_dock.height() >= 300, timeout=2000)
    window.dock_actions["records"].trigger()
    qtbot.waitUntil(lambda: dock_on_top(window.records_dock))
    assert window.timeline_dock.isVisible() and not dock_on_top(window.timeline_dock)
