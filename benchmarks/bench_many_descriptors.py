"""Issue #15: one record with many section descriptors, all pointing at one body.

    python benchmarks/bench_many_descriptors.py [--counts 1000,4000,16000,65535]

The record is libcper's generic/001.cper with its descriptor repeated (the tester's record; at
65,535 descriptors it is 4.7 MB). Each run is ``whea decode`` in a fresh child process, in text,
``--json`` and ``--json --tree`` output; it prints wall seconds, peak RSS and output size.
Linear work shows as seconds growing in proportion to the count.

Measured 2026-12-06 on a shared 2-CPU machine (load about 7, so seconds are noisy), seconds
for text / --json / --json --tree, peak RSS MB in brackets:

  descriptors  before (31febc7)                       after
  1,000        1.2 / 1.1 / 2.5     (62/52/70)         1.7 / 1.6 / 2.0    (62/52/70)
  4,000        5.1 / 3.8 / 6.6     (119/73/145)       3.7 / 3.0 / 5.6    (119/73/144)
  16,000       32.1 / 20.5 / 27.0  (343/159/332)      9.0 / 5.1 / 10.8   (258/160/334)
  65,535       not finished at 400 s (issue #15)      18.4 / 15.4 / 34.0 (443/526/775)

Text output stops at 200,000 field lines (18 MB) as --json --tree stops at 200,000 nodes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_many_descriptors import GENERIC, many_descriptors  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import run_decode  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", default="1000,4000,16000,65535")
    args = ap.parse_args()
    generic = GENERIC.read_bytes()
    modes = {"text": [], "json": ["--json"], "json tree": ["--json", "--tree"]}
    print(f"{'descriptors':>11} {'input MB':>9} {'output':10} {'wall s':>8} {'peak RSS MB':>12} "
          f"{'output MB':>10} exit")
    with tempfile.TemporaryDirectory(prefix="whea-bench-descriptors-") as work:
        for count in (int(c) for c in args.counts.split(",")):
            path = Path(work) / f"d{count}.cper"
            path.write_bytes(many_descriptors(generic, count))
            size = path.stat().st_size / (1 << 20)
            for label, flags in modes.items():
                r = run_decode([*flags, str(path)])
                if "error" in r:
                    print(f"{count:11} {size:9.2f} {label:10} failed: {r['error']}")
                    continue
                print(f"{count:11} {size:9.2f} {label:10} {r['wall_s']:8.2f} "
                      f"{r['peak_rss_mb']:12.0f} {r['out_bytes'] / (1 << 20):10.2f} {r['exit']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
