"""Processor sections: generic (§6.1), IA32/X64 (§6.2), ARM (§6.4), IPF (§6.3, opaque)."""

from __future__ import annotations

import random
import struct

from ._pack import layout, pack, take

CORRECTED, FATAL = 2, 1

GENERIC = layout("processor_generic", [
    ("validation_bits", 8), ("processor_type", 1), ("isa", 1), ("error_type", 1),
    ("operation", 1), ("flags", 1), ("level", 1), ("reserved", 2), ("cpu_version", 8),
    ("brand", 128), ("processor_id", 8), ("target_address", 8), ("requestor_id", 8),
    ("responder_id", 8), ("instruction_ip", 8)])

# (vendor, CPUID.1.EAX, brand string)
X86_CPUS = [
    ("intel", 0x00050657, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"),
    ("intel", 0x000606A6, "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz"),
    ("amd", 0x00A00F11, "AMD EPYC 7763 64-Core Processor"),
    ("amd", 0x00A10F11, "AMD EPYC 9654 96-Core Processor"),
]


def cpu(r: random.Random, over: dict) -> tuple[str, int, str]:
    vendor = over.pop("vendor", None)
    choices = [c for c in X86_CPUS if vendor is None or c[0] == vendor]
    return r.choice(choices or X86_CPUS)


def pack_generic(r: random.Random, severity: int, over: dict) -> bytes:
    vendor, eax, brand = cpu(r, over)
    apic = take(over, "apic_id", r.randrange(0, 128))
    err = take(over, "error_type", r.choice([0x01, 0x01, 0x02, 0x04, 0x08]))
    corrected = severity in (2, 3)
    v = {"processor_type": 0, "isa": 2, "error_type": err, "operation": r.choice([1, 2, 3]),
         "flags": (0x8 if corrected else 0) | 0x1, "level": take(over, "level", r.randrange(0, 3)),
         "cpu_version": eax, "brand": brand.encode(), "processor_id": apic,
         "validation_bits": 0x1FF}
    ip = over.pop("instruction_ip", None)
    if ip is not None:
        v["instruction_ip"] = ip
        v["validation_bits"] |= 1 << 12
    v.update(over)
    return pack(GENERIC, v)


IA32 = layout("ia32x64", [("validation_bits", 8), ("local_apic_id", 8), ("cpuid_eax", 8),
                          ("cpuid_ebx", 8), ("cpuid_ecx", 8), ("cpuid_edx", 8),
                          ("cpuid_reserved", 16)])
IA32_ERROR_INFO = layout("ia32x64_error_info", [
    ("type", 16), ("validation_bits", 8), ("check_info", 8), ("target_id", 8),
    ("requestor_id", 8), ("responder_id", 8), ("instruction_pointer", 8)])
CHECK_GUIDS = {"cache": "a55701f5-e3ef-43de-ac72-249b573fad2c",
               "tlb": "fc06b535-5e1f-4562-9f25-0a3b9adb63c3",
               "bus": "1cf3f8b3-c5b1-49a2-aa59-5eef92ffa63c",
               "ms": "48ab7f57-dc34-4f6c-a7d3-b0b5b0a74314"}


def check_info(kind: str, r: random.Random, uncorrected: bool) -> int:
    if kind == "ms":
        return 0x3F | (r.choice([1, 5]) << 16) | (int(uncorrected) << 20)
    op = r.choice([1, 3, 4, 5]) if kind == "cache" else r.randrange(0, 7)
    v = 0xFF | (1 << 16) | (op << 18) | (r.randrange(0, 3) << 22) | (int(uncorrected) << 26)
    v |= (0 if uncorrected else 1) << 28  # restartable IP when corrected
    if kind == "bus":
        v |= 0x700 | (r.randrange(0, 4) << 30) | (r.randrange(0, 3, 2) << 33)
    return v


def pack_ia32x64(r: random.Random, severity: int, over: dict) -> bytes:
    vendor, eax, _ = cpu(r, over)
    apic = take(over, "apic_id", r.randrange(0, 128))
    kind = take(over, "check", r.choice(["cache", "cache", "tlb", "bus", "ms"]))
    uncorrected = severity not in (2, 3)
    bank = take(over, "bank", r.randrange(0, 23))
    n_ctx = take(over, "contexts", 1)
    head = pack(IA32, {"validation_bits": 0x3 | (1 << 2) | (n_ctx << 8), "local_apic_id": apic,
                       "cpuid_eax": eax, "cpuid_ebx": (apic << 24) | 0x400800,
                       "cpuid_ecx": 0x7FFEFBFF, "cpuid_edx": 0xBFEBFBFF})
    info = pack(IA32_ERROR_INFO, {"type": CHECK_GUIDS[kind], "validation_bits": 0x11,
                                  "check_info": check_info(kind, r, uncorrected),
                                  "instruction_pointer": 0xFFFFF800_00000000 | r.getrandbits(28)})
    ctx = b""
    for _ in range(n_ctx):  # an MSR context: MCi_CTL/STATUS/ADDR/MISC of the bank (16+32 bytes)
        regs = [0xFFFFFFFFFFFFFFFF, (1 << 63) | (1 << 60) | (int(uncorrected) << 61) | 0x9F,
                r.getrandbits(40) & ~0x3F, 0x86]
        ctx += struct.pack("<HHIQ", 1, 32, 0x400 + 4 * bank, 0) + struct.pack("<4Q", *regs)
    return head + info + ctx


ARM = layout("arm", [("validation_bits", 4), ("err_info_num", 2), ("context_info_num", 2),
                     ("section_length", 4), ("error_affinity_level", 1), ("reserved", 3),
                     ("mpidr", 8), ("midr", 8), ("running_state", 4), ("psci_state", 4)])
ARM_ERROR_INFO = layout("arm_error_info", [
    ("version", 1), ("length", 1), ("validation_bits", 2), ("type", 1), ("multiple_error", 2),
    ("flags", 1), ("error_info", 8), ("virtual_fault_address", 8), ("physical_fault_address", 8)])
ARM_MIDRS = [0x413FD0C1, 0x410FD4F1, 0x410FD490]  # Neoverse N1, V2, N2


def pack_arm(r: random.Random, severity: int, over: dict) -> bytes:
    corrected = severity in (2, 3)
    core = take(over, "core", r.randrange(0, 80))
    etype = take(over, "type", r.choice([1, 1, 2, 4]))  # UEFI 2.11 bit mask: cache/TLB/bus
    info = 0x7F | (1 << 16) | (3 << 18) | (r.randrange(0, 3) << 22) | (int(corrected) << 26) | (1 << 27)
    if etype == 4:
        info = 0xFFF | (1 << 16) | (1 << 18) | (int(corrected) << 26) | (1 << 43)
    err = pack(ARM_ERROR_INFO, {"length": 32, "validation_bits": 0x17, "type": etype,
                                "flags": 0x1, "error_info": info,
                                "physical_fault_address": take(over, "address", r.getrandbits(40) & ~0x3F)})
    # AArch64 EL1 context (type 5): 8 + 136 bytes = 144, already a multiple of 16
    regs = [r.getrandbits(64) for _ in range(17)]
    ctx = struct.pack("<HHI", 0, 5, 136) + struct.pack("<17Q", *regs)
    total = ARM.size + len(err) + len(ctx)
    mpidr = 0x81000000 | ((core // 4) << 8) | (core % 4)
    head = pack(ARM, {"validation_bits": 0x7, "err_info_num": 1, "context_info_num": 1,
                      "section_length": total, "error_affinity_level": 0, "mpidr": mpidr,
                      "midr": take(over, "midr", r.choice(ARM_MIDRS)), "running_state": 1})
    return head + err + ctx


def pack_ipf(r: random.Random, severity: int, over: dict) -> bytes:
    """IPF bodies are SAL records that nobody decodes: a small opaque block."""
    return struct.pack("<QQ", 0x1, r.getrandbits(64)) + bytes(32)
