"""FRU Memory Poison Section (FORMAT.md §6.17, UEFI 2.11): 40-byte header + 32-byte poison descriptors.

Linux's AMD FRU memory poison manager (FMPM) writes these records; its checksum is the two's
complement of the byte sum of the section after the checksum field.
"""

from __future__ import annotations

from typing import Any

from ...core.fields import Field, Layout, layout_json
from ...core.model import ERROR, NOTE, WARNING
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import (
    decode_fields,
    fixed_size_check,
    reserved_valid_bits,
    struct_node,
    trailing_bytes,
    valid_bits_field,
    valid_map,
)

FMP_GUID = "5e4706c1-5356-48c6-930b-52f2120a4458"
HEADER_SIZE = 40
DESCRIPTOR_SIZE = 32

ARCH_TYPES = {0: "x86 CPUID_Fn00000001_EAX (family, model, stepping)"}
ID_TYPES = {0: "x86 Protected Processor Inventory Number (PPIN)"}
HW_ID_TYPES = {0: "MCA_IPID register"}
ADDRESS_TYPES = {0: "MCA_ADDR register"}

VALID = (
    (0, "fru_architecture_type", "FRU architecture type valid"),
    (1, "fru_architecture", "FRU architecture value valid"),
    (2, "fru_id_type", "FRU identifier type valid"), (3, "fru_id", "FRU identifier value valid"),
    (4, "poison_list_entries", "Poison list entries valid"), (5, "poison_list", "Poison list valid"),
)
HEAD = Layout("fru_memory_poison", [
    Field("checksum", "Checksum", 4, "hex", description="Makes the section's byte sum zero"),
    valid_bits_field(8, VALID),
    Field("fru_architecture_type", "FRU architecture type", 4, "enum", enum=ARCH_TYPES),
    Field("fru_architecture", "FRU architecture value", 8, "hex"),
    Field("fru_id_type", "FRU identifier type", 4, "enum", enum=ID_TYPES),
    Field("fru_id", "FRU identifier value", 8, "hex"),
    Field("poison_list_entries", "Poison list entries", 4, "int"),
])
assert HEAD.size == HEADER_SIZE
DESCRIPTOR = Layout("memory_poison_descriptor", [
    Field("timestamp", "Poison timestamp", 8, "int"),
    Field("hw_id_type", "Hardware identifier type", 4, "enum", enum=HW_ID_TYPES),
    Field("hw_id", "Hardware identifier value", 8, "hex"),
    Field("address_type", "Address type", 4, "enum", enum=ADDRESS_TYPES),
    Field("address", "Address value", 8, "hex"),
])
assert DESCRIPTOR.size == DESCRIPTOR_SIZE


@register(FMP_GUID)
def decode_fru_memory_poison(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, HEADER_SIZE, "FRU memory poison")
    vb = int.from_bytes(ctx.data[body + 4:body + 12], "little") if ctx.length >= 12 else 0
    valid = valid_map(vb, {name: bit for bit, name, _l in VALID})
    h = decode_fields(ctx, HEAD, body, ctx.node, valid=valid)
    if "validation_bits" in h:
        reserved_valid_bits(ctx, HEAD["validation_bits"], vb, body + 4)
    checksum_ok = _check_checksum(ctx, h["checksum"]) if "checksum" in h else None
    entries = _decode_list(ctx, h.get("poison_list_entries"), valid["poison_list"])
    # a validation word the body does not reach is written as 0 (no field valid)
    fields = layout_json(HEAD, {**h, "validation_bits": vb}, valid=valid,
                         plain=("validation_bits",),
                         after={"checksum": lambda _checksum: {"checksum_ok": checksum_ok}},
                         extra=None if entries is None else {
                             "poison_list": entries if valid["poison_list"] else None})

    sec = ctx.section
    sec.component = "memory"
    sec.location = {k: fields[k] for k in ("fru_id", "fru_architecture")
                    if fields.get(k) is not None}
    text = "FRU memory poison record"
    if fields.get("fru_id") is not None:
        text += f" for FRU {numbers.hex_id(fields['fru_id'])}"
    if fields.get("poison_list") is not None:
        n = len(fields["poison_list"])
        text += f": {n} poisoned address{'es' if n != 1 else ''}"
        if n:
            text += f" (first {numbers.address(fields['poison_list'][0]['address'])})"
    sec.summary = text
    return fields


def _check_checksum(ctx: SectionContext, checksum: int) -> bool:
    total = sum(ctx.data[ctx.offset + 4:ctx.end])
    ok = (total + checksum) & 0xFFFFFFFF == 0
    if not ok and ctx.length == ctx.declared_length:
        expected = -total & 0xFFFFFFFF
        ctx.finding(WARNING, f"checksum 0x{checksum:08X} does not make the section sum to zero "
                             f"(byte sum after the checksum field; expected 0x{expected:08X})",
                    ctx.offset, 4, code="fmp-checksum")
    return ok


def _decode_list(ctx: SectionContext, count: int | None, valid: bool) -> list[dict] | None:
    if count is None:
        return None
    start = ctx.offset + HEADER_SIZE
    room = max(0, ctx.declared_length - HEADER_SIZE) // DESCRIPTOR_SIZE
    present = max(0, ctx.end - start) // DESCRIPTOR_SIZE
    if count > room:
        ctx.finding(ERROR, f"poison list entry count {count} needs {HEADER_SIZE + DESCRIPTOR_SIZE * count} "
                           f"bytes but the section has room for {room} entries; only those present "
                           "are decoded", ctx.offset + 36, 4, code="count-exceeds-section")
    elif count > present:
        ctx.finding(NOTE, f"only {present} of {count} poison descriptors are present (the record is "
                          "truncated)", ctx.offset + 36, 4, code="section-partial")
    shown = min(count, present)
    entries = []
    if shown:
        lnode = struct_node(ctx.node, "poison_list", "Poison list", start, shown * DESCRIPTOR_SIZE,
                            f"{shown} descriptors" + ("" if valid else " (not valid)"))
        lnode.valid = valid
        for i in range(shown):
            off = start + i * DESCRIPTOR_SIZE
            node = struct_node(lnode, f"descriptor_{i}", f"Poison descriptor {i}", off, DESCRIPTOR_SIZE)
            dv = decode_fields(ctx, DESCRIPTOR, off, node)
            node.display = f"address 0x{dv['address']:X}"
            entries.append(layout_json(DESCRIPTOR, dv))
    if count <= room:
        trailing_bytes(ctx, HEADER_SIZE + count * DESCRIPTOR_SIZE, "FRU memory poison")
    return entries
