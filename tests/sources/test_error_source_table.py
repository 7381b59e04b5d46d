"""Kernel-WHEA Event ID 5 ("WHEA initialized"): its EventData ErrorSourceTable is decoded as an
item of its own (kind "error_source_table") instead of being dropped with a note.

Real bytes: the five Event ID 5 events of the shared Windows log (9 or 8 error sources each,
x64 kernel entries of 1072 bytes with the 972-byte WHEA_ERROR_SOURCE_DESCRIPTOR at +96),
checked against the event's own ErrorSourceCount / ErrorSourceTableLength, the WheaInit WhLg
entries of the same log, and hostile copies: truncated, a count larger than the bytes, a table
of garbage, a huge count, values that are no numbers."""

from __future__ import annotations

import json
import struct

import evtx
import sources_helpers as h

from whea_gui.cli import main
from whea_gui.decode import decode_record
from whea_gui.decode.explain import explain_record
from whea_gui.formats import error_source_table as est
from whea_gui.session import InspectorSession
from whea_gui.session.recordset import make_batch
from whea_gui.sources import RecordRef, iter_bytes, iter_path

TABLE = "error_source_table"


def _tables():
    return [r for r in iter_path(h.EVTX) if r.source.get("format") == TABLE]


def _event_data() -> dict[int, dict]:
    """Each Event ID 5's EventData as the Rust parser gives it (the oracle for the values)."""
    out = {}
    for rec in evtx.PyEvtxParser(str(h.EVTX)).records_json():
        doc = json.loads(rec["data"])["Event"]
        if doc["System"]["EventID"] == 5:
            out[rec["event_record_id"]] = doc["EventData"]
    return out


def _clean(rec) -> None:
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]


def test_every_event_5_table_is_decoded_entry_by_entry():
    data = _event_data()
    tables = _tables()
    assert sorted(r.source["event_record_id"] for r in tables) == sorted(data) and len(tables) == 5
    for ref in tables:
        ed = data[ref.source["event_record_id"]]
        assert ref.data == bytes.fromhex(ed["ErrorSourceTable"])
        assert ref.source["error_source_table"] == {
            "error_source_count": ed["ErrorSourceCount"],
            "error_source_table_length": ed["ErrorSourceTableLength"],
            "error_record_format": ed["ErrorRecordFormat"]}
        rec = decode_record(ref.data, source=ref.source)
        _clean(rec)
        assert rec.kind == TABLE and rec.findings == []  # a sound table: nothing to say
        assert rec.header["layout"] == "x64" and rec.header["entry_size"] == 1072
        assert len(rec.sections) == rec.header["entries"] == ed["ErrorSourceCount"]
        for i, s in enumerate(rec.sections):
            off = i * 1072
            assert s.values["offset"] == off and s.descriptor.offset == off
            d = s.fields["descriptor"]
            # the descriptor's fields, read here straight from the bytes at +96
            length, version, stype, state = struct.unpack_from("<4I", ref.data, off + 96)
            sid = struct.unpack_from("<I", ref.data, off + 96 + 28)[0]
            assert (d["length"], d["version"], d["type"], d["state"], d["error_source_id"]) == (
                length, version, stype, state, sid) == (972, version, stype, 2, i)
            assert s.fields["entry"]["type"] == stype  # the kernel entry agrees with it
            assert s.values["type_name"] == f"{d['type_name']} error source"
        kinds = [s.fields["descriptor"]["type_name"] for s in rec.sections]
        assert kinds.count("PCIe") == 3 and {"MCE", "CMC", "NMI", "BOOT", "DeviceDriver"} <= set(kinds)
        assert rec.summary.startswith(f"WHEA error source table: {len(kinds)} error sources (PCIe 3")


def test_each_table_equals_the_wheainit_entry_logged_next():
    """Windows logs a WheaInit WhLg entry (Event ID 42, the next event record) with the same
    descriptors, in another wrapper: the two decodes must agree descriptor for descriptor."""
    refs = list(iter_path(h.EVTX))
    by_id = {r.source["event_record_id"]: r for r in refs}
    for ref in refs:
        if ref.source.get("format") != TABLE:
            continue
        table = decode_record(ref.data, source=ref.source)
        after = by_id[ref.source["event_record_id"] + 1]
        init = decode_record(after.data, source=after.source)
        assert init.header["id_name"] == "WheaInit"
        theirs = init.header["payload"]["error_sources"]
        ours = [s.fields for s in table.sections]
        assert [o["descriptor"] for o in ours] == [t["descriptor"] for t in theirs]
        assert len(ours) in (8, 9)
        # the kernel entries: the same structure in both, the same keys; the counters agree
        # (the pointers may differ: WheaInit is logged from another copy)
        for o, t in zip(ours, theirs):
            assert set(o["entry"]) | {"type_name", "descriptor"} == set(t)
            for key in ("type", "record_count", "record_length", "section_count", "pool_tag"):
                assert o["entry"][key] == t[key], key


def test_decode_text_and_json_show_the_table(capsys):
    assert main(["decode", str(h.EVTX)]) == 0
    out, err = capsys.readouterr()
    assert "carry no record data" not in err and "no RawData" not in err
    assert out.count("(error_source_table, ") == 5
    assert "Error source descriptor: PCIe source 0" in out and "Pool tag: Whea " in out
    assert main(["decode", "--json", str(h.EVTX)]) == 0
    objs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    tables = [o for o in objs if o["kind"] == TABLE]
    assert len(objs) == 52 and len(tables) == 5
    whlg = [o for o in objs if o["kind"] == "whlg"]
    # the record keys every object has, unchanged; the table's facts in header, sources in sections
    assert all(set(o) >= {"kind", "source", "header", "sections", "findings", "summary", "length"}
               for o in objs)
    assert len(whlg) == 47
    t = tables[0]
    assert t["header"]["error_source_count"] == len(t["sections"]) == 9
    assert t["sections"][0]["fields"]["descriptor"]["info"]["descriptor_type_name"] == "AerRootPort"
    assert t["source"]["event_id"] == 5 and t["source"]["field"] == "ErrorSourceTable"


def test_the_window_lists_the_tables():
    s = InspectorSession()
    s.add_batch(make_batch(iter_path(h.EVTX)))
    rows = [i for i in range(len(s.records)) if s.records.source(i).get("format") == TABLE]
    assert len(rows) == 5 and len(s.records) == 52
    for i in rows:
        assert s.records.quick_summary(i).startswith("WHEA error source table")
        assert s.records.severity_text(i) == "Configuration"
        rec = s.decoded(i)
        assert rec.kind == TABLE and len(rec.sections) in (8, 9)
        e = explain_record(rec)
        assert e["headline"] == rec.summary and "not a hardware error" in e["severity_meaning"]


# -- hostile tables -------------------------------------------------------------------------------
def _real() -> RecordRef:
    return _tables()[0]


def _decode(data: bytes, **values):
    src = dict(_real().source)
    src["error_source_table"] = {**src["error_source_table"], **values}
    rec = decode_record(data, source=src)
    _clean(rec)
    return rec


def _codes(rec) -> set[str]:
    return {f.code for f in rec.findings}


def test_truncated_table_keeps_the_whole_entries_and_names_the_place():
    data = _real().data
    cut = data[:3 * 1072 + 500]
    rec = _decode(cut)
    assert len(rec.sections) == 3 and rec.has_errors()
    msgs = [f.message for f in rec.findings]
    path = str(h.EVTX)
    assert any(m.startswith(f"{path}: event record 9 (Event ID 5) ErrorSourceTable: "
                            "ErrorSourceTableLength is 9648 but the table holds 3716 bytes")
               for m in msgs), msgs
    assert any("ErrorSourceCount is 9 but 3716 bytes hold only 3 entries of 1072 bytes" in m
               for m in msgs), msgs
    # the left-over bytes are shown, not dropped
    unused = rec.root.find("unused")
    assert unused is not None and (unused.offset, unused.length) == (3 * 1072, 500)


def test_a_count_larger_than_the_bytes_is_bounded():
    data = _real().data
    for count in (10, 1 << 31, 0xFFFFFFFF):
        rec = _decode(data, error_source_count=count)
        assert len(rec.sections) == 9 and "count" in _codes(rec)
        assert any(f"ErrorSourceCount is {count} but 9648 bytes hold only 9 entries" in f.message
                   for f in rec.findings)


def test_a_huge_table_decodes_at_most_max_sources():
    entry = _real().data[:1072]
    blob = entry * (est.MAX_SOURCES + 3)
    rec = _decode(blob, error_source_count=est.MAX_SOURCES + 3,
                  error_source_table_length=len(blob))
    assert len(rec.sections) == est.MAX_SOURCES
    assert any(f"exceed the {est.MAX_SOURCES} this reader decodes" in f.message for f in rec.findings)


def test_garbage_is_shown_with_findings_at_byte_offsets():
    import random
    rnd = random.Random(5)
    for size in (0, 7, 1071, 1072, 1073, 5000, 9648):
        blob = bytes(rnd.randrange(256) for _ in range(size))
        rec = _decode(blob, error_source_table_length=size, error_source_count=9)
        assert rec.kind == TABLE
        assert len(rec.sections) == size // 1072
        for s in rec.sections:  # random bytes fail the entry's checks, each at its own offset
            bad = [f for f in rec.findings if s.values["offset"] <= f.offset < s.values["offset"] + 1072
                   and f.code in ("error-source-entry", "length", "version", "descriptor-type")]
            assert bad, f"entry {s.index} of {size} random bytes passed every check"
            assert any(f"error source {s.index} at table byte {s.values['offset']}" in f.message
                       for f in bad)
        if size % 1072 and size % 1056:
            assert "error-source-layout" in _codes(rec)


def test_values_that_are_not_numbers_are_reported_and_the_table_still_read():
    table = _real().data
    text = ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            "<Provider Name='Microsoft-Windows-Kernel-WHEA'/><EventID>5</EventID>"
            "<TimeCreated SystemTime='2024-11-14T16:15:46.474581Z'/><EventRecordID>9</EventRecordID>"
            "<Channel>Microsoft-Windows-Kernel-WHEA/Operational</Channel><Computer>pc</Computer>"
            "</System><EventData><Data Name='ErrorSourceCount'>nine</Data>"
            "<Data Name='ErrorRecordFormat'>10</Data>"
            "<Data Name='ErrorSourceTableLength'>99999999999999999999999</Data>"
            f"<Data Name='ErrorSourceTable'>{table.hex().upper()}</Data></EventData></Event>")
    problems = []
    [ref] = list(iter_bytes(text.encode(), "event5.xml", problems.append))
    assert ref.source["format"] == TABLE and ref.data == table
    assert ref.source["error_source_table"] == {"error_record_format": 10}
    msgs = [p.message for p in problems]
    assert any(m.startswith("event record 9 (Event ID 5): ErrorSourceCount 'nine' is not a number")
               for m in msgs), msgs
    assert any("ErrorSourceTableLength '9999" in m and "not a number" in m for m in msgs), msgs
    rec = decode_record(ref.data, source=ref.source)
    _clean(rec)
    assert len(rec.sections) == 9 and rec.findings == []  # read by its own length


def test_store_import_skips_the_tables(tmp_path, capsys):
    store = tmp_path / "s.wheastore"
    main(["store", "import", "--store", str(store), str(h.EVTX)])
    out = capsys.readouterr().out
    assert "skipped 5 error-source tables" in out and "skipped 47 WhLg event-log entries" in out


def test_every_report_format_lists_the_tables(tmp_path):
    from whea_gui.report import write_report
    for fmt in ("html", "md", "json", "csv"):
        out = tmp_path / f"r.{fmt}"
        write_report([str(h.EVTX)], out)
        text = out.read_text(encoding="utf-8")
        assert text.count("WHEA error source table: 9 error sources") >= 1, fmt
        assert "Traceback" not in text
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    kinds = [r["kind"] for r in report["records"]]
    assert kinds.count(TABLE) == 5 and len(kinds) == 52


def test_an_x86_table_is_read_with_the_x86_entry_layout():
    """The same sources as a 32-bit Windows lays them out (4-byte pointers: descriptor at +80,
    1056-byte entries), made from the real table's fields: the layout is chosen from
    ErrorSourceCount × entry size, and every descriptor and counter comes out the same."""
    x64, x86 = est.LAYOUTS
    assert (x64.wrapper.size, x64.size, x86.wrapper.size, x86.size) == (0x60, 0x430, 0x50, 0x420)
    real = decode_record(_real().data, source=_real().source)
    blob = b""
    for s in real.sections:
        raw = _real().data[s.values["offset"]:s.values["offset"] + 1072]
        v = x64.wrapper.unpack(raw)
        v["list_entry"] = v["list_entry"][:8]  # two 4-byte pointers
        v["records"] &= 0xFFFFFFFF
        v["context"] &= 0xFFFFFFFF
        entry = x86.wrapper.pack(v) + raw[0x60:0x60 + 972]
        blob += entry + bytes(x86.size - len(entry))
    rec = _decode(blob, error_source_table_length=len(blob))
    assert rec.header["layout"] == "x86" and rec.findings == []
    assert [s.fields["descriptor"] for s in rec.sections] == [s.fields["descriptor"] for s in real.sections]
    for a, b in zip(rec.sections, real.sections):
        for key in ("type", "record_count", "record_length", "section_count", "pool_tag", "busy"):
            assert a.fields["entry"][key] == b.fields["entry"][key]
        assert a.values["offset"] == a.index * 0x420
