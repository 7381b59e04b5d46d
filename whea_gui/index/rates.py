"""Rolling counts, threshold crossings and storms, vectorised with numpy.

Definitions (exact, and what the tests check):

* Rolling count of a record = how many records of the same group arrived in the closed window
  ``[t - window, t]`` up to and including this one (ties at the same second count in arrival
  order, as a daemon reading them one by one would).
* A threshold *crossing* happens at the record whose rolling count *reaches* the threshold
  (count >= threshold, while the group's previous record was below it). This is how mcelog's
  leaky bucket (``count >= capacity``) and rasdaemon's CPU isolation (``ce_nums >= threshold``)
  trigger: with the DIMM threshold 10 the 10th corrected error within 24 h is the crossing.
  The group stays crossed until a record arrives whose count is below the threshold again.
* A *storm* is a run of records where at least ``min_count`` of them fall within ``window``
  seconds of each other (first and last less than ``window`` apart: a half-open minute).
  Bursts that share records merge into one storm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DAY = 86400
CORRECTED = 2  # CPER severity code


@dataclass(slots=True)
class ThresholdRule:
    name: str
    scope: str  # fault column the rule counts by: "page", "dimm", "cpu", "location", ...
    threshold: int
    window: int = DAY  # seconds
    severities: tuple[int, ...] = (CORRECTED,)  # empty = every severity
    origin: str = ""


def default_rules() -> list[ThresholdRule]:
    """Defaults from the field (each editable in the panel)."""
    return [
        ThresholdRule("Memory page", "page", 10, DAY, (CORRECTED,),
                      "mcelog [page] memory-ce-threshold = 10 / 24h"),
        ThresholdRule("DIMM", "dimm", 10, DAY, (CORRECTED,),
                      "mcelog [dimm] ce-error-threshold = 10 / 24h"),
        ThresholdRule("CPU", "cpu", 18, DAY, (CORRECTED,),
                      "rasdaemon CPU_CE_THRESHOLD=18, CPU_ISOLATION_CYCLE=24h"),
    ]


@dataclass(slots=True)
class Rolling:
    """Rolling counts of the selected records, ordered by (group, time)."""
    index: np.ndarray  # positions into the caller's time-sorted arrays
    groups: np.ndarray  # group code per entry
    times: np.ndarray
    counts: np.ndarray  # rolling count at each record

    def group_slice(self, code: int) -> slice:
        lo, hi = np.searchsorted(self.groups, (code, code + 1))
        return slice(int(lo), int(hi))


def rolling_counts(times: np.ndarray, groups: np.ndarray, window: int,
                   mask: np.ndarray | None = None) -> Rolling:
    """Per-record counts in ``[t - window, t]`` within each group (codes >= 0; -1 = skip).

    ``times`` must be sorted ascending. One stable sort by group (times stay in order within
    a group) and one searchsorted over a composite (group, time) key: no Python loop.
    """
    sel = groups >= 0
    if mask is not None:
        sel &= mask
    # positions, codes and counts fit 32 bits (fewer than 2**31 records): half the memory of a
    # million-record analysis's peak here
    wide = len(groups) >= 2**31
    idx = np.flatnonzero(sel)
    if not wide:
        idx = idx.astype(np.int32)
    del sel
    g = groups[idx]
    # a stable sort of small codes is a radix sort: several times faster than a lexsort
    small = len(g) == 0 or int(g.max()) < np.iinfo(np.int16).max
    order = np.argsort(g.astype(np.int16) if small else g, kind="stable")
    idx = idx[order]
    g = g[order]
    del order
    t = times[idx].astype(np.int64)
    if len(t) == 0:
        empty = np.zeros(0, np.int64)
        return Rolling(idx, g, t, empty)
    base = int(t.min())
    stride = int(t.max()) - base + int(window) + 1  # a window never reaches the previous group
    key = g.astype(np.int64) * stride
    key += t
    key -= base
    lo = np.searchsorted(key, key - int(window), side="left")
    del key
    counts = np.arange(len(lo), dtype=np.int64)
    counts -= lo
    counts += 1
    del lo
    return Rolling(idx, g, t, counts if wide else counts.astype(np.int32))


@dataclass(slots=True)
class Crossing:
    rule: str
    group: int  # code in the rule's scope column
    label: str
    time: int  # when the count reached the threshold
    count: int  # count in the window at that moment (= the threshold)
    peak: int  # highest count in the window until the group fell below the threshold
    until: int  # time of the last record still at or above the threshold
    record: int  # position (in time order) of the crossing record


def crossings(rolling: Rolling, threshold: int, rule: str = "",
              labels: list[str] | None = None) -> list[Crossing]:
    c = rolling.counts
    if len(c) == 0 or threshold <= 0:
        return []
    above = c >= threshold
    new_group = np.ones(len(c), bool)
    new_group[1:] = rolling.groups[1:] != rolling.groups[:-1]
    prev_above = np.zeros(len(c), bool)
    prev_above[1:] = above[:-1]
    prev_above &= ~new_group
    starts = np.flatnonzero(above & ~prev_above)
    # an episode ends before the next record (same group) that is below the threshold
    falls = np.flatnonzero(~above | new_group)
    out = []
    for s in starts:
        nxt = np.searchsorted(falls, s, side="right")
        end = (int(falls[nxt]) if nxt < len(falls) else len(c)) - 1
        g = int(rolling.groups[s])
        out.append(Crossing(rule, g, labels[g] if labels else str(g), int(rolling.times[s]),
                            int(c[s]), int(c[s:end + 1].max()), int(rolling.times[end]),
                            int(rolling.index[s])))
    out.sort(key=lambda x: x.time)
    return out


def rate_curve(times: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Step curve (x, y) of the rolling count for one group's sorted times, drawable as a line:
    +1 when a record arrives, -1 when it leaves the window (arrivals first at equal times)."""
    t = np.asarray(times, dtype=np.float64)
    if len(t) == 0:
        return np.zeros(0), np.zeros(0)
    x = np.concatenate((t, t + window))
    d = np.concatenate((np.ones(len(t)), -np.ones(len(t))))
    order = np.lexsort((-d, x))
    x, y = x[order], np.cumsum(d[order])
    # staircase: hold each value until the next change
    xs = np.repeat(x, 2)[1:]
    ys = np.repeat(y, 2)[:-1]
    return xs, ys


@dataclass(slots=True)
class Storm:
    start: int
    end: int
    count: int  # records from start to end
    peak: int  # most records in one window inside the storm
    first: int = 0  # position (time order) of the first record
    members: slice = field(default_factory=lambda: slice(0, 0))

    @property
    def duration(self) -> int:
        return self.end - self.start


_STORM_BLOCK = 1 << 16


def storms(times: np.ndarray, min_count: int, window: int = 60) -> list[Storm]:
    """Bursts of at least ``min_count`` records within ``window`` seconds (sorted ``times``)."""
    t = np.asarray(times)
    n = len(t)
    if n == 0 or min_count <= 0 or min_count > n:
        return []
    # records in each record's window, a block at a time: only the windows that hold a storm
    # are kept (the whole column was 32 bytes a record at the peak of a million-record run)
    starts_parts, sizes_parts = [], []
    for lo in range(0, n, _STORM_BLOCK):
        block = t[lo:lo + _STORM_BLOCK]
        per_window = np.searchsorted(t, block + window, side="left") - np.arange(lo, lo + len(block))
        hit = np.flatnonzero(per_window >= min_count)
        starts_parts.append(hit + lo)
        sizes_parts.append(per_window[hit])
    starts, sizes = np.concatenate(starts_parts), np.concatenate(sizes_parts)
    if len(starts) == 0:
        return []
    ends = starts + sizes - 1
    reach = np.maximum.accumulate(ends)
    new = np.ones(len(starts), bool)
    new[1:] = starts[1:] > reach[:-1]
    heads = np.flatnonzero(new)
    last = np.maximum.reduceat(ends, heads)
    peak = np.maximum.reduceat(sizes, heads)
    out = []
    for h, e, p in zip(heads, last, peak):
        s = int(starts[h])
        out.append(Storm(int(t[s]), int(t[e]), int(e - s + 1), int(p), s, slice(s, int(e) + 1)))
    return out
