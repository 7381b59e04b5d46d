"""Tree ↔ hex linking, hover preview, status bar offsets, findings jumps, copy actions."""

import json

from conftest import VECTORS, load
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"
TWO = VECTORS / "malformed/m23-two-records-concatenated.cper"


def _click(qtbot, win, offset, ascii_column=False):
    win.hex.ensure_visible(offset)
    qtbot.mouseClick(win.hex.viewport(), Qt.LeftButton, pos=win.hex.point_of(offset, ascii_column))


def test_selecting_a_field_selects_its_bytes(qtbot, window):
    load(qtbot, window, [CMC])
    rec = window.current_record
    assert rec is not None and rec.data == CMC.read_bytes()
    assert window.select_field("header.flags")
    node = rec.root.find("header.flags")
    assert window.current_node() is node
    assert window.hex.selection() == (node.offset, node.length) == (104, 4)
    # a field deep in the last section scrolls the hex view to it
    body = rec.root.find("section_2")
    assert window.select_field(body)
    assert window.hex.selection() == (body.offset, body.length)
    top = window.hex.verticalScrollBar().value() * 16
    assert top <= body.offset < top + window.hex.visible_rows() * 16


def test_selecting_a_bit_marks_its_bits(qtbot, window):
    load(qtbot, window, [CMC])
    assert window.select_field("header.valid_bits.timestamp_valid")
    node = window.current_node()
    assert window.hex.selection() == (node.offset, node.length) == (16, 1)
    assert window.hex._bits == (16, 1, 1)
    # the tick for bit 1 of byte 16 is painted in the bit colour
    from whea_gui.ui.palette import BIT_ON
    img = window.hex.viewport().grab().toImage()
    centre = window.hex.point_of(16)
    hits = [(x, y) for x in range(centre.x() - 14, centre.x() + 14)
            for y in range(centre.y(), centre.y() + window.hex._lh)
            if img.pixelColor(x, y).name() == BIT_ON.name()]
    assert hits, "no bit tick painted"
    # bit 1 sits right of centre: ticks run bit 7 (left) .. bit 0 (right)
    assert min(x for x, _ in hits) > centre.x()


def test_clicking_a_byte_selects_the_deepest_field(qtbot, window):
    load(qtbot, window, [CMC])
    rec = window.current_record
    for offset in (0, 5, 12, 24, 27, 100, 150, 300, 600, 900):
        _click(qtbot, window, offset)
        want = rec.root.deepest_at(offset)
        assert window.current_node() is want, offset
        idx = window.tree.currentIndex()
        assert idx.isValid()
        parent = idx.parent()
        while parent.isValid():  # the path down to it is expanded
            assert window.tree.isExpanded(parent)
            parent = parent.parent()
        assert window.hex.cursor_offset() == offset
        assert window.hex.selection() == (want.offset, want.length)
    # the ASCII column links the same way
    _click(qtbot, window, 81, ascii_column=True)
    assert window.current_node() is rec.root.find("header.notify_type")


def test_keyboard_moves_the_cursor_and_the_tree_follows(qtbot, window):
    load(qtbot, window, [CMC])
    rec = window.current_record
    _click(qtbot, window, 10)
    window.hex.setFocus()
    qtbot.keyClick(window.hex, Qt.Key_Right)
    qtbot.keyClick(window.hex, Qt.Key_Right)
    assert window.hex.cursor_offset() == 12
    assert window.current_node() is rec.root.deepest_at(12)
    qtbot.keyClick(window.hex, Qt.Key_Down)
    assert window.current_node() is rec.root.deepest_at(28)
    qtbot.keyClick(window.hex, Qt.Key_Right, Qt.ShiftModifier)
    qtbot.keyClick(window.hex, Qt.Key_Right, Qt.ShiftModifier)
    assert window.hex.selection() == (28, 3)
    qtbot.keyClick(window.hex, Qt.Key_C, Qt.ControlModifier)
    assert QApplication.clipboard().text() == rec.data[28:31].hex(" ").upper()
    qtbot.keyClick(window.hex, Qt.Key_End, Qt.ControlModifier)
    assert window.hex.cursor_offset() == len(rec.data) - 1


def test_hover_previews_without_moving_the_selection(qtbot, window):
    load(qtbot, window, [CMC])
    rec = window.current_record
    window.select_field("header.severity")
    before = window.tree.currentIndex()
    qtbot.mouseMove(window.hex.viewport(), window.hex.point_of(82))
    qtbot.waitUntil(lambda: window.hex.hover_range() is not None)
    hovered = rec.root.deepest_at(82)
    assert window.hex.hover_range() == (hovered.offset, hovered.length)
    assert window.tree.currentIndex() == before
    assert window.hex.selection() == (12, 4)
    assert hovered.label in window.status_field.text()


def test_status_bar_shows_file_offsets_of_a_later_record(qtbot, window):
    load(qtbot, window, [TWO])
    assert window.records_panel.model.rowCount() == 2
    window.select_record(1)
    rec = window.current_record
    base = rec.source["offset"]
    assert base > 0
    _click(qtbot, window, 20)
    text = window.status_offset.text()
    assert f"({20})" in text and f"file 0x{base + 20:X} ({base + 20})" in text
    node = rec.root.deepest_at(20)
    assert f"+{20 - node.offset} of {node.length}" in window.status_field.text()


def test_clicking_a_finding_jumps_to_its_bytes(qtbot, window):
    load(qtbot, window, [VECTORS / "malformed/m06-truncated-in-section.cper"])
    view = window.findings_view
    model = window.findings_model
    assert model.rowCount() >= 2
    for row in range(model.rowCount()):
        f = model.finding(row)
        qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(model.index(row, 3)).center())
        n = len(window.current_record.data)
        start = min(f.offset, n)
        assert window.hex.selection() == (start, max(0, min(f.length, n - start)))


def test_copy_value_bytes_text_and_json(qtbot, window):
    load(qtbot, window, [CMC])
    rec = window.current_record
    window.select_field("header.notify_type")
    node = window.current_node()
    assert window.copy_field("value") == node.display
    assert QApplication.clipboard().text() == node.display
    assert window.copy_field("bytes") == rec.data[80:96].hex(" ").upper()
    window.select_field("header.valid_bits")
    text = window.copy_field("text")
    lines = text.splitlines()
    assert lines[0].startswith("Validation bits: 0x00000002") and lines[0].endswith("@16+4")
    assert lines[1].startswith("  PlatformID valid: clear")
    obj = json.loads(window.copy_field("json"))
    assert obj["name"] == "valid_bits" and obj["offset"] == 16 and len(obj["children"]) == 3


def test_hex_toggle_reaches_the_tree(qtbot, window):
    load(qtbot, window, [CMC])
    window.set_hex_numbers(True)
    idx = window.field_model.index_of_path("header.length").siblingAtColumn(1)
    assert idx.data() == "0x000003A0"
    window.act_hex_numbers.trigger()
    assert idx.data() == "928"


def test_expanded_fields_stay_expanded_on_the_next_record(qtbot, window):
    load(qtbot, window, [TWO])
    window.select_field("header.flags.recovered")
    window.select_record(1)
    idx = window.field_model.index_of_path("header.flags")
    assert window.tree.isExpanded(idx)


def test_timeline_counts_the_loaded_records_and_filters_the_list(qtbot, window):
    import numpy as np

    from whea_gui.session.recordset import NO_TIME
    load(qtbot, window, [VECTORS / "DecodeWheaRecord"])
    qtbot.waitUntil(lambda: window.timeline.data is not None
                    and len(window.timeline.data.times) == window.records_panel.model.rowCount())
    t = window.records_panel.records.column("time")
    timed = np.sort(t[t != NO_TIME])
    lo, hi = int(timed[len(timed) // 3]), int(timed[-1])
    window.timeline.select_range(lo, hi)  # as a drag of the range selector ends: [lo, hi)
    assert window.records_panel.use_time.isChecked()
    assert window.records_panel.model.rowCount() == int(np.sum((t >= lo) & (t < hi)))
    window.timeline.clear_range()
    assert window.records_panel.model.rowCount() == len(t)


def test_timeline_gets_fault_locations_decoded_in_the_background(qtbot, window):
    from whea_gui.paths import sample_data_dir
    from whea_gui.sample import RAW_NAME
    load(qtbot, window, [sample_data_dir() / RAW_NAME])
    assert window.timeline_link.faults is None  # nothing decoded while the timeline is not shown
    with qtbot.waitSignal(window.faultsReady, timeout=60_000):
        window.raise_dock("timeline")
    assert window.timeline_link.faults[0] == window.records_panel.model.rowCount()
    # the bundled month of records has one DIMM crossing its corrected-error threshold
    assert any(c.rule.lower() == "dimm" and "memory" in c.label for c in window.timeline.crossings)
