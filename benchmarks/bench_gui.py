"""GUI figures (offscreen): first paint of a 100,000-record file, record → tree + hex time,
hex view scrolling over a 50 MB buffer, record list scrolling over a million rows.

Run from the repository root:  python benchmarks/bench_gui.py [--records 100000]
Prints figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"


def sample_records() -> list[bytes]:
    """Whole, well-formed records of several types (each file is one record)."""
    out = []
    for p in sorted(VECTORS.glob("libcper-generated/*/00[1-4].cper")) + \
            sorted(VECTORS.glob("DecodeWheaRecord/cper_*.bin")):
        data = p.read_bytes()
        if data[:4] == b"CPER" and int.from_bytes(data[20:24], "little") == len(data):
            out.append(data)
    return out


def make_file(path: Path, count: int) -> int:
    recs = sample_records()
    with open(path, "wb") as fh:
        for i in range(count):
            fh.write(recs[i % len(recs)])
    return path.stat().st_size


def pump(app, until, timeout=600.0) -> None:
    end = time.monotonic() + timeout
    while not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args()
    from whea_gui.ui.settings import use_settings_dir
    from whea_gui.ui.window import MainWindow

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="whea-bench-"))
    use_settings_dir(str(tmp / "settings"))
    big = tmp / "records.bin"
    size = make_file(big, args.records)
    print(f"input: {args.records:,} records, {size / 1e6:.1f} MB ({big})")

    win = MainWindow()
    win.resize(1400, 900)
    win.show()
    app.processEvents()
    table = win.records_panel.view
    t0 = time.perf_counter()
    win.open_paths([big])
    pump(app, lambda: win.records_panel.model.rowCount() > 0)
    table.viewport().repaint()  # the first rows on screen
    first = time.perf_counter() - t0
    pump(app, lambda: not win.loading)
    loaded = time.perf_counter() - t0
    rows = win.records_panel.model.rowCount()
    print(f"first rows painted:        {ms(first)}")
    print(f"all {rows:,} rows listed:   {ms(loaded)}  ({rows / loaded:,.0f} records/s)")

    # select → tree and hex painted
    times = []
    rng = np.random.default_rng(1)
    for row in rng.integers(0, rows, 40).tolist():
        t = time.perf_counter()
        win.select_record(int(row))
        win.tree.viewport().repaint()
        win.hex.viewport().repaint()
        times.append(time.perf_counter() - t)
    print(f"select record → tree + hex: median {ms(statistics.median(times))}, "
          f"max {ms(max(times))} (40 random records, includes the full decode)")

    # 50 MB buffer in the hex view
    data = bytes(range(256)) * (50 * 1024 * 1024 // 256)
    t = time.perf_counter()
    win.hex.set_data(data)
    win.hex.set_regions([(0, len(data) // 2, __import__("whea_gui.ui.palette", fromlist=["x"])
                          .section_colour(0))])
    win.hex.viewport().repaint()
    print(f"hex view: 50 MB set + first paint {ms(time.perf_counter() - t)}")
    bar = win.hex.verticalScrollBar()
    frames = []
    for value in np.linspace(0, bar.maximum(), 200).astype(int).tolist():
        t = time.perf_counter()
        bar.setValue(value)
        win.hex.viewport().repaint()
        frames.append(time.perf_counter() - t)
    steps = []
    for _ in range(200):
        t = time.perf_counter()
        bar.setValue(bar.value() - 1)
        win.hex.viewport().repaint()
        steps.append(time.perf_counter() - t)
    print(f"hex view scroll (50 MB, {win.hex.visible_rows()} rows visible): jumps median "
          f"{ms(statistics.median(frames))}, line steps median {ms(statistics.median(steps))}, "
          f"max {ms(max(frames + steps))}")

    # record list with a million rows
    from whea_gui.session.recordset import Batch, RecordSet
    n = 1_000_000
    cols = {"time": rng.integers(1_600_000_000, 1_700_000_000, n).astype(np.int64),
            "severity": rng.integers(0, 4, n).astype(np.int16), "kind": np.zeros(n, np.int8),
            "notify": np.zeros(n, np.int32), "types": np.zeros(n, np.int32),
            "path": np.zeros(n, np.int32), "offset": np.arange(n, dtype=np.int64),
            "length": np.full(n, 1, np.int64)}
    rs = RecordSet()
    rec0 = sample_records()[0]
    rs.extend(Batch([rec0] * n, {}, cols, ["2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"],
                    [("9876ccad-47b4-4bdb-b65e-16f193c4f3db",)], ["/big.bin"]))
    model = win.records_panel.model
    model.set_records(rs)
    vbar = table.verticalScrollBar()
    frames = []
    for value in np.linspace(0, vbar.maximum(), 100).astype(int).tolist():
        t = time.perf_counter()
        vbar.setValue(value)
        table.viewport().repaint()
        frames.append(time.perf_counter() - t)
    t = time.perf_counter()
    table.sortByColumn(0, Qt.DescendingOrder)
    sort_t = time.perf_counter() - t
    from whea_gui.session.recordquery import RecordFilter
    t = time.perf_counter()
    model.set_filter(RecordFilter(severity=2, text="processor"))
    filt_t = time.perf_counter() - t
    print(f"record list, 1,000,000 rows: scroll frame median {ms(statistics.median(frames))}, "
          f"max {ms(max(frames))}; sort by time {ms(sort_t)}; filter {ms(filt_t)} "
          f"→ {model.rowCount():,} rows")
    win.close()


if __name__ == "__main__":
    main()
