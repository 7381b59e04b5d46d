"""Input readers (Qt-free). Each reader module yields ``RecordRef``s with provenance.

``iter_path`` picks the reader by content (not file name) and walks folders. Problems found
while reading are passed to ``on_problem`` with the path and byte offset, and reading goes on.
See docs/sources.md for the supported inputs.
"""

from .base import Problem, RecordRef, SourceError, read_bytes
from .folder import Progress
from .registry import detect, iter_bytes, iter_file, iter_path, readers


def parse_pasted_text(text: str) -> bytes:
    """``hextext.parse_pasted_text``, the text parser imported when first used (reading a
    binary file needs none of it)."""
    from .hextext import parse_pasted_text as parse
    return parse(text)


__all__ = ["Problem", "Progress", "RecordRef", "SourceError", "read_bytes", "detect", "iter_path",
           "iter_file", "iter_bytes", "parse_pasted_text", "readers"]
