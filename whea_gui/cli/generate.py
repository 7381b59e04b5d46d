"""``whea generate``: reproducible synthetic records of every section kind, or a timeline.

Records stream to the output as they are made (only the time plan, ~20 bytes a record, is
held), into a temporary file that replaces OUT when every record is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from pathlib import Path

from ..compose.bodies import catalog
from ..compose.generate import MAX_COUNT, all_kinds, describe_kinds, iter_timeline
from ..core import guids
from . import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._args import utf8_text
from ._output import AtomicOutput, OutputError, is_broken_pipe


def count_arg(text: str) -> int:
    try:
        n = int(text.strip().replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of records") from None
    if not 1 <= n <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{n} records: give 1 to {MAX_COUNT:,} per run (more runs "
                                         "with other seeds make more)")
    return n


def days_arg(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if not math.isfinite(days) or not 0 < days <= 3_000_000:
        raise argparse.ArgumentTypeError(f"{text}: the span must be more than 0 and at most "
                                         "3,000,000 days")
    return days


def seed_arg(text: str) -> int:
    try:
        return int(text.strip().replace("_", ""), 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def register(sub) -> None:
    p = sub.add_parser(
        "generate", help="make synthetic records (any section kind, a month-long timeline ...)",
        description="Make valid synthetic CPER records, the same bytes for the same seed. "
                    "With --days, --storm, --repeat and --hosts they form a realistic timeline.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  whea generate --sections memory,pcie,xpf-mca --count 500 --days 30 "
               "--storm --repeat --hosts web-01,db-01 --seed 7 -o month.bin\n\n"
               "exit status:\n  0  every record written\n  1  writing failed part way (disk full, "
               "a closed pipe); OUT is left as it was\n  2  unusable arguments, or OUT's folder "
               "does not exist or is not writable")
    p.add_argument("--sections", type=utf8_text, default="all", metavar="TYPE,...",
                   help="section kinds by name or by their section-type GUID (both shown by --list), "
                        "or 'all' (default)")
    p.add_argument("--count", type=count_arg, default=10, metavar="N",
                   help=f"how many records (1 to {MAX_COUNT:,}; default 10)")
    p.add_argument("--seed", type=seed_arg, default=0, metavar="S")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="file for the records one after another ('-' = standard output)")
    p.add_argument("--split", metavar="DIR", help="write one .cper file per record into DIR")
    p.add_argument("--start", type=utf8_text, metavar="ISO", help="first possible time (default 2025-03-01)")
    p.add_argument("--days", type=days_arg, metavar="D",
                   help="time span (default: one hour per record)")
    p.add_argument("--storm", action="store_true", help="add a 2-hour burst of PCIe corrected errors")
    p.add_argument("--repeat", action="store_true",
                   help="add 14 corrected errors on one DIMM within 20 hours (over a threshold of 10)")
    p.add_argument("--hosts", type=utf8_text, metavar="NAME,...", help="spread records over these hosts")
    p.add_argument("--creator", choices=["windows", "uefi", "mixed"], default="windows",
                   help="windows: binary timestamps; uefi: firmware records with BCD timestamps")
    p.add_argument("--list", action="store_true", help="list the section kinds and exit")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.list:
        for key, guid, name in describe_kinds():
            print(f"{key:20} {guid}  {name}")
        return EXIT_OK
    if not args.output and not args.split:
        print("whea: generate needs -o OUT or --split DIR", file=sys.stderr)
        return EXIT_USAGE
    types = all_kinds() if args.sections == "all" else [t for t in args.sections.split(",") if t.strip()]
    hosts = [h for h in args.hosts.split(",") if h.strip()] if args.hosts else None
    if not types or args.hosts is not None and not hosts:
        print(f"whea: {'--hosts names no host' if types else '--sections names no kind'}",
              file=sys.stderr)
        return EXIT_USAGE
    for name in types:
        if catalog.find(name) is None and _is_guid(name):
            print(f"whea: --sections: {name.strip()} is a section type this generator has no "
                  "body for; give a kind or GUID listed by --list", file=sys.stderr)
            return EXIT_USAGE
    try:
        start = dt.datetime.fromisoformat(args.start).replace(tzinfo=None) if args.start else None
    except ValueError:
        print(f"whea: --start: {args.start!r} is not an ISO date and time (e.g. 2025-03-01T08:00)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        span = dt.timedelta(days=args.days) if args.days else None
        records = iter_timeline(types, args.count, args.seed, start=start, span=span,
                                storm=args.storm, repeat=args.repeat, hosts=hosts,
                                creator=args.creator)
        first = next(records)  # the options are checked before the first record is made
    except (ValueError, OverflowError) as exc:
        print(f"whea: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out = folder = None
    try:
        if args.split:
            folder = Path(args.split)
            folder.mkdir(parents=True, exist_ok=True)
        if args.output:
            try:
                out = AtomicOutput(args.output)
            except OutputError as exc:  # a missing or unwritable folder: an unusable argument
                print(f"whea: {exc}", file=sys.stderr)
                return EXIT_USAGE
        width = len(str(args.count))
        for i, g in enumerate(_chain(first, records)):
            if folder is not None:
                (folder / f"{i:0{width}d}-{g.kinds[0]}.cper").write_bytes(g.data)
            if out is not None:
                out.write(g.data)
        if out is not None:
            out.commit()
    except OutputError as exc:
        if out is not None:
            out.discard()
        if is_broken_pipe(exc):
            raise  # the reader went away (| head): main() ends quietly
        print(f"whea: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except OSError as exc:  # --split: the folder or one of its files
        if out is not None:
            out.discard()
        print(f"whea: {exc.filename or args.split}: cannot write ({exc.strerror or exc})",
              file=sys.stderr)
        return EXIT_FINDINGS
    except BaseException:
        if out is not None:
            out.discard()
        raise
    return EXIT_OK


def _is_guid(text: str) -> bool:
    try:
        guids.guid_bytes(text.strip())
    except ValueError:
        return False
    return True


def _chain(first, rest):
    yield first
    yield from rest
