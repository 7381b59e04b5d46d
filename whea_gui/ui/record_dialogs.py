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

from ..compose.bodies import catalog


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


class ComparePicker(QDialog):
    """Pick what to compare the shown record with: a file, or one of the listed records.

    A list with word-wrapped rows, not a combo box: a combo sizes itself to its longest item
    (a record summary with a long source path), which made the dialog wider than the screen."""

    def __init__(self, items: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare with")
        self.setSizeGripEnabled(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.ElideMiddle)
        self.list.setUniformItemSizes(False)
        self.list.setAlternatingRowColors(True)  # wrapped rows: where one ends, the next starts
        self.list.setSpacing(1)
        self.list.addItems(items)
        for row in range(self.list.count()):
            self.list.item(row).setToolTip(items[row])
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(QLabel("Compare the shown record with:"))
        col.addWidget(self.list, 1)
        col.addWidget(buttons)
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(min(720, int(screen.width() * 0.8)), min(480, int(screen.height() * 0.7)))

    def chosen(self) -> str:
        item = self.list.currentItem()
        return item.text() if item is not None else ""

    @staticmethod
    def choose(parent, items: list[str]) -> tuple[str, bool]:
        dlg = ComparePicker(items, parent)
        ok = bool(dlg.exec())
        return dlg.chosen(), ok and bool(dlg.chosen())
