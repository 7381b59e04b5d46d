"""Loading every kind of input: files, folders, concatenations, bad files, paste, drop, store."""

import base64
import sqlite3

import pytest
from conftest import VECTORS, load
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from whea_gui.decode import decode_record
from whea_gui.decode.split import split_records
from whea_gui.session.paste import PasteError, parse_text
from whea_gui.sources import iter_path
from whea_gui.ui.inputs import iter_inputs, plan
from whea_gui.ui.store_adapter import is_store_file
from whea_gui.ui.window import MainWindow

MALFORMED = sorted(VECTORS.glob("malformed/*.cper"))
CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.name)
def test_malformed_inputs_show_findings_not_tracebacks(qtbot, window, path):
    import sys
    hook = sys.excepthook
    load(qtbot, window, [path])
    refs = list(iter_path(path))
    assert window.records_panel.model.rowCount() == len(refs)
    for row in range(len(refs)):
        window.select_record(row)
        rec = window.current_record
        want = decode_record(refs[row].data, source=refs[row].source)
        assert rec.data == refs[row].data
        assert window.findings_model.rowCount() == len(want.findings)
        assert window.field_model.rowCount() == len(want.root.children)
        assert window.hex.data() == refs[row].data
        assert rec.summary and rec.summary in window.summary.text().replace("&amp;", "&") or \
            window.summary.text()
    assert sys.excepthook is hook


def test_concatenated_records_are_listed_separately(qtbot, window):
    path = VECTORS / "malformed/m23-two-records-concatenated.cper"
    load(qtbot, window, [path])
    data = path.read_bytes()
    spans = list(split_records(data))
    assert len(spans) == 2
    for row, (off, length) in enumerate(spans):
        window.select_record(row)
        assert window.current_record.source["offset"] == off
        assert window.current_record.data == data[off:off + length]


def test_a_folder_loads_its_record_files_and_skips_the_rest(qtbot, window):
    folder = VECTORS / "DecodeWheaRecord"
    load(qtbot, window, [folder])
    want = sum(len(list(iter_path(p))) for p in sorted(folder.glob("*.bin")))
    assert window.records_panel.model.rowCount() == want
    readme = [p for p in window.problems if p.path.endswith("README.md")]
    assert readme and "no hex or base64 record data" in readme[0].message  # reported, not listed


def test_unreadable_and_missing_inputs_are_reported_by_name(qtbot, window, tmp_path):
    missing = tmp_path / "nope.bin"
    load(qtbot, window, [missing])
    assert window.records_panel.model.rowCount() == 0
    assert any(str(missing) in str(p) for p in window.problems)
    assert "nope.bin" in window.status_message.toolTip()
    assert "Nothing could be read" in window.summary.text()


def test_progress_and_cancel(qtbot, window, tmp_path):
    big = tmp_path / "many.bin"
    big.write_bytes(CMC.read_bytes() * 30_000)  # 28 MB
    with qtbot.waitSignal(window.loadFinished, timeout=60_000):
        job = window.open_paths([big])
        assert window.cancel_button.isVisible() and window.progress.isVisible()
        window.cancel_loading()
    assert job.cancelled
    assert window.records_panel.model.rowCount() < 30_000
    assert not window.progress.isVisible()
    assert "cancelled" in window.status_message.text()


def test_a_large_file_streams_in_batches(qtbot, window, tmp_path):
    big = tmp_path / "many.bin"
    big.write_bytes(CMC.read_bytes() * 5000)
    batches = []
    window.records_panel.model.rowsInserted.connect(lambda *_a: batches.append(1))
    load(qtbot, window, [big])
    assert window.records_panel.model.rowCount() == 5000
    assert len(batches) >= 2  # the first rows were shown before the rest were read
    window.select_record(4999)
    assert window.current_record.source["offset"] == 4999 * len(CMC.read_bytes())


def test_paste_hex_and_base64_from_the_clipboard(qtbot, window):
    data = CMC.read_bytes()
    clip = QApplication.clipboard()
    for text in (data.hex(" "), base64.b64encode(data).decode()):
        clip.setText(text)
        with qtbot.waitSignal(window.loadFinished, timeout=10_000):
            window.paste_record()
        assert window.records_panel.model.rowCount() == 1  # pasting opens: it replaces
        assert window.current_record.data == data  # and shows what was pasted
        assert window.current_record.source["path"] == "<clipboard>"


def test_drop_files_and_text(qtbot, window):
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(CMC))])
    with qtbot.waitSignal(window.loadFinished, timeout=10_000):
        window.dropEvent(QDropEvent(QPointF(5, 5), Qt.CopyAction, md, Qt.LeftButton, Qt.NoModifier))
    assert window.records_panel.model.rowCount() == 1
    md2 = QMimeData()
    md2.setText(CMC.read_bytes().hex())
    with qtbot.waitSignal(window.loadFinished, timeout=10_000):
        window.dropEvent(QDropEvent(QPointF(5, 5), Qt.CopyAction, md2, Qt.LeftButton, Qt.NoModifier))
    assert window.records_panel.model.rowCount() == 1  # dropping opens: it replaces
    assert window.current_record.source["path"] == "<dropped text>"


def test_paste_parser_forms_and_errors():
    data = bytes(range(40))
    assert parse_text(data.hex()) == data
    assert parse_text(", ".join(f"0x{b:02x}" for b in data)) == data
    assert parse_text(data.hex(":").upper()) == data
    dump = "\n".join(f"{i:08x}  {data[i:i + 16].hex(' ')}  |................|"
                     for i in range(0, len(data), 16))
    assert parse_text(dump) == data
    assert parse_text(base64.b64encode(data).decode()) == data
    with pytest.raises(PasteError, match="odd number"):
        parse_text("abc")
    with pytest.raises(PasteError, match="no text"):
        parse_text("   ")
    with pytest.raises(PasteError, match="neither hex nor Base64"):
        parse_text("hello, world!")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(min_size=1, max_size=300), sep=st.sampled_from(["", " ", "\n", ", ", ":"]),
       upper=st.booleans())
def test_any_hex_text_round_trips(data, sep, upper):
    text = sep.join(f"{b:02x}" for b in data)
    assert parse_text(text.upper() if upper else text) == data


def _make_store(path, datas):
    from whea_gui.store import Store
    with Store(path) as st:
        summary = st.write_records([(d, {"path": f"/logs/host-{i}.bin", "offset": 0})
                                    for i, d in enumerate(datas)])
        stored = [data for _rid, data in st.iter_records()]
    assert summary.written == len(stored) > 0
    return stored


def test_a_record_store_is_listed_from_its_index_and_read_on_demand(qtbot, window, tmp_path):
    datas = [r.data for p in sorted(VECTORS.glob("DecodeWheaRecord/cper_*.bin")) for r in iter_path(p)]
    db = tmp_path / "records.bin"  # no telling name: recognised by the SQLite magic
    datas = _make_store(db, datas)  # what the store accepted (it refuses invalid records)
    assert is_store_file(db) and not is_store_file(CMC)
    load(qtbot, window, [db])
    rows = window.records_panel.model.rowCount()
    assert rows == len(datas)
    got = set()
    for row in range(rows):
        window.select_record(row)
        rec = window.current_record
        assert rec.source["kind"] == "store" and rec.source["path"] == str(db)
        got.add(rec.data)
    assert got == set(datas)
    # the list's Source column shows where each record was imported from
    src = {window.records_panel.model.index(r, 5).data() for r in range(rows)}
    assert all(s.startswith("host-") for s in src)


def test_a_folder_with_a_store_reads_the_store_once_and_the_other_files(qtbot, window, tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    _make_store(folder / "a.wheastore", [CMC.read_bytes()])
    (folder / "b.cper").write_bytes((VECTORS / "libcper-generated/generic/001.cper").read_bytes())
    load(qtbot, window, [folder])
    kinds = []
    for row in range(window.records_panel.model.rowCount()):
        window.select_record(row)
        kinds.append(window.current_record.source.get("kind"))
    assert sorted(kinds, key=str) == sorted(["store", "raw"], key=str)


def test_sqlite_files_that_are_not_stores_are_reported(qtbot, window, tmp_path):
    db = tmp_path / "other.sqlite"
    con = sqlite3.connect(db)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    load(qtbot, window, [db])
    assert window.records_panel.model.rowCount() == 0
    assert any(p.path == str(db) and "not a WHEA store" in p.message for p in window.problems)


def test_inputs_are_planned_and_report_progress(tmp_path):
    tmp_path = tmp_path / "in"
    (tmp_path / "b").mkdir(parents=True)
    (tmp_path / "b" / "2.cper").write_bytes(CMC.read_bytes())
    (tmp_path / "a.cper").write_bytes(CMC.read_bytes())
    (tmp_path / "notes.txt").write_text("not a record")
    problems, seen = [], []
    assert plan([tmp_path], problems.append) == [(str(tmp_path), 2 * len(CMC.read_bytes()) + 12)]
    got = list(iter_inputs([tmp_path], problems.append, progress=lambda d, t: seen.append((d, t))))
    assert [r.source["path"] for r in got] == [str(tmp_path / "a.cper"), str(tmp_path / "b" / "2.cper")]
    assert any("notes.txt" in p.path for p in problems)  # reported, not listed
    total = 2 * len(CMC.read_bytes()) + 12
    assert seen[-1] == (total, total) and all(t == total for _d, t in seen)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_recent_files_and_layout_are_remembered(qtbot, tmp_path):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    load(qtbot, win, [CMC])
    win.findings_dock.hide()
    win.set_hex_numbers(True)
    win.splitter.setSizes([700, 500])
    sizes = win.splitter.sizes()
    win.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    again.recent_menu.aboutToShow.emit()
    assert [a.text() for a in again.recent_menu.actions()][0] == str(CMC.resolve())
    assert not again.findings_dock.isVisible()
    assert again.act_hex_numbers.isChecked()
    # the hex pane keeps its width (the tree takes what is left of a window the offscreen
    # platform's 800x600 screen may have shrunk)
    assert again.splitter.sizes()[1] == sizes[1]
    again.close()


def test_store_rows_carry_the_same_provenance_as_the_store_source(qtbot, window, tmp_path):
    from whea_gui.sources import iter_path as read_any
    db = tmp_path / "s.wheastore"
    _make_store(db, [CMC.read_bytes()])
    load(qtbot, window, [db])
    window.select_record(0)
    want = next(iter(read_any(db))).source  # sources.store_file's provenance for the record
    assert window.current_record.source == want
