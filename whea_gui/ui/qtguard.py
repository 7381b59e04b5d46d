"""Guard against a PySide6 reference-count bug that crashes long sessions on Python < 3.12.

PySide6 6.12.0 returns Py_True from ``Signal.emit()`` and Py_None from ``processEvents()``
without taking a reference. On Python 3.12+ those objects are immortal, so nothing happens; on
3.11 every call drops their count by one, and after a few thousand signals the interpreter aborts
("bool_dealloc: deallocating True or False"). 6.11 does not have the bug.

When a probe shows the leak, the three singletons get a large reserve of references (what 3.12's
immortal objects amount to), so the leak can never reach zero. Nothing changes when there is no leak.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40  # far more leaked references than any session can make
_applied = False


def emit_leaks_references() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def guard_singleton_refcounts() -> bool:
    """Apply the reserve once when needed; returns True when it was applied (now or before)."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not emit_leaks_references():
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += RESERVE
    _applied = True
    return True
