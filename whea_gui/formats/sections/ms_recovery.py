"""Windows recovery sections: WHEA_ERROR_RECOVERY_INFO_SECTION (FORMAT.md §8.10) and
WHEA_PCI_RECOVERY_SECTION (§8.13, 3 bytes).

The recovery-info section has had more than one size (each is a layout version, not truncation):
  * 39 bytes: WDK 10.0.26100 and later declare RecoveryAction as a 64-bit union (packed, pack 1).
  * 35 bytes: WDK 10.0.20348 to 10.0.22621 declare the same fields with a 32-bit RecoveryAction.
  * 38 bytes: written by Windows 10 builds of 2019-2020 (FORMAT.md §8.2, "observed in the field");
    no published header declares it. We read it with the field offsets of the 39-byte layout and
    a 19-byte ProcessName: an assumption, said so in the note it gets.
Every value is range-checked, so a body that does not fit the layout we chose is flagged.
"""

from __future__ import annotations

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import ERROR, NOTE, WARNING
from ...core.sections import SectionContext, register
from ._kit import BOOL, decode_fixed, note_extra

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


def _recovery_layout(name: str, action_size: int, name_size: int) -> Layout:
    return Layout(name, [
        Field("recovery_kernel", "Recovery in kernel", 1, "enum", enum=BOOL),
        Field("recovery_action", "Recovery action", action_size, "flags", bits=RECOVERY_ACTION_BITS,
              reserved_mask=~0x1F & (1 << 8 * action_size) - 1),
        Field("recovery_type", "Recovery type", 4, "enum", enum=RECOVERY_TYPE),
        Field("irql", "IRQL", 1, "int", description="KIRQL when the error was handled"),
        Field("recovery_succeeded", "Recovery succeeded", 1, "enum", enum=BOOL),
        Field("failure_reason", "Failure reason", 4, "enum", enum={0: "None", **FAILURE_REASON}),
        Field("process_name", "Process name", name_size, "ascii"),
    ])


RECOVERY_INFO = _recovery_layout("WHEA_ERROR_RECOVERY_INFO_SECTION", 8, 20)
assert RECOVERY_INFO.size == 39
# declared section size -> (layout, JSON layout name, note for a size other than the current one)
RECOVERY_LAYOUTS: dict[int, tuple[Layout, str, str]] = {
    39: (RECOVERY_INFO, "wdk-10.0.26100", ""),
    38: (_recovery_layout("WHEA_ERROR_RECOVERY_INFO_SECTION (38-byte)", 8, 19), "windows10-2019",
         "38-byte Error Recovery Information section: the form Windows 10 builds of 2019-2020 wrote "
         "(no published WDK header declares it). Its first 19 bytes are read at the offsets of the "
         "current 39-byte layout; ProcessName has 19 bytes here instead of 20"),
    35: (_recovery_layout("WHEA_ERROR_RECOVERY_INFO_SECTION (35-byte)", 4, 20), "wdk-10.0.20348",
         "35-byte Error Recovery Information section: the layout WDK 10.0.20348 to 10.0.22621 "
         "declare, with a 32-bit RecoveryAction (later WDKs widened it to 64 bits, making 39 bytes)"),
}
# BOOLEAN bytes are true/false in JSON (any non-zero byte is true, as C reads it)
_AS_BOOL = dict.fromkeys(("recovery_kernel", "recovery_succeeded", "recovery_attempted"), bool)
KNOWN_IRQL_MAX = 31  # KIRQL values 0-31 exist on x64; 0xFF is what real writers leave when unset

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
    layout, layout_name, note = _choose_layout(ctx)
    v, whole = decode_fixed(ctx, layout)
    f = layout_json(layout, v, plain=("recovery_action",), convert=_AS_BOOL, after={
        "recovery_action": lambda a: {"recovery_action_names": [
            b.name for b in RECOVERY_ACTION_BITS if a >> b.bit & 1]},
        "recovery_type": lambda t: {"recovery_type_name": RECOVERY_TYPE.get(t)},
        "failure_reason": lambda r: {"failure_reason_name": FAILURE_REASON.get(r)},
    }, extra={"layout": layout_name, "layout_size": layout.size}, order=("layout", "layout_size"))
    if note:
        ctx.finding(NOTE, note, code="recovery-info-layout")
    _check_values(ctx, layout, v)
    if whole:
        note_extra(ctx, layout.size, "recovery-info section")
    ctx.section.summary = _recovery_text(f)
    return f


def _choose_layout(ctx: SectionContext) -> tuple[Layout, str, str]:
    """The layout the section's own declared length names; other sizes are reported as errors."""
    declared = ctx.declared_length
    if declared in RECOVERY_LAYOUTS:
        return RECOVERY_LAYOUTS[declared]
    if declared < RECOVERY_INFO.size:
        known = ", ".join(str(n) for n in sorted(RECOVERY_LAYOUTS))
        ctx.finding(ERROR, f"Error Recovery Information section is {declared} bytes, which is no "
                           f"known layout (known sizes: {known}); decoded as the 39-byte layout as far "
                           "as the bytes go", code="section-too-small")
    return RECOVERY_LAYOUTS[RECOVERY_INFO.size]


def _check_values(ctx: SectionContext, layout: Layout, v: dict) -> None:
    """Flag values no writer produces: either a bad section or a layout that does not fit."""
    def off(name: str) -> int:
        return ctx.offset + layout.offsets[name]

    for key in ("recovery_kernel", "recovery_succeeded"):
        if v.get(key, 0) > 1:
            ctx.finding(WARNING, f"{layout[key].label} is {v[key]}, not a BOOLEAN (0 or 1)", off(key), 1,
                        code="recovery-info-value")
    if v.get("recovery_type", 0) not in (0, *RECOVERY_TYPE):
        ctx.finding(WARNING, f"RecoveryType {v['recovery_type']} is not a known value (1, 2)",
                    off("recovery_type"), 4, code="recovery-info-value")
    if v.get("failure_reason", 0) not in (0, *FAILURE_REASON):
        ctx.finding(WARNING, f"FailureReason {v['failure_reason']} is not a known value (1-17)",
                    off("failure_reason"), 4, code="recovery-info-value")
    irql = v.get("irql", 0)
    if KNOWN_IRQL_MAX < irql < 0xFF:
        ctx.finding(WARNING, f"IRQL {irql} is above 31, the highest x64 KIRQL", off("irql"), 1,
                    code="recovery-info-value")
    action = v.get("recovery_action", 0)
    reserved = action & layout["recovery_action"].reserved_mask
    if reserved:
        ctx.finding(WARNING, f"reserved RecoveryAction bits are set (0x{reserved:X})",
                    off("recovery_action"), layout["recovery_action"].size, code="reserved")


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
    f = layout_json(PCI_RECOVERY, v, convert=_AS_BOOL, after={
        "signal_type": lambda t: {"signal_type_name": SIGNAL_TYPE.get(t, "Unknown")},
        "recovery_status": lambda t: {"recovery_status_name": PCI_RECOVERY_STATUS.get(t, "Unknown")},
    })
    if "recovery_status" in v and v["recovery_status"] not in PCI_RECOVERY_STATUS:
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
