"""Correctable-error summary sections Windows writes periodically (FORMAT.md §8.5, §8.6):
per-DIMM corrected memory error counts and per-device PCIe AER correctable counters."""

from __future__ import annotations

import struct

from ...core.fields import Bits, Field, Layout, layout_json, make_node
from ...core.model import ERROR, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import check_pci_address, check_valid_bits, decode_fixed, note_extra, pci_text, struct_node

MEMORY_SUMMARY_GUID = "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017"
PCIE_SUMMARY_GUID = "e96eca99-53e2-4f52-9be7-d2dbe9508ed0"

HEADER = Layout("summary_header", [Field("version", "Version", 2, "int"),
                                   Field("count", "Count", 2, "int")])
MEM_VALID = (Bits(0, "socket_id", "SocketId valid"), Bits(1, "channel_id", "ChannelId valid"),
             Bits(2, "dimm_slot", "DimmSlot valid"),
             Bits(3, "correctable_error_count", "CorrectableErrorCount valid"))
MEM_ENTRY = Layout("WHEA_MEMORY_CORRECTABLE_ERROR_DATA", [
    Field("valid_bits", "Validation bits", 8, "flags", bits=MEM_VALID,
          reserved_mask=(1 << 64) - 1 - 0xF),
    Field("socket_id", "Socket", 4, "int"), Field("channel_id", "Channel", 4, "int"),
    Field("dimm_slot", "DIMM slot", 4, "int"),
    Field("correctable_error_count", "Correctable errors", 4, "int"),
])
PCIE_VALID = (Bits(0, "segment", "Segment valid"), Bits(1, "bus", "Bus valid"),
              Bits(2, "device", "Device valid"), Bits(3, "function", "Function valid"),
              Bits(4, "mask", "Mask valid"),
              Bits(5, "correctable_error_count", "CorrectableErrorCount valid"))
# AER Correctable Error Status bits: one counter per bit (PCIe Base spec §7.8.4.5).
AER_CORRECTABLE = {0: "Receiver Error", 6: "Bad TLP", 7: "Bad DLLP", 8: "REPLAY_NUM Rollover",
                   12: "Replay Timer Timeout", 13: "Advisory Non-Fatal Error",
                   14: "Corrected Internal Error", 15: "Header Log Overflow"}
PCIE_ENTRY = Layout("PCIE_CORRECTABLE_ERROR_DEVICES", [
    Field("valid_bits", "Validation bits", 8, "flags", bits=PCIE_VALID,
          reserved_mask=(1 << 64) - 1 - 0x3F),
    Field("segment", "Segment", 4, "int"), Field("bus", "Bus", 4, "int"),
    Field("device", "Device", 4, "int"), Field("function", "Function", 4, "int"),
    Field("mask", "Correctable error mask", 4, "hex"),
])
PCIE_ENTRY_SIZE = PCIE_ENTRY.size + 4 * 32  # 156


def _entries(ctx: SectionContext, size: int, what: str) -> tuple[dict, int]:
    h, whole = decode_fixed(ctx, HEADER, what=f"{what} header")
    if not whole:
        return h, 0
    count = h["count"]
    room = (ctx.length - HEADER.size) // size
    if count > room:
        ctx.finding(ERROR, f"{what}: Count is {count} but the body holds only {room} "
                           f"{size}-byte entr{'y' if room == 1 else 'ies'}", ctx.offset + 2, 2,
                    "count")
    return h, min(count, room)


def _valid(bits, valid_bits: int) -> dict[str, bool]:
    """Field name → its validation bit, for ``layout_json``."""
    return {b.name: bool(valid_bits >> b.bit & 1) for b in bits}


@register(MEMORY_SUMMARY_GUID)
def decode_memory_summary(ctx: SectionContext) -> dict:
    h, n = _entries(ctx, MEM_ENTRY.size, "Memory correctable error summary")
    f: dict = {**layout_json(HEADER, h), "entries": []}
    for i in range(n):
        off = ctx.offset + HEADER.size + MEM_ENTRY.size * i
        node = struct_node(ctx.node, f"entry_{i}", f"DIMM {i}", off, MEM_ENTRY.size)
        v, _ = MEM_ENTRY.decode(ctx.data, off, ctx.end, node)
        check_valid_bits(ctx, v["valid_bits"], 0xF, off, 8, f"DIMM entry {i} ValidBits")
        e = layout_json(MEM_ENTRY, v, valid=_valid(MEM_VALID, v["valid_bits"]), omit=("valid_bits",))
        node.display = (f"socket {e['socket_id']}, channel {e['channel_id']}, slot {e['dimm_slot']}: "
                        f"{e['correctable_error_count']} errors")
        f["entries"].append(e)
    note_extra(ctx, HEADER.size + MEM_ENTRY.size * n, "summary")
    ctx.section.component = "memory"
    total = sum(e["correctable_error_count"] or 0 for e in f["entries"])
    worst = unique_worst(f["entries"], lambda e: e["correctable_error_count"] or 0)
    # an entry whose DIMM slot is not valid names a socket or channel, not a DIMM (A7-13)
    on = (f"on {n} DIMM(s)" if all(e["dimm_slot"] is not None for e in f["entries"])
          else f"in {n} entr{'y' if n == 1 else 'ies'}")
    errors = f"{total} error{'' if total == 1 else 's'} {on}"
    uncounted = sum(e["correctable_error_count"] is None for e in f["entries"])
    if worst is not None and uncounted:
        # the most among those counted, beside an entry whose count is not known: not singled
        # out (the fresh check: that DIMM was put up for replacement)
        top = worst["correctable_error_count"]
        ctx.section.summary = (f"Corrected memory error summary: {errors}; {top} on {_dimm_text(worst) or 'one entry'}, "
                               f"{uncounted} entr{'y' if uncounted == 1 else 'ies'} without a count")
    elif worst is not None:
        ctx.section.location = _dimm_place(worst)
        where = _dimm_text(worst)
        ctx.section.summary = (f"Corrected memory error summary: {errors}; "
                               f"most on {where or 'an unidentified DIMM'} "
                               f"({worst['correctable_error_count']})")
    elif total:  # a tie for the most (one error on each, 5 and 5): no DIMM stands out (N9-14)
        top = max(e["correctable_error_count"] or 0 for e in f["entries"])
        tied = sum((e["correctable_error_count"] or 0) == top for e in f["entries"])
        ctx.section.summary = f"Corrected memory error summary: {errors}; {top} on each of {tied}, none more"
    elif n == 1 and _dimm_place(f["entries"][0]):  # a DIMM without a count still says where (N9-13)
        ctx.section.location = _dimm_place(f["entries"][0])
        said = "no count reported" if f["entries"][0]["correctable_error_count"] is None else "a count of 0"
        ctx.section.summary = f"Corrected memory error summary: {_dimm_text(f['entries'][0])}, {said}"
    elif n == 0:
        ctx.section.summary = "Corrected memory error summary with no entries"
    elif any(e["correctable_error_count"] is not None for e in f["entries"]):
        ctx.section.summary = f"Corrected memory error summary: {n} DIMM(s), 0 errors counted"
    else:
        ctx.section.summary = f"Corrected memory error summary: {n} DIMM(s), no counts reported"
    return f


def unique_worst(entries: list[dict], count_of):
    """The entry with the most errors when it has more than every other one (and at least one
    error); None for a tie: naming one of equals would put an arbitrary part up for
    replacement (N9-14)."""
    counts = [count_of(e) for e in entries]
    if not counts or max(counts) <= 0 or counts.count(max(counts)) > 1:
        return None
    return entries[counts.index(max(counts))]


def _dimm_place(e: dict) -> dict:
    return {k: v for k, v in (("socket", e["socket_id"]), ("channel", e["channel_id"]),
                              ("dimm_slot", e["dimm_slot"])) if v is not None}


def _dimm_text(e: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in _dimm_place(e).items())


def _per_device(devices: list[dict]) -> list[dict]:
    """The summary's entries merged by PCI address (a device may have more than one entry), with
    their counters added; an entry whose address is not wholly valid stays on its own."""
    merged: dict = {}
    for i, d in enumerate(devices):
        addr = tuple(d[k] for k in ("segment", "bus", "device", "function"))
        key = addr if None not in addr else ("entry", i)
        m = merged.setdefault(key, {**{k: d[k] for k in ("segment", "bus", "device", "function")},
                                    "total": None, "counts": [0] * 32})
        if d["total"] is not None:
            m["total"] = (m["total"] or 0) + d["total"]
            m["counts"] = [a + b for a, b in zip(m["counts"], d["correctable_error_count"])]
    return list(merged.values())


@register(PCIE_SUMMARY_GUID)
def decode_pcie_summary(ctx: SectionContext) -> dict:
    h, n = _entries(ctx, PCIE_ENTRY_SIZE, "PCIe correctable error summary")
    f: dict = {**layout_json(HEADER, h), "devices": []}
    for i in range(n):
        off = ctx.offset + HEADER.size + PCIE_ENTRY_SIZE * i
        node = struct_node(ctx.node, f"device_{i}", f"Device {i}", off, PCIE_ENTRY_SIZE)
        hooks = {"mask": lambda fl, val, o: make_node(Field(fl.name, fl.label, 4, "hex", bits=tuple(
            Bits(b, f"bit_{b}", name) for b, name in AER_CORRECTABLE.items())), val, o)}
        v, _ = PCIE_ENTRY.decode(ctx.data, off, ctx.end, node, hooks)
        check_valid_bits(ctx, v["valid_bits"], 0x3F, off, 8, f"PCIe device {i} ValidBits")
        counts_off = off + PCIE_ENTRY.size
        counts = list(struct.unpack_from("<32I", ctx.data, counts_off))
        cnode = node.add(FieldNode("correctable_error_count", "Correctable error counts", None,
                                   f"{sum(counts)} total", counts_off, 128, kind="struct"))
        for b, c in enumerate(counts):
            name = AER_CORRECTABLE.get(b, f"Status bit {b} (reserved)")
            cnode.add(FieldNode(f"bit_{b}", name, c, str(c), counts_off + 4 * b, 4))
            if c and b not in AER_CORRECTABLE:
                ctx.finding(WARNING, f"PCIe device {i}: counter for reserved AER status bit {b} is {c}",
                            counts_off + 4 * b, 4, "reserved")
        valid = _valid(PCIE_VALID, v["valid_bits"])
        counted = bool(v["valid_bits"] >> 5 & 1)  # the 32 counters follow the layout

        def known(name: str, valid=valid, v=v):
            return v[name] if valid.get(name, True) else None
        d = layout_json(PCIE_ENTRY, v, valid=valid, omit=("valid_bits",), extra={
            "correctable_error_count": counts if counted else None,
            "total": sum(counts) if counted else None,
            "address": pci_text(known("segment"), known("bus"), known("device"), known("function"))})
        node.display = f"{d['address']}: {d['total']} errors"
        check_pci_address(ctx, d["device"], d["function"], node, f"PCIe device {i}'s address")
        f["devices"].append(d)
    note_extra(ctx, HEADER.size + PCIE_ENTRY_SIZE * n, "summary")
    ctx.section.component = "pcie"
    by_device = _per_device(f["devices"])
    count = f"{len(by_device)} device(s)" + (f" in {n} entries" if len(by_device) != n else "")
    worst = unique_worst(by_device, lambda d: d["total"] or 0)
    total = sum(d["total"] or 0 for d in by_device)
    if worst is not None:
        ctx.section.location = {k: worst[k] for k in ("segment", "bus", "device", "function")
                                if worst[k] is not None}
        kinds = [f"{AER_CORRECTABLE.get(b, b)} ×{c}" for b, c in enumerate(worst["counts"]) if c]
        addr = [worst[k] for k in ("segment", "bus", "device", "function")]
        on = numbers.pci_address(*addr) if None not in addr else "a device whose address is not valid"
        ctx.section.summary = (f"Corrected PCIe error summary: {count}; most on {on} "
                               f"({worst['total']}: {', '.join(kinds)})")
    elif total:  # a tie for the most: no device stands out (N9-14)
        top = max(d["total"] or 0 for d in by_device)
        tied = sum((d["total"] or 0) == top for d in by_device)
        ctx.section.summary = (f"Corrected PCIe error summary: {count}, {total} error{'' if total == 1 else 's'}; "
                               f"{top} on each of {tied}, none more")
    elif len(by_device) == 1 and None not in (by_device[0][k] for k in ("segment", "bus", "device", "function")):
        d = by_device[0]  # one device without counts still says where (N9-13)
        ctx.section.location = {k: d[k] for k in ("segment", "bus", "device", "function")}
        said = "no counts reported" if d["total"] is None else "a count of 0"
        ctx.section.summary = (f"Corrected PCIe error summary: 1 device ("
                               f"{numbers.pci_address(d['segment'], d['bus'], d['device'], d['function'])}), "
                               f"{said}")
    elif not by_device:
        ctx.section.summary = "Corrected PCIe error summary with no entries"
    else:
        ctx.section.summary = f"Corrected PCIe error summary: {count}, no counts reported"
    return f
