"""argparse types for options that take a time or a count: a bad value is a usage error
(exit 2) naming the option's value, never silently ignored."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_time(text: str) -> dt.datetime:
    """An ISO 8601 date or date/time (``Z`` or an offset allowed)."""
    try:
        return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date/time (e.g. 2025-03-01 or 2025-03-01T12:30:00)") from None


def end_time(text: str) -> dt.datetime:
    """An exclusive upper bound: a date alone means the end of that day (the next midnight)."""
    when = iso_time(text)
    return when + dt.timedelta(days=1) if _DATE_ONLY.match(text.strip()) else when


def count(minimum: int = 0):
    """An integer of at least ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            try:
                value = int(text, 0)  # 0x-hex too (a byte capacity may be given as 0x200000)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: must be {minimum} or more")
        return value
    parse.__name__ = "count"
    return parse


def output_problem(path: str, *, folder: bool = False) -> str | None:
    """Why ``path`` cannot be written as an output file (or created as a folder), else None.
    Checked before any work, so a mistyped folder leaves nothing half-written."""
    if not path or path == "-":
        return None
    target = os.path.abspath(path)
    if folder:
        if os.path.isdir(target):
            return None if os.access(target, os.W_OK) else f"{path}: folder is not writable"
        if os.path.exists(target):
            return f"{path}: exists and is not a folder"
        target = target.rstrip(os.sep)
    elif os.path.isdir(target):
        return f"{path}: is a folder; name a file"
    parent = os.path.dirname(target) or "."
    if not os.path.isdir(parent):
        return f"{path}: folder {parent} does not exist"
    if not os.access(parent, os.W_OK):
        return f"{path}: folder {parent} is not writable"
    return None


def utf8_text(text: str) -> str:
    """Text that goes into records or reports (host names, titles): bytes that are not UTF-8
    arrive as lone surrogates and could not be written later, so they are refused here."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise argparse.ArgumentTypeError(f"'{shown}' is not valid UTF-8 text") from None
    return text
