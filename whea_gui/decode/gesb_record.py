"""Decode an ACPI Generic Error Status Block as a record of its own (kind "gesb").

BERT regions and GHES status buffers hold GESBs, not CPER records (FORMAT.md §9): the root
shows the block header, each data entry header and each body (through the section registry),
located like a CPER record's descriptors and sections, so the tree, hex view, findings and JSON
work the same. The walk itself is ``formats.gesb`` (shared with the Microsoft generic section).
"""

from __future__ import annotations

from ..core.model import NOTE, DecodedRecord, FieldNode, new_record
from ..formats.gesb import decode_gesb as walk_block
from .summary import summarise


def decode_gesb(data: bytes, *, source: dict | None = None) -> DecodedRecord:
    rec = new_record(data, "gesb", "gesb", "ACPI error status block record", source, _decode)
    summarise(rec, "generic error status block")
    return rec


def _decode(rec: DecodedRecord, buf: bytes, n: int) -> None:
    block = walk_block(buf, 0, n, rec.root, rec)
    header = dict(block.header)
    if header:
        # the same names as a CPER header, for lists, filters and the store
        header.update(severity=header["error_severity"], severity_name=header["error_severity_name"],
                      length=block.length, entry_count=header["error_data_entry_count"])
    rec.header = header
    for entry in block.entries:
        entry.section.descriptor = entry.node
        rec.sections.append(entry.section)
    rec.extent = block.length
    if 0 < block.length < n:
        extra = n - block.length
        rec.root.add(FieldNode("trailing", "Trailing bytes", None, f"{extra} bytes after the block",
                               block.length, extra, kind="gap"))
        rec.add_finding(NOTE, f"{extra} bytes follow the block's end (offset {block.length})",
                        block.length, extra, "trailing")
