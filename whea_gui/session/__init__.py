"""The inspector's Qt-free session state (see ``session.InspectorSession``); ``whea_gui.ui``
observes it. Imports nothing of Qt, so it is tested and scripted without a display."""

from .events import Event, SessionEvents
from .session import FieldSelection, InspectorSession, nearest_visible

__all__ = ["Event", "FieldSelection", "InspectorSession", "SessionEvents", "nearest_visible"]
