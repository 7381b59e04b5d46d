"""Items from an .evtx chunk whose checksum fails carry a mark a consumer sees (audit 4, A4-13):
the provenance names the chunk, the decoded record has a warning finding, and the run exits 1."""

from __future__ import annotations

import json

import sources_helpers as h

from whea_gui.cli import main
from whea_gui.decode.record import decode_record
from whea_gui.sources import iter_path
from whea_gui.sources.evtx_log import CHECKSUM_FLAG

CHUNK0 = 4096
MARK = {"chunk": 0, "offset": CHUNK0}


def _intact() -> dict[int, bytes]:
    return {r.source["event_record_id"]: r.data for r in iter_path(h.EVTX)}


def _flipped(tmp_path):
    """The log with one bit flipped inside event record 1's WhLg payload (chunk 0): the parser
    still reads every event, only the chunk's checksum tells."""
    blob = bytearray(h.EVTX.read_bytes())
    first = _intact()[1]
    at = blob.find(first)  # record 1's (a later record of chunk 0 holds the same entry)
    assert CHUNK0 < at < CHUNK0 + 65536
    blob[at + 40] ^= 0x04  # in the payload, after the 32-byte WhLg header (the auditor's v7)
    path = tmp_path / "flipped.evtx"
    path.write_bytes(bytes(blob))
    return path


def test_each_item_of_the_chunk_names_it_in_its_provenance(tmp_path):
    problems = []
    refs = list(iter_path(_flipped(tmp_path), problems.append))
    intact = _intact()
    assert len(refs) == 52 and refs[0].data != intact[1]  # the flip is in the bytes shown
    for r in refs:
        rid = r.source["event_record_id"]
        assert r.source.get(CHECKSUM_FLAG) == (MARK if rid <= 25 else None), rid
    [err] = [p for p in problems if p.level == "error"]
    assert (err.offset, err.length) == (CHUNK0, 65536)
    assert "chunk 0 (event records 1–25) fails its checksum" in err.message


def test_decode_gives_each_item_a_warning_finding_and_exits_1(tmp_path, capsysbinary):
    assert main(["decode", "--json", str(_flipped(tmp_path))]) == 1
    items = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert len(items) == 52
    for item in items:
        marks = [f for f in item["findings"] if f["code"] == "event-chunk-checksum"]
        if item["source"]["event_record_id"] <= 25:  # 23 WhLg entries and 2 error-source tables
            [f] = marks
            assert f["level"] == "warning" and "checksum fails (chunk 0, at byte 4096" in f["message"]
            assert "may be damaged" in f["message"]
        else:
            assert not marks


def test_a_chunk_whose_signature_alone_is_damaged_is_not_marked(tmp_path):
    blob = bytearray(h.EVTX.read_bytes())
    blob[CHUNK0:CHUNK0 + 8] = b"XXXXXXXX"  # its checksums hold once the signature is restored
    path = tmp_path / "signature.evtx"
    path.write_bytes(bytes(blob))
    problems = []
    refs = list(iter_path(path, problems.append))
    assert len(refs) == 52 and not any(CHECKSUM_FLAG in r.source for r in refs)
    assert not [p for p in problems if "checksum" in p.message]


def test_the_mark_is_a_finding_on_any_kind_of_record():
    name, data = h.dwr_records()[0]
    plain = decode_record(data, source={"kind": "evtx"})
    marked = decode_record(data, source={"kind": "evtx", CHECKSUM_FLAG: {"chunk": 3, "offset": 200704}})
    assert [f for f in marked.findings if f not in plain.findings] == [
        f for f in marked.findings if f.code == "event-chunk-checksum"]
    [f] = [f for f in marked.findings if f.code == "event-chunk-checksum"]
    assert (f.offset, f.length) == (0, len(data)) and "chunk 3, at byte 200704" in f.message, name
