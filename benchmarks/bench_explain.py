"""Cost of the plain-language explanation (explain_record) and of the one-line summary.

Run from the repository root: ``python benchmarks/bench_explain.py [records]``. Decodes generated
records of every section kind, then times decode alone, decode + ``rec.summary`` (what
``decode --json`` and the record list pay) and ``explain_record`` alone (the explanation pane).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whea_gui.compose.generate import generate_records  # noqa: E402
from whea_gui.decode.explain import explain_record  # noqa: E402
from whea_gui.decode.record import decode_record  # noqa: E402


def timed(fn, items) -> float:
    start = time.perf_counter()
    for x in items:
        fn(x)
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    datas = generate_records(None, count, seed=11)
    decode = timed(decode_record, datas)
    with_summary = timed(lambda d: decode_record(d).summary, datas)
    recs = [decode_record(d) for d in datas]
    explain = timed(explain_record, recs)
    words = timed(lambda r: explain_record(r, cites=False), recs)
    print(f"{count} generated records of every kind")
    print(f"  decode only            {count / decode:9.0f} records/s")
    print(f"  decode + summary       {count / with_summary:9.0f} records/s")
    print(f"  explain_record alone   {count / explain:9.0f} records/s "
          f"({explain / count * 1e6:.0f} µs per record)")
    print(f"  ... without citations  {count / words:9.0f} records/s "
          f"({words / count * 1e6:.0f} µs per record; what rec.summary uses)")


if __name__ == "__main__":
    main()
