"""WHEA_PMEM_ERROR_SECTION (FORMAT.md §8.7): persistent-memory (NVDIMM) error with bad page
ranges, 88 bytes + 24 per range (at most 50)."""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import ERROR, WARNING
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import check_valid_bits, decode_fixed, note_extra, struct_node

PMEM_GUID = "81687003-dbfd-4728-9ffd-f0904f97597d"
MAX_PAGES = 50
ERROR_TYPES = {1: "internal", 16: "bus", 4: "memory", 5: "TLB", 6: "cache", 7: "function",
               8: "self-test", 9: "flow", 17: "map", 18: "improper access", 19: "unimplemented access",
               20: "loss of lockstep", 21: "response", 22: "parity", 23: "protocol", 24: "path",
               25: "timeout", 26: "poisoned data"}
ERROR_STATUS_BITS = (
    Bits(8, "error_type", "Error type", 8, values=ERROR_TYPES), Bits(16, "address", "Address signal"),
    Bits(17, "control", "Control signal"), Bits(18, "data", "Data signal"),
    Bits(19, "responder", "Detected by responder"), Bits(20, "requester", "Detected by requester"),
    Bits(21, "first_error", "First error"), Bits(22, "overflow", "Overflow"),
)
VALID = (Bits(0, "error_status", "ErrorStatus valid"), Bits(1, "nfit_handle", "NFITHandle valid"),
         Bits(2, "location_info", "LocationInfo valid"))
HEAD = Layout("WHEA_PMEM_ERROR_SECTION", [
    Field("valid_bits", "Validation bits", 8, "flags", bits=VALID, reserved_mask=(1 << 64) - 1 - 7),
    Field("location_info", "Location info", 64, "ascii"),
    Field("error_status", "Error status", 8, "hex", bits=ERROR_STATUS_BITS),
    Field("nfit_handle", "NFIT handle", 4, "hex"),
    Field("page_range_count", "Page range count", 4, "int"),
])
PAGE_RANGE = Layout("WHEA_PMEM_PAGE_RANGE", [
    Field("starting_pfn", "Starting PFN", 8, "hex"), Field("page_count", "Page count", 8, "int"),
    Field("marked_bad_bitmap", "Marked-bad bitmap", 8, "hex"),
])


@register(PMEM_GUID)
def decode_pmem(ctx: SectionContext) -> dict:
    ctx.section.component = "memory"
    v, whole = decode_fixed(ctx, HEAD, what="Persistent memory error section")
    # location_info is written last, where it has always been
    f = layout_json(HEAD, v, plain=("valid_bits", "error_status"),
                    order=[fl.name for fl in HEAD.fields if fl.name != "location_info"])
    if not whole:
        ctx.section.summary = "Persistent memory error (truncated)"
        return f
    vb = v["valid_bits"]
    check_valid_bits(ctx, vb, 7, ctx.offset, 8)
    count = v["page_range_count"]
    room = (ctx.length - HEAD.size) // PAGE_RANGE.size
    if count > MAX_PAGES:
        ctx.finding(WARNING, f"PageRangeCount {count} exceeds the defined maximum {MAX_PAGES}",
                    ctx.offset + 84, 4, "count")
    if count > room:
        ctx.finding(ERROR, f"PageRangeCount is {count} but the body holds only {room} range(s)",
                    ctx.offset + 84, 4, "count")
    ranges = []
    for i in range(min(count, room)):
        off = ctx.offset + HEAD.size + PAGE_RANGE.size * i
        node = struct_node(ctx.node, f"page_range_{i}", f"Page range {i}", off, PAGE_RANGE.size)
        rv, _ = PAGE_RANGE.decode(ctx.data, off, ctx.end, node)
        node.display = f"PFN 0x{rv['starting_pfn']:X} × {rv['page_count']}"
        ranges.append(layout_json(PAGE_RANGE, rv))
    f["page_ranges"] = ranges
    note_extra(ctx, HEAD.size + PAGE_RANGE.size * len(ranges), "PMEM section")
    loc: dict = {}
    if vb & 4 and f["location_info"]:
        loc["module"] = f["location_info"]
    if vb & 2:
        loc["nfit_handle"] = v["nfit_handle"]
    if ranges:
        loc["physical_address"] = ranges[0]["starting_pfn"] << 12
    ctx.section.location = loc
    etype = ERROR_TYPES.get(v["error_status"] >> 8 & 0xFF) if vb & 1 else None
    what = f"{etype} error" if etype else "error"
    where = f" on {loc['module']}" if "module" in loc else \
        f" on NFIT handle {numbers.hex_id(loc['nfit_handle'])}" if "nfit_handle" in loc else ""
    ctx.section.summary = f"Persistent memory {what}{where}: {len(ranges)} bad page range(s)"
    return f
