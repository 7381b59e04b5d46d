"""HTML report: one self-contained file whose numbers and fields match the decoder's."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from report_helpers import (
    FIXED_AT,
    HOSTILE_FRU,
    HOSTILE_HOST,
    HOSTILE_PATH,
    MALFORMED,
    Page,
    article,
    dwr_files,
    hostile_record,
    squash,
    table_rows,
    timeline_items,
)

from whea_gui.decode import decode_record
from whea_gui.report import write_report
from whea_gui.report.rows import severity_label


@pytest.fixture(scope="module")
def dwr_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "dwr.html"
    result = write_report(dwr_files(), out, generated_at=FIXED_AT)
    return out.read_text(encoding="utf-8"), result


def test_counts_match_the_decoder(dwr_report):
    html, result = dwr_report
    decoded = [decode_record(p.read_bytes()) for p in dwr_files()]
    assert result.records == len(decoded) == 24
    page = Page(html)
    assert page.text("summary").startswith(f"Summary {len(decoded)} records")
    expected = Counter(severity_label(r) for r in decoded)
    breakdown = html[html.index('<section id="breakdown">'):html.index('<section id="records">')]
    by_severity = breakdown[breakdown.index("By severity"):breakdown.index("By section type")]
    rows = {r[0]: int(r[1]) for r in table_rows(by_severity) if r and r[1].isdigit()}
    assert rows == dict(expected)
    types = Counter(t for r in decoded for t in dict.fromkeys(s.values["type_name"] for s in r.sections))
    by_type = breakdown[breakdown.index("By section type"):breakdown.index("By notify type")]
    assert {r[0]: int(r[1]) for r in table_rows(by_type) if r and r[1].isdigit()} == dict(types)


def test_record_list_and_detail_carry_decoded_values(dwr_report):
    html, _ = dwr_report
    files = dwr_files()
    listing = html[html.index('<section id="records">'):html.index('<section id="details">')]
    rows = [r for r in table_rows(listing) if r and r[0].isdigit()]
    assert len(rows) == len(files)
    for row, path in zip(rows, files):
        rec = decode_record(path.read_bytes())
        assert row[3] == severity_label(rec), path.name
        assert row[6] == squash(rec.summary)
        assert path.name in row[8]
    # a field value from the tree, in the right record's header table
    i = next(i for i, p in enumerate(files, 1) if p.name == "cper_memory_2sec_padded.bin")
    rec = decode_record(files[i - 1].read_bytes())
    body = article(html, i)
    header_rows = {r[0]: r[1:] for r in table_rows(body) if len(r) == 3}
    assert header_rows["Record length"] == [str(rec.header["length"]), "@20+4"]
    assert header_rows["Section count"][0] == "2"
    fru = rec.sections[0].values["fru_text"]
    assert f"FRU text {fru}" in squash("".join(Page(body).all_text))


def test_findings_are_shown_with_their_byte_ranges(tmp_path):
    # an empty file is a problem, not a record (no article): take eight that hold bytes
    files = [f for f in sorted(MALFORMED.glob("*.cper")) if f.stat().st_size][:8]
    out = tmp_path / "bad.html"
    write_report(files, out, generated_at=FIXED_AT)
    html = out.read_text(encoding="utf-8")
    seen = 0
    for i, path in enumerate(files, 1):
        rec = decode_record(path.read_bytes())
        body = article(html, i)
        rows = table_rows(body[body.index("<h3>Findings</h3>"):body.index("<h3>Provenance</h3>")])
        got = [(r[0], r[1], r[2]) for r in rows if len(r) == 4 and r[0] != "Level"]
        want = [(f.level, squash(f.message), f"@{f.offset}+{f.length}") for f in rec.findings]
        assert got == want, path.name
        seen += len(want)
    assert seen > 8


def test_self_contained_and_printable(dwr_report):
    html, _ = dwr_report
    page = Page(html)
    tags = {t for t, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for _, attrs in page.tags:
        for key in ("src", "href"):
            if key in attrs:
                assert attrs[key].startswith("#"), (key, attrs[key])  # no file or address outside
    assert "svg" in tags  # the timeline chart is inline
    assert "@media print" in html and "break-before: page" in html
    anchors = {a.get("id") for _, a in page.tags if a.get("id")}
    for _, a in page.tags:
        if (a.get("href") or "").startswith("#"):
            assert a["href"][1:] in anchors


def test_hostile_text_is_escaped(tmp_path):
    out = tmp_path / "hostile.html"
    write_report([(hostile_record(), {"path": HOSTILE_PATH, "host": HOSTILE_HOST, "offset": 0})],
                 out, generated_at=FIXED_AT, title="<b>title</b>")
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "img" not in tags and "b" not in tags[:12]
    assert not any("onerror" in a for _, a in page.tags)
    text = " ".join(page.all_text)
    assert HOSTILE_FRU in text and HOSTILE_HOST in text and HOSTILE_PATH in text
    assert "<b>title</b>" in page.text("summary") or "<b>title</b>" in text


def test_timeline_chart_counts_every_timed_record(tmp_path):
    items = timeline_items()
    out = tmp_path / "t.html"
    write_report(items, out, generated_at=FIXED_AT)
    html = out.read_text(encoding="utf-8")
    svg = html[html.index("<svg"):html.index("</svg>")]
    peak = int(re.search(r"\(peak (\d+)\)", svg).group(1))
    bars = [float(h) for h in re.findall(r'<rect class="bar" [^>]*height="([\d.]+)"', svg)]
    plot_h = 240 - 26 - 44
    total = sum(round(h / plot_h * peak) for h in bars)
    assert total == len(items)
