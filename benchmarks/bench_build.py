"""Builder figures: records/s to generate, to rebuild from JSON, to diff, and field edits/s.

Run: python benchmarks/bench_build.py [--count N] [--repeat N]
Prints figures only (the machine is shared and noisy; compare within one run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import best  # noqa: E402

from whea_gui.compose import RecordEditor, build_record  # noqa: E402
from whea_gui.compose.diff import diff_records  # noqa: E402
from whea_gui.compose.generate import generate_records  # noqa: E402
from whea_gui.decode import decode_record, record_to_json  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.count
    kinds = ["memory", "processor-generic", "pcie", "xpf-mca", "ia32x64"]

    def gen():
        return generate_records(kinds, n, seed=1, span=dt.timedelta(days=30), storm=True,
                                repeat=True, hosts=["a", "b", "c"])

    t = best(gen, args.repeat)
    records = gen()
    size = sum(map(len, records))
    print(f"generate: {n / t:10.0f} records/s  ({n} records, {size / 1e6:.1f} MB, {t:.2f} s)")

    jsons = [json.dumps(record_to_json(decode_record(d))) for d in records]
    t = best(lambda: [json.dumps(record_to_json(decode_record(d))) for d in records], args.repeat)
    print(f"decode -> JSON: {n / t:10.0f} records/s")
    t = best(lambda: [build_record(json.loads(j)) for j in jsons], args.repeat)
    print(f"JSON -> build:  {n / t:10.0f} records/s")
    assert all(build_record(json.loads(j)).data == d for j, d in zip(jsons, records))

    pairs = list(zip(records, records[1:]))
    t = best(lambda: [diff_records(a, b) for a, b in pairs], args.repeat)
    print(f"diff:           {len(pairs) / t:10.0f} record pairs/s")

    ed = RecordEditor(records[0])
    m = 500

    def edits():
        for i in range(m):
            ed.set_field("header.record_id", i)
    t = best(edits, args.repeat)
    print(f"edit (set_field + re-decode): {m / t:8.0f} edits/s")


if __name__ == "__main__":
    main()
