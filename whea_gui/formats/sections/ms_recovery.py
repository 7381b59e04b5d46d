"""Windows recovery sections: WHEA_ERROR_RECOVERY_INFO_SECTION (FORMAT.md §8.10, 39 bytes) and
WHEA_PCI_RECOVERY_SECTION (§8.13, 3 bytes)."""

from __future__ import annotations

from ...decode.model import NOTE
from ...decode.sections import SectionContext, register
from ..fields import Bits, Field, Layout
from ._ms_util import BOOL, c_string, decode_fixed, note_extra

RECOVERY_INFO_GUID = "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc"
PCI_RECOVERY_GUID = "dd060800-f6e1-4204-ac27-c4bca9568402"

RECOVERY_ACTION_BITS = (
    Bits(0, "none_attempted", "NoneAttempted", meaning="No recovery was attempted"),
    Bits(1, "terminate_process", "TerminateProcess", meaning="The affected process was terminated"),
    Bits(2, "forwarded_to_vm", "ForwardedToVm", meaning="The error was forwarded to a virtual machine"),
    Bits(3, "mark_page_bad", "MarkPageBad", meaning="The memory page was marked bad (retired)"),
    Bits(4, "poison_not_present", "PoisonNotPresent", meaning="No poisoned data was present"),
)
RECOVERY_TYPE = {1: "ActionRequired", 2: "ActionOptional"}
FAILURE_REASON = {
    1: "KernelCouldNotMarkMemoryBad", 2: "KernelMarkMemoryBadTimedOut", 3: "NoRecoveryContext",
    4: "NotContinuable", 5: "Pcc", 6: "Overflow", 7: "NotSupported", 8: "MiscOrAddrNotValid",
    9: "InvalidAddressMode", 10: "HighIrql", 11: "InsufficientAltContextWrappers",
    12: "InterruptsDisabled", 13: "SwapBusy", 14: "StackOverflow", 15: "UnexpectedFailure",
    16: "KernelWillPageFaultBCAtCurrentIrql", 17: "FarNotValid",
}
RECOVERY_INFO = Layout("WHEA_ERROR_RECOVERY_INFO_SECTION", [
    Field("recovery_kernel", "Recovery in kernel", 1, "enum", enum=BOOL),
    Field("recovery_action", "Recovery action", 8, "flags", bits=RECOVERY_ACTION_BITS,
          reserved_mask=~0x1F & (1 << 64) - 1),
    Field("recovery_type", "Recovery type", 4, "enum", enum=RECOVERY_TYPE),
    Field("irql", "IRQL", 1, "int", description="KIRQL when the error was handled"),
    Field("recovery_succeeded", "Recovery succeeded", 1, "enum", enum=BOOL),
    Field("failure_reason", "Failure reason", 4, "enum", enum={0: "None", **FAILURE_REASON}),
    Field("process_name", "Process name", 20, "ascii"),
])
SIGNAL_TYPE = {0: "Unknown", 1: "AER", 2: "DPC"}
PCI_RECOVERY_STATUS = {
    0: "Unknown", 1: "No error", 2: "Link disable timeout", 3: "Link enable timeout",
    4: "Root port busy timeout", 5: "Complex tree", 6: "Bus not found", 7: "Device not found",
    8: "DDA AER not recoverable", 9: "Failed recovery", 10: "Recovered, no devices",
    11: "CXL AER not recoverable",
}
PCI_RECOVERY = Layout("WHEA_PCI_RECOVERY_SECTION", [
    Field("signal_type", "Signal type", 1, "enum", enum=SIGNAL_TYPE),
    Field("recovery_attempted", "Recovery attempted", 1, "enum", enum=BOOL),
    Field("recovery_status", "Recovery status", 1, "enum", enum=PCI_RECOVERY_STATUS),
])


@register(RECOVERY_INFO_GUID)
def decode_recovery_info(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, RECOVERY_INFO)
    f: dict = {}
    if "recovery_kernel" in v:
        f["recovery_kernel"] = bool(v["recovery_kernel"])
    if "recovery_action" in v:
        f["recovery_action"] = v["recovery_action"]
        f["recovery_action_names"] = [b.name for b in RECOVERY_ACTION_BITS
                                      if v["recovery_action"] >> b.bit & 1]
    if "recovery_type" in v:
        f["recovery_type"] = v["recovery_type"]
        f["recovery_type_name"] = RECOVERY_TYPE.get(v["recovery_type"])
    for key in ("irql",):
        if key in v:
            f[key] = v[key]
    if "recovery_succeeded" in v:
        f["recovery_succeeded"] = bool(v["recovery_succeeded"])
    if "failure_reason" in v:
        f["failure_reason"] = v["failure_reason"]
        f["failure_reason_name"] = FAILURE_REASON.get(v["failure_reason"])
    if "process_name" in v:
        f["process_name"] = c_string(v["process_name"])
    if whole:
        note_extra(ctx, RECOVERY_INFO.size, "recovery-info section")
    ctx.section.summary = _recovery_text(f)
    return f


def _recovery_text(f: dict) -> str:
    if "recovery_action" not in f:
        return "Windows error recovery information (truncated)"
    actions = [b.label for b in RECOVERY_ACTION_BITS if f["recovery_action"] >> b.bit & 1]
    if f["recovery_action"] & 1 or not actions:
        text = "Windows error recovery: no recovery was attempted"
    else:
        ok = f.get("recovery_succeeded")
        text = (f"Windows error recovery {'succeeded' if ok else 'did not succeed'}: "
                f"{', '.join(actions)}")
    if f.get("process_name"):
        text += f" (process {f['process_name']})"
    if f.get("failure_reason_name"):
        text += f"; failure reason {f['failure_reason_name']}"
    return text


@register(PCI_RECOVERY_GUID)
def decode_pci_recovery(ctx: SectionContext) -> dict:
    v, whole = decode_fixed(ctx, PCI_RECOVERY)
    f: dict = {}
    if "signal_type" in v:
        f["signal_type"] = v["signal_type"]
        f["signal_type_name"] = SIGNAL_TYPE.get(v["signal_type"], "Unknown")
    if "recovery_attempted" in v:
        f["recovery_attempted"] = bool(v["recovery_attempted"])
    if "recovery_status" in v:
        f["recovery_status"] = v["recovery_status"]
        f["recovery_status_name"] = PCI_RECOVERY_STATUS.get(v["recovery_status"], "Unknown")
        if v["recovery_status"] not in PCI_RECOVERY_STATUS:
            ctx.finding(NOTE, f"RecoveryStatus {v['recovery_status']} is not a known value",
                        ctx.offset + 2, 1, "enum")
    if whole:
        note_extra(ctx, PCI_RECOVERY.size, "PCI recovery section")
    ctx.section.component = "pcie"
    if "recovery_status" in f:
        tried = "attempted" if f.get("recovery_attempted") else "not attempted"
        ctx.section.summary = (f"PCIe error recovery after {f['signal_type_name']} signal: {tried}, "
                               f"status {f['recovery_status_name']}")
    else:
        ctx.section.summary = "PCIe error recovery (truncated)"
    return f
