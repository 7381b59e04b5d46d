"""The container's own structure: a QEMU ERST backing file or an edk2 variable store shown as
located fields (header, RecordID map or variable headers, slots, padding, free space) beside
the hex view of the whole file, with the container's findings (bad magic, a map entry without
a record, a record overflowing its slot, a DataSize running past the store).

``install(window)`` adds View → "Container structure…" to the main window; it is enabled while
the shown record (or any loaded one) came from such a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
)

from ..core.model import DecodedRecord, FieldNode
from ..formats import edk2_varstore, erst_container
from .field_model import FieldTreeModel, select_row
from .findings import FINDING_ROLE, FindingsModel
from .hexview import HexView
from .palette import HEADER_TINT, section_colour

CONTAINER_KINDS = ("erst", "uefi-varstore")
MAX_CONTAINER_BYTES = 256 << 20  # a flash image is a few MB; refuse to load anything absurd
LIVE_TINT, CLEARED_TINT, BAD_TINT, FREE_TINT = (QColor("#dff5d8"), QColor("#ffe9cc"),
                                                QColor("#ffd6d6"), QColor("#f6f6f6"))
MAX_REGIONS = 8192


def container_record(path: str) -> DecodedRecord:
    """The container at ``path`` as a located tree (raises OSError/ValueError when it cannot
    be read or is not a container)."""
    size = os.path.getsize(path)
    if size > MAX_CONTAINER_BYTES:
        raise ValueError(f"{path}: {size} bytes is larger than a container ({MAX_CONTAINER_BYTES})")
    with open(path, "rb") as fh:
        data = fh.read()
    source = {"path": path, "offset": 0}
    head = data[:4096]
    if erst_container.sniff(head):
        return erst_container.container_record(data, source | {"kind": "erst"})
    if edk2_varstore.sniff(head) or edk2_varstore.find_nv_volume(data) is not None:
        return edk2_varstore.container_record(data, source | {"kind": "uefi-varstore"})
    raise ValueError(f"{path}: neither an ERST backing file nor an edk2 variable store")


def regions(rec: DecodedRecord) -> list[tuple[int, int, QColor]]:
    """Hex-view tints: headers grey, records/variables by state, free space pale."""
    out: list[tuple[int, int, QColor]] = []
    for name in ("header", "fv_header", "store_header", "map"):
        node = rec.root.find(name)
        if node is not None:
            out.append((node.offset, node.length, HEADER_TINT))
    for group in ("slots", "variables"):
        node = rec.root.find(group)
        if node is None:
            continue
        for k, child in enumerate(node.children[:MAX_REGIONS]):
            text = child.display
            tint = (BAD_TINT if not child.valid else CLEARED_TINT
                    if text.startswith(("cleared", "deleted")) else
                    LIVE_TINT if group == "slots" else section_colour(k))
            out.append((child.offset, child.length, tint))
    node = rec.root.find("free")
    if node is not None:
        out.append((node.offset, node.length, FREE_TINT))
    return out


class ContainerView(QDialog):
    """A container's structure tree beside its hex view, findings below."""

    def __init__(self, rec: DecodedRecord, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ContainerView")
        self.rec = rec
        path = str(rec.source.get("path", ""))
        self.setWindowTitle(f"Container structure — {Path(path).name}")
        self.summary = QLabel(f"<b>{_esc(rec.summary)}</b><br>{_esc(path)}")
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setWordWrap(True)
        self.model = FieldTreeModel(rec, self)
        self.tree = QTreeView()
        self.tree.setObjectName("ContainerTree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectRows)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in enumerate((190, 340, 110, 80, 70)):
            self.tree.setColumnWidth(col, width)
        self.hex = HexView()
        self.hex.setObjectName("ContainerHex")
        self.hex.set_data(rec.data)
        self.hex.set_regions(regions(rec))
        self.hex.set_findings((f.offset, f.length, f.level) for f in rec.findings)
        self.findings_model = FindingsModel(self)
        self.findings_model.set_record(rec)
        self.findings = QTableView()
        self.findings.setModel(self.findings_model)
        self.findings.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.findings.verticalHeader().hide()
        self.findings.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((90, 70, 70)):
            self.findings.setColumnWidth(col, width)

        panes = QSplitter(Qt.Horizontal)
        panes.addWidget(self.tree)
        panes.addWidget(self.hex)
        panes.setStretchFactor(0, 1)
        panes.setStretchFactor(1, 0)
        body = QSplitter(Qt.Vertical)
        body.addWidget(panes)
        body.addWidget(self.findings)
        body.setStretchFactor(0, 4)
        body.setStretchFactor(1, 1)
        self.status = QLabel()  # this window's own place: the main window's bar is not ours
        self.status.setObjectName("ContainerStatus")
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(body, 1)
        lay.addWidget(self.status)
        self.panes = panes
        self._show_place(None, 0, 0)

        self.tree.selectionModel().currentChanged.connect(self._tree_changed)
        self.hex.byteClicked.connect(self._hex_clicked)
        self.findings.clicked.connect(self._finding_clicked)
        for name in ("slots", "variables"):
            node = rec.root.find(name)
            if node is not None:
                self.tree.expand(self.model.index_of(node))
        self.resize(1400, 860)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        hex_width = self.hex.sizeHint().width()
        self.panes.setSizes([max(self.panes.width() - hex_width, 300), hex_width])

    def _tree_changed(self, current: QModelIndex, _previous) -> None:
        node = self.model.node(current)
        if node is not None:
            self.hex.set_selection(node.offset, node.length, scroll=True)
            self._show_place(node, node.offset, node.length)

    def _show_place(self, node: FieldNode | None, offset: int, length: int) -> None:
        size = len(self.rec.data)
        what = f" · {node.label}" if node is not None else ""
        self.status.setText(f"Offset 0x{offset:X} ({offset}) · {length} bytes{what} · "
                            f"file 0x{size:X} ({size} bytes)")

    def select_node(self, node: FieldNode) -> None:
        idx = self.model.index_of(node)
        if not idx.isValid():
            return
        select_row(self.tree, idx)
        self.tree.scrollTo(idx)

    def _hex_clicked(self, offset: int) -> None:
        node = self.rec.root.deepest_at(offset)
        if node is not None:
            self.select_node(node)

    def _finding_clicked(self, index: QModelIndex) -> None:
        f = index.data(FINDING_ROLE) if index.isValid() else None
        if f is not None:
            self.hex.set_selection(f.offset, f.length, scroll=True)
            self._show_place(self.rec.root.deepest_at(f.offset), f.offset, f.length)


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the main window's menu entry ----------------------------------------------------------------
def container_paths(window, limit: int = 100_000) -> list[str]:
    """Container files the window's records came from: the shown record's first."""
    records = window.records_panel.records
    paths: list[str] = []
    current = getattr(window, "_record_index", -1)
    order = ([current] if 0 <= current < len(records) else []) + list(range(min(len(records), limit)))
    for i in order:
        src = records.source(i)
        if src.get("kind") in CONTAINER_KINDS and src.get("path") not in paths:
            paths.append(str(src["path"]))
    return paths


def install(window) -> QAction:
    """Add View → "Container structure…" to ``window``; enabled when records came from a
    container file, it opens the shown record's container (else the first one loaded)."""
    action = QAction("&Container structure…", window)
    action.setObjectName("ContainerStructureAction")
    action.setEnabled(False)
    view_menu = next((a.menu() for a in window.menuBar().actions()
                      if a.text().replace("&", "") == "View" and isinstance(a.menu(), QMenu)), None)
    if view_menu is not None:
        view_menu.addSeparator()
        view_menu.addAction(action)

    loaded: list[bool] = [False]  # any loaded record came from a container (set per load)

    def loaded_changed() -> None:
        loaded[0] = bool(container_paths(window, limit=10_000))
        action.setEnabled(loaded[0])

    def shown_changed(index: int) -> None:
        records = window.records_panel.records
        here = 0 <= index < len(records) and records.source(index).get("kind") in CONTAINER_KINDS
        action.setEnabled(loaded[0] or bool(here))

    def show() -> None:
        paths = container_paths(window)
        if not paths:
            return
        try:
            rec = container_record(paths[0])
        except (OSError, ValueError) as exc:
            window.message(f"Container structure: {exc}")
            return
        dialog = ContainerView(rec, window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        window.container_view = dialog

    action.triggered.connect(show)
    window.loadFinished.connect(loaded_changed)
    window.recordShown.connect(shown_changed)
    window.act_container_structure = action
    return action
