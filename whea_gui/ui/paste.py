"""Text pasted or dropped into the window → the input the window loads.

The window reads pasted text exactly as ``whea decode -`` reads standard input: the text (as
UTF-8) goes through the same readers (``sources.iter_bytes``), so hex dumps, loose hex, base64
and Event XML give the same records, lines and problems in both. This module only refuses text
that holds nothing to read, with the parser's reason.
"""

from __future__ import annotations

from ..sources import iter_bytes
from ..sources.hextext import scan_text
from ..sources.registry import HEAD_SIZE, detect

CHECK_LIMIT = 1 << 20


class PasteError(ValueError):
    """The text holds no hex, base64 or event data; the message says why."""


def clipboard_bytes(text: str) -> bytes:
    """The bytes the window loads for pasted text (what ``whea decode -`` would read)."""
    if not text.strip():
        raise PasteError("the clipboard holds no text")
    data = text.encode("utf-8")
    # checked here, on the GUI thread, only while that is quick; a big text's problems come from
    # the loading job like any file's
    if len(data) <= CHECK_LIMIT and detect(data[:HEAD_SIZE], "").name == "text":
        scan = scan_text(text)
        if not scan.blocks:
            reason = f" ({scan.problems[0]})" if scan.problems else ""
            raise PasteError(f"the text is neither hex nor Base64{reason}")
    return data


def parse_text(text: str) -> bytes:
    """The record bytes in pasted text, joined; raises PasteError with a plain reason."""
    return b"".join(ref.data for ref in iter_bytes(clipboard_bytes(text), "<clipboard>"))
