"""Help → Keyboard shortcuts: every menu shortcut (read from the menus, so it cannot drift)
plus the navigation keys and the hex view's own keys."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .navigation import SHORTCUTS as NAVIGATION_KEYS

HEX_KEYS = (
    ("Arrows, Page Up/Down, Home/End", "Hex view: move the cursor (Ctrl+Home/End: first/last byte)"),
    ("Shift + movement", "Hex view: extend the byte selection"),
    ("Ctrl+A / Ctrl+C", "Hex view: select all bytes / copy the selection as hex"),
)


def menu_shortcuts(window) -> list[tuple[str, str]]:
    """(keys, "Menu → Item") for every menu action that has a shortcut, in menu order."""
    rows: list[tuple[str, str]] = []
    seen: dict[int, int] = {}  # one action in two menus: one row naming both

    def walk(menu: QMenu, trail: str) -> None:
        for act in menu.actions():
            label = act.text().replace("&", "").rstrip("…")
            if act.menu() is not None:
                walk(act.menu(), f"{trail} → {label}")
            elif not act.isSeparator() and not act.shortcut().isEmpty():
                keys = act.shortcut().toString(QKeySequence.NativeText)
                if id(act) in seen:
                    row = seen[id(act)]
                    rows[row] = (keys, f"{rows[row][1]} (also {trail})")
                    continue
                seen[id(act)] = len(rows)
                rows.append((keys, f"{trail} → {label}"))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.text().replace("&", ""))
    return rows


def shortcut_rows(window) -> list[tuple[str, str]]:
    return menu_shortcuts(window) + list(NAVIGATION_KEYS) + list(HEX_KEYS)


class ShortcutsDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "What it does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        for r, (keys, what) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(what))
        self.table.resizeColumnToContents(0)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(760, 520)


def install_shortcuts_help(window) -> QAction:
    """Add Help → Keyboard shortcuts (F1)."""
    from .theme import _menu

    act = QAction("&Keyboard shortcuts", window)
    act.setShortcut(QKeySequence("F1"))
    act.triggered.connect(lambda: ShortcutsDialog(window).exec())
    help_menu = _menu(window, "&Help")
    first = help_menu.actions()[0] if help_menu.actions() else None
    help_menu.insertAction(first, act)
    window.act_shortcuts = act
    return act
