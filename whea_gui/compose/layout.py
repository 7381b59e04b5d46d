"""Records as parts (header, descriptors, bodies) and back: packing with the shared layouts.

``assemble`` lays a record out the canonical way (descriptors right after the header, bodies
in descriptor order right after them) and sets every count, offset and length, which is what
"fix up" means for the editor and what the generator uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..core import guids
from ..decode.record import decode_record
from ..formats.cper import DESCRIPTOR, DESCRIPTOR_SIZE, HEADER, HEADER_SIZE, SEVERITY_RANK
from ..formats.timestamp import encode_timestamp

WINDOWS_CREATOR = "cf07c4bd-b789-4e18-b3c4-1f732cb57131"
WINDOWS_REVISION = 0x0210
UEFI_REVISION = 0x0101
WINDOWS_SECTION_REVISION = 0x0300
UEFI_SECTION_REVISION = 0x0100
MAX_LOST_BODY = 64 * 1024
MAX_LOST_TOTAL = 16 * 1024 * 1024  # 65535 descriptors x 64 KiB would be 4 GiB of zeros


@dataclass
class SectionPart:
    descriptor: bytes  # the 72 descriptor bytes (offset/length are rewritten by assemble)
    body: bytes

    @property
    def type_guid(self) -> str:
        return guids.guid_text(DESCRIPTOR.read(self.descriptor, "section_type"))

    @property
    def severity(self) -> int:
        return DESCRIPTOR.read(self.descriptor, "severity")


def make_descriptor(type_guid: str, *, severity: int = 2, flags: int = 0,
                    fru_id: str | None = None, fru_text: str | None = None,
                    revision: int = UEFI_SECTION_REVISION, offset: int = 0, length: int = 0) -> bytes:
    text = (fru_text or "").encode("latin-1")[:20]
    return DESCRIPTOR.pack({
        "section_offset": offset, "section_length": length, "revision": revision,
        "valid_bits": (1 if fru_id else 0) | (2 if fru_text else 0), "reserved": 0,
        "flags": flags, "section_type": guids.guid_bytes(type_guid),
        "fru_id": guids.guid_bytes(fru_id or guids.NULL_GUID), "severity": severity,
        "fru_text": text + bytes(20 - len(text)),
    })


def make_header(*, creator: str = WINDOWS_CREATOR, notify: str = guids.NULL_GUID,
                severity: int = 2, timestamp: dt.datetime | None = None,
                timestamp_encoding: str | None = None, precise: bool = False,
                platform_id: str | None = None, partition_id: str | None = None,
                record_id: int = 0, flags: int = 0, revision: int | None = None,
                persistence_info: int = 0) -> bytes:
    """A 128-byte header; counts and length are left for ``assemble`` to fill in."""
    windows = creator in guids.WINDOWS_CREATORS
    if timestamp_encoding is None:
        timestamp_encoding = "binary" if windows else "bcd"
    ts = encode_timestamp(timestamp, encoding=timestamp_encoding, precise=precise) if timestamp else bytes(8)
    valid = (1 if platform_id else 0) | (2 if timestamp else 0) | (4 if partition_id else 0)
    return HEADER.pack({
        "signature_start": b"CPER",
        "revision": revision if revision is not None else (WINDOWS_REVISION if windows else UEFI_REVISION),
        "signature_end": 0xFFFFFFFF, "section_count": 0, "severity": severity,
        "valid_bits": valid, "length": HEADER_SIZE, "timestamp": ts,
        "platform_id": guids.guid_bytes(platform_id or guids.NULL_GUID),
        "partition_id": guids.guid_bytes(partition_id or guids.NULL_GUID),
        "creator_id": guids.guid_bytes(creator), "notify_type": guids.guid_bytes(notify),
        "record_id": record_id, "flags": flags, "persistence_info": persistence_info,
        "reserved": bytes(12),
    })


def split_record(data: bytes) -> tuple[bytes, list[SectionPart]]:
    """The header (padded to 128 bytes) and each section whose descriptor is whole.

    Bytes outside the header, those descriptors and their bodies (gaps, trailing data) are not
    kept: splitting is for re-laying a record out. A body that is missing (offset into the
    header or past the end) becomes zeros of its declared length, up to MAX_LOST_BODY (and
    MAX_LOST_TOTAL for all of them, else EditError); a section that declares no length at all
    is left out.
    """
    from .values import EditError
    rec = decode_record(data)
    header = bytes(data[:HEADER_SIZE]).ljust(HEADER_SIZE, b"\0")
    parts = []
    lost = 0
    for sec in rec.sections:
        d = sec.descriptor
        desc = bytes(data[d.offset:d.offset + DESCRIPTOR_SIZE])
        if sec.body is not None:
            body = bytes(data[sec.body.offset:sec.body.end])
        else:
            n = min(DESCRIPTOR.read(desc, "section_length"), MAX_LOST_BODY)
            lost += n
            if lost > MAX_LOST_TOTAL:
                raise EditError(f"more than {MAX_LOST_TOTAL >> 20} MiB of section bodies are "
                                "missing; not filling them with zeros")
            body = bytes(n)
        if body:
            parts.append(SectionPart(desc, body))
    return header, parts


def worst_severity(parts: list[SectionPart], default: int = 2) -> int:
    sevs = [p.severity for p in parts if p.severity in SEVERITY_RANK]
    return max(sevs, key=lambda s: SEVERITY_RANK[s]) if sevs else default


def assemble(header: bytes, parts: list[SectionPart], *, set_severity: bool = False,
             slack: int = 0) -> bytes:
    """Header + descriptors + bodies, with SectionCount, offsets, lengths and RecordLength set.

    The signatures are restored too; ``set_severity`` also makes the header severity the most
    severe section's; ``slack`` appends that many zero bytes of free space (counted in length).
    """
    count = len(parts)
    out = bytearray(header[:HEADER_SIZE].ljust(HEADER_SIZE, b"\0"))
    pos = HEADER_SIZE + DESCRIPTOR_SIZE * count
    descs, bodies = bytearray(), bytearray()
    for p in parts:
        d = bytearray(p.descriptor[:DESCRIPTOR_SIZE].ljust(DESCRIPTOR_SIZE, b"\0"))
        DESCRIPTOR.write(d, "section_offset", pos)
        DESCRIPTOR.write(d, "section_length", len(p.body))
        descs += d
        bodies += p.body
        pos += len(p.body)
    total = pos + slack
    HEADER.write(out, "signature_start", b"CPER")
    HEADER.write(out, "signature_end", 0xFFFFFFFF)
    HEADER.write(out, "section_count", count)
    HEADER.write(out, "length", total)
    if set_severity and parts:
        HEADER.write(out, "severity", worst_severity(parts))
    return bytes(out + descs + bodies + bytes(slack))


def with_declared_length(record: bytes, index: int, length: int | None) -> bytes:
    """``record`` with descriptor ``index`` declaring ``length`` body bytes (None: unchanged),
    for crafting records whose SectionLength disagrees with the bytes present."""
    if length is None:
        return record
    out = bytearray(record)
    DESCRIPTOR.write(out, "section_length", length, HEADER_SIZE + DESCRIPTOR_SIZE * index)
    return bytes(out)

