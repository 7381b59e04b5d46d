"""WhLg entries (WHEA_EVENT_LOG_ENTRY): Windows' own events about error handling, not faults."""

from __future__ import annotations

from ...core.model import DecodedRecord
from .tables import WHLG_ADVICE, WHLG_TEXT_NO_PAYLOAD


def explain_whlg(rec: DecodedRecord) -> dict:
    h = rec.header
    name = h.get("id_name") or "Unknown"
    type_name = h.get("type_name") or "Unknown"
    headline = rec.summary or f"WHEA event {name}"
    if name in WHLG_TEXT_NO_PAYLOAD and not h.get("payload_length"):
        headline = f"WHEA event {name} ({type_name}): {WHLG_TEXT_NO_PAYLOAD[name]}"
    advice = []
    if name in WHLG_ADVICE:
        advice.append(WHLG_ADVICE[name])
    if type_name == "Informational":
        advice.append("No action needed: this entry records how Windows set up or handled hardware "
                      "error reporting.")
    else:
        advice.append("Look at the hardware error records (WHEA-Logger events) logged around the same "
                      "time for the part involved.")
    caveats = []
    if rec.has_errors():
        caveats.append("The entry is malformed or truncated: some fields could not be read.")
    id_cite = [n.path for n in (rec.root.find("header.id"), rec.root.find("header.type")) if n is not None]
    meaning = ("A Windows hardware-error subsystem event (WHEA_EVENT_LOG_ENTRY), not a hardware error "
               "record: it reports configuration or handling, not a fault.")
    said = ([{"kind": "headline", "text": headline, "cites": id_cite},
             {"kind": "severity", "text": meaning, "cites": id_cite}]
            + [{"kind": "advice", "text": a, "cites": id_cite} for a in advice]
            + [{"kind": "caveat", "text": c, "cites": []} for c in caveats])
    for s in said:
        s.update(topic="", uses_location=False)
    return {
        "headline": headline, "severity": type_name.lower(), "severity_meaning": meaning,
        "component": "", "component_name": "Windows WHEA", "where": "", "detail": rec.summary,
        "advice": advice, "caveats": caveats, "sections": [], "state": "whlg", "urgency": "",
        "statements": said, "cites": {"headline": id_cite, "severity_meaning": id_cite},
        "location": [],
    }
