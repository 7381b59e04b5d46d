"""Edit mode in the window: typed values become the exact bytes, findings follow, undo, fix-up,
save, write into a store, compare, new records from templates."""

import struct
import uuid

from conftest import VECTORS, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from whea_gui.compose import RecordEditor, new_record
from whea_gui.compose.diff import diff_records
from whea_gui.core import guids
from whea_gui.decode.record import decode_record
from whea_gui.ui.edit_delegate import EditableFieldModel, GuidEdit
from whea_gui.ui.field_model import VALUE
from whea_gui.ui.record_dialogs import NewRecordDialog

MEMORY = VECTORS / "libcper-generated/memory/000.cper"
CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"


def _open(qtbot, window, path=MEMORY):
    load(qtbot, window, [path])
    assert window.current_record is not None
    window.editing.set_edit_mode(True)
    return bytes(window.current_record.data)


def _edit_through_delegate(qtbot, window, path, fill):
    """Open the Value cell's editor the way a double-click does, fill it, press Enter."""
    assert window.select_field(path)
    index = window.field_model.index_of_path(path).siblingAtColumn(VALUE)
    assert window.field_model.flags(index) & Qt.ItemIsEditable
    window.tree.edit(index)
    viewport = window.tree.viewport()
    editors = [w for w in viewport.findChildren(QWidget, options=Qt.FindDirectChildrenOnly)
               if w.isVisible() and isinstance(w, (QLineEdit, QComboBox, GuidEdit))]
    assert len(editors) == 1, "one editor should be open"
    editor = editors[0]
    before = window.editing.editor.data if window.editing.editor else None
    fill(editor)
    target = editor.line if isinstance(editor, GuidEdit) else editor
    qtbot.keyClick(target, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.editing.editor is not None and window.editing.editor.data != before,
                    timeout=5000)
    return window.current_record.data


def _findings(rec):
    return sorted((f.level, f.message, f.offset, f.length) for f in rec.findings)


def _shown_findings(window):
    m = window.findings_model
    return sorted((f.level, f.message, f.offset, f.length)
                  for f in (m.finding(r) for r in range(m.rowCount())))


def test_edit_a_number_as_hex(qtbot, window):
    original = _open(qtbot, window)
    data = _edit_through_delegate(qtbot, window, "header.record_id",
                                  lambda e: e.setText("0x1122334455667788"))
    assert data[96:104] == struct.pack("<Q", 0x1122334455667788)
    assert data[:96] == original[:96] and data[104:] == original[104:]
    assert window.current_node().path == "header.record_id"  # the selection stays on the field
    assert window.hex.data() == data


def test_edit_an_enum_from_the_drop_down(qtbot, window):
    original = _open(qtbot, window)
    assert struct.unpack_from("<I", original, 12)[0] != 1

    def pick_fatal(box):
        assert isinstance(box, QComboBox)
        box.setCurrentIndex(box.findData(1))
        assert box.currentText() == "Fatal (1)"
    data = _edit_through_delegate(qtbot, window, "header.severity", pick_fatal)
    assert struct.unpack_from("<I", data, 12)[0] == 1
    assert data[:12] == original[:12] and data[16:] == original[16:]
    assert window.field_model.index_of_path("header.severity").siblingAtColumn(VALUE).data() \
        == "Fatal (1)"


def test_edit_a_guid_shows_the_registry_name(qtbot, window):
    original = _open(qtbot, window)
    cmc = "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"

    def type_guid(edit):
        assert isinstance(edit, GuidEdit)
        edit.line.setText(cmc)
        assert edit.name.text() == guids.name_of(cmc) and edit.name.text()
    data = _edit_through_delegate(qtbot, window, "header.platform_id", type_guid)
    assert data[32:48] == uuid.UUID(cmc).bytes_le
    assert data[:32] == original[:32] and data[48:] == original[48:]


def test_toggle_a_flag_bit(qtbot, window):
    original = _open(qtbot, window)
    model = window.field_model
    assert window.select_field("header.flags.simulated")
    index = model.index_of_path("header.flags.simulated").siblingAtColumn(VALUE)
    assert model.flags(index) & Qt.ItemIsUserCheckable
    was_set = bool(struct.unpack_from("<I", original, 104)[0] & 4)
    assert model.data(index, Qt.CheckStateRole) == (Qt.Checked if was_set else Qt.Unchecked)
    assert model.setData(index, Qt.Unchecked if was_set else Qt.Checked, Qt.CheckStateRole)
    data = window.current_record.data
    word = struct.unpack_from("<I", data, 104)[0]
    assert word == struct.unpack_from("<I", original, 104)[0] ^ (1 << 2)  # bit 2 only
    assert data[:104] == original[:104] and data[108:] == original[108:]
    again = window.field_model.index_of_path("header.flags.simulated").siblingAtColumn(VALUE)
    assert window.field_model.data(again, Qt.CheckStateRole) == \
        (Qt.Unchecked if was_set else Qt.Checked)


def test_findings_follow_the_edit_and_undo_restores(qtbot, window):
    original = _open(qtbot, window)
    assert not window.current_record.has_errors()
    data = _edit_through_delegate(qtbot, window, "header.section_count", lambda e: e.setText("7"))
    assert struct.unpack_from("<H", data, 10)[0] == 7
    rec = window.current_record
    assert rec.has_errors()
    assert _shown_findings(window) == _findings(decode_record(data)) != []
    assert "error" in window.findings_dock.windowTitle()
    ctl = window.editing
    assert ctl.act_undo.isEnabled()
    ctl.act_undo.trigger()
    assert window.current_record.data == original
    assert _shown_findings(window) == _findings(decode_record(original))
    ctl.act_redo.trigger()
    assert window.current_record.data == data


def test_edit_mode_off_means_read_only(qtbot, window):
    _open(qtbot, window)
    window.editing.set_edit_mode(False)
    index = window.field_model.index_of_path("header.record_id").siblingAtColumn(VALUE)
    assert not window.field_model.flags(index) & Qt.ItemIsEditable
    assert not window.field_model.setData(index, "5")


def test_a_value_that_does_not_fit_changes_nothing(qtbot, window):
    original = _open(qtbot, window)
    assert not window.editing.set_field("header.section_count", 70000)
    assert window.current_record.data == original
    assert "does not fit" in window.status_message.toolTip()


def test_fix_up_repairs_a_broken_length(qtbot, window):
    original = _open(qtbot, window)
    ctl = window.editing
    assert ctl.set_field("header.length", len(original) + 40)
    assert window.current_record.has_errors()  # edits do not repair anything
    assert struct.unpack_from("<I", window.current_record.data, 20)[0] == len(original) + 40
    ctl.act_fix_up.trigger()
    fixed = window.current_record.data
    assert struct.unpack_from("<I", fixed, 20)[0] == len(fixed) == len(original)
    assert not window.current_record.has_errors()
    assert fixed == original


def test_save_writes_identical_bytes(qtbot, window, tmp_path):
    original = _open(qtbot, window, CMC)
    out = tmp_path / "same.cper"
    window.editing.save_record(out)
    assert out.read_bytes() == original == CMC.read_bytes()
    window.editing.set_field("header.record_id", 5)
    window.editing.save_record(out)
    assert out.read_bytes() == window.current_record.data != original


def test_write_into_store_reports_the_status(qtbot, window, tmp_path):
    from whea_gui.store import Store

    _open(qtbot, window, CMC)
    window.editing.set_field("header.record_id", 0x1234)
    result = window.editing.write_into_store(tmp_path / "s.sqlite")
    assert result.ok and "STATUS_SUCCESS" in window.status_message.toolTip()
    with Store(tmp_path / "s.sqlite") as store:
        stored = store.read_error_record(0x1234).record
    mine = window.current_record.data
    # the store stamps PersistenceInfo (bytes 108-115) as Windows does; the rest is as edited
    assert stored[:108] == mine[:108] and stored[116:] == mine[116:]


def test_edits_are_kept_per_record(qtbot, window, tmp_path):
    load(qtbot, window, [MEMORY, CMC])
    window.editing.set_edit_mode(True)
    window.select_record(0)
    first = bytes(window.current_record.data)
    window.editing.set_field("header.record_id", 99)
    edited = window.current_record.data
    window.select_record(1)
    assert window.current_record.data == CMC.read_bytes()
    assert not window.editing.act_undo.isEnabled()
    window.select_record(0)
    assert window.current_record.data == edited != first
    assert window.editing.undo() and window.current_record.data == first


def test_compare_highlights_exactly_the_changed_paths(qtbot, window):
    a = new_record("memory", seed=3)
    ed = RecordEditor(a)
    ed.set_field("header.severity", "Fatal")
    ed.set_field("header.record_id", 77)
    ed.set_field("section_0.physical_address", 0x1000)
    load(qtbot, window, [])
    window.load_bytes(a, "a")
    qtbot.waitUntil(lambda: window.current_record is not None and not window.loading)
    dlg = window.editing.compare_with_bytes(ed.data, "b")
    qtbot.addWidget(dlg)
    expected = {"header.severity", "header.record_id", "section_0.physical_address"}
    assert {c.path for c in diff_records(a, ed.data).fields} == expected
    assert dlg.highlighted_paths("a") == expected
    assert dlg.highlighted_paths("b") == expected
    assert dlg.changes.count() == 3
    assert "12–12" in dlg.runs_label.text()  # the severity byte, listed as a changed run


def test_compare_with_a_file_and_a_longer_record(qtbot, window, tmp_path):
    _open(qtbot, window, MEMORY)
    other = RecordEditor(MEMORY.read_bytes())
    other.add_section("pcie")
    path = tmp_path / "b.cper"
    path.write_bytes(other.data)
    dlg = window.editing.compare_with_file(path)
    qtbot.addWidget(dlg)
    only_b = dlg.highlighted_paths("b") - dlg.highlighted_paths("a")
    assert {"descriptor_1", "section_1"} <= only_b
    assert dlg.diff.length_b > dlg.diff.length_a


def test_new_record_from_template(qtbot, window):
    dlg = NewRecordDialog(window)
    qtbot.addWidget(dlg)
    dlg.set_kinds(["memory", "pcie", "xpf-mca"])
    kinds = dlg.kinds()
    assert kinds == [k for k in ("pcie", "memory", "xpf-mca") if k in kinds] or set(kinds) == {
        "memory", "pcie", "xpf-mca"}
    with qtbot.waitSignal(window.loadFinished, timeout=30_000):
        window.editing.open_new(kinds)
    qtbot.waitUntil(lambda: window.current_record is not None and not window.loading)
    rec = window.current_record
    assert not rec.has_errors(), _findings(rec)
    assert len(rec.sections) == 3 and window.editing.edit_mode
    ctl = window.editing
    types = [s.values["type_name"] for s in rec.sections]
    assert ctl.move_section(2, 0)
    assert [s.values["type_name"] for s in window.current_record.sections] == [types[2]] + types[:2]
    assert ctl.remove_section(1) and ctl.add_section("processor-generic")
    rec = window.current_record
    assert len(rec.sections) == 3 and not rec.has_errors(), _findings(rec)


def test_models_pass_qtmodeltester(qtbot, qtmodeltester, window):
    _open(qtbot, window)
    model = EditableFieldModel(window.current_record)
    model.set_editable(True)
    model.edit_handler = lambda path, value: False
    qtmodeltester.check(model)
    dlg = window.editing.compare_with_bytes(new_record("pcie"), "pcie")
    qtbot.addWidget(dlg)
    qtmodeltester.check(dlg.model_a)
    qtmodeltester.check(dlg.model_b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.integers(-2**20, 2**20), st.text(max_size=12)))
def test_typed_values_change_only_their_field_or_nothing(qtbot, window, value):
    if window.current_record is None:
        _open(qtbot, window)
    before = bytes(window.current_record.data)
    ok = window.editing.set_field("header.section_count", value)
    after = window.current_record.data
    if ok:
        assert after[:10] == before[:10] and after[12:] == before[12:]
        assert window.current_record.root.find("header.section_count").value == \
            struct.unpack_from("<H", after, 10)[0]
    else:
        assert after == before


def test_the_edited_mark_does_not_cut_the_time(qtbot, window):
    _open(qtbot, window, CMC)
    panel = window.records_panel
    font = panel.view.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)  # a user's larger desktop font
    panel.view.setFont(font)
    _edit_through_delegate(qtbot, window, "header.record_id", lambda e: e.setText("0x42"))
    text = panel.model.data(panel.model.index(0, 0))
    assert text.startswith("* ")
    needed = panel.view.fontMetrics().horizontalAdvance(text) + 8  # the cell's margins
    assert panel.view.columnWidth(0) >= needed
