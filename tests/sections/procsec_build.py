"""Build one-section CPER records around a body, and check the located-tree invariants."""

from __future__ import annotations

import struct

from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header, with_declared_length
from whea_gui.decode import decode_record
from whea_gui.formats.cper import HEADER_SIZE

UEFI_CREATOR = "00000000-0000-0000-0000-000000000000"
WINDOWS_CREATOR = "cf07c4bd-b789-4e18-b3c4-1f732cb57131"


def wrap(body: bytes, section_guid: str, *, severity: int = 2, creator: str = UEFI_CREATOR,
         declared_length: int | None = None) -> bytes:
    """A valid record: header, one descriptor, then ``body`` (declared length may differ)."""
    header = make_header(creator=creator, severity=severity, revision=0x0101)
    part = SectionPart(make_descriptor(section_guid, severity=severity, flags=1), body)
    return with_declared_length(assemble(header, [part]), 0, declared_length)


def body_of(record: bytes) -> bytes:
    off, length = struct.unpack_from("<II", record, HEADER_SIZE)
    return record[off:off + length]


def check_located(rec, section_index: int = 0) -> None:
    """Every node of the body lies inside it; bit nodes carry bit offset and width; every
    finding about the section points at bytes of its body."""
    sec = rec.sections[section_index]
    body = sec.body
    assert body is not None
    lo, hi = body.offset, body.offset + body.length
    for node in body.walk():
        assert lo <= node.offset and node.offset + node.length <= hi, node
        assert node.length >= 0
        if node.kind == "bit":
            assert node.bit_offset is not None and node.bit_width is not None, node
            assert 0 <= node.bit_offset < 8 * node.length, node
            assert node.bit_offset + node.bit_width <= 8 * node.length, node
    prefix = f"Section {section_index}: "
    for f in rec.findings:
        if f.message.startswith(prefix):
            assert lo <= f.offset and 0 < f.length and f.offset + f.length <= hi, f


def decode_body(body: bytes, guid: str, **kw):
    rec = decode_record(wrap(body, guid, **kw))
    return rec, rec.sections[0]
