"""ACPI Generic Error Status Blocks (how BERT regions and GHES buffers carry CPER sections),
packed with the decoder's layouts (formats/gesb.py) under its names.

A block is a 20-byte header and its data entries; an entry is a 64-byte header (revision below
0x300) or a 72-byte one (0x300 and later: a timestamp follows) and the section body.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core import guids
from ..formats import gesb
from ..formats.cper import DESCRIPTOR
from .bodies._pack import pack

ENTRY_TIMESTAMP_FROM = 0x0300  # revisions from 3.0 on carry an 8-byte timestamp


def data_entry(section_type: str | bytes, body: bytes, *, severity: int = 2,
               revision: int = ENTRY_TIMESTAMP_FROM, validation_bits: int = 0, flags: int = 0,
               fru_id: str | bytes = guids.NULL_GUID, fru_text: bytes = b"",
               timestamp: bytes = bytes(8)) -> bytes:
    """One Generic Error Data Entry holding ``body`` (ErrorDataLength is its length)."""
    head = pack(gesb.ENTRY, {
        "section_type": section_type, "error_severity": severity, "revision": revision,
        "validation_bits": validation_bits, "flags": flags, "error_data_length": len(body),
        "fru_id": fru_id, "fru_text": fru_text})
    return head + (timestamp if revision >= ENTRY_TIMESTAMP_FROM else b"") + body


def entry_for_section(descriptor: bytes, body: bytes, *, revision: int = 0x0201,
                      timestamp: bytes = bytes(8)) -> bytes:
    """The data entry that carries a CPER section: type, severity, FRU id/text and the low byte
    of the flags taken from its 72-byte ``descriptor`` (the timestamp-valid bit set from 0x300)."""
    d = DESCRIPTOR.unpack(descriptor)
    valid = d["valid_bits"] & 3 | (4 if revision >= ENTRY_TIMESTAMP_FROM else 0)
    return data_entry(d["section_type"], body, severity=d["severity"], revision=revision,
                      validation_bits=valid, flags=d["flags"] & 0xFF, fru_id=d["fru_id"],
                      fru_text=d["fru_text"], timestamp=timestamp)


def status_block(entries: Sequence[bytes], *, severity: int = 2, block_status: int | None = None,
                 raw: bytes = b"") -> bytes:
    """A status block holding ``entries`` (and raw data after them). The block status says
    correctable (severity 2) or uncorrectable valid, and counts the entries (bits 4-13)."""
    data = b"".join(entries)
    if block_status is None:
        block_status = (0x2 if severity in (2, 3) else 0x1) | (len(entries) << 4)
    return pack(gesb.HEADER, {
        "block_status": block_status, "raw_data_offset": gesb.HEADER.size + len(data) if raw else 0,
        "raw_data_length": len(raw), "data_length": len(data), "error_severity": severity}) + data + raw
