"""Every malformed vector gives the findings its README implies, with byte ranges, and no exception."""

import pytest
from vectorlib import MALFORMED, VECTORS, ids

from whea_gui.decode import decode_buffer

# file stem -> finding codes that must be present (error level unless noted)
EXPECTED = {
    "m01-empty": {"header-truncated"},
    "m02-truncated-header-64": {"header-truncated"},
    "m03-truncated-header-127": {"header-truncated"},
    "m04-header-only-128": {"truncated", "descriptor-truncated"},
    "m05-truncated-in-descriptor": {"truncated", "descriptor-truncated"},
    "m06-truncated-in-section": {"truncated", "section-truncated"},
    "m07-truncated-by-1": {"truncated", "section-truncated"},
    "m08-bad-signature-start": {"signature"},
    "m09-bad-signature-end": {"signature-end"},
    "m10-section-offset-beyond-length": {"section-beyond-length", "section-missing"},
    "m11-section-offset-length-overflow": {"section-beyond-length", "section-missing"},
    "m12-section-offset-at-eof": {"section-beyond-length", "section-missing"},
    "m13-section-offset-zero": {"offset-overlaps-header"},
    "m14-section-length-zero": {"length-zero"},
    "m16-section-count-0": {"section-count-zero"},
    "m17-section-count-65535": {"section-count", "length-too-small"},
    "m18-section-count-2-one-present": {"section-count"},
    "m19-record-length-0xffffffff": {"truncated"},
    "m20-record-length-0": {"length-too-small"},
    "m21-record-length-100": {"length-too-small"},
    "m24-multi-middle-section-offset-beyond-length": {"section-missing"},
    "m25-multi-overlapping-sections": {"overlap"},
    "m27-base64-of-garbage": {"signature"},
    "m28-random-bytes-400": {"signature"},
}


@pytest.mark.parametrize("path", MALFORMED, ids=ids(MALFORMED))
def test_malformed_never_raises_and_findings_have_ranges(path):
    data = path.read_bytes()
    recs = decode_buffer(data, {"path": str(path)})
    assert recs, "a record is always produced, never lost"
    assert sum(len(r.data) for r in recs) == len(data), "every byte belongs to some record"
    for rec in recs:
        for f in rec.findings:
            assert f.level in ("error", "warning", "note")
            assert f.message and 0 <= f.offset and f.length >= 0
            assert f.offset + f.length <= max(len(rec.data), 128), f
        for node in rec.root.walk():
            assert 0 <= node.offset and node.offset + node.length <= len(rec.data), node
    codes = {f.code for r in recs for f in r.findings if f.level == "error"}
    assert EXPECTED.get(path.stem, set()) <= codes


def test_trailing_garbage_is_kept_and_noted():
    data = (VECTORS / "malformed" / "m22-trailing-garbage.cper").read_bytes()
    (rec,) = decode_buffer(data)
    assert not rec.has_errors()
    trailing = rec.root.find("trailing")
    assert (trailing.offset, trailing.length) == (392, len(data) - 392)
    assert any(f.code == "trailing" and f.level == "note" for f in rec.findings)


def test_two_concatenated_records_are_both_decoded_with_offsets():
    data = (VECTORS / "malformed" / "m23-two-records-concatenated.cper").read_bytes()
    recs = decode_buffer(data, {"path": "x"})
    assert [r.source["offset"] for r in recs] == [0, 392]
    assert [r.sections[0].values["type_name"] for r in recs] == ["Processor Generic", "PCI Express"]
    assert not any(r.has_errors() for r in recs)


def test_section_count_overflow_keeps_the_real_descriptor():
    data = (VECTORS / "malformed" / "m17-section-count-65535.cper").read_bytes()
    (rec,) = decode_buffer(data)
    assert len(rec.sections) == 1
    body = rec.sections[0].body
    assert (body.offset, body.length) == (200, 192)


def test_overlapping_sections_are_each_shown():
    data = (VECTORS / "malformed" / "m25-multi-overlapping-sections.cper").read_bytes()
    (rec,) = decode_buffer(data)
    assert len(rec.sections) == 3
    assert all(s.body is not None for s in rec.sections)
