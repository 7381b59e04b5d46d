"""Colours shared by the tree, the hex view and the findings panel (one place, so they match)."""

from __future__ import annotations

from PySide6.QtGui import QColor

# Light tints that keep black text readable; sections cycle through them.
_SECTION_TINTS = ("#d8ecff", "#dff5d8", "#ffe9cc", "#eadcff", "#d6f3f0", "#ffdbe6", "#f3f0c8",
                  "#e2e6ea")
HEADER_TINT = QColor("#eceff3")
SELECTION = QColor("#2f6fd0")
SELECTION_TEXT = QColor("#ffffff")
SELECTION_LIGHT = QColor("#b9d2f7")  # behind a selected bit field, so the bit ticks show
HOVER_OUTLINE = QColor("#1f1f1f")
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
