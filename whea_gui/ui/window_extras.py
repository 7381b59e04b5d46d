"""What the main window gets beyond its panes, installed with one call: keyboard navigation and
the find bar, View → Theme, Help → Keyboard shortcuts, and View menu entries that bring a dock
to the front (Qt's own toggle hides a dock that is open but behind another tab)."""

from __future__ import annotations

from PySide6.QtGui import QAction

from .navigation import install_navigation
from .shortcuts import install_shortcuts_help
from .theme import _menu, install_theme


def install_extras(window) -> None:
    view = _menu(window, "&View")
    fix_dock_menu(window, view)
    install_navigation(window)
    install_theme(window, view)
    install_shortcuts_help(window)


def dock_on_top(dock) -> bool:
    """Shown and not covered by another dock of its tab group."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def show_or_hide_dock(window, dock, name: str) -> None:
    if dock_on_top(dock):
        dock.hide()
    else:
        window.raise_dock(name)


def fix_dock_menu(window, view_menu) -> None:
    docks = {"records": window.records_dock, "timeline": window.timeline_dock,
             "findings": window.findings_dock}
    window.dock_actions = {}
    for name, dock in docks.items():
        toggle = dock.toggleViewAction()
        act = QAction(dock.windowTitle().split(" —")[0], window, checkable=True)
        act.setToolTip(f"Show the {name} pane in front (again: hide it)")
        act.triggered.connect(lambda _=False, d=dock, n=name: show_or_hide_dock(window, d, n))
        dock.visibilityChanged.connect(lambda _shown, d=dock, a=act: a.setChecked(dock_on_top(d)))
        act.setChecked(dock_on_top(dock))
        if toggle in view_menu.actions():
            view_menu.insertAction(toggle, act)
            view_menu.removeAction(toggle)
        else:
            view_menu.addAction(act)
        window.dock_actions[name] = act
