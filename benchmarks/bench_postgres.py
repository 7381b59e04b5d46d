"""PostgreSQL store figures (issue #16 targets), measured in one run on one server:

1. ingest: 4 concurrent writer processes through the store's write path (classification of
   each batch against stored keys with row locks, slot numbers, COPY) vs one bare COPY of the
   same rows into the same table. Target: writers >= 50% of bare COPY. The decoding a write
   also does (validation, fault keys) is measured separately: it is client CPU, not ingest.
2. a big store (``--rows``): the timeline (counts + severity bins) < 2 s and the threshold
   crossings (three rules, rolling 24 h windows) < 5 s, computed in the server; the window's
   first page < 2 s using < 500 MB (a child process: its peak RSS is its own).

    python benchmarks/bench_postgres.py                      # 1,000,000 rows, 200,000 ingested
    python benchmarks/bench_postgres.py --rows 10000000      # the issue's size (disk: ~15 GB)
    python benchmarks/bench_postgres.py --url postgresql://… # an existing, empty database

Without ``--url`` a throw-away cluster is started (tests/pgserver.py: fsync off, so figures
show the engine, not this machine's disk). Many rows are made quickly: a few thousand real
records are decoded and stored once, then ``INSERT … SELECT`` copies them with new hosts,
RecordIds and times (record bytes are the base record's: the figures are about the columns).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "fleet"))

import psycopg  # noqa: E402

from whea_gui.index.rates import default_rules  # noqa: E402
from whea_gui.store import open_store, pg_rows, pg_timeline, rules  # noqa: E402
from whea_gui.store.postgres import _check, copy_rows  # noqa: E402


def new_database(base_url: str, name: str) -> str:
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    scheme, _, rest = base_url.partition("://")
    netloc, slash, tail = rest.partition("/")
    db, q, query = tail.partition("?")
    return f"{scheme}://{netloc}/{name}{q}{query}"


def base_records(count: int):
    from fleet_data import fleet_records
    return fleet_records(count, seed=7)


def with_id(data: bytes, rid: int) -> bytes:
    out = bytearray(data)
    out[96:104] = rid.to_bytes(8, "little")
    return bytes(out)


def prepared(base, checked, timeline, count: int, offset: int):
    """``count`` (batch pair, checked, timeline) items: base records with new RecordIds."""
    items = []
    for k in range(count):
        i = k % len(base)
        rid = offset + k + 1
        data = with_id(checked[i].data, rid)
        c = rules.Checked(data, rid)
        items.append(((data, base[i][1]), c, timeline[i]))
    return items


# -- 1. ingest ----------------------------------------------------------------------------
def _writer(url, items, batch, barrier, out):
    with open_store(url) as store:
        barrier.wait()
        start = time.perf_counter()
        for b in range(0, len(items), batch):
            part = items[b:b + batch]
            results = store.write_checked([p for p, _, _ in part], [c for _, c, _ in part],
                                          [t for _, _, t in part])
            assert all(r.ok for r in results), results[0]
        out.put((start, time.perf_counter()))


def ingest(base_url: str, count: int, writers: int = 4, batch: int = 1000) -> None:
    base = base_records(2000)
    t = time.perf_counter()
    checked, timeline = _check(base, "header")
    decode_rate = len(base) / (time.perf_counter() - t)
    # bare COPY: the same rows (slot, index columns, crc, bytes) in one COPY
    url = new_database(base_url, "bench_copy")
    open_store(url).close()
    per = count // writers
    items = [it for w in range(writers) for it in prepared(base, checked, timeline, per, w << 40)]
    now = int(time.time())
    rows = pg_rows.index_rows([c.data for _, c, _ in items], [p[1] for p, _, _ in items],
                              [p[1]["host"] for p, _, _ in items], now, [t for _, _, t in items])
    stamped = [rules.stamp(c.data, k + 1) for k, (_, c, _) in enumerate(items)]
    with psycopg.connect(url, autocommit=True) as conn:
        start = time.perf_counter()
        with conn.transaction():
            copy_rows(conn, ((k + 1, *row, pg_rows.crc32(d), d)
                             for k, (row, d) in enumerate(zip(rows, stamped))))
        t_copy = time.perf_counter() - start
    del rows, stamped
    # the store's write path, 4 processes at once
    url = new_database(base_url, "bench_writers")
    open_store(url).close()
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, items[w * per:(w + 1) * per], batch, barrier, out))
             for w in range(writers)]
    for p in procs:
        p.start()
    spans = [out.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
    t_writers = max(e for _, e in spans) - min(s for s, _ in spans)
    with open_store(url) as store:
        assert len(store) == per * writers
    n = per * writers
    print(f"ingest of {n:,} rows: bare COPY {t_copy:.2f} s ({n / t_copy:,.0f} rows/s); "
          f"{writers} concurrent writers {t_writers:.2f} s ({n / t_writers:,.0f} rows/s) = "
          f"{t_copy / t_writers:.0%} of bare COPY (target >= 50%)")
    print(f"  client-side decoding for validation and fault keys: {decode_rate:,.0f} records/s "
          "per process (runs before the transaction; scales with client processes)")


# -- 2. a big store -------------------------------------------------------------------------
def build_big(base_url: str, count: int, hosts: int = 500, days: int = 360,
              name: str = "bench_big", fleet: str = "synthetic") -> str:
    """``count`` rows copied in SQL from 2,000 real records. ``fleet``: "synthetic" keeps each
    base record's fault keys under its new host — every DIMM and CPU then sees errors nearly
    every day and most cross the thresholds (a worst case); "realistic" spreads them over 64
    DIMMs and 64 CPUs per host, with one failing DIMM on one host in 50 and one failing CPU on
    one host in 100 taking 30% of their host's records (most keys quiet, a few failing). Its
    rows keep their columns but not the record bytes or the sections (disk: the figures it
    serves read keys and times only)."""
    url = new_database(base_url, name)
    base = base_records(2000)
    with open_store(url) as store:
        store.write_records(base, validate="header", batch_size=1000)
    start = time.perf_counter()
    copies = max(1, count // len(base))
    cols = [c for c in ("host", "record_id", "ts", "time_source", "event_time", "severity", "notify",
                        "creator", "section_types", "section_count", "length", "flags", "kind",
                        "problems", "src_path", "src_offset", "inserted_at", "notify_name",
                        "section_name", "component", "location", "page_key", "dimm_key", "cpu_key",
                        "summary", "sections", "crc", "data")]
    # ``hosts`` hosts; each copy shifts times by whole days, so the fleet spans ``days`` days
    new_host = f"'node' || lpad(((g.i * 7 + r.slot) % {hosts})::text, 4, '0')"

    def rekey(col):
        return f"regexp_replace({col}, '^[^|]*\\|', {new_host} || ' |')"

    expr = {"host": new_host, "record_id": "g.i * 10000 + r.slot",  # unique: slot <= 2000
            "ts": f"r.ts + (g.i % {max(1, days - 20)}) * 86400 - 20 * 86400",
            "location": rekey("r.location"), "page_key": rekey("r.page_key"),
            "dimm_key": rekey("r.dimm_key"), "cpu_key": rekey("r.cpu_key")}
    if fleet == "realistic":
        h = f"((g.i * 7 + r.slot) % {hosts})"
        share = "(g.i + r.slot) % 10 < 3"
        expr.update({
            "dimm_key": f"CASE WHEN r.dimm_key IS NULL THEN NULL WHEN {h} % 50 = 0 AND {share} "
                        f"THEN {new_host} || ' | DIMM failing' ELSE {new_host} || ' | DIMM ' || "
                        "((g.i * 13 + r.slot * 7) % 64) END",
            "cpu_key": f"CASE WHEN r.cpu_key IS NULL THEN NULL WHEN {h} % 100 = 1 AND {share} "
                       f"THEN {new_host} || ' | CPU failing' ELSE {new_host} || ' | CPU ' || "
                       "((g.i * 11 + r.slot * 5) % 64) END",
            "page_key": f"CASE WHEN r.page_key IS NULL THEN NULL WHEN {h} % 50 = 0 AND {share} "
                        f"THEN {new_host} || ' | page ' || ((g.i + r.slot) % 4) ELSE {new_host} "
                        "|| ' | page ' || (g.i * 2000 + r.slot) END",
            "data": "'\\x00'::bytea", "crc": str(zlib.crc32(b"\0")),
            "sections": "NULL"})
    select = ", ".join(expr.get(c, f"r.{c}") for c in cols)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE base AS SELECT * FROM whea_records")
        conn.execute("ALTER TABLE whea_records SET (autovacuum_enabled = false)")
        step = 200
        for lo in range(1, copies, step):
            hi = min(copies - 1, lo + step - 1)
            conn.execute(f"INSERT INTO whea_records ({', '.join(cols)}) SELECT {select} FROM base r "
                         f"CROSS JOIN generate_series({lo}, {hi}) AS g(i)")
            print(f"  built {min(hi + 1, copies) * len(base):,} rows "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
        conn.execute("VACUUM ANALYZE whea_records")
        conn.execute("VACUUM ANALYZE whea_key_days")
        n = conn.execute("SELECT count(*) FROM whea_records").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('whea_records'))").fetchone()[0]
    print(f"big store: {n:,} rows, {size}, built in {time.perf_counter() - start:.0f} s")
    return url


def backend_cpu(conn) -> float:
    """CPU seconds the connection's server process has used (from /proc: same machine)."""
    try:
        with open(f"/proc/{conn.info.backend_pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def timed(label: str, target: float | None, func, conn=None):
    """Wall time of ``func``; with ``conn``, also its CPU: the client's and the server
    process's (on a shared machine wall time is an upper bound, CPU what the work costs)."""
    server, cpu = (backend_cpu(conn) if conn else 0.0), time.process_time()
    start = time.perf_counter()
    value = func()
    took = time.perf_counter() - start
    goal = f" (target < {target:g} s)" if target else ""
    used = (f"; CPU: server {backend_cpu(conn) - server:.2f} s, client "
            f"{time.process_time() - cpu:.2f} s; load average {os.getloadavg()[0]:.1f}"
            if conn else "")
    print(f"{label}: {took:.2f} s{goal}{used}")
    return value


WINDOW_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
from whea_gui.ui.store_adapter import store_batch
batch = store_batch({url!r})
row = batch.data[0]
took = time.perf_counter() - start
# peak RSS of this process image (VmHWM): getrusage's ru_maxrss keeps the forking parent's
# high-water mark across exec, so a parent that held big arrays would be counted
hwm = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))
print(len(batch), batch.store_total, took, hwm)
"""


def queries(url: str, storms: bool = True) -> None:
    rules_ = default_rules()
    with open_store(url, readonly=True) as store:
        conn = store.conn

        def timeline():
            with conn.transaction():
                timed = conn.execute("SELECT sum(n) FROM whea_hour_counts WHERE hour >= 0").fetchone()[0]
                lo = conn.execute(f"SELECT ts FROM whea_records WHERE {pg_timeline.TIMED} "
                                  "ORDER BY ts LIMIT 1").fetchone()[0]
                hi = conn.execute(f"SELECT ts FROM whea_records WHERE {pg_timeline.TIMED} "
                                  "ORDER BY ts DESC LIMIT 1").fetchone()[0]
                return timed, pg_timeline.histogram(conn, "severity", None, (lo, hi), "store")

        timed_n, bins = timed("timeline (counts, span, severity bins over the whole store)", 2, timeline,
                                conn)
        print(f"  {timed_n:,} timed records in {len(bins['counts'])} bins of {bins['width']} s")

        def thresholds():
            with conn.transaction():
                return [c for i, r in enumerate(rules_) for c in pg_timeline.crossings(conn, r, i)]

        found = timed("threshold crossings (page, DIMM, CPU rules; rolling 24 h)", 5, thresholds, conn)
        print(f"  {len(found):,} crossings")
        for i, rule in enumerate(rules_):  # where the time goes, and what the rollup left out
            start = time.perf_counter()
            ranges = pg_timeline.candidate_ranges(conn, rule)
            t_ranges = time.perf_counter() - start
            one = pg_timeline.crossings(conn, rule, i)
            took = time.perf_counter() - start
            col = pg_timeline.SCOPE_COLUMNS[rule.scope]
            keys = conn.execute("SELECT count(DISTINCT key), coalesce(sum(n), 0) FROM whea_key_days "
                                "WHERE scope = %s AND severity = ANY(%s)",
                                (rule.scope, list(rule.severities))).fetchone()
            kept = conn.execute(
                f"SELECT count(*) FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) r(k, lo, hi) "
                f"JOIN whea_records w ON w.{col} = r.k AND w.ts BETWEEN r.lo AND r.hi "
                "WHERE w.severity = ANY(%s) AND w.time_source > 0",
                ([k for k, _, _ in ranges], [lo for _, lo, _ in ranges],
                 [hi for _, _, hi in ranges], list(rule.severities))).fetchone()[0] if ranges else 0
            print(f"  {rule.name}: {took:.2f} s ({t_ranges:.2f} s rollup); {len(one):,} crossings "
                  f"on {len({c[2] for c in one}):,} of {keys[0]:,} keys; window functions over "
                  f"{kept:,} of {int(keys[1]):,} matching records")
        if storms:  # fleet-wide: on a busy fleet most minutes can hold one (see docs/fleet.md)
            found = timed("storms (>= 10 records within 60 s)", None,
                          lambda: pg_timeline.storms(conn, 10, 60, 1 << 62), conn)
            print(f"  {len(found):,} storms")
            report = timed("whole `whea timeline` report without the per-record time list", None,
                           lambda: pg_timeline.analyse_store(store, rules_, record_times=False))
            print(f"  {report['records']:,} records, {len(report['crossings']):,} crossings, "
                  f"{report['faults']['faults']:,} fault locations")
    out = subprocess.run([sys.executable, "-c", WINDOW_CHILD.format(root=str(ROOT), url=url)],
                         capture_output=True, text=True, check=True).stdout.split()
    rows, total, took, rss = int(out[0]), int(out[1]), float(out[2]), int(out[3]) / 1024
    print(f"window first page: {rows:,} of {total:,} records in {took:.2f} s (target < 2 s), "
          f"peak RSS {rss:.0f} MB including Python and numpy (target < 500 MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--ingest", type=int, default=200_000)
    ap.add_argument("--url", help="an existing server's maintenance database URL "
                                  "(databases bench_* are created there)")
    ap.add_argument("--keep", action="store_true", help="leave bench_big for bench_parquet.py")
    ap.add_argument("--fleet", choices=["synthetic", "realistic"], default="synthetic",
                    help="how the big store's fault keys are spread (build_big)")
    ap.add_argument("--store", help="measure this already-filled store (skip ingest and build)")
    ap.add_argument("--no-storms", action="store_true",
                    help="skip the fleet-wide storms and the whole report (minutes on a busy 10M fleet)")
    args = ap.parse_args()
    server = None
    if args.url is None:
        import pgserver
        server = pgserver
        args.url = pgserver.cluster()
    try:
        print(f"machine: {os.cpu_count()} cores; server: {args.url.split('?')[0]}")
        if args.store:
            queries(args.store, storms=not args.no_storms)
            return
        ingest(args.url, args.ingest)
        big = build_big(args.url, args.rows, fleet=args.fleet)
        queries(big, storms=not args.no_storms)
        if args.keep:
            print(f"kept: {big}")
            input("press Enter to stop the server ...") if server else None
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
