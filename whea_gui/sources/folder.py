"""Walk a folder recursively, reading each file by its content, with progress and cancellation."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .base import Problem, RecordRef, SourceError


@dataclass(slots=True)
class Progress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    records: int  # records yielded so far
    path: str  # the file just finished ("" before the first)


def cancelled(cancel) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if is_set is not None else cancel())


def list_files(root: str, on_problem) -> list[tuple[str, int]]:
    """Regular files under ``root`` with sizes; a folder's files come before its sub-folders,
    names sorted, symbolic links to folders not followed (no loops)."""
    out: list[tuple[str, int]] = []

    def onerror(exc: OSError) -> None:
        on_problem(Problem(exc.filename or root, None, f"cannot list: {exc.strerror or exc}",
                           "error"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames.sort()
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            try:
                st = os.stat(p)
            except OSError as exc:
                on_problem(Problem(p, None, f"cannot read: {exc.strerror or exc}", "error"))
                continue
            if os.path.isfile(p):
                out.append((p, st.st_size))
    return out


def walk(path: str, on_problem, read_file: Callable[..., Iterator[RecordRef]], *,
         progress: Callable[[Progress], None] | None = None, cancel=None) -> Iterator[RecordRef]:
    """Records from ``path``: a file (everything it holds) or a folder (recognised records only;
    a file that holds none is reported, not yielded). Raises SourceError for an unreadable
    file given directly; inside a folder such a file is reported and skipped. ``read_file``
    reads one file by content (the registry passes its ``iter_file``)."""

    if not os.path.isdir(path):
        if not os.path.exists(path):
            raise SourceError(f"{path}: cannot read: no such file or folder")
        count = 0
        for ref in read_file(path, on_problem):
            count += 1
            yield ref
        if progress:
            size = _size(path)
            progress(Progress(1, 1, size, size, count, path))
        return
    files = list_files(path, on_problem)
    total = sum(s for _, s in files)
    done_bytes = records = 0
    consumed: set[str] = set()  # files already read through another (BERT table → data/BERT)
    if progress:
        progress(Progress(0, len(files), 0, total, 0, ""))
    for i, (fp, size) in enumerate(files):
        if cancelled(cancel):
            on_problem(Problem(path, None, f"cancelled after {i} of {len(files)} files", "note"))
            return
        if os.path.realpath(fp) not in consumed:
            at: int | None = None  # where the last record of this file was: the place to report
            try:
                for ref in read_file(fp, on_problem):
                    if cancelled(cancel):
                        on_problem(Problem(path, None, f"cancelled in {fp}", "note"))
                        return
                    at = ref.source.get("offset", at)
                    if ref.source.get("format") == "unknown":
                        continue  # already reported by the reader
                    src = ref.source.get("path")
                    if src and src != fp:
                        consumed.add(os.path.realpath(src))
                    records += 1
                    yield ref
            except SourceError as exc:
                on_problem(Problem(fp, None, _reason(exc, fp), "error"))
            except Exception as exc:  # a reader bug on one file must not end the walk
                on_problem(reader_failure(fp, exc, at))
        done_bytes += size
        if progress:
            progress(Progress(i + 1, len(files), done_bytes, total, records, fp))


def reader_failure(path: str, exc: BaseException, after: int | None) -> Problem:
    """The problem to report when reading ``path`` raised ``exc`` (a reader bug or an
    unforeseen input): says where reading stopped, so the rest of the file is known unread."""
    where = f"after the record at byte offset {after}" if after is not None else "before any record"
    return Problem(path, None, f"reading stopped {where} ({type(exc).__name__}: {exc}); "
                                "the rest of this input was not read", "error")


def _reason(exc: SourceError, path: str) -> str:
    text = str(exc)
    return text[len(path) + 2:] if text.startswith(f"{path}: ") else text


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
