"""x86 machine-check registers: MCi_STATUS, the MCA error code, MCG_STATUS/MCG_CAP, AMD IPID.

Bit positions follow the Intel SDM (vol. 3B ch. 15–16) and the AMD APM (vol. 2 ch. 9) as
declared in the WDK ``MCI_STATUS`` union (FORMAT.md §8.2). Everything here is pure data plus
small functions that turn a register value into located bit nodes and a JSON dict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core.fields import Bits, bit_nodes
from ..core.model import FieldNode

CPU_VENDOR = {0: "Other", 1: "Intel", 2: "AMD"}

# -- MCi_STATUS --------------------------------------------------------------------------------
STATUS_COMMON_HIGH = (
    Bits(57, "pcc", "PCC (processor context corrupt)",
         meaning="The processor state may be corrupt: execution cannot be reliably restarted"),
    Bits(58, "addrv", "ADDRV (MCi_ADDR valid)", meaning="MCi_ADDR holds the address of the error"),
    Bits(59, "miscv", "MISCV (MCi_MISC valid)", meaning="MCi_MISC holds additional information"),
    Bits(60, "en", "EN (error enabled)", meaning="Reporting of this error was enabled in MCi_CTL"),
    Bits(61, "uc", "UC (uncorrected)", meaning="The hardware did not correct the error"),
    Bits(62, "over", "OVER (overflow)",
         meaning="Another error happened while this one was still logged; information was lost"),
    Bits(63, "val", "VAL (valid)", meaning="The register holds a valid error"),
)
STATUS_INTEL_MIDDLE = (
    Bits(32, "other_info", "Other information", 5, "Model-specific (Intel bits 32–36)"),
    Bits(37, "firmware_update_error", "Firmware update error",
         meaning="Intel: the error was reported by a firmware update (bit 37)"),
    Bits(38, "corrected_error_count", "Corrected error count", 15,
         "Intel: corrected errors counted in this bank (bits 38–52; saturates)"),
    Bits(53, "threshold_status", "Threshold-based error status", 2,
         "Intel (MCG_TES_P): 0 no tracking, 1 green, 2 yellow (threshold exceeded), 3 reserved",
         values={0: "No tracking", 1: "Green", 2: "Yellow (threshold exceeded)", 3: "Reserved"}),
    Bits(55, "ar", "AR (action required)",
         meaning="Intel: software must act (recover) before resuming the interrupted context"),
    Bits(56, "s", "S (signaled)",
         meaning="Intel: the error was signaled with a machine-check exception (UCR error)"),
)
STATUS_AMD_MIDDLE = (
    Bits(32, "impl_specific_low", "Implementation-specific", 11,
         "AMD bits 32–42 (e.g. ErrCoreId on Zen)"),
    Bits(43, "poison", "Poison", meaning="AMD: the error was caused by consuming poisoned data"),
    Bits(44, "deferred", "Deferred",
         meaning="AMD: an uncorrectable error that was deferred (not yet consumed)"),
    Bits(53, "syndv", "SyndV (MCA_SYND valid)", meaning="AMD SMCA: the syndrome register is valid"),
    Bits(55, "tcc", "TCC (task context corrupt)",
         meaning="AMD: the interrupted task's context is corrupt (bit 55)"),
)
# AMD bits 45–56 are implementation-specific; we name the two Linux/AMD-documented ones above.
STATUS_CODES = (
    Bits(0, "mca_error_code", "MCA error code", 16, "Architectural error code (compound or simple)"),
    Bits(16, "model_specific_code", "Model-specific error code", 16, "Meaning depends on the CPU model"),
)


def status_bits(vendor: int) -> tuple[Bits, ...]:
    """The MCi_STATUS bit table for a WHEA_CPU_VENDOR value (0 other, 1 Intel, 2 AMD)."""
    middle = {1: STATUS_INTEL_MIDDLE, 2: STATUS_AMD_MIDDLE}.get(vendor, ())
    return STATUS_CODES + middle + STATUS_COMMON_HIGH


# -- MCA error code (bits 0–15) ----------------------------------------------------------------
TT = {0: "instruction", 1: "data", 2: "generic", 3: "reserved"}
LL = {0: "level 0", 1: "level 1", 2: "level 2", 3: "generic level"}
RRRR = {0: "generic error (ERR)", 1: "generic read (RD)", 2: "generic write (WR)",
        3: "data read (DRD)", 4: "data write (DWR)", 5: "instruction fetch (IRD)",
        6: "prefetch (PREFETCH)", 7: "eviction (EVICT)", 8: "snoop (SNOOP)"}
PP = {0: "local processor originated the request (SRC)",
      1: "local processor responded to the request (RES)",
      2: "local processor observed the error as a third party (OBS)", 3: "generic"}
II = {0: "memory (M)", 1: "reserved", 2: "I/O (IO)", 3: "other (OTHER)"}
MMM = {0: "generic undefined request (GEN)", 1: "memory read (RD)", 2: "memory write (WR)",
       3: "address/command (AC)", 4: "memory scrubbing (MS)"}
T_BIT = {0: "no timeout", 1: "request timed out"}
SIMPLE_CODES = {
    0x0000: "no error",
    0x0001: "unclassified error",
    0x0002: "microcode ROM parity error",
    0x0003: "external error (BINIT# from another processor)",
    0x0004: "functional redundancy check (FRC) error",
    0x0005: "internal parity error",
    0x0006: "SMM handler code access violation",
    0x0400: "internal timer error",
    0x0E0B: "I/O error",
}


@dataclass(frozen=True)
class McaCode:
    """A classified MCA error code."""

    code: int
    kind: str  # simple | generic_cache | tlb | memory_controller | cache | bus | internal | unknown
    kind_name: str
    text: str
    bits: tuple[Bits, ...]  # sub-field layout (positions within the 64-bit status word)
    parts: dict  # sub-field values, JSON-ready


_F_BIT = Bits(12, "f", "F (corrected-error filtering)",
              meaning="Intel: 1 = the corrected error was filtered (no CMCI); AMD: not defined")
_LL = Bits(0, "ll", "LL (memory hierarchy level)", 2, values=LL)
_TT = Bits(2, "tt", "TT (transaction type)", 2, values=TT)
_RRRR = Bits(4, "rrrr", "RRRR (request)", 4, values=RRRR)


def classify_mca_code(code: int) -> McaCode:
    """Split a 16-bit MCA error code into its simple/compound form (Intel SDM 16.9, AMD APM)."""
    code &= 0xFFFF
    c = code & 0xEFFF  # bit 12 (F) does not change the form of a compound code
    ll, tt, rrrr = code & 3, code >> 2 & 3, code >> 4 & 0xF
    if code in SIMPLE_CODES:
        return McaCode(code, "simple", "Simple error code", SIMPLE_CODES[code], (), {})
    if c & 0xF800 == 0x0800:
        pp, t, ii = code >> 9 & 3, code >> 8 & 1, code >> 2 & 3
        bits = (_LL, Bits(2, "ii", "II (memory or I/O)", 2, values=II), _RRRR,
                Bits(8, "t", "T (timeout)", values=T_BIT),
                Bits(9, "pp", "PP (participation)", 2, values=PP), _F_BIT)
        text = (f"bus/interconnect error: {RRRR.get(rrrr, f'reserved request {rrrr}')}, "
                f"{II[ii]} space, {LL[ll]}; {PP[pp]}; {T_BIT[t]}")
        return McaCode(code, "bus", "Bus and interconnect error", text, bits,
                       {"ll": ll, "ii": ii, "rrrr": rrrr, "t": t, "pp": pp,
                        "f": code >> 12 & 1})
    if c & 0xFF00 == 0x0100:
        text = (f"cache hierarchy error: {RRRR.get(rrrr, f'reserved request {rrrr}')} in the "
                f"{LL[ll]} {TT[tt]} cache")
        return McaCode(code, "cache", "Cache hierarchy error", text, (_LL, _TT, _RRRR, _F_BIT),
                       {"ll": ll, "tt": tt, "rrrr": rrrr, "f": code >> 12 & 1})
    if c & 0xFF80 == 0x0080:
        mmm, cccc = code >> 4 & 7, code & 0xF
        chan = "channel not specified" if cccc == 0xF else f"channel {cccc}"
        bits = (Bits(0, "cccc", "CCCC (channel)", 4, "15 = channel not specified"),
                Bits(4, "mmm", "MMM (memory transaction)", 3, values=MMM), _F_BIT)
        text = f"memory controller error: {MMM.get(mmm, f'reserved transaction {mmm}')}, {chan}"
        return McaCode(code, "memory_controller", "Memory controller error", text, bits,
                       {"mmm": mmm, "cccc": cccc, "channel": None if cccc == 0xF else cccc,
                        "f": code >> 12 & 1})
    if c & 0xFFF0 == 0x0010:
        text = f"TLB error: {LL[ll]} {TT[tt]} TLB"
        return McaCode(code, "tlb", "TLB error", text, (_LL, _TT, _F_BIT),
                       {"ll": ll, "tt": tt, "f": code >> 12 & 1})
    if c & 0xFFFC == 0x000C:
        text = f"generic cache hierarchy error, {LL[ll]}"
        return McaCode(code, "generic_cache", "Generic cache hierarchy error", text, (_LL, _F_BIT),
                       {"ll": ll, "f": code >> 12 & 1})
    if code & 0xFC00 == 0x0400:
        return McaCode(code, "internal", "Internal unclassified error",
                       f"internal unclassified error (0x{code:04X})", (), {})
    return McaCode(code, "unknown", "Unknown / reserved error code",
                   f"reserved or model-specific error code 0x{code:04X}", (), {})


# -- status word as a located node --------------------------------------------------------------
def status_json(value: int, vendor: int) -> dict:
    mca = classify_mca_code(value & 0xFFFF)
    out = {
        "value": value,
        "valid": bool(value >> 63 & 1), "overflow": bool(value >> 62 & 1),
        "uncorrected": bool(value >> 61 & 1), "enabled": bool(value >> 60 & 1),
        "misc_valid": bool(value >> 59 & 1), "addr_valid": bool(value >> 58 & 1),
        "pcc": bool(value >> 57 & 1),
        "mca_error_code": mca.code, "mca_error_kind": mca.kind, "mca_error_text": mca.text,
        "mca_error_fields": mca.parts,
        "model_specific_code": value >> 16 & 0xFFFF,
    }
    if vendor == 1:
        out.update(other_info=value >> 32 & 0x1F, firmware_update_error=bool(value >> 37 & 1),
                   corrected_error_count=value >> 38 & 0x7FFF, threshold_status=value >> 53 & 3,
                   ar=bool(value >> 55 & 1), s=bool(value >> 56 & 1))
    elif vendor == 2:
        out.update(poison=bool(value >> 43 & 1), deferred=bool(value >> 44 & 1),
                   syndv=bool(value >> 53 & 1), tcc=bool(value >> 55 & 1))
    return out


def status_text(value: int, vendor: int) -> str:
    flags = [b.label.split(" ")[0] for b in status_bits(vendor)
             if b.width == 1 and value >> b.bit & 1]
    return f"0x{value:016X}" + (f" ({', '.join(flags)})" if flags else "")


def status_node(name: str, label: str, value: int, offset: int, vendor: int,
                description: str = "MCi_STATUS",
                extra: Callable[[], list[FieldNode]] | None = None) -> FieldNode:
    """The MCi_STATUS node; its children (made lazily) are every bit field, the MCA error code
    with its compound sub-fields as grandchildren, then whatever ``extra`` returns (the
    diagnosis nodes, known only once the rest of the section is decoded)."""
    def make(_n: FieldNode) -> list[FieldNode]:
        kids = bit_nodes(status_bits(vendor), value, offset, 8)
        mca = classify_mca_code(value & 0xFFFF)
        code_node = kids[0]
        code_node.display = f"0x{mca.code:04X}: {mca.text}"
        code_node.description = mca.kind_name
        if mca.bits:
            sub = mca.bits if vendor != 2 else tuple(b for b in mca.bits if b.name != "f")
            for k in bit_nodes(sub, value, offset, 8):
                code_node.add(k)
        if vendor == 1:
            kids[1].description = ("Model-specific (MSCOD): its meaning depends on the CPU model, "
                                   "which the section does not record; not decoded")
        return kids + (extra() if extra else [])
    return FieldNode(name, label, value, status_text(value, vendor), offset, 8, kind="flags",
                     description=description, make_children=make)


# -- MCG_STATUS / MCG_CAP ----------------------------------------------------------------------
MCG_STATUS_BITS = (
    Bits(0, "ripv", "RIPV (restart IP valid)", meaning="Execution can restart at the saved IP"),
    Bits(1, "eipv", "EIPV (error IP valid)", meaning="The saved IP is the instruction that erred"),
    Bits(2, "mcip", "MCIP (machine check in progress)"),
    Bits(3, "lmce_s", "LMCE_S (local MCE)", meaning="The machine check was delivered to this CPU only"),
)
MCG_CAP_BITS = (
    Bits(0, "count", "Bank count", 8, "Number of MCA banks"),
    Bits(8, "mcg_ctl_p", "MCG_CTL_P (control MSR present)"),
    Bits(9, "mcg_ext_p", "MCG_EXT_P (extended MSRs present)"),
    Bits(10, "mcg_cmci_p", "MCG_CMCI_P (CMCI supported)"),
    Bits(11, "mcg_tes_p", "MCG_TES_P (threshold error status present)"),
    Bits(16, "mcg_ext_cnt", "MCG_EXT_CNT (extended registers)", 8),
    Bits(24, "mcg_ser_p", "MCG_SER_P (software error recovery)"),
    Bits(25, "mcg_emc_p", "MCG_EMC_P (enhanced MC capability)"),
    Bits(26, "mcg_elog_p", "MCG_ELOG_P (extended error logging)"),
    Bits(27, "mcg_lmce_p", "MCG_LMCE_P (local MCE)"),
)


# -- AMD SMCA IPID ---------------------------------------------------------------------------------
# (HardwareID, McaType) → bank type, from AMD's SMCA documentation (as used by Linux mce/amd.c).
SMCA_BANK_TYPES = {
    (0xB0, 0x0): "LS (load-store unit)", (0xB0, 0x10): "LS (load-store unit)",
    (0xB0, 0x1): "IF (instruction fetch unit)", (0xB0, 0x2): "L2 cache",
    (0xB0, 0x3): "DE (decode unit)", (0xB0, 0x5): "EX (execution unit)",
    (0xB0, 0x6): "FP (floating-point unit)", (0xB0, 0x7): "L3 cache",
    (0x2E, 0x0): "CS (coherent slave)", (0x2E, 0x2): "CS (coherent slave)",
    (0x2E, 0x1): "PIE (power, interrupts, etc.)",
    (0x96, 0x0): "UMC (unified memory controller)", (0x96, 0x1): "UMC (unified memory controller)",
    (0x05, 0x0): "PB (parameter block)", (0xFF, 0x0): "PSP (platform security processor)",
    (0xFF, 0x1): "PSP (platform security processor)", (0x01, 0x0): "SMU (system management unit)",
    (0x01, 0x1): "SMU (system management unit)", (0x01, 0x2): "MP5 (microprocessor 5)",
    (0x01, 0x3): "MPDMA", (0x18, 0x0): "NBIO (northbridge I/O)", (0x46, 0x0): "PCIe root port",
    (0x46, 0x1): "PCIe root port", (0x50, 0x0): "xGMI PCS", (0x6C, 0x0): "NBIF", (0x80, 0x0): "SHUB",
    (0xA8, 0x0): "SATA", (0xAA, 0x0): "USB", (0x241, 0x0): "GMI PCS", (0x259, 0x0): "xGMI PHY",
    (0x267, 0x0): "WAFL PHY", (0x269, 0x0): "GMI PHY", (0x2E, 0x4): "MALL (memory-attached LLC)",
    (0x170, 0x0): "USR data plane", (0x180, 0x0): "USR control plane",
}
# Diagnosis tables (unit names, extended error codes) live in amd_smca.py.
IPID_BITS = (
    Bits(0, "instance_id", "Instance ID", 32),
    Bits(32, "hardware_id", "Hardware ID", 12),
    Bits(48, "mca_type", "MCA type", 16),
)


def smca_bank_type(ipid: int) -> str | None:
    if not ipid:
        return None
    return SMCA_BANK_TYPES.get((ipid >> 32 & 0xFFF, ipid >> 48 & 0xFFFF))
