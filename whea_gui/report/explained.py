"""The plain-language explanation every report format prints, taken from the one dict
``whea_gui.decode.explain.explain_record`` returns (the window's pane reads the same dict).

Every format shows the same parts, in the same order: headline, how bad (the severity's
meaning), the part and where it is (with the located parts), what failed, what to do, and every
caveat. A caveat says what the record cannot tell or where it contradicts itself: an
explanation printed without them would claim more than the record supports, so no format may
drop one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.model import DecodedRecord
from ..decode.explain import explain_record


@dataclass(slots=True)
class Explanation:
    headline: str = ""
    severity: str = ""
    severity_meaning: str = ""
    component_name: str = ""
    where: str = ""
    parts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) of the location
    detail: str = ""  # what failed; empty when the headline already says it
    advice: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  # explain_record's dict, for JSON


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def explain(rec: DecodedRecord) -> Explanation:
    """``explain_record(rec)`` as the reports print it. Should the explainer fail, the report
    says so as a caveat (and in the JSON ``error`` key) instead of silently printing less."""
    try:
        raw = dict(explain_record(rec) or {})
    except Exception as exc:  # the record's fields are still reported; the gap is named
        raw = {"headline": rec.summary, "advice": [],
               "caveats": [f"The explanation could not be made ({type(exc).__name__}: {exc}); "
                           "read the fields below."],
               "error": f"{type(exc).__name__}: {exc}"}
    headline = _text(raw.get("headline")) or _text(rec.summary)
    detail = _text(raw.get("detail"))
    parts = [(_text(p.get("label")), _text(p.get("value")))
             for p in raw.get("location") or () if isinstance(p, dict)]
    return Explanation(
        headline=headline,
        severity=_text(raw.get("severity")),
        severity_meaning=_text(raw.get("severity_meaning")),
        component_name=_text(raw.get("component_name") or raw.get("component")),
        where=_text(raw.get("where")),
        parts=parts,
        detail="" if detail and detail in headline else detail,
        advice=[_text(a) for a in raw.get("advice") or ()],
        caveats=[_text(c) for c in raw.get("caveats") or ()],
        raw=raw,
    )


def parts_text(exp: Explanation) -> str:
    """The location's parts on one line ("CPU 3; APIC ID 3; ...")."""
    return "; ".join(f"{label} {value}".strip() for label, value in exp.parts)


def explanation_json(exp: Explanation) -> dict[str, Any]:
    """The ``explanation`` object of a JSON report record: explain_record's dict as it is
    (headline, severity, severity_meaning, component, component_name, where, detail, advice,
    caveats, sections, state, urgency, statements, cites, location)."""
    return exp.raw
