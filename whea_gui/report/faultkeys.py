"""Fault location keys of a decoded record: the timeline's own keys (``index.faults``), so the
report groups and counts thresholds exactly as the window's timeline does."""

from __future__ import annotations

from ..core.model import DecodedRecord
from ..index import faults as _faults


def record_fault(rec: DecodedRecord) -> tuple[str, str, dict[str, str]]:
    """(component, location key, threshold scope keys) of the record's first located section."""
    return _faults.record_fault(rec)


def component_label(component: str) -> str:
    return _faults.COMPONENT_LABELS.get(component, component.upper())
