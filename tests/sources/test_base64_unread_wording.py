"""A damaged base64 line's bytes are marked on the record (bytes-unread) in base64's terms: the
line, the column and what is wrong there, not a hex dump's "no line for them" (recheck 6, N6-7)."""

from __future__ import annotations

import base64

import sources_helpers as h

from whea_gui.decode.record import decode_record
from whea_gui.sources import iter_bytes

RECORD = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()


def _unread(text: str) -> list[str]:
    [ref] = list(iter_bytes(text.encode(), "pasted.txt", lambda p: None))
    rec = decode_record(ref.data, source=ref.source)
    return [f.message for f in rec.findings if f.code == "bytes-unread"]


def test_a_damaged_wrapped_line_is_named_with_its_character():
    b64 = base64.b64encode(RECORD).decode()
    lines = [b64[i:i + 76] for i in range(0, len(b64), 76)]
    lines[3] = lines[3][:10] + "!" + lines[3][11:]
    assert _unread("\n".join(lines)) == [
        "bytes 171–227 are not from the input: line 4, column 11: '!' is not base64; read as 00, "
        "so a field over them is not the real value"]


def test_a_damaged_character_in_one_line_base64_is_named():
    b64 = base64.b64encode(RECORD).decode()
    assert _unread(b64[:200] + "!" + b64[201:]) == [
        "byte 150 is not from the input: line 1, column 201: '!' is not base64; read as 00, so a "
        "field over it is not the real value"]
