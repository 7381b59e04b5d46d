"""What every report writer gets: the report's metadata, a spool for parts written before the
summary is known, and the interface ``add(record, index)`` / ``finish(summary, builder)``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from .. import __version__
from ..core.model import DecodedRecord
from .summary import SummaryBuilder

CHUNK = 1 << 16
# A string that is no valid UTF-8 (a file name's undecodable bytes given on the command line, a
# lone surrogate) is written as its escape (\udcff) rather than failing the whole report
TEXT_ERRORS = "backslashreplace"


@dataclass
class ReportMeta:
    title: str
    generated_at: str
    inputs: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    detail_limit: int | None = None  # records beyond it are listed but not detailed
    detail: bool | None = None  # per-record detail; None: the format's default (PDF: summary)
    selection: str = ""  # what was exported, in words (the window's filter), for the header
    list_limit: int | None = None  # records beyond it are in the summary only (not listed)
    version: str = __version__


class Spool:
    """Text written while records stream in and copied into the output at the end (a temporary
    file, so memory stays flat however many records there are)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="", errors=TEXT_ERRORS)

    def write(self, text: str) -> None:
        self.file.write(text)

    def chunks(self) -> Iterator[str]:
        self.file.flush()
        self.file.seek(0)
        while True:
            chunk = self.file.read(CHUNK)
            if not chunk:
                return
            yield chunk

    def copy_to(self, out: IO[str]) -> None:
        self.file.flush()
        self.file.seek(0)
        shutil.copyfileobj(self.file, out, CHUNK)

    def close(self) -> None:
        self.file.close()


class ReportWriter:
    """One output format. ``binary`` writers get a binary stream, the others UTF-8 text."""

    binary = False
    needs_summary = True  # False: only counts are kept (no per-record summary columns)

    def __init__(self, out: IO, meta: ReportMeta) -> None:
        self.out = out
        self.meta = meta
        self.detailed = 0
        self.listed = 0

    def wants_detail(self) -> bool:
        if self.meta.detail is False:
            return False
        limit = self.meta.detail_limit
        return limit is None or self.detailed < limit

    def wants_row(self) -> bool:
        """True (and counted) while the record list is below its limit."""
        limit = self.meta.list_limit
        if limit is not None and self.listed >= limit:
            return False
        self.listed += 1
        return True

    def limit_notes(self, records: int) -> list[str]:
        """Plain sentences stating what the per-record limits left out ([] = nothing)."""
        notes = []
        if self.listed < records and self.meta.list_limit is not None:
            notes.append(f"The record list shows the first {self.listed:,} of {records:,} records "
                         f"(list limit {self.meta.list_limit:,}); the summary, breakdown, "
                         f"threshold crossings and storms count all {records:,}. Raise it with "
                         "--list-limit, or write a CSV or JSON report for every record.")
        left = records - self.detailed
        if left > 0:
            limit = self.meta.detail_limit
            notes.append(f"Details are shown for the first {self.detailed:,} records"
                         + (f" (detail limit {limit:,})" if limit is not None else "")
                         + f"; {left:,} more are in the summary"
                         + (" and the record list" if self.listed >= records else "")
                         + " only (raise it with --detail-limit).")
        return notes

    def add(self, rec: DecodedRecord, index: int) -> None:
        raise NotImplementedError

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release temporary files (called on success and on failure)."""
