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
from ..formats.cper import HEADER

# (name, start, end) of every CPER header field: which fields a record of n bytes holds follows
# from these fixed offsets (Layout.decode keeps each field that fits whole), so the raw keys
# need not build the header's lazy field nodes (that cost 15% of ``decode --json``).
_HEADER_SPANS = tuple((f.name, HEADER.offsets[f.name], HEADER.offsets[f.name] + f.size)
                      for f in HEADER.fields)
# A whole header: every field fits, and together they cover bytes 0..HEADER.size in one range.
_WHOLE_HEADER = {name: (a, b) for name, a, b in _HEADER_SPANS}


def b64(raw: bytes) -> str:
    return base64.b64encode(bytes(raw)).decode("ascii")


def add_raw_keys(rec: DecodedRecord, out: dict[str, Any]) -> None:
    """Extend a ``record_to_json`` object in place (copies, never mutates ``rec``)."""
    data = rec.data
    covered: list[tuple[int, int]] = []
    hdr = dict(out.get("header") or {})
    if rec.kind == "cper":
        n = len(data)
        if n >= HEADER.size:
            fitted = _WHOLE_HEADER
            covered.append((0, HEADER.size))
        else:
            fitted = {name: (a, b) for name, a, b in _HEADER_SPANS if b <= n}
            covered.extend(fitted.values())
        _cper_header_raw(data, fitted, hdr)
    header_node = rec.root.find("header") if rec.kind != "cper" else None
    if header_node is not None:
        fitted = {c.name: c for c in header_node.children}
        for node in fitted.values():
            covered.append((node.offset, node.end))
        if "signature" in fitted:
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


def _cper_header_raw(data: bytes, fitted: dict[str, tuple[int, int]], hdr: dict) -> None:
    if "signature_start" in fitted:
        hdr["signature_hex"] = data[0:4].hex()
    if "signature_end" in fitted:
        hdr["signature_end"] = int.from_bytes(data[6:10], "little")
    for name in ("platform_id", "partition_id"):
        if name in fitted:
            start, end = fitted[name]
            hdr[name + "_raw"] = guids.guid_text(data[start:end])
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
