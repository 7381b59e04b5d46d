"""DMA remapping sections: DMAr generic (FORMAT.md §6.11), Intel VT-d (§6.12), IOMMU (§6.13).

DMAr generic enums follow the UEFI values (conflict C14): access type 0 = write, 1 = read;
architecture type 1 = VT-d, 2 = IOMMU (libcper writes 0 / 1, edk2 swaps read/write).
"""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits, Field, Layout, ascii_text, layout_json, make_node
from ...core.model import NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import (
    decode_fields,
    fixed_size_check,
    register_node,
    reserved_zero,
    trailing_bytes,
)

DMAR_GENERIC_GUID = "5b51fef7-c79d-4434-8f1b-aa62de3e2c64"
DMAR_VTD_GUID = "71761d37-32b2-45cd-a7d0-b0fedd93e8cf"
DMAR_IOMMU_GUID = "036f84e1-7f37-428c-a79e-575fdfaa84ec"

FAULT_REASONS = {
    0x01: "domain mapping table entry not present",
    0x02: "invalid domain mapping table entry",
    0x03: "DMAr unit's access to the domain mapping table failed",
    0x04: "reserved bit set in a domain mapping table entry",
    0x05: "DMA request beyond the device address width",
    0x06: "invalid read or write access",
    0x07: "invalid device request",
    0x08: "DMAr unit's access to the address translation table failed",
    0x09: "reserved bit set in an address translation table entry",
    0x0A: "illegal command",
    0x0B: "DMAr unit's access to the command buffer failed",
}
ACCESS_TYPES = {0: "DMA write", 1: "DMA read"}
ADDRESS_TYPES = {0: "Untranslated request", 1: "Translation request"}
ARCHITECTURE_TYPES = {1: "VT-d", 2: "IOMMU"}


def requester_bdf(rid: int) -> str:
    """A PCI requester ID as bus:device.function."""
    return numbers.requester_id(rid)


# -- DMAr generic (§6.11) -------------------------------------------------------------------------------
GENERIC = Layout("dmar_generic", [
    Field("requester_id", "Requester ID", 2, "hex", description="Device ID of the faulting request"),
    Field("segment_number", "Segment number", 2, "int"),
    Field("fault_reason", "Fault reason", 1, "enum", enum=FAULT_REASONS),
    Field("access_type", "Access type", 1, "enum", enum=ACCESS_TYPES),
    Field("address_type", "Address type", 1, "enum", enum=ADDRESS_TYPES),
    Field("architecture_type", "Architecture type", 1, "enum", enum=ARCHITECTURE_TYPES,
          description="UEFI: 1 VT-d, 2 IOMMU (libcper uses 0 and 1: conflict C14)"),
    Field("device_address", "Device address", 8, "hex",
          description="Device virtual address of the faulting request"),
    Field("reserved", "Reserved", 16, "bytes"),
])
assert GENERIC.size == 32


_GENERIC_NAMES = {key: (lambda n, key=key, table=table: {key + "_name": table.get(n, "reserved")})
                  for key, table in (("fault_reason", FAULT_REASONS), ("access_type", ACCESS_TYPES),
                                     ("address_type", ADDRESS_TYPES),
                                     ("architecture_type", ARCHITECTURE_TYPES))}


def _rid_node(f: Field, value: int, off: int) -> FieldNode:
    return make_node(f, value, off, display=f"0x{value:04X} ({requester_bdf(value)})")


@register(DMAR_GENERIC_GUID)
def decode_dmar_generic(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, GENERIC.size, "DMAr generic error")
    v = decode_fields(ctx, GENERIC, body, ctx.node, hooks={"requester_id": _rid_node})
    trailing_bytes(ctx, GENERIC.size, "DMAr generic error")
    if "reserved" in v:
        reserved_zero(ctx, v["reserved"], body + 16, 16, "reserved bytes 16-31")
    if "fault_reason" in v and v["fault_reason"] not in FAULT_REASONS:
        ctx.finding(NOTE, f"fault reason 0x{v['fault_reason']:02X} is reserved (defined: 0x01-0x0B)",
                    body + 4, 1, code="dmar-fault-reason")
    if "access_type" in v and v["access_type"] > 1:
        ctx.finding(WARNING, f"access type {v['access_type']} is undefined (0 write, 1 read)",
                    body + 5, 1, code="dmar-access-type")
    if "address_type" in v and v["address_type"] > 1:
        ctx.finding(WARNING, f"address type {v['address_type']} is undefined (0 untranslated, "
                             "1 translation request)", body + 6, 1, code="dmar-address-type")
    arch = v.get("architecture_type")
    if arch is not None and arch not in ARCHITECTURE_TYPES:
        hint = " (libcper writes 0 for VT-d)" if arch == 0 else ""
        ctx.finding(NOTE, f"architecture type {arch} is not a UEFI value (1 VT-d, 2 IOMMU){hint}",
                    body + 7, 1, code="dmar-architecture-type")

    # the names from the tables follow the fields (the published order)
    fields = layout_json(GENERIC, v, omit=("reserved",), after=_GENERIC_NAMES,
                         order=[f.name for f in GENERIC.fields if f.name != "reserved"])
    sec = ctx.section
    sec.component = "iommu"
    loc: dict[str, Any] = {}
    if "segment_number" in v:
        rid = v["requester_id"]
        loc = {"segment": v["segment_number"], "requester_id": rid, "bus": rid >> 8,
               "device": rid >> 3 & 0x1F, "function": rid & 7}
    if "device_address" in v:
        loc["device_address"] = v["device_address"]
    sec.location = loc
    text = "DMA remapping fault"
    extra = [fields[k] for k in ("access_type_name", "architecture_type_name")
             if k in fields and fields[k] != "reserved"]
    if extra:
        text += f" ({', '.join(extra)})"
    if "fault_reason" in fields:
        text += ": " + FAULT_REASONS.get(fields["fault_reason"],
                                         f"reserved fault reason {numbers.hex_id(fields['fault_reason'], 2)}")
    if "segment" in loc:
        text += "; requester " + numbers.pci_address(loc["segment"], loc["bus"], loc["device"],
                                                     loc["function"])
    if "device_address" in loc:
        text += f" at device address {numbers.address(loc['device_address'])}"
    sec.summary = text
    return fields


# -- Intel VT-d (§6.12) ------------------------------------------------------------------------------------
VTD_FAULT_REASONS = {
    0x1: "present bit in the root entry is clear", 0x2: "present bit in the context entry is clear",
    0x3: "invalid context entry", 0x4: "access beyond the guest address width",
    0x5: "write access not allowed by the page tables", 0x6: "read access not allowed by the page tables",
    0x7: "invalid next page-table pointer", 0x8: "invalid root table address",
    0x9: "invalid context table pointer", 0xA: "reserved field set in the root entry",
    0xB: "reserved field set in the context entry", 0xC: "reserved field set in a page-table entry",
    0xD: "translation request blocked by the context entry",
}
# Scalable-mode DMA remapping fault reasons (Intel VT-d specification 3.x, "Non-Recoverable
# Fault Reason Encodings" 30h-90h; Linux drivers/iommu/intel/dmar.c lists the same codes): the
# translation structure whose entry failed, and how (N9-21: they were "reserved")
VTD_SCALABLE_FAULT_REASONS = {
    0x30: "scalable mode: invalid root table address",
    0x31: "scalable mode: translation type 0 for a request with a PASID",
    0x32: "scalable mode: translation type 0 for a page group request",
    0x38: "scalable mode: error accessing the root entry",
    0x39: "scalable mode: present bit in the root entry is clear",
    0x3A: "scalable mode: reserved field set in the root entry",
    0x40: "scalable mode: error accessing the context entry",
    0x41: "scalable mode: present bit in the context entry is clear",
    0x42: "scalable mode: reserved field set in the context entry",
    0x43: "scalable mode: invalid context entry",
    0x44: "scalable mode: DTE field of the context entry is clear",
    0x45: "scalable mode: PASID Enable field of the context entry is clear",
    0x46: "scalable mode: PASID beyond the context entry's maximum",
    0x47: "scalable mode: PRE field of the context entry is clear",
    0x48: "scalable mode: RID_PASID field error in the context entry",
    0x50: "scalable mode: error accessing the PASID directory entry",
    0x51: "scalable mode: present bit in the PASID directory entry is clear",
    0x52: "scalable mode: reserved field set in the PASID directory entry",
    0x58: "scalable mode: error accessing the PASID table entry",
    0x59: "scalable mode: present bit in the PASID table entry is clear",
    0x5A: "scalable mode: reserved field set in the PASID table entry",
    0x5B: "scalable mode: invalid PASID table entry",
    0x5C: "scalable mode: ERE field of the PASID table entry is clear",
    0x5D: "scalable mode: SRE field of the PASID table entry is clear",
    0x70: "scalable mode: error accessing a first-level paging entry",
    0x71: "scalable mode: present bit in a first-level paging entry is clear",
    0x72: "scalable mode: reserved field set in a first-level paging entry",
    0x73: "scalable mode: error accessing the first-level PML4 entry",
    0x74: "scalable mode: first-level entry address beyond the guest address width (nested)",
    0x75: "scalable mode: read permission error in the first-level PML4 entry (nested)",
    0x76: "scalable mode: read permission error in a first-level paging entry (nested)",
    0x77: "scalable mode: write permission error in a first-level paging entry (nested)",
    0x78: "scalable mode: error accessing a second-level paging entry",
    0x79: "scalable mode: read or write permission error in a second-level paging entry",
    0x7A: "scalable mode: reserved field set in a second-level paging entry",
    0x7B: "scalable mode: invalid second-level page-table pointer",
    0x7C: "scalable mode: accessed/dirty update needed in a second-level entry set up for no-snoop",
    0x80: "scalable mode: non-canonical address in first-level translation",
    0x81: "scalable mode: user access to a supervisor first-level page",
    0x82: "scalable mode: no execute permission for a request with a PASID and ER=1",
    0x83: "scalable mode: address beyond the remapping hardware's maximum",
    0x84: "scalable mode: second-level entry address beyond the maximum",
    0x85: "scalable mode: no write permission for a write or AtomicOp request",
    0x86: "scalable mode: no read permission for a read or AtomicOp request",
    0x87: "scalable mode: invalid address-interrupt address",
    0x90: "scalable mode: accessed/dirty update needed in a first-level entry set up for no-snoop",
}
# Interrupt-remapping fault reasons (Intel VT-d specification, interrupt remapping fault
# conditions; Linux intel/dmar.c names the same seven): the fault record's address field then
# holds no DMA address and the request is an interrupt, not a read or write
VTD_INTERRUPT_FAULT_REASONS = {
    0x20: "reserved field set in the interrupt request",
    0x21: "interrupt index beyond the interrupt-remapping table's size",
    0x22: "present bit clear in the interrupt-remapping table entry",
    0x23: "error accessing the interrupt-remapping table",
    0x24: "reserved field set in the interrupt-remapping table entry",
    0x25: "compatibility-format interrupt request blocked",
    0x26: "interrupt request blocked: its source-id failed verification",
}

_GCMD_BITS = (
    Bits(23, "cfi", "Compatibility format interrupt"), Bits(24, "sirtp", "Set interrupt remap table pointer"),
    Bits(25, "ire", "Interrupt remapping enable"), Bits(26, "qie", "Queued invalidation enable"),
    Bits(27, "wbf", "Write buffer flush"), Bits(28, "eafl", "Enable advanced fault logging"),
    Bits(29, "sfl", "Set fault log"), Bits(30, "srtp", "Set root table pointer"),
    Bits(31, "te", "Translation enable"),
)
_GSTS_BITS = (
    Bits(23, "cfis", "Compatibility format interrupt status"),
    Bits(24, "irtps", "Interrupt remapping table pointer status"),
    Bits(25, "ires", "Interrupt remapping enable status"),
    Bits(26, "qies", "Queued invalidation enable status"), Bits(27, "wbfs", "Write buffer flush status"),
    Bits(28, "afls", "Advanced fault logging status"), Bits(29, "fls", "Fault log status"),
    Bits(30, "rtps", "Root table pointer status"), Bits(31, "tes", "Translation enable status"),
)
_FSTS_BITS = (
    Bits(0, "pfo", "Primary fault overflow"), Bits(1, "ppf", "Primary pending fault"),
    Bits(2, "afo", "Advanced fault overflow"), Bits(3, "apf", "Advanced pending fault"),
    Bits(4, "iqe", "Invalidation queue error"), Bits(5, "ice", "Invalidation completion error"),
    Bits(6, "ite", "Invalidation time-out error"), Bits(7, "pro", "Page request overflow"),
    Bits(8, "fri", "Fault record index", 8),
)
# VT-d §11.4.14 (FRCD_REG): FI is the faulting page address of a DMA request; for an
# interrupt-remapping fault reason, bits 63:48 hold the interrupt_index and 47:12 are clear
_FRCD_LO_BITS = (Bits(12, "fault_information",
                      "Fault information (page address; an interrupt fault's index in bits 63:48)", 52),)
_FRCD_HI_BITS = (
    Bits(0, "source_identifier", "Source identifier", 16),
    Bits(28, "type2", "Type bit 2", meaning="With type bit 1 set: 0 read request, 1 AtomicOp request"),
    Bits(29, "privilege_mode_requested", "Privilege mode requested"),
    Bits(30, "execute_permission_requested", "Execute permission requested"),
    Bits(31, "pasid_present", "PASID present"),
    Bits(32, "fault_reason", "Fault reason", 8),
    Bits(40, "pasid_value", "PASID value", 20),
    Bits(60, "address_type", "Address type", 2),
    Bits(62, "type1", "Type bit 1", meaning="0 write request, 1 read or AtomicOp request"),
    Bits(63, "fault", "Fault"),
)


def _pte_fields() -> list[Field]:
    return [Field(f"page_table_entry_level{n}", f"Page-table entry, level {n}", 8, "hex")
            for n in (6, 5, 4, 3, 2, 1)]


VTD = Layout("dmar_vtd", [
    Field("version", "Version", 1, "hex", description="VT-d version register"),
    Field("revision", "Revision", 1, "int", description="Revision of the ACPI DMAR reporting structure"),
    Field("oem_id", "OEM ID", 6, "ascii", description="OEM ID of the ACPI DMAR table"),
    Field("capability", "Capability register", 8, "hex"),
    Field("extended_capability", "Extended capability register", 8, "hex"),
    Field("global_command", "Global command register", 4, "hex", bits=_GCMD_BITS),
    Field("global_status", "Global status register", 4, "hex", bits=_GSTS_BITS),
    Field("fault_status", "Fault status register", 4, "hex", bits=_FSTS_BITS),
    Field("reserved", "Reserved", 12, "bytes"),
    Field("fault_record_lo", "Fault record, bits 63:0", 8, "hex", bits=_FRCD_LO_BITS),
    Field("fault_record_hi", "Fault record, bits 127:64", 8, "hex", bits=_FRCD_HI_BITS),
    Field("root_entry_lo", "Root entry, bits 63:0", 8, "hex"),
    Field("root_entry_hi", "Root entry, bits 127:64", 8, "hex"),
    Field("context_entry_lo", "Context entry, bits 63:0", 8, "hex"),
    Field("context_entry_hi", "Context entry, bits 127:64", 8, "hex"),
    *_pte_fields(),
])
assert VTD.size == 144

_VTD_HOOKS = {name: register_node for name in ("global_command", "global_status", "fault_status",
                                                "fault_record_lo", "fault_record_hi")}


@register(DMAR_VTD_GUID)
def decode_dmar_vtd(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, VTD.size, "Intel VT-d DMAr error")
    v = decode_fields(ctx, VTD, body, ctx.node, hooks=_VTD_HOOKS)
    trailing_bytes(ctx, VTD.size, "Intel VT-d DMAr error")
    if "reserved" in v:
        reserved_zero(ctx, v["reserved"], body + 36, 12, "reserved bytes 36-47")
    fields = layout_json(
        VTD, v, plain=("global_command", "global_status", "fault_status"),
        omit=("reserved", "fault_record_lo", "root_entry_lo", "context_entry_lo"),
        # a 128-bit register is one object under its name, made when its high half is present
        keys={"fault_record_hi": "fault_record", "root_entry_hi": "root_entry",
              "context_entry_hi": "context_entry"},
        convert={"oem_id": lambda raw: int.from_bytes(raw, "little"),
                 "fault_record_hi": lambda hi: _fault_record_json(v["fault_record_lo"], hi),
                 "root_entry_hi": lambda hi: _entry_json(v["root_entry_lo"], hi),
                 "context_entry_hi": lambda hi: _entry_json(v["context_entry_lo"], hi)},
        after={"oem_id": lambda raw: {"oem_id_text": ascii_text(raw).rstrip()}},
        order=_VTD_ORDER)
    _describe_vtd(ctx, fields)
    return fields


# the published order: the registers, then the OEM ID (the rest follow in byte order)
_VTD_ORDER = ("version", "revision", "capability", "extended_capability", "global_command",
              "global_status", "fault_status", "oem_id", "oem_id_text")


def _entry_json(lo: int, hi: int) -> dict[str, Any]:
    """A root or context entry: its two halves and its Present bit (bit 0)."""
    return {"lo": lo, "hi": hi, "present": bool(lo & 1)}


def _fault_record_json(lo: int, hi: int) -> dict[str, Any]:
    t1, t2 = hi >> 62 & 1, hi >> 28 & 1
    return {
        "raw_lo": lo, "raw_hi": hi,
        "fault_information": lo >> 12,
        "fault_address": lo & ~0xFFF,
        "source_identifier": hi & 0xFFFF,
        "type2": bool(t2),
        "privilege_mode_requested": bool(hi >> 29 & 1),
        "execute_permission_requested": bool(hi >> 30 & 1),
        "pasid_present": bool(hi >> 31 & 1),
        "fault_reason": hi >> 32 & 0xFF,
        "fault_reason_name": fault_reason_name(hi >> 32 & 0xFF),
        "pasid_value": hi >> 40 & 0xFFFFF,
        "address_type": hi >> 60 & 3,
        "type1": t1,
        "request_type": "write request" if not t1 else ("AtomicOp request" if t2 else "read request"),
        "fault": bool(hi >> 63 & 1),
        # an interrupt-remapping fault has no page address: FI's bits 63:48 are the interrupt index
        **({"interrupt_index": lo >> 48} if hi >> 32 & 0xFF in VTD_INTERRUPT_FAULT_REASONS else {}),
    }


def fault_reason_name(reason: int) -> str:
    return (VTD_FAULT_REASONS.get(reason) or VTD_INTERRUPT_FAULT_REASONS.get(reason)
            or VTD_SCALABLE_FAULT_REASONS.get(reason, "reserved or non-recoverable"))


def _article(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun


def _describe_vtd(ctx: SectionContext, fields: dict) -> None:
    sec = ctx.section
    sec.component = "iommu"
    fr = fields.get("fault_record")
    if not fr or not (fr["raw_lo"] or fr["raw_hi"]):
        sec.summary = "Intel VT-d DMA remapping error (no fault record)"
        sec.location = {}
        return
    sid = fr["source_identifier"]
    if fr["fault_reason"] in VTD_INTERRUPT_FAULT_REASONS:  # no DMA address, no read or write
        sec.location = {"requester_id": sid, "bus": sid >> 8, "device": sid >> 3 & 0x1F, "function": sid & 7}
        sec.summary = (f"Intel VT-d interrupt remapping fault {numbers.hex_id(fr['fault_reason'], 2)} "
                       f"({fr['fault_reason_name']}) from {requester_bdf(sid)}, "
                       f"interrupt index {fr['interrupt_index']}")
        return
    sec.location = {"requester_id": sid, "bus": sid >> 8, "device": sid >> 3 & 0x1F,
                    "function": sid & 7, "device_address": fr["fault_address"]}
    sec.summary = (f"Intel VT-d DMA remapping fault {numbers.hex_id(fr['fault_reason'], 2)} "
                   f"({fr['fault_reason_name']}) on {_article(fr['request_type'])} from "
                   f"{requester_bdf(sid)} at address {numbers.address(fr['fault_address'])}")


# -- IOMMU (§6.13) -----------------------------------------------------------------------------------------
IOMMU_EVENT_CODES = {
    0x1: "illegal device table entry", 0x2: "I/O page fault", 0x3: "device table hardware error",
    0x4: "page table hardware error", 0x5: "illegal command", 0x6: "command hardware error",
    0x7: "IOTLB invalidation time-out", 0x8: "invalid device request", 0x9: "invalid PPR request",
    0xA: "event counter zero", 0xC: "RMP hardware error", 0xD: "RMP page fault",
}
# Event types whose log entry carries the DeviceID of a requester (AMD IOMMU spec, event log;
# Linux drivers/iommu/amd/iommu.c iommu_print_event). ILLEGAL_COMMAND_ERROR (5) and
# COMMAND_HARDWARE_ERROR (6) give only the address of a command in the command buffer, EVENT
# COUNTER ZERO (0xA) reports a performance counter, and a reserved code has no defined layout.
IOMMU_DEVICE_EVENTS = frozenset({0x1, 0x2, 0x3, 0x4, 0x7, 0x8, 0x9, 0xC, 0xD})
IOMMU_NO_DEVICE = {
    0x5: "a command the IOMMU driver wrote to the command buffer was illegal; the entry names no "
         "device (its address is the command's)",
    0x6: "the IOMMU hit a hardware error fetching a command from the command buffer; the entry "
         "names no device (its address is the command's)",
    0xA: "an IOMMU performance counter reached zero; this is not a device fault and names no device",
    None: "an event code with no defined layout; the entry names no device",
}
_EVENT_LO_BITS = (Bits(0, "device_id", "Device ID", 16), Bits(60, "event_code", "Event code", 4,
                                                              values=IOMMU_EVENT_CODES))

IOMMU = Layout("dmar_iommu", [
    Field("revision", "Revision", 1, "int", description="IOMMU specification revision"),
    Field("reserved1", "Reserved", 7, "bytes"),
    Field("control", "Control register", 8, "hex"),
    Field("status", "Status register", 8, "hex"),
    Field("reserved2", "Reserved", 8, "bytes"),
    Field("event_log_entry_lo", "Event log entry, bits 63:0", 8, "hex", bits=_EVENT_LO_BITS),
    Field("event_log_entry_hi", "Event log entry, bits 127:64", 8, "hex",
          description="Usually the faulting address"),
    Field("reserved3", "Reserved", 16, "bytes"),
    *[Field(f"device_table_entry_{i}", f"Device table entry, qword {i}", 8, "hex") for i in range(4)],
    *_pte_fields(),
])
assert IOMMU.size == 144


def _event_json(lo: int, hi: int) -> dict[str, Any]:
    code = lo >> 60 & 0xF
    return {"lo": lo, "hi": hi, "device_id": lo & 0xFFFF, "event_code": code,
            "event_name": IOMMU_EVENT_CODES.get(code, "reserved"), "address": hi}


@register(DMAR_IOMMU_GUID)
def decode_dmar_iommu(ctx: SectionContext) -> dict[str, Any]:
    body = ctx.offset
    fixed_size_check(ctx, IOMMU.size, "IOMMU DMAr error")
    v = decode_fields(ctx, IOMMU, body, ctx.node, hooks={"event_log_entry_lo": register_node})
    trailing_bytes(ctx, IOMMU.size, "IOMMU DMAr error")
    for name, off, size in (("reserved1", 1, 7), ("reserved2", 24, 8), ("reserved3", 48, 16)):
        if name in v:
            reserved_zero(ctx, v[name], body + off, size, f"reserved bytes {off}-{off + size - 1}")
    fields = layout_json(
        IOMMU, v, omit=("reserved1", "reserved2", "reserved3", "event_log_entry_lo",
                        "device_table_entry_1", "device_table_entry_2", "device_table_entry_3"),
        # the event log entry is one object, the device table entry one list of its qwords
        keys={"event_log_entry_hi": "event_log_entry", "device_table_entry_0": "device_table_entry"},
        convert={"event_log_entry_hi": lambda hi: _event_json(v["event_log_entry_lo"], hi),
                 "device_table_entry_0": lambda _q: [v[f"device_table_entry_{i}"] for i in range(4)
                                                     if f"device_table_entry_{i}" in v]})
    sec = ctx.section
    sec.component = "iommu"
    ev = fields.get("event_log_entry")
    if ev and (ev["lo"] or ev["hi"]):
        code = ev["event_code"]
        ev["names_device"] = code in IOMMU_DEVICE_EVENTS
        head = f"IOMMU event {numbers.hex_id(code)} ({ev['event_name']})"
        if ev["names_device"]:
            did = ev["device_id"]
            sec.location = {"requester_id": did, "bus": did >> 8, "device": did >> 3 & 0x1F,
                            "function": did & 7, "device_address": ev["address"]}
            sec.summary = (f"{head} for device {requester_bdf(did)} at address "
                           f"{numbers.address(ev['address'])}")
        else:  # bits 15:0 are no DeviceID in these entries: no device, no device address
            sec.summary = f"{head}: {IOMMU_NO_DEVICE.get(code, IOMMU_NO_DEVICE[None])}"
    else:
        sec.summary = "IOMMU DMA remapping error (no event log entry)"
    return fields
