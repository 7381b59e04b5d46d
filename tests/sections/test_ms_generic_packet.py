"""GENERIC section / GESB walker (FORMAT.md §8.4, §9) and WHEA_ERROR_PACKET V1/V2 (§8.1)."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from _ms_build import DWR, build_record, node_ranges_ok
except ImportError:  # pragma: no cover
    from tests.sections._ms_build import DWR, build_record, node_ranges_ok

from whea_gui.core import guids
from whea_gui.core.model import DecodedRecord, FieldNode
from whea_gui.decode.record import decode_record
from whea_gui.formats.gesb import block_length, walk_gesb

GENERIC = "e71254e8-c1b9-4940-ab76-909703a4320f"
PACKET = "e71254e9-c1b9-4940-ab76-909703a4320f"
XPF_MCA = "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8"
NMI = "e71254e7-c1b9-4940-ab76-909703a4320f"


def real_mca_body() -> bytes:
    data = (DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes()
    return data[832:832 + 1192]


def entry(guid: str, body: bytes, severity: int = 2, revision: int = 0x0201,
          timestamp: bytes | None = None, vbits: int = 0) -> bytes:
    head = (guids.guid_bytes(guid) + struct.pack("<IHBBI", severity, revision, vbits, 1, len(body))
            + bytes(16) + bytes(20))
    if revision >> 8 >= 3:
        head += timestamp or bytes(8)
    return head + body


def gesb(entries: list[bytes], *, status: int | None = None, severity: int = 2,
         raw: bytes = b"", extra: bytes = b"") -> bytes:
    data = b"".join(entries) + extra
    if status is None:
        status = 2 | (len(entries) << 4)
    raw_off = 20 + len(data) if raw else 0
    return struct.pack("<IIIII", status, raw_off, len(raw), len(data), severity) + data + raw


def test_generic_section_dispatches_entries_through_the_registry():
    nmi_body = bytes(8) + struct.pack("<I", 1)
    ts = bytes([0x30, 0x20, 0x10, 0x01, 0x15, 0x06, 0x24, 0x20])  # BCD 2024-06-15 10:20:30, precise
    block = gesb([entry(XPF_MCA, real_mca_body()),
                  entry(NMI, nmi_body, severity=3, revision=0x0300, timestamp=ts, vbits=4)],
                 raw=b"RAWDATA!")
    rec = decode_record(build_record([(GENERIC, block)]))
    sec = rec.sections[0]
    f = sec.fields
    assert [e["type_name"] for e in f["entries"]] == [
        "IA32/AMD64 Machine Check (Microsoft XPF MCA)", "NMI Error (Microsoft)"]
    mca, nmi = f["entries"]
    assert mca["fields"]["apic_id"] == 13 and mca["component"] == "cpu"
    assert nmi["fields"]["hypervisor_error"] is True and nmi["header_size"] == 72
    assert nmi["timestamp"].startswith("2024-06-15T10:20:30")
    assert f["error_data_entry_count"] == 2 and f["raw_data_length"] == 8
    # the most severe entry with a component speaks for the section
    assert sec.component == "cpu" and sec.location["apic_id"] == 13
    assert "bank 3" in sec.summary
    raw = sec.body.find("error_status_block.raw_data")
    assert raw.value == b"RAWDATA!" and rec.data[raw.offset:raw.offset + 8] == b"RAWDATA!"
    assert not [x for x in rec.findings if x.level == "error"]
    assert node_ranges_ok(sec.body, sec.values["offset"], sec.values["offset"] + len(block))


def test_gesb_walk_checks_like_linux():
    # DataLength 63: smaller than one entry header
    bad = struct.pack("<IIIII", 0x12, 0, 0, 63, 2) + bytes(63)
    rec = decode_record(build_record([(GENERIC, bad)]))
    codes = {x.code for x in rec.findings}
    assert "gesb-data-length" in codes and "gesb-trailing" in codes
    # 10 bytes left after the last entry; entry count field says 3
    block = gesb([entry(NMI, bytes(12))], extra=bytes(10), status=2 | (3 << 4))
    rec = decode_record(build_record([(GENERIC, block)]))
    msgs = [x for x in rec.findings if x.code in ("gesb-trailing", "gesb-entry-count")]
    assert {x.code for x in msgs} == {"gesb-trailing", "gesb-entry-count"}
    trailing = next(x for x in msgs if x.code == "gesb-trailing")
    assert trailing.length == 10 and "Section 0" in trailing.message
    assert len(rec.sections[0].fields["entries"]) == 1
    # an entry whose data runs past DataLength: header decoded, body clipped, error raised
    e = bytearray(entry(NMI, bytes(12)))
    struct.pack_into("<I", e, 24, 500)
    rec = decode_record(build_record([(GENERIC, gesb([bytes(e)]))]))
    assert any(x.code == "gesb-entry-truncated" for x in rec.findings)
    # raw data offset pointing into the data entries
    blk = bytearray(gesb([entry(NMI, bytes(12))], raw=b"xx"))
    struct.pack_into("<I", blk, 4, 30)
    rec = decode_record(build_record([(GENERIC, bytes(blk))]))
    assert any(x.code == "gesb-raw-offset" for x in rec.findings)


def test_walk_gesb_on_a_bare_buffer_as_bert_would():
    buf = gesb([entry(XPF_MCA, real_mca_body(), severity=1)], severity=1) + bytes(16)
    root = FieldNode("bert", "BERT region", None, "", 0, len(buf), kind="record")
    rec = DecodedRecord(buf, "bert", root)
    entries = walk_gesb(buf, 0, len(buf), root, rec)
    assert len(entries) == 1 and entries[0].section.fields["version_number"] == 4
    assert entries[0].body_offset == 20 + 64 and entries[0].body_length == 1192
    assert block_length(buf) == 20 + 64 + 1192
    assert not rec.findings


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 2 ** 32 - 1), st.integers(0, 600))
def test_mutated_gesb_never_raises(tail, status, data_length):
    buf = struct.pack("<IIIII", status, data_length + 20, 0, data_length, 2) + tail
    rec = decode_record(build_record([(GENERIC, buf)]))
    assert not [x for x in rec.findings if x.code in ("decoder-failed", "internal")]
    for x in rec.findings:
        assert 0 <= x.offset and x.offset + x.length <= len(rec.data)
    sec = rec.sections[0]
    assert node_ranges_ok(sec.body, sec.values["offset"], len(rec.data))


def packet_v2(data: bytes, pshed: bytes, *, data_offset: int = 80, error_type: int = 1,
              flags: int = 0) -> bytes:
    head = (b"WHEA" + struct.pack("<IIIIIII", 3, 80 + len(data) + len(pshed), flags, error_type, 2,
                                  7, 1)
            + guids.guid_bytes("2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890")
            + struct.pack("<QIIIIII", 0x1234, 2, 0, data_offset, len(data), 80 + len(data), len(pshed)))
    return head + data + pshed


def test_error_packet_v2():
    body = packet_v2(b"D" * 16, b"P" * 8, flags=0b1001)
    rec = decode_record(build_record([(PACKET, body)]))
    sec = rec.sections[0]
    f = sec.fields
    assert f["signature"] == "WHEA" and f["error_type_name"] == "Memory"
    assert f["error_source_type_name"] == "CMC" and f["notify_type"].startswith("2dce8bb1")
    assert f["flag_names"] == ["previous_error", "simulated"]
    assert sec.body.find("data").value == b"D" * 16
    assert sec.body.find("pshed_data").value == b"P" * 8
    assert sec.component == "memory" and "(simulated)" in sec.summary
    assert not rec.findings
    rec = decode_record(build_record([(PACKET, packet_v2(b"D" * 16, b"", data_offset=88))]))
    assert any(x.code == "packet-data-offset" for x in rec.findings)
    assert any(x.code == "packet-range" for x in rec.findings)  # 88 + 16 > packet length 96


def test_error_packet_v1_union_decoded_by_error_type():
    nmi = bytes(range(8)) + struct.pack("<I", 1)
    union = nmi + bytes(208 - len(nmi))
    head = (b"ErPt" + struct.pack("<III", 0, 280 + 4, 4) + bytes(8) + struct.pack("<Q", 0)
            + struct.pack("<IIIII", 3, 0, 9, 3, 0) + struct.pack("<I", 2) + struct.pack("<Q", 1))
    body = head + union + struct.pack("<II", 6, 0) + b"RAW!"
    rec = decode_record(build_record([(PACKET, body)]))
    f = rec.sections[0].fields
    assert f["signature"] == "ErPt" and f["error_type_name"] == "NMI"
    assert f["error"]["fields"]["hypervisor_error"] is True
    assert rec.sections[0].component == "platform"
    assert rec.sections[0].body.find("raw_data").value == b"RAW!"
    assert not rec.findings


def test_error_packet_bad_signature_and_fuzz():
    rec = decode_record(build_record([(PACKET, b"NOPE" + bytes(100))]))
    assert any(x.code == "packet-signature" for x in rec.findings)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"WHEA", b"ErPt"]), st.binary(max_size=400))
def test_mutated_packets_never_raise(sig, tail):
    rec = decode_record(build_record([(PACKET, sig + tail)]))
    assert not [x for x in rec.findings if x.code in ("decoder-failed", "internal")]
    for x in rec.findings:
        assert 0 <= x.offset and x.offset + x.length <= len(rec.data)
    sec = rec.sections[0]
    assert node_ranges_ok(sec.body, sec.values["offset"], len(rec.data))
