"""``whea build FILE.jsonl -o OUT``: record bytes from ``whea decode --json`` output."""

from __future__ import annotations

import argparse
import json
import sys

from ..build.fromjson import build_record
from ..build.values import EditError
from ..decode import decode_record
from . import EPILOG, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


def register(sub) -> None:
    p = sub.add_parser(
        "build", help="build record bytes from (edited) whea decode --json output",
        description="Build the records described by FILE (JSON Lines as written by "
                    "'whea decode --json', '-' = standard input). Structured values win over the "
                    "raw bytes kept in the JSON, so editing a value changes the record; "
                    "unedited JSON gives back the identical bytes.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="where to write the records, one after another ('-' = standard output)")
    p.add_argument("--fix-up", action="store_true",
                   help="lay each record out again: section count, offsets, lengths, RecordLength")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
    except OSError as exc:
        print(f"whea: {args.file}: cannot read ({exc.strerror})", file=sys.stderr)
        return EXIT_USAGE
    records = []
    status = EXIT_OK
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            res = build_record(obj, fix_up=args.fix_up)
        except json.JSONDecodeError as exc:
            print(f"whea: {args.file}: line {lineno}: not JSON ({exc.msg} at column {exc.colno})",
                  file=sys.stderr)
            return EXIT_USAGE
        except (EditError, ValueError, TypeError) as exc:
            print(f"whea: {args.file}: line {lineno}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        for w in res.warnings:
            print(f"whea: {args.file}: line {lineno}: {w}", file=sys.stderr)
        rec = decode_record(res.data)
        if rec.has_errors():
            status = EXIT_FINDINGS
            first = next(f for f in rec.findings if f.level == "error")
            print(f"whea: {args.file}: line {lineno}: the built record has errors, e.g. "
                  f"@{first.offset}: {first.message}", file=sys.stderr)
        records.append(res.data)
    if not records:
        print(f"whea: {args.file}: no records in the file", file=sys.stderr)
        return EXIT_USAGE
    data = b"".join(records)
    try:
        if args.output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            with open(args.output, "wb") as fh:
                fh.write(data)
    except OSError as exc:
        print(f"whea: {args.output}: cannot write ({exc.strerror})", file=sys.stderr)
        return EXIT_USAGE
    return status
