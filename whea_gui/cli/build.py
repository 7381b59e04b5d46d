"""``whea build FILE.jsonl -o OUT``: record bytes from ``whea decode --json`` output.

Each line is its own record: a line that cannot be built is reported (file, line, JSON path)
and the other lines are still built. Records stream into a temporary file next to OUT that
replaces OUT only when at least one record was built, so OUT is never partial and an existing
OUT survives a run that built nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys

from ..compose.fromjson import build_line, line_cap
from ..compose.jsonshape import CPER_MAX_SIZE, DEFAULT_MAX_SIZE, size_text
from ..compose.values import EditError
from ..decode import decode_record
from . import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._output import AtomicOutput, OutputError, is_broken_pipe, same_file_problem

EPILOG = """exit status:
  0  every line built into a record without an error-level finding
  1  some line could not be built (named on standard error; the others are written), a
     built record has an error-level finding (made malformed on purpose, say), or writing
     OUT failed part way (disk full, a closed pipe; OUT is then left as it was)
  2  unusable arguments: FILE missing or not readable, OUT in a missing or unwritable folder,
     OUT the same file as FILE, or no JSON lines at all
"""


def parse_size(text: str) -> int:
    """Bytes from "16777216", "16M", "16MiB", "512k" (binary units)."""
    m = re.fullmatch(r"\s*(\d{1,12})\s*([kmg]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 16M, 65536)")
    n = int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]
    if not 1 <= n <= CPER_MAX_SIZE:
        raise argparse.ArgumentTypeError(
            f"{text}: a record is 1 to {CPER_MAX_SIZE} bytes (CPER's RecordLength is a u32)")
    return n


def register(sub) -> None:
    p = sub.add_parser(
        "build", help="build record bytes from (edited) whea decode --json output",
        description="Build the records described by FILE (JSON Lines as written by "
                    "'whea decode --json', '-' = standard input). Structured values win over the "
                    "raw bytes kept in the JSON, so editing a value changes the record; "
                    "unedited JSON gives back the identical bytes. Every value is checked "
                    "(type, range, length, record size) before anything is built.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="where to write the records, one after another ('-' = standard output)")
    p.add_argument("--fix-up", action="store_true",
                   help="lay each record out again: section count, offsets, lengths, RecordLength")
    p.add_argument("--max-size", type=parse_size, default=DEFAULT_MAX_SIZE, metavar="SIZE",
                   help=f"largest record to build (default {size_text(DEFAULT_MAX_SIZE)}; "
                        "e.g. 64M; at most 4 GiB - 1, CPER's u32 RecordLength)")
    p.set_defaults(func=run)


def _lines(fh, cap: int):
    """(line number, bytes or None if longer than ``cap``) without holding more than cap+1."""
    lineno = 0
    while True:
        line = fh.readline(cap + 1)
        if not line:
            return
        lineno += 1
        if len(line) > cap and not line.endswith(b"\n"):
            while True:  # skip the rest of the over-long line
                more = fh.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield lineno, None
        else:
            yield lineno, line


def run(args) -> int:
    name = "standard input" if args.file == "-" else args.file
    try:
        fh = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    except OSError as exc:
        print(f"whea: {args.file}: cannot read ({exc.strerror})", file=sys.stderr)
        return EXIT_USAGE
    problem = same_file_problem(args.output, [args.file])
    if problem:
        if args.file != "-":
            fh.close()
        print(f"whea: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        out = AtomicOutput(args.output)
    except OutputError as exc:
        if args.file != "-":
            fh.close()
        print(f"whea: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with fh if args.file != "-" else contextlib.nullcontext():
            built, failed, status = _build_all(args, fh, name, out)
        if built:
            out.commit()
        else:
            out.discard()
    except OutputError as exc:
        out.discard()
        if is_broken_pipe(exc):
            raise  # the reader went away (| head): main() ends quietly
        print(f"whea: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except OSError as exc:  # reading FILE failed part way
        out.discard()
        print(f"whea: {exc.filename or name}: cannot read ({exc.strerror or exc}); "
              f"{args.output} not written", file=sys.stderr)
        return EXIT_FINDINGS
    except BaseException:
        out.discard()
        raise
    if not built and not failed:
        print(f"whea: {name}: no records in the file", file=sys.stderr)
        return EXIT_USAGE
    if failed:
        print(f"whea: {name}: {failed} line(s) could not be built, {built} record(s) written"
              + ("" if built else f"; {args.output} not written"), file=sys.stderr)
    return status


def _build_all(args, fh, name: str, out: AtomicOutput) -> tuple[int, int, int]:
    built = failed = 0
    status = EXIT_OK
    cap = line_cap(args.max_size)
    for lineno, line in _lines(fh, cap):
        where = f"whea: {name}: line {lineno}"
        if line is None:
            print(f"{where}: longer than {cap} bytes, more than a record of "
                  f"{size_text(args.max_size)} needs (use --max-size)", file=sys.stderr)
            failed += 1
            status = EXIT_FINDINGS
            continue
        if not line.strip():
            continue
        try:
            res = build_line(line.rstrip(b"\r\n"), fix_up=args.fix_up, max_size=args.max_size)
        except EditError as exc:
            print(f"{where}: {exc}", file=sys.stderr)
            failed += 1
            status = EXIT_FINDINGS
            continue
        except Exception as exc:  # noqa: BLE001 - the checks should make this impossible; the
            # fuzz test calls build_line directly, so nothing is hidden from it
            print(f"{where}: internal error ({type(exc).__name__}: {str(exc)[:200]}; please "
                  "report)", file=sys.stderr)
            failed += 1
            status = EXIT_FINDINGS
            continue
        for w in res.warnings:
            print(f"{where}: {w}", file=sys.stderr)
        rec = decode_record(res.data)
        if rec.has_errors():
            status = EXIT_FINDINGS
            first = next(f for f in rec.findings if f.level == "error")
            print(f"{where}: the built record has errors, e.g. @{first.offset}: {first.message}",
                  file=sys.stderr)
        out.write(res.data)
        built += 1
    return built, failed, status
