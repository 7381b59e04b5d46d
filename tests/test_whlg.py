"""WHEA_EVENT_LOG_ENTRY ("WhLg") payloads on real Windows entries: the DecodeWheaRecord vectors
and the RawData of a real Kernel-WHEA/Operational .evtx, checked against what Windows shows."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.decode.record import decode_record
from whea_gui.decode.whlg_payloads import PAYLOAD_IDS
from whea_gui.decode.whlg_payloads import PAYLOADS as _PAYLOADS

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
EVTX = VECTORS / "evtx" / "kernel_whea_operational_52events.evtx"


def entry(name: str):
    return decode_record((DWR / name).read_bytes())


def test_aer_not_granted_matches_readme():
    # README: Version 1, Length 32, Type Informational, OwnerTag 541672272, Id AerNotGrantedToOs,
    # Flags LogInternalEtw, PayloadLength 0
    rec = entry("whlg_aer_not_granted_to_os.bin")
    h = rec.header
    assert (h["version"], h["length"], h["type_name"], h["owner_tag"], h["id_name"],
            h["flag_names"], h["payload_length"]) == (1, 32, "Informational", 541672272,
                                                      "AerNotGrantedToOs", ["LogInternalEtw"], 0)
    assert not rec.findings
    assert "AER" in rec.summary and "firmware" in rec.summary


def test_required_payloads_are_registered():
    for entry_id in (0x80000002, 0x8000000C, 0x80000018, 0x8000001B, 0x80000031, 0x80000021,
                     0x8000000A, 0x80000013, 0x80000014):
        assert entry_id in _PAYLOADS and entry_id in PAYLOAD_IDS, hex(entry_id)


@pytest.mark.parametrize("name,expect", [
    ("whlg_cmci_restart.bin", {"cmci_restore_attempts": 1, "max_cmci_restore_limit": 3000,
                               "max_corrected_errors_found": 0, "max_corrected_error_limit": 20000}),
    ("whlg_edpc_enabled.bin", {"edpc_enabled": True, "edpc_recov_enabled": False}),
    ("whlg_osc_capabilities.bin", {"osc_implemented": True, "debug_checked": False}),
    ("whlg_osc_capabilities_old_2024-07-06.bin", {"osc_implemented": False, "debug_checked": True}),
    ("whlg_generic_err_mem_map.bin", {"map_reason": "Error_Status_block_register",
                                      "physical_address": 0x63547018, "length": 4096}),
])
def test_small_payloads(name, expect):
    rec = entry(name)
    payload = rec.header["payload"]
    assert {k: payload[k] for k in expect} == expect
    assert not rec.findings
    node = rec.root.find("payload")
    assert node.offset == 32 and node.length == rec.header["payload_length"]
    assert all(32 <= c.offset and c.offset + c.length <= rec.header["length"] for c in node.walk())


def test_process_einj_and_hest():
    einj = entry("whlg_process_einj.bin").header["payload"]
    assert einj["error"] == "" and einj["injection_action_table_valid"] is True
    assert einj["begin_injection_instruction_count"] == 1  # 0x00000001 at payload offset 33
    hest = entry("whlg_process_hest.bin")
    p = hest.header["payload"]
    assert p["entry_type"] == "GENERIC_V1" and p["hest_valid"] is True
    assert p["generic_v1_count"] == 2 and p["mce_count"] == 0
    assert "GHES 2/0" in hest.summary


def test_wheainit_error_sources_match_dwr_test_comment():
    # DWR test comments: DeviceDriver, XpfMce, XpfCmc, XpfNmi, BOOT (no sub-descriptor)
    # [+ GenericError (v1) with NMI notification, GenericError (v1) with Polled notification]
    one = entry("whlg_wheainit_1.bin").header["payload"]["error_sources"]
    assert [s["type_name"] for s in one] == ["DeviceDriver", "MCE", "CMC", "NMI", "BOOT"]
    two = entry("whlg_wheainit_2.bin").header["payload"]["error_sources"]
    assert [s["type_name"] for s in two] == ["DeviceDriver", "MCE", "CMC", "NMI", "BOOT",
                                             "Generic", "Generic"]
    infos = [s["descriptor"]["info"] for s in two]
    assert [i.get("descriptor_type_name") for i in infos[1:4]] == ["XpfMce", "XpfCmc", "XpfNmi"]
    assert infos[4] == {"descriptor_type": None}  # BOOT: no published descriptor
    assert [i["notify"]["type_name"] for i in infos[5:]] == ["NMI", "Polled"]
    assert len(infos[1]["banks"]) == infos[1]["number_of_banks"]
    assert all(s["descriptor"]["length"] == 972 and s["pool_tag"] == "Whea" for s in two)


def test_add_remove_error_source():
    rec = entry("whlg_add_remove_error_source.bin")
    p = rec.header["payload"]
    d = p["descriptor"]
    assert d["type_name"] == "DeviceDriver" and d["length"] == 972
    assert d["info"]["creator_id"] == d["info"]["source_guid"]
    assert p["is_remove"] is False and p["status"] == 0
    assert not rec.findings and "Added DeviceDriver" in rec.summary


def evtx_entries():
    """Every record's EventData. The file header is dirty and counts 2 chunks; a third chunk
    (records 50–52) follows, so walk the 64 KiB chunks by their signature."""
    from Evtx.Evtx import ChunkHeader
    data = EVTX.read_bytes()
    out = []
    for off in range(4096, len(data), 0x10000):
        if data[off:off + 8] != b"ElfChnk\0":
            break
        for r in ChunkHeader(data, off).records():
            d = dict(re.findall(r'<Data Name="(\w+)">([^<]*)</Data>', r.xml()))
            if d.get("RawData"):
                out.append(d)
    return out


def test_evtx_rawdata_matches_windows_eventdata():
    entries = evtx_entries()
    assert len(entries) == 47  # README: 47 Event 42 entries with RawData
    ids = set()
    for d in entries:
        rec = decode_record(base64.b64decode(d["RawData"]))
        h = rec.header
        assert (h["type"], h["owner_tag"], h["id"], h["flags"], h["length"]) == (
            int(d["Type"]), int(d["Owner"]), int(d["Id"]), int(d["Flags"]), int(d["Length"]))
        assert "payload" in h and not [f for f in rec.findings if f.level == "error"], rec.findings
        ids.add(h["id_name"])
    assert ids == {"WheaInit", "AddRemoveErrorSource", "OscCapabilities", "ProcessEINJ",
                   "ProcessHEST"}


@settings(max_examples=200, deadline=None)
@given(entry_id=st.sampled_from(PAYLOAD_IDS), payload=st.binary(max_size=2200))
def test_mutated_payloads_never_raise(entry_id, payload):
    data = b"WhLg" + struct.pack("<IIIIIII", 1, 32 + len(payload), 0, 0x4C4E524B, entry_id, 2,
                                 len(payload)) + payload
    rec = decode_record(data)
    assert not [x for x in rec.findings if x.code in ("decoder-failed", "internal")], rec.findings
    for x in rec.findings:
        assert 0 <= x.offset and x.offset + x.length <= len(data)
    for n in rec.root.walk():
        assert n.offset + n.length <= len(data)
    assert rec.summary


def test_newer_entry_ids_are_named_before_any_payload_is_decoded():
    """The record list names entry ids from one table; the newer WDK ids used to be added to it
    only when whlg_payloads was first imported (on the first WhLg decode)."""
    import subprocess
    import sys
    code = ("import sys; from whea_gui.decode.whlg_ids import ENTRY_IDS; "
            "assert 'whea_gui.decode.whlg_payloads' not in sys.modules; "
            "print(ENTRY_IDS[0x80000075], ENTRY_IDS[0x80040010])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["ErrorRecordFull", "PshedPiTraceLog"]
    from whea_gui.decode import whlg
    from whea_gui.decode.whlg_ids import ENTRY_IDS
    from whea_gui.session import recordset
    assert whlg.ENTRY_IDS is ENTRY_IDS and recordset.ENTRY_IDS is ENTRY_IDS
    # the record list's type column names them (it used to show 0x80000075 until a decode)
    assert recordset.type_key_name((f"whlg:{0x80000075}:0",)) == "Event ErrorRecordFull"


def test_a_cut_wheainit_entry_does_not_say_zero_error_sources():
    # recheck 6, N6-12: a WheaInit entry cut inside its payload said "initialised with 0 error
    # source(s): none"; the payload length says how many it holds, the cut how many are here
    from whea_gui.sources import iter_path
    whole = next(r.data for r in iter_path(EVTX) if r.data[:4] == b"WhLg"
                 and decode_record(r.data).header["id_name"] == "WheaInit")
    rec = decode_record(whole)
    assert rec.header["payload_length"] == 9648 and len(rec.header["payload"]["error_sources"]) == 9
    assert rec.summary.endswith("initialised with 9 error source(s): PCIe, PCIe, PCIe, DeviceDriver, "
                                "DeviceDriver, MCE, CMC, NMI, BOOT")
    cut = decode_record(whole[:32 + 50])
    assert "0 error source" not in cut.summary
    assert cut.summary.endswith("the entry is cut short: its payload length (9648 bytes) makes 9 error "
                                "source(s), none of them present")
    assert "truncated" in [f.code for f in cut.findings]
    eight = decode_record(whole[:-100])
    assert eight.summary.endswith("makes 9 error source(s), 8 of them present: PCIe, PCIe, PCIe, "
                                  "DeviceDriver, DeviceDriver, MCE, CMC, NMI")
