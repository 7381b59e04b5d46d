"""Opening things: files, folders, stores, pasted or dropped text, in background jobs.

Opening replaces the collection (as Wireshark and ImHex do) and shows the first record opened;
"Add to collection…" appends instead. Every problem a reader reports goes to the session (the
Problems panel lists them all); the status line says how many records were read and what was
skipped.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from ..session import InspectorSession
from ..session.labels import load_status
from ..session.paste import PasteError, clipboard_bytes
from ..store.backend import is_server_spec, redact
from .loader import LoadJob, end_thread, start_job
from .settings import add_recent, recent_files

RECENT_STORES_KEY = "recent_stores"
STORE_FILTER = "WHEA record stores (*.sqlite *.wheastore *.sqlite3 *.db)"
OPEN_FILTERS = ";;".join((
    "Everything WHEA Inspector opens (*.bin *.cper *.dat *.raw *.evtx *.xml *.txt *.hex *.cperhex "
    "*.b64 *.json *.sqlite *.wheastore *.sqlite3 *.db)",
    "Error records (*.bin *.cper *.dat *.raw)",
    "Windows event logs (*.evtx)",
    "Event XML (*.xml)",
    "Hex or Base64 text (*.txt *.hex *.cperhex *.b64)",
    "Redfish JSON (*.json)",
    STORE_FILTER,
    "All files (*)"))


class Loading(QObject):
    def __init__(self, session: InspectorSession, window) -> None:
        super().__init__(window)
        self.session = session
        self.jobs: list[LoadJob] = []

    @property
    def window(self):
        return self.parent()

    # -- what the user opens -----------------------------------------------------------------
    def open_paths(self, paths, replace: bool = True) -> LoadJob | None:
        """Load files/folders in the background, replacing the collection unless ``replace`` is
        false; None when the user kept unsaved edits (Cancel)."""
        paths = [str(p) for p in paths]
        if replace and not self.replace_collection():
            return None
        stores = [p for p in paths if is_server_spec(p)]  # ``whea-gui postgresql://…``
        paths = [p for p in paths if p not in stores]
        for p in paths:
            add_recent(self.window.settings, str(Path(p).resolve()))
        self._remember_stores(stores)
        return self._start(LoadJob(paths, stores=stores))

    def load_bytes(self, data: bytes, name: str = "<clipboard>", replace: bool = True):
        if replace and not self.replace_collection():
            return None
        return self._start(LoadJob(data=data, name=name))

    def open_store(self, spec: str, replace: bool = True) -> LoadJob | None:
        """A store by path or URL (``postgresql://…``), through ``store_adapter.store_batch``."""
        spec = spec.strip()
        if not spec or (replace and not self.replace_collection()):
            return None
        self._remember_stores([spec])
        return self._start(LoadJob(stores=[spec]))

    def _remember_stores(self, specs) -> None:
        """Recent stores as shown anywhere: a URL's password is never kept in the settings
        (reopening asks for it again, or libpq finds it in ~/.pgpass / $PGPASSWORD)."""
        settings = self.window.settings
        items = _list(settings.value(RECENT_STORES_KEY))
        for spec in specs:
            shown = redact(spec)
            items = [shown] + [s for s in items if s != shown]
        settings.setValue(RECENT_STORES_KEY, items[:10])

    def replace_collection(self) -> bool:
        """Close what is open before opening something else (asks first about unsaved edits)."""
        if not self.window.confirm_discard("opening another collection"):
            return False
        self.cancel(wait=True)
        self.session.reset()
        return True

    # -- dialogs -----------------------------------------------------------------------------
    def open_dialog(self, replace: bool = True) -> None:
        title = "Open error records" if replace else "Add error records to the collection"
        paths, _ = QFileDialog.getOpenFileNames(self.window, title, "", OPEN_FILTERS)
        if paths:
            self.open_paths(paths, replace=replace)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open a folder of error records")
        if folder:
            self.open_paths([folder])

    def open_store_dialog(self) -> None:
        dlg = StoreDialog(_list(self.window.settings.value(RECENT_STORES_KEY)), self.window)
        if dlg.exec() == QDialog.Accepted and dlg.spec():
            self.open_store(dlg.spec())

    def fill_recent(self, menu) -> None:
        menu.clear()
        items = recent_files(self.window.settings)
        if not items:
            menu.addAction("(none)").setEnabled(False)
        for path in items:
            menu.addAction(path, lambda p=path: self.open_paths([p]))

    def paste_record(self) -> None:
        text = QApplication.clipboard().text()
        try:
            data = clipboard_bytes(text)  # read as `whea decode -` reads it
        except PasteError as exc:
            QMessageBox.information(self.window, self.window.TITLE, f"Cannot paste a record: {exc}.")
            return
        self.load_bytes(data, "<clipboard>")

    def drop(self, mime) -> None:
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
        if paths:
            self.open_paths(paths)
        elif mime.hasText():
            try:
                self.load_bytes(clipboard_bytes(mime.text()), "<dropped text>")
            except PasteError as exc:
                self.window.message(f"Dropped text ignored: {exc}")

    # -- jobs --------------------------------------------------------------------------------
    def _start(self, job: LoadJob) -> LoadJob:
        w = self.window
        job.batchReady.connect(self._batch_ready)
        job.progress.connect(self._progress)
        # through a bound slot of this QObject, so it runs on the GUI thread: the session is no
        # QObject, and a plain callable would run in the worker and touch the widgets from it
        job.problem.connect(self._problem)
        job.finished.connect(self._job_done)  # a bound slot: runs on the GUI thread
        self.jobs.append(job)
        w.progress.setRange(0, 0)
        w.progress.show()
        w.cancel_button.show()
        w.message("Loading…")
        start_job(job, w)
        return job

    def _problem(self, problem) -> None:
        self.session.add_problem(problem)

    def _batch_ready(self, batch) -> None:
        self.session.add_batch(batch)
        self.window.timeline_link.schedule()
        if self.session.current < 0:  # the first record opened is shown
            panel = self.window.records_panel
            if panel.model.rowCount():
                panel.select_row(0)

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            scale = max(1, total // 1_000_000)  # QProgressBar is 32-bit
            self.window.progress.setRange(0, total // scale)
            self.window.progress.setValue(done // scale)

    def _job_done(self, job: LoadJob) -> None:
        w = self.window
        if job in self.jobs:
            self.jobs.remove(job)
        end_thread(job)
        if not self.jobs:
            w.progress.hide()
            w.cancel_button.hide()
        n = len(self.session.records)
        bad = [p for p in job.problems if p.level == "error"]
        w.message(load_status(job.count, n, job.problems, self.session.records.paths,
                              job.cancelled))
        if bad and not job.count and not n:
            w.inspector.summary.setText("<b>Nothing could be read.</b><br>" + "<br>".join(
                _esc(str(p)) for p in bad[:8]) + ("<br>…" if len(bad) > 8 else "")
                + "<br>Every problem is listed in View → Problems.")
        if bad:  # something could not be read: the list of what and where comes to the front
            w.raise_dock("problems")
        if not self.jobs:
            w.timeline_link.refresh()  # now with every record, and fault locations to follow
        w.loadFinished.emit()

    def cancel(self, wait: bool = False) -> None:
        for job in list(self.jobs):
            job.cancel()
            if wait and job.thread is not None:
                job.thread.quit()
                job.thread.wait(5000)


class StoreDialog(QDialog):
    """File → Open store…: a store file's path or a PostgreSQL URL, typed or picked."""

    def __init__(self, recent: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open store")
        self.combo = QComboBox(editable=True)
        self.combo.setObjectName("StoreSpec")
        self.combo.addItems(recent)
        self.combo.setMinimumWidth(420)
        self.combo.lineEdit().setPlaceholderText("whea-store.sqlite, or postgresql://user@host/db")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("A record store: its file, or a PostgreSQL URL."))
        lay.addLayout(row)
        lay.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open store", "", STORE_FILTER + ";;All files (*)")
        if path:
            self.combo.setEditText(path)

    def spec(self) -> str:
        return self.combo.currentText().strip()


def _list(value) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in (value or [])]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
