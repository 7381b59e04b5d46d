"""Redfish LogEntry JSON (CPER and CPERSection) and the single-section decoder."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import sources_helpers as h

from whea_gui.decode import decode_record, record_to_json
from whea_gui.decode.single_section import decode_single_section
from whea_gui.sources import iter_bytes, iter_path
from whea_gui.sources.redfish import host_of

SINGLE = h.VECTORS / "libcper-generated" / "single-section"
REC = (h.DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
SECTION = (SINGLE / "pcie-001.cper").read_bytes()


def _entry(eid: str, dtype: str, data: bytes, **extra) -> dict:
    e = {"@odata.id": f"/redfish/v1/Systems/system/LogServices/EventLog/Entries/{eid}",
         "@odata.type": "#LogEntry.v1_15_0.LogEntry", "Id": eid, "Name": "System Event Log Entry",
         "Created": "2025-03-04T10:11:12+00:00", "EntryType": "Event", "Severity": "Critical",
         "Message": "A CPER error was logged", "DiagnosticDataType": dtype,
         "DiagnosticData": base64.b64encode(data).decode(),
         "Links": {"OriginOfCondition": {"@odata.id": "/redfish/v1/Systems/system/Processors/cpu0"}}}
    e.update(extra)
    return e


def test_single_log_entry_with_a_whole_record():
    doc = json.dumps(_entry("17", "CPER", REC)).encode()
    refs = list(iter_bytes(doc, "entry.json"))
    assert len(refs) == 1 and refs[0].data == REC
    src = refs[0].source
    assert src["kind"] == "redfish" and src["format"] == "cper" and src["entry_id"] == "17"
    assert src["created"] == "2025-03-04T10:11:12+00:00" and src["host"] == "Systems/system"
    assert src["origin_of_condition"] == "/redfish/v1/Systems/system/Processors/cpu0"
    assert src["message"] == "A CPER error was logged"
    assert decode_record(refs[0].data, source=src).kind == "cper"


def test_collection_with_sections_links_and_other_entries(tmp_path):
    coll = {"@odata.id": "/redfish/v1/Systems/system/LogServices/EventLog/Entries",
            "Members@odata.count": 4, "Members": [
                _entry("1", "CPERSection", SECTION),
                {"@odata.id": "/redfish/v1/Systems/system/LogServices/EventLog/Entries/2"},
                _entry("3", "OEM", b"whatever"),
                _entry("4", "CPER", REC, **{"@odata.id": "https://bmc1.example:443/redfish/v1/Systems/1/"
                                                         "LogServices/EventLog/Entries/4"}),
            ]}
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(coll, indent=2))
    problems = []
    refs = list(iter_path(path, problems.append))
    assert [(r.source["entry_id"], r.source["format"], r.data) for r in refs] == [
        ("1", "section", SECTION), ("4", "cper", REC)]
    assert refs[1].source["host"] == "bmc1.example:443"
    assert any("only a link" in p.message and "Entries/2" in p.message for p in problems)
    sec = decode_record(refs[0].data, source=refs[0].source)
    assert sec.kind == "section" and sec.sections[0].values["type"] == "d995e954-bbc1-430f-ad91-b44dcb3c6f35"
    assert record_to_json(sec)["sections"][0]["offset"] == 72


def test_json_lines_and_bad_base64():
    good = json.dumps(_entry("1", "CPER", REC))
    bad = json.dumps(dict(_entry("2", "CPER", REC), DiagnosticData="@@@not base64@@@"))
    problems = []
    refs = list(iter_bytes((good + "\n" + bad + "\n").encode(), "log.jsonl", problems.append))
    assert [r.source["entry_id"] for r in refs] == ["1"]
    assert any("LogEntry 2" in p.message and "base64" in p.message for p in problems)


def test_host_of():
    assert host_of("/redfish/v1/Managers/bmc/LogServices/Journal/Entries/9") == "Managers/bmc"
    assert host_of("https://10.0.0.5/redfish/v1/Systems/1/LogServices/X/Entries/1") == "10.0.0.5"
    assert host_of("") is None


@pytest.mark.parametrize("path", sorted(SINGLE.glob("*.cper")), ids=lambda p: p.stem)
def test_single_section_descriptor_matches_libcper(path):
    rec = decode_single_section(path.read_bytes())
    want = json.loads(path.with_suffix(".json").read_text())["sectionDescriptor"]
    got = rec.sections[0].values
    assert got["offset"] == want["sectionOffset"] and got["length"] == want["sectionLength"]
    assert got["type"] == want["sectionType"]["data"] and got["severity"] == want["severity"]["code"]
    assert got["revision"] == want["revision"]["major"] << 8 | want["revision"]["minor"]
    assert got["flag_names"] == [k for k in ("primary", "containment_warning", "reset", "threshold_exceeded",
                                             "resource_not_accessible", "latent_error", "propagated",
                                             "overflow")
                                 if want["flags"][_camel(k)]]
    assert not rec.has_errors(), [f.message for f in rec.findings]
    assert rec.sections[0].body.offset == 72 and rec.sections[0].body.length == want["sectionLength"]


def _camel(key: str) -> str:
    return {"threshold_exceeded": "errorThresholdExceeded", "containment_warning": "containmentWarning",
            "resource_not_accessible": "resourceNotAccessible", "latent_error": "latentError"}.get(key, key)


def test_single_section_problems():
    rec = decode_single_section(SECTION[:40])
    assert rec.has_errors() and any(f.code == "descriptor-truncated" for f in rec.findings)
    rec = decode_single_section(SECTION[:100])
    assert any(f.code == "section-truncated" and f.offset == 72 for f in rec.findings)
    bad_off = (10).to_bytes(4, "little") + SECTION[4:]
    assert any(f.code == "offset-overlaps-header" for f in decode_single_section(bad_off).findings)
    rec = decode_single_section(SECTION + b"\0" * 5)
    assert any(f.code == "trailing" for f in rec.findings)


# -- hostile JSON (issue #15): each case users reproduced, then the good entry beside it ---------
def _collection_text(bad_key: str, hostile: str) -> str:
    bad = _entry("bad", "CPER", REC, **{bad_key: "__HOSTILE__"})
    return json.dumps({"Members": [bad, _entry("good", "CPER", REC)]}).replace('"__HOSTILE__"', hostile)


@pytest.mark.parametrize("key, hostile, says", [
    ("Links", "[1]", "/Members/0/Links (LogEntry bad): is an array, not an object"),
    ("@odata.id", "5", "/Members/0/@odata.id (LogEntry bad): is the number 5, not a string"),
    ("Id", "1" * 4400, "/Members/0/Id (LogEntry): is a 4400-digit number, not a string"),
    ("Message", '{"a": 1}', "/Members/0/Message (LogEntry bad): is an object, not a string"),
])
def test_wrong_types_are_reported_with_their_json_pointer(key, hostile, says):
    problems = []
    refs = list(iter_bytes(_collection_text(key, hostile).encode(), "bmc.json", problems.append))
    assert [r.data for r in refs] == [REC, REC]  # the bad entry's record is still good
    assert [r.source["json_pointer"] for r in refs] == ["/Members/0", "/Members/1"]
    assert refs[1].source["entry_id"] == "good" and refs[1].source["host"] == "Systems/system"
    assert [p.path for p in problems] == ["bmc.json"] and says in problems[0].message
    assert problems[0].level == "warning"
    assert refs[0].source.get({"Links": "origin_of_condition", "@odata.id": "odata_id", "Id": "entry_id",
                                "Message": "message"}[key]) is None
    json.dumps([r.source for r in refs])  # provenance stays serialisable


def test_nesting_3000_deep_is_read_as_null_and_the_rest_kept():
    deep = "[" * 3000 + "]" * 3000
    text = _collection_text("Links", deep)
    problems = []
    refs = list(iter_bytes(text.encode(), "deep.json", problems.append))
    assert [r.source["entry_id"] for r in refs] == ["bad", "good"] and refs[1].data == REC
    nested = [p for p in problems if "nested more than 200 levels" in p.message]
    assert len(nested) == 1 and nested[0].level == "error"
    assert nested[0].message.startswith("/Members/0/Links/0/0/")
    start = text.index("[" * 201)  # ASCII: characters are bytes
    # the document, Members, the entry and Links are levels 1-4: level 201 is the 198th bracket
    assert nested[0].offset == start + 197 and nested[0].length == 2 * (3000 - 197)


def test_unreadable_json_is_a_problem_not_a_traceback():
    problems = []
    assert list(iter_bytes(b'{"Members": ' + b"[" * 3000, "open.json", problems.append)) == []
    errors = [p for p in problems if p.level == "error"]
    # 3,001 levels with the outer object; level 257 opens at the 256th "["
    assert errors and "nested 3001 levels deep" in errors[0].message and errors[0].offset == 12 + 255
    problems.clear()
    assert list(iter_bytes(b'{"Members": [1, }', "bad.json", problems.append)) == []
    assert any("not valid JSON" in p.message and p.offset == 16 for p in problems)


def test_json_lines_with_a_deep_line_and_a_huge_number_line():
    good = json.dumps(_entry("1", "CPER", REC))
    lines = [good, '{"Id": ' + "9" * 5000 + ', "DiagnosticDataType": "CPER"}', "[" * 3000, good]
    problems = []
    refs = list(iter_bytes("\n".join(lines).encode(), "log.jsonl", problems.append))
    assert [(r.source["line"], r.data) for r in refs] == [(1, REC), (4, REC)]
    assert any(p.message.startswith("line 2 /Id") and "5000-digit" in p.message for p in problems)
    assert any(p.message.startswith("line 3: JSON nested 3000 levels") for p in problems)


def test_cli_exit_code_and_no_traceback_for_the_reported_files(tmp_path):
    import os
    import subprocess
    import sys
    files = {"links.json": _collection_text("Links", "[1]"), "odata.json": _collection_text("@odata.id", "7"),
             "deep.json": _collection_text("Message", "[" * 3000 + "]" * 3000),
             "huge-id.json": _collection_text("Id", "1" * 4400)}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        repo = Path(__file__).resolve().parents[2]
        proc = subprocess.run([sys.executable, "-m", "whea_gui.cli", "decode", "--json", str(tmp_path / name)],
                              capture_output=True, env=dict(os.environ, PYTHONPATH=str(repo)))
        err = proc.stderr.decode()
        assert "Traceback" not in err and str(tmp_path / name) in err
        assert proc.returncode == (1 if name == "deep.json" else 0), (name, err)
        assert len(proc.stdout.splitlines()) == 2


def test_json_lines_with_a_broken_first_line_and_blank_lines():
    good = json.dumps(_entry("1", "CPER", REC))
    text = '{"Id": "0", "DiagnosticData": \n\n' + good + "\n\n" + good.replace('"Id": "1"', '"Id": "2"') + "\n"
    problems = []
    refs = list(iter_bytes(text.encode(), "log.jsonl", problems.append))
    assert [(r.source["entry_id"], r.source["line"], r.data) for r in refs] == [("1", 3, REC), ("2", 5, REC)]
    [err] = [p for p in problems if p.level == "error"]
    assert err.message.startswith("line 1: not valid JSON") and err.offset == len('{"Id": "0", "DiagnosticData": ')


def test_pretty_printed_document_with_an_error_is_one_problem():
    text = json.dumps({"Members": [_entry("1", "CPER", REC)]}, indent=2).replace('"Id": "1",', '"Id": "1"')
    problems = []
    assert list(iter_bytes(text.encode(), "pretty.json", problems.append)) == []
    errors = [p for p in problems if p.level == "error"]
    assert len(errors) == 1 and "not valid JSON" in errors[0].message and "line" in errors[0].message


# -- issue #15, second round: detection past the head, dropped members, broken JSON, dates -------
G = (h.VECTORS / "libcper-generated" / "generic" / "001.cper").read_bytes()


def _member(eid: str, **extra) -> dict:
    e = {"@odata.id": f"/x/{eid}", "Id": eid, "DiagnosticDataType": "CPER",
         "DiagnosticData": base64.b64encode(G).decode()}
    e.update(extra)
    return e


@pytest.mark.parametrize("before", ["description", "spaces", "long-count"])
def test_redfish_found_when_members_start_far_into_the_file(tmp_path, before):
    doc = json.dumps({"Members@odata.count": int("1" * 4000) if before == "long-count" else 1,
                      "Description": "x" * (8000 if before == "description" else 1), "Members": [_member("1")]})
    if before == "long-count":
        doc = doc.replace("1" * 4000, "1" * 100_000)
    if before == "spaces":
        doc = " " * 100_000 + doc
    path = tmp_path / "r.json"
    path.write_text(doc)
    for refs, problems in _both_ways(path):
        assert [r.data for r in refs] == [G] and refs[0].source["kind"] == "redfish"
        assert refs[0].source["json_pointer"] == "/Members/0"
        assert not [p for p in problems if p.level == "error"], problems


def _both_ways(path):
    for read in (lambda sink: iter_path(path, sink), lambda sink: iter_bytes(path.read_bytes(), str(path), sink)):
        problems = []
        yield list(read(problems.append)), problems


def test_json_without_redfish_entries_is_never_decoded_as_bytes(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"name": "not a log", "values": [1, 2, 3]}))
    problems = []
    assert list(iter_path(path, problems.append)) == []
    assert any("JSON with no Redfish LogEntry" in p.message for p in problems), problems


@pytest.mark.parametrize("hostile, level, says", [
    ("5", "error", "/Members/1/DiagnosticData (LogEntry bad): is the number 5, not base64 text"),
    ("[1, 2]", "error", "/Members/1/DiagnosticData (LogEntry bad): is an array, not base64 text"),
    ('""', "error", "/Members/1/DiagnosticData (LogEntry bad): is empty"),
])
def test_unusable_diagnostic_data_is_an_error_naming_the_pointer(hostile, level, says):
    text = json.dumps({"Members": [_member("good"), _member("bad", DiagnosticData="__H__")]}
                      ).replace('"__H__"', hostile)
    problems = []
    refs = list(iter_bytes(text.encode(), "bmc.json", problems.append))
    assert [r.data for r in refs] == [G]
    hits = [p for p in problems if says in p.message]
    assert len(hits) == 1 and hits[0].level == level, problems


def test_every_member_that_is_not_a_usable_entry_is_named():
    members = [_member("0"), 5, None, _member("3", DiagnosticDataType={"a": 1}),
               {"@odata.id": "/x/4", "Id": "4", "Message": "Fan 2 failed"}, _member("5", DiagnosticDataType="OEM"),
               "text", _member("7")]
    problems = []
    refs = list(iter_bytes(json.dumps({"Members": members}).encode(), "bmc.json", problems.append))
    assert [r.source["json_pointer"] for r in refs] == ["/Members/0", "/Members/7"]
    said = {p.message.split(" ")[0].split(":")[0]: p.level for p in problems}
    assert list(said) == sorted(said), problems  # in file order
    assert said == {"/Members/1": "warning", "/Members/2": "warning", "/Members/3/DiagnosticDataType": "error",
                    "/Members/4": "note", "/Members/5/DiagnosticDataType": "note", "/Members/6": "warning"}, problems


def test_trailing_garbage_keeps_the_document():
    text = json.dumps({"Members": [_member("1"), _member("2")]})
    problems = []
    refs = list(iter_bytes((text + " garbage}").encode(), "t.json", problems.append))
    assert [r.source["entry_id"] for r in refs] == ["1", "2"]
    [err] = [p for p in problems if p.level == "error"]
    assert err.offset == len(text) + 1 and "after the JSON document" in err.message


@pytest.mark.parametrize("pretty", [None, 2])
def test_collection_cut_midway_keeps_the_complete_entries(pretty):
    text = json.dumps({"@odata.id": "/x", "Members": [_member("1"), _member("2"), _member("3")]}, indent=pretty)
    cut = text.index('"Id": "3"') + 3
    problems = []
    refs = list(iter_bytes(text[:cut].encode(), "cut.json", problems.append))
    assert [(r.source["entry_id"], r.source["json_pointer"], r.data) for r in refs] == [
        ("1", "/Members/0", G), ("2", "/Members/1", G)]
    [err] = [p for p in problems if p.level == "error"]
    assert "not valid JSON" in err.message and "kept 2 complete entries before it" in err.message
    assert err.offset >= text.index(_member_start(text, 2))


def _member_start(text: str, i: int) -> str:
    return text[text.index('"/x/3"') - 20:text.index('"/x/3"')]


def test_cli_exit_1_for_a_cut_collection(tmp_path):
    import os
    import subprocess
    import sys
    text = json.dumps({"Members": [_member("1"), _member("2")]})
    path = tmp_path / "cut.json"
    path.write_text(text[:-30])
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "whea_gui.cli", "decode", "--json", str(path)],
                          capture_output=True, env=dict(os.environ, PYTHONPATH=str(repo)))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr.decode()
    assert len(proc.stdout.splitlines()) == 1


@pytest.mark.parametrize("created", ["99999-99-99T99:99:99+99:99", "0000-01-01T00:00:00Z", "2024-13-01T00:00:00Z"])
def test_impossible_created_is_kept_as_text_and_named(created):
    problems = []
    refs = list(iter_bytes(json.dumps({"Members": [_member("1", Created=created)]}).encode(), "c.json",
                           problems.append))
    assert [r.source["created"] for r in refs] == [created]
    [p] = problems
    assert p.level == "warning" and p.message.startswith("/Members/0/Created (LogEntry 1): ")
    assert "kept as text" in p.message


def test_list_of_entries_cut_midway_keeps_the_complete_entries():
    text = json.dumps([_member("1"), _member("2")])
    problems = []
    refs = list(iter_bytes(text[:-40].encode(), "list.json", problems.append))
    assert [(r.source["json_pointer"], r.data) for r in refs] == [("/0", G)]
    [err] = [p for p in problems if p.level == "error"]
    assert "kept 1 complete entry before it" in err.message
    assert err.offset == text.rindex('"Q1BF')  # the string the cut leaves unterminated


def test_diagnostic_data_without_a_type_is_read_when_it_is_a_cper_record():
    untyped = _member("1")
    del untyped["DiagnosticDataType"]
    other = dict(untyped, Id="2", DiagnosticData=base64.b64encode(b"not a record").decode())
    problems = []
    refs = list(iter_bytes(json.dumps({"Members": [untyped, other]}).encode(), "u.json", problems.append))
    assert [(r.source["entry_id"], r.source["format"], r.data) for r in refs] == [("1", "cper", G)]
    assert [(p.message.split(" ")[0], p.level) for p in problems] == [
        ("/Members/0/DiagnosticDataType", "warning"), ("/Members/1/DiagnosticDataType", "warning")]


@pytest.mark.parametrize("layout", ["one member a line", "pretty-printed"])
def test_a_damaged_member_loses_only_itself(layout):
    # fuzzing campaign 7, F7-11: one syntax error in member 1 lost members 2 and 3
    members = [_entry(str(i), "CPER", REC) for i in range(4)]
    if layout == "pretty-printed":
        text = json.dumps({"@odata.type": "#LogEntryCollection.LogEntryCollection",
                           "Members@odata.count": 4, "Members": members}, indent=2)
    else:
        text = ('{"@odata.type": "#LogEntryCollection.LogEntryCollection", "Members@odata.count": 4, '
                '"Members": [\n' + ",\n".join(json.dumps(m) for m in members) + "\n]}")
    at = text.index('"Id": "1"')
    damaged = (text[:at] + "\x01" + text[at:]).encode()  # a control character: not valid JSON
    problems = []
    refs = list(iter_bytes(damaged, "bmc.json", problems.append))
    assert [r.source["entry_id"] for r in refs] == ["0", "2", "3"]
    assert all(r.data == REC for r in refs)
    [p] = [p for p in problems if p.level == "error"]
    assert "damaged member left out" in p.message and p.offset == damaged.index(b"\x01")
