"""Independent fuzzing 5 (F5-1 … F5-4): strings that are no valid UTF-8 (a file name's
undecodable bytes, a lone surrogate in a BMC's JSON) made a store import, a report and JSON
consumers fail on every record of the run; a missing optional package gave a traceback; one NUL
byte in a hex or base64 text made the whole text be read as binary and every record in it lost.
Inputs are the shared real records (../shared/vectors/DecodeWheaRecord) in those forms."""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
import subprocess
import sys

import pytest

from whea_gui.cli import main
from whea_gui.sources import iter_path

NAMES = ("cper_memory_1sec_padded.bin", "cper_mce_fatal_amd_xpfmca_v3.bin", "cper_cmc_amd_xpfmca_v2r1.bin")


def _records(vectors) -> list[bytes]:
    return [(vectors / "DecodeWheaRecord" / n).read_bytes() for n in NAMES]


def _read_with_peak(path) -> tuple[list, list, int]:
    """(items, problems, peak traced memory) of reading ``path``."""
    import tracemalloc
    problems: list = []
    tracemalloc.start()
    try:
        refs = list(iter_path(str(path), problems.append))
        return refs, problems, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _strict_json_lines(text: bytes) -> list[dict]:
    """Each line parsed the way strict consumers do: UTF-8, no lone surrogates."""
    lines = text.decode("utf-8", "strict").splitlines()
    out = [json.loads(line) for line in lines if line.strip()]

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)
    for obj in out:
        for text in strings(obj):
            text.encode("utf-8")  # raises on a lone surrogate
    return out


@pytest.mark.skipif(sys.platform != "linux", reason="byte file names")
def test_a_file_name_that_is_no_utf8_is_stored_reported_and_printed(tmp_path, vectors, capsysbinary):
    rec = _records(vectors)[0]
    odd = os.fsdecode(bytes(tmp_path) + b"/\xff\xfe.bin")
    with open(odd, "wb") as fh:
        fh.write(rec)
    good = str(vectors / "DecodeWheaRecord" / NAMES[2])
    store = str(tmp_path / "s.wheastore")
    assert main(["store", "--store", store, "import", odd, good]) == 0
    capsysbinary.readouterr()
    assert main(["store", "--store", store, "list"]) == 0
    listed = capsysbinary.readouterr().out.decode("utf-8").splitlines()
    assert len(listed) == 2 and "\\xff\\xfe.bin@0" in listed[0]  # the good input after it is stored too
    out = tmp_path / "r.html"
    assert main(["report", odd, "-q", "-o", str(out)]) == 0
    assert "\\xff\\xfe.bin" in out.read_text("utf-8")
    capsysbinary.readouterr()
    assert main(["decode", "--json", odd]) == 0
    (line,) = _strict_json_lines(capsysbinary.readouterr().out)
    assert line["source"]["path"].endswith("\\xff\\xfe.bin")


def test_a_lone_surrogate_in_a_bmc_log_entry_loses_no_record(tmp_path, vectors, capsysbinary):
    members = [{"@odata.id": f"/redfish/v1/Systems/1/LogServices/Log/Entries/{i}", "Id": str(i),
                "DiagnosticDataType": "CPER", "DiagnosticData": base64.b64encode(r).decode()}
               for i, r in enumerate(_records(vectors))]
    members[1]["Id"], members[1]["Message"] = "\ud800x", "\udfff\ud800"
    path = tmp_path / "log.json"
    path.write_text(json.dumps({"Members": members}))  # json escapes them: valid JSON text
    capsysbinary.readouterr()
    assert main(["decode", "--json", str(path)]) in (0, 1)
    lines = _strict_json_lines(capsysbinary.readouterr().out)
    assert len(lines) == 3
    out = tmp_path / "r.md"
    assert main(["report", str(path), "-q", "-o", str(out)]) in (0, 1)
    assert "Records: **3**" in out.read_text("utf-8")
    refs = list(iter_path(str(path)))
    assert all(isinstance(v, str) and v.encode("utf-8") for r in refs for v in r.source.values()
               if isinstance(v, str))


def test_export_without_pyarrow_says_so_without_a_traceback(tmp_path, vectors):
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "from whea_gui.cli import main\n"
            f"sys.exit(main(['export', {str(tmp_path / 'out')!r}, {str(vectors / 'DecodeWheaRecord' / NAMES[0])!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "pip install pyarrow" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("form", ["xxd-p", "xxd", "base64"])
@pytest.mark.parametrize("where", ["end", "middle"])
def test_one_nul_in_a_text_dump_loses_no_record(tmp_path, vectors, form, where):
    data = b"".join(_records(vectors))
    if form == "xxd-p":
        text = "\n".join(binascii.hexlify(data[i:i + 30]).decode() for i in range(0, len(data), 30))
    elif form == "xxd":
        text = "\n".join(f"{i:08x}: " + " ".join(data[j:j + 2].hex() for j in range(i, min(i + 16, len(data)), 2))
                         for i in range(0, len(data), 16))
    else:
        b64 = base64.b64encode(data).decode()
        text = "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    raw = text.encode() + b"\n"
    at = len(raw) - 1 if where == "end" else raw.index(b"\n", len(raw) // 2) - 3
    raw = raw[:at] + b"\0" + raw[at:]
    path = tmp_path / "dump.txt"
    path.write_bytes(raw)
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == _records(vectors), [str(p) for p in problems]
    nul = [p for p in problems if "NUL" in p.message]
    assert len(nul) == 1 and nul[0].level == "warning" and f"character offset {at}" in nul[0].message


def test_a_long_non_hex_token_in_a_dump_costs_no_memory_per_character(tmp_path, vectors):
    # F5-7: a 20 MB token took 1.9 GB (a list entry per non-hex pair) and lost every record
    data = b"".join(_records(vectors))
    rows = [f"{i:08x}: " + " ".join(data[j:j + 2].hex() for j in range(i, min(i + 16, len(data)), 2))
            for i in range(0, len(data), 16)]
    rows.insert(len(rows) - 3, "x" * 4_000_000)  # inside the last record's rows
    path = tmp_path / "dump.txt"
    path.write_text("\n".join(rows) + "\n")
    refs, _problems, peak = _read_with_peak(path)
    assert [r.data for r in refs][:2] == _records(vectors)[:2]
    assert peak < 60e6, peak  # the text is 4 MB; pair by pair it took over 400 MB


def _entry(i: int, data: str) -> str:
    return json.dumps({"@odata.id": f"/redfish/v1/Systems/1/LogServices/Log/Entries/{i}", "Id": str(i),
                       "DiagnosticDataType": "CPER", "DiagnosticData": data})


@pytest.mark.parametrize("bad", ["syntax", "base64", "array"])
def test_json_lines_with_many_bad_lines_keep_both_good_entries_and_few_messages(tmp_path, vectors, bad):
    # F5-13 / F5-14: 900,000 bad lines took over 120 s and 1.9 GB; 200,000 bad base64 entries
    # printed 200,001 lines: each bad line now costs a parse, the messages stop at 50
    first, last = _records(vectors)[0], _records(vectors)[2]
    middle = {"syntax": '{"Id": ', "base64": _entry(7, "!!"), "array": "[1, 2, 3]"}[bad]
    lines = [_entry(0, base64.b64encode(first).decode())] + [middle] * 20_000 + \
        [_entry(1, base64.b64encode(last).decode())]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    refs, problems, peak = _read_with_peak(path)
    assert [r.data for r in refs] == [first, last]
    assert len(problems) <= 52, len(problems)
    more = {"syntax": 19950, "base64": 19950, "array": 59950}[bad]  # (an array line: 3 values)
    assert any(f"{more} more" in p.message for p in problems), [p.message for p in problems[-3:]]
    assert peak < 40e6, peak  # a 0.2-0.8 MB file


@pytest.mark.parametrize("form", ["redfish", "xxd"])
def test_utf16_big_endian_text_without_a_bom_is_read_as_text(tmp_path, vectors, form):
    # F5-15: UTF-16LE without a BOM was known by its NULs, big-endian was read as binary
    records = _records(vectors)
    if form == "redfish":
        text = json.dumps({"Members": [json.loads(_entry(i, base64.b64encode(r).decode()))
                                       for i, r in enumerate(records)]})
    else:
        data = b"".join(records)
        text = "\n".join(f"{i:08x}: " + " ".join(data[j:j + 2].hex() for j in range(i, min(i + 16, len(data)), 2))
                         for i in range(0, len(data), 16))
    path = tmp_path / "be.txt"
    path.write_bytes(text.encode("utf-16-be"))
    problems = []
    assert [r.data for r in iter_path(str(path), problems.append)] == records, [str(p) for p in problems]


NS = "http://schemas.microsoft.com/win/2004/08/events/event"


def _event(record: bytes, rid: int, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    decl = f'xmlns{":" + prefix if prefix else ""}="{NS}"'
    return (f'<{p}Event {decl}><{p}System><{p}Provider Name="Microsoft-Windows-WHEA-Logger"/>'
            f"<{p}EventID>18</{p}EventID><{p}EventRecordID>{rid}</{p}EventRecordID></{p}System>"
            f'<{p}EventData><{p}Data Name="RawData">{record.hex().upper()}</{p}Data></{p}EventData></{p}Event>')


@pytest.mark.parametrize("root", [True, False])
def test_an_event_written_with_a_namespace_prefix_is_read(tmp_path, vectors, root):
    # F5-8: <e:Event xmlns:e="…"> is the same element to an XML parser; it was dropped silently
    records = _records(vectors)
    events = [_event(records[0], 1), _event(records[1], 2, "e"), _event(records[2], 3)] if root else \
        [_event(r, i, "w") for i, r in enumerate(records, 1)]
    path = tmp_path / "events.xml"
    path.write_text(("<Events>" + "".join(events) + "</Events>") if root else "\n".join(events))
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == records, [str(p) for p in problems]
    assert [r.source["event_record_id"] for r in refs] == [1, 2, 3]


@pytest.mark.parametrize("damage", ["inserted", "inserted-b64", "deleted", "replaced"])
def test_a_damaged_base64_line_keeps_the_lines_after_it(tmp_path, vectors, damage):
    # F5-5: one bad or missing character ended the base64 there; the lines after it were read
    # as hex ("AAAA…") and the record after the damage was lost
    from whea_gui.decode import decode_record
    records = _records(vectors)
    b64 = base64.b64encode(b"".join(records)).decode()
    lines = [b64[i:i + 76] for i in range(0, len(b64), 76)]
    n = 10  # inside the second record (bytes 570-626; it spans 277-1295)
    line = lines[n]
    lines[n] = {"inserted": line[:20] + "!" + line[20:], "inserted-b64": line[:20] + "Q" + line[20:],
                "deleted": line[:20] + line[21:],
                "replaced": line[:20] + "#" + line[21:]}[damage]
    path = tmp_path / "b64.txt"
    path.write_text("\n".join(lines) + "\n")
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [len(r.data) for r in refs] == [len(r) for r in records], [str(p) for p in problems]
    assert refs[0].data == records[0] and refs[2].data == records[2]
    second = bytearray(records[1])
    second[570 - 277:627 - 277] = bytes(57)
    assert refs[1].data == bytes(second)
    said = [p for p in problems if "this base64 line is damaged" in p.message]
    assert len(said) == 1 and said[0].level == "error" and "line 11" in str(said[0])
    rec = decode_record(refs[1].data, source=refs[1].source)
    unread = [f for f in rec.findings if f.code == "bytes-unread"]
    assert unread and unread[0].offset == 570 - 277


@pytest.mark.parametrize("style", ["xxd", "hexdump-C"])
def test_two_rows_pasted_in_swapped_order_are_placed_by_their_offsets(tmp_path, vectors, style):
    # F5-12: the later row first left a hole "read as 00" (the row was there, one line below)
    # and the earlier row then split the dump: the record was cut short
    records = _records(vectors)
    data = b"".join(records)

    def row(i: int) -> str:
        chunk = data[i:i + 16]
        if style == "xxd":
            return f"{i:08x}: " + " ".join(chunk[j:j + 2].hex() for j in range(0, len(chunk), 2))
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        return f"{i:08x}  " + " ".join(f"{b:02x}" for b in chunk[:8]) + "  " + \
            " ".join(f"{b:02x}" for b in chunk[8:]) + f"  |{text}|"
    rows = [row(i) for i in range(0, len(data), 16)]
    k = 0x280 // 16
    rows[k], rows[k + 1] = rows[k + 1], rows[k]
    path = tmp_path / "dump.txt"
    path.write_text("\n".join(rows) + "\n")
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == records, [str(p) for p in problems]
    assert not [p for p in problems if p.level == "error"], [str(p) for p in problems]
    said = [p for p in problems if "out of order" in p.message]
    assert len(said) == 1 and said[0].level == "warning"
    assert not any("unread" in r.source for r in refs)


def test_a_few_bytes_of_rawdata_without_a_signature_are_no_record(tmp_path, vectors):
    # F5-20: RawData "ZZ" (valid base64 for one byte) became a 1-byte "record" a report counted
    records = _records(vectors)
    odd = _event(records[0], 2).replace(records[0].hex().upper(), "ZZ")
    path = tmp_path / "events.xml"
    path.write_text("<Events>" + _event(records[0], 1) + odd + _event(records[2], 3) + "</Events>")
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == [records[0], records[2]]
    said = [p for p in problems if "too few for a record" in p.message]
    assert len(said) == 1 and said[0].level == "error" and "event record 2" in said[0].message


@pytest.mark.parametrize("size", [36, 4095])
def test_an_evtx_cut_inside_its_file_header_is_said_with_its_place(tmp_path, vectors, size):
    # F5-22: the parser's own text ("failed to fill whole buffer") with no place
    path = tmp_path / "cut.evtx"
    path.write_bytes((vectors / "evtx" / "kernel_whea_operational_52events.evtx").read_bytes()[:size])
    problems = []
    assert list(iter_path(str(path), problems.append)) == []
    assert [(p.level, p.offset) for p in problems] == [("error", size)]
    assert f"ends at byte {size}, inside the 4096-byte event log file header" in problems[0].message


def test_a_zero_filled_block_inside_a_dump_keeps_it_text(tmp_path, vectors):
    # recheck 5 (F5-4): a run of 600 NULs (a zero-filled block) inside an xxd text made it binary
    data = b"".join(_records(vectors))
    rows = [f"{i:08x}: " + " ".join(data[j:j + 2].hex() for j in range(i, min(i + 16, len(data)), 2))
            for i in range(0, len(data), 16)]
    path = tmp_path / "dump.txt"
    path.write_bytes(("\n".join(rows[:40]) + "\n").encode() + bytes(600) + ("\n" + "\n".join(rows[40:]) + "\n").encode())
    problems = []
    assert [r.data for r in iter_path(str(path), problems.append)] == _records(vectors), [str(p) for p in problems]
    assert any("600 NUL character(s)" in p.message for p in problems)


def test_events_whose_prefix_is_declared_on_the_root_are_read(tmp_path, vectors):
    # recheck 5 (F5-8): <ev:Events xmlns:ev="…"><ev:Event>…: each event parsed alone had an
    # unbound prefix, and every event was lost as "not well-formed"
    records = _records(vectors)
    decl = f' xmlns:ev="{NS}"'
    events = [_event(r, i, "ev").replace(decl, "") for i, r in enumerate(records, 1)]
    path = tmp_path / "events.xml"
    path.write_text(f"<ev:Events{decl}>" + "".join(events) + "</ev:Events>")
    problems = []
    assert [r.data for r in iter_path(str(path), problems.append)] == records, [str(p) for p in problems]


@pytest.mark.parametrize("inserted", ["xxxxxxxxxx", "ABCDEFGHIJKLMNOPQRST", "0badf00d some comment",
                                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"])
def test_a_base64_looking_line_between_dump_rows_does_not_split_the_dump(tmp_path, vectors, inserted):
    # recheck 5, N-2: the line was read as base64, ended the dump and cut the record across it
    data = b"".join(_records(vectors))
    rows = [f"{i:08x}: " + " ".join(data[j:j + 2].hex() for j in range(i, min(i + 16, len(data)), 2))
            for i in range(0, len(data), 16)]
    rows.insert(30, inserted)  # inside the second record
    path = tmp_path / "dump.txt"
    path.write_text("\n".join(rows) + "\n")
    problems = []
    assert [r.data for r in iter_path(str(path), problems.append)] == _records(vectors), [str(p) for p in problems]
    said = [p for p in problems if "between the rows of a dump" in p.message]
    if not inserted.startswith("A"):  # (a word of text is passed over as prose is; the rest are named)
        assert len(said) == 1 and "line 31" in str(said[0])


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-32-le", "utf-32-be", "utf-32"])
def test_event_xml_in_other_unicode_forms_gives_the_events_at_their_byte_offsets(tmp_path, vectors, encoding):
    # F5-15 / recheck 5 N-12: UTF-16BE and UTF-32 text were read as binary; offsets follow the encoding
    records = _records(vectors)
    text = "<Events>" + "".join(_event(r, i) for i, r in enumerate(records, 1)) + "</Events>"
    raw = text.encode(encoding)
    path = tmp_path / "events.xml"
    path.write_bytes(raw)
    refs = list(iter_path(str(path)))
    assert [r.data for r in refs] == records
    unit = len("<".encode(encoding.replace("utf-32", "utf-32-le") if encoding == "utf-32" else encoding))
    bom = len(raw) - unit * len(text)
    starts = [i for i in range(len(text)) if text.startswith("<Event ", i)]
    assert [r.source["offset"] for r in refs] == [bom + unit * i for i in starts]


def test_a_tiny_redfish_entry_without_a_signature_is_no_record(tmp_path, vectors):
    # recheck 5, N-13 (the Redfish form of F5-20): "AAE=" (two bytes) was counted as a record
    records = _records(vectors)
    members = [json.loads(_entry(0, base64.b64encode(records[0]).decode())), json.loads(_entry(1, "AAE=")),
               json.loads(_entry(2, base64.b64encode(records[2]).decode()))]
    path = tmp_path / "log.json"
    path.write_text(json.dumps({"Members": members}))
    problems = []
    assert [r.data for r in iter_path(str(path), problems.append)] == [records[0], records[2]]
    assert [p.level for p in problems if "too few for a record" in p.message] == ["error"]


@pytest.mark.parametrize("damage", ["inserted", "replaced"])
def test_a_damaged_first_line_of_wrapped_base64_keeps_the_lines_after_it(tmp_path, vectors, damage):
    # recheck 5 (F5-5): damage on the first line (the width not known yet) made the lines after
    # it that look like hex be read as hex, losing the record after it
    records = _records(vectors)
    b64 = base64.b64encode(b"".join(records)).decode()
    lines = [b64[i:i + 76] for i in range(0, len(b64), 76)]
    lines[0] = lines[0][:30] + "!" + (lines[0][30:] if damage == "inserted" else lines[0][31:])
    path = tmp_path / "b64.txt"
    path.write_text("\n".join(lines) + "\n")
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [len(r.data) for r in refs] == [len(r) for r in records], [str(p) for p in problems]
    assert [r.data for r in refs[1:]] == records[1:]
    assert refs[0].data == records[0] or damage == "replaced"  # (replaced: 1-2 bytes read as 0 bits)
    if damage == "replaced":
        assert refs[0].source["unread"], refs[0].source
    assert [p.level for p in problems if "column 31: '!' is not base64" in p.message] == ["error"]


@pytest.mark.parametrize("damage", ["inserted", "replaced", "inserted-unpadded"])
def test_one_line_base64_with_a_bad_character_keeps_its_records(tmp_path, vectors, damage):
    # recheck 5 (F5-5): `base64 -w0` text with one bad character lost every record
    from whea_gui.decode import decode_record
    records = _records(vectors)
    b64 = base64.b64encode(b"".join(records)).decode()
    at = 4 * 150 + 1  # character 601: bits of byte 450, inside the second record (277-1295)
    if damage.endswith("unpadded"):  # (recheck 6, N6-13: the length no longer tells which)
        b64 = b64.rstrip("=")
    line = b64[:at] + "!" + (b64[at:] if damage.startswith("inserted") else b64[at + 1:])
    path = tmp_path / "b64.txt"
    path.write_text(line + "\n")
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [len(r.data) for r in refs] == [len(r) for r in records], [str(p) for p in problems]
    assert refs[0].data == records[0] and refs[2].data == records[2]
    if damage.startswith("inserted"):
        assert refs[1].data == records[1]
    else:
        rec = decode_record(refs[1].data, source=refs[1].source)
        assert [f for f in rec.findings if f.code == "bytes-unread"]
    assert [p.level for p in problems if "is not base64" in p.message] == ["error"]


@pytest.mark.parametrize("prefix", ["log", "utf32-like"])
def test_binary_records_after_text_like_bytes_are_read_as_binary(tmp_path, vectors, prefix):
    # recheck 6, N6-4 / N6-2: records appended after 4 KiB of log text, or after 32-bit values
    # that read as UTF-32 text, were lost (the text held no hex)
    records = _records(vectors)
    head = (b"Dec  7 12:00:00 host kernel: mce: [Hardware Error]: Machine check events logged\n" * 60
            if prefix == "log" else b"".join(struct.pack("<I", 0x41 + i % 26) for i in range(1024)))
    path = tmp_path / "mixed.bin"
    path.write_bytes(head + b"".join(records))
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == records, [str(p) for p in problems]
    assert [r.source["offset"] for r in refs] == [len(head), len(head) + len(records[0]),
                                                  len(head) + len(records[0]) + len(records[1])]
    # what the text reading met (NULs in the records' bytes, lines that are no hex) is not said
    assert not [p for p in problems if "NUL" in p.message or "line" in p.message], [str(p) for p in problems]
    # a text that only mentions "CPER" holds no binary record: still the text's own message
    path.write_bytes(b"The CPER record was logged; CPER\\xff\\xff\\xff\\xff is its signature.\n" * 20)
    problems = []
    assert list(iter_path(str(path), problems.append)) == []
    assert any("holds no hex or base64 record data" in p.message for p in problems)


@pytest.mark.parametrize("between", ["x" * 80, "XX" * 31, "zz" * 2000, "g1abcdef0123456789abcdef01234567" * 4])
def test_a_placeholder_or_garbled_line_between_hex_pastes_loses_no_record(tmp_path, vectors, between):
    # fuzzing campaign 7, F7-3: such a line (valid base64 characters) was read as base64 and took
    # the next paste's hex lines in: its record was lost, exit 0, "no signature" said of it
    first, second = _records(vectors)[:2]

    def xxd_p(data: bytes) -> str:
        h = data.hex()
        return "\n".join(h[i:i + 60] for i in range(0, len(h), 60))
    path = tmp_path / "paste.txt"
    path.write_text(xxd_p(first) + "\n" + between + "\n" + xxd_p(second) + "\n")
    problems = []
    assert [r.data for r in iter_path(path, problems.append)] == [first, second]
    [p] = problems
    placeholder_line = len(xxd_p(first).splitlines()) + 1
    assert p.level == "error" and p.message.startswith(f"line {placeholder_line}: ") and "left out" in p.message
    # base64 right after hex is still base64
    path.write_text(xxd_p(first) + "\n" + base64.b64encode(second).decode() + "\n")
    assert [r.data for r in iter_path(path)] == [first, second]


@pytest.mark.parametrize("line, limit", [("z!", 14e6), (" z! ", 18e6)])
def test_a_long_line_of_prose_between_hex_records_costs_little_memory(tmp_path, vectors, line, limit):
    # F7-2: a 200 MB line of "z!" took 4.8 GB: every non-base64 character's index was listed
    # (to judge a damaged base64 line), and each line was stripped and upper-cased to compare
    # with Format-Hex's column header
    first, last = _records(vectors)[0], _records(vectors)[2]
    long_line = (line * (4_000_000 // len(line)))[:4_000_000]
    path = tmp_path / "long.txt"
    path.write_text(first.hex() + "\n" + long_line + "\n" + last.hex() + "\n")
    refs, problems, peak = _read_with_peak(path)
    assert [r.data for r in refs] == [first, last]
    assert not [p for p in problems if p.level == "error"], problems
    # the file's bytes, its text, the line and (indented) the line stripped: 4 MB each; the
    # list took 86 MB, the upper-cased copy 4 MB more
    assert peak < limit, peak


@pytest.mark.parametrize("order", ["dump-first", "events-first"])
def test_hex_and_base64_records_beside_event_xml_are_read_too(tmp_path, vectors, order):
    # F7-6: a hexdump and a base64 block in the same file as an <Events> export were dropped
    # without a word (only the events were read)
    import sources.sources_helpers as h
    records = _records(vectors)
    dump = "Record from the crash cart:\n" + h.hexdump_c(records[0]) + "\n"
    b64 = "and base64:\n" + h.b64_wrapped(records[1]) + "\n"
    events = "<Events>\n" + _event(records[2], 7) + "\n</Events>\n"
    text = dump + b64 + events if order == "dump-first" else events + dump + b64
    path = tmp_path / "mixed.txt"
    path.write_text(text)
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == [records[2], records[0], records[1]]  # events, then the text
    assert [r.source["kind"] for r in refs] == ["eventxml", "text", "text"]
    lines = text.splitlines()
    assert lines[refs[1].source["line"] - 1].startswith("00000000  43 50 45 52")  # the file's line
    assert any("besides its events" in p.message and p.level == "note" for p in problems)
    assert not [p for p in problems if p.level == "error"], problems


def test_event_xml_alone_reads_nothing_else(tmp_path, vectors):
    records = _records(vectors)
    path = tmp_path / "events.xml"
    path.write_text('<?xml version="1.0"?>\n<Events>\n' + _event(records[0], 1) + "\n</Events>\n")
    problems = []
    assert [r.data for r in iter_path(str(path), problems.append)] == [records[0]]
    assert problems == []


@pytest.mark.parametrize("before", ["prose", "comment"])
def test_event_xml_after_a_long_preamble_is_read(tmp_path, vectors, before):
    # F7-7: event XML after more than 4 KiB of prose or a comment was refused as "no record data"
    records = _records(vectors)
    long = "These events were exported from the server after the crash. " * 100
    head = long + "\n" if before == "prose" else f'<?xml version="1.0"?>\n<!-- {long} -->\n'
    path = tmp_path / "late.xml"
    path.write_text(head + "<Events>" + _event(records[0], 1) + _event(records[1], 2) + "</Events>\n")
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == records[:2]
    assert refs[0].source["offset"] == path.read_text().index("<Event xmlns")
    assert not [p for p in problems if p.level == "error"], problems


def test_an_event_only_inside_a_comment_after_prose_is_not_read(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("notes " * 1000 + "\n<!-- <Event><System/></Event> -->\n")
    problems = []
    assert list(iter_path(str(path), problems.append)) == []
    assert any("no hex or base64 record data" in p.message for p in problems)


def test_a_redfish_entry_with_a_key_given_twice_says_so(tmp_path, vectors):
    # F7-16: "DiagnosticData" twice in one entry: the last value won without a word
    record = _records(vectors)[0]
    good = base64.b64encode(record).decode()
    for first, last, read in ((good, "!!!notb64", 0), ("!!!notb64", good, 1)):
        member = _entry(0, first)[:-1] + f', "DiagnosticData": "{last}"}}'
        path = tmp_path / "dup.json"
        path.write_text('{"Members": [' + member + "]}")
        problems = []
        refs = list(iter_path(str(path), problems.append))
        assert len(refs) == read
        said = [p.message for p in problems if "more than once" in p.message]
        assert said and "/Members/0/DiagnosticData" in said[0] and "the last value is used" in said[0]


def test_a_redfish_file_that_is_not_utf8_says_so(tmp_path, vectors):
    # F7-16: bytes that are not UTF-8 were read as Latin-1 without a word (JSON is UTF-8)
    record = _records(vectors)[0]
    text = '{"Members": [' + _entry(0, base64.b64encode(record).decode())[:-1] + ', "Message": "X"}]}'
    data = text.encode().replace(b'"X"', b'"\xff\xfe\xc3("')
    path = tmp_path / "latin.json"
    path.write_bytes(data)
    problems = []
    assert [r.data for r in iter_path(str(path), problems.append)] == [record]
    [said] = [p for p in problems if "not valid UTF-8" in p.message]
    assert said.offset == data.index(b"\xff") and said.level == "warning"


def test_events_past_the_head_of_a_hexdump_paste_are_read_and_a_broken_one_loses_nothing_else(tmp_path, vectors):
    # fresh check of F7-6: a hexdump first, the <Events> more than 4 KiB on: the events were
    # dropped silently; an unclosed event then swallowed the hexdump after its export
    import sources.sources_helpers as h
    records = _records(vectors)
    broken = _event(records[1], 8).replace("</Event>", "")
    text = ("Here is the dump:\n" + h.hexdump_c(records[0]) + "\n"
            + "The server rebooted again and we saw this in the log. " * 100 + "\n"
            + "<Events>\n" + _event(records[2], 7) + broken + "</Events>\n\n"
            + h.hexdump_c(records[1]) + "\n")
    path = tmp_path / "paste.txt"
    path.write_text(text)
    problems = []
    refs = list(iter_path(str(path), problems.append))
    assert [r.data for r in refs] == [records[2], records[0], records[1]]
    assert [r.source["kind"] for r in refs] == ["eventxml", "text", "text"]
    assert any("has no closing </Event>" in p.message and p.level == "error" for p in problems)


def test_a_long_damaged_base64_line_is_repaired_by_slices_and_called_base64(tmp_path, vectors):
    # fresh check 11: a 100 MB base64 line with two bad characters took 28.7 s and 1.45 GB (its
    # two repairs were built character by character), and the block was called "hex"
    first, last = _records(vectors)[0], _records(vectors)[2]
    line = ("QUJD" * 1_000_000)[:-3] + "!!="  # (not starting like hex, which would join the record above)
    path = tmp_path / "near.txt"
    path.write_text(first.hex() + "\n" + line + "\n\n" + base64.encodebytes(last).decode() + "\n")
    refs, problems, peak = _read_with_peak(path)
    assert [r.data for r in refs] == [first, last]
    said = [p.message for p in problems if "no CPER or WhLg signature" in p.message]
    assert said and "block(s) of base64" in said[0] and "of hex" not in said[0], said
    assert peak < 60e6, peak  # a 4 MB line; before, every character was a generator step
