"""The independent audit's findings on what the explanation says (AUDIT_REPORT F1-F10), each on
real bytes: a shared vector changed as the auditor changed it, or a record made by the builder.
Each test asserts the corrected sentence and the absence of the false one."""

from __future__ import annotations

from tests.vectorlib import VECTORS
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record


def _patched(rel: str, patches: dict[int, int]) -> bytes:
    data = bytearray((VECTORS / rel).read_bytes())
    for off, val in patches.items():
        data[off] = val
    return bytes(data)


def _all(e: dict) -> str:
    return " ".join([e["headline"], e["where"], e["detail"], e["severity_meaning"]]
                    + e["advice"] + e["caveats"])


def _explain(data: bytes) -> dict:
    rec = decode_record(data)
    assert not [x for x in rec.findings if x.code in ("internal", "decoder-failed")]
    return explain_record(rec)


# -- F5: AMD IOMMU event-log entries without a DeviceID name no device ------------------------
IOMMU = "libcper-examples/dmariommu.cper"  # event 0xA (event counter zero), threshold flag set


def _iommu(code: int) -> bytes:
    # byte 104: clear the Simulated header flag; byte 239 bits 7:4 = event code (bits 63:60)
    raw = (VECTORS / IOMMU).read_bytes()
    return _patched(IOMMU, {104: 0, 239: (raw[239] & 0x0F) | code << 4})


def test_iommu_command_buffer_events_name_no_device():
    for code in (5, 6):
        e = _explain(_iommu(code))
        text = _all(e)
        assert "requester" not in text and "be:0f.1" not in text.lower(), text
        assert "plan to replace or service the part" not in text
        assert e["location"] == [] or all(p["kind"] != "pci_address" for p in e["location"])
        assert f"IOMMU event 0x{code} names no device: the record identifies no part to replace" in text
        assert f"Event 0x{code} concerns the IOMMU's command buffer" in text
        assert "driver of the device doing DMA" not in text


def test_iommu_event_counter_zero_is_not_a_device_fault():
    e = _explain(_iommu(0xA))
    text = _all(e)
    assert "not a device fault" in e["detail"]
    assert "it is not a fault of a device, and no device needs attention" in text
    assert "be:0f.1" not in text.lower() and "replace" not in text.replace("no part to replace", "")


def test_iommu_device_events_still_name_the_requester():
    for code in (1, 2, 7):
        e = _explain(_iommu(code))
        assert "requester PCI device be:0f.1" in e["where"], e["where"]
        assert "plan to replace or service the part at requester PCI device be:0f.1" in _all(e)


# -- F1 / F9: machine checks from a memory controller, with overflow, of an unidentified unit --
AMD_ZEN4 = "DecodeWheaRecord/cper_cmci_amd_zen4_xpfmca_v4.bin"
# the auditor's amd_umc.bin: MCA_IPID (@904) -> UMC 0x0000009650F00000, bank 16, status changed
AMD_UMC = {868: 0x10, 872: 0x1F, 874: 0x00, 877: 0x40, 879: 0x9C, 905: 0x00, 906: 0xF0,
           907: 0x50, 908: 0x96, 910: 0x00}
INTEL_MEMEXT = "DecodeWheaRecord/cper_cmci_intel_xpfmca_v4_memext.bin"
# the auditor's intel_mc.bin: bank 7, MCi_STATUS 0x9400004000040091 (MCACOD 0x0091: memory read)
INTEL_MC = {796: 0x07, 800: 0x91, 801: 0x00}
CPU_BLAME = "CPU may be degrading"


def test_memory_controller_machine_checks_blame_memory_not_the_cpu():
    for data in (_patched(AMD_ZEN4, AMD_UMC), _patched(INTEL_MEMEXT, INTEL_MC)):
        e = _explain(data)
        text = _all(e)
        assert e["component"] == "cpu"  # the section type is still a machine check
        assert e["component_name"] == "memory (machine check from the memory controller)"
        assert "processor (CPU)" not in e["headline"]
        assert "the memory (DIMMs) on it is the likely cause, not the CPU that logged it" in text
        assert "run a memory test and find the DIMM" in text
        assert CPU_BLAME not in text and "check cooling" not in text
        assert "No action needed for a single event" not in text


def test_overflowed_machine_check_is_not_a_single_event():
    # real record: MCi_STATUS.OVER (bit 62) and the IA32 check info's overflow (bit 29) set;
    # no MCA_IPID, so the bank's unit is unknown
    e = _explain((VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin").read_bytes())
    text = _all(e)
    assert "No action needed for a single event" not in text
    assert "more than one error occurred in this bank before it was read, so this is not a single event" in text
    assert e["component_name"] == "machine check (unit not identified)"
    assert "processor (CPU)" not in e["headline"] and CPU_BLAME not in text
    assert "find which unit the bank belongs to for this CPU model" in text
    # both overflow bits are cited
    over = next(s for s in e["statements"] if "overflow bit is set" in s["text"])
    assert any(c.endswith("status.over") for c in over["cites"]), over["cites"]
    assert any(c.endswith("check_info.overflow") for c in over["cites"]), over["cites"]


def test_a_core_bank_still_speaks_of_the_cpu():
    # real record: SMCA bank 3, decode unit (DE), a core-local unit
    e = _explain((VECTORS / AMD_ZEN4).read_bytes())
    assert e["component_name"] == "processor (CPU)" and "processor (CPU)" in e["headline"]
    assert "No action needed for a single event." in e["advice"]
    assert CPU_BLAME in _all(e) and "memory (DIMMs)" not in _all(e)


# -- F8: the timeline's CPU rule counts only machine checks that happened in a core -----------
def _series(data: bytes, n: int = 20) -> bytes:
    """n copies of one record, a minute apart (BCD minutes @25), each with its own RecordId."""
    out = []
    for i in range(n):
        b = bytearray(data)
        b[25] = (i // 10) << 4 | i % 10
        b[96:104] = (0x1000 + i).to_bytes(8, "little")
        out.append(bytes(b))
    return b"".join(out)


def _timeline(tmp_path, capsys, name: str, data: bytes) -> dict:
    import json

    from whea_gui.cli import main
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["timeline", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_memory_controller_checks_are_not_counted_against_the_logging_cpu(tmp_path, capsys):
    rep = _timeline(tmp_path, capsys, "umc20.bin", _series(_patched(AMD_ZEN4, AMD_UMC)))
    assert rep["records"] == 20
    assert not [c for c in rep["crossings"] if c["rule"] == "CPU"], rep["crossings"]
    # the fault is keyed the way the explanation says it: CPU 13 only logged it
    assert {"location": "cpu:logged-by-apic=13:bank=16", "count": 20} in rep["top_locations"]
    e = _explain(_patched(AMD_ZEN4, AMD_UMC))
    assert "APIC ID 13 only logged the error" in _all(e)


def test_core_bank_checks_still_cross_the_cpu_threshold(tmp_path, capsys):
    rep = _timeline(tmp_path, capsys, "de20.bin", _series((VECTORS / AMD_ZEN4).read_bytes()))
    cpu = [c for c in rep["crossings"] if c["rule"] == "CPU"]
    assert len(cpu) == 1 and cpu[0]["location"] == "cpu:apic=13", rep["crossings"]
    assert {"location": "cpu:apic=13:bank=3", "count": 20} in rep["top_locations"]


def test_window_analysis_and_store_keys_agree_with_the_cli():
    # the window builds its analysis from decoded records (or the store's fault columns, which
    # record_fault_keys fills): the same keys as `whea timeline`
    from whea_gui.index.analysis import from_decoded
    from whea_gui.index.faults import record_fault_keys
    from whea_gui.index.rates import default_rules
    umc = _series(_patched(AMD_ZEN4, AMD_UMC))
    size = len(umc) // 20
    recs = [decode_record(umc[i * size:(i + 1) * size]) for i in range(20)]
    # (counted under Memory, the part the explanation names: test_component_agrees.py)
    assert {record_fault_keys(r) for r in recs} == {
        ("Memory", "cpu:logged-by-apic=13:bank=16", None, None, None)}
    cpu_rule = next(r for r in default_rules() if r.scope == "cpu")
    assert from_decoded(recs).crossings(cpu_rule) == []


# -- F10: an error logged by a root port / switch port / root-complex function ----------------
def _pcie(port: int, severity: int, seed: int = 21) -> dict:
    import random

    from whea_gui.compose.bodies import catalog
    from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
    kind = catalog.find("pcie")
    body = kind.pack(random.Random(seed), severity, {"port_type": port})
    part = SectionPart(make_descriptor(kind.guid, severity=severity), body)
    return _explain(assemble(make_header(severity=severity), [part]))


def test_root_port_error_points_at_the_link_below_not_the_port():
    for severity in (0, 1, 2):
        e = _pcie(4, severity)
        text = _all(e)
        assert "PCIe root port" in e["headline"] and "PCIe device" not in e["where"]
        assert "Reseat or replace the device at" not in text and "reseat the device at" not in text
        assert "the root port is part of the CPU/chipset and cannot be reseated" in text
        sec = next(p for p in e["location"] if p["kind"] == "pci_address")
        bus = int(sec["value"].split(":")[1], 16) + 1  # the builder puts the secondary bus below
        assert f"the link below it, secondary bus {bus} (0x{bus:02X}), is the likely place" in text
        assert "The record does not name the device on that bus" in text


def test_switch_port_and_root_complex_functions_get_no_reseat_advice():
    e = _pcie(6, 0)
    assert "the port belongs to a PCIe switch and is not the device" in _all(e)
    assert "Reseat or replace the device at" not in _all(e)
    for port in (9, 10):
        text = _all(_pcie(port, 0))
        assert "part of the root complex (CPU/chipset) and cannot be reseated" in text
        assert "Reseat or replace" not in text and "secondary bus" not in text


def test_endpoint_keeps_device_advice():
    e = _pcie(0, 0)
    assert any(a.startswith("Reseat or replace the device at PCIe device") for a in e["advice"])


# -- F4a: a section worse than the record header; F4b: a recovery section that killed a process -
NO_DATA_LOST = "no data was lost"


def test_section_worse_than_header_is_followed_and_said():
    # libcper's memory/002: header Corrected (@12), its only section Fatal (@176) with the
    # containment warning flag; byte 104 clears the Simulated flag
    rec = decode_record(_patched("libcper-generated/memory/002.cper", {104: 0}))
    assert any(x.code == "severity-mismatch" for x in rec.findings)  # the finding is kept
    e = explain_record(rec)
    text = _all(e)
    assert NO_DATA_LOST not in text and "No action needed" not in text
    assert e["headline"].startswith("Fatal ") and e["severity"] == "fatal"
    assert e["severity_meaning"].startswith("The record header says Corrected, but section 0 is "
                                            "marked Fatal")
    assert any("the headline and the advice follow the most severe section" in c for c in e["caveats"])
    assert any(a.startswith("Run a thorough memory test") for a in e["advice"])


def _with_recovery(action: int, succeeded: int) -> dict:
    import random

    from whea_gui.compose.bodies import catalog
    from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
    parts = []
    for key, sev, over in (("memory", 2, {}),
                           ("recovery-info", 3, {"recovery_action": action, "recovery_succeeded": succeeded,
                                                 "failure_reason": 0, "process_name": "sqlservr.exe"})):
        kind = catalog.find(key)
        parts.append(SectionPart(make_descriptor(kind.guid, severity=sev),
                                 kind.pack(random.Random(3), sev, dict(over))))
    return _explain(assemble(make_header(severity=2), parts))


def test_terminated_process_is_not_no_data_lost():
    e = _with_recovery(1 << 1, 1)  # TerminateProcess, succeeded
    text = _all(e)
    assert NO_DATA_LOST not in text and "No action needed" not in text
    assert ("but the error recovery section (section 1) says: Windows error recovery succeeded: "
            "TerminateProcess (process sqlservr.exe)") in e["severity_meaning"]
    assert "may have been lost" in e["severity_meaning"]
    assert e["urgency"] == "act"


def test_recovery_without_loss_is_reported_not_alarmed():
    e = _with_recovery(1 << 3, 1)  # MarkPageBad, succeeded: the page was retired
    assert e["urgency"] == "monitor"
    assert any(c.startswith("The error recovery section (section 1) says: Windows error recovery "
                            "succeeded: MarkPageBad") for c in e["caveats"]), e["caveats"]


# -- F2: two memory sections of one record naming different places ----------------------------
def _memory_pair(ext: str, seed: int = 5) -> bytes:
    import random

    from whea_gui.compose.bodies import catalog
    from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
    parts = []
    for i, key in enumerate(("memory", ext)):
        kind = catalog.find(key)
        parts.append(SectionPart(make_descriptor(kind.guid, severity=2, flags=1 if i == 0 else 0),
                                 kind.pack(random.Random(seed + i), 2, {})))
    return assemble(make_header(severity=2), parts)


def test_conflicting_memory_sections_one_rule_for_headline_and_timeline():
    from whea_gui.index.faults import record_fault_keys
    for ext in ("memory-ext-intel", "memory-ext-amd"):
        rec = decode_record(_memory_pair(ext))
        addrs = [s.location.get("physical_address") for s in rec.sections]
        assert addrs[0] != addrs[1], addrs  # the builder's two sections disagree
        assert any(x.code == "memory-address-mismatch" for x in rec.findings)
        e = explain_record(rec)
        # the UEFI Platform Memory section (0) is followed over its contradicting extension (1)
        assert e["cites"]["headline"][1] == "descriptor_0.section_type", e["cites"]["headline"]
        lead, other = 0, 1
        caveat = next(c for c in e["caveats"] if "gives another memory location" in c)
        assert caveat.startswith(f"Section {other} gives another memory location (physical address "
                                 f"0x{addrs[other]:X}) than section {lead} (0x{addrs[lead]:X})")
        assert f"the timeline use section {lead}, the Platform Memory section" in caveat
        # the timeline's page key is the lead section's address, not the other's
        _, key, page, dimm, _ = record_fault_keys(rec)
        assert page.endswith(f"page:0x{addrs[lead] >> 12:X}"), (page, addrs, lead)
        assert key == dimm and "memory:node=" in key  # the Platform Memory section's DIMM
        assert f"physical address 0x{addrs[lead]:X}" in e["where"]
        assert f"0x{addrs[other]:X}" not in e["where"] and f"0x{addrs[other]:X}" not in e["headline"]


# -- F3: CXL General Media / DRAM events are memory-media errors -------------------------------
def _cxl(key: str, severity: int, seed: int = 2) -> dict:
    import random

    from whea_gui.compose.bodies import catalog
    from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
    kind = catalog.find(key)
    part = SectionPart(make_descriptor(kind.guid, severity=severity),
                       kind.pack(random.Random(seed), severity, {}))
    return _explain(assemble(make_header(severity=severity), [part]))


def test_cxl_media_events_get_memory_advice_not_link_advice():
    for key, name in (("cxl-dram", "CXL memory device (DRAM media)"),
                      ("cxl-media", "CXL memory device (media)")):
        for severity in (2, 0):
            e = _cxl(key, severity)
            text = _all(e)
            assert e["component_name"] == name and name in e["headline"]
            assert "link noise" not in text and "reseat" not in text.lower()
            assert "riser" not in text and "cables" not in text
            assert "CXL memory device" in " ".join(e["advice"])
            assert "health and media error log" in " ".join(e["advice"])
    # the other CXL component events (a switch port) keep the device/link advice
    e = _cxl("cxl-pswitch", 2)
    assert e["component_name"] == "CXL device" and "link noise" in " ".join(e["advice"])
