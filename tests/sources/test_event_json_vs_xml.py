"""The .evtx reader reads a sound log's events from the Rust parser's JSON form with in-line
paths for the usual values (issue #18: the reading rate). Those paths must say exactly what the
XML reading of the same event says: hypothesis builds events, writes each both as the parser's
JSON (attributes under ``#attributes``, an element with attributes and text as ``#text``, the
second ``<Data Name="X">`` as ``X_1``) and as XML, and compares the two readings (every value,
every issue) and what the collector makes of them (records and problems)."""

from __future__ import annotations

import random
import re
import struct
import xml.etree.ElementTree as ET
import zlib

import evtx
import orjson
import pytest
import sources_helpers as h
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.sources import evtx_log, iter_path
from whea_gui.sources.winevent import (
    EventCollector,
    RepeatedName,
    event_json_reader,
    parse_event,
    parse_event_json,
    parse_time,
)

RECORD = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
WHLG = b"WhLg" + bytes(range(60))
NS = "http://schemas.microsoft.com/win/2004/08/events/event"

_texts = st.one_of(
    st.sampled_from(["", " ", "System", "Microsoft-Windows-WHEA-Logger", " Microsoft-Windows-Kernel-WHEA ",
                     "Whea", "Other", "HOST", "x" * 1030, " " + "y" * 1024, "43504552", "57684c67AB", "²",
                     "0x1F", "0X", "18", "-1", "65536", "00000000000000000000000019",
                     "2024-10-24T14:20:21.1234567Z", "2024-02-30T01:00:00.000000Z"]),
    st.text(alphabet="0123456789abcdefABCDEF -_:TZ.xX", max_size=30))
_numbers = st.one_of(st.sampled_from([0, 1, 18, 65535, 65536, 43504551, 43504552, 435045520, 4350455299,
                                      1280201291, 2147483660, 2**64 - 1, -1]),
                     st.integers(min_value=0, max_value=2**40))
_times = st.one_of(
    st.builds(lambda y, mo, d, hh, mm, ss, f: f"{y}-{mo:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{f:06d}Z",
              st.sampled_from(["0000", "0001", "1999", "2023", "2024", "2100", "9999"]),
              st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61),
              st.integers(0, 61), st.integers(0, 999999)),
    _texts)
_binary_texts = st.sampled_from([RECORD.hex().upper(), RECORD.hex(), WHLG.hex().upper(), RECORD.hex()[:-1],
                                 RECORD.hex().upper()[:200] + "ZZ" + RECORD.hex().upper()[202:],
                                 " ".join(RECORD.hex()[i:i + 2] for i in range(0, 64, 2)),
                                 "AAAA", "0011", "ZZ", ""])
_names = st.sampled_from(["RawData", "rawdata", "ErrorRecord", "Binary", "ErrorSourceTable", "Length", "LENGTH",
                          "ErrorSourceCount", "ErrorRecordFormat", "ErrorSourceTableLength", "Type", "Owner",
                          "Id", "Flags", "Foo", "Foo_1", "RawData_1", "Length_2"])
_values = st.one_of(st.none(), _numbers, _texts, _binary_texts,
                    _numbers.map(str), st.just(str(len(RECORD))), st.just(len(RECORD)))


@st.composite
def events(draw) -> dict:
    system = {}
    if draw(st.booleans()):
        attrs = {}
        for attr in draw(st.lists(st.sampled_from(["Name", "EventSourceName", "Guid"]), unique=True)):
            attrs[attr] = draw(_texts)
        system["Provider"] = {"#attributes": attrs}
    if draw(st.booleans()):
        system["EventID"] = draw(st.one_of(_numbers, _texts, _numbers.map(
            lambda n: {"#attributes": {"Qualifiers": 16384}, "#text": n})))
    if draw(st.booleans()):
        system["TimeCreated"] = {"#attributes": {"SystemTime": draw(_times)}}
    if draw(st.booleans()):
        system["EventRecordID"] = draw(st.one_of(_numbers, _texts))
    for tag in ("Channel", "Computer"):
        if draw(st.booleans()):
            system[tag] = draw(st.one_of(_texts, _numbers))
    data = {}
    for name in draw(st.lists(_names, unique=True, max_size=7)):
        data[name] = draw(_values)
    return {"Event": {"#attributes": {"xmlns": NS}, "System": system, "EventData": data}}


def _element(parent: ET.Element, tag: str, value) -> None:
    el = ET.SubElement(parent, f"{{{NS}}}{tag}")
    if isinstance(value, dict):
        for k, v in value.get("#attributes", {}).items():
            el.set(k, str(v))
        value = value.get("#text")
    if value is not None:
        el.text = str(value)


def _as_xml(doc: dict) -> ET.Element:
    """The event as the XML the parser renders the same binary event to."""
    event = ET.Element(f"{{{NS}}}Event")
    system = ET.SubElement(event, f"{{{NS}}}System")
    for tag, value in doc["Event"]["System"].items():
        _element(system, tag, value)
    data = ET.SubElement(event, f"{{{NS}}}EventData")
    names = doc["Event"]["EventData"]
    for name, value in names.items():
        _element(data, "Data", {"#attributes": {"Name": name}, "#text": value})
    return event


def _collected(info, path="log.evtx"):
    problems = []
    collector = EventCollector(path, "evtx", problems.append)
    refs = [(r.data, r.source) for r in collector.refs(info, 4096)]
    collector.finish()
    return refs, [(p.offset, p.level, p.message) for p in problems]


@settings(max_examples=400, deadline=None)
@given(events())
def test_the_json_reading_says_what_the_xml_reading_says(doc):
    text = orjson.dumps(doc).decode()
    names = doc["Event"]["EventData"]
    if any(re.fullmatch(r"(.+)_[0-9]+", k) and re.fullmatch(r"(.+)_[0-9]+", k).group(1) in names for k in names):
        # X and X_1: a second <Data Name="X"> or a field named X_1; only the XML can say which
        # (the reader then reads the event's XML: test_a_field_named_like_a_repeat_is_read_from_the_xml)
        with pytest.raises(RepeatedName):
            READ(text)
        return
    from_json = READ(text)  # what the .evtx reader uses
    from_xml = parse_event(_as_xml(doc))
    assert from_json == from_xml == parse_event_json(orjson.loads(text))
    assert _collected(from_json) == _collected(from_xml)
    # the collector's in-line path for one record's hex gives what its general path gives
    general, problems = [], []
    refs = [(r.data, r.source) for r in EventCollector("log.evtx", "evtx", problems.append).refs(from_json, 4096)]
    collector = EventCollector("log.evtx", "evtx", general.append)
    for issue in from_json.issues:  # (said by refs before either path)
        collector.report(4096, f"{from_json.where}: {issue}", "warning")
    if from_json.binaries:
        assert refs == [(r.data, r.source) for r in collector._each_binary(from_json, 4096)]
        assert [(p.offset, p.message) for p in problems] == [(p.offset, p.message) for p in general]


READ = event_json_reader()


@pytest.mark.parametrize("text", [
    '[1, 2]', '"Event"', 'null', '{}', '{"Event": null}', '{"Event": 5}', '{"Event": [{"System": {}}]}',
    '{"Event": {"System": "x", "EventData": {"RawData": "43504552AA"}}}',
    '{"Event": {"System": [], "EventData": null}}',
    '{"Event": {"System": {"EventID": 19, "EventID": 20, "Channel": null}}}',  # a repeated key: the last
    '{"Event": {"UserData": {"RawData": "57684C6700"}, "System": {"EventRecordID": "7"}, '
    '"EventData": {"ErrorRecord": "43504552BB"}}}',  # both, UserData first: document order
    '{"Event": {"EventData": [{"#attributes": {"Name": "RawData"}, "#text": "43504552"}], '
    '"System": {"Provider": {"#attributes": {"EventSourceName": "WHEA"}}, "TimeCreated": 5}}}',
    '{"Event": {"EventData": {"RawData": {"#attributes": {"x": 1}, "#text": "43504552CC"}, "Length": [1]}}}',
    '{"Event": {"System": {"Provider": null, "EventID": {"#text": 19}, "Computer": {"#text": ["a", "b"]}}}}',
    '{"Event": {"System": {"Computer": "\\ud800 \\u0000 h\\u00e9"}}}',
    '{"Event": {"EventData": {"RawData": 43504552000000, "Other": 4350455}}}',
    '{"Event": {"EventData": {"Binary": true, "RawData": 1.5, "ErrorRecord": -43504552}}}',
    "[" * 5000 + "]" * 5000,
    '{"Event": {"EventData": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}}",
    '{"Event": {"EventData": ' + '[' * 3000 + ']' * 3000 + "}}",
])
def test_any_json_shape_reads_as_the_general_path_reads_it(text):
    # the reader decodes its usual shape with msgspec and hands every other shape to orjson
    # and the general path: each shape must give what the general path gives, or fail alike
    try:
        general = parse_event_json(orjson.loads(text))
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc) if isinstance(exc, RecursionError) else ValueError):
            READ(text)
        return
    assert READ(text) == general


def test_the_in_line_time_path_agrees_with_the_general_one():
    # the general path is taken for a time with a space before it; the in-line one for the
    # parser's own form: every kind of date, valid or not, must come out the same
    rng = random.Random(7)
    for _ in range(20000):
        text = (f"{rng.choice(['0000', '0001', '1900', '2000', '2023', '2024', '2100', '9999'])}-"
                f"{rng.randrange(0, 14):02d}-{rng.randrange(0, 33):02d}T{rng.randrange(0, 26):02d}:"
                f"{rng.randrange(0, 62):02d}:{rng.randrange(0, 62):02d}.{rng.randrange(10**6):06d}Z")
        fast, general = parse_time(text), parse_time(" " + text)
        assert (fast[1] is None) == (general[1] is None), text
        if fast[1] is None:
            assert fast[0] == general[0] == text


def test_chunk_checksums_are_zlibs_with_or_without_zlib_ng(monkeypatch):
    blob = h.EVTX.read_bytes()
    chunks = [blob[off:off + evtx_log.CHUNK_SIZE] for off in range(4096, len(blob), evtx_log.CHUNK_SIZE)]
    crc32 = evtx_log.fast_crc32()
    assert crc32 is not zlib.crc32  # zlib-ng is a dependency: the fast one is in use
    for chunk in chunks:
        assert crc32(memoryview(chunk)[512:]) == zlib.crc32(chunk[512:])
        assert crc32(chunk[128:512], crc32(chunk[8:120], 77)) == zlib.crc32(chunk[128:512], zlib.crc32(chunk[8:120], 77))
    with_ng = [(r.data, r.source) for r in evtx_log.read_bytes(blob, "log.evtx", lambda p: None)]
    monkeypatch.setitem(__import__("sys").modules, "zlib_ng.zlib_ng", None)  # not installed
    assert evtx_log.fast_crc32() is zlib.crc32
    problems = []
    assert [(r.data, r.source) for r in evtx_log.read_bytes(blob, "log.evtx", problems.append)] == with_ng
    assert len(with_ng) == 52 and not [p for p in problems if p.level != "note"]
    # a chunk whose checksum fails is found by either
    bad = bytearray(blob)
    bad[4096 + 600] ^= 1
    for crc in (None, crc32):
        if crc is not None:
            monkeypatch.undo()
        found = []
        list(evtx_log.read_bytes(bytes(bad), "log.evtx", found.append))
        assert [p.offset for p in found if "fails its checksum" in p.message] == [4096]


def _sound(blob: bytearray) -> bytes:
    """The log with every chunk's checksums made to hold again (an edit a checksum cannot see)."""
    for off in range(4096, len(blob), evtx_log.CHUNK_SIZE):
        if blob[off:off + 8] != b"ElfChnk\0":
            continue
        free = struct.unpack_from("<I", blob, off + 48)[0]
        struct.pack_into("<I", blob, off + 52, zlib.crc32(bytes(blob[off + 512:off + free])))
        struct.pack_into("<I", blob, off + 124, zlib.crc32(bytes(blob[off:off + 120]) + bytes(blob[off + 128:off + 512])))
    return bytes(blob)


def _items(blob: bytes, tmp_path, name="log.evtx"):
    path = tmp_path / name
    path.write_bytes(blob)
    problems = []
    items = [(r.data, r.source) for r in iter_path(path, problems.append)]
    return items, [p for p in problems if p.level != "note"]


def test_a_field_named_like_a_repeat_is_read_from_the_xml(tmp_path):
    # EVTX fuzzing, finding 1: the Event ID 5 template's ErrorSourceTableLength renamed in place
    # to ErrorSourceTable_1 (NUL-padded): the JSON holds ErrorSourceTable and ErrorSourceTable_1,
    # which read as a repeat made a 2-byte "table" of the number 9648
    blob = bytearray(h.EVTX.read_bytes())
    old, new = "ErrorSourceTableLength".encode("utf-16-le"), ("ErrorSourceTable_1" + "\0" * 4).encode("utf-16-le")
    assert blob.count(old) >= 1
    blob = bytearray(blob.replace(old, new))
    intact, _ = _items(h.EVTX.read_bytes(), tmp_path, "intact.evtx")
    items, problems = _items(_sound(blob), tmp_path)
    assert len(items) == len(intact) == 52 and not problems, problems
    tables = [d for d, s in items if s.get("format") == "error_source_table"]
    assert tables == [d for d, s in intact if s.get("format") == "error_source_table"]
    assert len(tables) == 5 and min(map(len, tables)) > 1000  # no 2-byte "table" of a number
    # the reader saw the ambiguity and read those events' XML: their JSON does raise it
    first = next(r["data"] for r in evtx.PyEvtxParser(str(tmp_path / "log.evtx")).records_json()
                 if "ErrorSourceTable_1" in r["data"])
    with pytest.raises(RepeatedName):
        READ(first)


def test_a_damaged_chunk_with_no_record_found_keeps_file_order(tmp_path):
    # EVTX fuzzing, finding 7: chunk 1's free-space offset below 512 (its checksum fails, the
    # scan finds no record in it): the log was read as sound and chunk 1's records came last
    blob = bytearray(h.EVTX.read_bytes())
    struct.pack_into("<I", blob, 4096 + evtx_log.CHUNK_SIZE + 48, 0)
    intact, _ = _items(h.EVTX.read_bytes(), tmp_path, "intact.evtx")
    items, problems = _items(bytes(blob), tmp_path)
    ids = [s["event_record_id"] for _, s in items]
    assert ids == sorted(ids) == [s["event_record_id"] for _, s in intact]
    assert [d for d, _ in items] == [d for d, _ in intact]


def _chunk_records(blob: bytes, chunk: int) -> list[tuple[int, int]]:
    """(offset, record id) of a chunk's event records, walked by their sizes."""
    off = 4096 + chunk * evtx_log.CHUNK_SIZE
    pos, out = off + 512, []
    while blob[pos:pos + 4] == b"**\0\0":
        size, rid = struct.unpack_from("<IQ", blob, pos + 4)
        out.append((pos, rid))
        pos += size
    return out


def test_a_sound_chunk_with_one_bad_record_loses_only_that_record(tmp_path):
    # EVTX fuzzing, finding 3: record 5's size field zeroed and the checksums made to hold: the
    # parser stops there and records 6-25 (intact) were lost; a chunk whose checksum fails
    # already had its other records recovered
    intact, _ = _items(h.EVTX.read_bytes(), tmp_path, "intact.evtx")
    blob = bytearray(h.EVTX.read_bytes())
    at, rid = _chunk_records(bytes(blob), 0)[4]
    struct.pack_into("<I", blob, at + 4, 0)
    items, problems = _items(_sound(blob), tmp_path)
    assert [s["event_record_id"] for _, s in items] == [s["event_record_id"] for _, s in intact if s["event_record_id"] != rid]
    [err] = problems
    assert err.offset == at and err.message.startswith(f"chunk 0: event record(s) {rid} damaged (size field 0")
    assert "the other 24 record(s) of the chunk were read" in err.message


def test_a_free_space_offset_inside_the_records_loses_none_and_reads_no_stale_record(tmp_path):
    # EVTX fuzzing, finding 3: chunk 1's free-space offset set to 600 (inside its first record),
    # checksums made to hold: records 27-49 were lost. They are read by their own sizes, and the
    # stale records in the chunk's slack (other ids, from earlier use) are not
    intact, _ = _items(h.EVTX.read_bytes(), tmp_path, "intact.evtx")
    blob = bytearray(h.EVTX.read_bytes())
    struct.pack_into("<I", blob, 4096 + evtx_log.CHUNK_SIZE + 48, 600)
    items, problems = _items(_sound(blob), tmp_path)
    assert [(d, s["event_record_id"], s["offset"]) for d, s in items] == [
        (d, s["event_record_id"], s["offset"]) for d, s in intact]
    [warning] = problems
    assert warning.offset == 4096 + evtx_log.CHUNK_SIZE + 48 and warning.level == "warning"
    assert "free-space offset (600) falls inside the event record that ends at chunk byte 3448" in warning.message


def test_a_zeroed_chunk_the_header_names_is_an_error(tmp_path):
    # EVTX fuzzing, finding 4: chunk 1 zeroed while the file header (checksum intact) names
    # chunks 0-1: its 24 events went without a word, exit 0
    blob = bytearray(h.EVTX.read_bytes())
    start = 4096 + evtx_log.CHUNK_SIZE
    blob[start:start + evtx_log.CHUNK_SIZE] = bytes(evtx_log.CHUNK_SIZE)
    items, problems = _items(bytes(blob), tmp_path)
    assert len(items) == 28
    [err] = [p for p in problems if p.level == "error"]
    assert (err.offset, err.length) == (start, evtx_log.CHUNK_SIZE)
    assert err.message == ("chunk 1 is all zeros, though the file header names chunks 0–1: its events, "
                           "if it held any, are lost")


def test_each_item_of_a_log_whose_ids_repeat_has_its_own_offset(tmp_path):
    # EVTX fuzzing, finding 2: chunk 0 copied after the others (header count 4): every copy of a
    # record id was given the offset of the last copy, without a word
    src = h.EVTX.read_bytes()
    blob = bytearray(src[:4096 + 3 * evtx_log.CHUNK_SIZE] + src[4096:4096 + evtx_log.CHUNK_SIZE])
    struct.pack_into("<Q", blob, 16, 3)  # last chunk number
    struct.pack_into("<Q", blob, 24, 25)  # next record id (as it was)
    struct.pack_into("<I", blob, 124, zlib.crc32(bytes(blob[:120])))
    items, problems = _items(bytes(blob), tmp_path)
    assert len(items) == 52 + 25
    for _, source in items:  # each offset is an event record with the item's id
        at = source["offset"]
        assert blob[at:at + 4] == b"**\0\0" and struct.unpack_from("<Q", blob, at + 8)[0] == source["event_record_id"]
    assert len({s["offset"] for _, s in items}) == len(items)
    [warning] = problems
    assert warning.level == "warning" and warning.message.startswith("25 event record id(s) appear more than once")


def test_an_event_naming_another_record_id_keeps_its_records_id_and_says_so(tmp_path):
    # EVTX fuzzing, finding 5: record 1's EventRecordID value (its substitution) edited to 2, the
    # checksums made to hold: two items said record 2, and nothing was said
    blob = bytearray(h.EVTX.read_bytes())
    start = 4096 + 512
    assert struct.unpack_from("<Q", blob, start + 8)[0] == 1
    value = blob.index(struct.pack("<Q", 1), start + 24, start + 4096)  # the System value
    struct.pack_into("<Q", blob, value, 2)
    items, problems = _items(_sound(blob), tmp_path)
    ids = [s["event_record_id"] for _, s in items]
    assert ids[:2] == [1, 2] and len(set(ids)) == len(ids) == 52
    [warning] = problems
    assert warning.offset == start and warning.message == (
        "event record 1 (Event ID 42): its System part gives EventRecordID 2, but its event record's "
        "header gives 1; the header's id is used")


def test_an_event_the_parser_refuses_in_a_sound_chunk_is_not_called_damaged(tmp_path):
    # EVTX fuzzing, finding 6: record 1's TimeCreated FILETIME set to all ones (the parser
    # refuses the date), checksums made to hold: the event is lost (the parser's limit), but the
    # chunk, whose checksums and records are sound, was "damaged chunk 0"
    blob = bytearray(h.EVTX.read_bytes())
    start = 4096 + 512
    written = bytes(blob[start + 16:start + 24])  # the record header's time: TimeCreated's value too
    value = blob.index(written, start + 24, start + 4096)
    blob[value:value + 8] = b"\xff" * 8
    items, problems = _items(_sound(blob), tmp_path)
    assert len(items) == 51
    [err] = problems
    assert err.offset == start and err.message.startswith("chunk 0: event record(s) 1 could not be read")
    assert "damaged" not in err.message.split("(")[0]


def test_an_empty_rawdata_beside_a_length_is_a_warning():
    # EVTX fuzzing, finding 9: RawData given empty (its value type set to NULL) while Length
    # says 133: only the note "no RawData (binary) field"
    doc = {"Event": {"System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Kernel-WHEA"}},
                                "EventID": 42, "EventRecordID": 1},
                     "EventData": {"Type": 0, "Length": 133, "RawData": ""}}}
    for info in (READ(orjson.dumps(doc).decode()), parse_event(_as_xml(doc))):
        refs, problems = _collected(info)
        assert refs == [] and problems[0] == (4096, "warning", "event record 1 (Event ID 42): RawData is empty, "
                                                          "though Length says 133 bytes; nothing to decode")
    for length in ("²", "1" * 30, "-5", "0x"):  # no count: said as empty, never a traceback
        doc["Event"]["EventData"]["Length"] = length
        refs, problems = _collected(READ(orjson.dumps(doc).decode()))
        assert refs == [] and (4096, "note", "event record 1 (Event ID 42): RawData is empty; nothing to "
                                             "decode") in problems, (length, problems)
    del doc["Event"]["EventData"]["RawData"]
    refs, problems = _collected(READ(orjson.dumps(doc).decode()))
    assert problems[0] == (4096, "note", "event record 1 (Event ID 42): no RawData (binary) field; nothing to decode")


def test_records_that_do_not_fit_the_chunk_headers_range_are_all_read(tmp_path):
    # recheck 7, N1 and N2, finding 3's variations: checksums made to hold each time
    intact, _ = _items(h.EVTX.read_bytes(), tmp_path, "intact.evtx")
    want = [(d, s["offset"]) for d, s in intact]
    records = _chunk_records(h.EVTX.read_bytes(), 0)
    cases = {}
    blob = bytearray(h.EVTX.read_bytes())  # record 6's header id made 5: an id repeated in one chunk
    struct.pack_into("<Q", blob, records[5][0] + 8, 5)
    cases["repeat"] = (blob, "does not match its 25 event records (ids 1–5, 7–25)")
    blob = bytearray(h.EVTX.read_bytes())  # the chunk header's last record id made 2 (the parser stopped)
    struct.pack_into("<Q", blob, 4096 + 32, 2)
    cases["last id"] = (blob, "its header's range of event record ids (1–2) does not match its 25 event records")
    blob = bytearray(h.EVTX.read_bytes())  # chunk 1's free-space offset at the end of record 45
    chunk1 = _chunk_records(bytes(blob), 1)
    end45 = next(off for off, rid in chunk1 if rid == 46) - (4096 + evtx_log.CHUNK_SIZE)
    struct.pack_into("<I", blob, 4096 + evtx_log.CHUNK_SIZE + 48, end45)
    cases["free at a record's end"] = (blob, f"event records continue past its free-space offset ({end45})")
    for name, (blob, said) in cases.items():
        items, problems = _items(_sound(blob), tmp_path, f"{name}.evtx")
        assert [(d, s["offset"]) for d, s in items] == want, name
        assert not [p for p in problems if p.level == "error"], (name, problems)
        assert any(said in p.message for p in problems), (name, [p.message for p in problems])
        for _, source in items:  # each offset is a record with the item's id
            at = source["offset"]
            assert struct.unpack_from("<Q", blob, at + 8)[0] == source["event_record_id"], name


def test_ids_another_chunk_gave_are_not_lost_from_a_chunk_whose_range_is_too_wide(tmp_path):
    # recheck 8, R8-4: chunk 0's header says its ids run to 40 and record 10's size is zeroed:
    # besides record 10, "damaged chunk 0: event record(s) 26–40 … lost" (chunk 1's, all read)
    blob = bytearray(h.EVTX.read_bytes())
    struct.pack_into("<Q", blob, 4096 + 32, 40)
    at, rid = _chunk_records(bytes(blob), 0)[9]
    struct.pack_into("<I", blob, at + 4, 0)
    items, problems = _items(_sound(blob), tmp_path)
    assert [s["event_record_id"] for _, s in items] == [i for i in range(1, 53) if i != 10]
    errors = [p for p in problems if p.level == "error"]
    assert [p.message.split(" (")[0] for p in errors] == ["chunk 0: event record(s) 10 damaged"], errors
    assert not [p for p in problems if "26–40" in p.message]


def test_a_damaged_record_the_range_does_not_name_is_still_said_lost(tmp_path):
    # recheck 8, R8-2: chunk 1's header says its ids end at 26 and its last record's size is
    # zeroed: that record was lost without a word (exit 0); also with a range that is right
    for last_id in (26, 49):
        blob = bytearray(h.EVTX.read_bytes())
        struct.pack_into("<Q", blob, 4096 + evtx_log.CHUNK_SIZE + 32, last_id)
        at, rid = _chunk_records(bytes(blob), 1)[-1]
        struct.pack_into("<I", blob, at + 4, 0)
        items, problems = _items(_sound(blob), tmp_path, f"last{last_id}.evtx")
        assert [s["event_record_id"] for _, s in items] == [i for i in range(1, 53) if i != rid]
        [err] = [p for p in problems if p.level == "error"]
        assert err.offset == at and err.message.startswith(f"chunk 1: event record(s) {rid} damaged (size field 0")


def test_a_wrong_range_and_a_repeated_id_in_one_chunk_keep_every_record_in_its_place(tmp_path):
    # recheck 8, R8-1: chunk 0's last id made 2 and record 6's header id made 5: two items at
    # one offset, or record 6 lost as "garbled (in a chunk whose checksum fails)"
    intact, _ = _items(h.EVTX.read_bytes(), tmp_path, "intact.evtx")
    blob = bytearray(h.EVTX.read_bytes())
    struct.pack_into("<Q", blob, 4096 + 32, 2)
    at6, _rid = _chunk_records(bytes(blob), 0)[5]
    struct.pack_into("<Q", blob, at6 + 8, 5)
    items, problems = _items(_sound(blob), tmp_path)
    assert [(d, s["offset"]) for d, s in items] == [(d, s["offset"]) for d, s in intact]
    assert not [p for p in problems if p.level == "error" or "checksum" in p.message], problems
    for _, source in items:
        assert struct.unpack_from("<Q", blob, source["offset"] + 8)[0] == source["event_record_id"]


def test_a_range_too_large_and_a_damaged_record_in_the_last_chunk(tmp_path):
    # recheck 8, R8-3: the last chunk's header says its ids run to 5000 and record 51's size is
    # zeroed: intact record 52 was lost too, and the only message named no place
    blob = bytearray(h.EVTX.read_bytes())
    struct.pack_into("<Q", blob, 4096 + 2 * evtx_log.CHUNK_SIZE + 32, 5000)
    at, rid = _chunk_records(bytes(blob), 2)[1]
    struct.pack_into("<I", blob, at + 4, 0)
    items, problems = _items(_sound(blob), tmp_path)
    assert [s["event_record_id"] for _, s in items] == [i for i in range(1, 53) if i != rid]
    [err] = [p for p in problems if p.level == "error"]
    assert err.offset == at and err.message.startswith(f"chunk 2: event record(s) {rid} damaged (size field 0")
