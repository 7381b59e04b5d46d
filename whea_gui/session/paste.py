"""Text pasted or dropped into the window → the input the window loads.

The window reads pasted text exactly as ``whea decode -`` reads standard input: the text (as
UTF-8) goes through the same readers (``sources.iter_bytes``), so hex dumps, loose hex, base64
and Event XML (whole events or pieces of one) give the same records, lines and problems in
both. This module only refuses text that holds no record, with the reader's reason.
"""

from __future__ import annotations

from ..sources import iter_bytes

CHECK_LIMIT = 1 << 20
_LEVELS = ("error", "warning", "note")


class PasteError(ValueError):
    """The text holds no hex, base64 or event data; the message says why."""


def clipboard_bytes(text: str) -> bytes:
    """The bytes the window loads for pasted text (what ``whea decode -`` would read)."""
    if not text.strip():
        raise PasteError("the clipboard holds no text")
    data = text.encode("utf-8")
    # checked here, on the GUI thread, only while that is quick (reading, not decoding); a big
    # text's problems come from the loading job like any file's
    if len(data) <= CHECK_LIMIT:
        problems = []
        if next(iter(iter_bytes(data, "<clipboard>", problems.append)), None) is None:
            raise PasteError(f"the text is neither hex nor Base64 nor event XML with record data "
                             f"({_reason(problems)})")
    return data


def _reason(problems: list) -> str:
    """The most severe problems, first one first (the reader's own words)."""
    if not problems:
        return "the text holds no record data"
    worst = min(_LEVELS.index(p.level) if p.level in _LEVELS else 0 for p in problems)
    picked = [p for p in problems if _LEVELS.index(p.level) == worst][:2]
    return "; ".join(p.message for p in picked)


def parse_text(text: str) -> bytes:
    """The record bytes in pasted text, joined; raises PasteError with a plain reason."""
    return b"".join(ref.data for ref in iter_bytes(clipboard_bytes(text), "<clipboard>"))
