"""The inspector main window: record list, summary + field tree beside the hex view, findings,
problems, timeline — each a view of one Qt-free ``session.InspectorSession``.

The window builds the docks and wires them to the session; the panes live in their own modules:
``inspector`` (summary, tree, hex, findings, status), ``records_panel``, ``loading`` (opening
and the load jobs), ``timeline_link``, ``problems_panel``, ``editing``, ``menus``.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core.model import DecodedRecord, FieldNode
from ..paths import sample_paths
from ..session import InspectorSession
from ..session.labels import source_label
from ..store.backend import redact
from .container_view import install as install_container_view
from .editing import EditController
from .inspector import RecordInspector
from .loading import Loading
from .menus import build_menus, build_status
from .problems_panel import ProblemsPanel
from .records_panel import RecordsPanel
from .settings import make_settings
from .timeline import TimelinePanel
from .timeline_link import TimelineLink
from .window_extras import install_extras

TITLE = "WHEA Inspector"


class MainWindow(QMainWindow):
    TITLE = TITLE
    WIDGET_SHORTCUT = Qt.WidgetWithChildrenShortcut
    loadFinished = Signal()
    recordShown = Signal(int)  # record index
    faultsReady = Signal()  # the timeline's fault locations were decoded (or gave up)

    def __init__(self, settings=None, session: InspectorSession | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else make_settings()
        self.session = session if session is not None else InspectorSession()
        self.inspector = insp = RecordInspector(self.session, self)
        self.summary, self.tree, self.hex = insp.summary, insp.tree, insp.hex
        self.field_model, self.findings_model = insp.field_model, insp.findings_model
        self.findings_view = insp.findings_view
        self.copy_record_markdown, self.expand_all_below = insp.copy_record_markdown, insp.expand_all_below
        self.loading_control = Loading(self.session, self)
        self._build_panes()
        build_menus(self)
        install_container_view(self)  # View → Container structure… (platform containers)
        build_status(self)
        self.editing = EditController(self)  # edit mode, undo, fix-up, save, compare, new
        self.session.events.modified.connect(lambda _m: self.update_title())
        install_extras(self)  # keyboard navigation, find bar, View → Theme, Help → shortcuts
        self._restore()
        self.inspector.show_record(None)

    # -- construction ------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_panes(self) -> None:
        insp = self.inspector
        self.records_panel = RecordsPanel(self.session, self.settings)
        self.records_dock = self._dock("Records", "RecordsDock", self.records_panel,
                                       Qt.TopDockWidgetArea)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(insp.summary)
        lay.addWidget(insp.tree, 1)
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.setObjectName("InspectorSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(insp.hex)
        self.splitter.setStretchFactor(0, 1)  # extra width goes to the tree; the hex view has a
        self.splitter.setStretchFactor(1, 0)  # natural width
        self.setCentralWidget(self.splitter)

        self.timeline = TimelinePanel()
        scroller = QScrollArea()  # the plots' minimum height must not set the window's
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.NoFrame)
        scroller.setWidget(self.timeline)
        self.timeline_dock = self._dock("Timeline", "TimelineDock", scroller, Qt.TopDockWidgetArea)
        self.tabifyDockWidget(self.records_dock, self.timeline_dock)
        self.records_dock.raise_()
        self.timeline_link = TimelineLink(self.session, self)
        self.timeline_dock.visibilityChanged.connect(
            lambda shown: shown and not self.loading and self.timeline_link.refresh())
        self.findings_dock = self._dock("Findings", "FindingsDock", insp.findings_view,
                                        Qt.BottomDockWidgetArea)
        self.problems_panel = ProblemsPanel(self.session)
        self.problems_dock = self._dock("Problems", "ProblemsDock", self.problems_panel,
                                        Qt.BottomDockWidgetArea)
        self.session.events.problems.connect(lambda _p: self._problems_title())
        self.session.events.collection.connect(lambda *_: self._problems_title())
        self.resize(1400, 900)
        self._sized = False

    def _problems_title(self) -> None:
        n = len(self.session.problems)
        self.problems_dock.setWindowTitle(f"Problems ({n:,})" if n else "Problems")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:  # first show without a remembered layout: sensible proportions
            self._sized = True
            if self.settings.value("window/state") is None:
                # tabified here, not while building: tabifying two bottom docks before the first
                # layout left a second, stale tab bar drawn over the field tree
                self.tabifyDockWidget(self.findings_dock, self.problems_dock)
                self.findings_dock.raise_()
                self.resizeDocks([self.records_dock, self.findings_dock], [240, 95], Qt.Vertical)
            if self.settings.value("window/splitter") is None:
                hex_width = self.hex.sizeHint().width()
                self.splitter.setSizes([max(self.splitter.width() - hex_width, 400), hex_width])

    def _action(self, text, slot, shortcut=None, checkable=False) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(shortcut)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        return act

    def message(self, text: str) -> None:
        text = redact(text)  # a store URL's password never shows in the status bar
        self.status_message.setText(text if len(text) < 160 else text[:157] + "…")
        self.status_message.setToolTip(text)

    def update_title(self) -> None:
        """``*`` when a record was edited and not saved; the shown record's source."""
        rec, s = self.current_record, self.session
        star = "*" if s.modified_records() else ""
        title = TITLE if rec is None else f"{source_label(rec.source)} — {TITLE}"
        if rec is not None and s.is_modified(s.current):
            title = f"{source_label(rec.source)} (edited) — {TITLE}"
        self.setWindowTitle(star + title)

    # -- settings ----------------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        for key, restore in (("window/geometry", self.restoreGeometry),
                             ("window/state", self.restoreState),
                             ("window/splitter", self.splitter.restoreState),
                             ("window/tree_header", self.tree.header().restoreState)):
            value = s.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        hex_numbers = str(s.value("view/hex_numbers", "false")).lower() == "true"
        self.act_hex_numbers.setChecked(hex_numbers)
        self.field_model.set_hex_numbers(hex_numbers)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/tree_header", self.tree.header().saveState())
        s.setValue("view/hex_numbers", self.act_hex_numbers.isChecked())
        s.sync()

    def confirm_discard(self, doing: str) -> bool:
        """Save / Discard / Cancel when records were edited and not saved; True: go on."""
        return self.editing.confirm_discard(doing)

    def closeEvent(self, event) -> None:
        if not self.confirm_discard("quitting"):
            event.ignore()
            return
        self.cancel_loading(wait=True)
        self.save_settings()
        super().closeEvent(event)

    # -- opening (see loading.py) ------------------------------------------------------------
    def open_paths(self, paths, replace: bool = True):
        return self.loading_control.open_paths(paths, replace)

    def load_bytes(self, data: bytes, name: str = "<clipboard>", replace: bool = True):
        return self.loading_control.load_bytes(data, name, replace)

    def open_store(self, spec: str, replace: bool = True):
        return self.loading_control.open_store(spec, replace)

    def paste_record(self) -> None:
        self.loading_control.paste_record()

    def dragEnterEvent(self, event) -> None:
        md = event.mimeData()
        if md.hasUrls() or md.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self.loading_control.drop(event.mimeData())
        event.acceptProposedAction()

    @property
    def loading(self) -> bool:
        return bool(self.loading_control.jobs)

    @property
    def decoding_faults(self) -> bool:
        return self.timeline_link.fault_job is not None

    @property
    def problems(self) -> list:
        return list(self.session.problems)

    def cancel_loading(self, wait: bool = False) -> None:
        self.loading_control.cancel(wait)
        self.timeline_link.cancel(wait)

    def clear_records(self) -> bool:
        """Close all: no records, filter, time range, selection or problems (asks about edits)."""
        if not self.confirm_discard("closing the records"):
            return False
        self.cancel_loading(wait=True)
        self.session.reset()
        self.message("")
        return True

    # -- the shown record and its panes (see inspector.py) -----------------------------------
    @property
    def current_record(self) -> DecodedRecord | None:
        return self.field_model.record

    def show_record(self, rec: DecodedRecord | None) -> None:
        self.inspector.show_record(rec)

    def current_node(self) -> FieldNode | None:
        return self.inspector.current_node()

    def select_record(self, row: int) -> bool:
        return self.records_panel.select_row(row)

    def select_field(self, path_or_node) -> bool:
        return self.inspector.select_field(path_or_node)

    def copy_field(self, what: str) -> str:
        return self.inspector.copy_field(what)

    def raise_dock(self, name: str) -> bool:
        """Bring a dock to the front: "records", "timeline", "findings" or "problems"."""
        dock = {"records": self.records_dock, "timeline": self.timeline_dock,
                "findings": self.findings_dock, "problems": self.problems_dock}.get(name)
        if dock is None:
            return False
        dock.show()
        dock.raise_()
        if dock is self.problems_dock:  # six rows, also once the layout has settled
            self._fit.fit_problems()
            QTimer.singleShot(0, self._fit.fit_problems)
        if dock is self.timeline_dock:
            self.timeline_link.refresh()
            self._fit.fit_timeline()  # the plots need room, the field tree keeps its rows
        return True

    def set_hex_numbers(self, on: bool) -> None:
        self.act_hex_numbers.setChecked(bool(on))
        self.field_model.set_hex_numbers(bool(on))

    def open_sample(self):
        """Help → Open sample data: the bundled month of records from four hosts."""
        paths = sample_paths()
        if not paths:
            self.statusBar().showMessage("The bundled sample data is not installed", 5000)
            return None
        return self.open_paths(paths)

    def about(self) -> None:
        QMessageBox.about(self, TITLE, f"<b>{TITLE}</b> {__version__}<br>Decode, inspect and "
                          "report Windows WHEA / UEFI CPER hardware error records: every field "
                          "and flag bit beside its bytes, timelines, reports.<br>"
                          "Sample data: a month of generated records from four hosts.")

