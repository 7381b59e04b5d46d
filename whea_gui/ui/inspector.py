"""The detail panes of the shown record: summary, field tree, hex view, findings, status bar.

Linking follows Wireshark's details/bytes panes: selecting a field highlights its bytes; clicking
a byte selects the deepest field that covers it; hovering a byte outlines its field only. Every
pane reports to the session and redraws from the session's events, so a selection made in one
pane reaches the other without either knowing where it came from.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QMenu, QTableView, QTreeView

from ..core.model import DecodedRecord, FieldNode
from ..report import record_markdown
from ..session import FieldSelection, InspectorSession, copying
from ..session.labels import offset_text
from .edit_delegate import EditableFieldModel
from .field_model import bit_label, expand_below, select_row
from .findings import FINDING_ROLE, FindingsModel
from .hexview import HexView
from .palette import HEADER_TINT, descriptor_colour, section_colour
from .summary import SummaryLabel

TREE_WIDTHS = (250, 280, 140, 55, 55)
CHANGED_TINT = QColor("#ffd54f")  # edited bytes, drawn over the section colours


class RecordInspector(QObject):
    def __init__(self, session: InspectorSession, window) -> None:
        super().__init__(window)
        self.session = session
        self._expanded_paths: set[str] = {"header"}
        self.summary = SummaryLabel()
        self.field_model = EditableFieldModel(None, window)
        self.tree = tree = QTreeView()
        tree.setObjectName("FieldTree")
        tree.setModel(self.field_model)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.setSelectionBehavior(QAbstractItemView.SelectRows)
        tree.setContextMenuPolicy(Qt.CustomContextMenu)
        tree.setAllColumnsShowFocus(True)
        header = tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in enumerate(TREE_WIDTHS):
            tree.setColumnWidth(col, width)
        self.hex = HexView()
        self.hex.setObjectName("HexView")
        self.findings_model = FindingsModel(window)
        self.findings_view = fv = QTableView()
        fv.setModel(self.findings_model)
        fv.setSelectionBehavior(QAbstractItemView.SelectRows)
        fv.setSelectionMode(QAbstractItemView.SingleSelection)
        fv.verticalHeader().hide()
        fv.horizontalHeader().setStretchLastSection(True)
        fv.setWordWrap(False)
        for col, width in enumerate((90, 60, 60)):
            fv.setColumnWidth(col, width)

        self.summary.field_requested.connect(self.select_field)  # cited fields in the explanation
        tree.selectionModel().currentChanged.connect(self._tree_current_changed)
        tree.expanded.connect(lambda i: self._expanded_paths.add(self.node(i).path))
        tree.collapsed.connect(lambda i: self._expanded_paths.discard(self.node(i).path))
        tree.customContextMenuRequested.connect(self._tree_menu)
        self.hex.byteClicked.connect(session.click_byte)
        self.hex.hoverChanged.connect(session.hover_byte)
        self.hex.selectionChanged.connect(lambda *_: self.update_status())
        fv.clicked.connect(self._finding_clicked)
        fv.activated.connect(self._finding_clicked)
        ev = session.events
        ev.current.connect(self._current_changed)
        ev.record.connect(self._record_changed)
        ev.field.connect(self._field_changed)
        ev.hover.connect(self._hovered)

    @property
    def window(self):
        return self.parent()

    # -- showing a record --------------------------------------------------------------------
    def _current_changed(self, index: int) -> None:
        rec = self.session.record
        if rec is not None:
            self.window.records_panel.model.set_summary(index, rec.summary)
        self.show_record(rec)
        if index >= 0:
            self.window.recordShown.emit(index)

    def _record_changed(self, index: int) -> None:
        """The shown record's bytes changed (an edit): show the fresh decode, same field."""
        if index != self.session.current:
            return
        keep = self.current_node().path if self.current_node() is not None else None
        self.show_record(self.session.record)
        if keep:
            self.select_field(keep)

    def show_record(self, rec: DecodedRecord | None) -> None:
        self.summary.show_record(rec)
        self.field_model.set_record(rec)
        self.findings_model.set_record(rec)
        w = self.window
        w.findings_dock.setWindowTitle(self._findings_title(rec))
        self.hex.set_data(rec.data if rec is not None else b"")
        if rec is not None:
            self.hex.set_regions(self.regions(rec))
            self.hex.set_findings((f.offset, f.length, f.level) for f in rec.findings)
            self._restore_expansion()
        w.update_title()
        self.update_status()

    def _findings_title(self, rec) -> str:
        counts = self.findings_model.counts()
        if rec is None:
            return "Findings"
        if not any(counts.values()):
            return "Findings — none: every check passed"
        return "Findings — " + ", ".join(f"{n} {lvl}{'s' if n != 1 else ''}"
                                        for lvl, n in counts.items() if n)

    def regions(self, rec: DecodedRecord):
        """Tinted byte ranges: header, descriptors, section bodies, and the bytes edited."""
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
        n = len(rec.data)
        if self.session.current >= 0 and self.session.has_editor(self.session.current):
            out += [(o, min(k, n - o), CHANGED_TINT) for o, k in self.session.changed_runs()
                    if o < n]
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

    # -- fields: the tree and the hex view, linked through the session -----------------------
    def node(self, index: QModelIndex) -> FieldNode | None:
        return self.field_model.node(index) if index.isValid() else None

    def current_node(self) -> FieldNode | None:
        return self.node(self.tree.currentIndex())

    def select_field(self, path_or_node) -> bool:
        """Select a field by dotted path (``header.flags``) or node; expands and scrolls to it."""
        node = path_or_node
        if isinstance(path_or_node, str):
            rec = self.field_model.record
            node = rec.root.find(path_or_node) if rec is not None else None
        if node is None or not self.field_model.index_of(node).isValid():
            return False
        sel = self.session.selection
        if sel is not None and sel.path == node.path:
            self._field_changed(sel)  # the session has it already (a redraw): show it again
        else:
            self.session.select_field(node)
        return self.current_node() is not None and self.current_node().path == node.path

    def _tree_current_changed(self, current: QModelIndex, _previous) -> None:
        node = self.node(current)
        if node is not None:
            self.session.select_field(node)

    def _field_changed(self, sel: FieldSelection | None) -> None:
        if sel is None or sel.path is None:
            self.tree.selectionModel().clearCurrentIndex()
            self.tree.clearSelection()
            self.hex.set_bit_mark(None)
            self.hex.set_selection(sel.offset if sel else 0, sel.length if sel else 0,
                                   scroll=False)
            self.update_status()
            return
        rec = self.field_model.record
        node = rec.root.find(sel.path) if rec is not None else None
        idx = self.field_model.index_of(node) if node is not None else QModelIndex()
        if idx.isValid() and self.tree.currentIndex() != idx:
            select_row(self.tree, idx)
        if idx.isValid():
            self.tree.scrollTo(idx)
        self.hex.set_selection(sel.offset, sel.length, cursor=sel.cursor, scroll=sel.scroll)
        if sel.bit_width is not None:
            self.hex.set_bit_mark(sel.offset, sel.bit_offset or 0, sel.bit_width)
        else:
            self.hex.set_bit_mark(None)
        self.update_status()

    def _hovered(self, node: FieldNode | None, offset: int) -> None:
        w = self.window
        if node is None:
            self.hex.set_hover_range(None)
            if offset < 0:
                w.status_field.setText(self._field_status())
            return
        self.hex.set_hover_range(node.offset, node.length)
        w.status_field.setText(f"Hover: {node.label} = {node.display}"[:140]
                               + f"  (@{node.offset}+{node.length})")

    def _finding_clicked(self, index: QModelIndex) -> None:
        f = index.data(FINDING_ROLE) if index.isValid() else None
        if f is None:
            return
        self.hex.set_bit_mark(None)
        self.hex.set_selection(f.offset, f.length, scroll=True)
        self.update_status()

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

    def update_status(self) -> None:
        w = self.window
        rec = self.field_model.record
        if rec is None:
            for label in (w.status_offset, w.status_field, w.status_selection):
                label.setText("")
            return
        w.status_offset.setText(offset_text(rec.source, max(self.hex.cursor_offset(), 0)))
        w.status_field.setText(self._field_status())
        start, length = self.hex.selection()
        w.status_selection.setText(f"Selection {length} byte(s) at {start}" if length else "")

    # -- copy --------------------------------------------------------------------------------
    def copy_field(self, what: str) -> str:
        node, rec = self.current_node(), self.field_model.record
        if node is None or rec is None:
            return ""
        if what == "value":
            text = node.display if node.display else str(node.value)
        elif what == "bytes":
            text = copying.node_bytes_hex(rec, node)
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
        rec = self.field_model.record
        if rec is None:
            return ""
        text = record_markdown(rec)
        QApplication.clipboard().setText(text)
        return text

    def _tree_menu(self, pos) -> None:
        if self.current_node() is None:
            return
        w = self.window
        menu = QMenu(w)
        for act in (w.act_copy_value, w.act_copy_bytes, w.act_copy_text, w.act_copy_json):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction("Expand all below", self.expand_all_below)
        menu.addAction("Collapse all", self.tree.collapseAll)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def expand_all_below(self) -> None:
        """Expand the current field's rows, bounded (a record can have 65,535 sections)."""
        shown, cut = expand_below(self.tree, self.tree.currentIndex())
        if cut:
            self.window.statusBar().showMessage(f"Expanded {shown} rows; stopped there (expand "
                                                "further rows one by one)", 8000)
