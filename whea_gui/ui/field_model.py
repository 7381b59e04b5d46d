"""The field tree: a QAbstractItemModel over a record's located FieldNodes.

Columns: field, value, raw bytes (or the bit value), offset, size, meaning. Children are fetched
lazily (flag bits are only built when a row is expanded), and numbers can be shown in hex or
decimal without touching the decoded tree. "Expand all" is bounded (``expand_below``): a
record with thousands of sections expands its first ``MAX_EXPAND_ROWS`` rows, not all of them.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ..core.model import ERROR, WARNING, DecodedRecord, FieldNode
from .palette import HEADER_TINT, section_colour
from .qtconst import (
    ALIGNMENT,
    DECORATION,
    DISPLAY,
    FONT,
    FOREGROUND,
    ITEM_FLAGS,
    NO_FLAGS,
    RIGHT,
    TOOLTIP,
    column_title,
)

HEADERS = ("Field", "Value", "Raw", "Offset", "Size", "Meaning")
FIELD, VALUE, RAW, OFFSET, SIZE, MEANING = range(6)
RAW_PREVIEW_BYTES = 16
MAX_EXPAND_ROWS = 5000  # rows made visible by one "Expand all below" (Qt's own has no bound)
NODE_ROLE = Qt.UserRole + 1

_TEXT_COLOURS = {"grey": ("#7a7a7a", "#9aa0a6"), "red": ("#b3261e", "#ff8a80"),
                 "orange": ("#b35c00", "#ffb74d")}  # (on a light palette, on a dark one)


def _text_brush(name: str) -> QBrush:
    """Error/warning/invalid text colours readable on the application's current palette."""
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    dark = app is not None and app.palette().base().color().lightness() < 128
    brush = _BRUSHES.get((name, dark))
    if brush is None:
        brush = _BRUSHES[name, dark] = QBrush(QColor(_TEXT_COLOURS[name][dark]))
    return brush


_BRUSHES: dict[tuple[str, bool], QBrush] = {}


def absolute_bit(node: FieldNode) -> int | None:
    """A bit node's bit number within its whole flag word (the parent field)."""
    if node.bit_offset is None:
        return None
    parent = node.parent
    base = parent.offset if parent is not None and parent.length else node.offset
    return (node.offset - base) * 8 + node.bit_offset


def bit_label(node: FieldNode) -> str:
    first = absolute_bit(node)
    if first is None:
        return ""
    width = node.bit_width or 1
    return f"bit {first}" if width == 1 else f"bits {first}–{first + width - 1}"


class FieldTreeModel(QAbstractItemModel):
    def __init__(self, record: DecodedRecord | None = None, parent=None) -> None:
        super().__init__(parent)
        self._rec = record
        self._fetched: set[int] = set()
        self._row: dict[int, int] = {}
        self._hex = False
        self._finding_level: dict[int, str] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._index_findings()

    # -- state -------------------------------------------------------------------------------
    @property
    def record(self) -> DecodedRecord | None:
        return self._rec

    def set_record(self, record: DecodedRecord | None) -> None:
        self.beginResetModel()
        self._rec = record
        self._fetched.clear()
        self._row.clear()
        self._index_findings()
        self.endResetModel()

    @property
    def hex_numbers(self) -> bool:
        return self._hex

    def set_hex_numbers(self, on: bool) -> None:
        if on != self._hex:
            self._hex = on
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()

    def _index_findings(self) -> None:
        """Worst finding level per node that a finding judges, and on each node above it."""
        self._finding_level.clear()
        if self._rec is None:
            return
        for f in self._rec.findings:
            if f.level not in (ERROR, WARNING):
                continue
            node = f.node  # attached at decode time (core.model.DecodedRecord.attach_findings)
            while node is not None and node.parent is not None:
                key = id(node)
                if self._finding_level.get(key) != ERROR:
                    self._finding_level[key] = f.level
                node = node.parent

    # -- node <-> index ----------------------------------------------------------------------
    def _root(self) -> FieldNode | None:
        return self._rec.root if self._rec is not None else None

    def node(self, index: QModelIndex) -> FieldNode | None:
        if not index.isValid():
            return self._root()
        return index.internalPointer()

    def _kids(self, node: FieldNode) -> list[FieldNode]:
        if node is self._root() or id(node) in self._fetched:
            kids = node.children
            if kids and id(kids[0]) not in self._row:
                for i, k in enumerate(kids):
                    self._row[id(k)] = i
            return kids
        return []

    def index_of(self, node: FieldNode | None, column: int = 0) -> QModelIndex:
        """The index of ``node``, fetching its ancestors' children as needed."""
        root = self._root()
        if node is None or root is None or node is root:
            return QModelIndex()
        chain = []
        n = node
        while n is not None and n is not root:
            chain.append(n)
            n = n.parent
        if n is not root:
            return QModelIndex()
        parent_index = QModelIndex()
        for n in reversed(chain):
            parent = n.parent
            if parent is not root and id(parent) not in self._fetched:
                self.fetchMore(parent_index)
            kids = self._kids(parent)
            row = self._row.get(id(n), -1)
            if row < 0 or row >= len(kids) or kids[row] is not n:
                return QModelIndex()
            parent_index = self.createIndex(row, 0, n)
        return parent_index if column == 0 else parent_index.siblingAtColumn(column)

    def index_of_path(self, path: str) -> QModelIndex:
        root = self._root()
        return self.index_of(root.find(path)) if root is not None and path else QModelIndex()

    # -- Qt model ----------------------------------------------------------------------------
    def index(self, row, column, parent=QModelIndex()) -> QModelIndex:
        node = self.node(parent)
        if node is None or not 0 <= column < len(HEADERS) or row < 0:
            return QModelIndex()
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        kids = self._kids(node)
        if row >= len(kids):
            return QModelIndex()
        return self.createIndex(row, column, kids[row])

    def parent(self, index=QModelIndex()) -> QModelIndex:  # noqa: A003 - Qt's name
        if not index.isValid():
            return QModelIndex()
        node: FieldNode = index.internalPointer()
        parent = node.parent
        if parent is None or parent is self._root():
            return QModelIndex()
        return self.createIndex(self._row.get(id(parent), 0), 0, parent)

    def rowCount(self, parent=QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        return len(self._kids(node)) if node is not None else 0

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(HEADERS)

    def hasChildren(self, parent=QModelIndex()) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if node is None:
            return False
        if node is self._root():
            return bool(node.children)
        return node.has_children()

    def canFetchMore(self, parent) -> bool:
        if not parent.isValid() or parent.column() != 0:
            return False
        node = self.node(parent)
        return node is not None and id(node) not in self._fetched and node.has_children()

    def fetchMore(self, parent) -> None:
        if not self.canFetchMore(parent):
            return
        node = self.node(parent)
        kids = node.children  # builds lazy children (flag bits) now
        if any(k.findings for k in kids):  # findings placed by their bytes moved down to them
            self._index_findings()
        if not kids:
            self._fetched.add(id(node))
            return
        self.beginInsertRows(parent, 0, len(kids) - 1)
        self._fetched.add(id(node))
        self._kids(node)
        self.endInsertRows()

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        return column_title(HEADERS, section, orientation, role)

    def flags(self, index):
        if not index.isValid():
            return NO_FLAGS
        return ITEM_FLAGS

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        node: FieldNode = index.internalPointer()
        col = index.column()
        if role == DISPLAY:
            return self.cell_text(node, col)
        if role == NODE_ROLE:
            return node
        if role == TOOLTIP:
            return self._tooltip(node)
        if role == FOREGROUND:
            level = self._finding_level.get(id(node))
            if level == ERROR:
                return _text_brush("red")
            if level == WARNING and col in (FIELD, VALUE):
                return _text_brush("orange")
            if not node.valid or (node.kind == "bit" and not node.value) or node.kind == "gap":
                return _text_brush("grey")
            return None
        if role == FONT:
            if node.kind == "bit" and node.value and col in (FIELD, VALUE):
                return self._bold
            if not node.valid and col == VALUE:
                return self._italic
            return None
        if role == DECORATION and col == FIELD:
            colour = self._section_colour(node)
            return colour
        if role == ALIGNMENT and col in (OFFSET, SIZE):
            return RIGHT
        return None

    def _section_colour(self, node: FieldNode) -> QColor | None:
        rec = self._rec
        if rec is None or node.parent is not rec.root:
            return None
        if node.name == "header":
            return HEADER_TINT.darker(110)
        if rec.kind == "whlg" and node.name == "payload":
            return section_colour(0)
        for s in rec.sections:
            if node is s.body or node is s.descriptor:
                return section_colour(s.index)
        return None

    # -- cell text ---------------------------------------------------------------------------
    def cell_text(self, node: FieldNode, col: int) -> str:
        if col == FIELD:
            first = absolute_bit(node)
            if first is not None:
                return f"[{first}] {node.label}" if (node.bit_width or 1) == 1 else \
                    f"[{first}–{first + node.bit_width - 1}] {node.label}"
            return node.label
        if col == VALUE:
            return self.value_text(node)
        if col == RAW:
            return self.raw_text(node)
        if col == OFFSET:
            return f"0x{node.offset:04X}" if self._hex else str(node.offset)
        if col == SIZE:
            return bit_label(node) or (f"0x{node.length:X}" if self._hex else str(node.length))
        if col == MEANING:
            return node.description.split("\n", 1)[0]
        return ""

    def value_text(self, node: FieldNode) -> str:
        """As decoded; with hex numbers on, plain integers are shown in hexadecimal."""
        v = node.value
        if not self._hex or isinstance(v, bool) or not isinstance(v, int) or node.kind != "int":
            return node.display
        if node.display != str(v):
            return node.display  # a decoder wrote a richer text: keep it
        return f"0x{v:0{max(node.length, 1) * 2}X}"

    def raw_text(self, node: FieldNode) -> str:
        rec = self._rec
        if node.bit_width is not None and isinstance(node.value, int):
            width = node.bit_width
            v = node.value
            return f"{v:0{width}b}b" if width <= 8 else f"0x{v:X}"
        if rec is None or node.length <= 0:
            return ""
        raw = rec.data[node.offset:node.offset + min(node.length, RAW_PREVIEW_BYTES)]
        text = raw.hex(" ").upper()
        return text + (" …" if node.length > RAW_PREVIEW_BYTES else "")

    def _tooltip(self, node: FieldNode) -> str:
        lines = [f"<b>{_esc(node.label)}</b> <code>{_esc(node.path)}</code>",
                 _esc(node.display or "")]
        loc = f"bytes {node.offset}–{node.offset + node.length - 1} ({node.length})" \
            if node.length else f"offset {node.offset}"
        if node.bit_width is not None:
            loc += f", {bit_label(node)}"
        lines.append(loc)
        if node.description:
            lines.append(_esc(node.description))
        for f in node.findings or ():
            lines.append(f"<span style='color:#b3261e'>{f.level}: {_esc(f.message)}</span>")
        return "<br>".join(lines)


def select_row(view, index: QModelIndex) -> None:
    """Make ``index`` the tree's current, selected row, expanding its ancestors to show it."""
    parent = index.parent()
    while parent.isValid():
        view.expand(parent)
        parent = parent.parent()
    view.selectionModel().setCurrentIndex(index, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)


def expand_below(view, index: QModelIndex, limit: int = MAX_EXPAND_ROWS) -> tuple[int, bool]:
    """Expand ``index`` (the invisible root when not valid) and the rows below it, breadth
    first, until ``limit`` rows have been made visible. Returns (rows shown, whether the limit
    cut in) so the caller can say that not everything was expanded."""
    model = view.model()
    queue = deque([index])
    shown = 0
    while queue:
        parent = queue.popleft()
        if parent.isValid():
            if model.canFetchMore(parent):
                model.fetchMore(parent)
            rows = model.rowCount(parent)
            if shown + rows > limit:
                return shown, True
            view.expand(parent)
            shown += rows
        for row in range(model.rowCount(parent)):
            child = model.index(row, 0, parent)
            if model.hasChildren(child):
                queue.append(child)
    return shown, False


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
