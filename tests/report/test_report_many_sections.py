"""A record's detail in a report shows at most ``MAX_SECTIONS_SHOWN`` sections and a body that
several descriptors point at once (F7-1: 65,535 descriptors sharing one body made a 203 MB HTML
report in 1.55 GB of memory). Records are built from a generated one by repeating its
descriptor."""

from __future__ import annotations

import datetime as dt
import re
import struct

from whea_gui.compose.generate import generate_records
from whea_gui.report import write_report
from whea_gui.report.detail import MAX_SECTIONS_SHOWN

HEADER, DESCRIPTOR = 128, 72


def _shared_body_record(copies: int) -> bytes:
    (rec,) = generate_records(["memory"], 1, seed=5, start=dt.datetime(2025, 1, 1),
                              span=dt.timedelta(hours=1))
    assert struct.unpack_from("<H", rec, 10)[0] == 1
    desc = bytearray(rec[HEADER:HEADER + DESCRIPTOR])
    offset, length = struct.unpack_from("<II", desc, 0)
    body = rec[offset:offset + length]
    body_at = HEADER + DESCRIPTOR * copies
    struct.pack_into("<I", desc, 0, body_at)
    head = bytearray(rec[:HEADER])
    struct.pack_into("<H", head, 10, copies)
    struct.pack_into("<I", head, 20, body_at + len(body))
    return bytes(head) + bytes(desc) * copies + body


def _report(tmp_path, copies: int, suffix: str) -> str:
    src = tmp_path / "many.cper"
    src.write_bytes(_shared_body_record(copies))
    out = tmp_path / f"r{suffix}"
    write_report([src], out)
    return out.read_text()


def test_html_detail_caps_sections_and_says_a_shared_body_once(tmp_path):
    html = _report(tmp_path, MAX_SECTIONS_SHOWN + 172, ".html")
    shown = re.findall(r'<h3 id="record-1-section-(\d+)">', html)
    assert [int(i) for i in shown] == list(range(MAX_SECTIONS_SHOWN))
    assert f"172 more section(s) are not shown (at most {MAX_SECTIONS_SHOWN} per record" in html
    # the body's fields once (section 0), every other section points there
    assert html.count("<h4>Body</h4>") == MAX_SECTIONS_SHOWN
    same = html.count('<a href="#record-1-section-0">section 0</a>\'s body')
    assert same == MAX_SECTIONS_SHOWN - 1
    # the record list's cell and the record's title count the types (each was 300 names)
    assert len(re.findall(r"<td>300 sections: Platform Memory ×300</td>", html)) == 1
    assert re.search(r"Record 1: \w+ — 300 sections: Platform Memory ×300<", html)
    section0 = html.split('id="record-1-section-0"')[1].split('id="record-1-section-1"')[0]
    assert "<table" in section0.split("<h4>Body</h4>")[1]  # its fields, in a table


def test_markdown_detail_caps_sections_too(tmp_path):
    md = _report(tmp_path, MAX_SECTIONS_SHOWN + 2, ".md")
    assert len(re.findall(r"^#+ Section \d+:", md, re.M)) == MAX_SECTIONS_SHOWN
    assert "2 more section(s) are not shown" in md
    assert md.count("Body: the same bytes as section 0's") == MAX_SECTIONS_SHOWN - 1


def test_the_pdf_title_and_contents_count_section_types(tmp_path):
    # the PDF's record title and contents line held every section's type name: 74 MB, 256 s
    src = tmp_path / "many.cper"
    src.write_bytes(_shared_body_record(3000))
    out = tmp_path / "r.pdf"
    write_report([src], out, detail=True)
    pages = out.read_bytes().count(b"/Type /Page\n")
    assert 0 < pages < 100, pages  # the 3,000 names took 73 more pages (152)


def test_a_record_within_the_cap_is_shown_whole(tmp_path):
    html = _report(tmp_path, 2, ".html")
    assert re.findall(r'<h3 id="record-1-section-(\d+)">', html) == ["0", "1"]
    assert "more section(s) are not shown" not in html
