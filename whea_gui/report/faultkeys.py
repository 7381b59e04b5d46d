"""Fault location keys of a decoded record, through the timeline helper's ``index.faults`` when it
is present (the same keys the window's timeline groups by), else a plain fallback.
"""

from __future__ import annotations

from ..decode.model import DecodedRecord

try:  # the timeline analysis (whea_gui/index) may land after the reports
    from ..index import faults as _faults
except ImportError:  # pragma: no cover - exercised only on a tree without whea_gui.index
    _faults = None


def record_fault(rec: DecodedRecord) -> tuple[str, str, dict[str, str]]:
    """(component, location key, threshold scope keys) of the record's first located section."""
    if _faults is not None:
        return _faults.record_fault(rec)
    component = ""
    for sec in rec.sections:
        component = component or sec.component
        if sec.location:
            parts = "/".join(f"{k}={v}" for k, v in sec.location.items()
                             if v is not None and not isinstance(v, dict))
            return sec.component, f"{sec.component or 'other'}:{parts}", {}
    return component, "", {}


def component_label(component: str) -> str:
    if _faults is not None:
        return _faults.COMPONENT_LABELS.get(component, component.upper())
    return component.upper()
