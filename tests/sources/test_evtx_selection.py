"""The .evtx reader selects WHEA events from the parser's JSON form before reading them
(issue #18). No event that yields a record or a problem may be lost by that selection: the
oracle here reads EVERY event of the log as XML (no selection at all) and gives it to the same
collector; the reader's records and problems must be the same.

The log is the real Windows log with single event records patched in place (UTF-16 strings of
the same length, chunk checksums recomputed), so the parser reads them as sound events:
a non-WHEA provider whose channel still says WHEA, a non-WHEA provider with no "WHEA" anywhere
but CPER/WhLg record data, the other WHEA provider spelling (WHEA-Logger), and a provider
spelled "Whea" on an event without record data.
"""

from __future__ import annotations

import struct
import zlib

import evtx
import sources_helpers as h

from whea_gui.sources import iter_path
from whea_gui.sources.evtx_log import CHUNK_SIZE, FILE_HEADER_SIZE, scan_chunks
from whea_gui.sources.winevent import EventCollector, parse_event

KERNEL = "Microsoft-Windows-Kernel-WHEA"
CHANNEL = KERNEL + "/Operational"


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _patch_record(blob: bytearray, start: int, old: str, new: str) -> None:
    """Replace the first ``old`` inside the event record at ``start`` (same length)."""
    assert len(old) == len(new)
    size = struct.unpack_from("<I", blob, start + 4)[0]
    at = blob.find(_utf16(old), start, start + size)
    assert at >= 0, f"{old!r} not in the record at {start}"
    blob[at:at + 2 * len(old)] = _utf16(new)


def _fix_checksums(blob: bytearray) -> None:
    for off in range(FILE_HEADER_SIZE, len(blob), CHUNK_SIZE):
        if blob[off:off + 8] != b"ElfChnk\0":
            continue
        free = struct.unpack_from("<I", blob, off + 48)[0]
        struct.pack_into("<I", blob, off + 52, zlib.crc32(bytes(blob[off + 512:off + free])))
        head = bytes(blob[off:off + 120]) + bytes(blob[off + 128:off + 512])
        struct.pack_into("<I", blob, off + 124, zlib.crc32(head))


def _event_ids(path) -> dict[int, int]:
    return {r["event_record_id"]: r["data"].count(">5</EventID>")
            for r in evtx.PyEvtxParser(str(path)).records()}


def _patched_log(tmp_path):
    blob = bytearray(h.EVTX.read_bytes())
    offsets = {rid: off for c in scan_chunks(blob, "x", lambda p: None) for rid, off in c["records"].items()}
    no_data = sorted(rid for rid, is5 in _event_ids(h.EVTX).items() if is5)
    with_data = sorted(set(offsets) - set(no_data))
    # 1: another provider; its channel still carries the text "WHEA"
    _patch_record(blob, offsets[with_data[0]], KERNEL, "Microsoft-Windows-Kernel-XHEA")
    # 2: another provider, another channel: only its record data ("57684C67": WhLg) is WHEA
    _patch_record(blob, offsets[with_data[1]], KERNEL, "Microsoft-Windows-Kernel-XHEA")
    _patch_record(blob, offsets[with_data[1]], CHANNEL, "Microsoft-Windows-Kernel-XXXX/Operational")
    # 3: the WHEA-Logger spelling of the provider, channel without "WHEA"
    _patch_record(blob, offsets[with_data[2]], KERNEL, "Microsoft-Windows-WHEA-Logger")
    _patch_record(blob, offsets[with_data[2]], CHANNEL, "Microsoft-Windows-Kernel-XXXX/Operational")
    # 4: "Whea" in another letter case, on an event without record data
    _patch_record(blob, offsets[no_data[0]], KERNEL, "Microsoft-Windows-Kernel-Whea")
    _patch_record(blob, offsets[no_data[0]], CHANNEL, "Microsoft-Windows-Kernel-XXXX/Operational")
    _fix_checksums(blob)
    path = tmp_path / "patched.evtx"
    path.write_bytes(bytes(blob))
    return path, offsets, with_data[:3], no_data[0]


def _every_event_as_xml(path, offsets):
    """The oracle: every event the parser gives, read from its XML, no selection."""
    import xml.etree.ElementTree as ET
    problems = []
    collector = EventCollector(str(path), "evtx", problems.append)
    refs = []
    records = sorted(evtx.PyEvtxParser(str(path)).records(), key=lambda r: offsets[r["event_record_id"]])
    for rec in records:
        info = parse_event(ET.fromstring(rec["data"]))
        refs.extend(collector.refs(info, offsets[rec["event_record_id"]]))
    collector.finish()
    return refs, problems


def test_selection_keeps_every_event_the_xml_of_all_events_yields(tmp_path):
    path, offsets, (other, other_quiet, logger), whea_lower = _patched_log(tmp_path)
    problems = []
    refs = list(iter_path(path, problems.append))
    expected, expected_problems = _every_event_as_xml(path, offsets)

    assert [(r.data, r.source) for r in refs] == [(r.data, r.source) for r in expected]
    assert [(p.offset, p.message, p.level) for p in problems] == \
        [(p.offset, p.message, p.level) for p in expected_problems]
    assert not any(p.level == "error" for p in problems)  # the patched log is sound

    by_id = {r.source["event_record_id"]: r for r in refs}
    # a record in any provider's event is kept when its data starts with a record signature
    assert by_id[other].source["provider"] == "Microsoft-Windows-Kernel-XHEA"
    assert by_id[other_quiet].source["provider"] == "Microsoft-Windows-Kernel-XHEA"
    assert by_id[other_quiet].source["channel"] == "Microsoft-Windows-Kernel-XXXX/Operational"
    assert by_id[logger].source["provider"] == "Microsoft-Windows-WHEA-Logger"
    records = [r for r in refs if r.source.get("format") != "error_source_table"]
    assert all(r.data[:4] in (b"CPER", b"WhLg") for r in records)
    assert len(records) == 47  # every event with record data, as in the unpatched log
    # the Event ID 5 tables, the "Whea" provider spelling's among them
    tables = {r.source["event_record_id"]: r for r in refs if r not in records}
    assert len(tables) == 5 and tables[whea_lower].source["provider"] == "Microsoft-Windows-Kernel-Whea"
    assert tables[whea_lower].source["error_source_table"]["error_source_count"] >= 1
    assert not [p for p in problems if "carry no record data" in p.message]


def test_selection_matches_the_xml_reading_on_the_real_log(tmp_path):
    blob = h.EVTX.read_bytes()
    offsets = {rid: off for c in scan_chunks(blob, "x", lambda p: None) for rid, off in c["records"].items()}
    problems = []
    refs = list(iter_path(h.EVTX, problems.append))
    expected, expected_problems = _every_event_as_xml(h.EVTX, offsets)
    assert len(refs) == 52  # 47 WhLg entries and 5 Event ID 5 error-source tables
    assert [(r.data, r.source) for r in refs] == [(r.data, r.source) for r in expected]
    # the per-event problems are the oracle's; the reader adds only its notes about the file
    # (the header names fewer chunks than the log holds)
    per_event = [p.message for p in problems if "chunk" not in p.message]
    assert per_event == [p.message for p in expected_problems]
    assert per_event == []  # (Event ID 5 once gave 5 "no RawData" notes and their summary)
