"""``write_report``: records (or paths) → one report file, in one pass, written atomically.

The output is written to a temporary file beside the target and renamed into place only when
complete, so a cancel, Ctrl-C or error never leaves a half-written report (an existing file of
that name is kept as it was).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..sources.base import Problem
from ..store.backend import redact
from .base import TEXT_ERRORS, ReportMeta
from .filters import ReportFilters
from .inputs import ReportCancelled, select_records
from .summary import CountingBuilder, SummaryBuilder

# format → (module, writer class)
FORMATS = {"html": ("html", "HtmlWriter"), "pdf": ("pdf", "PdfWriter"),
           "md": ("markdown", "MarkdownWriter"), "json": ("jsonout", "JsonWriter"),
           "jsonl": ("jsonout", "JsonLinesWriter"), "csv": ("csvout", "CsvWriter")}
EXTENSIONS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".md": "md", ".markdown": "md",
              ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
MAX_PROBLEMS = 1000  # kept for the report; later ones are counted only
# Per-record parts of the reports people read (HTML, Markdown): a record list of 20,000 rows and
# 1,000 detailed records keep a report of a million records under ~30 MB; the summary, the
# breakdown, the thresholds and the storms always count every record, and the report says what
# the limits left out. CSV and JSON are data: every record, always.
DEFAULT_LIMITS = {"html": (20_000, 1_000), "md": (20_000, 1_000)}  # (list, detail)
DEFAULT_TITLE = "WHEA error report"

Progress = Callable[[int, int | None], None]


@dataclass
class ReportResult:
    path: str
    format: str
    records: int
    detailed: int
    summary: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    unreadable: int = 0  # inputs that could not be read at all (error-level problems)


def format_for(out_path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format named by ``fmt``, else by the file extension; ValueError if neither works."""
    if fmt:
        key = fmt.lower().lstrip(".")
        key = EXTENSIONS.get("." + key, key)
        if key not in FORMATS:
            raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
        return key
    ext = Path(str(out_path)).suffix.lower()
    if ext not in EXTENSIONS:
        raise ValueError(f"cannot tell the report format from {str(out_path)!r}: use an extension "
                         f"({', '.join(sorted(EXTENSIONS))}) or --format")
    return EXTENSIONS[ext]


def generated_now() -> str:
    """The report's generated-at time: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = (os.environ.get("SOURCE_DATE_EPOCH") or "").strip()
    when = dt.datetime.now(dt.UTC)
    if epoch.isascii() and epoch.isdigit() and len(epoch) <= 12:  # not '²', nor past year 9999
        try:
            when = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (OverflowError, ValueError, OSError):  # beyond what datetime holds: now, as unset
            pass
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _file_mode() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return 0o666 & ~mask


def writer_class(fmt: str):
    module, name = FORMATS[fmt]
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def _input_names(items) -> list[str]:
    """The inputs as the report names them: a store URL without its password."""
    if isinstance(items, (str, os.PathLike)):
        return [redact(str(items))]
    if isinstance(items, (list, tuple)) and all(isinstance(i, (str, os.PathLike)) for i in items):
        return [redact(str(i)) for i in items]
    return []


class NothingRead(Exception):
    """No input could be read, or none gave a record and one failed: no report is written (an
    existing file is left as it was). ``opened``: every input opened (and gave no record)."""

    def __init__(self, message: str, opened: bool = False) -> None:
        super().__init__(message)
        self.opened = opened


def write_report(records_or_paths: Iterable | str | os.PathLike, out_path: str | os.PathLike,
                 fmt: str | None = None, filters: ReportFilters | dict | None = None, *,
                 progress: Progress | None = None, cancel: Callable[[], bool] | None = None,
                 title: str | None = None, generated_at: str | None = None,
                 detail_limit: int | None = None, list_limit: int | None = None,
                 detail: bool | None = None, selection: str = "",
                 on_problem: Callable[[Problem], None] | None = None,
                 inputs: list[str] | None = None) -> ReportResult:
    """Write a report of ``records_or_paths`` to ``out_path`` (``-`` = standard output).

    ``records_or_paths``: paths (files, folders, stores: whatever ``whea_gui.sources`` reads),
    record bytes, ``(bytes, source)`` pairs, ``RecordRef``s or ``DecodedRecord``s, mixed freely.
    ``fmt``: html, pdf, md, json, jsonl or csv (default: from the extension). ``filters``: a
    ``ReportFilters`` or a dict of ``ReportFilters.build`` arguments. ``progress(done, total)``
    is called as records are written (total None when unknown); ``cancel()`` returning true
    stops with ReportCancelled and no output file. ``list_limit`` / ``detail_limit``: records
    listed / detailed at most (None: the format's default, ``DEFAULT_LIMITS``; -1: no limit).
    ``detail``: per-record detail (None: the format's default; the PDF is a summary unless
    asked). ``selection``: which records these are, in words (the window's filter), shown in the
    report's header. ``inputs``: the files the records came from, for the header, when
    records (not paths) are given (e.g. what the window loaded). An unreadable input is listed among the
    report's problems (``ReportResult.unreadable`` counts them) and the others are still read.
    Raises FilterError for a bad filter value, ValueError for an unknown format.
    """
    fmt = format_for(out_path, fmt)
    flt = ReportFilters.coerce(filters)
    problems: list[str] = []
    unreadable = failed = 0

    def problem(p: Problem) -> None:
        nonlocal failed
        failed += getattr(p, "level", "error") == "error"
        if len(problems) < MAX_PROBLEMS:
            problems.append(str(p))
        if on_problem is not None:
            on_problem(p)

    def cannot_read(p: Problem) -> None:
        nonlocal unreadable
        unreadable += 1
        problem(p)

    described = flt.describe()
    if selection:  # every format shows the filters in its header: the window's go with them
        described = {**described, "window": selection}
    default_list, default_detail = DEFAULT_LIMITS.get(fmt, (None, None))
    list_limit = default_list if list_limit is None else list_limit
    detail_limit = default_detail if detail_limit is None else detail_limit
    read_paths = _input_names(records_or_paths)
    meta = ReportMeta(title or DEFAULT_TITLE, generated_at or generated_now(),
                      read_paths or list(inputs or []), described, problems,
                      None if detail_limit is not None and detail_limit < 0 else detail_limit,
                      detail, selection,
                      None if list_limit is not None and list_limit < 0 else list_limit)
    total = len(records_or_paths) if isinstance(records_or_paths, Sized) and not isinstance(
        records_or_paths, (str, bytes, bytearray)) and not read_paths else None
    cls = writer_class(fmt)
    to_stdout = str(out_path) == "-"
    target = Path(os.path.realpath(out_path)) if os.path.islink(str(out_path)) else Path(str(out_path))
    # A device, FIFO or /dev/null is written directly: renaming a file over it would replace it.
    direct = not to_stdout and target.exists() and not target.is_file()
    if to_stdout:
        fh = sys.stdout.buffer if cls.binary else sys.stdout
        tmp = None
    elif direct:
        fh = open(target, "wb") if cls.binary else open(target, "w", encoding="utf-8", newline="",  # noqa: SIM115
                                                          errors=TEXT_ERRORS)
        tmp = None
    else:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                   dir=str(target.parent) if str(target.parent) else ".")
        fh = os.fdopen(fd, "wb") if cls.binary else os.fdopen(fd, "w", encoding="utf-8", newline="",
                                                              errors=TEXT_ERRORS)
    writer = cls(fh, meta)
    builder = SummaryBuilder() if cls.needs_summary else CountingBuilder()
    done = 0
    read = [0]  # records read before the filters
    try:
        for sel in select_records(records_or_paths, flt, problem, cancel, cannot_read, read):
            writer.add(sel.record, sel.index)
            builder.add(sel.record, sel.index)
            done += 1
            if progress is not None:
                progress(done, total)
        if cancel is not None and cancel():
            raise ReportCancelled()
        if unreadable and not done and tmp is not None:
            # every input failed to open: an empty report must not replace the one there
            raise NothingRead(f"{unreadable} input(s) could not be read and no record was found")
        if failed and not read[0] and tmp is not None:
            # F7-15: no record at all, and an input failed (with or without filters): the report
            # there is kept, as when an input cannot be opened
            raise NothingRead("no record was read (the errors are listed above)", opened=True)
        if flt.record is not None and read[0] < flt.record and tmp is not None:
            # beyond the inputs: refused (exit 2), so nothing replaces the report there (it was
            # written, then refused); a record the other filters leave out gives an empty report
            raise NothingRead(f"no record {flt.record}: the inputs hold {read[0]} record(s)")
        summary = builder.result()
        writer.finish(summary, builder)
        if tmp is not None:
            fh.close()
            os.chmod(tmp, _file_mode())  # mkstemp makes it private; give it a normal file's mode
            os.replace(tmp, target)
            tmp = None
        elif direct:
            fh.close()  # a full device raises here, and the caller names the output
        else:
            fh.flush()
    finally:
        if direct and not fh.closed:
            try:
                fh.close()
            except OSError:
                pass
        writer.close()
        if tmp is not None:
            fh.close()
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return ReportResult(str(out_path), fmt, done, writer.detailed, summary, problems, unreadable)
