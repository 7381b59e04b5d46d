"""Helpers for the store tests: vector paths and records built from a real one."""

from __future__ import annotations

import struct
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
TEMPLATE = DWR / "cper_mce_fatal_amd_xpfmca_v3.bin"  # a real 1019-byte Windows record


def build_record(template: bytes, record_id: int, severity: int | None = None,
                 timestamp: bytes | None = None) -> bytes:
    """The template with another RecordId (and optionally severity / raw timestamp bytes)."""
    out = bytearray(template)
    struct.pack_into("<Q", out, 96, record_id)
    if severity is not None:
        struct.pack_into("<I", out, 12, severity)
    if timestamp is not None:
        out[24:32] = timestamp
    return bytes(out)


def child_record(template: bytes, record_id: int) -> bytes:
    """The record writer_child.py writes for ``record_id``."""
    return build_record(template, record_id, severity=record_id % 4)
