"""ACPI Generic Error Status Block (GESB) and its Generic Error Data Entries (FORMAT.md §9.1–9.3).

``walk_gesb`` decodes one block into located nodes, checks it the way Linux (``cper_estatus_check``)
and FWTS do, and dispatches each entry's body through the section-decoder registry, so a body
decodes the same whether it came in a CPER record, a BERT region or a Microsoft generic section.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from ..decode.model import ERROR, NOTE, WARNING, DecodedRecord, DecodedSection, FieldNode
from . import guids
from .cper import SECTION_FLAGS_UEFI, SEVERITY, revision_text, severity_name
from .fields import Bits, Field, Layout, display_value, make_node
from .timestamp import decode_timestamp

BLOCK_HEADER_SIZE = 20
ENTRY_V1_SIZE = 64
ENTRY_V3_SIZE = 72
V3_REVISION = 0x300

BLOCK_STATUS_BITS = (
    Bits(0, "uncorrectable_valid", "Uncorrectable error valid"),
    Bits(1, "correctable_valid", "Correctable error valid"),
    Bits(2, "multiple_uncorrectable", "Multiple uncorrectable errors"),
    Bits(3, "multiple_correctable", "Multiple correctable errors"),
    Bits(4, "entry_count", "Error data entry count", width=10,
         meaning="Bits 4–13 (ACPI/edk2/WDK); ACPICA masks only 8 bits (FORMAT.md C15)"),
)
BLOCK = Layout("generic_error_status_block", [
    Field("block_status", "Block status", 4, "flags", bits=BLOCK_STATUS_BITS,
          reserved_mask=0xFFFFC000),
    Field("raw_data_offset", "Raw data offset", 4, "int", description="From the start of the block"),
    Field("raw_data_length", "Raw data length", 4, "int"),
    Field("data_length", "Data length", 4, "int", description="Bytes of all data entries"),
    Field("error_severity", "Error severity", 4, "enum", enum=SEVERITY),
])
assert BLOCK.size == BLOCK_HEADER_SIZE

ENTRY_VALID_BITS = (
    Bits(0, "fru_id_valid", "FRU ID valid"),
    Bits(1, "fru_text_valid", "FRU text valid"),
    Bits(2, "timestamp_valid", "Timestamp valid", meaning="Revision 0x300 entries only"),
)
_ENTRY_FIELDS = [
    Field("section_type", "Section type", 16, "guid", guid_kind="section"),
    Field("error_severity", "Error severity", 4, "enum", enum=SEVERITY),
    Field("revision", "Revision", 2, "hex"),
    Field("valid_bits", "Validation bits", 1, "flags", bits=ENTRY_VALID_BITS, reserved_mask=0xF8),
    Field("flags", "Flags", 1, "flags", bits=SECTION_FLAGS_UEFI),
    Field("error_data_length", "Error data length", 4, "int", description="Bytes of the body"),
    Field("fru_id", "FRU ID", 16, "guid"),
    Field("fru_text", "FRU text", 20, "ascii"),
]
ENTRY_V1 = Layout("generic_error_data_entry", _ENTRY_FIELDS)
ENTRY_V3 = Layout("generic_error_data_entry_v300",
                  _ENTRY_FIELDS + [Field("timestamp", "Timestamp", 8, "bytes")])
assert ENTRY_V1.size == ENTRY_V1_SIZE and ENTRY_V3.size == ENTRY_V3_SIZE
KNOWN_ENTRY_REVISIONS = {0x0100, 0x0201, 0x0300}
_HDR = struct.Struct("<5I")


def block_length(buf, offset: int = 0) -> int | None:
    """Bytes of the block at ``offset`` (Linux ``cper_estatus_len``, in Python ints so hostile
    values cannot wrap), or None if fewer than 20 bytes are there."""
    if len(buf) - offset < BLOCK_HEADER_SIZE:
        return None
    _status, raw_off, raw_len, data_len, _sev = _HDR.unpack_from(buf, offset)
    return raw_off + raw_len if raw_len else BLOCK_HEADER_SIZE + data_len


def entry_header_size(revision: int) -> int:
    return ENTRY_V3_SIZE if revision >> 8 >= 3 else ENTRY_V1_SIZE


@dataclass
class GesbWalk:
    values: dict[str, Any]  # JSON-facing block header values
    sections: list[DecodedSection] = field(default_factory=list)  # one per data entry
    length: int = 0  # bytes of the block (from its header), clipped to what is present


def walk_gesb(buf: bytes, offset: int, limit: int, parent_node: FieldNode, record: DecodedRecord,
              *, creator_id: str = "", first_index: int = 0) -> GesbWalk:
    """Decode the block at ``offset`` (record-relative) within ``buf[:limit]`` into
    ``parent_node``; findings go to ``record``. Never raises on bad input."""
    from ..decode.sections import SectionContext, decode_body

    add = record.add_finding
    node = parent_node.add(FieldNode("status_block", "Generic error status block", None, "", offset,
                                     min(BLOCK_HEADER_SIZE, limit - offset), kind="struct"))
    v, count = BLOCK.decode(buf, offset, limit, node)
    walk = GesbWalk(_block_json(v))
    if count < len(BLOCK.fields):
        add(ERROR, f"Status block is {limit - offset} bytes; its header needs {BLOCK_HEADER_SIZE}",
            offset, limit - offset, "gesb-truncated")
        walk.length = limit - offset
        return walk
    status, raw_off, raw_len, data_len = (v["block_status"], v["raw_data_offset"],
                                          v["raw_data_length"], v["data_length"])
    total = raw_off + raw_len if raw_len else BLOCK_HEADER_SIZE + data_len
    walk.length = min(total, limit - offset)
    node.length = walk.length
    walk.values["length"] = total
    _check_block(record, v, offset, limit, total)
    data_start = offset + BLOCK_HEADER_SIZE
    data_end = min(data_start + data_len, limit)
    pos, index = data_start, first_index
    while pos < data_end:
        left = data_start + data_len - pos
        hsize = ENTRY_V1_SIZE
        if data_end - pos >= 22:
            hsize = entry_header_size(struct.unpack_from("<H", buf, pos + 20)[0])
        if left < hsize:
            add(ERROR, f"{left} bytes left in DataLength after the last entry, too few for a "
                       f"{hsize}-byte entry header (Linux rejects such a block)", pos,
                min(left, data_end - pos), "gesb-trailing")
            break
        section, end = _entry(buf, pos, data_end, left, hsize, index, node, record, creator_id)
        walk.sections.append(section)
        if section.body is not None:
            decode_body(SectionContext(buf, section.body.offset, section.body.length,
                                       section.values["length"] or 0, section.body, record,
                                       section, creator_id))
        pos, index = end, index + 1
    _check_entries(record, walk, offset, status)
    if raw_len and raw_off >= BLOCK_HEADER_SIZE and offset + raw_off < limit:
        r_end = min(offset + raw_off + raw_len, limit)
        node.add(FieldNode("raw_data", "Raw data", None, f"{r_end - offset - raw_off} bytes",
                           offset + raw_off, r_end - offset - raw_off, kind="bytes"))
    walk.values["entries_found"] = len(walk.sections)
    return walk


def _block_json(v: dict) -> dict[str, Any]:
    status = v.get("block_status", 0)
    return {
        "block_status": v.get("block_status"),
        "block_status_names": [b.name for b in BLOCK_STATUS_BITS if b.width == 1 and status >> b.bit & 1],
        "entry_count": (status >> 4) & 0x3FF if "block_status" in v else None,
        "raw_data_offset": v.get("raw_data_offset"),
        "raw_data_length": v.get("raw_data_length"),
        "data_length": v.get("data_length"),
        "severity": v.get("error_severity"),
        "severity_name": severity_name(v["error_severity"]) if "error_severity" in v else None,
    }


def _check_block(record, v, offset, limit, total) -> None:
    add = record.add_finding
    status, raw_off, raw_len, data_len, sev = (v["block_status"], v["raw_data_offset"],
                                               v["raw_data_length"], v["data_length"], v["error_severity"])
    if status == 0:
        add(NOTE, "BlockStatus is 0: the block reports no valid error (Linux GHES ignores it)",
            offset, 4, "gesb-empty")
    if status & 0xFFFFC000:
        add(WARNING, f"Reserved BlockStatus bits 14–31 are set (0x{status:08X})", offset, 4, "reserved")
    if sev > 3:
        add(WARNING, f"Block severity {sev} is undefined (0–3)", offset + 16, 4, "severity")
    if data_len and data_len < ENTRY_V1_SIZE:
        add(ERROR, f"DataLength {data_len} is smaller than one data entry header (64)", offset + 12, 4,
            "gesb-data-length")
    if offset + BLOCK_HEADER_SIZE + data_len > limit:
        add(ERROR, f"DataLength {data_len} runs past the {limit - offset} bytes present "
                   "(truncated)", offset + 12, 4, "gesb-truncated")
    if raw_len and raw_off < BLOCK_HEADER_SIZE + data_len:
        add(ERROR, f"RawDataOffset {raw_off} points into the data entries (which end at "
                   f"{BLOCK_HEADER_SIZE + data_len})", offset + 4, 4, "gesb-raw-overlap")
    if raw_len and offset + raw_off + raw_len > limit:
        add(ERROR, f"Raw data ({raw_len} bytes at {raw_off}) runs past the block's "
                   f"{limit - offset} bytes", offset + 4, 8, "gesb-raw-truncated")
    if offset + total < limit:
        record.root.add(FieldNode("trailing", "Trailing bytes", None,
                                  f"{limit - offset - total} bytes after the block",
                                  offset + total, limit - offset - total, kind="gap"))
        add(NOTE, f"{limit - offset - total} bytes follow the block's end (offset {offset + total})",
            offset + total, limit - offset - total, "trailing")


def _check_entries(record, walk, offset, status) -> None:
    count = (status >> 4) & 0x3FF
    found = len(walk.sections)
    if status and count != found:
        record.add_finding(WARNING, f"BlockStatus says {count} data entries but {found} were found "
                                    "by walking DataLength", offset, 4, "gesb-entry-count")


def _entry(buf, pos, data_end, left, hsize, index, block_node, record, creator_id):
    layout = ENTRY_V3 if hsize == ENTRY_V3_SIZE else ENTRY_V1
    node = block_node.add(FieldNode(f"entry_{index}", f"Data entry {index}", None, "", pos,
                                    min(hsize, data_end - pos), kind="struct"))
    vb = buf[pos + 22] if pos + 22 < data_end else 0

    def valid_hook(bit):
        def hook(f, v, o):
            valid = bool(vb & bit)
            return make_node(f, v, o, display=display_value(f, v) + ("" if valid else " (not valid)"),
                             valid=valid)
        return hook

    hooks = {"fru_id": valid_hook(1), "fru_text": valid_hook(2), "timestamp": _ts_hook(vb, creator_id),
             "revision": lambda f, v, o: make_node(f, v, o, display=f"{revision_text(v)} (0x{v:04X})")}
    v, _count = layout.decode(buf, pos, data_end, node, hooks)
    type_text = guids.guid_text(v["section_type"]) if "section_type" in v else None
    body_off = pos + hsize
    declared = v.get("error_data_length")
    values = {
        "index": index, "offset": body_off, "length": declared, "revision": v.get("revision"),
        "flags": v.get("flags"),
        "flag_names": [b.name for b in SECTION_FLAGS_UEFI if v.get("flags", 0) >> b.bit & 1],
        "type": type_text, "type_name": guids.name_of(type_text, "section") if type_text else None,
        "severity": v.get("error_severity"),
        "severity_name": severity_name(v["error_severity"]) if "error_severity" in v else None,
        "fru_id": guids.guid_text(v["fru_id"]) if "fru_id" in v and vb & 1 else None,
        "fru_text": bytes(v["fru_text"]).split(b"\0", 1)[0].decode("latin-1")
        if "fru_text" in v and vb & 2 else None,
    }
    if hsize == ENTRY_V3_SIZE and "timestamp" in v and vb & 4:
        values["timestamp"] = decode_timestamp(bytes(v["timestamp"]), creator_id).iso
    section = DecodedSection(index, node, None, values)
    _check_entry(record, v, pos, index, vb)
    if declared is None:
        return section, data_end
    end = body_off + declared
    if declared > left - hsize:
        record.add_finding(ERROR, f"Data entry {index}: ErrorDataLength {declared} runs past the "
                                  f"{max(0, left - hsize)} bytes left of DataLength", pos + 24, 4,
                           "gede-overrun")
    avail = max(0, min(end, data_end) - body_off)
    if avail:
        name = values["type_name"] or "Unknown"
        section.body = block_node.add(FieldNode(f"section_{index}", f"Section {index}: {name}", None,
                                                f"{avail} bytes", body_off, avail, kind="section"))
    return section, min(max(end, body_off), data_end) if declared <= left - hsize else data_end


def _ts_hook(vb: int, creator_id: str):
    def hook(f, v, o):
        ts = decode_timestamp(bytes(v), creator_id)
        text = ts.value.isoformat(sep=" ") if ts.value else f"undecodable ({ts.problem})"
        return FieldNode(f.name, f.label, ts.iso, text + ("" if vb & 4 else " (not valid)"), o, 8,
                         kind="timestamp", valid=bool(vb & 4))
    return hook


def _check_entry(record, v, pos, index, vb) -> None:
    add = record.add_finding
    if "revision" in v and v["revision"] not in KNOWN_ENTRY_REVISIONS:
        add(NOTE, f"Data entry {index}: unusual revision 0x{v['revision']:04X} (known 0x0100, 0x0201, "
                  "0x0300)", pos + 20, 2, "gede-revision")
    if v.get("error_severity", 0) > 3:
        add(WARNING, f"Data entry {index}: severity {v['error_severity']} is undefined (0–3)", pos + 16,
            4, "severity")
    if vb & 0xF8:
        add(WARNING, f"Data entry {index}: reserved validation bits set (0x{vb:02X})", pos + 22, 1,
            "reserved")
