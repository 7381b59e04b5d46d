"""AMD Scalable MCA (Zen 1–5): which unit a bank is, and what its extended error code means.

Facts (not text) from AMD's public Processor Programming References for Families 17h/19h and
from how Linux (arch/x86/kernel/cpu/mce/amd.c, drivers/edac/mce_amd.c, amd64_edac.c) and
rasdaemon (mce-amd-smca.c) read them:

- MCA_IPID identifies the bank's hardware block: HardwareID bits 43:32 plus McaType bits 63:48
  (bank numbers are not fixed on SMCA CPUs, so the bank number alone names nothing).
- MCA_STATUS bits 21:16 hold the extended error code (XEC), whose meaning depends on the block.
- MCA_STATUS bit 56 ErrCoreIdVal says bits 37:32 (ErrCoreId) name the core within the processor.
- A UMC bank's channel is MCA_IPID bits 31:20 (its InstanceId); with SyndV set, MCA_SYND bits 2:0
  hold the chip select (rank) of a DRAM ECC error; MCA_ADDR is then a UMC-normalised address
  (channel-relative), not a system physical address.

Descriptions are our own short wording of those tables. Where AMD reassigned codes on some
models (Genoa erratum 1384 for CS v2 codes ≥ 9; MI300 UMC) the record alone cannot tell which
table applies, so such codes are reported as ambiguous instead of guessed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BankType:
    key: str  # short id, e.g. "ls2"
    unit: str  # readable unit name
    part: str  # which part of the machine: see PARTS


# What a technician replaces or looks at, by bank type.
PARTS = {
    "core": "CPU core",
    "l3": "CPU L3 cache (shared by a core complex)",
    "fabric": "CPU Data Fabric (on-die interconnect)",
    "memory": "memory controller / DRAM",
    "io": "CPU I/O hub",
    "link": "CPU socket-to-socket / die-to-die link",
    "mp": "on-die management processor",
}


def _bt(key: str, unit: str, part: str) -> BankType:
    return BankType(key, unit, PARTS[part])


# (HardwareID, McaType) → bank type.
BANK_TYPES: dict[tuple[int, int], BankType] = {
    (0xB0, 0x0): _bt("ls", "load-store unit (LS)", "core"),
    (0xB0, 0x10): _bt("ls2", "load-store unit (LS)", "core"),
    (0xB0, 0x1): _bt("if", "instruction fetch unit (IF)", "core"),
    (0xB0, 0x2): _bt("l2", "L2 cache", "core"),
    (0xB0, 0x3): _bt("de", "decode unit (DE)", "core"),
    (0xB0, 0x5): _bt("ex", "execution unit (EX)", "core"),
    (0xB0, 0x6): _bt("fp", "floating-point unit (FP)", "core"),
    (0xB0, 0x7): _bt("l3", "L3 cache", "l3"),
    (0x2E, 0x0): _bt("cs", "Data Fabric coherent slave (CS)", "fabric"),
    (0x2E, 0x1): _bt("pie", "Data Fabric power/interrupt block (PIE)", "fabric"),
    (0x2E, 0x2): _bt("cs2", "Data Fabric coherent slave (CS)", "fabric"),
    (0x2E, 0x4): _bt("mall", "memory-attached last-level cache (MALL)", "fabric"),
    (0x96, 0x0): _bt("umc", "unified memory controller (UMC)", "memory"),
    (0x96, 0x1): _bt("umc2", "unified memory controller v2 (UMC)", "memory"),
    (0x05, 0x0): _bt("pb", "parameter block (PB)", "mp"),
    (0xFF, 0x0): _bt("psp", "platform security processor (PSP)", "mp"),
    (0xFF, 0x1): _bt("psp2", "platform security processor (PSP)", "mp"),
    (0x01, 0x0): _bt("smu", "system management unit (SMU)", "mp"),
    (0x01, 0x1): _bt("smu2", "system management unit (SMU)", "mp"),
    (0x01, 0x2): _bt("mp5", "microprocessor 5 (MP5)", "mp"),
    (0x01, 0x3): _bt("mpdma", "MPDMA engine", "mp"),
    (0x18, 0x0): _bt("nbio", "northbridge I/O (NBIO)", "io"),
    (0x46, 0x0): _bt("pcie", "PCIe root complex", "io"),
    (0x46, 0x1): _bt("pcie2", "PCIe root complex", "io"),
    (0x50, 0x0): _bt("xgmi_pcs", "xGMI link PCS", "link"),
    (0x6C, 0x0): _bt("nbif", "NBIF", "io"),
    (0x80, 0x0): _bt("shub", "system hub (SHUB)", "io"),
    (0xA8, 0x0): _bt("sata", "SATA controller", "io"),
    (0xAA, 0x0): _bt("usb", "USB controller", "io"),
    (0x170, 0x0): _bt("usr_dp", "ultra-short-reach link data plane", "link"),
    (0x180, 0x0): _bt("usr_cp", "ultra-short-reach link control plane", "link"),
    (0x241, 0x0): _bt("gmi_pcs", "GMI link PCS", "link"),
    (0x259, 0x0): _bt("xgmi_phy", "xGMI link PHY", "link"),
    (0x267, 0x0): _bt("wafl_phy", "WAFL link PHY", "link"),
    (0x269, 0x0): _bt("gmi_phy", "GMI link PHY", "link"),
}

_DC_TAG = "data cache tag error (type {})"
# Extended error code (MCA_STATUS bits 21:16) → description, per bank type.
XEC: dict[str, tuple[str, ...]] = {
    "ls": ("load queue parity error", "store queue parity error",
           "miss address buffer payload parity error", "L1 TLB parity error",
           _DC_TAG.format(5), _DC_TAG.format(6), _DC_TAG.format(1), "internal error (type 1)",
           "internal error (type 2)", "system read data error (thread 0)",
           "system read data error (thread 1)", _DC_TAG.format(2),
           "data cache data error (type 1: poison consumed)", "data cache data error (type 2)",
           "data cache data error (type 3)", _DC_TAG.format(4), "L2 TLB parity error",
           "page directory cache parity error", _DC_TAG.format(3), _DC_TAG.format(5),
           "L2 fill data error", "store commit buffer state/address error",
           "store commit buffer data error (commit pipe 0)",
           "store commit buffer data error (commit pipe 1)",
           "store commit buffer data error (non-cacheable DRAM or I/O)",
           "system read data error seen by the write-combining buffer", "hardware assertion"),
    "ls2": ("data cache data ECC error on a probe or eviction read",
            "data cache data ECC error (or L2 poison) on a load",
            "data cache data ECC error on a store read-modify-write",
            "data cache tag ECC error or poison mismatch on a probe or eviction",
            "data cache tag ECC error or poison mismatch on a load",
            "data cache tag ECC error or poison mismatch on a store",
            "EMEM ECC error on a load", "EMEM ECC error on a store read-modify-write",
            "L1 TLB parity error", "L2 TLB parity error", "page walk cache parity error",
            "store queue parity error", "load queue parity error",
            "miss address buffer parity error", "store commit buffer state parity error",
            "store commit buffer address parity error", "store commit buffer data parity error",
            "write-combining buffer parity error", "poisoned line in the store commit buffer",
            "system read data error on L2 data returned for a load",
            "system read data error on L2 data returned for a store",
            "system read data error on L2 data returned for a write-combining store",
            "hardware assertion",
            "parity error in store-to-load forwarding or store data buffers"),
    "if": ("micro-tag probe port parity error",
           "instruction cache micro-tag or full-tag multi-hit", "instruction cache tag parity error",
           "instruction cache data array parity error", "prefetch request queue parity error",
           "L0 instruction TLB parity error", "L1 instruction TLB parity error",
           "L2 instruction TLB parity error", "branch prediction queue snoop parity error (thread 0)",
           "branch prediction queue snoop parity error (thread 1)",
           "L1 branch target buffer multi-hit", "L2 branch target buffer multi-hit",
           "poison in an L2 cache response", "system read data error", "hardware assertion",
           "L1 TLB multi-hit", "L2 TLB multi-hit", "BSR parity error", "CT machine check"),
    "l2": ("L2 tag multi-way hit", "L2 tag or state array ECC error", "L2 data array ECC error",
           "hardware assertion", "SDP read response parity error",
           "error raised by the programmable state machine"),
    "de": ("op cache tag array parity error", "op cache data array parity error",
           "instruction byte buffer register file parity error", "micro-op queue parity error",
           "instruction dispatch queue parity error", "fetch address FIFO parity error",
           "patch RAM data parity error", "patch RAM sequencer parity error",
           "micro-op fetch queue parity error", "hardware assertion"),
    "ex": ("watchdog timeout", "physical register file parity error",
           "flag register file parity error", "immediate/displacement register file parity error",
           "address generator payload parity error", "EX payload parity error",
           "checkpoint queue parity error", "retire dispatch queue parity error",
           "retire status queue parity error", "scheduler queue parity error",
           "branch buffer queue parity error", "hardware assertion",
           "speculative map parity error", "retire map parity error"),
    "fp": ("physical register file parity error", "free list parity error",
           "schedule queue parity error", "NSQ parity error", "retire queue parity error",
           "status register file parity error", "hardware assertion",
           "mask (K) register file parity error"),
    "l3": ("shadow tag ECC error", "shadow tag multi-way hit", "L3 tag ECC error",
           "L3 tag multi-way hit", "L3 data array ECC error", "SDP parity error from XI",
           "Data Fabric error on an L3 victim", "hardware assertion",
           "poison created from an XI write-combining buffer parity error",
           "error raised by a DSM action"),
    "cs": ("illegal request", "address violation", "security violation", "illegal response",
           "unexpected response", "request or probe parity error", "read response parity error",
           "atomic request parity error", "probe filter ECC error"),
    "cs2": ("illegal request", "address violation", "security violation", "illegal response",
            "unexpected response", "request or probe parity error", "read response parity error",
            "atomic request parity error"),  # codes ≥ 8 differ by model: see CS2_MODEL_SPECIFIC
    "pie": ("hardware assertion", "register security violation", "link error",
            "poisoned data consumed", "deferred error detected in the Data Fabric",
            "watchdog timer", "CNLI SRAM ECC error", "register access during a Data Fabric C-state",
            "DSM error"),
    "umc": ("DRAM ECC error", "data poison error on DRAM", "SDP parity error",
            "advanced peripheral bus error", "command/address parity error",
            "write data CRC error", "DCQ SRAM ECC error", "AES SRAM ECC error", "ECS row error",
            "ECS error", "UMC throttling", "read CRC error", "reserved", "reserved", "reserved",
            "reserved", "RFM SRAM ECC error"),
    "umc2": ("DRAM ECC error", "data poison error", "SDP parity error", "reserved",
             "command/address parity error", "write data parity error", "DCQ SRAM ECC error",
             "reserved", "read data parity error", "RDB SRAM ECC error",
             "read response SRAM ECC error", "LM32 MP error"),
    "pb": ("parameter block RAM ECC error",),
    "psp": ("ECC or parity error in a PSP RAM",),
    "smu": ("ECC or parity error in an SMU RAM",),
    "nbio": ("ECC or parity error", "PCIe error", "external SDP error event",
             "SDP egress poison", "internal poison", "internal system fatal error event"),
}
# CS v2 codes 8 and up were reassigned on some Family 19h/1Ah models (Genoa erratum 1384);
# both readings are given because the section does not record the CPU model.
CS2_MODEL_SPECIFIC = {
    8: ("SDP read response without a matching CS queue entry",) * 2,
    9: ("probe filter protocol error", "unexpected RETRY on an SDP read response"),
    10: ("probe filter ECC error", "counter overflow"),
    11: ("unexpected RETRY on an SDP read response", "counter underflow"),
    12: ("counter overflow", "probe filter protocol error"),
    13: ("counter underflow", "probe filter ECC error"),
    14: ("illegal request on the no-data channel",) * 2,
    15: ("address violation on the no-data channel",) * 2,
    16: ("security violation on the no-data channel",) * 2,
    17: ("hardware assertion",) * 2,
    18: ("shadow tag array protocol error", None),
    19: ("shadow tag ECC error", None),
    20: ("shadow tag transaction error", None),
}
# UMC errors that point at the DIMM side rather than the controller's own SRAMs.
UMC_DRAM_SIDE = {"umc": {0, 4, 5, 8, 9, 11}, "umc2": {0, 4, 5, 8}}


def bank_type(ipid: int) -> BankType | None:
    if not ipid:
        return None
    return BANK_TYPES.get((ipid >> 32 & 0xFFF, ipid >> 48 & 0xFFFF))


def extended_error(kind: str, xec: int) -> tuple[str | None, str | None]:
    """(description, why not) for extended error code ``xec`` of bank type ``kind``."""
    if kind == "cs2" and xec in CS2_MODEL_SPECIFIC:
        usual, erratum = CS2_MODEL_SPECIFIC[xec]
        if usual == erratum:
            return usual, None
        alt = f"or, on models with Genoa erratum 1384, {erratum}" if erratum else \
              "undefined on models with Genoa erratum 1384"
        return None, (f"extended error code {xec} of a CS v2 bank means \"{usual}\" "
                      f"({alt}); the section does not record the CPU model")
    table = XEC.get(kind)
    if table is None:
        return None, f"no extended-error table for this bank type; code {xec} left undecoded"
    if xec >= len(table) or table[xec] == "reserved":
        return None, f"extended error code {xec} is not defined in the table for this bank type"
    return table[xec], None


def umc_channel(ipid: int) -> int:
    """UMC channel: MCA_IPID bits 31:20 (the InstanceId's channel part)."""
    return ipid >> 20 & 0xFFF
