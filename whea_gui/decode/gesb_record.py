"""Decode an ACPI Generic Error Status Block as a record of its own (kind "gesb").

BERT regions and GHES status buffers hold GESBs, not CPER records (FORMAT.md §9): the root
shows the block header, each data entry header and each body, located like a CPER record's
descriptors and sections, so the tree, hex view, findings and JSON work the same.
"""

from __future__ import annotations

from ..formats.gesb import walk_gesb
from .model import ERROR, DecodedRecord, FieldNode
from .summary import summarise


def decode_gesb(data: bytes, *, source: dict | None = None) -> DecodedRecord:
    buf = bytes(data)
    n = len(buf)
    root = FieldNode("gesb", "ACPI error status block record", None, "", 0, n, kind="record")
    rec = DecodedRecord(buf, "gesb", root, source=dict(source or {}))
    try:
        walk = walk_gesb(buf, 0, n, root, rec)
        rec.header = walk.values
        rec.sections.extend(walk.sections)
        rec.extent = walk.length
    except Exception as exc:  # last line of defence: keep the bytes and say what happened
        rec.add_finding(ERROR, f"Decoder failure ({type(exc).__name__}: {exc}); the bytes are kept",
                        0, n, "internal")
        rec.extent = n
    summarise(rec, "generic error status block")
    return rec
