"""What a section's own registers say about severity, against the record's (audit 4: A4-3, A4-4,
A4-7). A machine-check bank with MCi_STATUS.VAL clear says nothing (no PCC, no MCi_ADDR); a valid
bank, IA32/X64 check information or Memory Error 2 Status saying uncorrected / processor context
corrupt in a Corrected record gets the reconciling caveat (the ARM rule: the headline and the
advice follow the record's severity), no "no data was lost", and a first advice asking whether
the system stopped; XPF MCA v4 extended banks with such errors are named. Records are made with
the project's builder."""

from __future__ import annotations

import random
import struct

from tests.explain_checks import check
from whea_gui.compose.bodies import catalog
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record
from whea_gui.formats.sections import arm, ia32x64

VAL, UC, EN, ADDRV, PCC = 1 << 63, 1 << 61, 1 << 60, 1 << 58, 1 << 57
OWN = "The section's own error information says"
HEDGE = "check whether the system stopped or restarted at this time"


def _record(kind_key: str, severity: int, over: dict, patch=None) -> bytes:
    kind = catalog.find(kind_key)
    body = bytearray(kind.pack(random.Random(7), severity, dict(over)))
    if patch is not None:
        patch(body)
    part = SectionPart(make_descriptor(kind.guid, severity=severity), bytes(body))
    return assemble(make_header(severity=severity), [part])


def _explained(data: bytes, name: str):
    rec = decode_record(data)
    e = explain_record(rec)
    check(rec, e, None, name)
    return rec, e, " ".join(s["text"] for s in e["statements"])


def _xpf(vendor: str, severity: int, status: int, **over) -> bytes:
    return _record("xpf-mca", severity, {"vendor": vendor, "bank": 3, "apic_id": 34,
                                         "status": status, "address": 0x5555000, **over})


def _contradicted(rec, e: dict, text: str, words: str) -> None:
    """The record is Corrected, its registers say worse: every statement says so."""
    assert e["headline"].startswith("Corrected")
    assert "no data was lost" not in e["severity_meaning"], e["severity_meaning"]
    assert e["severity_meaning"].startswith("Corrected, as the record marks it; but section 0's own "
                                            f"error information says {words}")
    assert HEDGE in e["advice"][0] and f"says {words} although the record is marked Corrected" \
        in e["advice"][0], e["advice"]
    assert HEDGE in rec.summary  # the one-line summary carries it (headline + first advice)
    assert any(c.startswith(OWN) and "but the record is marked Corrected" in c for c in e["caveats"])
    assert "The processor context was corrupt: execution could not safely continue" not in text


# -- A4-3: MCi_STATUS.VAL clear ----------------------------------------------------------------
def test_an_invalid_bank_states_no_pcc_and_no_address():
    for vendor in ("intel", "amd"):
        status = UC | EN | ADDRV | PCC | 0x134  # 0x3600000000000134: VAL clear
        rec, e, text = _explained(_xpf(vendor, 1, status), vendor)
        assert e["detail"].startswith("No valid error logged in machine-check bank 3"), e["detail"]
        assert "MCi_ADDR" not in e["where"] and "0x5555000" not in text, e["where"]
        assert "address" not in rec.sections[0].location
        assert "context was corrupt" not in text and OWN not in text
        assert "A machine-check bank in this record holds no valid error." in e["caveats"]
        # the same bank with VAL set does say both (the gate is VAL, not the bits)
        rec, e, text = _explained(_xpf(vendor, 1, VAL | status), vendor)
        assert "context was corrupt" in text
        if vendor == "intel":
            assert "MCi_ADDR 0x5555000" in e["where"], e["where"]


def test_an_invalid_bank_in_a_corrected_record_is_no_contradiction():
    rec, e, text = _explained(_xpf("intel", 2, UC | EN | ADDRV | PCC | 0x134), "val clear")
    assert OWN not in text and HEDGE not in text and "context was corrupt" not in text


# -- A4-4: uncorrected / PCC in a Corrected record ---------------------------------------------
def test_an_uncorrected_context_corrupt_bank_in_a_corrected_record_is_reconciled():
    for vendor in ("intel", "amd"):
        rec, e, text = _explained(_xpf(vendor, 2, VAL | UC | EN | ADDRV | PCC | 0x134), vendor)
        _contradicted(rec, e, text, "uncorrected and processor context corrupt")
        assert any("MCi_STATUS of MCA bank 3" in c for c in e["caveats"]), e["caveats"]
        assert "The machine-check bank's PCC bit says the processor context was corrupt" in text
        said = next(s for s in e["statements"] if s["text"].startswith(OWN))
        assert "section_0.status.uc" in said["cites"] and "section_0.status.pcc" in said["cites"]
    # a corrected bank, or the same bank in a Fatal record, agrees with the record
    for severity, status in ((2, VAL | EN | 0x134), (1, VAL | UC | EN | PCC | 0x134)):
        rec, e, text = _explained(_xpf("intel", severity, status), "agree")
        assert OWN not in text and HEDGE not in text


def test_an_amd_deferred_error_in_a_corrected_record_is_not_fixed_and_no_action():
    # audit 5, A5-3: MCA_STATUS[Deferred] (bit 44) is an uncorrectable error whose data was
    # poisoned, not yet consumed (AMD PPR; Linux mce_is_correctable() is false for it)
    deferred = 1 << 44
    rec, e, text = _explained(_xpf("amd", 2, VAL | EN | ADDRV | deferred | 0x134), "deferred")
    _contradicted(rec, e, text, "deferred (uncorrected, not yet consumed)")
    said = next(s for s in e["statements"] if s["text"].startswith(OWN))
    assert "section_0.status.deferred" in said["cites"]
    node = rec.root.find("section_0.status.deferred")
    assert node.value == 1 and node.bit_offset == 44 % 8
    assert "No action needed" not in text, e["advice"]
    # Intel's bit 44 is model-specific other information: no claim
    rec, e, text = _explained(_xpf("intel", 2, VAL | EN | deferred | 0x134), "intel bit 44")
    assert OWN not in text and HEDGE not in text


def test_no_action_is_never_advised_beside_a_worse_register():
    # a Corrected / Informational record whose own registers say uncorrected gets no
    # "No action needed" anywhere in its advice (it followed the hedge before)
    for vendor in ("intel", "amd"):
        for severity in (2, 3):
            rec, e, text = _explained(_xpf(vendor, severity, VAL | UC | EN | 0x0136), f"{vendor} {severity}")
            assert HEDGE in e["advice"][0], e["advice"]
            assert not [a for a in e["advice"] if a.startswith("No action needed")], e["advice"]


def _check_info(word: int):
    def patch(body: bytearray) -> None:  # the first error-information structure's check info
        struct.pack_into("<Q", body, ia32x64.HEADER.size + 24, word)
    return patch


def test_ia32_check_information_saying_uncorrected_is_reconciled():
    # cache check 0x048D00FF: all eight valid bits, data read, level 2, uncorrected (bit 26)
    data = _record("ia32x64", 2, {"check": "cache", "apic_id": 16}, _check_info(0x048D00FF))
    rec, e, text = _explained(data, "ia32 cache")
    _contradicted(rec, e, text, "uncorrected")
    assert any("check information of error information 0 (Cache check)" in c for c in e["caveats"])
    # micro-architecture check 0x1D003F: uncorrected and processor context corrupt
    data = _record("ia32x64", 2, {"check": "ms", "apic_id": 16}, _check_info(0x1D003F))
    rec, e, text = _explained(data, "ia32 ms")
    _contradicted(rec, e, text, "uncorrected and processor context corrupt")
    # uncorrected (26) and context corrupt (25) set, their valid bits (4, 3) clear: no claim
    data = _record("ia32x64", 2, {"check": "cache", "apic_id": 16}, _check_info(0x068D00E7))
    rec, e, text = _explained(data, "ia32 not valid")
    assert OWN not in text and HEDGE not in text
    assert "no data was lost" in e["severity_meaning"]


def test_memory2_status_saying_uncorrected_is_reconciled():
    rec, e, text = _explained(_record("memory2", 2, {"status": 1}), "memory2")
    _contradicted(rec, e, text, "uncorrected")
    assert any("Status byte" in c for c in e["caveats"])
    # Status not marked valid (bit 14 clear): its byte says nothing
    valid = rec.sections[0].fields["validation_bits"] & ~(1 << 14)
    rec, e, text = _explained(_record("memory2", 2, {"status": 1, "validation_bits": valid}), "m2")
    assert OWN not in text and HEDGE not in text


def test_the_arm_detail_word_gets_the_same_hedge():
    def uncorrected(body: bytearray) -> None:  # clear the Corrected bit (26) of the error info
        at = arm.HEADER.size + arm.INFO.offsets["error_information"]
        word = struct.unpack_from("<Q", body, at)[0]
        struct.pack_into("<Q", body, at, word & ~(1 << 26))
    rec, e, text = _explained(_record("arm", 2, {"type": 1}), "arm corrected")
    assert OWN not in text and "no data was lost" in e["severity_meaning"]
    rec, e, text = _explained(_record("arm", 2, {"type": 1}, uncorrected), "arm uncorrected")
    _contradicted(rec, e, text, "uncorrected")
    # the register is named and cited, as an IA32/X64 check information's is (audit 7, A7-1)
    assert (f"{OWN} “uncorrected” (section 0, ErrorInformation of error-information structure 0 "
            "(cache)), but the record is marked Corrected") in text
    caveat = next(s for s in e["statements"] if s["text"].startswith(OWN))
    assert "section_0.error_info_0.error_information.corrected" in caveat["cites"]


# -- A4-7: XPF MCA v4 extended banks -------------------------------------------------------------
def _ex_banks(banks: list[tuple[int, int, int]]) -> dict:
    return {"ex_bank_count": len(banks),
            "bank_number_ex": b"".join(struct.pack("<I", b) for b, _s, _a in banks),
            "status_ex": b"".join(struct.pack("<Q", s) for _b, s, _a in banks),
            "address_ex": b"".join(struct.pack("<Q", a) for _b, _s, a in banks)}


def test_a_valid_uncorrected_extended_bank_is_named():
    main = VAL | EN | 0x135
    over = {"bank": 5, **_ex_banks([(5, main, 0), (9, VAL | UC | EN | ADDRV | PCC | 0x150, 0xABC000)])}
    rec, e, text = _explained(_record("xpf-mca", 2, {"vendor": "intel", "status": main, **over}), "v4")
    assert rec.sections[0].fields["ex_banks"][1]["bank"] == 9
    _contradicted(rec, e, text, "uncorrected and processor context corrupt")
    named = next(c for c in e["caveats"] if c.startswith("Extended machine-check banks"))
    assert "StatusEx[1] of extended MCA bank 9: uncorrected and processor context corrupt" in named
    assert "error code 0x0150" in named and "MCi_ADDR 0xABC000" in named
    assert "bank 5" not in named  # the copy of the main bank is said with it
    # an extended bank with VAL clear holds nothing
    over = {"bank": 5, **_ex_banks([(9, UC | EN | ADDRV | PCC | 0x150, 0xABC000)])}
    rec, e, text = _explained(_record("xpf-mca", 2, {"vendor": "intel", "status": main, **over}), "v4")
    assert "bank 9" not in text and OWN not in text


def test_many_contradicting_banks_make_one_bounded_caveat():
    kind = catalog.find("xpf-mca")
    parts = [SectionPart(make_descriptor(kind.guid, severity=2),
                         kind.pack(random.Random(i), 2, {"vendor": "intel", "bank": i,
                                                         "status": VAL | UC | EN | 0x134}))
             for i in range(20)]
    rec, e, text = _explained(assemble(make_header(severity=2), parts), "20 banks")
    said = [s for s in e["statements"] if s["kind"] == "caveat"
            and s["text"].startswith("The sections' own error information")]
    assert len(said) == 1 and said[0]["text"].count("“uncorrected”") == 1, said
    assert "section 3, MCi_STATUS of MCA bank 3; 16 more)" in said[0]["text"]
    assert len(said[0]["cites"]) <= 8  # the severity and the named banks' bits, not all 20
    assert "The sections' own error information says uncorrected although" in e["advice"][0]
