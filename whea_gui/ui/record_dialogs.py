"""Dialogs for building records: File → New record… (section kinds from the generator's
catalogue) and Edit → sections (add, remove, move) through the RecordEditor."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from ..build.bodies import catalog


def kind_titles() -> list[tuple[str, str]]:
    return [(k.key, f"{k.key} — {k.title}") for k in catalog.KINDS]


class NewRecordDialog(QDialog):
    """Tick the section kinds the new record should have (in list order)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New record")
        self.list = QListWidget()
        for key, title in kind_titles():
            item = QListWidgetItem(title)
            item.setData(Qt.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if key == "memory" else Qt.Unchecked)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Sections of the new record (a valid record with default values "
                             "is built; edit it afterwards):"))
        lay.addWidget(self.list, 1)
        lay.addWidget(buttons)
        self.resize(460, 560)

    def kinds(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.Checked]

    def set_kinds(self, kinds: list[str]) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in kinds else Qt.Unchecked)


class SectionsDialog(QDialog):
    """The shown record's sections; add one of a kind, remove, or move up / down."""

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Sections")
        self.list = QListWidget()
        self.kind = QComboBox()
        for key, title in kind_titles():
            self.kind.addItem(title, key)
        add = QPushButton("Add")
        remove = QPushButton("Remove")
        up = QPushButton("Move up")
        down = QPushButton("Move down")
        add.clicked.connect(lambda: self._do(controller.add_section(self.kind.currentData())))
        remove.clicked.connect(lambda: self._do(controller.remove_section(self.list.currentRow())))
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        row = QHBoxLayout()
        for w in (self.kind, add, remove, up, down):
            row.addWidget(w)
        close = QDialogButtonBox(QDialogButtonBox.Close)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        lay.addWidget(close)
        self._fill()

    def _fill(self) -> None:
        self.list.clear()
        rec = self.controller.editor.record if self.controller.editor else None
        for s in rec.sections if rec is not None else []:
            self.list.addItem(f"{s.index}: {s.values.get('type_name') or s.summary or 'section'}")

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        if self.controller.move_section(row, row + step):
            self._fill()
            self.list.setCurrentRow(row + step)

    def _do(self, ok: bool) -> None:
        if ok:
            self._fill()
