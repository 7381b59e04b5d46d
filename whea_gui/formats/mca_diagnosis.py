""""Which part failed": a diagnosis from one machine-check bank's registers.

``diagnose`` turns MCi_STATUS / MCi_ADDR plus (AMD) MCA_IPID / MCA_SYND into the unit, error,
core, channel and address the registers name, with each claim's source field (a tree path) in
``cites`` and what cannot be decoded, and why, in ``undecoded``. It never guesses: a value the
registers do not establish stays None.

AMD: see ``amd_smca``. Intel: only architectural parts are decoded (Intel SDM vol. 3B §15.3.2.2
and §16.9): the compound MCA error code (memory-controller channel CCCC, cache level/type), the
corrected-error count (bits 52:38, architectural when MCG_CMCI_P) and the threshold status
(bits 54:53, architectural when MCG_TES_P). MSCOD (bits 31:16) and bits 36:32 are model-specific.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import amd_smca
from .mca import LL, MMM, RRRR, TT, classify_mca_code

ADDR_MASK_SMCA = (1 << 56) - 1  # MCA_ADDR[55:0] ErrorAddr; bits 61:56 hold the address LSB
THRESHOLD = {0: "no tracking", 1: "green (below threshold)", 2: "yellow (threshold exceeded)",
             3: "reserved"}
LEVEL = {0: "level-0", 1: "level-1", 2: "level-2", 3: "generic-level"}


@dataclass
class Paths:
    """Tree paths of the fields a diagnosis cites (FieldNode.path values)."""

    base: str

    def of(self, name: str) -> str:
        return f"{self.base}.{name}" if self.base else name


@dataclass
class Inputs:
    vendor: int  # WHEA_CPU_VENDOR: 1 Intel, 2 AMD
    bank: int | None
    status: int
    address: int | None = None
    apic_id: int | None = None
    ipid: int | None = None  # AMD MCA_IPID (None: the layout has no AMD registers)
    synd: int | None = None
    global_capability: int | None = None  # MCG_CAP (None: not in the layout)
    cmci_notified: bool = False  # the record says the error was signalled by CMCI
    ipid_not_recorded: bool = False  # an IPID slot exists but ExtendedRegisterCount leaves it out
    paths: Paths = field(default_factory=lambda: Paths(""))


def diagnose(i: Inputs) -> dict:
    d: dict = {"vendor": {1: "Intel", 2: "AMD"}.get(i.vendor, "Other"), "unit": None,
               "error": None, "core": None, "socket": None, "channel": None, "bank": i.bank,
               "address": None, "cites": {}, "undecoded": None, "part": None,
               "apic_id": i.apic_id, "scope": None}
    if i.bank is not None:
        d["cites"]["bank"] = i.paths.of("bank_number")
    if i.apic_id is not None:
        d["cites"]["apic_id"] = i.paths.of("apic_id")
    gaps: list[str] = []
    if not i.status >> 63 & 1:
        gaps.append("MCi_STATUS.VAL is clear: the bank holds no valid error")
        if i.vendor == 2 and i.ipid:  # MCA_IPID names the bank's unit whatever MCi_STATUS holds
            _amd_unit(i, d, amd_smca.bank_type(i.ipid))
            d["part"] = None  # but the bank holds no error: nothing failed there (no memory reading)
    elif i.vendor == 2:
        _amd(i, d, gaps)
    elif i.vendor == 1:
        _intel(i, d, gaps)
    else:
        d["error"] = classify_mca_code(i.status).text
        d["cites"]["error"] = i.paths.of("status.mca_error_code")
        gaps.append("CpuVendor is not Intel or AMD: only the architectural error code is decoded")
    if d["core"] is None and d["part"] == amd_smca.PARTS["core"]:
        gaps.append("the registers do not number the failing core; the bank is core-local, so "
                    "it is the core that logged the error"
                    + (f" (the CPU with APIC ID {i.apic_id}; its core number needs the CPU "
                       "topology)" if i.apic_id is not None else ""))
    # (a core number alone (AMD ErrCoreId) does not make a bank core-local: shared banks such as
    # the L3 report the core whose access met the error too; the scope comes from the bank type)
    if d["unit"] is not None or d["error"] is not None:
        gaps.append("the socket is not recorded (mapping an APIC ID to a socket needs the "
                    "CPU topology, which the record does not hold)")
    d["undecoded"] = "; ".join(gaps) or None
    return d


# -- AMD SMCA ----------------------------------------------------------------------------------
# why a bank number alone names no unit: its meaning depends on the CPU family (fixed per
# family before SMCA, e.g. bank 4 the northbridge on families 10h-16h; not fixed at all on SMCA
# processors, family 17h on), which this section does not hold
_AMD_BANKS = ("what an AMD bank number means depends on the CPU family, which this section does "
              "not hold; on SMCA processors (family 17h on) bank numbers are not fixed")


def _amd(i: Inputs, d: dict, gaps: list[str]) -> None:
    status, p = i.status, i.paths
    arch = classify_mca_code(status)
    if status >> 56 & 1:  # ErrCoreIdVal
        d["core"] = status >> 32 & 0x3F
        d["cites"]["core"] = p.of("status.err_core_id")
    bt = amd_smca.bank_type(i.ipid) if i.ipid else None
    if bt is None:
        d["error"] = arch.text
        d["cites"]["error"] = p.of("status.mca_error_code")
        if i.ipid_not_recorded:
            gaps.append("MCA_IPID is not in the record (ExtendedRegisterCount does not include the "
                        "AMD extended registers), so the bank's unit cannot be identified from it "
                        f"({_AMD_BANKS})")
        elif i.ipid is None:
            gaps.append("this XPF MCA layout carries no MCA_IPID, so the bank's unit cannot be "
                        f"identified from it ({_AMD_BANKS})")
        else:
            gaps.append(f"MCA_IPID 0x{i.ipid:016X} names no known SMCA bank type "
                        f"(HardwareID 0x{i.ipid >> 32 & 0xFFF:X}, McaType 0x{i.ipid >> 48:X})")
        return
    xec = status >> 16 & 0x3F
    _amd_unit(i, d, bt)
    d["extended_error_code"] = xec
    text, why = amd_smca.extended_error(bt.key, xec)
    d["error"] = text
    if text:
        d["cites"]["error"] = p.of("status.extended_error_code")
    else:
        gaps.append(why)
    if bt.key in ("umc", "umc2"):
        _amd_umc(i, d, bt.key, xec)
    elif status >> 58 & 1 and i.address is not None:  # ADDRV
        d["address"] = i.address & ADDR_MASK_SMCA
        d["address_kind"] = "MCA_ADDR[55:0]"
        d["cites"]["address"] = p.of("address")


def _amd_unit(i: Inputs, d: dict, bt) -> None:
    """The SMCA bank's unit, part and scope, from its MCA_IPID (None: no known bank type)."""
    if bt is None:
        return
    d.update(unit=bt.unit, part=bt.part, bank_type=bt.key,
             scope="core" if bt.part == amd_smca.PARTS["core"] else "shared")
    d["cites"]["unit"] = i.paths.of("amd_extended_registers.ipid")


def _amd_umc(i: Inputs, d: dict, kind: str, xec: int) -> None:
    p = i.paths
    if kind == "umc":
        d["channel"] = amd_smca.umc_channel(i.ipid)
        d["cites"]["channel"] = p.of("amd_extended_registers.ipid.umc_channel")
    if xec == 1:  # poison read back from DRAM: the data was marked bad earlier, maybe elsewhere
        d["part"] = "memory (poisoned data read back; the original fault may be elsewhere)"
    elif xec in amd_smca.UMC_DRAM_SIDE[kind]:
        d["part"] = "memory (DRAM side: DIMM, slot or channel)"
    else:
        d["part"] = "memory controller (inside the CPU)"
    if xec == 0 and i.status >> 53 & 1 and i.synd is not None:  # SyndV: rank in SYND[2:0]
        d["chip_select"] = i.synd & 7
        d["cites"]["chip_select"] = p.of("amd_extended_registers.synd.chip_select")
    if i.status >> 58 & 1 and i.address is not None:
        d["address"] = i.address & ADDR_MASK_SMCA
        d["address_kind"] = ("UMC-normalised DRAM address (channel-relative, not a system "
                             "physical address)")
        d["cites"]["address"] = p.of("address")


# -- Intel -------------------------------------------------------------------------------------
def _intel(i: Inputs, d: dict, gaps: list[str]) -> None:
    status, p = i.status, i.paths
    mca = classify_mca_code(status)
    parts = mca.parts
    code_path = p.of("status.mca_error_code")
    if mca.kind == "memory_controller":
        d["unit"] = "integrated memory controller"
        d["part"] = "memory controller / DRAM"
        d["scope"] = "shared"
        d["error"] = f"{MMM.get(parts['mmm'], 'reserved transaction')} error"
        d["channel"] = parts["channel"]
        if parts["channel"] is not None:
            d["cites"]["channel"] = p.of("status.mca_error_code.cccc")
        else:
            gaps.append("the memory controller did not say which channel (CCCC = 0xF)")
    elif mca.kind in ("cache", "tlb"):
        what = "cache" if mca.kind == "cache" else "TLB"
        d["unit"] = f"{LEVEL[parts['ll']]} {TT[parts['tt']].replace('generic', 'unified')} {what}"
        d["part"] = "CPU core or its caches"
        if parts["ll"] in (0, 1):  # level-0/1 caches and TLBs belong to one core
            d["scope"] = "core"
        d["error"] = (f"{RRRR.get(parts['rrrr'], 'reserved request')} error"
                      if mca.kind == "cache" else f"{what} error")
    elif mca.kind == "generic_cache":
        d["unit"] = f"cache hierarchy ({LL[parts['ll']]})"
        d["part"] = "CPU core or its caches"
        d["error"] = "generic cache hierarchy error"
    elif mca.kind == "bus":
        d["unit"] = "bus/interconnect"
        d["part"] = "CPU interconnect"
        d["scope"] = "shared"
        d["error"] = mca.text.split(": ", 1)[-1]
    else:
        d["error"] = mca.text
    if d["unit"] is not None:
        d["cites"]["unit"] = code_path
    if mca.kind in ("cache", "tlb", "generic_cache"):
        gaps.append("Intel MCA does not number the core (some cache banks are shared)"
                    + (f"; the error was logged on the CPU with APIC ID {i.apic_id}"
                       if i.apic_id is not None else ""))
    d["cites"]["error"] = code_path
    if i.status >> 58 & 1 and i.address is not None:
        d["address"] = i.address
        d["address_kind"] = "MCi_ADDR (its granularity and address type are in MCi_MISC)"
        d["cites"]["address"] = p.of("address")
    gcap = i.global_capability or 0
    # What the record says about MCG_CAP: absent from the layout, recorded as 0 (impossible on
    # a CPU with machine-check banks: Count, bits 7:0, is their number; so it was not filled
    # in), or recorded with the capability bit clear.
    if i.global_capability is None:
        cap_said = "this section layout has no MCG_CAP"
    elif i.global_capability == 0:
        cap_said = ("MCG_CAP is recorded as 0, which a CPU with machine-check banks never reports "
                    "(its bank count, bits 7:0, would be 0), so it was not filled in")
    else:
        cap_said = None
    corrected = not status >> 61 & 1
    if corrected and (gcap >> 10 & 1 or i.cmci_notified):
        d["corrected_error_count"] = status >> 38 & 0x7FFF
        d["cites"]["corrected_error_count"] = p.of("status.corrected_error_count")
    elif corrected:
        gaps.append("bits 52:38 are the corrected-error count only when the CPU supports CMCI "
                    "(MCG_CAP[10]); " + (cap_said or "MCG_CAP bit 10 is 0 in this record")
                    + ", and the notification type is not CMCI")
    if gcap >> 11 & 1:  # MCG_TES_P
        d["threshold_status"] = THRESHOLD[status >> 53 & 3]
        d["cites"]["threshold_status"] = p.of("status.threshold_status")
    else:
        gaps.append("threshold status (bits 54:53) is architectural only with MCG_CAP[11] "
                    "(MCG_TES_P); " + (cap_said or "MCG_CAP bit 11 is 0 in this record"))
    gaps.append(f"MSCOD 0x{status >> 16 & 0xFFFF:04X} (bits 31:16) and other information "
                f"0x{status >> 32 & 0x1F:02X} (bits 36:32) are model-specific; the section does "
                "not record the CPU model, and which unit bank "
                f"{i.bank if i.bank is not None else '?'} belongs to is model-specific too")


# -- one sentence ------------------------------------------------------------------------------
def sentence(d: dict) -> str | None:
    """'decode unit (DE): op cache data array parity error' style text, or None."""
    unit = d.get("unit")
    if unit and d.get("channel") is not None:
        unit += f" channel {d['channel']}"
    err = d.get("error")
    if not unit and not err:
        return None
    out = f"{unit}: {err}" if unit and err else (unit or err)
    if unit and not err and d.get("extended_error_code") is not None:
        out += f" (extended error code {d['extended_error_code']}, not decoded)"
    if d.get("chip_select") is not None:
        out += f", chip select {d['chip_select']}"
    if d.get("core") is not None:
        out += f", core {d['core']}"
    if d.get("corrected_error_count"):
        out += f" ({d['corrected_error_count']} corrected error(s) counted by this bank)"
    if d.get("threshold_status", "").startswith("yellow"):
        out += "; corrected-error threshold exceeded"
    return out
