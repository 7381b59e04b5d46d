"""Moved to ``whea_gui.session.recordquery`` (Qt-free); kept so existing imports still work."""

from ..session.recordquery import *  # noqa: F401,F403
