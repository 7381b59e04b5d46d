"""What the store accepts, and the PersistenceInfo it stamps on a stored record (FORMAT.md §3.6).

A record is refused (STATUS_INVALID_PARAMETER) when it is not a CPER record, is shorter than its
RecordLength, carries a reserved RecordId (0 = "first record" for reads, all-ones = ERST's
"no record"), is too long for PersistenceInfo's 24-bit length, or — in ``full`` mode — when
``decode_record`` reports an error-level finding. ``header`` mode checks only what the
vectorised header indexer can see (used for bulk imports of millions of records).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.model import ERROR
from ..decode import decode_record
from ..index import header as hdr

FIRST_RECORD_ID = 0  # read_error_record(0) reads the first stored record
INVALID_RECORD_ID = 0xFFFFFFFFFFFFFFFF
MAX_STORED_LENGTH = 0xFFFFFF  # PersistenceInfo.Length is 24 bits
PERSISTENCE_OFFSET = 108
ER_SIGNATURE = 0x5245  # bytes "ER"

MAX_HOST_BYTES = 255  # a DNS name's limit; docs/store.md "Hosts"

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


@dataclass
class Checked:
    """A record ready to store (``data`` cut to RecordLength), or why it was refused."""

    data: bytes
    record_id: int = 0
    reason: str = ""  # empty = acceptable
    notes: list[str] = field(default_factory=list)
    decoded: Any = None  # the DecodedRecord when ``check_full`` decoded it (fault keys reuse it)
    fault_keys: tuple | None = None  # the record's fault keys, when the store computed them

    @property
    def ok(self) -> bool:
        return not self.reason


def precheck(record: bytes) -> Checked:
    """Checks that need no decode: signature, length, reserved ids."""
    data = bytes(record)
    if data[:4] != b"CPER":
        what = "no \"CPER\" signature" if len(data) >= 4 else f"only {len(data)} bytes"
        return Checked(data, reason=f"not a CPER error record ({what})")
    if len(data) < hdr.HEADER_SIZE:  # a record cut short: it has the signature
        return Checked(data, reason=f"a CPER record cut short: only {len(data)} of the header's "
                                    f"{hdr.HEADER_SIZE} bytes are present")
    length = _U32.unpack_from(data, 20)[0]
    rid = _U64.unpack_from(data, 96)[0]
    if length > len(data):
        return Checked(data, rid, f"RecordLength is {length} but only {len(data)} bytes were given")
    if length < hdr.HEADER_SIZE:
        return Checked(data, rid, f"RecordLength {length} is smaller than the 128-byte header")
    if length > MAX_STORED_LENGTH:
        return Checked(data, rid, f"RecordLength {length} does not fit PersistenceInfo's 24-bit length")
    if rid in (FIRST_RECORD_ID, INVALID_RECORD_ID):
        meaning = "means \"first record\" to read" if rid == 0 else "is ERST's \"no record\" value"
        return Checked(data, rid, f"RecordId 0x{rid:X} is reserved (it {meaning}); the store is "
                                  "keyed by RecordId")
    checked = Checked(data[:length], rid)
    if length < len(data):
        checked.notes.append(f"{len(data) - length} bytes after RecordLength ({length}) are not "
                             "part of the record and were not stored")
    return checked


def check_full(record: bytes) -> Checked:
    """``precheck`` plus a full decode: any error-level finding refuses the record."""
    checked = precheck(record)
    if not checked.ok:
        return checked
    rec = decode_record(checked.data)
    checked.decoded = rec
    errors = [f for f in rec.findings if f.level == ERROR]
    if errors:
        f = errors[0]
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        checked.reason = f"invalid record: {f.message} (bytes {f.offset}–{f.offset + max(f.length, 1) - 1}){more}"
    return checked


def check_headers(records: list[bytes]) -> list[Checked]:
    """``precheck`` plus the vectorised header checks, for many records at once."""
    out = [precheck(r) for r in records]
    todo = [i for i, c in enumerate(out) if c.ok]
    if not todo:
        return out
    datas = [out[i].data for i in todo]
    lengths = np.fromiter((len(d) for d in datas), np.int64, len(datas))
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    index = hdr.index_headers(b"".join(datas), offsets, lengths)
    bad = index.problems & hdr.STRUCTURAL
    for j in np.flatnonzero(bad):
        names = [text for bit, text in hdr.PROBLEM_NAMES.items() if bad[j] & bit]
        out[todo[j]].reason = "invalid record: " + "; ".join(names)
    return out


def stamp(data: bytes, identifier: int) -> bytes:
    """The record with PersistenceInfo set as Windows does: "ER", stored length, identifier.

    Attributes and DoNotLog (bits 56–58) are kept when the record already carried an "ER"
    value; reserved bits 59–63 are cleared.
    """
    old = _U64.unpack_from(data, PERSISTENCE_OFFSET)[0]
    keep = (old >> 56) & 0x7 if old & 0xFFFF == ER_SIGNATURE else 0
    value = ER_SIGNATURE | (len(data) << 16) | ((identifier & 0xFFFF) << 40) | (keep << 56)
    out = bytearray(data)
    _U64.pack_into(out, PERSISTENCE_OFFSET, value)
    return bytes(out)


def persistence_fields(data: bytes) -> dict:
    value = _U64.unpack_from(data, PERSISTENCE_OFFSET)[0]
    return {"signature": value & 0xFFFF, "length": (value >> 16) & 0xFFFFFF,
            "identifier": (value >> 40) & 0xFFFF, "attributes": (value >> 56) & 3,
            "do_not_log": bool(value >> 58 & 1)}


def record_id_of(data: bytes) -> int:
    return _U64.unpack_from(data, 96)[0] if len(data) >= 104 else 0


def host_problem(host: str) -> str | None:
    """Why ``host`` cannot key records (it names Parquet partitions, metric labels and lines
    of output): longer than MAX_HOST_BYTES in UTF-8, or holding a control character."""
    size = len(host.encode("utf-8", "surrogatepass"))
    if size > MAX_HOST_BYTES:
        return f"host name of {size:,} bytes (at most {MAX_HOST_BYTES})"
    bad = next((ch for ch in host if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0), None)
    if bad is not None:
        return f"host name {host[:60]!r} holds a control character ({ord(bad):#04x})"
    return None


def refuse_bad_hosts(checked: list[Checked], hosts: list[str]) -> None:
    """Refuse (STATUS_INVALID_PARAMETER, with the reason) each record whose host is unusable."""
    for c, host in zip(checked, hosts):
        problem = host_problem(host) if host and c.ok else None
        if problem:
            c.reason = f"invalid host: {problem}"
