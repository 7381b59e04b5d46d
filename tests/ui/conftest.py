"""GUI test setup: offscreen Qt, settings in a temporary folder, shared vectors, a loaded window."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO.parent / "shared" / "vectors"


@pytest.fixture(autouse=True)
def collect_garbage_at_safe_points():
    """No automatic cyclic collection during a GUI test, a full one after it: the collector
    running inside a Qt disconnect (pyqtgraph's setParentItem) and destroying a QObject that
    needs the same Qt mutex deadlocked the suite once (whea-gui collects on a timer likewise)."""
    import gc

    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


@pytest.fixture(autouse=True)
def settings_dir(qapp, tmp_path, monkeypatch):
    """Every test gets its own QSettings folder, so no test sees another's layout or recents."""
    from whea_gui.ui.settings import use_settings_dir

    folder = tmp_path / "settings"
    folder.mkdir()
    monkeypatch.setenv("WHEA_GUI_SETTINGS_DIR", str(folder))
    use_settings_dir(str(folder))
    return folder


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """Before pytest-qt closes the test's windows: drop unsaved edits, so closing does not stop
    on the Save / Discard / Cancel question (tests that answer it do so themselves)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    for w in app.topLevelWidgets() if app is not None else []:
        session = getattr(w, "session", None)
        if session is not None and type(w).__name__ == "MainWindow":
            session.discard_edits()
    return (yield)


@pytest.fixture
def window(qtbot):
    from whea_gui.ui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.cancel_loading(wait=True)


def load(qtbot, win, paths, timeout=60_000):
    """Open ``paths`` in ``win`` and wait until the background load has finished."""
    with qtbot.waitSignal(win.loadFinished, timeout=timeout):
        job = win.open_paths([str(p) for p in paths])
    qtbot.waitUntil(lambda: not win.loading, timeout=timeout)
    return job
