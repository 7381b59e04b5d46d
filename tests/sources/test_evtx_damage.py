"""Damaged copies of the real .evtx (issue #15): nothing lost that is still there, every
problem named with its place, no alarm about free space."""

from __future__ import annotations

import random
import struct

import pytest
import sources_helpers as h

from whea_gui.cli import main
from whea_gui.sources import iter_path
from whea_gui.sources.evtx_log import CHUNK_SIZE, scan_chunks

CHUNK0, CHUNK1 = 4096, 4096 + CHUNK_SIZE


@pytest.fixture(scope="module")
def full() -> dict[int, tuple[bytes, int]]:
    """Every WHEA record of the intact log: record id → (bytes, offset in the file)."""
    return {r.source["event_record_id"]: (r.data, r.source["offset"]) for r in iter_path(h.EVTX)}


def _read(tmp_path, blob, name="damaged.evtx"):
    path = tmp_path / name
    path.write_bytes(bytes(blob))
    problems = []
    got = {r.source["event_record_id"]: (r.data, r.source["offset"]) for r in iter_path(path, problems.append)}
    return path, got, problems


def _levels(problems, level):
    return [p for p in problems if p.level == level]


def _errors_besides_checksum(problems, chunk_offset):
    """The errors other than the one saying the chunk at ``chunk_offset`` fails its checksum
    (a changed size field changes the chunk's bytes: that error must be there too)."""
    errors = _levels(problems, "error")
    [crc] = [p for p in errors if "fails its checksum" in p.message]
    assert crc.offset == chunk_offset and crc.length == CHUNK_SIZE
    return [p for p in errors if p is not crc]


def test_a_file_cut_at_a_chunk_boundary_names_the_missing_chunk(tmp_path, full, capsys):
    path, got, problems = _read(tmp_path, h.EVTX.read_bytes()[:CHUNK1])
    # (25 items: 23 WhLg entries and the Event ID 5 tables of records 9 and 20)
    assert got == {i: v for i, v in full.items() if i <= 25} and len(got) == 25
    [err] = _levels(problems, "error")
    assert err.offset == CHUNK1 and err.path == str(path)
    assert "names chunks 0–1" in err.message and "chunk(s) 1, bytes 69632–135167, are missing" in err.message
    assert main(["decode", "--json", str(path)]) == 1
    assert "chunk(s) 1, bytes 69632–135167" in capsys.readouterr().err


def test_a_file_holding_every_chunk_the_header_names_is_not_short(tmp_path, full):
    # the header names chunks 0–1; a third chunk is written beyond its count: without it nothing is missing
    _, got, problems = _read(tmp_path, h.EVTX.read_bytes()[:CHUNK1 + CHUNK_SIZE])
    assert got == {i: v for i, v in full.items() if i <= 49}
    assert not _levels(problems, "error") and not _levels(problems, "warning")


def _record_offsets() -> dict[int, int]:
    return scan_chunks(h.EVTX.read_bytes(), "x", lambda p: None)[0]["records"]


@pytest.mark.parametrize("size", [0, 0xFFFFFFF0])
def test_one_bad_record_size_loses_only_that_record(tmp_path, full, size, capsys):
    blob = bytearray(h.EVTX.read_bytes())
    at = blob.find(b"**\0\0", CHUNK0 + 512)
    rid = struct.unpack_from("<Q", blob, at + 8)[0]
    struct.pack_into("<I", blob, at + 4, size)
    path, got, problems = _read(tmp_path, blob)
    assert got == {i: v for i, v in full.items() if i != rid} and len(got) == 51  # 46 + 5 tables
    [err] = _errors_besides_checksum(problems, CHUNK0)
    assert err.offset == at and err.offset + err.length == _record_offsets()[rid + 1]
    assert err.message.startswith(f"chunk 0: event record(s) {rid} damaged")
    assert f"size field {size}" in err.message
    assert "other 24 record(s) of the chunk were read" in err.message
    assert main(["decode", "--json", str(path)]) == 1
    assert "51 record(s)" in capsys.readouterr().err


def test_two_bad_records_in_the_middle_of_a_chunk(tmp_path, full):
    blob = bytearray(h.EVTX.read_bytes())
    offsets = _record_offsets()
    for rid in (10, 17):
        struct.pack_into("<I", blob, offsets[rid] + 4, 3)
    _, got, problems = _read(tmp_path, blob)
    assert got == {i: v for i, v in full.items() if i not in (10, 17)}
    errors = _errors_besides_checksum(problems, CHUNK0)
    assert [(p.offset, p.length) for p in errors] == [(offsets[10], offsets[11] - offsets[10]),
                                                      (offsets[17], offsets[18] - offsets[17])]
    assert "event record(s) 10 " in errors[0].message and "event record(s) 17 " in errors[1].message
    assert all("other 23 record(s) of the chunk were read" in p.message for p in errors)


def test_a_damaged_chunk_signature_is_placed_and_its_records_recovered(tmp_path, full, capsys):
    blob = bytearray(h.EVTX.read_bytes())
    blob[CHUNK0:CHUNK0 + 8] = b"XXXXXXXX"
    path, got, problems = _read(tmp_path, blob)
    assert got == full
    assert not _levels(problems, "error")
    [warn] = [p for p in problems if "signature" in p.message]
    assert warn.level == "warning" and warn.offset == CHUNK0 and "chunk 0" in warn.message
    assert "read with the signature restored" in warn.message
    assert main(["decode", "--json", str(path)]) == 0
    assert "69632" not in capsys.readouterr().err


def test_a_damaged_chunk_with_no_records_left_is_placed_by_its_number(tmp_path, full):
    blob = bytearray(h.EVTX.read_bytes())
    rng = random.Random(15)
    blob[CHUNK1:CHUNK1 + CHUNK_SIZE] = bytes(rng.randrange(256) for _ in range(CHUNK_SIZE))
    _, got, problems = _read(tmp_path, blob)
    assert got == {i: v for i, v in full.items() if not 26 <= i <= 49}
    errors = _levels(problems, "error")
    assert errors and all(p.offset == CHUNK1 for p in errors)
    assert any("chunk 1 " in p.message for p in errors)


@pytest.mark.parametrize("seed", range(5))
def test_flips_in_an_unused_zero_chunk_are_a_note_not_lost_events(tmp_path, full, seed, capsys):
    blob = bytearray(h.EVTX.read_bytes())
    slot = 4096 + 7 * CHUNK_SIZE
    rng = random.Random(seed)
    for _ in range(20):
        blob[slot + rng.randrange(CHUNK_SIZE)] ^= 1 << rng.randrange(8)
    path, got, problems = _read(tmp_path, blob)
    assert got == full
    assert not _levels(problems, "error") and not _levels(problems, "warning")
    [note] = [p for p in problems if "slot" in p.message]
    assert (note.offset, note.length) == (slot, CHUNK_SIZE) and "unused chunk slot 7" in note.message
    assert "lost" not in note.message
    assert main(["decode", "--json", str(path)]) == 0
    assert "lost" not in capsys.readouterr().err


def test_a_chunk_cut_short_gives_up_the_records_wholly_inside_the_file(tmp_path, full):
    blob = h.EVTX.read_bytes()
    offsets = scan_chunks(blob, "x", lambda p: None)[1]["records"]
    cut = CHUNK1 + 9000
    whole = {rid for rid, at in offsets.items() if at + struct.unpack_from("<I", blob, at + 4)[0] <= cut}
    assert whole and max(whole) < 49  # the cut leaves some records of chunk 1 whole, not all
    _, got, problems = _read(tmp_path, blob[:cut])
    assert got == {i: v for i, v in full.items() if i <= 25 or i in whole}
    [err] = _levels(problems, "error")
    assert f"event record(s) {max(whole) + 1}–49 could not be read" in err.message


@pytest.mark.parametrize("bit", [0, 7])
def test_an_event_garbled_by_a_flip_is_named_not_dropped_silently(tmp_path, full, bit):
    blob = bytearray(h.EVTX.read_bytes())
    at = scan_chunks(bytes(blob), "x", lambda p: None)[1]["records"][34]
    blob[at + 75] ^= 1 << bit  # inside record 34's template substitutions
    _, got, problems = _read(tmp_path, blob)
    assert got == {i: v for i, v in full.items() if i != 34}
    [warn] = [p for p in problems if "garbled" in p.message]
    assert warn.level == "warning" and warn.offset == at and warn.message.startswith("event record 34 ")
    assert not [p for p in problems if "7205880351833478912" in p.message]  # no id made up from garbage


def test_a_damaged_file_header_makes_a_missing_chunk_a_warning(tmp_path, full):
    blob = bytearray(h.EVTX.read_bytes()[:CHUNK1])
    blob[24] ^= 0xFF  # the next record id: the header's checksum fails, its chunk count may be wrong
    _, got, problems = _read(tmp_path, blob)
    assert got == {i: v for i, v in full.items() if i <= 25}
    assert not _levels(problems, "error")
    [warn] = [p for p in problems if "missing" in p.message]
    assert warn.level == "warning" and warn.offset == CHUNK1 and "bytes 69632–135167" in warn.message
