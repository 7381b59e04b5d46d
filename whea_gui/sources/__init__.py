"""Input readers (Qt-free). Each reader module yields ``RecordRef``s with provenance.

``iter_path`` picks the reader by content (not file name). Problems found while reading are
passed to ``on_problem`` with the path and byte offset, and reading goes on.
"""

from .base import Problem, RecordRef, SourceError, read_bytes
from .registry import detect, iter_bytes, iter_path, readers

__all__ = ["Problem", "RecordRef", "SourceError", "read_bytes", "detect", "iter_path", "iter_bytes",
           "readers"]
