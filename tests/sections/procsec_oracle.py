"""Compare our processor/firmware section JSON with libcper's JSON for the same bytes.

Each ``compare_*`` walks every value libcper reports, maps its name to ours and records a
mismatch as "path: libcper=X ours=Y". Where libcper leaves a field out because its valid bit
is clear, we check that our value is ``None`` too (we honour the same valid bits).

Deliberate differences (FORMAT.md §12) are handled in one place each and say why.
"""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

from procsec_build import check_located, wrap
from vectorlib import VECTORS

from whea_gui.decode import decode_record

SECTION_KEYS = {
    "GenericProcessor": "9876ccad-47b4-4bdb-b65e-16f193c4f3db",
    "Ia32x64Processor": "dc3ea0b0-a144-4797-b95b-53fa242b6e1d",
    "ArmProcessor": "e19e3d16-bc11-11e4-9caa-c2051d5d46b0",
    "ArmRas": "bf32d4d5-b427-4025-8495-8a9e5d4030e4",
    "Firmware": "81212a96-09ed-4996-9471-8d729c8e69ed",
}
GENERATED_DIRS = {"GenericProcessor": "generic", "Ia32x64Processor": "ia32x64",
                  "ArmProcessor": "arm", "ArmRas": "arm-ras", "Firmware": "firmware"}
EXAMPLES = {"GenericProcessor": "generic", "Ia32x64Processor": "ia32x64", "ArmProcessor": "arm",
            "ArmRas": "arm-ras", "Firmware": "firmware"}


def vector_files(key: str) -> list[Path]:
    """Every full record whose libcper JSON has a ``key`` section (examples, type dir, multi)."""
    paths = [VECTORS / "libcper-examples" / f"{EXAMPLES[key]}.cper"]
    paths += sorted((VECTORS / "libcper-generated" / GENERATED_DIRS[key]).glob("*.cper"))
    for p in sorted((VECTORS / "libcper-generated" / "multi").glob("*.cper")):
        if any(key in s for s in load_json(p).get("sections", [])):
            paths.append(p)
    single = VECTORS / "libcper-generated" / "single-section"
    paths += sorted(single.glob(f"{GENERATED_DIRS[key]}-[0-9][0-9][0-9].cper"))
    return paths


def load_json(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text())


def pairs(path: Path, key: str):
    """The record and (our DecodedSection, libcper section dict) for every ``key`` section."""
    lib = load_json(path)
    if "section" in lib:
        # single-section form: a descriptor then the body, no record header; we put the same
        # body in a record of our own
        data = path.read_bytes()
        offset, length = struct.unpack_from("<II", data, 0)
        rec = decode_record(wrap(data[offset:offset + length], SECTION_KEYS[key]))
        lib = {"sections": [lib["section"]]}
    else:
        rec = decode_record(path.read_bytes())
    out = []
    for ours, theirs in zip(rec.sections, lib["sections"], strict=True):
        if key in theirs:
            assert ours.type_guid == SECTION_KEYS[key]
            out.append((ours, theirs[key]))
    return rec, out


class Diff:
    """Collects mismatches with a readable path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def eq(self, path: str, lib, ours) -> None:
        if lib != ours:
            self.problems.append(f"{path}: libcper={lib!r} ours={ours!r}")

    def absent(self, path: str, ours) -> None:
        """libcper left the field out (valid bit clear): ours must be None."""
        if ours is not None:
            self.problems.append(f"{path}: libcper omits it (not valid) but ours={ours!r}")


def _pick(d: Diff, path: str, lib: dict, lib_key: str, ours, *, value_of=lambda v: v) -> None:
    if lib_key in lib:
        d.eq(f"{path}.{lib_key}", value_of(lib[lib_key]), ours)
    else:
        d.absent(f"{path}.{lib_key}", ours)


def _val(v):
    return v["value"] if isinstance(v, dict) else v


def _hex(v):
    return int(v, 16) if isinstance(v, str) else v


# -- Processor Generic ------------------------------------------------------------------------
GENERIC_FLAGS = {"restartable": "restartable", "preciseIP": "precise_ip",
                 "overflow": "overflow", "corrected": "corrected"}


def compare_generic(d: Diff, lib: dict, f: dict) -> None:
    for lk, ok in (("processorType", "processor_type"), ("processorISA", "isa"),
                   ("errorType", "error_type"), ("operation", "operation")):
        _pick(d, "generic", lib, lk, f[ok], value_of=_val)
    for lk, ok in (("level", "level"), ("cpuVersionInfo", "cpu_version"),
                   ("processorID", "processor_id"), ("targetAddress", "target_address"),
                   ("requestorID", "requestor_id"), ("responderID", "responder_id"),
                   ("instructionIP", "instruction_ip")):
        _pick(d, "generic", lib, lk, f[ok])
    if "flags" in lib:
        for lk, ok in GENERIC_FLAGS.items():
            d.eq(f"generic.flags.{lk}", lib["flags"][lk], ok in f["flag_names"])
    else:
        d.absent("generic.flags", f["flags"])
    # libcper drops the brand string when it has a non-printable character; we keep it
    if "cpuBrandString" in lib:
        d.eq("generic.cpuBrandString", lib["cpuBrandString"], f["brand_string"])
    elif f["validation_bits"] & 0x80 == 0:
        d.absent("generic.cpuBrandString", f["brand_string"])


# -- IA32/X64 ---------------------------------------------------------------------------------
CHECK_KEYS = {"transactionType": "transaction_type", "operation": "operation", "level": "level",
              "processorContextCorrupt": "processor_context_corrupt",
              "uncorrected": "uncorrected", "preciseIP": "precise_ip",
              "restartableIP": "restartable_ip", "overflow": "overflow",
              "timedOut": "timed_out", "participationType": "participation_type",
              "addressSpace": "address_space", "errorType": "error_type"}


def compare_ia32x64(d: Diff, lib: dict, f: dict) -> None:
    d.eq("ia32.processorErrorInfoNum", lib["processorErrorInfoNum"], f["error_info_count"])
    d.eq("ia32.processorContextInfoNum", lib["processorContextInfoNum"], f["context_info_count"])
    _pick(d, "ia32", lib, "localAPICID", f["local_apic_id"])
    if "cpuidInfo" in lib:
        # libcper reads four UINT64; our reading agrees whenever the bytes are not the Windows
        # 4 x UINT32 form (libcper never writes that form)
        for r in ("eax", "ebx", "ecx", "edx"):
            d.eq(f"ia32.cpuidInfo.{r}", lib["cpuidInfo"][r], f["cpuid_info"][r])
    else:
        d.absent("ia32.cpuidInfo", f["cpuid_info"])
    d.eq("ia32.processorErrorInfo.len", len(lib["processorErrorInfo"]), len(f["error_info"]))
    for i, (le, oe) in enumerate(zip(lib["processorErrorInfo"], f["error_info"])):
        p = f"ia32.processorErrorInfo[{i}]"
        d.eq(f"{p}.type.guid", le["type"]["guid"], oe["type"])
        for lk, ok in (("targetAddressID", "target_id"), ("requestorID", "requestor_id"),
                       ("responderID", "responder_id"),
                       ("instructionPointer", "instruction_pointer")):
            _pick(d, p, le, lk, oe[ok])
        if "checkInfo" not in le:
            d.absent(f"{p}.checkInfo", oe["check_info"])
        elif le["checkInfo"] is None:  # libcper: unknown check GUID, nothing decoded
            d.eq(f"{p}.checkInfo.kind", None, oe["check_info"]["kind"])
        else:
            _compare_bits(d, f"{p}.checkInfo", le["checkInfo"], oe["check_info"], CHECK_KEYS)
    _compare_ia32_contexts(d, lib.get("processorContextInfo", []), f["context_info"])


def _compare_bits(d: Diff, p: str, lib: dict, ours: dict, keys: dict) -> None:
    for lk, ok in keys.items():
        if ok not in ours:
            assert lk not in lib, f"{p}: libcper has {lk} that our layout lacks"
            continue
        _pick(d, p, lib, lk, ours[ok], value_of=_val)


def _compare_ia32_contexts(d: Diff, lib: list, ours: list) -> None:
    d.eq("ia32.processorContextInfo.len", len(lib), len(ours))
    for i, (lc, oc) in enumerate(zip(lib, ours)):
        p = f"ia32.processorContextInfo[{i}]"
        d.eq(f"{p}.registerContextType", lc["registerContextType"]["value"],
             oc["register_context_type"])
        for lk, ok in (("registerArraySize", "register_array_size"), ("msrAddress", "msr_address"),
                       ("mmRegisterAddress", "mm_register_address")):
            d.eq(f"{p}.{lk}", lc[lk], oc[ok])
        arr = lc["registerArray"]
        if "data" in arr:
            d.eq(f"{p}.registerArray.data", base64.b64decode(arr["data"]).hex(), oc["data"])
            continue
        for name, value in arr.items():
            ours_name = {"eip": "rip"}.get(name, name) if oc["register_context_type"] == 3 else name
            d.eq(f"{p}.registerArray.{name}", value, (oc["registers"] or {}).get(ours_name))


# -- ARM ----------------------------------------------------------------------------------------
ARM_INFO_FLAGS = {"firstErrorCaptured": "first_error_captured",
                  "lastErrorCaptured": "last_error_captured", "propagated": "propagated",
                  "overflow": "overflow"}
ARM_EI_KEYS = {"transactionType": "transaction_type", "operation": "operation", "level": "level",
               "processorContextCorrupt": "processor_context_corrupt", "corrected": "corrected",
               "precisePC": "precise_pc", "restartablePC": "restartable_pc",
               "participationType": "participation_type", "timedOut": "timed_out",
               "addressSpace": "address_space", "memoryAttributes": "memory_attributes"}
ARM_EI_KINDS = {"cacheError": "cache", "tlbError": "tlb", "busError": "bus"}


def compare_arm(d: Diff, lib: dict, f: dict, section) -> None:
    body = section.body
    for lk, ok in (("errorInfoNum", "err_info_num"), ("contextInfoNum", "context_info_num"),
                   ("sectionLength", "section_length"), ("midrEl1", "midr")):
        d.eq(f"arm.{lk}", lib[lk], f[ok])
    _pick(d, "arm", lib, "errorAffinity", f["error_affinity_level"], value_of=_val)
    _pick(d, "arm", lib, "mpidrEl1", f["mpidr"])
    if "affinity3" in lib:
        d.eq("arm.affinity3", lib["affinity3"], f["mpidr_affinity"]["aff3"])
    _pick(d, "arm", lib, "running", f["running"])
    # C16: libcper reports PSCI state when RunningState bit 31 is clear; UEFI makes it valid
    # when bit 0 is clear (and the running-state valid bit is set). Compare the located raw
    # field instead of our validity-gated JSON value.
    if "psciState" in lib:
        d.eq("arm.psciState(raw)", lib["psciState"], body.find("psci_state").value)
    d.eq("arm.errorInfo.len", len(lib["errorInfo"]), len(f["error_info"]))
    for i, (le, oe) in enumerate(zip(lib["errorInfo"], f["error_info"])):
        _compare_arm_info(d, f"arm.errorInfo[{i}]", le, oe)
    _compare_arm_contexts(d, lib["contextInfo"], f["context_info"])
    if "vendorSpecificInfo" in lib:
        d.eq("arm.vendorSpecificInfo", base64.b64decode(lib["vendorSpecificInfo"]["data"]).hex(),
             f["vendor_specific"])


def _compare_arm_info(d: Diff, p: str, le: dict, oe: dict) -> None:
    for lk, ok in (("version", "version"), ("length", "length")):
        d.eq(f"{p}.{lk}", le[lk], oe[ok])
    d.eq(f"{p}.errorType", le["errorType"]["value"], oe["type"])
    _pick(d, p, le, "multipleError", oe["multiple_error"], value_of=_val)
    _pick(d, p, le, "virtualFaultAddress", oe["virtual_fault_address"])
    _pick(d, p, le, "physicalFaultAddress", oe["physical_fault_address"])
    if "flags" in le:
        for lk, ok in ARM_INFO_FLAGS.items():
            d.eq(f"{p}.flags.{lk}", le["flags"][lk], ok in oe["flag_names"])
    else:
        d.absent(f"{p}.flags", oe["flags"])
    ei = oe["error_information"]
    if "errorInformation" not in le:
        # libcper decodes ErrorInformation only for Type exactly 1, 2 or 4; we decode it
        # whenever its valid bit is set (Type is a bit mask, C2), so only check validity
        if not oe["validation_bits"] & 4:
            d.absent(f"{p}.errorInformation", ei)
        return
    (lkind, lvals), = le["errorInformation"].items()
    d.eq(f"{p}.errorInformation.kind", ARM_EI_KINDS[lkind], ei["kind"])
    _compare_bits(d, f"{p}.errorInformation", lvals, ei, ARM_EI_KEYS)
    if "accessMode" in lvals:
        # libcper gates AccessMode on valid bit 8 (the time-out bit) instead of bit 11:
        # compare its value with bit 43 of the raw word, whatever our validity says
        d.eq(f"{p}.errorInformation.accessMode", lvals["accessMode"]["value"],
             ei["value"] >> 43 & 1)


def _compare_arm_contexts(d: Diff, lib: list, ours: list) -> None:
    d.eq("arm.contextInfo.len", len(lib), len(ours))
    for i, (lc, oc) in enumerate(zip(lib, ours)):
        p = f"arm.contextInfo[{i}]"
        d.eq(f"{p}.version", lc["version"], oc["version"])
        d.eq(f"{p}.registerContextType", lc["registerContextType"]["value"],
             oc["register_context_type"])
        d.eq(f"{p}.registerArraySize", lc["registerArraySize"], oc["register_array_size"])
        arr = lc["registerArray"]
        if "data" in arr:
            d.eq(f"{p}.registerArray.data", base64.b64decode(arr["data"]).hex(), oc["data"])
        elif "mrsEncoding" in arr:
            # libcper shows only the first misc entry and makes O0 two bits wide (14-15);
            # UEFI defines O0 as bit 14 and bit 15 reserved
            first = oc["misc_registers"][0]
            enc = arr["mrsEncoding"]
            for k in ("op2", "crm", "crn", "op1"):
                d.eq(f"{p}.mrsEncoding.{k}", enc[k], first[k])
            d.eq(f"{p}.mrsEncoding.o0", enc["o0"], first["encoding"] >> 14 & 3)
            d.eq(f"{p}.value", arr["value"], first["value"])
        else:
            for name, value in arr.items():
                d.eq(f"{p}.registerArray.{name}", value, (oc["registers"] or {}).get(name))


# -- Arm RAS node -------------------------------------------------------------------------------
SYNDROME_KEYS = {"errorRecordIndex": "error_record_index", "rasExtensionRevisionField": "revision",
                 "rasExtensionArchVersion": "arch_version",
                 "errorRecordFeatureRegister": "err_fr", "errorRecordControlRegister": "err_ctlr",
                 "errorRecordPrimaryStatusRegister": "err_status",
                 "errorRecordAddressRegister": "err_addr", "errorRecordMiscRegister0": "err_misc0",
                 "errorRecordMiscRegister1": "err_misc1", "errorRecordMiscRegister2": "err_misc2",
                 "errorRecordMiscRegister3": "err_misc3"}
IP_INSTANCE_KEYS = {"mpidrEl1": "mpidr", "systemPhysicalAddress": "system_physical_address",
                    "localAddressIdentifier": "local_address_space", "baseAddress": "base_address"}
IP_TYPE_KEYS = {"midrEl1": "midr", "revidrEl1": "revidr", "aidrEl1": "aidr", "iidr": "iidr",
                "aidr": "aidr"}


def compare_arm_ras(d: Diff, lib: dict, f: dict) -> None:
    d.eq("ras.revision", lib["revision"], f["revision"])
    d.eq("ras.componentType", lib["componentType"]["raw"], f["component_type"])
    d.eq("ras.errorSyndromeArrayNumEntries", lib["errorSyndromeArrayNumEntries"],
         f["error_syndrome_array_num_entries"])
    d.eq("ras.ipInstanceFormat", lib["ipInstanceFormat"]["raw"], f["ip_instance_format"])
    for lk, value in lib["ipInstance"].items():
        if lk == "socSpecificIpIdentifier":  # libcper prints "<OpaqueData>"
            continue
        d.eq(f"ras.ipInstance.{lk}", _hex(value), f["ip_instance"][IP_INSTANCE_KEYS[lk]])
    d.eq("ras.ipTypeFormat", lib["ipTypeFormat"]["raw"], f["ip_type_format"])
    if lib["ipTypeFormat"]["raw"] != 2:
        # libcper decodes format 2 ("GIC_IIDR") with the PIDR layout (off by one in its
        # switch); we use IIDR/AIDR for both SMMU (1) and GIC (2) and PIDR for 3
        for lk, value in lib["ipType"].items():
            d.eq(f"ras.ipType.{lk}", _hex(value), f["ip_type"][IP_TYPE_KEYS.get(lk, lk)])
    if "userData" in lib:
        d.eq("ras.userData", lib["userData"], f["user_data"])
    d.eq("ras.errorSyndromes.len", len(lib["errorSyndromes"]), len(f["error_syndromes"]))
    for i, (ls, os_) in enumerate(zip(lib["errorSyndromes"], f["error_syndromes"])):
        for lk, ok in SYNDROME_KEYS.items():
            _pick(d, f"ras.errorSyndromes[{i}]", ls, lk, os_[ok], value_of=_hex)
    aux = lib.get("auxData")
    if aux is None:
        return
    oa = f["aux_data"]
    d.eq("ras.auxData.version", aux["version"], oa["version"])
    if "contexts" in aux:
        d.eq("ras.auxData.contexts.len", len(aux["contexts"]), len(oa["contexts"]))
        for i, (lc, oc) in enumerate(zip(aux["contexts"], oa["contexts"])):
            p = f"ras.auxData.contexts[{i}]"
            scope = lc["flags"]["addressSpaceIdentifierScope"]
            d.eq(f"{p}.scope", scope == "LocalAddressSpace", oc["local_address_space"])
            _pick(d, p, lc, "addressSpaceIdentifier", oc["address_space_identifier"])
            regs = [{"address": _hex(r["address"]), "value": _hex(r["value"])}
                    for r in lc["registers"]]
            d.eq(f"{p}.registers", regs, oc["registers"])
    for i, (lk, ok) in enumerate(zip(aux.get("keyValuePairs", []), oa["key_value_pairs"])):
        p = f"ras.auxData.keyValuePairs[{i}]"
        d.eq(f"{p}.key", lk["key"], ok["key"])
        if "value" in lk:
            d.eq(f"{p}.value", _hex(lk["value"]), ok["value"])
        if "mpamPartId" in lk:
            d.eq(f"{p}.mpamPartId", lk["mpamPartId"], ok["mpam_part_id"])


# -- Firmware reference -------------------------------------------------------------------------
def compare_firmware(d: Diff, lib: dict, f: dict) -> None:
    d.eq("fw.errorRecordType", lib["errorRecordType"]["value"], f["record_type"])
    d.eq("fw.revision", lib["revision"], f["revision"])
    d.eq("fw.recordID", lib["recordID"], f["record_id"])
    d.eq("fw.recordIDGUID", lib["recordIDGUID"], f["record_guid"])


COMPARE = {"GenericProcessor": compare_generic, "Ia32x64Processor": compare_ia32x64,
           "ArmRas": compare_arm_ras, "Firmware": compare_firmware}


def compare_record(path: Path, key: str) -> list[str]:
    """Mismatches between libcper's JSON and ours for every ``key`` section of the record."""
    d = Diff()
    rec, found = pairs(path, key)
    assert found, f"{path.name}: no {key} section"
    for ours, lib in found:
        assert ours.fields is not None, f"{path.name}: section {ours.index} was not decoded"
        check_located(rec, ours.index)  # every node inside the body, bits located
        if key == "ArmProcessor":
            compare_arm(d, lib, ours.fields, ours)
        else:
            COMPARE[key](d, lib, ours.fields)
    return [f"{path.name} s{ours.index}: {p}" for p in d.problems]
