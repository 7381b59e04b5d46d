"""CCIX PER Log Error Section (FORMAT.md §6.14): 16-byte header + the CCIX protocol error report log."""

from __future__ import annotations

import struct
from typing import Any

from ...core.fields import Field, Layout, layout_json
from ...core.model import ERROR, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import (
    decode_fields,
    fixed_size_check,
    reserved_valid_bits,
    reserved_zero,
    struct_node,
    trailing_bytes,
    valid_bits_field,
    valid_map,
)

CCIX_PER_GUID = "91335ef6-ebfb-4478-a6a6-88b728cf75d7"

VALID = ((0, "source_id", "CCIX source ID valid"), (1, "port_id", "CCIX port ID valid"),
         (2, "per_log", "PER log valid"))
HEAD = Layout("ccix_per", [
    Field("length", "Length", 4, "int", description="Bytes of the whole structure (header and log)"),
    valid_bits_field(8, VALID),
    Field("source_id", "CCIX source ID", 1, "hex",
          description="Agent ID for a home/slave/request agent, else the CCIX device ID"),
    Field("port_id", "CCIX port ID", 1, "hex"),
    Field("reserved", "Reserved", 2, "hex"),
])
HEAD_SIZE = 16


@register(CCIX_PER_GUID)
def decode_ccix_per(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, HEAD_SIZE, "CCIX PER log error")
    h = decode_fields(ctx, HEAD, body, ctx.node)
    vb = h.get("validation_bits", 0)
    valid = valid_map(vb, {name: bit for bit, name, _l in VALID})
    for node in ctx.node.children:
        if node.name in ("source_id", "port_id") and not valid[node.name]:
            node.valid, node.display = False, node.display + " (not valid)"
    if "validation_bits" in h:
        reserved_valid_bits(ctx, HEAD["validation_bits"], vb, body + 4)
    if "reserved" in h:
        reserved_zero(ctx, h["reserved"], body + 14, 2, "reserved bytes 14-15")

    log_end = _log_extent(ctx, h.get("length"))
    dwords, tail = _decode_log(ctx, body + HEAD_SIZE, log_end, valid["per_log"])
    # the log (DWORDs, then any partial DWORD as hex) when present; null when not valid
    log: dict = {}
    if dwords is not None:
        log["per_log"] = dwords if valid["per_log"] else None
        if tail:
            log["per_log_remainder"] = tail.hex() if valid["per_log"] else None
    # a validation word the body does not reach is written as 0 (no field valid)
    fields = layout_json(HEAD, {**h, "validation_bits": vb}, valid=valid, plain=("validation_bits",),
                         omit=("reserved",), extra=log)

    sec = ctx.section
    sec.component = "ccix"
    sec.location = {k: fields[k] for k in ("source_id", "port_id") if fields.get(k) is not None}
    text = "CCIX protocol error"
    if fields.get("source_id") is not None:
        text += f" from source {numbers.hex_id(fields['source_id'], 2)}"
    if fields.get("port_id") is not None:
        text += f" port {numbers.hex_id(fields['port_id'], 2)}"
    if fields.get("per_log") is not None:
        text += f" ({len(fields['per_log'])} log DWORDs)"
    sec.summary = text
    return fields


def _log_extent(ctx: SectionContext, length: int | None) -> int:
    """Record offset where the PER log ends: by the structure's Length, bounded by the body."""
    body = ctx.offset
    if length is None:
        return ctx.end
    if length < HEAD_SIZE:
        ctx.finding(ERROR, f"Length field is {length}, less than the {HEAD_SIZE}-byte header; "
                           "the rest of the section is shown as the log", body, 4, code="length-too-small")
        return ctx.end
    if length > ctx.declared_length:
        ctx.finding(ERROR, f"Length field is {length} but the section is {ctx.declared_length} bytes; "
                           "only the log bytes inside the section are decoded", body, 4,
                    code="length-exceeds-section")
        return ctx.end
    if (length - HEAD_SIZE) % 4:
        ctx.finding(WARNING, f"log length {length - HEAD_SIZE} is not a whole number of DWORDs",
                    body, 4, code="ccix-log-length")
    end = body + length
    if end <= ctx.end:
        trailing_bytes(ctx, length, "CCIX PER log")
    return min(end, ctx.end)


def _decode_log(ctx: SectionContext, start: int, end: int, valid: bool
                ) -> tuple[list[int] | None, bytes]:
    if end <= start:
        return ([] if end == start else None), b""
    n = end - start
    node = struct_node(ctx.node, "per_log", "CCIX PER log", start, n,
                       f"{n // 4} DWORDs" + ("" if valid else " (not valid)"),
                       "CCIX protocol error report log (CCIX Base Specification, PER log structure)")
    node.valid = valid
    count = n // 4
    dwords = list(struct.unpack_from(f"<{count}I", ctx.data, start)) if count else []
    for i, value in enumerate(dwords):
        node.add(FieldNode(f"dword_{i}", f"DWORD {i}", value, f"0x{value:08X}", start + 4 * i, 4,
                           kind="hex"))
    tail = ctx.data[start + 4 * count:end]
    if tail:
        node.add(FieldNode("remainder", "Partial DWORD", tail, tail.hex(" ").upper(),
                           start + 4 * count, len(tail), kind="bytes"))
    return dwords, tail
