"""WHEA_XPF_MCA_SECTION: the raw x86 machine-check bank dump Windows adds (FORMAT.md §8.2, C25).

Versions 1–5; the size comes from the version and, for versions 2 and 3, from SectionLength:
each size a real writer produced is a layout of its own (``LAYOUTS``), decoded as far as it goes
and named in ``fields["layout"]``, never reported as truncation. MCi_STATUS is decoded bit by bit
with the vendor's view (Intel / AMD / common), the MCA error code split into its compound
sub-fields, and ``fields["diagnosis"]`` says which unit, error, core and channel the registers
name (``mca_diagnosis``).
"""

from __future__ import annotations

import struct

from ...core.fields import Bits, Field, Layout, bit_nodes, layout_json, make_node
from ...core.model import ERROR, NOTE, WARNING, FieldNode
from ...core.sections import SectionContext, register
from .. import amd_smca, mca, mca_diagnosis
from ._kit import BOOL, filetime_text, note_extra, raw_node, struct_node

XPF_MCA_GUID = "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8"
CMCI_NOTIFY = "919448b2-3739-4b7f-a8f1-e0062805c2a3"
SIZE_V1, SIZE_V2R2, SIZE_V3 = 264, 272, 292
# Version 3 as Windows 10 builds of 2019–2020 wrote it (descriptor, RecordLength and offsets all
# consistent): XPF_RECOVERY_INFO is 17 bytes, 3 short of today's 20. No public SDK header declares
# this form: v3 first appears in SDK 10.0.20348, already with the 20-byte structure.
SIZE_V3_EARLY = 289
RECOVERY_NAMED = 11  # FailureReason, Action, ActionRequired, RecoverySucceeded, RecoveryKernel
# (version, size) → what the layout is, from the per-SDK WDK headers (DecodeWheaRecord inc/).
LAYOUTS = {
    (1, SIZE_V1): "XPF MCA v1, SDK 6.0–10.0.16299 layout (264 bytes; ApicId reserved)",
    (2, SIZE_V1): "XPF MCA v2, SDK 10.0.17134/17763 layout (264 bytes, no GlobalCapability)",
    (2, SIZE_V2R2): "XPF MCA v2, SDK 10.0.18362/19041 layout (272 bytes, AMD registers and "
                    "GlobalCapability)",
    (3, SIZE_V3_EARLY): "XPF MCA v3, early Windows 10 layout (289 bytes: 17-byte XPF_RECOVERY_INFO, "
                        "in no public SDK header)",
    (3, SIZE_V3): "XPF MCA v3, SDK 10.0.20348–10.0.22621 layout (292 bytes)",
    (4, 1192): "XPF MCA v4, SDK 10.0.26100 layout (1192 bytes, 32 extra banks)",
    (5, 2088): "XPF MCA v5, SDK 10.0.28000 layout (2088 bytes, 64 extra banks)",
}
EX_BANKS = {4: 32, 5: 64}  # WHEA_XPF_MCA_EXBANK_COUNT by version
EXT_REG_MAX, AMD_EXT_REG_NUM = 24, 10
AMD_REG_NAMES = ("ipid", "synd", "config", "destat", "deaddr", "misc1", "misc2", "misc3",
                 "misc4", "ras_cap")

HEAD = Layout("WHEA_XPF_MCA_SECTION", [
    Field("version_number", "Version", 4, "int", description="1–5 (WDK 10.0.28000 defines 5)"),
    Field("cpu_vendor", "CPU vendor", 4, "enum", enum=mca.CPU_VENDOR),
    Field("timestamp", "Timestamp", 8, "hex", description="LARGE_INTEGER; FILETIME (UTC) in observed records"),
    Field("processor_number", "Processor number", 4, "int"),
    Field("global_status", "MCG_STATUS", 8, "flags", bits=mca.MCG_STATUS_BITS,
          reserved_mask=~0xF & (1 << 64) - 1),
    Field("instruction_pointer", "Instruction pointer", 8, "hex"),
    Field("bank_number", "Bank number", 4, "int", description="The MCA bank that logged the error"),
    Field("status", "MCi_STATUS", 8, "hex"),
    Field("address", "MCi_ADDR", 8, "hex", description="Valid only when MCi_STATUS.ADDRV is set"),
    Field("misc", "MCi_MISC", 8, "hex", description="Valid only when MCi_STATUS.MISCV is set"),
    Field("extended_register_count", "Extended register count", 4, "int"),
    Field("apic_id", "APIC ID", 4, "int", description="Version ≥ 2 (Reserved2 in version 1)"),
])
EXT_REGS_OFFSET = HEAD.size  # 72
RECOVERY_FAILURE_BITS = tuple(Bits(i, n, t) for i, (n, t) in enumerate([
    ("not_supported", "NotSupported"), ("overflow", "Overflow"), ("context_corrupt", "ContextCorrupt"),
    ("restart_ip_error_ip_not_valid", "RestartIpErrorIpNotValid"),
    ("no_recovery_context", "NoRecoveryContext"), ("misc_or_addr_not_valid", "MiscOrAddrNotValid"),
    ("invalid_address_mode", "InvalidAddressMode"), ("high_irql", "HighIrql"),
    ("interrupts_disabled", "InterruptsDisabled"), ("swap_busy", "SwapBusy"),
    ("stack_overflow", "StackOverflow")]))
RECOVERY_ACTION_BITS = (Bits(0, "recovery_attempted", "RecoveryAttempted"),
                        Bits(1, "hv_handled", "HvHandled"))
RECOVERY = Layout("XPF_RECOVERY_INFO", [
    Field("failure_reason", "Failure reason", 4, "flags", bits=RECOVERY_FAILURE_BITS,
          reserved_mask=0xFFFFF800),
    Field("action", "Action", 4, "flags", bits=RECOVERY_ACTION_BITS, reserved_mask=0xFFFFFFFC),
    Field("action_required", "Action required", 1, "enum", enum=BOOL),
    Field("recovery_succeeded", "Recovery succeeded", 1, "enum", enum=BOOL),
    Field("recovery_kernel", "Recovery in kernel", 1, "enum", enum=BOOL),
    Field("reserved", "Reserved", 1, "hex"),
    Field("reserved2", "Reserved2", 2, "hex"),
    Field("reserved3", "Reserved3", 2, "hex"),
    Field("reserved4", "Reserved4", 4, "hex"),
])
RECOVERY_HEAD = Layout("XPF_RECOVERY_INFO (early)", RECOVERY.fields[:5])
_U32, _U64 = struct.Struct("<I"), struct.Struct("<Q")


def expected_size(version: int, length: int, declared: int | None = None) -> int:
    """The layout size for ``version`` given the bytes present and the declared SectionLength."""
    if version == 2:
        return SIZE_V2R2 if length >= SIZE_V2R2 else SIZE_V1
    if version == 3 and (length if declared is None else declared) == SIZE_V3_EARLY:
        return SIZE_V3_EARLY
    if version in EX_BANKS:
        return SIZE_V3 + 4 + 28 * EX_BANKS[version]
    return {1: SIZE_V1, 3: SIZE_V3}.get(version, SIZE_V1)


@register(XPF_MCA_GUID)
def decode_xpf_mca(ctx: SectionContext) -> dict:
    buf, base, n = ctx.data, ctx.offset, ctx.length
    if n < 4:
        ctx.finding(ERROR, f"XPF MCA body is {n} bytes; not even the version fits", code="body-truncated")
        raw_node(ctx.node, ctx, "undecoded", "Undecoded bytes", base, n)
        ctx.section.component = "cpu"
        ctx.section.summary = "Machine-check bank dump (truncated before its version)"
        return {}
    version = _U32.unpack_from(buf, base)[0]
    vendor = _U32.unpack_from(buf, base + 4)[0] if n >= 8 else 0
    known = 1 <= version <= 5
    size = expected_size(version, n, ctx.declared_length)
    if not known:
        ctx.finding(WARNING, f"Unknown XPF MCA version {version} (known 1–5); decoded with the "
                             "version-1 layout", base, 4, "version")
    if n < size:
        ctx.finding(ERROR, f"XPF MCA version {version} needs {size} bytes but the body has {n}; "
                           "only the fields present are decoded", base, n, "body-truncated")
    if vendor > 2:
        ctx.finding(WARNING, f"CpuVendor {vendor} is undefined (0 other, 1 Intel, 2 AMD)",
                    base + 4, 4, "enum")
    if size == SIZE_V3_EARLY and n >= size:
        ctx.finding(NOTE, f"{LAYOUTS[(3, size)]}: decoded as that layout, not as truncation",
                    base, n, "layout-version")
    diag_holder: dict = {}
    hooks = {
        "status": lambda f, v, o: mca.status_node(
            "status", "MCi_STATUS", v, o, vendor,
            extra=lambda: _diagnosis_nodes(diag_holder, v, o, vendor)),
        "timestamp": lambda f, v, o: make_node(f, v, o, display=_time_text(v)),
        "apic_id": lambda f, v, o: (make_node(f, v, o) if version >= 2 else
                                    make_node(Field("reserved2", "Reserved2", 4, "hex"), v, o)),
    }
    v, _ = HEAD.decode(buf, base, ctx.end, ctx.node, hooks)
    # the computed keys: names, the layout, then the registers after the fixed part
    parts: dict = {"cpu_vendor_name": mca.CPU_VENDOR.get(vendor, "Unknown"), "size_form": size,
                   "layout": LAYOUTS.get((version, size))}
    amd_regs = vendor == 2 and version >= 2 and size >= SIZE_V2R2
    parts.update(_extended_registers(ctx, v.get("extended_register_count", 0), amd_regs))
    if size >= SIZE_V2R2 and version >= 2:
        parts.update(_global_capability(ctx))
    if version >= 3 and known:
        parts.update(_recovery_info(ctx, size))
    if version in EX_BANKS:
        parts.update(_ex_banks(ctx, vendor, EX_BANKS[version]))
    if n > size:
        note_extra(ctx, size, f"version-{version} structure")
    if "status" in v:
        parts["diagnosis"] = diag_holder["diagnosis"] = _diagnose(ctx, v, vendor, version, parts)
    # ``fields`` from the layout (each field's name is its key): a CPU vendor the body does not
    # reach is 0 (other); ApicId is Reserved2 in version 1 (the tree names it so too)
    fields = layout_json(HEAD, {**v, "cpu_vendor": vendor}, extra=parts, order=_JSON_ORDER,
                         keys={"apic_id": "reserved2"} if version < 2 else None,
                         convert={"status": lambda status: mca.status_json(status, vendor)},
                         after={"timestamp": lambda t: {"timestamp_utc": filetime_text(t)}})
    _summarise(ctx, fields)
    return fields


# the published order: the fields but MCi_STATUS and ApicId, the names and the layout, then those
_JSON_ORDER = (*(f.name for f in HEAD.fields if f.name not in ("status", "apic_id")),
               "cpu_vendor_name", "size_form", "layout", "timestamp_utc", "status", "apic_id",
               "reserved2")


def _diagnose(ctx: SectionContext, v: dict, vendor: int, version: int, parts: dict) -> dict:
    amd = parts.get("amd_extended_registers") or {}
    valid = v.get("extended_register_count") or 0  # IPID is register 0, SYND register 1
    gcap = parts.get("global_capability")
    return mca_diagnosis.diagnose(mca_diagnosis.Inputs(
        vendor=vendor, bank=v.get("bank_number"),
        status=v["status"], address=v.get("address"),
        apic_id=v.get("apic_id") if version >= 2 else None,
        ipid=amd.get("ipid") if valid >= 1 else None,
        synd=amd.get("synd") if valid >= 2 else None, ipid_not_recorded="ipid" in amd and valid < 1,
        global_capability=gcap["value"] if gcap else None,
        cmci_notified=ctx.record.header.get("notify_type") == CMCI_NOTIFY,
        paths=mca_diagnosis.Paths(ctx.node.path)))


XEC_BITS = Bits(16, "extended_error_code", "Extended error code (AMD XEC, bits 21:16)", 6,
                "AMD SMCA: the error within the bank's unit (meaning depends on the bank type)")
ERR_CORE_BITS = (Bits(32, "err_core_id", "ErrCoreId (bits 37:32)", 6,
                      "AMD: the core within the processor, when ErrCoreIdVal is set"),
                 Bits(56, "err_core_id_valid", "ErrCoreIdVal (bit 56)",
                      meaning="AMD: ErrCoreId names the core associated with the error"))


def _diagnosis_nodes(holder: dict, value: int, offset: int, vendor: int) -> list[FieldNode]:
    """Children added to MCi_STATUS: AMD's extended error code and core fields, then a
    ``diagnosis`` node holding the one-line result (located on the whole register)."""
    d = holder.get("diagnosis")
    if d is None:
        return []
    out: list[FieldNode] = []
    if vendor == 2:
        [xec] = bit_nodes((XEC_BITS,), value, offset, 8)
        if d.get("unit"):
            xec.display = f"{xec.value}: {d['error'] or 'not decoded'} ({d['unit']})"
        out.append(xec)
        core = bit_nodes(ERR_CORE_BITS, value, offset, 8)
        if d.get("core") is not None:
            core[0].display = f"core {d['core']}"
        elif not value >> 56 & 1:
            core[0].display += " (not valid: ErrCoreIdVal clear)"
        out += core
    text = mca_diagnosis.sentence(d) or "nothing decodable"
    # value None and kind "derived": the text is read from the register, not stored in it, so
    # the editor must not offer to type it over MCi_STATUS
    out.append(FieldNode("diagnosis", "Diagnosis", None, text, offset, 8, kind="derived",
                         description=("Which unit, error, core and channel the registers name; "
                                      "not decoded: " + d["undecoded"]) if d.get("undecoded")
                         else "Which unit, error, core and channel the registers name"))
    return out


def _time_text(value: int) -> str:
    t = filetime_text(value)
    return f"{value} ({t}, FILETIME)" if t else str(value)


def _extended_registers(ctx: SectionContext, count: int, amd: bool) -> dict:
    buf, start = ctx.data, ctx.offset + EXT_REGS_OFFSET
    avail = max(0, min(ctx.end - start, 8 * EXT_REG_MAX))
    if avail <= 0:
        return {}
    limit = AMD_EXT_REG_NUM if amd else EXT_REG_MAX
    if count > limit:
        ctx.finding(WARNING, f"ExtendedRegisterCount is {count} but at most {limit} "
                             f"{'AMD ' if amd else ''}registers are defined; {limit} shown",
                    ctx.offset + 64, 4, "count")
    shown = min(count, limit)
    if amd:
        node = struct_node(ctx.node, "amd_extended_registers", "AMD extended registers", start,
                           avail, f"{shown} of {AMD_EXT_REG_NUM} valid")
        regs: dict = {}
        for i, name in enumerate(AMD_REG_NAMES):
            off = start + 8 * i
            if off + 8 > start + avail:
                break
            val = _U64.unpack_from(buf, off)[0]
            regs[name] = val
            umc = (amd_smca.bank_type(regs["ipid"]) or amd_smca.BankType("", "", "")).key == "umc"
            node.add(_amd_reg_node(name, val, off, i < shown, umc))
        ipid = regs.get("ipid")
        raw_node(node, ctx, "reserved", "Reserved[14]", start + 80, max(0, avail - 80))
        # the IPID's parts after the registers; a register beyond the count is not in the
        # record: it names no bank type
        return {"amd_extended_registers": layout_json(AMD_REGISTERS, regs, extra=None if ipid is None else {
            "smca_bank_type": mca.smca_bank_type(ipid) if shown >= 1 else None,
            "ipid_hardware_id": ipid >> 32 & 0xFFF, "ipid_mca_type": ipid >> 48 & 0xFFFF,
            "ipid_instance_id": ipid & 0xFFFFFFFF})}
    node = struct_node(ctx.node, "extended_registers", "Extended registers", start, avail,
                       f"{shown} of {EXT_REG_MAX} used")
    regs_list = []
    for i in range(shown):
        off = start + 8 * i
        if off + 8 > start + avail:
            break
        val = _U64.unpack_from(buf, off)[0]
        regs_list.append(val)
        node.add(FieldNode(f"register_{i}", f"Register {i}", val, f"0x{val:016X}", off, 8,
                           kind="hex"))
    used = 8 * len(regs_list)
    raw_node(node, ctx, "unused", "Unused register slots", start + used, avail - used)
    return {"extended_registers": regs_list}  # the used slots, as one list


UMC_CHANNEL = Bits(20, "umc_channel", "UMC channel (InstanceId bits 31:20)", 12,
                   "AMD UMC bank: the memory channel this controller instance drives")
CHIP_SELECT = Bits(0, "chip_select", "Chip select (bits 2:0)", 3,
                   "AMD UMC DRAM ECC error with SyndV set: the chip select (rank)")


AMD_REGISTERS = Layout("WHEA_AMD_EXTENDED_REGISTERS", [
    Field(name, {"ras_cap": "RasCap", "ipid": "MCA_IPID", "synd": "MCA_SYND"}.get(
        name, f"MCA_{name.upper()}"), 8, "hex") for name in AMD_REG_NAMES])


def _amd_reg_node(name: str, val: int, off: int, valid: bool, umc_bank: bool = False) -> FieldNode:
    label = AMD_REGISTERS[name].label
    disp = f"0x{val:016X}" + ("" if valid else " (beyond ExtendedRegisterCount)")
    make = None
    if name == "ipid":
        bank = mca.smca_bank_type(val)
        if bank:
            disp += f" ({bank})"
        umc = (amd_smca.bank_type(val) or amd_smca.BankType("", "", "")).key == "umc"

        def make(_n, val=val, off=off, umc=umc):
            extra = (UMC_CHANNEL,) if umc else ()
            return bit_nodes(mca.IPID_BITS + extra, val, off, 8)
    elif name == "synd" and umc_bank:
        def make(_n, val=val, off=off):
            return bit_nodes((CHIP_SELECT,), val, off, 8)
    return FieldNode(name, label, val, disp, off, 8, kind="hex", valid=valid, make_children=make,
                     description="AMD SMCA IPID: identifies the bank's hardware block" if name == "ipid" else "")


GLOBAL_CAPABILITY = Layout("MCG_CAP", [Field("global_capability", "MCG_CAP", 8, "flags",
                                              bits=mca.MCG_CAP_BITS, reserved_mask=0xFFFFFFFFF000F000)])


def _global_capability(ctx: SectionContext) -> dict:
    off = ctx.offset + SIZE_V1
    if off + 8 > ctx.end:
        return {}
    v, _count = GLOBAL_CAPABILITY.decode(ctx.data, off, ctx.end, ctx.node)
    return layout_json(GLOBAL_CAPABILITY, v)


def _recovery_info(ctx: SectionContext, size: int) -> dict:
    off = ctx.offset + SIZE_V2R2
    if off >= ctx.end:
        return {}
    if size == SIZE_V3_EARLY:  # 17 bytes: the named fields, then 6 bytes no header describes
        end = min(ctx.end, off + SIZE_V3_EARLY - SIZE_V2R2)
        node = struct_node(ctx.node, "recovery_info", "Recovery info (XPF_RECOVERY_INFO, 17-byte "
                           "early form)", off, end - off)
        v, _ = RECOVERY_HEAD.decode(ctx.data, off, end, node)
        raw_node(node, ctx, "reserved", "Reserved (6 bytes; layout in no public header)",
                 off + RECOVERY_NAMED, max(0, end - off - RECOVERY_NAMED))
    else:
        node = struct_node(ctx.node, "recovery_info", "Recovery info (XPF_RECOVERY_INFO)", off,
                           min(RECOVERY.size, ctx.end - off))
        v, _ = RECOVERY.decode(ctx.data, off, ctx.end, node)
    return {"recovery_info": layout_json(RECOVERY_HEAD, v, convert=dict.fromkeys(
        ("action_required", "recovery_succeeded", "recovery_kernel"), bool))}  # BOOLEANs


EX_BANK_COUNT = Layout("ExBankCount", [Field("ex_bank_count", "ExBankCount", 4, "int")])
# One bank of the four ExBank arrays, as a row of the JSON (the record stores the arrays one
# after the other, so this names a row's values; it is not a packed structure of the record)
EX_BANK_ROW = Layout("ex_bank", [Field("bank", "BankNumberEx", 4, "int"),
                                 Field("status", "StatusEx", 8, "hex"),
                                 Field("address", "AddressEx", 8, "hex"),
                                 Field("misc", "MiscEx", 8, "hex")])
_EX_COLUMNS = ("bank_number_ex", "status_ex", "address_ex", "misc_ex")


def _ex_banks(ctx: SectionContext, vendor: int, slots: int) -> dict:
    buf, base = ctx.data, ctx.offset + SIZE_V3
    if base + 4 > ctx.end:
        return {}
    v, _count = EX_BANK_COUNT.decode(buf, base, ctx.end, ctx.node)
    count = v["ex_bank_count"]
    if count > slots:
        ctx.finding(WARNING, f"ExBankCount is {count} but the arrays hold {slots} banks; "
                             f"{slots} shown", base, 4, "count")
    shown = min(count, slots)
    arrays = (("bank_number_ex", "BankNumberEx", 4), ("status_ex", "StatusEx", 8),
              ("address_ex", "AddressEx", 8), ("misc_ex", "MiscEx", 8))
    off = base + 4
    columns: dict[str, list[int]] = {}
    for name, label, width in arrays:
        size = width * slots
        avail = max(0, min(size, ctx.end - off))
        if avail == 0:
            break
        node = struct_node(ctx.node, name, label, off, avail, f"{shown} of {slots} used")
        vals = []
        for i in range(shown):
            o = off + width * i
            if o + width > off + avail:
                break
            val = int.from_bytes(buf[o:o + width], "little")
            vals.append(val)
            if name == "status_ex":
                node.add(mca.status_node(f"{name}_{i}", f"{label}[{i}]", val, o, vendor))
            else:
                node.add(FieldNode(f"{name}_{i}", f"{label}[{i}]", val,
                                   str(val) if width == 4 else f"0x{val:016X}", o, width,
                                   kind="int" if width == 4 else "hex"))
        used = width * len(vals)
        raw_node(node, ctx, "unused", "Unused slots", off + used, avail - used)
        if any(buf[off + used:off + avail]):
            ctx.finding(NOTE, f"{label} has non-zero data beyond ExBankCount ({count})",
                        off + used, avail - used, "unused-data")
        columns[name] = vals
        off += size
    banks = []
    for i in range(len(columns.get("bank_number_ex", []))):
        row = {f.name: columns[col][i] for f, col in zip(EX_BANK_ROW.fields, _EX_COLUMNS)
               if i < len(columns.get(col, []))}
        banks.append(layout_json(EX_BANK_ROW, row, convert={
            "status": lambda status: mca.status_json(status, vendor)}))
    # the banks as rows (the record stores the four arrays column by column)
    return layout_json(EX_BANK_COUNT, v, extra={"ex_banks": banks})


def _summarise(ctx: SectionContext, fields: dict) -> None:
    section = ctx.section
    section.component = "cpu"
    loc: dict = {"cpu_vendor": fields["cpu_vendor_name"]}
    for key in ("processor_number", "apic_id", "bank_number"):
        if key in fields:
            loc["bank" if key == "bank_number" else key] = fields[key]
    bank_type = (fields.get("amd_extended_registers") or {}).get("smca_bank_type")
    if bank_type:
        loc["bank_type"] = bank_type
    status = fields.get("status")
    # with MCi_STATUS.VAL clear no other bit, ADDRV included, means anything (Intel SDM vol. 3B
    # §16.3.2.2; FORMAT.md §8.2): MCi_ADDR is then no location
    if status and status["valid"] and status["addr_valid"] and "address" in fields:
        loc["address"] = fields["address"]
    diag = fields.get("diagnosis") or {}
    for key in ("unit", "core", "channel", "chip_select"):
        if diag.get(key) is not None:
            loc[key] = diag[key]
    section.location = loc
    if not status:
        section.summary = "Machine-check bank dump (truncated before MCi_STATUS)"
        return
    bank = f"bank {fields.get('bank_number', '?')}" + (f" ({bank_type})" if bank_type else "")
    cpu = f"CPU {fields.get('processor_number', '?')}"
    if "apic_id" in fields:
        cpu += f" (APIC ID {fields['apic_id']})"
    if not status["valid"]:
        section.summary = f"No valid error logged in machine-check {bank} of {cpu}"
        ctx.finding(NOTE, "MCi_STATUS.VAL is clear: the bank held no valid error",
                    ctx.offset + 40, 8, "mca-not-valid")
        return
    how = "Uncorrected" if status["uncorrected"] else "Corrected"
    if status.get("deferred"):
        how = "Deferred (uncorrected, not yet consumed)"
    extras = [t for k, t in (("pcc", "processor context corrupt"), ("overflow", "overflow: more errors than were logged"),
                             ("poison", "poisoned data consumed")) if status.get(k)]
    addr = f" at MCi_ADDR 0x{fields['address']:X}" if "address" in loc else ""
    if diag.get("address") is not None and diag.get("address_kind", "").startswith("UMC"):
        addr = f" at UMC-normalised address 0x{diag['address']:X} (not a system physical address)"
    what = mca_diagnosis.sentence(diag)
    if what and diag.get("unit"):  # the unit and error the registers name, then the architectural code
        what += f" [{status['mca_error_text']}]"
    # only a core-local bank belongs to the CPU; otherwise the CPU just logged the error
    whose = f"of {cpu}" if diag.get("scope") == "core" else f"logged by {cpu}"
    section.summary = (f"{how} machine check in {bank} {whose}: {what or status['mca_error_text']}"
                       f"{addr}" + (f" ({'; '.join(extras)})" if extras else ""))
