"""Vendor sections that libcper knows (FORMAT.md §5.5): Ampere (8 bytes) and NVIDIA (Grace, 32 + 16·n).

Layouts follow libcper's ``EFI_AMPERE_ERROR_DATA`` and ``EFI_NVIDIA_ERROR_DATA``. NVIDIA event sections
have their own module (``nvidia_event``); other vendor sections (HiSilicon, Yitian, Ampere rasdaemon)
are named by the GUID registry only.
"""

from __future__ import annotations

from typing import Any

from ...core.fields import Field, Layout, layout_json
from ...core.model import ERROR, NOTE
from ...core.sections import SectionContext, register
from .. import numbers
from ..cper import SEVERITY
from ._kit import decode_fields, fixed_size_check, struct_node, trailing_bytes

AMPERE_GUID = "2826cc9f-448c-4c2b-86b6-a95394b7ef33"
NVIDIA_GUID = "6d5244f2-2712-11ec-bea7-cb3fdb95c786"

AMPERE = Layout("ampere", [
    Field("type_id", "Type ID", 2, "int", description="Ampere error source type"),
    Field("subtype_id", "Subtype ID", 2, "int"),
    Field("instance_id", "Instance ID", 4, "hex"),
])


@register(AMPERE_GUID)
def decode_ampere(ctx: SectionContext) -> dict[str, Any]:
    fixed_size_check(ctx, AMPERE.size, "Ampere error")
    v = decode_fields(ctx, AMPERE, ctx.offset, ctx.node)
    trailing_bytes(ctx, AMPERE.size, "Ampere error")
    sec = ctx.section
    sec.component = "platform"
    sec.location = dict(v)
    if len(v) == 3:
        # type and subtype are enumeration codes (decimal, as Ampere numbers them); the
        # instance is an ID
        sec.summary = (f"Ampere platform error type {numbers.decimal(v['type_id'])} "
                       f"subtype {numbers.decimal(v['subtype_id'])} "
                       f"instance {numbers.hex_id(v['instance_id'])}")
    else:
        sec.summary = "Ampere platform error (truncated)"
    return layout_json(AMPERE, v)


NVIDIA_HEAD = Layout("nvidia", [
    Field("signature", "Signature", 16, "ascii", description="Error source name, e.g. DCC-ECC, PCIe"),
    Field("error_type", "Error type", 2, "int"),
    Field("error_instance", "Error instance", 2, "int"),
    Field("severity", "Severity", 1, "enum", enum=SEVERITY),
    Field("socket", "Socket", 1, "int"),
    Field("register_count", "Register count", 1, "int"),
    Field("reserved", "Reserved", 1, "hex"),
    Field("instance_base", "Instance base", 8, "hex"),
])
CMET_DISABLED_REASONS = {0: "alias checker failed", 1: "training at POR frequency failed",
                         2: "training at boot frequency failed", 3: "threshold of bad pages exceeded"}
NVIDIA_REGISTER = Layout("nvidia_register", [
    Field("address", "Address", 8, "hex"),
    Field("value", "Value", 8, "hex"),
])


@register(NVIDIA_GUID)
def decode_nvidia(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, NVIDIA_HEAD.size, "NVIDIA error")
    h = decode_fields(ctx, NVIDIA_HEAD, body, ctx.node)
    # severity_name after the layout's keys, where it has always been
    fields = layout_json(NVIDIA_HEAD, h, omit=("reserved",),
                         after={"severity": lambda sev: {"severity_name": SEVERITY.get(sev, "Unknown")}},
                         order=[f.name for f in NVIDIA_HEAD.fields if f.name != "reserved"])
    regs: list[dict] = []
    if "register_count" in h:
        count = h["register_count"]
        start = body + NVIDIA_HEAD.size
        room = max(0, ctx.declared_length - NVIDIA_HEAD.size) // NVIDIA_REGISTER.size
        present = max(0, ctx.end - start) // NVIDIA_REGISTER.size
        if count > room:
            ctx.finding(ERROR, f"register count {count} does not fit in the section (room for {room})",
                        body + 22, 1, code="count-exceeds-section")
        elif count > present:
            ctx.finding(NOTE, f"only {present} of {count} registers are present (the record is "
                              "truncated)", body + 22, 1, code="section-partial")
        shown = min(count, present)
        if shown:
            rnode = struct_node(ctx.node, "registers", "Registers", start, shown * NVIDIA_REGISTER.size,
                                f"{shown} address/value pairs")
            for i in range(shown):
                off = start + i * NVIDIA_REGISTER.size
                node = struct_node(rnode, f"register_{i}", f"Register {i}", off, NVIDIA_REGISTER.size)
                rv = decode_fields(ctx, NVIDIA_REGISTER, off, node)
                node.display = f"0x{rv['address']:X} = 0x{rv['value']:X}"
                regs.append(layout_json(NVIDIA_REGISTER, rv, extra={
                    "cmet_info": _cmet_info(rv["value"])} if fields.get("signature") == "CMET-INFO"
                    else None))
        if count <= room:
            trailing_bytes(ctx, NVIDIA_HEAD.size + count * NVIDIA_REGISTER.size, "NVIDIA error")
        fields["registers"] = regs
    sec = ctx.section
    sec.component = "platform"
    sec.location = {k: fields[k] for k in ("socket", "error_instance") if k in fields}
    sig = fields.get("signature") or "unnamed"
    sev = fields.get("severity_name", "")
    text = f"NVIDIA {sig} error" + (f" ({sev.lower()})" if sev else "")
    if "socket" in fields:
        text += f" on socket {fields['socket']}"
    if "error_type" in fields:
        inst = fields.get("error_instance")
        text += (f", type {numbers.decimal(fields['error_type'])} "
                 f"instance {'?' if inst is None else numbers.decimal(inst)}")
    sec.summary = text
    return fields


def _cmet_info(value: int) -> dict[str, Any]:
    """A CMET-INFO register value: memory channel state, with the bit layout libcper decodes."""
    count = value & 0xFFFFFFFF
    reason = value >> 35 & 3
    return {"error_count": count - (1 << 32) if count >> 31 else count,
            "channel_enabled": bool(value >> 32 & 1), "channel_is_spare": bool(value >> 33 & 1),
            "disabled_reason": reason, "disabled_reason_name": CMET_DISABLED_REASONS[reason]}
