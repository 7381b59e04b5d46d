"""F7-17 (fuzzing campaign 7): an event that is not well-formed XML is named with the line and
column of the file; expat counts them inside the event cut out of it ("line 1, column 291" of an
event on line 11). Inputs: the shared real Windows records (../shared/vectors/DecodeWheaRecord)."""

from __future__ import annotations

from hexformats import ev_xml_event

from whea_gui.sources import iter_path


def _records(vectors) -> list[bytes]:
    return [(vectors / "DecodeWheaRecord" / n).read_bytes()
            for n in ("cper_memory_1sec_padded.bin", "cper_mce_fatal_amd_xpfmca_v3.bin")]


def test_an_events_xml_error_names_the_line_and_column_of_the_file(tmp_path, vectors):
    # F7-17: "undefined entity: line 1, column 291" was counted inside the event cut out of
    # the file, not in the file
    records = _records(vectors)
    good = ev_xml_event(records[0])
    bad = ev_xml_event(records[1]).replace("<Computer>DESKTOP-4F2K9Q1</Computer>",
                                           "<Computer>&nope;</Computer>")
    text = "<Events>\r\n" + good + bad + "</Events>\r\n"
    path = tmp_path / "entity.xml"
    path.write_bytes(text.encode())
    problems: list = []
    got = [r.data for r in iter_path(str(path), problems.append)]
    assert got == records  # (the bad entity is in <System>: its RawData is read on its own)
    line = next(i for i, s in enumerate(text.split("\n"), 1) if "&nope;" in s)
    column = text.split("\n")[line - 1].index("&nope;") + 1
    said = [p.message for p in problems if "not well-formed" in p.message]
    assert said and f"line {line}, column {column} of the file" in said[-1], said
    assert not [m for m in said if "line" in m and "of the file" not in m]  # no count of a piece


def test_a_broken_event_is_named_by_its_line_not_by_a_count_that_damage_threw_off(tmp_path, vectors):
    # the fresh check: "event 197" was the 206th event (earlier events whose start tag was
    # garbled were not counted); the line is what can be checked
    records = _records(vectors)
    events = [ev_xml_event(records[i % 2]) for i in range(6)]
    events[1] = events[1].replace("<Event ", "<Evxnt ", 1)  # not an event start any more
    events[4] = events[4].replace("</Event>", "</Evxnt>")  # no closing tag
    text = "<Events>\r\n" + "".join(events) + "</Events>\r\n"
    path = tmp_path / "drift.xml"
    path.write_bytes(text.encode())
    problems: list = []
    list(iter_path(str(path), problems.append))
    line = text[:text.index("<Event ", len("".join(events[:4])))].count("\n") + 1
    said = [p.message for p in problems if "no closing </Event>" in p.message]
    assert said and said[0].startswith(f"the event on line {line} has no closing"), said


def test_an_event_damaged_outside_its_data_still_gives_its_record(tmp_path, vectors):
    # the fresh check: a byte inserted in an event's <System> markup made the event not
    # well-formed, and its intact RawData was skipped with it
    records = _records(vectors)
    bad = ev_xml_event(records[1]).replace("<EventID>20</EventID>", "<EventID>20</EvAentID>")
    text = "<Events>\r\n" + ev_xml_event(records[0]) + bad + "</Events>\r\n"
    path = tmp_path / "system.xml"
    path.write_bytes(text.encode())
    problems: list = []
    got = list(iter_path(str(path), problems.append))
    assert [r.data for r in got] == records
    said = [p for p in problems if "not well-formed" in p.message and "the event on line" in p.message]
    assert said and said[0].level == "error" and "read on their own" in said[0].message
    assert said[0].offset == len(("<Events>\r\n" + ev_xml_event(records[0])).encode())


def test_raw_data_with_a_digit_lost_in_the_middle_is_never_read_as_base64(tmp_path, vectors):
    # the fresh check: hex digits only, an odd number of them (one lost in the middle), made a
    # length base64 accepts, and a made-up 1,403-byte "record" was shown
    records = _records(vectors)
    for record in records:
        hexed = record.hex().upper()
        for lost in (1, 3):  # odd lengths of both remainders modulo 4 (base64 takes 3 of 4)
            damaged = hexed[:101] + hexed[101 + lost:]
            text = "<Events>\r\n" + ev_xml_event(record).replace(hexed, damaged) + "</Events>\r\n"
            path = tmp_path / "odd.xml"
            path.write_bytes(text.encode())
            problems: list = []
            got = [r.data for r in iter_path(str(path), problems.append)]
            assert all(d[:4] == b"CPER" for d in got), (lost, [d[:8] for d in got])
            assert any("odd number of hex digits" in p.message or "neither hex" in p.message
                       for p in problems if p.level == "error"), problems
