"""UEFI ``HwErrRec####`` variables as efivarfs shows them: 4-byte attributes, then one CPER record
(FORMAT.md §10.4), e.g. ``/sys/firmware/efi/efivars/HwErrRec0001-414e6bdd-…``."""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator

from ..decode.boundary import plausible_length, record_end
from .base import Problem, RecordRef
from .carve import cut_short

name = "efivar"
HW_ERROR_VARIABLE_GUID = "414e6bdd-e47b-47cc-b244-bb61020cf516"
ATTRIBUTES = {0x1: "NON_VOLATILE", 0x2: "BOOTSERVICE_ACCESS", 0x4: "RUNTIME_ACCESS",
              0x8: "HARDWARE_ERROR_RECORD", 0x10: "AUTHENTICATED_WRITE_ACCESS",
              0x20: "TIME_BASED_AUTHENTICATED_WRITE_ACCESS", 0x40: "APPEND_WRITE"}
_NAME = re.compile(r"^(?P<var>[A-Za-z]+[0-9A-Fa-f]{4})-(?P<guid>[0-9a-fA-F-]{36})$")


def sniff(head: bytes, path: str = "") -> int:
    if len(head) >= 8 and head[4:8] in (b"CPER", b"WhLg"):
        attrs = struct.unpack_from("<I", head)[0]
        if attrs & 0x1 and not attrs & ~0x7F:
            return 60
    return 0


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    if len(data) < 8:
        on_problem(Problem(path, 0, f"{len(data)} bytes: an efivarfs variable needs 4 bytes of attributes "
                                    "and a record after them; nothing to read", "error", len(data) or None))
        return
    attrs = struct.unpack_from("<I", data)[0]
    src = {"path": path, "offset": 4, "kind": name, "attributes": attrs,
           "attribute_names": [n for bit, n in ATTRIBUTES.items() if attrs & bit]}
    m = _NAME.match(os.path.basename(path))
    if m:
        src["variable"] = m.group("var")
        src["vendor_guid"] = m.group("guid").lower()
        if src["vendor_guid"] != HW_ERROR_VARIABLE_GUID:
            on_problem(Problem(path, None, f"vendor GUID {src['vendor_guid']} is not the hardware error "
                                           f"record GUID {HW_ERROR_VARIABLE_GUID}", "note"))
    if not attrs & 0x8:
        on_problem(Problem(path, 0, f"attributes 0x{attrs:08X} lack HARDWARE_ERROR_RECORD (0x8)", "note", 4))
    _check_length(data, path, on_problem)
    body = bytes(data[4:])
    cut = _cut_at_next_record(body)
    if cut is None:
        cut = _whole_record_after(body)
        if cut is None:
            yield RecordRef(body, src)
            return
    else:
        cut_short(on_problem, path, 4, plausible_length(body, 0, len(body)) or 0, 4 + cut)
    # a record cut short with another after it (two writes in one file): each is shown, as a
    # raw file's records are, never one decoded from the other's bytes
    from .raw import read_bytes as read_raw
    yield RecordRef(body[:cut], src)

    def shifted(p: Problem) -> None:
        on_problem(Problem(p.path, None if p.offset is None else p.offset + 4 + cut, p.message, p.level,
                           p.length))
    for ref in read_raw(body[cut:], path, shifted):
        ref.source.update({**src, "offset": 4 + cut + int(ref.source.get("offset") or 0)})
        yield ref


def _whole_record_after(body: bytes) -> int | None:
    """The end of the variable's record when a whole record follows it in the file (a second
    write), or None: bytes after a record are otherwise its trailing bytes."""
    length = plausible_length(body, 0, len(body))
    if length is None or length >= len(body):
        return None
    nxt = plausible_length(body, length, len(body))
    return length if nxt is not None and length + nxt <= len(body) else None


def _cut_at_next_record(body: bytes) -> int | None:
    """Where the variable's record is cut short by a record that starts inside it, or None."""
    length = plausible_length(body, 0, len(body))
    if length is None or length <= len(body):
        return None
    end = record_end(body, 0, length, len(body))
    return end if 0 < end < len(body) else None


def _check_length(data: bytes, path: str, on_problem) -> None:
    """The CPER RecordLength (or WhLg Length) against the bytes the variable holds."""
    sig = bytes(data[4:8])
    if sig == b"CPER" and len(data) >= 4 + 24:
        declared, where = struct.unpack_from("<I", data, 4 + 20)[0], 4 + 20
    elif sig == b"WhLg" and len(data) >= 4 + 12:  # Signature, Version, Length (FORMAT.md §1)
        declared, where = struct.unpack_from("<I", data, 4 + 8)[0], 4 + 8
    else:
        if sig not in (b"CPER", b"WhLg"):
            on_problem(Problem(path, 4, f"no CPER or WhLg signature after the attributes "
                                        f"(found {sig.hex(' ')})", "warning", 4))
        return
    held = len(data) - 4
    if declared > held:
        on_problem(Problem(path, where, f"the record declares {declared} bytes but the variable holds "
                                        f"{held} after the attributes (truncated)", "warning", 4))
    elif declared < held:
        on_problem(Problem(path, 4 + declared, f"{held - declared} bytes after the record's declared "
                                               "length", "note", held - declared))
