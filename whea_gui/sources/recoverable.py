"""Records a platform container still holds after they were cleared (an ERST slot whose map
entry was zeroed) or deleted (an edk2 ``HwErrRec`` variable in state deleted). Readers offer
them with ``source["recoverable"]``; ``whea decode`` and the window show them marked, and the
figures of ``whea timeline`` and ``whea report`` leave them out (each one named in a note),
because the platform no longer holds them as records (docs/stores.md)."""

from __future__ import annotations

from .base import Problem


def is_recoverable(source: dict | None) -> bool:
    return bool((source or {}).get("recoverable"))


def state_label(source: dict | None) -> str:
    """ "cleared, recoverable" / "deleted, recoverable", or "" for a live record."""
    if not is_recoverable(source):
        return ""
    return f"{source.get('state') or 'cleared'}, recoverable"


def where(source: dict) -> str:
    if source.get("variable"):
        return f"variable {source['variable']}"
    if source.get("slot") is not None:
        return f"slot {source['slot']}"
    return "the container"


def left_out(source: dict) -> Problem:
    """The note saying a recoverable record is not counted."""
    return Problem(str(source.get("path", "")), source.get("offset"),
                   f"a {state_label(source)} record ({where(source)}) is not counted: the "
                   "store no longer holds it (`whea decode` shows it)", "note")
