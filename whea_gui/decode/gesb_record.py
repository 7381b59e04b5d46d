"""Decode an ACPI Generic Error Status Block as a record of its own (kind "gesb").

BERT regions and GHES status buffers hold GESBs, not CPER records (FORMAT.md §9): the root
shows the block header, each data entry header and each body (through the section registry),
located like a CPER record's descriptors and sections, so the tree, hex view, findings and JSON
work the same. The walk itself is ``formats.gesb`` (shared with the Microsoft generic section).
"""

from __future__ import annotations

from ..formats.gesb import decode_gesb as walk_block
from .model import ERROR, NOTE, DecodedRecord, FieldNode
from .summary import summarise


def decode_gesb(data: bytes, *, source: dict | None = None) -> DecodedRecord:
    buf = bytes(data)
    n = len(buf)
    root = FieldNode("gesb", "ACPI error status block record", None, "", 0, n, kind="record")
    rec = DecodedRecord(buf, "gesb", root, source=dict(source or {}))
    try:
        _decode(rec, buf, n)
    except Exception as exc:  # last line of defence: keep the bytes and say what happened
        rec.add_finding(ERROR, f"Decoder failure ({type(exc).__name__}: {exc}); the bytes are kept",
                        0, n, "internal")
        rec.extent = n
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
