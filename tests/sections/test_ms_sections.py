"""The smaller Microsoft sections (FORMAT.md §8.3, §8.5–8.17) on real and crafted bodies."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from _ms_build import DWR, build_record, node_ranges_ok
except ImportError:  # pragma: no cover
    from tests.sections._ms_build import DWR, build_record, node_ranges_ok

from whea_gui.core import guids
from whea_gui.core.sections import decoder_for
from whea_gui.decode.record import decode_record

G = {
    "recovery": "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc", "pci_recovery": "dd060800-f6e1-4204-ac27-c4bca9568402",
    "nmi": "e71254e7-c1b9-4940-ab76-909703a4320f", "msr": "1c15b445-9b06-4667-ac25-33c056b88803",
    "mu": "85183a8b-9c41-429c-939c-5c3c087ca280", "mem_sum": "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017",
    "pcie_sum": "e96eca99-53e2-4f52-9be7-d2dbe9508ed0", "pmem": "81687003-dbfd-4728-9ffd-f0904f97597d",
    "range": "cc245308-61d5-4356-a707-25172ec2f5ea", "dpc": "ec49534b-30e7-4358-972f-eca6958fae3b",
    "sea": "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1", "sei": "f2a4a152-9c6d-4020-aecf-7695b389251b",
    "ext_ras": "c6749ac0-16fb-4868-b976-65a61299834f",
    "memext_intel": "e16edb28-6113-4263-a41d-e53f8de78751",
    "memext_amd": "0d3a4a3b-774a-4c72-95e2-152d43180374",
    "xpf_mca": "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8", "generic": "e71254e8-c1b9-4940-ab76-909703a4320f",
    "packet": "e71254e9-c1b9-4940-ab76-909703a4320f",
}


def one(guid: str, body: bytes, **kw):
    rec = decode_record(build_record([(guid, body)], **kw))
    return rec, rec.sections[0]


@pytest.mark.parametrize("name,offset", [("cper_mce_fatal_amd_xpfmca_v3.bin", 980),
                                         ("cper_cmci_amd_zen4_xpfmca_v4.bin", 2024),
                                         ("cper_cmci_intel_xpfmca_v4_memext.bin", 1952)])
def test_recovery_info_on_real_records(name, offset):
    rec = decode_record((DWR / name).read_bytes())
    [sec] = [s for s in rec.sections if s.type_guid == G["recovery"]]
    assert sec.values["offset"] == offset and sec.values["length"] == 39
    assert sec.values["severity_name"] == "Informational"
    f = sec.fields
    # byte 1 (RecoveryAction, u64) holds 0x01 = NoneAttempted; byte 13 (IRQL) 0xFF
    assert f["recovery_action_names"] == ["none_attempted"]
    assert f["irql"] == rec.data[offset + 13] == 0xFF
    assert f["recovery_succeeded"] is False and f["process_name"] == ""
    assert "no recovery was attempted" in sec.summary
    assert sec.body.find("process_name").offset == offset + 19


def test_recovery_info_crafted_success():
    body = (b"\x01" + struct.pack("<Q", 0b1010) + struct.pack("<I", 1) + b"\x02\x01"
            + struct.pack("<I", 0) + b"chrome.exe".ljust(20, b"\0"))
    rec, sec = one(G["recovery"], body)
    assert sec.fields["recovery_action_names"] == ["terminate_process", "mark_page_bad"]
    assert "succeeded" in sec.summary and "chrome.exe" in sec.summary
    rec, sec = one(G["recovery"], body[:10])
    assert any(x.code == "body-truncated" for x in rec.findings)


def test_memory_error_ext_intel_on_real_record():
    # README: section 4 at 1991, 166 bytes, "MSFT Memory Error Ext (Intel)"
    rec = decode_record((DWR / "cper_cmci_intel_xpfmca_v4_memext.bin").read_bytes())
    sec = rec.sections[4]
    assert sec.values["offset"] == 1991 and sec.values["length"] == 166
    f = sec.fields
    assert f["flag_names"] == ["translation_by_prm_failed"] and f["valid_bits"] == 0
    # ValidBits 0: every address field is there, null (issue #17: not valid is null, not missing)
    hw = f["hardware_address"]
    assert hw and set(hw.values()) == {None} and "row" in hw and sec.location == {}
    assert sec.component == "memory" and "no location fields valid" in sec.summary
    row = sec.body.find("hardware_address.row")
    assert row.offset == 1991 + 16 + 55 and row.valid is False
    assert sec.body.find("reserved").offset == 1991 + 126


def test_memory_error_ext_amd_valid_bits_select_fields():
    addr = (struct.pack("<QQQ", 0x1234_5000, 0x5000, 7) + bytes([1, 2, 3, 4])
            + struct.pack("<IH", 0x4321, 0x3F) + bytes([1, 1, 5]))
    body = struct.pack("<QQ", 1, (1 << 0) | (1 << 3) | (1 << 7) | (1 << 11)) + addr + bytes(80)
    rec, sec = one(G["memext_amd"], body)
    hw = sec.fields["hardware_address"]
    assert {k: v for k, v in hw.items() if v is not None} == {
        "system_physical_address": 0x1234_5000, "socket_number": 1, "row_address": 0x4321,
        "channel_id": 5}
    assert len(hw) == 12 and hw["normalized_address"] is None  # the other eight: null
    assert sec.location == {"physical_address": 0x1234_5000, "socket": 1, "channel": 5, "row": 0x4321}
    assert not rec.findings


def test_nmi_pci_recovery_msr_and_telemetry():
    rec, sec = one(G["nmi"], bytes([0x80]) + bytes(7) + struct.pack("<I", 0))
    assert sec.fields == {"data": "8000000000000000", "flags": 0, "hypervisor_error": False}
    rec, sec = one(G["pci_recovery"], bytes([2, 1, 9]))
    assert sec.fields["signal_type_name"] == "DPC" and sec.fields["recovery_status_name"] == "Failed recovery"
    assert sec.component == "pcie" and "attempted" in sec.summary
    rec, sec = one(G["msr"], b"\x01" + struct.pack("<I", 6) + b"abcdef" + b"\0\0")
    assert sec.fields["msr_dump_data"] == b"abcdef".hex()
    assert any(x.code == "extra-bytes" for x in rec.findings)
    rec, sec = one(G["msr"], b"\x01" + struct.pack("<I", 600) + b"abc")
    assert any(x.code == "count" for x in rec.findings)
    comp = "3b6686bd-0d76-4030-b70e-b5519e2fc5a0"
    body = guids.guid_bytes(comp) + bytes(16) + struct.pack("<IIQQ", 0, 0x03021005, 1, 2)
    rec, sec = one(G["mu"], body)
    assert sec.fields["component_id"] == comp
    assert sec.fields["status_code"] == {"class": 3, "class_name": "Software", "subclass": 2,
                                         "operation": 0x1005}
    assert sec.component == "firmware" and sec.location == {"firmware_component": comp}


def test_memory_correctable_summary():
    entries = b"".join(struct.pack("<QIIII", 0xF, s, c, d, n)
                       for s, c, d, n in [(0, 1, 0, 3), (1, 2, 1, 40), (0, 0, 0, 0)])
    rec, sec = one(G["mem_sum"], struct.pack("<HH", 1, 3) + entries)
    assert [e["correctable_error_count"] for e in sec.fields["entries"]] == [3, 40, 0]
    assert sec.location == {"socket": 1, "channel": 2, "dimm_slot": 1}
    assert "43 errors" in sec.summary
    rec, sec = one(G["mem_sum"], struct.pack("<HH", 1, 9) + entries)  # count beyond the body
    assert any(x.code == "count" for x in rec.findings) and len(sec.fields["entries"]) == 3


def test_pcie_correctable_summary():
    counts = [0] * 32
    counts[0], counts[6] = 5, 2
    dev = struct.pack("<QIIIII", 0x3F, 0, 3, 0, 1, 0) + struct.pack("<32I", *counts)
    rec, sec = one(G["pcie_sum"], struct.pack("<HH", 1, 1) + dev)
    d = sec.fields["devices"][0]
    assert d["address"] == "0000:03:00.1" and d["total"] == 7
    assert sec.location == {"segment": 0, "bus": 3, "device": 0, "function": 1}
    assert "Receiver Error ×5" in sec.summary and "Bad TLP ×2" in sec.summary
    node = sec.body.find("device_0.correctable_error_count.bit_6")
    assert node.value == 2 and node.offset == sec.values["offset"] + 4 + 28 + 24


def test_pcie_summary_counts_distinct_devices():
    """Two entries for one device are one device (audit F7: "2 device(s)" for 0000:5D:02.0 twice);
    its counters add up for "most on"."""
    def entry(bus, dev, fn, receiver, bad_tlp):
        counts = [0] * 32
        counts[0], counts[6] = receiver, bad_tlp
        return struct.pack("<QIIIII", 0x3F, 0, bus, dev, fn, 0) + struct.pack("<32I", *counts)
    body = struct.pack("<HH", 1, 3) + entry(0x5D, 2, 0, 5, 1) + entry(0x5D, 2, 0, 3, 2) + entry(0x17, 0, 0, 6, 0)
    rec, sec = one(G["pcie_sum"], body)
    assert [d["address"] for d in sec.fields["devices"]] == ["0000:5D:02.0", "0000:5D:02.0", "0000:17:00.0"]
    assert sec.summary.startswith("Corrected PCIe error summary: 2 device(s) in 3 entries; most on 0000:5D:02.0 (11: ")
    assert "Receiver Error ×8" in sec.summary and "Bad TLP ×3" in sec.summary
    assert "3 device(s)" not in sec.summary
    assert sec.location == {"segment": 0, "bus": 0x5D, "device": 2, "function": 0}
    single = one(G["pcie_sum"], struct.pack("<HH", 1, 1) + entry(0x5D, 2, 0, 5, 1))[1]
    assert "1 device(s); most on" in single.summary and "entries" not in single.summary


def test_pmem_and_memory_range():
    body = (struct.pack("<Q", 7) + b"NVDIMM-A1".ljust(64, b"\0") + struct.pack("<Q", 26 << 8)
            + struct.pack("<II", 0x11, 2) + struct.pack("<QQQ", 0x1000, 4, 1)
            + struct.pack("<QQQ", 0x2000, 1, 0))
    rec, sec = one(G["pmem"], body)
    assert sec.location == {"module": "NVDIMM-A1", "nfit_handle": 0x11, "physical_address": 0x1000 << 12}
    assert "poisoned data error" in sec.summary and "2 bad page range" in sec.summary
    dev = struct.pack("<HHBBBHHB", 0x8086, 0x0D93, 1, 0, 0x3A, 0, 0, 0) + struct.pack("<Q", 99)
    body = (struct.pack("<QI", 0x1F, 1) + dev + bytes(72 - len(dev)) + struct.pack("<BBH", 0, 0, 1)
            + struct.pack("<QQ", 0x8000_0000, 4096))
    rec, sec = one(G["range"], body)
    assert sec.fields["device"]["address"] == "0000:3A:00.1"
    assert sec.location["physical_address"] == 0x8000_0000 and sec.location["bus"] == 0x3A
    assert not rec.findings
    assert sec.summary == "Memory range error on CXL device 0000:3A:00.1: 1 range(s), first 0x80000000 (+4096 bytes)"


def test_memory_range_with_an_impossible_cxl_device_address():
    dev = struct.pack("<HHBBBHHB", 0x8086, 0x0D93, 0xF1, 0x2F, 0x3A, 0, 0, 0) + struct.pack("<Q", 99)
    body = (struct.pack("<QI", 0x1F, 1) + dev + bytes(72 - len(dev)) + struct.pack("<BBH", 0, 0, 1)
            + struct.pack("<QQ", 0x8000_0000, 4096))
    rec, sec = one(G["range"], body)
    found = [f for f in rec.findings if f.code == "pci-address-range"]
    assert len(found) == 1 and found[0].level == "warning"
    assert "device 47 is above 31 and function 241 is above 7" in found[0].message
    assert found[0].offset == rec.sections[0].body.offset + 12 + 4 and found[0].length == 2
    assert sec.fields["device"]["address"] == "0000:3A:2F.F1"  # the JSON value as it is
    assert ("on CXL device 0000:3A:2F.F1 (impossible PCI address: device 47 is above 31 and "
            "function 241 is above 7)") in sec.summary


def test_dpc_sea_sei_and_extended_ras():
    body = (struct.pack("<I", 0x1001D) + struct.pack("<HHHH", 0, 0, 0b101, 0x0310)
            + bytes(68 - 12))
    rec, sec = one(G["dpc"], body)
    assert sec.fields["triggered"] and sec.fields["trigger_reason"] == "ERR_FATAL received"
    assert sec.location == {"bus": 3, "device": 2, "function": 0}
    rec, sec = one(G["sea"], struct.pack("<IQQB", 0x25 << 26, 0xDEAD000, 0, 1))
    assert sec.fields["exception_class_name"] == "data abort (same EL)"
    assert "FAR 0xDEAD000" in sec.summary and "kernel" in sec.summary
    rec, sec = one(G["sei"], struct.pack("<IQ", 0x2F << 26, 0))
    assert sec.fields["exception_class"] == 0x2F
    rec, sec = one(G["ext_ras"], struct.pack("<IIQ", 1, 2, 16) + struct.pack("<QQ", 5, 6))
    assert sec.fields["section_data"] == [5, 6]


# Every Microsoft decoder: truncated/mutated bodies give findings with in-range byte ranges and a
# partial tree, never an exception.
MS_GUIDS = sorted(G.values())


def test_every_ms_guid_has_a_decoder_and_a_name():
    for g in MS_GUIDS:
        assert decoder_for(g) is not None, g
        assert guids.name_of(g, "section") != "Unknown", g


@settings(max_examples=300, deadline=None)
@given(guid=st.sampled_from(MS_GUIDS), body=st.binary(min_size=1, max_size=600))
def test_mutated_bodies_never_raise(guid, body):
    rec = decode_record(build_record([(guid, body)]))
    assert not [x for x in rec.findings if x.code in ("decoder-failed", "internal")], rec.findings
    for x in rec.findings:
        assert 0 <= x.offset and x.offset + x.length <= len(rec.data), x
    sec = rec.sections[0]
    assert sec.fields is not None
    assert node_ranges_ok(sec.body, sec.values["offset"], len(rec.data))
    assert isinstance(sec.summary, str) and sec.summary


@settings(max_examples=150, deadline=None)
@given(guid=st.sampled_from(MS_GUIDS), cut=st.integers(1, 200))
def test_truncated_real_sized_bodies(guid, cut):
    body = bytes(range(256)) * 10
    rec = decode_record(build_record([(guid, body[:cut])]))
    assert not [x for x in rec.findings if x.code in ("decoder-failed", "internal")]
    assert rec.sections[0].body.children  # a partial tree: at least the bytes as a node
