"""View → Theme: the system palette, or a light or dark one. The hex view and the charts derive
their colours from whatever palette is in effect (ui/palette.py), so each choice stays readable.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QStyleFactory

THEMES = ("system", "light", "dark")
SETTING = "view/theme"


def light_palette() -> QPalette:
    style = QStyleFactory.create("Fusion")
    return style.standardPalette() if style is not None else QPalette(QColor("#efefef"))


def dark_palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.Window: "#2b2b2b", QPalette.WindowText: "#e6e6e6", QPalette.Base: "#1e1e1e",
        QPalette.AlternateBase: "#2a2a2a", QPalette.Text: "#e6e6e6", QPalette.Button: "#333333",
        QPalette.ButtonText: "#e6e6e6", QPalette.ToolTipBase: "#3a3a3a",
        QPalette.ToolTipText: "#f0f0f0", QPalette.PlaceholderText: "#9a9a9a",
        QPalette.Highlight: "#3d7bd9", QPalette.HighlightedText: "#ffffff",
        QPalette.Link: "#8ab4f8", QPalette.LinkVisited: "#c58af9", QPalette.BrightText: "#ff6b6b",
        QPalette.Light: "#454545", QPalette.Midlight: "#3a3a3a", QPalette.Mid: "#2f2f2f",
        QPalette.Dark: "#1a1a1a", QPalette.Shadow: "#000000",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        pal.setColor(QPalette.Disabled, role, QColor("#7a7a7a"))
    return pal


def apply_theme(name: str, app: QApplication | None = None) -> str:
    """Set the application palette; returns the theme applied ("system" for unknown names)."""
    app = app or QApplication.instance()
    if name not in THEMES:
        name = "system"
    system = app.property("whea_system_palette")
    if system is None:  # remember the platform's own palette the first time
        system = QPalette(app.palette())
        app.setProperty("whea_system_palette", system)
    app.setPalette({"light": light_palette, "dark": dark_palette}.get(name, lambda: system)())
    return name


def install_theme(window, view_menu: QMenu | None = None) -> QMenu:
    """Add View → Theme (system / light / dark), remembered in the window's settings."""
    menu = QMenu("&Theme", window)
    group = QActionGroup(window)
    saved = str(window.settings.value(SETTING, "system"))
    window.theme_actions = {}
    for name in THEMES:
        act = QAction(name.capitalize(), window, checkable=True)
        act.setChecked(name == saved)
        act.triggered.connect(lambda _=False, n=name: set_theme(window, n))
        group.addAction(act)
        menu.addAction(act)
        window.theme_actions[name] = act
    view_menu = view_menu or _menu(window, "&View")
    view_menu.addSeparator()
    view_menu.addMenu(menu)
    if saved != "system":
        apply_theme(saved)
    return menu


def set_theme(window, name: str) -> str:
    name = apply_theme(name)
    window.settings.setValue(SETTING, name)
    window.theme_actions[name].setChecked(True)
    return name


def _menu(window, title: str) -> QMenu:
    for act in window.menuBar().actions():
        if act.menu() is not None and act.text() == title:
            return act.menu()
    return window.menuBar().addMenu(title)
