"""The field tree expands lazily, and "Expand all below" is bounded on a huge record."""

import struct

from conftest import VECTORS, load
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QTreeView

from whea_gui.compose.layout import DESCRIPTOR_SIZE, HEADER_SIZE, make_descriptor, make_header
from whea_gui.decode import decode_record
from whea_gui.ui.field_model import FieldTreeModel, expand_below

PCIE_GUID = "d995e954-bbc1-430f-ad91-b44dcb3c6f35"
PCIE_BODY = (VECTORS / "libcper-examples" / "pcie.cper").read_bytes()[200:408]


def shared_body_record(count: int) -> bytes:
    hdr = bytearray(make_header())
    start = HEADER_SIZE + DESCRIPTOR_SIZE * count
    struct.pack_into("<IH", hdr, 6, 0xFFFFFFFF, count)
    struct.pack_into("<I", hdr, 20, start + len(PCIE_BODY))
    return bytes(hdr) + make_descriptor(PCIE_GUID, offset=start, length=len(PCIE_BODY)) * count \
        + PCIE_BODY


def _view(record):
    model = FieldTreeModel(record)
    view = QTreeView()
    view.setModel(model)
    return model, view


def _visible_rows(view, parent=QModelIndex()) -> int:
    model = view.model()
    n = 0
    for row in range(model.rowCount(parent)):
        idx = model.index(row, 0, parent)
        n += 1
        if view.isExpanded(idx):
            n += _visible_rows(view, idx)
    return n


def test_expand_all_on_4000_sections_is_bounded(qtbot):
    rec = decode_record(shared_body_record(4000))
    model, view = _view(rec)
    qtbot.addWidget(view)
    assert len(model._fetched) == 0  # nothing below the top level is built before expanding
    shown, cut = expand_below(view, QModelIndex(), limit=3000)
    assert cut and shown <= 3000
    assert len(model._fetched) <= 3000  # children were built only for the rows expanded
    assert _visible_rows(view) <= 3000 + model.rowCount()
    # breadth first: the header and the first descriptors are open, the last one is not
    assert view.isExpanded(model.index_of_path("header"))
    assert not view.isExpanded(model.index_of_path("descriptor_3999"))


def test_expand_all_on_a_small_record_opens_everything(qtbot):
    rec = decode_record((VECTORS / "DecodeWheaRecord" / "cper_cmc_amd_xpfmca_v2r1.bin").read_bytes())
    model, view = _view(rec)
    qtbot.addWidget(view)
    shown, cut = expand_below(view, QModelIndex())
    assert not cut
    every = [n for n in rec.root.walk() if n is not rec.root]
    assert shown + model.rowCount() == len(every) == _visible_rows(view)  # top rows were shown


def test_window_expand_all_below_says_when_it_stopped(qtbot, window, tmp_path, monkeypatch):
    from whea_gui.ui import inspector as window_module
    monkeypatch.setattr(window_module, "expand_below",
                        lambda view, index: expand_below(view, index, limit=200))
    path = tmp_path / "shared.cper"
    path.write_bytes(shared_body_record(500))
    load(qtbot, window, [path])
    window.tree.setCurrentIndex(QModelIndex())
    window.expand_all_below()
    assert "Expanded" in window.statusBar().currentMessage()
