"""Validation bit <-> field pairing of the platform memory sections (UEFI N.2.5 / N.2.6), on bytes.

The Extended byte (offset 73) holds row bits 16-17 (valid with bit 18) and the chip identification
(bits 5-7, valid with bit 21); the Bank word holds the bank group (bits 8-15, bit 19) and address
(bits 0-7, bit 20), or a plain bank number (bit 6). Each part is shown as valid only with its own bit.
"""

from __future__ import annotations

import struct

from uefi_b_oracle import build_record, check_located

from whea_gui.decode import decode_record
from whea_gui.formats.sections.memory import MEMORY2_GUID, MEMORY_GUID

BODY_AT = 200  # one section after the 128-byte header and one 72-byte descriptor


def memory_body(valid: int, *, bank=0x0305, row=0x1234, ext=0) -> bytes:
    return struct.pack("<QQQQHHHHHHHHQQQBBHHH", valid, 0, 0x1000, 0, 0, 0, 0, bank, 0, row, 0, 0,
                       0, 0, 0, 2, ext, 0, 0, 0)


def _decode(guid, body):
    rec = decode_record(build_record(guid, body))
    check_located(rec)
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    sec = rec.sections[0]
    assert sec.values["offset"] == BODY_AT
    return rec, sec


def _bits(node) -> dict:
    return {c.name: (c.value, c.valid, c.offset) for c in node.children}


def test_chip_id_alone_does_not_make_extended_row_bits_valid():
    ext = 0b110 << 5 | 0b11  # chip 6, and row bits 16/17 set in the byte but not valid
    _rec, sec = _decode(MEMORY_GUID, memory_body(1 << 21 | 1 << 8, ext=ext))
    f = sec.fields
    assert f["extended"] == {"value": ext, "chip_identification": 6} and f["chip_id"] == 6
    assert f["row"] == 0x1234  # bits 16-17 not added without bit 18
    node = sec.body.find("extended")
    assert node.offset == BODY_AT + 73 and node.valid
    assert "row" not in node.display and "chip 6" in node.display
    bits = _bits(node)
    assert bits["row_bit_16"] == (1, False, BODY_AT + 73)
    assert bits["row_bit_17"] == (1, False, BODY_AT + 73)
    assert bits["chip_identification"] == (6, True, BODY_AT + 73)
    assert "not valid" in node.children[0].display


def test_extended_row_alone_does_not_make_chip_id_valid():
    ext = 0b110 << 5 | 0b10
    _rec, sec = _decode(MEMORY_GUID, memory_body(1 << 18, ext=ext))
    f = sec.fields
    assert f["extended"] == {"value": ext, "row_bit_16": False, "row_bit_17": True}
    assert "chip_id" not in f and f["row"] == 0x21234
    bits = _bits(sec.body.find("extended"))
    assert bits["row_bit_17"][1] is True and bits["chip_identification"][1] is False


def test_extended_byte_with_neither_bit_is_not_valid():
    _rec, sec = _decode(MEMORY_GUID, memory_body(1 << 8, ext=0xE3))
    assert sec.fields["extended"] is None
    node = sec.body.find("extended")
    assert node.valid is False and node.display.endswith("(not valid)")


def test_bank_parts_follow_their_own_bits():
    # only the bank-group bit (19): the address byte of the bank word is not valid
    _rec, sec = _decode(MEMORY_GUID, memory_body(1 << 19, bank=0x0305))
    assert sec.fields["bank_group"] == 3 and sec.fields["bank_address"] is None and sec.fields["bank"] is None
    node = sec.body.find("bank")
    bits = _bits(node)
    assert bits["bank_group"][:2] == (3, True) and bits["bank_address"][:2] == (5, False)
    assert "group 3" in node.display and "address" not in node.display
    # only the plain bank bit (6): neither split part is valid
    _rec, sec = _decode(MEMORY_GUID, memory_body(1 << 6, bank=0x0305))
    assert sec.fields["bank"] == 0x0305
    bits = _bits(sec.body.find("bank"))
    assert bits["bank_group"][1] is False and bits["bank_address"][1] is False


def test_memory2_bank_parts_use_bits_20_and_21():
    body = struct.pack("<QQQQHHHH", 1 << 21, 0, 0, 0, 0, 0, 0, 0x0407) + bytes(96 - 40)
    _rec, sec = _decode(MEMORY2_GUID, body)
    assert sec.fields["bank_address"] == 7 and sec.fields["bank_group"] is None
    bits = _bits(sec.body.find("bank"))
    assert bits["bank_address"][1] is True and bits["bank_group"][1] is False
