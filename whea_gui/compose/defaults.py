"""What a hand-written section or header gets when the JSON leaves a value out: enum values
given by name, and the default body of a known section kind (the same bytes every time)."""

from __future__ import annotations

from typing import Any

from ..formats.cper import SEVERITY
from .values import by_name, parse_int


def named_value(value: Any, name: Any, table: dict[int, str], what: str) -> int | None:
    """A value as a number or a name from ``table``; else the derived ``*_name`` key's value."""
    if isinstance(value, str) and by_name(table, value) is not None:
        return by_name(table, value)
    if value is not None:
        return parse_int(value, what)
    if isinstance(name, str):
        return by_name(table, name)
    return None


def default_body(s: dict, i: int) -> bytes | None:
    """The body a hand-written section of a known kind gets (the same bytes every time)."""
    import random

    from .bodies import catalog
    kind = catalog.find(s.get("type") or "")
    if kind is None:
        return None
    severity = named_value(s.get("severity"), s.get("severity_name"), SEVERITY, f"sections[{i}].severity")
    if severity not in SEVERITY:  # the packers make realistic bodies for the four severities
        severity = kind.severity
    return kind.pack(random.Random(i), severity, {})
