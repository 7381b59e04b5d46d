"""Theme: the hex view's text stays readable (≥ 4.5:1, measured on grabbed pixels) on light and
dark palettes for normal, selected, bit-field, hovered and finding bytes and every section tint;
View → Theme switches the whole window and is remembered."""

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from whea_gui.ui.hexview import ROW_BYTES, HexView
from whea_gui.ui.palette import HEADER_TINT, contrast, descriptor_colour, section_colour
from whea_gui.ui.theme import dark_palette, light_palette

TINTS = [HEADER_TINT] + [section_colour(i) for i in range(8)] + [descriptor_colour(3)]


def _cell_contrast(view, image, offset):
    """Contrast between a hex cell's background (its commonest colour) and its most distinct
    glyph pixel: what a reader sees, anti-aliasing and all."""
    p = view.point_of(offset)
    row_top = p.y() - view._lh // 2
    left = int(view._hex_x(offset % ROW_BYTES)) - view.horizontalScrollBar().value()
    counts, pixels = {}, []
    for x in range(left, left + int(2 * view._cw)):
        for y in range(row_top + 1, row_top + view._lh - 7):
            c = image.pixelColor(x, y)
            counts[c.rgb()] = counts.get(c.rgb(), 0) + 1
            pixels.append(c)
    background = max(counts, key=counts.get)
    bg = next(c for c in pixels if c.rgb() == background)
    return max(contrast(bg, c) for c in pixels), bg


@pytest.fixture(params=["light", "dark"])
def painted(request, qtbot):
    view = HexView()
    qtbot.addWidget(view)
    view.setPalette(dark_palette() if request.param == "dark" else light_palette())
    view.resize(760, 900)
    view.show()
    qtbot.waitExposed(view)
    data = bytes((0x41 + i) % 256 if i % 3 else 0xB8 for i in range(ROW_BYTES * 24))
    view.set_data(data)
    # one row per tint (rows 0..9), an error (row 12), a warning (row 13), a note (row 14)
    view.set_regions([(r * ROW_BYTES, ROW_BYTES, t) for r, t in enumerate(TINTS)])
    view.set_findings([(12 * ROW_BYTES, 8, "error"), (13 * ROW_BYTES, 8, "warning"),
                       (14 * ROW_BYTES, 8, "note"), (2 * ROW_BYTES + 10, 4, "error")])
    return request.param, view


def _grab(view):
    return view.viewport().grab().toImage()


def test_hex_text_contrast_on_every_layer(painted):
    theme, view = painted
    ratios = {}
    image = _grab(view)
    for r in range(len(TINTS)):
        ratios[f"tint {r}"] = _cell_contrast(view, image, r * ROW_BYTES + 3)[0]
    ratios["normal"], base = _cell_contrast(view, image, 16 * ROW_BYTES + 2)
    assert base.rgb() == view.palette().base().color().rgb()
    ratios["error"] = _cell_contrast(view, image, 12 * ROW_BYTES + 1)[0]
    ratios["error on a tint"] = _cell_contrast(view, image, 2 * ROW_BYTES + 11)[0]
    ratios["warning"] = _cell_contrast(view, image, 13 * ROW_BYTES + 1)[0]
    ratios["note"] = _cell_contrast(view, image, 14 * ROW_BYTES + 1)[0]
    view.set_selection(18 * ROW_BYTES, 6)
    image = _grab(view)
    ratios["selected"], sel = _cell_contrast(view, image, 18 * ROW_BYTES + 2)
    assert sel.rgb() == view.colours().selection.rgb()
    view.set_selection(4 * ROW_BYTES, 2)
    view.set_bit_mark(4 * ROW_BYTES, 3, 5)  # a bit field: light fill, palette text
    image = _grab(view)
    ratios["bit field"] = _cell_contrast(view, image, 4 * ROW_BYTES + 1)[0]
    view.set_bit_mark(None)
    view.set_selection(0, 0)
    view.set_hover_range(20 * ROW_BYTES, 4)
    view.set_hover_range(5 * ROW_BYTES, 4)
    image = _grab(view)
    ratios["hovered"] = _cell_contrast(view, image, 5 * ROW_BYTES + 1)[0]
    print(theme, {k: round(v, 2) for k, v in ratios.items()})
    low = {k: round(v, 2) for k, v in ratios.items() if v < 4.5}
    assert not low, f"{theme}: text below 4.5:1 on {low}"


def test_dark_tints_keep_their_hue_and_differ(painted):
    theme, view = painted
    if theme != "dark":
        return
    image = _grab(view)
    backgrounds = {_cell_contrast(view, image, r * ROW_BYTES + 3)[1].rgb() for r in range(1, 9)}
    assert len(backgrounds) == 8  # every section still has its own colour
    for r in range(1, 9):
        bg = _cell_contrast(view, image, r * ROW_BYTES + 3)[1]
        assert bg.lightness() < 110  # a dark tint, not the light pastel under light text


def test_view_theme_menu_switches_and_is_remembered(qtbot, window):
    app = QApplication.instance()
    try:
        window.theme_actions["dark"].trigger()
        qtbot.waitUntil(lambda: window.hex.colours().dark)
        assert window.settings.value("view/theme") == "dark"
        assert window.hex.palette().base().color().lightness() < 60
        window.theme_actions["light"].trigger()
        qtbot.waitUntil(lambda: not window.hex.colours().dark)
    finally:
        window.theme_actions["system"].trigger()
    assert window.settings.value("view/theme") == "system"
    assert app.palette().base().color().rgb() == app.property("whea_system_palette").base().color().rgb()


def test_charts_follow_the_palette_and_legends_sit_outside_the_plot(qtbot):
    from whea_gui.index.synthetic import synthetic_fleet
    from whea_gui.ui.timeline import TimelinePanel

    panel = TimelinePanel(synthetic_fleet(300))
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.rebin()
    assert panel.plot.backgroundBrush().color().lightness() > 200
    panel.setPalette(dark_palette())
    qtbot.waitUntil(lambda: panel.plot.backgroundBrush().color().lightness() < 60)
    assert panel.tabs.location_plot.backgroundBrush().color().lightness() < 60
    axis_text = panel.plot.getPlotItem().getAxis("left").textPen().color()
    assert contrast(axis_text, panel.plot.backgroundBrush().color()) >= 4.5
    # the legend names every stacked group and lies above the chart, not over it
    assert panel.legend.names()[:len(panel.bars.items)] == [
        i.opts.get("name") for i in panel.bars.items]
    legend_box = panel.legend.geometry()
    chart_top = panel.plot.mapTo(panel.legend.parentWidget(), panel.plot.rect().topLeft()).y()
    assert legend_box.bottom() < chart_top
    panel.tabs.setCurrentIndex(0)
    panel._draw_rates()
    assert panel.rate_legend.names() == [label for label, _, _ in panel._rate_curves[0]]
    # each legend swatch has its curve's colour (not pyqtgraph's unused default symbol brush)
    curves = [i for i in panel.rate_items if isinstance(i, pg.PlotDataItem)]
    swatches = [c for _s, c, _n in panel.rate_legend.entries]
    assert swatches == [pg.mkPen(i.opts["pen"]).color().name() for i in curves]
    assert len(set(swatches)) == len(swatches) > 1


def test_tree_error_warning_and_grey_text_read_on_both_palettes(qtbot):
    from whea_gui.ui import field_model
    from whea_gui.ui.theme import apply_theme

    app = QApplication.instance()
    try:
        for theme in ("light", "dark"):
            apply_theme(theme)
            base = app.palette().base().color()
            for name in ("red", "orange", "grey"):
                colour = field_model._text_brush(name).color()
                assert contrast(colour, base) >= (4.5 if name != "grey" else 3.0), (theme, name)
    finally:
        apply_theme("system")
