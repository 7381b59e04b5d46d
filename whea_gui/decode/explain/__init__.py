"""Plain-language explanation of a decoded record: which part is failing, how bad it is, where,
and what a person can usually do about it.

One source of truth: ``facts.gather`` reads one set of typed facts per record (severity, lead
section and component, typed location, what failed, flags), each with the tree paths it came
from; ``rules.statements`` turns them into statements that cannot contradict each other.
``explain_record`` returns them as the dict the window, reports and JSON use;
``summarise_record`` makes the one-line ``rec.summary`` from the same statements.
"""

from __future__ import annotations

from ...core.model import DecodedRecord
from .facts import Facts, component_of, gather
from .rules import (
    Statement,
    component_name,
    record_component,
    statements,
    summary_statements,
    urgency,
)
from .source_table import explain_source_table
from .whlg import explain_whlg

NOT_FAULTS = ("whlg", "error_source_table")  # items that report no hardware error

__all__ = ["explain_record", "summarise_record", "component_of_record", "Facts", "Statement"]


def component_of_record(rec: DecodedRecord) -> str:
    """The record's component as its explanation names it (``rules.record_component``); "" for
    a WHEA-Logger packet or a record naming no known part."""
    if rec.kind in NOT_FAULTS:
        return ""
    return record_component(gather(rec, cites=False))


def summarise_record(rec: DecodedRecord) -> None:
    """Set ``rec.summary``: the headline plus the first piece of advice."""
    if rec.kind == "whlg":
        rec.summary = explain_whlg(rec)["headline"]
        return
    if rec.kind == "error_source_table":
        return  # its decoder sets the summary
    # the same words as explain_record's; no need to find cited fields
    head, advice = summary_statements(gather(rec, cites=False))
    rec.summary = f"{head.text}. {advice.text}" if advice else head.text


def explain_record(rec: DecodedRecord, *, cites: bool = True) -> dict:
    """{headline, severity, severity_meaning, component, component_name, where, detail, advice,
    caveats, sections} as plain sentences, plus ``statements`` (each with the tree paths it
    cites), ``cites`` (per key), ``location`` (typed parts) and ``state``."""
    if rec.kind == "whlg":
        return explain_whlg(rec)
    if rec.kind == "error_source_table":
        return explain_source_table(rec)
    f = gather(rec, cites=cites)
    said = statements(f)

    def first(kind: str) -> Statement | None:
        return next((s for s in said if s.kind == kind), None)

    head, sev, where, what = first("headline"), first("severity"), first("where"), first("what")
    record = f.state == "record"
    return {
        "headline": head.text if head else "",
        "severity": f.severity_word.lower() if f.severity is not None else ("unknown" if record else ""),
        "severity_meaning": sev.text if sev else "",
        "component": f.component,  # the lead section's family; record_component: the part named
        "component_name": component_name(f) if record else "",
        "where": where.text if where else "",
        "detail": what.text if what else "",
        "advice": [s.text for s in said if s.kind == "advice"],
        "caveats": [s.text for s in said if s.kind == "caveat"],
        "sections": [{"index": s.index, "type_name": s.values.get("type_name"),
                      "component": component_of(s), "summary": s.summary} for s in rec.sections],
        "state": f.state,
        "urgency": urgency(f) if record else "",
        "statements": [s.as_json() for s in said],
        "cites": {key: list(s.cites) for key, s in (("headline", head), ("severity_meaning", sev),
                                                     ("where", where), ("detail", what)) if s},
        "location": [{"kind": p.kind, "label": p.label, "value": p.value, "cites": list(p.cites)}
                     for p in f.location.parts],
    }
