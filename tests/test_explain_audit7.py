"""Audit 7 (a helper who had not seen the code built 109 well-formed records): processor
sections with several error-information structures, bus checks the processor did not originate,
and the other findings fixed with them. Each record is built here from the project's layouts."""

from __future__ import annotations

import struct

from explain_checks import build_record, explained

from whea_gui.compose.bodies._pack import pack
from whea_gui.compose.bodies.processor import CHECK_GUIDS
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.formats.sections import arm, ia32x64

CORRECTED, FATAL, RECOVERABLE = 2, 1, 0


def _record(guid: str, severity: int, body: bytes) -> bytes:
    return assemble(make_header(severity=severity), [SectionPart(make_descriptor(guid, severity=severity), body)])


# -- ARM (UEFI N.2.4.4): error information bits ------------------------------------------------
def _arm_info(kind: int, corrected: bool, pcc: bool = False, participation: int | None = None,
              address: int | None = None) -> bytes:
    info = 1 << 16 | 1 << 18 | int(corrected) << 26 | 1 << 4  # data access / op 1; Corrected valid
    info |= (1 << 3 | int(pcc) << 25)  # processor context corrupt valid (bit 3), value (bit 25)
    if participation is not None:
        info |= 1 << 7 | participation << 29  # (bus) participation type valid / value
    v = {"length": arm.INFO.size, "valid_bits": 0x4 | (0x10 if address is not None else 0),
         "type": kind, "error_information": info}
    if address is not None:
        v["physical_fault_address"] = address
    return pack(arm.INFO, v)


def _arm(infos: list[bytes], mpidr: int = 0x80000009) -> bytes:
    total = arm.HEADER.size + sum(map(len, infos))
    return pack(arm.HEADER, {"valid_bits": 0x1, "err_info_num": len(infos), "context_info_num": 0,
                             "section_length": total, "mpidr": mpidr}) + b"".join(infos)


# -- IA32/X64 (UEFI N.2.4.2): check information ---------------------------------------------
def _check(kind: str, uncorrected: bool | None, pcc: bool = False, participation: int | None = None,
           error_type: int | None = None) -> int:
    if kind == "ms":  # MS check: error type valid (bit 0), type in bits 16-18
        return 0x1 | (error_type or 0) << 16 | (0 if uncorrected is None else 1 << 2 | int(uncorrected) << 20)
    v = 1 << 1 | 1 << 2 | 1 << 16 | 1 << 18  # operation, level valid; transaction type, op
    if uncorrected is not None:
        v |= 1 << 4 | int(uncorrected) << 26
    v |= 1 << 3 | int(pcc) << 25  # processor context corrupt valid, value
    if participation is not None:
        v |= 1 << 8 | participation << 30
    return v


def _ia32(checks: list[tuple[str, int]], apic: int = 20, requester: int | None = None,
          responder: int | None = None, cpuid_eax: int | None = None) -> bytes:
    v = {"valid_bits": 0x1 | len(checks) << 2, "local_apic_id": apic}
    if cpuid_eax is not None:  # CPUID(1) EAX..EDX, CPUID valid (bit 1)
        v.update(valid_bits=v["valid_bits"] | 0x2, cpuid_info=struct.pack("<4Q", cpuid_eax, 0, 0, 0))
    head = pack(ia32x64.HEADER, v)
    body = head
    for kind, info in checks:
        v = {"type": CHECK_GUIDS[kind], "valid_bits": 0x1, "check_info": info}
        if requester is not None:
            v["valid_bits"] |= 1 << 2
            v["requestor_id"] = requester
        if responder is not None:
            v["valid_bits"] |= 1 << 3
            v["responder_id"] = responder
        body += pack(ia32x64.INFO, v)
    return body


ARM = arm.GUID
IA32 = ia32x64.GUID


def test_an_arm_section_is_read_past_its_first_error_information():
    # A7-1: structure 1 uncorrected and context corrupt in a Corrected record was "no data was
    # lost ... No action needed"; the summary named the corrected structure 0
    body = _arm([_arm_info(1, corrected=True), _arm_info(1, corrected=False, pcc=True)])
    rec, e, text = explained(_record(ARM, CORRECTED, body), "arm second info")
    assert rec.sections[0].summary.endswith("(uncorrected, processor context corrupt; "
                                            "error information 1, the second of 2)"), rec.sections[0].summary
    assert "no data was lost" not in e["severity_meaning"] and "contradicts itself" in e["severity_meaning"]
    assert "No action needed" not in text
    caveat = next(s for s in e["statements"] if "ErrorInformation of error-information structure 1" in s["text"])
    assert {"section_0.error_info_1.error_information.corrected",
            "section_0.error_info_1.error_information.processor_context_corrupt"} <= set(caveat["cites"])
    # a Fatal record: its uncorrected structure is the one described, no "says corrected" caveat
    rec, e, text = explained(_record(ARM, FATAL, body), "arm fatal")
    assert "says “corrected”" not in text and "uncorrected" in e["detail"]


def test_an_ia32_section_describes_its_worst_check_not_its_first():
    # A7-2: a corrected cache check first, an uncorrected context-corrupt bus check second
    body = _ia32([("cache", _check("cache", False)), ("bus", _check("bus", True, pcc=True))])
    rec, e, text = explained(_record(IA32, FATAL, body), "ia32 worst")
    assert rec.sections[0].summary.startswith("Fatal bus error on CPU with APIC id 20")
    assert "error information 1, the second of 2" in rec.sections[0].summary
    # an MS check saying "no error" is not what a Recoverable record is about
    body = _ia32([("ms", _check("ms", None, error_type=0)), ("cache", _check("cache", True))])
    rec, e, text = explained(_record(IA32, RECOVERABLE, body), "ia32 no error first")
    assert "(no error" not in rec.sections[0].summary and "cache error" in rec.sections[0].summary
    # equals: the first is described, the others counted
    body = _ia32([("cache", _check("cache", False)), ("tlb", _check("tlb", False))])
    rec, e, text = explained(_record(IA32, CORRECTED, body), "ia32 equals")
    assert rec.sections[0].summary.endswith("; 1 more error structure)")


def test_a_bus_check_the_processor_did_not_originate_does_not_blame_it():
    # A7-4: participation 2 (observed) / 1 (responded): "contact the CPU vendor" about APIC 10
    for participation, said in ((2, "only observed the error"), (1, "responded to the request")):
        body = _ia32([("bus", _check("bus", True, pcc=True, participation=participation))], apic=10,
                     requester=0x40, responder=0x2)
        rec, e, text = explained(_record(IA32, FATAL, body), f"bus {participation}")
        assert e["headline"].startswith("Fatal bus or interconnect (not the processor's own request)")
        assert "CPU vendor" not in text and "same processor" not in text
        assert e["where"] == "logged by APIC ID 10"
        first = e["advice"][0]
        assert said in first and "requester ID 0x40, responder ID 0x2" in first
        cited = next(s for s in e["statements"] if s["text"] == first)["cites"]
        assert "section_0.error_info_0.check_info.participation_type" in cited
    # the processor that made the request (0) keeps the CPU advice
    body = _ia32([("bus", _check("bus", True, pcc=True, participation=0))], apic=10)
    rec, e, text = explained(_record(IA32, FATAL, body), "bus originated")
    assert "CPU vendor" in text and "interconnect" not in e["headline"]
    # ARM: the same participation field, in the structure the summary describes
    body = _arm([_arm_info(2, corrected=True), _arm_info(4, corrected=False, pcc=True, participation=2,
                                                           address=0x40000000)])
    rec, e, text = explained(_record(ARM, FATAL, body), "arm bus observed")
    assert "only observed" in e["advice"][0] and "physical address 0x40000000" in e["advice"][0]
    assert "CPU vendor" not in text


# -- CXL General Media events (CXL 3.0 §8.2.9.2.1) -------------------------------------------
def _cxl_media(severity: int, event_type: int | None = None, transaction: int | None = None,
               flags: int | None = None) -> bytes:
    from whea_gui.formats.sections import _cxl_media as media
    from whea_gui.formats.sections import cxl_component as cxl
    log = cxl.HEAD.size + cxl.DEVICE_ID.size + cxl.SERIAL.size  # the event record (from offset 16)
    event = log + cxl.EVENT_HEADER.size

    def patch(body: bytearray) -> None:
        if flags is not None:
            body[log + 1:log + 4] = flags.to_bytes(3, "little")
        if event_type is not None:
            body[event + media.GENERAL_MEDIA.offsets["memory_event_type"]] = event_type
        if transaction is not None:
            body[event + media.GENERAL_MEDIA.offsets["transaction_type"]] = transaction
    return build_record("cxl-media", severity, {}, patch)


def test_a_cxl_invalid_address_or_injected_poison_is_no_media_fault():
    # A7-3: Memory Event Type 01h "Invalid Address" (a host access outside the media) had
    # "plan its replacement"; A7-9: Transaction Type 04h "Host Inject Poison" (the host's test)
    rec, e, text = explained(_cxl_media(CORRECTED, event_type=1, transaction=2), "cxl invalid address")
    assert e["headline"].startswith("Corrected CXL memory device (access to an invalid address) error")
    assert "replace" not in text.lower() and "region" in e["advice"][0]
    cited = next(s for s in e["statements"] if s["text"] == e["advice"][0])["cites"]
    assert "section_0.event_log.event_specific.memory_event_type" in cited
    rec, e, text = explained(_cxl_media(RECOVERABLE, event_type=0, transaction=4), "cxl inject poison")
    assert "injected this poison" in e["advice"][0] and "replace" not in " ".join(e["advice"]).lower()
    cited = next(s for s in e["statements"] if s["text"] == e["advice"][0])["cites"]
    assert "section_0.event_log.event_specific.transaction_type" in cited
    # N9-19: nor is it a "(media) error" in the headline beside "no evidence of a media fault"
    assert e["headline"].startswith("Recoverable CXL memory device (host-injected poison) error")
    assert e["component_name"] == "CXL memory device (host-injected poison)" and "(media)" not in text
    # a host read's media ECC error keeps the media advice
    rec, e, text = explained(_cxl_media(RECOVERABLE, event_type=0, transaction=1), "cxl media ecc")
    assert "If memory media errors recur, replace" in text


def test_cxl_event_record_flags_are_decoded_and_a_replacement_the_device_asks_for_is_said():
    # A7-10: flags 0x26 (failure, permanent condition, hardware replacement needed) were raw
    # bytes, and the advice said "if ... recur"
    rec, e, text = explained(_cxl_media(RECOVERABLE, event_type=0, transaction=1, flags=0x26), "cxl flags")
    log = rec.sections[0].fields["event_log"]
    assert log["flags"] == 0x26 and log["event_record_severity_name"] == "failure"
    assert log["permanent_condition"] and log["hardware_replacement_needed"] and not log["maintenance_needed"]
    assert e["advice"][0].startswith("The device's own event record flags say hardware replacement is needed")
    assert "recur" not in " ".join(e["advice"])
    cited = next(s for s in e["statements"] if s["text"] == e["advice"][0])["cites"]
    assert "section_0.event_log.flags" in cited
    # N9-22: the tree names them too (it showed "26 00 00" alone), at the flag byte's bits
    node = rec.root.find("section_0.event_log.flags")
    assert node.display == "26 00 00"
    bits = {c.name: (c.display, c.bit_offset) for c in node.children}
    assert bits["event_record_severity"] == ("failure (2)", 0)
    assert bits["permanent_condition"] == ("set", 2) and bits["hardware_replacement_needed"] == ("set", 5)
    assert bits["maintenance_needed"] == ("clear", 3)
    assert all(c.offset == node.offset and c.length == 1 for c in node.children)


def test_a_recoverable_record_with_a_corrupt_processor_context_is_not_said_contained():
    # A7-7: PCC set (and valid) in a Recoverable record was "contained ... and kept running"
    body = _ia32([("cache", _check("cache", True, pcc=True))], apic=6)
    rec, e, text = explained(_record(IA32, RECOVERABLE, body), "recoverable pcc")
    assert "kept running" not in e["severity_meaning"] and "does not show that the error was contained" \
        in e["severity_meaning"]
    assert e["advice"][0].startswith("Section 0's own error information says processor context corrupt")
    cited = next(s for s in e["statements"] if s["text"] == e["advice"][0])["cites"]
    assert "section_0.error_info_0.check_info.processor_context_corrupt" in cited
    # PCC clear: contained, as before
    body = _ia32([("cache", _check("cache", True, pcc=False))], apic=6)
    rec, e, text = explained(_record(IA32, RECOVERABLE, body), "recoverable no pcc")
    assert "kept running" in e["severity_meaning"] and "processor context corrupt" not in text


# -- Microsoft correctable-error summaries (WDK WHEA_MEMORY_CORRECTABLE_ERROR_SECTION) ----------
def _memory_summary(entries: list[tuple[int, dict]]) -> bytes:
    from whea_gui.formats.sections import ms_summaries as ms
    body = pack(ms.HEADER, {"version": 1, "count": len(entries)})
    for valid, values in entries:
        body += pack(ms.MEM_ENTRY, {"valid_bits": valid, **values})
    return _record(ms.MEMORY_SUMMARY_GUID, CORRECTED, body)


def test_a_correctable_error_summary_of_many_errors_is_no_occasional_error():
    # A7-13: 40 errors counted at one socket were "No action needed for an occasional corrected
    # error", and the entry (socket and count valid only) was "1 DIMM(s)"
    rec, e, text = explained(_memory_summary([(0x9, {"socket_id": 1, "correctable_error_count": 40})]),
                             "memory summary, socket only")
    assert "occasional" not in " ".join(e["advice"])
    first = next(a for a in e["advice"] if "counts 40 corrected errors" in a)
    cited = next(s for s in e["statements"] if s["text"] == first)["cites"]
    assert "section_0.entry_0.correctable_error_count" in cited
    assert rec.sections[0].summary == "Corrected memory error summary: 40 errors in 1 entry; most on socket 1 (40)"
    # one error in the whole summary is a single event; an entry with its DIMM slot is a DIMM
    rec, e, text = explained(_memory_summary([(0xF, {"socket_id": 0, "channel_id": 2, "dimm_slot": 1,
                                                      "correctable_error_count": 1})]), "memory summary, one")
    assert "No action needed for an occasional corrected error." in e["advice"]
    assert "on 1 DIMM(s)" in rec.sections[0].summary
    # the PCIe summary: its devices' totals
    data = build_record("pcie-summary", CORRECTED, {"count": 1})
    rec, e, text = explained(data, "pcie summary")
    total = rec.sections[0].fields["devices"][0]["total"]
    assert total > 1 and f"counts {total} corrected errors" in text and "occasional events" not in text


def test_an_arm_error_of_a_shared_affinity_level_is_not_one_processors():
    # A7-12: Error affinity level 2 was ignored: "If it repeats on the same processor (MPIDR ...)"
    def with_level(level: int) -> bytes:
        body = bytearray(_arm([_arm_info(1, corrected=True)], mpidr=0x80020000))
        vb = arm.HEADER.offsets["valid_bits"]
        body[vb] |= 0x2  # Error affinity level valid
        body[arm.HEADER.offsets["error_affinity_level"]] = level
        return _record(ARM, CORRECTED, bytes(body))
    rec, e, text = explained(with_level(2), "arm affinity 2")
    assert "same processor" not in text and e["where"] == "logged by MPIDR 0x80020000"
    caveat = next(c for c in e["caveats"] if "error affinity level is 2" in c)
    assert "sharing MPIDR affinity 0.2" in caveat
    assert any("affinity-level-2 group (MPIDR affinity 0.2)" in a for a in e["advice"])
    # level 0 is the processor's own
    rec, e, text = explained(with_level(0), "arm affinity 0")
    assert "same processor (MPIDR 0x80020000)" in text and "affinity level is" not in text


def test_an_amd_core_number_alone_does_not_make_a_bank_one_cores():
    # A7-5: MCA_IPID naming no SMCA bank type, ErrCoreIdVal with ErrCoreId 5: "the CPU may be
    # degrading" beside "names no known SMCA bank type" (shared banks report ErrCoreId too)
    from whea_gui.formats import amd_smca
    from whea_gui.formats.mca_diagnosis import Inputs, diagnose
    status = 1 << 63 | 1 << 60 | 1 << 56 | 5 << 32  # VAL, EN, ErrCoreIdVal, ErrCoreId 5
    unknown = 0x0000000700020000  # HardwareID 0x07, McaType 0: no SMCA type
    assert amd_smca.bank_type(unknown) is None
    d = diagnose(Inputs(vendor=2, bank=22, status=status, ipid=unknown))
    assert d["core"] == 5 and d["scope"] is None
    regs = struct.pack("<10Q", unknown, 0, 0x25, 0, 0, 0, 0, 0, 0, 0x3) + bytes(112)
    data = build_record("xpf-mca", CORRECTED, {"vendor": "amd", "bank": 22, "status": status,
                                               "extended_registers": regs, "apic_id": 24})
    rec, e, text = explained(data, "amd unknown bank with a core id")
    assert "may be degrading" not in text and e["where"].startswith("logged by")
    assert e["headline"].startswith("Corrected machine check (unit not identified) error")
    # N9-12: nor is the error "at core 5" in the headline beside "cannot tell whether the error
    # happened in a core" (the tree still shows ErrCoreId)
    assert "core 5" not in e["headline"] and "core 5" not in e["where"], e["headline"]
    assert "cannot tell whether the error happened in a core" in text
    assert any(n.label.startswith("ErrCoreId") and n.display == "core 5" for n in rec.root.walk())


def test_an_intel_srar_data_load_points_at_the_memory_too():
    # A7-11: MCACOD 0x134 / 0x150 with UC, S, AR (PCC clear) were CPU-only advice; the data the
    # core consumed is usually bad in memory (Intel SDM, "MCA Error Codes for SRAR")
    srar = 1 << 63 | 1 << 61 | 1 << 60 | 1 << 59 | 1 << 58 | 1 << 56 | 1 << 55
    for code in (0x134, 0x150):
        data = build_record("xpf-mca", RECOVERABLE, {"vendor": "intel", "bank": 1, "status": srar | code,
                                                     "address": 0x123456000})
        rec, e, text = explained(data, f"srar {code:#x}")
        said = next(a for a in e["advice"] if a.startswith("The core consumed uncorrectable data"))
        assert "test the memory that held it" in said
        cited = next(s for s in e["statements"] if s["text"] == said)["cites"]
        assert "section_0.status.ar" in cited
    # the same code without AR (SRAO or UCNA) or with PCC is no SRAR
    for status in ((srar & ~(1 << 55)) | 0x134, srar | 1 << 57 | 0x134):
        data = build_record("xpf-mca", RECOVERABLE, {"vendor": "intel", "bank": 1, "status": status})
        rec, e, text = explained(data, "no srar")
        assert "consumed uncorrectable data" not in text


def test_a_section_saying_corrected_in_a_fatal_or_informational_record_is_reconciled():
    # A7-6: ARM did this; IA32/X64 check information, a valid MCi_STATUS and Memory Error 2's
    # Status saying corrected did not
    body = _ia32([("cache", _check("cache", False))], apic=8)
    rec, e, text = explained(_record(IA32, FATAL, body), "ia32 fatal, check corrected")
    caveat = next(c for c in e["caveats"] if c.startswith("The section's own error information says “corrected”"))
    assert "check information of error information 0" in caveat and "marked Fatal" in caveat
    # an uncorrected structure beside it: the record agrees with the section, no caveat
    body = _ia32([("cache", _check("cache", False)), ("bus", _check("bus", True))], apic=8)
    rec, e, text = explained(_record(IA32, FATAL, body), "ia32 fatal, one uncorrected")
    assert "says “corrected”" not in text
    # an Informational record whose valid MCi_STATUS holds a corrected error
    status = 1 << 63 | 1 << 60 | 0x134  # VAL, EN, data load; UC clear
    rec, e, text = explained(build_record("xpf-mca", 3, {"vendor": "intel", "bank": 1, "status": status}),
                             "informational xpf")
    assert any("(section 0, MCi_STATUS of MCA bank 1), but the record is marked Informational" in c
               for c in e["caveats"])
    # Memory Error 2, Status valid (bit 14) saying corrected, in a Fatal record
    rec, e, text = explained(build_record("memory2", FATAL, {"status": 0}), "memory2 fatal")
    assert rec.sections[0].fields["status"] == {"value": 0, "uncorrected": False, "state": "corrected"}
    assert any("(section 0, Status byte), but the record is marked Fatal" in c for c in e["caveats"])


def test_overflow_wording_claims_no_bank_and_no_lost_order():
    # A7-14: an IA32/X64 check information has no bank; the logged error may be the earlier one
    # (Intel SDM overwrite rules); the same action twice
    overflow = _check("cache", False) | 1 << 7 | 1 << 29  # overflow valid, overflow
    rec, e, text = explained(_record(IA32, CORRECTED, _ia32([("cache", overflow)], apic=3)), "ia32 overflow")
    assert "in this bank" not in text and "earlier ones were not logged" not in text
    assert "not every one was logged" in text
    assert sum("update firmware/microcode" in a for a in e["advice"]) == 1


def test_a_firmware_reference_carrying_its_data_says_it_is_carried():
    # A7-16: type 1 with data after the reference: the caveat said the detail was "referenced"
    from whea_gui.formats.sections import firmware_reference as fw
    body = pack(fw.LONG, {"record_type": 1, "revision": 2}) + bytes(range(32))
    rec, e, text = explained(_record(fw.GUID, FATAL, body), "firmware type 1 with data")
    assert any("carried in the record itself" in a for a in e["advice"])
    assert "it references holds the detail" not in text and "the firmware record data it carries" in text
    # N9-20: the part's name said the detail was in "the firmware's own error record" beside it
    assert e["component_name"] == "not named here (the detail is in the firmware record data this section carries)"
    body = pack(fw.LONG, {"record_type": 1, "revision": 2})  # a reference alone keeps the old name
    rec, e, text = explained(_record(fw.GUID, FATAL, body), "firmware type 1 without data")
    assert e["component_name"] == "not named here (the detail is in the firmware's own error record)"


def _cache_check(level: int, uncorrected: bool = False) -> int:
    return (_check("cache", uncorrected) & ~(7 << 22)) | level << 22


def test_an_ia32_cache_check_of_a_shared_level_does_not_blame_the_core():
    # A7-8: level 2 (Intel's LL: levels 0 and 1 are a core's own) was "the CPU may be degrading",
    # while the same LL in an XPF MCA bank is "core not identified"
    intel, amd = 0x00050657, 0x00A10F11  # CPUID(1).EAX: family 6 (Intel's LL numbering), family 19h
    rec, e, text = explained(_record(IA32, CORRECTED, _ia32([("cache", _cache_check(2))], apic=11,
                                                           cpuid_eax=intel)), "ia32 l2")
    assert "may be degrading" not in text and "same processor" not in text
    assert e["where"] == "logged by APIC ID 11"
    caveat = next(s for s in e["statements"] if "names cache level 2" in s["text"])
    assert "section_0.error_info_0.check_info.level" in caveat["cites"]
    # recheck 9, N9-4: not level 1, not a TLB (a core's own), not AMD (its level 2 is a core's
    # L2), not without CPUID (the vendor unknown)
    for checks, eax in (([("cache", _cache_check(1))], intel), ([("cache", _cache_check(2))], amd),
                        ([("tlb", (_check("tlb", False) & ~(7 << 22)) | 2 << 22)], intel),
                        ([("cache", _cache_check(2))], None)):
        rec, e, text = explained(_record(IA32, CORRECTED, _ia32(checks, apic=11, cpuid_eax=eax)), "ia32 core")
        assert "same processor (APIC ID 11)" in text and "names cache level" not in text


def test_an_ms_check_reporting_no_error_is_no_error():
    # A7-15: "Informational micro-architectural error on CPU with APIC id 1 (no error)"
    rec, e, text = explained(_record(IA32, 3, _ia32([("ms", _check("ms", None, error_type=0))], apic=1)), "ms 0")
    assert rec.sections[0].summary == "Informational micro-architectural check on CPU with APIC id 1 (no error)"
    rec, e, text = explained(_record(IA32, CORRECTED, _ia32([("ms", _check("ms", False, error_type=1))], apic=1)),
                             "ms 1")
    assert "micro-architectural error" in rec.sections[0].summary


def test_msr_context_registers_are_named_in_the_tree():
    # A7-17 (in part): "MSR 0x401" with no name although the README says register contexts by name
    from whea_gui.decode.record import decode_record
    rec = decode_record(build_record("ia32x64", CORRECTED, {"contexts": 1, "bank": 3}))
    labels = [n.label for n in rec.sections[0].body.walk() if n.label.startswith("MSR 0x")]
    assert labels == ["MSR 0x40C (IA32_MC3_CTL)", "MSR 0x40D (IA32_MC3_STATUS)",
                      "MSR 0x40E (IA32_MC3_ADDR)", "MSR 0x40F (IA32_MC3_MISC)"], labels


def test_recheck9_cxl_dram_invalid_address_module_events_and_the_replacement_flag():
    from whea_gui.formats.sections import _cxl_media as media
    from whea_gui.formats.sections import cxl_component as cxl
    log = cxl.HEAD.size + cxl.DEVICE_ID.size + cxl.SERIAL.size
    event = log + cxl.EVENT_HEADER.size

    def dram(event_type: int, transaction: int) -> bytes:
        def patch(body: bytearray) -> None:
            body[event + media.DRAM.offsets["memory_event_type"]] = event_type
            body[event + media.DRAM.offsets["transaction_type"]] = transaction
        return build_record("cxl-dram", RECOVERABLE, {}, patch)
    # N9-1: DRAM 02h "Invalid Address" (CXL 3.1 numbering, as Linux reads it) on a host read
    rec, e, text = explained(dram(2, 1), "dram invalid address")
    assert "replace" not in text.lower() and "invalid address" in e["advice"][0]
    # N9-11: found by the device's own scrub (transaction 05h): not said to be a host access
    rec, e, text = explained(dram(2, 5), "dram invalid address in a scrub")
    assert "the host accessed" not in text
    # N9-2: the replacement flag in an Informational record, and a Memory Module event
    rec, e, text = explained(_cxl_media(3, event_type=0, transaction=1, flags=0x20), "informational flag")
    assert e["advice"][0].startswith("The device's own event record flags say hardware replacement is needed")

    def module(body: bytearray) -> None:
        body[log + 1] = 0x20
    rec, e, text = explained(build_record("cxl-memory-module", CORRECTED, {}, module), "module flag")
    assert "link noise" not in text and "reseat" not in text
    assert e["advice"][0].startswith("The device's own event record flags say hardware replacement is needed")
    rec, e, text = explained(build_record("cxl-memory-module", CORRECTED, {}), "module")
    assert "link noise" not in text and "CXL memory device (module)" in e["headline"]


def test_recheck9_an_arm_level_1_error_with_the_mt_bit_is_one_cores():
    # N9-5: MPIDR.MT set (e.g. Neoverse N1): affinity level 0 numbers threads, level 1 is a core
    body = bytearray(_arm([_arm_info(1, corrected=True)], mpidr=0x81000500))
    body[arm.HEADER.offsets["valid_bits"]] |= 0x2
    body[arm.HEADER.offsets["error_affinity_level"]] = 1
    rec, e, text = explained(_record(ARM, CORRECTED, bytes(body)), "arm mt level 1")
    assert "affinity level is" not in text and "same processor (MPIDR 0x81000500)" in text


def test_an_mca_bus_error_the_processor_only_answered_or_observed_blames_the_bus():
    # N9-7: MCACOD bus/interconnect with PP 1 (RES) or 2 (OBS) said "processor (CPU) error" and
    # "contact the system or CPU vendor", while the UEFI bus check's Participation Type, the same
    # encoding, blamed the bus (Intel SDM vol. 3B, "Bus and Interconnect Errors")
    base = 1 << 63 | 1 << 61 | 1 << 60 | 1 << 57  # VAL, UC, EN, PCC
    said = {}
    for pp in range(4):
        code = 0x0813 | pp << 9 | 1 << 8  # 0000 1PPT RRRR IILL: generic read, timed out
        data = build_record("xpf-mca", FATAL, {"vendor": "intel", "bank": 4, "status": base | code})
        rec, e, text = explained(data, f"xpf bus pp {pp}")
        assert rec.sections[0].fields["status"]["mca_error_fields"]["pp"] == pp
        said[pp] = e
    for pp, role in ((1, "responded to the request"), (2, "only observed the error")):
        e = said[pp]
        assert e["headline"].startswith("Fatal bus or interconnect (not the processor's own request) error")
        first = e["advice"][0]
        assert first.startswith(f"The machine-check error code (its PP field) says the processor {role}")
        assert not any("CPU vendor" in a or "overclocking" in a for a in e["advice"]), e["advice"]
        cited = next(s for s in e["statements"] if s["text"] == first)["cites"]
        assert "section_0.status.mca_error_code" in cited
        assert e["where"].startswith("logged by CPU") and "logged by logged by" not in e["where"]
    for pp in (0, 3):  # the processor's own request, or generic: as before
        assert said[pp]["headline"].startswith("Fatal processor (CPU) error"), said[pp]["headline"]


def test_vt_d_scalable_mode_fault_reasons_are_named():
    # N9-21: VT-d 3.x scalable-mode reasons 30h-90h were "reserved or non-recoverable"
    from whea_gui.formats.sections.dmar import fault_reason_name
    sid = 0x3A << 8 | 0x10
    for reason, name in ((0x39, "scalable mode: present bit in the root entry is clear"),
                         (0x59, "scalable mode: present bit in the PASID table entry is clear"),
                         (0x86, "scalable mode: no read permission for a read or AtomicOp request")):
        data = build_record("dmar-vtd", CORRECTED, {"fault_record_hi": (1 << 63) | (reason << 32) | sid,
                                                    "fault_record_lo": 0x12345000})
        rec, e, text = explained(data, f"vt-d {reason:#x}")
        fr = rec.sections[0].fields["fault_record"]
        assert fr["fault_reason_name"] == name
        assert rec.sections[0].summary.startswith(f"Intel VT-d DMA remapping fault 0x{reason:02X} ({name})")
        assert "interrupt_index" not in fr and "DMA remapping faults" in text  # a DMA fault
    # the gaps between the spec's blocks stay unnamed, as do reasons past 90h
    for reason in (0x33, 0x3B, 0x49, 0x5E, 0x7D, 0x88, 0x91, 0xFF):
        assert fault_reason_name(reason) == "reserved or non-recoverable", hex(reason)


def test_a_structure_whose_correction_is_unstated_keeps_the_section_from_saying_corrected():
    # N9-6: structure 0 a TLB check whose Uncorrected bit is not valid, structure 1 a corrected
    # cache check, in a Fatal record: "the section's own error information says corrected" was
    # false for the section (the unstated one may be the fatal error)
    for order in ((("tlb", _check("tlb", None)), ("cache", _check("cache", False))),
                  (("cache", _check("cache", False)), ("tlb", _check("tlb", None)))):
        rec, e, text = explained(_record(IA32, FATAL, _ia32(list(order))), "ia32 unstated + corrected")
        assert "says “corrected”" not in text, [c for c in e["caveats"] if "corrected" in c]
    # ARM: a corrected structure beside one whose ErrorInformation is not valid
    unstated = pack(arm.INFO, {"length": arm.INFO.size, "valid_bits": 0x10, "type": 1,
                               "physical_fault_address": 0x90000000})
    rec, e, text = explained(_record(ARM, FATAL, _arm([_arm_info(1, True), unstated])), "arm unstated")
    assert "says “corrected”" not in text, [c for c in e["caveats"] if "corrected" in c]
    # every structure corrected: the caveat stays, naming both (A7-6)
    rec, e, text = explained(_record(ARM, FATAL, _arm([_arm_info(1, True), _arm_info(1, True)])), "arm all corrected")
    said = next(c for c in e["caveats"] if "says “corrected”" in c)
    assert "error-information structure 0" in said and "error-information structure 1" in said
    rec, e, text = explained(_record(IA32, FATAL, _ia32([("cache", _check("cache", False)),
                                                         ("tlb", _check("tlb", False))])), "ia32 all corrected")
    assert any("says “corrected”" in c for c in e["caveats"])


def test_a_summary_with_no_detail_does_not_start_its_parenthesis_with_a_semicolon():
    # seen beside N9-6: "(; 1 more error structure)" when the described structure states no kind
    rec, e, text = explained(_record(ARM, FATAL, _arm([_arm_info(0, True), _arm_info(0, True)])), "no detail")
    assert rec.sections[0].summary.endswith("(1 more error structure)"), rec.sections[0].summary


def test_other_uncorrected_structures_are_named_and_keep_the_processor_in_the_frame():
    # N9-8: structure 0 an uncorrected level-0 cache error (the core's own), structure 1 an
    # observed bus time-out with PCC: the explanation blamed the bus ("not at one processor")
    # and never said structure 0's uncorrected error
    rec, e, text = explained(_record(IA32, FATAL, _ia32([("cache", _check("cache", True)),
                                                         ("bus", _check("bus", True, pcc=True, participation=2))],
                                                        apic=33)), "ia32 cache uc + bus obs pcc")
    assert e["headline"].startswith("Fatal processor (CPU) error at APIC ID 33"), e["headline"]
    assert "not at one processor" not in text
    said = next(c for c in e["caveats"] if "beside the one described" in c)
    assert "error information 0 (cache error, level 0, uncorrected)" in said
    cited = next(s for s in e["statements"] if s["text"] == said)["cites"]
    assert "section_0.error_info_0.check_info.uncorrected" in cited
    # ARM: an uncorrected TLB error beside the bus one the processor answered
    rec, e, text = explained(_record(ARM, FATAL, _arm([_arm_info(2, corrected=False),
                                                       _arm_info(4, corrected=False, pcc=True, participation=1)])),
                             "arm tlb uc + bus res pcc")
    assert "not at one processor" not in text
    assert any("(TLB error, uncorrected)" in c or "(TLB error, level" in c for c in e["caveats"]), e["caveats"]
    # a bystander bus error beside corrected structures only keeps the bus reading (A7-4)
    rec, e, text = explained(_record(IA32, FATAL, _ia32([("cache", _check("cache", False)),
                                                         ("bus", _check("bus", True, participation=2))])),
                             "ia32 cache corrected + bus obs")
    assert e["headline"].startswith("Fatal bus or interconnect (not the processor's own request) error")
    assert not any("beside the one described" in c for c in e["caveats"])


def test_another_processor_section_reporting_worse_is_named_with_its_processor():
    # N9-3: a Fatal record whose Primary section 0 (APIC 1) says corrected and whose section 1
    # (APIC 2) says uncorrected and context corrupt named only APIC 1
    parts = [SectionPart(make_descriptor(IA32, severity=FATAL, flags=1),  # Primary
                         _ia32([("cache", _check("cache", False))], apic=1)),
             SectionPart(make_descriptor(IA32, severity=FATAL),
                         _ia32([("cache", _check("cache", True, pcc=True))], apic=2))]
    rec, e, text = explained(assemble(make_header(severity=FATAL), parts), "two ia32 sections")
    said = next(c for c in e["caveats"] if c.startswith("Section 1 (APIC ID 2) also reports an error"))
    assert "uncorrected and processor context corrupt" in said and "follows section 0" in said
    cited = next(s for s in e["statements"] if s["text"] == said)["cites"]
    assert "section_1.error_info_0.check_info.uncorrected" in cited
    # the same record with section 1 corrected too: nothing to name
    parts[1] = SectionPart(make_descriptor(IA32, severity=FATAL),
                           _ia32([("cache", _check("cache", False))], apic=2))
    rec, e, text = explained(assemble(make_header(severity=FATAL), parts), "two corrected ia32 sections")
    assert "also reports an error" not in text


def _dimm(socket: int, channel: int, slot: int, count: int | None) -> tuple[int, dict]:
    values = {"socket_id": socket, "channel_id": channel, "dimm_slot": slot}
    if count is not None:
        values["correctable_error_count"] = count
    return (0x7 | (0x8 if count is not None else 0), values)


def test_a_summary_tie_puts_no_module_up_for_replacement():
    # N9-14: one error on each of three DIMMs (or 5 and 5) put the first DIMM up for
    # replacement ("most on socket 0 … (1)", "If corrected errors repeat on the same memory
    # module (socket 0, channel 1, DIMM slot 2), schedule its replacement")
    for counts, total in (((1, 1, 1), 3), ((5, 5, 1), 11)):
        entries = [_dimm(0, 1, 2, counts[0]), _dimm(0, 1, 3, counts[1]), _dimm(1, 0, 0, counts[2])]
        rec, e, text = explained(_memory_summary(entries), f"tie {counts}")
        top = max(counts)
        tied = counts.count(top)
        assert rec.sections[0].summary.endswith(f"; {top} on each of {tied}, none more"), rec.sections[0].summary
        assert f"{total} errors on 3 DIMM(s)" in rec.sections[0].summary
        assert rec.sections[0].location == {} and "same memory module" not in text
        assert "not a single event" in text  # more than one error still (A7-13)
        said = next(c for c in e["caveats"] if c.startswith("The summary names"))
        assert f"names {tied} parts (" in said and "socket 0, channel 1, DIMM slot 2" in said
        assert "does not say where" not in text
        assert any("find which of the modules the summary names" in a for a in e["advice"])
    # a clear maximum still names its DIMM
    rec, e, text = explained(_memory_summary([_dimm(0, 1, 2, 5), _dimm(1, 0, 0, 2)]), "clear max")
    assert rec.sections[0].summary.endswith("most on socket 0, channel 1, dimm slot 2 (5)")
    assert "same memory module (socket 0, channel 1, DIMM slot 2)" in text


def test_a_summary_entry_without_a_count_still_says_where():
    # N9-13: a DIMM entry with a valid place but no valid count (or a count of 0) was "does
    # not say where"
    rec, e, text = explained(_memory_summary([_dimm(0, 1, 2, None)]), "no count")
    assert rec.sections[0].summary == "Corrected memory error summary: socket 0, channel 1, dimm slot 2, no count reported"
    assert "does not say where" not in text and "DIMM slot 2" in e["where"]
    rec, e, text = explained(_memory_summary([_dimm(0, 1, 2, 0)]), "count 0")
    assert rec.sections[0].summary.endswith("a count of 0")
    rec, e, text = explained(_memory_summary([]), "no entries")
    assert rec.sections[0].summary == "Corrected memory error summary with no entries"


def test_caveats_said_section_by_section_are_capped_and_the_rest_counted():
    # fresh check 5: 65,535 sections marked worse than the header gave 32,785 caveats (a 14 MB
    # report page); now at most 8 are said one by one and the rest counted
    from whea_gui.decode.explain.rules import PER_SECTION_SAID
    body = _ia32([("cache", _check("cache", False))], apic=4)
    parts = [SectionPart(make_descriptor(IA32, severity=FATAL), body) for _ in range(30)]
    rec, e, text = explained(assemble(make_header(severity=CORRECTED), parts), "30 fatal sections")
    worse = [c for c in e["caveats"] if "worse than the record header's Corrected" in c]
    assert len(worse) == PER_SECTION_SAID
    more = [c for c in e["caveats"] if c.startswith(f"{30 - PER_SECTION_SAID} more sections or entries are marked worse")]
    assert len(more) == 1, e["caveats"]
    cited = next(s for s in e["statements"] if s["text"] == more[0])["cites"]
    assert cited[:2] == ["descriptor_8.severity", "descriptor_9.severity"], cited
    assert len(e["caveats"]) < 20


def test_an_informational_processor_section_is_a_check_unless_it_says_worse():
    # A7-15 (the rest): "Informational cache error on CPU …" beside "Informational: a status
    # report, not a hardware fault"
    INFORMATIONAL = 3
    rec, e, text = explained(_record(IA32, INFORMATIONAL, _ia32([("cache", _check("cache", False))], apic=15)),
                             "informational cache")
    assert rec.sections[0].summary.startswith("Informational cache check on CPU with APIC id 15")
    # a structure saying uncorrected stays an error (the section may report one)
    rec, e, text = explained(_record(IA32, INFORMATIONAL, _ia32([("cache", _check("cache", True))], apic=15)),
                             "informational uncorrected cache")
    assert rec.sections[0].summary.startswith("Informational cache error on CPU")
    rec, e, text = explained(_record(ARM, INFORMATIONAL, _arm([_arm_info(2, corrected=True)])), "informational arm")
    assert " check on CPU with MPIDR" in rec.sections[0].summary, rec.sections[0].summary


def test_the_other_cxl_event_record_flags_and_the_devices_severity_are_said():
    # N9-9: permanent condition, maintenance needed, performance degraded and the device's own
    # event severity were decoded but never said
    rec, e, text = explained(_cxl_media(RECOVERABLE, event_type=0, transaction=1, flags=0x1C), "cxl flags 1c")
    for said in ("the condition is permanent", "maintenance is needed", "its performance is degraded"):
        caveat = next(c for c in e["caveats"] if said in c)
        cited = next(s for s in e["statements"] if s["text"] == caveat)["cites"]
        assert cited == ["section_0.event_log.flags"]
    rec, e, text = explained(_cxl_media(CORRECTED, event_type=0, transaction=1, flags=0x03), "cxl fatal flag")
    assert any(c.startswith("The device rates the event “fatal”") and "worse than the record's Corrected" in c
               for c in e["caveats"]), e["caveats"]
    # a device severity no worse than the record's, and no flags: nothing said
    rec, e, text = explained(_cxl_media(RECOVERABLE, event_type=0, transaction=1, flags=0x02), "cxl failure recov")
    assert not any("The device" in c for c in e["caveats"]), e["caveats"]


def test_a_corrected_cxl_event_the_device_rates_worse_gets_no_no_action_advice():
    # the fresh check: "No action needed for an occasional corrected memory media error" above
    # caveats saying the device rates it fatal, permanent, maintenance needed
    rec, e, text = explained(_cxl_media(CORRECTED, event_type=0, transaction=1, flags=0x0F), "cxl corrected fatal")
    assert not any(a.startswith("No action needed") for a in e["advice"]), e["advice"]
    first = e["advice"][0]
    assert first.startswith("The device's own event record says more than a corrected error (rated “fatal”")
    assert "section_0.event_log.flags" in next(s for s in e["statements"] if s["text"] == first)["cites"]
    rec, e, text = explained(_cxl_media(3, event_type=0, transaction=1, flags=0x02), "cxl informational failure")
    assert e["advice"][0].startswith("This is a status report, but the device's own event record says more")


def test_a_summary_beside_an_uncounted_entry_singles_out_no_dimm():
    # the fresh check: 7 errors on one DIMM, no valid count on another: the first was put up
    # for replacement; counts of 0 were "no counts reported"
    rec, e, text = explained(_memory_summary([_dimm(0, 1, 2, 7), _dimm(1, 0, 0, None)]), "uncounted")
    assert rec.sections[0].summary.endswith("7 on socket 0, channel 1, dimm slot 2, 1 entry without a count")
    assert rec.sections[0].location == {} and "same memory module" not in text
    assert any("socket 1, channel 0, DIMM slot 0" in c for c in e["caveats"])
    rec, e, text = explained(_memory_summary([_dimm(0, 1, 2, 0), _dimm(0, 1, 3, 0)]), "zeros")
    assert rec.sections[0].summary == "Corrected memory error summary: 2 DIMM(s), 0 errors counted"
