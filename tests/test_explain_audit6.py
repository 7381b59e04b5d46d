"""Independent audit 6: what a section's own registers say, read as the specifications read them.
Records are made with the project's builder; fields are set at the offsets their decoded nodes
give (the audit's own inputs were made the same way, /work/AUDIT6_REPORT.md)."""

from __future__ import annotations

import random
import struct

from tests.explain_checks import build_record, explained
from whea_gui.compose.bodies import catalog
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode.record import decode_record

FATAL, RECOVERABLE, CORRECTED = 1, 0, 2
UR, CT, RECEIVER_ERROR, ANFE = 1 << 20, 1 << 14, 1 << 0, 1 << 13


_record = build_record


def _aer(severity: int, **registers: int) -> bytes:
    """An endpoint's PCIe section with the named AER registers set (the rest as the builder makes them)."""
    plain = _record("pcie", severity, {"port_type": 0})
    rec = decode_record(plain)
    body = rec.sections[0].body.offset
    at = {name: rec.root.find(f"section_0.aer_info.{name}").offset - body for name in registers}

    def patch(b: bytearray) -> None:
        for name, value in registers.items():
            struct.pack_into("<I", b, at[name], value)
    return _record("pcie", severity, {"port_type": 0}, patch)


def test_masked_uncorrectable_bits_do_not_make_a_corrected_record_contradict_itself():
    # A6-1: a Corrected endpoint reports a Receiver Error; a stale Unsupported Request sits in the
    # uncorrectable status, masked. It was "PCIe uncorrectable error …: Unsupported Request Error"
    # and "the record contradicts itself: check whether the system stopped"
    data = _aer(CORRECTED, correctable_error_status=RECEIVER_ERROR, correctable_error_mask=0,
                uncorrectable_error_status=UR, uncorrectable_error_mask=UR)
    rec, e, text = explained(data, "stale masked UR")
    assert rec.sections[0].summary.startswith("PCIe correctable error")
    assert rec.sections[0].summary.endswith(": Receiver Error")
    assert "Unsupported Request" not in text and "contradicts" not in text and "stopped" not in text, text
    assert rec.root.find("section_0.aer_info.uncorrectable_error_mask.unsupported_request_error").value == 1


def test_an_advisory_non_fatal_error_is_no_contradiction():
    # A6-1: an uncorrectable error of non-fatal severity signalled as correctable (Advisory
    # Non-Fatal Error, PCIe Base spec "Advisory Non-Fatal Error cases"); "Non-Fatal" was read as
    # the section saying "fatal"
    data = _aer(CORRECTED, correctable_error_status=ANFE, correctable_error_mask=0,
                uncorrectable_error_status=UR, uncorrectable_error_mask=0)
    rec, e, text = explained(data, "advisory non-fatal")
    assert rec.sections[0].summary.endswith(": Advisory Non-Fatal Error")
    assert "own error information says" not in text and "contradicts" not in text, text


def test_masked_bits_are_not_named_as_the_failure():
    # A6-2: Completion Timeout unmasked, Unsupported Request masked: only the first was reported
    data = _aer(RECOVERABLE, uncorrectable_error_status=CT | UR, uncorrectable_error_mask=UR)
    rec, e, text = explained(data, "CT + masked UR")
    assert rec.sections[0].summary.endswith(": Completion Timeout")
    assert "Unsupported Request" not in text
    # a corrected section's masked correctable bit likewise
    data = _aer(CORRECTED, correctable_error_status=RECEIVER_ERROR | 1 << 6, correctable_error_mask=RECEIVER_ERROR)
    rec, e, text = explained(data, "masked receiver error")
    assert rec.sections[0].summary.endswith(": Bad TLP") and "Receiver Error" not in text


def _with_recovery(severity: int, recovery: dict) -> bytes:
    memory, info = catalog.find("memory"), catalog.find("recovery-info")
    rng = random.Random(3)
    return assemble(make_header(severity=severity), [
        SectionPart(make_descriptor(memory.guid, severity=severity), memory.pack(rng, severity, {})),
        SectionPart(make_descriptor(info.guid, severity=severity), info.pack(rng, severity, dict(recovery)))])


def test_a_failed_windows_recovery_is_not_contained():
    # A6-3: RecoverySucceeded = FALSE (TerminateProcess, NotContinuable), or no recovery
    # attempted for Pcc: the severity still said the system "contained it … and kept running"
    for recovery, said in (
            ({"recovery_action": 1 << 3, "recovery_succeeded": False, "failure_reason": 4,
              "process_name": "app.exe"}, "did not succeed"),
            ({"recovery_action": 1, "recovery_succeeded": False, "failure_reason": 5}, "no recovery was attempted")):
        rec, e, text = explained(_with_recovery(RECOVERABLE, recovery), "failed recovery")
        [severity] = [s for s in e["statements"] if s["kind"] == "severity"]
        assert "contained it" not in severity["text"] and "kept running" not in severity["text"], severity["text"]
        assert said in severity["text"] and "does not show that the error was contained" in severity["text"]
        assert "section_1.failure_reason" in severity["cites"]
        assert e["advice"][0].startswith("The error recovery section (section 1) says Windows did not recover")
        assert rec.summary.endswith(e["advice"][0])
    # a recovery that succeeded keeps the plain meaning
    rec, e, text = explained(_with_recovery(RECOVERABLE, {"recovery_action": 1 << 3, "recovery_succeeded": True,
                                                          "failure_reason": 0}), "succeeded")
    [severity] = [s for s in e["statements"] if s["kind"] == "severity"]
    assert "contained it" in severity["text"] and "did not recover" not in text


def test_a_processor_generic_overflow_flag_is_not_a_single_event():
    # A6-10: Processor Generic Flags bit 2 (Overflow, UEFI N.2.4.1) was ignored: "No action
    # needed for a single event"
    plain = _record("processor-generic", CORRECTED, {})
    rec = decode_record(plain)
    at = rec.root.find("section_0.flags").offset - rec.sections[0].body.offset
    valid_at = rec.root.find("section_0.valid_bits").offset - rec.sections[0].body.offset

    def overflow(b: bytearray) -> None:
        b[at] = 0x0C  # overflow, corrected
        b[valid_at] |= 1 << 4  # Flags valid
    rec, e, text = explained(_record("processor-generic", CORRECTED, {}, overflow), "proc overflow")
    assert rec.root.find("section_0.flags.overflow").value == 1
    assert "single event." not in text and "No action needed" not in text, e["advice"]
    first = e["advice"][0]
    assert first.startswith("The flags of section 0 have the overflow bit set") and "not a single event" in first
    assert "section_0.flags.overflow" in next(s for s in e["statements"] if s["text"] == first)["cites"]


def test_memory_error_types_that_are_no_dimm_cell_fault():
    # A6-7: mirror broken, sparing and map-out were "No action needed for an occasional corrected
    # error"; master abort, invalid address and watchdog timeout blamed the module; "No error"
    # was headlined as an error
    for kind in (11, 12, 15):
        rec, e, text = explained(_record("memory", CORRECTED, {"error_type": kind}), f"memory type {kind}")
        assert "No action needed" not in text, (kind, e["advice"])
        first = e["advice"][0]
        assert first.startswith("The section reports ") and "restore the mirror or spare configuration" in first
        assert "section_0.error_type" in next(s for s in e["statements"] if s["text"] == first)["cites"]
    for kind, name in ((6, "Master abort"), (9, "Watchdog timeout"), (10, "Invalid address")):
        rec, e, text = explained(_record("memory", CORRECTED, {"error_type": kind}), f"memory type {kind}")
        assert e["advice"][0].startswith(f"The section's error type is “{name}”") and "not evidence of a faulty DIMM" in text
        assert "schedule its replacement" not in text and "replace the memory module" not in text, e["advice"]
    rec, e, text = explained(_record("memory", CORRECTED, {"error_type": 1}), "no error")
    assert e["headline"].startswith("Corrected memory (RAM) report") and e["advice"] == [
        "No action needed: the section's error type says “No error”."]
    # the usual types keep their advice
    rec, e, text = explained(_record("memory", CORRECTED, {"error_type": 2}), "single-bit")
    assert e["advice"][0] == "No action needed for an occasional corrected error."


def test_a_cxl_ras_threshold_status_is_a_threshold_exceeded():
    # A6-13: the CXL RAS capability's CRC threshold (correctable status bit 2: the link's CRC
    # error count passed its threshold) was "Usually link noise: no action needed"
    plain = _record("cxl-protocol", CORRECTED, {})
    rec = decode_record(plain)
    body = rec.sections[0].body.offset
    status = rec.root.find("section_0.error_log.correctable_error_status").offset - body
    mask = rec.root.find("section_0.error_log.correctable_error_mask").offset - body

    def crc_threshold(b: bytearray, masked: bool = False) -> None:
        struct.pack_into("<I", b, status, 1 << 2)
        struct.pack_into("<I", b, mask, (1 << 2) if masked else 0)
    rec, e, text = explained(_record("cxl-protocol", CORRECTED, {}, crc_threshold), "cxl crc threshold")
    assert "link noise" not in text and "No action needed" not in text, e["advice"]
    first = e["advice"][0]
    assert first.startswith("The error threshold was exceeded (the CXL RAS capability of section 0 (CRC threshold)")
    cites = next(s for s in e["statements"] if s["text"] == first)["cites"]
    assert "section_0.error_log.correctable_error_status.crc_threshold" in cites
    # masked, it was not reported: no threshold
    rec, e, text = explained(_record("cxl-protocol", CORRECTED, {}, lambda b: crc_threshold(b, True)), "masked")
    assert "threshold was exceeded" not in text


def test_vt_d_interrupt_remapping_faults_are_named_and_not_a_dma_access():
    # A6-12: fault reasons 20h-26h (interrupt remapping) were "reserved or non-recoverable", on a
    # "write request … at address …", with DMA-driver advice
    sid = 0x17 << 8
    for reason, name in ((0x23, "error accessing the interrupt-remapping table"),
                         (0x26, "interrupt request blocked: its source-id failed verification")):
        data = _record("dmar-vtd", CORRECTED, {"fault_record_hi": (1 << 63) | (reason << 32) | sid,
                                               "fault_record_lo": 0x2A << 48})
        rec, e, text = explained(data, f"vt-d {reason:#x}")
        assert rec.sections[0].summary == (f"Intel VT-d interrupt remapping fault 0x{reason:02X} ({name}) "
                                           "from 17:00.0, interrupt index 42")
        assert rec.sections[0].fields["fault_record"]["interrupt_index"] == 42  # FI bits 63:48
        # the part is the interrupt-remapping unit, not "IOMMU (DMA remapping)"
        assert "IOMMU (interrupt remapping)" in text and "DMA remapping)" not in text
        assert "device_address" not in rec.sections[0].location and "address 0x" not in text
        assert "DMA remapping faults" not in text and "interrupt-remapping fault comes from" in text
        said = next(s for s in e["statements"] if "interrupt-remapping fault comes from" in s["text"])
        assert "section_0.fault_record_hi.fault_reason" in said["cites"]
    # a DMA remapping fault keeps its address and advice
    rec, e, text = explained(_record("dmar-vtd", CORRECTED, {"fault_record_hi": (1 << 63) | (5 << 32) | sid}), "dma")
    assert rec.sections[0].summary.startswith("Intel VT-d DMA remapping fault 0x05 (write access not allowed")
    assert "device_address" in rec.sections[0].location and "DMA remapping faults" in text
    assert "interrupt_index" not in rec.sections[0].fields["fault_record"]
    assert "IOMMU (DMA remapping)" in text


def test_a_pci_bus_section_names_a_bus_and_an_unanswered_access_is_not_noise():
    # A6-11: "Reseat or replace the device at PCI bus 0000:17" (a bus, not a device), a master
    # abort or DEVSEL# timeout "Usually link noise", the valid requester/completer IDs unused,
    # and "PCI/PCI-X bus bus timeout"
    rec, e, text = explained(_record("pci-bus", FATAL, {"error_type": 4}), "bus timeout")
    assert rec.sections[0].summary.startswith("PCI/PCI-X bus timeout or no device present")
    first = e["advice"][0]
    assert "that no device answered: a bus timeout" in first and "requester ID 0x" in first, first
    assert "Reseat or replace the device at PCI bus" not in text and "link noise" not in text
    cites = next(s for s in e["statements"] if s["text"] == first)["cites"]
    assert {"section_0.error_type", "section_0.requestor_id", "section_0.completer_id"} <= set(cites)
    rec, e, text = explained(_record("pci-bus", CORRECTED, {"error_type": 3}), "master abort")
    assert "no device answered: a master abort" in e["advice"][0] and "noise" not in text
    rec, e, text = explained(_record("pci-bus", CORRECTED, {"error_type": 1}), "data parity")
    assert e["advice"][0] == "Usually electrical noise on the bus: no action needed for occasional events."
    assert "the record names the bus, not the device" not in text or "If frequent" in text


def test_an_upstream_switch_port_is_not_a_device_to_reseat():
    # A6-4: PCIe port type 5 (upstream switch port) and CXL agent type 7 were "PCIe device …
    # reseat the device"; an upstream port's errors are on its link towards the root port
    rec, e, text = explained(_record("pcie", CORRECTED, {"port_type": 5}), "usp")
    assert "at PCIe upstream switch port " in e["headline"], e["headline"]
    assert "reseat the device" not in text.lower() and "switch's upstream port" in text
    assert "section_0.port_type" in next(s for s in e["statements"] if "upstream port" in s["text"])["cites"]


def test_the_capability_says_the_port_type_when_the_field_is_not_valid():
    # A6-6: Port Type not valid, the valid PCIe capability says root port (4): it was "PCIe
    # device … reseat the device"; a field and capability that disagree got no finding
    plain = _record("pcie", CORRECTED, {"port_type": 4})
    rec = decode_record(plain)
    valid_at = rec.root.find("section_0.validation_bits").offset - rec.sections[0].body.offset

    def port_type_not_valid(b: bytearray) -> None:
        b[valid_at] &= ~1
    rec, e, text = explained(_record("pcie", CORRECTED, {"port_type": 4}, port_type_not_valid), "cap root port")
    assert rec.sections[0].fields["port_type"] is None
    assert "at PCIe root port " in e["headline"] and "reseat the device" not in text.lower()
    assert any("capability_structure.pcie_capabilities.device_port_type" in c
               for s in e["statements"] for c in s["cites"])
    # the field says endpoint, the capability root port: a warning finding
    at = rec.root.find("section_0.port_type").offset - rec.sections[0].body.offset

    def endpoint(b: bytearray) -> None:
        struct.pack_into("<I", b, at, 0)
    rec = decode_record(_record("pcie", CORRECTED, {"port_type": 4}, endpoint))
    [mismatch] = [x for x in rec.findings if x.code == "pcie-port-type-mismatch"]
    assert mismatch.level == "warning" and "Device/Port Type 4 (Root port)" in mismatch.message


def test_two_memory_sections_naming_different_modules_are_both_said():
    # A6-8: two Corrected memory sections, node 0 module 1 and node 1 module 7, no address: only
    # one was named, without a word about the other
    memory = catalog.find("memory")
    rng = random.Random(7)
    parts = [SectionPart(make_descriptor(memory.guid, severity=CORRECTED),
                         memory.pack(rng, CORRECTED, {"node": node, "module": module, "physical_address": None}))
             for node, module in ((0, 1), (1, 7))]
    data = assemble(make_header(severity=CORRECTED), parts)
    rec, e, text = explained(data, "two modules")
    located = [s for s in rec.sections if s.location.get("module") is not None]
    assert len(located) == 2
    lead = e["headline"]
    other = ("node 0", "module 1") if "node 1," in lead else ("node 1", "module 7")
    [caveat] = [c for c in e["caveats"] if "names another memory module" in c]
    assert all(part in caveat.split(") than")[0] for part in other) and "check both modules" in caveat, caveat


def test_a_primary_section_the_explanation_does_not_follow_is_said():
    # A6-9: a Fatal Primary processor section beside a Fatal memory section: the explanation
    # follows the memory section and said nothing of the section the firmware marked Primary
    cpu, memory = catalog.find("processor-generic"), catalog.find("memory")
    rng = random.Random(11)
    primary = make_descriptor(cpu.guid, severity=FATAL)
    data = assemble(make_header(severity=FATAL), [
        SectionPart(primary, cpu.pack(rng, FATAL, {})),
        SectionPart(make_descriptor(memory.guid, severity=FATAL), memory.pack(rng, FATAL, {}))])
    rec = decode_record(data)
    flags_at = rec.root.find("descriptor_0.flags").offset
    data = bytearray(data)
    data[flags_at] |= 1  # Primary (UEFI N.2.2 section descriptor flags bit 0)
    rec, e, text = explained(bytes(data), "primary cpu")
    assert rec.root.find("descriptor_0.flags.primary").value == 1
    assert e["headline"].startswith("Fatal memory")  # (memory ranks first: docs/explain.md)
    [caveat] = [c for c in e["caveats"] if "marks Primary" in c]
    assert caveat.startswith("Section 0, which the record marks Primary") and "processor (CPU)" in caveat
    said = next(s for s in e["statements"] if s["text"] == caveat)
    assert "descriptor_0.flags.primary" in said["cites"]


def test_a_status_blocks_multiple_errors_bit_is_not_a_single_event():
    # A6-14: a Generic Error Status Block's "Multiple correctable errors" bit (ACPI GESB Block
    # Status bit 3) was ignored: "No action needed for an occasional corrected error"
    plain = _record("generic-error", CORRECTED, {})
    rec = decode_record(plain)
    node = rec.root.find("section_0.error_status_block.header.block_status")
    at = node.offset - rec.sections[0].body.offset

    def multiple(b: bytearray) -> None:
        b[at] |= 1 << 3 | 1 << 1  # multiple correctable, correctable valid
    rec, e, text = explained(_record("generic-error", CORRECTED, {}, multiple), "gesb multiple")
    first = e["advice"][0]
    assert "has its Multiple correctable errors bit set" in first and "not a single event" in first, e["advice"]
    assert "No action needed" not in text
    cites = next(s for s in e["statements"] if s["text"] == first)["cites"]
    assert "section_0.error_status_block.header.block_status.multiple_correctable" in cites


def test_recheck_7_variations():
    # N6: Advisory Non-Fatal beside an unmasked uncorrectable error of Fatal severity (Malformed
    # TLP, bit 18, set in the builder's Severity register 0x00462030): not advisory, so named
    data = _aer(CORRECTED, correctable_error_status=ANFE, correctable_error_mask=0,
                uncorrectable_error_status=1 << 18, uncorrectable_error_mask=0)
    rec, e, text = explained(data, "anfe + fatal mtlp")
    assert rec.sections[0].summary.endswith(": Malformed TLP") and "uncorrectable" in text
    # A6-2: only masked bits: said, not left bare
    rec, e, text = explained(_aer(RECOVERABLE, uncorrectable_error_status=UR, uncorrectable_error_mask=UR),
                             "only masked")
    assert rec.sections[0].summary.endswith(": its AER status bits are all masked (errors the device does not report)")
    # N4: an Informational mirror broken keeps the redundancy advice; a Recoverable "No error"
    # says the record contradicts itself
    rec, e, text = explained(_record("memory", 3, {"error_type": 11}), "info mirror")
    assert e["advice"][0].startswith("The section reports memory mirroring is broken") and "No action" not in text
    rec, e, text = explained(_record("memory", RECOVERABLE, {"error_type": 1}), "recoverable no error")
    assert e["advice"][0].startswith("The section's error type says “No error” although the record is Recoverable")
    # N7: a masked CXL RAS bit is not named
    plain = _record("cxl-protocol", CORRECTED, {})
    r = decode_record(plain)
    body = r.sections[0].body.offset
    status = r.root.find("section_0.error_log.correctable_error_status").offset - body
    mask = r.root.find("section_0.error_log.correctable_error_mask").offset - body

    def masked(b: bytearray) -> None:
        struct.pack_into("<I", b, status, 1 << 2)
        struct.pack_into("<I", b, mask, 1 << 2)
    rec, e, text = explained(_record("cxl-protocol", CORRECTED, {}, masked), "cxl masked")
    assert "CRC threshold" not in rec.sections[0].summary and "threshold" not in text


def test_a_granularity_mask_shows_the_address_to_its_block():
    # A6-16: physical address 0x12345678 with mask 0xFFFFFFFFFFFFF000 (a 4 KiB granularity) was
    # shown as exact; a mask of the address width (low bits set) changes nothing
    rec, e, text = explained(_record("memory", CORRECTED, {"physical_address": 0x12345678,
                                                           "physical_address_mask": 0xFFFFFFFFFFFFF000}), "mask")
    assert "physical address 0x12345000 (the 4 KiB block its address mask gives)" in e["where"]
    assert "0x12345678" not in e["where"]
    rec, e, text = explained(_record("memory", CORRECTED, {"physical_address": 0x12345678,
                                                           "physical_address_mask": 0x3FFFFFFFFFFF}), "width")
    assert "physical address 0x12345678" in e["where"] and "block" not in e["where"]
