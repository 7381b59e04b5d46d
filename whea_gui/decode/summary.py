"""The summary line for records that are not full CPER records (status blocks, single sections)."""

from __future__ import annotations

from ..core.model import NOTE, DecodedRecord


def summarise(rec: DecodedRecord, what: str) -> None:
    """The plain-language explainer's summary, else (when it fails) a short fallback line."""
    from .explain import summarise_record  # imported when first needed: explain imports decode

    try:
        summarise_record(rec)
        if rec.summary:
            return
    except Exception as exc:
        rec.add_finding(NOTE, f"Summary unavailable ({type(exc).__name__}: {exc})", 0, 0, "internal")
    severity = rec.header.get("severity_name") or (
        rec.sections[0].values.get("severity_name") if rec.sections else None) or "Unknown"
    kinds = ", ".join(s.summary or s.values.get("type_name") or "?" for s in rec.sections) or "no sections"
    rec.summary = f"{severity} {what}: {kinds}"
