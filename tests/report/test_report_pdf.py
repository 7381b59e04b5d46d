"""PDF report read back with pypdf: page numbers, the contents' page numbers, values, escaping,
metadata and determinism."""

from __future__ import annotations

import re
import unicodedata

import pypdf
import pytest
from report_helpers import FIXED_AT, HOSTILE_FRU, HOSTILE_PATH, dwr_files, hostile_record

from whea_gui.decode import decode_record
from whea_gui.report import write_report
from whea_gui.report.rows import severity_label


def _pages(path) -> list[str]:
    reader = pypdf.PdfReader(str(path))
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _compact(text: str) -> str:
    """Without any whitespace: pypdf sometimes splits a heading's first letter off."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def dwr_pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "dwr.pdf"
    result = write_report(dwr_files(), out, generated_at=FIXED_AT, detail=True)
    return out, _pages(out), result


def test_every_page_is_numbered(dwr_pdf):
    _, pages, _ = dwr_pdf
    assert len(pages) > 24  # each record starts a page
    for n, text in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in _flat(text)
        assert _flat(text).startswith("WHEA error report WHEA Inspector")  # running header


def _contents(pages: list[str]) -> dict[str, int]:
    """Contents entries ("Record 3", "Summary", "Record list") → page number printed."""
    entries: dict[str, int] = {}
    pending = None
    for page in pages[:4]:
        for line in page.splitlines():
            line = line.strip()
            m = re.match(r"Record\s+(\d+):", line)
            if m:
                pending = f"Record {m.group(1)}"
            elif line in ("Summary", "Record\tlist", "Record list"):
                pending = _flat(line)
            elif line.isdigit() and pending:
                entries[pending] = int(line)
                pending = None
    return entries


def test_contents_page_numbers_point_at_the_records(dwr_pdf):
    _, pages, result = dwr_pdf
    toc = _contents(pages)
    assert len([k for k in toc if re.match(r"Record \d+$", k)]) == result.records == 24
    assert _compact(pages[toc["Summary"] - 1]).startswith("WHEAerrorreportWHEAInspectorSummary")
    assert _compact(pages[toc["Record list"] - 1]).startswith("WHEAerrorreportWHEAInspectorRecordlist")
    files = dwr_files()
    for i in range(1, 25):
        page = _compact(pages[toc[f"Record {i}"] - 1])
        rec = decode_record(files[i - 1].read_bytes())
        assert page.startswith(_compact(f"WHEA error report WHEA Inspector Record {i}: "
                                        f"{severity_label(rec)}")), i
        if i > 1:  # and the previous record ends before that page
            assert f"Record{i}:" not in _compact(pages[toc[f"Record {i}"] - 2])


def test_record_values_are_on_its_pages(dwr_pdf):
    _, pages, _ = dwr_pdf
    toc = _contents(pages)
    files = dwr_files()
    i = next(i for i, p in enumerate(files, 1) if p.name == "cper_memory_2sec_padded.bin")
    rec = decode_record(files[i - 1].read_bytes())
    end = toc.get(f"Record {i + 1}", len(pages) + 1)
    text = _compact(" ".join(pages[toc[f"Record {i}"] - 1:end - 1]))
    assert _compact(f"Record length {rec.header['length']} @20+4") in text
    assert _compact(f"FRU text {rec.sections[0].values['fru_text']}") in text
    assert _compact(rec.summary) in text
    summary = _flat(pages[toc["Summary"] - 1])
    assert f"Fault locations {len(files)} " in summary  # the records count heads the figures


def test_chart_and_metadata(dwr_pdf):
    out, pages, _ = dwr_pdf
    reader = pypdf.PdfReader(str(out))
    summary_page = _contents(pages)["Summary"]
    assert len(reader.pages[summary_page - 1].images) == 1  # the timeline chart
    meta = reader.metadata
    assert meta["/CreationDate"] == "D:20250601120000Z"
    assert meta["/Title"] == "WHEA error report"


def test_same_input_same_bytes(tmp_path):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for detail in (None, True):
        for out in (a, b):
            write_report(dwr_files()[:3], out, generated_at=FIXED_AT, detail=detail)
        assert a.read_bytes() == b.read_bytes()


def test_hostile_text_is_shown_as_text(tmp_path):
    out = tmp_path / "h.pdf"
    write_report([(hostile_record(), {"path": HOSTILE_PATH, "offset": 0})], out,
                 generated_at=FIXED_AT, title="<i>title</i>", detail=True)
    text = _compact(" ".join(_pages(out)))
    assert _compact(HOSTILE_FRU) in text  # markup in a FRU string is printed, not interpreted
    assert _compact(HOSTILE_PATH) in text
    assert "<i>title</i>" in text


def test_summary_is_the_default_with_one_line_per_record(tmp_path):
    out = tmp_path / "s.pdf"
    files = dwr_files()
    result = write_report(files, out, generated_at=FIXED_AT)
    pages = _pages(out)
    assert result.detailed == 0 and result.records == len(files)
    assert len(pages) < result.records  # no page per record
    toc = _contents(pages)
    assert set(toc) == {"Summary", "Record list"}
    text = _flat(" ".join(pages))
    assert "Summary report: overview, timeline, thresholds" in text
    listing = _compact(" ".join(pages[toc["Record list"] - 1:]))
    assert "Record1:" not in listing  # no detail headings
    from whea_gui.report.rows import record_row
    for i, path in enumerate(files, 1):  # each record's line: its summary in the list
        row = record_row(decode_record(path.read_bytes()), i)
        assert _compact(row["summary"])[:40] in listing


def test_detail_is_an_option_and_both_modes_say_where_times_come_from(tmp_path):
    out = tmp_path / "d.pdf"
    write_report(dwr_files()[:4], out, generated_at=FIXED_AT, detail=True)
    text = _flat(" ".join(_pages(out)))
    assert "every field of 4 records" in text
    assert "time from:" not in text  # the old "(time from: record 60)"
    assert "Times are the record's own timestamp" in text or "no time" in text


def test_the_window_selection_is_in_the_header(tmp_path):
    out = tmp_path / "w.pdf"
    write_report(dwr_files()[:2], out, generated_at=FIXED_AT,
                 selection="the 2 of 24 records listed, filtered by severity Corrected")
    front = _flat(_pages(out)[0])
    assert "window: the 2 of 24 records listed, filtered by severity Corrected" in front


def test_long_contents_entries_wrap_with_a_hanging_indent(tmp_path):
    import io

    from whea_gui.report.base import ReportMeta
    from whea_gui.report.pdf import PdfWriter
    writer = PdfWriter(io.BytesIO(), ReportMeta("t", FIXED_AT))
    writer.toc.append({"anchor": "r1", "title": "Record 1: " + "very long title " * 20,
                       "level": 1, "page": ""})
    html = writer.contents({"records": 1}, {"*": 3})
    import re as _re
    margin, indent = (int(v) for v in _re.search(
        r"margin-left: (\d+)px; text-indent: (-\d+)px[^>]*>Record 1: very", html).groups())
    assert 0 < -indent < margin  # first line starts left of where its continuation lines do
