"""The hex view on its own: geometry, layers painted, big buffers, keyboard and copy."""

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from whea_gui.ui.hexview import HexView
from whea_gui.ui.palette import ERROR_TINT, section_colour


def _view(qtbot, data, w=760, h=400):
    view = HexView()
    qtbot.addWidget(view)
    view.resize(w, h)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(data)
    return view


def _colour_at(view, offset, dx=-1):
    """Background colour just left of a byte's text (inside its cell)."""
    img = view.viewport().grab().toImage()
    p = view.point_of(offset)
    return img.pixelColor(p.x() - view._cw + dx, p.y() - 4).name()


def test_layers_are_painted_where_they_belong(qtbot):
    view = _view(qtbot, bytes(range(256)) * 4)
    view.set_regions([(0, 128, section_colour(0)), (128, 64, section_colour(1))])
    view.set_findings([(300, 4, "error")])
    assert _colour_at(view, 10) == section_colour(0).name()
    assert _colour_at(view, 130) == section_colour(1).name()
    assert _colour_at(view, 250) == view.palette().base().color().name()
    tinted = _colour_at(view, 301)
    assert tinted not in (view.palette().base().color().name(), ERROR_TINT.name())
    view.set_selection(40, 8)
    assert _colour_at(view, 44) == view.colours().selection.name()
    assert _colour_at(view, 10) == section_colour(0).name()


def test_point_and_byte_round_trip_and_outside_is_minus_one(qtbot):
    view = _view(qtbot, bytes(1000))
    for off in (0, 7, 8, 15, 16, 200, 399):
        assert view.byte_at(view.point_of(off)) == off
        assert view.byte_at(view.point_of(off, ascii_column=True)) == off
    p = view.point_of(0)
    p.setX(2)  # the offset gutter
    assert view.byte_at(p) == -1


@pytest.fixture
def hex_view(qtbot):
    return _view(qtbot, b"")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 5_000_000), frac=st.floats(0, 1))
def test_any_offset_in_a_big_buffer_can_be_scrolled_to_and_hit(hex_view, size, frac):
    hex_view.set_data(b"\xAB" * size)  # one view for all examples: the fixture is made once
    off = min(size - 1, int(frac * size))
    hex_view.ensure_visible(off)
    assert hex_view.byte_at(hex_view.point_of(off)) == off


def test_a_50_mb_buffer_scrolls_to_the_end(qtbot):
    data = bytes(range(256)) * (50 * 1024 * 1024 // 256)
    view = _view(qtbot, memoryview(data))
    bar = view.verticalScrollBar()
    assert bar.maximum() == len(data) // 16 - view.visible_rows()
    bar.setValue(bar.maximum())
    view.viewport().repaint()
    last = len(data) - 1
    assert view.byte_at(view.point_of(last)) == last
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.point_of(last))
    assert view.cursor_offset() == last and view.selected_bytes() == bytes([last % 256])


def test_drag_selects_and_copy_formats(qtbot):
    data = b"CPER" + bytes(range(60))
    view = _view(qtbot, data)
    qtbot.mousePress(view.viewport(), Qt.LeftButton, pos=view.point_of(2))
    qtbot.mouseMove(view.viewport(), view.point_of(21))
    qtbot.mouseRelease(view.viewport(), Qt.LeftButton, pos=view.point_of(21))
    assert view.selection() == (2, 20)
    assert view.selection_text("hex") == data[2:22].hex(" ").upper()
    assert view.selection_text("hex-compact") == data[2:22].hex().upper()
    assert base64.b64decode(view.selection_text("base64")) == data[2:22]
    assert view.selection_text("ascii").startswith("ER")
    view.copy("base64")
    assert QApplication.clipboard().text() == base64.b64encode(data[2:22]).decode()
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, Qt.ShiftModifier, view.point_of(30))
    assert view.selection() == (2, 29)


def test_keys_page_and_select_all(qtbot):
    view = _view(qtbot, bytes(4096), h=300)
    got = []
    view.byteClicked.connect(got.append)
    view.setFocus()
    view.set_selection(0, 1)
    qtbot.keyClick(view, Qt.Key_PageDown)
    assert view.cursor_offset() == 16 * view.visible_rows()
    assert got[-1] == view.cursor_offset()
    qtbot.keyClick(view, Qt.Key_End)
    assert view.cursor_offset() % 16 == 15
    qtbot.keyClick(view, Qt.Key_Home)
    assert view.cursor_offset() % 16 == 0
    qtbot.keyClick(view, Qt.Key_A, Qt.ControlModifier)
    assert view.selection() == (0, 4096)


def test_empty_view_shows_a_placeholder_and_ignores_input(qtbot):
    view = _view(qtbot, b"")
    assert view.byte_at(view.point_of(0)) == -1
    qtbot.keyClick(view, Qt.Key_Right)
    view.viewport().repaint()
    assert view.selection() == (0, 0)


def test_copy_as_c_array_and_python_bytes_round_trip(qtbot):
    import ast
    import re

    data = bytes(range(250, 256)) + b"CPER'\"\\\n" + bytes(20)
    view = _view(qtbot, data)
    view.set_selection(0, len(data))
    py = view.selection_text("python")
    assert ast.literal_eval(py) == data
    c = view.selection_text("c-array")
    assert c.startswith(f"const unsigned char bytes[{len(data)}] = {{") and c.endswith("};")
    assert bytes(int(h, 16) for h in re.findall(r"0x([0-9A-F]{2})", c)) == data
