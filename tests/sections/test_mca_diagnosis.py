"""'Which part failed': the XPF MCA diagnosis on real Windows records and generated ones.

Expected values are computed here from the raw register bytes and from the public tables, not
from the decoder's own tables. Sources, cited per value below:
  [IPID]  AMD PPR for Family 17h/19h, MCA_IPID: HardwareID bits 43:32, McaType bits 63:48,
          InstanceId bits 31:0; (HardwareID, McaType) pairs as listed in rasdaemon
          mce-amd-smca.c ``smca_hwid_mcatypes`` and Linux arch/x86/kernel/cpu/mce/amd.c.
  [XEC]   MCA_STATUS bits 21:16; per-bank meanings as in rasdaemon mce-amd-smca.c
          ``smca_*_mce_desc`` (taken there from the same PPRs).
  [CORE]  MCA_STATUS bit 56 ErrCoreIdVal, bits 37:32 ErrCoreId (rasdaemon's Fam17h register map).
  [UMC]   UMC channel = MCA_IPID bits 31:20 (Linux amd64_edac / rasdaemon find_umc_channel);
          chip select = MCA_SYND bits 2:0 when SyndV (bit 53) is set (amd64_edac decode_umc_error).
  [SDM]   Intel SDM vol. 3B §15.3.2.2 (MCi_STATUS) and §16.9 / table 15-9 (compound error
          codes: memory controller 0000 0000 1MMM CCCC, cache 0000 0001 RRRR TTLL).
"""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from _ms_build import DWR, build_record
except ImportError:  # pragma: no cover - when tests/ is a package
    from tests.sections._ms_build import DWR, build_record

from whea_gui.compose.bodies import catalog
from whea_gui.core.model import ERROR
from whea_gui.decode.record import decode_record

XPF_MCA = "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8"
CMCI = "919448b2-3739-4b7f-a8f1-e0062805c2a3"
CMC = "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"


def xpf(rec):
    [sec] = [s for s in rec.sections if s.type_guid == XPF_MCA]
    return sec


def raw_regs(rec, sec) -> dict:
    """The registers straight from the section's bytes (FORMAT.md §8.2 offsets)."""
    b = rec.data[sec.values["offset"]:sec.values["offset"] + sec.values["length"]]
    out = {"bank": struct.unpack_from("<I", b, 36)[0], "status": struct.unpack_from("<Q", b, 40)[0],
           "addr": struct.unpack_from("<Q", b, 48)[0], "apic": struct.unpack_from("<I", b, 68)[0]}
    if len(b) >= 88:
        out["ipid"], out["synd"] = struct.unpack_from("<QQ", b, 72)
    return out


def assert_clean(rec):
    bad = [x for x in rec.findings if x.code in ("decoder-failed", "internal")]
    assert not bad, bad


def assert_cites_resolve(rec, diag):
    """Every claim names a node that exists in the decoded tree."""
    for claim, path in diag["cites"].items():
        assert rec.root.find(path) is not None, (claim, path)


# -- real records ----------------------------------------------------------------------------
# (file, (HardwareID, McaType) expected [IPID], XEC table keywords [XEC], unit keyword)
REAL_AMD = [
    # LS v2 (0xB0, 0x10); XEC 12 = "parity error detected in an LDQ entry" → load queue parity
    ("cper_mce_fatal_amd_xpfmca_v3.bin", (0xB0, 0x10), 12, ("load queue", "parity"), "load-store"),
    # DE (0xB0, 0x3); XEC 1 = "micro-op cache data array parity error"
    ("cper_cmci_amd_zen4_xpfmca_v4.bin", (0xB0, 0x3), 1, ("op cache data", "parity"), "decode"),
]


def _with_register_count(data: bytes, count: int) -> bytes:
    """A copy of a one-XPF-MCA record with ExtendedRegisterCount (section offset 64) set."""
    rec = decode_record(data)
    out = bytearray(data)
    struct.pack_into("<I", out, xpf(rec).values["offset"] + 64, count)
    return bytes(out)


def test_ipid_beyond_extended_register_count_names_no_unit():
    # v2r2: ExtendedRegisterCount is 0, so the IPID slot (0x2E/0x1, PIE) is not in the record
    data = (DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()
    rec = decode_record(data)
    assert_clean(rec)
    sec = xpf(rec)
    assert sec.fields["extended_register_count"] == 0
    d = sec.fields["diagnosis"]
    assert d["unit"] is None and d["scope"] is None and "unit" not in sec.location
    assert "MCA_IPID is not in the record" in d["undecoded"]
    assert sec.fields["amd_extended_registers"]["smca_bank_type"] is None
    # the same bytes with the count covering the registers: the PIE of the Data Fabric, shared
    rec = decode_record(_with_register_count(data, 10))
    d = xpf(rec).fields["diagnosis"]
    assert "PIE" in d["unit"] and "link error" in d["error"] and d["scope"] == "shared"
    assert_cites_resolve(rec, d)


@pytest.mark.parametrize("name,hw_type,xec,error_words,unit_word", REAL_AMD)
def test_real_amd_records_name_unit_error_and_bank(name, hw_type, xec, error_words, unit_word):
    rec = decode_record((DWR / name).read_bytes())
    assert_clean(rec)
    sec = xpf(rec)
    r = raw_regs(rec, sec)
    assert (r["ipid"] >> 32 & 0xFFF, r["ipid"] >> 48 & 0xFFFF) == hw_type  # [IPID]
    assert r["status"] >> 16 & 0x3F == xec  # [XEC]
    d = sec.fields["diagnosis"]
    assert d["vendor"] == "AMD" and d["bank"] == r["bank"] and d["apic_id"] == r["apic"]
    assert d["extended_error_code"] == xec
    assert unit_word in d["unit"]
    assert all(w in d["error"] for w in error_words), d["error"]
    # [CORE]: none of these records has ErrCoreIdVal set, so no core number is claimed
    assert not r["status"] >> 56 & 1 and d["core"] is None
    assert d["socket"] is None and "socket" in d["undecoded"]
    assert d["cites"]["unit"].endswith("amd_extended_registers.ipid")
    assert d["cites"]["error"].endswith("status.extended_error_code")
    assert_cites_resolve(rec, d)
    # the tree: an XEC node located on bits 21:16 of MCi_STATUS, naming the error
    node = rec.root.find(d["cites"]["error"])
    status = sec.body.find("status")
    assert node.value == xec and node.bit_width == 6
    assert (node.offset - status.offset) * 8 + node.bit_offset == 16
    assert error_words[0] in node.display
    diag_node = status.find("diagnosis")
    assert diag_node is not None and error_words[0] in diag_node.display
    # summary and location say it
    assert error_words[0] in sec.summary and unit_word in sec.summary
    assert sec.location["unit"] == d["unit"] and sec.location["bank"] == r["bank"]


def test_real_fatal_amd_core_local_bank_points_at_logging_cpu():
    rec = decode_record((DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes())
    d = xpf(rec).fields["diagnosis"]
    assert d["part"] == "CPU core"
    assert "APIC ID 11" in d["undecoded"]  # the README: the XPF section's APIC ID is 11


def test_real_amd_v2_without_ipid_names_no_unit():
    rec = decode_record((DWR / "cper_cmc_amd_xpfmca_v2r1.bin").read_bytes())
    sec = xpf(rec)
    d = sec.fields["diagnosis"]
    assert d["unit"] is None and "MCA_IPID" in d["undecoded"]
    assert d["error"].startswith("bus/interconnect")  # [SDM] 0x080B: 0000 1PPT RRRR IILL
    assert "unit" not in sec.location


def test_real_intel_record_cache_unit_count_and_model_specific_parts():
    rec = decode_record((DWR / "cper_cmci_intel_xpfmca_v4_memext.bin").read_bytes())
    assert_clean(rec)
    sec = xpf(rec)
    r = raw_regs(rec, sec)
    d = sec.fields["diagnosis"]
    code = r["status"] & 0xFFFF
    assert code & 0xEF00 == 0x0100  # [SDM] cache hierarchy form 0000 0001 RRRR TTLL
    rrrr, tt, ll = code >> 4 & 0xF, code >> 2 & 3, code & 3
    assert (rrrr, tt, ll) == (5, 0, 0)  # IRD, instruction, level 0
    assert d["unit"] == "level-0 instruction cache" and "instruction fetch" in d["error"]
    assert d["bank"] == r["bank"] == 0 and d["apic_id"] == r["apic"] == 3
    # [SDM] ADDRV (bit 58) set: MCi_ADDR is the address
    assert r["status"] >> 58 & 1 and d["address"] == r["addr"]
    # CMCI-notified record: bits 52:38 are the corrected-error count
    assert rec.header["notify_type"] == CMCI
    assert d["corrected_error_count"] == r["status"] >> 38 & 0x7FFF == 1
    # MCG_CAP is 0 in this record: threshold status is not claimed
    assert "threshold_status" not in d and "MCG_TES_P" in d["undecoded"]
    assert f"MSCOD 0x{r['status'] >> 16 & 0xFFFF:04X}" in d["undecoded"]
    assert d["core"] is None and d["channel"] is None
    assert_cites_resolve(rec, d)
    assert "level-0 instruction cache" in sec.summary


# -- generated records: every Zen bank type -----------------------------------------------------
def amd_body(ipid: int, status: int, synd: int = 0, address: int = 0, bank: int = 7,
             apic: int = 9, severity: int = 2) -> bytes:
    regs = struct.pack("<10Q", ipid, synd, 0x25, 0, 0, 0, 0, 0, 0, 0x3) + bytes(112)
    kind = catalog.find("xpf-mca")
    return kind.pack(random.Random(1), severity, {"vendor": "amd", "status": status, "bank": bank,
                                                  "apic_id": apic, "address": address,
                                                  "extended_registers": regs})


VALID_CE = (1 << 63) | (1 << 60)  # VAL, EN
# (HardwareID, McaType, XEC, unit keyword, error keywords) — [IPID] pairs, [XEC] meanings
ZEN_BANKS = [
    (0xB0, 0x0, 0, "load-store", "load queue parity"),
    (0xB0, 0x10, 4, "load-store", "tag"),  # "ECC error or poison bit mismatch ... tag read by a load"
    (0xB0, 0x1, 3, "instruction fetch", "data array parity"),
    (0xB0, 0x2, 2, "L2 cache", "data array ECC"),
    (0xB0, 0x3, 0, "decode", "op cache tag"),
    (0xB0, 0x5, 0, "execution", "watchdog"),
    (0xB0, 0x6, 0, "floating-point", "physical register file parity"),
    (0xB0, 0x7, 4, "L3 cache", "data array ECC"),
    (0x2E, 0x0, 8, "coherent slave", "probe filter ECC"),
    (0x2E, 0x2, 1, "coherent slave", "address violation"),
    (0x2E, 0x1, 5, "PIE", "watchdog"),
    (0x96, 0x0, 0, "memory controller", "DRAM ECC"),
    (0x96, 0x1, 4, "memory controller", "command/address parity"),
    (0x05, 0x0, 0, "parameter block", "ECC"),
    (0xFF, 0x0, 0, "security processor", "PSP RAM"),
    (0x01, 0x0, 0, "system management", "SMU RAM"),
    (0x18, 0x0, 1, "northbridge", "PCIe error"),
]


@pytest.mark.parametrize("hwid,mcatype,xec,unit_word,error_word", ZEN_BANKS)
def test_generated_zen_bank_types(hwid, mcatype, xec, unit_word, error_word):
    ipid = mcatype << 48 | hwid << 32 | 0x0012_3400
    rec = decode_record(build_record([(XPF_MCA, amd_body(ipid, VALID_CE | xec << 16 | 0x0150))]))
    assert_clean(rec)
    d = rec.sections[0].fields["diagnosis"]
    assert unit_word in d["unit"], d["unit"]
    assert error_word in d["error"], d["error"]
    assert d["extended_error_code"] == xec and d["bank"] == 7 and d["apic_id"] == 9
    assert_cites_resolve(rec, d)
    assert not [x for x in rec.findings if x.level == ERROR]


def test_generated_xec_beyond_table_is_left_undecoded():
    ipid = 0x2 << 48 | 0xB0 << 32  # L2: the table has 6 codes
    rec = decode_record(build_record([(XPF_MCA, amd_body(ipid, VALID_CE | 40 << 16))]))
    d = rec.sections[0].fields["diagnosis"]
    assert d["unit"] == "L2 cache" and d["error"] is None
    assert "extended error code 40" in d["undecoded"]
    assert "error" not in d["cites"]


def test_generated_cs_v2_model_dependent_code_is_not_guessed():
    ipid = 0x2 << 48 | 0x2E << 32  # CS v2: code 9 differs on models with Genoa erratum 1384
    rec = decode_record(build_record([(XPF_MCA, amd_body(ipid, VALID_CE | 9 << 16))]))
    d = rec.sections[0].fields["diagnosis"]
    assert d["error"] is None and "erratum 1384" in d["undecoded"]


def test_generated_unknown_ipid_is_said_so():
    ipid = 0x7 << 48 | 0x123 << 32
    rec = decode_record(build_record([(XPF_MCA, amd_body(ipid, VALID_CE | 1 << 16))]))
    d = rec.sections[0].fields["diagnosis"]
    assert d["unit"] is None and "HardwareID 0x123" in d["undecoded"]


def test_generated_l3_error_names_core_from_err_core_id():
    core = 5
    status = VALID_CE | 1 << 56 | core << 32 | 2 << 16 | 0x0136  # [CORE] ErrCoreIdVal, ErrCoreId
    rec = decode_record(build_record([(XPF_MCA, amd_body(0x7 << 48 | 0xB0 << 32, status))]))
    sec = rec.sections[0]
    d = sec.fields["diagnosis"]
    assert d["unit"] == "L3 cache" and "tag ECC" in d["error"] and d["core"] == core
    node = rec.root.find(d["cites"]["core"])
    assert node.value == core and node.bit_width == 6
    assert (node.offset - sec.body.find("status").offset) * 8 + node.bit_offset == 32
    assert sec.location["core"] == core and f"core {core}" in sec.summary


def test_generated_umc_dram_ecc_channel_chip_select_and_normalised_address():
    channel, chip_select, addr = 3, 2, 0x1234_5678
    ipid = 0x96 << 32 | channel << 20 | 0x50F00  # [UMC] channel in IPID bits 31:20
    status = VALID_CE | 1 << 58 | 1 << 53 | 0 << 16 | 0x009F  # ADDRV, SyndV, XEC 0
    synd = 0x5A00_0000 | chip_select  # [UMC] chip select in SYND bits 2:0
    rec = decode_record(build_record([(XPF_MCA, amd_body(ipid, status, synd, 0x3 << 56 | addr))]))
    sec = rec.sections[0]
    d = sec.fields["diagnosis"]
    assert d["channel"] == channel and d["chip_select"] == chip_select
    assert d["address"] == addr  # MCA_ADDR[55:0]: the LSB field in bits 61:56 is dropped
    assert "not a system physical address" in d["address_kind"]
    assert d["part"].startswith("memory (DRAM side")
    assert rec.root.find(d["cites"]["channel"]).value == channel
    assert rec.root.find(d["cites"]["chip_select"]).value == chip_select
    assert sec.location["channel"] == channel and sec.location["unit"] == d["unit"]
    assert "channel 3" in sec.summary and "UMC-normalised address 0x12345678" in sec.summary


def test_generated_umc_sram_error_blames_the_controller_not_the_dimm():
    ipid = 0x96 << 32 | 1 << 20
    rec = decode_record(build_record([(XPF_MCA, amd_body(ipid, VALID_CE | 6 << 16))]))
    d = rec.sections[0].fields["diagnosis"]
    assert "SRAM" in d["error"] and d["part"] == "memory controller (inside the CPU)"
    assert "chip_select" not in d  # only for DRAM ECC errors with SyndV


# -- generated records: Intel memory controller channels ----------------------------------------
def intel_body(status: int, gcap: int = 0x0F000C14, bank: int = 13) -> bytes:
    kind = catalog.find("xpf-mca")
    return kind.pack(random.Random(2), 2, {"vendor": "intel", "status": status, "bank": bank,
                                           "apic_id": 4, "global_capability": gcap})


@pytest.mark.parametrize("mmm,cccc", [(1, 0), (2, 1), (4, 5), (0, 14), (3, 15)])
def test_generated_intel_memory_controller_channel(mmm, cccc):
    code = 0x0080 | mmm << 4 | cccc  # [SDM] 0000 0000 1MMM CCCC
    status = VALID_CE | 1 << 58 | 7 << 38 | 0x0021 << 16 | code
    rec = decode_record(build_record([(XPF_MCA, intel_body(status))], notify=CMC))
    assert_clean(rec)
    sec = rec.sections[0]
    d = sec.fields["diagnosis"]
    assert d["vendor"] == "Intel" and d["unit"] == "integrated memory controller"
    mmm_words = {0: "generic", 1: "memory read", 2: "memory write", 3: "address/command",
                 4: "scrubbing"}
    assert mmm_words[mmm] in d["error"]
    if cccc == 0xF:  # [SDM] 1111 = channel not specified
        assert d["channel"] is None and "CCCC = 0xF" in d["undecoded"]
        assert "channel" not in sec.location
    else:
        assert d["channel"] == cccc and sec.location["channel"] == cccc
        assert rec.root.find(d["cites"]["channel"]).value == cccc
        assert f"channel {cccc}" in sec.summary
    # MCG_CAP 0x0F000C14 has CMCI_P (bit 10) and TES_P (bit 11): count and threshold decoded
    assert d["corrected_error_count"] == 7 and d["threshold_status"].startswith("no tracking")
    assert "MSCOD 0x0021" in d["undecoded"]
    assert_cites_resolve(rec, d)


def test_generated_intel_threshold_yellow_and_no_count_without_cmci():
    status = VALID_CE | 2 << 53 | 9 << 38 | 0x0091
    rec = decode_record(build_record([(XPF_MCA, intel_body(status, gcap=0x800))], notify=CMC))
    d = rec.sections[0].fields["diagnosis"]
    assert d["threshold_status"].startswith("yellow")
    assert "corrected_error_count" not in d and "MCG_CAP[10]" in d["undecoded"]
    assert "threshold exceeded" in rec.sections[0].summary


def test_invalid_bank_diagnoses_nothing():
    rec = decode_record(build_record([(XPF_MCA, intel_body(0x0091))]))
    d = rec.sections[0].fields["diagnosis"]
    assert d["unit"] is None and d["error"] is None and "VAL is clear" in d["undecoded"]


def test_invalid_amd_bank_still_names_its_unit_from_ipid():
    """MCA_IPID identifies the bank's unit whatever MCi_STATUS holds [IPID]: a VAL-clear LS bank
    is the load-store unit of the logging core, not "unit not identified" beside "unit LS"."""
    from whea_gui.decode.explain import explain_record
    ipid = 0x0 << 48 | 0xB0 << 32  # LS
    rec = decode_record(build_record([(XPF_MCA, amd_body(ipid, 1 << 61 | 1 << 57))]))  # UC, PCC; VAL clear
    d = rec.sections[0].fields["diagnosis"]
    assert d["unit"].startswith("load-store unit") and d["scope"] == "core" and d["error"] is None
    assert "VAL is clear" in d["undecoded"] and "extended_error_code" not in d
    assert rec.root.find(d["cites"]["unit"]).value == ipid
    text = " ".join(s["text"] for s in explain_record(rec)["statements"])
    assert "not identified" not in text and "does not identify the bank's unit" not in text
    assert "holds no valid error" in text


def test_generated_umc_poison_is_not_blamed_on_the_dimm():
    rec = decode_record(build_record([(XPF_MCA, amd_body(0x96 << 32, VALID_CE | 1 << 16))]))
    d = rec.sections[0].fields["diagnosis"]
    assert "poison" in d["error"] and "may be elsewhere" in d["part"]


KNOWN_PAIRS = [(0xB0, t) for t in (0, 1, 2, 3, 5, 6, 7, 0x10)] + [
    (0x2E, 0), (0x2E, 1), (0x2E, 2), (0x96, 0), (0x96, 1), (0x01, 0), (0x46, 1), (0x123, 9)]


@settings(max_examples=150, deadline=None)
@given(pair=st.sampled_from(KNOWN_PAIRS), instance=st.integers(0, 0xFFFFFFFF),
       status=st.integers(0, (1 << 64) - 1), synd=st.integers(0, (1 << 64) - 1),
       addr=st.integers(0, (1 << 64) - 1), vendor=st.sampled_from(["amd", "intel"]))
def test_any_register_values_give_a_consistent_diagnosis(pair, instance, status, synd, addr, vendor):
    hwid, mcatype = pair
    if vendor == "amd":
        body = amd_body(mcatype << 48 | hwid << 32 | instance, status, synd, addr)
    else:
        body = intel_body(status)
    rec = decode_record(build_record([(XPF_MCA, body)]))
    assert_clean(rec)
    sec = rec.sections[0]
    d = sec.fields["diagnosis"]
    assert_cites_resolve(rec, d)
    for claim in ("unit", "error", "core", "channel", "address"):
        if d[claim] is not None:  # every claim made is backed by a cited field
            assert claim in d["cites"], claim
    assert isinstance(sec.summary, str) and sec.summary
    assert sec.body.find("status.diagnosis") is not None


def test_diagnosis_node_is_not_editable():
    from whea_gui.ui.edit_delegate import is_editable

    rec = decode_record((DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes())
    status = xpf(rec).body.find("status")
    node = status.find("diagnosis")
    assert node.value is None and "op cache" in node.display
    assert not is_editable(node)
    assert is_editable(status.find("extended_error_code"))  # a real register field stays editable
