"""The typed facts of one record, each with the tree paths it was read from.

Everything the explanation says is derived from one ``Facts`` (rules.py): the record's state
(a record, not a record, empty), its severity, the lead section and its component, the typed
location, what failed, and the flags and status bits that change the advice or need a caveat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...core.model import ERROR, DecodedRecord, DecodedSection
from .location import Location, desc_path, read_location
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
HINT_FLAGS = ("threshold_exceeded", "latent_error", "containment_warning", "reset", "propagated",
              "resource_not_accessible")


@dataclass
class Fact:
    value: object
    cites: list[str] = field(default_factory=list)


@dataclass
class Facts:
    state: str  # "record" | "not_cper" | "empty"
    severity: int | None = None  # 0..3, or None when unknown
    severity_cites: list[str] = field(default_factory=list)
    severity_raw: object = None  # the value when it is not a known severity
    lead: DecodedSection | None = None
    component: str = ""
    type_name: str = ""
    type_guid: str = ""
    location: Location = field(default_factory=lambda: Location("other"))
    what: Fact | None = None  # what failed (one sentence) and where it was read
    hints: dict[str, list[str]] = field(default_factory=dict)  # status/flag name -> cites
    header_flags: dict[str, list[str]] = field(default_factory=dict)
    worse_sections: list[tuple[int, int, list[str]]] = field(default_factory=list)
    memory_gaps: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    undecoded: Fact | None = None  # what a CPU diagnosis could not decode
    error_findings: int = 0
    error_cites: list[str] = field(default_factory=list)  # fields the error findings point at
    section_count_cites: list[str] = field(default_factory=list)
    lead_decoded: bool = False

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
    errors = [x for x in rec.findings if x.level == ERROR]
    f.error_findings = len(errors)
    for x in errors[:8]:
        node = rec.root.deepest_at(x.offset) if x.offset < len(data) else None
        if node is not None and node.path and node.path not in f.error_cites:
            f.error_cites.append(node.path)
    _severity(rec, f)
    f.header_flags = {n: _paths(rec, f"header.flags.{n}") for n in rec.header.get("flag_names") or ()}
    if not rec.sections:
        f.section_count_cites = _first_path(rec, ("header.section_count", "header.error_data_entry_count"))
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
        f.what = _what(lead, diag)
        if diag and diag.get("undecoded"):
            f.undecoded = Fact(str(diag["undecoded"]), _diag_cite(diag, "undecoded"))
    _hints(rec, lead, f)
    _memory_gaps(rec, f)
    return f


# -- severity -------------------------------------------------------------------------------------
def _severity(rec: DecodedRecord, f: Facts) -> None:
    sev = rec.header.get("severity")
    head_path = _first_path(rec, ("header.severity", "header.error_severity", "descriptor_0.severity"))
    if sev in SEVERITY_WORD:
        f.severity, f.severity_cites = sev, head_path
    else:
        f.severity_raw = sev
        secs = [(s.values.get("severity"), s) for s in rec.sections
                if s.values.get("severity") in SEVERITY_WORD]
        if secs:
            worst, s = max(secs, key=lambda p: SEVERITY_RANK[p[0]])
            f.severity, f.severity_cites = worst, desc_path(s, "severity")
        else:
            f.severity_cites = head_path
    if f.severity is None or sev not in SEVERITY_WORD:
        return
    for s in rec.sections:
        ss = s.values.get("severity")
        if ss in SEVERITY_WORD and SEVERITY_RANK[ss] > SEVERITY_RANK[sev]:
            f.worse_sections.append((s.index, ss, desc_path(s, "severity")))


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
    block = s.body.find("error_status_block") if s.body is not None else None
    if not isinstance(entries, list) or block is None:
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
    guid = (s.type_guid or "").replace("-", "")
    return not guid or set(guid) == {"0"}


def lead_section(rec: DecodedRecord) -> DecodedSection | None:
    """The section that says what failed: known component first (a decoded section with a known
    part outranks an unknown or empty one), then severity, then the richest location."""
    candidates = [s for s in rec.sections if (s.type_guid or "").lower() not in METADATA_TYPES]
    if not candidates:
        return rec.sections[0] if rec.sections else None

    def score(s: DecodedSection):
        comp = component_of(s)
        located = bool(s.location)
        return (bool(comp), s.fields is not None or bool(s.summary), not _empty_descriptor(s),
                SEVERITY_RANK.get(s.values.get("severity"), 0), located,
                COMPONENT_PRIORITY.get(comp, 0) if located else 0, len(s.location or ()),
                "primary" in (s.values.get("flag_names") or ()), -s.index)
    return max(candidates, key=score)


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
        return Fact(s.summary, [body] if body else [])
    return None


def _child_path(s: DecodedSection, name: str) -> str:
    node = s.body.find(name) if s.body is not None else None
    return node.path if node is not None else ""


# -- flags and status bits that change advice or need a caveat ------------------------------------
def _hints(rec: DecodedRecord, lead: DecodedSection | None, f: Facts) -> None:
    hints = f.hints
    for s in rec.sections:
        for n in s.values.get("flag_names") or ():
            if n in HINT_FLAGS:
                _cite(hints, n, desc_path, s, f"flags.{n}")
        status = (s.fields or {}).get("status") if isinstance(s.fields, dict) else None
        if not isinstance(status, dict):
            continue
        for key, hint in (("overflow", "mca_overflow"), ("pcc", "mca_pcc"), ("poison", "poison")):
            if status.get(key):
                _cite(hints, hint, _status_path, s, {"overflow": "over"}.get(key, key))
        if status.get("mca_error_kind") == "memory_controller":
            _cite(hints, "memory_controller", _status_path, s, "mca_error_code")
        if "valid" in status and not status.get("valid"):
            _cite(hints, "mca_not_valid", _status_path, s, "val")
    if lead is not None:
        bank = next((p for p in f.location.parts if p.kind == "cpu_unit"), None)
        if bank is not None and "UMC" in bank.value:
            _cite(hints, "memory_controller", list, bank.cites)


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
        if component_of(s) != "memory":
            continue
        name = s.values.get("type_name") or "memory"
        body = [s.body.path] if s.body is not None else []
        if s.fields is None and s.body is not None:
            f.memory_gaps.append((s.index, name, "undecoded", body))
        elif s.fields is not None and not s.location:
            f.memory_gaps.append((s.index, name, "no-location",
                                  [p for p in (_child_path(s, "validation_bits"),) if p] or body))


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




def _status_path(s: DecodedSection, bit: str) -> list[str]:
    node = s.body.find(f"status.{bit}") if s.body is not None else None
    if node is None and s.body is not None:
        node = s.body.find("status")
    return [node.path] if node is not None else []
