"""Small editors for the timeline panel: threshold rules and storm detection settings."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ..formats.cper import SEVERITY
from ..index.rates import ThresholdRule


class ThresholdEditor(QTableWidget):
    """One row per rule: what it counts by, the threshold and the window (hours), editable."""

    rulesChanged = Signal()
    COLUMNS = ("Rule", "Counts per", "Threshold", "Window (h)", "Severities")

    def __init__(self, rules: list[ThresholdRule], parent: QWidget | None = None) -> None:
        super().__init__(len(rules), len(self.COLUMNS), parent)
        self._rules = list(rules)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.thresholds: list[QSpinBox] = []
        self.windows: list[QSpinBox] = []
        for row, rule in enumerate(self._rules):
            self._cell(row, 0, rule.name, rule.origin)
            self._cell(row, 1, rule.scope, "")
            sev = ", ".join(SEVERITY.get(s, str(s)) for s in rule.severities) or "all"
            self._cell(row, 4, sev, "")
            thr = self._spin(1, 1_000_000, rule.threshold, f"{rule.origin}" if rule.origin else "")
            win = self._spin(1, 24 * 365, max(1, rule.window // 3600), "Rolling window in hours")
            self.setCellWidget(row, 2, thr)
            self.setCellWidget(row, 3, win)
            self.thresholds.append(thr)
            self.windows.append(win)
        self.setMaximumHeight(self.verticalHeader().length() + self.horizontalHeader().height() + 6)

    def _cell(self, row: int, col: int, text: str, tip: str) -> None:
        item = QTableWidgetItem(text)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        if tip:
            item.setToolTip(tip)
        self.setItem(row, col, item)

    def _spin(self, lo: int, hi: int, value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setValue(value)
        box.setToolTip(tip)
        box.setFrame(False)
        box.valueChanged.connect(self.rulesChanged)
        return box

    def rules(self) -> list[ThresholdRule]:
        return [replace(rule, threshold=self.thresholds[i].value(),
                        window=self.windows[i].value() * 3600)
                for i, rule in enumerate(self._rules)]


class StormSettings(QWidget):
    """A storm is at least N records within a window of S seconds."""

    changed = Signal()

    def __init__(self, min_count: int = 10, window: int = 60, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.count = QSpinBox()
        self.count.setRange(2, 1_000_000)
        self.count.setValue(min_count)
        self.window = QSpinBox()
        self.window.setRange(1, 86400)
        self.window.setSuffix(" s")
        self.window.setValue(window)
        form.addRow("At least (records)", self.count)
        form.addRow("within", self.window)
        self.count.valueChanged.connect(self.changed)
        self.window.valueChanged.connect(self.changed)

    def values(self) -> tuple[int, int]:
        return self.count.value(), self.window.value()
