"""Memory error extension sections (FORMAT.md §8.14): Intel (166 bytes) and AMD (133 bytes)
companions to a UEFI memory section, carrying the DRAM address as the platform translated it."""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import ERROR
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import check_valid_bits, decode_fixed, note_extra, raw_node, struct_node

INTEL_GUID = "e16edb28-6113-4263-a41d-e53f8de78751"
AMD_GUID = "0d3a4a3b-774a-4c72-95e2-152d43180374"
RESERVED_SIZE = 40

EXT_FLAGS = tuple(Bits(i, n, t) for i, (n, t) in enumerate([
    ("translation_by_prm_success", "Address translation by PRM succeeded"),
    ("translation_by_prm_failed", "Address translation by PRM failed"),
    ("translation_by_prm_not_supported", "Address translation by PRM not supported"),
    ("translation_by_plugin_success", "Address translation by PSHED plug-in succeeded"),
    ("translation_by_plugin_failed", "Address translation by PSHED plug-in failed"),
    ("translation_by_plugin_not_supported", "Address translation by PSHED plug-in not supported")]))
MEM_DEF = {0: "Undefined", 1: "Far memory (FM)", 2: "Near memory (NM)", 3: "HBM"}

INTEL_FIELDS = [("mem_def", "Memory definition", 4), ("system_address", "System address", 8),
                ("spare_system_address", "Spare system address", 8),
                ("device_physical_address", "Device physical address", 8),
                ("channel_address", "Channel address", 8), ("rank_address", "Rank address", 8),
                ("processor_socket_id", "Processor socket", 1),
                ("memory_controller_id", "Memory controller", 1), ("target_id", "Target ID", 1),
                ("logical_channel_id", "Logical channel", 1), ("channel_id", "Channel", 1),
                ("sub_channel_id", "Subchannel", 1), ("physical_rank_id", "Physical rank", 1),
                ("dimm_slot_id", "DIMM slot", 1), ("dimm_rank_id", "DIMM rank", 1),
                ("bank", "Bank", 1), ("bank_group", "Bank group", 1), ("row", "Row", 4),
                ("column", "Column", 4), ("lock_step_rank", "Lockstep rank", 1),
                ("lock_step_physical_rank", "Lockstep physical rank", 1),
                ("lock_step_bank", "Lockstep bank", 1), ("lock_step_bank_group", "Lockstep bank group", 1),
                ("chip_select", "Chip select", 1), ("node", "Node", 1), ("chip_id", "Chip ID", 1)]
AMD_FIELDS = [("system_physical_address", "System physical address", 8),
              ("normalized_address", "Normalized address", 8),
              ("umc_bank_instance_id", "UMC bank instance ID", 8), ("socket_number", "Socket", 1),
              ("chip_select", "Chip select", 1), ("bank_group", "Bank group", 1),
              ("bank_address", "Bank", 1), ("row_address", "Row", 4), ("column_address", "Column", 2),
              ("rank_multiplier", "Rank multiplier", 1), ("sub_channel", "Subchannel", 1),
              ("channel_id", "Channel", 1)]
# Where-fields, in the order a person reads a DIMM location (key in location → field name).
LOCATION_KEYS = {
    "intel": [("physical_address", "system_address"), ("socket", "processor_socket_id"),
              ("memory_controller", "memory_controller_id"), ("channel", "channel_id"),
              ("subchannel", "sub_channel_id"), ("dimm_slot", "dimm_slot_id"),
              ("rank", "dimm_rank_id"), ("bank_group", "bank_group"), ("bank", "bank"),
              ("row", "row"), ("column", "column"), ("chip_id", "chip_id")],
    "amd": [("physical_address", "system_physical_address"), ("socket", "socket_number"),
            ("umc", "umc_bank_instance_id"), ("channel", "channel_id"),
            ("subchannel", "sub_channel"), ("chip_select", "chip_select"),
            ("bank_group", "bank_group"), ("bank", "bank_address"), ("row", "row_address"),
            ("column", "column_address")],
}


def _layout(name: str, spec) -> Layout:
    fields = []
    for i, (key, label, size) in enumerate(spec):
        kind = "hex" if size == 8 else "enum" if key == "mem_def" else "int"
        fields.append(Field(key, label, size, kind, enum=MEM_DEF if key == "mem_def" else None,
                            description=f"Valid when ValidBits bit {i} is set"))
    return Layout(name, fields)


HEAD = Layout("memory_error_ext_header", [
    Field("flags", "Flags", 8, "flags", bits=EXT_FLAGS, reserved_mask=(1 << 64) - 1 - 0x3F),
    Field("valid_bits", "Validation bits", 8, "hex", description="Bit i: hardware-address field i valid"),
])
INTEL_ADDR = _layout("WHEA_MEMORY_HARDWARE_ADDRESS_INTEL", INTEL_FIELDS)
AMD_ADDR = _layout("WHEA_MEMORY_HARDWARE_ADDRESS_AMD", AMD_FIELDS)


def _decode(ctx: SectionContext, vendor: str, addr: Layout) -> dict:
    size = HEAD.size + addr.size + 2 * RESERVED_SIZE  # Reserved[40] inside the address and after it
    hv, whole = decode_fixed(ctx, HEAD, what=f"{vendor} memory error extension")
    f = layout_json(HEAD, hv, plain=("flags",), after={"flags": lambda flags: {
        "flag_names": [b.name for b in EXT_FLAGS if flags >> b.bit & 1]}},
        extra={"vendor": vendor}, order=("vendor",))
    ctx.section.component = "memory"
    if not whole:
        ctx.section.summary = f"{vendor} memory error extension (truncated)"
        return f
    vb = hv["valid_bits"]
    check_valid_bits(ctx, vb, (1 << len(addr.fields)) - 1, ctx.offset + 8, 8)
    a_off = ctx.offset + HEAD.size
    node = struct_node(ctx.node, "hardware_address", "Hardware address", a_off,
                       min(addr.size + RESERVED_SIZE, ctx.end - a_off))
    av, awhole = decode_fixed(ctx, addr, a_off, node, what=f"{vendor} hardware address")
    for i, fl in enumerate(addr.fields):
        valid = bool(vb >> i & 1)
        if fl.name in av:
            n = node.children[i]
            n.valid = valid
            if not valid:
                n.display += " (not valid)"
    hw = layout_json(addr, av, valid={fl.name: bool(vb >> i & 1) for i, fl in enumerate(addr.fields)})
    f["hardware_address"] = hw
    if awhole:
        r_off = a_off + addr.size
        raw_node(node, ctx, "reserved", "Reserved[40]", r_off, min(RESERVED_SIZE, ctx.end - r_off))
        r_off += RESERVED_SIZE
        raw_node(ctx.node, ctx, "reserved", "Reserved[40]", r_off, min(RESERVED_SIZE, ctx.end - r_off))
        if ctx.length >= size:
            note_extra(ctx, size, "memory error extension")
        else:
            ctx.finding(ERROR, f"{vendor} memory error extension needs {size} bytes but the body has "
                               f"{ctx.length}", ctx.offset, ctx.length, "body-truncated")
    loc = {key: hw[name] for key, name in LOCATION_KEYS[vendor.lower()] if hw.get(name) is not None}
    ctx.section.location = loc
    how = [b.label.lower() for b in EXT_FLAGS if hv["flags"] >> b.bit & 1]
    parts = ", ".join(f"{k.replace('_', ' ')} "
                      f"{numbers.address(v) if k == 'physical_address' else numbers.decimal(v)}"
                      for k, v in loc.items())
    ctx.section.summary = (f"{vendor} DRAM address of the memory error: "
                           f"{parts or 'no location fields valid'}"
                           + (f" ({'; '.join(how)})" if how else ""))
    return f


@register(INTEL_GUID)
def decode_intel(ctx: SectionContext) -> dict:
    return _decode(ctx, "Intel", INTEL_ADDR)


@register(AMD_GUID)
def decode_amd(ctx: SectionContext) -> dict:
    return _decode(ctx, "AMD", AMD_ADDR)
