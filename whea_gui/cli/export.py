"""``whea export --format parquet DIR PATH...``: records for analytics engines (docs/fleet.md).

Two Parquet tables, records and sections, Hive-partitioned by host and month; DuckDB, Spark
and Polars read the folder as it is. PATH is anything ``whea`` reads (files, folders, store
files) or a store spec (``postgresql://…``: exported from the store's columns, no decoding).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._inputs import ProblemLog

EPILOG = """exit status:
  0  every record was exported
  1  an input was read only in part (the export misses its damaged records)
  2  unusable arguments: an input that is missing or cannot be opened, a store that cannot be
     used, or an output folder that cannot be written; nothing is left half-written
  129, 130, 143  stopped by SIGHUP, Ctrl-C (SIGINT) or SIGTERM: the temporary folder is removed and DIR
     keeps what it held (an earlier export stays readable)
"""


def register(sub) -> None:
    p = sub.add_parser("export", help="export records as Parquet tables (records, sections)",
                       description="Export every record of each PATH (and --store) to DIR as "
                                   "Parquet, Hive-partitioned by host and month (month=YYYY-MM).",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("output", metavar="DIR", help="output folder (its records/ and sections/ "
                                                  "tables are replaced when complete)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--format", choices=["parquet"], default="parquet")
    p.add_argument("--store", metavar="SPEC", help="a store to export (also $WHEA_STORE when no "
                                                   "PATH is given)")
    p.add_argument("--replace", action="store_true",
                   help="delete files in DIR/records and DIR/sections that no export wrote "
                        "(without it such files make the export stop, naming them)")
    p.set_defaults(func=run)


def run(args) -> int:
    inputs = list(args.paths)
    if args.store:
        inputs.append(args.store)
    if not inputs and os.environ.get("WHEA_STORE"):
        inputs.append(os.environ["WHEA_STORE"])
    if not inputs:
        print("whea export: name a PATH or --store SPEC to export", file=sys.stderr)
        return EXIT_USAGE
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        print(f"whea export: {args.output} is a file, not a folder; nothing was written",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        import pyarrow  # noqa: F401 - the writer imports it late; checked here, before any input is read

        from ..report.parquet import ForeignFiles, NothingExported, export_inputs
    except ImportError as exc:
        print(f"whea export: Parquet needs pyarrow ({exc}); pip install pyarrow", file=sys.stderr)
        return EXIT_USAGE
    from ..report.stopping import Stopped
    from ..sources.base import SourceError
    from ..store import StoreError, redact

    problems = ProblemLog("whea export")
    try:
        result = export_inputs(inputs, args.output, problems, replace=args.replace, signals=True)
    except Stopped as exc:
        name = signal.Signals(exc.signum).name
        if exc.committed:
            print(f"whea export: {name} came as the export was moved into place; "
                  f"{args.output} holds the complete export", file=sys.stderr)
        else:
            print(f"whea export: stopped by {name}; the temporary folder was removed and "
                  f"{args.output} was left as it was", file=sys.stderr)
        return 128 + exc.signum
    except NothingExported as exc:  # (the inputs were read: they failed, as in decode: exit 1)
        print(f"whea export: {exc}; {args.output} was left as it was", file=sys.stderr)
        return EXIT_FINDINGS
    except ForeignFiles as exc:
        print(f"whea export: {exc}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    except (SourceError, StoreError) as exc:
        print(f"whea export: {redact(exc, *inputs)}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"whea export: cannot write {args.output} ({exc.strerror or exc}); nothing was "
              "written", file=sys.stderr)
        return EXIT_USAGE
    print(f"whea export: {result.records} records, {result.sections} sections → "
          f"{result.folder}/records, {result.folder}/sections (Parquet, host=/month= partitions)",
          file=sys.stderr)
    return EXIT_FINDINGS if problems.failed else EXIT_OK
