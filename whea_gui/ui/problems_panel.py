"""The Problems dock: every problem the readers reported while loading, with file and place.

A folder can give hundreds of problems; the status line says how many, and this table lists
each one (level, file, byte offset, message), sortable, with the full text as a tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
)

from ..session import InspectorSession
from ..sources import Problem
from .palette import LEVEL_COLOURS

HEADERS = ("Level", "File", "Offset", "Problem")
FILE = 1
MIN_ROWS = 6  # the dock opens showing at least this many problems


class _ElideMiddle(QStyledItemDelegate):
    """Paths keep both ends: the folder's start and the file's name (the tooltip has it all)."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.ElideMiddle


class ProblemsPanel(QTableWidget):
    def __init__(self, session: InspectorSession, parent=None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("ProblemsPanel")
        self.session = session
        self.setHorizontalHeaderLabels(HEADERS)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.Interactive)
        hh.setStretchLastSection(True)
        for col, width in enumerate((70, 220, 90)):
            self.setColumnWidth(col, width)
        self._elide = _ElideMiddle(self)
        self.setItemDelegateForColumn(FILE, self._elide)
        session.events.problems.connect(self.add_problems)
        session.events.collection.connect(
            lambda kind, _rows: kind == "reset" and self.setRowCount(0))

    def add_problems(self, problems: list[Problem]) -> None:
        sorting = self.isSortingEnabled()
        self.setSortingEnabled(False)
        for p in problems:
            row = self.rowCount()
            self.insertRow(row)
            where = "" if p.offset is None else (
                f"{p.offset}–{p.offset + p.length - 1}" if p.length else str(p.offset))
            cells = (p.level, str(p.path), where, p.message)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(p))
                if col == 0 and p.level in LEVEL_COLOURS:
                    item.setForeground(LEVEL_COLOURS[p.level])
                if col == 2 and p.offset is not None:
                    item.setData(Qt.UserRole, p.offset)
                self.setItem(row, col, item)
        self.setSortingEnabled(sorting or True)

    def rows_height(self, rows: int = MIN_ROWS) -> int:
        """Pixels the table needs to show ``rows`` rows (header and scroll bar included)."""
        return (self.horizontalHeader().sizeHint().height()
                + rows * self.verticalHeader().defaultSectionSize()
                + self.horizontalScrollBar().sizeHint().height() + 2 * self.frameWidth())

    def rows(self) -> list[tuple[str, str, str, str]]:
        """What the table shows, row by row (for tests and copying)."""
        return [tuple(self.item(r, c).text() for c in range(len(HEADERS)))
                for r in range(self.rowCount())]
