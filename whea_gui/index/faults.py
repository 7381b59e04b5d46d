"""Fault locations and record times: the per-record columns the timeline analysis groups by.

A *fault* is a place that keeps failing (a DIMM, a CPU bank, a PCIe function); many error
records can come from one fault. ``location_key`` turns a section's ``component``/``location``
(set by the section decoders) into one stable text key per fault, and ``scope_keys`` gives the
coarser keys the threshold rules count by (memory page, DIMM, CPU).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from ..decode.explain import NOT_FAULTS
from ..decode.explain.facts import MEMORY_EXTENSION_TYPES, gather, lead_section
from ..decode.explain.rules import mca_kind, record_component
from ..decode.explain.tables import PLATFORM_MEMORY_TYPES
from ..formats.numbers import PCI_DEVICE_MAX, PCI_FUNCTION_MAX

# Where the time of a record came from (the ``time_source`` column).
TIME_NONE, TIME_RECORD, TIME_EVENT = 0, 1, 2
TIME_SOURCE_NAMES = ("none", "record", "event")
# Keys a reader may use in ``RecordRef.source`` for the container's own time (Event Log
# ``TimeCreated``, a Redfish ``Created`` stamp, ...).
EVENT_TIME_KEYS = ("time_created", "event_time", "created", "time")
PLAUSIBLE_YEARS = range(1990, 2101)
PAGE_SHIFT = 12  # 4 KiB pages, as mcelog and rasdaemon count them

# Component of a record when no section decoder set one (and for the columnar table, which never
# decodes bodies): by section type GUID (FORMAT.md §5.3-5.5).
_SECTION_COMPONENT = {
    "9876ccad-47b4-4bdb-b65e-16f193c4f3db": "cpu", "dc3ea0b0-a144-4797-b95b-53fa242b6e1d": "cpu",
    "e429faf1-3cb7-11d4-bca7-0080c73c8881": "cpu", "e19e3d16-bc11-11e4-9caa-c2051d5d46b0": "cpu",
    "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8": "cpu", "fe08ffbe-95e4-4be7-bc73-4096044a38fc": "cpu",
    "e71254e7-c1b9-4940-ab76-909703a4320f": "platform",
    "a5bc1114-6f64-4ede-b863-3e83ed7c83b1": "memory", "61ec04fc-48e6-d813-25c9-8daa44750b12": "memory",
    "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017": "memory", "5e4706c1-5356-48c6-930b-52f2120a4458": "memory",
    "e16edb28-6113-4263-a41d-e53f8de78751": "memory", "0d3a4a3b-774a-4c72-95e2-152d43180374": "memory",
    "cc245308-61d5-4356-a707-25172ec2f5ea": "memory", "81687003-dbfd-4728-9ffd-f0904f97597d": "memory",
    "d995e954-bbc1-430f-ad91-b44dcb3c6f35": "pcie", "e96eca99-53e2-4f52-9be7-d2dbe9508ed0": "pcie",
    "ec49534b-30e7-4358-972f-eca6958fae3b": "pcie", "dd060800-f6e1-4204-ac27-c4bca9568402": "pcie",
    "c5753963-3b84-4095-bf78-eddad3f9c9dd": "pci", "eb5e4685-ca66-4769-b6a2-26068b001326": "pci",
    "81212a96-09ed-4996-9471-8d729c8e69ed": "firmware",
    "5b51fef7-c79d-4434-8f1b-aa62de3e2c64": "iommu", "71761d37-32b2-45cd-a7d0-b0fedd93e8cf": "iommu",
    "036f84e1-7f37-428c-a79e-575fdfaa84ec": "iommu",
    "91335ef6-ebfb-4478-a6a6-88b728cf75d7": "ccix",
    "80b9efb4-52b5-4de3-a777-68784b771048": "cxl", "fbcd0a77-c260-417f-85a9-088b1621eba6": "cxl",
    "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624": "cxl", "fe927475-dd59-4339-a586-79bab113b774": "cxl",
    "77cf9271-9c02-470b-9fe4-bc7b75f2da97": "cxl", "40d26425-3396-4c4d-a5da-3d47263af425": "cxl",
    "8dc44363-0c96-4710-b7bf-04bb99534c3f": "cxl",
}
COMPONENT_LABELS = {"cpu": "CPU", "memory": "Memory", "pcie": "PCIe", "pci": "PCI",
                    "firmware": "Firmware", "iommu": "IOMMU", "cxl": "CXL", "ccix": "CCIX",
                    "platform": "Platform"}


def component_of_section_type(guid: str | None) -> str:
    """The component family of a section type GUID ("" when it says nothing about hardware)."""
    return _SECTION_COMPONENT.get((guid or "").lower(), "")


def _first(loc: Mapping[str, Any], *names: str) -> Any:
    for n in names:
        if loc.get(n) is not None:
            return loc[n]
    return None


def _text(v: Any) -> str:
    return f"0x{v:X}" if isinstance(v, int) and v > 0xFFFF else str(v)


def _cpu_id(loc: Mapping[str, Any]) -> str:
    """socket / APIC ID or MPIDR / core / thread; a logical processor number only when no
    hardware ID is known (Windows numbers processors in its own order)."""
    parts = []
    for key, names in (("socket", ("socket",)), ("apic", ("apic_id", "apic", "initial_apic_id")),
                       ("mpidr", ("mpidr",)), ("core", ("core",)), ("thread", ("thread",))):
        v = _first(loc, *names)
        if v is not None:
            parts.append(f"{key}={hex(v) if key == 'mpidr' and isinstance(v, int) else _text(v)}")
    if not any(p.startswith(("apic=", "mpidr=")) for p in parts):
        v = _first(loc, "processor_number", "processor", "cpu", "processor_id")
        if v is not None:
            parts.append(f"cpu={_text(v)}")
    return ":".join(parts)


def _dimm_id(loc: Mapping[str, Any]) -> str:
    # (a memory controller and DIMM slot, as Intel memory extensions give them, tell two DIMMs
    # on one socket apart)
    parts = [f"{k}={_text(loc[k])}" for k in ("socket", "node", "memory_controller", "card", "channel",
                                              "module", "dimm", "dimm_slot") if loc.get(k) is not None]
    if not parts:
        handle = _first(loc, "module_handle", "card_handle")
        if handle is not None:
            parts.append(f"handle={_text(handle)}")
    return "/".join(parts)


def _pci_id(loc: Mapping[str, Any]) -> str:
    """``ssss:bb:dd.f``; a device above 31 or a function above 7 cannot be (the record is garbled
    there), so, as the headline does, the key stops before it (``ssss:bb:dd`` or ``ssss:bb``)
    rather than name a PCI function no machine has."""
    bus, dev, fn = loc.get("bus"), loc.get("device"), loc.get("function")
    if not all(isinstance(v, int) for v in (bus, dev, fn)):
        return ""
    seg = loc.get("segment") or 0
    if dev > PCI_DEVICE_MAX:
        return f"{seg:04x}:{bus:02x}"
    if fn > PCI_FUNCTION_MAX:
        return f"{seg:04x}:{bus:02x}:{dev:02x}"
    return f"{seg:04x}:{bus:02x}:{dev:02x}.{fn:x}"


def _cxl_media_id(loc: Mapping[str, Any]) -> str:
    """channel / rank of a CXL memory device's General Media or DRAM event: the DIMM-like part
    of the device (its bank, row and column name a smaller place than a fault usually is)."""
    return "/".join(f"{k}={_text(loc[k])}" for k in ("channel", "sub_channel", "rank")
                    if loc.get(k) is not None)


def memory_page(location: Mapping[str, Any]) -> int | None:
    addr = location.get("physical_address") if location else None
    return addr >> PAGE_SHIFT if isinstance(addr, int) else None


def location_key(component: str, location: Mapping[str, Any] | None) -> str:
    """One text key per fault, e.g. ``cpu:apic=13:bank=5``, ``memory:node=0/card=1/module=3``,
    ``pcie:0000:3b:00.0``, ``firmware:0x1234``; "" when the section says nowhere."""
    comp = (component or "").lower()
    loc = location or {}
    if not loc:
        return ""
    if comp == "cpu":
        cpu = _cpu_id(loc)
        bank = loc.get("bank")
        key = ":".join(p for p in (cpu, f"bank={bank}" if bank is not None else "") if p)
        return f"cpu:{key}" if key else ""
    if comp == "memory":
        dimm = _dimm_id(loc)
        if dimm:
            return f"memory:{dimm}"
        page = memory_page(loc)
        return f"memory:page=0x{page:X}" if page is not None else ""
    if comp in ("pcie", "pci", "cxl", "iommu"):
        bdf = _pci_id(loc)
        if bdf:
            media = _cxl_media_id(loc) if comp == "cxl" else ""
            return f"{comp}:{bdf}" + (f"/{media}" if media else "")
    if comp == "firmware":
        rid = _first(loc, "firmware_record_id", "record_id", "record_identifier",
                     "firmware_record_guid")
        if rid is not None:
            return f"firmware:{_text(rid)}"
    parts = [f"{k}={_text(v)}" for k, v in loc.items() if v is not None and not isinstance(v, dict)]
    return f"{comp or 'other'}:" + "/".join(parts) if parts else ""


def scope_keys(component: str, location: Mapping[str, Any] | None) -> dict[str, str]:
    """The keys the threshold rules count by: ``page``, ``dimm`` and ``cpu`` (when known)."""
    comp = (component or "").lower()
    loc = location or {}
    out: dict[str, str] = {}
    if comp == "memory":
        page = memory_page(loc)
        if page is not None:
            out["page"] = f"page:0x{page:X}"
        dimm = _dimm_id(loc)
        if dimm:
            out["dimm"] = f"memory:{dimm}"
    elif comp == "cxl" and _cxl_media_id(loc) and _pci_id(loc):
        out["dimm"] = f"cxl:{_pci_id(loc)}/{_cxl_media_id(loc)}"
    elif comp == "cpu":
        cpu = _cpu_id(loc)
        if cpu:
            out["cpu"] = f"cpu:{cpu}"
    return out


# -- record time ---------------------------------------------------------------------------
def to_epoch(value: Any) -> int | None:
    """Epoch seconds (UTC) from an ISO text, a datetime or a number; None if unusable.

    Naive times (CPER timestamps carry no zone) are taken as UTC, so the axis shows the
    record's own clock reading unchanged.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        secs = float(value)
        if secs != secs:  # NaN
            return None
        when = dt.datetime.fromtimestamp(secs, dt.UTC) if abs(secs) < 1e11 else None
    elif isinstance(value, dt.datetime):
        when = value
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if when is None or when.year not in PLAUSIBLE_YEARS:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp() // 1)


def event_time(source: Mapping[str, Any] | None) -> int | None:
    for key in EVENT_TIME_KEYS:
        t = to_epoch((source or {}).get(key))
        if t is not None:
            return t
    return None


def record_time(rec) -> tuple[int | None, int]:
    """(epoch seconds, time source code): the record's own valid timestamp, else its source's
    event time, else none."""
    t = to_epoch((rec.header or {}).get("timestamp")) if rec.kind == "cper" else None
    if t is not None:
        return t, TIME_RECORD
    t = event_time(rec.source)
    if t is not None:
        return t, TIME_EVENT
    return None, TIME_NONE


def host_of(source: Mapping[str, Any] | None, header: Mapping[str, Any] | None = None) -> str:
    """The machine a record came from: the reader's host name, else the record's PlatformID."""
    host = _first(source or {}, "host", "computer", "hostname")
    if host:
        return str(host)
    platform = (header or {}).get("platform_id")
    return f"platform {platform[:8]}" if platform else ""


def source_label(source: Mapping[str, Any] | None) -> str:
    """The host the reader names, else the file name (as the columnar table has them)."""
    src = source or {}
    host = host_of(src)
    if host:
        return host
    path = src.get("path")
    return os.path.basename(str(path)) or str(path) if path else "(unknown)"


def record_fault(rec) -> tuple[str, str, dict[str, str]]:
    """(component, location key, scope keys) of a decoded record.

    The location is the first section's that has one, refined by a later section naming a
    finer place within it (Processor Generic gives the APIC ID, the MCA section adds the bank);
    the component is the one the record's explanation names (``rules.record_component``: a
    machine check from a memory-controller bank is Memory), else that section's, else the first
    component any section names.
    """
    component, best = "", None
    facts = gather(rec, cites=False) if rec.sections and rec.kind not in NOT_FAULTS else None
    named = record_component(facts) if facts is not None and facts.state == "record" else ""
    lead = lead_section(rec)  # the explanation's lead section speaks first (docs/explain.md)
    if lead is not None and (lead.type_guid or "").lower() in MEMORY_EXTENSION_TYPES:
        # ... but a memory extension is a companion: when the record also has a Platform Memory
        # section, that one names the DIMM, so one DIMM keeps one key whichever section the
        # explanation leads with (the extension's richer words name the same module)
        platform = next((s for s in rec.sections if s.location
                         and (s.type_guid or "").lower() in PLATFORM_MEMORY_TYPES), None)
        lead = platform or lead
    ordered = sorted(rec.sections, key=lambda s: s is not lead) if lead is not None else rec.sections
    for sec in ordered:
        comp = sec.component or component_of_section_type(sec.values.get("type"))
        component = component or comp
        key = location_key(comp, sec.location)
        if key and (best is None or key.startswith(best[1] + ":")):
            best = (comp, key, scope_keys(comp, sec.location))
    if best is not None and "cpu" in best[2] and not logged_in_a_core(rec, facts):
        # the logging CPU is not the place (the explanation says "logged by CPU N"): the key
        # says so, and the CPU rule does not count it
        comp, key, scopes = best
        key = "cpu:logged-by-" + key.removeprefix("cpu:") if key.startswith("cpu:") else key
        best = (comp, key, {k: v for k, v in scopes.items() if k != "cpu"})
    if best is None:
        return named or component, "", {}
    # (the key keeps the section's own prefix: a memory-controller machine check located by its
    # logging CPU and bank is keyed "cpu:logged-by-...", counted under Memory)
    return named or best[0], best[1], best[2]


def logged_in_a_core(rec, facts=None) -> bool:
    """False when the explanation's facts say the machine check did not happen in the core that
    logged it: a memory-controller bank or error code, a shared unit (Data Fabric, L3, I/O...),
    or a bank whose unit the record does not identify. Such a record is not counted against
    the logging CPU by the CPU rule (rasdaemon's CPU isolation counts a core's own errors)."""
    if not any(isinstance(s.fields, dict) and isinstance(s.fields.get("diagnosis"), dict)
               for s in rec.sections):
        return True  # no machine-check diagnosis: nothing says the error was elsewhere
    return mca_kind(facts if facts is not None else gather(rec, cites=False)) in ("core", "")


# The per-record fault columns, in the order the columnar index keeps them (index.table):
# component label, location key, and the page / DIMM / CPU keys the threshold rules count by.
FAULT_KEY_NAMES = ("component", "location", "page", "dimm", "cpu")


def record_fault_keys(rec) -> tuple[str | None, ...]:
    """The record's fault columns (see ``FAULT_KEY_NAMES``; None = no value).

    Keys are prefixed with the host (``node07 | cpu:apic=13:bank=5``) when the reader knows it
    or the record has a PlatformID, so the same bank on two machines stays two faults.
    """
    comp, key, scopes = record_fault(rec)
    host = host_of(rec.source, rec.header)
    if host:
        key = f"{host} | {key}" if key else key
        scopes = {k: f"{host} | {v}" for k, v in scopes.items()}
    label = COMPONENT_LABELS.get(comp, comp.upper()) if comp else None
    return (label, key or None, scopes.get("page"), scopes.get("dimm"), scopes.get("cpu"))
