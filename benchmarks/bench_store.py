"""Store and record-table figures: header-index rate, import throughput, read latency, and the
time and memory to load the columnar index.

    python benchmarks/bench_store.py                # 1,000,000 records of ~1 KB
    python benchmarks/bench_store.py --count 50000  # quicker

Records are made by patching a real 1019-byte Windows record (RecordId, timestamp, severity)
with numpy; nothing is decoded to build them. Targets: header indexing >= 1,000,000 records/s;
loading the index of 1M stored records < 2 s and < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whea_gui.index.table import RecordTable  # noqa: E402
from whea_gui.store import Store  # noqa: E402

TEMPLATE = (Path(__file__).resolve().parents[1].parent / "shared" / "vectors" / "DecodeWheaRecord"
            / "cper_mce_fatal_amd_xpfmca_v3.bin")


def build(count: int, seed: int = 1) -> np.ndarray:
    """(count, 1019) uint8: the template with unique ids, binary timestamps over 2024, severities."""
    tpl = np.frombuffer(TEMPLATE.read_bytes(), np.uint8)
    rows = np.tile(tpl, (count, 1))
    rng = np.random.default_rng(seed)
    ids = np.arange(0x01DB000000000000, 0x01DB000000000000 + count, dtype="<u8")
    rows[:, 96:104] = ids.view(np.uint8).reshape(count, 8)
    rows[:, 12] = rng.integers(0, 4, count)
    secs = np.sort(rng.integers(0, 366 * 86400, count)) + np.datetime64("2024-01-01", "s").astype(np.int64)
    t = secs.astype("datetime64[s]")
    day = t.astype("datetime64[D]")
    month = t.astype("datetime64[M]")
    year = t.astype("datetime64[Y]").astype(np.int64) + 1970
    tod = (t - day).astype(np.int64)
    rows[:, 24] = tod % 60
    rows[:, 25] = tod // 60 % 60
    rows[:, 26] = tod // 3600
    rows[:, 28] = (day - month).astype(np.int64) + 1
    rows[:, 29] = month.astype(np.int64) % 12 + 1
    rows[:, 30] = year % 100
    rows[:, 31] = year // 100
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--dir", help="where to put the store (default: a temporary folder)")
    ap.add_argument("--batch", type=int, default=10_000, help="records per write transaction")
    args = ap.parse_args()
    n = args.count

    t0 = time.perf_counter()
    rows = build(n)
    size = rows.shape[1]
    print(f"built {n:,} records of {size} bytes in {time.perf_counter() - t0:.2f} s")

    flat = rows.reshape(-1)
    offsets = np.arange(n, dtype=np.int64) * size
    best = min(_timed(RecordTable.from_buffer, flat, offsets) for _ in range(5))
    print(f"RecordTable.from_buffer (header index): {n / best:,.0f} records/s ({best:.3f} s for {n:,})")
    m = min(n, 200_000)
    best = _timed(RecordTable.from_records, ((rows[i].tobytes(), {"path": "x"}) for i in range(m)))
    print(f"RecordTable.from_records (bytes + source dicts): {m / best:,.0f} records/s")

    folder = Path(args.dir or tempfile.mkdtemp(prefix="whea-bench-"))
    path = folder / "bench.sqlite"
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if p.exists():
            p.unlink()
    with Store(path) as store:
        t0 = time.perf_counter()
        summary = store.write_records(((rows[i].tobytes(), {"path": "bench.bin", "offset": i * size})
                                       for i in range(n)), validate="header", batch_size=args.batch)
        elapsed = time.perf_counter() - t0
    assert summary.written == n, summary
    rate = n / elapsed
    print(f"import: {rate:,.0f} records/s, {n * size / elapsed / 1e6:.1f} MB/s "
          f"({elapsed:.1f} s; batches of {args.batch}, synchronous=FULL)")
    bare = bare_executemany(path, folder / "bare.sqlite", min(n, 200_000), args.batch)
    print(f"bare SQLite executemany of the same rows (same schema, indexes, pragmas, batches): "
          f"{bare:,.0f} records/s; import / bare = {rate / bare:.0%} (target >= 50%)")
    plain = bare_executemany(path, folder / "bare.sqlite", min(n, 200_000), args.batch,
                             indexes=False)
    print(f"bare executemany without the secondary indexes (ts, severity, host, record id, "
          f"location): {plain:,.0f} records/s; import / that = {rate / plain:.0%}")
    print(f"store file: {os.path.getsize(path) / 1e6:,.0f} MB")

    with Store(path) as store:
        ids = [0x01DB000000000000 + random.Random(2).randrange(n) for _ in range(2000)]
        lat = []
        for rid in ids:
            t0 = time.perf_counter()
            result = store.read_error_record(rid)
            lat.append(time.perf_counter() - t0)
            assert result.status == 0
        lat.sort()
        print(f"read_error_record (random ids): median {statistics.median(lat) * 1e6:.0f} us, "
              f"p99 {lat[int(len(lat) * 0.99)] * 1e6:.0f} us")
        t0 = time.perf_counter()
        one = Store(path)
        opened = time.perf_counter() - t0
        one.close()
        print(f"open store: {opened * 1e3:.1f} ms")

    del rows, flat
    with Store(path) as store:
        tracemalloc.start()
        t0 = time.perf_counter()
        table = store.record_table()
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        t0 = time.perf_counter()
        hits = table.filter(severity=["fatal"], start="2024-03-01", end="2024-04-01")
        order = table.argsort("timestamp")
        query = time.perf_counter() - t0
    print(f"Store.record_table(): {len(table):,} rows in {elapsed:.2f} s, peak {peak / 1e6:.0f} MB "
          f"(tracemalloc), table {sum(c.nbytes for c in table.columns.values()) / 1e6:.0f} MB")
    print(f"filter + sort on the table: {query * 1e3:.0f} ms ({len(hits):,} hits, {len(order):,} sorted)")
    if not args.dir:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


def bare_executemany(src: Path, dst: Path, count: int, batch: int, indexes: bool = True) -> float:
    """Records/s of inserting the imported store's own rows (records + record_data, as stored)
    into a new store with plain ``executemany``: the floor the import's Python work adds to."""
    import sqlite3

    from whea_gui.store import schema

    with Store(dst) as fresh:
        if not indexes:
            for (name,) in fresh.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                              "AND sql IS NOT NULL").fetchall():
                fresh.conn.execute(f"DROP INDEX {name}")
    conn = sqlite3.connect(src)
    rec_cols = [r[1] for r in conn.execute("PRAGMA table_info(records)")]
    rows = conn.execute(f"SELECT {', '.join(rec_cols)} FROM records ORDER BY slot LIMIT ?",
                        (count,)).fetchall()
    data = conn.execute("SELECT slot, crc, data, origin FROM record_data ORDER BY slot LIMIT ?",
                        (count,)).fetchall()
    conn.close()
    out = sqlite3.connect(dst, isolation_level=None)
    schema.configure(out, readonly=False)
    marks = ", ".join("?" * len(rec_cols))
    t0 = time.perf_counter()
    for i in range(0, len(rows), batch):
        out.execute("BEGIN IMMEDIATE")
        out.executemany(f"INSERT INTO records ({', '.join(rec_cols)}) VALUES ({marks})",
                        rows[i:i + batch])
        out.executemany("INSERT INTO record_data (slot, crc, data, origin) VALUES (?, ?, ?, ?)",
                        data[i:i + batch])
        out.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    out.close()
    for p in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        if p.exists():
            p.unlink()
    return len(rows) / elapsed


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
