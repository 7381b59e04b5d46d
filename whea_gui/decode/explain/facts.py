"""The typed facts of one record, each with the tree paths it was read from.

Everything the explanation says is derived from one ``Facts`` (rules.py): the record's state
(a record, not a record, empty), its severity, the lead section and its component, the typed
location, what failed, and the flags and status bits that change the advice or need a caveat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...core import guids
from ...core.model import ERROR, DecodedRecord, DecodedSection
from .location import Location, desc_path, read_location
from .own_status import Claim, corrected_claims, own_claims
from .tables import (
    COMPONENT_PRIORITY,
    METADATA_TYPES,
    PLATFORM_MEMORY_TYPES,
    SEVERITY_RANK,
    SEVERITY_WORD,
    TYPE_COMPONENT,
)

# Fields a hint cites at most: a record of 65,535 sections with one flag set must not make a
# statement with 65,535 links (and the statement dedupes its links pair by pair).
MAX_HINT_CITES = 16
THRESHOLD_FLAG = "the record's Threshold exceeded flag"
HINT_FLAGS = ("threshold_exceeded", "latent_error", "containment_warning", "reset", "propagated",
              "resource_not_accessible")


@dataclass
class Fact:
    value: object
    cites: list[str] = field(default_factory=list)


@dataclass
class CutShort:
    """A record whose bytes end before its sections do: the evidence that decides the part may
    be in the bytes that are missing."""
    present: int  # bytes present
    declared: int  # the header's RecordLength
    missing: list[tuple[int, str]]  # (index, type name) of sections with no bytes present
    cut: list[tuple[int, str, int, int]]  # (index, type name, bytes present, SectionLength)
    # sections naming nothing: (index, type name, Primary flag, cut before its ValidationBits)
    silent: list[tuple[int, str, bool, bool]]
    cites: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        """The bytes end before RecordLength (else a descriptor points outside the record)."""
        return self.declared > self.present


@dataclass
class Facts:
    state: str  # "record" | "not_cper" | "empty"
    severity: int | None = None  # 0..3, or None when unknown
    severity_cites: list[str] = field(default_factory=list)
    severity_raw: object = None  # the value when it is not a known severity
    # a section whose severity UEFI does not define (4 and up), when it leaves the record's
    # severity unknown: (where, value, header severity word, cites)
    undefined_section: tuple[str, int, str, list[str]] | None = None
    header_severity: int | None = None  # the header's, when a section is worse (then followed)
    lead: DecodedSection | None = None
    component: str = ""
    type_name: str = ""
    type_guid: str = ""
    location: Location = field(default_factory=lambda: Location("other"))
    what: Fact | None = None  # what failed (one sentence) and where it was read
    hints: dict[str, list[str]] = field(default_factory=dict)  # status/flag name -> cites
    # fields of the sections' own registers saying more than one error happened (an error count,
    # an overflow bit): (what they say, cites); the record is then no "single event"
    repeats: list[tuple[str, list[str]]] = field(default_factory=list)
    # what says an error threshold was crossed besides the descriptor's flag (a register's
    # threshold status, a CXL event's Threshold event bit); cited under hints["threshold_exceeded"]
    threshold_said: list[str] = field(default_factory=list)
    header_flags: dict[str, list[str]] = field(default_factory=dict)
    # (where: "section 0" or "entry 1 of section 0's error status block", severity, cites)
    worse_sections: list[tuple[str, int, list[str]]] = field(default_factory=list)
    # the header says worse than every section: (the worst section's severity, their cites)
    header_above_sections: tuple[int, list[str]] | None = None
    memory_gaps: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    undecoded: Fact | None = None  # what a CPU diagnosis could not decode
    error_findings: int = 0
    error_cites: list[str] = field(default_factory=list)  # fields the error findings point at
    section_count_cites: list[str] = field(default_factory=list)
    lead_decoded: bool = False
    # firmware error record references: (format name, bytes carried, sections, cites) and the
    # record IDs of revision-0 references that point into the platform's own log
    empty_sections: list[tuple[int, list[str]]] = field(default_factory=list)  # all-zero descriptors
    cpu_scope: str = ""  # "shared" / "unknown" when the MCA bank is not known to be one core's,
    # "bus" when a UEFI bus check says the processor only responded to or observed the request
    # an IA32/X64 or ARM bus check whose processor did not originate the request:
    # (participation in words, the requester/responder/target it names, cites)
    bus_role: tuple[str, str, list[str]] | None = None  # (what says what, agents' ids, cites)
    # an ARM section's Error affinity level above 0: (level, the MPIDR affinity prefix of the
    # processors sharing that level, cites); the error is that group's, not one processor's
    arm_affinity: tuple[int, str, list[str]] | None = None
    # an IA32/X64 cache or TLB check of level 2 or above (Intel's LL encoding: levels 0 and 1 are
    # a core's own, level 2 is usually shared): (level, kind, cites)
    cache_level: tuple[int, str, list[str]] | None = None
    # error-information structures of the lead section, other than the one its summary
    # describes, that say uncorrected or context corrupt: (index, what, cites) (N9-8)
    other_uncorrected: list = field(default_factory=list)
    # a Microsoft summary that names several parts but singles out none (a tie for the most, or
    # no counts): the parts it names, for the caveat and the advice (N9-13, N9-14)
    summary_places: list = field(default_factory=list)
    # other sections whose own registers report an uncorrected or context-corrupt error while
    # the lead section's do not: (index, words, where, cites) (N9-3)
    worse_elsewhere: list = field(default_factory=list)
    firmware_data: tuple[str, int, int, list[str]] | None = None
    firmware_record_ids: list[tuple[int, list[str]]] = field(default_factory=list)
    # an AMD IOMMU event-log entry whose type carries no DeviceID: (event code, cites)
    iommu_no_device: tuple[int, list[str]] | None = None
    # an Intel VT-d interrupt-remapping fault (not a DMA access): the fault reason's cites
    vtd_interrupt: list[str] | None = None
    # a PCIe section logged by a port or a root-complex function, not a device in a slot:
    # (port type, secondary bus or None, cites)
    pcie_port: tuple[int, int | None, list[str]] | None = None
    # the senders a root port / event collector names in its AER Error Source Identification
    # register, for messages its Root Error Status says were received: (message, address, the
    # address is the port's own, the address is on its secondary bus, cites)
    # (message, requester address, the port itself, where: "link" (its secondary bus), "below"
    # (a higher bus), "outside" (a lower bus: not below the port) or "" (no secondary bus), cites)
    pcie_sources: list[tuple[str, str, bool, str, list[str]]] = field(default_factory=list)
    # what a Microsoft error recovery section says: (section index, its sentence, cites, whether
    # it says data may be lost: a process terminated or recovery not succeeding)
    recovery: tuple[int, str, list[str], bool] | None = None
    # that section says Windows did not contain the error: recovery attempted and not
    # succeeded, or none attempted for a failure reason (e.g. Pcc, NotContinuable)
    recovery_failed: bool = False
    # the lead memory section's error type: (value, its name, cites), when the type is valid
    memory_type: tuple[int, str, list[str]] | None = None
    # the section followed holds bytes the input did not give: (index, how many, cites)
    unread_lead: tuple[int, int, list[str]] | None = None
    # location parts left out because their fields lie in bytes the input did not give
    unread_parts: list[tuple[str, list[str]]] = field(default_factory=list)
    # a Microsoft PCI recovery section's account: (section index, its sentence, cites)
    pci_recovery: tuple[int, str, list[str]] | None = None
    # other memory sections giving another physical address than the lead: (index, address,
    # the lead's address, cites)
    memory_conflicts: list[tuple[int, int, int, list[str]]] = field(default_factory=list)
    # a section the record marks Primary that the explanation does not follow: (index, its
    # component name key, its location text, cites)
    primary_elsewhere: tuple[int, str, str, list[str]] | None = None
    # other memory sections naming another module than the lead (no address to compare):
    # (index, its module text, cites)
    module_conflicts: list[tuple[int, str, list[str]]] = field(default_factory=list)
    outvoted_extensions: set[int] = field(default_factory=set)  # memory extensions not followed
    cxl_media: str = ""  # "DRAM" / "General Media": a CXL memory-media event, not a link error
    # what the media event's own fields say beyond a media fault: "invalid_address" (a host
    # access outside the media), "injected" (poison the host injected), with their cites; and the
    # Event Record Flags' "hardware replacement needed" / "permanent condition" (cites)
    cxl_event: tuple[str, list[str]] | None = None
    cxl_replace: list[str] | None = None
    # the other Event Record Flags (permanent condition, maintenance needed, performance
    # degraded) and the device's own event severity when it rates the event worse than the
    # record: caveats (text, cites) (N9-9: decoded, never said)
    cxl_flags_said: list[tuple[str, list[str]]] = field(default_factory=list)
    # the same, in a few words, when they say more than a corrected or informational event:
    # no "no action needed" beside them (words, cites)
    cxl_concern: tuple[list[str], list[str]] | None = None
    # a record cut short: what is missing and which sections present name nothing (CutShort)
    cut_short: CutShort | None = None
    part_unknown: bool = False  # cut short, and no section present names the failing part
    # what sections' own registers say (uncorrected, processor context corrupt): own_status.Claim
    own_claims: list[Claim] = field(default_factory=list)
    own_corrected: list[Claim] = field(default_factory=list)  # the lead's registers saying corrected

    @property
    def severity_word(self) -> str:
        return SEVERITY_WORD.get(self.severity, "")


def gather(rec: DecodedRecord, *, cites: bool = True) -> Facts:
    """The facts of ``rec``; ``cites=False`` skips finding the location's fields (the one-line
    summary of every listed record needs the words, not the links)."""
    data = rec.data
    if not data:
        return Facts("empty")
    if rec.kind in ("cper", "unknown") and data[:4] != b"CPER":
        return Facts("not_cper")
    f = Facts("record")
    empty = [s for s in rec.sections if empty_descriptor(s)]
    f.empty_sections = [(s.index, desc_path(s, "section_type") or desc_path(s, "length")) for s in empty]
    spans = [(s.descriptor.offset, s.descriptor.offset + s.descriptor.length) for s in empty
             if s.descriptor is not None]
    # an empty descriptor's own findings (its zero length) are said once, as that note
    errors = [x for x in rec.findings if x.level == ERROR
              and not any(a <= x.offset < b for a, b in spans)]
    f.error_findings = len(errors)
    for x in errors[:8]:
        node = rec.root.deepest_at(x.offset) if x.offset < len(data) else None
        if node is not None and node.path and node.path not in f.error_cites:
            f.error_cites.append(node.path)
    _severity(rec, f)
    f.header_flags = {n: _paths(rec, f"header.flags.{n}") for n in rec.header.get("flag_names") or ()}
    if not rec.sections:
        f.section_count_cites = _first_path(rec, ("header.section_count", "header.error_data_entry_count"))
    unread = [(x.offset, x.offset + x.length) for x in rec.findings
              if x.code == "bytes-unread" and x.length > 0]
    cites = cites or bool(unread)  # (which part lies in such bytes is told by its fields)
    lead = lead_section(rec)
    lead = inner_lead(lead) if lead is not None else None
    f.lead = lead
    if lead is not None:
        f.component = component_of(lead)
        f.type_name = lead.values.get("type_name") or ""
        f.type_guid = (lead.type_guid or "").lower()
        f.lead_decoded = lead.fields is not None
        diag = _diagnosis(lead)
        extra = {}
        if diag:
            extra = {k: diag[k] for k in ("core", "socket", "channel", "bank", "unit")
                     if diag.get(k) is not None}
            if diag.get("address") is not None and "address" not in (lead.location or {}):
                extra["address"] = diag["address"]
        f.location = read_location(lead, f.component, extra, cites=cites)
        if diag:
            _diagnosis_cites(f.location, diag)
            _logged_by(f, diag)
            if diag.get("scope") != "core":
                # a core the registers name (AMD ErrCoreId) places the error only in a
                # core-local bank: beside a shared or unidentified unit "at core 5" contradicts
                # the caveat that the record cannot tell (N9-12); the tree still shows it
                f.location.parts = [p for p in f.location.parts if p.kind != "core"]
        if unread:
            _leave_out_unread(rec, f, unread)
            body = lead.body
            if body is not None:  # bytes of the section this explanation follows: said first
                lo, hi = body.offset, body.offset + body.length
                count = sum(max(0, min(b, hi) - max(a, lo)) for a, b in unread)
                if count:
                    f.unread_lead = (lead.index, count, [body.path])
        f.what = _what(lead, diag)
        f.other_uncorrected = _other_uncorrected(lead)
        if not f.location:
            f.summary_places = _summary_places(lead)
        f.bus_role = _bus_role(lead)
        if f.bus_role is not None and f.component == "cpu":
            _logged_by(f, {"scope": "bus"})
        elif f.component == "cpu" and (aff := _arm_affinity(lead)) is not None:
            f.arm_affinity = aff
            _logged_by(f, {"scope": "affinity"})
        elif f.component == "cpu" and (level := _shared_cache_level(lead)) is not None:
            f.cache_level = level
            _logged_by(f, {"scope": "level"})
        if diag and diag.get("undecoded"):
            f.undecoded = Fact(str(diag["undecoded"]), _diag_cite(diag, "undecoded"))
    if f.component == "iommu" and lead is not None:
        _iommu_event(lead, f)
        f.vtd_interrupt = _vtd_interrupt(lead)
    if f.component == "pcie" and lead is not None:
        _pcie_port(lead, f)
    if f.component == "cxl" and lead is not None:
        f.cxl_media = cxl_media_kind(f.type_guid)
        if f.cxl_media:
            _cxl_event(lead, f)
        _cxl_port(lead, f)
    if (lead is not None and (lead.type_guid or "").lower() in PLATFORM_MEMORY
            and isinstance(lead.fields, dict)):  # (UEFI's memory error types, N.2.5)
        kind = lead.fields.get("error_type")
        if type(kind) is int:  # (null when its validation bit is clear)
            f.memory_type = (kind, str(lead.fields.get("error_type_name") or kind),
                             _node_path(lead, "error_type") if cites else [])
    _cut_short(rec, f)
    _hints(rec, lead, f, _cite if cites else _note)
    _recovery(rec, f)
    f.own_claims = own_claims(rec, empty_descriptor, cites=cites)
    if lead is not None and not any(c.index == lead.index for c in f.own_claims):
        f.worse_elsewhere = _worse_elsewhere(rec, f.own_claims)
    if lead is not None and not f.own_claims and f.severity in (0, 1, 3):
        f.own_corrected = corrected_claims(lead, cites=cites)
    _memory_gaps(rec, f)
    _memory_conflicts(rec, f)
    if lead is not None and "primary" not in (lead.values.get("flag_names") or ()):
        primary = next((s for s in rec.sections if "primary" in (s.values.get("flag_names") or ())
                        and s.index != lead.index and component_of(s) and not empty_descriptor(s)
                        and not section_evidence(s)), None)  # (one that names nothing is said elsewhere)
        if primary is not None:
            where = read_location(primary, component_of(primary), cites=False).short_text()
            f.primary_elsewhere = (primary.index, component_of(primary), where,
                                   desc_path(primary, "flags.primary") if cites else [])
    if f.component == "firmware":
        _firmware(rec, f)
    return f


def _cut_short(rec: DecodedRecord, f: Facts) -> None:
    """A CPER record whose sections are missing or cut: say which, which sections present name
    nothing, and (when no section present has evidence) that the part is not known."""
    if rec.kind != "cper":
        return
    missing, cut, silent, cites = [], [], [], []
    for s in rec.sections:
        if empty_descriptor(s):
            continue
        # a metadata section (error recovery, ...) never names the part, but its bytes, cut or
        # missing, are still part of the record that was cut
        meta = (s.type_guid or "").lower() in METADATA_TYPES
        name = _bare(s.values.get("type_name") or "") or "unknown type"
        why = section_evidence(s)
        if why == "missing":
            missing.append((s.index, name))
            cites += desc_path(s, "section_offset")
        elif s.body is not None and s.body.length < (s.values.get("length") or 0):
            cut.append((s.index, name, s.body.length, s.values["length"]))
            cites += desc_path(s, "section_length")
        if why == "nothing valid" and component_of(s) and not meta:
            silent.append((s.index, name, "primary" in (s.values.get("flag_names") or ()),
                           s.fields.get("validation_bits") is None))
            cites += [p for p in (_child_path(s, "validation_bits"),) if p]
    if not missing and not cut:
        return
    declared = rec.header.get("length") if isinstance(rec.header.get("length"), int) else 0
    cites = _paths(rec, "header.length") + cites
    f.cut_short = CutShort(len(rec.data), declared, missing, cut, silent, cites)
    f.part_unknown = f.lead is not None and bool(section_evidence(f.lead))
    if f.part_unknown:  # the section's type alone is the writer's guess, not evidence
        f.component, f.what = "", None


def _leave_out_unread(rec: DecodedRecord, f: Facts, unread: list[tuple[int, int]]) -> None:
    """Location parts read from bytes the input did not give (a redacted or missing hex row,
    unreadable characters, read as 00: the `bytes-unread` findings) are no place: they are left
    out, and a caveat names them without their made-up values."""
    from .location import KEY_LABELS
    for key in getattr(f.lead, "unread_keys", ()):  # left out of the section's location already
        f.unread_parts.append((KEY_LABELS.get(key, key.replace("_", " ")),
                               [f.lead.body.path] if f.lead.body is not None else []))
    kept = []
    for part in f.location.parts:
        spans = [(n.offset, n.offset + max(n.length, 1)) for n in
                 (rec.root.find(c) for c in part.cites) if n is not None]
        if any(a < hi and lo < b for a, b in spans for lo, hi in unread):
            f.unread_parts.append((part.label or part.kind, part.cites))
        else:
            kept.append(part)
    f.location.parts = kept


def _bare(name: str) -> str:
    return name[1:-1] if name.startswith("(") and name.endswith(")") else name


def _iommu_event(lead: DecodedSection, f: Facts) -> None:
    """An IOMMU event-log entry whose event type carries no DeviceID (command-buffer errors, the
    event counter): its bits 15:0 are not a device, so nothing here names one."""
    ev = lead.fields.get("event_log_entry") if isinstance(lead.fields, dict) else None
    if isinstance(ev, dict) and ev.get("names_device") is False:
        node = lead.body.find("event_log_entry_lo") if lead.body is not None else None
        f.iommu_no_device = (int(ev.get("event_code") or 0), [node.path] if node is not None else [])


# PCIe port types (UEFI CPER PCI Express section) that are no card: a root port and a switch's
# downstream port have a link below them (secondary bus); a root-complex integrated endpoint
# and an event collector are functions of the CPU/chipset with no link to reseat.
PCIE_PORT_NAMES = {4: "PCIe root port", 5: "PCIe upstream switch port", 6: "PCIe downstream switch port",
                   9: "root-complex integrated PCIe device", 10: "PCIe root complex event collector"}


def _vtd_interrupt(lead: DecodedSection) -> list[str] | None:
    """The fault reason's cites when a VT-d section's fault record is an interrupt-remapping
    fault (the reasons formats/sections/dmar.py names), else None."""
    record = lead.fields.get("fault_record") if isinstance(lead.fields, dict) else None
    if not isinstance(record, dict):
        return None
    # imported here: only a VT-d section asks (its decoder has loaded it)
    from ...formats.sections import dmar
    if record.get("fault_reason") not in dmar.VTD_INTERRUPT_FAULT_REASONS:
        return None
    return _node_path(lead, "fault_record_hi.fault_reason")


def _pcie_port(lead: DecodedSection, f: Facts) -> None:
    fields = lead.fields if isinstance(lead.fields, dict) else {}
    port = fields.get("port_type")
    cites = _node_path(lead, "port_type")
    if port is None:  # Port Type not valid: the PCIe capability's Device/Port Type says the same
        caps = (fields.get("capability_structure") or {}).get("pcie_capabilities") \
            if isinstance(fields.get("capability_structure"), dict) else None
        if isinstance(caps, dict) and type(caps.get("device_port_type")) is int:
            port = caps["device_port_type"]
            cites = _node_path(lead, "capability_structure.pcie_capabilities.device_port_type")
    if port not in PCIE_PORT_NAMES:
        return
    ids = fields.get("device_id") if isinstance(fields.get("device_id"), dict) else {}
    below = ids.get("secondary_bus") if port in (4, 6) else None
    if below is not None:
        cites += _node_path(lead, "device_id.secondary_bus")
    f.pcie_port = (port, below if isinstance(below, int) else None, cites)
    if port in (4, 10):  # only root ports and event collectors have the Root Error registers
        f.pcie_sources = _aer_sources(lead, fields, ids, below if port == 4 else None)
    for p in f.location.parts:  # the address is the port's, not a device's in a slot
        if p.kind == "pci_address":
            p.label = PCIE_PORT_NAMES[port]
            p.cites += [c for c in cites[:1] if c not in p.cites]


# CXL protocol error agents that are ports, as the PCIe port type whose advice fits them (UEFI
# N.2.13 CXL Protocol Error Section, CXL Agent Type): a root port (and an RCH downstream port, the
# host's side of a restricted CXL link) is part of the CPU/chipset, a downstream switch port is a
# switch's: neither is a device to reseat, the link below is the place to look.
CXL_PORT_AGENTS = {5: (4, "CXL root port"), 1: (4, "CXL RCH downstream port"),
                   6: (6, "CXL downstream switch port"), 7: (5, "CXL upstream switch port")}


def _cxl_port(lead: DecodedSection, f: Facts) -> None:
    fields = lead.fields if isinstance(lead.fields, dict) else {}
    agent = fields.get("agent_type")
    if agent not in CXL_PORT_AGENTS or not (fields.get("validation_bits") or 0) & 1:
        return  # (bit 0: CXL Agent Type valid)
    kind, name = CXL_PORT_AGENTS[agent]
    cites = _node_path(lead, "agent_type")
    f.pcie_port = (kind, None, cites)  # the section records no secondary bus
    for p in f.location.parts:  # the address is the port's, not a device's in a slot
        if p.kind == "pci_address":
            p.label = name
            p.cites += [c for c in cites[:1] if c not in p.cites]


# (Error Source Identification bits, Root Error Status "received" bit, message): PCIe Base Spec,
# AER Root Error Status and Error Source Identification registers (formats/sections/_pcie_regs.py)
AER_SOURCE_IDS = (("err_cor_source_identification", "err_cor_received", "ERR_COR"),
                  ("err_fatal_nonfatal_source_identification", "err_fatal_nonfatal_received",
                   "ERR_FATAL/NONFATAL"))


def _aer_sources(lead: DecodedSection, fields: dict, ids: dict, secondary) -> list:
    """The requester IDs of the messages the port received. An ID whose "received" bit is clear
    is left over from an earlier message (the register is not cleared), so it names nothing."""
    aer = fields.get("aer_info") if isinstance(fields.get("aer_info"), dict) else {}
    status, source = aer.get("root_error_status"), aer.get("error_source_id")
    if not isinstance(status, dict) or not isinstance(source, dict):
        return []
    seg = ids.get("segment") if isinstance(ids.get("segment"), int) else None
    own = tuple(ids.get(k) for k in ("primary_bus", "device", "function"))
    out = []
    for key, received, message in AER_SOURCE_IDS:
        rid = source.get(key)
        if status.get(received) is not True or not isinstance(rid, int):
            continue
        bus, dev, fn = rid >> 8 & 0xFF, rid >> 3 & 0x1F, rid & 7
        text = (f"{seg:04x}:" if seg is not None else "") + f"{bus:02x}:{dev:02x}.{fn:x}"
        cites = _node_path(lead, f"aer_info.root_error_status.{received}") \
            + _node_path(lead, f"aer_info.error_source_id.{key}")
        # bus numbers below a bridge are its secondary bus and higher (PCI-to-PCI bridge spec)
        place = ("" if not isinstance(secondary, int) else "link" if bus == secondary
                 else "below" if bus > secondary else "outside")
        out.append((message, text, (bus, dev, fn) == own, place, cites))
    return out


# (a Memory Module event reports the device's health, temperature, life used: no link)
CXL_MEDIA_KINDS = ("DRAM", "General Media", "Memory Module")


def _cxl_event(lead: DecodedSection, f: Facts) -> None:
    """CXL 3.x General Media / DRAM event fields that change what the event is evidence of."""
    log = lead.fields.get("event_log") if isinstance(lead.fields, dict) else None
    if not isinstance(log, dict):
        return
    media = log.get("event_specific")
    if log.get("hardware_replacement_needed"):  # (any event kind, any record severity)
        f.cxl_replace = _node_path(lead, "event_log.flags")
    flags = _node_path(lead, "event_log.flags")
    words = []
    for key, text, word in (("permanent_condition", "the condition is permanent: it will not clear by itself",
                             "a permanent condition"),
                            ("maintenance_needed", "maintenance is needed (the vendor's tools say which)",
                             "maintenance needed"),
                            ("performance_degraded", "its performance is degraded", "performance degraded")):
        if log.get(key) is True:
            f.cxl_flags_said.append((f"The device's own event record flags say {text}.", flags))
            words.append(word)
    device, name = log.get("event_record_severity"), log.get("event_record_severity_name")
    if type(device) is int and device >= 2 and f.severity in (2, 3):  # failure / fatal, record milder
        f.cxl_flags_said.append((f"The device rates the event “{name}” (its event record severity), worse "
                                 f"than the record's {SEVERITY_WORD.get(f.severity, '')}.", flags))
        words.insert(0, f"rated “{name}”")
    if words and f.severity in (2, 3):
        f.cxl_concern = (words, flags)
    if not isinstance(media, dict):
        return
    # events that are no fault of the media: "Invalid Address" (General Media 01h, DRAM 02h in
    # CXL 3.1 numbering, as Linux reads it) and the access violations TE state / CKID
    kind = media.get("memory_event_type")
    host = media.get("transaction_type") in (0, 1, 2, 3, 4)  # (else the device's own scrub etc.)
    refused = {"General Media": {1: "invalid_address", 3: "violation", 6: "violation"},
               "DRAM": {2: "invalid_address", 4: "violation", 6: "violation"}}.get(f.cxl_media, {})
    if kind in refused and host:
        f.cxl_event = (refused[kind], _node_path(lead, "event_log.event_specific.memory_event_type"))
    elif media.get("transaction_type") == 4:  # Host Inject Poison: the host's own test command
        f.cxl_event = ("injected", _node_path(lead, "event_log.event_specific.transaction_type"))


def cxl_media_kind(type_guid: str) -> str:
    """The CXL component event kind when it reports on the device's memory media (a General
    Media or DRAM event record, CXL 3.x §8.2.9.2.1), else ""; either GUID byte order."""
    # imported here: only CXL sections ask (their decoder has loaded it); every other record's
    # explanation must not load a section decoder (tests/test_decode_startup_imports.py)
    from ...formats.sections import cxl_component
    for g, kind in cxl_component.EVENT_KINDS.items():
        if kind in CXL_MEDIA_KINDS and type_guid in (g, guids.swapped_text(g)):
            return kind
    return ""


RECOVERY_INFO = "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc"


def _recovery(rec: DecodedRecord, f: Facts) -> None:
    """The first Microsoft error recovery section's account of what Windows did."""
    for s in rec.sections:
        if (s.type_guid or "").lower() != RECOVERY_INFO or not isinstance(s.fields, dict) \
                or "recovery_action" not in s.fields or not s.summary:
            continue
        names = s.fields.get("recovery_action_names") or ()
        attempted = "none_attempted" not in names and bool(names)
        failed = (attempted and s.fields.get("recovery_succeeded") is False) or (
            not attempted and bool(s.fields.get("failure_reason")))
        lost = "terminate_process" in names or failed
        cites = [p for n in ("recovery_action", "recovery_succeeded", "process_name")
                 + (("failure_reason",) if failed else ()) for p in _node_path(s, n)]
        f.recovery = (s.index, s.summary, cites, lost)
        f.recovery_failed = failed
        break
    for s in rec.sections:  # what Windows did about a PCIe error (DPC / AER recovery)
        if (s.type_guid or "").lower() == PCI_RECOVERY and isinstance(s.fields, dict) \
                and s.fields.get("recovery_status") is not None and s.summary:
            cites = [p for n in ("signal_type", "recovery_attempted", "recovery_status")
                     for p in _node_path(s, n)]
            f.pci_recovery = (s.index, s.summary, cites)
            return


PCI_RECOVERY = "dd060800-f6e1-4204-ac27-c4bca9568402"  # Microsoft PCI Recovery section
PLATFORM_MEMORY = ("a5bc1114-6f64-4ede-b863-3e83ed7c83b1", "61ec04fc-48e6-d813-25c9-8daa44750b12")
PROCESSOR_GENERIC = "9876ccad-47b4-4bdb-b65e-16f193c4f3db"  # its Flags bit 2: Overflow (UEFI N.2.4.1)
FIRMWARE_REFERENCE = "81212a96-09ed-4996-9471-8d729c8e69ed"


def _firmware(rec: DecodedRecord, f: Facts) -> None:
    """What the firmware error record references carry: embedded data (its format named by the
    record GUID, which is a format and never a place) or a record ID in the platform's log."""
    size, count, names, cites = 0, 0, [], []
    for s in rec.sections:
        if (s.type_guid or "").lower() != FIRMWARE_REFERENCE or not isinstance(s.fields, dict):
            continue
        data = s.fields.get("vendor_data")
        if data:
            size += len(data) // 2
            count += 1
            name = s.fields.get("record_guid_name") if s.fields.get("record_type") == 2 else None
            names.append(name or "firmware record")
            cites += _child_paths(s, "vendor_data", "record_guid")
        elif s.fields.get("record_id") is not None and not s.fields.get("revision"):
            f.firmware_record_ids.append((s.fields["record_id"], _child_paths(s, "record_id")))
    if size:
        name = names[0] if len(set(names)) == 1 else "firmware record"
        f.firmware_data = (name, size, count, cites)
        kind = " (a crash dump of the SoC, decoded by Intel's CrashLog tools, not here)" \
            if name == "Intel CrashLog" else " (not decoded here)"
        where = f"in {count} sections" if count > 1 else "in one section"
        f.what = Fact(f"The record carries {size} bytes of {name} data {where}{kind}; it names no "
                      "location.", cites)


def _child_paths(s: DecodedSection, *names: str) -> list[str]:
    return [p for p in (_child_path(s, n) for n in names) if p]


# -- severity -------------------------------------------------------------------------------------
def _severity(rec: DecodedRecord, f: Facts) -> None:
    sev = rec.header.get("severity")
    head_path = _first_path(rec, ("header.severity", "header.error_severity", "descriptor_0.severity"))
    if sev in SEVERITY_WORD:
        f.severity, f.severity_cites = sev, head_path
    else:
        f.severity_raw = sev
        secs = [(s.values.get("severity"), s) for s in rec.sections
                if s.values.get("severity") in SEVERITY_WORD and not empty_descriptor(s)]
        if secs:
            worst, s = max(secs, key=lambda p: SEVERITY_RANK[p[0]])
            f.severity, f.severity_cites = worst, desc_path(s, "severity")
        else:
            f.severity_cites = head_path
    if f.severity is None or sev not in SEVERITY_WORD:
        return
    undefined = [s for s in rec.sections if not empty_descriptor(s)
                 and isinstance(s.values.get("severity"), int) and s.values["severity"] not in SEVERITY_WORD]
    known = [sev] + [s.values["severity"] for s in rec.sections if not empty_descriptor(s)
                     and s.values.get("severity") in SEVERITY_WORD]
    if undefined and 1 not in known:  # (a Fatal header or section is the most severe already)
        # UEFI defines 0-3; Linux's GHES treats any other section severity as fatal (panic).
        # Nothing below Fatal can be said for such a record: its severity is unknown.
        s = undefined[0]
        f.undefined_section = (f"section {s.index}", s.values["severity"], SEVERITY_WORD[sev],
                               f.severity_cites + desc_path(s, "severity"))
        f.severity, f.severity_raw = None, s.values["severity"]
        f.severity_cites = f.undefined_section[3]
        return
    for s in rec.sections:
        if empty_descriptor(s):
            continue  # severity 0 of an all-zero descriptor is no statement
        ss = s.values.get("severity")
        if ss in SEVERITY_WORD and SEVERITY_RANK[ss] > SEVERITY_RANK[sev]:
            f.worse_sections.append((f"section {s.index}", ss, desc_path(s, "severity")))
        f.worse_sections += _worse_entries(s, sev)
    rated = [s for s in rec.sections if not empty_descriptor(s) and s.values.get("severity") in SEVERITY_WORD]
    if rated and not f.worse_sections:
        entries = [es for s in rated for _i, es in s.entry_severities() if es in SEVERITY_WORD]
        worst = max([s.values["severity"] for s in rated] + entries, key=SEVERITY_RANK.__getitem__)
        if SEVERITY_RANK[worst] < SEVERITY_RANK[sev]:  # UEFI: the header is its worst section's
            f.header_above_sections = (worst, [c for s in rated for c in desc_path(s, "severity")])
    if f.worse_sections:
        # UEFI: a record's severity is its most severe section's. A header that says less is
        # not believed over the section: the explanation follows the worst section and says so.
        index, worst, cites = max(f.worse_sections, key=lambda w: SEVERITY_RANK[w[1]])
        f.header_severity, f.severity = sev, worst
        f.severity_cites = f.severity_cites + [c for c in cites if c not in f.severity_cites]


def explained_severity(rec: DecodedRecord) -> int | None:
    """The severity code the explanation follows: the header's, or a worse section's or status
    block entry's (UEFI: a record's severity is its most severe section's); the undefined code
    that leaves it unknown (a section severity UEFI does not define, a header's own), or None
    when there is none. Reports count and filter by it, so a record explained as Fatal is never
    counted as Corrected."""
    f = Facts("record")
    _severity(rec, f)
    code = f.severity if f.severity is not None else f.severity_raw
    return code if isinstance(code, int) else None


def _worse_entries(s: DecodedSection, sev: int) -> list[tuple[str, int, list[str]]]:
    """The entries of a generic error status block inside section ``s`` (a Microsoft generic
    section) marked worse than the record: each entry is a section of its own with its own
    severity (ACPI Generic Error Data Entry), so a Fatal entry makes the record Fatal as a Fatal
    section would."""
    worse = [(i, es) for i, es in s.entry_severities()
             if es in SEVERITY_WORD and SEVERITY_RANK[es] > SEVERITY_RANK[sev]]
    if not worse or s.body is None:
        return []
    block = s.body.find("error_status_block")  # (found only now: it builds the body's nodes)
    out = []
    for i, es in worse:
        node = block.find(f"entry_{i}.header.error_severity") if block is not None else None
        out.append((f"entry {i} of section {s.index}'s error status block", es,
                    [node.path] if node is not None else [s.body.path]))
    return out


# -- which section speaks for the record ----------------------------------------------------------
def component_of(s: DecodedSection) -> str:
    if s.component:
        return s.component
    entries = s.fields.get("entries") if isinstance(s.fields, dict) else None
    if isinstance(entries, list):  # a GESB: its entries say what failed
        for e in entries:
            if not isinstance(e, dict):
                continue
            comp = e.get("component") or TYPE_COMPONENT.get(str(e.get("type", "")).lower())
            if comp:
                return comp
    return TYPE_COMPONENT.get((s.type_guid or "").lower(), "")


def inner_lead(s: DecodedSection) -> DecodedSection:
    """For a section wrapping a generic error status block, the entry that speaks for it (as a
    section of its own, so its location and type cite the entry's fields)."""
    entries = s.fields.get("entries") if isinstance(s.fields, dict) else None
    if not isinstance(entries, list) or s.body is None:
        return s  # (looked up first: finding the block would build the body's nodes)
    block = s.body.find("error_status_block")
    if block is None:
        return s
    ok = [(i, e) for i, e in enumerate(entries) if isinstance(e, dict)]
    pick = next(((i, e) for i, e in ok if e.get("component") and e.get("location") == s.location),
                next(((i, e) for i, e in ok if e.get("component")), None))
    if pick is None:
        return s
    i, e = pick
    node = block.find(f"entry_{i}")
    if node is None:
        return s
    values = {k: e.get(k) for k in ("type", "type_name", "severity", "severity_name", "flag_names",
                                    "fru_id", "fru_text")}
    return DecodedSection(s.index, node.find("header"), node.find("body"), values,
                          e.get("fields") if isinstance(e.get("fields"), dict) else None,
                          str(e.get("summary") or ""), str(e.get("component") or ""),
                          dict(e.get("location") or {}))


def _empty_descriptor(s: DecodedSection) -> bool:
    return not (s.type_guid or "").strip("0-")  # no GUID, or the null GUID


def empty_descriptor(s: DecodedSection) -> bool:
    """A descriptor with a null type GUID and zero length: it describes nothing."""
    return _empty_descriptor(s) and not s.values.get("length")


# UEFI sections whose every field is gated by the section's ValidationBits (Appendix N.2.4.1
# Processor Generic, N.2.5 Platform Memory and its revision 2, N.2.7 PCI Express, N.2.8 PCI/PCI-X
# bus, N.2.9 PCI component): with no bit set, such a section states its type and nothing else.
# (Windows writes a Platform Memory section marked Primary with no bit set beside the machine
# check that holds the real error: FORMAT.md, DecodeWheaRecord issue #6.)
VALIDATION_GATED_TYPES = {"9876ccad-47b4-4bdb-b65e-16f193c4f3db", "a5bc1114-6f64-4ede-b863-3e83ed7c83b1",
                          "61ec04fc-48e6-d813-25c9-8daa44750b12", "d995e954-bbc1-430f-ad91-b44dcb3c6f35",
                          "c5753963-3b84-4095-bf78-eddad3f9c9dd", "eb5e4685-ca66-4769-b6a2-26068b001326"}


def section_evidence(s: DecodedSection) -> str:
    """Why a section can testify to nothing: "missing" (its descriptor claims bytes the record
    does not hold), "nothing valid" (a validation-gated section with no bit set, or cut before
    its ValidationBits), or "" (it has fields to read, possibly only part of them)."""
    if s.body is None and s.values.get("length"):
        return "missing"
    if (s.type_guid or "").lower() in VALIDATION_GATED_TYPES and isinstance(s.fields, dict) \
            and not s.fields.get("validation_bits"):  # 0, or cut before the bits (None)
        return "nothing valid"
    return ""


def lead_section(rec: DecodedRecord) -> DecodedSection | None:
    """The section that says what failed: known component first (a decoded section with a known
    part outranks an unknown or empty one), then severity (the record's severity is its worst
    section's, and the explanation says it follows that section), then a section with evidence
    (a field marked valid, its bytes present) over one without, then the richest location."""
    candidates = [s for s in rec.sections if (s.type_guid or "").lower() not in METADATA_TYPES
                  and not empty_descriptor(s)]
    if not candidates:
        return next((s for s in rec.sections if not empty_descriptor(s)), None)

    outvoted = contradicting_extensions(rec)

    def score(s: DecodedSection):
        comp = component_of(s)
        located = bool(s.location)
        return (bool(comp), s.fields is not None or bool(s.summary), not _empty_descriptor(s),
                SEVERITY_RANK.get(s.values.get("severity"), 0), not section_evidence(s), located,
                s.index not in outvoted,
                COMPONENT_PRIORITY.get(comp, 0) if located else 0, len(s.location or ()),
                "primary" in (s.values.get("flag_names") or ()), -s.index)
    return max(candidates, key=score)


# Microsoft memory error extensions: companions to a UEFI Platform Memory section (FORMAT.md
# §8.14) that add the DRAM address translation of the same error.
MEMORY_EXTENSION_TYPES = {"e16edb28-6113-4263-a41d-e53f8de78751", "0d3a4a3b-774a-4c72-95e2-152d43180374"}


def addresses_differ(a: DecodedSection, b: DecodedSection) -> tuple[int, int] | None:
    """(a's, b's) physical address when both give one and they differ (under the Platform
    Memory section's address mask, when one is given); else None."""
    pa, pb = ((x.location or {}).get("physical_address") for x in (a, b))
    if not isinstance(pa, int) or not isinstance(pb, int):
        return None
    masks = [m for m in ((x.fields or {}).get("physical_address_mask") for x in (a, b)
                         if isinstance(x.fields, dict)) if isinstance(m, int) and m]
    mask = masks[0] & masks[-1] if masks else -1
    return (pa, pb) if pa & mask != pb & mask else None


def contradicting_extensions(rec: DecodedRecord) -> set[int]:
    """Indices of memory extension sections whose physical address contradicts a Platform
    Memory section of the same record: the extension is the companion, so the UEFI section is
    the one the headline and the timeline follow (docs/explain.md)."""
    types = [(s, (s.type_guid or "").lower()) for s in rec.sections]
    uefi = [s for s, t in types if t in PLATFORM_MEMORY_TYPES]
    if not uefi:
        return set()
    return {s.index for s, t in types if t in MEMORY_EXTENSION_TYPES
            and any(addresses_differ(u, s) for u in uefi)}


# -- what failed ----------------------------------------------------------------------------------
def _diagnosis(s: DecodedSection) -> dict | None:
    d = s.fields.get("diagnosis") if isinstance(s.fields, dict) else None
    return d if isinstance(d, dict) else None


def _diag_cite(diag: dict, claim: str) -> list[str]:
    cites = diag.get("cites") if isinstance(diag.get("cites"), dict) else {}
    path = cites.get(claim)
    if isinstance(path, (list, tuple)):
        return [str(p) for p in path if p]
    return [str(path)] if path else []


def _diagnosis_cites(loc: Location, diag: dict) -> None:
    """Parts that came from the CPU diagnosis cite the fields the diagnosis names."""
    claim_of = {"core": "core", "socket": "socket", "channel": "channel", "mca_bank": "bank",
                "cpu_unit": "unit", "mci_addr": "address"}
    for p in loc.parts:
        extra = _diag_cite(diag, claim_of.get(p.kind, ""))
        p.cites += [c for c in extra if c not in p.cites]


# Microsoft memory / PCIe correctable error summary sections (WDK: WHEA_MEMORY_CORRECTABLE_ERROR_SECTION,
# WHEA_PCIE_CORRECTABLE_ERROR_SECTION)
MS_SUMMARIES = {"0e36c93e-ca15-4a83-ba8a-cbe80f7f0017", "e96eca99-53e2-4f52-9be7-d2dbe9508ed0"}
# Intel SDM vol. 3B, "MCA Error Codes for SRAR": a data load (0x134) or instruction fetch (0x150)
# that consumed uncorrectable data, with UC, S and AR set and PCC clear; the data's address is in
# MCi_ADDR and the OS recovers by retiring that page (the fault is usually the memory's)
SRAR_CODES = {0x134: "data load", 0x150: "instruction fetch"}
LOGGING_CPU = ("processor_number", "apic_id", "mpidr", "processor_id")
# UEFI N.2.4.2.3 / N.2.4.4.3 bus check Participation Type: 1 the local processor responded to
# the request, 2 it observed the error as a third party (Intel SDM's PP field: RES, OBS)
BYSTANDER = {1: "responded to the request (another agent made it)",
             2: "only observed the error (as a third party)"}


def _shared_cache_level(s: DecodedSection) -> tuple[int, str, list[str]] | None:
    """The IA32/X64 check the section's summary describes, when it is a cache or TLB check of
    level 2 or above: not known to be one core's (as the XPF MCA reading of the same LL field)."""
    infos = s.fields.get("error_info") if isinstance(s.fields, dict) else None
    if not isinstance(infos, list) or not infos or not isinstance(infos[0], dict) or "check_info" not in infos[0]:
        return None
    from ...formats.sections._cpu_ids import lead_error_info  # (loaded with the CPU decoders)
    i = lead_error_info(infos, lambda e: e.get("check_info"))
    check = infos[i].get("check_info") if i is not None and isinstance(infos[i], dict) else None
    if not isinstance(check, dict) or check.get("kind") != "cache":  # (a TLB is a core's own)
        return None
    # Intel's LL numbering (display family 6): on AMD the field counts L1 = 1, so its level 2
    # is a core's own L2 (Linux mce_amd.c); without CPUID the vendor is not known: no claim
    cpuid = s.fields.get("cpuid_info")
    signature = cpuid.get("signature") if isinstance(cpuid, dict) else None
    if not isinstance(signature, dict) or signature.get("display_family") != 6:
        return None
    level = check.get("level")
    if type(level) is not int or level < 2:
        return None
    return level, check["kind"], _node_path(s, f"error_info_{i}.check_info.level")


def _arm_affinity(s: DecodedSection) -> tuple[int, str, list[str]] | None:
    """UEFI N.2.4.4 Error affinity level (1-3): the error belongs to that affinity level (a
    cluster, or a higher shared level) of the processor's MPIDR, not to the processor alone."""
    fields = s.fields if isinstance(s.fields, dict) else {}
    level, aff = fields.get("error_affinity_level"), fields.get("mpidr_affinity")
    mpidr = fields.get("mpidr")
    # MPIDR.MT (bit 24) set: affinity level 0 numbers threads, so level 1 is still one core
    lowest_shared = 2 if type(mpidr) is int and mpidr >> 24 & 1 else 1
    if type(level) is not int or not lowest_shared <= level <= 3 or not isinstance(aff, dict):
        return None
    group = ".".join(str(aff.get(f"aff{k}", "?")) for k in range(3, level - 1, -1))
    return level, group, _node_path(s, "error_affinity_level")


def _bus_role(s: DecodedSection) -> tuple[str, str, list[str]] | None:
    """The bus check the section's summary describes (its worst structure), when its processor
    did not originate the failed request."""
    mca = _mca_bus_role(s)
    if mca is not None:
        return mca
    infos = s.fields.get("error_info") if isinstance(s.fields, dict) else None
    if not isinstance(infos, list) or not infos:
        return None
    from ...formats.sections._cpu_ids import lead_error_info  # (loaded with the CPU decoders)
    key = "error_information" if isinstance(infos[0], dict) and "error_information" in infos[0] else "check_info"
    i = lead_error_info(infos, lambda e: e.get(key))
    info = infos[i] if i is not None else None
    check = info.get(key) if isinstance(info, dict) else None
    if not isinstance(check, dict) or check.get("kind") != "bus" or check.get("participation_type") not in BYSTANDER:
        return None
    if any(_own_uncorrected(other.get(key), arm=key == "error_information")
           for j, other in enumerate(infos) if j != i and isinstance(other, dict)):
        return None  # the processor's own uncorrected error beside it: no bystander (N9-8)
    ids = [f"{label} 0x{info[name]:X}" for name, label in (("requestor_id", "requester ID"),
           ("responder_id", "responder ID"), ("target_id", "target ID")) if isinstance(info.get(name), int)]
    if isinstance(info.get("physical_fault_address"), int):
        ids.append(f"physical address 0x{info['physical_fault_address']:X}")
    cites = _node_path(s, f"error_info_{i}.{key}.participation_type")
    return f"the bus check says the processor {BYSTANDER[check['participation_type']]}", ", ".join(ids), cites


def _summary_places(s: DecodedSection) -> list[str]:
    """The parts a Microsoft summary without one location names (its entries with the most
    errors, or every entry when none is counted)."""
    if (s.type_guid or "").lower() not in MS_SUMMARIES or not isinstance(s.fields, dict):
        return []
    from ...formats import numbers
    places, counts = [], []
    for e in s.fields.get("entries") or s.fields.get("devices") or ():
        if not isinstance(e, dict):
            continue
        if "socket_id" in e:
            place = ", ".join(f"{label} {e[k]}" for k, label in (("socket_id", "socket"), ("channel_id", "channel"),
                                                                   ("dimm_slot", "DIMM slot")) if e.get(k) is not None)
            count = e.get("correctable_error_count")
        else:
            addr = [e.get(k) for k in ("segment", "bus", "device", "function")]
            place = f"PCIe device {numbers.pci_address(*addr)}" if None not in addr else ""
            count = e.get("total")
        if place:
            places.append(place)
            counts.append(count if type(count) is int else None)
    top = max((c for c in counts if c is not None), default=0)
    # the parts with the most errors, and those whose count is not known (they may have more)
    named = [p for p, c in zip(places, counts) if c is None or c == top]
    return list(dict.fromkeys(named))


WORSE_ELSEWHERE_NAMED = 4  # other sections named one by one


def _worse_elsewhere(rec: DecodedRecord, claims: list[Claim]) -> list[tuple[int, list[str], str, list[str]]]:
    """Sections other than the lead whose registers report an uncorrected or context-corrupt
    error (a second processor's section beside a Primary one that says corrected): named with
    their own processor, since the explanation follows the lead (UEFI N.2: every section
    carries its own error)."""
    by_index: dict[int, list[Claim]] = {}
    for c in claims:
        if not c.extended:
            by_index.setdefault(c.index, []).append(c)
    out = []
    for index, said in list(by_index.items())[:WORSE_ELSEWHERE_NAMED]:
        s = rec.sections[index]
        words = list(dict.fromkeys(w for c in said for w in c.words))
        where = read_location(s, component_of(s), cites=False).short_text()
        out.append((index, words, where, [p for c in said for p in c.cites]))
    return out


def _other_uncorrected(s: DecodedSection) -> list[tuple[int, str, list[str]]]:
    """Structures beside the one the section's summary describes that report an uncorrected or
    context-corrupt error of their own: each is an error (UEFI N.2.4.2), which the summary's
    "1 more error structure" did not say (N9-8)."""
    infos = s.fields.get("error_info") if isinstance(s.fields, dict) else None
    if not isinstance(infos, list) or len(infos) < 2 or not isinstance(infos[0], dict):
        return []
    from ...formats.sections._cpu_ids import lead_error_info  # (loaded with the CPU decoders)
    key = "error_information" if "error_information" in infos[0] else "check_info"
    lead = lead_error_info(infos, lambda e: e.get(key))
    out = []
    for j, info in enumerate(infos):
        check = info.get(key) if isinstance(info, dict) else None
        if j == lead or not isinstance(check, dict) or not check.get("kind"):
            continue
        arm = key == "error_information"
        uncorrected = check.get("corrected") is False if arm else check.get("uncorrected") is True
        pcc = check.get("processor_context_corrupt") is True
        if not (uncorrected or pcc):
            continue
        words = [w for w, on in (("uncorrected", uncorrected), ("processor context corrupt", pcc)) if on]
        level = f", level {check['level']}" if check.get("level") is not None else ""
        cites = _node_path(s, f"error_info_{j}.{key}.{'corrected' if arm else 'uncorrected'}") \
            if uncorrected else _node_path(s, f"error_info_{j}.{key}.processor_context_corrupt")
        kind = "TLB" if str(check["kind"]).lower() == "tlb" else check["kind"]
        out.append((j, f"{kind} error{level}, {' and '.join(words)}", cites))
    return out


def _own_uncorrected(check, *, arm: bool) -> bool:
    """A structure's check saying uncorrected or context corrupt, other than a bus check the
    processor only answered or observed."""
    if not isinstance(check, dict) or not check.get("kind"):
        return False
    if check.get("kind") == "bus" and check.get("participation_type") in BYSTANDER:
        return False
    worse = check.get("corrected") is False if arm else check.get("uncorrected") is True
    return worse or check.get("processor_context_corrupt") is True


def _mca_bus_role(s: DecodedSection) -> tuple[str, str, list[str]] | None:
    """The same for a machine-check bank (XPF MCA) whose MCACOD is a bus/interconnect error with
    PP 1 (RES) or 2 (OBS): the encoding the UEFI Participation Type copies (Intel SDM vol. 3B,
    "Bus and Interconnect Errors"); read alike, the two sections give the same advice (N9-7)."""
    status = s.fields.get("status") if isinstance(s.fields, dict) else None
    if not isinstance(status, dict) or status.get("mca_error_kind") != "bus":
        return None
    parts = status.get("mca_error_fields")
    pp = parts.get("pp") if isinstance(parts, dict) else None
    if pp not in BYSTANDER:
        return None
    where = (s.location or {}).get("address")  # (only when MCi_STATUS says ADDRV)
    ids = f"MCi_ADDR 0x{where:X}" if isinstance(where, int) else ""
    return (f"the machine-check error code (its PP field) says the processor {BYSTANDER[pp]}", ids,
            _node_path(s, "status.mca_error_code"))


def _logged_by(f: Facts, diag: dict) -> None:
    """A bank not known to belong to one core (a shared unit such as the Data Fabric or a memory
    controller, or a unit the record does not identify) is not "at CPU N": CPU N only logged it.
    Those parts stay in ``where`` under a "logged by" label but name no unit to act on."""
    if diag.get("scope") == "core":
        return
    f.cpu_scope = diag.get("scope") or "unknown"
    first = True
    for p in f.location.parts:
        if p.kind in LOGGING_CPU:
            p.coarse = False
            if first and not p.label.startswith("logged by "):  # (a bus role after a shared bank)
                p.label = f"logged by {p.label}"
            first = False


def _what(s: DecodedSection, diag: dict | None) -> Fact | None:
    body = s.body.path if s.body is not None else ""
    if diag and diag.get("error"):
        unit = diag.get("unit")
        text = f"{diag['error']}" + (f" in the {unit}" if unit and str(unit) not in str(diag["error"]) else "")
        cites = _diag_cite(diag, "error") + _diag_cite(diag, "unit")
        return Fact(text[0].upper() + text[1:], cites or [body])
    if (s.type_guid or "").lower() in PLATFORM_MEMORY_TYPES and isinstance(s.fields, dict):
        # the section's own sentence repeats the location in other number styles: say the type
        name = s.fields.get("error_type_name")
        node = s.body.find("error_type") if s.body is not None else None
        if name:
            text = name if re.search(r"\berrors?\b", name, re.I) else f"{name} error"
            return Fact(text, [node.path] if node is not None else [body])
        return Fact("Memory error of unstated type (the error type is not marked valid)",
                    [p for p in (_child_path(s, "validation_bits"),) if p] or [body])
    if s.summary:
        return Fact(house_style(s.summary), [body] if body else [])
    return None


_BARE_IDS = re.compile(r"\bvendor ([0-9a-fA-F]{4}) device ([0-9a-fA-F]{4})\b")
_HEX = re.compile(r"\b0x([0-9a-fA-F]+)\b")
_BDF = re.compile(r"\b((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2})\.([0-9a-fA-F]+)\b")


def house_style(text: str) -> str:
    """A section's own sentence in the explanation's number style (docs/explain.md): IDs in hex
    with 0x, hex digits upper case, and a PCI function that cannot be (above 7) said so."""
    if "0x" not in text and ":" not in text and "vendor" not in text:
        return text  # nothing any of the patterns below can match
    text = _BARE_IDS.sub(lambda m: f"vendor 0x{m[1].upper()} device 0x{m[2].upper()}", text)
    text = _HEX.sub(lambda m: "0x" + m[1].upper(), text)

    def bdf(m: re.Match) -> str:
        fn = int(m[2], 16)
        return m[0] if fn <= 7 else f"{m[1]} (function 0x{fn:X}, which cannot be: PCI functions are 0-7)"
    return _BDF.sub(bdf, text)


def _child_path(s: DecodedSection, name: str) -> str:
    node = s.body.find(name) if s.body is not None else None
    return node.path if node is not None else ""


# -- flags and status bits that change advice or need a caveat ------------------------------------
def _hints(rec: DecodedRecord, lead: DecodedSection | None, f: Facts, _cite) -> None:
    hints = f.hints
    for s in rec.sections:
        if empty_descriptor(s):
            continue
        for n in s.values.get("flag_names") or ():
            if n in HINT_FLAGS:
                _cite(hints, n, desc_path, s, f"flags.{n}")
                if n == "threshold_exceeded" and THRESHOLD_FLAG not in f.threshold_said:
                    f.threshold_said.insert(0, THRESHOLD_FLAG)
        infos = s.fields.get("error_info") if isinstance(s.fields, dict) else None
        for i, info in enumerate(infos[:MAX_HINT_CITES] if isinstance(infos, list) else ()):
            check = info.get("check_info") if isinstance(info, dict) else None
            if isinstance(check, dict) and check.get("overflow"):  # IA32/X64 check info bit
                _cite(hints, "mca_overflow", _node_path, s, f"error_info_{i}.check_info.overflow")
        _own_counts(s, f, _cite)
        status = (s.fields or {}).get("status") if isinstance(s.fields, dict) else None
        if not isinstance(status, dict):
            continue
        if "valid" in status and not status.get("valid"):
            # MCi_STATUS.VAL clear: PCC, OVER, UC, the error code and MCi_ADDR mean nothing
            _cite(hints, "mca_not_valid", _status_path, s, "val")
            continue
        for key, hint in (("overflow", "mca_overflow"), ("pcc", "mca_pcc"), ("poison", "poison")):
            if status.get(key):
                _cite(hints, hint, _status_path, s, {"overflow": "over"}.get(key, key))
        if status.get("mca_error_kind") == "memory_controller":
            _cite(hints, "memory_controller", _status_path, s, "mca_error_code")
        if (status.get("mca_error_code") in SRAR_CODES and status.get("uncorrected") and status.get("s")
                and status.get("ar") and not status.get("pcc")):
            _cite(hints, "srar", _status_path, s, "ar")  # (the AMD counterpart is the Poison bit)
    if lead is not None and _bank_valid(lead):  # (a bank that holds no error names no memory)
        bank = next((p for p in f.location.parts if p.kind == "cpu_unit"), None)
        if bank is not None and "UMC" in bank.value:
            _cite(hints, "memory_controller", list, bank.cites)


def _bank_valid(s: DecodedSection) -> bool:
    """False for a machine-check section whose MCi_STATUS.VAL is clear (it holds no error)."""
    status = s.fields.get("status") if isinstance(s.fields, dict) else None
    return not (isinstance(status, dict) and "valid" in status and not status["valid"])


def _own_counts(s: DecodedSection, f: Facts, _cite) -> None:
    """A section's own fields that say more than one error happened (``f.repeats``), or that an
    error threshold was crossed (a ``threshold_exceeded`` hint, as the descriptor flag gives):
    an ARM error information's MultipleError count and overflow flag, a Generic Error Status's
    overflow bit, a valid Intel corrected-error count and "yellow" threshold status (Intel SDM
    vol. 3B §16.4), a CXL memory event's Threshold event bit (CXL 3.0 Table 8-44)."""
    fields = s.fields if isinstance(s.fields, dict) else {}
    where = f"section {s.index}"
    looked = _cite is not _note  # cites wanted (else the lazy tree is left unbuilt)

    def repeat(text: str, lookup, *args) -> None:
        if len(f.repeats) < MAX_HINT_CITES:
            f.repeats.append((text, lookup(*args) if looked else []))

    infos = fields.get("error_info")
    for i, info in enumerate(infos[:MAX_HINT_CITES] if isinstance(infos, list) else ()):
        if not isinstance(info, dict):
            continue
        n = info.get("multiple_error")  # null unless its valid bit is set
        if type(n) is int and n >= 1:  # 0 single error, 1 multiple errors, 2 and up their count
            said = "multiple errors" if n == 1 else f"{n} errors"
            repeat(f"error information {i} of {where} records {said}", _node_path, s,
                   f"error_info_{i}.multiple_error")
        if "overflow" in (info.get("flag_names") or ()):
            repeat(f"error information {i} of {where} has its overflow flag set (errors were lost)",
                   _node_path, s, f"error_info_{i}.flags")
    if (s.type_guid or "").lower() == PROCESSOR_GENERIC and "overflow" in (fields.get("flag_names") or ()):
        repeat(f"the flags of {where} have the overflow bit set (more errors happened than were "
               "recorded)", _node_path, s, "flags.overflow")
    status = fields.get("error_status")
    if isinstance(status, dict) and status.get("overflow") is True:
        repeat(f"the error status of {where} has its overflow bit set (further errors were not "
               "logged)", _node_path, s, "error_status.overflow")
    # Microsoft's correctable-error summaries: each entry (a DIMM, a PCIe device) carries its count
    for key, count, what in (("entries", "correctable_error_count", "entry"), ("devices", "total", "device")):
        entries = fields.get(key) if (s.type_guid or "").lower() in MS_SUMMARIES else None
        counted = [(i, e[count]) for i, e in enumerate(entries if isinstance(entries, list) else ())
                   if isinstance(e, dict) and type(e.get(count)) is int and e[count] > 0]
        total = sum(c for _, c in counted)
        if total > 1:
            top = max(counted, key=lambda ic: ic[1])[0]
            repeat(f"the summary in {where} counts {total} corrected errors", _node_path, s,
                   f"{'entry' if what == 'entry' else 'device'}_{top}.correctable_error_count")
    diag = fields.get("diagnosis")
    if isinstance(diag, dict):
        bank = f"MCi_STATUS of MCA bank {diag.get('bank', '?')}"
        count = diag.get("corrected_error_count")  # present only where the count is valid
        if type(count) is int and count > 1:
            repeat(f"{bank} counts {count} corrected errors", _diag_cite, diag, "corrected_error_count")
        if str(diag.get("threshold_status") or "").startswith("yellow"):
            f.threshold_said.append(f"the threshold status of {bank} (yellow: threshold exceeded)")
            _cite(f.hints, "threshold_exceeded", _diag_cite, diag, "threshold_status")
    for key, kind in (("multiple_correctable", "correctable"), ("multiple_uncorrectable", "uncorrectable")):
        if fields.get(key) is True and "error_data_entry_count" in fields:  # a Generic Error Status Block
            repeat(f"the error status block of {where} has its Multiple {kind} errors bit set (more "
                   "errors happened than its entries report)", _node_path, s,
                   f"error_status_block.header.block_status.{key}")
    ras = fields.get("ras_capability")  # a CXL protocol section's RAS capability (CXL 3.0 §8.2.4.16)
    if isinstance(ras, dict):
        for status, mask, bit, words in (
                ("correctable_error_status", "correctable_error_mask", "crc_threshold", "CRC threshold"),
                ("correctable_error_status", "correctable_error_mask", "retry_threshold", "Retry threshold"),
                ("uncorrectable_error_status", "uncorrectable_error_mask", "reinit_threshold", "REINIT threshold")):
            said, masked = ras.get(status), ras.get(mask)
            if isinstance(said, dict) and said.get(bit) is True and not (isinstance(masked, dict) and masked.get(bit)):
                f.threshold_said.append(f"the CXL RAS capability of {where} ({words})")
                _cite(f.hints, "threshold_exceeded", _node_path, s, f"error_log.{status}.{bit}")  # (its tree name)
    specific = ((fields.get("event_log") or {}).get("event_specific") if isinstance(fields.get("event_log"), dict)
                else None)
    if isinstance(specific, dict):
        for group, bit, words in (("descriptor", "threshold_event", "its Threshold event bit"),
                                  ("cme_flags", "threshold_exceeded", "its Threshold exceeded flag")):
            flags = specific.get(group)
            if isinstance(flags, dict) and flags.get(bit) is True:
                f.threshold_said.append(f"the CXL event of {where} ({words})")
                _cite(f.hints, "threshold_exceeded", _node_path, s, f"event_log.event_specific.{group}.{bit}")


def _note(hints: dict[str, list[str]], name: str, _lookup, *_args) -> None:
    """Note hint ``name`` without its fields (for words that cite nothing)."""
    hints.setdefault(name, [])


def _cite(hints: dict[str, list[str]], name: str, lookup, *args) -> None:
    """Note hint ``name`` with the fields ``lookup(*args)`` gives, up to MAX_HINT_CITES of them
    (looked up only while there is room)."""
    cites = hints.setdefault(name, [])
    if len(cites) < MAX_HINT_CITES:
        cites.extend(p for p in lookup(*args) if p not in cites)
        del cites[MAX_HINT_CITES:]


def _memory_gaps(rec: DecodedRecord, f: Facts) -> None:
    """Memory sections that cannot name a module: not decoded, or no valid location fields."""
    for s in rec.sections:
        if component_of(s) != "memory" or empty_descriptor(s):
            continue
        name = s.values.get("type_name") or "memory"
        body = [s.body.path] if s.body is not None else []
        if s.fields is None and s.body is not None:
            f.memory_gaps.append((s.index, name, "undecoded", body))
        elif s.fields is not None and not s.location:
            f.memory_gaps.append((s.index, name, "no-location",
                                  [p for p in (_child_path(s, "validation_bits"),) if p] or body))


def _memory_conflicts(rec: DecodedRecord, f: Facts) -> None:
    """Memory sections whose physical address differs from the lead's (the same comparison as
    the record decoder's memory-address-mismatch finding): they name another place."""
    lead = f.lead
    if lead is None or component_of(lead) != "memory":
        return
    f.outvoted_extensions = contradicting_extensions(rec)
    for s in rec.sections:
        if s.index == lead.index or component_of(s) != "memory":
            continue
        differ = addresses_differ(s, lead)
        if differ:
            cites = [p.path for p in (s.body, lead.body) if p is not None]
            f.memory_conflicts.append((s.index, differ[0], differ[1], cites))
            continue
        other = read_location(s, "memory", cites=False)
        mine, theirs = _modules(f.location), _modules(other)
        if mine and theirs and mine != theirs and len(f.module_conflicts) < MAX_HINT_CITES:
            f.module_conflicts.append((s.index, other.short_text(),
                                       [p.path for p in (s.body, lead.body) if p is not None]))


MODULE_KINDS = ("module", "dimm_slot", "fru_text", "module_handle")  # parts that name a DIMM


def _modules(location: Location) -> frozenset:
    """The parts naming the module (with the node, card... that place it), when a module is named."""
    if not any(p.kind in MODULE_KINDS for p in location.parts):
        return frozenset()
    return frozenset((p.kind, p.value) for p in location.parts if p.coarse or p.kind in MODULE_KINDS)


# -- paths ----------------------------------------------------------------------------------------
# Where CPER header fields end: their tree paths are known without building the (lazy) header
# nodes, which would cost more than the whole explanation.
HEADER_FIELD_END = {"header.severity": 16, "header.flags": 108}


def _paths(rec: DecodedRecord, path: str) -> list[str]:
    head, _, bit = path.partition("header.flags.")
    key = "header.flags" if bit else path
    if rec.kind == "cper" and key in HEADER_FIELD_END:
        return [path] if len(rec.data) >= HEADER_FIELD_END[key] else []
    node = rec.root.find(path)
    return [node.path] if node is not None else []


def _first_path(rec: DecodedRecord, paths) -> list[str]:
    for p in paths:
        got = _paths(rec, p)
        if got:
            return got
    return []




def _node_path(s: DecodedSection, path: str) -> list[str]:
    node = s.body.find(path) if s.body is not None else None
    return [node.path] if node is not None else []


field_path = _node_path  # (rules cite a section's own fields by it)


def _status_path(s: DecodedSection, bit: str) -> list[str]:
    node = s.body.find(f"status.{bit}") if s.body is not None else None
    if node is None and s.body is not None:
        node = s.body.find("status")
    return [node.path] if node is not None else []
