"""A global exception hook: log the traceback, show a readable message, keep the app running."""

from __future__ import annotations

import logging
import sys
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("whea_gui.ui")


class ExceptionHook:
    def __init__(self) -> None:
        self.last: str | None = None
        self.boxes: list[QMessageBox] = []
        self._previous = None
        self._busy = False

    def install(self) -> ExceptionHook:
        self._previous = sys.excepthook
        sys.excepthook = self
        return self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous or sys.__excepthook__

    def __call__(self, etype, value, tb) -> None:
        text = "".join(traceback.format_exception(etype, value, tb))
        self.last = text
        log.error("Unhandled exception:\n%s", text)
        if self._busy or QApplication.instance() is None:
            return
        self._busy = True
        try:
            box = QMessageBox(QMessageBox.Warning, "WHEA Inspector: something went wrong",
                              f"{etype.__name__}: {value}\n\nThe window stays usable; the details "
                              "below were also written to the log.")
            box.setDetailedText(text)
            box.setModal(False)
            box.finished.connect(lambda _r, b=box: self.boxes.remove(b) if b in self.boxes else None)
            self.boxes.append(box)
            box.show()
        finally:
            self._busy = False
