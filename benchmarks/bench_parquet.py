"""Parquet figures (issue #16 targets), measured in one run:

1. ``whea export --format parquet`` of a 1,000,000-record PostgreSQL store (columns read by a
   server-side cursor, no decoding) — target < 30 s;
2. DuckDB per-DIMM corrected-error counts over 10,000,000 exported rows — target < 1 s. The
   10M rows are the 1M export written ten times by DuckDB under other host names, once in
   each of three Hive layouts: the export's (host=/month=), one folder per host and day (the
   export's layout before 2026-12-07) and one folder per host; one month's count is timed
   too (what a time partition is for).

    python benchmarks/bench_parquet.py                 # 1M records, 10M rows for DuckDB
    python benchmarks/bench_parquet.py --rows 200000   # quicker

The store is built as bench_postgres.py builds its big store (real records decoded once, then
copied in SQL with new hosts, ids and times), on a throw-away cluster unless ``--url`` names one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

import duckdb  # noqa: E402
from bench_postgres import build_big  # noqa: E402

from whea_gui.report.parquet import export_store_parquet  # noqa: E402
from whea_gui.store import open_store  # noqa: E402


class ServerCPU:
    """CPU seconds the server's backends for one database used while it ran (sampled from
    /proc every 0.2 s: a backend that ends keeps its last figure). With the machine shared,
    wall time is an upper bound; client + server CPU seconds say what the work costs."""

    def __init__(self, database: str) -> None:
        import threading
        self.tag = f" {database} "
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
                if not cmd.startswith("postgres: ") or self.tag not in cmd:
                    continue
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                self.seen[int(pid)] = (int(fields[11]) + int(fields[12])) / tick
            except OSError:
                continue

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def __enter__(self):
        self._sample()
        self.before = dict(self.seen)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()

    @property
    def seconds(self) -> float:
        return sum(v - self.before.get(pid, 0.0) for pid, v in self.seen.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--copies", type=int, default=10, help="DuckDB rows = rows x copies")
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--url")
    ap.add_argument("--store", help="export this already-filled store instead of building one")
    ap.add_argument("--export-only", action="store_true", help="skip the DuckDB layouts")
    args = ap.parse_args()
    server = None
    if args.url is None and args.store is None:
        import pgserver
        server = pgserver
        args.url = pgserver.cluster()
    work = Path(tempfile.mkdtemp(prefix="whea-bench-parquet-"))
    try:
        url = args.store or build_big(args.url, args.rows, hosts=args.hosts, days=args.days,
                                              name="bench_parquet")
        with open_store(url, readonly=True) as store:
            database = url.split("?")[0].rsplit("/", 1)[1]
            with ServerCPU(database) as server_cpu:
                start, cpu = time.perf_counter(), time.process_time()
                result = export_store_parquet(store, work / "export")
                took, cpu = time.perf_counter() - start, time.process_time() - cpu
        files = sum(len(f) for _, _, f in os.walk(work / "export"))
        print(f"Parquet export: {result.records:,} records + {result.sections:,} sections in "
              f"{took:.1f} s ({result.records / took:,.0f} records/s; target 1M < 30 s); "
              f"{files:,} files, {sum(p.stat().st_size for p in (work / 'export').rglob('*')) >> 20} MB; "
              f"CPU: client {cpu:.1f} s, server {server_cpu.seconds:.1f} s; load average "
              f"{os.getloadavg()[0]:.1f}")
        if args.export_only:
            return
        db = duckdb.connect()
        # bounded memory: one copy at a time (a single 10x COPY with PARTITION_BY took 23 GB)
        db.execute("SET memory_limit = '4GB'")
        db.execute("SET preserve_insertion_order = false")
        src = f"read_parquet('{work}/export/records/**/*.parquet', hive_partitioning = true)"
        # the layouts compared: the export's (host, month), the one before it (host, day) and
        # one folder per host; each holds the same 10M rows (the export copied under new hosts)
        layouts = {"host/month (the export's)": "host, month", "host/day (before)": "host, date",
                   "host only": "host"}
        for name, by in layouts.items():
            folder = work / "big" / by.replace(", ", "_")
            folder.mkdir(parents=True)
            start = time.perf_counter()
            for k in range(args.copies):
                extra = ", month" if "month" not in by else ""  # every layout keeps every column
                db.execute(f"COPY (SELECT * REPLACE (host || '-{k}' AS host){extra} FROM {src}) "
                           f"TO '{folder}/copy={k}' (FORMAT PARQUET, PARTITION_BY ({by}))")
            took = time.perf_counter() - start
            files = sum(1 for _ in folder.rglob("*.parquet"))
            table = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
            n = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            query = (f"SELECT host, dimm_key, count(*) FROM {table} WHERE dimm_key IS NOT NULL "
                     "AND severity = 2 GROUP BY ALL ORDER BY 3 DESC")
            times = []
            for _ in range(3):
                start = time.perf_counter()
                rows = db.execute(query).fetchall()
                times.append(time.perf_counter() - start)
            month = db.execute(f"SELECT min(month) FROM {table}").fetchone()[0]
            start = time.perf_counter()
            one = db.execute(f"SELECT count(*) FROM {table} WHERE month = '{month}' AND "
                             "severity = 2").fetchone()[0]
            t_month = time.perf_counter() - start
            print(f"DuckDB, {name}: {n:,} rows in {files:,} files (written in {took:.0f} s); "
                  f"per-DIMM corrected counts {min(times):.2f} s best of 3 (first {times[0]:.2f} s;"
                  f" target < 1 s), {len(rows):,} DIMMs, top {rows[0][2]:,}; one month's "
                  f"corrected count {t_month:.2f} s ({one:,})")
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
