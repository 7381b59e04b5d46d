"""Input checks shared by the commands that read records (timeline, report): a problem reporter
that remembers whether any input lost data, and the recognition of a store file whose SQLite
header is gone (read by carving otherwise, which would hide that the store is damaged)."""

from __future__ import annotations

import os
import sys

SQLITE_MAGIC = b"SQLite format 3\x00"
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


class ProblemLog:
    """Prints each reader problem on standard error; ``failed`` is true once one is an error
    (part of an input could not be read), which makes the run's exit status 1."""

    def __init__(self, prefix: str = "whea") -> None:
        self.prefix = prefix
        self.failed = False

    def __call__(self, problem) -> None:
        if getattr(problem, "level", "warning") == "error":
            self.failed = True
        print(f"{self.prefix}: {_redact(problem)}", file=sys.stderr)

    def error(self, message: str) -> None:
        self.failed = True
        print(f"{self.prefix}: {_redact(message)}", file=sys.stderr)


def _holds_store_mark(path: str) -> bool:
    import mmap

    from ..sources.registry import STORE_MARK, _contains
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return _contains(mm, STORE_MARK)
    except (OSError, ValueError):
        return False


def _redact(text) -> str:
    """A message without any store URL password (imported late: ``decode`` must not pay for
    the store package)."""
    from ..store.backend import redact
    return redact(text)


def damaged_store_problem(path: str) -> str | None:
    """A message when ``path`` is named like a store (``*.sqlite``, ``*.db``, ``whea-store*``)
    but does not start with the SQLite header: a store whose first page is damaged."""
    if not path or path == "-" or not os.path.isfile(path):
        return None
    name = os.path.basename(path).lower()
    if not (name.endswith(STORE_SUFFIXES) or name.startswith("whea-store")):
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError:
        return None  # the reader reports why it cannot be opened
    if not head or head == SQLITE_MAGIC or _holds_store_mark(path):
        return None  # (a store by its content: its reader says what it read, as a salvage)
    return (f"{path}: looks like a record store (by its name) but its SQLite header is damaged; "
            "records found by scanning the raw bytes are shown, others may be missing "
            f"(`whea store check --store {path} -o NEW.sqlite` salvages what is intact)")
