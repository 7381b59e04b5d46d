"""Report writing speed and memory: records/s and peak traced memory per format.

Run: python benchmarks/bench_report.py [--stream 100000] [--docs 1000] [--formats csv,json,...]

Generated records (``whea_gui.compose.generate``: every section kind, a storm and a repeated DIMM
fault over four hosts). JSON, JSON Lines and CSV get ``--stream`` records, HTML, Markdown and
PDF ``--docs``. The streaming formats are also run on a tenth as many records: their peak
memory should barely grow with the count (only the summary's ~25 bytes per record do). Peak
memory is traced by tracemalloc during write_report only (the input list is built before), and
records/s comes from a separate untraced run. The machine is shared and noisy: compare within
one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from whea_gui.compose.generate import RepeatFault, Storm, generate_timeline  # noqa: E402
from whea_gui.report import write_report  # noqa: E402

STREAMING = ("csv", "jsonl", "json")
DOCUMENTS = ("md", "html", "pdf")


def items(count: int) -> list[tuple[bytes, dict]]:
    gens = generate_timeline(None, count, 11, span=dt.timedelta(days=30),
                             storm=Storm(count=max(count // 20, 10), duration=dt.timedelta(minutes=5)),
                             repeat=RepeatFault(), hosts=["node-01", "node-02", "node-03", "node-04"])
    return [(g.data, {"path": f"{g.host}.bin", "offset": i * 512, "host": g.host})
            for i, g in enumerate(gens)]


def measure(recs, fmt: str, folder: str) -> tuple[float, float, int]:
    out = os.path.join(folder, f"bench.{fmt}")
    t = time.perf_counter()
    write_report(recs, out, generated_at="2025-01-01T00:00:00Z")
    rate = len(recs) / (time.perf_counter() - t)
    size = os.path.getsize(out)
    tracemalloc.start()
    write_report(recs, out, generated_at="2025-01-01T00:00:00Z")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rate, peak / 2**20, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stream", type=int, default=100_000, help="records for JSON/JSONL/CSV")
    ap.add_argument("--docs", type=int, default=1000, help="records for Markdown/HTML/PDF")
    ap.add_argument("--formats", default=",".join(STREAMING + DOCUMENTS))
    args = ap.parse_args()
    wanted = args.formats.split(",")
    print(f"{'format':7} {'records':>8} {'records/s':>10} {'peak MiB':>9} {'output MiB':>11}")
    with tempfile.TemporaryDirectory() as folder:
        for count, formats in ((args.stream // 10, STREAMING), (args.stream, STREAMING),
                               (args.docs, DOCUMENTS)):
            formats = [f for f in formats if f in wanted]
            if not formats:
                continue
            recs = items(count)
            for fmt in formats:
                rate, peak, size = measure(recs, fmt, folder)
                print(f"{fmt:7} {count:>8} {rate:>10.0f} {peak:>9.1f} {size / 2**20:>11.1f}",
                      flush=True)
            del recs


if __name__ == "__main__":
    main()
