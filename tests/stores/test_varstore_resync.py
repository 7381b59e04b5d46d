"""One bad variable header in an edk2 variable store must not lose the HwErrRec variables
after it: the walk resynchronises on the next valid header, reports the bad one with its byte
offset and what was skipped (an error: exit 1), and never writes to the input."""

from __future__ import annotations

import hashlib
import shutil
import struct

import pytest

from whea_gui.cli import main
from whea_gui.formats import edk2_varstore as vs
from whea_gui.sources.registry import iter_file
from whea_gui.store.varstore import VarStore


@pytest.fixture
def three(ovmf_templates, real_records, tmp_path):
    """An OVMF_VARS_4M.fd with three HwErrRec variables written by the project's store."""
    path = tmp_path / "OVMF_VARS.fd"
    shutil.copyfile(ovmf_templates[1], path)
    records = real_records[:3]
    with VarStore(path, in_place=True) as store:
        for r in records:
            store.write_error_record(r)
    lay = vs.parse(path.read_bytes())
    hw = lay.hw_errors()
    assert [v.name for v in hw] == ["HwErrRec0000", "HwErrRec0001", "HwErrRec0002"]
    return path, records, lay, hw


def _size_at(lay, v, which: str) -> int:
    return v.offset + lay.header_layout.size - 24 + (0 if which == "name" else 4)


def _damage(path, edits) -> bytes:
    data = bytearray(path.read_bytes())
    for at, raw in edits:
        data[at:at + len(raw)] = raw
    path.write_bytes(bytes(data))
    return bytes(data)


def _read(path):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # never written to
    errors = [(p.offset, p.message) for p in problems if p.level == "error"]
    assert all(p.path == str(path) for p in problems)
    return refs, errors


def test_data_size_too_large_is_cut_at_the_next_header(three):
    path, records, lay, hw = three
    at = _size_at(lay, hw[1], "data")
    _damage(path, [(at, struct.pack("<I", len(records[1]) + 8))])
    refs, errors = _read(path)
    assert [r.source["variable"] for r in refs] == ["HwErrRec0000", "HwErrRec0001", "HwErrRec0002"]
    assert refs[2].data == records[2] and refs[0].data == records[0]
    assert refs[1].data[:len(records[1])] == records[1]  # cut at the next header: its padding only
    [(offset, message)] = errors
    assert offset == at and f"runs into the valid variable header at 0x{hw[2].offset:X}" in message


def test_bad_start_id_is_skipped_and_its_record_carved(three, capsys):
    path, records, lay, hw = three
    _damage(path, [(hw[1].offset, b"\x34\x12")])
    refs, errors = _read(path)
    assert [r.data for r in refs if "variable" in r.source] == [records[0], records[2]]
    carved = [r for r in refs if "damaged_variable" in r.source]
    assert [(r.source["offset"], r.data) for r in carved] == [(hw[1].data_offset, records[1])]
    [(offset, message)] = errors
    assert offset == hw[1].offset and "StartId 0x1234" in message
    assert f"next valid variable header at 0x{hw[2].offset:X}" in message
    assert f"CPER signature at 0x{hw[1].data_offset:X}" in message
    assert main(["decode", str(path)]) == 1
    assert capsys.readouterr().out.count("(cper,") == 3


def test_name_size_off_by_two_is_read_by_the_name_nul(three):
    path, records, lay, hw = three
    at = _size_at(lay, hw[1], "name")
    _damage(path, [(at, struct.pack("<I", hw[1].name_size - 2))])
    refs, errors = _read(path)
    assert [r.data for r in refs] == records
    [(offset, message)] = errors
    assert offset == at and f"NameSize {hw[1].name_size - 2} disagrees" in message


def test_huge_data_size_resyncs_and_carves(three):
    path, records, lay, hw = three
    at = _size_at(lay, hw[0], "data")
    _damage(path, [(at, struct.pack("<I", 0x10000000))])
    refs, errors = _read(path)
    assert [r.source.get("variable") for r in refs] == ["HwErrRec0001", "HwErrRec0002", None]
    assert [r.data for r in refs] == [records[1], records[2], records[0]]
    [(offset, message)] = errors
    assert offset == at and f"skipped to the next valid variable header at 0x{hw[1].offset:X}" in message


def test_an_undamaged_store_has_no_findings_of_resync(three):
    path, records, _lay, _hw = three
    refs, errors = _read(path)
    assert [r.data for r in refs] == records and errors == []
    lay = vs.parse(path.read_bytes())
    assert lay.skipped == [] and not [f for f in lay.findings if f.level != "note"]


def test_writes_to_a_resynced_store_are_refused(three, real_records):
    path, _records, _lay, hw = three
    _damage(path, [(hw[1].offset, b"\x34\x12")])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with VarStore(path, in_place=True) as store:
        assert store.damage()
        result = store.write_error_record(real_records[3])
        assert result.status != 0 and "damaged" in result.reason
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def _carved(refs):
    return [(r.source["offset"], r.data) for r in refs if "damaged_variable" in r.source]


def test_bad_start_id_on_the_last_variable_carves_its_record(three, capsys):
    """No valid header follows the torn last variable: its not-erased bytes are carved and one
    error names their range and the recovered record's offset (no longer a free-space note)."""
    path, records, lay, hw = three
    _damage(path, [(hw[2].offset, b"\x34\x12")])
    refs, errors = _read(path)
    assert [r.data for r in refs if "variable" in r.source] == records[:2]
    assert _carved(refs) == [(hw[2].data_offset, records[2])]
    last = hw[2].data_offset + len(records[2]) - 1
    header, recovered = errors
    assert header[0] == hw[2].offset and "StartId 0x1234" in header[1]
    assert f"bytes 0x{hw[2].offset:X}-0x{last:X}" in header[1]
    assert recovered[0] == hw[2].offset
    assert f"1 record(s) carved out of them at 0x{hw[2].data_offset:X} ({len(records[2])} bytes)" in recovered[1]
    assert not [f for f in vs.parse(path.read_bytes()).findings if f.code == "varstore-free-space"]
    assert main(["decode", str(path)]) == 1
    assert capsys.readouterr().out.count("(cper,") == 3


def test_two_bad_headers_at_the_end_carve_both_records(three):
    path, records, lay, hw = three
    _damage(path, [(hw[1].offset, b"\x34\x12"), (hw[2].offset, b"\x34\x12")])
    refs, errors = _read(path)
    assert [r.data for r in refs if "variable" in r.source] == records[:1]
    assert _carved(refs) == [(hw[1].data_offset, records[1]), (hw[2].data_offset, records[2])]
    assert f"2 record(s) carved out of them at 0x{hw[1].data_offset:X} ({len(records[1])} bytes), " \
           f"0x{hw[2].data_offset:X} ({len(records[2])} bytes)" in errors[-1][1]


def test_huge_data_size_then_a_bad_last_header_carves_both(three):
    path, records, lay, hw = three
    _damage(path, [(_size_at(lay, hw[1], "data"), struct.pack("<I", 0x7FFFFFFF)),
                   (hw[2].offset, b"\x34\x12")])
    refs, errors = _read(path)
    assert _carved(refs) == [(hw[1].data_offset, records[1]), (hw[2].data_offset, records[2])]
    assert errors[0][0] == _size_at(lay, hw[1], "data") and "the walk stops here" in errors[0][1]


def test_writes_to_a_store_with_a_torn_last_variable_are_refused(three, real_records):
    path, _records, _lay, hw = three
    _damage(path, [(hw[2].offset, b"\x34\x12")])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with VarStore(path, in_place=True) as store:
        assert any("var" in d and f"byte offset {hw[2].offset}" in d for d in store.damage())
        result = store.write_error_record(real_records[3])
        assert result.status != 0 and "damaged" in result.reason
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_an_erased_tail_stays_silent_and_a_dirty_one_without_records_is_a_warning(three):
    path, records, lay, hw = three
    free = hw[2].end + (-hw[2].end % 4)
    refs, errors = _read(path)
    assert errors == [] and [r.data for r in refs] == records
    _damage(path, [(free + 64, b"\x00\x01\x02\x03")])  # dirty free space, no record, walk ends on 0xFF
    refs, errors = _read(path)
    assert errors == [] and [r.data for r in refs] == records
    assert [f.code for f in vs.parse(path.read_bytes()).findings if f.level != "note"] == ["varstore-free-space"]


def test_a_hostile_64_mib_store_of_records_after_a_torn_variable(three, real_records, tmp_path):
    """A 64 MiB store (volume and store sizes patched) whose last variable is torn and whose
    not-erased tail is the same record over and over: every copy is carved with its offset, the
    error lists the first ones and counts the rest, the input is not written."""
    path, records, lay, hw = three
    size = 64 << 20
    buf = bytearray(path.read_bytes()[:hw[2].offset])
    rec = real_records[0]
    tail_at = len(buf)
    count = (size - tail_at - 4096) // len(rec)
    buf += b"\x34\x12" + b"\0" * 62 + rec * count
    buf += b"\xff" * (size - len(buf))
    struct.pack_into("<Q", buf, lay.fv_offset + 32, size - lay.fv_offset)
    struct.pack_into("<I", buf, lay.store_offset + 16, size - lay.store_offset)
    big = tmp_path / "big.fd"
    big.write_bytes(bytes(buf))
    refs, errors = _read(big)
    carved = _carved(refs)
    first = tail_at + 64
    assert [r.data for r in refs if "variable" in r.source] == records[:2]
    assert len(carved) == count
    assert carved[0] == (first, rec) and carved[-1] == (first + (count - 1) * len(rec), rec)
    assert all(data == rec for _at, data in carved)
    assert f"{count} record(s) carved out of them at 0x{first:X} ({len(rec)} bytes)" in errors[-1][1]
    assert f"and {count - 16} more" in errors[-1][1]
