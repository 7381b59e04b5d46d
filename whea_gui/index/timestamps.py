"""Vectorised CPER TimeStamp decoding for the record table (FORMAT.md §3.4, conflict C4).

The same rule as ``formats/timestamp.decode_timestamp``, over whole arrays: Windows creators →
binary; Linux pstore → a seconds count in the whole u64; otherwise BCD when every nibble is a
digit and the BCD date is valid and plausible, else binary; either reading with the century byte
as an ordinal century (21 = 2000-2099) when the UEFI reading is implausible and that one is not
(Project Mu firmware, Windows BOOT records). The table keeps a time only when it
is a real date in a plausible year (``PLAUSIBLE_YEARS``); anything else is "missing" (-1), so a
garbage timestamp never lands on a timeline. Results are seconds since 1970-01-01 of the
record's own (zone-less, usually local) clock.
"""

from __future__ import annotations

import numpy as np

from ..formats.timestamp import PLAUSIBLE_YEARS

MISSING = -1
YEAR_MIN, YEAR_MAX = PLAUSIBLE_YEARS.start, PLAUSIBLE_YEARS.stop - 1

# creator classes (one small int per row, computed by the header indexer)
CREATOR_OTHER, CREATOR_WINDOWS, CREATOR_PSTORE = 0, 1, 2

_DATE_BYTES = (0, 1, 2, 4, 5, 6, 7)  # seconds, minutes, hours, day, month, year, century


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (integer arithmetic, any array)."""
    y = y.astype(np.int64) - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m.astype(np.int64) + 9) % 12
    doy = (153 * mp + 2) // 5 + d.astype(np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    dim = table[np.clip(m, 0, 12)]
    return dim + ((m == 2) & leap)


def _epoch(parts: list[np.ndarray], ordinal: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(epoch seconds, ok) for (s, mi, h, d, mo, y, c) parts; ok = real date, plausible year.
    ``ordinal``: the century byte read as an ordinal century (21 = 2000-2099)."""
    s, mi, h, d, mo, y, c = (p.astype(np.int64) for p in parts)
    year = (c - ordinal) * 100 + y
    if ordinal:  # only where the UEFI reading's year is implausible (formats/timestamp.py)
        uefi_year = c * 100 + y
        y_ok = (uefi_year < YEAR_MIN) | (uefi_year > YEAR_MAX)
    else:
        y_ok = True
    ok = ((year >= YEAR_MIN) & (year <= YEAR_MAX) & (mo >= 1) & (mo <= 12) & (d >= 1)
          & (h <= 23) & (mi <= 59) & (s <= 59))
    ok &= (d <= _days_in_month(year, mo)) & y_ok
    secs = days_from_civil(year, mo, d) * 86400 + h * 3600 + mi * 60 + s
    return np.where(ok, secs, MISSING), ok


def decode_timestamps(raw: np.ndarray, creator_class: np.ndarray) -> np.ndarray:
    """Epoch seconds (int64, -1 = missing) for an (n, 8) uint8 array of TimeStamp bytes."""
    raw = np.asarray(raw, dtype=np.uint8).reshape(-1, 8)
    n = raw.shape[0]
    out = np.full(n, MISSING, dtype=np.int64)
    if n == 0:
        return out
    creator_class = np.asarray(creator_class)
    date = [raw[:, i] for i in _DATE_BYTES]
    bin_secs, bin_ok = _epoch(date)
    ord_secs, ord_ok = _epoch(date, ordinal=True)  # only where the UEFI reading is implausible
    out = np.where(bin_ok, bin_secs, np.where(ord_ok, ord_secs, MISSING))
    # BCD is tried only for non-Windows creators whose every nibble is a decimal digit
    candidates = np.flatnonzero(creator_class != CREATOR_WINDOWS)
    if len(candidates):
        sub = [b[candidates] for b in date]
        all_bcd = np.logical_and.reduce([((b >> 4) <= 9) & ((b & 0xF) <= 9) for b in sub])
        digits = [(b >> 4).astype(np.int64) * 10 + (b & 0xF) for b in sub]
        bcd_secs, bcd_ok = _epoch(digits)
        bcd_ord_secs, bcd_ord_ok = _epoch(digits, ordinal=True)
        use = all_bcd & bcd_ok
        out[candidates[use]] = bcd_secs[use]
        use = all_bcd & ~bcd_ok & bcd_ord_ok
        out[candidates[use]] = bcd_ord_secs[use]

    pstore = creator_class == CREATOR_PSTORE
    if pstore.any():
        secs = raw[pstore].copy().view("<u8").ravel()
        lo_lim = int(days_from_civil(np.array([YEAR_MIN]), np.array([1]), np.array([1]))[0]) * 86400
        hi_lim = int(days_from_civil(np.array([YEAR_MAX + 1]), np.array([1]), np.array([1]))[0]) * 86400
        plausible = (secs >= lo_lim) & (secs < hi_lim)
        out[pstore] = np.where(plausible, secs.astype(np.int64), MISSING)
    return out


def to_datetime64(secs: np.ndarray) -> np.ndarray:
    """datetime64[s] with NaT where the time is missing."""
    secs = np.asarray(secs, dtype=np.int64)
    out = secs.astype("datetime64[s]")
    out[secs == MISSING] = np.datetime64("NaT")
    return out
