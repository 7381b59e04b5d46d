"""Every model passes Qt's model tester; the field tree shows bits, enums, GUIDs and raw bytes."""

import pytest
from conftest import VECTORS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, Qt

from whea_gui.decode import decode_record
from whea_gui.session.recordquery import RecordFilter
from whea_gui.session.recordset import RecordSet, make_batch
from whea_gui.sources import iter_path
from whea_gui.ui.field_model import FIELD, OFFSET, RAW, SIZE, VALUE, FieldTreeModel
from whea_gui.ui.findings import FindingsModel
from whea_gui.ui.record_model import SUMMARY, RecordTableModel

CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"
TREE_INPUTS = [
    CMC,
    VECTORS / "DecodeWheaRecord/whlg_wheainit_1.bin",
    VECTORS / "libcper-generated/multi/002.cper",
    VECTORS / "malformed/m06-truncated-in-section.cper",
    VECTORS / "malformed/m01-empty.cper",
    VECTORS / "malformed/m17-section-count-65535.cper",
    VECTORS / "malformed/m28-random-bytes-400.cper",
]


def _record(path, n=0):
    return decode_record(path.read_bytes()) if n == 0 else \
        decode_record(list(iter_path(path))[n].data)


def _expand_all(model, parent=QModelIndex()):
    if model.canFetchMore(parent):
        model.fetchMore(parent)
    for row in range(model.rowCount(parent)):
        _expand_all(model, model.index(row, 0, parent))


@pytest.mark.parametrize("path", TREE_INPUTS, ids=lambda p: p.name)
def test_field_tree_model_passes_the_model_tester(qtmodeltester, path):
    model = FieldTreeModel(_record(path))
    qtmodeltester.check(model)
    model.set_hex_numbers(True)
    qtmodeltester.check(model)


def test_findings_model_passes_the_model_tester(qtmodeltester):
    model = FindingsModel()
    model.set_record(_record(VECTORS / "malformed/m06-truncated-in-section.cper"))
    assert model.rowCount() >= 2
    qtmodeltester.check(model)
    model.set_record(None)
    qtmodeltester.check(model)


def test_findings_are_listed_worst_first_with_their_ranges():
    rec = _record(VECTORS / "malformed/m25-multi-overlapping-sections.cper")
    model = FindingsModel()
    model.set_record(rec)
    levels = [model.finding(r).level for r in range(model.rowCount())]
    rank = {"error": 0, "warning": 1, "note": 2}
    assert levels == sorted(levels, key=rank.get)
    assert sorted((f.offset, f.message) for f in rec.findings) == \
        sorted((model.finding(r).offset, model.finding(r).message) for r in range(model.rowCount()))
    first = model.finding(0)
    assert model.index(0, 1).data() == str(first.offset)
    assert model.index(0, 0).data(Qt.DecorationRole) is not None


def test_record_table_model_passes_the_model_tester(qtmodeltester, qtbot):
    refs = [r for p in sorted(VECTORS.glob("DecodeWheaRecord/*.bin")) for r in iter_path(p)]
    rs = RecordSet()
    model = RecordTableModel(rs)
    qtmodeltester.check(model)
    new = rs.extend(make_batch(refs))
    model.rows_appended(new)
    assert model.rowCount() == len(refs)
    qtmodeltester.check(model)
    model.sort(0, Qt.DescendingOrder)
    qtmodeltester.check(model)
    model.set_filter(RecordFilter(text="whlg"))
    assert model.rowCount() == sum("whlg_" in r.source["path"] for r in refs)
    qtmodeltester.check(model)
    # lazy summaries: first the quick one, then the decoder's sentence
    model.set_filter(RecordFilter())
    idx = model.index(0, SUMMARY)
    record = model.record_index(0)
    full = decode_record(rs.data(record), source=rs.source(record)).summary
    idx.data()
    qtbot.waitUntil(lambda: model.summary(record) is not None, timeout=5000)
    assert model.index(0, SUMMARY).data() == full


def _node_rows(model):
    """(index, node) for every row, depth first, fetching lazily built children."""
    out = []

    def walk(parent):
        if model.canFetchMore(parent):
            model.fetchMore(parent)
        for r in range(model.rowCount(parent)):
            idx = model.index(r, 0, parent)
            out.append((idx, model.node(idx)))
            walk(idx)
    walk(QModelIndex())
    return out


def test_every_node_is_reachable_and_index_of_round_trips():
    rec = _record(VECTORS / "libcper-generated/multi/002.cper")
    model = FieldTreeModel(rec)
    rows = _node_rows(model)
    nodes = [n for _i, n in rows]
    assert len(nodes) == sum(1 for _ in rec.root.walk()) - 1  # all but the root
    for idx, node in rows:
        assert model.index_of(node) == idx
        assert model.index_of_path(node.path).internalPointer() is node


def test_flag_bits_are_one_row_per_bit_with_number_state_and_meaning():
    rec = _record(CMC)
    model = FieldTreeModel(rec)
    flags = model.index_of_path("header.valid_bits")
    node = model.node(flags)
    assert model.hasChildren(flags)
    assert model.rowCount(flags) == 0 and model.canFetchMore(flags)  # built only when asked
    model.fetchMore(flags)
    bits = [model.node(model.index(r, 0, flags)) for r in range(model.rowCount(flags))]
    assert [b.name for b in bits] == [c.name for c in node.children]
    ts = model.index_of_path("header.valid_bits.timestamp_valid")
    assert ts.siblingAtColumn(FIELD).data() == "[1] TimeStamp valid"
    assert ts.siblingAtColumn(VALUE).data() == "set"  # the vector's ValidationBits is 0x2
    assert ts.siblingAtColumn(RAW).data() == "1b"
    assert ts.siblingAtColumn(SIZE).data() == "bit 1"
    plat = model.index_of_path("header.valid_bits.platform_id_valid")
    assert plat.siblingAtColumn(VALUE).data() == "clear"
    assert plat.siblingAtColumn(FIELD).data().startswith("[0] ")
    # a multi-byte bit range names its span within the whole word
    pers = model.index_of_path("header.persistence_info.signature")
    assert pers.siblingAtColumn(SIZE).data() == "bits 0–15"


def test_enums_guids_raw_bytes_offsets_and_the_hex_toggle():
    rec = _record(CMC)
    model = FieldTreeModel(rec)
    sev = model.index_of_path("header.severity")
    assert sev.siblingAtColumn(VALUE).data() == "Corrected (2)"
    notify = model.index_of_path("header.notify_type")
    assert notify.siblingAtColumn(VALUE).data().startswith("CMC (Corrected Machine Check) {2dce8bb1")
    assert notify.siblingAtColumn(RAW).data() == rec.data[80:96].hex(" ").upper()
    length = model.index_of_path("header.length")
    assert length.siblingAtColumn(VALUE).data() == "928"
    assert length.siblingAtColumn(OFFSET).data() == "20"
    model.set_hex_numbers(True)
    assert length.siblingAtColumn(VALUE).data() == "0x000003A0"
    assert length.siblingAtColumn(OFFSET).data() == "0x0014"
    assert sev.siblingAtColumn(VALUE).data() == "Corrected (2)"  # enums keep their names
    model.set_hex_numbers(False)
    assert length.siblingAtColumn(VALUE).data() == "928"
    body = model.index_of_path("section_0")
    assert body.siblingAtColumn(RAW).data().endswith("…")  # long fields show a preview


def test_error_nodes_are_coloured_and_bold_set_bits():
    rec = _record(VECTORS / "malformed/m06-truncated-in-section.cper")
    model = FieldTreeModel(rec)
    length = model.index_of_path("header.length")  # "RecordLength is 392 but only 292 bytes"
    assert length.data(Qt.ForegroundRole).color().name() == "#b3261e"
    ts = model.index_of_path("header.valid_bits.timestamp_valid")
    assert ts.data(Qt.FontRole).bold()


_cper_prefix = st.sampled_from([b"", b"CPER", CMC.read_bytes()[:200], CMC.read_bytes()])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=_cper_prefix, junk=st.binary(max_size=400), cut=st.integers(0, 1200))
def test_any_bytes_give_a_consistent_tree(qtmodeltester, prefix, junk, cut):
    data = (prefix + junk)[:cut] if cut < len(prefix + junk) else prefix + junk
    rec = decode_record(data)
    model = FieldTreeModel(rec)
    for idx, node in _node_rows(model):
        assert model.index_of(node) == idx
        assert model.parent(idx) == model.index_of(node.parent) or node.parent is rec.root
    for off in range(0, len(data), 37):
        hit = rec.root.deepest_at(off)
        if hit is not None:
            assert model.index_of(hit).isValid()


def test_header_titles_are_for_the_horizontal_header_only(qtbot):
    """headerData(0, Vertical) used to answer the first column's title ("Time", "Field")."""
    rec = _record(VECTORS / "malformed/m06-truncated-in-section.cper")
    tree = FieldTreeModel(rec)
    findings = FindingsModel()
    findings.set_record(rec)
    refs = list(iter_path(VECTORS / "DecodeWheaRecord/cper_memory_2sec_padded.bin"))
    rs = RecordSet()
    table = RecordTableModel(rs)
    table.rows_appended(rs.extend(make_batch(refs)))
    for model in (tree, findings, table):
        assert model.headerData(0, Qt.Horizontal) not in (None, "")
    assert tree.headerData(0, Qt.Vertical) is None
    assert findings.headerData(0, Qt.Vertical) is None
    assert table.headerData(0, Qt.Vertical) == "1"  # row numbers, not a column title
