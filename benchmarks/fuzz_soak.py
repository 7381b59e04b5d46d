"""Long fuzz soak of the structured readers (the CI suite runs a few thousand cases).

    PYTHONPATH=$PWD python benchmarks/fuzz_soak.py --cases 20000 [--reader redfish] [--seed 1]
        [--save-failures DIR] [--no-memory]

Prints cases tried / failed per reader and the kinds of failure; with --save-failures each
failing input is written to DIR/<reader>-<case>.bin with the failure text beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuzz"))

import fuzzlib  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=5000, help="cases per reader")
    ap.add_argument("--reader", action="append", choices=fuzzlib.READERS)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save-failures", type=Path)
    ap.add_argument("--no-memory", action="store_true", help="skip tracemalloc (about 2x faster)")
    args = ap.parse_args()
    corpus = fuzzlib.Corpus()
    total_failed = 0
    for reader in args.reader or fuzzlib.READERS:
        def save(n, data, failure, reader=reader):
            if args.save_failures:
                args.save_failures.mkdir(parents=True, exist_ok=True)
                (args.save_failures / f"{reader}-{n}.bin").write_bytes(data)
                (args.save_failures / f"{reader}-{n}.txt").write_text(failure + "\n")
        t0 = time.perf_counter()
        tried, failures = fuzzlib.fuzz(reader, args.cases, args.seed, corpus, on_failure=save,
                                       memory=not args.no_memory)
        dt = time.perf_counter() - t0
        total_failed += len(failures)
        kinds = ", ".join(f"{k} ×{c}" for k, c in fuzzlib.iter_failure_kinds(failures))
        print(f"{reader:9} tried {tried:6}  failed {len(failures):5}  {dt:6.1f} s  {kinds}", flush=True)
        for n, f in failures[:3]:
            print(f"          case {n}: {f[:160]}")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
