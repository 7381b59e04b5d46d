"""Time and peak memory (RSS) of whole commands at growing record counts: ``whea generate``,
``whea timeline`` (a file, and a store), ``whea report`` (HTML, Markdown) and ``whea store
import``. Each command runs in its own process; its peak RSS comes from wait4().

    python benchmarks/bench_commands.py                      # 10k and 100k
    python benchmarks/bench_commands.py --counts 10000,100000,1000000
    python benchmarks/bench_commands.py --only timeline,report --counts 1000000

Target (issue #18, 4): every command streams, so peak RSS stays roughly flat from 10k to 1M
records (what grows is the columnar index and the analysis columns: 180–220 bytes a record at
the timeline's peak, README); the HTML report of 1M
records stays under ~50 MB. Figures are of this run on this machine; compare within a run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # --root: another checkout, e.g. for "before" figures
COMMANDS = ("generate", "timeline", "store", "report")
GENERATOR_ROOT = ROOT


def run(argv: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit status) of ``python -m whea_gui.cli ARGV``."""
    root = GENERATOR_ROOT if argv[0] == "generate" else ROOT  # the same input for every checkout
    env = dict(os.environ, PYTHONPATH=str(root), QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    # cwd: ``python -m`` puts the working folder first on sys.path, before PYTHONPATH
    proc = subprocess.Popen([sys.executable, "-m", "whea_gui.cli", *argv], env=env, cwd=root,
                            stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(f"  ! {' '.join(argv)} exited {proc.returncode}: {err[-500:]}")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def line(what: str, n: int, secs: float, rss: float, extra: str = "") -> None:
    print(f"  {what:28s} {n:>9,}  {secs:8.1f} s  {n / secs:>9,.0f} rec/s  peak RSS {rss:7.0f} MB"
          f"{'  ' + extra if extra else ''}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counts", default="10000,100000")
    ap.add_argument("--only", default=",".join(COMMANDS), help=f"subset of {','.join(COMMANDS)}")
    ap.add_argument("--report-formats", default="html,md")
    ap.add_argument("--root", help="run the commands of this checkout (default: this one)")
    ap.add_argument("--dir", help="work folder (default: a temporary one, removed after)")
    args = ap.parse_args()
    if args.root:
        global ROOT
        ROOT = Path(args.root).resolve()
        print(f"commands from {ROOT}")
    only = set(args.only.split(","))
    folder = Path(args.dir or tempfile.mkdtemp(prefix="whea-bench-cmd-"))
    rss_by: dict[str, list[tuple[int, float]]] = {}
    for n in [int(c) for c in args.counts.split(",")]:
        print(f"{n:,} records (generated: every section kind, 30 days, 8 hosts, storm, repeat)")
        data = folder / f"fleet-{n}.bin"
        secs, rss, _ = run(["generate", "--count", str(n), "--days", "30", "--storm", "--repeat",
                            "--hosts", ",".join(f"host-{i:02d}" for i in range(8)), "--seed", "1",
                            "-o", str(data)])
        if "generate" in only:
            line("whea generate", n, secs, rss, f"{data.stat().st_size / 1e6:,.0f} MB written")
            rss_by.setdefault("generate", []).append((n, rss))
        store = folder / f"fleet-{n}.sqlite"
        if "store" in only:
            for p in folder.glob(f"fleet-{n}.sqlite*"):
                p.unlink()
            secs, rss, _ = run(["store", "--store", str(store), "import", str(data), "--fast"])
            line("whea store import --fast", n, secs, rss)
            rss_by.setdefault("store import --fast", []).append((n, rss))
        if "timeline" in only:
            secs, rss, _ = run(["timeline", str(data), "--json"])
            line("whea timeline FILE --json", n, secs, rss)
            rss_by.setdefault("timeline FILE", []).append((n, rss))
            if "store" in only:
                secs, rss, _ = run(["timeline", str(store)])
                line("whea timeline STORE", n, secs, rss, "fault keys decoded: --fast import")
                rss_by.setdefault("timeline STORE", []).append((n, rss))
        if "report" in only:
            for fmt in args.report_formats.split(","):
                out = folder / f"report-{n}.{fmt}"
                secs, rss, _ = run(["report", str(data), "-o", str(out), "-q"])
                line(f"whea report -o .{fmt}", n, secs, rss, f"{out.stat().st_size / 1e6:,.1f} MB")
                rss_by.setdefault(f"report {fmt}", []).append((n, rss))
                out.unlink()
        for p in folder.glob(f"fleet-{n}*"):
            p.unlink()
    print("peak RSS growth (largest count / smallest):")
    for what, rows in rss_by.items():
        if len(rows) > 1:
            print(f"  {what:28s} {rows[-1][1] / rows[0][1]:5.1f}x  "
                  f"({', '.join(f'{n:,}: {r:.0f} MB' for n, r in rows)})")
    if not args.dir:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
