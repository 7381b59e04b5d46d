"""Shared types for readers: RecordRef (bytes + provenance) and Problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class RecordRef:
    data: bytes
    source: dict = field(default_factory=dict)  # path, offset, kind, and reader-specific provenance


@dataclass(slots=True)
class Problem:
    path: str
    offset: int | None
    message: str
    level: str = "warning"  # "error" | "warning" | "note"
    length: int | None = None  # bytes concerned, when a range is known

    def __str__(self) -> str:
        if self.offset is None:
            where = ""
        elif self.length:
            where = f" at bytes {self.offset}–{self.offset + self.length - 1}"
        else:
            where = f" at byte offset {self.offset}"
        return f"{self.path}{where}: {self.message}"


class SourceError(Exception):
    """The input cannot be used at all (unreadable file, unknown format); says path and why."""


def read_bytes(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
