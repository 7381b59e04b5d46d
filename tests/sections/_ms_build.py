"""Build small CPER records around crafted section bodies (test helper, not a test module)."""

from __future__ import annotations

from pathlib import Path

from whea_gui.formats import cper, guids

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
MICROSOFT = "cf07c4bd-b789-4e18-b3c4-1f732cb57131"
CMC = "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"


def build_record(sections, *, severity: int = 2, flags: int = 0, creator: str = MICROSOFT,
                 notify: str = CMC) -> bytes:
    """``sections``: list of (type_guid, body) or (type_guid, body, severity, section_flags)."""
    n = len(sections)
    offset = cper.HEADER_SIZE + cper.DESCRIPTOR_SIZE * n
    descs, bodies = b"", b""
    for item in sections:
        guid, body = item[0], bytes(item[1])
        sev = item[2] if len(item) > 2 else severity
        sflags = item[3] if len(item) > 3 else 0
        descs += cper.DESCRIPTOR_WINDOWS.pack({
            "section_offset": offset, "section_length": len(body), "revision": 0x0300,
            "valid_bits": 0, "reserved": 0, "flags": sflags, "section_type": guids.guid_bytes(guid),
            "fru_id": bytes(16), "severity": sev, "fru_text": bytes(20)})
        bodies += body
        offset += len(body)
    header = cper.HEADER.pack({
        "signature_start": b"CPER", "revision": 0x0210, "signature_end": 0xFFFFFFFF,
        "section_count": n, "severity": severity, "valid_bits": 0, "length": offset,
        "timestamp": bytes(8), "platform_id": bytes(16), "partition_id": bytes(16),
        "creator_id": guids.guid_bytes(creator), "notify_type": guids.guid_bytes(notify),
        "record_id": 1, "flags": flags, "persistence_info": 0, "reserved": bytes(12)})
    return header + descs + bodies


def body_of(rec, index: int = 0) -> bytes:
    s = rec.sections[index]
    return rec.data[s.values["offset"]:s.values["offset"] + s.values["length"]]


def node_ranges_ok(node, lo: int, hi: int) -> bool:
    """Every node in the tree lies within [lo, hi) (zero-length nodes allowed at hi)."""
    for n in node.walk():
        if n.length and not (lo <= n.offset and n.offset + n.length <= hi):
            return False
    return True
