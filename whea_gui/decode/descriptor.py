"""Section descriptors (72 bytes each): decoded as located nodes, their JSON values, and the
checks that concern one descriptor alone. Used by the record decoder and by the decoder of a
lone section with its descriptor (single_section)."""

from __future__ import annotations

import re
from typing import Any

from ..core import guids
from ..core.fields import Field, display_value, make_node
from ..core.model import NOTE, WARNING, DecodedRecord, FieldNode
from ..formats import cper
from ..formats.cper import DESCRIPTOR, DESCRIPTOR_SIZE, DESCRIPTOR_WINDOWS

_PRINTABLE = re.compile(rb"[\x20-\x7e]*")


def flag_names(bits, value: int) -> list[str]:
    return [b.name for b in bits if b.width == 1 and value >> b.bit & 1]


def descriptor_values(dv: dict[str, Any], index: int) -> dict[str, Any]:
    flags_bits = (cper.SECTION_FLAGS_WINDOWS if dv.get("_windows") else cper.SECTION_FLAGS_UEFI)
    vb = dv.get("valid_bits", 0)
    return {
        "index": index,
        "offset": dv.get("section_offset"),
        "length": dv.get("section_length"),
        "revision": dv.get("revision"),
        "flags": dv.get("flags"),
        "flag_names": flag_names(flags_bits, dv.get("flags", 0)),
        "type": guids.guid_text(dv["section_type"]) if "section_type" in dv else None,
        "type_name": guids.name_of(guids.guid_text(dv["section_type"]), "section")
        if "section_type" in dv else None,
        "severity": dv.get("severity"),
        "severity_name": cper.severity_name(dv["severity"]) if "severity" in dv else None,
        "fru_id": guids.guid_text(dv["fru_id"]) if "fru_id" in dv and vb & 1 else None,
        "fru_text": _fru_text(dv["fru_text"]) if "fru_text" in dv and vb & 2 else None,
    }


def _fru_text(raw: bytes) -> str:
    return bytes(raw).split(b"\0", 1)[0].decode("latin-1")


def valid_bit_hook(valid_bits: int, bit: int):
    """A node hook for a field that a validation bit governs: shown "(not valid)" when clear."""
    def hook(f: Field, v: Any, off: int) -> FieldNode:
        valid = bool(valid_bits & bit)
        disp = display_value(f, v) + ("" if valid else " (not valid)")
        return make_node(f, v, off, display=disp, valid=valid)
    return hook


def revision_node(f: Field, v: int, off: int) -> FieldNode:
    """A CPER revision field, shown as its version text and number."""
    return make_node(f, v, off, display=f"{cper.revision_text(v)} (0x{v:04X})")


def decode_descriptor(rec: DecodedRecord, buf: bytes, off: int, limit: int, index: int,
                      windows: bool) -> tuple[FieldNode, dict[str, Any], int]:
    layout = DESCRIPTOR_WINDOWS if windows else DESCRIPTOR
    node = FieldNode(f"descriptor_{index}", f"Section descriptor {index}", None, "", off,
                     min(DESCRIPTOR_SIZE, limit - off), kind="struct")
    vb = buf[off + 10] if off + 10 < limit else 0
    values, count = layout.decode(buf, off, limit, node,
                                  {"fru_id": valid_bit_hook(vb, 1), "fru_text": valid_bit_hook(vb, 2),
                                   "revision": revision_node}, lazy=True)
    values["_windows"] = windows
    return node, values, count


def check_descriptor(rec: DecodedRecord, dv: dict[str, Any], doff: int, index: int) -> None:
    add = rec.add_finding
    name = f"Descriptor {index}"
    if dv.get("reserved"):
        add(WARNING, f"{name}: reserved byte is 0x{dv['reserved']:02X}, should be 0", doff + 11, 1,
            "reserved")
    if dv.get("valid_bits", 0) & 0xFC:
        add(WARNING, f"{name}: reserved validation bits set (0x{dv['valid_bits']:02X})", doff + 10,
            1, "reserved")
    if dv.get("flags", 0) & 0xFFFFFF00:
        add(WARNING, f"{name}: reserved section flag bits set (0x{dv['flags']:08X})", doff + 12, 4,
            "reserved")
    if dv.get("severity", 0) > 3:
        add(WARNING, f"{name}: section severity {dv['severity']} is undefined (0–3)", doff + 48, 4,
            "severity")
    if "fru_text" in dv and dv.get("valid_bits", 0) & 2:
        text = bytes(dv["fru_text"]).split(b"\0", 1)[0]
        if not _PRINTABLE.fullmatch(text):
            add(NOTE, f"{name}: FRU text has non-printable characters", doff + 52, 20, "fru-text")


