"""Time of the structured readers on the hostile inputs of issue #15 (figures for docs/sources.md).

    PYTHONPATH=$PWD python benchmarks/bench_hostile_readers.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuzz"))

import fuzzlib  # noqa: E402

from whea_gui.sources import eventxml, redfish  # noqa: E402


def _time(read, data: bytes) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    problems = []
    refs = list(read(data, "bench", problems.append))
    return time.perf_counter() - t0, len(refs), len(problems)


def main() -> None:
    record = fuzzlib.dwr_records()[0]
    for count in (10_000, 20_000, 100_000):
        data = (fuzzlib.unclosed_events(count) + fuzzlib.wevtutil_event(record, rid=1) + "</Events>").encode()
        dt, refs, probs = _time(eventxml.read_bytes, data)
        print(f"event XML, {count:7,} unclosed <Event tags, {len(data) / 1e6:5.2f} MB: {dt:6.3f} s "
              f"({refs} record, {probs} problems)")
    entry = fuzzlib.redfish_entry("1", record)
    for depth in (3_000, 100_000):
        bad = dict(entry, Links="__DEEP__")
        text = json.dumps({"Members": [bad, entry]}).replace('"__DEEP__"', "[" * depth + "]" * depth)
        dt, refs, probs = _time(redfish.read_bytes, text.encode())
        print(f"Redfish, a value nested {depth:7,} deep, {len(text) / 1e6:5.2f} MB: {dt:6.3f} s ({refs} records)")
    text = json.dumps({"Members": [dict(entry, Id="__N__"), entry]}).replace('"__N__"', "7" * 1_000_000)
    dt, refs, probs = _time(redfish.read_bytes, text.encode())
    print(f"Redfish, a 1,000,000-digit Id: {dt:6.3f} s ({refs} records)")


if __name__ == "__main__":
    main()
