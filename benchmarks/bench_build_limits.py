"""Figures for issue #15: whea build on a record at the 16 MiB cap and on hostile lines, and the
peak memory of whea generate for a large --count.

Run: python benchmarks/bench_build_limits.py [--generate N]
Prints figures only (the machine is shared and noisy). Figures measured when this was written:
16 MiB record line (22 MB of JSON): parse 1.0 s, validate 0.5 s, build 2.5 s, tracemalloc peak
78 MB; the worst line the value caps let through parses to ~112 MB; whea generate --count
1000000: 97 MB peak RSS (the list version: 185 MB at 100,000 records, 1.49 GB at 1,000,000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from whea_gui.compose.fromjson import build_line, parse_line, value_cap  # noqa: E402
from whea_gui.compose.jsonshape import DEFAULT_MAX_SIZE, validate  # noqa: E402
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header  # noqa: E402
from whea_gui.compose.values import EditError  # noqa: E402
from whea_gui.decode import decode_record, record_to_json  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def big_record() -> None:
    body = os.urandom(DEFAULT_MAX_SIZE - 400)
    data = assemble(make_header(), [SectionPart(
        make_descriptor("5e1ec7ed-0000-4000-8000-00000000b0d2"), body)])
    line = json.dumps(record_to_json(decode_record(data))).encode()
    obj, t_parse = timed(lambda: parse_line(line))
    _, t_valid = timed(lambda: validate(obj))
    res, t_build = timed(lambda: build_line(line))
    assert res.data == data
    tracemalloc.start()
    build_line(line)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"16 MiB record, {len(line) / 1e6:.1f} MB line: parse {t_parse:.2f} s, validate "
          f"{t_valid:.2f} s, build_line {t_build:.2f} s, peak {peak / 1e6:.0f} MB")


def hostile_lines() -> None:
    values, containers = value_cap(DEFAULT_MAX_SIZE)
    for what, item, n in (("objects", b"{}", containers - 10), ("numbers", b"123456789012", values - 10)):
        line = b'{"x": [' + b",".join([item] * n) + b"]}"
        tracemalloc.start()
        try:
            build_line(line)
        except EditError:
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"line of {n} {what} ({len(line) / 1e6:.1f} MB): peak {peak / 1e6:.0f} MB")


def generate_rss(count: int) -> None:
    code = ("import resource, sys; from whea_gui.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
    out = subprocess.run([sys.executable, "-c", code, "generate", "--count", str(count),
                          "--hosts", "a,b,c", "-o", os.devnull], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    print(f"whea generate --count {count}: peak RSS {out.stdout.strip()} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generate", type=int, default=20000)
    args = ap.parse_args()
    generate_rss(args.generate)  # first: Linux carries a parent's peak RSS into its children
    big_record()
    hostile_lines()


if __name__ == "__main__":
    main()
