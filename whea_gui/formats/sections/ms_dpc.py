"""WHEA_PCI_DPC_SECTION (FORMAT.md §8.17): the 68-byte PCIe Downstream Port Containment
extended capability as captured when DPC triggered."""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.sections import SectionContext, register
from .. import numbers
from ._kit import decode_fixed, note_extra

DPC_GUID = "ec49534b-30e7-4358-972f-eca6958fae3b"
TRIGGER_REASON = {0: "unmasked uncorrectable error", 1: "ERR_NONFATAL received",
                  2: "ERR_FATAL received", 3: "see trigger reason extension"}
TRIGGER_EXTENSION = {0: "RP PIO error", 1: "software trigger", 2: "reserved", 3: "reserved"}
STATUS_BITS = (
    Bits(0, "trigger_status", "DPC trigger status", meaning="The port is in containment"),
    Bits(1, "trigger_reason", "DPC trigger reason", 2, values=TRIGGER_REASON),
    Bits(3, "interrupt_status", "DPC interrupt status"),
    Bits(4, "rp_busy", "DPC RP busy"),
    Bits(5, "trigger_reason_extension", "DPC trigger reason extension", 2, values=TRIGGER_EXTENSION),
    Bits(8, "rp_pio_first_error_pointer", "RP PIO first error pointer", 5),
)
SOURCE_ID_BITS = (Bits(0, "function", "Function", 3), Bits(3, "device", "Device", 5),
                  Bits(8, "bus", "Bus", 8))
DPC = Layout("PCI_EXPRESS_DPC_CAPABILITY", [
    Field("header", "Extended capability header", 4, "hex",
          bits=(Bits(0, "capability_id", "Capability ID", 16), Bits(16, "version", "Version", 4),
                Bits(20, "next", "Next capability offset", 12))),
    Field("dpc_capability", "DPC capability", 2, "hex"),
    Field("dpc_control", "DPC control", 2, "hex"),
    Field("dpc_status", "DPC status", 2, "hex", bits=STATUS_BITS),
    Field("dpc_error_source_id", "DPC error source ID", 2, "hex", bits=SOURCE_ID_BITS),
    Field("rp_pio_status", "RP PIO status", 4, "hex"),
    Field("rp_pio_mask", "RP PIO mask", 4, "hex"),
    Field("rp_pio_severity", "RP PIO severity", 4, "hex"),
    Field("rp_pio_sys_error", "RP PIO SysError", 4, "hex"),
    Field("rp_pio_exception", "RP PIO exception", 4, "hex"),
    Field("rp_pio_header_log", "RP PIO header log", 16, "bytes"),
    Field("rp_pio_imp_spec_log", "RP PIO implementation-specific log", 4, "hex"),
    Field("rp_pio_prefix_log", "RP PIO TLP prefix log", 16, "bytes"),
])


@register(DPC_GUID)
def decode_dpc(ctx: SectionContext) -> dict:
    ctx.section.component = "pcie"
    v, whole = decode_fixed(ctx, DPC, what="DPC capability")
    if whole:
        note_extra(ctx, DPC.size, "DPC capability")
    st = v.get("dpc_status")
    reason = None
    if st is not None:
        reason = TRIGGER_REASON[st >> 1 & 3]
        if st >> 1 & 3 == 3:
            reason = TRIGGER_EXTENSION[st >> 5 & 3]
    # the trigger, read from the status register, after the fields (where it has always been)
    f = layout_json(DPC, v, plain=("header", "dpc_status", "dpc_error_source_id"),
                    extra=None if st is None else {"triggered": bool(st & 1), "trigger_reason": reason})
    if st is None:
        ctx.section.summary = "PCIe DPC capability (truncated)"
        return f
    src = ""
    if "dpc_error_source_id" in v and st >> 1 & 3 in (1, 2):
        sid = v["dpc_error_source_id"]
        ctx.section.location = {"bus": sid >> 8, "device": sid >> 3 & 0x1F, "function": sid & 7}
        src = f" from {numbers.requester_id(sid)}"
    state = "triggered" if st & 1 else "not triggered"
    ctx.section.summary = f"PCIe downstream port containment {state}: {reason}{src}"
    return f
