"""Arm RAS node sections: libcper's bf32d4d5 node (FORMAT.md §6.18) and Microsoft's
WHEA_ARM_RAS_NODE_SECTION (§8.12).

Deliberate difference from libcper: for IPTypeFormat 2 ("GIC IIDR") libcper prints the PIDR
layout (its switch is one case off); we decode IIDR/AIDR for formats 1 and 2 and PIDR for 3.
"""

import struct
import uuid

import pytest
from procsec_build import check_located, decode_body
from procsec_oracle import compare_record, vector_files
from vectorlib import ids

from whea_gui.formats.sections.arm_ras import GUID, MPAM_PARTID_KEY, MS_GUID

FILES = vector_files("ArmRas")


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_values_match_libcper(path):
    assert compare_record(path, "ArmRas") == []


# ERR_STATUS: V, UE, AV, UET=recoverable (3), SERR 0x12
STATUS = 1 << 30 | 1 << 29 | 1 << 31 | 3 << 20 | 0x12


def node(n_desc, aux_off=0, ctype=0, ip_fmt=0, ip_type_fmt=0, revision=1, desc_off=80):
    ip = struct.pack("<QQ", 0x0000000100000203, 0)
    iptype = struct.pack("<QQQ", 0x410FD0C1, 0, 0)
    return struct.pack("<IB3xIHHBB6x", revision, ctype, n_desc, desc_off, aux_off, ip_fmt,
                       ip_type_fmt) + ip + iptype + b"node-17\0".ljust(16, b"\0")


def syndrome(index, status, rev=0x11, addr=0x8000_4000):
    return struct.pack("<IB3x8Q", index, rev, 1, 2, status, addr, 5, 6, 7, 8)


def aux(contexts, kvps):
    body = b""
    for local, ident, regs in contexts:
        entries = b"".join(struct.pack("<QQ", a, v) for a, v in regs)
        body += struct.pack("<IBBHH6x", 16 + len(entries), local, 0, len(regs), ident) + entries
    kv = b"".join(uuid.UUID(k).bytes_le + struct.pack("<Q", v) for k, v in kvps)
    size = 16 + len(body) + len(kv)
    return struct.pack("<BBHIIHH", 1, 0, len(contexts), size, 16 + len(body), len(kvps), 0) + body + kv


def test_node_with_syndromes_and_aux_data():
    syn = syndrome(0, 0) + syndrome(3, STATUS)
    aux_off = 80 + len(syn)
    body = node(2, aux_off) + syn + aux([(1, 0x44, [(0x1000, 0xAB)]), (0, 0, [(0x2000, 0xCD)])],
                                       [(MPAM_PARTID_KEY, 0x10007)])
    rec, sec = decode_body(body, GUID, severity=0)
    f = sec.fields
    assert f["ip_instance"] == {"mpidr": 0x0000000100000203}
    assert f["ip_type"]["midr"] == 0x410FD0C1 and f["user_data"] == "node-17"
    s = f["error_syndromes"][1]
    assert (s["error_record_index"], s["revision"], s["arch_version"]) == (3, 1, 1)
    st = s["err_status_fields"]
    assert (st["v"], st["ue"], st["uet_name"], st["serr"]) == (True, True, "recoverable", 0x12)
    ctxs = f["aux_data"]["contexts"]
    assert ctxs[0]["address_space_identifier"] == 0x44 and ctxs[1]["address_space_identifier"] is None
    assert ctxs[1]["registers"] == [{"address": 0x2000, "value": 0xCD}]
    kv = f["aux_data"]["key_value_pairs"][0]
    assert (kv["key_name"], kv["mpam_part_id"]) == ("MPAM PARTID", 7)
    assert sec.component == "cpu"
    assert sec.location == {"mpidr": 0x0000000100000203, "error_record_index": 3,
                            "address": 0x80004000}
    assert sec.summary == ("Recoverable RAS error (uncorrected (recoverable)) in Arm RAS processor node "
                           "(MPIDR affinity 1.0.2.3), error record 3, address 0x80004000")
    ue = sec.body.find("error_syndrome_1.err_status.ue")
    assert (ue.offset - sec.body.offset, ue.bit_offset, ue.bit_width) == (80 + 72 + 24 + 3, 5, 1)
    check_located(rec)


def test_misc2_misc3_need_a_ras_extension_revision():
    rec, sec = decode_body(node(1) + syndrome(0, STATUS, rev=0), GUID)
    s = sec.fields["error_syndromes"][0]
    assert s["err_misc1"] == 6 and s["err_misc2"] is None and s["err_misc3"] is None
    assert sec.body.find("error_syndrome_0.err_misc2").valid is False


@pytest.mark.parametrize("fmt,expect", [(1, {"iidr": 0x410FD0C1, "aidr": 0}),
                                        (2, {"iidr": 0x410FD0C1, "aidr": 0}),
                                        (3, {"pidr3": 0xC1, "pidr2": 0xD0, "pidr1": 0x0F,
                                             "pidr0": 0x41, "pidr7": 0, "pidr6": 0, "pidr5": 0,
                                             "pidr4": 0})])
def test_ip_type_formats(fmt, expect):
    rec, sec = decode_body(node(0, ip_type_fmt=fmt), GUID)
    assert sec.fields["ip_type"] == expect


def test_bad_offsets_and_counts_give_findings():
    rec, sec = decode_body(node(3, desc_off=40), GUID)
    assert any(f.code == "arm-ras-offset" for f in rec.findings)
    rec, sec = decode_body(node(4) + syndrome(0, STATUS), GUID)
    over = [f for f in rec.findings if f.code == "count-overrun"]
    assert over and over[0].offset == sec.body.offset + 8
    assert len(sec.fields["error_syndromes"]) == 1
    rec, sec = decode_body(node(1, revision=2) + syndrome(0, 0), GUID)
    assert any(f.code == "arm-ras-revision" for f in rec.findings)
    check_located(rec)


def ms_node(count=8, index=12, iface=1, ntype=1, regs=(1, 2, STATUS, 0x9000, 5, 6, 7, 8)):
    return struct.pack("<IIBB6x", count, index, iface, ntype) + struct.pack(f"<{len(regs)}Q", *regs)


def test_microsoft_arm_ras_node():
    rec, sec = decode_body(ms_node(), MS_GUID, severity=1)
    f = sec.fields
    assert (f["node_index"], f["interface_type_name"], f["aest_node_type_name"]) == (12, "MMIO", "memory")
    assert (f["err_status"], f["err_addr"], f["err_misc3"]) == (STATUS, 0x9000, 8)
    assert f["err_status_fields"]["uet_name"] == "recoverable"
    assert sec.component == "memory"
    assert sec.location == {"node_index": 12, "address": 0x9000}
    assert sec.summary == ("Fatal RAS error (uncorrected (recoverable)) in Arm RAS memory node 12, "
                           "address 0x9000")
    check_located(rec)


def test_microsoft_node_field_count_and_truncation():
    rec, sec = decode_body(ms_node(count=4, regs=(1, 2, STATUS, 4)), MS_GUID)
    assert sec.fields["err_misc0"] is None and sec.fields["err_addr"] == 4
    assert any(f.code == "ms-arm-ras-count" for f in rec.findings)
    rec, sec = decode_body(ms_node()[:36], MS_GUID)
    assert sec.fields["err_ctlr"] == 2 and sec.fields["err_status"] is None
    assert any(f.code == "body-truncated" for f in rec.findings)
    check_located(rec)
