"""Independent audit 5: a section's own fields that say more than one error happened (A5-1) or
that an error threshold was crossed (A5-2) were ignored, so a Corrected record was "a single
event" / "No action needed" beside its own count, overflow bit or threshold status. Records are
made with the project's builder; the fields are set at the offsets their decoded nodes give."""

from __future__ import annotations

import random
import struct

from tests.explain_checks import build_record, explained
from whea_gui.compose.bodies import catalog
from whea_gui.compose.bodies._pack import ERROR_STATUS_MEM, error_status
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode.record import decode_record

CORRECTED = 2
NOT_SINGLE = "more than one error happened, so this is not a single event"
VAL, EN = 1 << 63, 1 << 60
# MCG_CAP with CMCI (bit 10) and threshold status (MCG_TES_P, bit 11): the count and the
# threshold status of MCi_STATUS are architectural (Intel SDM vol. 3B §15.3.1.1, §16.4)
GCAP = 0x0F000C14


def _record(kind_key: str, over: dict, patch=None) -> bytes:
    return build_record(kind_key, CORRECTED, over, patch)


def _body_offset(data: bytes, path: str) -> tuple[int, int]:
    """(byte offset inside the section body, bit offset) of the node at ``path``."""
    rec = decode_record(data)
    node = rec.root.find(path)
    return node.offset - rec.sections[0].body.offset, node.bit_offset or 0


_explained = explained


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


def test_a_module_handle_alone_names_the_memory_module():
    # A5-4: the module handle is the SMBIOS Memory Device (Type 17) structure's handle, one DIMM
    # (UEFI N.2.5; Linux ghes_edac finds the DIMM label by it): not "not the memory module"
    valid = sum(1 << b for b in (0, 1, 14, 17))  # error status, physical address, error type, module handle
    data = _record("memory", {"validation_bits": valid, "module_handle": 0x31, "error_type": 2})
    rec, e, text = _explained(data, "module handle")
    assert rec.root.find("section_0.module_handle").value == 0x31
    assert e["headline"] == "Corrected memory (RAM) error at module SMBIOS handle 0x31", e["headline"]
    assert "not the memory module" not in text and "map the physical address" not in text
    assert "If corrected errors repeat on the same memory module (module SMBIOS handle 0x31)" in text
    advice = next(a for a in e["advice"] if "dmidecode -t 17" in a)
    assert advice.startswith("The record names the memory module only by its SMBIOS handle 0x31")
    # a card handle (SMBIOS Type 16, a memory array) alone is still no module
    valid = sum(1 << b for b in (0, 1, 14, 16))
    _rec, e, text = _explained(_record("memory", {"validation_bits": valid, "card_handle": 0x30, "error_type": 2}),
                               "card handle")
    assert "not the memory module" in text and "dmidecode" not in text


def test_a_firmware_error_record_reference_is_no_firmware_failure():
    # A5-5: UEFI N.2.10 references an error record kept in a firmware-specific format (here the
    # real Windows record ../shared/vectors/DecodeWheaRecord/cper_firmware_boot_3x_fwrecref.bin,
    # three sections of Intel CrashLog data): the firmware recorded the error, it did not fail
    from pathlib import Path
    path = Path(__file__).resolve().parents[2] / "shared" / "vectors" / "DecodeWheaRecord" / \
        "cper_firmware_boot_3x_fwrecref.bin"
    rec, e, text = _explained(path.read_bytes(), "firmware reference")
    assert e["headline"] == "Fatal error recorded by the platform firmware in an Intel CrashLog", e["headline"]
    assert e["component_name"].startswith("not named here")
    assert "platform firmware error" not in text and "where in the platform firmware" not in text
    # (the CrashLog data is carried in the record's sections: audit 7, A7-16)
    assert "The record does not say which part failed: the firmware record data it carries holds " \
        "the detail." in e["caveats"]
    assert all(s.summary.startswith("Fatal error recorded by the firmware:") for s in rec.sections), \
        [s.summary for s in rec.sections]


def test_a_named_unit_whose_core_is_unknown_is_not_unit_not_identified():
    # A5-6: an Intel L2 cache bank names its unit (MCA code 0x0136: level 2, data) but not
    # whether one core owns it [SDM 15-9]: not "unit not identified" beside "unit level-2 data cache"
    status = VAL | EN | 0x0136
    rec, e, text = _explained(_record("xpf-mca", {"vendor": "intel", "bank": 2, "apic_id": 36, "status": status,
                                                  "global_capability": GCAP}), "intel l2")
    assert e["headline"].startswith("Corrected machine check (core not identified) error at"), e["headline"]
    assert "unit level-2" in e["headline"] and "not identified" not in e["headline"].split(" at ")[1]
    assert "unit not identified" not in text and "does not identify the bank's unit" not in text
    assert "does not say whether the level-2 data cache of this bank belongs to one core or is shared" in text
    assert "CPU may be degrading" not in text


def test_an_arm_bus_errors_time_out_and_address_space_are_said():
    # A5-8: UEFI N.2.4.4 bus error information: bit 31 time-out, bits 33:32 address space (3 =
    # device memory), each with its valid bit (8, 9): the main facts of such an error
    plain = _record("arm", {"type": 4})
    at, _ = _body_offset(plain, "section_0.error_info_0.error_information")

    def timed_out(body: bytearray) -> None:
        info = struct.unpack_from("<Q", body, at)[0] | 1 << 31 | 3 << 32 | 1 << 8 | 1 << 9
        struct.pack_into("<Q", body, at, info)
    rec = decode_record(_record("arm", {"type": 4}, timed_out))
    assert "timed out, device memory access" in rec.sections[0].summary, rec.sections[0].summary
    assert rec.root.find("section_0.error_info_0.error_information.timed_out").value == 1
    # without their valid bits nothing is said
    def not_valid(body: bytearray) -> None:
        info = struct.unpack_from("<Q", body, at)[0] | 1 << 31 | 3 << 32
        struct.pack_into("<Q", body, at, info & ~(1 << 8 | 1 << 9))
    rec = decode_record(_record("arm", {"type": 4}, not_valid))
    assert "timed out" not in rec.sections[0].summary and "device memory" not in rec.sections[0].summary


def test_a_cxl_media_events_device_mask_is_kept_as_a_mask():
    # A5-9: the General Media event's valid Device field (CXL 3.0: a bit mask of the rank's
    # media devices, not one device number) was dropped from the place
    plain = _record("cxl-media", {})
    at, _ = _body_offset(plain, "section_0.event_log.event_specific.device")
    assert decode_record(plain).root.find("section_0.event_log.event_specific.validation_bits.device").value == 1

    def device(body: bytearray) -> None:
        body[at:at + 3] = (5).to_bytes(3, "little")  # devices 0 and 2
    rec, e, text = _explained(_record("cxl-media", {}, device), "cxl device mask")
    assert rec.sections[0].location["media_device_mask"] == 5
    assert "media device mask 0x5" in text and "media device mask 0x5" in rec.sections[0].summary
    assert "device ID 0x0D93" in e["where"]  # four hex digits, as the summary has it


def test_an_amd_memory_controller_bank_holding_no_error_blames_no_memory():
    # recheck 5, N-1: the unit of a VAL-clear bank is named from MCA_IPID (recheck 4, N2), but
    # a bank that holds no error is no memory error: no DIMM blame, no memory test
    ipid = 0x96 << 32 | 1 << 20  # UMC, channel 1
    status = EN | 1 << 44 | 0x081F  # VAL clear
    rec, e, text = _explained(_record("xpf-mca", {"vendor": "amd", "bank": 17, "apic_id": 9, "status": status,
                                                  "extended_registers": struct.pack("<10Q", ipid, 0, 0x25, 0, 0, 0, 0,
                                                                                    0, 0, 0x3) + bytes(112)}),
                              "umc not valid")
    assert rec.sections[0].fields["diagnosis"]["unit"].startswith("unified memory controller")
    assert "memory" not in e["headline"].split(" at ")[0], e["headline"]
    assert "DIMM" not in text and "memory test" not in text
    assert "holds no valid error" in text


def test_no_advice_says_no_action_beside_an_overflow_and_a_threshold_names_its_register():
    # recheck 5, N-7: a PCI/PCI-X bus section's overflow bit beside "Usually link noise: no
    # action needed"; N-8: a core's bank threshold was "plan to replace … the part at … MCA bank"
    from whea_gui.compose.bodies._pack import ERROR_STATUS_BUS
    status = error_status(ERROR_STATUS_BUS, data=True, overflow=True)
    _rec, e, text = _explained(_record("pci-bus", {"error_status": status}), "pci bus overflow")
    assert NOT_SINGLE in e["advice"][0] and "no action needed" not in text.lower(), e["advice"]
    yellow = VAL | EN | 2 << 53 | 1 << 38 | 0x0135
    _rec, e, text = _explained(_record("xpf-mca", {"vendor": "intel", "bank": 1, "apic_id": 4, "status": yellow,
                                                   "global_capability": GCAP}), "yellow core")
    assert e["advice"][0].startswith("The error threshold was exceeded (the threshold status of MCi_STATUS of "
                                     "MCA bank 1 (yellow: threshold exceeded) says so) in a core's "
                                     "machine-check bank"), e["advice"][0]
    assert "plan to replace" not in text


def test_an_informational_report_of_more_than_one_error_is_not_no_action():
    # recheck 6, N6-9: an Informational PCI/PCI-X bus record whose error status has its overflow
    # bit set was "No action needed: this is a status report"
    from whea_gui.compose.bodies._pack import ERROR_STATUS_BUS
    informational = 3
    kind = catalog.find("pci-bus")
    body = kind.pack(random.Random(5), informational,
                     {"error_status": error_status(ERROR_STATUS_BUS, data=True, overflow=True)})
    data = assemble(make_header(severity=informational),
                    [SectionPart(make_descriptor(kind.guid, severity=informational), body)])
    rec, e, text = _explained(data, "informational overflow")
    [advice] = e["advice"]
    assert advice.startswith("This is a status report, but the error status of section 0 has its overflow bit set")
    assert NOT_SINGLE in advice and "no action needed" not in text.lower(), advice
    statement = next(s for s in e["statements"] if s["text"] == advice)
    assert "section_0.error_status.overflow" in statement["cites"] and "header.severity" in statement["cites"]
    assert rec.root.find("section_0.error_status.overflow").value == 1
    assert rec.summary.endswith(advice)
