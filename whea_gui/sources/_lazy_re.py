"""Regular expressions compiled when first used, not when their module is imported.

Every ``whea`` command imports every reader (each one judges the input's first bytes), and
compiling the text readers' patterns costs more than the rest of a one-record decode; a binary
input never uses them. The pattern methods are bound on first use, so later calls cost what a
compiled pattern's do.
"""

from __future__ import annotations

import re

_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split",
            "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        # only called while the pattern is not compiled yet (or for a name patterns lack)
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def lazy_compile(pattern: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
