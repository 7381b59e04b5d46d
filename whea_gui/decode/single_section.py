"""Decode a single CPER section: a 72-byte descriptor followed by its body, no record header.

This is libcper's single-section form and Redfish's "CPERSection" diagnostic data. As in
libcper, SectionOffset counts from the start of the descriptor (the generator writes 72). A
descriptor that kept its record-relative offset (beyond the bytes present, while the bytes after
the descriptor are exactly SectionLength) is read with its body after the descriptor, and a note
says so.
"""

from __future__ import annotations

from ..core.model import ERROR, NOTE, DecodedRecord, DecodedSection, FieldNode, new_record
from ..core.sections import SectionContext, decode_body
from ..formats.cper import DESCRIPTOR_SIZE
from .descriptor import check_descriptor, decode_descriptor, descriptor_values
from .summary import summarise


def decode_single_section(data: bytes, *, source: dict | None = None) -> DecodedRecord:
    rec = new_record(data, "section", "section_record", "CPER section", source, _decode)
    summarise(rec, "CPER section")
    return rec


def _decode(rec: DecodedRecord, buf: bytes, n: int) -> None:
    if n == 0:
        rec.add_finding(ERROR, "No bytes: a section needs a 72-byte descriptor", 0, 0, "truncated")
        return
    dnode, dv, count = decode_descriptor(rec, buf, 0, n, 0, False)
    rec.root.add(dnode)
    if n < DESCRIPTOR_SIZE:
        rec.add_finding(ERROR, f"Only {n} bytes: the section descriptor needs {DESCRIPTOR_SIZE}", 0, n,
                        "descriptor-truncated")
        rec.extent = n
        return
    check_descriptor(rec, dv, 0, 0)
    values = descriptor_values(dv, 0)
    section = DecodedSection(0, dnode, None, values)
    rec.sections.append(section)
    rec.header = {"severity": values["severity"], "severity_name": values["severity_name"],
                  "section_count": 1}
    so, sl = dv["section_offset"], dv["section_length"]
    if so > DESCRIPTOR_SIZE and sl and n - DESCRIPTOR_SIZE == sl and so + sl > n:
        # A section lifted out of a record (Redfish CPERSection) may keep the offset it had in
        # that record. The body cannot be there, and the bytes after the descriptor are exactly
        # SectionLength: they are the body.
        rec.add_finding(NOTE, f"SectionOffset {so} is not where the body is in this lone section "
                              f"(it is likely the offset the section had in its record): the {sl} "
                              "bytes after the descriptor are exactly SectionLength, so they are read "
                              "as the body", 0, 4, "section-offset-rebased")
        so = DESCRIPTOR_SIZE
    rec.extent = min(n, max(DESCRIPTOR_SIZE, so + sl))
    if so < DESCRIPTOR_SIZE:
        rec.add_finding(ERROR, f"SectionOffset {so} points into the descriptor (the body must start "
                               f"at {DESCRIPTOR_SIZE} or later)", 0, 4, "offset-overlaps-header")
        rec.extent = n
        return
    if sl == 0:
        rec.add_finding(ERROR, "SectionLength is 0", 4, 4, "length-zero")
    if so > DESCRIPTOR_SIZE:
        gap = min(so, n) - DESCRIPTOR_SIZE
        rec.root.add(FieldNode("unused_72", "Unused bytes", None, f"{gap} bytes", DESCRIPTOR_SIZE, gap,
                               kind="gap"))
        rec.add_finding(NOTE, f"{gap} bytes between the descriptor and the body", DESCRIPTOR_SIZE, gap,
                        "gap")
    if so >= n:
        if sl:
            rec.add_finding(ERROR, f"SectionOffset {so} is beyond the {n} bytes present; the body is "
                                   "missing", 0, 4, "section-missing")
        return
    avail = min(so + sl, n) - so
    if so + sl > n:
        rec.add_finding(ERROR, f"Body truncated: {avail} of {sl} bytes present", so, avail,
                        "section-truncated")
    if avail:
        body = rec.root.add(FieldNode("section_0", f"Section: {values['type_name']}", None,
                                      f"{avail} bytes", so, avail, kind="section"))
        section.body = body
        decode_body(SectionContext(buf, so, avail, sl, body, rec, section, ""))
    if so + sl < n:
        rec.root.add(FieldNode("trailing", "Trailing bytes", None, f"{n - so - sl} bytes after the section",
                               so + sl, n - so - sl, kind="gap"))
        rec.add_finding(NOTE, f"{n - so - sl} bytes follow the section's end", so + sl, n - so - sl,
                        "trailing")
