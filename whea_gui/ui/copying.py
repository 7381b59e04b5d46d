"""Moved to ``whea_gui.session.copying`` (Qt-free); kept so existing imports still work."""

from ..session.copying import *  # noqa: F401,F403
