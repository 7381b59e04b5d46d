"""ACPI Generic Error Status Block (GESB) and its Generic Error Data Entries (FORMAT.md §9.1–9.3).

Used for the Microsoft GENERIC section body (§8.4) and, by the sources package, for BERT
regions and GHES buffers. Each entry's body goes through the section registry like a CPER body.
The walk follows Linux's ``cper_estatus_check``: by DataLength, never by ErrorDataEntryCount
(conflict C15), checking that 64 bytes remain before an entry's Revision is read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..core import guids
from ..core.fields import Bits, Field, Layout, layout_json, make_node, register_json
from ..core.model import ERROR, NOTE, WARNING, DecodedRecord, DecodedSection, FieldNode
from ..core.nested import decode_nested
from . import cper
from .gesb_sizes import ENTRY_V1_SIZE, ENTRY_V3_SIZE, HEADER_SIZE
from .timestamp import decode_timestamp

BLOCK_STATUS_BITS = (
    Bits(0, "uncorrectable_valid", "Uncorrectable error valid"),
    Bits(1, "correctable_valid", "Correctable error valid"),
    Bits(2, "multiple_uncorrectable", "Multiple uncorrectable errors"),
    Bits(3, "multiple_correctable", "Multiple correctable errors"),
    Bits(4, "error_data_entry_count", "Error data entry count", 10,
         "Bits 4–13 (ACPI/WDK; Linux masks only 8 bits, C15); never used to walk the entries"),
)
HEADER = Layout("generic_error_status_block", [
    Field("block_status", "Block status", 4, "flags", bits=BLOCK_STATUS_BITS,
          reserved_mask=0xFFFFC000),
    Field("raw_data_offset", "Raw data offset", 4, "int", description="From the start of the block"),
    Field("raw_data_length", "Raw data length", 4, "int"),
    Field("data_length", "Data length", 4, "int", description="Bytes of all data entries"),
    Field("error_severity", "Error severity", 4, "enum", enum=cper.SEVERITY),
])
ENTRY_VALID_BITS = (
    Bits(0, "fru_id_valid", "FRU ID valid"),
    Bits(1, "fru_text_valid", "FRU text valid"),
    Bits(2, "timestamp_valid", "Timestamp valid", meaning="Revision ≥ 0x300 only"),
)
ENTRY = Layout("generic_error_data_entry", [
    Field("section_type", "Section type", 16, "guid", guid_kind="section"),
    Field("error_severity", "Error severity", 4, "enum", enum=cper.SEVERITY),
    Field("revision", "Revision", 2, "hex", description="≥ 0x0300 selects the 72-byte header"),
    Field("validation_bits", "Validation bits", 1, "flags", bits=ENTRY_VALID_BITS,
          reserved_mask=0xF8),
    Field("flags", "Flags", 1, "flags", bits=cper.SECTION_FLAGS_UEFI),
    Field("error_data_length", "Error data length", 4, "int"),
    Field("fru_id", "FRU ID", 16, "guid"),
    Field("fru_text", "FRU text", 20, "ascii"),
])
_TS = Field("timestamp", "Timestamp", 8, "bytes")
# the JSON adapter: the block status bits beside the number, names from the tables
_HEADER_ADAPTER = {
    "block_status": lambda status: {k: v for k, v in register_json(BLOCK_STATUS_BITS, status).items()
                                    if k != "value"},
    "error_severity": lambda sev: {"error_severity_name": cper.severity_name(sev)},
}
# an entry header as a section descriptor: the published names and order
_ENTRY_KEYS = {"section_type": "type", "error_severity": "severity", "error_data_length": "length"}
_ENTRY_ORDER = ("index", "offset", "length", "revision", "validation_bits", "flags", "flag_names",
                "type", "type_name", "severity", "severity_name", "fru_id", "fru_text", "timestamp",
                "header_size")
_ENTRY_ADAPTER = {
    "flags": lambda flags: {"flag_names": [b.name for b in cper.SECTION_FLAGS_UEFI
                                           if flags >> b.bit & 1]},
    "section_type": lambda t: {"type_name": guids.name_of(guids.guid_text(t), "section")},
    "error_severity": lambda sev: {"severity_name": cper.severity_name(sev)},
}


@dataclass
class GesbEntry:
    """One Generic Error Data Entry and its decoded body."""

    index: int
    offset: int  # entry header, relative to the record/buffer start
    header_size: int  # 64 or 72
    body_offset: int
    body_length: int  # bytes present (ErrorDataLength clipped to the data)
    values: dict  # header values (JSON-ready, descriptor-like keys)
    node: FieldNode
    section: DecodedSection
    header_json: dict = field(default_factory=dict)  # values and the header's size


@dataclass
class GesbBlock:
    offset: int
    length: int  # the block's extent per cper_estatus_len (clipped to the data present)
    header: dict = field(default_factory=dict)
    entries: list[GesbEntry] = field(default_factory=list)
    node: FieldNode | None = None


def block_length(buf: bytes, offset: int = 0) -> int | None:
    """``cper_estatus_len``: RawDataOffset + RawDataLength if raw data, else 20 + DataLength."""
    if offset + HEADER_SIZE > len(buf):
        return None
    raw_off, raw_len, data_len = struct.unpack_from("<III", buf, offset + 4)
    return raw_off + raw_len if raw_len else HEADER_SIZE + data_len


def walk_gesb(buf: bytes, offset: int, limit: int, parent_node: FieldNode,
              record: DecodedRecord, *, tag: str = "Generic error status block",
              creator_id: str = "") -> list[GesbEntry]:
    """Decode the GESB at ``offset`` (bytes up to ``limit``) into ``parent_node``; findings go to
    ``record`` with byte ranges. Returns the entries (their bodies decoded). Never raises."""
    return decode_gesb(buf, offset, limit, parent_node, record, tag=tag,
                       creator_id=creator_id).entries


def decode_gesb(buf: bytes, offset: int, limit: int, parent_node: FieldNode,
                record: DecodedRecord, *, tag: str = "Generic error status block",
                creator_id: str = "") -> GesbBlock:
    limit = min(limit, len(buf))
    block = GesbBlock(offset, max(0, limit - offset))
    add = record.add_finding
    avail = limit - offset
    if avail < HEADER_SIZE:
        add(ERROR, f"{tag}: truncated, {max(avail, 0)} bytes present but the header needs "
                   f"{HEADER_SIZE}", offset, max(avail, 0), "gesb-truncated")
        if avail > 0:
            parent_node.add(FieldNode("error_status_block", "Generic error status block (truncated)",
                                      bytes(buf[offset:limit]), f"{avail} bytes", offset, avail,
                                      kind="bytes"))
        return block
    node = parent_node.add(FieldNode("error_status_block", "Generic error status block", None,
                                     "", offset, avail, kind="struct"))
    block.node = node
    hnode = node.add(FieldNode("header", "Block header", None, "", offset, HEADER_SIZE,
                               kind="struct"))
    h, _ = HEADER.decode(buf, offset, limit, hnode)
    status, data_len = h["block_status"], h["data_length"]
    raw_off, raw_len, sev = h["raw_data_offset"], h["raw_data_length"], h["error_severity"]
    count_field = status >> 4 & 0x3FF
    block.header = layout_json(HEADER, h, plain=("block_status",), after=_HEADER_ADAPTER)
    extent = raw_off + raw_len if raw_len else HEADER_SIZE + data_len  # Python ints: no overflow
    block.length = min(extent, avail)
    node.length = block.length
    node.display = f"{count_field} entr{'y' if count_field == 1 else 'ies'} declared, {data_len} data bytes"
    if status == 0:
        add(WARNING, f"{tag}: BlockStatus is 0 (no valid error); Linux ignores such a block",
            offset, 4, "gesb-empty")
    if status & 0xFFFFC000:
        add(WARNING, f"{tag}: reserved BlockStatus bits set (0x{status:08X})", offset, 4, "reserved")
    if sev > 3:
        add(WARNING, f"{tag}: ErrorSeverity {sev} is undefined (0–3)", offset + 16, 4, "severity")
    if data_len and data_len < ENTRY_V1_SIZE:
        add(ERROR, f"{tag}: DataLength {data_len} is smaller than one entry header "
                   f"({ENTRY_V1_SIZE})", offset + 12, 4, "gesb-data-length")
    if raw_len and raw_off < HEADER_SIZE + data_len:
        add(ERROR, f"{tag}: RawDataOffset {raw_off} points into the header or data entries "
                   f"(which end at {HEADER_SIZE + data_len})", offset + 4, 4, "gesb-raw-offset")
    if HEADER_SIZE + data_len > avail:
        add(ERROR, f"{tag}: DataLength {data_len} runs past the {avail} bytes present "
                   f"(truncated by {HEADER_SIZE + data_len - avail})", offset + 12, 4,
            "gesb-truncated")
    _walk_entries(buf, offset, min(HEADER_SIZE + data_len, avail), block, record, tag, creator_id)
    n = len(block.entries)
    if count_field != n:
        # Linux reads only bits 4-11 (C15): when that reading agrees, bits 12-13 are the only
        # difference (a note); otherwise entries may be missing or the block is misread.
        linux = status and (count_field & 0xFF) == n
        add(NOTE if linux else WARNING,
            f"{tag}: ErrorDataEntryCount is {count_field} but {n} entr{'y' if n == 1 else 'ies'} "
            "were found by walking DataLength"
            + (" (bits 12–13 of BlockStatus are set; Linux reads only bits 4–11, which agree)"
               if linux else ""), offset, 4, "gesb-entry-count")
    if raw_len:
        start = offset + raw_off
        present = max(0, min(raw_len, limit - start))
        if present < raw_len:
            add(ERROR, f"{tag}: raw data ({raw_len} bytes at block offset {raw_off}) extends past "
                       f"the data present", offset + 4, 8, "gesb-raw-truncated")
        if present:
            raw = bytes(buf[start:start + present])
            node.add(FieldNode("raw_data", "Raw data", raw, f"{present} bytes", start, present,
                               kind="bytes", description="Vendor-specific raw error data"))
    return block


def _walk_entries(buf, offset, data_end_rel, block, record, tag, creator_id) -> None:
    add = record.add_finding
    pos = offset + HEADER_SIZE
    end = offset + data_end_rel
    index = 0
    while pos < end:
        remaining = end - pos
        if remaining < ENTRY_V1_SIZE:
            add(ERROR, f"{tag}: {remaining} byte(s) left in DataLength, too few for an entry "
                       f"header ({ENTRY_V1_SIZE})", pos, remaining, "gesb-trailing")
            block.node.add(FieldNode(f"trailing_{pos}", "Unparsed data bytes", None,
                                     f"{remaining} bytes", pos, remaining, kind="gap"))
            return
        revision = struct.unpack_from("<H", buf, pos + 20)[0]
        hsize = ENTRY_V3_SIZE if revision >> 8 >= 3 else ENTRY_V1_SIZE
        if hsize > remaining:
            add(ERROR, f"{tag}: entry {index} has a {hsize}-byte header (revision 0x{revision:04X}) "
                       f"but only {remaining} bytes remain", pos, remaining, "gesb-entry-truncated")
            return
        entry = _entry(buf, pos, hsize, end, index, block, record, tag, creator_id)
        block.entries.append(entry)
        declared = entry.values["length"]
        if hsize + declared > remaining:
            add(ERROR, f"{tag}: entry {index} declares {declared} data bytes but only "
                       f"{remaining - hsize} remain in DataLength", pos + 24, 4,
                "gesb-entry-truncated")
            return
        pos += hsize + declared
        index += 1


def _entry(buf, pos, hsize, end, index, block, record, tag, creator_id) -> GesbEntry:
    enode = block.node.add(FieldNode(f"entry_{index}", f"Data entry {index}", None, "", pos,
                                     hsize, kind="struct"))
    hnode = enode.add(FieldNode("header", "Entry header", None, "", pos, hsize, kind="struct"))
    v, _ = ENTRY.decode(buf, pos, pos + ENTRY.size, hnode)
    vb = v["validation_bits"]
    ts_text = None
    if hsize == ENTRY_V3_SIZE:
        # Firmware writes GESB entries, whatever record wraps them: BCD rule, not the creator's.
        ts = decode_timestamp(buf[pos + 64:pos + 72], "")
        valid = bool(vb & 4)
        disp = (ts.value.isoformat(sep=" ") if ts.value else f"undecodable: {ts.problem}")
        hnode.add(make_node(_TS, bytes(buf[pos + 64:pos + 72]), pos + 64,
                            display=disp + ("" if valid else " (not valid)"), valid=valid))
        ts_text = ts.iso if valid else None
        if valid and ts.value is None:
            record.add_finding(WARNING, f"{tag}: entry {index} timestamp is marked valid but cannot "
                                        f"be decoded ({ts.problem})", pos + 64, 8, "timestamp")
    header_json = _entry_json(v, index, pos + hsize, hsize, ts_text)
    values = {k: x for k, x in header_json.items() if k != "header_size"}
    if v["error_severity"] > 3:
        record.add_finding(WARNING, f"{tag}: entry {index} severity {v['error_severity']} is "
                                    "undefined (0–3)", pos + 16, 4, "severity")
    if vb & 0xF8 or (hsize == ENTRY_V1_SIZE and vb & 4):
        record.add_finding(WARNING, f"{tag}: entry {index} has reserved validation bits set "
                                    f"(0x{vb:02X})", pos + 22, 1, "reserved")
    body_off = pos + hsize
    present = max(0, min(values["length"], end - body_off))
    enode.length = hsize + present
    enode.display = f"{values['type_name']}, {values['severity_name']}"
    section = decode_nested(record, buf, enode, name="body", label=f"Body: {values['type_name']}",
                            offset=body_off, length=present, declared_length=values["length"],
                            values=values, tag=f"{tag}, entry {index}", creator_id=creator_id)
    return GesbEntry(index, pos, hsize, body_off, present, values, enode, section, header_json)


def _entry_json(v: dict, index: int, body_offset: int, header_size: int,
                timestamp: str | None) -> dict:
    """An entry header as JSON, keyed like a section descriptor (``type``, ``severity``, ...)."""
    vb = v["validation_bits"]
    return layout_json(ENTRY, v, keys=_ENTRY_KEYS, plain=("validation_bits", "flags"),
                       valid={"fru_id": bool(vb & 1), "fru_text": bool(vb & 2)},
                       after=_ENTRY_ADAPTER, order=_ENTRY_ORDER,
                       extra={"index": index, "offset": body_offset, "timestamp": timestamp,
                              "header_size": header_size})


def entry_json(entry: GesbEntry) -> dict:
    """An entry as JSON: its header values plus the decoded body (like a record section)."""
    s = entry.section
    return dict(entry.header_json, fields=s.fields, summary=s.summary, component=s.component,
                location=s.location)


def block_json(block: GesbBlock) -> dict:
    return dict(block.header, entries=[entry_json(e) for e in block.entries])

