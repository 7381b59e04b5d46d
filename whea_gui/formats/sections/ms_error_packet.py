"""WHEA_ERROR_PACKET section (FORMAT.md §8.1): the low-level handler's raw report.

V2 ("WHEA", Windows 7+): 80-byte header, then Data and PSHED data (Data's layout per DataFormat is
undocumented, so it is kept as bytes). V1 ("ErPt", Vista): 280-byte header whose union holds a
standard section body chosen by ErrorType, decoded through the section registry.
"""

from __future__ import annotations

from ...core import guids
from ...core.fields import Bits, Field, Layout, bytes_text, layout_json
from ...core.model import ERROR, NOTE, WARNING
from ...core.nested import decode_nested
from ...core.sections import SectionContext, register
from .. import cper, numbers
from ._kit import decode_fixed, note_extra, raw_node, struct_node

ERROR_PACKET_GUID = "e71254e9-c1b9-4940-ab76-909703a4320f"

PACKET_FLAGS = tuple(Bits(i, n, t) for i, (n, t) in enumerate([
    ("previous_error", "PreviousError"), ("critical_event", "CriticalEvent"),
    ("hypervisor_error", "HypervisorError"), ("simulated", "Simulated"),
    ("platform_pfa_control", "PlatformPfaControl"),
    ("platform_directed_offline", "PlatformDirectedOffline"),
    ("address_translation_required", "AddressTranslationRequired"),
    ("address_translation_completed", "AddressTranslationCompleted"),
    ("recovery_optional", "RecoveryOptional")]))
ERROR_TYPE = {0: "Processor", 1: "Memory", 2: "PCI Express", 3: "NMI", 4: "PCI-X bus",
              5: "PCI-X device", 6: "Generic", 7: "Persistent memory"}
ERROR_SOURCE_TYPE = {0x00: "MCE", 0x01: "CMC", 0x02: "CPE", 0x03: "NMI", 0x04: "PCIe",
                     0x05: "Generic", 0x06: "INIT", 0x07: "BOOT", 0x08: "SCI generic",
                     0x09: "IPF MCA", 0x0A: "IPF CMC", 0x0B: "IPF CPE", 0x0C: "Generic v2",
                     0x0D: "SCI generic v2", 0x0E: "BMC", 0x0F: "PMEM", 0x10: "Device driver",
                     0x11: "Arm SEA", 0x12: "Arm SEI"}
DATA_FORMAT = {0: "IPF SAL record", 1: "XPF MCA", 2: "Memory", 3: "PCI Express", 4: "NMI port",
               5: "PCI-X bus", 6: "PCI-X device", 7: "Generic"}
RAW_DATA_FORMAT = {0: "IPF SAL record", 1: "IA32 MCA", 2: "Intel64 MCA", 3: "AMD64 MCA",
                   4: "Memory", 5: "PCI Express", 6: "NMI port", 7: "PCI-X bus", 8: "PCI-X device",
                   9: "Generic"}
COMPONENT = {0: "cpu", 1: "memory", 2: "pcie", 3: "platform", 4: "pci", 5: "pci", 7: "memory"}
# V1 union member per ErrorType: the standard section it holds, and that section's fixed size.
V1_UNION = {0: ("9876ccad-47b4-4bdb-b65e-16f193c4f3db", 192),
            1: ("a5bc1114-6f64-4ede-b863-3e83ed7c83b1", 80),
            2: ("d995e954-bbc1-430f-ad91-b44dcb3c6f35", 208),
            3: ("e71254e7-c1b9-4940-ab76-909703a4320f", 12),
            4: ("c5753963-3b84-4095-bf78-eddad3f9c9dd", 72),
            5: ("eb5e4685-ca66-4769-b6a2-26068b001326", 208),
            7: ("81687003-dbfd-4728-9ffd-f0904f97597d", 208)}

_COMMON = dict(
    flags=Field("flags", "Flags", 4, "flags", bits=PACKET_FLAGS, reserved_mask=0xFFFFFE00),
    error_type=Field("error_type", "Error type", 4, "enum", enum=ERROR_TYPE),
    error_severity=Field("error_severity", "Error severity", 4, "enum", enum=cper.SEVERITY),
    error_source_id=Field("error_source_id", "Error source ID", 4, "int"),
    error_source_type=Field("error_source_type", "Error source type", 4, "enum",
                            enum=ERROR_SOURCE_TYPE),
)
V2 = Layout("WHEA_ERROR_PACKET_V2", [
    Field("signature", "Signature", 4, "sig", description='"WHEA"'),
    Field("version", "Version", 4, "int", description="3 (WHEA_ERROR_PACKET_V2_VERSION)"),
    Field("length", "Length", 4, "int", description="Whole packet incl. Data and PshedData"),
    _COMMON["flags"], _COMMON["error_type"], _COMMON["error_severity"],
    _COMMON["error_source_id"], _COMMON["error_source_type"],
    Field("notify_type", "Notification type", 16, "guid", guid_kind="notify"),
    Field("context", "Context", 8, "hex"),
    Field("data_format", "Data format", 4, "enum", enum=DATA_FORMAT),
    Field("reserved1", "Reserved1", 4, "hex"),
    Field("data_offset", "Data offset", 4, "int", description="From the packet start (80 expected)"),
    Field("data_length", "Data length", 4, "int"),
    Field("pshed_data_offset", "PSHED data offset", 4, "int"),
    Field("pshed_data_length", "PSHED data length", 4, "int"),
])
V1 = Layout("WHEA_ERROR_PACKET_V1", [
    Field("signature", "Signature", 4, "sig", description='"ErPt"'),
    _COMMON["flags"],
    Field("size", "Size", 4, "int", description="Whole packet"),
    Field("raw_data_length", "Raw data length", 4, "int"),
    Field("reserved1", "Reserved1", 8, "hex"),
    Field("context", "Context", 8, "hex"),
    _COMMON["error_type"], _COMMON["error_severity"], _COMMON["error_source_id"],
    _COMMON["error_source_type"],
    Field("reserved2", "Reserved2", 4, "hex"),
    Field("version", "Version", 4, "int", description="2 (WHEA_ERROR_PACKET_V1_VERSION)"),
    Field("cpu", "CPU", 8, "int"),
])
V1_UNION_OFFSET, V1_UNION_SIZE = V1.size, 208  # 64
V1_TAIL = Layout("WHEA_ERROR_PACKET_V1 tail", [
    Field("raw_data_format", "Raw data format", 4, "enum", enum=RAW_DATA_FORMAT),
    Field("raw_data_offset", "Raw data offset", 4, "int", description="Within RawData: PSHED part"),
])
V1_HEADER_SIZE = V1.size + V1_UNION_SIZE + V1_TAIL.size  # 280


@register(ERROR_PACKET_GUID)
def decode_error_packet(ctx: SectionContext) -> dict:
    sig = bytes(ctx.data[ctx.offset:ctx.offset + 4])
    if sig == b"WHEA":
        fields = _decode_v2(ctx)
    elif sig == b"ErPt":
        fields = _decode_v1(ctx)
    else:
        ctx.finding(ERROR, f"Error packet signature is {bytes_text(sig)}, expected \"WHEA\" (V2) or \"ErPt\" "
                           "(V1); the body is shown as raw bytes", ctx.offset, min(4, ctx.length),
                    "packet-signature")
        raw_node(ctx.node, ctx, "raw", "Raw packet", ctx.offset, ctx.length)
        ctx.section.summary = "Windows error packet with an unknown signature"
        return {"signature": sig.decode("latin-1")}
    _summarise(ctx, fields)
    return fields


# The published key order: the common keys first (as V1 and V2 share them), then the rest.
_COMMON_ORDER = ("signature", "packet_version", "error_type", "error_type_name",
                 "error_source_type", "error_source_type_name", "error_severity",
                 "error_severity_name", "flags", "flag_names", "error_source_id", "context")
_V2_ORDER = _COMMON_ORDER + ("version", "length", "data_format", "data_offset", "data_length",
                             "pshed_data_offset", "pshed_data_length", "notify_type")
_V1_ORDER = _COMMON_ORDER + ("size", "raw_data_length", "version", "cpu")
# the adapter: names from the tables beside their numbers
_NAMES = {
    "error_type": lambda t: {"error_type_name": ERROR_TYPE.get(t, "Unknown")},
    "error_source_type": lambda t: {"error_source_type_name": ERROR_SOURCE_TYPE.get(t, "Unknown")},
    "error_severity": lambda s: {"error_severity_name": cper.severity_name(s)},
    "flags": lambda f: {"flag_names": [b.name for b in PACKET_FLAGS if f >> b.bit & 1]},
}


def _header_json(layout: Layout, v: dict, version: int, order: tuple[str, ...],
                 computed: dict | None = None) -> dict:
    """A header's JSON: its fields, the packet version and any ``computed`` keys."""
    return layout_json(layout, v, plain=("flags",), omit=("reserved1", "reserved2"), after=_NAMES,
                       extra={"packet_version": version, **(computed or {})}, order=order)


def _decode_v2(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, V2, what="WHEA_ERROR_PACKET_V2 header")
    # the data format's name only when the whole header is present (as published)
    fields = _header_json(V2, v, 2, _V2_ORDER, {
        "data_format_name": DATA_FORMAT.get(v["data_format"], "Unknown")} if whole else None)
    if not whole:
        return fields
    if v["version"] != 3:
        ctx.finding(NOTE, f"Error packet V2 version is {v['version']} (3 expected)",
                    ctx.offset + 4, 4, "version")
    length = v["length"]
    if length > ctx.length:
        ctx.finding(ERROR, f"Packet Length {length} exceeds the {ctx.length}-byte section",
                    ctx.offset + 8, 4, "packet-length")
    bound = min(length, ctx.length)
    if v["data_offset"] != V2.size:
        ctx.finding(WARNING, f"DataOffset is {v['data_offset']} (Windows writes {V2.size})",
                    ctx.offset + 64, 4, "packet-data-offset")
    _part(ctx, "data", f"Data ({fields['data_format_name']}, layout undocumented)",
          v["data_offset"], v["data_length"], bound, ctx.offset + 64)
    if v["pshed_data_offset"] != v["data_offset"] + v["data_length"] and v["pshed_data_length"]:
        ctx.finding(NOTE, f"PshedDataOffset {v['pshed_data_offset']} does not follow Data "
                          f"({v['data_offset']} + {v['data_length']})", ctx.offset + 72, 4,
                    "packet-pshed-offset")
    _part(ctx, "pshed_data", "PSHED data", v["pshed_data_offset"], v["pshed_data_length"], bound,
          ctx.offset + 72)
    if length < ctx.length:
        note_extra(ctx, max(length, V2.size), "error packet")
    return fields


def _part(ctx, name, label, off, length, bound, field_at) -> None:
    if not length:
        return
    if off < V2.size or off + length > bound:
        ctx.finding(ERROR, f"{label.split(' (')[0]}: {length} bytes at packet offset {off} fall "
                           f"outside the packet (header {V2.size}, length {bound})", field_at, 8,
                    "packet-range")
    start = max(off, V2.size)
    present = min(off + length, bound) - start
    raw_node(ctx.node, ctx, name, label, ctx.offset + start, present)


def _decode_v1(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, V1, what="WHEA_ERROR_PACKET_V1 header")
    fields = _header_json(V1, v, 1, _V1_ORDER)
    if not whole:
        return fields
    if v["version"] != 2:
        ctx.finding(NOTE, f"Error packet V1 version is {v['version']} (2 expected)",
                    ctx.offset + 52, 4, "version")
    u_off = ctx.offset + V1_UNION_OFFSET
    u_len = max(0, min(V1_UNION_SIZE, ctx.end - u_off))
    union = struct_node(ctx.node, "u", "Error data (union by ErrorType)", u_off, u_len)
    member = V1_UNION.get(v["error_type"])
    if member and u_len:
        guid, size = member
        values = {"index": ctx.section.index, "type": guid,
                  "type_name": guids.name_of(guid, "section"),
                  "severity": v["error_severity"],
                  "severity_name": cper.severity_name(v["error_severity"])}
        inner = decode_nested(ctx.record, ctx.data, union, name="error", label=values["type_name"],
                              offset=u_off, length=min(size, u_len), declared_length=size,
                              values=values, tag=f"Section {ctx.section.index} (error packet V1)",
                              creator_id=ctx.creator_id)
        fields["error"] = {"type": guid, "type_name": values["type_name"], "fields": inner.fields,
                           "summary": inner.summary}
        ctx.section.component = inner.component
        ctx.section.location = dict(inner.location)
        fields["_inner_summary"] = inner.summary
    elif u_len:
        raw_node(union, ctx, "raw", "Union bytes", u_off, u_len)
    tail_off = u_off + V1_UNION_SIZE
    if tail_off >= ctx.end:
        ctx.finding(ERROR, f"WHEA_ERROR_PACKET_V1 header needs {V1_HEADER_SIZE} bytes but the body "
                           f"has {ctx.length}", ctx.offset, ctx.length, "body-truncated")
        return fields
    t, whole = decode_fixed(ctx, V1_TAIL, tail_off, what="WHEA_ERROR_PACKET_V1 header")
    fields.update(layout_json(V1_TAIL, t, extra={
        "raw_data_format_name": RAW_DATA_FORMAT.get(t["raw_data_format"], "Unknown")}
        if whole else None))
    if not whole:
        return fields
    raw_len = v["raw_data_length"]
    present = max(0, min(raw_len, ctx.end - (ctx.offset + V1_HEADER_SIZE)))
    if present < raw_len:
        ctx.finding(ERROR, f"RawDataLength is {raw_len} but only {present} bytes follow the header",
                    ctx.offset + 12, 4, "packet-range")
    raw_node(ctx.node, ctx, "raw_data", f"Raw data ({fields['raw_data_format_name']})",
             ctx.offset + V1_HEADER_SIZE, present)
    if t["raw_data_offset"] > raw_len:
        ctx.finding(WARNING, f"RawDataOffset {t['raw_data_offset']} is beyond RawDataLength {raw_len}",
                    tail_off + 4, 4, "packet-range")
    return fields


def _summarise(ctx: SectionContext, fields: dict) -> None:
    inner = fields.pop("_inner_summary", "")
    etype = fields.get("error_type")
    if not ctx.section.component and etype is not None:
        ctx.section.component = COMPONENT.get(etype, "")
    what = fields.get("error_type_name", "unknown")
    src = fields.get("error_source_type_name")
    sev = fields.get("error_severity_name", "")
    text = f"Windows error packet (V{fields['packet_version']}): {sev.lower()} {what} error"
    if src:
        sid = fields.get("error_source_id")
        text += f" from the {src} error source {'?' if sid is None else numbers.hex_id(sid)}"
    if "simulated" in fields.get("flag_names", ()):
        text += " (simulated)"
    ctx.section.summary = text + (f": {inner}" if inner else "")
