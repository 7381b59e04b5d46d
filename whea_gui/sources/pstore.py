"""Linux pstore files (``/sys/fs/pstore``). With the ERST backend, ``dmesg-erst-<id>`` holds
kernel log text (the CPER wrapper is stripped by the kernel): reported as such, not decoded.
A pstore file that holds a CPER record (Linux pstore creator) is split like a raw file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..core.guids import LINUX_PSTORE_CREATOR, guid_bytes
from .base import Problem, RecordRef

name = "pstore"
_DMESG = re.compile(rb"^(Panic|Oops|Emergency|Restart|Halt|Poweroff|Shutdown|Unknown)#\d+ Part\d+\r?\n")
_PSTORE_CREATOR = guid_bytes(LINUX_PSTORE_CREATOR)


def sniff(head: bytes, path: str = "") -> int:
    if _DMESG.match(head):
        return 85
    if head[:4] == b"CPER" and head[64:80] == _PSTORE_CREATOR:
        return 55
    return 0


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    m = _DMESG.match(data)
    if m:
        on_problem(Problem(path, 0, f"pstore dmesg record ({m.group(1).decode()} kernel log text from "
                                    "the ERST backend): not a CPER record, nothing to decode", "note"))
        return
    from .raw import read_bytes as split_raw
    for ref in split_raw(data, path, on_problem):
        ref.source["kind"] = name
        yield ref
