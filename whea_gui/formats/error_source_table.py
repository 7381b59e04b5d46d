"""The ErrorSourceTable of a Kernel-WHEA Event ID 5 ("WHEA initialized") event.

The event's EventData gives ``ErrorSourceCount``, ``ErrorRecordFormat``,
``ErrorSourceTableLength`` and ``ErrorSourceTable``: a copy of the kernel's list of error
sources, one entry per source. An entry is the kernel's own bookkeeping structure
``_WHEAP_ERROR_SOURCE`` (not in the WDK headers; its layout is in the public symbol files of
ntoskrnl, as type dumps of them show): a list link, counters, the pool tag "Whea", the source
type, then the public WHEA_ERROR_SOURCE_DESCRIPTOR (972 bytes, WDK ``ntddk.h``; decoded by
``formats.error_source``), padded to 8 bytes:

======  ============  ==============  ==========
layout  entry bytes   descriptor at   pointers
======  ============  ==============  ==========
x64     1072 (0x430)  96 (0x60)       8 bytes
x86     1056 (0x420)  80 (0x50)       4 bytes
======  ============  ==============  ==========

The layout is the one whose entry size times ErrorSourceCount is the table's length (else the
one the length is a whole multiple of, else x64). Every entry is checked: its pool tag, the
descriptor's Length (972) and Version, and the wrapper's Type against the descriptor's. The
kernel fields are undocumented and may differ in other Windows builds: a check that fails says
so and the bytes are still shown. Counts are bounded by the bytes present (and MAX_SOURCES).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.fields import Field, Layout, ascii_text
from ..core.model import ERROR, NOTE, WARNING, FieldNode
from . import error_source

MAX_SOURCES = 4096  # far more than any machine registers (a few dozen); bounds hostile counts
POOL_TAG = b"Whea"


def _wrapper(name: str, ptr: int) -> Layout:
    """The kernel's entry before the descriptor. The x64 one is also the WheaInit WhLg payload's
    record (decode/whlg_payloads.py uses it), so the two JSON forms have the same keys."""
    def u32(key: str, label: str) -> Field:
        return Field(key, label, 4, "int")
    return Layout(name, [
        Field("list_entry", "List entry (pointers)", 2 * ptr, "bytes"),
        u32("failed_allocations", "Failed allocations"),
        u32("platform_error_source_id", "Platform error source ID"),
        u32("error_count", "Error count"), u32("record_count", "Record count"),
        u32("record_length", "Record length"),
        Field("pool_tag", "Pool tag", 4, "ascii"),
        Field("type", "Type", 4, "enum", enum=error_source.SOURCE_TYPE),
        *([Field("padding1", "Padding", 4, "hex")] if ptr == 8 else []),
        Field("records", "Records (pointer)", ptr, "hex"),
        Field("context", "Context (pointer)", ptr, "hex"),
        u32("section_count", "Section count"), u32("section_length", "Section length"),
        *([] if ptr == 8 else [Field("padding1", "Padding", 4, "hex")]),
        Field("tick_count_at_last_error", "Tick count at last error", 8, "int"),
        u32("accumulated_errors", "Accumulated errors"), u32("total_errors", "Total errors"),
        Field("deferred", "Deferred", 1, "int"), Field("padding2", "Padding", 3, "bytes"),
        u32("busy", "Busy"),
    ])


@dataclass(frozen=True)
class EntryLayout:
    name: str
    wrapper: Layout
    size: int  # whole entry: wrapper + descriptor + padding to 8 bytes


LAYOUTS = (EntryLayout("x64", _wrapper("WHEAP_INIT_ERROR_SOURCE (x64)", 8), 0x430),
           EntryLayout("x86", _wrapper("WHEAP_INIT_ERROR_SOURCE (x86)", 4), 0x420))
X64_ENTRY = LAYOUTS[0].wrapper
assert all(lay.wrapper.size + error_source.DESCRIPTOR_SIZE <= lay.size for lay in LAYOUTS)


@dataclass
class SourceEntry:
    index: int
    offset: int
    length: int
    node: FieldNode
    wrapper: dict
    descriptor: dict

    @property
    def type_name(self) -> str:
        return self.descriptor.get("type_name") or error_source.SOURCE_TYPE.get(
            self.wrapper.get("type"), "Unknown")


@dataclass
class Table:
    layout: EntryLayout | None
    entries: list[SourceEntry] = field(default_factory=list)
    used: int = 0  # bytes the entries cover


def choose_layout(length: int, count: int | None) -> tuple[EntryLayout, bool]:
    """(layout, whether the table is a whole number of its entries) for a table of ``length``
    bytes declaring ``count`` sources."""
    if count:
        for lay in LAYOUTS:
            if lay.size * count == length:
                return lay, True
    for lay in LAYOUTS:
        if length and length % lay.size == 0:
            return lay, True
    return LAYOUTS[0], False


def decode_table(buf: bytes, start: int, end: int, parent: FieldNode, add, *, where: str,
                 count: int | None, declared_length: int | None) -> Table:
    """Decode the entries of the table in ``buf[start:end]`` into ``parent``. ``add(level,
    message, offset, length, code)`` records a finding; messages start with ``where`` (the
    file and event) and name the byte offset within the table."""
    length = max(0, end - start)
    if declared_length is not None and declared_length != length:
        short = declared_length > length
        add(ERROR if short else NOTE,
            f"{where}: ErrorSourceTableLength is {declared_length} but the table holds {length} "
            "bytes" + ("; the table is truncated" if short else ""),
            start, length, "truncated" if short else "length")
    lay, whole = choose_layout(length, count)
    table = Table(lay)
    fits = length // lay.size
    if not whole:
        add(WARNING, f"{where}: the table's {length} bytes are not a whole number of error-source "
                     f"entries ({LAYOUTS[0].size} bytes on x64, {LAYOUTS[1].size} on x86); read "
                     f"as x64, {length - fits * lay.size} bytes left over at table byte "
                     f"{fits * lay.size}", start, length, "error-source-layout")
    wanted = count if count is not None else fits
    if count is not None and count > fits:
        add(ERROR, f"{where}: ErrorSourceCount is {count} but {length} bytes hold only {fits} "
                   f"entr{'y' if fits == 1 else 'ies'} of {lay.size} bytes ({lay.name} layout); "
                   f"{min(fits, MAX_SOURCES)} decoded", start, length, "count")
    elif count is not None and count < fits:
        add(WARNING, f"{where}: ErrorSourceCount is {count} but the table holds {fits} entries; "
                     f"the {fits - count} after the count are shown as unused bytes",
            start + count * lay.size, length - count * lay.size, "count")
    if min(wanted, fits) > MAX_SOURCES:
        add(ERROR, f"{where}: {min(wanted, fits)} error sources exceed the {MAX_SOURCES} this "
                   f"reader decodes; the first {MAX_SOURCES} are shown", start, length, "count")
    n = min(wanted, fits, MAX_SOURCES)
    for i in range(n):
        off = start + i * lay.size
        table.entries.append(_entry(buf, off, off + lay.size, lay, i, parent, add, where, start))
    table.used = n * lay.size
    return table


def _entry(buf, off, end, lay: EntryLayout, i, parent, add, where, start) -> SourceEntry:
    node = parent.add(FieldNode(f"error_source_{i}", f"Error source {i}", None, "", off,
                                end - off, kind="struct"))
    wnode = node.add(FieldNode("kernel_entry", "Kernel error-source entry (WHEAP_ERROR_SOURCE, "
                               "undocumented)", None, lay.name, off, lay.wrapper.size, kind="struct"))
    wrapper, _ = lay.wrapper.decode(buf, off, end, wnode)
    at = f"{where}, error source {i} at table byte {off - start}"
    # (zero: a source the kernel did not allocate from pool, e.g. the BOOT source, which holds
    # no records: seen in real tables)
    if wrapper.get("pool_tag") not in (POOL_TAG, bytes(4), None):
        add(WARNING, f"{at}: pool tag is {_printable(wrapper['pool_tag'])!r}, not 'Whea': this "
                     "entry may not be a kernel error-source entry (another layout, or damaged bytes)",
            off + lay.wrapper.offsets["pool_tag"], 4, "error-source-entry")
    dpos = off + lay.wrapper.size
    desc = error_source.decode_descriptor(buf, dpos, end, node, add, at)
    stype = desc.get("type")
    if stype is not None and wrapper.get("type") is not None and stype != wrapper["type"]:
        add(WARNING, f"{at}: the kernel entry says type {wrapper['type']} but its descriptor "
                     f"says {stype} ({error_source.SOURCE_TYPE.get(stype, 'Unknown')})",
            off + lay.wrapper.offsets["type"], 4, "error-source-entry")
    pad = dpos + error_source.DESCRIPTOR_SIZE
    if pad < end:
        raw = bytes(buf[pad:end])
        node.add(FieldNode("padding", "Alignment padding", raw, f"{end - pad} bytes", pad, end - pad,
                           kind="bytes"))
    entry = SourceEntry(i, off - start, end - off, node, _plain(wrapper), desc)
    sid = desc.get("error_source_id")
    node.display = f"{entry.type_name} source" + (f" {sid}" if sid is not None else "")
    return entry


def _printable(raw: bytes) -> str:
    return "".join(chr(c) if 32 <= c < 127 else "?" for c in raw)


def _plain(values: dict) -> dict:
    """The entry's JSON: as the WheaInit payload writes it (decode/whlg_payloads.py)."""
    out = {}
    for k, v in values.items():
        if k.startswith("padding"):
            continue
        if isinstance(v, (bytes, bytearray)):
            v = bytes(v).hex() if k == "list_entry" else ascii_text(v)
        out[k] = v
    return out
