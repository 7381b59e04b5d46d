"""The ``whea`` command line. Each sub-command is a module here with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from .. import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

EPILOG = """exit status:
  0  every record decoded without an error-level finding
  1  some record has an error-level finding (it is still shown)
  2  unusable arguments, or a file that cannot be read
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whea", description="Decode, store and report WHEA / UEFI CPER error records.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"whea {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        print("whea: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
