"""Statements from facts: the headline, how bad, where, what failed, what to do, caveats.

The rules are arranged so that their outputs do not contradict each other
(tests/explain_checks.py checks it on every generated section kind and shared vector):

* one severity statement, made here from ``Facts.severity`` (the headline's word is the same);
* one *urgency* per record (simulated / none / monitor / service / act) chosen from severity,
  the simulated flag and the threshold flag; the advice is a function of (component, urgency),
  so "no action needed" and "plan to replace" never appear together;
* advice that points at a place is only made when the record has a location, and it names
  that location; a record without a location always gets a caveat saying so;
* every statement cites the tree paths of the fields it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import own_severity
from .facts import FIRMWARE_REFERENCE, THRESHOLD_FLAG, Facts, field_path
from .location import desc_path, unique
from .tables import (
    COMPONENT_NAME,
    IOMMU_INTERRUPT_NAME,
    PLATFORM_MEMORY_TYPES,
    SEVERITY_MEANING,
    SEVERITY_RANK,
    SEVERITY_WORD,
)


@dataclass
class Statement:
    kind: str  # "headline" | "severity" | "where" | "what" | "advice" | "caveat"
    text: str
    cites: list[str] = field(default_factory=list)
    topic: str = ""  # e.g. "location": a caveat about where, or advice that depends on where
    uses_location: bool = False  # advice that points at the place named in ``where``

    def as_json(self) -> dict:
        return {"kind": self.kind, "text": self.text, "cites": list(self.cites),
                "topic": self.topic, "uses_location": self.uses_location}


def urgency(f: Facts) -> str:
    if "simulated" in f.header_flags:
        return "simulated"
    if f.severity in (0, 1) or (f.recovery is not None and f.recovery[3]):
        return "act"  # (a process terminated to recover is no status report and no "no action")
    if f.severity == 3:
        return "none"
    if "threshold_exceeded" in f.hints:
        return "service"
    if f.severity == 2:
        return "monitor"
    return "unknown"


def mca_kind(f: Facts) -> str:
    """What the record's facts say a machine check points at: "memory" (a memory-controller bank
    or error code), "unknown" (the bank's unit is not identified), "shared" (a shared unit), or
    "core"; "" for a record that is no CPU error."""
    if f.component != "cpu":
        return ""
    if "memory_controller" in f.hints:
        return "memory"
    return f.cpu_scope or "core"


def record_component(f: Facts) -> str:
    """The component a record is counted under: the part the explanation names. A machine check
    that a memory-controller bank or error code logged is a memory error (the headline says
    "memory (machine check from the memory controller)"), though its section is a CPU section.
    Every summary that groups records by component (report counts, timeline, the store's
    component column) asks this, so no count contradicts the record's own explanation."""
    return "memory" if mca_kind(f) == "memory" else f.component


MCA_PART_NAME = {"memory": "memory (machine check from the memory controller)",
                 "unknown": "machine check (unit not identified)",
                 # the unit is named (an Intel L2 cache) but not whether one core owns it
                 "unknown-core": "machine check (core not identified)",
                 # a bus check whose processor did not make the failed request (A7-4)
                 "bus": "bus or interconnect (not the processor's own request)"}


CXL_MEDIA_PART_NAME = {"DRAM": "CXL memory device (DRAM media)",
                       "General Media": "CXL memory device (media)",
                       "Memory Module": "CXL memory device (module)",
                       # General Media "Invalid Address": the host's access, not the media (A7-3)
                       "invalid_address": "CXL memory device (access to an invalid address)",
                       # poison the host injected (a test command), no evidence of a media fault
                       # (A7-9): not "(media)" beside that sentence (N9-19)
                       "injected": "CXL memory device (host-injected poison)"}


# A Firmware Error Record Reference (UEFI N.2.10) points at an error record the firmware keeps in
# its own format (a CrashLog, an IPF SAL record): the firmware recorded the error, which is no
# claim that the firmware failed; the failing part is named, if at all, in that record.
FIRMWARE_RECORD_PART = "not named here (the detail is in the firmware's own error record)"
# the same when the section carries that record's data (N9-20: beside the carried-data caveat)
FIRMWARE_DATA_PART = "not named here (the detail is in the firmware record data this section carries)"


def firmware_reference(f: Facts) -> bool:
    return f.component == "firmware" and (f.type_guid or "").lower() == FIRMWARE_REFERENCE


def _unit_named(f: Facts) -> bool:
    """Whether the location names the machine-check bank's unit (not whether one core owns it)."""
    return any(p.kind == "cpu_unit" for p in f.location.parts)


def component_name(f: Facts) -> str:
    if f.part_unknown:
        return "unknown part (the record is cut short)"
    if firmware_reference(f):
        return FIRMWARE_DATA_PART if f.firmware_data is not None else FIRMWARE_RECORD_PART
    kind = mca_kind(f)
    if kind == "unknown" and _unit_named(f):
        return MCA_PART_NAME["unknown-core"]
    if kind in MCA_PART_NAME:
        return MCA_PART_NAME[kind]
    if f.cxl_media:
        event = f.cxl_event[0] if f.cxl_event is not None else None
        return CXL_MEDIA_PART_NAME[event if event in ("invalid_address", "injected") else f.cxl_media]
    if f.component == "iommu" and f.vtd_interrupt is not None:
        return IOMMU_INTERRUPT_NAME  # no DMA request: its fault reason says so
    if f.component:
        return COMPONENT_NAME.get(f.component, f"{f.component} device")
    if "device_driver" in f.header_flags:
        return "device (reported by its driver)"
    if f.lead is None:
        return "hardware"
    name = f.type_name
    if not name or name == "Unknown" or name.startswith("(none"):
        return f"unidentified (section type {f.type_guid or 'unknown'})"
    return name


def statements(f: Facts) -> list[Statement]:
    if f.state != "record":
        return _not_a_record(f)
    out = [_headline(f), _severity(f)]
    if f.location:
        out.append(Statement("where", f.location.text(), f.location.cites(), "location"))
    if f.what is not None:
        out.append(Statement("what", f.what.value, list(f.what.cites)))
    out += _advice(f)
    out += _caveats(f)
    return out


def summary_statements(f: Facts) -> tuple[Statement, Statement | None]:
    """The headline and the first advice: all the one-line summary says (the caveats and the
    other statements do not change either, so they are not made)."""
    if f.state != "record":
        return _not_a_record(f)[0], None
    advice = _advice(f)
    return _headline(f), advice[0] if advice else None


def _not_a_record(f: Facts) -> list[Statement]:
    if f.state == "empty":
        return [Statement("headline", "Empty input: no bytes to read"),
                Statement("caveat", "There is nothing to explain: the input holds no bytes.")]
    return [Statement("headline", 'Not a CPER record (no "CPER" signature)', ["header.signature_start"]),
            Statement("caveat", "The bytes do not start with the CPER signature, so nothing in them is "
                                "read as an error report.", ["header.signature_start"])]


# -- headline and severity --------------------------------------------------------------------------
def _headline(f: Facts) -> Statement:
    word = f.severity_word
    noun = "report" if f.severity == 3 or (f.severity == 2 and (f.memory_type or (None,))[0] == MEMORY_NO_ERROR
                                           and urgency(f) == "monitor") else "error"
    cname = component_name(f)
    cites = list(f.severity_cites)
    if f.lead is None:
        text = f"{word or 'Error'} record with no readable sections" if word else \
            "Error record with no readable sections"
    elif f.part_unknown:
        text = (f"{word} {noun}: " + ("the record is cut short" if f.cut_short.truncated else
                                      "sections are missing from the record")
                + " and no section present names the failing part")
        cites += _type_cites(f) + f.cut_short.cites
    elif cname.startswith("unidentified"):
        text = f"{word} {noun} of unknown kind (section type {f.type_guid})".strip()
        cites += _type_cites(f)
    elif firmware_reference(f):
        held = f"in {_a(f.firmware_data[0])}" if f.firmware_data is not None else "in its own error record"
        text = f"{word} {noun} recorded by the platform firmware {held}".strip()
        cites += _type_cites(f)
    else:
        text = f"{word} {cname} {noun}".strip()
        cites += _type_cites(f)
        if f.location.short_text():
            text += f" at {f.location.short_text()}"
            cites += f.location.short_cites()
    if not word:
        text += " (severity not stated)"
    if "simulated" in f.header_flags:
        text += " (simulated)"
        cites += f.header_flags["simulated"]
    return Statement("headline", text[0].upper() + text[1:], unique(cites))


def _a(name: str) -> str:
    """``name`` with its indefinite article ("an Intel CrashLog", "a firmware record")."""
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def _type_cites(f: Facts) -> list[str]:
    if f.lead is None:
        return []
    return desc_path(f.lead, "section_type")


def _severity(f: Facts) -> Statement:
    if f.severity is None and f.undefined_section is not None:
        where, value, header, cites = f.undefined_section
        return Statement("severity", f"The record header says {header}, but {where} has severity "
                                     f"{value}, a value UEFI does not define (0-3; Linux treats it as "
                                     "fatal): the record does not give a known severity.", list(cites))
    if f.severity is None:
        raw = f" (value {f.severity_raw})" if isinstance(f.severity_raw, int) else ""
        return Statement("severity", f"The record does not give a known severity{raw}.",
                         list(f.severity_cites))
    text = SEVERITY_MEANING[f.severity]
    cites = list(f.severity_cites)
    if f.recovery is not None and f.recovery[3] and f.severity in (2, 3):
        index, said, rcites, _ = f.recovery
        text = (f"{SEVERITY_WORD[f.severity]}, as the record header says; but the error recovery "
                f"section (section {index}) says: {said}. Data handled by that process may have been "
                "lost, so this was not an error the hardware fixed on its own.")
        cites += rcites
    elif f.recovery is not None and f.recovery_failed and f.severity == 0:
        index, said, rcites, _ = f.recovery
        text = (f"Recoverable, as the record header says: the hardware could not fix the error; but the "
                f"error recovery section (section {index}) says: {said}. So the record does not show "
                "that the error was contained.")
        cites += rcites
    elif (own := own_severity.severity_text(f) or own_severity.recoverable_pcc_text(f)) is not None:
        text, own_cites = own  # the section's registers say worse
        cites += own_cites
    if f.header_severity is not None:  # the header says less than a section (F4a)
        where = max(f.worse_sections, key=lambda w: SEVERITY_RANK[w[1]])[0]
        text = (f"The record header says {SEVERITY_WORD[f.header_severity]}, but {where} is "
                f"marked {f.severity_word}; a record's severity is that of its most severe section, "
                f"so this explanation follows {where}. " + text)
    if "device_driver" in f.header_flags:  # the driver's own rating, nothing more is known
        text = DRIVER_SEVERITY_MEANING[f.severity]
        cites += f.header_flags["device_driver"]
    if "recovered" in f.header_flags and f.severity != 2:
        text += " The record's Recovered flag says the operating system recovered from this error."
        cites += f.header_flags["recovered"]
    return Statement("severity", text, unique(cites))


DRIVER_SEVERITY_MEANING = {
    1: "Fatal, as the driver reported it: the device driver rated this error fatal to its device or "
       "request. A driver-reported record does not say that the system stopped.",
    0: "Recoverable, as the driver reported it: the device driver rated this error uncorrected but "
       "contained. The record does not say more about its effect.",
    2: "Corrected, as the driver reported it: the device driver says the error was corrected.",
    3: "Informational, as the driver reported it: a status report from the device driver.",
}


# -- advice ---------------------------------------------------------------------------------------
NO_ACTION = "No action needed"
MAX_REPEATS_SAID = 3  # fields named in the "not a single event" advice


def _exceeded(f: Facts) -> str:
    """"The error threshold was exceeded", naming what said so when that is not the record's own
    Threshold exceeded flag (a register's threshold status, a CXL event's bit)."""
    said = [s for s in dict.fromkeys(f.threshold_said) if s != THRESHOLD_FLAG]
    return "The error threshold was exceeded" + (f" ({_sections(said)} says so)" if said else "")


def _repeats_said(f: Facts) -> str:
    """The fields that say more than one error happened, the first few named."""
    said = [text for text, _ in f.repeats[:MAX_REPEATS_SAID]]
    more = f" and {len(f.repeats) - MAX_REPEATS_SAID} more" if len(f.repeats) > MAX_REPEATS_SAID else ""
    return _sections(said) + more


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _advice(f: Facts) -> list[Statement]:
    level = urgency(f)
    sev = list(f.severity_cites)
    if level == "simulated":
        return [Statement("advice", "This error was injected for testing (simulated): no hardware needs "
                                    "attention.", f.header_flags["simulated"])]
    if level == "none":
        hedge = own_severity.advice_text(f)
        if hedge:  # the section's registers say worse: not "no action needed"
            return [Statement("advice", *hedge)]
        if f.memory_type is not None and f.memory_type[0] in MEMORY_REDUNDANCY:  # redundancy lost
            where = f.location.short_text()
            return [Statement("advice", _redundancy_text(f.memory_type[0], where),
                              unique(f.memory_type[2] + sev + (f.location.short_cites() if where else [])),
                              "location" if where else "", bool(where))]
        if f.cxl_replace is not None:  # the device's own flag, whatever the record's severity
            where = f.location.short_text()
            return [Statement("advice", "The device's own event record flags say hardware replacement "
                                        f"is needed: plan to replace the CXL memory device{' at ' + where if where else ''}.",
                              unique(f.cxl_replace + (f.location.short_cites() if where else [])),
                              "location" if where else "", bool(where))]
        if f.repeats:  # a status report of more than one error is still no single event
            return [Statement("advice", f"This is a status report, but {_repeats_said(f)}: more than one error "
                                        "happened, so this is not a single event; if such reports keep "
                                        "coming, check the part they name.",
                              unique(sev + [c for _, cites in f.repeats for c in cites]))]
        if f.cxl_concern is not None:  # a status report the device itself rates worse
            said, cites = f.cxl_concern
            return [Statement("advice", "This is a status report, but the device's own event record says "
                                        f"more ({', '.join(said)}): check the device with its vendor's "
                                        "tools (health and error log).", cites)]
        return [Statement("advice", "No action needed: this is a status report.", sev)]
    where = f.location.short_text()  # names the unit to act on; empty when none is named
    wc = f.location.short_cites()
    out: list[Statement] = []
    hedge = own_severity.advice_text(f) if level in ("monitor", "service") else None
    if hedge is not None:  # before any "no action needed": the section's registers say worse
        out.append(Statement("advice", *hedge))
    if f.recovery is not None and f.recovery_failed and f.severity == 0:
        out.append(Statement("advice", f"The error recovery section (section {f.recovery[0]}) says Windows did "
                                       "not recover from this error: check whether the system stopped or "
                                       "restarted at this time; if it did, treat the error as fatal.",
                             unique(sev + f.recovery[2])))
    elif (pcc := own_severity.recoverable_pcc_advice(f)) is not None:
        out.append(Statement("advice", *pcc))

    def say(text: str, cites=None, located: bool = False) -> None:
        if (hedge is not None or f.repeats) and NO_ACTION.lower() in text.lower():
            return  # the section's registers say worse, or more than one error: not "no action"
        out.append(Statement("advice", text, unique((cites or []) + (wc if located else [])),
                             "location" if located else "", located))

    if level == "service" and f.iommu_no_device is not None:
        say(f"The record's Threshold exceeded flag is set, but IOMMU event "
            f"0x{f.iommu_no_device[0]:X} names no device: the record identifies no part to replace.",
            f.hints["threshold_exceeded"] + f.iommu_no_device[1])
    elif level == "service" and mca_kind(f) in ("memory", "unknown", "shared", "core"):
        # a machine-check bank is no replaceable part: say what the record supports
        at = f" ({where})" if where else ""
        exceeded = _exceeded(f)
        text = {"core": f"{exceeded} in a core's machine-check bank{at}: update "
                        "firmware/microcode and check cooling; if it persists, contact the system or CPU "
                        "vendor (the processor may need service).",
                "memory": f"{exceeded} in a memory-controller bank{at}: find "
                          "the DIMM behind it in the BMC/firmware log and plan to replace it.",
                "unknown": (f"{exceeded} in a machine-check bank{at} whose unit "
                            "is not known to be one core's: find whether it is one core's or shared on "
                            "this CPU model before replacing anything." if _unit_named(f) else
                            f"{exceeded} in a machine-check bank{at} whose unit "
                            "the record does not identify: find the unit for this CPU model before "
                            "replacing anything."),
                "shared": f"{exceeded} in a shared unit's machine-check "
                          f"bank{at}: contact the system or CPU vendor to service it."}[mca_kind(f)]
        say(text, f.hints["threshold_exceeded"], located=bool(where))
    elif level == "service" and f.pcie_port is not None:
        say(f"{_exceeded(f)} at {where or 'a PCIe port'}: "
            f"{_below(f.pcie_port, f.pcie_sources)}",
            f.hints["threshold_exceeded"] + f.pcie_port[2] + _source_cites(f.pcie_sources),
            located=bool(where))
    elif level == "service":
        if where:
            say(f"{_exceeded(f)}: plan to replace or service the part at {where}.",
                f.hints["threshold_exceeded"], located=True)
        else:
            say(f"{_exceeded(f)}: plan to replace or service the failing part (the record does not say "
                "which one; see the caveats).", f.hints["threshold_exceeded"])
    if f.repeats and level == "monitor" and "mca_overflow" not in f.hints:  # (that says it itself)
        say(f"{_upper_first(_repeats_said(f))}: more than one error happened, so this is not a "
            "single event; treat it as a repeating error (below).",
            unique(c for _, cites in f.repeats for c in cites))
    comp = f.component
    if f.cut_short is not None:
        damaged = "" if f.cut_short.truncated else \
            "The record is damaged: sections its descriptors list are not in its bytes. "
        why = ("the part that failed is named, if at all, in the missing bytes; until then no part "
               "can be blamed." if f.part_unknown else
               "the missing sections may name the failing part more exactly.")
        say(damaged + "Read the complete record again from its source (the event log entry, or the "
            "platform's error log): " + why, f.cut_short.cites)
    if f.unread_lead is not None:
        index, count, cites = f.unread_lead
        bytes_were = f"{count} bytes of section {index}, the one this explanation follows, were" \
            if count > 1 else f"1 byte of section {index}, the one this explanation follows, was"
        read_again = "Also" if f.cut_short is not None else (  # (said once)
            "Read the complete record again from its source (the event log entry, or the platform's "
            "error log)")
        say(f"{read_again}: {bytes_were} not in the input and read as 00, so what is said from them "
            "(the kind of error, its severity bits, the place) may be wrong.", cites)
    if f.part_unknown:
        say("Look at the records logged at the same time for the same error.")
    elif f.lead is None:
        say("The record names no part: look at the records logged at the same time, or read the "
            "complete record again from its source.")
    elif comp == "memory":
        _memory_advice(f, level, where, say, sev)
    elif comp == "cpu":
        _cpu_advice(f, level, where, say, sev)
    elif comp in ("pcie", "cxl") and f.pcie_port is not None:
        _port_advice(f.pcie_port, f.pcie_sources, level, where, say, sev)
    elif comp == "cxl" and f.cxl_media:
        _cxl_media_advice(f, level, where, say, sev)
    elif comp == "pci" and (f.type_guid or "").lower() == PCI_BUS and f.lead is not None:
        _pci_bus_advice(f, level, where, say, sev)
    elif comp in ("pcie", "pci", "cxl", "ccix"):
        _device_advice(level, where, say, sev, f.summary_places)
    elif comp == "iommu" and f.iommu_no_device is not None:
        _iommu_no_device_advice(f.iommu_no_device, say)
    elif comp == "iommu" and f.vtd_interrupt is not None:
        say("Update the system BIOS and the driver of the device named: an interrupt-remapping fault "
            "comes from an interrupt request that the remapping table did not allow or could not "
            "serve (table set-up by the operating system or firmware, or the device's request).",
            f.vtd_interrupt)
    elif comp == "iommu":
        say("Update the system BIOS and the driver of the device doing DMA; a driver bug is a common "
            "cause of DMA remapping faults.")
    elif comp == "firmware":
        _firmware_advice(f, say)
    elif comp == "platform":
        say("Check the system event log of the board management controller (BMC/SEL) for the source.")
        say("Update the system BIOS/UEFI firmware; if it repeats, contact the system vendor.")
    elif "device_driver" in f.header_flags:
        say("A device driver reported this error: check that device's own event log entries and "
            "vendor tools, and update its driver and firmware.", f.header_flags["device_driver"])
    elif comp:
        say(f"Check the {component_name(f)}'s own event log and vendor tools, and update its driver "
            "and firmware.")
    else:
        say(f"Look up the section type ({f.type_name if f.type_name and f.type_name != 'Unknown' else f.type_guid}) "
            "in the hardware or firmware vendor's documentation or tools.", _type_cites(f))
        say("If it repeats, contact the system vendor with this record.")
    if level != "simulated":
        if "poison" in f.hints:
            say("Poisoned (corrupted) data was consumed: test the memory that held it.", f.hints["poison"])
        if "srar" in f.hints:
            say("The core consumed uncorrectable data (a software-recoverable action-required machine "
                "check of a data load or instruction fetch): the data is usually bad in memory, at the "
                "address MCi_ADDR gives if it is valid; test the memory that held it.", f.hints["srar"])
    return out


def _iommu_no_device_advice(event: tuple[int, list[str]], say) -> None:
    code, cites = event
    if code == 0xA:
        say("Event 0xA (event counter zero) reports that an IOMMU performance counter reached zero: "
            "it is not a fault of a device, and no device needs attention.", cites)
    elif code in (0x5, 0x6):
        say(f"Event 0x{code:X} concerns the IOMMU's command buffer, which the operating system's IOMMU "
            "driver writes; no device is named. Update the operating system and the system BIOS.", cites)
        if code == 0x6:
            say("If command hardware errors repeat, contact the system vendor: the IOMMU could not "
                "fetch its commands from memory.", cites)
    else:
        say(f"Event code 0x{code:X} has no defined layout in the AMD IOMMU specification: the entry "
            "names no device. Keep the record for the platform vendor.", cites)


def _firmware_advice(f: Facts, say) -> None:
    if f.firmware_data is not None:
        name, size, count, cites = f.firmware_data
        tool = ("Intel's CrashLog tools decode it" if name == "Intel CrashLog"
                else "the platform vendor's tools decode it")
        say(f"Keep this record and give it to the platform vendor: the detailed error is the {size} bytes "
            f"of {name} data carried in the record itself ({tool}; this tool does not).", cites)
    elif f.firmware_record_ids:
        ids = ", ".join(f"0x{i:X}" for i, _ in f.firmware_record_ids)
        say(f"Look up firmware record ID {ids} in the platform's own error log (BMC/SEL or firmware "
            "setup) for the detailed error.", [c for _, cs in f.firmware_record_ids for c in cs])
    else:
        say("The record does not carry the firmware's detailed error: check the platform's own error "
            "log (BMC/SEL or firmware setup) for it.")
    say("Check for a BIOS/UEFI firmware update from the system vendor and install it.")


# location parts that name the memory module itself (a socket, node, card, controller or
# channel narrows the place down but leaves several modules); the module handle is its SMBIOS
# Memory Device (Type 17) structure's handle (UEFI N.2.5), one DIMM, as Linux's ghes_edac reads it
MODULE_PARTS = ("module", "dimm_slot", "fru_text", "module_handle")


def names_memory_module(f: Facts) -> bool:
    return any(p.kind in MODULE_PARTS for p in f.location.parts)


# Memory error types (UEFI N.2.5) that are no DIMM-cell fault: 1 No error; memory taken out of
# service or redundancy lost (mirror broken, sparing, map-out); an access nothing answered
# (master or target abort, watchdog timeout, invalid address: an address map, firmware or
# software cause, not a DIMM's cells)
MEMORY_NO_ERROR = 1
MEMORY_REDUNDANCY = {11: "memory mirroring is broken (redundancy lost)",
                     12: "a memory sparing event (the platform replaced failing memory with a spare)",
                     15: "a physical memory map-out (the platform took failing memory out of service)"}
MEMORY_ACCESS = {6, 7, 9, 10}


def _redundancy_text(kind: int, where: str) -> str:
    at = f" at {where}" if where else ""
    return (f"The section reports {MEMORY_REDUNDANCY[kind]}{at}: until the failing module is replaced the "
            "memory runs without that redundancy; find the module in the BMC/firmware log, replace it and "
            "restore the mirror or spare configuration.")


def _memory_type_advice(f: Facts, where: str, say, sev) -> bool:
    """Advice for a memory error type that is no DIMM-cell fault; False for the others."""
    if f.memory_type is None:
        return False
    kind, name, cites = f.memory_type
    if kind == MEMORY_NO_ERROR and f.severity in (2, 3) and urgency(f) == "monitor":
        say(f"No action needed: the section's error type says “{name}”.", cites + sev)
        return True
    if kind == MEMORY_NO_ERROR and f.severity in (0, 1):
        say(f"The section's error type says “{name}” although the record is {f.severity_word}: the "
            "record contradicts itself; look at the records logged at the same time before acting on it.",
            cites + sev)
        return False
    if kind in MEMORY_REDUNDANCY:
        say(_redundancy_text(kind, where), cites + sev, located=bool(where))
        return True
    if kind in MEMORY_ACCESS:
        say(f"The section's error type is “{name}”: an access that no memory answered as expected "
            "(an address-map, firmware or software cause), not evidence of a faulty DIMM; update the "
            "firmware and look at the records and drivers active at this time before replacing memory.",
            cites + sev)
        return True
    return False


def _memory_advice(f: Facts, level: str, where: str, say, sev) -> None:
    if level in ("act", "monitor", "service") and _memory_type_advice(f, where, say, sev):
        return
    on_device = "pci_address" in f.location.kinds()  # memory on a CXL/PCI device, not a DIMM
    names_module = on_device or names_memory_module(f)  # (the device is the unit to replace)
    narrowed = any(p.coarse for p in f.location.parts)
    cxl = on_device and any(p.label.startswith("CXL") for p in f.location.parts)
    unit = ("CXL memory device" if cxl else "device") if on_device else "memory module"
    has_address = "physical_address" in f.location.kinds()
    if level == "act" and on_device:  # a PC memory test does not test a device's own memory
        say(f"Check the {unit} at {where} with its vendor's tools (health and media error log) and "
            "update its firmware.", sev, located=True)
        say(f"If errors recur, replace the {unit} at {where}.", sev, located=True)
    elif level == "act":
        say("Run a thorough memory test (for example MemTest86 or Windows Memory Diagnostic).", sev)
        if names_module:
            say(f"If errors recur or the test fails, replace the {unit} at {where}.", sev,
                located=True)
        elif narrowed:
            say(f"The record does not name the memory module, only {where}: test the DIMMs there one "
                "at a time to find it.", located=True)
        else:
            say("The record does not name the memory module: test the DIMMs one at a time to find it.")
        say("Check that memory runs at supported speed and voltage (disable overclocking/XMP/EXPO).")
    elif level == "monitor":
        say("No action needed for an occasional corrected error.", sev)
        if names_module:
            say(f"If corrected errors repeat on the same {unit} ({where}), schedule its replacement.",
                located=True)
        elif narrowed:
            say(f"If corrected errors repeat at {where}, find the module there in the BMC/firmware log "
                "(the record does not name it) and schedule its replacement.", located=True)
        elif has_address:
            say("If corrected errors repeat, map the physical address to a module with the vendor's "
                "tools or the BMC/firmware log, and schedule its replacement.",
                next(p.cites for p in f.location.parts if p.kind == "physical_address"), located=True)
        elif len(f.summary_places) > 1:  # (N9-14: none singled out, so none is put up for replacement)
            say(f"If corrected errors repeat, find which of the modules the summary names "
                f"({'; '.join(f.summary_places[:4])}) keeps reporting them, and schedule its replacement.")
        else:
            say("If corrected errors repeat, find the module in the BMC/firmware log (the record does "
                "not name it) and schedule its replacement.")
        if not on_device:
            say("Make sure memory is not overclocked (XMP/EXPO) and the DIMMs are seated properly.")
    elif level == "service":
        say("Make sure memory is not overclocked (XMP/EXPO) and the DIMMs are seated properly.")
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")
    handle = next((p for p in f.location.parts if p.kind == "module_handle"), None)
    if handle is not None and not any(p.kind in ("module", "dimm_slot", "fru_text") for p in f.location.parts):
        say(f"The record names the memory module only by its SMBIOS handle {handle.value}: its slot label is in "
            "the SMBIOS Memory Device (Type 17) structure with that handle (for example `dmidecode -t 17`, "
            "or the BMC's inventory).", handle.cites)


def _cpu_advice(f: Facts, level: str, where: str, say, sev) -> None:
    kind = mca_kind(f)
    over = f.hints.get("mca_overflow")
    if kind == "memory":
        _memory_controller_advice(f, level, where, say, sev)
        return
    if kind == "bus":
        _bus_advice(f, level, say, sev)
        return
    # a bank not known to be one core's names no processor, only the bank (and its unit)
    same = "in the same machine-check bank" if f.cpu_scope else "on the same processor"
    if kind == "affinity":  # an ARM error of a cluster (or higher) level: that group's
        same = (f"among the processors of the same affinity-level-{f.arm_affinity[0]} group "
                f"(MPIDR affinity {f.arm_affinity[1]})")
    elif kind == "level":  # an IA32/X64 cache level that cores usually share
        same = "in the same cache level of this processor package"
    if level == "act":
        say("Check for BIOS/UEFI firmware and CPU microcode updates and install them.")
        say("Remove any overclocking or undervolting; check cooling and the power supply.")
        if where:
            say(f"If it recurs {same} ({where}), contact the system or CPU vendor.",
                located=True)
        else:
            say("If it recurs, contact the system or CPU vendor with these records.")
    elif level == "service":
        say("Check for BIOS/UEFI firmware and CPU microcode updates; check cooling.")
    elif level == "monitor":
        if over is not None:  # more than one error: not "a single event"
            banked = isinstance(f.lead.fields, dict) and "bank_number" in f.lead.fields  # (IA32/X64: none)
            cool = "" if kind == "unknown" else " and check cooling"
            say(f"The overflow bit says more than one error occurred{' in this bank' if banked else ''} "
                f"before it was read, so this is not a single event: update firmware/microcode{cool}.", over)
        else:
            say("No action needed for a single event.", sev)
        # (after the overflow advice, what a repeat adds, not the same action again: A7-14)
        act = "" if over is not None and kind != "unknown" else "update firmware/microcode and check cooling"
        if kind == "unknown":  # the record cannot say the error was in a core: no CPU blame
            repeat = (f"If it repeats {same} ({where}), " if where else "If it repeats, ")
            find = ("find whether this unit is one core's or shared on this CPU model" if _unit_named(f)
                    else "find which unit the bank belongs to for this CPU model (the record does not "
                         "identify it)")
            say(repeat + f"update firmware/microcode and {find} before replacing anything.",
                located=bool(where))
        elif not act:
            if kind == "core":
                say(f"If it keeps repeating{f' {same} ({where})' if where else ''}, the CPU may be "
                    "degrading: contact the system or CPU vendor.", located=bool(where))
        elif where:
            rate = "; a rising rate means the CPU may be degrading" if kind == "core" else ""
            say(f"If it repeats {same} ({where}), {act}{rate}.", located=True)
        elif kind == "affinity":
            say(f"If it repeats {same}, {act}.", f.arm_affinity[2])
        else:
            say(f"If it repeats, {act}; a rising rate means the CPU may be degrading." if kind == "core" else
                f"If it repeats, {act}.")
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")


def _bus_advice(f: Facts, level: str, say, sev) -> None:
    """A bus error the processor answered or only observed: the request was another agent's,
    so the processor is no more suspect than the requester, the target or the link."""
    role, ids, cites = f.bus_role
    named = f" ({ids})" if ids else ""
    say(f"{role[:1].upper()}{role[1:]}: look at the requester, the responder and the "
        f"target of the failed transaction{named}, and the link between them, before the processor.",
        cites)
    if level in ("act", "service"):
        say("Check for BIOS/UEFI firmware updates and install them.")
        say("If it recurs, contact the system vendor with these records: a bus or interconnect error "
            "points at the platform or a device on it, not at one processor.")
    elif level == "monitor":
        say("No action needed for a single event.", sev)
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")


def _memory_controller_advice(f: Facts, level: str, where: str, say, sev) -> None:
    """A machine check from a memory-controller bank (or with a memory-controller error code)
    points at the memory behind it, not at the CPU that logged it."""
    mc = f.hints["memory_controller"]
    over = f.hints.get("mca_overflow")
    say("The machine check came from the memory controller: the memory (DIMMs) on it is the likely "
        "cause, not the CPU that logged it.", mc)
    if level in ("act", "service"):
        say("Run a thorough memory test (for example MemTest86 or Windows Memory Diagnostic) and find "
            "the DIMM in the BMC/firmware log; replace it if errors recur.", sev)
        say("Check that memory runs at supported speed and voltage (disable overclocking/XMP/EXPO) "
            "and update the system BIOS.")
    elif level == "monitor":
        if over is not None:
            say("The overflow bit says more than one error occurred before the bank was read: run a "
                "memory test and find the DIMM in the BMC/firmware log.", over)
        else:
            say("No action needed for an occasional corrected memory error.", sev)
        repeat = f"If corrected errors repeat in the same machine-check bank ({where})" if where \
            else "If corrected errors repeat"
        say(f"{repeat}, run a memory test and find the DIMM in the BMC/firmware log (the machine "
            "check does not name it); schedule its replacement.", located=bool(where))
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")


def _cxl_media_advice(f: Facts, level: str, where: str, say, sev) -> None:
    """A CXL General Media / DRAM event reports the device's memory media, not its link: the
    advice is a memory device's (its vendor's health and media error log), never a reseat."""
    what = {"DRAM": "DRAM", "Memory Module": "memory module"}.get(f.cxl_media, "memory media")
    at = f" at {where}" if where else " (the record gives no PCI address: find it by its serial number, " \
        "if given, or in the system event log)"
    event = f.cxl_event[0] if f.cxl_event is not None else ""
    if f.cxl_replace is not None and level != "unknown":
        say(f"The device's own event record flags say hardware replacement is needed: replace the CXL "
            f"memory device{at}.", f.cxl_replace, located=bool(where))
        say("Read its health and media error log with the vendor's tools for the replacement.")
        return
    if event == "violation":
        say("The device reports an access it refused (a TE state or CKID violation): the host's "
            "access or its security set-up, not the media, is what to check.", f.cxl_event[1])
        return
    if event == "invalid_address":
        say("The device reports an invalid address: the host accessed a device physical address its "
            "media does not hold. That points at the host's address set-up (the CXL region and HDM "
            "decoders, firmware or driver), not at the media: check the region configuration and "
            "update the system BIOS and the CXL driver.", f.cxl_event[1])
        return
    if event == "injected":
        say("The transaction type says the host injected this poison (a test or validation command), "
            "so the event is no evidence of a media fault: if no test was running, find what issued "
            "the command.", f.cxl_event[1])
        return
    if level in ("act", "service"):
        say(f"Check the CXL memory device{at} with its vendor's tools (health and media error log) "
            "and update its firmware.", sev, located=bool(where))
        say(f"If {what} errors recur, replace the CXL memory device{at}.", sev, located=bool(where))
    elif level == "monitor":
        if f.cxl_concern is not None:  # the device says more than "corrected" (the fresh check)
            said, cites = f.cxl_concern
            say(f"The device's own event record says more than a corrected error ({', '.join(said)}): "
                f"check the CXL memory device{at} with its vendor's tools (health and media error log).",
                cites, located=bool(where))
        else:
            say(f"No action needed for an occasional corrected {what} error.", sev)
        say(f"If corrected errors repeat on the CXL memory device{at}, check its health and media "
            "error log with the vendor's tools and plan its replacement.", located=bool(where))
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")


def _below(port: tuple[int, int | None, list[str]], sources=()) -> str:
    """What a port's record supports: the link below it, and a device only when the port's
    Error Source Identification register names one for a message it received."""
    kind, bus, _ = port
    named = [(m, addr) for m, addr, own, place, _c in sources if not own and place != "outside"]
    sent = " and ".join(f"the {m} message from {addr}" for m, addr in named)
    outside = [(m, addr) for m, addr, own, place, _c in sources if not own and place == "outside"]
    stale = ("" if not outside else f" Its Error Source Identification register {'also ' if named else ''}names "
             + " and ".join(f"{addr} for the {m} message" for m, addr in outside)
             + ", on a bus lower than the port's secondary bus: no device there is below this port, so "
             "that ID (left from an earlier message, or wrong) names no device here.")
    if kind in (9, 10):
        also = (f" Its Error Source Identification register says it received {sent} (a function of "
                "the root complex)." if named and kind == 10 else "")
        return ("it is part of the root complex (CPU/chipset) and cannot be reseated; update the "
                "system BIOS and, if it repeats, contact the system vendor." + also)
    if kind == 5:  # a switch's upstream port: its link is the one above it, towards the root port
        return ("the port is a PCIe switch's upstream port, and the errors are on its link to the port "
                "above it (towards the root port), not on a device below: check how the switch's card "
                "or riser is seated and its slot, or the board the switch is on, and update the "
                "switch's firmware if it has its own.")
    link = f"secondary bus {bus} (0x{bus:02X})" if bus is not None else "its secondary bus (not recorded)"
    itself = ("the root port is part of the CPU/chipset and cannot be reseated" if kind == 4 else
              "the port belongs to a PCIe switch and is not the device")
    if named:
        on_link = all(place == "link" for m, _a, own, place, _c in sources if not own and place != "outside")
        where = (f"; it is on the link below the port, {link}" if on_link else
                 f"; the link below the port is {link}, so a sender on a higher bus sits further "
                 "below it, behind a switch")
        return (f"{itself}; its Error Source Identification register says it received {sent}{where}. "
                "Reseat that device and check its slot, riser and cables." + stale)
    self_named = any(own for _m, _a, own, _on, _c in sources)
    also = (" (its Error Source Identification register names the port itself as the sender, so "
            "the port detected the error on its side of that link)" if self_named else "")
    return (f"{itself}; the link below it, {link}, is the likely place{also}. "
            "The record does not name the device on that bus: find it (for example with the "
            "system's device list), then reseat it and check its slot, riser and cables." + stale)


def _source_cites(sources) -> list[str]:
    return [c for *_x, cites in sources for c in cites]


def _port_advice(port, sources, level: str, where: str, say, sev) -> None:
    at = f" ({where})" if where else ""
    cites = port[2] + _source_cites(sources)
    if level == "act":
        say(f"The error was logged by the port{at}: {_below(port, sources)}", cites, located=bool(where))
        say("Update the system BIOS" + (" and the firmware and driver of the device below the port."
                                        if port[0] in (4, 6) else "."))
    elif level == "service":
        say("Update the system BIOS" + (" and the firmware and driver of the device below the port."
                                        if port[0] in (4, 6) else "."))
    elif level == "monitor":
        say("Usually link noise: no action needed for occasional events.", sev)
        say(f"If frequent{at}: {_below(port, sources)}", cites, located=bool(where))
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")


PCI_BUS = "c5753963-3b84-4095-bf78-eddad3f9c9dd"  # PCI/PCI-X Bus error section (UEFI N.2.7)
PCI_BUS_UNANSWERED = {3: "a master abort", 4: "a bus timeout, no device claiming it with DEVSEL#"}


def _pci_bus_advice(f: Facts, level: str, where: str, say, sev) -> None:
    """A PCI/PCI-X bus section names a bus, not a device; its requester and completer IDs (when
    valid) say which agents took part. A master abort or a DEVSEL# timeout is an access that no
    device answered, not electrical noise."""
    fields = f.lead.fields if isinstance(f.lead.fields, dict) else {}
    kind = fields.get("error_type")
    ids = [f"{label} ID 0x{fields[key]:04X}" for key, label in (("requestor_id", "requester"),
                                                                  ("completer_id", "completer"))
           if type(fields.get(key)) is int]
    named = f"; the section gives {' and '.join(ids)}" if ids else ""
    cites = [c for key in ("error_type", "requestor_id", "completer_id") if fields.get(key) is not None
             for c in field_path(f.lead, key)]
    on = f" on {where}" if where else ""
    if kind in PCI_BUS_UNANSWERED:
        say(f"An access{on} that no device answered: {PCI_BUS_UNANSWERED[kind]}{named}. Find the target "
            "device; if it is missing, hung or failing, reseat or replace it; otherwise update the firmware "
            "and the driver that made the access.", cites + sev, located=bool(where))
        return
    if level == "act":
        say(f"Find the device{on} that the error involves: the record names the bus, not the device{named}. "
            "Check its slot, riser and cables.", cites + sev, located=bool(where))
        say("Update the device's firmware and driver and the system BIOS.")
    elif level == "service":
        say("Update the device's firmware and driver and the system BIOS.")
    elif level == "monitor":
        say("Usually electrical noise on the bus: no action needed for occasional events.", sev)
        say(f"If frequent, find the device{on} that the errors involve{named}. Check its slot, riser and "
            "cables and update its firmware.", cites, located=bool(where))
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")


def _device_advice(level: str, where: str, say, sev, places: list[str] = ()) -> None:
    if level == "act":
        if where:
            say(f"Reseat or replace the device at {where}; check its slot, riser and cables.", located=True)
        else:
            say("The record does not name the device: find it in the system event log or in records "
                "logged at the same time, then check its slot, riser and cables.")
        say("Update the device's firmware and driver and the system BIOS.")
    elif level == "service":
        say("Update the device's firmware and driver and the system BIOS.")
    elif level == "monitor":
        say("Usually link noise: no action needed for occasional events.", sev)
        if where:
            say(f"If frequent, reseat the device at {where}, check the slot/riser/cables and update "
                "its firmware.", located=True)
        elif len(places) > 1:
            say(f"If frequent, find which of the devices the summary names ({'; '.join(places[:4])}) "
                "keeps reporting, then check its slot/riser/cables and update its firmware.")
        else:
            say("If frequent, find the device (the record does not name it), check its slot/riser/"
                "cables and update its firmware.")
    else:
        say("Look at the records logged at the same time: this one does not state how severe it is.")


# -- caveats --------------------------------------------------------------------------------------
HINT_TEXT = {
    # (Intel SDM vol. 3B, overwrite rules: an uncorrected error is kept over a later corrected
    # one, so the error logged may be the earlier; what the bit says is that one was not logged)
    "mca_overflow": "The machine check's overflow bit is set: more than one error occurred before it "
                    "was read, and not every one was logged (the one kept may be the earlier).",
    "mca_pcc": "The processor context was corrupt: execution could not safely continue.",
    "mca_not_valid": "A machine-check bank in this record holds no valid error.",
    "latent_error": "Latent error: bad data was found but had not been used yet.",
    "containment_warning": "The error may not have been contained and could have spread.",
    "reset": "The affected part had to be reset before it could be used again.",
    "propagated": "The error was propagated by data poisoning from elsewhere.",
    "resource_not_accessible": "The platform could not read all of the part's registers; some fields "
                               "may be invalid.",
}
CONTRADICTED_HINT_TEXT = {
    "mca_pcc": "The machine-check bank's PCC bit says the processor context was corrupt: by that bit, "
               "execution could not safely continue.",
}
FLAG_TEXT = {
    "previous_error": "This error happened before the last restart; it was reported after the system "
                      "came back.",
    "simulated": "The record is marked as simulated (error injection).",
    "persist_pfn": "The header flag PersistPfn is set: the record asks that a page-frame (memory page) "
                   "retirement be persisted across restarts. It does not say which page, and does not "
                   "change what the error itself needs.",
}


PER_SECTION_SAID = 8  # caveats of one kind said section by section; the rest are counted (a
# record of 65,535 sections had 32,785 caveats: a 14 MB report page, a 2,149-page PDF)


def _more_sections(items: list, what: str, cites_of) -> list[Statement]:
    """One caveat counting the sections of one kind past PER_SECTION_SAID."""
    rest = items[PER_SECTION_SAID:]
    if not rest:
        return []
    cites = unique(c for item in rest[:PER_SECTION_SAID] for c in cites_of(item))
    return [Statement("caveat", f"{len(rest):,} more {what}; they are not listed one by one "
                                "here (`whea decode --json` has each).", cites)]


def _caveats(f: Facts) -> list[Statement]:
    out = [Statement("caveat", t, f.header_flags[k]) for k, t in FLAG_TEXT.items() if k in f.header_flags]
    # beside a Corrected severity the PCC bit is the bank's word against the record's (own_severity)
    hint_text = {**HINT_TEXT, **(CONTRADICTED_HINT_TEXT if own_severity.worse_words(f) else {})}
    out += [Statement("caveat", t, unique(f.hints[k])) for k, t in hint_text.items() if k in f.hints]
    if "threshold_exceeded" in f.hints and urgency(f) != "service":  # "service" says it as advice
        said = list(dict.fromkeys(f.threshold_said)) or [THRESHOLD_FLAG]
        out.append(Statement("caveat", f"{_upper_first(_sections(said))} say{'s' if len(said) == 1 else ''} "
                                       "an error threshold was exceeded: more errors were counted on "
                                       "this part than its limit.",
                             unique(f.hints["threshold_exceeded"])))
    out += [Statement("caveat", text, cites) for text, cites in f.cxl_flags_said]
    for where, sev, cites in f.worse_sections[:PER_SECTION_SAID]:
        header = SEVERITY_WORD[f.header_severity] if f.header_severity is not None else f.severity_word
        out.append(Statement("caveat", f"{where[:1].upper()}{where[1:]} is marked {SEVERITY_WORD[sev]}, worse than the "
                                       f"record header's {header}: the record contradicts itself; the "
                                       "headline and the advice follow the most severe section.",
                             unique(f.severity_cites + cites)))
    out += _more_sections(f.worse_sections, "sections or entries are marked worse than the record header too",
                          lambda item: item[2])
    if f.header_above_sections is not None:
        worst, cites = f.header_above_sections
        out.append(Statement("caveat", f"The record header says {f.severity_word}, but no section is "
                                       f"marked worse than {SEVERITY_WORD[worst]}: the record contradicts "
                                       "itself (a record's severity is that of its most severe section); "
                                       "the headline and the advice follow the header, the more severe "
                                       "reading.", unique(f.severity_cites + cites)))
    for index, words, where, cites in f.worse_elsewhere:
        at = f" ({where})" if where else ""
        out.append(Statement("caveat", f"Section {index}{at} also reports an error, which its registers call "
                                       f"{' and '.join(words)}; this explanation follows section "
                                       f"{f.lead.index}, whose registers do not: look at both.", unique(cites)))
    if f.other_uncorrected and f.lead is not None:
        told = [f"error information {j} ({what})" for j, what, _ in f.other_uncorrected[:4]]
        if len(f.other_uncorrected) > 4:
            told.append(f"{len(f.other_uncorrected) - 4} more")
        several = len(f.other_uncorrected) > 1
        out.append(Statement("caveat", f"Section {f.lead.index} holds {'other errors' if several else 'another error'} "
                                       f"beside the one described: {'; '.join(told)}. Each error-"
                                       "information structure is an error of its own; look at "
                                       f"{'them' if several else 'it'} too.",
                             unique(c for _, _, cs in f.other_uncorrected for c in cs)))
    for index, cites in f.empty_sections[:PER_SECTION_SAID]:
        out.append(Statement("caveat", f"Section descriptor {index} is empty (null section type, zero "
                                       "length): it describes nothing and is left out of this "
                                       "explanation.", cites))
    if f.recovery is not None and not (f.recovery[3] and f.severity in (2, 3)):
        # (when it changes the severity's meaning, the severity statement says it)
        out.append(Statement("caveat", f"The error recovery section (section {f.recovery[0]}) says: "
                                       f"{f.recovery[1]}.", f.recovery[2]))
    if f.unread_parts:
        names = ", ".join(dict.fromkeys(label for label, _ in f.unread_parts))
        out.append(Statement("caveat", f"Left out of the place: {names}, read from bytes the input did "
                                       "not give (read as 00, so not the real value).",
                             unique(c for _, cs in f.unread_parts for c in cs), "location"))
    if f.pci_recovery is not None:
        index, said, cites = f.pci_recovery
        out.append(Statement("caveat", f"The PCI recovery section (section {index}) says: {said}.", cites))
    for index, addr, mine, cites in f.memory_conflicts[:PER_SECTION_SAID]:
        why = ("the Platform Memory section: a memory extension is its companion, and when they "
               "disagree the UEFI section is followed (docs/explain.md)"
               if (f.lead.type_guid or "").lower() in PLATFORM_MEMORY_TYPES
               and index in f.outvoted_extensions else
               "the lead section (the richer location, then the Primary flag: docs/explain.md)")
        out.append(Statement("caveat", f"Section {index} gives another memory location (physical "
                                       f"address 0x{addr:X}) than section {f.lead.index} (0x{mine:X}): "
                                       "the record contradicts itself. The headline, the advice and "
                                       f"the timeline use section {f.lead.index}, {why}.",
                             cites, "location"))
    if f.primary_elsewhere is not None:
        index, comp, where, cites = f.primary_elsewhere
        at = f" at {where}" if where else ""
        out.append(Statement("caveat", f"Section {index}, which the record marks Primary (the section most "
                                       f"directly associated with the error, UEFI), is a "
                                       f"{COMPONENT_NAME.get(comp, comp)} section{at}; this explanation "
                                       f"follows section {f.lead.index} (its severity, evidence and location "
                                       "rank first: docs/explain.md). Look at both.", cites))
    for index, theirs, cites in f.module_conflicts[:PER_SECTION_SAID]:
        out.append(Statement("caveat", f"Section {index} names another memory module ({theirs}) than "
                                       f"section {f.lead.index} ({f.location.short_text()}): the record names "
                                       f"two places. The headline, the advice and the timeline use section "
                                       f"{f.lead.index} (the richer location, then the Primary flag: "
                                       "docs/explain.md); check both modules.", cites, "location"))
    out += _more_sections(f.empty_sections, "section descriptors are empty too (null section type, zero length)",
                          lambda item: item[1])
    out += _more_sections(f.memory_conflicts, "sections give other memory locations too", lambda item: item[3])
    out += _more_sections(f.module_conflicts, "sections name other memory modules too", lambda item: item[2])
    out += _cut_short_caveat(f)
    out += [Statement("caveat", *said) for said in (own_severity.caveat(f),
                                                   own_severity.extended_banks_text(f)) if said]
    out += [Statement("caveat", text, cites, "location") for text, cites in f.location.problems]
    out += _location_caveats(f)
    out += _scope_caveat(f)
    if f.undecoded is not None:
        out.append(Statement("caveat", f"Part of the machine-check data could not be decoded: "
                                       f"{f.undecoded.value}", f.undecoded.cites))
    if f.lead is not None and not f.lead_decoded and f.lead.body is not None:
        out.append(Statement("caveat", f"Section {f.lead.index} ({_bare(f.type_name) or 'unknown type'}) "
                                       "was not decoded: its bytes are shown raw.", [f.lead.body.path]))
    if f.error_findings:
        out.append(Statement("caveat", "The record is malformed or truncated: some fields could not be "
                                       f"read ({f.error_findings} error finding(s)).", list(f.error_cites)))
    return out


def _scope_caveat(f: Facts) -> list[Statement]:
    """Who logged a machine check is not where it happened when the bank is shared or unknown."""
    if not f.cpu_scope:
        return []
    logger = [p for p in f.location.parts if p.kind in ("processor_number", "apic_id", "mpidr",
                                                        "processor_id")]
    if not logger:
        return []
    who = ", ".join(p.text for p in logger).removeprefix("logged by ")
    cites = unique(c for p in f.location.parts for c in p.cites
                    if p.kind in ("cpu_unit", "processor_number", "apic_id", "mpidr", "processor_id"))
    unit = next((p.value for p in f.location.parts if p.kind == "cpu_unit"), "")
    if f.cpu_scope == "level" and f.cache_level is not None:
        level, what, lcites = f.cache_level
        text = (f"The check information names {what} level {level}, which on most processors is shared "
                f"by several cores (levels 0 and 1 are a core's own): {who} logged the error, which "
                "does not make its core where the error happened.")
        cites = unique(cites + lcites)
    elif f.cpu_scope == "affinity" and f.arm_affinity is not None:
        level, group, acites = f.arm_affinity
        text = (f"The section's error affinity level is {level}: the error belongs to the processors "
                f"sharing MPIDR affinity {group} (a cluster or a higher shared level), not to {who} "
                "alone, which logged it.")
        cites = unique(cites + acites)
    elif f.cpu_scope == "bus" and f.bus_role is not None:
        role = f.bus_role[0]
        text = (f"{role[:1].upper()}{role[1:]}: {who} logged the error, which "
                "does not make it where the error happened.")
        cites = unique(cites + f.bus_role[2])
    elif f.cpu_scope == "shared":
        text = (f"The {unit or 'unit of this bank'} is shared, not part of one core: {who} only "
                "logged the error, it is not where the error happened.")
    elif unit:
        text = (f"The record does not say whether the {unit} of this bank belongs to one core or is "
                f"shared, so it cannot tell whether the error happened in a core: {who} only logged it.")
    else:
        text = (f"The record does not identify the bank's unit, so it cannot tell whether the error "
                f"happened in a core: {who} only logged it.")
    return [Statement("caveat", text, cites, "location")]


def _sections(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _cut_short_caveat(f: Facts) -> list[Statement]:
    """What a record cut short still says: which sections are missing or cut, which sections
    present name nothing, and which section (if any) the explanation follows."""
    c = f.cut_short
    if c is None:
        return []
    if c.truncated:
        text = f"The record is cut short: only {c.present} of its {c.declared} bytes are present"
    else:
        text = "Sections are missing from the record: their descriptors point outside its bytes"
    said = []
    if c.missing:
        said.append(_sections([f"section {i} ({n})" for i, n in c.missing])
                    + (" is" if len(c.missing) == 1 else " are") + " missing")
    if c.cut:
        said.append(_sections([f"section {i} ({n}) is cut ({have} of {want} bytes)"
                               for i, n, have, want in c.cut]))
    text += ". " + "; ".join(said)[0].upper() + "; ".join(said)[1:] + "."
    for i, n, primary, unread in c.silent:
        why = "is cut before its validation bits" if unread else "marks no field as valid"
        text += f" Section {i} ({n}){', although marked Primary,' if primary else ''} {why}, so it names nothing."
    if f.part_unknown:
        text += " No section present says which part failed."
    elif f.lead is not None and f.lead.summary:
        text += (f" Section {f.lead.index} ({_bare(f.type_name) or 'unknown type'}) says: "
                 f"{f.lead.summary.rstrip('.')}. This explanation follows section {f.lead.index}.")
    return [Statement("caveat", text, list(c.cites), "location")]


def _location_caveats(f: Facts) -> list[Statement]:
    out = []
    lead_index = f.lead.index if f.lead is not None else None
    silent = {s[0] for s in f.cut_short.silent} if f.cut_short is not None else set()
    for index, name, why, cites in f.memory_gaps:
        if index == lead_index or index in silent:
            continue  # said below, about the lead, or in the cut-short caveat
        if why == "undecoded":
            out.append(Statement("caveat", f"Section {index} ({name}) was not decoded, so its memory "
                                           "location is unknown.", cites, "location"))
        else:
            out.append(Statement("caveat", f"Section {index} ({name}) has no valid location fields: it "
                                           "cannot tell which memory module (DIMM) is affected.",
                                 cites, "location"))
    if f.lead is None:
        out.append(Statement("caveat", "The record has no readable section, so it does not say what "
                                       "failed or where.", f.section_count_cites, "location"))
    elif not f.location:
        cites = [f.lead.body.path] if f.lead.body is not None else []
        if firmware_reference(f) and f.firmware_data is not None:  # (A7-16: carried, not referenced)
            text = ("The record does not say which part failed: the firmware record data it carries "
                    "holds the detail.")
        elif firmware_reference(f):
            text = ("The record does not say which part failed: the firmware's own error record it "
                    "references holds the detail.")
        elif len(f.summary_places) > 1:  # a summary naming several parts, none above the others
            listed = "; ".join(f.summary_places[:4]) + (f"; {len(f.summary_places) - 4} more"
                                                         if len(f.summary_places) > 4 else "")
            text = (f"The summary names {len(f.summary_places)} parts ({listed}) and singles out no one "
                    "of them: as many errors on each, or counts it does not give.")
        elif f.component:
            text = f"The record does not say where in the {component_name(f)} the error happened."
        else:
            text = "The record does not say which part failed or where."
        out.append(Statement("caveat", text, cites, "location"))
    elif f.component == "memory" and not names_memory_module(f) and "pci_address" not in f.location.kinds():
        out.append(Statement("caveat", f"Only {f.location.text()} is known, not the memory module (DIMM): "
                                       "map it to a module with the vendor's tools or the BMC/firmware log.",
                             f.location.cites(), "location"))
    return out


def _bare(name: str) -> str:
    return name[1:-1] if name.startswith("(") and name.endswith(")") else name
