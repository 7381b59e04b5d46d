"""Issue #13 "Say only what is true": each false statement users found, on real bytes.

Each test failed before the explanation was rebuilt from typed facts (explain/ package).
"""

from __future__ import annotations

import random
import re

from tests.vectorlib import VECTORS
from whea_gui.compose.bodies import catalog
from whea_gui.compose.generate import generate_timeline
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

MEMORY2 = "61ec04fc-48e6-d813-25c9-8daa44750b12"
PCIE = "d995e954-bbc1-430f-ad91-b44dcb3c6f35"


def _record(parts, *, severity=2, flags=0, set_severity=False) -> bytes:
    return assemble(make_header(severity=severity, flags=flags), parts, set_severity=set_severity)


def _body(key: str, seed: int = 0, severity: int = 2) -> bytes:
    return catalog.find(key).pack(random.Random(seed), severity, {})


def _everything(e: dict) -> str:
    return " ".join([e["headline"], e["where"], e["detail"]] + e["advice"] + e["caveats"])


def test_memory2_dram_device_is_not_a_pci_device():
    for seed in range(20):
        for kind in ("memory2", "memory"):
            g = generate_timeline([kind], 1, seed=seed)[0]
            e = explain_record(decode_record(g.data))
            assert e["component"] == "memory"
            assert "PCI" not in e["headline"] and "PCI" not in e["where"], e["headline"]
            if re.search(r"\bdevice\b", e["where"]):
                assert re.search(r"DRAM device \d+\b", e["where"])


def test_row_column_rank_have_one_number_base():
    shown: dict[str, set[str]] = {}
    for seed in range(30):
        for kind in ("memory", "memory2", "generic-error"):
            g = generate_timeline([kind], 1, seed=seed)[0]
            e = explain_record(decode_record(g.data))
            for label, value in re.findall(r"\b(row|column|rank|bank) (0x[0-9A-Fa-f]+|\d+)", _everything(e)):
                shown.setdefault(label, set()).add("hex" if value.startswith("0x") else "dec")
    assert shown.get("row") == {"dec"} and shown.get("column") == {"dec"}, shown
    assert all(v == {"dec"} for v in shown.values()), shown


def test_no_location_means_no_location_advice():
    # a fatal PCIe error whose validation bits are all clear: nothing says which device
    body = bytearray(_body("pcie", severity=1))
    body[:8] = bytes(8)
    e = explain_record(decode_record(_record([SectionPart(make_descriptor(PCIE, severity=1), bytes(body))],
                                             severity=1)))
    assert e["component"] == "pcie" and not e["where"]
    assert not any("location shown" in a or "device at" in a for a in e["advice"]), e["advice"]
    assert any("does not say where" in c for c in e["caveats"])


def test_simulated_record_gets_no_contradicting_advice():
    for key in ("memory", "pcie", "xpf-mca"):
        kind = catalog.find(key)
        part = SectionPart(make_descriptor(kind.guid, severity=1, flags=0x8 | 1), _body(key, severity=1))
        e = explain_record(decode_record(_record([part], severity=1, flags=0b100)))
        assert e["advice"] == ["This error was injected for testing (simulated): no hardware needs attention."]


def test_threshold_exceeded_is_not_no_action():
    for key in ("memory", "xpf-mca", "pcie"):
        kind = catalog.find(key)
        part = SectionPart(make_descriptor(kind.guid, severity=2, flags=0x8 | 1), _body(key))
        e = explain_record(decode_record(_record([part], severity=2)))
        assert any("threshold was exceeded" in a for a in e["advice"]), e["advice"]
        assert not any(a.startswith("No action needed") or "no action needed" in a for a in e["advice"]), \
            e["advice"]


def test_random_bytes_are_not_explained_as_an_error_record():
    rec = decode_record((VECTORS / "malformed" / "m28-random-bytes-400.cper").read_bytes())
    e = explain_record(rec)
    assert e["headline"].startswith("Not a CPER record"), e["headline"]
    assert not e["severity_meaning"] and not e["advice"]
    assert rec.summary == e["headline"]
    rec = decode_record(b"")
    e = explain_record(rec)
    assert not e["advice"] and "error" not in e["headline"].lower()


def test_findings_show_bytes_as_hex_and_ascii():
    rec = decode_record(b"\xc9\x9dnu" + bytes(200))
    msg = next(f.message for f in rec.findings if f.code == "signature")
    assert "C9 9D 6E 75" in msg and '"..nu"' in msg and "b'" not in msg and "\\x" not in msg


def test_a_known_component_outranks_an_all_zero_descriptor():
    nvidia = catalog.find("nvidia")
    parts = [SectionPart(make_descriptor(nvidia.guid, severity=2), _body("nvidia", seed=s)) for s in (1, 2)]
    parts.append(SectionPart(bytes(72), bytes(32)))  # all-zero descriptor: severity 0 (recoverable)
    e = explain_record(decode_record(_record(parts, severity=0)))
    assert "unknown kind" not in e["headline"], e["headline"]
    assert e["component"] == "platform" and "socket" in e["headline"]


def test_pci_bus_error_does_not_invent_a_device_number():
    g = generate_timeline(["pci-bus"], 1, seed=0)[0]
    e = explain_record(decode_record(g.data))
    assert re.search(r"PCI bus [0-9a-f]{4}:[0-9a-f]{2}\b", e["where"]) and ":00.0" not in e["where"]


def test_arm_addresses_are_not_called_mci_addr():
    for key in ("arm-ras", "ms-arm-ras"):
        e = explain_record(decode_record(generate_timeline([key], 1, seed=0)[0].data))
        assert "MCi_ADDR" not in _everything(e)


def test_memory_without_address_is_not_told_to_map_the_address():
    e = explain_record(decode_record(generate_timeline(["error-packet"], 1, seed=0)[0].data))
    assert e["component"] == "memory" and not e["where"]
    assert not any("address" in a for a in e["advice"]), e["advice"]


def test_statements_cite_tree_paths():
    rec = decode_record(generate_timeline(["memory2"], 1, seed=4)[0].data)
    e = explain_record(rec)
    where = next(s for s in e["statements"] if s["kind"] == "where")
    assert "section_0.row" in where["cites"] and "section_0.device" in where["cites"]
    assert e["cites"]["severity_meaning"] == ["header.severity"]
    for s in e["statements"]:
        assert all(rec.root.find(p) is not None for p in s["cites"])


def test_cpu_diagnosis_is_used_when_present():
    # the XPF MCA decoder may add a diagnosis (CPU unit, error, core); the explanation uses it
    g = generate_timeline(["xpf-mca"], 1, seed=0)[0]
    # the diagnosis below names an L2 cache: the record's SMCA IPID must say so too (McaType 2,
    # HardwareID 0xB0), else the unit its IPID names (the generator writes a UMC) wins
    data = bytearray(g.data)
    at = decode_record(g.data).sections[0].body.find("amd_extended_registers.ipid").offset
    data[at:at + 8] = (0x0002_00B0_0000_0000).to_bytes(8, "little")
    rec = decode_record(bytes(data))
    sec = rec.sections[0]
    sec.fields["diagnosis"] = {"vendor": "AMD", "unit": "L2 cache", "error": "data read error",
                               "core": 5, "socket": 1, "channel": None, "bank": 2, "address": None,
                               "scope": "core",  # (an L2 bank is core-local: N9-12)
                               "cites": {"unit": "section_0.amd_extended_registers.ipid",
                                         "error": "section_0.status.mca_error_code"},
                               "undecoded": "model-specific code 0x1B"}
    e = explain_record(rec)
    assert "core 5" in e["where"] and "socket 1" in e["where"] and "L2 cache" in e["where"]
    assert e["detail"] == "Data read error in the L2 cache"
    what = next(s for s in e["statements"] if s["kind"] == "what")
    assert "section_0.status.mca_error_code" in what["cites"]
    assert any("model-specific code 0x1B" in c for c in e["caveats"])
    del sec.fields["diagnosis"]
    assert "core" not in explain_record(rec)["where"]


def test_driver_section_summary_and_location_are_used():
    # a device-driver record whose section decoder names the driver and device
    g = generate_timeline(["extended-ras"], 1, seed=0)[0]
    rec = decode_record(g.data)
    sec = rec.sections[0]
    sec.component, sec.summary = "storage", "stornvme reported a reset of Samsung SSD 980 (status 0xC0000185)"
    sec.location = {"driver": "stornvme", "device_model": "Samsung SSD 980"}
    e = explain_record(rec)
    assert "stornvme" in e["where"] and "Samsung SSD 980" in e["where"]
    assert e["detail"] == sec.summary and "storage" in e["headline"]


# -- issue #13, second round ----------------------------------------------------------------------
def _vector(name: str) -> bytes:
    sub = "libcper-examples" if name.endswith(".cper") else "DecodeWheaRecord"
    return (VECTORS / sub / name).read_bytes()


def test_crashlog_format_guid_is_not_a_location():
    e = explain_record(decode_record(_vector("cper_firmware_boot_3x_fwrecref.bin")))
    text = _everything(e)
    assert "8f87f311" not in text and not e["where"], text
    # the data is in the record: 2560 + 512 + 40 bytes of Intel CrashLog data
    assert "3112 bytes of Intel CrashLog data" in e["detail"]
    assert not any("platform's own error log" in a for a in e["advice"]), e["advice"]
    assert any("give it to the platform vendor" in a for a in e["advice"])
    assert any("firmware update" in a for a in e["advice"])


def _set_u32(data: bytes, offset: int, value: int) -> bytes:
    out = bytearray(data)
    out[offset:offset + 4] = value.to_bytes(4, "little")
    return bytes(out)


def test_amd_unit_never_named_from_registers_not_in_the_record():
    e = explain_record(decode_record(_vector("cper_cmci_amd_xpfmca_v2r2.bin")))
    text = _everything(e)
    assert "PIE" not in text and "Data Fabric" not in text, text
    assert any("MCA_IPID is not in the record" in c for c in e["caveats"]), e["caveats"]
    # an unknown unit is not pinned on a CPU either: the CPU only logged it
    assert "at CPU" not in e["headline"] and "logged by CPU 0" in e["where"]
    assert not any("same processor" in a for a in e["advice"]), e["advice"]


def test_shared_amd_unit_is_not_attributed_to_the_logging_cpu():
    data = _vector("cper_cmci_amd_xpfmca_v2r2.bin")
    rec = decode_record(data)
    [sec] = [
        s for s in rec.sections if isinstance(s.fields, dict) and s.fields.get("diagnosis")]
    e = explain_record(decode_record(_set_u32(data, sec.values["offset"] + 64, 10)))
    assert "PIE" in e["where"] and "CPU 0" not in e["headline"], e["headline"]
    assert not any("same processor" in a or "CPU 0" in a for a in e["advice"]), e["advice"]
    assert any("is shared, not part of one core: CPU 0, APIC ID 0 only logged" in c
               for c in e["caveats"]), e["caveats"]
    # a core-local bank (decode unit) still names the CPU
    e = explain_record(decode_record(_vector("cper_cmci_amd_zen4_xpfmca_v4.bin")))
    assert e["headline"].endswith("at CPU 13, APIC ID 13, AMD MCA bank 3, unit decode unit (DE)")


def test_every_amd_bank_type_has_a_scope():
    from whea_gui.formats import amd_smca
    from whea_gui.formats.mca_diagnosis import Inputs, diagnose
    for (hw, mtype), bt in amd_smca.BANK_TYPES.items():
        d = diagnose(Inputs(vendor=2, bank=5, status=1 << 63, ipid=hw << 32 | mtype << 48))
        want = "core" if bt.part == amd_smca.PARTS["core"] else "shared"
        assert d["scope"] == want, (bt, d["scope"])


def test_driver_reported_severity_claims_no_system_stop():
    for name in ("cper_devicedriver_storport_nullsection.bin", "cper_smoke_test_devicedriver_462b.bin"):
        rec = decode_record(_vector(name))
        assert "device_driver" in rec.header["flag_names"] and rec.header["severity"] == 1
        e = explain_record(rec)
        assert "blue screen" not in e["severity_meaning"] and "stops" not in e["severity_meaning"]
        assert e["severity_meaning"].startswith("Fatal, as the driver reported it")
        # names read from the driver's strings are said to be text from its data, not fields
        assert "device vendor" not in _everything(e)
        assert "named in the driver's data" in e["where"]
    e = explain_record(decode_record(_vector("cper_devicedriver_storport_nullsection.bin")))
    assert "device 'NVMe KINGSTON SFYRD20' and driver 'stornvme' named in the driver's data" in e["where"]


def test_detail_severity_word_is_reconciled_with_the_record():
    # (arm.cper's detail describes its uncorrected structure 1, not the corrected structure 0
    # (audit 7, A7-1); the section's own "Recoverable" still differs from the Fatal record)
    for name, word in (("arm.cper", "recoverable"), ("ia32x64.cper", "corrected")):
        rec = decode_record(_vector(name))
        assert rec.header["severity"] == 1
        e = explain_record(rec)
        assert e["headline"].startswith("Fatal") and re.search(rf"\b{word}\b", e["detail"], re.I)
        assert any(c.startswith("The section's own error information says") and word in c
                   and "marked Fatal" in c for c in e["caveats"]), e["caveats"]
    # a negated word ("non-recoverable") is no severity claim; a matching record needs no caveat
    for name in ("dmarvtd.cper", "cper_memory_1sec_padded.bin"):
        e = explain_record(decode_record(_vector(name)))
        assert not any("own error information" in c for c in e["caveats"]), e["caveats"]


def _with_empty_descriptor_first(data: bytes) -> bytes:
    """A copy with a 72-byte all-zero descriptor inserted before the first one; SectionCount,
    the section offsets and RecordLength follow."""
    out = bytearray(data)
    count = int.from_bytes(out[10:12], "little")
    for i in range(count):
        at = 128 + 72 * i
        out[at:at + 4] = (int.from_bytes(out[at:at + 4], "little") + 72).to_bytes(4, "little")
    out[128:128] = bytes(72)
    out[10:12] = (count + 1).to_bytes(2, "little")
    out[20:24] = (int.from_bytes(out[20:24], "little") + 72).to_bytes(4, "little")
    return bytes(out)


def test_empty_descriptor_contributes_one_note_only():
    plain = explain_record(decode_record(_vector("cper_memory_1sec_padded.bin")))
    rec = decode_record(_with_empty_descriptor_first(_vector("cper_memory_1sec_padded.bin")))
    assert len(rec.sections) == 2 and rec.sections[0].values.get("length") == 0
    e = explain_record(rec)
    assert e["headline"] == plain["headline"] and e["advice"] == plain["advice"]
    assert e["severity_meaning"] == plain["severity_meaning"]
    extra = [c for c in e["caveats"] if c not in plain["caveats"]]
    assert len(extra) == 1 and "descriptor 0 is empty" in extra[0], e["caveats"]
    assert not any("Recoverable" in c or "contradicts" in c for c in e["caveats"])


def test_mcg_cap_and_persist_pfn_say_what_the_record_holds():
    rec = decode_record(_vector("cper_cmci_intel_xpfmca_v4_memext.bin"))
    [sec] = [s for s in rec.sections if isinstance(s.fields, dict) and s.fields.get("diagnosis")]
    assert sec.fields["global_capability"]["value"] == 0 and "persist_pfn" in rec.header["flag_names"]
    e = explain_record(rec)
    text = _everything(e)
    assert "which this record does not show" not in text
    assert "MCG_CAP is recorded as 0" in text
    assert "taken out of use" not in text and "Windows marked" not in text
    assert any(c.startswith("The header flag PersistPfn is set") for c in e["caveats"])
    # with MCG_CAP filled in (bank count 10, bit 11 clear) the caveat says bit 11 is 0
    data = bytearray(_vector("cper_cmci_intel_xpfmca_v4_memext.bin"))
    at = rec.root.find(sec.body.path + ".global_capability").offset
    data[at:at + 8] = (10).to_bytes(8, "little")
    e = explain_record(decode_record(bytes(data)))
    assert "MCG_CAP bit 11 is 0 in this record" in _everything(e)


def test_memory_range_on_a_cxl_device_is_not_ram_to_memtest():
    guid = catalog.find("memory-range").guid
    seen = 0
    for seed in range(10):
        for sev in (1, 2):
            part = SectionPart(make_descriptor(guid, severity=sev), _body("memory-range", seed, sev))
            rec = decode_record(_record([part], severity=sev))
            sec = rec.sections[0]
            if "device" not in sec.fields or sec.fields.get("device_type", 0) != 0:
                continue
            seen += 1
            e = explain_record(rec)
            addr = sec.fields["device"]["address"]
            assert f"CXL memory device {addr}" in e["headline"], e["headline"]
            assert "PCI device" not in _everything(e)
            assert not any("MemTest86" in a or "DIMM" in a for a in e["advice"]), e["advice"]
            if sev == 1:
                assert any(a.startswith("Check the CXL memory device at") for a in e["advice"])
    assert seen


def test_numbers_follow_the_house_style():
    e = explain_record(decode_record(_vector("cxlcomponent-media.cper")))
    text = _everything(e)
    assert "vendor 0xD63E device 0x2196" in e["detail"] and "d63e" not in text
    # function 0xF1 (241) cannot be: never shown as ".f1", said in a caveat
    assert ".f1" not in text and "0fad:9e:0f" in e["where"]
    assert any("PCI function number 241 (0xF1), which cannot be" in c for c in e["caveats"]), e["caveats"]
    # no statement of any shared vector writes hex in lower case after 0x
    for path in sorted(VECTORS.rglob("*")):
        if path.suffix not in (".bin", ".cper") or not path.is_file():
            continue
        e = explain_record(decode_record(path.read_bytes()))
        assert not re.search(r"\b0x[0-9A-F]*[a-f][0-9a-fA-F]*\b", _everything(e)), (path, _everything(e))
