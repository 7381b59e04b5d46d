"""NVIDIA event section (GUID 9068e568-6ca0-11f0-aeaf-159343591eac; libcper "NvidiaEvent").

Layout (facts from libcper's ``cper-section-nvidia-events.h`` and its reader; all little-endian,
packed):

  +0   event header (32): EventVersion u8, EventContextCount u8, SourceDeviceType u8, Reserved u8,
       EventType u16, EventSubtype u16, EventLinkId u64, Signature char[16]
  +32  info header (3): InfoVersion u16 (high byte major, low byte minor), InfoSize u8 (the info
       header and the device info together)
  +35  device info: CPU (type 0, info version 0.x, 29 bytes) or GPU (type 1, version 1.x, 13 bytes)
  +32+InfoSize  EventContextCount contexts, each a 16-byte header (CtxSize u32 = whole context incl.
       padding, CtxVersion u16, Reserved u16, DataFormatType u16, DataFormatVersion u16, DataSize u32)
       then DataSize bytes of data and padding up to CtxSize (writers align to 16 bytes).

Data formats: 0 opaque, 1 key/value u64 pairs, 2 key/value u32 pairs, 3 u64 values, 4 u32 values;
GPU only: 0x8000 init metadata (192 bytes), 0x8001 legacy Xid (u32 code + message of up to 236
chars), 0x8002 recommended actions (16 bytes).

Every count is checked against the bytes: the context count (u8) is bounded by the contexts that
fit, a context smaller than its header stops the walk, and data runs are clipped to their context.
"""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits, Field, Layout, ascii_text, layout_json, make_node
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import (
    decode_fields,
    fixed_size_check,
    raw_node,
    register_node,
    struct_node,
)

NVIDIA_EVENT_GUID = "9068e568-6ca0-11f0-aeaf-159343591eac"
HEADER_VERSION = 1  # the only EventVersion libcper decodes
SOURCE_DEVICE = {0: "CPU", 1: "GPU", 2: "DPU", 3: "NIC", 4: "SWX", 5: "BMC"}
SOURCE_COMPONENT = {0: "cpu", 1: "gpu"}
EVENT_ORIGINATOR = {0: "Invalid", 1: "Reserved1", 2: "PF_GSP_FW", 3: "VF_GSP_FW", 4: "PF_DRIVER",
                    5: "VF_DRIVER"}
DATA_FORMAT = {0: "Opaque", 1: "Key/value pairs (64-bit)", 2: "Key/value pairs (32-bit)",
               3: "Values (64-bit)", 4: "Values (32-bit)"}
GPU_DATA_FORMAT = {0x8000: "GPU initialization metadata", 0x8001: "GPU legacy Xid",
                   0x8002: "GPU recommended actions"}
GPU_ARCHITECTURE = {0x16: "Turing", 0x17: "Ampere", 0x18: "Hopper", 0x19: "Ada", 0x1A: "Blackwell",
                    0x1B: "Blackwell2", 0x1C: "Rubin"}
# expected info major version per source device type (libcper skips the device info otherwise)
INFO_MAJOR = {0: 0, 1: 1}
MAX_ENTRY_NODES = 4096  # per section; further entries stay raw nodes (bounded tree for hostile sizes)

HEADER = Layout("nvidia_event_header", [
    Field("event_version", "Event version", 1, "int"),
    Field("context_count", "Event context count", 1, "int"),
    Field("source_device_type", "Source device type", 1, "enum", enum=SOURCE_DEVICE),
    Field("reserved", "Reserved", 1, "hex"),
    Field("event_type", "Event type", 2, "hex"),
    Field("event_subtype", "Event subtype", 2, "hex"),
    Field("link_id", "Event link ID", 8, "hex", description="Links events that belong together"),
    Field("signature", "Signature", 16, "ascii", description="Event source name"),
])
INFO_HEADER = Layout("nvidia_event_info_header", [
    Field("info_version", "Info version", 2, "hex", bits=(
        Bits(0, "minor", "Minor version", 8), Bits(8, "major", "Major version", 8))),
    Field("info_size", "Info size", 1, "int", description="Info header and device info, in bytes"),
])
CPU_ARCH_BITS = (
    Bits(0, "hid_family", "HID family", 4), Bits(4, "major_revision", "Major revision", 4),
    Bits(8, "chip_id", "Chip ID", 8), Bits(16, "minor_revision", "Minor revision", 4),
    Bits(20, "pre_silicon_platform", "Pre-silicon platform (0: silicon)", 5),
    Bits(31, "error_injection", "Error injection"),
)
CPU_INFO = Layout("nvidia_event_cpu_info", [
    Field("socket", "Socket", 1, "int"),
    Field("architecture", "Architecture", 4, "hex", bits=CPU_ARCH_BITS, reserved_mask=0x7E000000),
    Field("ecid_1", "ECID 1", 4, "hex"), Field("ecid_2", "ECID 2", 4, "hex"),
    Field("ecid_3", "ECID 3", 4, "hex"), Field("ecid_4", "ECID 4", 4, "hex"),
    Field("instance_base", "Instance base", 8, "hex"),
])
GPU_INFO = Layout("nvidia_event_gpu_info", [
    Field("event_originator", "Event originator", 1, "enum", enum=EVENT_ORIGINATOR),
    Field("source_partition", "Source partition", 2, "int"),
    Field("source_sub_partition", "Source sub-partition", 2, "int"),
    Field("pdi", "PDI", 8, "hex", description="Per-device identifier"),
])
CONTEXT_HEADER = Layout("nvidia_event_context_header", [
    Field("context_size", "Context size", 4, "int", description="Whole context incl. padding"),
    Field("context_version", "Context version", 2, "int"),
    Field("reserved", "Reserved", 2, "hex"),
    Field("data_format_type", "Data format type", 2, "hex"),
    Field("data_format_version", "Data format version", 2, "int"),
    Field("data_size", "Data size", 4, "int"),
])
# entry layouts of the array data formats: (layout, JSON list key)
ARRAY_FORMATS: dict[int, tuple[Layout, str]] = {
    1: (Layout("type1", [Field("key", "Key", 8, "hex"), Field("value", "Value", 8, "hex")]), "key_values"),
    2: (Layout("type2", [Field("key", "Key", 4, "hex"), Field("value", "Value", 4, "hex")]), "key_values"),
    3: (Layout("type3", [Field("value", "Value", 8, "hex")]), "values"),
    4: (Layout("type4", [Field("value", "Value", 4, "hex")]), "values"),
}
PCI_INFO = Layout("nvidia_gpu_pci_info", [
    Field("class_code", "Class", 1, "hex"), Field("subclass", "Subclass", 1, "hex"),
    Field("revision", "Revision", 1, "hex"),
    Field("vendor_id", "Vendor ID", 2, "hex"), Field("device_id", "Device ID", 2, "hex"),
    Field("subsystem_vendor_id", "Subsystem vendor ID", 2, "hex"),
    Field("subsystem_id", "Subsystem ID", 2, "hex"),
    Field("bar0_start", "BAR0 start", 8, "hex"), Field("bar0_size", "BAR0 size", 8, "hex"),
    Field("bar1_start", "BAR1 start", 8, "hex"), Field("bar1_size", "BAR1 size", 8, "hex"),
    Field("bar2_start", "BAR2 start", 8, "hex"), Field("bar2_size", "BAR2 size", 8, "hex"),
])
INIT_METADATA = Layout("nvidia_gpu_init_metadata", [
    Field("device_name", "Device name", 48, "ascii"),
    Field("firmware_version", "Firmware version", 16, "ascii"),
    Field("pf_driver_microcode_version", "PF driver microcode version", 16, "ascii"),
    Field("pf_driver_version", "PF driver version", 16, "ascii"),
    Field("vf_driver_version", "VF driver version", 16, "ascii"),
    Field("configuration", "Configuration", 8, "hex"),
    Field("pdi", "PDI", 8, "hex"),
    Field("architecture_id", "Architecture ID", 4, "hex",
          bits=(Bits(24, "architecture", "Architecture", 6, values=GPU_ARCHITECTURE),)),
    Field("hardware_info_type", "Hardware info type", 1, "int", description="0: PCI information"),
    Field("hardware_info", "Hardware info", 59, "bytes"),
])
assert INIT_METADATA.size == 192 and PCI_INFO.size <= 59
RECOMMENDED_ACTIONS = Layout("nvidia_gpu_recommended_actions", [
    Field("flags", "Flags", 1, "hex"), Field("reserved_1", "Reserved", 3, "bytes"),
    Field("recovery_action", "Recovery action", 2, "int"),
    Field("diagnostic_flow", "Diagnostic flow", 2, "int", description="0: unspecified"),
    Field("reserved_2", "Reserved", 8, "hex"),
])
XID_MESSAGE_MAX = 236


def pdi_text(value: int) -> str:
    """The PDI as libcper and NVIDIA tools print it: bytes most significant first, colon-separated."""
    return ":".join(f"{b:02X}" for b in value.to_bytes(8, "big"))


@register(NVIDIA_EVENT_GUID)
def decode_nvidia_event(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, HEADER.size + INFO_HEADER.size, "NVIDIA event")
    hnode = struct_node(ctx.node, "event_header", "Event header", body, min(HEADER.size, ctx.length))
    h = decode_fields(ctx, HEADER, body, hnode)
    if "event_version" in h and h["event_version"] != HEADER_VERSION:
        ctx.finding(WARNING, f"event version {h['event_version']} is not the known version "
                             f"{HEADER_VERSION}; the layout may differ", body, 1, code="nvidia-event-version")
    if h.get("reserved"):
        ctx.finding(WARNING, f"reserved header byte is 0x{h['reserved']:02X}, should be 0", body + 3, 1,
                    code="reserved")
    parts: dict[str, Any] = {}  # the event info and the contexts, after the header's fields
    info, contexts_at = _decode_info(ctx, h)
    if info is not None:
        parts["info"] = info
    if contexts_at is not None and "context_count" in h:
        parts["contexts"] = _decode_contexts(ctx, h, contexts_at)
    fields = layout_json(HEADER, h, after={"source_device_type": lambda t: {
        "source_device_type_name": SOURCE_DEVICE.get(t, "Unknown")}}, extra=parts,
        order=[f.name for f in HEADER.fields])
    _describe(ctx, fields)
    return fields


# -- event info ----------------------------------------------------------------------------------------
def _decode_info(ctx: SectionContext, h: dict) -> tuple[dict | None, int | None]:
    """Decode the info header and device info; return (its JSON, where the contexts start as a
    record offset)."""
    at = ctx.offset + HEADER.size
    if at >= ctx.end:
        return None, None
    inode = struct_node(ctx.node, "event_info", "Event info", at, 0)
    ih = decode_fields(ctx, INFO_HEADER, at, inode)
    if "info_size" not in ih:
        inode.length = ctx.end - at
        return None, None
    size, version = ih["info_size"], ih["info_version"]

    def info(device: dict[str, Any] | None = None) -> dict[str, Any]:
        return layout_json(INFO_HEADER, ih, keys={"info_version": "version", "info_size": "size"},
                           plain=("info_version",), after={"info_version": lambda v: {
                               "version_major": v >> 8, "version_minor": v & 0xFF}}, extra=device)
    inode.display = f"version {version >> 8}.{version & 0xFF}, {size} bytes"
    if size < INFO_HEADER.size:
        ctx.finding(ERROR, f"InfoSize {size} is smaller than the 3-byte info header; contexts are "
                           "read after the header", at + 2, 1, code="nvidia-event-info-size")
        size = INFO_HEADER.size
    info_end = at + size
    inode.length = min(info_end, ctx.end) - at
    if info_end > ctx.end:
        level = ERROR if info_end > ctx.offset + ctx.declared_length else NOTE
        ctx.finding(level, f"the event info ({size} bytes) runs past the end of the section", at + 2, 1,
                    code="nvidia-event-info-size")
    dev = h.get("source_device_type")
    layout = {0: CPU_INFO, 1: GPU_INFO}.get(dev)
    start, stop = at + INFO_HEADER.size, min(info_end, ctx.end)
    if layout is None or stop <= start:
        raw_node(inode, ctx, "device_info", "Device info (no known layout for this device type)",
                 start, stop - start)
        return info(), info_end
    if version >> 8 != INFO_MAJOR[dev]:
        ctx.finding(WARNING, f"{SOURCE_DEVICE[dev]} event info version {version >> 8}.{version & 0xFF} "
                             f"is not the known {INFO_MAJOR[dev]}.x; device info shown as raw bytes",
                    at, 2, code="nvidia-event-version")
        raw_node(inode, ctx, "device_info", "Device info (unknown version)", start, stop - start)
        return info(), info_end
    name = SOURCE_DEVICE[dev].lower()
    dnode = struct_node(inode, name, f"{SOURCE_DEVICE[dev]} info", start, min(layout.size, stop - start))
    v = decode_fields(ctx, layout, start, dnode, end=stop,
                      hooks={"architecture": register_node} if layout is CPU_INFO else None)
    if size - INFO_HEADER.size < layout.size:
        ctx.finding(WARNING, f"InfoSize {size} leaves {size - INFO_HEADER.size} bytes for the "
                             f"{layout.size}-byte {SOURCE_DEVICE[dev]} info; later fields are missing",
                    at + 2, 1, code="nvidia-event-info-size")
    elif stop > start + layout.size:
        raw_node(inode, ctx, "info_padding", "Padding", start + layout.size, stop - start - layout.size)
    return info({name: _info_json(layout, v)}), info_end


_ECIDS = ("ecid_1", "ecid_2", "ecid_3", "ecid_4")


def _info_json(layout: Layout, v: dict) -> dict[str, Any]:
    """The CPU info (its ECID words as one list, last) or the GPU info (names last)."""
    if layout is CPU_INFO:
        return layout_json(layout, v, omit=_ECIDS, extra={"ecid": [v[k] for k in _ECIDS if k in v]})
    return layout_json(layout, v, after={
        "event_originator": lambda o: {"event_originator_name": EVENT_ORIGINATOR.get(o, "Unknown")},
        "pdi": lambda pdi: {"pdi_text": pdi_text(pdi)}}, order=[f.name for f in layout.fields])


# -- contexts ------------------------------------------------------------------------------------------
def _decode_contexts(ctx: SectionContext, h: dict, at: int) -> list[dict]:
    count = h["context_count"]
    declared_end = ctx.offset + ctx.declared_length
    out: list[dict] = []
    if at >= ctx.end:  # the event info took every byte
        if count:
            _missing_contexts(ctx, count, 0, at, declared_end)
        return out
    cnode = struct_node(ctx.node, "contexts", "Event contexts", at, ctx.end - at, f"{count} declared")
    off = at
    budget = [MAX_ENTRY_NODES]
    for i in range(count):  # count is one byte: at most 255 iterations, each ≥16 bytes or a stop
        if off + CONTEXT_HEADER.size > ctx.end:
            _missing_contexts(ctx, count, i, off, declared_end)
            break
        node = struct_node(cnode, f"context_{i}", f"Context {i}", off, CONTEXT_HEADER.size)
        ch = decode_fields(ctx, CONTEXT_HEADER, off, node)
        size, data_size = ch["context_size"], ch["data_size"]
        ftype = ch["data_format_type"]
        name = _format_name(h, ftype)

        def entry(data: dict | None = None, ch=ch, name=name, rel=off - ctx.offset) -> dict:
            """The context: its offset in the section, its header, the format's name, its data."""
            return layout_json(CONTEXT_HEADER, ch, extra={
                "offset": rel, "data_format_type_name": name, **({} if data is None else {"data": data})},
                order=("offset", *(f.name for f in CONTEXT_HEADER.fields)))
        if ch["reserved"]:
            ctx.finding(WARNING, f"context {i}: reserved field is 0x{ch['reserved']:04X}, should be 0",
                        off + 6, 2, code="reserved")
        if size < CONTEXT_HEADER.size:
            ctx.finding(ERROR, f"context {i}: CtxSize {size} is smaller than its 16-byte header; the "
                               f"remaining {count - i - 1} context(s) cannot be located", off, 4,
                        code="nvidia-event-context-size")
            out.append(entry())
            node.display = f"{name}, size {size} (invalid)"
            break
        ctx_end = off + size
        if ctx_end > ctx.end:
            level = ERROR if ctx_end > declared_end else NOTE
            ctx.finding(level, f"context {i}: CtxSize {size} runs past the end of the section",
                        off, 4, code="nvidia-event-context-size")
        ctx_end = min(ctx_end, ctx.end)
        node.length = ctx_end - off
        data_at = off + CONTEXT_HEADER.size
        data_end = data_at + data_size
        if data_end > off + size:
            ctx.finding(ERROR, f"context {i}: DataSize {data_size} does not fit in its CtxSize {size} "
                               f"(room for {size - CONTEXT_HEADER.size}); data clipped to the context",
                        off + 12, 4, code="nvidia-event-data-size")
        data_end = min(data_end, ctx_end)
        data = _decode_data(ctx, h, ftype, node, data_at, data_end, i, budget)
        if data_end < ctx_end:
            pad = raw_node(node, ctx, "padding", "Padding", data_end, ctx_end - data_end)
            if pad is not None and any(pad.value):
                ctx.finding(NOTE, f"context {i}: padding after the data is not zero", data_end,
                            ctx_end - data_end, code="nvidia-event-padding")
        node.display = f"{name}, {data_size} data bytes"
        out.append(entry(data))
        off += size
    else:
        if off < ctx.end:
            extra = ctx.end - off
            raw_node(ctx.node, ctx, "extra_bytes", "Bytes after the last context", off, extra)
            ctx.finding(NOTE if not any(ctx.data[off:ctx.end]) else WARNING,
                        f"{extra} bytes follow the {count} declared context(s)", off, extra,
                        code="section-slack")
    cnode.length = max(0, min(off, ctx.end) - at)
    cnode.display = f"{len(out)} of {count} declared"
    return out


def _missing_contexts(ctx: SectionContext, count: int, found: int, off: int, declared_end: int) -> None:
    count_at = ctx.offset + 1
    if off + CONTEXT_HEADER.size > declared_end:
        ctx.finding(ERROR, f"EventContextCount is {count} but the section holds only {found} "
                           f"context(s); the other {count - found} are not there", count_at, 1,
                    code="count-exceeds-section")
    else:
        ctx.finding(NOTE, f"only {found} of {count} contexts are present (the record is truncated)",
                    count_at, 1, code="section-partial")
    if off < ctx.end:
        raw_node(ctx.node, ctx, "undecoded", "Bytes too short for a context header", off, ctx.end - off)


def _format_name(h: dict, ftype: int) -> str:
    if h.get("source_device_type") == 1 and ftype in GPU_DATA_FORMAT:
        return GPU_DATA_FORMAT[ftype]
    return DATA_FORMAT.get(ftype, f"Opaque (format 0x{ftype:04X})")


def _decode_data(ctx: SectionContext, h: dict, ftype: int, node: FieldNode, at: int, end: int,
                 index: int, budget: list[int]) -> dict[str, Any]:
    n = max(0, end - at)
    gpu = h.get("source_device_type") == 1
    if gpu and ftype == 0x8000:
        return _init_metadata(ctx, node, at, end, index)
    if gpu and ftype == 0x8001:
        return _legacy_xid(ctx, node, at, end, index)
    if gpu and ftype == 0x8002:
        dnode = struct_node(node, "data", "Recommended actions", at, n)
        v = decode_fields(ctx, RECOMMENDED_ACTIONS, at, dnode, end=end)
        _short(ctx, index, n, RECOMMENDED_ACTIONS.size, at)
        return {"recommended_actions": layout_json(RECOMMENDED_ACTIONS, v)}
    if ftype in ARRAY_FORMATS:
        return _array(ctx, ftype, node, at, end, index, budget)
    opaque = Layout("nvidia_event_opaque", [Field("opaque", "Data (opaque)", n, "bytes")])
    raw_node(node, ctx, "data", opaque.fields[0].label, at, n)
    return layout_json(opaque, {"opaque": bytes(ctx.data[at:end])})


def _short(ctx: SectionContext, index: int, have: int, need: int, at: int) -> None:
    if have < need:
        ctx.finding(WARNING, f"context {index}: {have} data bytes, the structure needs {need}; later "
                             "fields are missing", at, have, code="nvidia-event-data-size")


def _array(ctx: SectionContext, ftype: int, node: FieldNode, at: int, end: int, index: int,
           budget: list[int]) -> dict:
    """An array data format: every entry in the JSON; entry nodes (made when first shown) up to the
    section's budget, the rest as one raw node."""
    layout, key = ARRAY_FORMATS[ftype]
    n = max(0, end - at)
    count = n // layout.size
    shown = min(count, budget[0])
    budget[0] -= shown
    names = [f.name for f in layout.fields]
    raw = ctx.data[at:at + count * layout.size]
    entries = [dict(zip(names, t)) for t in layout.struct.iter_unpack(raw)]

    def make(_parent: FieldNode) -> list[FieldNode]:
        out = []
        for j in range(shown):
            off = at + j * layout.size
            enode = FieldNode(f"entry_{j}", f"Entry {j}", None,
                              " = ".join(f"0x{entries[j][k]:X}" for k in names), off, layout.size,
                              kind="struct")
            layout.decode(ctx.data, off, off + layout.size, enode)
            out.append(enode)
        return out
    dnode = node.add(FieldNode("data", DATA_FORMAT[ftype], None, f"{count} entries", at, n,
                               kind="struct", make_children=make if shown else None))
    if count > shown:
        raw_node(dnode, ctx, "more_entries", f"Entries {shown}-{count - 1}", at + shown * layout.size,
                 (count - shown) * layout.size)
        ctx.finding(NOTE, f"context {index}: {count} entries; {shown} are shown as fields (at most "
                          f"{MAX_ENTRY_NODES} per section), all are in the JSON", at, n,
                    code="nvidia-event-many-entries")
    rest = n - count * layout.size
    if rest:
        raw_node(dnode, ctx, "partial_entry", "Bytes short of a whole entry", end - rest, rest)
        ctx.finding(WARNING, f"context {index}: DataSize leaves {rest} byte(s) that do not make a whole "
                             f"{layout.size}-byte entry", end - rest, rest, code="nvidia-event-data-size")
    return {key: [layout_json(layout, e) for e in entries]}


def _init_metadata(ctx: SectionContext, node: FieldNode, at: int, end: int, index: int) -> dict:
    n = max(0, end - at)
    dnode = struct_node(node, "data", "GPU initialization metadata", at, n)
    v = decode_fields(ctx, INIT_METADATA, at, dnode, end=end,
                      hooks={"hardware_info": lambda f, val, off: _hw_info_node(ctx, f, val, off)})
    _short(ctx, index, n, INIT_METADATA.size, at)
    pci = v.get("hardware_info_type") == 0  # the hardware-info union holds PCI information
    computed: dict[str, Any] = {}
    if "pdi" in v:
        computed["pdi_text"] = pdi_text(v["pdi"])
    if "architecture_id" in v:
        arch = v["architecture_id"] >> 24 & 0x3F
        computed.update(architecture=arch, architecture_name=GPU_ARCHITECTURE.get(arch, "Unknown"))
    return {"init_metadata": layout_json(
        INIT_METADATA, v, plain=("architecture_id",), extra=computed,
        keys={"hardware_info": "pci_info"} if pci else None,
        convert={"hardware_info": lambda raw: layout_json(PCI_INFO, PCI_INFO.unpack(raw))} if pci
        else None)}


def _hw_info_node(ctx: SectionContext, f: Field, value: bytes, off: int) -> FieldNode:
    """The 59-byte hardware-info union: PCI information when HardwareInfoType (the byte before) is 0."""
    node = make_node(f, value, off)
    if ctx.data[off - 1] == 0:
        node.label, node.kind, node.value, node.display = "PCI information", "struct", None, ""
        PCI_INFO.decode(ctx.data, off, off + PCI_INFO.size, node)
        raw_node(node, ctx, "reserved", "Reserved", off + PCI_INFO.size, f.size - PCI_INFO.size)
    return node


def _legacy_xid(ctx: SectionContext, node: FieldNode, at: int, end: int, index: int) -> dict:
    n = max(0, end - at)
    dnode = struct_node(node, "data", "GPU legacy Xid", at, n)
    out: dict[str, Any] = {}
    if n < 4:
        _short(ctx, index, n, 4, at)
        raw_node(dnode, ctx, "xid_code_truncated", "Xid code (truncated)", at, n)
        return {"legacy_xid": out}
    msg_len = min(n - 4, XID_MESSAGE_MAX)
    layout = xid_layout(msg_len)
    v, _count = layout.decode(ctx.data, at, at + layout.size, dnode)
    if n - 4 > XID_MESSAGE_MAX:
        raw_node(dnode, ctx, "extra", "Bytes after the 236-byte message", at + 4 + XID_MESSAGE_MAX,
                 n - 4 - XID_MESSAGE_MAX)
    dnode.display = f"Xid {v['xid_code']}: {ascii_text(v['message'])}"
    return {"legacy_xid": layout_json(layout, v)}


def xid_layout(message_size: int) -> Layout:
    """A legacy Xid: the code, then the driver's message (up to 236 bytes, what the data holds)."""
    return Layout("nvidia_gpu_legacy_xid", [Field("xid_code", "Xid code", 4, "int"),
                                            Field("message", "Message", message_size, "ascii")])


# -- summary and location ------------------------------------------------------------------------------
def _describe(ctx: SectionContext, f: dict) -> None:
    sec = ctx.section
    dev = f.get("source_device_type")
    dev_name = f.get("source_device_type_name", "")
    sec.component = SOURCE_COMPONENT.get(dev, "platform")
    loc: dict[str, Any] = {}
    if dev_name and dev not in SOURCE_COMPONENT:  # a CPU or GPU is already named by the component
        loc["source_device"] = dev_name
    info = f.get("info", {})
    if "cpu" in info and "socket" in info["cpu"]:
        loc["socket"] = info["cpu"]["socket"]
    gpu = info.get("gpu", {})
    for key in ("source_partition", "source_sub_partition"):
        if key in gpu:
            loc[key] = gpu[key]
    if "pdi_text" in gpu:
        loc["pdi"] = gpu["pdi_text"]
    xids, name = [], ""
    for c in f.get("contexts", []):
        data = c.get("data", {})
        if data.get("init_metadata", {}).get("device_name"):
            name = data["init_metadata"]["device_name"]
        if "xid_code" in data.get("legacy_xid", {}):
            xids.append(data["legacy_xid"])
    if name:
        loc["gpu_model"] = name
    # The Xid says what happened, not where: it goes in the summary, never in the location.
    sec.location = loc
    text = f"NVIDIA {dev_name or 'device'} event"
    if f.get("signature"):
        text += f" {f['signature']}"
    if "event_type" in f:
        text += (f" (type {numbers.hex_id(f['event_type'], 4)}, "
                 f"subtype {numbers.hex_id(f.get('event_subtype', 0), 4)})")
    if "socket" in loc:
        text += f" on socket {loc['socket']}"
    if name:
        text += f" on {name}"
    if xids:
        x = xids[0]
        # the message is the driver's own text, quoted so its numbers are not read as ours
        text += f": Xid {x['xid_code']}" + (f' "{x["message"]}"' if x.get("message") else "")
    if "event_type" not in f:
        text += " (truncated)"
    sec.summary = text
