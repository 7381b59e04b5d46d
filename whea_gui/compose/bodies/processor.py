"""Processor sections: generic (§6.1), IA32/X64 (§6.2), ARM (§6.4), IPF (§6.3, opaque)."""

from __future__ import annotations

import random
import struct

from ...formats.sections import _arm_context as arm_context
from ...formats.sections import _ia32x64_context as ia32_context
from ...formats.sections import arm, ia32x64, processor_generic
from ._pack import pack, take

CORRECTED, FATAL = 2, 1

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
         "cpu_version": eax, "brand_string": brand.encode(), "processor_id": apic,
         "valid_bits": 0x1FF}
    ip = over.pop("instruction_ip", None)
    if ip is not None:
        v["instruction_ip"] = ip
        v["valid_bits"] |= 1 << 12
    v.update(over)
    return pack(processor_generic.LAYOUT, v)


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
    cpuid = struct.pack("<4Q", eax, (apic << 24) | 0x400800, 0x7FFEFBFF, 0xBFEBFBFF)  # EAX..EDX
    head = pack(ia32x64.HEADER, {"valid_bits": 0x3 | (1 << 2) | (n_ctx << 8), "local_apic_id": apic,
                                 "cpuid_info": cpuid})
    info = pack(ia32x64.INFO, {"type": CHECK_GUIDS[kind], "valid_bits": 0x11,
                               "check_info": check_info(kind, r, uncorrected),
                               "instruction_pointer": 0xFFFFF800_00000000 | r.getrandbits(28)})
    ctx = b""
    for _ in range(n_ctx):  # an MSR context: MCi_CTL/STATUS/ADDR/MISC of the bank (16+32 bytes)
        regs = [0xFFFFFFFFFFFFFFFF, (1 << 63) | (1 << 60) | (int(uncorrected) << 61) | 0x9F,
                r.getrandbits(40) & ~0x3F, 0x86]
        ctx += pack(ia32_context.HEADER, {"register_context_type": 1, "register_array_size": 32,
                                          "msr_address": 0x400 + 4 * bank}) + struct.pack("<4Q", *regs)
    return head + info + ctx


ARM_MIDRS = [0x413FD0C1, 0x410FD4F1, 0x410FD490]  # Neoverse N1, V2, N2


def pack_arm(r: random.Random, severity: int, over: dict) -> bytes:
    corrected = severity in (2, 3)
    core = take(over, "core", r.randrange(0, 80))
    etype = take(over, "type", r.choice([1, 1, 2, 4]))  # UEFI 2.11 bit mask: cache/TLB/bus
    info = 0x7F | (1 << 16) | (3 << 18) | (r.randrange(0, 3) << 22) | (int(corrected) << 26) | (1 << 27)
    if etype == 4:
        info = 0xFFF | (1 << 16) | (1 << 18) | (int(corrected) << 26) | (1 << 43)
    err = pack(arm.INFO, {"length": arm.INFO.size, "valid_bits": 0x17, "type": etype,
                          "flags": 0x1, "error_information": info,
                                "physical_fault_address": take(over, "address", r.getrandbits(40) & ~0x3F)})
    # AArch64 EL1 context (type 5): 8 + 136 bytes = 144, already a multiple of 16
    el1 = arm_context.REGISTER_LAYOUTS[5]
    ctx = pack(arm_context.HEADER, {"register_context_type": 5, "register_array_size": el1.size})
    ctx += pack(el1, {f.name: r.getrandbits(64) for f in el1.fields})
    total = arm.HEADER.size + len(err) + len(ctx)
    mpidr = 0x81000000 | ((core // 4) << 8) | (core % 4)
    head = pack(arm.HEADER, {"valid_bits": 0x7, "err_info_num": 1, "context_info_num": 1,
                             "section_length": total, "error_affinity_level": 0, "mpidr": mpidr,
                             "midr": take(over, "midr", r.choice(ARM_MIDRS)), "running_state": 1})
    return head + err + ctx


def pack_ipf(r: random.Random, severity: int, over: dict) -> bytes:
    """IPF bodies are SAL records that nobody decodes: a small opaque block."""
    return struct.pack("<QQ", 0x1, r.getrandbits(64)) + bytes(32)
