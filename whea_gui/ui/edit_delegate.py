"""Edit mode of the field tree: an editable FieldTreeModel and the Value column's delegate.

The model only decides what may be edited and hands each new value to ``edit_handler(path,
value) -> bool`` (the window's EditController, which calls ``RecordEditor.set_field``); the
bytes, the re-decode and the fresh tree all come from there.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QRegularExpression, Qt, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QWidget,
)

from ..core import guids
from ..core.model import FieldNode
from .field_model import VALUE, FieldTreeModel

EDITABLE_KINDS = {"int", "hex", "enum", "flags", "guid", "timestamp", "sig", "ascii", "text",
                  "bytes", "bit", "float"}
EDIT_ROLE = Qt.EditRole
CHECK_ROLE = Qt.CheckStateRole
NUMBER_RE = QRegularExpression(r"\s*(-?\d[\d_]*|0[xX][0-9a-fA-F_]+)\s*")


def is_editable(node: FieldNode | None) -> bool:
    """A located leaf value (or a flag word / bit) a person can type over."""
    if node is None or node.parent is None or node.length <= 0:
        return False
    if isinstance(node.value, (dict, list)):
        return False
    return node.kind in EDITABLE_KINDS or (node.value is not None and not node.has_children())


def is_toggle(node: FieldNode) -> bool:
    return node.kind == "bit" and (node.bit_width or 1) == 1


def edit_text(node: FieldNode) -> str:
    """The text an editor starts with: something ``set_field`` reads back unchanged."""
    v = node.value
    if node.kind == "timestamp" and isinstance(v, str):
        return v
    if node.kind == "guid" and isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return f"0x{v:X}" if node.kind in ("hex", "flags") else str(v)
    if isinstance(v, (bytes, bytearray)):
        if node.kind in ("ascii", "text", "sig"):
            return bytes(v).rstrip(b"\0").decode("latin-1")
        return bytes(v).hex()
    return "" if v is None else str(v)


class EditableFieldModel(FieldTreeModel):
    """FieldTreeModel whose Value cells become editable while ``editable`` is on."""

    def __init__(self, record=None, parent=None) -> None:
        super().__init__(record, parent)
        self.editable = False
        self.edit_handler = None  # callable(path, value) -> bool

    def set_editable(self, on: bool) -> None:
        if on != self.editable:
            self.editable = on
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()

    def flags(self, index):
        base = super().flags(index)
        if not (self.editable and index.isValid() and index.column() == VALUE):
            return base
        node = self.node(index)
        if not is_editable(node):
            return base
        if is_toggle(node):
            return base | Qt.ItemIsUserCheckable
        return base | Qt.ItemIsEditable

    def data(self, index, role=Qt.DisplayRole):
        if role == CHECK_ROLE:
            if not (self.editable and index.isValid() and index.column() == VALUE):
                return None
            node = self.node(index)
            if node is None or not is_toggle(node):
                return None
            return Qt.Checked if node.value else Qt.Unchecked
        if role == EDIT_ROLE and index.isValid() and index.column() == VALUE:
            node = self.node(index)
            return edit_text(node) if node is not None else None
        return super().data(index, role)

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if not (self.editable and index.isValid() and index.column() == VALUE):
            return False
        node = self.node(index)
        if not is_editable(node) or self.edit_handler is None:
            return False
        if role == CHECK_ROLE:
            if not is_toggle(node):
                return False
            value = 1 if _checked(value) else 0
        elif role != EDIT_ROLE:
            return False
        return self.edit_path(node.path, value)

    def edit_path(self, path: str, value) -> bool:
        if not self.editable or self.edit_handler is None:
            return False
        return bool(self.edit_handler(path, value))


def _checked(value) -> bool:
    if isinstance(value, Qt.CheckState):
        return value == Qt.Checked
    return int(value) == int(Qt.Checked.value)


class GuidEdit(QWidget):
    """A GUID line edit with the registry's name for what is typed shown beside it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
        self.name = QLabel(self)
        self.name.setObjectName("GuidName")
        lay.addWidget(self.line, 3)
        lay.addWidget(self.name, 2)
        self.setFocusProxy(self.line)
        self.setAutoFillBackground(True)
        self.line.textChanged.connect(self._show_name)

    def _show_name(self, text: str) -> None:
        try:
            name = guids.name_of(text.strip())
        except (ValueError, TypeError):
            name = None
        self.name.setText(name or ("not a GUID" if not _looks_like_guid(text) else "unknown GUID"))

    def text(self) -> str:
        return self.line.text().strip()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt style
        self.line.setText(text)
        self._show_name(text)


def _looks_like_guid(text: str) -> bool:
    return re.fullmatch(r"\{?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?", text.strip()) \
        is not None


class FieldValueDelegate(QStyledItemDelegate):
    """Editors for the Value column: a drop-down for named values, a GUID edit, or a line edit
    (numbers in decimal or 0x hex, ISO timestamps, text). ``choices(path)`` gives the names."""

    def __init__(self, choices, parent=None) -> None:
        super().__init__(parent)
        self._choices = choices  # callable(path) -> dict[int, str]

    def _node(self, index) -> FieldNode | None:
        model = index.model()
        return model.node(index) if hasattr(model, "node") else None

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt's name
        node = self._node(index)
        if node is None:
            return None
        table = self._named_values(node)
        if table:
            box = QComboBox(parent)
            for value, name in sorted(table.items()):
                box.addItem(f"{name} ({value})", value)
            box.setEditable(True)  # a value without a name can still be typed
            return box
        if node.kind == "guid":
            return GuidEdit(parent)
        line = QLineEdit(parent)
        if node.kind in ("int", "hex", "flags") or (node.kind == "bit"):
            line.setValidator(QRegularExpressionValidator(NUMBER_RE, line))
            line.setToolTip("A number: decimal, or hexadecimal with 0x")
        elif node.kind == "timestamp":
            line.setToolTip("ISO date and time, e.g. 2025-01-02T03:04:05")
        return line

    def _named_values(self, node: FieldNode) -> dict[int, str]:
        if node.kind not in ("enum", "bit"):
            return {}
        try:
            return self._choices(node.path)
        except KeyError:
            return {}

    def setEditorData(self, editor, index) -> None:  # noqa: N802
        node = self._node(index)
        if node is None:
            return
        if isinstance(editor, QComboBox):
            pos = editor.findData(node.value)
            if pos >= 0:
                editor.setCurrentIndex(pos)
            else:
                editor.setEditText(edit_text(node))
        else:
            editor.setText(edit_text(node))

    def setModelData(self, editor, model, index) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            pos = editor.currentIndex()
            typed = editor.currentText()
            value = editor.itemData(pos) if pos >= 0 and editor.itemText(pos) == typed else typed
        else:
            value = editor.text()
        # The edit re-decodes the record and resets the model: do it once the editor has closed.
        path = self._node(index).path
        QTimer.singleShot(0, model, lambda: model.edit_path(path, value))

    def updateEditorGeometry(self, editor, option, index) -> None:  # noqa: N802
        editor.setGeometry(option.rect)
