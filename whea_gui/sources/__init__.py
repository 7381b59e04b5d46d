"""Input readers (Qt-free). Each reader module yields ``RecordRef``s with provenance.

``iter_path`` picks the reader by content (not file name). Problems found while reading are
passed to ``on_problem`` with the path and byte offset, and reading goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .base import Problem, RecordRef, read_bytes
from .registry import detect, iter_bytes, iter_path, readers

__all__ = ["Problem", "RecordRef", "read_bytes", "detect", "iter_path", "iter_bytes", "readers"]
