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
    win.session.discard_edits()  # closing must not wait on the unsaved-edits question


def load(qtbot, win, paths, timeout=60_000):
    """Open ``paths`` in ``win`` and wait until the background load has finished."""
    with qtbot.waitSignal(win.loadFinished, timeout=timeout):
        job = win.open_paths([str(p) for p in paths])
    qtbot.waitUntil(lambda: not win.loading, timeout=timeout)
    return job
