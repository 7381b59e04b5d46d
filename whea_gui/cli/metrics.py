"""``whea metrics STORE``: Prometheus metrics of a store (docs/fleet.md).

Two modes: a textfile for node_exporter's / windows_exporter's textfile collector
(``--textfile DIR/whea.prom``, written atomically; ``-`` = standard output), or an HTTP
endpoint (``--serve HOST:PORT``) that aggregates the store again on every scrape.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from . import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._args import count
from ._inputs import ProblemLog

EPILOG = """Alert rules with the timeline's mcelog/rasdaemon thresholds ship in
resources/prometheus/whea-alerts.yml (checked with `promtool check rules`).

exit status:
  0  metrics written (or served until interrupted)
  1  an input was read only in part, or the textfile could not be written
  2  unusable arguments: a store that cannot be opened, a bad HOST:PORT or --as-of
"""


def register(sub) -> None:
    p = sub.add_parser("metrics", help="Prometheus metrics of a store (textfile or HTTP)",
                       description="Counters of records by host, severity, component and "
                                   "location; threshold state per rule and location; time of "
                                   "the last record per host.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("store", metavar="STORE", nargs="?", default=None,
                   help="a store spec (postgresql://…, a store file) or any input whea reads "
                        "(default: $WHEA_STORE)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--textfile", metavar="FILE", default="-",
                      help="write the metrics here (*.prom for a textfile collector; default -)")
    mode.add_argument("--serve", metavar="HOST:PORT",
                      help="serve /metrics over HTTP (PORT 0: any free port, printed)")
    p.add_argument("--as-of", metavar="TIME", default=None,
                   help="threshold windows end at this ISO time, or 'last' (the newest record); "
                        "default: now")
    p.add_argument("--top-locations", type=count(0), default=None, metavar="N",
                   help="whea_location_records_total for each host's N busiest fault locations "
                        "(default 10; 0 = none)")
    p.add_argument("--page-min", type=count(1), default=None, metavar="N",
                   help="whea_fault_records_total series for a memory page once it holds N "
                        "records (default 10, the page threshold)")
    p.set_defaults(func=run)


def _as_of(text: str | None):
    if text is None or text == "last":
        return text
    from ..index.table import to_epoch
    value = to_epoch(text)
    if value < 0:
        raise ValueError(f"--as-of {text!r}: expected an ISO time or 'last'")
    return value


def run(args) -> int:
    try:
        import prometheus_client  # noqa: F401

        from ..report import metrics
    except ImportError as exc:
        print(f"whea metrics: needs prometheus-client ({exc}); pip install prometheus-client",
              file=sys.stderr)
        return EXIT_USAGE
    from ..sources.base import SourceError
    from ..store import StoreError, redact

    args.store = args.store or os.environ.get("WHEA_STORE")
    if not args.store:
        print("whea metrics: name a STORE (or set $WHEA_STORE)", file=sys.stderr)
        return EXIT_USAGE

    try:
        as_of = _as_of(args.as_of)
    except ValueError as exc:
        print(f"whea metrics: {exc}", file=sys.stderr)
        return EXIT_USAGE
    problems = ProblemLog("whea metrics")

    def get():
        return metrics.snapshot(args.store, as_of=as_of, on_problem=problems)

    limits = {"top_locations": metrics.TOP_LOCATIONS if args.top_locations is None
              else args.top_locations,
              "page_min": metrics.PAGE_MIN if args.page_min is None else args.page_min}
    try:
        first = get()  # an unusable store is a usage error now, not at the first scrape
    except (StoreError, SourceError) as exc:
        print(f"whea metrics: {redact(exc, args.store)}", file=sys.stderr)
        if args.textfile and args.textfile != "-" and not args.serve:
            # the collector would go on showing the last file's "up" and counters: replace it
            # with whea_store_up 0, what a scrape says when the store cannot be read
            _write_down(metrics, args.textfile)
        return EXIT_USAGE
    if args.serve:
        def scrape_failed(exc: Exception) -> None:  # one line; the server keeps answering
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            print(f"whea metrics: scrape failed, whea_store_up 0: {redact(text, args.store)}",
                  file=sys.stderr, flush=True)
        return _serve(args.serve, metrics.registry_for(get, scrape_failed, **limits))
    registry = metrics.registry_for(lambda: first, **limits)
    from prometheus_client import generate_latest, write_to_textfile
    if args.textfile == "-":
        sys.stdout.write(generate_latest(registry).decode("utf-8"))
    else:
        try:
            write_to_textfile(args.textfile, registry)  # a temporary file renamed into place
        except OSError as exc:
            print(f"whea metrics: cannot write {args.textfile} ({exc.strerror or exc})",
                  file=sys.stderr)
            return EXIT_FINDINGS
    return EXIT_FINDINGS if problems.failed else EXIT_OK


def _write_down(metrics, path: str) -> None:
    from prometheus_client import write_to_textfile

    def fail():
        raise RuntimeError("the store cannot be read")
    try:
        write_to_textfile(path, metrics.registry_for(fail, lambda exc: None))
    except OSError as exc:
        print(f"whea metrics: cannot write {path} ({exc.strerror or exc})", file=sys.stderr)


def _serve(where: str, registry) -> int:
    from prometheus_client import start_http_server

    host, sep, port = where.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()) or int(port) > 65535:
        print(f"whea metrics: --serve {where!r}: expected HOST:PORT", file=sys.stderr)
        return EXIT_USAGE
    host = host.strip("[]") or "127.0.0.1"
    try:
        server, _thread = start_http_server(int(port), addr=host, registry=registry)
    except OSError as exc:
        print(f"whea metrics: cannot listen on {where} ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_USAGE
    bound = server.server_address[1]
    print(f"whea metrics: serving http://{host}:{bound}/metrics (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return EXIT_OK
