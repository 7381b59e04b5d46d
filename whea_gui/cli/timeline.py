"""``whea timeline PATH... [--json]``: when errors happened, threshold crossings, storms and the
locations that keep failing, for every record in the files (the timeline panel, as text).

Records stream through ``index.stream.TimelineBuilder``: only their index columns and fault keys
are kept (64 bytes a record while they are gathered, 180–220 at the analysis's peak with the
fault keys' text and the sorts), never the decoded records: a million records fit in 220–280 MB. A store file is read from its index (fault keys stored on import): no decode."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import replace

from ..formats.cper import SEVERITY
from ..index.analysis import GROUPINGS, TimelineData
from ..index.faults import TIME_SOURCE_NAMES
from ..index.rates import default_rules
from ..index.stream import TimelineBuilder
from ..index.timebins import too_many_bins, width_text
from ..sources import iter_path
from ..sources.base import Problem, SourceError
from ..sources.recoverable import is_recoverable, left_out
from ..store.backend import is_server_spec, redact
from . import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._args import count
from ._inputs import ProblemLog, damaged_store_problem

TIMELINE_EPILOG = """A crossing is the record whose count within the rule's window (same location,
matching severity) reaches the threshold; a storm is at least N records within the storm window.
Times are UTC: a record's own timestamp when valid, else its source's event time.

exit status:
  0  the analysis ran over every record (crossings and storms are findings, not errors)
  1  an input was read only in part (a damaged store or file: records are missing from the
     figures), or writing the output failed
  2  unusable arguments: an unknown option or value, or an input named on the command line
     that is missing or cannot be opened at all
"""


def register(sub) -> None:
    p = sub.add_parser("timeline", help="error timeline: bins, threshold crossings, storms, faults",
                       description="Analyse when the records in each PATH happened (- = stdin).",
                       epilog=TIMELINE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--store", metavar="SPEC",
                   help="a store to analyse; a postgresql:// store is analysed in the server")
    p.add_argument("--json", action="store_true", help="one JSON object with every figure")
    p.add_argument("--by", choices=sorted(GROUPINGS), default="severity",
                   help="group the bin counts by this column (default: severity)")
    p.add_argument("--bin", type=count(1), metavar="SECONDS", help="bin width (default: from the span)")
    p.add_argument("--top", type=count(0), default=10, metavar="N", help="top locations listed (10)")
    p.add_argument("--storm", type=count(1), default=10, metavar="N",
                   help="a storm is at least N records ... (default 10)")
    p.add_argument("--storm-window", type=count(1), default=60, metavar="SECONDS",
                   help="... within this many seconds (default 60)")
    p.add_argument("--threshold", action="append", default=[], metavar="SCOPE=N",
                   help="override a rule's threshold, e.g. dimm=12 (scopes: page, dimm, cpu)")
    p.set_defaults(func=run)


def _iso(t: float | None) -> str | None:
    return None if t is None else dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rules(overrides: list[str]):
    rules = default_rules()
    for item in overrides:
        scope, _, value = item.partition("=")
        idx = next((i for i, r in enumerate(rules) if r.scope == scope.strip()), None)
        if idx is None or not (value.strip().isascii() and value.strip().isdigit()) or int(value) < 1:
            raise ValueError(f"--threshold {item!r}: expected SCOPE=N with SCOPE one of "
                             f"{', '.join(r.scope for r in rules)} and N >= 1")
        rules[idx] = replace(rules[idx], threshold=int(value))
    return rules


def analyse(data: TimelineData, sources, args) -> dict:
    """Every figure of the run; ``sources`` is a sequence of per-record ``{"path", "offset"}``
    or a ``TimelineBuilder`` (then ``record_times`` is produced lazily, see ``write_json``)."""
    rules = _rules(args.threshold)
    h = data.histogram(by=args.by, width=args.bin) if data.timed else None
    crossings = [c for r in rules for c in data.crossings(r, keep=False)]  # one pass: none kept
    crossings.sort(key=lambda c: c.time)
    span = data.span()
    return {
        "records": data.n, "timed": data.timed, "time_sources": data.time_source_counts(),
        "span": {"start": _iso(span[0]), "end": _iso(span[1])} if span else None,
        "bins": None if h is None else {
            "by": args.by, "width": h.width, "start": _iso(h.edges[0]), "labels": h.labels,
            "counts": h.counts.tolist()},
        "thresholds": [{"name": r.name, "scope": r.scope, "threshold": r.threshold,
                        "window": r.window, "severities": [SEVERITY.get(s) for s in r.severities],
                        "origin": r.origin} for r in rules],
        "crossings": [{"rule": c.rule, "location": c.label, "time": _iso(c.time), "count": c.count,
                       "peak": c.peak, "until": _iso(c.until), "source": _source(sources, c.record)}
                      for c in crossings],
        "storms": [{"start": _iso(s.start), "end": _iso(s.end), "duration": s.duration,
                    "count": s.count, "peak": s.peak}
                   for s in data.storms(args.storm, args.storm_window)],
        "faults": data.fault_summary(),
        "top_locations": [{"location": k, "count": n} for k, n in data.top_locations(args.top)],
        "record_times": _record_times(data, sources),
    }


def _source(sources, i: int) -> dict:
    return sources.source_of(i) if isinstance(sources, TimelineBuilder) else sources[i]


def _record_times(data: TimelineData, sources):
    """One entry per record (a generator: a million of them are written, never held)."""
    it = sources.sources() if isinstance(sources, TimelineBuilder) else iter(sources)
    names = TIME_SOURCE_NAMES
    step = 1 << 16  # Python ints for a chunk at a time, not for a million records at once
    for lo in range(0, data.n, step):
        part = zip(data.times[lo:lo + step].tolist(), data.time_source[lo:lo + step].tolist())
        for (t, ts), src in zip(part, it):  # part first: zip must not draw a source past it
            yield {"source": src, "time": _iso(t) if ts else None, "time_source": names[ts]}


def write_json(report: dict, out) -> None:
    """The report as one JSON object, ``record_times`` streamed entry by entry."""
    head = {k: v for k, v in report.items() if k != "record_times"}
    out.write(json.dumps(head)[:-1] + ', "record_times": [')
    batch: list[str] = []
    first = True
    for entry in report["record_times"]:
        batch.append(json.dumps(entry))
        if len(batch) >= 4096:
            out.write(("" if first else ", ") + ", ".join(batch))
            first, batch = False, []
    if batch:
        out.write(("" if first else ", ") + ", ".join(batch))
    out.write("]}\n")


def render_text(report: dict, args) -> str:
    ts = report["time_sources"]
    out = [f"{report['records']:,} records: {report['timed']:,} on the timeline (own timestamp "
           f"{ts['record']:,}, event time {ts['event']:,}), {ts['none']:,} without a time"]
    if report["span"]:
        b = report["bins"]
        totals = [sum(row) for row in b["counts"]]
        busiest = max(range(len(totals)), key=totals.__getitem__)
        start = dt.datetime.fromisoformat(b["start"].replace("Z", "+00:00")).timestamp()
        out.append(f"Span {report['span']['start']} – {report['span']['end']}; "
                   f"{len(totals)} bins of {width_text(b['width'])}; busiest bin starts "
                   f"{_iso(start + busiest * b['width'])} with {totals[busiest]:,} records "
                   f"({', '.join(f'{lab} {row}' for lab, row in zip(b['labels'], b['counts'][busiest]) if row)})")
    out.append("Threshold crossings (the record whose count in the window reaches the threshold):")
    rules = {r["name"]: r for r in report["thresholds"]}
    for c in report["crossings"] or [None]:
        if c is None:
            out.append("  none")
            break
        r = rules[c["rule"]]
        out.append(f"  {c['time']}  {c['rule']} ({r['threshold']} per {r['window'] // 3600} h)  "
                   f"{c['location']}  peak {c['peak']}, above until {c['until']}")
    out.append(f"Storms (at least {args.storm} error records within {args.storm_window} s; WHEA's own "
               "log entries, WhLg and error-source tables, are not counted):")
    for s in report["storms"] or [None]:
        if s is None:
            out.append("  none")
            break
        out.append(f"  {s['start']} – {s['end']}  {s['count']:,} records, peak {s['peak']} "
                   f"per {args.storm_window} s")
    f = report["faults"]
    out.append(f"Faults: {f['faults']:,} distinct locations from {f['located']:,} located records "
               f"({f['unlocated']:,} without a location)")
    for loc in report["top_locations"]:
        out.append(f"  {loc['count']:>8,}  {loc['location']}")
    return "\n".join(out)


def run(args) -> int:
    try:
        rules = _rules(args.threshold)
    except ValueError as exc:
        print(f"whea: {exc}", file=sys.stderr)
        return EXIT_USAGE
    args.paths = args.paths + ([args.store] if args.store else [])
    if not args.paths and os.environ.get("WHEA_STORE"):  # as every store command
        args.paths = [os.environ["WHEA_STORE"]]
    if not args.paths:
        print("whea timeline: name a PATH or --store SPEC (or set $WHEA_STORE)", file=sys.stderr)
        return EXIT_USAGE
    if any(is_server_spec(p) for p in args.paths):
        return _run_in_server(args, rules)
    status = EXIT_OK
    problems = ProblemLog()
    builder = TimelineBuilder()
    for path in args.paths:
        damaged = damaged_store_problem(path)
        if damaged:
            problems.error(damaged)
        elif _add_store(builder, path, problems):
            continue
        found = [0]
        try:
            builder.add_all(_live(iter_path(path, on_problem=problems, records_only=True), problems, found))
        except SourceError as exc:
            print(f"whea: {redact(exc, path)}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        if not found[0]:  # as `whea decode` counts it: an input with no record failed
            problems.error(f"{redact(path)}: no record found in this input")
    data = builder.data()
    too_many = _too_many_bins(data, args.bin)
    if too_many:
        print(f"whea timeline: {too_many}", file=sys.stderr)
        return EXIT_USAGE
    report = analyse(data, builder, args)
    if args.json:
        write_json(report, sys.stdout)
    else:
        sys.stdout.write(render_text(report, args) + "\n")
    if problems.failed and status == EXIT_OK:
        status = EXIT_FINDINGS  # an input was read only in part: the figures miss records
    return status


def _too_many_bins(data: TimelineData, width: int | None) -> str | None:
    """Why ``--bin`` cannot be used over the records' span, or None."""
    span = data.span()
    return None if span is None else too_many_bins(span, width, _iso)


def _run_in_server(args, rules) -> int:
    """A PostgreSQL store: bins, rolling windows and crossings computed by the server."""
    from ..index.timebins import TooManyBins
    from ..store import StoreError, open_store
    from ..store.pg_timeline import analyse_store

    if len(args.paths) > 1:
        print("whea timeline: a PostgreSQL store is analysed in the server on its own; name it "
              "as the only input", file=sys.stderr)
        return EXIT_USAGE
    try:
        with open_store(args.paths[0], readonly=True, create=False) as store:
            report = analyse_store(store, rules, by=args.by, width=args.bin, top=args.top,
                                   storm=args.storm, storm_window=args.storm_window)
    except StoreError as exc:
        print(f"whea: {redact(exc, args.paths[0])}", file=sys.stderr)
        return EXIT_USAGE
    except TooManyBins as exc:
        print(f"whea timeline: {exc}", file=sys.stderr)
        return EXIT_USAGE
    text = json.dumps(report) if args.json else render_text(report, args)
    sys.stdout.write(text + "\n")
    return EXIT_OK


def _live(refs, problems, found: list[int]):
    """(bytes, source) of each record that is still an event: a cleared ERST record or a
    deleted HwErrRec variable (recoverable, still in the container) is named in a note.
    ``found[0]`` counts the records read, either kind."""
    for ref in refs:
        found[0] += 1
        if is_recoverable(ref.source):
            problems(left_out(ref.source))
            continue
        yield ref.data, ref.source


def _add_store(builder: TimelineBuilder, path: str, problems: ProblemLog) -> bool:
    """Add a store file's records from its index (True), or leave the path to the readers
    (False: not a store, or one that cannot be opened — the reader then says why)."""
    from ..store.store import intact_analysis_table

    if path == "-" or path.startswith("live:"):
        return False
    got = intact_analysis_table(path, builder.keyer)
    if got is None:
        return False
    table, damaged = got
    for text in damaged:  # as reading the store as a source reports them
        problems(Problem(path, None, text, "error"))
    builder.add_table(table, path)
    return True
