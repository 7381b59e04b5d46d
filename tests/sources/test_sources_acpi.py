"""BERT tables and regions, GHES status blocks, efivarfs HwErrRec variables, pstore files."""

from __future__ import annotations

import os
import struct

import pytest
import sources_helpers as h
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.decode import decode_record, record_to_json
from whea_gui.sources import iter_bytes, iter_path

GEN = h.VECTORS / "libcper-generated"
MEM = (GEN / "memory" / "000.cper").read_bytes()
PCIE = (GEN / "pcie" / "000.cper").read_bytes()
MULTI = (GEN / "multi" / "000.cper").read_bytes()
TS = bytes([0x21, 0x43, 0x15, 0x01, 0x09, 0x11, 0x24, 0x20])  # 2024-11-09 15:43:21 BCD, precise


def _block(record: bytes, *, v3: bool = False, **kw) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    secs = h.cper_sections(record)
    return h.gesb([h.gede(d, b, v3=v3, timestamp=TS) for d, b in secs], **kw), secs


def test_status_block_decodes_like_the_cper_record_it_came_from():
    blk, secs = _block(MULTI)
    rec = decode_record(blk, source={"kind": "gesb"})
    assert rec.kind == "gesb" and not rec.has_errors(), [f.message for f in rec.findings]
    cper = decode_record(MULTI)
    assert len(rec.sections) == len(cper.sections) == len(secs)
    pos = 20
    for g, c, (_d, body) in zip(rec.sections, cper.sections, secs):
        for key in ("type", "type_name", "severity", "flags", "fru_id", "fru_text", "length"):
            assert g.values[key] == c.values[key], key
        assert g.values["offset"] == pos + 64  # the body follows its 64-byte entry header
        assert g.body.offset == pos + 64 and blk[g.body.offset:g.body.end] == body
        assert g.fields == c.fields  # bodies go through the same section decoders
        pos += 64 + len(body)
    assert rec.header["entry_count"] == len(secs) and rec.header["length"] == len(blk)
    assert record_to_json(rec)["kind"] == "gesb"


def test_v300_entries_have_a_located_timestamp():
    blk, _ = _block(MEM, v3=True)
    rec = decode_record(blk, source={"kind": "gesb"})
    assert not rec.has_errors()
    entry = rec.root.find("error_status_block.entry_0")
    assert entry.find("header").length == 72
    ts = entry.find("header.timestamp")
    assert ts.offset == 20 + 64 and ts.length == 8 and ts.display.startswith("2024-11-09 15:43:21")
    assert rec.sections[0].values["timestamp"].startswith("2024-11-09T15:43:21")
    assert rec.sections[0].body.offset == 92 and rec.root.deepest_at(92).path.startswith(
        "error_status_block.entry_0.body")


def test_status_block_problems_are_findings_with_ranges():
    blk, _ = _block(MEM)
    wrong_count = struct.pack("<I", 2 | 3 << 4) + blk[4:]
    rec = decode_record(wrong_count, source={"kind": "gesb"})
    assert [(f.code, f.offset) for f in rec.findings] == [("gesb-entry-count", 0)]
    short = blk[:12] + struct.pack("<I", 40) + blk[16:56]
    rec = decode_record(short, source={"kind": "gesb"})
    assert {"gesb-data-length"} <= {f.code for f in rec.findings if f.level == "error"}
    overlap = blk[:4] + struct.pack("<II", 30, 8) + blk[12:] + b"\0" * 8
    rec = decode_record(overlap, source={"kind": "gesb"})
    assert any(f.code == "gesb-raw-offset" and f.offset == 4 for f in rec.findings)
    truncated = blk[:-10]
    rec = decode_record(truncated, source={"kind": "gesb"})
    assert rec.has_errors() and rec.sections[0].body.end == len(truncated)
    trailing = blk[:12] + struct.pack("<I", len(blk) - 20 + 30) + blk[16:] + b"\x01" * 30
    rec = decode_record(trailing, source={"kind": "gesb"})
    assert any(f.code == "gesb-trailing" and f.offset == len(blk) for f in rec.findings)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_status_blocks_never_raise_and_stay_in_bounds(data):
    blk = bytearray(_block(MULTI)[0][:2000])
    for _ in range(data.draw(st.integers(0, 8))):
        i = data.draw(st.integers(0, len(blk) - 1))
        blk[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blk)))
    rec = decode_record(bytes(blk[:cut]), source={"kind": "gesb"})
    assert not any(f.code == "internal" for f in rec.findings)
    for node in rec.root.walk():
        assert 0 <= node.offset and node.offset + node.length <= cut


def test_bert_region_with_two_blocks_and_an_empty_tail(tmp_path):
    a, _ = _block(MEM, severity=2)
    b, _ = _block(PCIE, v3=True, severity=1)
    region = a + b + b"\0" * 64
    path = tmp_path / "BERT"
    path.write_bytes(region)
    refs = list(iter_path(path))
    assert [(r.source["offset"], r.data) for r in refs] == [(0, a), (len(a), b)]
    assert all(r.source["kind"] == "gesb" and r.source["container"] == "gesb" for r in refs)
    assert [decode_record(r.data, source=r.source).header["severity_name"] for r in refs] == ["Corrected", "Fatal"]


def test_sysfs_bert_table_reads_data_bert_beside_it(tmp_path):
    blk, _ = _block(MEM)
    region = blk + b"\0" * 100
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "BERT").write_bytes(region)
    (tmp_path / "BERT").write_bytes(h.bert_table(len(region)))
    problems = []
    refs = list(iter_path(tmp_path / "BERT", problems.append))
    assert len(refs) == 1 and refs[0].data == blk
    src = refs[0].source
    assert src["container"] == "bert" and src["path"] == str(tmp_path / "data" / "BERT")
    assert src["region_length"] == len(region) and src["region_address"] == 0x7AF3E018
    assert src["oem_id"] == "ALASKA" and not [p for p in problems if p.level != "note"]


def test_bert_table_followed_by_its_region_in_one_file():
    blk, _ = _block(PCIE)
    refs = list(iter_bytes(h.bert_table(len(blk)) + blk, "bert.dat"))
    assert [(r.source["offset"], r.data) for r in refs] == [(48, blk)]


def test_bert_table_alone_says_where_the_region_is(tmp_path):
    path = tmp_path / "BERT"
    table = bytearray(h.bert_table(4096))
    table[9] ^= 1  # and a wrong checksum
    path.write_bytes(bytes(table))
    problems = []
    assert list(iter_path(path, problems.append)) == []
    text = " ".join(str(p) for p in problems)
    assert "0x7AF3E018" in text and "data/BERT" in text and "checksum" in text


def test_truncated_block_in_region_is_kept_and_reported():
    blk, _ = _block(MEM)
    problems = []
    refs = list(iter_bytes(blk[:-20], "BERT", problems.append))
    assert len(refs) == 1 and refs[0].data == blk[:-20]
    assert any("truncated" in p.message and p.offset == 0 for p in problems)


def test_efivarfs_hw_error_record(tmp_path):
    rec = (h.DWR / "cper_boot_rev0101_venhw_section.bin").read_bytes()
    path = tmp_path / "HwErrRec0001-414e6bdd-e47b-47cc-b244-bb61020cf516"
    path.write_bytes(struct.pack("<I", 0xF) + rec)
    refs = list(iter_path(path))
    assert len(refs) == 1 and refs[0].data == rec
    src = refs[0].source
    assert (src["kind"], src["offset"], src["variable"], src["attributes"]) == ("efivar", 4, "HwErrRec0001", 0xF)
    assert "HARDWARE_ERROR_RECORD" in src["attribute_names"]


def test_pstore_dmesg_is_reported_not_decoded(tmp_path):
    path = tmp_path / "dmesg-erst-7212374129489854465"
    path.write_text("Panic#1 Part1\n<0>[  102.33] Kernel panic - not syncing: Fatal machine check\n"
                    "<4>[  102.33] Code: 48 89 e5 41 57 41 56 41 55 41 54 53 48 83 ec 08\n")
    problems = []
    assert list(iter_path(path, problems.append)) == []
    assert len(problems) == 1 and "not a CPER record" in problems[0].message


def test_pstore_cper_record_is_yielded(tmp_path):
    # a Linux pstore-created record: creator = the pstore GUID (FORMAT.md §10.3)
    from whea_gui.core.guids import LINUX_PSTORE_CREATOR, guid_bytes
    rec = bytearray(MEM)
    rec[64:80] = guid_bytes(LINUX_PSTORE_CREATOR)
    path = tmp_path / "mce-erst-1"
    path.write_bytes(bytes(rec))
    refs = list(iter_path(path))
    assert [(r.source["kind"], r.data) for r in refs] == [("pstore", bytes(rec))]


# -- hostile regions and variables (issue #15) ----------------------------------------------------
@pytest.mark.parametrize("size", range(40, 52))
def test_short_status_block_heads_are_detected_without_raising(size):
    blk, _ = _block(MEM)
    problems = []
    refs = list(iter_bytes(blk[:size], "short.bin", problems.append))  # detection read past 44 bytes
    assert all(r.data == blk[:size] for r in refs)


def test_block_with_an_impossible_length_is_skipped_to_the_next_block():
    a, _ = _block(MEM)
    b, _ = _block(PCIE)
    bad = bytearray(a)
    bad[4:12] = struct.pack("<II", 4, 2)  # RawDataOffset 4, RawDataLength 2: a 6-byte block
    region = bytes(bad) + b
    problems = []
    refs = list(iter_bytes(h.bert_table(len(region)) + region, "bert.dat", problems.append))
    assert (48 + len(bad), b) in [(r.source["offset"], r.data) for r in refs]
    [err] = [p for p in problems if p.level == "error"]
    assert err.offset == 48 and "length 6 is impossible" in err.message


def test_hostile_lengths_in_a_region_are_bounded():
    a, _ = _block(MEM)
    for fields in [(0, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFF0, 0x20, 64), (20, 0, 0xFFFFFFFF)]:
        blk = a[:4] + struct.pack("<III", *fields) + a[16:]
        problems = []
        refs = list(iter_bytes(blk + a, "region.bin", problems.append))
        assert refs and refs[0].source["offset"] == 0 and len(refs[0].data) <= len(blk + a)
        assert any(p.offset == 0 for p in problems)


def test_bytes_after_the_last_block_are_noted():
    a, _ = _block(MEM)
    problems = []
    refs = list(iter_bytes(a + b"\x07" * 9, "region.bin", problems.append))
    assert [r.data for r in refs] == [a]
    assert any(p.offset == len(a) and p.length == 9 and "too few" in p.message for p in problems)


def test_bert_table_from_memory_does_not_look_in_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "BERT").write_bytes(_block(MEM)[0])
    monkeypatch.chdir(tmp_path)
    problems = []
    assert list(iter_bytes(h.bert_table(4096), "<stdin>", problems.append)) == []
    assert any("not in this input" in p.message for p in problems)


def test_efivar_truncated_or_tiny_variables(tmp_path):
    rec = (h.DWR / "cper_boot_rev0101_venhw_section.bin").read_bytes()
    name = "HwErrRec0002-414e6bdd-e47b-47cc-b244-bb61020cf516"
    path = tmp_path / name
    path.write_bytes(struct.pack("<I", 0xF) + rec[:200])
    problems = []
    [ref] = iter_path(path, problems.append)
    assert ref.data == rec[:200]
    [warn] = [p for p in problems if p.level == "warning"]
    assert warn.offset == 24 and f"declares {len(rec)} bytes" in warn.message and "holds 200" in warn.message
    from whea_gui.sources import efivar
    problems.clear()
    assert list(efivar.read_bytes(b"\x0f\0\0\0CP", name, problems.append)) == []
    assert problems[0].level == "error" and "6 bytes" in problems[0].message


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_region_file_that_is_no_regular_file_is_never_opened(tmp_path, kind):
    # fuzzing 5, F5-11: the reader opens data/BERT itself: a FIFO there blocked forever, a link
    # to /dev/zero took all memory (11-16 GB)
    (tmp_path / "data").mkdir()
    region = tmp_path / "data" / "BERT"
    if kind == "fifo":
        os.mkfifo(region)
    else:
        region.symlink_to("/dev/zero")
    (tmp_path / "BERT").write_bytes(h.bert_table(4096))
    problems = []
    assert list(iter_path(tmp_path / "BERT", problems.append)) == []  # returns at once
    said = [p for p in problems if "data/BERT" in p.message]
    assert len(said) == 1 and "not a regular file" in said[0].message and said[0].level == "error"
    # in a folder walk too the input is read only in part: exit 1 (recheck 5, N-5)
    from whea_gui.cli import main
    assert main(["decode", "--json", str(tmp_path)]) == 1
