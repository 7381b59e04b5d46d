"""Prometheus metrics of a record store (prometheus-client), for ``whea metrics``.

Families (labels in braces; docs/fleet.md and resources/prometheus/whea-alerts.yml use them):

* ``whea_records_total{host, severity, component}`` — records stored (always);
* ``whea_host_records_total{host, severity}`` — records per host and severity, every severity
  written for every host (zeros included): a series that first appears at 1 is not an increase
  to Prometheus' ``increase()``, so the fatal/recoverable alerts read these, which exist at 0
  before a host's first fatal record;
* ``whea_location_records_total{host, severity, component, location}`` — the same for each
  host's ``top_locations`` busiest fault locations only (bounded cardinality);
* ``whea_fault_records_total{host, scope, key, severity}`` — records per threshold scope key
  (``dimm``, ``cpu``: bounded by the hardware, so alert rules can apply the mcelog/rasdaemon
  thresholds with ``increase(...[24h])``; ``page`` keys only once a page holds ``page_min``
  records: pages are unbounded, their alert uses the windowed gauge below);
* ``whea_threshold_window_records{rule, scope, host, key}`` and ``whea_threshold_exceeded{...}``
  — each rule's rolling count over its window ending at the evaluation time (keys with records
  in the window only), and whether it reaches the threshold (the timeline's "above");
* ``whea_last_record_timestamp_seconds{host}`` — the newest record time per host;
* ``whea_store_records`` — records in the store.

``location`` and ``key`` are the timeline's fault keys without the ``host |`` prefix (the host
is its own label). A PostgreSQL store is aggregated in the server (GROUP BY over its columns);
any other input is decoded.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from ..index.rates import ThresholdRule, default_rules
from ..index.table import SEVERITY_NAMES

TOP_LOCATIONS = 10  # per host: whea_location_records_total series
LOCK_TIMEOUT = 4  # seconds a scrape waits for a table lock
STATEMENT_TIMEOUT = 60  # seconds a scrape's query may run (bounded, even on a huge store)
CONNECT_TIMEOUT = 5  # seconds to reach a PostgreSQL server for one scrape
PAGE_MIN = 10  # records of a memory page before it gets whea_fault_records_total series
SCOPE_COLUMNS = {"page": "page_key", "dimm": "dimm_key", "cpu": "cpu_key"}


HOST_SEVERITIES = tuple(dict.fromkeys([*SEVERITY_NAMES, "unknown"]))


def severity_label(code) -> str:
    if code is None or code < 0:
        return "unknown"
    return SEVERITY_NAMES[min(int(code), 4)]


def _unprefixed(host: str, key: str | None) -> str:
    if not key:
        return ""
    head, sep, rest = key.partition(" | ")
    return rest if sep and (head == host or not host) else key


@dataclass
class Snapshot:
    """Aggregates of a store at one moment (what one scrape or one textfile shows)."""
    records: Counter = field(default_factory=Counter)  # (host, severity, component, location)
    faults: Counter = field(default_factory=Counter)  # (host, scope, key, severity)
    thresholds: list[tuple[ThresholdRule, str, str, int]] = field(default_factory=list)
    last_time: dict[str, int] = field(default_factory=dict)
    total: int = 0
    as_of: int = 0


def snapshot_postgres(store, rules: list[ThresholdRule], as_of: int) -> Snapshot:
    snap = Snapshot(as_of=as_of)
    with store._lock, store.conn.transaction():
        conn = store.conn
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for host, sev, comp, loc, n in conn.execute(
                "SELECT host, severity, component, location, count(*) FROM whea_records "
                "GROUP BY 1, 2, 3, 4"):
            snap.records[(host, severity_label(sev), comp or "", _unprefixed(host, loc))] += n
            snap.total += n
        for scope, col in SCOPE_COLUMNS.items():
            for host, key, sev, n in conn.execute(
                    f"SELECT host, {col}, severity, count(*) FROM whea_records WHERE {col} IS NOT "
                    "NULL GROUP BY 1, 2, 3"):
                snap.faults[(host, scope, _unprefixed(host, key), severity_label(sev))] += n
        for host, last in conn.execute("SELECT host, max(ts) FROM whea_records WHERE ts IS NOT "
                                       "NULL AND time_source > 0 GROUP BY host"):
            snap.last_time[host] = int(last)
        for rule in rules:
            col = SCOPE_COLUMNS.get(rule.scope)
            if col is None:
                continue
            sev = "AND severity = ANY(%s)" if rule.severities else ""
            params = [as_of - rule.window, as_of] + ([list(rule.severities)] if rule.severities else [])
            for host, key, n in conn.execute(
                    f"SELECT host, {col}, count(*) FROM whea_records WHERE {col} IS NOT NULL AND "
                    f"time_source > 0 AND ts >= %s AND ts <= %s {sev} GROUP BY 1, 2", params):
                snap.thresholds.append((rule, host, _unprefixed(host, key), int(n)))
    return snap


def snapshot_table(table, rules: list[ThresholdRule], as_of: int) -> Snapshot:
    """The same aggregates from a SQLite store's index with its fault keys (``analysis_table``):
    no record is decoded again, as for ``whea timeline`` of a store."""
    import numpy as np

    c = table.columns
    strings = [*table.strings, ""]  # code -1 reads the last: no value

    def text(col: str) -> list[str]:
        return [strings[i] for i in np.asarray(c[col]).tolist()]

    hosts, comps, locs = text("host"), text("fault_component"), text("fault_location")
    sev_codes = np.asarray(c["severity"]).tolist()
    sevs = [severity_label(v) for v in sev_codes]
    timed = np.asarray(c["time_source"]) > 0
    times = np.where(timed, np.asarray(c["timestamp"]), -1).tolist()
    snap = Snapshot(as_of=as_of, total=len(table))
    snap.records.update(zip(hosts, sevs, comps, (_unprefixed(h, k) for h, k in zip(hosts, locs))))
    for host, t in zip(hosts, times):
        if t >= 0:
            snap.last_time[host] = max(snap.last_time.get(host, t), t)
    windows: Counter = Counter()
    for scope in SCOPE_COLUMNS:
        keys = text(f"fault_{scope}")
        picked = [r for r in rules if r.scope == scope]
        for host, key, sev, code, t in zip(hosts, keys, sevs, sev_codes, times):
            if not key:
                continue
            key = _unprefixed(host, key)
            snap.faults[(host, scope, key, sev)] += 1
            for rule in picked:
                if t >= 0 and as_of - rule.window <= t <= as_of \
                        and (not rule.severities or code in rule.severities):
                    windows[(rule.name, host, key)] += 1
    by_name = {r.name: r for r in rules}
    snap.thresholds = [(by_name[name], host, key, n) for (name, host, key), n in windows.items()]
    return snap


def snapshot_records(refs, rules: list[ThresholdRule], as_of: int) -> Snapshot:
    """The same aggregates from records read and decoded here (files, SQLite stores)."""
    from ..decode import decode_record
    from ..index import faults as _faults
    from ..store.pg_rows import timeline_fields
    from ..store.store import host_of

    snap = Snapshot(as_of=as_of)
    windows: Counter = Counter()
    for ref in refs:
        host = host_of(ref.source)
        rec = decode_record(ref.data, source=ref.source)
        fields = timeline_fields(rec, host)
        sev = (rec.header or {}).get("severity")
        sev = severity_label(sev if isinstance(sev, int) else None)
        snap.records[(host, sev, fields["component"] or "", _unprefixed(host, fields["location"]))] += 1
        snap.total += 1
        t, tsrc = _faults.record_time(rec)
        if t is not None and tsrc:
            snap.last_time[host] = max(snap.last_time.get(host, t), t)
        for scope, col in SCOPE_COLUMNS.items():
            key = fields[col]
            if not key:
                continue
            snap.faults[(host, scope, _unprefixed(host, key), sev)] += 1
            code = (rec.header or {}).get("severity")
            for rule in rules:
                if (rule.scope == scope and t is not None and tsrc
                        and as_of - rule.window <= t <= as_of
                        and (not rule.severities or code in rule.severities)):
                    windows[(rule.name, host, _unprefixed(host, key))] += 1
    by_name = {r.name: r for r in rules}
    snap.thresholds = [(by_name[name], host, key, n) for (name, host, key), n in windows.items()]
    return snap


def snapshot(spec: str, rules: list[ThresholdRule] | None = None, as_of: int | None = None,
             on_problem=None) -> Snapshot:
    """Aggregates of the store or input ``spec``; ``as_of`` None = now, "last" = the newest
    record's time (for a store of past records)."""
    from ..store import engine_of, open_store

    rules = default_rules() if rules is None else rules
    now = int(time.time()) if as_of is None or as_of == "last" else int(as_of)
    if engine_of(spec) in ("postgresql", "postgres"):
        # a short connect timeout: an unresponsive server must answer a scrape with
        # whea_store_up 0 within Prometheus' default 10 s scrape timeout (not after 30 s)
        # nor may a lock held on a table (a migration, a maintenance job) hold a scrape past
        # that timeout, from the schema check on: the scrape fails and says whea_store_up 0
        with open_store(spec, readonly=True, create=False, timeout=CONNECT_TIMEOUT,
                        settings={"lock_timeout": f"{LOCK_TIMEOUT}s",
                                  "statement_timeout": f"{STATEMENT_TIMEOUT}s"}) as store:
            if as_of == "last":
                last = store._query("SELECT max(ts) FROM whea_records WHERE time_source > 0",
                                    one=True)[0]
                now = int(last) if last is not None else now
            return snapshot_postgres(store, rules, now)
    table = _sqlite_store_table(spec, on_problem)
    if table is not None:
        if as_of == "last":
            t = table.columns["timestamp"][table.columns["time_source"] > 0]
            now = int(t.max()) if len(t) else now
        return snapshot_table(table, rules, now)
    from ..sources import iter_path

    refs = list(iter_path(spec, on_problem=on_problem, records_only=True))
    if not refs and on_problem is not None:  # as decode, timeline, report and export count it
        from ..sources.base import Problem
        from .inputs import NO_RECORD, is_store
        if not is_store(spec):
            on_problem(Problem(spec, None, NO_RECORD, "error"))
    if as_of == "last":
        from ..decode import decode_record
        from ..index import faults as _faults
        times = [_faults.record_time(decode_record(r.data, source=r.source))[0] for r in refs]
        times = [t for t in times if t is not None]
        now = max(times) if times else now
    return snapshot_records(refs, rules, now)


def _sqlite_store_table(spec: str, on_problem):
    """A SQLite store's index with every row's fault keys (damaged records left out and
    reported, as reading the store as a source does), or None for any other input."""
    from ..index.faultindex import FaultKeyer
    from ..sources.base import Problem
    from ..store.store import intact_analysis_table

    got = intact_analysis_table(spec, FaultKeyer())
    if got is None:
        return None
    table, damaged = got
    for text in damaged:
        if on_problem is not None:
            on_problem(Problem(spec, None, text, "error"))
    return table


class SnapshotCollector:
    """A prometheus-client collector: ``get()`` gives a fresh Snapshot on every scrape. When
    it fails (the database went down, the file went away) the scrape still answers, with
    ``whea_store_up 0`` alone, and ``on_error`` gets the exception (a one-line message);
    the next scrape tries again."""

    def __init__(self, get, on_error=None, *, top_locations: int = TOP_LOCATIONS,
                 page_min: int = PAGE_MIN) -> None:
        self.get = get
        self.on_error = on_error
        self.top_locations = top_locations
        self.page_min = page_min

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        help_up = "1 when the last scrape could read the store, 0 when it could not"
        try:
            snap = self.get()
        except Exception as exc:  # noqa: BLE001 - any failure: the scrape says down, not 500
            if self.on_error is None:
                raise
            self.on_error(exc)
            yield GaugeMetricFamily("whea_store_up", help_up, value=0)
            return
        yield GaugeMetricFamily("whea_store_up", help_up, value=1)
        records = CounterMetricFamily("whea_records", "WHEA error records stored, by host, "
                                      "severity and component",
                                      labels=["host", "severity", "component"])
        by_component: Counter = Counter()
        for (host, sev, comp, _loc), n in snap.records.items():
            by_component[(host, sev, comp)] += n
        for labels, n in sorted(by_component.items()):
            records.add_metric(list(labels), n)
        yield records
        per_host = CounterMetricFamily("whea_host_records", "WHEA error records stored, by host "
                                       "and severity (every severity, zeros included)",
                                       labels=["host", "severity"])
        by_host: Counter = Counter()
        for (host, sev, _comp), n in by_component.items():
            by_host[(host, sev)] += n
        for host in sorted({h for h, _s in by_host}):
            for sev in HOST_SEVERITIES:
                per_host.add_metric([host, sev], by_host.get((host, sev), 0))
        yield per_host
        located = CounterMetricFamily("whea_location_records", "Records of each host's busiest "
                                      f"fault locations (top {self.top_locations} per host)",
                                      labels=["host", "severity", "component", "location"])
        for labels, n in sorted(_top_locations(snap.records, self.top_locations).items()):
            located.add_metric(list(labels), n)
        yield located
        faults = CounterMetricFamily("whea_fault_records", "Records per threshold scope key "
                                     f"(dimm, cpu; page keys from {self.page_min} records on) "
                                     "and severity", labels=["host", "scope", "key", "severity"])
        pages: Counter = Counter()
        for (host, scope, key, _sev), n in snap.faults.items():
            if scope == "page":
                pages[(host, key)] += n
        for (host, scope, key, sev), n in sorted(snap.faults.items()):
            if scope != "page" or pages[(host, key)] >= self.page_min:
                faults.add_metric([host, scope, key, sev], n)
        yield faults
        count = GaugeMetricFamily("whea_threshold_window_records", "Matching records within "
                                  "the rule's window ending at the evaluation time",
                                  labels=["rule", "scope", "host", "key"])
        above = GaugeMetricFamily("whea_threshold_exceeded", "1 when the rule's rolling count "
                                  "reaches its threshold (mcelog/rasdaemon semantics)",
                                  labels=["rule", "scope", "host", "key"])
        for rule, host, key, n in sorted(snap.thresholds, key=lambda x: (x[0].name, x[1], x[2])):
            labels = [rule.name, rule.scope, host, key]
            count.add_metric(labels, n)
            above.add_metric(labels, 1 if n >= rule.threshold else 0)
        yield count
        yield above
        last = GaugeMetricFamily("whea_last_record_timestamp_seconds", "Time of the newest "
                                 "record per host (its own time, else the event time)",
                                 labels=["host"])
        for host, t in sorted(snap.last_time.items()):
            last.add_metric([host], t)
        yield last
        yield GaugeMetricFamily("whea_store_records", "Records in the store", value=snap.total)
        yield GaugeMetricFamily("whea_metrics_evaluated_at_seconds", "The time the threshold "
                                "windows end at", value=snap.as_of)


def _top_locations(records: Counter, top: int) -> Counter:
    """The (host, severity, component, location) counts of each host's ``top`` locations
    with the most records (ties: the location text), locationless records left out."""
    per_host: dict[str, Counter] = {}
    for (host, _sev, _comp, loc), n in records.items():
        if loc:
            per_host.setdefault(host, Counter())[loc] += n
    keep = {(host, loc) for host, locs in per_host.items()
            for loc, _n in sorted(locs.items(), key=lambda x: (-x[1], x[0]))[:max(top, 0)]}
    return Counter({k: n for k, n in records.items() if (k[0], k[3]) in keep})


def registry_for(get, on_error=None, **limits):
    """``limits``: ``top_locations``, ``page_min`` (SnapshotCollector)."""
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(get, on_error, **limits))
    return registry
