"""The window opens a PostgreSQL store by File → Open store… and from the command line
(``whea-gui postgresql://…``); the password shows nowhere (status, Problems, recent stores)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from urllib.parse import quote  # noqa: E402

import pytest  # noqa: E402
from fleet_helpers import fill  # noqa: E402

pytest.importorskip("pytestqt", reason="needs pytest-qt")
PASSWORD = "s3cret!pw"


@pytest.fixture
def settings_dir(qapp, tmp_path, monkeypatch):
    from whea_gui.ui.settings import use_settings_dir
    folder = tmp_path / "settings"
    folder.mkdir()
    monkeypatch.setenv("WHEA_GUI_SETTINGS_DIR", str(folder))
    use_settings_dir(str(folder))
    return folder


@pytest.fixture
def pw_url(pg_server, fleet):
    import pgserver
    base = pgserver.password_database(PASSWORD)
    return fill(base.replace("whea_pw@", f"whea_pw:{quote(PASSWORD, safe='')}@"), fleet[:25])


def _no_secret(text: str) -> None:
    assert PASSWORD not in text and quote(PASSWORD, safe="") not in text, text[:300]


def test_open_store_dialog_lists_a_server_store(qtbot, settings_dir, pw_url):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from whea_gui.ui.loading import RECENT_STORES_KEY, StoreDialog
    from whea_gui.ui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()

    def answer():
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, StoreDialog)
        dlg.combo.setEditText(pw_url)
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.Open).click()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(win.loadFinished, timeout=60_000):
        win.act_open_store.trigger()
    qtbot.waitUntil(lambda: not win.loading, timeout=60_000)
    assert win.records_panel.model.rowCount() == 25
    assert not [p for p in win.problems if p.level == "error"]
    assert win.select_record(0)
    _no_secret(win.status_message.text() + win.status_message.toolTip() + win.windowTitle())
    recent = win.settings.value(RECENT_STORES_KEY)
    assert recent and "whea_pw:***@" in str(recent)
    _no_secret(str(recent))
    win.settings.sync()
    for path in settings_dir.rglob("*"):
        if path.is_file():
            _no_secret(path.read_text(errors="replace"))
    win.cancel_loading(wait=True)


def test_command_line_url_opens_the_store(qtbot, settings_dir, pw_url, tmp_path, capsys):
    from whea_gui.ui import app

    out = tmp_path / "g.png"
    assert app.main([pw_url, "--screenshot", str(out), "--record", "25"]) == 0  # 25 listed
    assert out.stat().st_size > 0
    _no_secret(capsys.readouterr().err)
    wrong = pw_url.replace(quote(PASSWORD, safe=""), "WRONG")
    assert app.main([wrong, "--screenshot", str(out)]) == 1  # nothing listed: --record 1 fails
    err = capsys.readouterr().err
    assert "WRONG" not in err and "no such file" not in err
