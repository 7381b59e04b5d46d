"""The findings panel model: level (icon and colour), offset, length, message."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from ..core.model import LEVELS, DecodedRecord, Finding
from .palette import LEVEL_COLOURS
from .qtconst import (
    ALIGNMENT,
    DECORATION,
    DISPLAY,
    FOREGROUND,
    LEAF_FLAGS,
    NO_FLAGS,
    RIGHT,
    TOOLTIP,
    column_title,
)

HEADERS = ("Level", "Offset", "Length", "Message")
LEVEL, OFFSET, LENGTH, MESSAGE = range(4)
FINDING_ROLE = Qt.UserRole + 1
_icons: dict[str, QIcon] = {}


def level_icon(level: str) -> QIcon:
    """A filled circle in the level's colour (drawn, so it looks the same on every platform)."""
    icon = _icons.get(level)
    if icon is None:
        pm = QPixmap(12, 12)
        pm.fill(Qt.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(LEVEL_COLOURS.get(level, QColor("#888")))
        p.drawEllipse(1, 1, 10, 10)
        p.end()
        icon = _icons[level] = QIcon(pm)
    return icon


class FindingsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[Finding] = []
        self._base = 0  # file offset of the record, for tooltips

    def set_record(self, rec: DecodedRecord | None) -> None:
        self.beginResetModel()
        items = list(rec.findings) if rec is not None else []
        rank = {lvl: i for i, lvl in enumerate(LEVELS)}
        self._items = sorted(items, key=lambda f: (rank.get(f.level, 9), f.offset))
        self._base = int((rec.source or {}).get("offset", 0) or 0) if rec is not None else 0
        self.endResetModel()

    def finding(self, row: int) -> Finding:
        return self._items[row]

    def counts(self) -> dict[str, int]:
        out = {lvl: 0 for lvl in LEVELS}
        for f in self._items:
            out[f.level] = out.get(f.level, 0) + 1
        return out

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        return column_title(HEADERS, section, orientation, role)

    def flags(self, index):
        if not index.isValid():
            return NO_FLAGS
        return LEAF_FLAGS

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        f = self._items[index.row()]
        col = index.column()
        if role == DISPLAY:
            return (f.level.capitalize(), str(f.offset), str(f.length), f.message)[col]
        if role == DECORATION and col == LEVEL:
            return level_icon(f.level)
        if role == FOREGROUND and col == LEVEL:
            return LEVEL_COLOURS.get(f.level)
        if role == TOOLTIP:
            end = f.offset + max(f.length, 1) - 1
            return (f"{f.message}\nRecord bytes {f.offset}–{end}; file offset "
                    f"{self._base + f.offset}" + (f"\nCode: {f.code}" if f.code else ""))
        if role == ALIGNMENT and col in (OFFSET, LENGTH):
            return RIGHT
        if role == FINDING_ROLE:
            return f
        return None
