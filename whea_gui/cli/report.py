"""``whea report PATH... -o OUT.{html,pdf,md,json,jsonl,csv}``: a report of the records, filtered
as in the window, written atomically (Ctrl-C leaves no half-written file)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from ..report import FORMATS, FilterError, ReportCancelled, ReportFilters, write_report
from ..report.writer import NothingRead
from ..store.backend import is_server_spec, redact
from . import EPILOG, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._args import count, output_problem, utf8_text
from ._inputs import ProblemLog, damaged_store_problem
from ._output import OutputError, same_file_problem

PROGRESS_EVERY = 1.0  # seconds between progress lines


def register(sub) -> None:
    p = sub.add_parser(
        "report", help="write an HTML, PDF, Markdown, JSON or CSV report of records",
        description="Report on every record in each PATH (files, folders, stores; - = standard "
                    "input). The format comes from the output's extension or --format.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="inputs (default: the store $WHEA_STORE names)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (- = standard output)")
    p.add_argument("--format", choices=sorted(FORMATS), help="output format (default: from OUT)")
    p.add_argument("--title", type=utf8_text, help="report title")
    p.add_argument("--since", metavar="TIME", help="only records at or after this ISO time")
    p.add_argument("--until", metavar="TIME",
                   help="only records at or before this ISO time (a date alone: the whole day)")
    p.add_argument("--severity", type=utf8_text, action="append", metavar="NAME",
                   help="only this severity (fatal, recoverable, corrected, informational); repeatable")
    p.add_argument("--type", type=utf8_text, action="append", dest="types", metavar="TYPE",
                   help="only records with this section type or notify type (name or GUID); repeatable")
    p.add_argument("--source", type=utf8_text, metavar="TEXT",
                   help="only records whose source path or host contains TEXT")
    p.add_argument("--record", type=count(1), metavar="N",
                   help="only the N-th record of the inputs, counted from 1 in reading order "
                        "(the report's # column; whea-gui --record counts the same way)")
    p.add_argument("--detail-limit", type=count(0), metavar="N",
                   help="detail at most N records (HTML and Markdown default: 1,000)")
    p.add_argument("--detail", action=argparse.BooleanOptionalAction, default=None,
                   help="every field of each record after the summary (the default for HTML and "
                        "Markdown; a PDF is a summary with one line per record unless --detail)")
    p.add_argument("--list-limit", type=count(0), metavar="N",
                   help="list at most N records in the record list (HTML and Markdown default: "
                        "20,000; the summary, thresholds and storms always count every record)")
    p.add_argument("--no-limits", action="store_true",
                   help="list and detail every record (a large report for many records)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    p.set_defaults(func=run)


class _Progress:
    """Throttled progress lines on standard error (a carriage-return line on a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = time.monotonic()
        self.shown = False
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        text = f"whea report: {done}" + (f" of {total}" if total else "") + " records"
        if self.tty:
            print("\r" + text, end="", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr, flush=True)
        self.shown = True

    def end(self) -> None:
        if self.shown and self.tty:
            print(file=sys.stderr)


def _missing_input(paths) -> str | None:
    """Why an input file named on the command line cannot be read at all (missing, not
    readable), or None; standard input and store URLs are checked by their readers."""
    for path in paths:
        if path == "-" or is_server_spec(path):
            continue
        if not os.path.exists(path):  # redacted: a mistyped store URL may hold a password
            return f"{redact(path)}: no such file or folder"
        if not os.access(path, os.R_OK):
            return f"{redact(path)}: cannot be read (permission denied)"
    return None


def _unopenable_store(paths) -> str | None:
    """Why a store spec among ``paths`` (``postgresql://…``, a ``word://`` typo) cannot be
    opened, password hidden; None when every one opens (files are checked while reading)."""
    from ..store import StoreError, engine_of, open_store, redact
    for path in paths:
        try:
            if engine_of(path) == "sqlite" or not is_server_spec(path):
                continue
            with open_store(path, readonly=True, create=False):
                pass
        except StoreError as exc:
            return redact(exc, path)
    return None


def run(args) -> int:
    if not args.paths and os.environ.get("WHEA_STORE"):
        args.paths = [os.environ["WHEA_STORE"]]
    if not args.paths:
        print("whea report: name a PATH (or set $WHEA_STORE)", file=sys.stderr)
        return EXIT_USAGE
    try:
        filters = ReportFilters.build(args.since, args.until, args.severity, args.types,
                                      args.source, args.record)
    except FilterError as exc:
        print(f"whea report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    same = same_file_problem(args.output, args.paths)
    if same:
        print(f"whea report: {same}", file=sys.stderr)
        return EXIT_USAGE
    problem = output_problem(args.output)
    if problem:
        print(f"whea report: cannot write {problem}", file=sys.stderr)
        return EXIT_USAGE
    unreachable = _unopenable_store(args.paths)
    if unreachable:  # a report without a whole store would look complete: write none
        print(f"whea report: {unreachable}; {args.output} was not written", file=sys.stderr)
        return EXIT_USAGE
    missing = _missing_input(args.paths)
    if missing:  # checked before the output is opened: an unusable run replaces no report
        print(f"whea report: {missing}; {args.output} was not written", file=sys.stderr)
        return EXIT_USAGE
    progress = _Progress(not args.quiet)
    problems = ProblemLog()
    for path in args.paths:
        damaged = damaged_store_problem(path)
        if damaged:
            problems.error(damaged)
    try:
        result = write_report(args.paths, args.output, args.format, filters, progress=progress,
                              title=args.title,
                              detail_limit=-1 if args.no_limits else args.detail_limit,
                              list_limit=-1 if args.no_limits else args.list_limit,
                              detail=args.detail, on_problem=problems)
    except ValueError as exc:  # unknown format or extension
        progress.end()
        print(f"whea report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NothingRead as exc:
        progress.end()
        print(f"whea report: {exc}; {args.output} was not written", file=sys.stderr)
        return EXIT_FINDINGS if exc.opened else EXIT_USAGE
    except (KeyboardInterrupt, ReportCancelled):
        progress.end()
        print(f"whea report: interrupted; {args.output} was not written", file=sys.stderr)
        return 130
    except (BrokenPipeError, OutputError):
        raise  # standard output failed: main() names it
    except OSError as exc:  # the inputs' read errors are problems in the report, so: OUT
        progress.end()
        name = "standard output" if args.output == "-" else args.output
        print(f"whea report: cannot write {name} ({exc.strerror or exc})"
              + ("" if args.output == "-" else "; it was not written"), file=sys.stderr)
        return EXIT_FINDINGS
    progress.end()
    if args.record is not None and result.records == 0:
        print(f"whea report: no record {args.record} matched (the inputs hold fewer records, or "
              "the other filters exclude it); the report is empty", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet and args.output != "-":
        print(f"whea report: {result.records} records → {result.path} ({result.format})",
              file=sys.stderr)
    if result.unreadable:
        return EXIT_USAGE
    if problems.failed:
        return EXIT_FINDINGS  # an input was read only in part: the report misses records
    return EXIT_FINDINGS if result.summary.get("records_with_errors") else EXIT_OK
