"""Moved to ``whea_gui.session.paste`` (Qt-free); kept so existing imports still work."""

from ..session.paste import *  # noqa: F401,F403
