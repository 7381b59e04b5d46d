"""A lone section (Redfish CPERSection) whose descriptor kept the SectionOffset it had in its
record: the body right after the descriptor is read, with one note, instead of "the body is
missing" beside "N bytes between the descriptor and the body" (audit 2, L6). The section is cut
out of a real Windows record."""

from __future__ import annotations

import struct

from tests.vectorlib import VECTORS
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

FATAL_V3 = VECTORS / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin"


def _lone_section(offset: int | None = None) -> bytes:
    data = FATAL_V3.read_bytes()
    desc = bytearray(data[272:344])  # descriptor 2: XPF MCA, SectionOffset 688, length 292
    so, sl = struct.unpack_from("<II", desc)
    assert (so, sl) == (688, 292)
    if offset is not None:
        struct.pack_into("<I", desc, 0, offset)
    return bytes(desc) + data[so:so + sl]


def test_record_relative_offset_is_rebased_with_one_note():
    rec = decode_record(_lone_section(), source={"format": "section"})
    codes = [f.code for f in rec.findings]
    assert codes == ["section-offset-rebased"], [(f.code, f.message) for f in rec.findings]
    assert "SectionOffset 688" in rec.findings[0].message and rec.findings[0].level == "note"
    sec = rec.sections[0]
    assert sec.body is not None and (sec.body.offset, sec.body.length) == (72, 292)
    assert rec.root.find("descriptor_0.section_offset").value == 688  # the bytes are shown as they are
    e = explain_record(rec)
    assert e["headline"] == ("Fatal processor (CPU) error at CPU 11, APIC ID 11, AMD MCA bank 0, "
                             "unit load-store unit (LS)")


def test_offsets_that_fit_are_read_as_written():
    rec = decode_record(_lone_section(72), source={"format": "section"})
    assert not rec.findings and rec.sections[0].body.offset == 72
    # a real gap: the body at the offset it names, the bytes between noted
    data = _lone_section(80)
    data = data[:72] + bytes(8) + data[72:]
    rec = decode_record(data, source={"format": "section"})
    assert [f.code for f in rec.findings] == ["gap"] and rec.sections[0].body.offset == 80
    # more bytes than the section: a missing body stays missing, not guessed
    rec = decode_record(_lone_section() + bytes(4), source={"format": "section"})
    assert "section-missing" in [f.code for f in rec.findings]
    assert "section-offset-rebased" not in [f.code for f in rec.findings]
