"""Text pasted from the clipboard → record bytes (hex dumps or Base64).

The sources helper's ``parse_pasted_text`` is tried first; this fallback accepts plain hex
(spaces, newlines, ``0x`` prefixes, commas and ``-``/``:`` separators allowed), hex dumps with a
leading offset column, and Base64, including inputs too short for the sources parser.
"""

from __future__ import annotations

import base64
import binascii
import re

_HEX_DUMP_LINE = re.compile(r"^\s*(?:0x)?[0-9A-Fa-f]{4,16}[:\s]\s*((?:[0-9A-Fa-f]{2}\s+){1,32})")
_SEPARATORS = re.compile(r"0x|[\s,;:\-]|\\x", re.IGNORECASE)


class PasteError(ValueError):
    """The text is neither hex nor Base64; the message says why."""


def _from_hex_dump(text: str) -> bytes | None:
    """``00000000  43 50 45 52 ...  |CPER|`` style dumps: take the byte columns only."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 1 or not all(_HEX_DUMP_LINE.match(ln) for ln in lines):
        return None
    out = bytearray()
    for ln in lines:
        out += bytes.fromhex(_HEX_DUMP_LINE.match(ln).group(1))
    return bytes(out)


def parse_text(text: str) -> bytes:
    """Bytes from pasted text; raises PasteError with a plain reason."""
    try:
        from ..sources import parse_pasted_text  # the sources helper's parser: every dump style
    except ImportError:
        parse_pasted_text = None
    if parse_pasted_text is not None:
        try:
            data = parse_pasted_text(text)
            if data:
                return bytes(data)
        except ValueError:
            pass  # too short or unusual for it: try the simple forms below
    stripped = text.strip()
    if not stripped:
        raise PasteError("the clipboard holds no text")
    compact = _SEPARATORS.sub("", stripped)
    if compact and re.fullmatch(r"[0-9A-Fa-f]+", compact):
        if len(compact) % 2:
            raise PasteError(f"hex text has an odd number of digits ({len(compact)})")
        return bytes.fromhex(compact)
    dump = _from_hex_dump(stripped)
    if dump:
        return dump
    b64 = re.sub(r"\s+", "", stripped)
    try:
        data = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if data:
        return data
    raise PasteError("the text is neither hex nor Base64")
