"""CPER TimeStamp (8 bytes): BCD per UEFI, binary in Windows records (FORMAT.md §3.4, C4).

Rule: Windows creators → binary; Linux pstore → a ``time64_t`` in the whole u64; otherwise BCD
when every nibble is a digit and the result is a plausible date, else binary; when no reading
is plausible, all-digit bytes are reported in their BCD reading (UEFI's, and libcper's). The raw
bytes are always kept; an impossible or implausible date is reported, never raised.

Ordinal century: some writers store the century as its ordinal number (21 for the years
2000-2099), not the century number UEFI means (20). Project Mu firmware does so in BCD
(mu_plus MsWheaPkg MsWheaReportHER.c: ``Century = BCD((Year / 100 + 1) % 100)``), and Windows
revision 1.1 BOOT records do so in binary (0x15 = 21: DecodeWheaRecord issue #5, posted
2024-05-30, holds 2024-05-30 08:42:43; a WHEA-Logger event 3 logged 2026-07-06T23:54:42Z holds
2026-07-06 16:54:31 local time). So when a reading gives an implausible year and the same bytes
with the century one lower give a plausible date, that date is taken and ``convention`` says so
(shown in the tree and as a note). Only a year the UEFI reading puts outside the plausible
range is read this way; an impossible date is still reported.
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
    convention: str = ""  # "ordinal century" when the century byte was read that way

    @property
    def reading(self) -> str:
        """The encoding, and the convention assumed when it is not UEFI's."""
        return f"{self.encoding}, ordinal century" if self.convention else self.encoding

    @property
    def note(self) -> str:
        """Why the date is what it is, when a convention other than UEFI's was assumed."""
        if not self.convention or self.value is None or len(self.raw) < 8:
            return ""
        c = self.raw[7]
        number = _bcd(c) if self.encoding == "bcd" else c
        return (f"the century byte 0x{c:02X} ({number}) is read as an ordinal century (the "
                f"{_ordinal(number)} century, years {(number - 1) * 100}-{(number - 1) * 100 + 99}), "
                f"as Project Mu firmware and Windows boot error records write it, not as UEFI's "
                f"century number: {self.value.isoformat(sep=' ')} (read as UEFI says, the year "
                f"would be {number * 100 + self.value.year % 100})")

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


def _ordinal(n: int) -> str:
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _ordinal_century(sec, minute, hour, day, month, year, century) -> dt.datetime | None:
    """The date with the century byte read as an ordinal (21 = 2000-2099), when plausible and
    the UEFI reading's year is not (an impossible day in a plausible year stays impossible)."""
    if century * 100 + year in PLAUSIBLE_YEARS:
        return None
    value, _problem = _build(sec, minute, hour, day, month, (century - 1) * 100 + year)
    return value if value is not None and value.year in PLAUSIBLE_YEARS else None


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
    bcd_reading = None  # UEFI's own reading of all-digit bytes, when no reading is plausible
    if creator_id not in guids.WINDOWS_CREATORS and _BCD_DATE.fullmatch(raw[:3] + raw[4:]):
        s, m, h, d, mo, y, c = (_bcd(b) for b in date_bytes)
        value, problem = _build(s, m, h, d, mo, c * 100 + y)
        if value is not None and value.year in PLAUSIBLE_YEARS:
            return Timestamp(raw, "bcd", value, precise)
        ordinal = _ordinal_century(s, m, h, d, mo, y, c)
        if ordinal is not None:
            return Timestamp(raw, "bcd", ordinal, precise, convention="ordinal century")
        bcd_reading = Timestamp(raw, "bcd", value, precise,
                                problem or f"implausible year {value.year}")
    s, m, h, d, mo, y, c = date_bytes
    value, problem = _build(s, m, h, d, mo, c * 100 + y)
    if value is not None and value.year in PLAUSIBLE_YEARS:
        return Timestamp(raw, "binary", value, precise)
    ordinal = _ordinal_century(s, m, h, d, mo, y, c)
    if ordinal is not None:
        return Timestamp(raw, "binary", ordinal, precise, convention="ordinal century")
    if bcd_reading is not None:
        # neither reading is plausible: the bytes are decimal digits, as UEFI writes them, so the
        # problem is told in that reading (a binary one would show e.g. minute 84 for 0x54)
        return bcd_reading
    if value is not None:
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
