"""Qt user interface of WHEA Inspector (the only package that imports Qt)."""

from .compat import fix_singleton_refcounts

fix_singleton_refcounts()  # before any signal is emitted: see compat for the PySide6 bug
