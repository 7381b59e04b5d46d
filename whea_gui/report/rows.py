"""One record as a row of the record list: the columns the window shows, CSV writes and the
report tables print. Computed from a ``DecodedRecord`` (header, descriptors, provenance).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..core.model import LEVELS, DecodedRecord
from ..decode.explain.facts import explained_severity
from ..formats.cper import SEVERITY
from ..index.faults import PLAUSIBLE_YEARS

# Keys a reader may put in ``RecordRef.source`` for the container's own time (Event Log
# TimeCreated, Redfish Created, ...) and for the machine name.
EVENT_TIME_KEYS = ("time_created", "event_time", "created", "time")
HOST_KEYS = ("host", "computer", "hostname")

ROW_COLUMNS = ("index", "time", "time_source", "severity", "kind", "notify_type", "section_types",
               "summary", "findings", "path", "offset", "host", "record_id")

def parse_time(value: Any) -> dt.datetime | None:
    """A naive datetime from ISO text or a datetime (aware → UTC, as the record list does);
    None when there is no usable value."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def record_time(rec: DecodedRecord) -> tuple[dt.datetime | None, str]:
    """(time, where it came from): the record's own valid timestamp ("record"), else the time the
    source gives ("event"), else (None, "none"). A time in a year the decoder calls implausible
    (a garbled timestamp) is no usable time, as in the timeline (index.faults.to_epoch): it would
    otherwise stretch the report's time span to a year like 8372."""
    if rec.kind == "cper":
        t = _usable(parse_time((rec.header or {}).get("timestamp")))
        if t is not None:
            return t, "record"
    for key in EVENT_TIME_KEYS:
        t = _usable(parse_time((rec.source or {}).get(key)))
        if t is not None:
            return t, "event"
    return None, "none"


def _usable(when: dt.datetime | None) -> dt.datetime | None:
    return when if when is not None and when.year in PLAUSIBLE_YEARS else None


def host_of(source: dict | None) -> str:
    for key in HOST_KEYS:
        value = (source or {}).get(key)
        if value:
            return str(value)
    return ""


# kinds whose header carries an error severity: a CPER record's, an ACPI status block's
# (BERT/GHES: ErrorSeverity, same codes)
SEVERITY_KINDS = ("cper", "gesb")


def record_severity(rec: DecodedRecord) -> int | None:
    """The record's error severity code as its explanation gives it (0-3, or an undefined
    larger value): the header's, or a worse section's (UEFI: a record is as severe as its most
    severe section); None for kinds that have none (event-log entries, error-source tables,
    bytes of no known kind). Counts, the record list and ``--severity`` all use it, so no
    report lists as Corrected a record it explains as Fatal."""
    return explained_severity(rec) if rec.kind in SEVERITY_KINDS else None


_UNSET = object()


def severity_label(rec: DecodedRecord, code=_UNSET) -> str:
    """The record's severity in words; ``code``: its ``record_severity`` when already known."""
    if rec.kind in SEVERITY_KINDS:
        code = record_severity(rec) if code is _UNSET else code
        return SEVERITY.get(code, "Unknown") if isinstance(code, int) else "Unknown"
    if rec.kind == "whlg":
        return "Event log entry"
    if rec.kind == "error_source_table":
        return "Error source table"
    return "Unknown"


def notify_label(rec: DecodedRecord) -> str:
    h = rec.header or {}
    if rec.kind == "whlg":
        return h.get("id_name") or ""
    return h.get("notify_type_name") or h.get("notify_type") or ""


def section_type_labels(rec: DecodedRecord) -> list[str]:
    return [s.values.get("type_name") or s.values.get("type") or "?" for s in rec.sections]


TYPES_LISTED = 16  # section types listed one by one; a record with more has them counted


def section_types_text(labels: list[str]) -> str:
    """The record list's "section types" cell: each section's type, in order; past
    ``TYPES_LISTED`` sections each type once with its count (F7-1: 65,535 sections made a 1.2 MB
    cell, title and PDF contents line), at most ``TYPES_LISTED`` types."""
    if len(labels) <= TYPES_LISTED:
        return "; ".join(labels)
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    named = [f"{label} ×{n:,}" for label, n in list(counts.items())[:TYPES_LISTED]]
    if len(counts) > TYPES_LISTED:
        named.append(f"{len(counts) - TYPES_LISTED:,} more types")
    return f"{len(labels):,} sections: " + "; ".join(named)


def findings_text(rec: DecodedRecord) -> str:
    counts = {level: 0 for level in LEVELS}
    for f in rec.findings:
        counts[f.level] = counts.get(f.level, 0) + 1
    return ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in counts.items() if n)


def record_row(rec: DecodedRecord, index: int) -> dict[str, Any]:
    """The record-list columns of one record (``index`` = its 1-based place in the inputs)."""
    when, source = record_time(rec)
    src = rec.source or {}
    rid = (rec.header or {}).get("record_id")
    return {
        "index": index,
        "time": when.isoformat() if when else "",
        "time_source": source,
        "severity": severity_label(rec),
        "kind": rec.kind,
        "notify_type": notify_label(rec),
        "section_types": section_types_text(section_type_labels(rec)),
        "summary": rec.summary,
        "findings": findings_text(rec),
        "path": str(src.get("path", "")),
        "offset": src.get("offset", ""),
        "host": host_of(src),
        "record_id": "" if rid is None else rid,
    }
