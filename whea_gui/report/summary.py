"""The report summary, built one record at a time: counts by severity, type, component,
location and source; the time span; threshold crossings and storms.

Per record only a few numbers are kept (time, severity and fault codes in compact arrays, about
25 bytes a record), so a million-record report summarises in flat memory. Crossings and storms
come from the timeline helper's analysis (``whea_gui.index.analysis``), the same rules the
window's timeline applies.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from typing import Any

import numpy as np

from ..core.model import LEVELS, DecodedRecord
from ..index import analysis as _analysis
from ..index import rates as _rates
from .faultkeys import component_label, record_fault
from .rows import host_of, record_severity, record_time, section_type_labels, severity_label

EPOCH = dt.datetime(1970, 1, 1)
SEVERITY_ORDER = ("Fatal", "Recoverable", "Corrected", "Informational", "Unknown", "Event log entry")
SCOPES = ("location", "page", "dimm", "cpu")
STORM_COUNT, STORM_WINDOW = 10, 60  # as the window's timeline: 10 records within a minute
TOP_LOCATIONS = 25


def epoch_seconds(when: dt.datetime) -> int:
    return int((when - EPOCH).total_seconds() // 1)


def from_epoch(secs: int) -> str:
    return (EPOCH + dt.timedelta(seconds=int(secs))).isoformat()


class _Codes:
    """Interned labels with one int32 code per record (-1 = none)."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._ids: dict[str, int] = {}
        self.codes = array("i")

    def add(self, label: str | None) -> None:
        if not label:
            self.codes.append(-1)
            return
        code = self._ids.get(label)
        if code is None:
            code = self._ids[label] = len(self.labels)
            self.labels.append(label)
        self.codes.append(code)

    def _bincount(self) -> np.ndarray:
        codes = np.frombuffer(self.codes, np.int32)
        return np.bincount(codes[codes >= 0], minlength=len(self.labels))

    def distinct(self) -> int:
        return int(np.count_nonzero(self._bincount()))

    def top(self, n: int) -> dict[str, int]:
        """The ``n`` most frequent labels (ties by label), without building a table of all."""
        counts = self._bincount()
        if len(counts) > n:
            cut = np.partition(counts, len(counts) - n)[len(counts) - n]
            keep = np.flatnonzero(counts >= max(cut, 1))
        else:
            keep = np.flatnonzero(counts)
        ranked = sorted(((self.labels[i], int(counts[i])) for i in keep), key=lambda kv: (-kv[1], kv[0]))
        return dict(ranked[:n])


class CountingBuilder:
    """For formats without a summary (CSV): counts only, so memory stays flat."""

    def __init__(self) -> None:
        self.total = 0
        self.with_errors = 0

    def add(self, rec: DecodedRecord, index: int) -> None:
        self.total += 1
        self.with_errors += rec.has_errors()

    def result(self) -> dict[str, Any]:
        return {"records": self.total, "records_with_errors": self.with_errors}


class SummaryBuilder:
    def __init__(self, storm_count: int = STORM_COUNT, storm_window: int = STORM_WINDOW) -> None:
        self.storm_count, self.storm_window = storm_count, storm_window
        self.total = 0
        self.with_errors = 0
        self.by = {name: Counter() for name in ("severity", "kind", "section_type", "notify_type",
                                                "component", "source", "time_source", "findings")}
        # per record, in input order
        self.index = array("q")
        self.times = array("q")  # epoch seconds of the naive record time; -1 = none
        self.time_source = array("b")
        self.severity = array("b")  # CPER severity code, -1 for other kinds
        self.log_entry = array("b")  # WHEA's own log entries: in no storm (TimelineData.log_entry)
        self.faults = {scope: _Codes() for scope in SCOPES}

    def add(self, rec: DecodedRecord, index: int) -> None:
        self.total += 1
        by = self.by
        sev = record_severity(rec)  # (the explanation's severity: worked out once)
        by["severity"][severity_label(rec, sev)] += 1
        by["kind"][rec.kind] += 1
        for name in dict.fromkeys(section_type_labels(rec)):
            by["section_type"][name] += 1
        notify = (rec.header or {}).get("notify_type_name") or (rec.header or {}).get("id_name")
        if notify:
            by["notify_type"][notify] += 1
        src = rec.source or {}
        by["source"][host_of(src) or str(src.get("path", "")) or "(unknown)"] += 1
        for f in rec.findings:
            by["findings"][f.level] += 1
        if rec.has_errors():
            self.with_errors += 1
        when, tsrc = record_time(rec)
        by["time_source"][tsrc] += 1
        self.index.append(index)
        self.times.append(epoch_seconds(when) if when is not None else -1)
        self.time_source.append({"none": 0, "record": 1, "event": 2}[tsrc])
        self.log_entry.append(rec.kind in _analysis.LOG_ENTRY_KINDS)
        self.severity.append(sev if sev is not None and 0 <= sev <= 3 else -1)
        component, key, scopes = record_fault(rec)
        if component:
            by["component"][component_label(component)] += 1
        host = host_of(src)
        self.faults["location"].add(f"{host} | {key}" if host and key else key)
        for scope in SCOPES[1:]:
            value = scopes.get(scope)
            self.faults[scope].add(f"{host} | {value}" if host and value else value)

    # -- results --------------------------------------------------------------------------
    def timed(self) -> tuple[np.ndarray, np.ndarray]:
        """(epoch seconds, CPER severity) of the records that have a time."""
        t = np.frombuffer(self.times, np.int64)
        s = np.frombuffer(self.severity, np.int8)
        keep = t >= 0
        return t[keep], s[keep]

    def result(self) -> dict[str, Any]:
        t, _ = self.timed()
        sev = self.by["severity"]
        out: dict[str, Any] = {
            "records": self.total,
            "records_with_errors": self.with_errors,
            "first_time": from_epoch(t.min()) if len(t) else None,
            "last_time": from_epoch(t.max()) if len(t) else None,
            "by_severity": {k: sev[k] for k in SEVERITY_ORDER if sev.get(k)},
            "by_kind": _ranked(self.by["kind"]),
            "by_section_type": _ranked(self.by["section_type"]),
            "by_notify_type": _ranked(self.by["notify_type"]),
            "by_component": _ranked(self.by["component"]),
            "by_location": self.faults["location"].top(TOP_LOCATIONS),
            "locations": self.faults["location"].distinct(),
            "by_source": _ranked(self.by["source"]),
            "time_sources": _ranked(self.by["time_source"]),
            "time_note": time_sources_text(self.by["time_source"]),
            "findings": {level: self.by["findings"][level] for level in LEVELS
                         if self.by["findings"].get(level)},
        }
        out.update(self._analysis())
        return out

    def _analysis(self) -> dict[str, Any]:
        storm_rule = {"records": self.storm_count, "window_seconds": self.storm_window}
        times = np.frombuffer(self.times, np.int64)
        index = np.frombuffer(self.index, np.int64)
        # Threshold rules count by page/DIMM/CPU: only records with such a key take part, so
        # the analysis arrays stay small however many records there are.
        scoped = np.zeros(len(times), bool)
        for scope in SCOPES[1:]:
            scoped |= np.frombuffer(self.faults[scope].codes, np.int32) >= 0
        rows = np.flatnonzero(scoped & (times >= 0))
        data = _analysis.TimelineData(
            times[rows], time_source=np.frombuffer(self.time_source, np.int8)[rows].astype(np.uint8),
            severity=np.frombuffer(self.severity, np.int8)[rows].astype(np.int16),
            faults={k: (np.frombuffer(c.codes, np.int32)[rows], c.labels)
                    for k, c in self.faults.items() if k != "location"})
        thresholds = []
        for rule in _rates.default_rules():
            for c in data.crossings(rule):
                thresholds.append({"rule": rule.name, "origin": rule.origin,
                                   "threshold": rule.threshold, "window_seconds": rule.window,
                                   "location": c.label, "time": from_epoch(c.time),
                                   "peak": c.peak, "until": from_epoch(c.until),
                                   "record": int(index[rows[c.record]])})
        thresholds.sort(key=lambda x: (x["time"], x["rule"], x["location"]))
        log_entry = np.frombuffer(self.log_entry, np.int8).astype(bool)
        timed = np.flatnonzero((times >= 0) & ~log_entry)  # storms are of error records
        order = timed[np.argsort(times[timed], kind="stable")]
        storms = [{"start": from_epoch(s.start), "end": from_epoch(s.end), "records": s.count,
                   "peak_per_window": s.peak, "first_record": int(index[order[s.first]])}
                  for s in _rates.storms(times[order], self.storm_count, self.storm_window)]
        return {"thresholds": thresholds, "storms": storms, "storm_rule": storm_rule, "analysis_note": ""}


def _ranked(counter: Counter, top: int | None = None) -> dict[str, int]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(items[:top] if top else items)


def _records(n: int) -> str:
    return f"{n:,} record{'' if n == 1 else 's'}"


def time_sources_text(counts) -> str:
    """Where the times come from, as a sentence: "record" = the record header's own timestamp,
    "event" = the time of the Windows event that carried a record without one."""
    own, event, none = (int(counts.get(k, 0)) for k in ("record", "event", "none"))
    if not own + event + none:
        return ""
    parts = []
    if own:
        parts.append("the record's own timestamp" + ("" if not (event or none)
                                                     else f" ({_records(own)})"))
    if event:
        parts.append("the time of the Windows event that carried it, as the record has no "
                     f"timestamp of its own ({_records(event)})")
    text = ""
    if parts:
        text = "Times are " + (" or ".join(parts) if len(parts) < 3 else ", ".join(parts)) + "."
    if none:
        text += (" " if text else "") + (f"{_records(none)} {'has' if none == 1 else 'have'} no "
                                         "usable time (none, or one in an implausible year) and "
                                         f"{'is' if none == 1 else 'are'} left out of the time span "
                                         "and the timeline.")
    return text
