"""CPER TimeStamp (8 bytes): BCD per UEFI, binary in Windows records (FORMAT.md §3.4, C4).

Rule: Windows creators → binary; Linux pstore → a ``time64_t`` in the whole u64; otherwise BCD
when every nibble is a digit and the result is a plausible date, else binary. The raw bytes
are always kept; an impossible date is reported, never raised.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..core import guids

PLAUSIBLE_YEARS = range(1990, 2101)


@dataclass(slots=True)
class Timestamp:
    raw: bytes
    encoding: str  # "bcd" | "binary" | "unix" | "none"
    value: dt.datetime | None
    precise: bool
    problem: str = ""  # why ``value`` is None or doubtful

    @property
    def iso(self) -> str | None:
        return self.value.isoformat() if self.value else None

    @property
    def raw_hex(self) -> str:
        return self.raw.hex()

    @property
    def parts(self) -> tuple[int, ...]:
        """(seconds, minutes, hours, day, month, year, century) as decoded."""
        r = self.raw
        f = _bcd if self.encoding == "bcd" else int
        return tuple(f(r[i]) for i in (0, 1, 2, 4, 5, 6, 7))


# seven bytes whose both nibbles are decimal digits (seconds … century, without the flags byte)
_BCD_DATE = re.compile(rb"[\x00-\x09\x10-\x19\x20-\x29\x30-\x39\x40-\x49\x50-\x59\x60-\x69"
                       rb"\x70-\x79\x80-\x89\x90-\x99]{7}")


def _bcd(b: int) -> int:
    return (b >> 4) * 10 + (b & 0xF)


def _build(sec, minute, hour, day, month, year) -> tuple[dt.datetime | None, str]:
    try:
        return dt.datetime(year, month, day, hour, minute, sec), ""
    except ValueError as exc:
        return None, (f"impossible date {year:04d}-{month:02d}-{day:02d} "
                      f"{hour:02d}:{minute:02d}:{sec:02d} ({exc})")


def decode_timestamp(raw: bytes, creator_id: str = "") -> Timestamp:
    raw = bytes(raw)
    if len(raw) < 8:
        return Timestamp(raw, "none", None, False, "fewer than 8 bytes")
    precise = bool(raw[3] & 1)
    if creator_id == guids.LINUX_PSTORE_CREATOR:
        secs = int.from_bytes(raw, "little")
        try:
            value = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=secs)
            return Timestamp(raw, "unix", value, False)
        except OverflowError:
            return Timestamp(raw, "unix", None, False, "seconds out of range")
    date_bytes = [raw[i] for i in (0, 1, 2, 4, 5, 6, 7)]
    if creator_id not in guids.WINDOWS_CREATORS and _BCD_DATE.fullmatch(raw[:3] + raw[4:]):
        s, m, h, d, mo, y, c = (_bcd(b) for b in date_bytes)
        value, problem = _build(s, m, h, d, mo, c * 100 + y)
        if value is not None and value.year in PLAUSIBLE_YEARS:
            return Timestamp(raw, "bcd", value, precise)
    s, m, h, d, mo, y, c = date_bytes
    value, problem = _build(s, m, h, d, mo, c * 100 + y)
    if value is not None and value.year not in PLAUSIBLE_YEARS:
        problem = f"implausible year {value.year}"
    return Timestamp(raw, "binary", value, precise, problem)


def encode_timestamp(value: dt.datetime, *, encoding: str = "binary", precise: bool = False) -> bytes:
    """Bytes for a timestamp (record builder / generator)."""
    if encoding == "unix":
        return int((value - dt.datetime(1970, 1, 1)).total_seconds()).to_bytes(8, "little")
    parts = [value.second, value.minute, value.hour, 1 if precise else 0, value.day, value.month,
             value.year % 100, value.year // 100]
    if encoding == "bcd":
        parts = [p if i == 3 else (p // 10) << 4 | (p % 10) for i, p in enumerate(parts)]
    return bytes(parts)
