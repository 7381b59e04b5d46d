"""Plain-language explanation of a decoded record: which part is failing, how bad it is, where,
and what a person can usually do about it.

``explain_record`` builds the explanation from what the section decoders left on each section
(``component``, ``location``, ``summary``, ``fields``) plus header and section flags;
``summarise_record`` turns it into the one-line ``rec.summary`` (record.py calls it).
"""

from __future__ import annotations

from .model import ERROR, DecodedRecord, DecodedSection

SEVERITY_WORD = {0: "Recoverable", 1: "Fatal", 2: "Corrected", 3: "Informational"}
SEVERITY_RANK = {1: 4, 0: 3, 2: 2, 3: 1}
SEVERITY_MEANING = {
    2: "Corrected: the hardware detected the error and fixed it; no data was lost and the system "
       "kept running. An occasional corrected error is normal; many on the same part predict a failure.",
    0: "Recoverable: the hardware could not fix the error, but the system contained it (for example "
       "by stopping the affected program or retiring a memory page) and kept running. Data in the "
       "affected program may have been lost.",
    1: "Fatal: the error could not be corrected or contained, so the system stopped (blue screen, "
       "kernel panic or reset) to avoid corrupting data.",
    3: "Informational: a status report, not a hardware fault.",
}
COMPONENT_NAME = {
    "cpu": "processor (CPU)", "memory": "memory (RAM)", "pcie": "PCI Express device or link",
    "pci": "PCI/PCI-X device or bus", "firmware": "platform firmware", "iommu": "IOMMU (DMA remapping)",
    "cxl": "CXL device", "platform": "platform (chipset/board)",
}
# Fallback component by section type, for sections whose decoder did not say (or has none).
TYPE_COMPONENT = {
    "9876ccad-47b4-4bdb-b65e-16f193c4f3db": "cpu", "dc3ea0b0-a144-4797-b95b-53fa242b6e1d": "cpu",
    "e429faf1-3cb7-11d4-bca7-0080c73c8881": "cpu", "e19e3d16-bc11-11e4-9caa-c2051d5d46b0": "cpu",
    "a5bc1114-6f64-4ede-b863-3e83ed7c83b1": "memory", "61ec04fc-48e6-d813-25c9-8daa44750b12": "memory",
    "d995e954-bbc1-430f-ad91-b44dcb3c6f35": "pcie", "81212a96-09ed-4996-9471-8d729c8e69ed": "firmware",
    "c5753963-3b84-4095-bf78-eddad3f9c9dd": "pci", "eb5e4685-ca66-4769-b6a2-26068b001326": "pci",
    "5b51fef7-c79d-4434-8f1b-aa62de3e2c64": "iommu", "71761d37-32b2-45cd-a7d0-b0fedd93e8cf": "iommu",
    "036f84e1-7f37-428c-a79e-575fdfaa84ec": "iommu", "91335ef6-ebfb-4478-a6a6-88b728cf75d7": "platform",
    "80b9efb4-52b5-4de3-a777-68784b771048": "cxl", "fbcd0a77-c260-417f-85a9-088b1621eba6": "cxl",
    "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624": "cxl", "fe927475-dd59-4339-a586-79bab113b774": "cxl",
    "77cf9271-9c02-470b-9fe4-bc7b75f2da97": "cxl", "40d26425-3396-4c4d-a5da-3d47263af425": "cxl",
    "8dc44363-0c96-4710-b7bf-04bb99534c3f": "cxl", "5e4706c1-5356-48c6-930b-52f2120a4458": "memory",
    "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8": "cpu", "e71254e7-c1b9-4940-ab76-909703a4320f": "platform",
    "1c15b445-9b06-4667-ac25-33c056b88803": "cpu", "ec49534b-30e7-4358-972f-eca6958fae3b": "pcie",
    "e96eca99-53e2-4f52-9be7-d2dbe9508ed0": "pcie", "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017": "memory",
    "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1": "cpu", "f2a4a152-9c6d-4020-aecf-7695b389251b": "cpu",
    "dd060800-f6e1-4204-ac27-c4bca9568402": "pcie", "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9": "cpu",
    "e16edb28-6113-4263-a41d-e53f8de78751": "memory", "0d3a4a3b-774a-4c72-95e2-152d43180374": "memory",
    "81687003-dbfd-4728-9ffd-f0904f97597d": "memory", "85183a8b-9c41-429c-939c-5c3c087ca280": "firmware",
    "cc245308-61d5-4356-a707-25172ec2f5ea": "memory", "bf32d4d5-b427-4025-8495-8a9e5d4030e4": "cpu",
}
# Sections that describe the handling of an error, not a failing part.
METADATA_TYPES = {"c34832a1-02c3-4c52-a9f1-9f1d5d7723fc"}
# When several sections locate the error, the device that holds the data outranks the detector.
COMPONENT_PRIORITY = {"memory": 3, "pcie": 3, "pci": 3, "cxl": 3, "iommu": 2, "cpu": 2,
                      "firmware": 1, "platform": 1}
HEX_KEYS = {"nfit_handle", "umc", "handle"}
DIMM_KEYS = {"dimm", "dimm_slot", "module", "card", "socket", "node", "channel", "rank",
             "dimm_rank", "memory_controller", "umc"}
WHLG_ADVICE = {
    "AerNotGrantedToOs": "Firmware kept control of PCIe Advanced Error Reporting, so PCIe errors are "
                         "handled (and logged) by the firmware first. Usually fine; if you want Windows to "
                         "report PCIe errors itself, look for an 'OS native AER' firmware setting.",
    "CmciRestart": "Windows switched corrected machine-check reporting back on after a burst of "
                   "corrected errors. If this repeats, look for the CPU or memory part producing them.",
    "CmcSwitchToPolling": "A burst of corrected machine-check errors made Windows switch to polling; "
                          "find the part producing them in the WHEA error records from the same time.",
    "PFAMemoryOfflined": "Windows took a memory page out of use after repeated errors. If it keeps "
                         "happening, test the memory and plan to replace the affected DIMM.",
}
WHLG_TEXT_NO_PAYLOAD = {
    "AerNotGrantedToOs": "firmware did not grant PCIe AER control to Windows (_OSC), so firmware "
                         "handles PCIe errors first",
}


def summarise_record(rec: DecodedRecord) -> None:
    """Set ``rec.summary``: the headline plus the first piece of advice."""
    exp = explain_record(rec)
    if rec.kind == "whlg":
        rec.summary = exp["headline"]
        return
    rec.summary = exp["headline"] + (f". {exp['advice'][0]}" if exp["advice"] else "")


def explain_record(rec: DecodedRecord) -> dict:
    """{headline, severity, severity_meaning, component, component_name, where, detail, advice,
    caveats, sections}: plain sentences for people (GUI details pane, reports)."""
    if rec.kind == "whlg":
        return _explain_whlg(rec)
    sev = _record_severity(rec)
    caveats: list[str] = []
    lead = _lead_section(rec)
    component = _component(lead) if lead else ""
    where = _where_text(lead.location, component) if lead else ""
    sev_word = SEVERITY_WORD.get(sev, "Unclassified")
    cname = _component_name(rec, lead, component)
    noun = "report" if sev == 3 else "error"
    if lead is None:
        headline = f"{sev_word} error record with no readable sections"
    elif cname.startswith("unidentified"):
        headline = f"{sev_word} {noun} of unknown kind (section type {lead.type_guid})"
    else:
        headline = f"{sev_word} {cname} {noun}" + (f" at {where}" if where else "")
    advice = _advice(component, sev, rec, lead)
    _caveats(rec, lead, component, caveats)
    flags = rec.header.get("flag_names") or []
    if "simulated" in flags:
        headline += " (simulated)"
        advice.insert(0, "This error was injected for testing (simulated): no hardware needs attention.")
    meaning = SEVERITY_MEANING.get(sev, "The record does not give a known severity.")
    if "recovered" in flags and sev != 2:
        meaning += " The operating system reports that it recovered from this error."
    return {
        "headline": headline, "severity": sev_word.lower(), "severity_meaning": meaning,
        "component": component, "component_name": cname, "where": where,
        "detail": lead.summary if lead else "", "advice": advice, "caveats": caveats,
        "sections": [{"index": s.index, "type_name": s.values.get("type_name"),
                      "component": _component(s), "summary": s.summary} for s in rec.sections],
    }


def _component_name(rec: DecodedRecord, lead, component: str) -> str:
    if component in COMPONENT_NAME:
        return COMPONENT_NAME[component]
    if "device_driver" in (rec.header.get("flag_names") or ()):
        return "device (reported by its driver)"
    if lead is None:
        return "hardware"
    name = lead.values.get("type_name") or ""
    if not name or name == "Unknown" or name.startswith("(none"):
        return f"unidentified (section type {lead.type_guid or 'unknown'})"
    return name


# -- which section speaks for the record -------------------------------------------------------
def _component(s: DecodedSection) -> str:
    if s.component:
        return s.component
    entries = s.fields.get("entries") if isinstance(s.fields, dict) else None
    if isinstance(entries, list):  # a GESB: its entries say what failed
        for e in entries:
            comp = e.get("component") or TYPE_COMPONENT.get(str(e.get("type", "")).lower())
            if comp:
                return comp
    return TYPE_COMPONENT.get((s.type_guid or "").lower(), "")


def _record_severity(rec: DecodedRecord) -> int | None:
    sev = rec.header.get("severity")
    if sev in SEVERITY_WORD:
        return sev
    secs = [s.values.get("severity") for s in rec.sections if s.values.get("severity") in SEVERITY_WORD]
    return max(secs, key=lambda v: SEVERITY_RANK[v]) if secs else None


def _lead_section(rec: DecodedRecord) -> DecodedSection | None:
    candidates = [s for s in rec.sections if (s.type_guid or "").lower() not in METADATA_TYPES]
    if not candidates:
        return rec.sections[0] if rec.sections else None

    def score(s: DecodedSection):
        comp = _component(s)
        located = bool(s.location)
        return (SEVERITY_RANK.get(s.values.get("severity"), 0), located,
                COMPONENT_PRIORITY.get(comp, 0) if located else 0, len(s.location),
                "primary" in (s.values.get("flag_names") or ()), bool(comp), -s.index)
    return max(candidates, key=score)


# -- where ----------------------------------------------------------------------------------------
def _where_text(loc: dict, component: str) -> str:
    if not loc:
        return ""
    loc = dict(loc)
    parts: list[str] = []
    cpu = []
    if "processor_number" in loc:
        cpu.append(f"CPU {loc.pop('processor_number')}")
    if "apic_id" in loc:
        apic = f"APIC ID {loc.pop('apic_id')}"
        cpu.append(f"({apic})" if cpu else apic)
    if cpu:
        parts.append(" ".join(cpu))
    vendor = loc.pop("cpu_vendor", None)
    if "bank" in loc and component == "cpu":
        bank = f"MCA bank {loc.pop('bank')}"
        if vendor and vendor != "Other":
            bank = f"{vendor} {bank}"
        if "bank_type" in loc:
            bank += f" ({loc.pop('bank_type')})"
        parts.append(bank)
    pci = [loc.pop(k, None) for k in ("segment", "bus", "device", "function")]
    if any(v is not None for v in pci[1:]):
        seg, bus, dev, fn = pci
        parts.append(f"PCIe {seg or 0:04x}:{bus or 0:02x}:{dev or 0:02x}.{fn or 0}")
        ids = [f"{k.split('_')[0]} 0x{loc.pop(k):04X}" for k in ("vendor_id", "device_id") if k in loc]
        if ids:
            parts.append(" ".join(ids))
    for key in ("physical_address", "address"):
        if key in loc and isinstance(loc[key], int):
            label = "MCi_ADDR" if key == "address" and component == "cpu" else "physical address"
            parts.append(f"{label} 0x{loc.pop(key):X}")
    for key, val in loc.items():
        if val is None or val == "":
            continue
        if isinstance(val, int) and not isinstance(val, bool) and (val >= 0x10000 or key in HEX_KEYS):
            val = f"0x{val:X}"
        parts.append(f"{key.replace('_', ' ').replace('guid', 'GUID')} {val}")
    return ", ".join(parts)


# -- advice ---------------------------------------------------------------------------------------
def _advice(component: str, sev: int | None, rec: DecodedRecord, lead) -> list[str]:
    out: list[str] = []
    bad = sev in (0, 1)
    if sev == 3:
        out.append("No action needed: this is a status report.")
    elif component == "memory":
        if bad:
            out += ["Run a thorough memory test (for example MemTest86 or Windows Memory Diagnostic).",
                    "Replace the DIMM named in the location; if none is named, test the DIMMs one by one.",
                    "Check that memory runs at supported speed and voltage (disable overclocking/XMP)."]
        else:
            out += ["Monitor: if corrected errors repeat on the same DIMM, schedule its replacement.",
                    "Make sure memory is not overclocked (XMP/EXPO) and DIMMs are seated properly."]
    elif component == "cpu":
        if bad:
            out += ["Check for BIOS/UEFI firmware and CPU microcode updates and install them.",
                    "Remove any overclocking or undervolting; check cooling and the power supply.",
                    "If it recurs on the same CPU (APIC ID and bank), contact the system or CPU vendor."]
        else:
            out += ["No action needed for a single event: the CPU corrected it.",
                    "If it repeats on the same CPU and bank, update firmware/microcode and check cooling; "
                    "a rising rate means the CPU may be degrading."]
    elif component in ("pcie", "pci", "cxl"):
        if bad:
            out += ["Reseat or replace the device at the location shown; check its slot, riser and cables.",
                    "Update the device's firmware and driver and the system BIOS."]
        else:
            out += ["Usually link noise: no action needed for occasional events.",
                    "If frequent, reseat the card, check the slot/riser/cables and update device firmware."]
    elif component == "iommu":
        out += ["Update the system BIOS and the drivers of the device doing DMA; a driver bug is a common cause."]
    elif component == "firmware":
        out += ["Check the platform's own error log (BMC/SEL or firmware setup) for the detailed error.",
                "Update the system BIOS/UEFI firmware."]
    elif component == "platform":
        out += ["Check the system event log of the board management controller (BMC/SEL) for the source.",
                "Update the system BIOS/UEFI firmware; if it repeats, contact the system vendor."]
    elif "device_driver" in (rec.header.get("flag_names") or ()):
        out += ["A device driver reported this error: check that device's own event log entries and "
                "vendor tools, and update its driver and firmware."]
    else:
        out += ["Look up the section type shown with the hardware or firmware vendor's tools.",
                "If it repeats, contact the system vendor with this record."]
    hints = _hints(rec, lead)
    if "threshold_exceeded" in hints:
        out.insert(0, "The error threshold for this part was exceeded: plan to replace or service it.")
    if "memory_controller" in hints and component == "cpu":
        out.insert(0, "The machine check came from the memory controller: the memory (DIMMs) on it is "
                      "the likely cause; run a memory test.")
    if "poison" in hints:
        out.append("Poisoned (corrupted) data was consumed: test the memory that held it.")
    return out


def _hints(rec: DecodedRecord, lead) -> set[str]:
    hints: set[str] = set()
    for s in rec.sections:
        hints.update(n for n in (s.values.get("flag_names") or ())
                     if n in ("threshold_exceeded", "latent_error", "containment_warning", "reset",
                              "propagated", "resource_not_accessible"))
        status = (s.fields or {}).get("status") if isinstance(s.fields, dict) else None
        if isinstance(status, dict):
            if status.get("overflow"):
                hints.add("mca_overflow")
            if status.get("pcc"):
                hints.add("mca_pcc")
            if status.get("poison"):
                hints.add("poison")
            if status.get("mca_error_kind") == "memory_controller":
                hints.add("memory_controller")
            if not status.get("valid", True):
                hints.add("mca_not_valid")
    if lead is not None and "UMC" in str(lead.location.get("bank_type", "")):
        hints.add("memory_controller")
    return hints


def _caveats(rec: DecodedRecord, lead, component: str, out: list[str]) -> None:
    flags = rec.header.get("flag_names") or []
    if "previous_error" in flags:
        out.append("This error happened before the last restart; it was reported after the system came back.")
    if "simulated" in flags:
        out.append("The record is marked as simulated (error injection).")
    if "persist_pfn" in flags:
        out.append("Windows marked the affected memory page to be taken out of use (PersistPfn).")
    hints = _hints(rec, lead)
    text = {
        "mca_overflow": "A machine-check bank overflowed: earlier errors were lost, so this may be one of several.",
        "mca_pcc": "The processor context was corrupt: execution could not safely continue.",
        "mca_not_valid": "A machine-check bank in this record holds no valid error.",
        "latent_error": "Latent error: bad data was found but had not been used yet.",
        "containment_warning": "The error may not have been contained and could have spread.",
        "reset": "The affected part had to be reset before it could be used again.",
        "propagated": "The error was propagated by data poisoning from elsewhere.",
        "resource_not_accessible": "The platform could not read all of the part's registers; some fields may be invalid.",
    }
    out.extend(t for k, t in text.items() if k in hints)
    for s in rec.sections:
        if _component(s) != "memory":
            continue
        name = s.values.get("type_name") or "memory"
        if s.fields is None and s.body is not None:
            out.append(f"Section {s.index} ({name}) was not decoded, so its memory location is unknown.")
        elif s.fields is not None and not (set(s.location) & (DIMM_KEYS | {"physical_address", "address"})):
            out.append(f"Section {s.index} ({name}) has no valid location fields: the record cannot "
                       "tell which memory module (DIMM) is affected.")
    if lead is not None and component == "memory" and lead.location \
            and not set(lead.location) & DIMM_KEYS:
        out.append("Only an address is known, not the DIMM: map it to a module with the vendor's tools "
                   "or the BMC/firmware log.")
    if lead is not None and not lead.location and component and lead.fields is not None:
        out.append("The record does not say exactly where in the "
                   f"{COMPONENT_NAME.get(component, component)} the error happened.")
    if rec.has_errors():
        out.append("The record is malformed or truncated: some fields could not be read "
                   f"({sum(f.level == ERROR for f in rec.findings)} error finding(s)).")


# -- WhLg entries ---------------------------------------------------------------------------------
def _explain_whlg(rec: DecodedRecord) -> dict:
    h = rec.header
    name = h.get("id_name") or "Unknown"
    type_name = h.get("type_name") or "Unknown"
    headline = rec.summary or f"WHEA event {name}"
    if name in WHLG_TEXT_NO_PAYLOAD and not h.get("payload_length"):
        headline = f"WHEA event {name} ({type_name}): {WHLG_TEXT_NO_PAYLOAD[name]}"
    advice = []
    if name in WHLG_ADVICE:
        advice.append(WHLG_ADVICE[name])
    if type_name == "Informational":
        advice.append("No action needed: this entry records how Windows set up or handled hardware "
                      "error reporting.")
    else:
        advice.append("Look at the hardware error records (WHEA-Logger events) logged around the same "
                      "time for the part involved.")
    caveats = []
    if rec.has_errors():
        caveats.append("The entry is malformed or truncated: some fields could not be read.")
    return {
        "headline": headline, "severity": type_name.lower(),
        "severity_meaning": "A Windows hardware-error subsystem event (WHEA_EVENT_LOG_ENTRY), not a "
                            "hardware error record: it reports configuration or handling, not a fault.",
        "component": "", "component_name": "Windows WHEA", "where": "", "detail": rec.summary,
        "advice": advice, "caveats": caveats, "sections": [],
    }
