"""PDF report of the 400 bundled sample records: summary (the default) and with per-record
detail, seconds and pages against the 15 s target. A figure to read, not a timed test.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_pdf.py [--input PATH]

Before per-record documents (one QTextDocument for the whole report, detail always on) the 400
samples took ~82-105 s and 1,257 pages on this shared two-core machine
(40 s of CPU). Wall time depends on what else runs; CPU time is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from whea_gui.report import write_report  # noqa: E402

LIMIT_S = 15.0


def pages(path: str) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", Path(path).read_bytes()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=str(ROOT / "resources" / "sample" / "sample-records.bin"))
    args = ap.parse_args()
    recs = [args.input]  # read and decoded inside write_report: the figure includes decoding
    with tempfile.TemporaryDirectory() as folder:
        for label, detail in (("summary (default)", None), ("per-record detail", True)):
            out = os.path.join(folder, "bench.pdf")
            t, cpu = time.perf_counter(), time.process_time()
            result = write_report(recs, out, generated_at="2025-01-01T00:00:00Z", detail=detail)
            secs, cpu = time.perf_counter() - t, time.process_time() - cpu
            verdict = "within" if secs <= LIMIT_S else "OVER"
            print(f"{label:18}: {result.records} records, {pages(out):,} pages, "
                  f"{os.path.getsize(out) / 2**20:.1f} MB, {secs:.1f} s ({verdict} the "
                  f"{LIMIT_S:.0f} s limit; {cpu:.1f} s of CPU, the figure on a busy machine)")


if __name__ == "__main__":
    main()
