"""The UTF-16 device-path text of the Windows rev 1.1 BOOT record's vendor section (audit 2, L7;
FORMAT.md §13 sample B), on the shared record; a body of another shape stays raw."""

from __future__ import annotations

from tests.vectorlib import VECTORS
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

BOOT_REV0101 = VECTORS / "DecodeWheaRecord" / "cper_boot_rev0101_venhw_section.bin"
TEXT = "VenHw(93A41C2F-A09F-E7C2-AC1F-F2488F03EEC3)"


def test_the_text_is_shown_in_tree_json_and_explanation():
    rec = decode_record(BOOT_REV0101.read_bytes())
    sec = rec.sections[0]
    assert sec.fields == {"header": "0701010000000000", "section_type": sec.type_guid,
                          "length": 116, "text": TEXT}
    node = sec.body.find("text")
    assert node.display == TEXT and (node.offset, node.length) == (228, 88)  # 43 chars + NUL
    assert sec.body.find("length").display == "116 (the section's length)"
    e = explain_record(rec)
    assert e["detail"] == f"Boot record section naming a vendor-defined hardware device path: {TEXT}"
    assert not any(f.code in ("internal", "decoder-failed") for f in rec.findings)


def test_a_body_of_another_shape_is_left_raw():
    data = bytearray(BOOT_REV0101.read_bytes())
    data[224] = 117  # the inner length no longer equals the section's
    rec = decode_record(bytes(data))
    assert rec.sections[0].fields is None and rec.sections[0].summary == ""
    assert not any(f.code in ("internal", "decoder-failed") for f in rec.findings)
    data = bytearray(BOOT_REV0101.read_bytes())
    data[230:232] = b"\x01\xd8"  # a lone UTF-16 surrogate: not text
    rec = decode_record(bytes(data))
    assert rec.sections[0].fields is None
