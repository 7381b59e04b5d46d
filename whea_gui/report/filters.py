"""The report's record filters: the same conditions the window's record list offers.

``since``/``until`` compare the record's time (its own timestamp, else the source's event time;
records without a time are left out when either bound is given). ``until`` is inclusive; a
date without a time of day means the whole of that day. ``severity`` takes names or numbers,
``types`` section-type names or GUIDs or notify-type names or GUIDs (a name matches as a
case-insensitive substring), ``source`` a substring of the source path or host, and ``record``
picks one record by its 1-based place in the inputs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..core.model import DecodedRecord
from ..formats.cper import SEVERITY
from .rows import host_of, parse_time, record_severity, record_time

_SEVERITY_CODES = {name.lower(): code for code, name in SEVERITY.items()}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FilterError(ValueError):
    """A filter value that cannot be used (says which and why)."""


@dataclass(frozen=True)
class ReportFilters:
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # inclusive
    severity: tuple[int, ...] = ()
    types: tuple[str, ...] = ()
    source: str = ""
    record: int | None = None  # 1-based place in the inputs

    @classmethod
    def build(cls, since: Any = None, until: Any = None, severity: Iterable | None = None,
              types: Iterable[str] | None = None, source: str | None = None,
              record: int | None = None) -> ReportFilters:
        """Filters from user values (ISO text, names); raises FilterError for a bad value."""
        lo = _time_bound(since, "since", end_of_day=False)
        hi = _time_bound(until, "until", end_of_day=True)
        if record is not None and int(record) < 1:
            raise FilterError(f"--record {record}: records are counted from 1")
        return cls(lo, hi, tuple(_severity_code(s) for s in severity or ()),
                   tuple(t.strip().lower() for t in types or () if t.strip()),
                   (source or "").strip().lower(), None if record is None else int(record))

    @classmethod
    def coerce(cls, value: ReportFilters | Mapping | None) -> ReportFilters:
        if value is None:
            return cls()
        if isinstance(value, ReportFilters):
            return value
        return cls.build(**dict(value))

    @property
    def active(self) -> bool:
        return self != ReportFilters()

    def describe(self) -> dict[str, Any]:
        """The filters as plain JSON values (for the report's header)."""
        out = {k: v for k, v in asdict(self).items() if v not in (None, "", ())}
        for key in ("since", "until"):
            if key in out:
                out[key] = out[key].isoformat()
        if "severity" in out:
            out["severity"] = [SEVERITY.get(s, str(s)) for s in out["severity"]]
        if "types" in out:
            out["types"] = list(out["types"])
        return out

    def wants_index(self, index: int) -> bool:
        return self.record is None or index == self.record

    def matches(self, rec: DecodedRecord) -> bool:
        if self.since is not None or self.until is not None:
            when, _ = record_time(rec)
            if when is None:
                return False
            if self.since is not None and when < self.since:
                return False
            if self.until is not None and when > self.until:
                return False
        if self.severity and record_severity(rec) not in self.severity:
            return False
        if self.types and not _type_matches(rec, self.types):
            return False
        if self.source:
            src = rec.source or {}
            hay = f"{src.get('path', '')}\n{host_of(src)}".lower()
            if self.source not in hay:
                return False
        return True


def _time_bound(value: Any, name: str, *, end_of_day: bool) -> dt.datetime | None:
    if value is None or value == "":
        return None
    when = parse_time(value)
    if when is None:
        raise FilterError(f"--{name} {value!r}: not an ISO date/time (e.g. 2025-03-01 or "
                          "2025-03-01T12:30:00)")
    if end_of_day and isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        when = when + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return when


def _severity_code(value: Any) -> int:
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    if text.isascii() and text.isdigit():  # not '²', which int() refuses
        return int(text)
    if text in _SEVERITY_CODES:
        return _SEVERITY_CODES[text]
    raise FilterError(f"--severity {value!r}: use one of "
                      f"{', '.join(n.lower() for n in SEVERITY.values())} (or 0-3)")


def _type_matches(rec: DecodedRecord, wanted: tuple[str, ...]) -> bool:
    names: list[str] = []
    for s in rec.sections:
        names += [s.values.get("type") or "", (s.values.get("type_name") or "").lower()]
    h = rec.header or {}
    names += [h.get("notify_type") or "", (h.get("notify_type_name") or "").lower(),
              (h.get("id_name") or "").lower()]
    guids = {n for n in names if n}
    for w in wanted:
        if w in guids or any(w in n for n in names if n):
            return True
    return False
