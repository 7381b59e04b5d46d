"""Set-up: the xcb libraries are named before Qt can abort, and screenshots go where asked."""

import pytest

from whea_gui.ui import app


def _loader(missing):
    def load(name):
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file")
    return load


@pytest.fixture
def x11(monkeypatch):
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)


def test_missing_xcb_libraries_are_named_as_packages(x11):
    assert app.missing_xcb_packages(_loader({"libxcb-cursor.so.0"})) == ["libxcb-cursor0"]
    assert app.missing_xcb_packages(_loader(set())) == []
    advice = app.xcb_advice(["libxcb-cursor0", "libxcb-icccm4"])
    assert "apt-get install libxcb-cursor0 libxcb-icccm4" in advice


def test_no_xcb_check_when_qt_uses_another_platform(x11, monkeypatch):
    everything = _loader(set(app.XCB_LIBRARIES))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert app.missing_xcb_packages(everything) == []
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert len(app.missing_xcb_packages(everything)) == len(app.XCB_LIBRARIES)


def test_main_prints_what_to_install_instead_of_starting_qt(x11, monkeypatch, capsys):
    monkeypatch.setattr(app, "missing_xcb_packages", lambda: ["libxcb-cursor0"])
    assert app.main([]) == app.EXIT_FAIL
    err = capsys.readouterr().err
    assert "libxcb-cursor0" in err and "apt-get install" in err


def test_screenshot_creates_its_folder(tmp_path):
    from pathlib import Path
    out = tmp_path / "out" / "whea-inspector.png"
    sample = Path(app.__file__).resolve().parents[2] / "resources" / "sample"
    args = ["--screenshot", str(out), "--size", "1024x700"]
    first = sorted(sample.glob("*.bin"))[:1]
    assert app.main([str(p) for p in first] + args) == app.EXIT_OK
    assert out.stat().st_size > 10_000
