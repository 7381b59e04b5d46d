"""``whea decode PATH... [--json]``: readable tree text, or JSON Lines (one object per record)."""

from __future__ import annotations

import argparse
import json
import sys

from ..core.model import FieldNode
from ..decode import decode_record, record_to_json
from ..decode.jsonout import MAX_TREE_NODES
from ..sources import iter_path
from ..sources.base import STDIN_NAME, SourceError
from ..sources.folder import reader_failure
from ..sources.recoverable import state_label
from . import EPILOG, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._output import OutputError
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
    """Decode every input; one that fails (unreadable, damaged, a reader bug) is reported with
    its file and place and the others are still decoded. Counts are summed up at the end."""
    status = EXIT_OK
    out = sys.stdout
    records = 0
    failed: dict[str, str] = {}  # input -> first reason it failed (in the order seen)

    for path in args.paths:
        bar = ProgressBar.for_terminal()
        errors: list[str] = []
        warnings: list[str] = []
        at: int | None = None
        before = records

        def on_problem(pr, _errors=errors, _warnings=warnings) -> None:
            if pr.level == "error":
                _errors.append(str(pr))
            elif pr.level == "warning":
                _warnings.append(str(pr))
            print(f"whea: {pr}", file=sys.stderr)

        try:
            for ref in iter_path(path, on_problem=on_problem, progress=bar):
                at = ref.source.get("offset", at)
                rec = decode_record(ref.data, source=ref.source)
                if rec.has_errors():
                    status = max(status, EXIT_FINDINGS)
                records += 1
                if args.json:
                    out.write(json.dumps(record_to_json(rec, with_tree=args.tree)) + "\n")
                else:
                    out.write(render_text(rec, all_bits=args.all_bits) + "\n")
        except SourceError as exc:  # cannot be opened at all: an unusable argument
            print(f"whea: {exc}", file=sys.stderr)
            errors.append(str(exc))
            status = EXIT_USAGE
        except (BrokenPipeError, KeyboardInterrupt, OutputError):
            raise  # the output failed, not this input: main() names it
        except Exception as exc:  # a reader or decoder bug on this input: say so, go on
            pr = reader_failure(_label(path), exc, at)
            print(f"whea: {pr}", file=sys.stderr)
            errors.append(str(pr))
        finally:
            if bar:
                bar.finish()
        if records == before and not errors:  # nothing at all came out of this input
            errors.append(warnings[0] if warnings else f"{_label(path)}: no record found")
        if errors:  # e.g. an empty file or a damaged event log chunk: the input lost data
            failed.setdefault(_label(path), errors[0])
            status = max(status, EXIT_FINDINGS)
    if failed or len(args.paths) > 1:
        print(f"whea: {summary_line(records, len(args.paths), failed)}", file=sys.stderr)
    return status


def _label(path: str) -> str:
    return STDIN_NAME if path == "-" else path


def summary_line(records: int, inputs: int, failed: dict[str, str]) -> str:
    text = f"decoded {records} record(s) from {inputs} input{'s' if inputs != 1 else ''}"
    if failed:
        n = len(failed)
        shown = [reason if reason.startswith(f"{p}") else f"{p}: {reason}"
                 for p, reason in list(failed.items())[:5]]
        more = f"; and {n - 5} more" if n > 5 else ""
        text += f"; {n} input{'s' if n != 1 else ''} failed: " + "; ".join(shown) + more
    return text


def render_text(rec, *, all_bits: bool = False) -> str:
    src = rec.source
    state = state_label(src)
    kind = f"{rec.kind}, {len(rec.data)} bytes" + (f"; {state.upper()}" if state else "")
    lines = [f"== {src.get('path', '?')} @ {src.get('offset', 0)} ({kind})",
             f"   {rec.summary}"]
    _render(rec.root.children, lines, all_bits)
    if rec.findings:
        lines.append("  Findings:")
        for f in rec.findings:
            lines.append(f"    {f.level.upper():7} @{f.offset}+{f.length}: {f.message}")
    return "\n".join(lines)


def _render(top: list[FieldNode], lines: list[str], all_bits: bool,
            max_nodes: int = MAX_TREE_NODES) -> None:
    """Each node as an indented line with its location, depth first (a loop, not recursion:
    a hostile record can nest deeply). At most ``max_nodes`` lines, as ``--json --tree`` (65,535
    descriptors are about a million fields); then one line says where the output stopped."""
    stack = [(node, 1) for node in reversed(top)]
    shown = 0
    while stack:
        node, depth = stack.pop()
        if node.kind == "bit" and not all_bits and not node.value:
            continue
        if shown >= max_nodes:
            top_left = sum(1 for _, d in stack if d == 1) + (depth == 1)
            lines.append(f"  [output limit: field tree stopped at {max_nodes} lines; the rest, from "
                         f"{node.path} @{node.offset} and {top_left} top-level item(s), is not "
                         "shown: use --json for every section]")
            return
        shown += 1
        loc = f"@{node.offset}+{node.length}"
        if node.bit_width is not None:
            loc += f" bit {node.bit_offset}" + (f"..{node.bit_offset + node.bit_width - 1}"
                                                if node.bit_width > 1 else "")
        text = f"{'  ' * depth}{node.label}: {node.display}" if node.display \
            else f"{'  ' * depth}{node.label}"
        lines.append(f"{text:<78} {loc}")
        stack.extend((c, depth + 1) for c in reversed(node.children))
