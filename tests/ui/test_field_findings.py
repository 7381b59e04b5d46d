"""The field tree colours and explains a node by the findings attached to it, not by which
findings start inside its bytes (a byte holding eight flag bits is judged as a whole)."""

from conftest import VECTORS
from PySide6.QtCore import Qt

from whea_gui.decode import decode_record
from whea_gui.ui.field_model import FieldTreeModel

CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"


def test_a_finding_on_a_byte_of_flags_marks_the_byte_not_its_bits(qtbot):
    data = bytearray(CMC.read_bytes())
    data[128 + 10] |= 0xF0  # descriptor 0: reserved validation bits → a warning on the byte
    rec = decode_record(bytes(data))
    finding = next(f for f in rec.findings if f.code == "reserved" and f.offset == 138)
    model = FieldTreeModel(rec)
    field = rec.root.find("descriptor_0.valid_bits")
    bits = field.children
    assert bits and all(b.kind == "bit" for b in bits)
    tip = model.data(model.index_of(field), Qt.ToolTipRole)
    assert finding.message in tip
    for b in bits:
        assert finding.message not in model.data(model.index_of(b), Qt.ToolTipRole)
        assert model.data(model.index_of(b, 1), Qt.ForegroundRole) != \
            model.data(model.index_of(field, 1), Qt.ForegroundRole)
    assert model.data(model.index_of(field, 1), Qt.ForegroundRole) is not None  # orange
    descriptor = rec.root.find("descriptor_0")
    assert model.data(model.index_of(descriptor, 1), Qt.ForegroundRole) is not None
