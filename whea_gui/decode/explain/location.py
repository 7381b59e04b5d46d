"""Typed locations: where an error happened, read per component from a section's location dict.

Section decoders leave an untyped ``location`` dict whose keys mean different things per
component (``device`` is a DRAM device in a memory section and a PCI device number in a PCIe
one). ``read_location`` turns it into a ``Location`` of one family (memory, pci, cpu, firmware,
other) made of ``Part``s; each part has one rendering per kind of number, everywhere:

* addresses, handles, serial numbers, register values and PCI ids: hexadecimal with ``0x``;
* counts and indices (node, socket, card, module, channel, rank, bank, row, column, DRAM device,
  core, CPU number, APIC ID, MCA bank): decimal;
* a PCI function address in the usual ``segment:bus:device.function`` hex notation.

Each part cites the tree paths (``FieldNode.path``) of the fields it was read from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core.fields import DeferredFields
from ...core.model import DecodedSection, FieldNode
from .tables import PCI_COMPONENTS

DEC, HEX, TEXT = "dec", "hex", "text"
PCI_ID = "pci-id"  # a PCI vendor or device ID: four hex digits, as lspci and the summaries write it


@dataclass
class Part:
    kind: str  # what the number is ("row", "physical_address", "pci_address", ...)
    label: str  # the words before the value ("row", "physical address", "PCIe")
    value: str  # the value as shown
    cites: list[str] = field(default_factory=list)
    coarse: bool = False  # names the replaceable part (DIMM, device, CPU): goes in the headline

    @property
    def text(self) -> str:
        return f"{self.label} {self.value}" if self.label else self.value


@dataclass
class Location:
    family: str  # "memory" | "pci" | "cpu" | "firmware" | "other"
    parts: list[Part] = field(default_factory=list)
    # values the record gives that cannot be (e.g. PCI function 9): (sentence, cites)
    problems: list[tuple[str, list[str]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.parts)

    def kinds(self) -> set[str]:
        return {p.kind for p in self.parts}

    def text(self) -> str:
        return ", ".join(p.text for p in self.parts)

    def short_text(self) -> str:
        """The parts that name the replaceable unit (DIMM, device, CPU), for the headline and
        advice; empty when the location names no such unit (only a row, an address, ...)."""
        return ", ".join(p.text for p in self.parts if p.coarse)

    def short_cites(self) -> list[str]:
        return unique(c for p in self.parts if p.coarse for c in p.cites)

    def cites(self) -> list[str]:
        return unique(c for p in self.parts for c in p.cites)


# key -> (label, style, coarse); the order is the order of the rendering
MEMORY_KEYS: list[tuple[str, str, str, bool]] = [
    ("socket", "socket", DEC, True),
    ("node", "node", DEC, True),
    ("memory_controller", "memory controller", DEC, True),
    ("umc", "UMC", HEX, True),
    ("channel", "channel", DEC, True),
    ("subchannel", "subchannel", DEC, False),
    ("card", "card", DEC, True),
    ("module", "module", DEC, True),
    ("dimm_slot", "DIMM slot", DEC, True),
    ("chip_select", "chip select", DEC, False),
    ("rank", "rank", DEC, False),
    ("bank_group", "bank group", DEC, False),
    ("bank_address", "bank address", DEC, False),
    ("bank", "bank", DEC, False),
    ("dram_device", "DRAM device", DEC, False),
    ("media_device_mask", "media device mask", HEX, False),  # CXL: the rank's devices, one bit each
    ("chip_id", "chip ID", DEC, False),
    ("row", "row", DEC, False),
    ("column", "column", DEC, False),
    ("physical_address", "physical address", HEX, False),
    ("address", "error address", HEX, False),
    ("card_handle", "card SMBIOS handle", HEX, False),
    ("module_handle", "module SMBIOS handle", HEX, True),  # one DIMM: SMBIOS Type 17
    ("nfit_handle", "NFIT handle", HEX, True),
    ("fru_id", "FRU ID", HEX, True),
    ("fru_architecture", "FRU architecture", HEX, False),
    ("node_index", "RAS node", DEC, True),
    ("error_record_index", "error record", DEC, False),
]
CPU_KEYS: list[tuple[str, str, str, bool]] = [
    ("socket", "socket", DEC, True),
    ("processor_number", "CPU", DEC, True),
    ("apic_id", "APIC ID", DEC, True),
    ("mpidr", "MPIDR", HEX, True),
    ("processor_id", "processor ID", HEX, True),
    ("core", "core", DEC, True),
    ("node_index", "RAS node", DEC, True),
    ("error_record_index", "error record", DEC, False),
    ("channel", "channel", DEC, False),
    ("address", "error address", HEX, False),
]
FIRMWARE_KEYS: list[tuple[str, str, str, bool]] = [
    ("firmware_record_id", "firmware record ID", HEX, True),
    ("firmware_component", "firmware component", TEXT, True),
]
PCI_EXTRA_KEYS: list[tuple[str, str, str, bool]] = [
    ("vendor_id", "vendor", PCI_ID, False),
    ("device_id", "device ID", PCI_ID, False),
    ("media_device_mask", "media device mask", HEX, False),  # CXL: the rank's devices, one bit each
    ("serial_number", "serial number", HEX, False),
    ("rcrb_base_address", "RCRB base address", HEX, False),
    ("device_address", "device address", HEX, False),
    ("physical_address", "physical address", HEX, False),
    ("source_id", "source ID", HEX, True),
    ("port_id", "port ID", HEX, True),
]
OTHER_KEYS: list[tuple[str, str, str, bool]] = [
    ("socket", "socket", DEC, True),
    ("type_id", "type", DEC, True),
    ("subtype_id", "subtype", DEC, True),
    ("instance_id", "instance", HEX, True),
    ("error_instance", "error instance", DEC, True),
    ("node_index", "RAS node", DEC, True),
    ("mpidr", "MPIDR", HEX, True),
    ("error_record_index", "error record", DEC, False),
    ("address", "error address", HEX, False),
]
# the words for each location key (a key left out of a place is named by them)
KEY_LABELS = {key: label for table in (MEMORY_KEYS, CPU_KEYS, FIRMWARE_KEYS, PCI_EXTRA_KEYS, OTHER_KEYS)
              for key, label, _style, _coarse in table}
# Tree field names a location key may have been read from (besides the key itself).
ALIASES = {
    "bank": ("bank_number", "bank"), "bus": ("primary_bus", "bus", "bus_id", "bus_number"),
    "segment": ("segment", "segment_number"),
    "socket": ("socket_id", "processor_socket_id", "socket_number", "socket"),
    "memory_controller": ("memory_controller_id",), "subchannel": ("sub_channel_id", "sub_channel"),
    "rank": ("dimm_rank_id", "rank"), "umc": ("umc_bank_instance_id",),
    "channel": ("channel_id", "channel"), "apic_id": ("apic_id", "local_apic_id", "processor_id"),
    "processor_id": ("processor_id", "apic_id", "mpidr"), "mpidr": ("mpidr", "mpidr_el1", "processor_id"),
    "address": ("address", "err_addr", "error_address"),
    "physical_address": ("physical_address", "system_address", "system_physical_address",
                         "starting_pfn", "start", "address"),
    "serial_number": ("device_serial_number", "serial_number"), "module": ("module", "location_info"),
    "dram_device": ("device",),
    "requester_id": ("requester_id", "source_id", "source_identifier", "device_id"),
    "device_address": ("device_address", "fault_address", "fault_information"),
    "dimm_slot": ("dimm_slot_id", "dimm_slot", "dimm"), "firmware_record_guid": ("record_guid",),
    "firmware_record_id": ("record_id",), "firmware_component": ("component_id",),
    "vendor_id": ("vendor_id",), "bank_type": ("ipid", "amd_extended_registers"), "device_id": ("device_id",), "device": ("device", "device_number"),
    "function": ("function", "function_number"),
}
HEXISH = ("address", "handle", "serial", "guid", "mpidr", "signature", "status")


def read_location(sec: DecodedSection, component: str, extra: dict | None = None, *,
                  cites: bool = True) -> Location:
    """The typed location of ``sec`` (empty when it names no place). ``cites=False`` leaves the
    parts without citations (the text is the same; finding fields costs time)."""
    loc = dict(sec.location or {})
    if extra:
        for k, v in extra.items():
            loc.setdefault(k, v)
    fru = _fru_text(sec)
    cite = _Citer(sec) if cites else _NoCiter()
    has_pci = "bus" in loc or (component in PCI_COMPONENTS and isinstance(loc.get("device"), int))
    if component == "memory":
        if not has_pci and "device" in loc:
            loc["dram_device"] = loc.pop("device")
        out = Location("memory")
        if has_pci:  # memory behind a PCI/CXL device (memory range on a CXL device)
            out.parts += _pci_parts(loc, cite, "cxl_memory" if _on_cxl(sec) else component,
                                    out.problems)
        out.parts += _keyed(loc, MEMORY_KEYS, cite) + _keyed(loc, PCI_EXTRA_KEYS, cite)
        _granularity(sec, out, cites)
    elif component == "cpu":
        out = Location("cpu", _cpu_parts(loc, cite))
    elif has_pci:
        out = Location("pci")
        out.parts = _pci_parts(loc, cite, component, out.problems) + _keyed(loc, PCI_EXTRA_KEYS, cite)
    elif component == "firmware":
        out = Location("firmware", _keyed(loc, FIRMWARE_KEYS, cite))
    else:
        out = Location("other", _keyed(loc, OTHER_KEYS + PCI_EXTRA_KEYS, cite))
    out.parts += _driver_text(loc, cite)
    out.parts += _generic(loc, cite)
    if fru:  # the producer's label of the part; for memory it names the DIMM slot
        part = Part("fru_text", "FRU", fru, cite.value_of("fru_text", fru), coarse=component == "memory")
        if component == "memory":
            out.parts.insert(0, part)
        else:
            out.parts.append(part)
    return out


def _granularity(sec: DecodedSection, out: Location, cites: bool) -> None:
    """A Platform Memory section's physical address mask that leaves low bits out (a granularity,
    UEFI N.2.5: e.g. 0xFFFFFFFFFFFFF000, a 4 KiB block): the address is shown to that block, so
    no one takes the low bits as exact. A mask of the address width (low bits all set) changes
    nothing."""
    fields = sec.fields if isinstance(sec.fields, dict) else {}
    mask = fields.get("physical_address_mask")
    if type(mask) is not int or not 0 < mask < 1 << 64:
        return
    low = (mask & -mask).bit_length() - 1  # the zero bits below the mask's lowest one
    if low < 6 or (mask >> low) & ((mask >> low) + 1):  # not one run of ones from bit `low` up
        return
    for part in out.parts:
        if part.kind == "physical_address":
            address = int(part.value, 16) if part.value.startswith("0x") else None
            if address is None:
                return
            size = 1 << low
            block = f"{size >> 30} GiB" if size >= 1 << 30 else f"{size >> 20} MiB" if size >= 1 << 20 \
                else f"{size >> 10} KiB" if size >= 1 << 10 else f"{size} bytes"
            part.value = f"0x{address & mask:X} (the {block} block its address mask gives)"
            node = sec.body.find("physical_address_mask") if cites and sec.body is not None else None
            if node is not None and node.path not in part.cites:
                part.cites.append(node.path)


# -- families -------------------------------------------------------------------------------------
MEMORY_RANGE = "cc245308-61d5-4356-a707-25172ec2f5ea"


def _on_cxl(sec: DecodedSection) -> bool:
    """A Microsoft memory range section whose device info is a CXL device (DeviceType 0)."""
    f = sec.fields if isinstance(sec.fields, dict) else {}
    return (sec.type_guid or "").lower() == MEMORY_RANGE and "device" in f and f.get("device_type", 0) == 0


def _pci_parts(loc: dict, cite: _Citer, component: str, problems: list) -> list[Part]:
    seg, bus, dev, fn = (loc.pop(k, None) for k in ("segment", "bus", "device", "function"))
    rid = loc.pop("requester_id", None)
    if not all(isinstance(v, int) or v is None for v in (seg, bus, dev, fn)) or bus is None:
        loc.update({k: v for k, v in (("segment", seg), ("bus", bus), ("device", dev),
                                      ("function", fn), ("requester_id", rid)) if v is not None})
        return []
    word = {"pcie": "PCIe", "cxl": "PCIe", "cxl_memory": "CXL memory"}.get(component, "PCI")
    text = (f"{seg:04x}:" if seg is not None else "") + f"{bus:02x}"
    # a PCI device number is 0-31 and a function 0-7: a larger one is not shown as if it were
    # an address part, and a caveat says so
    for name, val, top, key in (("device", dev, 31, "device"), ("function", fn, 7, "function")):
        if isinstance(val, int) and val > top:
            problems.append((f"The record gives PCI {name} number {val} (0x{val:X}), which cannot be: "
                             f"a PCI {name} number is 0-{top}. It is left out of the address.",
                             cite.many((key, val))))
    if isinstance(dev, int) and dev > 31:
        dev, fn = None, None
    if isinstance(fn, int) and fn > 7:
        fn = None
    if dev is not None:
        text += f":{dev:02x}" + (f".{fn:x}" if fn is not None else "")
        label = f"{word} device"
    else:
        label = f"{word} bus"
    if component == "iommu":
        label = "requester " + label
    cites = cite.many(("segment", seg), ("bus", bus), ("device", dev), ("function", fn),
                      ("requester_id", rid))
    return [Part("pci_address", label, text, cites, coarse=True)]


def _cpu_parts(loc: dict, cite: _Citer) -> list[Part]:
    if loc.get("processor_id") is not None and loc.get("processor_id") in (loc.get("apic_id"), loc.get("mpidr")):
        cite.value_of("processor_id", loc.pop("processor_id"))  # the same number under another name
    vendor = loc.pop("cpu_vendor", None)
    unit = loc.pop("unit", None)
    bank_type = loc.pop("bank_type", None)
    parts = _keyed(loc, CPU_KEYS[:8], cite)
    if "bank" in loc:
        bank = loc.pop("bank")
        label = (f"{vendor} MCA bank" if vendor and vendor != "Other" else "MCA bank")
        parts.append(Part("mca_bank", label, _render(bank, DEC), cite.many(("bank", bank)), coarse=True))
    if unit or bank_type:
        cites = cite.many(("bank_type", bank_type)) if bank_type and not unit else []
        parts.append(Part("cpu_unit", "unit", _printable(str(unit or bank_type)), cites, coarse=True))
    if "address" in loc and vendor is not None:  # an x86 machine check: the MCi_ADDR register
        addr = loc.pop("address")
        parts.append(Part("mci_addr", "MCi_ADDR", _render(addr, HEX), cite.many(("address", addr))))
    parts += _keyed(loc, CPU_KEYS[8:], cite)
    return parts


def _driver_text(loc: dict, cite: _Citer) -> list[Part]:
    """Names a device driver wrote as text (read from its strings, not decoded fields): said as
    quoted text named in the driver's data, never as a typed field."""
    driver, vendor, model = (loc.pop(k, None) for k in ("driver", "device_vendor", "device_model"))
    device = " ".join(_printable(str(v)) for v in (vendor, model) if v)
    names = [f"{label} '{text}'" for label, text in (("device", device),
                                                    ("driver", _printable(str(driver or ""))))
             if text]
    if not names:
        return []
    return [Part("driver_text", "", " and ".join(names) + " named in the driver's data",
                 cite.many(("device_vendor", vendor), ("device_model", model), ("driver", driver)),
                 coarse=True)]


def _keyed(loc: dict, table, cite: _Citer) -> list[Part]:
    parts = []
    for key, label, style, coarse in table:
        if key not in loc:
            continue
        val = loc.pop(key)
        if val is None or val == "":
            continue
        parts.append(Part(key, label, _render(val, style), cite.many((key, val)), coarse))
    return parts


def _generic(loc: dict, cite: _Citer) -> list[Part]:
    """Keys no family table knows (new decoders): one style per key name."""
    parts = []
    for key, val in loc.items():
        if val is None or val == "" or isinstance(val, (dict, list, tuple)):
            continue
        style = HEX if any(h in key for h in HEXISH) else DEC
        label = key.replace("_", " ").replace("guid", "GUID")
        parts.append(Part(key, label, _render(val, style), cite.many((key, val)), coarse=True))
    return parts


def _render(val, style: str) -> str:
    if isinstance(val, bool) or not isinstance(val, int):
        return _printable(str(val))
    if style == HEX:
        return f"0x{val:X}"
    if style == PCI_ID:
        return f"0x{val:04X}"
    return str(val)


def _printable(text: str) -> str:
    if text.isprintable():
        return text.strip()
    return "".join(c if c.isprintable() else "?" for c in text).strip()


def _fru_text(sec: DecodedSection) -> str:
    text = _printable((sec.values or {}).get("fru_text") or "")
    return f"“{text}”" if text else ""


# -- citations ------------------------------------------------------------------------------------
class _Citer:
    """Finds the tree fields a location value came from (by name, preferring an equal value).

    The body's fields are indexed one tree level at a time, only as deep as a lookup needs
    (most location fields are direct children of the body), through the children already built
    and the layout fields a direct decode left to be made (the cited path must not depend on
    which nodes happened to be built), but not lazy bit nodes: building them would cost more
    than the whole explanation, and bits are rarely location values (a second pass looks there
    only for a name found nowhere else).
    """

    LIMIT = 3000  # nodes indexed per section (bounded work on huge sections)
    DEPTH = 4

    def __init__(self, sec: DecodedSection) -> None:
        self.sec = sec
        self._index: dict[str, list[FieldNode]] = {}
        self._frontier: list[FieldNode] = [sec.body] if sec.body is not None else []
        self._depth = 0
        self._seen = 0
        self._lazy = False  # second pass: also build lazy children (packed bit fields)

    def _exhausted(self) -> bool:
        """All built nodes are indexed (the lazy pass is only for names not found at all)."""
        return not self._frontier or self._depth >= self.DEPTH or self._seen > self.LIMIT

    def _deeper(self) -> bool:
        """Index one more level; False when there is nothing more to index."""
        if (not self._frontier or self._depth >= self.DEPTH or self._seen > self.LIMIT) \
                and not self._lazy and self.sec.body is not None:
            # nothing found among the built nodes: look again, building packed bit fields
            self._lazy, self._index, self._frontier = True, {}, [self.sec.body]
            self._depth = self._seen = 0
        if not self._frontier or self._depth >= self.DEPTH or self._seen > self.LIMIT:
            return False
        body = self.sec.body
        nxt: list[FieldNode] = []
        for node in self._frontier:
            made = node is body or self._lazy or _fields_pending(node)
            for c in (node.children if made else node._children) or ():
                if not self._lazy and (c.kind == "bit" or c.bit_width is not None):
                    continue  # bit fields someone opened: the first pass never looks there
                self._index.setdefault(c.name, []).append(c)
                nxt.append(c)
                self._seen += 1
            if self._seen > self.LIMIT:
                break
        self._frontier = nxt
        self._depth += 1
        return True

    def value_of(self, key: str, value) -> list[str]:
        if key == "fru_text":
            return desc_path(self.sec, "fru_text")
        names = ALIASES.get(key, ()) + (key,)
        while True:
            found = [n for name in names for n in self._index.get(name, ())]
            same = [n for n in found if n.value == value]
            if same or (found and self._exhausted()) or not self._deeper():
                break
        pick = (same or [n for n in found if n.kind != "bit"] or found)[:1]
        return [pick[0].path] if pick else []

    def many(self, *pairs) -> list[str]:
        """The fields of the given (key, value) pairs; the section body when none is found (a
        value the decoder derived, e.g. a bus number taken from a requester ID)."""
        got = unique(c for key, val in pairs if val is not None for c in self.value_of(key, val))
        return got or ([self.sec.body.path] if self.sec.body is not None else [])


def _fields_pending(node: FieldNode) -> bool:
    """The node's layout fields are still to be made (a reference decode has them already):
    made for the lookup so a citation never depends on which nodes happened to be built."""
    if node._children is not None:
        return False
    return any(isinstance(item, DeferredFields) for item in (node._make_children, *(node._later or ())))


class _NoCiter:
    def value_of(self, key: str, value) -> list[str]:
        return []

    def many(self, *pairs) -> list[str]:
        return []


def unique(items) -> list[str]:
    """The non-empty items, each once, in first-seen order (citations, names)."""
    out: list[str] = []
    for x in items:
        if x and x not in out:
            out.append(x)
    return out


# -- descriptor fields, cited by path -------------------------------------------------------
def desc_find(s: DecodedSection, sub: str):
    """A descriptor field (a GESB entry keeps its descriptor fields under ``header``)."""
    if s.descriptor is None:
        return None
    return s.descriptor.find(sub) or s.descriptor.find(f"header.{sub}") or \
        s.descriptor.find(f"header.error_{sub}")


DESCRIPTOR_FIELDS = {"section_type", "severity", "fru_text", "fru_id", "flags"}


def desc_path(s: DecodedSection, sub: str) -> list[str]:
    """The tree path of a descriptor field. A whole 72-byte record descriptor has every field, so
    its paths are known without building its (lazy) nodes."""
    d = s.descriptor
    if d is not None and d.name.startswith("descriptor_") and d.length >= 72 \
            and sub.split(".")[0] in DESCRIPTOR_FIELDS:
        return [f"{d.path}.{sub}"]
    node = desc_find(s, sub)
    return [node.path] if node is not None else []
