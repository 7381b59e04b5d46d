"""A record cut short inside a section that may carry data (vendor, unknown), followed by whole
records (audit 3, N4): the whole records that run, one after another, exactly to the cut (the
end of the data, or a record that starts inside the cut one) were concatenated after it, not
embedded in it. An intact record keeps its embedded copies, and a note names each of them.
A record cut at exactly its header end is reported like any other cut (N8)."""

from __future__ import annotations

import base64
import contextlib
import io
import json

from sources_helpers import DWR, VECTORS

from whea_gui.cli import main
from whea_gui.compose import build_record
from whea_gui.decode import decode_buffer, decode_record, split_records
from whea_gui.sources import raw

FATAL = (DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()  # 1019 bytes, Fatal
MEMORY = (DWR / "cper_memory_1sec_padded.bin").read_bytes()  # 277 bytes, Corrected
ZEN4 = (DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes()  # 2063 bytes, 4 sections
PCIE = (VECTORS / "libcper-examples" / "pcie.cper").read_bytes()  # libcper-generated
UNKNOWN = "3b5e0d2a-1111-4c4c-9999-0123456789ab"  # a section type nobody registered
CUT = 300  # inside the unknown section's body (it starts at 200)


def _outer(body_len: int = 3000, body: bytes = b"") -> bytes:
    """A Corrected record with one unknown-GUID section of ``body_len`` bytes (``body`` then
    filler)."""
    data = body + bytes((i * 7) & 0xFF for i in range(body_len - len(body)))
    obj = {"kind": "cper", "header": {"severity": 2},
           "sections": [{"type": UNKNOWN, "severity": 2,
                         "body_base64": base64.b64encode(data).decode()}]}
    return build_record(obj).data


def _read(blob: bytes):
    problems = []
    refs = list(raw.read_buffer(blob, "dump.bin", problems.append))
    return [(r.source["offset"], r.data) for r in refs], problems


def _cuts(problems):
    return [(p.offset, p.level, p.message) for p in problems if "cut short" in p.message]


def _cut_message(declared: int, cut: int) -> tuple[int, str, str]:
    return (0, "error", f"record at offset 0 is cut short at {cut} by a record that starts there "
                        f"(it declares {declared} bytes, {cut} are present)")


def _decode_cli(path) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["decode", "--json", str(path)])
    text = out.getvalue().strip()
    records = json.loads(text) if text.startswith("[") else [json.loads(x) for x in text.splitlines()]
    return status, records, err.getvalue()


def _clean(data: bytes) -> None:
    rec = decode_record(data)
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    assert not rec.has_errors()


def test_cut_in_a_vendor_section_then_a_whole_record_ending_with_the_data(tmp_path):
    """v7: the whole memory record runs exactly to the end of the data."""
    outer = _outer()
    blob = outer[:CUT] + MEMORY
    got, problems = _read(blob)
    assert got == [(0, outer[:CUT]), (CUT, MEMORY)]
    assert _cuts(problems) == [_cut_message(len(outer), CUT)]
    assert list(split_records(blob)) == [(0, CUT), (CUT, len(MEMORY))]
    _clean(MEMORY)
    path = tmp_path / "v7.bin"
    path.write_bytes(blob)
    status, records, err = _decode_cli(path)
    assert status == 1
    assert [r["source"]["offset"] for r in records] == [0, CUT]
    assert records[1]["header"]["severity_name"] == "Corrected" and records[1]["length"] == 277
    assert f"record at offset 0 is cut short at {CUT}" in err and "1 input failed" in err


def test_cut_in_a_vendor_section_then_a_fatal_record_then_one_running_past_the_section(tmp_path):
    """v8: the outer record's section ends inside the memory record, so that one cuts it; the
    fatal record before it, held in the section, runs exactly to that cut: it comes after the
    cut record too."""
    outer = _outer(body_len=CUT - 200 + len(FATAL) + 4)  # the section ends 4 bytes into MEMORY
    blob = outer[:CUT] + FATAL + MEMORY
    got, problems = _read(blob)
    assert got == [(0, outer[:CUT]), (CUT, FATAL), (CUT + len(FATAL), MEMORY)]
    assert _cuts(problems) == [_cut_message(len(outer), CUT)]
    assert list(split_records(blob)) == [(0, CUT), (CUT, len(FATAL)),
                                         (CUT + len(FATAL), len(MEMORY))]
    path = tmp_path / "v8.bin"
    path.write_bytes(blob)
    status, records, _err = _decode_cli(path)
    assert status == 1
    assert [(r["source"]["offset"], r["header"]["severity_name"]) for r in records] == [
        (0, "Corrected"), (CUT, "Fatal"), (CUT + len(FATAL), "Corrected")]


def test_a_chain_of_whole_records_inside_the_cut_section_is_split_from_its_first():
    """Three whole records (DecodeWheaRecord and libcper-generated) after the cut, all inside
    the section's claimed bytes, the last ending with the data."""
    outer = _outer()
    tail = FATAL + PCIE + MEMORY
    assert CUT + len(tail) < len(outer)
    blob = outer[:CUT] + tail
    got, problems = _read(blob)
    assert got == [(0, outer[:CUT]), (CUT, FATAL), (CUT + len(FATAL), PCIE),
                   (CUT + len(FATAL) + len(PCIE), MEMORY)]
    assert _cuts(problems) == [_cut_message(len(outer), CUT)]
    assert [o for o, _n in split_records(blob)] == [o for o, _d in got]
    assert [r.header["severity"] for r in decode_buffer(blob)[1:]] == [
        int.from_bytes(rec[12:16], "little") for rec in (FATAL, PCIE, MEMORY)]


def test_records_that_do_not_reach_the_cut_stay_embedded_in_the_cut_record():
    """A whole record inside the cut section that is followed by more of the section's bytes
    is not what came after the cut: the cut record keeps it and names it in a note."""
    outer = _outer(body=bytes(100) + FATAL)  # FATAL at 300, then filler
    for cut in (CUT + len(FATAL) + 50, CUT + len(FATAL) + 1):
        got, problems = _read(outer[:cut])
        assert got == [(0, outer[:cut])] and _cuts(problems) == []
        rec = decode_record(outer[:cut])
        assert "truncated" in {f.code for f in rec.findings}
        notes = [f for f in rec.findings if f.code == "embedded-record"]
        assert [(f.level, f.offset, f.length) for f in notes] == [("note", CUT, len(FATAL))]


def test_an_intact_record_keeps_the_record_it_embeds_and_names_it(tmp_path):
    """v6: the declared length fits and nothing cuts it: one record, exit 0, and a note says a
    Fatal record is inside section 0. The embedded record ends at the record's very end, yet
    the record is intact, so it stays embedded."""
    body = bytes(100) + FATAL
    outer = _outer(body_len=len(body), body=body)  # FATAL ends exactly at the record's end
    for blob in (outer, outer + MEMORY):
        got, problems = _read(blob)
        assert got[0] == (0, outer) and _cuts(problems) == []
        assert list(split_records(blob))[0] == (0, len(outer))
    path = tmp_path / "v6.bin"
    path.write_bytes(outer)
    status, records, _err = _decode_cli(path)
    assert status == 0 and len(records) == 1
    assert [f for f in records[0]["findings"] if f["code"] == "embedded-record"] == [{
        "level": "note", "offset": CUT, "length": len(FATAL), "code": "embedded-record",
        "message": f"Section 0 holds a whole CPER record at byte {CUT} (Fatal, {len(FATAL)} "
                   "bytes); it is kept as part of the section (decode those bytes on their own "
                   "to read it)"}]


def test_many_embedded_records_are_counted_not_listed_one_by_one():
    body = (PCIE + MEMORY) * 10
    outer = _outer(body_len=len(body), body=body)
    rec = decode_record(outer)
    notes = [f for f in rec.findings if f.code == "embedded-record"]
    assert len(notes) == 9
    assert notes[0].offset == 200 and notes[1].offset == 200 + len(PCIE)
    assert notes[-1].message == "Section 0 holds 12 more whole records after these"


def test_a_record_cut_at_its_header_end_reports_the_cut(tmp_path):
    """N8: 128 bytes of a record, then a whole one: the cut is reported as at any other byte."""
    for first, second in ((ZEN4, FATAL), (FATAL, MEMORY), (ZEN4, PCIE)):
        for cut in (128, 128 + 1, 128 + 40):  # at the header end, inside descriptor 0
            blob = first[:cut] + second
            got, problems = _read(blob)
            assert got == [(0, first[:cut]), (cut, second)], cut
            assert _cuts(problems) == [_cut_message(len(first), cut)], cut
            assert list(split_records(blob)) == [(0, cut), (cut, len(second))], cut
    path = tmp_path / "v5.bin"
    path.write_bytes(ZEN4[:128] + FATAL)
    status, records, err = _decode_cli(path)
    assert status == 1 and [r["source"]["offset"] for r in records] == [0, 128]
    assert "record at offset 0 is cut short at 128 by a record that starts there" in err
    assert "1 input failed" in err


def test_genuine_vectors_read_as_before():
    """Every DecodeWheaRecord vector: one record, no cut, no embedded-record note."""
    for path in sorted(DWR.glob("cper_*.bin")):
        data = path.read_bytes()
        got, problems = _read(data)
        assert got == [(0, data)] and _cuts(problems) == [], path.name
        assert "embedded-record" not in {f.code for f in decode_record(data).findings}
