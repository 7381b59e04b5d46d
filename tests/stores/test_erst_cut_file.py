"""An ERST backing file cut short (a partial copy, a full disk): the map in the header still
holds every RecordID, so the records whose slots are missing or partial are named, a partial
record is decoded as far as it goes, and nothing false is said about the record count."""

from __future__ import annotations

import struct

from whea_gui.cli import main
from whea_gui.decode import decode_record
from whea_gui.formats import erst_container as ec
from whea_gui.sources.registry import iter_file
from whea_gui.store.erst import ErstStore


def rid(data: bytes) -> int:
    return struct.unpack_from("<Q", data, 96)[0]


def _store(tmp_path, records) -> tuple[bytes, int]:
    path = tmp_path / "erst.bin"
    with ErstStore(path) as store:
        for r in records:
            store.write_error_record(r)
        first = store.layout.first_index
    return path.read_bytes(), first


def test_a_cut_file_names_the_records_it_lost(tmp_path, capsys, real_records):
    records = [r for r in real_records if len(r) > 1000][:3]
    full, first = _store(tmp_path, records)
    slot = 8192
    cut_at = (first + 1) * slot + 1000  # record 1's slot cut 1000 bytes in; record 2's gone
    data = full[:cut_at]
    lay = ec.parse(data)
    messages = [f.message for f in lay.findings]
    assert not [m for m in messages if "map entries hold a RecordID" in m]  # the map holds 3
    assert [s.index for s in lay.live()] == [first, first + 1]
    partial = lay.live()[1]
    assert (partial.map_id, partial.kept, partial.length) == (rid(records[1]), 1000, len(records[1]))
    lost = [f for f in lay.findings if f.code == "erst-map-no-record"]
    assert [(f.level, f.offset) for f in lost] == [("error", lay.map_offset(first + 2))]
    assert f"RecordID 0x{rid(records[2]):016X}" in lost[0].message
    assert "past the end of the file" in lost[0].message
    [summary] = [m for m in messages if m.startswith("the file ends at byte")]
    assert f"0x{rid(records[1]):016X} (slot {first + 1}, 1000 of {len(records[1])} bytes)" in summary
    assert f"1 record(s) lost: 0x{rid(records[2]):016X}" in summary

    path = tmp_path / "cut.bin"
    path.write_bytes(data)
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert [r.data for r in refs] == [records[0], records[1][:1000]]
    rec = decode_record(refs[1].data, source=refs[1].source)
    assert any(f.code == "truncated" for f in rec.findings)
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    assert all(p.path == str(path) for p in problems)
    assert main(["decode", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path} at bytes {lay.map_offset(first + 2)}–{lay.map_offset(first + 2) + 7}: map entry" in err


def test_cut_inside_a_record_header_or_at_a_slot_boundary(tmp_path, real_records):
    records = real_records[:3]
    full, first = _store(tmp_path, records)
    for cut_at in ((first + 1) * 8192 + 50, (first + 1) * 8192, (first + 2) * 8192):
        lay = ec.parse(full[:cut_at])
        whole = (cut_at - first * 8192) // 8192
        named = [f.message for f in lay.findings if f.code == "erst-map-no-record"]
        assert len(named) == 3 - whole, cut_at  # each record not whole in the file is named
        for r in records[whole:]:
            assert any(f"0x{rid(r):016X}" in m for m in named)
        assert not [f for f in lay.findings if f.code == "erst-record-count"]


def test_a_record_longer_than_its_slot_is_kept_with_an_error(tmp_path, real_records):
    records = real_records[:2]
    full, first = _store(tmp_path, records)
    data = bytearray(full)
    struct.pack_into("<I", data, first * 8192 + 20, 9000)
    lay = ec.parse(bytes(data))
    [f] = [f for f in lay.findings if f.code == "erst-record-overflow"]
    assert (f.level, f.offset) == ("error", first * 8192 + 20) and "8192 bytes present" in f.message
    assert [s.kept for s in lay.live()] == [8192, len(records[1])]
    path = tmp_path / "overflow.bin"
    path.write_bytes(bytes(data))
    refs = list(iter_file(str(path), lambda p: None))
    assert [r.data for r in refs] == [bytes(data[first * 8192:(first + 1) * 8192]), records[1]]

