"""WHEA_EVENT_LOG_ENTRY ("WhLg") entries: not CPER, but found beside it (FORMAT.md §8.18).

The 32-byte header is decoded here; payload decoders are looked up by entry Id in
``whlg_payloads.PAYLOADS`` (they register there, the same pattern as section decoders).
"""

from __future__ import annotations

from ..core.fields import Bits, Field, Layout, make_node
from ..core.model import ERROR, NOTE, WARNING, DecodedRecord, FieldNode, new_record
from .whlg_ids import ENTRY_IDS
from .whlg_payloads import PAYLOADS

ENTRY_TYPE = {0: "Informational", 1: "Warning", 2: "Error"}
OWNER_TAGS = {b"KRNL": "Kernel", b"HYVP": "Hyper-V", b"HAL ": "HAL", b"PCI ": "PCI",
              b"ACPI": "ACPI", b"PSHD": "PSHED", b"PSPI": "PSHED plug-in"}
ENTRY_FLAGS = (
    Bits(0, "reserved0", "Reserved"),
    Bits(1, "log_internal_etw", "LogInternalEtw"),
    Bits(2, "log_blackbox", "LogBlackbox"),
    Bits(3, "log_sel", "LogSel"),
    Bits(4, "raw_sel", "RawSel"),
    Bits(5, "no_format", "NoFormat"),
    Bits(6, "driver", "Driver"),
)

HEADER = Layout("whea_event_log_entry_header", [
    Field("signature", "Signature", 4, "sig", description='"WhLg"'),
    Field("version", "Version", 4, "int"),
    Field("length", "Length", 4, "int", description="Header plus payload"),
    Field("type", "Type", 4, "enum", enum=ENTRY_TYPE),
    Field("owner_tag", "Owner tag", 4, "hex"),
    Field("id", "Id", 4, "enum", enum=ENTRY_IDS),
    Field("flags", "Flags", 4, "flags", bits=ENTRY_FLAGS, reserved_mask=0xFFFFFF80),
    Field("payload_length", "Payload length", 4, "int"),
])
HEADER_SIZE = HEADER.size

def owner_tag_text(value: int) -> str:
    raw = value.to_bytes(4, "little")
    name = OWNER_TAGS.get(raw)
    text = "".join(chr(c) if 32 <= c < 127 else "?" for c in raw)
    return f"'{text}'" + (f" {name}" if name else "")


def decode_whlg(buf: bytes, *, source: dict | None = None) -> DecodedRecord:
    return new_record(buf, "whlg", "entry", "WHEA event log entry", source, _decode)


def _decode(rec: DecodedRecord, buf: bytes, n: int) -> None:
    header = rec.root.add(FieldNode("header", "Entry header", None, "", 0, min(HEADER_SIZE, n),
                                    kind="struct"))
    hooks = {"owner_tag": lambda f, v, o: make_node(f, v, o, display=owner_tag_text(v))}
    v, count = HEADER.decode(buf, 0, n, header, hooks)
    if count < len(HEADER.fields):
        rec.add_finding(ERROR, f"Entry is {n} bytes; the WhLg header needs {HEADER_SIZE}", 0, n,
                        "header-truncated")
    length = v.get("length", n)
    payload_len = v.get("payload_length", 0)
    rec.header = {
        "signature": "WhLg", "version": v.get("version"), "length": v.get("length"),
        "type": v.get("type"), "type_name": ENTRY_TYPE.get(v.get("type", -1), "Unknown"),
        "owner_tag": v.get("owner_tag"),
        "owner_tag_text": owner_tag_text(v["owner_tag"]) if "owner_tag" in v else None,
        "id": v.get("id"), "id_name": ENTRY_IDS.get(v.get("id", -1), "Unknown"),
        "flags": v.get("flags"),
        "flag_names": [b.label for b in ENTRY_FLAGS if v.get("flags", 0) >> b.bit & 1],
        "payload_length": payload_len,
    }
    if v.get("version", 1) != 1:
        rec.add_finding(WARNING, f"Version {v['version']} (expected 1)", 4, 4, "version")
    if length > n:
        rec.add_finding(ERROR, f"Length is {length} but only {n} bytes are present", 8, 4,
                        "truncated")
    if count == len(HEADER.fields) and HEADER_SIZE + payload_len != length:
        rec.add_finding(WARNING, f"Header ({HEADER_SIZE}) + PayloadLength ({payload_len}) ≠ "
                                 f"Length ({length})", 28, 4, "payload-length")
    rec.extent = min(max(length, min(HEADER_SIZE, n)), n)
    pend = min(HEADER_SIZE + payload_len, n)
    if count == len(HEADER.fields) and pend > HEADER_SIZE:
        payload = rec.root.add(FieldNode("payload", "Payload", None,
                                         f"{pend - HEADER_SIZE} bytes", HEADER_SIZE,
                                         pend - HEADER_SIZE, kind="section"))
        decoder = PAYLOADS.get(v.get("id"))
        if decoder is not None:
            try:
                rec.header["payload"] = decoder(rec, buf, HEADER_SIZE, pend, payload)
            except Exception as exc:
                rec.add_finding(ERROR, f"Payload could not be decoded ({type(exc).__name__}: "
                                       f"{exc}); shown as raw bytes", HEADER_SIZE,
                                pend - HEADER_SIZE, "decoder-failed")
    if rec.extent < n:
        rec.root.add(FieldNode("trailing", "Trailing bytes", None, f"{n - rec.extent} bytes",
                               rec.extent, n - rec.extent, kind="gap"))
        rec.add_finding(NOTE, f"{n - rec.extent} bytes follow the entry's end", rec.extent,
                        n - rec.extent, "trailing")
    rec.summary = rec.summary or (f"WHEA event log entry: {rec.header['id_name']} "
                                  f"({rec.header['type_name']}, owner {rec.header['owner_tag_text']})")
    _summarise(rec)


def _summarise(rec: DecodedRecord) -> None:
    """Let the explain module refine the one-line summary (as record.py does for CPER)."""
    from .explain import summarise_record  # imported when first needed: explain imports decode

    try:
        summarise_record(rec)
    except Exception as exc:
        rec.add_finding(NOTE, f"Summary unavailable ({type(exc).__name__}: {exc})", 0, 0, "internal")
