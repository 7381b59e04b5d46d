"""Colours shared by the tree, the hex view and the findings panel (one place, so they match)."""

from __future__ import annotations

from PySide6.QtGui import QColor

# Light tints that keep black text readable; sections cycle through them.
_SECTION_TINTS = ("#d8ecff", "#dff5d8", "#ffe9cc", "#eadcff", "#d6f3f0", "#ffdbe6", "#f3f0c8",
                  "#e2e6ea")
HEADER_TINT = QColor("#eceff3")
CURSOR_OUTLINE = QColor("#d0021b")
BIT_ON = QColor("#e8125c")
BIT_OFF = QColor("#9aa0a6")
LEVEL_COLOURS = {"error": QColor("#d93025"), "warning": QColor("#e37400"), "note": QColor("#1a73e8")}
ERROR_TINT = QColor(217, 48, 37, 70)


def section_colour(index: int) -> QColor:
    return QColor(_SECTION_TINTS[index % len(_SECTION_TINTS)])


def descriptor_colour(index: int) -> QColor:
    """A paler tint of the section's colour for its descriptor."""
    return section_colour(index).lighter(104)


# -- colours derived from the widget's palette (so a dark system palette stays readable) --------
MIN_CONTRAST = 4.5  # WCAG AA for normal text


def luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_dark(pal) -> bool:
    return pal.base().color().lightness() < 128


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def readable_behind(background: QColor, text: QColor, ratio: float = MIN_CONTRAST) -> QColor:
    """``background`` moved away from the text's lightness until ``text`` reads on it."""
    away = QColor("#000000") if luminance(text) > 0.18 else QColor("#ffffff")
    colour = QColor(background)
    colour.setAlpha(255)
    step = 0
    while contrast(colour, text) < ratio + 0.6 and step < 40:  # a margin: glyphs are antialiased
        step += 1
        colour = mix(QColor(background), away, step / 40)
    return colour


def readable_text(colour: QColor, background: QColor, ratio: float = MIN_CONTRAST) -> QColor:
    """``colour`` (a text colour) moved away from the background until it reads on it."""
    return readable_behind(colour, background, ratio)


class HexColours:
    """Every colour the hex view paints, from one palette. Section tints keep their hue; on a
    dark palette they become dark tints of the same hue so the palette's light text reads."""

    def __init__(self, pal) -> None:
        self.dark = is_dark(pal)
        self.base = pal.base().color()
        self.text = pal.text().color()
        self.gutter = pal.alternateBase().color()
        if contrast(self.gutter, self.text) < MIN_CONTRAST:
            self.gutter = readable_behind(self.gutter, self.text)
        highlight = pal.highlight().color()
        self.selection_text = pal.highlightedText().color()
        self.selection = readable_behind(highlight, self.selection_text)
        self.selection_light = readable_behind(mix(self.base, highlight, 0.45), self.text)
        error = LEVEL_COLOURS["error"]
        self.error_background = readable_behind(mix(self.base, error, 0.28), self.text)
        self.error_text = readable_text(error.lighter(160) if self.dark else error.darker(130),
                                        self.error_background)
        self.hover = self.text
        self.cursor = QColor("#ff5c5c") if self.dark else CURSOR_OUTLINE
        self.bit_on = QColor("#ff4f8b") if self.dark else BIT_ON
        self.bit_off = BIT_OFF
        self.levels = {lvl: (c.lighter(150) if self.dark else c) for lvl, c in LEVEL_COLOURS.items()}
        self._tints: dict[int, QColor] = {}

    def tint(self, colour: QColor) -> QColor:
        """A region colour (a light tint) as it is painted on this palette."""
        key = colour.rgba()
        out = self._tints.get(key)
        if out is None:
            if self.dark:
                h, s, _, _ = colour.getHslF()
                out = QColor.fromHslF(max(h, 0.0), min(0.55, s * 0.6), 0.24)
            else:
                out = QColor(colour)
            out = readable_behind(out, self.text)
            self._tints[key] = out
        return out
