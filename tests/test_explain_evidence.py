"""A section with no evidence (no field marked valid, or its bytes missing) does not speak for a
record over a section with evidence, and a record cut short says what is missing instead of
blaming a part (audit 2, H2). Real bytes: the shared Windows records, cut short."""

from __future__ import annotations

import re

import pytest

from tests.explain_checks import check
from tests.vectorlib import DWR_CPER, VECTORS, ids
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

FATAL_V3 = VECTORS / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin"
MEMORY_ADVICE = re.compile(r"DIMM|memory test|XMP|EXPO|MemTest", re.I)


def _explain(data: bytes) -> dict:
    rec = decode_record(data)
    e = explain_record(rec)
    check(rec, e, None, "cut record")
    return e


def _all_text(e: dict) -> str:
    return " ".join(s["text"] for s in e["statements"])


def test_cut_record_follows_the_processor_section_not_the_empty_memory_section():
    # 600 of 1019 bytes: section 0 (Platform Memory, Primary, ValidationBits 0) is whole,
    # section 1 (Processor Generic: cache error, level 1, data read) is cut at 104 bytes,
    # sections 2 (XPF MCA) and 3 (recovery) are missing.
    e = _explain(FATAL_V3.read_bytes()[:600])
    assert e["component"] == "cpu"
    assert e["headline"] == "Fatal processor (CPU) error"
    assert e["detail"] == "Fatal cache error on a processor (data read, level 1)"
    assert not MEMORY_ADVICE.search(" ".join(e["advice"])), e["advice"]
    assert "memory (RAM)" not in _all_text(e)
    assert e["advice"][0].startswith("Read the complete record again from its source")
    cut = [c for c in e["caveats"] if c.startswith("The record is cut short")]
    assert len(cut) == 1, e["caveats"]
    assert "only 600 of its 1019 bytes are present" in cut[0]
    assert ("Section 2 (IA32/AMD64 Machine Check (Microsoft XPF MCA)) and section 3 (Error Recovery "
            "Information (Microsoft)) are missing") in cut[0]
    assert "section 1 (Processor Generic) is cut (104 of 192 bytes)" in cut[0]
    assert ("Section 0 (Platform Memory), although marked Primary, marks no field as valid, so it "
            "names nothing") in cut[0]
    assert "Section 1 (Processor Generic) says: Fatal cache error on a processor" in cut[0]
    # said once: not again as the memory section's "no valid location fields" caveat
    assert not any("no valid location fields" in c for c in e["caveats"])
    statement = next(s for s in e["statements"] if s["text"] == cut[0])
    assert "header.length" in statement["cites"]
    assert "section_0.validation_bits" in statement["cites"]


def test_cut_record_whose_sections_present_name_nothing_blames_no_part():
    # 500 bytes: the memory section names nothing and the processor section is cut before its
    # ValidationBits (4 of 192 bytes)
    e = _explain(FATAL_V3.read_bytes()[:500])
    assert e["component"] == ""
    assert e["headline"] == ("Fatal error: the record is cut short and no section present names "
                             "the failing part")
    text = _all_text(e)
    assert not MEMORY_ADVICE.search(text) and "microcode" not in text and "memory (RAM)" not in text
    assert "Section 1 (Processor Generic) is cut before its validation bits, so it names nothing" in text
    assert "No section present says which part failed." in text
    assert e["advice"][0].startswith("Read the complete record again")


def test_complete_record_is_explained_as_before():
    e = _explain(FATAL_V3.read_bytes())
    assert e["headline"] == ("Fatal processor (CPU) error at CPU 11, APIC ID 11, AMD MCA bank 0, "
                             "unit load-store unit (LS)")
    assert not any("cut short" in s["text"] or "Read the complete record" in s["text"]
                   for s in e["statements"])
    # the empty memory section is still noted, as it was
    assert any(c.startswith("Section 0 (Platform Memory) has no valid location fields") for c in e["caveats"])


def test_a_descriptor_pointing_outside_the_record_is_not_called_cut_short():
    data = bytearray(FATAL_V3.read_bytes())
    data[272 + 0:272 + 4] = (5000).to_bytes(4, "little")  # section 2's SectionOffset, past the end
    e = _explain(bytes(data))
    text = _all_text(e)
    assert "cut short" not in text
    assert "Sections are missing from the record: their descriptors point outside its bytes" in text
    assert "The record is damaged" in e["advice"][0]


@pytest.mark.parametrize("path", DWR_CPER, ids=ids(DWR_CPER))
def test_every_cut_of_a_windows_record_explains_without_contradiction(path):
    data = path.read_bytes()
    for end in range(128, len(data), 29):
        rec = decode_record(data[:end])
        e = explain_record(rec)
        check(rec, e, None, f"{path.name}[:{end}]")
        text = _all_text(e)
        if e["component"] != "memory":  # only a memory lead may send the user to the DIMMs
            assert "test the DIMMs" not in text, (end, text)


def test_a_location_cites_the_same_field_whether_or_not_bit_fields_were_opened():
    # a register whose lazy bit fields include one named like a location key, and the real
    # location field deeper down: opening the register (as a user does in the tree) must not
    # move the citation onto the bit
    from whea_gui.core.model import DecodedSection, FieldNode
    from whea_gui.decode.explain.location import read_location

    def tree():
        body = FieldNode("section_0", "Section 0", None, "", 0, 16, kind="section")
        bits = lambda _p: [FieldNode("channel", "Channel", 3, "3", 0, 1, bit_offset=0, bit_width=2,  # noqa: E731
                                     kind="bit")]
        body.add(FieldNode("control", "Control", 3, "0x03", 0, 4, kind="hex", make_children=bits))
        outer = body.add(FieldNode("port", "Port", None, "", 4, 12, kind="struct"))
        inner = outer.add(FieldNode("lane", "Lane", None, "", 4, 12, kind="struct"))
        inner.add(FieldNode("channel", "Channel", 3, "3", 8, 4))
        return DecodedSection(0, None, body, location={"channel": 3})

    closed = tree()
    opened = tree()
    opened.body.children[0].children  # noqa: B018  (the user opened the register)
    got = [[p.cites for p in read_location(s, "memory").parts if p.label == "channel"] for s in (closed, opened)]
    assert got[0] == [["port.lane.channel"]]
    assert got[1] == got[0]
