"""Timeline figures on a synthetic fleet (default 1,000,000 records over 30 days).

Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_timeline.py [--records N] [--repeat R]
Prints: numpy aggregation times (sorting the columns, binning, rolling 24 h counts and
crossings per rule, storms, fault grouping), the panel's first render (construction to
painted, once the columns are loaded) and zoom/pan redraws (re-bin + repaint, offscreen).
Targets: first render < 1 s, zoom/pan redraw < 100 ms. The machine is shared; compare
figures within one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import best  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def aggregation(args) -> object:
    from whea_gui.index.analysis import TimelineData
    from whea_gui.index.rates import default_rules
    from whea_gui.index.synthetic import synthetic_fleet

    t = time.perf_counter()
    data = synthetic_fleet(args.records)
    print(f"records: {data.n:,} ({data.timed:,} timed) generated in {ms(time.perf_counter() - t)}")

    def rebuild():
        TimelineData(data.times, time_source=data.time_source, severity=data.severity,
                     groups={k: v for k, v in data.groups.items() if k != "severity"},
                     faults=data.faults)

    print(f"  sort + columns (TimelineData)      {ms(best(rebuild, args.repeat))}")
    span = data.span()
    for by in ("severity", "component", "source"):
        data.histogram(by=by)  # first call builds the stack codes (cached afterwards)
        print(f"  bin whole span by {by:10s}       {ms(best(lambda b=by: data.histogram(by=b), args.repeat))}")
    mid = (span[0] + span[1]) / 2
    print(f"  bin one visible day                {ms(best(lambda: data.histogram(mid, mid + 86400), args.repeat))}")
    for rule in default_rules():
        def roll(r=rule):
            data._rolling.clear()
            return data.crossings(r)
        n = len(roll())
        print(f"  rolling 24 h + crossings: {rule.name:11s} {ms(best(roll, args.repeat))}  ({n:,} crossings)")
    n_storms = len(data.storms(10))
    print(f"  storms (>= 10 in 60 s)             {ms(best(lambda: data.storms(10), args.repeat))}"
          f"  ({n_storms:,} storms)")
    print(f"  top locations + fault summary      "
          f"{ms(best(lambda: (data.top_locations(15), data.fault_summary()), args.repeat))}"
          f"  ({data.fault_summary()['faults']:,} faults)")
    print(f"  RecordTable → TimelineData         {ms(best(lambda: from_table(data), args.repeat))}")
    return data


def from_table(data):
    """The same rows as a store RecordTable (codes into GUID and host strings), adapted back."""
    import numpy as np

    from whea_gui.index.analysis import from_record_table
    from whea_gui.index.table import RecordTable

    notify = ["2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890", "4e292f96-d843-4a55-a8c2-d481f27ebeee",
              "cf93c01f-1a16-4dfc-b8bc-9c4daf67c104", "e8f56ffe-919c-4cc5-ba88-65abe14913bb",
              "3d61a466-ab40-409a-a698-f362d464b38f"]
    sections = [("dc3ea0b0-a144-4797-b95b-53fa242b6e1d",), ("a5bc1114-6f64-4ede-b863-3e83ed7c83b1",),
                ("d995e954-bbc1-430f-ad91-b44dcb3c6f35",), ("81212a96-09ed-4996-9471-8d729c8e69ed",)]
    hosts = data.groups["source"].labels
    table = RecordTable({
        "timestamp": np.where(data.time_source > 0, data.times, -1),
        "time_source": data.time_source.astype(np.int8),
        "severity": data.severity.astype(np.int8),
        "notify": data.groups["notify"].codes, "section_types": data.groups["section"].codes,
        "host": data.groups["source"].codes + len(notify)}, notify + hosts, sections)
    return from_record_table(table, faults=data.faults)


def rendering(data, args) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from whea_gui.ui.timeline import TimelinePanel

    t, c = time.perf_counter(), time.process_time()
    panel = TimelinePanel(data)
    panel.resize(1400, 850)
    panel.show()
    app.processEvents()
    panel.grab()  # force a full paint
    first, first_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"first render (construct + paint)     {ms(first)}  target < 1000 ms "
          f"(CPU {ms(first_cpu).strip()})")

    span = data.span()
    vb = panel.plot.getPlotItem().getViewBox()
    views = []
    for days in (30, 7, 1, 1 / 24, 1 / 288):  # month, week, day, hour, 5 minutes
        width = days * 86400
        for k in range(4):  # pan across
            t0 = span[0] + (span[1] - span[0] - width) * k / 3
            views.append((t0, t0 + width))
    wall, cpu, rebins = [], [], []
    for t0, t1 in views:
        t, c = time.perf_counter(), time.process_time()
        vb.setXRange(t0, t1, padding=0)
        panel.rebin()  # what the debounce timer triggers
        rebins.append(time.perf_counter() - t)
        app.processEvents()  # repaints the plots
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(f"zoom/pan redraw over {len(views)} views:     median {ms(statistics.median(wall))}, "
          f"max {ms(max(wall))}  target < 100 ms")
    print(f"  of which re-binning                median {ms(statistics.median(rebins))}")
    print(f"  CPU time (less sensitive to load)  median {ms(statistics.median(cpu))}, "
          f"max {ms(max(cpu))}")
    panel.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = aggregation(args)
    rendering(data, args)


if __name__ == "__main__":
    main()
