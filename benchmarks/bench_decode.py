"""Records/s on the libcper-generated corpus: our index path, our located decode, and libcper.

Run: python benchmarks/bench_decode.py [--repeat N]
Prints figures and ratios; the machine is shared and noisy, so compare within one run.
`cper.parse` is libcper's Python binding (PyPI package `cper`; needs libjson-c-dev to build).
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"


def corpus() -> list[bytes]:
    files = [p for p in glob.glob(str(VECTORS / "libcper-generated" / "*" / "*.cper"))
             if "single-section" not in p]
    return [Path(p).read_bytes() for p in sorted(files)]


def rates(cases: dict, repeat: int) -> dict[str, float]:
    """Best time of each case, the cases interleaved so machine-load drift hits all alike."""
    best = {name: float("inf") for name in cases}
    for _ in range(repeat):
        for name, (fn, items) in cases.items():
            t = time.process_time()  # CPU time: less disturbed by other processes
            fn(items)
            best[name] = min(best[name], time.process_time() - t)
    return {name: len(cases[name][1]) / best[name] for name in cases}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--scale", type=int, default=20, help="corpus copies for the index path")
    args = ap.parse_args()
    recs = corpus()
    print(f"corpus: {len(recs)} records, {sum(map(len, recs))} bytes")

    from whea_gui.core.sections import decode_body  # noqa: F401  (section plug-ins load once)
    from whea_gui.decode.record import decode_record

    broken = [f.message for b in recs for f in decode_record(b).findings if f.code in
              ("internal", "decoder-failed")]
    assert not broken, f"decoder failures would make the figures meaningless: {broken[:3]}"

    def located(items):
        for b in items:
            decode_record(b)

    def located_headers(items):
        for b in items:
            decode_record(b, bodies=False)

    cases = {}
    try:
        from whea_gui.index.table import RecordTable

        big = recs * args.scale
        blob = b"".join(big)
        offsets, pos = [], 0
        for b in big:
            offsets.append(pos)
            pos += len(b)
        import numpy as np
        offs = np.array(offsets, dtype=np.int64)

        def index(_items):
            RecordTable.from_buffer(blob, offs)
        cases["index (numpy header+descriptor)"] = (index, big)
    except ImportError as exc:
        print(f"index path unavailable: {exc}")
    cases["located decode (header+descriptors)"] = (located_headers, recs)
    cases["located decode (full, all sections)"] = (located, recs)
    try:
        import cper

        def lib(items):
            for b in items:
                cper.parse(b)
        # libcper prints to the C stderr for unknown sections: silence fd 2 while it runs
        import os
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        cases["libcper cper.parse (whole record)"] = (lib, recs)
        try:
            results = rates(cases, args.repeat)
        finally:
            os.dup2(saved, 2)
            os.close(devnull)
            os.close(saved)
    except ImportError:
        print("cper (libcper binding) not installed: pip install cper (needs libjson-c-dev)")
        results = rates(cases, args.repeat)
    base = results.get("libcper cper.parse (whole record)")
    for name, r in results.items():
        ratio = f"  {r / base:6.2f}x libcper" if base else ""
        print(f"{name:42s} {r:14,.0f} records/s{ratio}")


if __name__ == "__main__":
    main()
