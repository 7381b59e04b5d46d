"""``whea generate``: reproducible synthetic records of every section kind, or a timeline."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..build.generate import all_kinds, describe_kinds, generate_timeline
from . import EXIT_OK, EXIT_USAGE


def register(sub) -> None:
    p = sub.add_parser(
        "generate", help="make synthetic records (any section kind, a month-long timeline ...)",
        description="Make valid synthetic CPER records, the same bytes for the same seed. "
                    "With --days, --storm, --repeat and --hosts they form a realistic timeline.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  whea generate --sections memory,pcie,xpf-mca --count 500 --days 30 "
               "--storm --repeat --hosts web-01,db-01 --seed 7 -o month.bin\n\n"
               "exit status: 0 written, 2 unusable arguments or unwritable output")
    p.add_argument("--sections", default="all", metavar="TYPE,...",
                   help="section kinds (see --list), GUIDs, or 'all' (default)")
    p.add_argument("--count", type=int, default=10, metavar="N")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="file for the records one after another ('-' = standard output)")
    p.add_argument("--split", metavar="DIR", help="write one .cper file per record into DIR")
    p.add_argument("--start", metavar="ISO", help="first possible time (default 2025-03-01)")
    p.add_argument("--days", type=float, metavar="D", help="time span (default: one hour per record)")
    p.add_argument("--storm", action="store_true", help="add a 2-hour burst of PCIe corrected errors")
    p.add_argument("--repeat", action="store_true",
                   help="add 14 corrected errors on one DIMM within 20 hours (over a threshold of 10)")
    p.add_argument("--hosts", metavar="NAME,...", help="spread records over these hosts")
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
    if args.count < 1:
        print("whea: --count must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    types = all_kinds() if args.sections == "all" else [t for t in args.sections.split(",") if t]
    try:
        start = dt.datetime.fromisoformat(args.start) if args.start else None
        span = dt.timedelta(days=args.days) if args.days else None
        records = generate_timeline(types, args.count, args.seed, start=start, span=span,
                                    storm=args.storm, repeat=args.repeat,
                                    hosts=args.hosts.split(",") if args.hosts else None,
                                    creator=args.creator)
    except ValueError as exc:
        print(f"whea: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.split:
            out = Path(args.split)
            out.mkdir(parents=True, exist_ok=True)
            width = len(str(len(records)))
            for i, g in enumerate(records):
                (out / f"{i:0{width}d}-{g.kinds[0]}.cper").write_bytes(g.data)
        if args.output == "-":
            sys.stdout.buffer.write(b"".join(g.data for g in records))
            sys.stdout.buffer.flush()
        elif args.output:
            Path(args.output).write_bytes(b"".join(g.data for g in records))
    except OSError as exc:
        print(f"whea: {exc.filename}: cannot write ({exc.strerror})", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
