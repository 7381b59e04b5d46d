"""Moved to ``whea_gui.session.recordset`` (Qt-free); kept so existing imports still work."""

from ..session.recordset import *  # noqa: F401,F403
