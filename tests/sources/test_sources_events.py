"""Windows event logs: the real .evtx, damaged copies, XML exports and wevtutil output."""

from __future__ import annotations

import re
import shutil
import struct
import sys

import Evtx.Evtx as python_evtx  # an independent parser, used as the oracle
import pytest
import sources_helpers as h

from whea_gui.decode import decode_record
from whea_gui.sources import SourceError, iter_bytes, iter_path
from whea_gui.sources.evtx_log import CHUNK_SIZE, scan_chunks
from whea_gui.sources.live import parse_wevtutil_output, wevtutil_command
from whea_gui.sources.winevent import decode_binary, iso_utc

CHANNEL = "Microsoft-Windows-Kernel-WHEA/Operational"


def _oracle() -> dict[int, dict]:
    """What python-evtx reads (chunks the header counts: records 1–49), keyed by record id."""
    out = {}
    with python_evtx.Evtx(str(h.EVTX)) as log:
        for rec in log.records():
            xml = rec.xml()
            fields = dict(re.findall(r'<Data Name="(\w+)">([^<]*)</Data>', xml))
            out[rec.record_num()] = {
                "event_id": int(re.search(r"<EventID[^>]*>(\d+)<", xml).group(1)),
                "computer": re.search(r"<Computer>([^<]*)<", xml).group(1),
                "time": re.search(r'SystemTime="([^"]+)"', xml).group(1), "fields": fields}
    return out


def _records(refs):
    """The WhLg/CPER items (Event ID 5's error-source tables are items of their own)."""
    return [r for r in refs if r.source.get("format") != "error_source_table"]


def test_real_evtx_47_entries_with_windows_provenance():
    problems = []
    every = list(iter_path(h.EVTX, problems.append))
    refs = _records(every)
    assert len(every) - len(refs) == 5  # the Event ID 5 tables (test_error_source_table.py)
    assert len(refs) == 47
    oracle = _oracle()
    assert len(oracle) == 49  # python-evtx trusts the header's stale chunk count; we read 52
    ids = [r.source["event_record_id"] for r in refs]
    assert ids == sorted(ids) and max(ids) == 52
    for ref in refs:
        src = ref.source
        assert src["kind"] == "evtx" and src["event_id"] == 42 and src["channel"] == CHANNEL
        assert src["provider"] == "Microsoft-Windows-Kernel-WHEA" and src["field"] == "RawData"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", src["time_created"])
        rec = decode_record(ref.data, source=src)
        assert rec.kind == "whlg"
        # Windows' own EventData: Length and Id of the entry match the decoded header
        fields = oracle.get(src["event_record_id"], {}).get("fields")
        if fields:
            assert int(fields["Length"]) == len(ref.data) == rec.header["length"]
            assert int(fields["Id"]) == rec.header["id"] and int(fields["Owner"]) == rec.header["owner_tag"]
            assert _seconds(oracle[src["event_record_id"]]["time"]) == pytest.approx(
                _seconds(src["time_created"]), abs=5e-6)  # python-evtx converts ticks via floats
            assert oracle[src["event_record_id"]]["computer"] == src["computer"]
    # every WHEA event's data is listed: no "carry no record data" note any more
    assert not [p for p in problems if "carry no record data" in p.message or "no RawData" in p.message]
    assert not [p for p in problems if p.level in ("error", "warning")]


def _seconds(text: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(iso_utc(text).replace("Z", "+00:00")).timestamp()


def test_offsets_point_at_the_event_records():
    blob = h.EVTX.read_bytes()
    for ref in iter_path(h.EVTX):
        off = ref.source["offset"]
        assert blob[off:off + 4] == b"**\0\0"
        assert struct.unpack_from("<Q", blob, off + 8)[0] == ref.source["event_record_id"]
        assert ref.data in blob[off:off + struct.unpack_from("<I", blob, off + 4)[0]]


def test_damaged_chunk_loses_only_that_chunk(tmp_path):
    copy = tmp_path / "damaged.evtx"
    shutil.copy(h.EVTX, copy)
    blob = bytearray(copy.read_bytes())
    chunk2 = 4096 + CHUNK_SIZE
    for i in range(chunk2 + 612, chunk2 + 900):  # the string table / first records
        blob[i] ^= 0x5A
    copy.write_bytes(bytes(blob))
    good = {r.source["event_record_id"] for r in iter_path(h.EVTX)}
    problems = []
    got = {r.source["event_record_id"] for r in iter_path(copy, problems.append)}
    assert got == {i for i in good if not 26 <= i <= 49}
    assert got and any(i > 49 for i in got)
    lost = [p for p in problems if p.level == "error"]
    assert lost and lost[0].offset == chunk2 and lost[0].path == str(copy)
    assert h.EVTX.read_bytes() != bytes(blob)  # the original was not touched


def test_checksum_damage_is_reported_and_events_still_read(tmp_path):
    blob = bytearray(h.EVTX.read_bytes())
    first = next(iter_path(h.EVTX))
    at = blob.find(first.data, first.source["offset"])
    blob[at + 40] ^= 0xFF  # inside the RawData bytes of event record 1
    copy = tmp_path / "bitflip.evtx"
    copy.write_bytes(bytes(blob))
    problems = []
    refs = _records(iter_path(copy, problems.append))
    assert len(refs) == 47 and refs[0].data[40] == first.data[40] ^ 0xFF
    assert any(p.offset == 4096 and "checksum" in p.message for p in problems)


def test_scan_chunks_reads_past_the_stale_header_count():
    chunks = scan_chunks(h.EVTX.read_bytes(), "x", lambda p: None)
    assert [(c["first"], c["last"]) for c in chunks] == [(1, 25), (26, 49), (50, 52)]
    assert sum(len(c["records"]) for c in chunks) == 52


def _rust_xml_events() -> list[str]:
    import evtx
    return [re.sub(r"^<\?xml[^>]*\?>\s*", "", r["data"]) for r in evtx.PyEvtxParser(str(h.EVTX)).records()]


def test_event_viewer_xml_export_utf16_with_root(tmp_path):
    text = '<?xml version="1.0" encoding="UTF-16"?>\r\n<Events>' + "".join(_rust_xml_events()) + "</Events>"
    path = tmp_path / "export.xml"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    refs = list(iter_path(path))
    from_evtx = list(iter_path(h.EVTX))
    assert [r.data for r in refs] == [r.data for r in from_evtx]
    keys = ("event_record_id", "event_id", "provider", "time_created", "computer", "channel")
    assert [[r.source[k] for k in keys] for r in refs] == [[r.source[k] for k in keys] for r in from_evtx]
    raw = path.read_bytes()
    for r in refs:
        assert raw[r.source["offset"]:r.source["offset"] + 24].decode("utf-16-le") == "<Event xmlns"
        assert r.source["kind"] == "eventxml"


def test_xml_export_utf8_without_root_and_a_broken_event(tmp_path):
    events = _rust_xml_events()
    events[10] = events[10].replace("</System>", "</Sys>")  # not well-formed
    path = tmp_path / "bare.xml"
    path.write_text("\n".join(events), encoding="utf-8")
    problems = []
    refs = _records(iter_path(path, problems.append))
    # the broken event's <System> is unreadable, its RawData whole: read on its own, without
    # the System's provenance (the eighth session; it was skipped)
    assert len(refs) == 47 and 11 not in [r.source.get("event_record_id") for r in refs]
    assert len([r for r in refs if r.source.get("event_record_id") is None]) == 1
    bad = [p for p in problems if p.level == "error"]
    assert len(bad) == 1 and path.read_bytes()[bad[0].offset:bad[0].offset + 6] == b"<Event"
    assert "read on their own" in bad[0].message


def _wevtutil_event(record: bytes, *, rid: int, eid: int, provider: str, channel: str, time: str) -> str:
    # The shape 'wevtutil qe <channel> /f:xml' prints: one line per event, single quotes, hex binary.
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            f"<Provider Name='{provider}' Guid='{{c26c4f3c-3f66-4e99-8f8a-39405cfed220}}'/>"
            f"<EventID>{eid}</EventID><Version>0</Version><Level>3</Level><Task>0</Task><Opcode>0</Opcode>"
            f"<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='{time}'/>"
            f"<EventRecordID>{rid}</EventRecordID><Correlation ActivityID='{{8f3b7a1e-0000-0000-0000-000000000000}}'/>"
            "<Execution ProcessID='4' ThreadID='212'/>"
            f"<Channel>{channel}</Channel><Computer>DESKTOP-7Q2M4RT</Computer><Security UserID='S-1-5-19'/>"
            "</System><EventData><Data Name='ErrorSource'>1</Data><Data Name='ApicId'>0</Data>"
            f"<Data Name='Length'>{len(record)}</Data><Data Name='RawData'>{record.hex().upper()}</Data>"
            "</EventData></Event>")


def test_wevtutil_output_for_whea_logger_and_kernel_whea_errors():
    cmci = (h.DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()
    mce = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    out = "\r\n".join([
        _wevtutil_event(mce, rid=88123, eid=18, provider="Microsoft-Windows-WHEA-Logger", channel="System",
                        time="2024-10-24T14:20:21.1234567Z"),
        _wevtutil_event(cmci, rid=5, eid=20, provider="Microsoft-Windows-Kernel-WHEA",
                        channel="Microsoft-Windows-Kernel-WHEA/Errors", time="2024-11-09T09:55:33.6500000Z"),
    ]).encode()
    refs = list(parse_wevtutil_output(out, "System", lambda p: None))
    assert [r.data for r in refs] == [mce, cmci]
    assert refs[1].source == {"path": "live:System", "offset": refs[1].source["offset"], "kind": "live",
                              "field": "RawData", "event_record_id": 5, "event_id": 20,
                              "provider": "Microsoft-Windows-Kernel-WHEA", "time_created": "2024-11-09T09:55:33.650000Z",
                              "computer": "DESKTOP-7Q2M4RT", "channel": "Microsoft-Windows-Kernel-WHEA/Errors"}
    assert refs[0].source["time_created"] == "2024-10-24T14:20:21.123456Z"
    assert decode_record(refs[0].data).header["severity_name"] == "Fatal"
    # the same text saved to a file is detected as event XML
    assert [r.data for r in iter_bytes(out, "saved.xml")] == [mce, cmci]


def test_wevtutil_command_filters_the_system_log():
    cmd = wevtutil_command("System", 100)
    assert cmd[:4] == ["wevtutil", "qe", "System", "/f:xml"] and "/c:100" in cmd
    assert any("Microsoft-Windows-WHEA-Logger" in c for c in cmd)


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the live logs are read")
def test_live_logs_need_windows():
    with pytest.raises(SourceError, match="needs Windows"):
        list(iter_path("live:System"))


def test_binary_text_hex_or_base64():
    rec = (h.DWR / "whlg_cmci_restart.bin").read_bytes()
    import base64
    assert decode_binary(rec.hex()) == rec
    assert decode_binary(base64.b64encode(rec).decode()) == rec
    assert decode_binary("not binary!") is None


def test_time_normalisation():
    assert iso_utc("2024-11-14 16:15:45.043371+00:00") == "2024-11-14T16:15:45.043371Z"
    assert iso_utc("2024-11-14T18:15:45.0433719+02:00") == "2024-11-14T16:15:45.043371Z"
    assert iso_utc("2024-11-14T16:15:45Z") == "2024-11-14T16:15:45.000000Z"


# -- hostile events (issue #15) ------------------------------------------------------------------
CMCI = (h.DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()
MCE = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()


def _event(record: bytes, rid: int, time: str) -> str:
    return _wevtutil_event(record, rid=rid, eid=18, provider="Microsoft-Windows-WHEA-Logger", channel="System",
                           time=time)


@pytest.mark.parametrize("time, why", [
    ("2024-13-01T10:00:00.0000000Z", "month must be in 1..12"),
    ("2024-10-24T14:20:21.1234567+99:99", "offset must be a timedelta"),
    ("9999-12-31T23:59:59.9999999-05:00", "date value out of range"),
    ("+30828-09-14T02:48:05.4775807Z", "not an ISO 8601 time"),  # FILETIME's last year, as Rust prints it
])
def test_impossible_system_time_is_kept_as_text_and_the_good_events_read(time, why):
    text = "\n".join([_event(MCE, 1, "2024-10-24T14:20:21.1234567Z"), _event(CMCI, 2, time),
                      _event(MCE, 3, "2024-10-25T08:00:00Z")])
    problems = []
    refs = list(iter_bytes(text.encode(), "times.xml", problems.append))
    assert [(r.source["event_record_id"], r.data) for r in refs] == [(1, MCE), (2, CMCI), (3, MCE)]
    assert refs[1].source["time_created"] == time  # raw text, not a guess
    assert refs[0].source["time_created"] == "2024-10-24T14:20:21.123456Z"
    [p] = problems
    assert p.level == "warning" and p.message.startswith("event record 2 (Event ID 18): TimeCreated")
    assert why in p.message and "kept as text" in p.message
    assert text.encode()[p.offset:p.offset + 6] == b"<Event"


def test_unclosed_event_tags_lose_only_themselves():
    good = _event(MCE, 7, "2024-10-24T14:20:21Z")
    text = "<Events><Event xmlns='x'><System>" + good + "<Event>" + good.replace(">7<", ">8<") + "<Event "
    problems = []
    refs = list(iter_bytes(text.encode(), "unclosed.xml", problems.append))
    assert [(r.source["event_record_id"], r.data) for r in refs] == [(7, MCE), (8, MCE)]
    unclosed = [p.offset for p in problems if "no closing </Event>" in p.message]
    assert unclosed == [8, text.index("<Event>"), len(text) - 7]


def test_hostile_ids_are_reported_not_guessed():
    ev = _event(MCE, 1, "2024-10-24T14:20:21Z").replace("<EventRecordID>1<", "<EventRecordID>" + "9" * 5000 + "<")
    ev = ev.replace("<EventID>18<", "<EventID>70000<")
    problems = []
    [ref] = iter_bytes(ev.encode(), "ids.xml", problems.append)
    assert ref.data == MCE and ref.source["event_record_id"] is None and ref.source["event_id"] is None
    messages = [p.message for p in problems]
    assert any("EventRecordID '99999" in m and "5000 characters" in m for m in messages)
    assert any("EventID '70000' is not a number in 0–65535" in m for m in messages)


def test_record_found_by_signature_when_the_field_name_is_damaged():
    ev = _event(CMCI, 4, "2024-10-24T14:20:21Z").replace("Name='RawData'", "N='RawData'")
    [ref] = iter_bytes(ev.encode(), "names.xml")
    assert ref.data == CMCI and ref.source["field"] == "Data"


def test_evtx_event_5_tables_point_at_their_event_records():
    """Event ID 5 (no RawData) was once only named in a note; its ErrorSourceTable is now an
    item of its own, located at its event record like every other item."""
    problems = []
    tables = [r for r in iter_path(h.EVTX, problems.append)
              if r.source.get("format") == "error_source_table"]
    blob = h.EVTX.read_bytes()
    ids = []
    for r in tables:
        off = r.source["offset"]
        assert blob[off:off + 4] == b"**\0\0"
        rid = struct.unpack_from("<Q", blob, off + 8)[0]
        assert r.source["event_record_id"] == rid and r.source["event_id"] == 5
        assert r.source["field"] == "ErrorSourceTable"
        ids.append(rid)
    assert len(ids) == 5 and ids == sorted(ids)
    assert not [p for p in problems if "no RawData" in p.message]


def test_truncated_evtx_names_the_lost_records(tmp_path):
    blob = h.EVTX.read_bytes()
    full = {r.source["event_record_id"]: r.data for r in iter_path(h.EVTX)}
    for cut, lost_text, offset in [(4096 + CHUNK_SIZE + 3000, "event record(s) 26–49", 4096 + CHUNK_SIZE),
                                   (4096 + CHUNK_SIZE + 300, "ends 300 bytes into a chunk", 4096 + CHUNK_SIZE)]:
        path = tmp_path / f"cut{cut}.evtx"
        path.write_bytes(blob[:cut])
        problems = []
        refs = list(iter_path(path, problems.append))
        assert {r.source["event_record_id"]: r.data for r in refs} == {i: d for i, d in full.items() if i <= 25}
        [err] = [p for p in problems if p.level == "error"]
        assert lost_text in err.message and err.offset == offset and err.path == str(path)


def test_evtx_record_with_a_broken_size_loses_only_that_record(tmp_path):
    blob = bytearray(h.EVTX.read_bytes())
    records = scan_chunks(bytes(blob), "x", lambda p: None)[0]["records"]
    blob[records[6] + 4:records[6] + 8] = (0xFFFFFF).to_bytes(4, "little")
    path = tmp_path / "size.evtx"
    path.write_bytes(bytes(blob))
    problems = []
    got = {r.source["event_record_id"]: r.data for r in iter_path(path, problems.append)}
    full = {r.source["event_record_id"]: r.data for r in iter_path(h.EVTX)}
    assert got == {i: d for i, d in full.items() if i != 6}
    [crc, err] = [p for p in problems if p.level == "error"]  # the changed size fails the chunk's checksum
    assert crc.offset == 4096 and "chunk 0 (event records 1–25) fails its checksum" in crc.message
    assert err.message.startswith("chunk 0: event record(s) 6 damaged")
    assert "size field 16777215" in err.message and err.offset == records[6]
    assert err.offset + err.length == records[7]


def test_problems_about_single_events_are_listed_fifty_times_then_counted():
    bad = [_event(MCE, i, "2024-10-24T14:20:21Z").replace(MCE.hex().upper(), "!!" + MCE.hex()) for i in range(60)]
    text = "\n".join(bad + [_event(CMCI, 99, "2024-10-24T14:20:21Z")])
    problems = []
    refs = list(iter_bytes(text.encode(), "many.xml", problems.append))
    assert [r.data for r in refs] == [CMCI]
    single = [p for p in problems if "neither hex nor base64" in p.message]
    assert len(single) == 50 and single[-1].message.startswith("event record 49 ")
    [rest] = [p for p in problems if "more problems with single events" in p.message]
    assert rest.message.startswith("10 more") and rest.level == "error"


def test_early_years_keep_four_digits():
    """Found by the fuzz suite: glibc's %Y printed year 1 as "1-01-01"."""
    from whea_gui.sources.winevent import parse_time
    assert parse_time("0001-01-01T00:00:00Z") == ("0001-01-01T00:00:00.000000Z", None)
    assert parse_time("0999-12-31T23:59:59.5Z") == ("0999-12-31T23:59:59.500000Z", None)


_PADDED = (h.DWR / "cper_memory_1sec_padded.bin").read_bytes()  # 277 bytes
_SYSTEM = ("<System><Provider Name='Microsoft-Windows-WHEA-Logger'/><EventID>47</EventID>"
           "<EventRecordID>9</EventRecordID></System>")


def _fragment(shape: str, other: str, system: bool, sep: str) -> str:
    fields = [f'<Data Name="{other}">{"3" if other == "ErrorSource" else len(_PADDED)}</Data>',
              f'<Data Name="RawData">{_PADDED.hex()}</Data>']
    inner = sep.join(fields)
    sysblock = _SYSTEM + sep if system else ""
    if shape == "event":
        return f"<Event>{sep}{sysblock}<EventData>{sep}{inner}{sep}</EventData>{sep}</Event>"
    if shape == "eventdata":
        return f"{sysblock}<EventData>{sep}{inner}{sep}</EventData>"
    if shape == "data":
        return f"{sysblock}{inner}"
    return f"{sysblock}<EventData>{sep}<Binary>{_PADDED.hex().upper()}</Binary>{sep}</EventData>"


@pytest.mark.parametrize("sep", ["", "\n", "\r\n  "], ids=["one line", "lines", "crlf"])
@pytest.mark.parametrize("system", [False, True], ids=["no System", "System"])
@pytest.mark.parametrize("other", ["ErrorSource", "Length"])
@pytest.mark.parametrize("shape", ["event", "eventdata", "data", "binary"])
def test_event_xml_pieces_are_read_as_events_whatever_the_line_breaks(shape, other, system, sep,
                                                                       tmp_path):
    """Issue #13/#15: a piece of an event on one line, without <System>, was read as hex text
    (nothing found), then its own characters decoded as a 653-byte "record"."""
    text = _fragment(shape, other, system, sep)
    for encoding in ("utf-8", "utf-16"):
        path = tmp_path / f"event.{encoding}.xml"
        path.write_bytes(text.encode(encoding))
        problems = []
        refs = list(iter_path(path, problems.append))
        assert [r.data for r in refs] == [_PADDED], (encoding, [len(r.data) for r in refs])
        src = refs[0].source
        assert src["kind"] == "eventxml" and src["field"] in ("RawData", "Binary")
        assert src["event_id"] == (47 if system else None)
        assert src["provider"] == ("Microsoft-Windows-WHEA-Logger" if system else "")
        assert not [p for p in problems if p.level != "note"], problems
        # the offset points at the element that holds the record (or the event)
        raw = path.read_bytes()
        tag = raw[src["offset"]:src["offset"] + 6 * (2 if encoding == "utf-16" else 1)].decode(encoding)
        assert tag.startswith(("<Event", "<Data", "<Binar")), tag
    # standard input reads the same bytes the same way
    assert [r.data for r in iter_bytes(text.encode(), "<stdin>")] == [_PADDED]


def test_event_xml_piece_with_a_broken_element_reports_it_and_reads_the_rest():
    text = ('<Data Name="RawData">' + _PADDED.hex() + '</Data><Data Name="RawData" x="1" x="2">00</Data>'
            '<Binary>' + (h.DWR / "whlg_edpc_enabled.bin").read_bytes().hex() + "</Binary>")
    problems = []
    refs = list(iter_bytes(text.encode(), "piece.xml", problems.append))
    assert [r.data for r in refs] == [_PADDED, (h.DWR / "whlg_edpc_enabled.bin").read_bytes()]
    bad = [p for p in problems if p.level == "error"]
    assert len(bad) == 1 and "not well-formed" in bad[0].message and bad[0].path == "piece.xml"
    assert text.encode()[bad[0].offset:].startswith(b'<Data Name="RawData" x=')


def test_event_xml_mentioned_beside_a_hex_dump_still_reads_the_dump():
    text = "Event Viewer showed <Binary> empty, so here is the dump:\n" + h.xxd(_PADDED)
    refs = list(iter_bytes(text.encode(), "post.txt"))
    assert [r.data for r in refs] == [_PADDED] and refs[0].source["kind"] == "text"


def test_events_inside_comments_or_cdata_are_text_not_events():
    """An outside tester found a commented-out <Event> decoded as a second record."""
    record = (h.DWR / "cper_memory_1sec_padded.bin").read_bytes()
    live = _event(record, 1, "2024-01-09T09:55:33.6500000Z")
    hidden = _event(record, 2, "2024-01-10T09:55:33.6500000Z")
    text = f"<Events><!-- {hidden} -->{live}<![CDATA[{hidden}]]></Events>"
    problems = []
    refs = list(iter_bytes(text.encode(), "c.xml", problems.append))
    assert [r.data for r in refs] == [record]
    assert refs[0].source["offset"] == text.index(live)  # offsets unchanged by the blanking
    assert refs[0].source.get("event_record_id") in (1, "1")
