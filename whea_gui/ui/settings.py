"""Where the window keeps its layout and recent files (QSettings, INI format).

Tests and screenshot runs point it elsewhere with ``use_settings_dir`` or the
``WHEA_GUI_SETTINGS_DIR`` environment variable.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "WHEA Inspector"
APPLICATION = "whea-gui"
MAX_RECENT = 10


def use_settings_dir(path: str) -> None:
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(path))


def make_settings() -> QSettings:
    override = os.environ.get("WHEA_GUI_SETTINGS_DIR")
    if override:
        use_settings_dir(override)
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


def add_recent(settings: QSettings, path: str) -> list[str]:
    items = [path] + [p for p in recent_files(settings) if p != path]
    items = items[:MAX_RECENT]
    settings.setValue("recent", items)
    return items
