"""What the benchmarks share: the best of several timings, and ``whea decode`` in a fresh child
process that reports its own wall time, peak RSS and output size."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The CLI runs in-process in the child; its output is counted, not kept (it can be gigabytes).
DECODE_CHILD = r"""
import io, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from whea_gui.cli import main

class Count(io.TextIOBase):
    n = 0
    def write(self, s):
        self.n += len(s.encode())
        return len(s)

out = Count()
sys.stdout = out
err = io.StringIO()
sys.stderr = err
t = time.perf_counter()
code = main(["decode", *sys.argv[2:]])
wall = time.perf_counter() - t
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.__stdout__.write(json.dumps({"wall_s": wall, "peak_rss_mb": peak_kb / 1024, "out_bytes": out.n,
                                 "exit": code, "stderr_lines": err.getvalue().count("\n")}))
"""


def best(fn: Callable[[], object], repeat: int) -> float:
    """The shortest of ``repeat`` timings of ``fn()``, in seconds (the least disturbed run)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run_decode(args: list[str], stdin_file: Path | None = None) -> dict:
    """``whea decode ARGS`` in a child: {"wall_s", "peak_rss_mb", "out_bytes", "exit",
    "stderr_lines"}, or {"error": [last stderr line]} when the child failed."""
    stdin = open(stdin_file, "rb") if stdin_file else subprocess.DEVNULL
    try:
        proc = subprocess.run([sys.executable, "-c", DECODE_CHILD, str(ROOT), *args], stdin=stdin,
                              capture_output=True, text=True, check=False)
    finally:
        if stdin_file:
            stdin.close()
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout)
