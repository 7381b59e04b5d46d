"""The raw-byte keys of ``whea decode --json`` that make the JSON rebuildable (``whea build``).

The structured keys say what a field means; these keys keep what they cannot say: signature
bytes, reserved bytes, GUIDs whose valid bit is clear (null in the structured keys), FRU text
bytes after the NUL, section bodies, and every byte outside a decoded field (gaps, trailing data,
a partial descriptor). Together with the structured keys they reproduce the record byte for byte.
All keys are new; none of the existing ones change.
"""

from __future__ import annotations

import base64
from typing import Any

from ..core import guids
from ..core.model import DecodedRecord


def b64(raw: bytes) -> str:
    return base64.b64encode(bytes(raw)).decode("ascii")


def add_raw_keys(rec: DecodedRecord, out: dict[str, Any]) -> None:
    """Extend a ``record_to_json`` object in place (copies, never mutates ``rec``)."""
    data = rec.data
    covered: list[tuple[int, int]] = []
    header_node = rec.root.find("header")
    hdr = dict(out.get("header") or {})
    if header_node is not None:
        fitted = {c.name: c for c in header_node.children}
        for node in fitted.values():
            covered.append((node.offset, node.end))
        if rec.kind == "cper":
            _cper_header_raw(data, fitted, hdr)
        elif "signature" in fitted:
            hdr["signature_hex"] = data[0:4].hex()
    out["header"] = hdr
    if rec.kind == "cper":
        out["sections"] = [_section_raw(data, s, sec, covered)
                           for s, sec in zip(out.get("sections") or [], rec.sections)]
    payload = rec.root.find("payload") if rec.kind == "whlg" else None
    if payload is not None:
        out["payload_offset"] = payload.offset
        out["payload_base64"] = b64(data[payload.offset:payload.end])
        covered.append((payload.offset, payload.end))
    out["extra_bytes"] = [{"offset": a, "length": b - a, "base64": b64(data[a:b])}
                          for a, b in uncovered(covered, len(data))]


def _cper_header_raw(data: bytes, fitted: dict, hdr: dict) -> None:
    if "signature_start" in fitted:
        hdr["signature_hex"] = data[0:4].hex()
    if "signature_end" in fitted:
        hdr["signature_end"] = fitted["signature_end"].value
    for name in ("platform_id", "partition_id"):
        if name in fitted:
            node = fitted[name]
            hdr[name + "_raw"] = guids.guid_text(data[node.offset:node.end])
    if "reserved" in fitted:
        hdr["reserved_hex"] = data[116:128].hex()


def _section_raw(data: bytes, sj: dict, sec, covered: list) -> dict:
    sj = dict(sj)
    d = sec.descriptor
    if d is not None:
        off = d.offset
        sj["descriptor_offset"] = off
        sj["valid_bits"] = data[off + 10]
        sj["reserved"] = data[off + 11]
        sj["fru_id_raw"] = guids.guid_text(data[off + 32:off + 48])
        sj["fru_text_hex"] = data[off + 52:off + 72].hex()
        covered.append((off, off + 72))
    if sj.get("fields") is not None:
        sj["fields_type"] = sj.get("type")  # a changed ``type`` makes the old fields not apply
    body = sec.body
    if body is not None:
        sj["body_offset"] = body.offset
        sj["body_base64"] = b64(data[body.offset:body.end])
        covered.append((body.offset, body.end))
    return sj


def uncovered(ranges: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The parts of [0, size) that no range covers, in order."""
    out = []
    pos = 0
    for a, b in sorted(ranges):
        if a > pos:
            out.append((pos, min(a, size)))
        pos = max(pos, b)
    if pos < size:
        out.append((pos, size))
    return [(a, b) for a, b in out if b > a]
