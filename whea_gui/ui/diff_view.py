"""Compare two records: both field trees side by side, aligned by field path, changed fields
highlighted, each record's bytes under its tree with the changed runs tinted, and the changed
byte runs listed (``whea_gui.compose.diff``)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..compose.diff import diff_records
from ..decode.record import decode_record
from .field_model import FieldTreeModel
from .hexview import HexView

CHANGED_BRUSH = QBrush(QColor("#ffe082"))
ONLY_HERE_BRUSH = QBrush(QColor("#c8e6c9"))
CHANGED_BYTES = QColor("#ffd54f")
ONLY_HERE_BYTES = QColor("#a5d6a7")
BACKGROUND = Qt.BackgroundRole


class DiffFieldModel(FieldTreeModel):
    """A field tree with the paths that differ from the other side highlighted."""

    def __init__(self, record, changed: set[str], only_here: set[str], parent=None) -> None:
        super().__init__(record, parent)
        self.changed = changed
        self.only_here = only_here

    def highlight(self, node) -> str | None:
        path = node.path
        if path in self.changed:
            return "changed"
        if path in self.only_here:
            return "only here"
        return None

    def data(self, index, role=Qt.DisplayRole):
        if role == BACKGROUND and index.isValid():
            mark = self.highlight(index.internalPointer())
            if mark == "changed":
                return CHANGED_BRUSH
            if mark == "only here":
                return ONLY_HERE_BRUSH
            return None
        return super().data(index, role)


def _base(path: str) -> str:
    return path.split("#", 1)[0]


class DiffWindow(QDialog):
    def __init__(self, a: bytes, b: bytes, name_a: str = "A", name_b: str = "B",
                 parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare {name_a} with {name_b}")
        self.resize(1300, 800)
        ra, rb = decode_record(bytes(a)), decode_record(bytes(b))
        self.diff = diff_records(ra, rb)
        changed = {_base(c.path) for c in self.diff.fields if c.change == "changed"}
        removed = {_base(c.path) for c in self.diff.fields if c.change == "removed"}
        added = {_base(c.path) for c in self.diff.fields if c.change == "added"}
        self.model_a = DiffFieldModel(ra, changed, removed, self)
        self.model_b = DiffFieldModel(rb, changed, added, self)
        self.tree_a, self.tree_b = QTreeView(), QTreeView()
        self.hex_a, self.hex_b = HexView(), HexView()
        self.lists = QSplitter(Qt.Horizontal)
        for hexview, data, other in ((self.hex_a, bytes(a), len(b)), (self.hex_b, bytes(b), len(a))):
            hexview.set_data(data)
            hexview.set_regions(self.byte_marks(len(data), other))
        for tree, model, name, hexview in ((self.tree_a, self.model_a, name_a, self.hex_a),
                                           (self.tree_b, self.model_b, name_b, self.hex_b)):
            tree.setModel(model)
            tree.setUniformRowHeights(True)
            tree.setColumnWidth(0, 220)
            tree.setColumnWidth(1, 220)
            pane = QWidget()
            lay = QVBoxLayout(pane)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(QLabel(f"<b>{_esc(name)}</b> — {len(model.record.data)} bytes"))
            split = QSplitter(Qt.Vertical)
            split.addWidget(tree)
            split.addWidget(hexview)
            lay.addWidget(split, 1)
            self.lists.addWidget(pane)
        self.changes = QListWidget()
        self.changes.setObjectName("DiffChanges")
        for c in self.diff.fields:
            if c.change == "changed":
                self.changes.addItem(f"{c.path}: {c.old} → {c.new}")
            elif c.change == "removed":
                self.changes.addItem(f"− {c.path}: only in {name_a}")
            else:
                self.changes.addItem(f"+ {c.path}: only in {name_b}")
        runs = self.diff.byte_runs
        self.runs_label = QLabel(
            "Identical." if self.diff.same else
            f"{len(self.diff.fields)} field(s) differ; changed bytes: "
            + (", ".join(f"{o}–{o + n - 1}" for o, n in runs[:30]) or "none")
            + (f" and {len(runs) - 30} more runs" if len(runs) > 30 else "")
            + ("" if self.diff.length_a == self.diff.length_b
               else f"; length {self.diff.length_a} → {self.diff.length_b}"))
        self.runs_label.setWordWrap(True)
        self.changes.currentRowChanged.connect(self._change_selected)
        outer = QSplitter(Qt.Vertical)
        outer.addWidget(self.lists)
        outer.addWidget(self.changes)
        outer.setStretchFactor(0, 4)
        outer.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.runs_label)
        lay.addWidget(outer, 1)
        for tree, model in ((self.tree_a, self.model_a), (self.tree_b, self.model_b)):
            self._expand_marked(tree, model)

    def byte_marks(self, length: int, other_length: int) -> list:
        """Tints for one side's bytes: each changed run, and bytes the other record lacks."""
        marks = [(o, min(n, length - o), CHANGED_BYTES) for o, n in self.diff.byte_runs
                 if o < min(length, other_length)]
        if length > other_length:
            marks.append((other_length, length - other_length, ONLY_HERE_BYTES))
        return marks

    def _expand_marked(self, tree: QTreeView, model: DiffFieldModel) -> None:
        """Open the tree down to every highlighted field, so a change is seen without digging."""
        root = model.record.root
        for path in sorted(model.changed | model.only_here, key=lambda p: p.count(".")):
            node = root.find(path)
            idx = model.index_of(node) if node is not None else QModelIndex()
            parent = idx.parent()
            while parent.isValid():
                tree.expand(parent)
                parent = parent.parent()

    def highlighted_paths(self, side: str = "a") -> set[str]:
        """Paths of every row shown highlighted in one tree (walking the whole model)."""
        model = self.model_a if side == "a" else self.model_b
        out: set[str] = set()

        def visit(parent: QModelIndex) -> None:
            if model.canFetchMore(parent):
                model.fetchMore(parent)
            for row in range(model.rowCount(parent)):
                idx = model.index(row, 0, parent)
                if model.data(idx, BACKGROUND) is not None:
                    out.add(model.node(idx).path)
                visit(idx)
        visit(QModelIndex())
        return out

    def _change_selected(self, row: int) -> None:
        if not 0 <= row < len(self.diff.fields):
            return
        path = _base(self.diff.fields[row].path)
        for tree, model in ((self.tree_a, self.model_a), (self.tree_b, self.model_b)):
            node = model.record.root.find(path)
            idx = model.index_of(node) if node is not None else QModelIndex()
            if idx.isValid():
                tree.setCurrentIndex(idx)
                tree.scrollTo(idx)


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
