"""The window opens ERST backing files and edk2 variable stores like any record source, and
View → "Container structure…" shows the container itself: located header, map or variable
headers, slots, padding and free space, with the container's findings."""

from __future__ import annotations

import gc
import os
import shutil
import struct

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from whea_gui.ui.settings import use_settings_dir
    from whea_gui.ui.window import MainWindow

    folder = tmp_path / "settings"
    folder.mkdir()
    monkeypatch.setenv("WHEA_GUI_SETTINGS_DIR", str(folder))
    use_settings_dir(str(folder))
    gc.disable()  # as tests/ui does: collect only at safe points
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        yield win
    finally:
        win.cancel_loading(wait=True)
        gc.collect()
        gc.enable()


def load(qtbot, win, path):
    with qtbot.waitSignal(win.loadFinished, timeout=60_000):
        win.open_paths([str(path)])
    qtbot.waitUntil(lambda: not win.loading, timeout=60_000)


def rid(data: bytes) -> int:
    return struct.unpack_from("<Q", data, 96)[0]


def test_an_erst_file_lists_its_records_and_shows_its_structure(qtbot, window, tmp_path,
                                                                 real_records):
    from whea_gui.store.erst import ErstStore

    path = tmp_path / "erst.bin"
    with ErstStore(path, size=128 * 1024) as store:
        for r in real_records[:4]:
            store.write_error_record(r)
        store.clear_error_record(rid(real_records[1]))
        first = store.layout.first_index
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, (first + 2) * 8192 + 20, 9000)  # record 2 overflows its slot
    path.write_bytes(bytes(data))
    load(qtbot, window, path)
    records = window.records_panel.records
    shown = sorted(records.data(i) for i in range(len(records)))
    # the overflowing record is kept as far as its slot goes (decoded with an error), not dropped
    overflowed = bytes(data[(first + 2) * 8192:(first + 3) * 8192])
    assert shown == sorted([real_records[0], real_records[1], overflowed, real_records[3]])
    states = sorted(records.source(i)["state"] for i in range(len(records)))
    assert states == ["cleared", "live", "live", "live"]  # 1 recoverable

    action = window.act_container_structure
    assert action.isEnabled() and action in window.menuBar().actions()[2].menu().actions()
    action.trigger()
    view = window.container_view
    qtbot.waitExposed(view)
    rec = view.rec
    assert bytes(view.hex.data()) == bytes(data)
    assert [c.name for c in rec.root.children] == ["header", "map", "slots"]
    assert rec.root.find("header.magic").display == "ERSTSTOR"
    assert rec.root.find("header.record_count").value == 3
    slot = rec.root.find(f"slots.slot_{first + 1}")
    assert slot.display == f"cleared (recoverable) 0x{rid(real_records[1]):016X}" and slot.offset == (first + 1) * 8192
    assert rec.root.find(f"slots.slot_{first}.padding").offset == first * 8192 + len(real_records[0])
    codes = {f.code: f.offset for f in rec.findings}
    assert codes["erst-record-overflow"] == (first + 2) * 8192 + 20
    assert "erst-cleared" in codes and "internal" not in codes
    # clicking a byte of slot 3's record selects that slot's record field in the tree
    view.hex.byteClicked.emit((first + 3) * 8192 + 10)
    node = view.model.node(view.tree.currentIndex())
    assert node.path == f"slots.slot_{first + 3}.record"
    assert view.hex.selection() == ((first + 3) * 8192, len(real_records[3]))
    view.close()


def test_an_ovmf_varstore_shows_variables_free_space_and_ftw(qtbot, window, tmp_path,
                                                               real_records, ovmf_templates):
    from whea_gui.store.varstore import VarStore

    path = tmp_path / "OVMF_VARS.fd"
    shutil.copyfile(ovmf_templates[0], path)
    with VarStore(path, in_place=True) as store:
        for r in real_records[:3]:
            store.write_error_record(r)
    data = bytearray(path.read_bytes())
    load(qtbot, window, path)
    assert len(window.records_panel.records) == 3
    window.act_container_structure.trigger()
    view = window.container_view
    rec = view.rec
    names = [c.name for c in rec.root.children]
    assert names == ["fv_header", "store_header", "variables", "free", "ftw"]
    assert rec.root.find("fv_header.signature").display == "_FVH"
    var = rec.root.find("variables.variable_2")
    assert var.label == "HwErrRec0002" and var.find("data").length == len(real_records[2])
    assert rec.root.find("variables.variable_0.header.attributes").value == 0xF
    assert rec.root.find("ftw").offset == 0xF000
    assert bytes(view.hex.data()) == bytes(data) and not rec.findings
    view.close()


def test_the_action_is_disabled_for_records_from_other_files(qtbot, window, real_records, tmp_path):
    path = tmp_path / "one.cper"
    path.write_bytes(real_records[0])
    load(qtbot, window, path)
    assert len(window.records_panel.records) == 1
    assert not window.act_container_structure.isEnabled()


def test_a_readers_problems_reach_the_session_on_the_gui_thread(qtbot, window, tmp_path, monkeypatch):
    # the reader runs in a worker; its problems go to the session, whose observers are widgets
    # (the problems panel): a problem delivered in the worker's thread touched them from it, and
    # a full run once hung there (an ERST file whose map has findings)
    import threading

    from whea_gui.sources import iter_path
    from whea_gui.store.erst import ErstStore

    path = tmp_path / "erst.bin"
    with ErstStore(path, size=128 * 1024) as store:
        store.write_error_record(_a_record())
    with open(path, "ab") as fh:
        fh.write(b"\x01" * 100)  # a size that is not whole slots: a problem from the reader
    problems = []
    list(iter_path(str(path), problems.append))
    assert problems  # the input gives the reader something to report
    threads = []
    add = window.session.add_problem
    monkeypatch.setattr(window.session, "add_problem",
                        lambda p: (threads.append(threading.current_thread()), add(p)))
    load(qtbot, window, path)
    assert threads and all(t is threading.main_thread() for t in threads), threads


def _a_record() -> bytes:
    from whea_gui.compose.generate import generate_records
    return generate_records(["memory"], 1, seed=1)[0]
