"""Kernel-WHEA Event ID 5 error-source tables: the error sources Windows set up, not a fault."""

from __future__ import annotations

from ...core.model import DecodedRecord


def explain_source_table(rec: DecodedRecord) -> dict:
    headline = rec.summary
    cites = [s.descriptor.path for s in rec.sections[:16] if s.descriptor is not None]
    meaning = ("The error sources Windows registered when WHEA started (Kernel-WHEA Event ID 5): "
               "how hardware errors reach Windows on this machine, not a hardware error.")
    advice = ["No action needed: compare it with another machine's table when errors of one kind "
              "are never reported (a missing or stopped source)."]
    caveats = []
    if rec.has_errors():
        caveats.append("The table is truncated or malformed: some error sources could not be read.")
    said = ([{"kind": "headline", "text": headline, "cites": cites},
             {"kind": "severity", "text": meaning, "cites": []}]
            + [{"kind": "advice", "text": a, "cites": []} for a in advice]
            + [{"kind": "caveat", "text": c, "cites": []} for c in caveats])
    for s in said:
        s.update(topic="", uses_location=False)
    return {
        # (no severity: a list of error sources reports no error, and its headline says so)
        "headline": headline, "severity": "", "severity_meaning": meaning,
        "component": "", "component_name": "Windows WHEA error sources", "where": "",
        "detail": "; ".join(s.summary for s in rec.sections[:64]),
        "advice": advice, "caveats": caveats,
        "sections": [{"index": s.index, "type_name": s.values.get("type_name"), "component": "",
                      "summary": s.summary} for s in rec.sections],
        "state": "error_source_table", "urgency": "", "statements": said,
        "cites": {"headline": cites}, "location": [],
    }
