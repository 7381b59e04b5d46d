"""Raw binary: one record, or several concatenated (CPER records and WhLg entries)."""

from __future__ import annotations

from collections.abc import Iterator

from ..decode.split import SIGNATURES, split_records
from .base import Problem, RecordRef

name = "raw"


def sniff(head: bytes, path: str = "") -> int:
    return 50 if head[:4] in SIGNATURES else 1


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    if data[:4] not in SIGNATURES:
        on_problem(Problem(path, 0, "no CPER or WhLg signature at the start; decoding it anyway"))
    if not data:
        yield RecordRef(b"", {"path": path, "offset": 0, "kind": name})
        return
    for off, length in split_records(data):
        yield RecordRef(data[off:off + length], {"path": path, "offset": off, "kind": name})
