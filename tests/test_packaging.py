"""The PyInstaller one-folder bundle builds, starts headless and renders the window.

Slow (a few minutes): it runs packaging/build.sh exactly as a packager would.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from whea_gui import __version__

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="the build script is the Linux one")
def test_bundle_builds_and_runs_headless(tmp_path):
    settings = tmp_path / "settings"  # never the user's real recent files or layout
    settings.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON=sys.executable,
               WHEA_GUI_SETTINGS_DIR=str(settings))
    subprocess.run(["bash", str(REPO / "packaging" / "build.sh")], cwd=REPO, env=env, check=True,
                   timeout=1800, capture_output=True)
    dist = REPO / "packaging" / "dist" / f"whea-inspector-{__version__}"
    out = subprocess.run([str(dist / "whea-gui"), "--version"], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    assert __version__ in out.stdout + out.stderr
    shot = tmp_path / "bundle.png"
    subprocess.run([str(dist / "whea-gui"), "--screenshot", str(shot)], env=env, check=True,
                   timeout=300, capture_output=True)
    assert shot.stat().st_size > 20_000  # a rendered window, not an empty image
    written = [p for p in settings.rglob("*") if p.is_file()]
    assert written, "the bundle did not use WHEA_GUI_SETTINGS_DIR for its settings"
    cli = subprocess.run([str(dist / "whea"), "decode", "--json",
                          str(REPO / "resources" / "sample" / "sample-records.bin")],
                         env=env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.count("\n") == 400  # every bundled sample record, decoded by the bundle
    # an .evtx: its readers' libraries (the Rust parser, msgspec, zlib-ng) are imported by name
    # inside functions; the bundle must hold them
    log = REPO.parent / "shared" / "vectors" / "evtx" / "kernel_whea_operational_52events.evtx"
    cli = subprocess.run([str(dist / "whea"), "decode", "--json", str(log)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert cli.returncode == 0 and cli.stdout.count("\n") == 52, cli.stderr
    assert "No module named" not in cli.stderr
    for package in ("msgspec", "zlib_ng", "orjson", "evtx"):  # (zlib-ng has a silent fallback)
        assert list(dist.rglob(f"{package}*")), f"{package} is not in the bundle"
