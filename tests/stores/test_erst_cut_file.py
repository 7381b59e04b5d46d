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



def _read_cut(tmp_path, data: bytes, name: str):
    import hashlib
    path = tmp_path / name
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # never written to
    assert all(p.path == str(path) for p in problems)
    return path, refs, problems


def test_a_file_cut_inside_the_map_names_missing_and_half_entries(tmp_path, capsys, real_records):
    """Cut 4 bytes into the second RecordID: entries after it are missing (not empty), the half
    entry's bytes are named, the readable RecordID is named as lost, and the ERSTSTOR header is
    never decoded as a record."""
    records = real_records[:3]
    full, first = _store(tmp_path, records)
    lay_full = ec.parse(full)
    cut_at = lay_full.map_offset(first + 1) + 4
    path, refs, problems = _read_cut(tmp_path, full[:cut_at], "map44.bin")
    assert refs == []  # no record: the container header is not one
    messages = [p.message for p in problems]
    assert not [m for m in messages if "map entries hold a RecordID" in m]
    [cut] = [p for p in problems if "inside the RecordID map" in p.message]
    assert (cut.level, cut.offset) == ("error", lay_full.map_offset(first + 1))
    low = " ".join(f"{b:02X}" for b in struct.pack("<Q", rid(records[1]))[:4])
    assert f"entry {first + 1} is cut after 4 of its 8 bytes ({low}" in cut.message
    assert f"entries {first + 2}–" in cut.message and "are missing" in cut.message
    assert "the record count is 3" in cut.message
    [lost] = [p for p in problems if p.message.startswith(f"map entry {first} holds")]
    assert f"RecordID 0x{rid(records[0]):016X}" in lost.message and lost.level == "error"
    assert main(["decode", str(path)]) == 1
    out = capsys.readouterr()
    assert "(cper," not in out.out and "Signature: ERST" not in out.out + out.err


def test_a_file_cut_just_after_the_map_entries_names_every_lost_record(tmp_path, capsys, real_records):
    records = real_records[:3]
    full, first = _store(tmp_path, records)
    lay_full = ec.parse(full)
    cut_at = lay_full.map_offset(first + 3) + 4
    path, refs, problems = _read_cut(tmp_path, full[:cut_at], "map60.bin")
    assert refs == []
    [cut] = [p for p in problems if "inside the RecordID map" in p.message]
    assert f"entry {first + 3} is cut after 4 of its 8 bytes (00 00 00 00)" in cut.message
    assert "record count" not in cut.message  # the count matches the entries left
    lost = [p for p in problems if p.offset is not None and p.message.startswith("map entry")]
    assert [p.offset for p in lost] == [lay_full.map_offset(first + i) for i in range(3)]
    for p, r in zip(lost, records):
        assert f"RecordID 0x{rid(r):016X}" in p.message
    capsys.readouterr()
    assert main(["report", str(path), "-o", str(tmp_path / "r.md")]) == 1
    err = capsys.readouterr().err  # no record: the problems are said, no report written (F7-15)
    assert "map entry" in err and "Unknown" not in err and "r.md was not written" in err
    assert not (tmp_path / "r.md").exists()


def test_a_record_displaced_by_bytes_inserted_or_deleted_before_it_is_read(tmp_path, real_records):
    # F7-10: one byte inserted in slot 1 moved slot 2's record a byte on: "slot 2 holds no
    # record" and the record was lost, though whole and one byte away
    records = [r for r in real_records if 200 < len(r) < 4000][:3]
    full, first = _store(tmp_path, records)
    slot = 8192
    for edit, shift in (("insert", 1), ("delete", -3)):
        at = (first + 1) * slot + len(records[1]) + 10  # in slot 1's padding
        data = full[:at] + b"\x00" + full[at:] if edit == "insert" else full[:at] + full[at + 3:]
        path = tmp_path / f"{edit}.bin"
        path.write_bytes(data)
        problems = []
        refs = list(iter_file(str(path), problems.append))
        assert [r.data for r in refs] == records, (edit, [len(r.data) for r in refs])
        moved = refs[2].source
        assert moved["offset"] == (first + 2) * slot + shift and moved["displaced_by"] == shift
        assert moved["slot"] == first + 2 and moved["record_id"] == rid(records[2])
        said = [p.message for p in problems if "from the slot's start" in p.message]
        assert said and f"{shift:+d} from the slot's start" in said[0]
        # and no "holds no record" beside it for the same slot (the fresh check)
        assert not [p for p in problems if f"slot {first + 2} at" in p.message and "holds no record" in p.message]


def _read(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    problems: list = []
    refs = list(iter_file(str(path), problems.append))
    return refs, problems


def test_bytes_inserted_in_the_map_move_every_record_and_each_is_still_read(tmp_path, real_records):
    # the fresh check of F7-10: eight bytes inserted in the RecordID map shift the map by one
    # entry and every slot by eight bytes; no record matched its slot's map entry any more and
    # all four were lost
    records = [r for r in real_records if 200 < len(r) < 4000][:4]
    full, first = _store(tmp_path, records)
    for at, keep_size in ((30, False), (30, True), (24, False), (40, False)):
        # (at 24, the first storage slot's record moves under the free header entry's place:
        # the second fresh check lost it, silently)
        data = full[:at] + b"\xab" * 8 + full[at:]
        data = data[:len(full)] if keep_size else data
        refs, problems = _read(tmp_path, f"map{at}{keep_size}.bin", data)
        assert [r.data for r in refs] == records
        assert [r.source["record_id"] for r in refs] == [rid(r) for r in records]
        assert all(r.source["state"] == "live" and r.source["displaced_by"] == 8 for r in refs)
        assert not [p for p in problems if "holds no record" in p.message]


def test_a_whole_slot_inserted_keeps_every_record_live_under_its_own_record_id(tmp_path, real_records):
    # a whole slot inserted before slot 2: slot 5, which the map calls free, held the fourth
    # live record and it was listed as cleared (and left out of timelines); slots 3 and 4 were
    # read under their neighbours' RecordIDs
    records = [r for r in real_records if 200 < len(r) < 4000][:4]
    full, first = _store(tmp_path, records)
    slot = 8192
    at = (first + 1) * slot
    refs, problems = _read(tmp_path, "slot.bin", full[:at] + b"\xab" * slot + full[at:])
    assert [r.data for r in refs] == records
    assert [r.source["record_id"] for r in refs] == [rid(r) for r in records]
    assert {r.source["state"] for r in refs} == {"live"} and not any("recoverable" in r.source for r in refs)
    said = " ".join(p.message for p in problems)
    assert "holds a cleared record" not in said and "read as that live record" in said
    assert not [p for p in problems if p.level == "error"]


def test_a_whole_slot_deleted_names_the_record_it_took(tmp_path, real_records, capsys):
    records = [r for r in real_records if 200 < len(r) < 4000][:4]
    full, first = _store(tmp_path, records)
    slot = 8192
    at = (first + 1) * slot
    refs, problems = _read(tmp_path, "gone.bin", full[:at] + full[at + slot:])
    assert [r.data for r in refs] == [records[0], records[2], records[3]]
    assert [r.source["record_id"] for r in refs] == [rid(records[i]) for i in (0, 2, 3)]
    lost = [p for p in problems if p.level == "error" and "the record is lost" in p.message]
    assert len(lost) == 1 and f"0x{rid(records[1]):016X}" in lost[0].message
    assert main(["decode", "--json", str(tmp_path / "gone.bin")]) == 1
