"""The ``whea`` command line. Each sub-command is a module here with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ._output import OutputError, finish_stdout, guard_stdout, is_broken_pipe, silence_stdout

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

EPILOG = """exit status:
  0  every record decoded without an error-level finding
  1  some record has an error-level finding (it is still shown), an input was read only in
     part (damaged, truncated), or writing the output failed (disk full, closed pipe)
  2  unusable arguments: an unknown option or value, an input named on the command line
     that is missing or cannot be opened at all, or an output that is one of the inputs
"""


# The sub-commands: each is the module of that name here with ``register(subparsers)``. Listed,
# not scanned: scanning the package (pkgutil) imports ``inspect``, a tenth of the start-up.
# tests/test_decode_fast_paths.py checks the list against the modules.
COMMANDS = ("build", "decode", "diff", "export", "generate", "metrics", "report", "store", "timeline")


def command_names() -> list[str]:
    return list(COMMANDS)


def _named_command(argv: list[str] | None) -> str | None:
    """The sub-command ``argv`` names, when it names one (options come after it)."""
    args = sys.argv[1:] if argv is None else argv
    first = next((a for a in args if not a.startswith("-")), None)
    if first is None or (args and args[0].startswith("-")):
        return None  # ``whea --help``, ``whea --version``: list every command
    return first if first in command_names() else None


def build_parser(argv: list[str] | None = None, *, every: bool = True) -> argparse.ArgumentParser:
    """The argument parser. With ``every=False`` and ``argv`` naming a sub-command, only that
    command's module is imported: ``whea decode`` must not pay for Qt, numpy, Jinja2 or the
    report package, which other commands load (start-up time is most of a small decode)."""
    wanted = None if every else _named_command(argv)
    parser = argparse.ArgumentParser(
        prog="whea", description="Decode, store and report WHEA / UEFI CPER error records.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"whea {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_names():
        if wanted is not None and name != wanted:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv, every=False)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    plain_stdout = sys.stdout
    guard_stdout()
    try:
        status = args.func(args)
        finish_stdout()
        return status
    except (OutputError, BrokenPipeError) as exc:
        if plain_stdout is sys.__stdout__:
            silence_stdout()
        if not is_broken_pipe(exc):  # a reader that went away (| head) needs no message
            print(f"whea: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        print("whea: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout = plain_stdout


if __name__ == "__main__":
    sys.exit(main())
