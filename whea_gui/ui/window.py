"""The inspector main window: record list, summary + field tree beside the hex view, findings.

Linking follows Wireshark's details/bytes panes: selecting a field highlights its bytes; clicking
a byte selects the deepest field that covers it; hovering a byte outlines its field only.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core.model import DecodedRecord, FieldNode
from ..decode.record import decode_record
from ..index.analysis import from_record_table
from ..paths import sample_paths
from ..report import record_markdown
from ..sources import Problem
from . import copying
from .edit_delegate import EditableFieldModel
from .editing import EditController
from .export import export_dialog
from .faults_job import FaultJob, pending_note
from .field_model import bit_label, expand_below
from .findings import FINDING_ROLE, FindingsModel
from .hexview import HexView
from .loader import LoadJob, start_job
from .palette import HEADER_TINT, descriptor_colour, section_colour
from .paste import PasteError, clipboard_bytes
from .records_panel import RecordsPanel
from .settings import add_recent, make_settings, recent_files
from .summary import SummaryLabel
from .timeline import TimelinePanel

log = logging.getLogger("whea_gui.ui")
TITLE = "WHEA Inspector"
THREAD_WAIT_MS = 10_000
DECODE_CACHE = 16
TIMELINE_MIN_HEIGHT = 430
TIMELINE_DELAY_MS = 400  # batches arrive quickly while loading: recount once they pause
TREE_WIDTHS = (250, 280, 140, 55, 55)


class MainWindow(QMainWindow):
    loadFinished = Signal()
    recordShown = Signal(int)  # record index
    faultsReady = Signal()  # the timeline's fault locations were decoded (or gave up)

    def __init__(self, settings=None) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else make_settings()
        self._decoded: OrderedDict[int, DecodedRecord] = OrderedDict()
        self._rec: DecodedRecord | None = None
        self._record_index = -1
        self._jobs: list[LoadJob] = []
        self._problems: list[Problem] = []
        self._linking = False  # True while a selection change comes from the other pane
        self._hex_cursor: int | None = None
        self._expanded_paths: set[str] = {"header"}
        self._faults: tuple[int, dict] | None = None  # (record count, fault columns)
        self._fault_job: FaultJob | None = None

        self._build_panes()
        self._build_actions()
        self._build_status()
        self.editing = EditController(self)  # edit mode, undo, fix-up, save, compare, new
        self._connect()
        self._restore()
        self.show_record(None)

    # -- construction ------------------------------------------------------------------------
    def _build_panes(self) -> None:
        self.records_panel = RecordsPanel()
        self.records_dock = QDockWidget("Records", self)
        self.records_dock.setObjectName("RecordsDock")
        self.records_dock.setWidget(self.records_panel)
        self.addDockWidget(Qt.TopDockWidgetArea, self.records_dock)

        self.summary = SummaryLabel()
        self.summary.field_requested.connect(self.select_field)  # cited fields in the explanation
        self.field_model = EditableFieldModel(None, self)
        self.tree = QTreeView()
        self.tree.setObjectName("FieldTree")
        self.tree.setModel(self.field_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.tree.setContextMenuPolicy(Qt.CustomContextMenu)
        self.tree.setAllColumnsShowFocus(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in enumerate(TREE_WIDTHS):
            self.tree.setColumnWidth(col, width)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.summary)
        lay.addWidget(self.tree, 1)

        self.hex = HexView()
        self.hex.setObjectName("HexView")
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.setObjectName("InspectorSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.hex)
        self.splitter.setStretchFactor(0, 1)  # extra width goes to the tree; the hex view has a
        self.splitter.setStretchFactor(1, 0)  # natural width
        self.setCentralWidget(self.splitter)

        self.findings_model = FindingsModel(self)
        self.findings_view = QTableView()
        self.findings_view.setModel(self.findings_model)
        self.findings_view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.findings_view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.findings_view.verticalHeader().hide()
        self.findings_view.horizontalHeader().setStretchLastSection(True)
        self.findings_view.setWordWrap(False)
        for col, width in enumerate((90, 60, 60)):
            self.findings_view.setColumnWidth(col, width)
        self.timeline = TimelinePanel()
        self.timeline_dock = QDockWidget("Timeline", self)
        self.timeline_dock.setObjectName("TimelineDock")
        scroller = QScrollArea()  # the plots' minimum height must not set the window's
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.NoFrame)
        scroller.setWidget(self.timeline)
        self.timeline_dock.setWidget(scroller)
        self.addDockWidget(Qt.TopDockWidgetArea, self.timeline_dock)
        self.tabifyDockWidget(self.records_dock, self.timeline_dock)
        self.records_dock.raise_()
        self.timeline_dock.visibilityChanged.connect(
            lambda shown: shown and not self.loading and self.refresh_timeline())
        self._timeline_timer = QTimer(self, singleShot=True, interval=TIMELINE_DELAY_MS,
                                      timeout=self.refresh_timeline)

        self.findings_dock = QDockWidget("Findings", self)
        self.findings_dock.setObjectName("FindingsDock")
        self.findings_dock.setWidget(self.findings_view)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.findings_dock)
        self.resize(1400, 900)
        self._sized = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:  # first show without a remembered layout: sensible proportions
            self._sized = True
            if self.settings.value("window/state") is None:
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

    def _build_actions(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        self.act_open = self._action("&Open…", self.open_dialog, QKeySequence.Open)
        self.act_open_folder = self._action("Open &folder…", self.open_folder_dialog, "Ctrl+Shift+O")
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.act_paste = self._action("&Paste record", self.paste_record, "Ctrl+Shift+V")
        self.act_export = self._action("&Export report…", lambda: export_dialog(self), "Ctrl+E")
        self.act_export_selected = self._action("Export &selected record…",
                                                lambda: export_dialog(self, selected=True))
        self.act_clear = self._action("&Close all records", self.clear_records)
        self.act_quit = self._action("&Quit", self.close, QKeySequence.Quit)
        for item in (self.act_open, self.act_open_folder, self.recent_menu, self.act_paste, None,
                     self.act_export, self.act_export_selected, None, self.act_clear, None,
                     self.act_quit):
            if item is None:
                file_menu.addSeparator()
            elif isinstance(item, QMenu):
                file_menu.addMenu(item)
            else:
                file_menu.addAction(item)

        edit = mb.addMenu("&Edit")
        self.act_copy_value = self._action("Copy &value", lambda: self.copy_field("value"), "Ctrl+C")
        self.act_copy_bytes = self._action("Copy &bytes as hex", lambda: self.copy_field("bytes"),
                                           "Ctrl+Shift+C")
        self.act_copy_text = self._action("Copy subtree as &text", lambda: self.copy_field("text"))
        self.act_copy_json = self._action("Copy subtree as &JSON", lambda: self.copy_field("json"))
        self.act_copy_markdown = self._action("Copy record as &Markdown", self.copy_record_markdown)
        self.act_copy_value.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.tree.addAction(self.act_copy_value)
        for act in (self.act_copy_value, self.act_copy_bytes, self.act_copy_text, self.act_copy_json,
                    self.act_copy_markdown):
            edit.addAction(act)
        edit.addSeparator()
        edit.addAction(self.act_paste)

        view = mb.addMenu("&View")
        self.act_hex_numbers = self._action("&Hexadecimal numbers", self.set_hex_numbers, "Ctrl+H",
                                            checkable=True)
        view.addAction(self.act_hex_numbers)
        view.addSeparator()
        view.addAction(self.records_dock.toggleViewAction())
        view.addAction(self.timeline_dock.toggleViewAction())
        view.addAction(self.findings_dock.toggleViewAction())
        help_menu = mb.addMenu("&Help")
        self.act_open_sample = self._action("Open &sample data", self.open_sample)
        help_menu.addAction(self.act_open_sample)
        help_menu.addAction(self._action("&About", self._about))

        tb = self.addToolBar("Main")
        tb.setObjectName("MainToolBar")
        tb.setMovable(False)
        for act in (self.act_open, self.act_open_folder, self.act_paste, self.act_hex_numbers):
            tb.addAction(act)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.status_offset = QLabel()
        self.status_field = QLabel()
        self.status_selection = QLabel()
        self.status_message = QLabel()  # load results and problems (showMessage would hide the rest)
        self.status_message.setObjectName("StatusMessage")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QToolButton(text="Cancel")
        self.cancel_button.clicked.connect(self.cancel_loading)
        for w in (self.status_offset, self.status_field, self.status_selection):
            sb.addWidget(w)
        sb.addPermanentWidget(self.status_message)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    def message(self, text: str) -> None:
        self.status_message.setText(text if len(text) < 160 else text[:157] + "…")
        self.status_message.setToolTip(text)

    def _connect(self) -> None:
        self.records_panel.currentRecordChanged.connect(self.show_record_index)
        self.tree.selectionModel().currentChanged.connect(self._tree_current_changed)
        self.tree.expanded.connect(lambda i: self._expanded_paths.add(self._node(i).path))
        self.tree.collapsed.connect(lambda i: self._expanded_paths.discard(self._node(i).path))
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.hex.byteClicked.connect(self._hex_clicked)
        self.hex.hoverChanged.connect(self._hex_hovered)
        self.hex.selectionChanged.connect(lambda *_: self._update_status())
        self.timeline.timeRangeSelected.connect(self._timeline_range)
        self.timeline.binClicked.connect(self._timeline_range)
        self.timeline.timeRangeCleared.connect(self.records_panel.clear_time_range)
        self.findings_view.clicked.connect(self._finding_clicked)
        self.findings_view.activated.connect(self._finding_clicked)

    # -- settings ----------------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        split = s.value("window/splitter")
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)
        tree_header = s.value("window/tree_header")
        if isinstance(tree_header, QByteArray):
            self.tree.header().restoreState(tree_header)
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

    def closeEvent(self, event) -> None:
        self.cancel_loading(wait=True)
        self.save_settings()
        super().closeEvent(event)

    # -- opening -----------------------------------------------------------------------------
    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open error records", "",
            "Error records (*.bin *.cper *.dat *.raw *.evtx *.json *.sqlite *.db);;All files (*)")
        if paths:
            self.open_paths(paths)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of error records")
        if folder:
            self.open_paths([folder])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = recent_files(self.settings)
        if not items:
            act = self.recent_menu.addAction("(none)")
            act.setEnabled(False)
        for path in items:
            self.recent_menu.addAction(path, lambda p=path: self.open_paths([p]))

    def open_paths(self, paths) -> LoadJob:
        """Load files/folders in the background; rows appear as batches arrive."""
        paths = [str(p) for p in paths]
        for p in paths:
            add_recent(self.settings, str(Path(p).resolve()))
        return self._start(LoadJob(paths))

    def load_bytes(self, data: bytes, name: str = "<clipboard>") -> LoadJob:
        return self._start(LoadJob(data=data, name=name))

    def _start(self, job: LoadJob) -> LoadJob:
        job.batchReady.connect(self._batch_ready)
        job.progress.connect(self._progress)
        job.problem.connect(self._problem)
        job.finished.connect(self._job_done)  # a bound slot: runs on the GUI thread
        self._jobs.append(job)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.message("Loading…")
        start_job(job, self)
        return job

    def _batch_ready(self, batch) -> None:
        new = self.records_panel.records.extend(batch)
        self.records_panel.records_added(new)
        self._timeline_timer.start()
        if self._record_index < 0 and self.records_panel.model.rowCount():
            self.records_panel.select_row(0)

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            scale = max(1, total // 1_000_000)  # QProgressBar is 32-bit
            self.progress.setRange(0, total // scale)
            self.progress.setValue(done // scale)

    def _problem(self, problem: Problem) -> None:
        self._problems.append(problem)
        self.message(str(problem))

    def _job_done(self, job: LoadJob) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        _end_thread(job)
        if not self._jobs:
            self.progress.hide()
            self.cancel_button.hide()
        n = len(self.records_panel.records)
        bad = [p for p in job.problems if p.level == "error"]
        msg = f"Loaded {job.count:,} record(s); {n:,} in all" + \
            (" (cancelled)" if job.cancelled else "")
        if bad:
            msg += f"; {len(bad)} input(s) could not be read: {bad[0]}"
        self.message(msg)
        if bad and not job.count and not self.records_panel.records:
            self.summary.setText(
                "<b>Nothing could be read.</b><br>" + "<br>".join(_esc(str(p)) for p in bad[:8]))
        if not self._jobs:
            self.refresh_timeline()  # now with every record, and fault locations to follow
        self.loadFinished.emit()

    @property
    def loading(self) -> bool:
        return bool(self._jobs)

    @property
    def decoding_faults(self) -> bool:
        return self._fault_job is not None

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)

    def cancel_loading(self, wait: bool = False) -> None:
        jobs = list(self._jobs) + ([self._fault_job] if self._fault_job is not None else [])
        for job in jobs:
            job.cancel()
            if wait and job.thread is not None:
                job.thread.quit()
                job.thread.wait(5000)

    def clear_records(self) -> None:
        self.cancel_loading(wait=True)
        self.records_panel.clear()
        self._decoded.clear()
        self._faults = None
        self.show_record(None)
        self.refresh_timeline()

    def refresh_timeline(self) -> None:
        """Counts over time for every loaded record (from the index columns, no decoding);
        fault locations join once a background decode has found them."""
        self._timeline_timer.stop()
        rs = self.records_panel.records
        faults = self._faults if self._faults is not None and self._faults[0] == len(rs) else None
        table = rs.table()
        data = from_record_table(table, faults[1] if faults else None)
        unknown = 0 if faults or not len(rs) else int((~table.faults_known()).sum())
        if unknown and not self.loading and self.timeline.isVisible():
            # decode for thresholds only when looked at; every record, with progress
            data.faults_note = pending_note(unknown, len(rs))
            self.timeline.set_data(data)
            self._start_fault_job()
            return
        self.timeline.set_data(data)

    def _start_fault_job(self) -> None:
        if self._fault_job is not None:
            if self._fault_job.count == len(self.records_panel.records):
                return  # already working on exactly these records
            self._fault_job.cancel()
        job = FaultJob(self.records_panel.records)
        job.finished.connect(self._fault_job_done)
        job.progress.connect(lambda done, total: self.timeline.set_faults_note(
            pending_note(total, job.count, done)))
        self._fault_job = job
        start_job(job, self)

    def _fault_job_done(self, job: FaultJob) -> None:
        _end_thread(job)
        if job is self._fault_job:
            self._fault_job = None
        if job.faults is not None and job.count == len(self.records_panel.records):
            self._faults = (job.count, job.faults)
            self.refresh_timeline()
        self.faultsReady.emit()

    def _timeline_range(self, t0: float, t1: float) -> None:
        """The timeline's ranges are [t0, t1); the list's time filter includes both ends."""
        self.records_panel.set_time_range(math.ceil(t0), math.ceil(t1) - 1)

    def paste_record(self) -> None:
        text = QApplication.clipboard().text()
        try:
            data = clipboard_bytes(text)  # read as `whea decode -` reads it
        except PasteError as exc:
            QMessageBox.information(self, TITLE, f"Cannot paste a record: {exc}.")
            return
        self.load_bytes(data, "<clipboard>")

    # drag and drop: files and folders, or dropped hex/Base64 text
    def dragEnterEvent(self, event) -> None:
        md = event.mimeData()
        if md.hasUrls() or md.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        md = event.mimeData()
        paths = [u.toLocalFile() for u in md.urls() if u.isLocalFile()] if md.hasUrls() else []
        if paths:
            self.open_paths(paths)
        elif md.hasText():
            try:
                self.load_bytes(clipboard_bytes(md.text()), "<dropped text>")
            except PasteError as exc:
                self.message(f"Dropped text ignored: {exc}")
        event.acceptProposedAction()

    # -- showing a record --------------------------------------------------------------------
    def decoded(self, index: int) -> DecodedRecord:
        rec = self._decoded.get(index)
        if rec is None:
            rs = self.records_panel.records
            rec = decode_record(rs.data(index), source=rs.source(index))
            self._decoded[index] = rec
            while len(self._decoded) > DECODE_CACHE:
                self._decoded.popitem(last=False)
        else:
            self._decoded.move_to_end(index)
        return rec

    def show_record_index(self, index: int) -> None:
        if index < 0:
            self.show_record(None)
            return
        self._record_index = index
        rec = self.decoded(index)
        self.records_panel.model.set_summary(index, rec.summary)
        self.show_record(rec)
        self.recordShown.emit(index)

    def show_record(self, rec: DecodedRecord | None) -> None:
        self._rec = rec
        if rec is None:
            self._record_index = -1
        self.summary.show_record(rec)
        self.field_model.set_record(rec)
        self.findings_model.set_record(rec)
        self.findings_dock.setWindowTitle(self._findings_title())
        self.hex.set_data(rec.data if rec is not None else b"")
        if rec is not None:
            self.hex.set_regions(self._regions(rec))
            self.hex.set_findings((f.offset, f.length, f.level) for f in rec.findings)
            self._restore_expansion()
            src = rec.source or {}
            name = Path(str(src.get("path", ""))).name or str(src.get("path", ""))
            self.setWindowTitle(f"{name} @ {src.get('offset', 0)} — {TITLE}")
        else:
            self.setWindowTitle(TITLE)
        self._update_status()

    def _findings_title(self) -> str:
        counts = self.findings_model.counts()
        if self._rec is None:
            return "Findings"
        if not any(counts.values()):
            return "Findings — none: every check passed"
        return "Findings — " + ", ".join(f"{n} {lvl}{'s' if n != 1 else ''}"
                                        for lvl, n in counts.items() if n)

    @staticmethod
    def _regions(rec: DecodedRecord):
        out = []
        header = rec.root.find("header")
        if header is not None:
            out.append((header.offset, header.length, HEADER_TINT))
        for s in rec.sections:
            if s.descriptor is not None:
                out.append((s.descriptor.offset, s.descriptor.length, descriptor_colour(s.index)))
            if s.body is not None:
                out.append((s.body.offset, s.body.length, section_colour(s.index)))
        if rec.kind == "whlg":
            payload = rec.root.find("payload")
            if payload is not None:
                out.append((payload.offset, payload.length, section_colour(0)))
        return out

    def _restore_expansion(self) -> None:
        root = self.field_model.record.root if self.field_model.record else None
        if root is None:
            return
        for path in sorted(self._expanded_paths, key=lambda p: p.count(".")):
            node = root.find(path)
            if node is not None and node.has_children():
                idx = self.field_model.index_of(node)
                if idx.isValid():
                    self.tree.expand(idx)

    # -- selection and linking ---------------------------------------------------------------
    @property
    def current_record(self) -> DecodedRecord | None:
        return self._rec

    def _node(self, index: QModelIndex) -> FieldNode | None:
        return self.field_model.node(index) if index.isValid() else None

    def current_node(self) -> FieldNode | None:
        return self._node(self.tree.currentIndex())

    def select_record(self, row: int) -> bool:
        return self.records_panel.select_row(row)

    def select_field(self, path_or_node) -> bool:
        """Select a field by dotted path (``header.flags``) or node; expands and scrolls to it."""
        node = path_or_node
        if isinstance(path_or_node, str):
            node = self._rec.root.find(path_or_node) if self._rec is not None else None
        if node is None:
            return False
        idx = self.field_model.index_of(node)
        if not idx.isValid():
            return False
        parent = idx.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        self.tree.scrollTo(idx)
        return True

    def _tree_current_changed(self, current: QModelIndex, _previous) -> None:
        node = self._node(current)
        if node is None:
            self.hex.set_bit_mark(None)
            self.hex.set_selection(0, 0, scroll=False)
            return
        cursor = self._hex_cursor if self._linking else None
        self.hex.set_selection(node.offset, node.length, cursor=cursor, scroll=not self._linking)
        if node.bit_width is not None:
            self.hex.set_bit_mark(node.offset, node.bit_offset or 0, node.bit_width)
        else:
            self.hex.set_bit_mark(None)
        self._update_status()

    def _hex_clicked(self, offset: int) -> None:
        if self._rec is None:
            return
        node = self._rec.root.deepest_at(offset)
        self._linking = True
        self._hex_cursor = offset
        try:
            if node is None:
                self.tree.selectionModel().clearCurrentIndex()
                self.tree.clearSelection()
                self.hex.set_bit_mark(None)
                self.hex.set_selection(offset, 1, scroll=False)
            else:
                self.select_field(node)
        finally:
            self._linking = False
            self._hex_cursor = None
        self._update_status()

    def _hex_hovered(self, offset: int) -> None:
        if self._rec is None or offset < 0:
            self.hex.set_hover_range(None)
            self.status_field.setText(self._field_status())
            return
        node = self._rec.root.deepest_at(offset)
        if node is None:
            self.hex.set_hover_range(None)
            return
        self.hex.set_hover_range(node.offset, node.length)
        self.status_field.setText(f"Hover: {node.label} = {node.display}"[:140]
                                  + f"  (@{node.offset}+{node.length})")

    def _finding_clicked(self, index: QModelIndex) -> None:
        f = index.data(FINDING_ROLE) if index.isValid() else None
        if f is None:
            return
        self.hex.set_bit_mark(None)
        self.hex.set_selection(f.offset, f.length, scroll=True)
        self._update_status()

    # -- status bar --------------------------------------------------------------------------
    def _field_status(self) -> str:
        node = self.current_node()
        if node is None:
            return ""
        cursor = self.hex.cursor_offset()
        inside = cursor - node.offset if node.offset <= cursor < node.end else 0
        text = f"{node.label}: +{inside} of {node.length}"
        if node.bit_width is not None:
            text += f", {bit_label(node)}"
        return text

    def _update_status(self) -> None:
        if self._rec is None:
            self.status_offset.setText("")
            self.status_field.setText("")
            self.status_selection.setText("")
            return
        base = int((self._rec.source or {}).get("offset", 0) or 0)
        cursor = max(self.hex.cursor_offset(), 0)
        self.status_offset.setText(f"Offset 0x{cursor:X} ({cursor}) · file 0x{base + cursor:X} "
                                   f"({base + cursor})")
        self.status_field.setText(self._field_status())
        start, length = self.hex.selection()
        self.status_selection.setText(f"Selection {length} byte(s) at {start}" if length else "")

    # -- copy --------------------------------------------------------------------------------
    def copy_field(self, what: str) -> str:
        node = self.current_node()
        if node is None or self._rec is None:
            return ""
        if what == "value":
            text = node.display if node.display else str(node.value)
        elif what == "bytes":
            text = copying.node_bytes_hex(self._rec, node)
        elif what == "text":
            text = copying.subtree_text(node)
        elif what == "json":
            text = copying.subtree_json(node)
        else:
            raise ValueError(what)
        QApplication.clipboard().setText(text)
        return text

    def copy_record_markdown(self) -> str:
        """The selected record as Markdown (the reports module's per-record text)."""
        if self._rec is None:
            return ""
        text = record_markdown(self._rec)
        QApplication.clipboard().setText(text)
        return text

    def _tree_menu(self, pos) -> None:
        if self.current_node() is None:
            return
        menu = QMenu(self)
        for act in (self.act_copy_value, self.act_copy_bytes, self.act_copy_text, self.act_copy_json):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction("Expand all below", self.expand_all_below)
        menu.addAction("Collapse all", self.tree.collapseAll)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def expand_all_below(self) -> None:
        """Expand the current field's rows, bounded (a record can have 65,535 sections)."""
        shown, cut = expand_below(self.tree, self.tree.currentIndex())
        if cut:
            self.statusBar().showMessage(f"Expanded {shown} rows; stopped there (expand further "
                                         "rows one by one)", 8000)

    def raise_dock(self, name: str) -> bool:
        """Bring a dock to the front: "records", "timeline" or "findings"."""
        dock = {"records": self.records_dock, "timeline": self.timeline_dock,
                "findings": self.findings_dock}.get(name)
        if dock is None:
            return False
        dock.show()
        dock.raise_()
        if dock is self.timeline_dock:
            self.refresh_timeline()
            if dock.height() < TIMELINE_MIN_HEIGHT:  # the plots need room to be read
                self.resizeDocks([dock], [TIMELINE_MIN_HEIGHT], Qt.Vertical)
        return True

    def set_hex_numbers(self, on: bool) -> None:
        self.act_hex_numbers.setChecked(bool(on))
        self.field_model.set_hex_numbers(bool(on))

    def open_sample(self) -> LoadJob | None:
        """Help → Open sample data: the bundled month of records from four hosts."""
        paths = sample_paths()
        if not paths:
            self.statusBar().showMessage("The bundled sample data is not installed", 5000)
            return None
        return self.open_paths(paths)

    def _about(self) -> None:
        QMessageBox.about(self, TITLE, f"<b>{TITLE}</b> {__version__}<br>Decode, inspect and "
                          "report Windows WHEA / UEFI CPER hardware error records: every field "
                          "and flag bit beside its bytes, timelines, reports.<br>"
                          "Sample data: a month of generated records from four hosts.")


def _end_thread(job) -> None:
    """Let a finished job's thread end (bounded: a stuck thread is logged, never waited on forever)."""
    thread = job.thread
    if thread is None:
        return
    thread.quit()
    if not thread.wait(THREAD_WAIT_MS):
        log.warning("a worker thread did not end within %d ms", THREAD_WAIT_MS)
        return
    thread.deleteLater()
    job.thread = None


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

