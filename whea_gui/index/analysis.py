"""Timeline and fleet analysis over plain numpy columns (Qt-free).

``TimelineData`` holds one row per record: a time (int64 epoch seconds, with where it came
from), the CPER severity, categorical group columns (notify type, section type, component,
source) and fault columns (location, memory page, DIMM, CPU). It sorts the timed records once;
binning, rolling counts, threshold crossings, storms and fault grouping then run on those
arrays. Build it from decoded records (``from_decoded``), from the columnar ``RecordTable``
(``from_record_table``) or from arrays directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core import guids
from ..decode.error_source_table import KIND as TABLE_KIND
from ..formats.cper import SEVERITY
from . import faults as _faults
from .faults import TIME_NONE, TIME_RECORD, TIME_SOURCE_NAMES
from .header import KIND_TABLE, KIND_WHLG
from .rates import Crossing, Rolling, Storm, ThresholdRule, crossings, rate_curve, rolling_counts, storms
from .timebins import Histogram, bin_edges, choose_bin_width, count_bins

GROUPINGS = {"severity": "Severity", "notify": "Notify type", "section": "Section type",
             "component": "Component", "source": "Source"}
# decoded kinds that are WHEA's own log entries, not error records (see TimelineData.log_entry)
LOG_ENTRY_KINDS = ("whlg", TABLE_KIND)
SEVERITY_ORDER = (1, 0, 2, 3)  # stacked bottom-up: Fatal, Recoverable, Corrected, Informational
SEVERITY_LABELS = [SEVERITY[s] for s in SEVERITY_ORDER] + ["Unknown"]
LOG_ENTRY_LABEL = "WHEA log entry"  # WhLg entries and error-source tables: no error, no severity
NONE_LABEL = "(none)"
OTHER_LABEL = "Other"


@dataclass(slots=True)
class Categorical:
    """Codes (int32, -1 = no value) into a list of labels."""
    codes: np.ndarray
    labels: list[str]

    @classmethod
    def from_values(cls, values: Iterable) -> Categorical:
        mapping: dict = {}
        codes = [-1 if v is None or v == "" else mapping.setdefault(v, len(mapping)) for v in values]
        return cls(np.asarray(codes, dtype=np.int32), [str(k) for k in mapping])

    @classmethod
    def coerce(cls, value, n: int) -> Categorical:
        if isinstance(value, Categorical):
            cat = value
        elif isinstance(value, tuple) and len(value) == 2 and not isinstance(value[0], str):
            cat = cls(np.asarray(value[0], dtype=np.int32), list(value[1]))
        else:
            cat = cls.from_values(value)
        if len(cat.codes) != n:
            raise ValueError(f"column has {len(cat.codes)} rows, expected {n}")
        return cat


def _as_seconds(times) -> tuple[np.ndarray, np.ndarray]:
    """(int64 seconds, valid mask) from datetime64, float (NaN = none), int or a list with None."""
    a = np.asarray(times)
    if a.dtype.kind == "M":
        valid = ~np.isnat(a)
        secs = a.astype("datetime64[s]").astype(np.int64)
    elif a.dtype.kind in "iu":
        secs = a.astype(np.int64)
        valid = secs != np.iinfo(np.int64).min
    else:
        f = np.array([np.nan if v is None else v for v in a], dtype=np.float64) if a.dtype == object \
            else a.astype(np.float64)
        valid = np.isfinite(f)
        secs = np.where(valid, np.floor(np.where(valid, f, 0)), 0).astype(np.int64)
    secs = np.where(valid, secs, 0)
    return secs, valid


def _severity_column(severity: np.ndarray, log_entry: np.ndarray | None = None) -> Categorical:
    lut = np.full(256, len(SEVERITY_ORDER), dtype=np.int32)
    for i, s in enumerate(SEVERITY_ORDER):
        lut[s] = i
    codes = lut[np.clip(severity.astype(np.int64), 0, 255)]
    codes[severity < 0] = len(SEVERITY_ORDER)
    labels = list(SEVERITY_LABELS)
    if log_entry is not None and log_entry.any():  # (only then: a store holds none)
        codes[log_entry] = len(labels)
        labels.append(LOG_ENTRY_LABEL)
    return Categorical(codes, labels)


class TimelineData:
    """The analysis input: one row per record, timed rows sorted once."""

    def __init__(self, times, *, time_source=None, severity=None,
                 groups: Mapping | None = None, faults: Mapping | None = None,
                 log_entry=None) -> None:
        secs, valid = _as_seconds(times)
        self.n = n = len(secs)
        if time_source is None:
            ts = np.where(valid, TIME_RECORD, TIME_NONE).astype(np.uint8)
        else:
            ts = np.asarray(time_source)
            if ts.dtype.kind in "UO":
                ts = np.array([TIME_SOURCE_NAMES.index(str(v)) for v in ts], dtype=np.uint8)
            ts = np.where(valid, ts, TIME_NONE).astype(np.uint8)
            valid &= ts != TIME_NONE
        self.times = secs
        self.time_source = ts
        self.severity = (np.full(n, -1, np.int16) if severity is None
                         else np.asarray(severity, dtype=np.int16))
        # WHEA's own log entries (WhLg event-log entries, Event ID 5 error-source tables) are
        # listed and charted, but they report no hardware error: a boot's burst of them is no
        # error storm, and they stack as log entries, not as errors of unknown severity
        self.log_entry = (np.zeros(n, bool) if log_entry is None
                          else np.asarray(log_entry, dtype=bool))
        if len(self.log_entry) != n:
            raise ValueError(f"log_entry has {len(self.log_entry)} rows, expected {n}")
        self.groups: dict[str, Categorical] = {"severity": _severity_column(self.severity,
                                                                            self.log_entry)}
        for name, col in (groups or {}).items():
            self.groups[name] = Categorical.coerce(col, n)
        self.faults = {name: Categorical.coerce(col, n) for name, col in (faults or {}).items()}
        timed = np.flatnonzero(valid)
        self.order = timed[np.argsort(secs[timed], kind="stable")]
        self.t = secs[self.order]  # timed records, ascending
        self._sorted: dict[str, np.ndarray] = {}
        self._stacks: dict[tuple, tuple[np.ndarray, list[str]]] = {}
        self._rolling: dict[tuple, Rolling] = {}
        self._ts_counts: dict[str, int] | None = None
        self._sev_sorted: np.ndarray | None = None
        # why the fault columns are missing or partial ('' = complete, or none were asked for)
        self.faults_note = ""

    # -- basics ----------------------------------------------------------------------------
    @property
    def timed(self) -> int:
        return len(self.t)

    def span(self) -> tuple[int, int] | None:
        return (int(self.t[0]), int(self.t[-1])) if len(self.t) else None

    def time_source_counts(self) -> dict[str, int]:
        if self._ts_counts is None:
            counts = np.bincount(self.time_source, minlength=len(TIME_SOURCE_NAMES))
            self._ts_counts = {name: int(c) for name, c in zip(TIME_SOURCE_NAMES, counts)}
        return dict(self._ts_counts)

    def time_source_names(self) -> list[str]:
        """The ``time_source`` column as text, per record: "record" / "event" / "none"."""
        return [TIME_SOURCE_NAMES[c] for c in self.time_source]

    def groupings(self) -> dict[str, str]:
        return {k: v for k, v in GROUPINGS.items() if k in self.groups}

    def sorted_codes(self, column: str) -> np.ndarray:
        """A group or fault column's codes in time order (cached)."""
        if column not in self._sorted:
            cat = self.groups[column] if column in self.groups else self.faults[column]
            self._sorted[column] = cat.codes[self.order]
        return self._sorted[column]

    # -- binning ---------------------------------------------------------------------------
    def stack_codes(self, by: str, max_groups: int = 8) -> tuple[np.ndarray, list[str]]:
        """Codes in time order remapped to at most ``max_groups`` stacked groups (+ Other).

        The most frequent groups overall keep their own colour; the order is fixed for the
        whole data set so a group keeps its place while zooming.
        """
        key = (by, max_groups)
        if key not in self._stacks:
            cat = self.groups[by]
            codes = self.sorted_codes(by)
            counts = np.bincount(codes + 1, minlength=len(cat.labels) + 1)
            present = [c for c in range(len(cat.labels)) if counts[c + 1]]
            if by != "severity":
                present.sort(key=lambda c: -counts[c + 1])
            keep, rest = present[:max_groups], present[max_groups:]
            labels = [cat.labels[c] for c in keep]
            lut = np.zeros(len(cat.labels) + 1, dtype=np.int64)
            for i, c in enumerate(keep):
                lut[c + 1] = i
            if rest:
                lut[[c + 1 for c in rest]] = len(labels)
                labels.append(OTHER_LABEL)
            if counts[0]:
                lut[0] = len(labels)
                labels.append(NONE_LABEL)
            self._stacks[key] = (lut[codes + 1], labels)
        return self._stacks[key]

    def histogram(self, t0: float | None = None, t1: float | None = None, by: str = "severity",
                  width: int | None = None, max_groups: int = 8) -> Histogram:
        """Counts per bin and group over [t0, t1] (default: all timed records)."""
        span = self.span()
        if t0 is None or t1 is None:
            t0, t1 = span if span else (0, 0)
        t0, t1 = min(t0, t1), max(t0, t1)
        width = width or choose_bin_width(t1 - t0)
        edges = bin_edges(t0, t1, width)
        codes, labels = self.stack_codes(by, max_groups)
        counts = count_bins(self.t, codes, max(len(labels), 1), edges)
        return Histogram(edges, counts[:, :len(labels)], labels, width)

    # -- rates and thresholds -------------------------------------------------------------
    def rolling(self, rule: ThresholdRule, keep: bool = True) -> Rolling:
        """Rolling counts of the rule's records, kept for the next call unless ``keep`` is
        False (a one-off analysis: about 32 bytes a counted record per rule)."""
        key = (rule.scope, rule.window, tuple(rule.severities))
        if key in self._rolling:
            return self._rolling[key]
        if rule.scope not in self.faults:
            return Rolling(*(np.zeros(0, np.int64) for _ in range(4)))
        mask = None
        if rule.severities:
            if self._sev_sorted is None:
                self._sev_sorted = self.severity[self.order]
            mask = np.isin(self._sev_sorted, rule.severities)
        roll = rolling_counts(self.t, self.sorted_codes(rule.scope), rule.window, mask)
        if keep:
            self._rolling[key] = roll
        return roll

    def crossings(self, rule: ThresholdRule, keep: bool = True) -> list[Crossing]:
        labels = self.faults[rule.scope].labels if rule.scope in self.faults else []
        out = crossings(self.rolling(rule, keep), rule.threshold, rule.name, labels)
        for c in out:
            c.record = int(self.order[c.record])  # back to the caller's record index
        return out

    def rate_curves(self, rule: ThresholdRule, top: int = 5) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Rolling-count step curves for the ``top`` groups with the highest peak count."""
        roll = self.rolling(rule)
        if len(roll.counts) == 0:
            return []
        labels = self.faults[rule.scope].labels
        peaks = np.zeros(len(labels), np.int64)
        np.maximum.at(peaks, roll.groups, roll.counts)
        best = [int(g) for g in np.argsort(-peaks, kind="stable")[:top] if peaks[g] > 0]
        out = []
        for g in best:
            xs, ys = rate_curve(roll.times[roll.group_slice(g)], rule.window)
            out.append((labels[g], xs, ys))
        return out

    def storms(self, min_count: int, window: int = 60) -> list[Storm]:
        """Bursts of error records (log entries left out). ``Storm.first``/``rows`` index the
        timed error records."""
        t = self.t[~self.log_entry[self.order]] if self.log_entry.any() else self.t
        return storms(t, min_count, window)

    # -- faults ----------------------------------------------------------------------------
    def fault_counts(self, t0: float | None = None, t1: float | None = None,
                     column: str = "location") -> tuple[np.ndarray, list[str]]:
        """Records per fault location (all records, or the timed ones inside [t0, t1])."""
        if column not in self.faults:
            return np.zeros(0, np.int64), []
        cat = self.faults[column]
        if t0 is None or t1 is None:
            codes = cat.codes
        else:
            lo = np.searchsorted(self.t, min(t0, t1), side="left")
            hi = np.searchsorted(self.t, max(t0, t1), side="right")
            codes = self.sorted_codes(column)[lo:hi]
        return np.bincount(codes[codes >= 0], minlength=len(cat.labels)), cat.labels

    def top_locations(self, n: int = 15, t0: float | None = None, t1: float | None = None,
                      column: str = "location") -> list[tuple[str, int]]:
        """The ``n`` locations with the most records; ties by location text, so every engine
        (files, a SQLite or PostgreSQL store, DuckDB over the export) lists the same ones
        whatever order the records were read or stored in."""
        counts, labels = self.fault_counts(t0, t1, column)
        if n <= 0 or not len(counts) or not counts.max():
            return []
        floor = max(np.partition(counts, -min(n, len(counts)))[-min(n, len(counts))], 1)
        keep = np.flatnonzero(counts >= floor)  # every location tied with the n-th may be kept
        keep = sorted(keep.tolist(), key=lambda i: (-int(counts[i]), labels[i]))[:n]
        return [(labels[i], int(counts[i])) for i in keep]

    def fault_summary(self, t0: float | None = None, t1: float | None = None) -> dict[str, int]:
        counts, _ = self.fault_counts(t0, t1)
        if t0 is None or t1 is None:
            errors = self.n
        else:
            errors = int(np.searchsorted(self.t, max(t0, t1), side="right")
                         - np.searchsorted(self.t, min(t0, t1), side="left"))
        located = int(counts.sum())
        return {"errors": errors, "located": located, "unlocated": errors - located,
                "faults": int(np.count_nonzero(counts))}


# -- building the columns ------------------------------------------------------------------
def fault_columns(decoded_records: Iterable) -> dict[str, Categorical]:
    """``location``, ``component``, ``page``, ``dimm`` and ``cpu`` columns of decoded records
    (host-prefixed keys: ``faults.record_fault_keys``)."""
    rows = [_faults.record_fault_keys(rec) for rec in decoded_records]
    return {name: Categorical.from_values(row[i] for row in rows)
            for i, name in enumerate(_faults.FAULT_KEY_NAMES)}


def from_decoded(records: Sequence) -> TimelineData:
    """Analysis input from ``DecodedRecord`` objects (record time, else event time)."""
    times, sources = zip(*(_faults.record_time(r) for r in records)) if records else ((), ())
    fcols = fault_columns(records)
    # (an Event ID 5 error-source table's parts are error sources, not CPER section types: none,
    # as the columnar table, which reads no bodies, has it)
    first = [r.sections[0].values if r.sections and r.kind != TABLE_KIND else {} for r in records]
    groups = {
        "notify": [(r.header or {}).get("notify_type_name") for r in records],
        "section": [v.get("type_name") for v in first],
        "component": fcols.pop("component"),
        "source": [_faults.source_label(r.source) for r in records],
    }
    severity = [(r.header or {}).get("severity") for r in records]
    severity = [s if isinstance(s, int) else -1 for s in severity]
    return TimelineData([np.nan if t is None else t for t in times],
                        time_source=np.asarray(sources, dtype=np.uint8), severity=severity,
                        groups=groups, faults=fcols,
                        log_entry=[r.kind in LOG_ENTRY_KINDS for r in records])


def _relabel(codes: np.ndarray, labels: Sequence[str | None], first_seen: bool = False) -> Categorical:
    """Codes into ``labels`` (None = no value) → a Categorical with unique labels: in code order,
    or (``first_seen``) in order of first appearance among the rows, as
    ``Categorical.from_values`` over records gives them, so groups tied in size stack and rank
    in the same order whichever way the columns were built (a sort: the command line's exact
    answer; the window takes the cheaper code order)."""
    codes = np.asarray(codes, dtype=np.int64)
    codes = np.where((codes >= 0) & (codes < len(labels)), codes, len(labels))
    if first_seen:
        used, first = np.unique(codes, return_index=True)
        order = used[np.argsort(first, kind="stable")].tolist()
    else:
        order = np.flatnonzero(np.bincount(codes, minlength=len(labels) + 1)).tolist()
    mapping: dict[str, int] = {}
    lut = np.full(len(labels) + 1, -1, dtype=np.int32)  # the last slot serves code -1
    for code in order:
        if code < len(labels) and labels[code]:
            lut[code] = mapping.setdefault(labels[code], len(mapping))
    return Categorical(lut[codes], list(mapping))


def table_fault_columns(table, first_seen: bool = False, consume: bool = False
                        ) -> dict[str, Categorical] | None:
    """The fault columns kept in the table (``index.faultindex``), or None unless every row has
    them: an analysis over part of the records must not pass for one over all of them.
    ``consume``: each column is taken out of the table once relabelled."""
    if len(table) == 0 or not bool(table.faults_known().all()):
        return None
    strings = list(table.strings)
    get = table.columns.pop if consume else table.columns.__getitem__
    return {name: _relabel(get(f"fault_{name}"), strings, first_seen)
            for name in _faults.FAULT_KEY_NAMES}


def from_record_table(table, faults: Mapping | None = None, first_seen: bool = False,
                      consume: bool = False) -> TimelineData:
    """Analysis input from the columnar ``RecordTable`` (whea_gui.index.table).

    Times (with their source), severity, notify type, section types, host and path come from
    headers and descriptors. Fault locations come from ``faults`` when given (e.g.
    ``fault_columns`` of the same records, decoded), else from the table's own fault columns
    when every row has them; otherwise there are none (no thresholds, no top locations).
    ``first_seen``: labels in order of first appearance (see ``_relabel``). WhLg entries and
    error-source tables (their index kinds) are WHEA's log entries (``TimelineData.log_entry``).
    ``consume``: the table is handed over, each column let go once read (a million rows: the
    table's 48 MB is not held beside the analysis columns made from it).
    """
    note = ""
    if faults is None:
        unknown = int((~table.faults_known()).sum())
        faults = table_fault_columns(table, first_seen, consume)
        if unknown:
            note = (f"Fault locations are not known for {unknown:,} of {len(table):,} records "
                    "(their sections are not decoded yet): no threshold crossings or top "
                    "locations are counted")
    faults = dict(faults) if faults is not None else None
    c = table.columns
    take = c.pop if consume else c.__getitem__
    strings = list(table.strings)
    source = np.asarray(take("time_source"), dtype=np.uint8)
    times = np.where(source > 0, take("timestamp"), np.iinfo(np.int64).min)
    sev = np.asarray(take("severity"), dtype=np.int16)
    firsts = [lst[0] if lst else None for lst in table.type_lists]
    comps = [next((_faults.component_of_section_type(g) for g in lst
                   if _faults.component_of_section_type(g)), "") for lst in table.type_lists]
    host, path = np.asarray(take("host")), np.asarray(take("path"))
    src_codes = np.where(host >= 0, host, np.where(path >= 0, path + len(strings), -1))
    del host, path
    src_labels = strings + [os.path.basename(s) or s for s in strings]
    notify, sections = take("notify"), take("section_types")
    notify_used = {int(x) for x in np.unique(notify) if x >= 0}
    groups = {
        "notify": _relabel(notify, [guids.name_of(s, "notify") if i in notify_used else None
                                    for i, s in enumerate(strings)], first_seen),
        "section": _relabel(sections, [guids.name_of(g, "section") if g else None
                                       for g in firsts], first_seen),
        "component": _relabel(sections, [_faults.COMPONENT_LABELS.get(k, k.upper())
                                         if k else None for k in comps], first_seen),
        "source": _relabel(src_codes, src_labels, first_seen),
    }
    del notify, sections, src_codes
    if faults is not None and "component" in faults:  # the decoded component, when known
        groups["component"] = faults.pop("component")
    data = TimelineData(times, time_source=source, severity=np.where(sev <= 3, sev, -1),
                        groups=groups, faults=faults,
                        log_entry=np.isin(np.asarray(take("kind")), (KIND_WHLG, KIND_TABLE)))
    data.faults_note = note
    return data
