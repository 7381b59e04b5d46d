"""Microsoft sections (FORMAT.md §8): XPF MCA, recovery info, error packet, NMI, generic error
(an embedded ACPI status block), summaries, PMEM, MSR dump, Mu telemetry, SEA/SEI, Arm RAS node,
PCI recovery, memory extensions, memory range, extended RAS, DPC capability."""

from __future__ import annotations

import random
import struct

from ._pack import dram_address, layout, pack, rand_guid, take
from .memory import pack_memory

XPF_MCA_V4 = layout("xpf_mca_v4", [
    ("version", 4), ("cpu_vendor", 4), ("timestamp", 8), ("processor_number", 4),
    ("global_status", 8), ("instruction_pointer", 8), ("bank_number", 4), ("status", 8),
    ("address", 8), ("misc", 8), ("extended_register_count", 4), ("apic_id", 4),
    ("extended_registers", 192), ("global_capability", 8), ("recovery_info", 20),
    ("ex_bank_count", 4), ("bank_number_ex", 128), ("status_ex", 256), ("address_ex", 256),
    ("misc_ex", 256)])


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
        regs = struct.pack("<10Q", 0x0000_9600_5000_0000 | bank, r.getrandbits(32), 0x25, 0, 0,
                           0, 0, 0, 0, 0x3) + bytes(112)
    v = {"version": 4, "cpu_vendor": vendor, "timestamp": take(over, "filetime", r.getrandbits(56)),
         "processor_number": take(over, "processor_number", apic), "global_status": 0x0 if severity in (2, 3) else 0x5,
         "instruction_pointer": 0, "bank_number": bank,
         "status": take(over, "status", mca_status(r, severity, vendor)),
         "address": take(over, "address", dram_address(r)), "misc": 0xD0_1A_0000_86,
         "extended_register_count": 10 if vendor == 2 else 0, "apic_id": apic,
         "extended_registers": regs, "global_capability": 0x0F000C14 if vendor == 1 else 0x117,
         "ex_bank_count": 0}
    v.update(over)
    return pack(XPF_MCA_V4, v)


RECOVERY = layout("recovery_info", [
    ("recovery_kernel", 1), ("recovery_action", 8), ("recovery_type", 4), ("irql", 1),
    ("recovery_succeeded", 1), ("failure_reason", 4), ("process_name", 20)])


def pack_recovery_info(r: random.Random, severity: int, over: dict) -> bytes:
    ok = take(over, "recovery_succeeded", r.random() < 0.7)
    v = {"recovery_kernel": r.randrange(0, 2), "recovery_action": 1 << r.choice([1, 3]),
         "recovery_type": 1, "irql": r.choice([0, 2]), "recovery_succeeded": int(ok),
         "failure_reason": 0 if ok else r.randrange(1, 18),
         "process_name": take(over, "process_name", r.choice(["svchost.exe", "sqlservr.exe", "System"])).encode()}
    v.update(over)
    return pack(RECOVERY, v)


PACKET_V2 = layout("error_packet_v2", [
    ("signature", 4), ("version", 4), ("length", 4), ("flags", 4), ("error_type", 4),
    ("error_severity", 4), ("error_source_id", 4), ("error_source_type", 4), ("notify_type", 16),
    ("context", 8), ("data_format", 4), ("reserved1", 4), ("data_offset", 4), ("data_length", 4),
    ("pshed_data_offset", 4), ("pshed_data_length", 4)])


def pack_error_packet(r: random.Random, severity: int, over: dict) -> bytes:
    data = pack_memory(r, severity, {})
    v = {"signature": b"WHEA", "version": 3, "length": 80 + len(data), "flags": 0,
         "error_type": 1, "error_severity": severity, "error_source_id": r.randrange(0, 8),
         "error_source_type": 1 if severity in (2, 3) else 0,
         "notify_type": "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890", "data_format": 2,
         "data_offset": 80, "data_length": len(data), "pshed_data_offset": 80 + len(data)}
    v.update(over)
    return pack(PACKET_V2, v) + data


def pack_nmi(r: random.Random, severity: int, over: dict) -> bytes:
    return struct.pack("<QI", take(over, "data", r.choice([0x80, 0x40, 0xC0])), take(over, "flags", 0))


def pack_generic_error(r: random.Random, severity: int, over: dict) -> bytes:
    """An ACPI Generic Error Status Block holding one memory error entry (GEDE revision 0x300)."""
    body = pack_memory(r, severity, over)
    gede = struct.pack("<16sIHBBI16s20s8s", bytes.fromhex("1411bca5646fde4eb8633e83ed7c83b1"),
                       severity, 0x0300, 0, 1, len(body), bytes(16), bytes(20), bytes(8))
    block = 0x2 if severity in (2, 3) else 0x1
    header = struct.pack("<5I", block | (1 << 4), 0, 0, len(gede) + len(body), severity)
    return header + gede + body


def pack_memory_summary(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "count", r.randrange(1, 4))
    entries = b"".join(struct.pack("<QIIII", 0xF, r.randrange(0, 2), r.randrange(0, 8),
                                   r.randrange(0, 2), r.randrange(1, 500)) for _ in range(n))
    return struct.pack("<HH", 1, n) + entries


def pack_pcie_summary(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "count", r.randrange(1, 3))
    out = struct.pack("<HH", 1, n)
    for _ in range(n):
        counts = [0] * 32
        for b in (0, 6, 7, 12):
            counts[b] = r.randrange(0, 50)
        out += struct.pack("<QIIIII32I", 0x3F, 0, r.choice([0x17, 0x3A, 0x5D]), r.randrange(0, 4), 0,
                           0x2000, *counts)
    return out


def pack_pmem(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "pages", r.randrange(1, 4))
    head = struct.pack("<Q64sQII", 0x7, b"NVDIMM-" + str(r.randrange(0, 12)).encode(),
                       (3 << 8) | (1 << 18), r.getrandbits(16), n)
    pages = b"".join(struct.pack("<QQQ", r.getrandbits(30), 1, 1) for _ in range(n))
    return head + pages


def pack_msr_dump(r: random.Random, severity: int, over: dict) -> bytes:
    data = b"".join(struct.pack("<IQ", 0x400 + 4 * i, r.getrandbits(64)) for i in range(4))
    return struct.pack("<BI", 0, len(data)) + data


def pack_mu_telemetry(r: random.Random, severity: int, over: dict) -> bytes:
    return struct.pack("<16s16sIIQQ", bytes.fromhex(rand_guid(r).replace("-", "")),
                       bytes.fromhex(rand_guid(r).replace("-", "")), 0,
                       take(over, "status_code", 0xA0000000 | r.getrandbits(16)), r.getrandbits(32), 0)


def pack_sea(r: random.Random, severity: int, over: dict) -> bytes:
    return struct.pack("<IQQB", 0x96000010, r.getrandbits(48), dram_address(r) | 0x1, r.randrange(0, 2))


def pack_sei(r: random.Random, severity: int, over: dict) -> bytes:
    return struct.pack("<IQ", 0xBE000011, r.getrandbits(48))


def pack_ms_arm_ras(r: random.Random, severity: int, over: dict) -> bytes:
    status = (1 << 30) | (1 << 26) | (int(severity not in (2, 3)) << 29) | (1 << 31) | r.getrandbits(16)
    return struct.pack("<IIBB6s8Q", 8, r.randrange(0, 64), r.randrange(0, 2), 0, b"", 0x0A5A, 0x10D,
                       status, dram_address(r), r.getrandbits(32), 0, 0, 0)


def pack_pci_recovery(r: random.Random, severity: int, over: dict) -> bytes:
    return bytes([take(over, "signal_type", r.choice([1, 2])), 1, take(over, "status", r.choice([1, 9]))])


def pack_memory_ext_intel(r: random.Random, severity: int, over: dict) -> bytes:
    hw = struct.pack("<I5Q11BII7B", 1, dram_address(r), 0, r.getrandbits(34), r.getrandbits(30),
                     r.getrandbits(28), r.randrange(0, 2), r.randrange(0, 4), 0, r.randrange(0, 2),
                     r.randrange(0, 8), r.randrange(0, 2), r.randrange(0, 2), r.randrange(0, 2),
                     r.randrange(0, 2), r.randrange(0, 4), r.randrange(0, 4), r.randrange(0, 0x20000),
                     r.randrange(0, 0x400), 0, 0, 0, 0, 0, 0, 0)
    return struct.pack("<QQ", 0x8, (1 << 26) - 1) + hw + bytes(40) + bytes(40)  # 16+70+40+40


def pack_memory_ext_amd(r: random.Random, severity: int, over: dict) -> bytes:
    hw = struct.pack("<3Q4BIH3B", dram_address(r), r.getrandbits(36), 0x0000_9600_5000_0000,
                     r.randrange(0, 2), r.randrange(0, 4), r.randrange(0, 8), r.randrange(0, 4),
                     r.randrange(0, 0x40000), r.randrange(0, 0x400), 0, r.randrange(0, 2), r.randrange(0, 12))
    return struct.pack("<QQ", 0x8, (1 << 12) - 1) + hw + bytes(40) + bytes(40)  # 16+37+40+40


def pack_memory_range(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "ranges", r.randrange(1, 3))
    dev = struct.pack("<HHBBBHHBQ", 0x8086, 0x0D93, 0, 0, 0x38, 0, 0, 0, r.getrandbits(64)).ljust(72, b"\0")
    head = struct.pack("<QI72sBBH", 0x1F, 1, dev, 0, 0, n)
    return head + b"".join(struct.pack("<QQ", dram_address(r) & ~0xFFF, 0x1000) for _ in range(n))


def pack_extended_ras(r: random.Random, severity: int, over: dict) -> bytes:
    data = [r.getrandbits(64) for _ in range(4)]
    return struct.pack("<IIQ", 1, r.getrandbits(16), 8 * len(data)) + struct.pack("<4Q", *data)


def pack_dpc(r: random.Random, severity: int, over: dict) -> bytes:
    return struct.pack("<IHHHH5I16s4s16s", 0x0001001D, 0x1F20, 0x0005, 0x0001 | (1 << 1),
                       r.getrandbits(16), 0, 0, 0, 0, 0, b"", b"", b"")
