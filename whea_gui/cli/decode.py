"""``whea decode PATH... [--json]``: readable tree text, or JSON Lines (one object per record)."""

from __future__ import annotations

import argparse
import json
import sys

from ..decode import decode_record, record_to_json
from ..decode.model import FieldNode
from ..sources import iter_path
from ..sources.base import SourceError
from . import EPILOG, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._progress import ProgressBar


def register(sub) -> None:
    p = sub.add_parser("decode", help="decode records and print them as a tree or JSON Lines",
                       description="Decode every record in each PATH (- = standard input).",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per record")
    p.add_argument("--tree", action="store_true",
                   help="with --json: include the located field tree and the record bytes")
    p.add_argument("--all-bits", action="store_true",
                   help="text: list every named flag bit, not only the set ones")
    p.set_defaults(func=run)


def run(args) -> int:
    status = EXIT_OK
    out = sys.stdout
    problems = []

    def on_problem(pr) -> None:
        problems.append(pr.level)
        print(f"whea: {pr}", file=sys.stderr)

    for path in args.paths:
        bar = ProgressBar.for_terminal()
        try:
            for ref in iter_path(path, on_problem=on_problem, progress=bar):
                rec = decode_record(ref.data, source=ref.source)
                if rec.has_errors():
                    status = max(status, EXIT_FINDINGS)
                if args.json:
                    out.write(json.dumps(record_to_json(rec, with_tree=args.tree)) + "\n")
                else:
                    out.write(render_text(rec, all_bits=args.all_bits) + "\n")
        except SourceError as exc:
            print(f"whea: {exc}", file=sys.stderr)
            status = EXIT_USAGE
        finally:
            if bar:
                bar.finish()
    if "error" in problems:  # e.g. a damaged event log chunk: the input lost data
        status = max(status, EXIT_FINDINGS)
    return status


def render_text(rec, *, all_bits: bool = False) -> str:
    src = rec.source
    lines = [f"== {src.get('path', '?')} @ {src.get('offset', 0)} ({rec.kind}, {len(rec.data)} bytes)",
             f"   {rec.summary}"]
    for node in rec.root.children:
        _render(node, 1, lines, all_bits)
    if rec.findings:
        lines.append("  Findings:")
        for f in rec.findings:
            lines.append(f"    {f.level.upper():7} @{f.offset}+{f.length}: {f.message}")
    return "\n".join(lines)


def _render(node: FieldNode, depth: int, lines: list[str], all_bits: bool) -> None:
    if node.kind == "bit" and not all_bits and not node.value:
        return
    loc = f"@{node.offset}+{node.length}"
    if node.bit_width is not None:
        loc += f" bit {node.bit_offset}" + (f"..{node.bit_offset + node.bit_width - 1}"
                                            if node.bit_width > 1 else "")
    text = f"{'  ' * depth}{node.label}: {node.display}" if node.display else f"{'  ' * depth}{node.label}"
    lines.append(f"{text:<78} {loc}")
    for c in node.children:
        _render(c, depth + 1, lines, all_bits)
