"""``whea-gui [PATH...] [--screenshot OUT.png [--select FIELD] [--record N]] [--version]``.

With no paths the bundled sample records open (``resources/sample``) when present, or an empty
window with a welcome text. ``--screenshot`` renders the window after loading and exits,
which is how the documentation pictures are made (it works with QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .. import __version__
from ..paths import sample_paths
from ..store.backend import is_server_spec, redact

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="whea-gui", description="Inspect WHEA / UEFI CPER error records.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to open")
    p.add_argument("--version", action="version", version=f"whea-gui {__version__}")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="render the window to this PNG after loading, then exit")
    p.add_argument("--record", type=_record_number, default=None, metavar="N",
                   help="with --screenshot: select the N-th listed record, counted from 1 "
                        "(as whea report --record)")
    p.add_argument("--select", metavar="FIELD-PATH",
                   help="select this field (dotted path such as header.flags) before the screenshot")
    p.add_argument("--size", default="1400x900", metavar="WxH", help="window size for --screenshot")
    p.add_argument("--hex-numbers", action="store_true", help="show numbers in hexadecimal")
    p.add_argument("--theme", choices=("system", "light", "dark"),
                   help="colour theme for this run (as View → Theme, not remembered)")
    p.add_argument("--raise", dest="raise_dock", choices=("records", "timeline", "findings", "problems"),
                   help="with --screenshot: bring this dock to the front")
    return p


def _record_number(text: str) -> int:
    """A record number as people count (from 1, like ``whea report --record``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: records are counted from 1")
    return value


def headless() -> bool:
    """A Linux/BSD session with no X11 or Wayland display to open a window on."""
    return (sys.platform.startswith(("linux", "freebsd"))
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))


# Libraries Qt's xcb platform plugin loads (soname -> Debian/Ubuntu package). Without one of them
# Qt aborts with only "no Qt platform plugin could be initialized", naming no library.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def missing_xcb_packages(load=None) -> list[str]:
    """Packages to install for Qt's xcb plugin when it is the one Qt will use, else []."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return []
    if platform and not platform.startswith("xcb"):
        return []
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return []  # Qt prefers Wayland there; xcb is only the fallback
    if load is None:
        import ctypes

        def load(name):
            ctypes.CDLL(name)
    missing = []
    for soname, package in XCB_LIBRARIES.items():
        try:
            load(soname)
        except OSError:
            missing.append(package)
    return missing


def xcb_advice(packages: list[str]) -> str:
    return ("whea-gui: Qt's xcb platform (X11) needs system libraries that are not installed: "
            f"{', '.join(packages)}. On Debian/Ubuntu: sudo apt-get install {' '.join(packages)} "
            "(Fedora: dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms "
            "xcb-util-renderutil xcb-util-image libxkbcommon-x11). Or render to a file with "
            "--screenshot OUT.png.")


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        return max(w, 200), max(h, 200)
    except ValueError:
        raise SystemExit(f"whea-gui: --size must look like 1400x900, not {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    size = _parse_size(args.size)
    logging.basicConfig(level=logging.INFO, format="whea-gui: %(message)s")
    if args.screenshot and headless():
        # Rendering to a file needs no screen: without one, Qt's offscreen platform draws it.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif headless() and "QT_QPA_PLATFORM" not in os.environ:
        print("whea-gui: no screen (DISPLAY / WAYLAND_DISPLAY unset); use --screenshot OUT.png "
              "to render the window to a file, or `whea` for the command line", file=sys.stderr)
        return EXIT_USAGE
    missing_libs = missing_xcb_packages()
    if missing_libs:  # Qt would abort with a message that names no library
        print(xcb_advice(missing_libs), file=sys.stderr)
        return EXIT_FAIL
    from PySide6.QtWidgets import QApplication

    from .errors import ExceptionHook
    from .window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "whea-gui"])
    app.setOrganizationName("WHEA Inspector")
    app.setApplicationName("whea-gui")
    app.setApplicationVersion(__version__)
    # Python's cyclic collector may otherwise run inside a Qt call that holds a signal mutex
    # (a disconnect in pyqtgraph's setParentItem) and destroy a QObject that needs the same
    # mutex: a deadlock seen in the test suite. Collect on a timer in the event loop instead.
    from pyqtgraph.util.garbage_collector import GarbageCollector
    collector = GarbageCollector(interval=0.5)  # noqa: F841  (kept alive for the session)
    hook = ExceptionHook().install()
    window = MainWindow()
    if args.theme:
        from .theme import apply_theme
        apply_theme(args.theme)
    if args.hex_numbers:
        window.set_hex_numbers(True)
    paths = args.paths or sample_paths()
    missing = [p for p in paths if not Path(p).exists() and not is_server_spec(p)]
    for p in missing:
        print(f"whea-gui: {_not_found(p)}", file=sys.stderr)
    paths = [p for p in paths if p not in missing]  # files, folders and store URLs
    if args.screenshot:
        status = screenshot(app, window, paths, args.screenshot, args.record, args.select, size,
                            args.raise_dock)
        hook.uninstall()
        return status if not missing else max(status, EXIT_USAGE)
    window.show()
    if paths:
        window.open_paths(paths)
    status = app.exec()
    hook.uninstall()
    return status


def _not_found(path: str) -> str:
    """Why ``path`` is not opened: a ``word://`` spec no engine knows, or a missing file."""
    from ..store import StoreError, engine_of
    try:
        engine_of(path)
    except StoreError as exc:
        return str(exc)
    return f"{redact(path)}: no such file or folder"


def wait_until(app, done, timeout_s: float = 120.0) -> None:
    import time
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()


def wait_for_load(app, window, timeout_s: float = 120.0) -> None:
    wait_until(app, lambda: not window.loading, timeout_s)


MAX_PROBLEMS_PRINTED = 20  # an input's problems printed when it yields no record to show


def screenshot(app, window, paths, out, record: int | None, select: str | None,
               size: tuple[int, int], raise_dock: str | None = None) -> int:
    """Load, select, render to ``out`` and report what could not be done."""
    from PySide6.QtGui import QImage

    window.resize(*size)
    window.show()
    if paths:
        window.open_paths(paths)
        wait_for_load(app, window)
    status = EXIT_OK
    listed = window.records_panel.model.rowCount()
    if paths and not listed:  # say why, as whea decode would (the problems dock shows it too)
        from ..store.backend import redact  # (a store URL's password never leaves the program)
        for problem in window.session.problems[:MAX_PROBLEMS_PRINTED]:
            print(f"whea-gui: {redact(problem, *paths)}", file=sys.stderr)
        print(f"whea-gui: no record to show in {redact(', '.join(map(str, paths)), *paths)}", file=sys.stderr)
        status = EXIT_FAIL
    elif paths and not window.select_record((record or 1) - 1):  # --record counts from 1
        print(f"whea-gui: --record {record}: only {listed} record(s) listed", file=sys.stderr)
        status = EXIT_FAIL
    app.processEvents()
    if select and not window.select_field(select):
        print(f"whea-gui: --select {select}: no such field in the selected record", file=sys.stderr)
        status = EXIT_FAIL
    if raise_dock:
        window.raise_dock(raise_dock)
        app.processEvents()
        wait_until(app, lambda: not window.decoding_faults)  # thresholds need fault locations
    for _ in range(3):  # let layouts settle and lazy summaries paint
        app.processEvents()
    if window.tree.currentIndex().isValid():  # the settled layout may have moved it out of view
        window.tree.scrollTo(window.tree.currentIndex())
        app.processEvents()
    image = window.grab().toImage().convertToFormat(QImage.Format_RGB888)  # no alpha: smaller
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), None, 0):  # 0 = smallest PNG
        print(f"whea-gui: cannot write {out}", file=sys.stderr)
        return EXIT_USAGE
    window.settings.sync()
    window.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
