"""CPU identification words: x86 CPUID(1).EAX signature, Arm MIDR_EL1 and MPIDR_EL1.

Shared by the Processor Generic (CPUVersionInfo, ProcessorId), IA32/X64 (CPUID) and ARM
(MIDR/MPIDR) decoders. Not a plug-in module.
"""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits

X86_TYPES = {0: "Original OEM processor", 1: "OverDrive processor", 2: "Dual processor", 3: "Reserved"}

# FORMAT.md §6.1.1: WHEA_PROCESSOR_FAMILY_INFO = CPUID.1.EAX (+ NativeModelId in bits 32-63)
X86_SIGNATURE_BITS = (
    Bits(0, "stepping", "Stepping", 4, "Stepping ID"),
    Bits(4, "model", "Model", 4, "Model (low 4 bits)"),
    Bits(8, "family", "Family", 4, "Family ID"),
    Bits(12, "processor_type", "Processor type", 2, "Processor type", X86_TYPES),
    Bits(16, "extended_model", "Extended model", 4, "Model bits 4-7"),
    Bits(20, "extended_family", "Extended family", 8, "Added to Family when Family is 0xF"),
)
X86_SIGNATURE_RESERVED = 0xF000C000

NATIVE_MODEL_ID_BITS = (Bits(32, "native_model_id", "Native model ID", 32,
                             "Windows: WHEA_PROCESSOR_FAMILY_INFO.NativeModelId "
                             "(valid when ValidationBits bit 13 is set)"),)

ARM_IMPLEMENTERS = {
    0x41: "Arm", 0x42: "Broadcom", 0x43: "Cavium", 0x46: "Fujitsu", 0x48: "HiSilicon",
    0x4E: "NVIDIA", 0x50: "Applied Micro", 0x51: "Qualcomm", 0x53: "Samsung", 0x56: "Marvell",
    0x61: "Apple", 0x69: "Intel", 0x6D: "Microsoft", 0xC0: "Ampere",
}

MIDR_BITS = (
    Bits(0, "revision", "Revision", 4, "Minor revision"),
    Bits(4, "part_number", "Part number", 12, "Implementer-defined primary part number"),
    Bits(16, "architecture", "Architecture", 4, "0xF: architecture defined by ID registers"),
    Bits(20, "variant", "Variant", 4, "Major revision"),
    Bits(24, "implementer", "Implementer", 8, "Implementer code", ARM_IMPLEMENTERS),
)
MIDR_RESERVED = 0xFFFFFFFF00000000

MPIDR_BITS = (
    Bits(0, "aff0", "Affinity level 0", 8),
    Bits(8, "aff1", "Affinity level 1", 8),
    Bits(16, "aff2", "Affinity level 2", 8),
    Bits(24, "mt", "MT", 1, "Set: Aff0 identifies threads of a multithreaded core"),
    Bits(30, "u", "U", 1, "Set: uniprocessor system"),
    Bits(31, "res1", "RES1", 1, "Reads as one"),
    Bits(32, "aff3", "Affinity level 3", 8),
)


def x86_signature(eax: int) -> dict[str, Any]:
    """The CPUID(1).EAX fields plus the display family/model software actually uses."""
    stepping, model, family = eax & 0xF, eax >> 4 & 0xF, eax >> 8 & 0xF
    ext_model, ext_family = eax >> 16 & 0xF, eax >> 20 & 0xFF
    display_family = family + ext_family if family == 0xF else family
    display_model = (ext_model << 4) + model if family in (6, 0xF) else model
    return {"stepping": stepping, "model": model, "family": family,
            "processor_type": eax >> 12 & 3, "extended_model": ext_model,
            "extended_family": ext_family, "display_family": display_family,
            "display_model": display_model}


def x86_signature_text(eax: int) -> str:
    s = x86_signature(eax)
    return (f"family 0x{s['display_family']:X}, model 0x{s['display_model']:X}, "
            f"stepping {s['stepping']}")


def midr_fields(midr: int) -> dict[str, Any]:
    impl = midr >> 24 & 0xFF
    return {"implementer": impl, "implementer_name": ARM_IMPLEMENTERS.get(impl, "Unknown"),
            "variant": midr >> 20 & 0xF, "architecture": midr >> 16 & 0xF,
            "part_number": midr >> 4 & 0xFFF, "revision": midr & 0xF}


def midr_text(midr: int) -> str:
    m = midr_fields(midr)
    return (f"{m['implementer_name']} part 0x{m['part_number']:03X} "
            f"r{m['variant']}p{m['revision']}")


def mpidr_fields(mpidr: int) -> dict[str, int]:
    return {"aff0": mpidr & 0xFF, "aff1": mpidr >> 8 & 0xFF, "aff2": mpidr >> 16 & 0xFF,
            "aff3": mpidr >> 32 & 0xFF}


def mpidr_text(mpidr: int) -> str:
    a = mpidr_fields(mpidr)
    return f"{a['aff3']}.{a['aff2']}.{a['aff1']}.{a['aff0']}"


def lead_error_info(infos: list, info_of) -> int | None:
    """Index of the error-information structure a section's summary describes: the worst one
    (processor context corrupt, then uncorrected, then of unstated correction, then corrected),
    the first of equals; a structure saying "no error" (an MS check's error type 0) or naming no
    error kind comes last. ``info_of(structure)`` gives its decoded check/error information dict
    (keys ``kind``, ``processor_context_corrupt``, and ``uncorrected`` or ``corrected``, each
    None when its valid bit is clear). A Fatal record whose structure 0 is a corrected TLB error
    and structure 1 an uncorrected bus time-out is explained by the bus time-out (UEFI N.2.4.2:
    each structure describes its own error)."""
    def rank(info: Any) -> int:
        if not isinstance(info, dict) or not info.get("kind") or info.get("error_type") == 0:
            return 0
        if info.get("processor_context_corrupt") is True:
            return 4
        corrected = info.get("corrected")
        if "uncorrected" in info and info["uncorrected"] is not None:
            corrected = not info["uncorrected"]
        return {False: 3, None: 2, True: 1}[corrected]
    ranks = [rank(info_of(e)) if isinstance(e, dict) else -1 for e in infos]
    if not ranks:
        return None
    best = max(ranks)
    return ranks.index(best) if best >= 0 else None


def more_structures_text(count: int, lead: int | None) -> str:
    """The summary's note of the other structures: "; 1 more error structure", or which one the
    detail describes when it is not the first ("; error information 1, the second of 3")."""
    if not lead:
        more = count - 1
        return f"; {more} more error structure{'s' if more > 1 else ''}" if more > 0 else ""
    return f"; error information {lead}, the {_ORDINAL.get(lead + 1, f'{lead + 1}th')} of {count}"


_ORDINAL = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}
