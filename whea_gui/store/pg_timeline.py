"""``whea timeline`` over a PostgreSQL store, computed in the server.

Returns the very dict ``cli.timeline.analyse`` builds from decoded records (same keys, same
numbers), but the time bins, rolling 24 h windows, threshold crossings, storms and fault counts
are SQL over the store's columns, so a 10-million-record store is never pulled to the client.
The definitions are ``index.rates``'s, written as window functions:

* records are in store order (``slot``), which breaks ties at the same second, as a reader
  going through the store does;
* rolling count of a record = rows of its group (fault key, matching severity) ordered by
  (ts, slot) up to it, minus those more than ``window`` seconds older:
  ``row_number() - count(*) OVER (RANGE BETWEEN UNBOUNDED PRECEDING AND window+1 PRECEDING)``;
* a crossing is the row whose count reaches the threshold while the previous row of its group
  was below; the episode (gaps and islands) gives its peak and the last row still above;
* storm starts are rows with at least N rows within ``[t, t + window)``; overlapping bursts are
  merged on the client (few rows).
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np

from ..formats.cper import SEVERITY
from ..index.analysis import NONE_LABEL, OTHER_LABEL, SEVERITY_ORDER
from ..index.faults import TIME_SOURCE_NAMES
from ..index.rates import storms as find_storms
from ..index.timebins import TooManyBins, bin_edges, choose_bin_width, too_many_bins

TIMED = "ts IS NOT NULL AND time_source > 0"
# above this share of a scope's records in the candidate ranges, crossings read the candidate
# keys in one pass over the table instead of one index range scan per range
RANGE_SCAN_SHARE = 0.25
SCOPE_COLUMNS = {"page": "page_key", "dimm": "dimm_key", "cpu": "cpu_key", "location": "location"}
_SEVERITY_CASE = ("CASE severity " + " ".join(f"WHEN {s} THEN {i}" for i, s in enumerate(SEVERITY_ORDER))
                  + f" ELSE {len(SEVERITY_ORDER)} END")


def _iso(t) -> str | None:
    return None if t is None else dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def group_expression(by: str, label: str) -> str:
    """SQL for the label a record has in grouping ``by`` (NULL = none)."""
    if by == "severity":
        return _SEVERITY_CASE
    if by == "source":  # faults.source_label: the host, else the store's own name
        return f"coalesce(nullif(host, ''), '{label.replace(chr(39), chr(39) * 2)}')"
    return {"notify": "notify_name", "section": "section_name", "component": "component"}[by]


ROLLUP_GROUPS = {"severity": _SEVERITY_CASE, "notify": "nullif(notify_name, '')",
                 "section": "nullif(section_name, '')", "component": "nullif(component, '')"}
RECORD_COLUMNS = {"notify": "notify_name", "section": "section_name", "component": "component"}


def histogram(conn, by: str, width: int | None, span, label: str, max_groups: int = 8) -> dict:
    t0, t1 = span
    width = width or choose_bin_width(t1 - t0)
    too_many = too_many_bins(span, width, _iso)
    if too_many:
        raise TooManyBins(too_many)
    edges = bin_edges(t0, t1, width)
    start, nbins = int(edges[0]), len(edges) - 1
    if width % 3600 == 0 and by in ROLLUP_GROUPS:  # whole hours: the hourly rollup
        rows = conn.execute(
            f"SELECT (hour * 3600 - %s) / %s AS b, {ROLLUP_GROUPS[by]} AS g, sum(n)::bigint "
            "FROM whea_hour_counts WHERE hour >= 0 GROUP BY 1, 2 HAVING sum(n) <> 0",
            (start, width)).fetchall()
    else:
        rows = conn.execute(
            f"SELECT (ts - %s) / %s AS b, {group_expression(by, label)} AS g, count(*) "
            f"FROM whea_records WHERE {TIMED} GROUP BY 1, 2", (start, width)).fetchall()
    if by == "severity":
        present = sorted({g for _, g, _ in rows})
        order = present[:max_groups]
        names = [SEVERITY[s] for s in SEVERITY_ORDER] + ["Unknown"]
        labels = [names[g] for g in order]
        lut = {g: i for i, g in enumerate(order)}
        if present[max_groups:]:
            for g in present[max_groups:]:
                lut[g] = len(labels)
            labels.append(OTHER_LABEL)
    else:
        totals: dict = {}
        for _, g, n in rows:
            totals[g] = totals.get(g, 0) + n
        # the timeline orders groups by their count, ties by first appearance in store order
        first = _first_slots(conn, by, label, [g for g in totals if g is not None], totals)
        present = sorted((g for g in totals if g is not None), key=lambda g: (-totals[g], first.get(g, 0)))
        keep, rest = present[:max_groups], present[max_groups:]
        labels = list(keep)
        lut = {g: i for i, g in enumerate(keep)}
        if rest:
            for g in rest:
                lut[g] = len(labels)
            labels.append(OTHER_LABEL)
        if None in totals:
            lut[None] = len(labels)
            labels.append(NONE_LABEL)
    counts = np.zeros((nbins, max(len(labels), 1)), np.int64)
    for b, g, n in rows:
        counts[min(max(int(b), 0), nbins - 1), lut[g]] += n
    return {"by": by, "width": width, "start": _iso(edges[0]), "labels": labels,
            "counts": counts[:, :len(labels)].tolist()}


def _first_slots(conn, by: str, label: str, groups: list, totals: dict) -> dict:
    """Store position of the first record of each group whose count ties with another's
    (only ties need it: the order is by count first)."""
    seen: dict = {}
    for g in groups:
        seen.setdefault(totals[g], []).append(g)
    tied = [g for same in seen.values() if len(same) > 1 for g in same]
    expr = group_expression(by, label) if by == "source" else RECORD_COLUMNS[by]
    return {g: conn.execute(f"SELECT slot FROM whea_records WHERE {expr} = %s ORDER BY slot "
                            "LIMIT 1", (g,)).fetchone()[0] for g in tied}


def _day_bounds(day: int) -> tuple[int, int]:
    """The ts range [lo, hi] of the rollup's ``day`` = ``ts / 86400`` (SQL division truncates
    toward zero: day 0 holds (-86400, 86400))."""
    lo = day * 86400 if day > 0 else (day - 1) * 86400 + 1
    hi = (day + 1) * 86400 - 1 if day >= 0 else day * 86400
    return lo, hi


def candidate_ranges(conn, rule) -> list[tuple[str, int, int]]:
    """(key, first ts, last ts): the only records of ``rule``'s scope the window functions need
    to find every crossing exactly — from the key-day rollup, not the table.

    A record at or above the threshold has its whole window inside a run of ``days``
    consecutive days (as many as a window can touch) holding at least the threshold: a hot
    run. Keeping every hot run's records keeps each such record and its whole window, so its
    count is exact; any other kept record counts at most its true count, which is below the
    threshold, so it stays below. A crossing also needs the record before it to be below: for
    each block of hot days the last day with records before it is kept too, so the first
    record of a block follows its true predecessor (a below one) and not an earlier block's.

    Hot runs are found without summing every key-day. A run has at most ``slots`` rollup rows
    (days x severities); if none reaches ``seed`` (threshold / slots, rounded up) it sums to
    less than the threshold, so every hot run holds a seed row. The rows of at least ``low``
    (one less than a seed) are read, a range of the (scope, n) index; every other row holds
    at most ``low - 1``. A run holding a seed is hot when its rows read already reach the
    threshold, cannot be when those plus ``low - 1`` per slot not read stay below, and only
    the few in between are summed exactly (one primary-key range each)."""
    days = -(-int(rule.window) // 86400) + 1
    sev = "AND severity = ANY(%(sev)s)" if rule.severities else ""
    # every severity the index keeps (-1 missing, 0-3, 4 undefined) when the rule takes all
    slots = days * (len(rule.severities) or 6)
    th = int(rule.threshold)
    seed = max(1, -(-th // slots))
    low = max(1, seed - 1)
    params = {"scope": rule.scope, "sev": list(rule.severities), "low": low}
    hot: dict[str, set[int]] = {}  # key -> first day of each hot run
    unsure: list[tuple[str, int]] = []
    for key, day_list, sums in conn.execute(f"""
            SELECT key, array_agg(day), array_agg(n) FROM whea_key_days
            WHERE scope = %(scope)s {sev} AND n >= %(low)s GROUP BY key""",
                                            params, binary=True).fetchall():
        counts: dict[int, int] = {}  # day -> sum of its rows read, and how many
        rows: dict[int, int] = {}
        for d, n in zip(day_list, sums):
            counts[d] = counts.get(d, 0) + n
            rows[d] = rows.get(d, 0) + 1
        starts = {d - o for d, n in zip(day_list, sums) if n >= seed for o in range(days)}
        for lo in starts:
            total = read = 0
            for d in range(lo, lo + days):
                if d in counts:
                    total += counts[d]
                    read += rows[d]
            if total >= th:
                hot.setdefault(key, set()).add(lo)
            elif total + (slots - read) * (low - 1) >= th:
                unsure.append((key, lo))
    if unsure:
        params.update(keys=[k for k, _ in unsure], los=[lo for _, lo in unsure])
        for key, lo in conn.execute(f"""
                SELECT r.key, r.lo FROM unnest(%(keys)s::text[], %(los)s::bigint[]) AS r(key, lo)
                CROSS JOIN LATERAL (
                    SELECT sum(k.n) AS n FROM whea_key_days k
                    WHERE k.scope = %(scope)s AND k.key = r.key AND k.day BETWEEN r.lo AND r.lo + {days - 1}
                          {sev.replace("severity", "k.severity")}
                    OFFSET 0) t
                WHERE t.n >= {th}""", params):
            hot.setdefault(key, set()).add(lo)
    blocks: list[list] = []  # runs of hot days, each [key, first day, last day]
    for key in sorted(hot):
        for lo in sorted(hot[key]):
            if blocks and blocks[-1][0] == key and lo <= blocks[-1][2] + 1:
                blocks[-1][2] = max(blocks[-1][2], lo + days - 1)
            else:
                blocks.append([key, lo, lo + days - 1])
    if not blocks:
        return []
    # each block from the last day with records before it (one backward index probe each)
    params.update(keys=[b[0] for b in blocks], los=[b[1] for b in blocks])
    before = conn.execute(f"""
        SELECT (SELECT max(k.day) FROM whea_key_days k
                WHERE k.scope = %(scope)s AND k.key = r.key AND k.day < r.lo AND k.n > 0
                      {sev.replace("severity", "k.severity")})
        FROM unnest(%(keys)s::text[], %(los)s::bigint[]) WITH ORDINALITY AS r(key, lo, i)
        ORDER BY r.i""", params).fetchall()
    out: list[list] = []  # the blocks with their day before, merged where they now touch
    for (key, lo, hi), (prior,) in zip(blocks, before):
        lo = lo if prior is None else prior
        if out and out[-1][0] == key and lo <= out[-1][2] + 1:
            out[-1][2] = max(out[-1][2], hi)
        else:
            out.append([key, lo, hi])
    return [(key, _day_bounds(lo)[0], _day_bounds(hi)[1]) for key, lo, hi in out]


def crossings(conn, rule, index: int) -> list[tuple]:
    """(time, rule index, key, dict) of each crossing of ``rule`` (``order_crossings`` sorts)."""
    col = SCOPE_COLUMNS.get(rule.scope)
    if col is None:
        return []
    sev = "AND severity = ANY(%(sev)s)" if rule.severities else ""
    params = {"sev": list(rule.severities), "w1": int(rule.window) + 1,
              "th": int(rule.threshold)}
    with conn.transaction():  # the settings last until the query's transaction ends
        _query_settings(conn)
        return _crossings(conn, rule, index, col, sev, params)


def _query_settings(conn) -> None:
    """Sorts and hashes of a few hundred thousand rows stay in memory, and no JIT compiling
    (about 0.1 s a query, for queries that read a few thousand index pages)."""
    conn.execute("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)")


def _scope_records(conn, rule, sev: str, params: dict) -> int:
    """About how many records ``rule``'s scope holds: the row estimate of its key index
    (kept by VACUUM/ANALYZE and autovacuum; it only chooses between two plans with the same
    answer), else — an index never counted — the key-day rollup's exact sum."""
    estimate = conn.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                            (f"whea_records_{rule.scope}",)).fetchone()
    if estimate and estimate[0] is not None and estimate[0] > 0:  # 0: made empty, not counted since
        return int(estimate[0])
    return int(conn.execute(f"SELECT coalesce(sum(n), 0) FROM whea_key_days WHERE scope = "
                            f"%(scope)s {sev}", params).fetchone()[0])


def _crossings(conn, rule, index: int, col: str, sev: str, params: dict) -> list[tuple]:
    if rule.scope in ("page", "dimm", "cpu"):
        ranges = candidate_ranges(conn, rule)
        if not ranges:
            return []
        keys, los, his = (list(c) for c in zip(*ranges))
        params.update(keys=keys, los=los, his=his, scope=rule.scope)
        kept = conn.execute(f"""
            SELECT coalesce(sum(t.n), 0) FROM unnest(%(keys)s::text[], %(los)s::bigint[],
                        %(his)s::bigint[]) AS r(key, lo, hi)
            CROSS JOIN LATERAL (
                SELECT sum(k.n) AS n FROM whea_key_days k
                WHERE k.scope = %(scope)s AND k.key = r.key
                      AND k.day BETWEEN r.lo / 86400 AND r.hi / 86400
                      {sev.replace("severity", "k.severity")}
                OFFSET 0) t""", params).fetchone()[0]
        total = _scope_records(conn, rule, sev, params)
        # one (key, ts) index range scan per candidate range (OFFSET 0 keeps the planner from
        # turning the ranges into a join over the whole table) — unless the ranges hold much of
        # the scope's records (every key failing every day): then one pass over the table
        # reading the candidate keys is faster than millions of index lookups, same answer
        if int(kept) > int(total) * RANGE_SCAN_SHARE:
            select = f"""SELECT slot, ts, {col} AS k FROM whea_records
                         WHERE {col} = ANY(%(keys)s) AND {TIMED} {sev}"""
        else:
            select = f"""
            SELECT w.slot, w.ts, r.k
                FROM unnest(%(keys)s::text[], %(los)s::bigint[], %(his)s::bigint[]) AS r(k, lo, hi)
                CROSS JOIN LATERAL (
                    SELECT slot, ts FROM whea_records
                    WHERE {col} = r.k AND ts BETWEEN r.lo AND r.hi AND time_source > 0 {sev}
                    OFFSET 0) w"""
    else:
        select = f"SELECT slot, ts, {col} AS k FROM whea_records WHERE {col} IS NOT NULL AND {TIMED} {sev}"
    rows = conn.execute(f"""
        WITH sel AS ({select}),
        counted AS (
            SELECT slot, ts, k,
                   row_number() OVER (PARTITION BY k ORDER BY ts, slot)
                   - count(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING
                                    AND %(w1)s PRECEDING) AS n
            FROM sel),
        marked AS (
            SELECT *, n >= %(th)s AS above,
                   coalesce(lag(n >= %(th)s) OVER (PARTITION BY k ORDER BY ts, slot), false) AS prev
            FROM counted),
        episodes AS (
            SELECT *, sum((above AND NOT prev)::int) OVER (PARTITION BY k ORDER BY ts, slot) AS ep
            FROM marked)
        SELECT k, min(ts), max(n), max(ts) FROM episodes WHERE above GROUP BY k, ep""",
                        params).fetchall()
    # a count rises by at most one per record, so it reaches the threshold exactly
    return [(t, index, k, {"rule": rule.name, "location": k, "time": _iso(t),
                           "count": int(rule.threshold), "peak": int(peak), "until": _iso(until)})
            for k, t, peak, until in rows]


def order_crossings(conn, found: list[tuple], rules) -> list[dict]:
    """Crossings in the timeline's order: time, then rule, then the key's first appearance in
    store order — looked up only for crossings that tie on time and rule."""
    ties: dict[tuple, int] = {}
    for t, index, _k, _ in found:
        ties[(t, index)] = ties.get((t, index), 0) + 1
    first: dict[tuple, int] = {}
    for t, index, k, _ in found:
        if ties[(t, index)] > 1 and (index, k) not in first:
            col = SCOPE_COLUMNS[rules[index].scope]
            first[(index, k)] = conn.execute(f"SELECT min(slot) FROM whea_records WHERE {col} = %s",
                                             (k,)).fetchone()[0]
    found = sorted(found, key=lambda c: (c[0], c[1], first.get((c[1], c[2]), 0)))
    return [c[3] for c in found]


def storm_ranges(conn, min_count: int, window: int) -> list[tuple[int, int]]:
    """Time ranges [lo, hi) that can hold a storm: runs of minutes (as many as a window can
    touch) with at least ``min_count`` records, from the minute rollup; merged."""
    minutes = -(-int(window) // 60) + 1
    starts = [r[0] for r in conn.execute(f"""
        SELECT minute FROM (
            SELECT minute, sum(n) OVER (ORDER BY minute RANGE BETWEEN CURRENT ROW
                                        AND {minutes - 1} FOLLOWING) AS n
            FROM whea_minute_counts WHERE n > 0) w
        WHERE n >= %s ORDER BY minute""", (int(min_count),))]
    ranges: list[list[int]] = []
    for m in starts:
        lo, hi = m * 60, (m + minutes) * 60
        if ranges and lo <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], hi)
        else:
            ranges.append([lo, hi])
    return [(lo, hi) for lo, hi in ranges]


def storms(conn, min_count: int, window: int, timed: int) -> list[dict]:
    """Storms among the records in the candidate ranges (``index.rates.storms`` over their
    times): every record a storm can start at, and every record up to its window's end, lies
    inside them, so the storms found there are the storms of the whole store. Only those
    records' times leave the server."""
    if timed == 0 or min_count <= 0 or min_count > timed:
        return []
    ranges = storm_ranges(conn, min_count, window)
    if not ranges:
        return []
    # one index range scan per candidate range (LATERAL), never a join over the table; the
    # times come as binary COPY (14 bytes a row, read by numpy: a busy fleet's every minute can
    # hold a storm, and then every timed record is read) and are sorted here — records at the
    # same second are interchangeable for storms, so store order does not matter
    from psycopg import sql

    query = sql.SQL(
        "COPY (SELECT x.ts FROM unnest({}::bigint[], {}::bigint[]) AS r(lo, hi) CROSS JOIN "
        "LATERAL (SELECT ts FROM whea_records WHERE ts >= r.lo AND ts < r.hi AND {}) x) "
        "TO STDOUT (FORMAT binary)").format(sql.Literal([lo for lo, _ in ranges]),
                                            sql.Literal([hi for _, hi in ranges]), sql.SQL(TIMED))
    data = bytearray()
    with conn.cursor().copy(query) as stream:
        for block in stream:
            data += block
    times = np.sort(_binary_copy_int8(data))
    return [{"start": _iso(s.start), "end": _iso(s.end), "duration": s.duration,
             "count": s.count, "peak": s.peak}
            for s in find_storms(times, min_count, window)]


def _binary_copy_int8(data: bytes) -> np.ndarray:
    """The values of a one-column, never-null bigint ``COPY … (FORMAT binary)``: a 19-byte
    header (signature, flags, extension length 0), per row a field count (2 bytes), a length
    (4) and the value (8, big-endian), then a -1 trailer."""
    if len(data) < 21 or data[:11] != b"PGCOPY\n\xff\r\n\x00" or data[15:19] != bytes(4):
        raise ValueError("not a binary COPY of the expected shape")
    rows = np.frombuffer(memoryview(data)[19:len(data) - 2],
                         np.dtype([("fields", ">i2"), ("length", ">i4"), ("value", ">i8")]))
    if len(rows) and (np.any(rows["fields"] != 1) or np.any(rows["length"] != 8)):
        raise ValueError("binary COPY rows are not one bigint each")
    return rows["value"].astype(np.int64)


def store_label(path: str) -> str:
    """The store's name in a ``source`` grouping (records without a host): a URL's database
    name (not its query string), else the file name, as a SQLite store is labelled."""
    if "://" in path:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(path)
        return unquote(parts.path.strip("/")) or parts.hostname or path
    return os.path.basename(path) or path


def analyse_store(store, rules, *, by: str = "severity", width: int | None = None, top: int = 10,
                  storm: int = 10, storm_window: int = 60, source: dict | None = None,
                  record_times: bool = True) -> dict:
    """The timeline report of every record in a PostgreSQL store (see the module docstring).
    ``source`` is what each crossing and record time names as its source; ``record_times``
    False leaves out the one-entry-per-record list (the figures alone)."""
    source = source or {"path": store.path, "offset": 0}
    label = store_label(source["path"])
    with store._lock, store.conn.transaction():  # one snapshot for every figure
        conn = store.conn
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        n, *ts_counts = conn.execute(
            "SELECT coalesce(sum(n), 0)::bigint, "
            + ", ".join(f"coalesce(sum(n) FILTER (WHERE {'hour < 0' if i == 0 else f'hour >= 0 AND time_source = {i}'}), 0)::bigint"
                        for i in range(len(TIME_SOURCE_NAMES)))
            + " FROM whea_hour_counts").fetchone()
        counts = dict(zip(TIME_SOURCE_NAMES, (int(x) for x in ts_counts)))
        timed = n - counts["none"]
        span = None
        if timed:  # the ts index: first and last timed record
            t0 = conn.execute(f"SELECT ts FROM whea_records WHERE {TIMED} ORDER BY ts LIMIT 1").fetchone()[0]
            t1 = conn.execute(f"SELECT ts FROM whea_records WHERE {TIMED} ORDER BY ts DESC LIMIT 1").fetchone()[0]
            span = (int(t0), int(t1))
        bins = histogram(conn, by, width, span, label) if span else None
        found = order_crossings(conn, [c for i, r in enumerate(rules)
                                       for c in crossings(conn, r, i)], rules)
        storm_list = storms(conn, storm, storm_window, timed)
        located, faults = conn.execute("SELECT coalesce(sum(n), 0)::bigint, count(*) FILTER "
                                       "(WHERE n > 0) FROM whea_location_counts").fetchone()
        tops = top_locations(conn, top)
        times = [{"source": dict(source), "time": _iso(t) if tsrc else None,
                  "time_source": TIME_SOURCE_NAMES[tsrc]}
                 for t, tsrc in _times(conn)] if record_times else None
    return {
        "records": int(n), "timed": int(timed), "time_sources": counts,
        "span": {"start": _iso(span[0]), "end": _iso(span[1])} if span else None,
        "bins": bins,
        "thresholds": [{"name": r.name, "scope": r.scope, "threshold": r.threshold,
                        "window": r.window, "severities": [SEVERITY.get(s) for s in r.severities],
                        "origin": r.origin} for r in rules],
        "crossings": [{**c, "source": dict(source)} for c in found],
        "storms": storm_list,
        "faults": {"errors": int(n), "located": int(located), "unlocated": int(n - located),
                   "faults": int(faults)},
        "top_locations": [{"location": k, "count": int(c)} for k, c in tops],
        "record_times": times,
    }


def top_locations(conn, top: int) -> list[tuple[str, int]]:
    """The ``top`` locations by count, ties by location text in code-point order (``COLLATE
    "C"``, as Python and DuckDB compare), as ``TimelineData.top_locations`` orders them."""
    if top <= 0:
        return []
    rows = conn.execute('SELECT location, n FROM whea_location_counts WHERE n > 0 '
                        'ORDER BY n DESC, location COLLATE "C" LIMIT %s', (int(top),)).fetchall()
    return [(k, int(n)) for k, n in rows]


def _times(conn, chunk: int = 50000):
    """(ts, time source) of every record in store order, from a server-side cursor."""
    cur = conn.cursor(name="whea_timeline_times")
    cur.execute(f"SELECT CASE WHEN {TIMED} THEN ts END, CASE WHEN {TIMED} THEN time_source ELSE 0 "
                "END FROM whea_records ORDER BY slot")
    while True:
        rows = cur.fetchmany(chunk)
        if not rows:
            break
        yield from rows
    cur.close()
