"""Helpers for the store tests: vector paths and records built from a real one."""

from __future__ import annotations

from pathlib import Path

from whea_gui.formats.cper import HEADER

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
TEMPLATE = DWR / "cper_mce_fatal_amd_xpfmca_v3.bin"  # a real 1019-byte Windows record


def build_record(template: bytes, record_id: int, severity: int | None = None,
                 timestamp: bytes | None = None) -> bytes:
    """The template with another RecordId (and optionally severity / raw timestamp bytes)."""
    out = bytearray(template)
    HEADER.write(out, "record_id", record_id)
    if severity is not None:
        HEADER.write(out, "severity", severity)
    if timestamp is not None:
        HEADER.write(out, "timestamp", timestamp)
    return bytes(out)


def child_record(template: bytes, record_id: int) -> bytes:
    """The record writer_child.py writes for ``record_id``."""
    return build_record(template, record_id, severity=record_id % 4)
