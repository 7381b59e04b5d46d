"""Qt user interface of WHEA Inspector (the only package that imports Qt)."""

from .qtguard import guard_singleton_refcounts

guard_singleton_refcounts()  # before any signal is emitted: see qtguard for the PySide6 bug
