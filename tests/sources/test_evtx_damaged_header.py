"""An .evtx whose file header is damaged (audit 4, A4-6): still read as an event log, by its
chunks, with every event and its provenance, nothing from the chunks' slack space, and an error
at offset 0 saying how it was read."""

from __future__ import annotations

import json
import random

import pytest
import sources_helpers as h

from whea_gui.cli import main
from whea_gui.sources import iter_bytes, iter_path

CHUNK0 = 4096


def _intact() -> list[tuple[bytes, dict]]:
    return [(r.data, r.source) for r in iter_path(h.EVTX)]


def _without_path(items) -> list[tuple[bytes, dict]]:
    return [(data, {k: v for k, v in src.items() if k != "path"}) for data, src in items]


def _damaged(how: str) -> bytes:
    blob = bytearray(h.EVTX.read_bytes())
    if how == "signature":
        blob[:8] = b"XXXXXXXX"
    elif how == "zeroed":
        blob[:CHUNK0] = bytes(CHUNK0)
    elif how == "garbled":
        rng = random.Random(6)
        blob[:CHUNK0] = bytes(rng.randrange(256) for _ in range(CHUNK0))
    return bytes(blob)


@pytest.mark.parametrize("how", ["signature", "zeroed", "garbled"])
def test_a_damaged_file_header_is_read_by_its_chunks(tmp_path, how):
    path = tmp_path / "damaged.evtx"
    path.write_bytes(_damaged(how))
    problems = []
    got = [(r.data, r.source) for r in iter_path(path, problems.append)]
    # all 52 events (47 WhLg + 5 error-source tables) as from the intact log: record ids, times,
    # computer, offsets; none of the stale records in the chunks' slack space
    assert _without_path(got) == _without_path(_intact()) and len(got) == 52
    assert all(src["event_record_id"] and src["time_created"] and src["computer"] for _, src in got)
    [err] = [p for p in problems if p.level == "error"]
    assert err.offset == 0 and err.path == str(path)
    assert err.length == (8 if how == "signature" else 128)
    assert "recognised as an event log by its chunks" in err.message
    if how == "signature":
        assert "signature is damaged (found b'XXXXXXXX'" in err.message
        assert "read with the signature restored" in err.message
    else:
        assert "file header is damaged" in err.message and "chunk count is not used" in err.message
    assert not [p for p in problems if p.level == "warning"]


def test_bytes_given_in_memory_are_read_the_same(tmp_path):
    problems = []
    got = [(r.data, r.source) for r in iter_bytes(_damaged("signature"), "x.evtx", problems.append)]
    assert _without_path(got) == _without_path(_intact())
    assert [p.offset for p in problems if p.level == "error"] == [0]


def test_decode_exits_1_and_shows_every_event(tmp_path, capsysbinary):
    path = tmp_path / "v6.evtx"
    path.write_bytes(_damaged("signature"))
    assert main(["decode", "--json", str(path)]) == 1
    out, err = capsysbinary.readouterr()
    items = [json.loads(line) for line in out.splitlines()]
    assert len(items) == 52 and sum(i["kind"] == "whlg" for i in items) == 47
    assert all(i["source"]["kind"] == "evtx" for i in items)
    assert b"at bytes 0\xe2\x80\x937: the file header's signature is damaged" in err
    assert b"hold no CPER record" not in err  # not carved as raw binary


def _read_as_intact_with_two_problems(blob: bytes, path) -> None:
    """The damaged log gives the intact log's items, with an error at the file header and a
    warning at chunk 0."""
    path.write_bytes(blob)
    problems = []
    got = [(r.data, r.source) for r in iter_path(path, problems.append)]
    assert _without_path(got) == _without_path(_intact())
    assert [(p.level, p.offset) for p in problems] == [("error", 0), ("warning", CHUNK0)]


def test_a_damaged_chunk_signature_as_well_is_read_behind_the_repaired_header(tmp_path):
    blob = bytearray(_damaged("signature"))
    blob[CHUNK0:CHUNK0 + 8] = b"YYYYYYYY"  # chunk 0 is recovered on its own (evtx_repair)
    _read_as_intact_with_two_problems(bytes(blob), tmp_path / "both.evtx")


def test_flips_in_the_header_signature_its_checksum_and_chunk_0_still_make_a_log(tmp_path):
    # fuzzing 5, F5-10: three bit flips (file signature, header checksum, chunk 0's signature)
    # made the log be carved as raw binary: 70 items, stale slack records shown as live, exit 0
    blob = bytearray(h.EVTX.read_bytes())
    for at in (0, 124, CHUNK0):
        blob[at] ^= 1
    _read_as_intact_with_two_problems(bytes(blob), tmp_path / "flips.evtx")
    # a binary that merely holds one chunk among many used slots is no log
    image = bytearray(random.Random(3).randbytes(CHUNK0 + 8 * 65536))
    image[CHUNK0 + 65536:CHUNK0 + 2 * 65536] = h.EVTX.read_bytes()[CHUNK0:CHUNK0 + 65536]
    assert not [r for r in iter_bytes(bytes(image), "image.bin") if "event_record_id" in r.source]


def test_a_log_without_its_file_header_is_read_by_its_chunks():
    # recheck N4: the file starts at a chunk (a chunk carved out of a log, or a log whose first
    # 4096 bytes are cut off): it was carved as raw binary, 70 items (20 stale), no provenance
    whole = h.EVTX.read_bytes()
    intact = list(iter_bytes(whole, "whole.evtx"))
    problems = []
    refs = list(iter_bytes(whole[4096:], "cut.evtx", problems.append))
    assert [(r.data, r.source["event_record_id"], r.source["offset"]) for r in refs] == \
        [(r.data, r.source["event_record_id"], r.source["offset"] - 4096) for r in intact]
    assert [p.level for p in problems if p.offset == 0 and "not the 4096-byte file header" in p.message] \
        == ["error"]
    # one chunk alone
    refs = list(iter_bytes(whole[4096:4096 + 65536], "chunk.bin", lambda p: None))
    assert refs and all(r.source["kind"] == "evtx" for r in refs)


def test_a_one_chunk_log_with_its_header_and_chunk_signatures_flipped_is_a_log(tmp_path):
    # recheck 5, N-9: the majority rule of F5-10 cannot hold for a log of one chunk; two
    # signatures each a bit off are damage, not another format
    one = h.EVTX.read_bytes()[:CHUNK0 + 65536]
    (tmp_path / "one.evtx").write_bytes(one)
    intact = [(r.data, {k: v for k, v in r.source.items() if k != "path"}) for r in iter_path(tmp_path / "one.evtx")]
    assert intact
    blob = bytearray(one)
    for at in (0, 124, CHUNK0):
        blob[at] ^= 1
    path = tmp_path / "flips.evtx"
    path.write_bytes(bytes(blob))
    problems = []
    got = [(r.data, {k: v for k, v in r.source.items() if k != "path"}) for r in iter_path(path, problems.append)]
    assert got == intact
    assert [(p.level, p.offset) for p in problems] == [("error", 0), ("warning", CHUNK0)]
