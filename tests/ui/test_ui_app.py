"""The whea-gui entry point: screenshots, --version, welcome/sample, exception hook, big lists."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, VECTORS, load
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from whea_gui import __version__
from whea_gui.session.recordset import NO_TIME, Batch
from whea_gui.ui import app, record_model
from whea_gui.ui.errors import ExceptionHook

CMC = VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin"


def test_version_runs_without_a_display():
    out = subprocess.run([sys.executable, "-m", "whea_gui.ui", "--version"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"whea-gui {__version__}"


def test_screenshot_renders_the_selected_field(qtbot, tmp_path):
    out = tmp_path / "shot.png"
    status = app.main([str(VECTORS / "malformed/m23-two-records-concatenated.cper"),
                       "--screenshot", str(out), "--record", "2", "--select", "header.flags",
                       "--size", "1000x700"])
    assert status == 0
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1000, 700)
    # the picture is not blank: many distinct colours (text, tints, selection)
    colours = {img.pixel(x, y) for x in range(0, 1000, 7) for y in range(0, 700, 7)}
    assert len(colours) > 20


def test_screenshot_reports_what_it_could_not_do(qtbot, tmp_path, capsys):
    out = tmp_path / "shot.png"
    assert app.main([str(CMC), "--screenshot", str(out), "--select", "header.nonsense"]) == 1
    assert "header.nonsense" in capsys.readouterr().err
    assert out.exists()
    assert app.main([str(CMC), "--screenshot", str(out), "--record", "5"]) == 1
    # --record counts from 1, as whea report --record does: 0 is not a record number
    with pytest.raises(SystemExit) as stop:
        app.main([str(CMC), "--screenshot", str(out), "--record", "0"])
    assert stop.value.code == 2 and "counted from 1" in capsys.readouterr().err
    assert app.main([str(tmp_path / "missing.bin"), "--screenshot", str(out)]) == 2
    # an input that yields no record: its own problem is said, not "--record 1" (never given;
    # fuzzing 5, F5-16)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    capsys.readouterr()
    assert app.main([str(notes), "--screenshot", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--record" not in err and "no record to show in" in err
    assert f"{notes} at byte offset 0: the text holds no hex or base64 record data" in err


def test_screenshot_as_a_separate_process(tmp_path):
    out = tmp_path / "proc.png"
    env = {"QT_QPA_PLATFORM": "offscreen", "WHEA_GUI_SETTINGS_DIR": str(tmp_path / "s"),
           "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "whea_gui.ui", str(CMC), "--screenshot", str(out),
                           "--select", "section_0"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert QImage(str(out)).width() == 1400


def test_no_arguments_opens_the_sample_or_welcomes(qtbot, tmp_path, monkeypatch):
    seen = {}
    real = app.screenshot

    def spy(qapp, window, paths, *rest):
        seen["paths"] = paths
        seen["text"] = window.summary.text()
        status = real(qapp, window, paths, *rest)
        seen["rows"] = window.records_panel.model.rowCount()
        seen["summary"] = window.summary.text()
        return status
    monkeypatch.setattr(app, "screenshot", spy)
    app.main(["--screenshot", str(tmp_path / "w.png")])
    # the repository ships the sample store: every record of it is listed, hosts and all
    assert [Path(p).name for p in seen["paths"]] == ["sample.wheastore"]
    assert seen["rows"] == 400
    assert (tmp_path / "w.png").stat().st_size > 20_000


def test_help_open_sample_data_lists_the_sample_with_hosts(qtbot, window):
    job = window.open_sample()
    qtbot.waitUntil(lambda: window.records_panel.model.rowCount() == 400, timeout=30_000)
    assert job is not None
    model = window.records_panel.model
    source_col = next(c for c in range(model.columnCount())
                      if model.headerData(c, Qt.Horizontal) == "Source")
    sources = {model.data(model.index(r, source_col)) for r in range(model.rowCount())}
    assert any("web-01" in str(s) for s in sources), sources


def test_exception_hook_shows_a_message_and_the_window_stays_usable(qtbot, window):
    hook = ExceptionHook()
    previous = sys.excepthook
    hook.install()
    try:
        assert sys.excepthook is hook
        try:
            raise RuntimeError("boom in a slot")
        except RuntimeError:
            hook(*sys.exc_info())
    finally:
        hook.uninstall()
    assert sys.excepthook is previous
    assert "boom in a slot" in hook.last and "Traceback" in hook.last
    box = hook.boxes[-1]
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "RuntimeError: boom in a slot" in box.text()
    box.close()
    load(qtbot, window, [CMC])  # still works
    assert window.select_field("header.flags")


def test_a_million_rows_list_filter_and_sort_without_decoding(qtbot, window, monkeypatch):
    n = 1_000_000
    rng = np.random.default_rng(5)
    data = CMC.read_bytes()
    cols = {"time": rng.integers(1_600_000_000, 1_700_000_000, n).astype(np.int64),
            "severity": rng.integers(0, 4, n).astype(np.int16), "kind": np.zeros(n, np.int8),
            "notify": np.zeros(n, np.int32), "types": rng.integers(0, 2, n).astype(np.int32),
            "path": np.zeros(n, np.int32), "offset": np.arange(n, dtype=np.int64) * len(data),
            "length": np.full(n, len(data), np.int64)}
    cols["time"][::10] = NO_TIME
    batch = Batch([data] * n, {}, cols, ["2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"],
                  [("9876ccad-47b4-4bdb-b65e-16f193c4f3db",),
                   ("a5bc1114-6f64-4ede-b863-3e83ed7c83b1",)], ["/big.bin"])
    calls = []
    real = record_model.decode_record
    monkeypatch.setattr(record_model, "decode_record", lambda *a, **k: calls.append(1) or real(*a, **k))
    panel = window.records_panel
    window.session.add_batch(batch)  # the list shows what the session holds
    rs = window.session.records
    assert panel.model.rowCount() == n
    view = panel.view
    view.scrollToBottom()
    view.viewport().repaint()
    view.scrollTo(panel.model.index(n // 2, 0))
    view.viewport().repaint()
    qtbot.wait(50)
    assert len(calls) < 200  # only rows on screen get a lazy summary
    panel.severity.setCurrentIndex(panel.severity.findData(2))
    assert panel.model.rowCount() == int(np.sum(cols["severity"] == 2))
    view.sortByColumn(0, Qt.DescendingOrder)
    times = [int(rs.column("time")[panel.model.record_index(r)]) for r in range(0, 5000, 50)]
    assert times == sorted(times, reverse=True)
    panel.section_type.setCurrentIndex(panel.section_type.findText("Platform Memory"))
    expect = int(np.sum((cols["severity"] == 2) & (cols["types"] == 1)))
    assert panel.model.rowCount() == expect
    assert panel.count.text() == f"{expect:,} of {n:,}"
    panel.select_row(3)
    assert window.current_record.data == data


def test_time_range_filter_widgets(qtbot, window):
    load(qtbot, window, [VECTORS / "DecodeWheaRecord"])
    panel = window.records_panel
    total = panel.model.rowCount()
    t = panel.records.column("time")
    timed = int(np.sum(t != NO_TIME))
    assert 0 < timed < total
    panel.use_time.setChecked(True)  # bounds default to the loaded range: every timed record
    assert panel.model.rowCount() == timed
    first = int(t[t != NO_TIME].min())
    from whea_gui.ui.records_panel import _from_seconds
    panel.time_to.setDateTime(_from_seconds(first))
    panel.apply_filter()
    assert panel.model.rowCount() == int(np.sum(t == first))


def test_many_signals_and_event_loops_do_not_exhaust_singletons(qtbot):
    """PySide6 6.12 on Python 3.11 drops a reference to True per emit and to None per
    processEvents(); without the guard this test aborts the interpreter."""
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication

    import whea_gui.ui  # noqa: F401  (applies the guard)

    class Pinger(QObject):
        ping = Signal(int)

    p = Pinger()
    for i in range(20_000):
        p.ping.emit(i)
    for _ in range(5_000):
        QApplication.processEvents()
    assert sys.getrefcount(True) > 1000 and sys.getrefcount(None) > 1000


def test_export_writes_the_listed_records(qtbot, window, tmp_path):
    import json

    from conftest import load as load_paths

    from whea_gui.ui.export import export_listed
    load_paths(qtbot, window, [VECTORS / "DecodeWheaRecord"])
    panel = window.records_panel
    panel.text.setText("xpf mca")  # filter the list: only these rows are exported
    panel.apply_filter()
    listed = panel.model.rowCount()
    assert 0 < listed < len(panel.records)
    out = tmp_path / "r.json"
    result = export_listed(window, panel.model, str(out))
    assert result.records == listed
    doc = json.loads(out.read_text())
    assert len(doc["records"]) == listed
    md = tmp_path / "r.md"
    assert export_listed(window, panel.model, str(md)).format == "md" and md.read_text()
    window.select_record(0)
    one = tmp_path / "one.json"
    assert export_listed(window, panel.model, str(one), records=[window.current_record]).records == 1
    assert json.loads(one.read_text())["records"][0]["summary"] == window.current_record.summary
    text = window.copy_record_markdown()
    assert text and window.current_record.summary.split(" ")[0] in text


def test_readme_run_command_renders_without_a_screen(tmp_path):
    """`whea-gui --screenshot OUT.png` on a machine with no display: offscreen, the sample shown."""
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    out = tmp_path / "whea-inspector.png"
    run = subprocess.run([sys.executable, "-m", "whea_gui.ui", "--screenshot", str(out)], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    img = QImage(str(out))
    assert img.width() >= 1000 and img.height() >= 600
    assert out.stat().st_size > 100_000  # the sample's list, tree and hex view, not a blank window
    plain = subprocess.run([sys.executable, "-m", "whea_gui.ui"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=120)
    assert plain.returncode == 2 and "--screenshot" in plain.stderr
