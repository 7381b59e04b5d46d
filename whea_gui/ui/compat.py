"""Work-arounds for Qt binding bugs, applied once when a UI module is imported.

PySide6 6.12.0 (wheel tag cp310-abi3) hands out ``None`` from every void method (``setPos``,
``setObjectName``, ...) and ``True`` from ``SignalInstance.emit()`` without taking a
reference. On CPython < 3.12, where these singletons are not immortal, each such call lowers
their reference count by one; pyqtgraph makes hundreds per redraw, so a session soon aborts
with "Fatal Python error: none_dealloc" (or bool_dealloc), at the latest when Python exits.

The fix is detected, not assumed: if a few calls visibly lower the counts, None, True and
False get a very large extra count, which makes them effectively immortal, as they are on
Python 3.12+ by design.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_EXTRA = 1 << 40  # far more calls than any session makes
_applied: list[bool] = []


class _Probe(QObject):
    ping = Signal()


def binding_drops_singleton_refs() -> bool:
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("probe")  # a void method
        probe.ping.emit()
    return sys.getrefcount(None) < none_before or sys.getrefcount(True) < true_before


def fix_singleton_refcounts() -> bool:
    """Apply the work-around when this binding needs it; True if it was applied (once)."""
    if _applied:
        return _applied[0]
    needed = (sys.implementation.name == "cpython" and sys.version_info < (3, 12)
              and not hasattr(sys, "gettotalrefcount")  # release build: ob_refcnt comes first
              and binding_drops_singleton_refs())
    if needed:
        for obj in (None, True, False):
            ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA
    _applied.append(needed)
    return needed
