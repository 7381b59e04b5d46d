"""Independent audit 5: a section's own fields that say more than one error happened (A5-1) or
that an error threshold was crossed (A5-2) were ignored, so a Corrected record was "a single
event" / "No action needed" beside its own count, overflow bit or threshold status. Records are
made with the project's builder; the fields are set at the offsets their decoded nodes give."""

from __future__ import annotations

import random
import struct

from tests.explain_checks import check
from whea_gui.compose.bodies import catalog
from whea_gui.compose.bodies._pack import ERROR_STATUS_MEM, error_status
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

CORRECTED = 2
NOT_SINGLE = "more than one error happened, so this is not a single event"
VAL, EN = 1 << 63, 1 << 60
# MCG_CAP with CMCI (bit 10) and threshold status (MCG_TES_P, bit 11): the count and the
# threshold status of MCi_STATUS are architectural (Intel SDM vol. 3B §15.3.1.1, §16.4)
GCAP = 0x0F000C14


def _record(kind_key: str, over: dict, patch=None) -> bytes:
    kind = catalog.find(kind_key)
    body = bytearray(kind.pack(random.Random(5), CORRECTED, dict(over)))
    if patch is not None:
        patch(body)
    return assemble(make_header(severity=CORRECTED),
                    [SectionPart(make_descriptor(kind.guid, severity=CORRECTED), bytes(body))])


def _body_offset(data: bytes, path: str) -> tuple[int, int]:
    """(byte offset inside the section body, bit offset) of the node at ``path``."""
    rec = decode_record(data)
    node = rec.root.find(path)
    return node.offset - rec.sections[0].body.offset, node.bit_offset or 0


def _explained(data: bytes, what: str):
    rec = decode_record(data)
    assert not [x for x in rec.findings if x.code in ("internal", "decoder-failed")]
    e = explain_record(rec)
    check(rec, e, None, what)
    return rec, e, " ".join(s["text"] for s in e["statements"])


def _not_single(rec, e: dict, text: str, said: str, path: str, value: int) -> None:
    first = e["advice"][0]
    assert first.startswith(said) and NOT_SINGLE in first, e["advice"]
    assert "No action needed" not in text and "single event." not in text, e["advice"]
    statement = next(s for s in e["statements"] if s["text"] == first)
    assert path in statement["cites"], statement["cites"]
    assert rec.root.find(path).value == value
    assert NOT_SINGLE in rec.summary


def test_an_arm_multiple_error_count_is_not_a_single_event():
    plain = _record("arm", {"type": 1})
    at, _ = _body_offset(plain, "section_0.error_info_0.multiple_error")

    def three(body: bytearray) -> None:  # UEFI N.2.4.4: 0 single, 1 multiple, 2+ their count
        struct.pack_into("<H", body, at, 3)
    rec, e, text = _explained(_record("arm", {"type": 1}, three), "arm count")
    _not_single(rec, e, text, "Error information 0 of section 0 records 3 errors",
                "section_0.error_info_0.multiple_error", 3)
    # a count of 0 is a single error: nothing said
    _rec, e, text = _explained(plain, "arm single")
    assert NOT_SINGLE not in text


def test_an_intel_corrected_error_count_above_one_is_not_a_single_event():
    status = VAL | EN | 12 << 38 | 0x0135  # [SDM] bits 52:38, 12 corrected errors; L1 data cache
    rec, e, text = _explained(_record("xpf-mca", {"vendor": "intel", "bank": 1, "apic_id": 4, "status": status,
                                                  "global_capability": GCAP}), "intel count")
    _not_single(rec, e, text, "MCi_STATUS of MCA bank 1 counts 12 corrected errors",
                "section_0.status.corrected_error_count", 12)
    # without CMCI (MCG_CAP[10] clear) the bits are no count: nothing said
    _rec, e, text = _explained(_record("xpf-mca", {"vendor": "intel", "bank": 1, "apic_id": 4, "status": status,
                                                   "global_capability": GCAP & ~(1 << 10)}), "no cmci")
    assert NOT_SINGLE not in text
    # a count of 1 is this error alone
    _rec, e, text = _explained(_record("xpf-mca", {"vendor": "intel", "bank": 1, "apic_id": 4,
                                                   "status": VAL | EN | 1 << 38 | 0x0135,
                                                   "global_capability": GCAP}), "count 1")
    assert NOT_SINGLE not in text and "No action needed for a single event." in text


def test_a_generic_error_status_overflow_is_not_a_single_event():
    status = error_status(ERROR_STATUS_MEM, data=True, first=True, overflow=True)
    rec, e, text = _explained(_record("memory", {"error_status": status}), "memory overflow")
    _not_single(rec, e, text, "The error status of section 0 has its overflow bit set",
                "section_0.error_status.overflow", 1)


def test_an_intel_yellow_threshold_status_is_a_threshold_exceeded():
    status = VAL | EN | 2 << 53 | 1 << 38 | 0x0135  # [SDM] §16.4: threshold status 2 = yellow
    rec, e, text = _explained(_record("xpf-mca", {"vendor": "intel", "bank": 1, "apic_id": 4, "status": status,
                                                  "global_capability": GCAP}), "yellow")
    assert e["urgency"] == "service"
    assert e["advice"][0].startswith("The error threshold was exceeded"), e["advice"]
    assert "No action needed" not in text
    said = next(s for s in e["statements"] if s["text"] == e["advice"][0])
    assert "section_0.status.threshold_status" in said["cites"]
    # green (0) is no threshold; without MCG_TES_P the bits are not architectural
    for gcap, st in ((GCAP, VAL | EN | 1 << 38 | 0x0135), (GCAP & ~(1 << 11), status)):
        _rec, e, text = _explained(_record("xpf-mca", {"vendor": "intel", "bank": 1, "apic_id": 4, "status": st,
                                                       "global_capability": gcap}), "no threshold")
        assert e["urgency"] == "monitor" and "threshold was exceeded" not in text
        assert "No action needed for a single event." in text


def test_a_cxl_threshold_event_is_a_threshold_exceeded_and_its_caveat_names_it():
    plain = _record("cxl-dram", {})
    at, bit = _body_offset(plain, "section_0.event_log.event_specific.descriptor.threshold_event")

    def threshold(body: bytearray) -> None:  # CXL 3.0 Table 8-44: Memory Event Descriptor bit 1
        body[at] |= 1 << bit
    data = _record("cxl-dram", {}, threshold)
    rec, e, text = _explained(data, "cxl threshold")
    assert e["urgency"] == "service" and e["advice"][0].startswith("The error threshold was exceeded")
    assert "No action needed" not in text
    assert rec.root.find("section_0.event_log.event_specific.descriptor.threshold_event").value == 1
    # in a Fatal record the threshold is a caveat, naming the bit, not the descriptor's flag
    fatal = bytearray(data)
    struct.pack_into("<I", fatal, 12, 1)  # header severity
    desc = decode_record(bytes(fatal)).root.find("descriptor_0.severity")
    struct.pack_into("<I", fatal, desc.offset, 1)
    _rec, e, _text = _explained(bytes(fatal), "cxl fatal threshold")
    caveat = next(c for c in e["caveats"] if "threshold" in c)
    assert caveat.startswith("The CXL event of section 0 (its Threshold event bit) says an error "
                             "threshold was exceeded"), caveat
    assert "Threshold exceeded flag" not in caveat
