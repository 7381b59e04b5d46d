"""Time bins for the timeline: a "nice" bin width chosen from the visible span, and counts.

Bins are half-open ``[edge, edge + width)`` and aligned to whole multiples of the width since
the epoch (weeks to Monday 00:00 UTC), so panning never shifts a bin's contents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86400, 7 * 86400
# seconds → minutes → hours → days → weeks (and multiples of weeks for very long spans)
BIN_WIDTHS = (1, 5, 15, 30, MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR,
              12 * HOUR, DAY, WEEK, 4 * WEEK, 13 * WEEK, 52 * WEEK)
MAX_BINS = 300
_MONDAY = 4 * DAY  # 1970-01-01 was a Thursday; 1970-01-05 a Monday


def choose_bin_width(span: float, max_bins: int = MAX_BINS) -> int:
    """The smallest width in BIN_WIDTHS giving at most ``max_bins`` bins over ``span`` seconds.

    With the ladder's steps (at most ×5 between neighbours, ×7 from day to week) a span of more
    than a few minutes gets 40-300 bins (43 just past 300 days, where a week replaces a day).
    """
    for w in BIN_WIDTHS:
        if span / w <= max_bins:
            return w
    return BIN_WIDTHS[-1]


MAX_COUNTED_BINS = 100_000  # a --bin too narrow for the span: 300M bins of 10 years by the second


class TooManyBins(ValueError):
    """A bin width that would make more than ``MAX_COUNTED_BINS`` bins over the span."""


def too_many_bins(span: tuple[int, int], width: int | None, iso=str) -> str | None:
    """Why ``width`` cannot bin the records of ``span`` (first, last second), or None."""
    if not width:
        return None
    bins = (span[1] - span[0]) // width + 1
    if bins <= MAX_COUNTED_BINS:
        return None
    least = -(-(span[1] - span[0] + 1) // MAX_COUNTED_BINS)
    return (f"--bin {width} makes {bins:,} bins over the records' span ({iso(span[0])} – "
            f"{iso(span[1])}); at most {MAX_COUNTED_BINS:,}: give a bin of at least {least:,} seconds")


def width_text(width: int) -> str:
    for unit, name in ((WEEK, "week"), (DAY, "day"), (HOUR, "hour"), (MINUTE, "minute"), (1, "second")):
        if width % unit == 0:
            n = width // unit
            return f"{n} {name}" + ("s" if n != 1 else "")
    return f"{width} s"


def bin_edges(t0: float, t1: float, width: int) -> np.ndarray:
    """Aligned edges covering every time in [t0, t1] (a time on an edge opens the next bin)."""
    offset = _MONDAY if width % WEEK == 0 else 0
    start = np.floor((t0 - offset) / width) * width + offset
    nbins = int(np.floor((t1 - start) / width)) + 1
    return start + np.arange(nbins + 1, dtype=np.float64) * width


@dataclass(slots=True)
class Histogram:
    edges: np.ndarray  # nbins + 1
    counts: np.ndarray  # (nbins, ngroups) int64
    labels: list[str]  # one per group column
    width: int  # seconds

    @property
    def totals(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    def bin_at(self, t: float) -> int | None:
        i = int(np.searchsorted(self.edges, t, side="right")) - 1
        return i if 0 <= i < len(self.counts) else None


def count_bins(times: np.ndarray, codes: np.ndarray, ngroups: int, edges: np.ndarray) -> np.ndarray:
    """(nbins, ngroups) counts of sorted ``times`` whose group is ``codes`` (same length)."""
    nb = len(edges) - 1
    lo, hi = np.searchsorted(times, (edges[0], edges[-1]), side="left")
    t = times[lo:hi]
    width = edges[1] - edges[0]
    idx = ((t - edges[0]) // width).astype(np.int64)
    np.clip(idx, 0, nb - 1, out=idx)  # float rounding at the last edge
    flat = np.bincount(idx * ngroups + codes[lo:hi], minlength=nb * ngroups)
    return flat.reshape(nb, ngroups)
