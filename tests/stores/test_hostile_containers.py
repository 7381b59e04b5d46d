"""Hostile containers: huge counts, many tiny structures, names without their NUL, a big sparse
file. Clear messages naming the file and byte offset; the good records still read; the work
stays linear in the file (no timing asserted: the structures walked are counted)."""

from __future__ import annotations

import struct

import pytest

from whea_gui.formats import edk2_varstore as vs
from whea_gui.formats import erst_container as ec
from whea_gui.sources.registry import iter_file
from whea_gui.store.erst import ErstStore, format_header
from whea_gui.store.status import STATUS_SUCCESS
from whea_gui.store.varstore import VarStore


def test_erst_record_count_huge_is_a_warning_and_every_record_still_reads(tmp_path, real_records):
    path = tmp_path / "count.bin"
    with ErstStore(path) as store:
        for r in real_records[:3]:
            store.write_error_record(r)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 20, 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert [r.data for r in refs] == real_records[:3]
    warn = [p for p in problems if p.level == "warning"]
    assert [(p.path, p.offset) for p in warn] == [(str(path), 20)]
    assert "4294967295" in warn[0].message and "3 map entries" in warn[0].message


def test_a_large_sparse_erst_file_with_small_slots(tmp_path, real_records):
    """64 MiB of 4 KiB slots (16,384 map entries), one record at the end."""
    size, slot = 64 << 20, 4096
    head = format_header(size, slot)
    path = tmp_path / "big.bin"
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
        last = size // slot - 1
        fh.seek(last * slot)
        rec = real_records[0][:slot] if len(real_records[0]) <= slot else real_records[1]
        fh.write(rec)
        fh.seek(24 + 8 * last)
        fh.write(struct.pack("<Q", struct.unpack_from("<Q", rec, 96)[0]))
        fh.seek(20)
        fh.write(struct.pack("<I", 1))
    lay = ec.parse(path.read_bytes())
    assert lay.slot_count == 16384 and [s.index for s in lay.live()] == [last]
    assert [r.data for r in iter_file(str(path))] == [rec]
    tree = ec.container_record(path.read_bytes())
    assert len(tree.root.find("slots").children) == 1
    assert [f.code for f in tree.findings] == ["erst-padding"]  # zeros, not QEMU's 0xFF padding


def test_thousands_of_empty_variables_are_walked_once(ovmf_templates, real_records, tmp_path):
    buf = bytearray(ovmf_templates[0].read_bytes())
    lay = vs.parse(bytes(buf))
    pos = lay.free_offset
    blob = vs.variable_bytes(lay, "X", b"")
    count = 0
    while pos + len(blob) + 2000 < lay.store_end:
        buf[pos:pos + len(blob)] = blob
        pos += len(blob)
        count += 1
    record = vs.variable_bytes(lay, "HwErrRec0007", real_records[0])
    buf[pos:pos + len(record)] = record
    path = tmp_path / "many.fd"
    path.write_bytes(bytes(buf))
    parsed = vs.parse(bytes(buf))
    assert len(parsed.variables) == count + 1 > 500
    refs = list(iter_file(str(path)))
    assert [(r.source["variable"], r.data) for r in refs] == [("HwErrRec0007", real_records[0])]


def test_a_name_without_its_nul_is_a_warning_at_the_name(ovmf_templates, real_records, tmp_path):
    buf = bytearray(ovmf_templates[0].read_bytes())
    lay = vs.parse(bytes(buf))
    blob = bytearray(vs.variable_bytes(lay, "HwErrRec0001", real_records[0]))
    name_at = lay.header_layout.size
    blob[name_at + 24:name_at + 26] = b"Z\x00"  # the NUL becomes a letter
    buf[lay.free_offset:lay.free_offset + len(blob)] = blob
    path = tmp_path / "nonul.fd"
    path.write_bytes(bytes(buf))
    problems = []
    refs = list(iter_file(str(path), problems.append))
    warn = [p for p in problems if p.level == "warning"]
    assert [(p.offset, p.path) for p in warn] == [(lay.free_offset + name_at, str(path))]
    assert refs == []  # "HwErrRec0001Z" is not a HwErrRec#### name: not offered as a record


@pytest.mark.parametrize("header_length", [0xFFFF, 0, 7, 63, 200, 0x1000])
def test_a_damaged_volume_header_length_still_reads_the_records_after_the_block_map(
        ovmf_templates, real_records, tmp_path, header_length):
    # F7-17: FV HeaderLength 0xFFFF lost all three intact HwErrRec records (0 of 3, exit 1)
    for template in ovmf_templates:
        buf, lay = _with_three_records(template, real_records)
        fv = lay.fv_offset
        struct.pack_into("<H", buf, fv + 48, header_length)
        path = tmp_path / f"hl{header_length}-{template.name}"
        path.write_bytes(bytes(buf))
        problems = []
        refs = list(iter_file(str(path), problems.append))
        assert [r.data for r in refs] == real_records[:3]
        said = [p for p in problems if p.level == "error" and p.offset == fv + 48]
        assert len(said) == 1 and f"header length {header_length} is not valid" not in said[0].message
        assert "block map ends at byte" in said[0].message
        with VarStore(str(path)) as store:  # a damaged store is never written to
            result = store.write_error_record(real_records[3])
            assert result.status != STATUS_SUCCESS and "damaged" in result.reason
        assert path.read_bytes() == bytes(buf)


@pytest.mark.parametrize("field,at,value,words", [
    ("FvLength", 32, struct.pack("<Q", 0), "volume length 0x0 is shorter than the volume's own header"),
    ("store size", None, struct.pack("<I", 0), "variable store size 0x0 is smaller than the store's own"),
])
def test_a_length_too_small_for_its_own_header_still_reads_the_records(
        ovmf_templates, real_records, tmp_path, field, at, value, words):
    # the second fresh check: an FvLength or a variable store size of 0 lost every record, and
    # the size was said to "run past the firmware volume"
    buf, lay = _with_three_records(ovmf_templates[1], real_records)
    where = lay.fv_offset + at if at is not None else lay.store_offset + 16
    buf[where:where + len(value)] = value
    path = tmp_path / f"{field}.fd"
    path.write_bytes(bytes(buf))
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert [r.data for r in refs] == real_records[:3]
    said = [p for p in problems if p.level == "error" and p.offset == where]
    assert len(said) == 1 and words in said[0].message and "runs past" not in said[0].message


def test_a_damaged_volume_signature_is_read_as_the_variable_store_it_is(ovmf_templates, real_records, tmp_path):
    # the second fresh check: "_FVX" for "_FVH" carved the records as raw bytes (variable
    # names lost) with exit 0 and no word of the damage
    buf, lay = _with_three_records(ovmf_templates[0], real_records)
    buf[lay.fv_offset + 40:lay.fv_offset + 44] = b"_FVX"
    path = tmp_path / "sig.fd"
    path.write_bytes(bytes(buf))
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert [(r.source["variable"], r.data) for r in refs] == \
        [(f"HwErrRec{i:04X}", rec) for i, rec in enumerate(real_records[:3])]
    said = [p for p in problems if p.level == "error" and p.offset == lay.fv_offset + 40]
    assert len(said) == 1 and 'not "_FVH"' in said[0].message and "b'" not in said[0].message
    with VarStore(str(path)) as store:
        assert store.write_error_record(real_records[3]).status != STATUS_SUCCESS
    assert path.read_bytes() == bytes(buf)


def _with_three_records(template, real_records) -> tuple[bytearray, vs.VarStoreLayout]:
    """An OVMF variable store with the first three real records as HwErrRec0000-0002."""
    buf = bytearray(template.read_bytes())
    lay = vs.parse(bytes(buf))
    pos = lay.free_offset
    for i, rec in enumerate(real_records[:3]):
        blob = vs.variable_bytes(lay, f"HwErrRec{i:04X}", rec)
        buf[pos:pos + len(blob)] = blob
        pos = vs.align4(pos + len(blob))
    return buf, lay
