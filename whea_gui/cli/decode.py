"""``whea decode PATH... [--json]``: readable tree text, or JSON Lines (one object per record).

With ``--jobs N`` records are decoded by N worker processes in batches, and written in input
order: the output is the same bytes as with one process (see ``_parallel``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import deque

from ..core.model import FieldNode
from ..decode.jsonout import MAX_TREE_NODES, json_line, record_to_json
from ..decode.record import decode_record
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
    p.add_argument("--compact", action="store_true",
                   help="with --json: leave out the raw-byte keys (body_base64, extra_bytes, ...) "
                        "that 'whea build' needs to rebuild the exact bytes")
    p.add_argument("--all-bits", action="store_true",
                   help="text: list every named flag bit, not only the set ones")
    p.add_argument("--jobs", type=_jobs, default=1, metavar="N",
                   help="decode in N processes (0 = one per CPU); the output and its order are "
                        "the same as with one (default 1)")
    p.set_defaults(func=run)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n < 0 or n > 256:
        raise argparse.ArgumentTypeError(f"{n} is not between 0 and 256")
    return n or (os.cpu_count() or 1)


def render_record(data: bytes, source: dict, mode: tuple) -> tuple[bytes | str, bool]:
    """One record's output line (JSON: UTF-8 bytes; text: str, for the console's encoding)
    and whether it has an error finding.
    ``mode`` is (json, tree, compact, all_bits): plain values, so worker processes get it."""
    as_json, tree, compact, all_bits = mode
    rec = decode_record(data, source=source)
    if as_json:
        line = json_line(record_to_json(rec, with_tree=tree, raw_keys=not compact))
    else:
        line = render_text(rec, all_bits=all_bits) + "\n"
    return line, rec.has_errors()


def run(args) -> int:
    """Decode every input; one that fails (unreadable, damaged, a reader bug) is reported with
    its file and place and the others are still decoded. Counts are summed up at the end."""
    out = _binary(sys.stdout) if args.json else sys.stdout
    mode = (args.json, args.tree, args.compact, args.all_bits)
    jobs = getattr(args, "jobs", 1)
    pool = _start_pool(jobs) if jobs > 1 else None
    try:
        return _run(args, out, mode, jobs, pool)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _run(args, out, mode, jobs, pool) -> int:
    status = EXIT_OK
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
            refs = iter_path(path, on_problem=on_problem, progress=bar)
            results = (_parallel(pool, jobs, refs, mode) if pool is not None else
                       ((ref.source.get("offset"), *render_record(ref.data, ref.source, mode))
                        for ref in refs))
            for offset, line, has_errors in results:
                at = offset if offset is not None else at
                if isinstance(line, Exception):  # a worker's decoder failure, in its place
                    raise line
                if has_errors:
                    status = max(status, EXIT_FINDINGS)
                records += 1
                out.write(line)
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


class _TextOut:
    """Bytes to a text-only stream (a test's StringIO): decoded back to text."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))


def _binary(stream):
    """Where to write UTF-8 lines: the stream's byte buffer when it has one (JSON Lines are
    UTF-8 whatever the console's code page), else the text stream itself."""
    buffer = getattr(stream, "buffer", None)
    return buffer if buffer is not None else _TextOut(stream)


# -- several processes ------------------------------------------------------------------------
BATCH_RECORDS = 128  # records per task: large enough that sending them costs little
BATCH_BYTES = 4 << 20  # and a batch of big records is cut earlier, to bound memory


def _start_pool(jobs: int):
    from concurrent.futures import ProcessPoolExecutor
    return ProcessPoolExecutor(max_workers=jobs)


def _render_batch(batch: list[tuple[bytes, dict]], mode: tuple) -> list:
    """A worker's task. A failure is returned in its place (not raised), so the records before
    it are still written and the failure is reported where the one-process run reports it."""
    out = []
    for data, source in batch:
        try:
            out.append((source.get("offset"), *render_record(data, source, mode)))
        except Exception as exc:
            out.append((source.get("offset"), exc, None))
            break
    return out


def _batches(refs, size: int = BATCH_RECORDS, max_bytes: int = BATCH_BYTES):
    """Records in batches. When the input fails part-way, the records read before the failure
    still come out (as one more batch) before the failure is raised, as with one process."""
    batch, held = [], 0
    try:
        for ref in refs:
            batch.append((bytes(ref.data), ref.source))
            held += len(ref.data)
            if len(batch) >= size or held >= max_bytes:
                yield batch
                batch, held = [], 0
    except Exception:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _parallel(pool, jobs: int, refs, mode: tuple):
    """Results of ``render_record`` in input order, from ``jobs`` processes.

    At most 2 × jobs batches are in flight (reading stays ahead of the workers without holding
    the whole input); each batch's results are yielded when it and all before it are done. When
    the input fails, every record read before the failure is yielded first, then it is raised.
    """
    pending: deque = deque()
    batches = _batches(refs)
    try:
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except Exception:
                while pending:
                    yield from pending.popleft().result()
                raise
            pending.append(pool.submit(_render_batch, batch, mode))
            while len(pending) > 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for fut in pending:  # the output closed or was interrupted: drop the rest
            fut.cancel()


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
