"""``whea diff A B [--json]``: compare records field by field."""

from __future__ import annotations

import argparse
import json
import sys

from ..compose.diff import diff_records
from ..sources import iter_path
from ..sources.base import SourceError
from ._inputs import ProblemLog


def register(sub) -> None:
    p = sub.add_parser(
        "diff", help="compare two records field by field",
        description="Compare the records in A with those in B, in order: every field whose "
                    "value or bytes differ, with its byte range in each, and the changed bytes.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit status:\n  0  the records are identical\n  1  they differ, or writing the "
               "output failed, or an input could not be read completely (its problems are "
               "printed on standard error: a comparison of what was read is not a comparison "
               "of the inputs)\n  2  unusable arguments: an unknown option, or A or B missing or "
               "not readable at all")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("--json", action="store_true", help="one JSON object per record pair")
    p.set_defaults(func=run)


def run(args) -> int:
    problems = ProblemLog()
    try:
        ra, rb = list(iter_path(args.a, problems)), list(iter_path(args.b, problems))
    except SourceError as exc:
        print(f"whea: {exc}", file=sys.stderr)
        return 2
    for path, records in ((args.a, ra), (args.b, rb)):
        if not records:
            problems.error(f"{path}: no record to compare")
    differ = len(ra) != len(rb) or problems.failed
    for i in range(max(len(ra), len(rb))):
        a = ra[i] if i < len(ra) else None
        b = rb[i] if i < len(rb) else None
        if a is None or b is None:
            side, ref = ("B", b) if a is None else ("A", a)
            if args.json:
                print(json.dumps({"index": i, "only_in": side, "source": ref.source}))
            else:
                print(f"== record {i}: only in {side} ({ref.source.get('path')} @ "
                      f"{ref.source.get('offset', 0)})")
            continue
        d = diff_records(a.data, b.data)
        differ = differ or not d.same
        if args.json:
            print(json.dumps(dict(d.as_json(), index=i, a=a.source, b=b.source)))
        else:
            n = len(d.fields)
            state = "identical" if d.same else f"{n} field{'s' if n != 1 else ''} differ"
            print(f"== record {i}: {args.a} @ {a.source.get('offset', 0)} vs {args.b} @ "
                  f"{b.source.get('offset', 0)}: {state}")
            if not d.same:
                print(d.text())
    return 1 if differ else 0
