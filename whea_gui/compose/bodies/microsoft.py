"""Microsoft sections (FORMAT.md §8): XPF MCA, recovery info, error packet, NMI, generic error
(an embedded ACPI status block), summaries, PMEM, MSR dump, Mu telemetry, SEA/SEI, Arm RAS node,
PCI recovery, memory extensions, memory range, extended RAS, DPC capability."""

from __future__ import annotations

import random
import struct

from ...core.fields import Layout
from ...formats.sections import (
    arm_ras,
    ms_arm,
    ms_dpc,
    ms_error_packet,
    ms_extended_ras,
    ms_memory_ext,
    ms_memory_range,
    ms_msr_dump,
    ms_mu_telemetry,
    ms_nmi,
    ms_pmem,
    ms_recovery,
    ms_summaries,
    ms_xpf_mca,
)
from ..status_block import data_entry, status_block
from ._pack import dram_address, layout, pack, pack_at, rand_guid, take
from .memory import pack_memory

# After the head (ms_xpf_mca.HEAD): what a version-4 body holds, in order (FORMAT.md §8).
XPF_MCA_V4_TAIL = layout("xpf_mca_v4_tail", [
    ("extended_registers", 192), ("global_capability", 8), ("recovery_info", 20),
    ("ex_bank_count", 4), ("bank_number_ex", 128), ("status_ex", 256), ("address_ex", 256),
    ("misc_ex", 256)])
# The ERR<n> registers after the Microsoft Arm RAS node header, as the decoder names them
MS_ARM_RAS_REGISTERS = Layout("ms_arm_ras_registers", arm_ras._reg_fields())


# SMCA MCA_IPID of a unified memory controller bank: McaType (bits 63:48) 0, HardwareID (bits 43:32)
# 0x096, InstanceId (bits 31:0) one of the UMC instances
SMCA_UMC_IPID = (0x0 << 48) | (0x096 << 32)
UMC_INSTANCE_IDS = (0x0005_0F00, 0x0015_0F00, 0x0025_0F00, 0x0035_0F00)
# FILETIME (100 ns since 1601) of 2025-03-01, the generator's default start
DEFAULT_FILETIME = 133_852_608_000_000_000


def umc_ipid(r: random.Random) -> int:
    return SMCA_UMC_IPID | r.choice(UMC_INSTANCE_IDS)


def mca_status(r: random.Random, severity: int, vendor: int, *, code: int | None = None) -> int:
    """MCi_STATUS: VAL, EN, ADDRV, MISCV, UC/PCC by severity, a memory-controller error code."""
    uncorrected = severity not in (2, 3)
    code = code if code is not None else r.choice([0x009F, 0x0090, 0x0135, 0x0150])
    status = (1 << 63) | (1 << 60) | (1 << 58) | (1 << 59) | code | (r.randrange(0, 16) << 16)
    if uncorrected:
        status |= (1 << 61) | ((1 << 57) if severity == 1 else 0)
    elif vendor == 1:
        status |= r.randrange(1, 0x7FFF) << 38  # Intel corrected error count
    return status


def pack_xpf_mca(r: random.Random, severity: int, over: dict) -> bytes:
    vendor = {"intel": 1, "amd": 2}.get(over.pop("vendor", None), r.choice([1, 2]))
    apic = take(over, "apic_id", r.randrange(0, 128))
    bank = take(over, "bank", r.randrange(0, 23 if vendor == 2 else 20))
    regs = bytes(192)
    if vendor == 2:  # AMD SMCA: IPID, SYND, CONFIG, DESTAT, DEADDR, MISC1-4, RasCap
        regs = struct.pack("<10Q", umc_ipid(r), r.getrandbits(32), 0x25, 0, 0,
                           0, 0, 0, 0, 0x3) + bytes(112)
    # the record's time when the generator gives it, else a time near its default start
    filetime = take(over, "filetime", DEFAULT_FILETIME + r.randrange(0, 86_400) * 10_000_000)
    v = {"version_number": 4, "cpu_vendor": vendor, "timestamp": filetime,
         "processor_number": take(over, "processor_number", apic), "global_status": 0x0 if severity in (2, 3) else 0x5,
         "instruction_pointer": 0, "bank_number": bank,
         "status": take(over, "status", mca_status(r, severity, vendor)),
         "address": take(over, "address", dram_address(r)), "misc": 0xD0_1A_0000_86,
         "extended_register_count": 10 if vendor == 2 else 0, "apic_id": apic,
         "extended_registers": regs, "global_capability": 0x0F000C14 if vendor == 1 else 0x117,
         "ex_bank_count": 0}
    v.update(over)
    return pack(ms_xpf_mca.HEAD, v) + pack(XPF_MCA_V4_TAIL, v)


def pack_recovery_info(r: random.Random, severity: int, over: dict) -> bytes:
    ok = take(over, "recovery_succeeded", r.random() < 0.7)
    v = {"recovery_kernel": r.randrange(0, 2), "recovery_action": 1 << r.choice([1, 3]),
         "recovery_type": 1, "irql": r.choice([0, 2]), "recovery_succeeded": int(ok),
         "failure_reason": 0 if ok else r.randrange(1, 18),
         "process_name": take(over, "process_name", r.choice(["svchost.exe", "sqlservr.exe", "System"])).encode()}
    v.update(over)
    return pack(ms_recovery.RECOVERY_INFO, v)


def pack_error_packet(r: random.Random, severity: int, over: dict) -> bytes:
    data = pack_memory(r, severity, {})
    size = ms_error_packet.V2.size
    v = {"signature": b"WHEA", "version": 3, "length": size + len(data), "flags": 0,
         "error_type": 1, "error_severity": severity, "error_source_id": r.randrange(0, 8),
         "error_source_type": 1 if severity in (2, 3) else 0,
         "notify_type": "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890", "data_format": 2,
         "data_offset": size, "data_length": len(data), "pshed_data_offset": size + len(data)}
    v.update(over)
    return pack(ms_error_packet.V2, v) + data


def pack_nmi(r: random.Random, severity: int, over: dict) -> bytes:
    return pack(ms_nmi.NMI, {"data": take(over, "data", r.choice([0x80, 0x40, 0xC0])),
                             "flags": take(over, "flags", 0)})


PLATFORM_MEMORY = "a5bc1114-6f64-4ede-b863-3e83ed7c83b1"


def pack_generic_error(r: random.Random, severity: int, over: dict) -> bytes:
    """An ACPI Generic Error Status Block holding one memory error entry (GEDE revision 0x300)."""
    body = pack_memory(r, severity, over)
    entry = data_entry(PLATFORM_MEMORY, body, severity=severity, revision=0x0300, flags=1)
    return status_block([entry], severity=severity)


def pack_memory_summary(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "count", r.randrange(1, 4))
    entries = b"".join(pack(ms_summaries.MEM_ENTRY, {
        "valid_bits": 0xF, "socket_id": r.randrange(0, 2), "channel_id": r.randrange(0, 8),
        "dimm_slot": r.randrange(0, 2), "correctable_error_count": r.randrange(1, 500)})
        for _ in range(n))
    return pack(ms_summaries.HEADER, {"version": 1, "count": n}) + entries


def pack_pcie_summary(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "count", r.randrange(1, 3))
    out = pack(ms_summaries.HEADER, {"version": 1, "count": n})
    common = [(bus, dev) for bus in (0x17, 0x3A, 0x5D) for dev in range(4)]
    # one entry per device, as Windows writes them (any bus/device when asked for more entries)
    places = r.sample(common, n) if n <= len(common) else [divmod(x, 32) for x in r.sample(range(8192), n)]
    for bus, dev in places:
        counts = [0] * 32  # one correctable-error count per AER status bit
        for b in (0, 6, 7, 12):
            counts[b] = r.randrange(0, 50)
        out += pack(ms_summaries.PCIE_ENTRY, {"valid_bits": 0x3F, "bus": bus, "device": dev, "mask": 0x2000})
        out += struct.pack("<32I", *counts)
    return out


def pack_pmem(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "pages", r.randrange(1, 4))
    head = pack(ms_pmem.HEAD, {"valid_bits": 0x7,
                               "location_info": b"NVDIMM-" + str(r.randrange(0, 12)).encode(),
                               "error_status": (3 << 8) | (1 << 18), "nfit_handle": r.getrandbits(16),
                               "page_range_count": n})
    pages = b"".join(pack(ms_pmem.PAGE_RANGE, {"starting_pfn": r.getrandbits(30), "page_count": 1,
                                               "marked_bad_bitmap": 1}) for _ in range(n))
    return head + pages


def pack_msr_dump(r: random.Random, severity: int, over: dict) -> bytes:
    data = b"".join(struct.pack("<IQ", 0x400 + 4 * i, r.getrandbits(64)) for i in range(4))
    return pack(ms_msr_dump.MSR_DUMP, {"msr_dump_length": len(data)}) + data


def pack_mu_telemetry(r: random.Random, severity: int, over: dict) -> bytes:
    return pack(ms_mu_telemetry.MU, {
        "component_id": bytes.fromhex(rand_guid(r).replace("-", "")),
        "sub_component_id": bytes.fromhex(rand_guid(r).replace("-", "")),
        "error_status_value": take(over, "status_code", 0xA0000000 | r.getrandbits(16)),
        "additional_info1": r.getrandbits(32)})


def pack_sea(r: random.Random, severity: int, over: dict) -> bytes:
    return pack(ms_arm.SEA, {"esr": 0x96000010, "far": r.getrandbits(48), "par": dram_address(r) | 0x1,
                             "was_kernel": r.randrange(0, 2)})


def pack_sei(r: random.Random, severity: int, over: dict) -> bytes:
    return pack(ms_arm.SEI, {"esr": 0xBE000011, "far": r.getrandbits(48)})


def pack_ms_arm_ras(r: random.Random, severity: int, over: dict) -> bytes:
    status = (1 << 30) | (1 << 26) | (int(severity not in (2, 3)) << 29) | (1 << 31) | r.getrandbits(16)
    head = pack(arm_ras.MS_NODE, {"node_field_count": len(arm_ras.ERR_REGS),
                                  "node_index": r.randrange(0, 64), "interface_type": r.randrange(0, 2)})
    return head + pack(MS_ARM_RAS_REGISTERS, {"err_fr": 0x0A5A, "err_ctlr": 0x10D, "err_status": status,
                                              "err_addr": dram_address(r), "err_misc0": r.getrandbits(32)})


def pack_pci_recovery(r: random.Random, severity: int, over: dict) -> bytes:
    return pack(ms_recovery.PCI_RECOVERY, {"signal_type": take(over, "signal_type", r.choice([1, 2])),
                                           "recovery_attempted": 1,
                                           "recovery_status": take(over, "status", r.choice([1, 9]))})


def pack_memory_ext_intel(r: random.Random, severity: int, over: dict) -> bytes:
    """``over`` (from the primary memory section beside it): physical_address, socket, channel,
    dimm_slot, rank, bank, row, column, so the two sections name the same place."""
    channel = take(over, "channel", r.randrange(0, 8))
    rank = take(over, "rank", r.randrange(0, 2))
    bank = take(over, "bank", r.randrange(0, 16))
    hw = pack(ms_memory_ext.INTEL_ADDR, {
        "mem_def": 1, "system_address": take(over, "physical_address", dram_address(r)),
        "device_physical_address": r.getrandbits(34),
        "channel_address": r.getrandbits(30), "rank_address": r.getrandbits(28),
        "processor_socket_id": take(over, "socket", r.randrange(0, 2)),
        "memory_controller_id": channel // 2, "logical_channel_id": channel % 2, "channel_id": channel,
        "sub_channel_id": r.randrange(0, 2), "physical_rank_id": rank,
        "dimm_slot_id": take(over, "dimm_slot", r.randrange(0, 2)), "dimm_rank_id": rank,
        "bank": bank % 4, "bank_group": bank // 4 % 4, "row": take(over, "row", r.randrange(0, 0x20000)),
        "column": take(over, "column", r.randrange(0, 0x400))})
    head = pack(ms_memory_ext.HEAD, {"flags": 0x8, "valid_bits": (1 << 26) - 1})
    return head + hw + bytes(40) + bytes(40)  # 16+70+40+40


def pack_memory_ext_amd(r: random.Random, severity: int, over: dict) -> bytes:
    """``over`` as for ``pack_memory_ext_intel``."""
    bank = take(over, "bank", r.randrange(0, 32))
    over.pop("dimm_slot", None)  # the AMD extension has no DIMM slot field
    hw = pack(ms_memory_ext.AMD_ADDR, {
        "system_physical_address": take(over, "physical_address", dram_address(r)),
        "normalized_address": r.getrandbits(36),
        "umc_bank_instance_id": umc_ipid(r), "socket_number": take(over, "socket", r.randrange(0, 2)),
        "chip_select": take(over, "rank", r.randrange(0, 4)), "bank_group": bank // 4 % 8,
        "bank_address": bank % 4, "row_address": take(over, "row", r.randrange(0, 0x40000)),
        "column_address": take(over, "column", r.randrange(0, 0x400)), "sub_channel": r.randrange(0, 2),
        "channel_id": take(over, "channel", r.randrange(0, 12))})
    head = pack(ms_memory_ext.HEAD, {"flags": 0x8, "valid_bits": (1 << 12) - 1})
    return head + hw + bytes(40) + bytes(40)  # 16+37+40+40


def pack_memory_range(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "ranges", r.randrange(1, 3))
    dev = pack_at(72, (ms_memory_range.CXL_DEVICE, {"vendor_id": 0x8086, "device_id": 0x0D93,
                                                    "bus": 0x38, "serial_number": r.getrandbits(64)}))
    head = (pack(ms_memory_range.HEAD, {"valid_bits": 0x1F, "version": 1}) + dev
            + pack(ms_memory_range.TAIL, {"range_count": n}))
    return head + b"".join(pack(ms_memory_range.RANGE, {"start": dram_address(r) & ~0xFFF, "length": 0x1000})
                           for _ in range(n))


def pack_extended_ras(r: random.Random, severity: int, over: dict) -> bytes:
    data = [r.getrandbits(64) for _ in range(4)]
    head = pack(ms_extended_ras.HEAD, {"flag": 1, "dimm_location": r.getrandbits(16),
                                       "section_length": 8 * len(data)})
    return head + struct.pack("<4Q", *data)


def pack_dpc(r: random.Random, severity: int, over: dict) -> bytes:
    return pack(ms_dpc.DPC, {"header": 0x0001001D, "dpc_capability": 0x1F20, "dpc_control": 0x0005,
                             "dpc_status": 0x0001 | (1 << 1), "dpc_error_source_id": r.getrandbits(16)})
