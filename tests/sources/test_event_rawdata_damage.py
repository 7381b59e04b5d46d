"""An event's RawData with a few garbled characters, and a Length that disagrees with it
(audit 4, A4-5 and A4-16). The events are built from shared vectors as Windows writes them."""

from __future__ import annotations

import base64

import sources_helpers as h

from whea_gui.decode.record import decode_record
from whea_gui.sources import iter_bytes
from whea_gui.sources.winevent import EventCollector, parse_event_json

MCE = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()  # 1019 bytes


def _event(raw: str, length: int | str, rid: int = 1000) -> str:
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            "<Provider Name='Microsoft-Windows-WHEA-Logger'/><EventID>18</EventID>"
            "<TimeCreated SystemTime='2024-10-24T14:20:21.1234567Z'/>"
            f"<EventRecordID>{rid}</EventRecordID><Channel>System</Channel><Computer>HOST</Computer>"
            f"</System><EventData><Data Name='Length'>{length}</Data><Data Name='RawData'>{raw}</Data>"
            "</EventData></Event>")


def _read(text: str):
    problems = []
    refs = list(iter_bytes(text.encode(), "events.xml", problems.append))
    return refs, problems


def _garble(text: str, at: int, pair: str = "ZZ") -> str:
    return text[:at] + pair + text[at + 2:]


def _unread(ref):
    rec = decode_record(ref.data, source=ref.source)
    return [f for f in rec.findings if f.code == "bytes-unread"]


# -- A4-5: a garbled pair in hex RawData -----------------------------------------------------
def test_one_garbled_pair_in_rawdata_keeps_the_whole_record():
    # the audit's c4 event 1000: 'ZZ' at characters 100-101 of the record's hex
    refs, problems = _read(_event(_garble(MCE.hex().upper(), 100), len(MCE)))
    expect = bytearray(MCE)
    expect[50] = 0
    assert [r.data for r in refs] == [bytes(expect)]  # 1019 bytes, not 3/4 of the text as base64
    assert [p.level for p in problems] == ["error"]
    assert problems[0].message.startswith("event record 1000 (Event ID 18): RawData: 'ZZ' at character "
                                          "offset 100 (byte 50) is not hex: read as 00")
    assert problems[0].path == "events.xml" and problems[0].offset == 0
    assert refs[0].source["unread"] == [[50, 1, None, 100, "ZZ", None]]
    unread = _unread(refs[0])
    assert [(f.offset, f.length, f.level) for f in unread] == [(50, 1, "error")]
    assert "RawData at character offset 100 shows 'ZZ'" in unread[0].message
    rec = decode_record(refs[0].data)
    assert rec.header["length"] == 1019 and len(rec.sections) == 4


def test_garbled_pairs_in_wrapped_hex_are_named_at_their_characters():
    # hex wrapped over lines (as copied from a viewer): the offset counts the text as written,
    # and a garbled character in the second digit of a pair ('4g') takes the whole pair
    lines = [MCE.hex()[i:i + 64] for i in range(0, len(MCE) * 2, 64)]
    raw = "\n".join(lines)
    raw = _garble(raw, 65 * 3 + 10, "4g")  # line 4, byte 96 + 5
    raw = _garble(raw, 65 * 10, "?!")  # line 11, byte 320
    refs, problems = _read(_event(raw, len(MCE)))
    expect = bytearray(MCE)
    expect[101] = expect[320] = 0
    assert [r.data for r in refs] == [bytes(expect)]
    assert "'4g' at character offset 205 (byte 101) and 1 more pair(s) up to character offset 650" in (
        problems[0].message)
    assert [(f.offset, f.length) for f in _unread(refs[0])] == [(101, 1), (320, 1)]


def test_base64_rawdata_is_still_base64():
    refs, problems = _read(_event(base64.b64encode(MCE).decode(), len(MCE)))
    assert [r.data for r in refs] == [MCE] and problems == []


def test_hex_with_garbled_characters_in_many_pairs_is_not_read_as_hex():
    # one pair in four not hex: no typo any more, so it is not taken for a record's hex
    text = MCE.hex()
    for at in range(16, len(text) - 2, 8):
        text = _garble(text, at, "?!")
    refs, problems = _read(_event(text, len(MCE)))
    assert refs == []
    assert [p.message for p in problems if p.level == "error"] == [
        "event record 1000 (Event ID 18): RawData is neither hex nor base64; skipped"]


# -- A4-16: Length against the RawData byte count ------------------------------------------
def test_a_length_that_disagrees_with_rawdata_is_a_warning_naming_both():
    refs, problems = _read(_event(MCE.hex(), len(MCE) + 50, rid=1003))
    assert [r.data for r in refs] == [MCE]  # the bytes are decoded as they are
    assert [(p.level, p.message) for p in problems] == [
        ("warning", "event record 1003 (Event ID 18): Length is 1069 but RawData holds 1019 bytes; "
                    "the 1019 bytes are decoded")]


def test_a_length_that_agrees_or_is_not_a_number():
    assert _read(_event(MCE.hex(), len(MCE)))[1] == []
    _, problems = _read(_event(MCE.hex(), "many"))
    assert [p.message for p in problems] == [
        "event record 1000 (Event ID 18): Length 'many' is not a number in 0–4294967295; ignored"]


def test_the_json_form_of_an_event_checks_length_too():
    # the evtx reader's JSON form: Length is a number there
    doc = {"Event": {"System": {"EventID": 18, "EventRecordID": 7, "Provider": {
        "#attributes": {"Name": "Microsoft-Windows-WHEA-Logger"}}},
        "EventData": {"Length": 542, "RawData": MCE.hex().upper()}}}
    problems = []
    refs = list(EventCollector("log.evtx", "evtx", problems.append).refs(parse_event_json(doc), 4096))
    assert [r.data for r in refs] == [MCE]
    assert [(p.offset, p.message) for p in problems] == [
        (4096, "event record 7 (Event ID 18): Length is 542 but RawData holds 1019 bytes; "
               "the 1019 bytes are decoded")]
