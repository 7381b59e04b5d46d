"""Plain callback events for the session (no Qt): observers connect callables, the session emits.

Modelled on napari's EventedModel in spirit, kept tiny: an event is a list of callbacks called
in connection order with the emitted arguments. A callback that raises stops nothing else from
being told (the error is re-raised after every observer ran, so a bug is never swallowed).
"""

from __future__ import annotations

from collections.abc import Callable


class Event:
    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable:
        self._callbacks.append(callback)
        return callback

    def emit(self, *args) -> None:
        error = None
        for cb in list(self._callbacks):
            try:
                cb(*args)
            except Exception as exc:  # tell the other observers first, then raise
                error = error or exc
        if error is not None:
            raise error

    def __len__(self) -> int:
        return len(self._callbacks)


class SessionEvents:
    """Everything an observer of an InspectorSession can listen to."""

    def __init__(self) -> None:
        self.collection = Event("collection")  # (kind, rows): "reset" or "append" and a range
        self.filter = Event("filter")  # (RecordFilter)
        self.current = Event("current")  # (record index, -1 for none)
        self.record = Event("record")  # (record index): its bytes changed (an edit, undo, save)
        self.field = Event("field")  # (FieldSelection | None)
        self.hover = Event("hover")  # (FieldNode | None, byte offset or -1)
        self.modified = Event("modified")  # (set of modified record indices)
        self.problems = Event("problems")  # (list of the problems added)
