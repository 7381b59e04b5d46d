"""Plain-language explanations (decode/explain.py) on real records and crafted corner cases."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

try:
    from tests.sections._ms_build import build_record
except ImportError:  # pragma: no cover - tests/ not importable as a package
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent / "sections"))
    from _ms_build import build_record

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
XPF_MCA = "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8"


def explain(name: str):
    rec = decode_record((DWR / name).read_bytes())
    return rec, explain_record(rec)


def test_keys_and_summary_shape():
    rec, e = explain("cper_cmci_amd_zen4_xpfmca_v4.bin")
    assert {"headline", "severity_meaning", "component", "where", "advice", "caveats"} <= set(e)
    assert rec.summary.startswith(e["headline"]) and e["advice"][0] in rec.summary


def test_corrected_amd_cpu_error_names_cpu_and_bank():
    # README (issue #9): corrected CMCI, LocalAPICId 13; the MCA bank is 3 (AMD DE unit)
    _, e = explain("cper_cmci_amd_zen4_xpfmca_v4.bin")
    assert e["severity"] == "corrected" and e["component"] == "cpu"
    assert "Corrected processor (CPU) error" in e["headline"]
    assert "APIC ID 13" in e["headline"] and "MCA bank 3" in e["headline"]
    assert "corrected" in e["severity_meaning"].lower()
    assert any("repeats" in a for a in e["advice"])


def test_fatal_cpu_mce_advice_and_caveats():
    # README (issue #6): Fatal, NotifyType MCE, Flags PreviousError; XPF MCA v3 on AMD
    _, e = explain("cper_mce_fatal_amd_xpfmca_v3.bin")
    assert e["headline"].startswith("Fatal processor (CPU) error")
    assert "CPU 11" in e["where"] and "MCA bank 0" in e["where"]
    assert any("microcode" in a for a in e["advice"])
    assert any("same processor (CPU 11" in a and "vendor" in a for a in e["advice"])
    assert any("before the last restart" in c for c in e["caveats"])  # PreviousError
    assert any("context was corrupt" in c for c in e["caveats"])  # PCC
    assert "stops" in e["severity_meaning"]


def test_intel_record_with_empty_memory_sections_says_what_it_cannot_tell():
    _, e = explain("cper_cmci_intel_xpfmca_v4_memext.bin")
    assert "MCi_ADDR 0x1F807B7EF8A18" in e["where"]
    assert any("PersistPfn" in c for c in e["caveats"])
    # the Intel memory-extension section (4) has ValidBits 0: no DIMM can be named
    assert any(c.startswith("Section 4") and "cannot tell which memory module" in c
               for c in e["caveats"])


def test_memory_record_points_at_memory():
    _, e = explain("cper_memory_1sec_padded.bin")
    assert e["component"] == "memory" and "memory (RAM)" in e["headline"]
    assert any("DIMM" in a for a in e["advice"])
    assert e["where"] or any("location" in c or "DIMM" in c for c in e["caveats"])


def test_firmware_driver_and_unknown_records():
    _, e = explain("cper_firmware_boot_3x_fwrecref.bin")
    assert e["component"] == "firmware" and "firmware" in e["headline"]
    _, e = explain("cper_devicedriver_storport_nullsection.bin")
    # the Storport body names its miniport driver and the device (decoded since issue #13)
    assert e["component"] == "storage"
    assert "driver 'stornvme'" in e["headline"] and "KINGSTON SFYRD20" in e["headline"]
    assert any("driver" in a for a in e["advice"])
    _, e = explain("cper_boot_rev0101_venhw_section.bin")
    assert e["severity"] == "informational" and "93a41c2f-a09f-e7c2-ac1f-f2488f03eec3" in e["headline"]
    assert e["advice"][0].startswith("No action needed")


def mca_body(status: int, bank: int = 7) -> bytes:
    body = bytearray(292)
    struct.pack_into("<II", body, 0, 3, 1)
    struct.pack_into("<I", body, 36, bank)
    struct.pack_into("<Q", body, 40, status)
    struct.pack_into("<I", body, 68, 42)
    return bytes(body)


def test_simulated_and_threshold_hints():
    body = mca_body((1 << 63) | 0x0135)
    rec = decode_record(build_record([(XPF_MCA, body, 2, 0b1000)], flags=0b100))  # simulated
    e = explain_record(rec)
    assert e["headline"].endswith("(simulated)") and "simulated" in e["advice"][0]
    # injected: the threshold flag is part of the test, so no advice to replace anything
    assert len(e["advice"]) == 1 and not any("threshold" in a for a in e["advice"])
    assert "APIC ID 42" in e["where"] and "Intel MCA bank 7" in e["where"]


def test_memory_controller_machine_check_points_at_dimms():
    rec = decode_record(build_record([(XPF_MCA, mca_body((1 << 63) | (1 << 61) | 0x009F))],
                                     severity=0))
    e = explain_record(rec)
    assert e["severity"] == "recoverable" and "contained" in e["severity_meaning"]
    assert "memory controller" in e["advice"][0]


def test_summaries_give_dimm_and_pcie_locations():
    mem = struct.pack("<HH", 1, 1) + struct.pack("<QIIII", 0xF, 1, 2, 1, 9)
    e = explain_record(decode_record(build_record([("0e36c93e-ca15-4a83-ba8a-cbe80f7f0017", mem)])))
    assert e["component"] == "memory" and "socket 1, channel 2, DIMM slot 1" in e["headline"]
    counts = struct.pack("<32I", *([4] + [0] * 31))
    dev = struct.pack("<HH", 1, 1) + struct.pack("<QIIIII", 0x3F, 0, 0x41, 0, 0, 0) + counts
    e = explain_record(decode_record(build_record([("e96eca99-53e2-4f52-9be7-d2dbe9508ed0", dev)])))
    assert e["component"] == "pcie" and "PCIe device 0000:41:00.0" in e["headline"]


@pytest.mark.parametrize("name", ["m06-truncated-in-section.cper", "m07-truncated-by-1.cper",
                                  "m25-multi-overlapping-sections.cper"])
def test_malformed_records_are_flagged(name):
    rec = decode_record((VECTORS / "malformed" / name).read_bytes())
    e = explain_record(rec)
    assert rec.summary and e["headline"]
    assert any("malformed or truncated" in c for c in e["caveats"]) == rec.has_errors()


def test_whlg_entries_are_explained_as_events():
    rec = decode_record((DWR / "whlg_aer_not_granted_to_os.bin").read_bytes())
    e = explain_record(rec)
    assert e["severity"] == "informational" and "AER" in e["headline"]
    assert any("firmware" in a.lower() for a in e["advice"])
    assert "not a hardware error record" in e["severity_meaning"]
    rec = decode_record((DWR / "whlg_wheainit_1.bin").read_bytes())
    assert "5 error source(s)" in explain_record(rec)["headline"]


def test_libcper_records_get_a_component_even_without_section_decoders():
    for kind, comp in (("pcie", "pcie"), ("memory", "memory"), ("arm", "cpu"), ("dmarvtd", "iommu"),
                       ("cxlprotocol", "cxl"), ("firmware", "firmware")):
        rec = decode_record((VECTORS / "libcper-generated" / kind / "000.cper").read_bytes())
        e = explain_record(rec)
        assert e["component"] == comp, kind
        assert rec.summary.startswith(e["headline"])


def test_generic_error_block_takes_its_component_from_the_entries():
    memory = "a5bc1114-6f64-4ede-b863-3e83ed7c83b1"
    head = (bytes.fromhex("1411bca5646fde4eb8633e83ed7c83b1") + struct.pack("<IHBBI", 2, 0x0201, 0, 1, 80)
            + bytes(36))
    block = struct.pack("<IIIII", 0x12, 0, 0, 64 + 80, 2) + head + bytes(80)
    rec = decode_record(build_record([("e71254e8-c1b9-4940-ab76-909703a4320f", block)]))
    assert rec.sections[0].fields["entries"][0]["type"] == memory
    e = explain_record(rec)
    assert e["component"] == "memory" and "memory (RAM)" in e["headline"]
