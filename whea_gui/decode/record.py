"""Located decode of CPER records: header, descriptors, body placement and the §11 checks.

Decode what fits, flag the rest: every function here returns a (possibly partial) tree plus
findings and never raises on any input.
"""

from __future__ import annotations

import re
import struct
from typing import Any

from ..core import guids
from ..core.fields import Field, bit_nodes, bytes_text
from ..core.model import ERROR, NOTE, WARNING, DecodedRecord, DecodedSection, FieldNode, new_record
from ..core.sections import SectionContext, decode_body
from ..formats import cper
from ..formats.cper import (
    DESCRIPTOR_SIZE,
    HEADER,
    HEADER_SIZE,
    PERSISTENCE_BITS,
    PERSISTENCE_SIGNATURE,
)
from ..formats.timestamp import decode_timestamp
from .boundary import embedded_records
from .descriptor import (
    check_descriptor,
    decode_descriptor,
    descriptor_values,
    flag_names,
    revision_node,
    valid_bit_hook,
)

_U32 = struct.Struct("<I")
MAX_UNTRUSTED_DESCRIPTORS = 1024  # descriptors decoded when the header's SignatureEnd is wrong
_PRINTABLE = re.compile(rb"[\x20-\x7e]*")
_U16 = struct.Struct("<H")


# -- header --------------------------------------------------------------------------------
def _timestamp_node(f: Field, raw: bytes, off: int, creator: str, valid: bool, ts) -> FieldNode:
    if ts.value is not None:
        text = ts.value.isoformat(sep=" ")
        text += f" ({ts.reading}, {'precise' if ts.precise else 'imprecise'})"
    else:
        text = f"undecodable: {ts.problem}"
    if not valid:
        text = "(not valid) " + text
    if raw[3] & 0xFE:
        text += f" [reserved flag bits 0x{raw[3] & 0xFE:02X}]"
    labels = ("Seconds", "Minutes", "Hours", "Day", "Month", "Year", "Century")
    names = ("seconds", "minutes", "hours", "day", "month", "year", "century")

    def make(_n):
        kids = []
        parts = ts.parts if ts.encoding in ("bcd", "binary") else ()
        for i, (pos, name, label) in enumerate(zip((0, 1, 2, 4, 5, 6, 7), names, labels)):
            if parts:
                kids.append(FieldNode(name, label, parts[i], f"{parts[i]} (0x{raw[pos]:02X})",
                                      off + pos, 1))
        kids.append(FieldNode("precise", "Precise", int(ts.precise),
                              "set" if ts.precise else "clear", off + 3, 1, bit_offset=0,
                              bit_width=1, kind="bit",
                              description="Set: the time is when the error happened; clear: when it was collected"))
        kids.extend(bit_nodes((), raw[3], off + 3, 1, reserved_mask=0xFE))
        return kids

    return FieldNode(f.name, f.label, ts.iso, text, off, 8, kind="timestamp",
                     description="Local time; BCD per UEFI, binary in Windows records",
                     make_children=make, valid=valid)


def _persistence_node(f: Field, value: int, off: int) -> FieldNode:
    sig = value & 0xFFFF
    if value == 0:
        disp = "0 (not persisted)"
    elif sig == PERSISTENCE_SIGNATURE:
        disp = (f"0x{value:016X} (ER, stored length {(value >> 16) & 0xFFFFFF}, "
                f"identifier {(value >> 40) & 0xFFFF})")
    else:
        disp = f"0x{value:016X}"
    make = None
    if sig == PERSISTENCE_SIGNATURE:
        def make(_n):
            return bit_nodes(PERSISTENCE_BITS, value, off, 8)
    return FieldNode(f.name, f.label, value, disp, off, 8, kind="hex",
                     description="WHEA_PERSISTENCE_INFO (decoded when it starts with \"ER\")",
                     make_children=make)


def _decode_header(rec: DecodedRecord, buf: bytes, n: int) -> dict[str, Any]:
    header = rec.root.add(FieldNode("header", "Record header", None, "", 0, min(HEADER_SIZE, n),
                                    kind="struct"))
    creator = guids.guid_text(buf[64:80]) if n >= 80 else ""
    valid_bits = _U32.unpack_from(buf, 16)[0] if n >= 20 else 0
    holder: dict[str, Any] = {"ts": decode_timestamp(buf[24:32], creator) if n >= 32 else None}

    def ts_hook(f, v, off):
        return _timestamp_node(f, v, off, creator, bool(valid_bits & 2), holder["ts"])

    hooks = {"timestamp": ts_hook, "revision": revision_node, "persistence_info": _persistence_node,
             "platform_id": valid_bit_hook(valid_bits, 1),
             "partition_id": valid_bit_hook(valid_bits, 4)}
    values, count = HEADER.decode(buf, 0, n, header, hooks, lazy=True)
    header.display = f"{count} of {len(HEADER.fields)} fields" if count < len(HEADER.fields) else ""
    values["_ts"] = holder.get("ts")
    values["_creator"] = creator
    return values


def _check_header(rec: DecodedRecord, v: dict[str, Any], n: int) -> None:
    add = rec.add_finding
    if n < HEADER_SIZE:
        add(ERROR, f"Record is {n} bytes; a CPER record header needs {HEADER_SIZE} "
                   "(truncated: only the fields shown could be read)", 0, n, "header-truncated")
    if "signature_start" in v and v["signature_start"] != cper.SIGNATURE:
        add(ERROR, f'Signature is {bytes_text(v["signature_start"])}, expected "CPER": '
                   "not a CPER record, so no other field is checked", 0, 4, "signature")
        return
    if "revision" in v and v["revision"] not in cper.KNOWN_REVISIONS:
        major = v["revision"] >> 8
        level = WARNING if major not in (1, 2) else NOTE
        add(level, f"Unusual record revision {cper.revision_text(v['revision'])} "
                   f"(0x{v['revision']:04X}); known: 1.0, 1.1, 2.1, 2.4, 2.16", 4, 2, "revision")
    if "signature_end" in v and v["signature_end"] != cper.SIGNATURE_END:
        add(ERROR, f"SignatureEnd is 0x{v['signature_end']:08X}, expected 0xFFFFFFFF", 6, 4,
            "signature-end")
    if "section_count" in v and v["section_count"] == 0:
        add(ERROR, "SectionCount is 0; a record must contain at least one section", 10, 2,
            "section-count-zero")
    if "severity" in v and v["severity"] > 3:
        add(WARNING, f"Record severity {v['severity']} is undefined (0–3)", 12, 4, "severity")
    if "valid_bits" in v and v["valid_bits"] & ~7:
        add(WARNING, f"Reserved validation bits set (0x{v['valid_bits']:08X})", 16, 4, "reserved")
    if "flags" in v and v["flags"] & 0xFFFFFE00:
        add(WARNING, f"Reserved header flag bits set (0x{v['flags']:08X})", 104, 4, "reserved")
    if "reserved" in v:
        res = bytes(v["reserved"])
        if any(res[4:]) or (any(res[:4]) and v.get("_creator") not in guids.WINDOWS_CREATORS):
            add(WARNING, "Reserved header bytes 116–127 are not zero", 116, 12, "reserved")
    ts = v.get("_ts")
    if ts is not None and len(ts.raw) == 8 and ts.raw[3] & 0xFE:
        add(WARNING, f"Timestamp flag byte has reserved bits set (0x{ts.raw[3]:02X})", 27, 1,
            "reserved")
    if ts is not None and v.get("valid_bits", 0) & 2:
        if ts.value is None:
            add(WARNING, f"Timestamp is marked valid but cannot be decoded: {ts.problem}", 24, 8,
                "timestamp")
        elif ts.problem:
            add(WARNING, f"Timestamp looks wrong: {ts.problem}", 24, 8, "timestamp")
        elif ts.note:
            add(NOTE, f"Timestamp: {ts.note}", 24, 8, "timestamp-century")
    if "persistence_info" in v:
        p = v["persistence_info"]
        if p and p & 0xFFFF != PERSISTENCE_SIGNATURE:
            add(WARNING, "PersistenceInfo is not zero but does not start with the \"ER\" signature",
                108, 8, "persistence")
        elif p and p >> 59:
            add(WARNING, "PersistenceInfo reserved bits 59–63 are set", 108, 8, "persistence")


def record_extent(buf: bytes) -> int:
    """Bytes that belong to the record at the start of ``buf`` (RecordLength when usable)."""
    n = len(buf)
    if n < HEADER_SIZE:
        return n
    length = _U32.unpack_from(buf, 20)[0]
    count = _U16.unpack_from(buf, 10)[0]
    if HEADER_SIZE + DESCRIPTOR_SIZE * max(count, 1) <= length <= n:
        return length
    end = HEADER_SIZE
    for i in range(count):
        d = HEADER_SIZE + DESCRIPTOR_SIZE * i
        if d + DESCRIPTOR_SIZE > n:
            break
        end = d + DESCRIPTOR_SIZE
        so, sl = struct.unpack_from("<II", buf, d)
        if end <= so < n:
            end = max(end, min(so + sl, n))
    return max(end, min(length, n) if length >= HEADER_SIZE else end)


def decode_record(data: bytes, *, source: dict | None = None, bodies: bool = True) -> DecodedRecord:
    """See ``_decode_record``; records a reader could not wholly read are marked."""
    rec = _decode_record(data, source=source, bodies=bodies)
    if source and source.get("unread"):
        _mark_unread(rec, source)
        _unread_locations(rec, [(u[0], u[0] + u[1]) for u in source["unread"] if u[1] > 0])
    if source and source.get(DAMAGED_CHUNK):
        _mark_damaged_chunk(rec, source[DAMAGED_CHUNK])
    return rec


def _decode_record(data: bytes, *, source: dict | None = None, bodies: bool = True) -> DecodedRecord:
    """Decode the record at the start of ``data``. Never raises.

    ``source["format"]`` (or ``source["kind"]``) "gesb", "section" or "error_source_table"
    routes to the status-block, single-section or error-source-table decoder; otherwise the
    bytes' own signature decides.

    Bytes after the record's extent are shown as trailing data (a note), never dropped.
    ``bodies=False`` locates section bodies but leaves them raw (header+descriptor decode).
    """
    buf = bytes(data)
    fmt = (source or {}).get("format") or (source or {}).get("kind")
    if fmt == "gesb":  # ACPI status block (BERT / GHES), not a CPER record
        from .gesb_record import decode_gesb
        return decode_gesb(buf, source=source)
    if fmt == "section":  # one descriptor + body (libcper single section, Redfish CPERSection)
        from .single_section import decode_single_section
        return decode_single_section(buf, source=source)
    if fmt == "error_source_table":  # Kernel-WHEA Event ID 5's list of error sources
        from .error_source_table import decode_error_source_table
        return decode_error_source_table(buf, source=source)
    if buf[:4] == b"WhLg":
        from .whlg import decode_whlg
        return decode_whlg(buf, source=source)
    rec = new_record(buf, "cper", "record", "CPER record", source,
                     lambda rec, b, size: _decode_cper(rec, b, size, bodies))
    if (source or {}).get("recoverable"):
        _mark_recoverable(rec, source)
    return rec


def _unread_locations(rec: DecodedRecord, ranges: list[tuple[int, int]]) -> None:
    """A section's location keys read from bytes the input did not give (read as 00) are no
    place: they leave ``location`` (so its JSON, the timeline's fault keys and the explanation
    never name a made-up socket, bank or address). Only sections holding such bytes are walked."""
    from .explain.location import ALIASES  # the field names a location key is read from

    for sec in rec.sections:
        if not sec.location or sec.body is None:
            continue
        lo, hi = sec.body.offset, sec.body.offset + sec.body.length
        hits = [(a, b) for a, b in ranges if a < hi and lo < b]
        if not hits:
            continue
        names: set[str] = set()
        stack = [sec.body]
        while stack:
            node = stack.pop()
            inner = [c for c in node.children if c.kind != "bit" and c.bit_width is None]
            if not inner and any(a < node.offset + max(node.length, 1) and node.offset < b for a, b in hits):
                names.add(node.name)  # a value field (not a structure) over unread bytes
            stack.extend(inner)
        kept = {k: v for k, v in sec.location.items()
                if k not in names and not names.intersection(ALIASES.get(k, ()))}
        sec.unread_keys = tuple(k for k in sec.location if k not in kept)
        sec.location = kept


def _mark_unread(rec: DecodedRecord, source: dict) -> None:
    """Bytes a text reader could not read (a redacted ``xx`` in a hex dump, sources/hextext.py)
    and put in as 00 so the others keep their places: every field over them is not from the
    input, and the record says so at those bytes."""
    listed = source["unread"]
    for offset, length, line, column, token, dump in listed:
        at = f" (dump offset 0x{dump:x})" if dump is not None else ""
        what = f"byte {offset}" if length == 1 else f"bytes {offset}–{offset + length - 1}"
        if source.get("encoding") == "base64":  # the token says what is wrong with the line
            why = f"line {line}, column {column}: {token or 'a damaged base64 line'}"
        elif not token:  # no line gave them: the dump's offsets skip a row (sources/hextext.py)
            why = f"the dump has no line for them (line {line}, after the gap, is placed by its offset)"
        else:
            # an event's binary field has no lines: a character offset in its text
            place = (f"{source.get('field') or 'the field'} at character offset {column}" if line is None else
                     f"line {line}" + (f", column {column}" if column else " (a '*' line)"))
            why = f"{place} shows {token!r}, which is not hex"
        verb, it = ("is", "it") if length == 1 else ("are", "them")
        rec.add_finding(ERROR, f"{what}{at} {verb} not from the input: {why}; read as 00, so a field "
                               f"over {it} is not the real value", offset, length, "bytes-unread")
    total = source.get("unread_bytes", 0)
    shown = sum(u[1] for u in listed)
    if total > shown:
        unreadable = "base64" if source.get("encoding") == "base64" else "hex"
        rec.add_finding(ERROR, f"{total - shown} more bytes are not from the input (unreadable {unreadable}, "
                               "read as 00)", 0, 0, "bytes-unread")


# the provenance key the evtx reader sets on an item from a chunk whose checksum fails
# (sources/evtx_log.CHECKSUM_FLAG; the decoder does not import the readers)
DAMAGED_CHUNK = "chunk_checksum_fails"


def _mark_damaged_chunk(rec: DecodedRecord, chunk) -> None:
    """Bytes read from an event-log chunk whose checksum fails: they decode as they are, but any
    of them may be damaged, which the record says (the reader's problem is printed once; the
    finding stays with the record in JSON, a store, a report)."""
    where = ""
    if isinstance(chunk, dict) and isinstance(chunk.get("chunk"), int) and isinstance(chunk.get("offset"), int):
        where = f" (chunk {chunk['chunk']}, at byte {chunk['offset']} of the .evtx)"
    rec.add_finding(WARNING, f"from an event-log chunk whose checksum fails{where}: its bytes may be "
                             "damaged, so any field may not be the value written", 0, len(rec.data),
                    "event-chunk-checksum")


def _mark_recoverable(rec: DecodedRecord, source: dict) -> None:
    """A record a platform container still holds after a clear or delete (sources/erst.py,
    sources/uefi_varstore.py): said in the findings, so nobody mistakes it for a live one."""
    state = source.get("state") or "cleared"
    where = (f"variable {source['variable']}" if source.get("variable") else
             f"slot {source['slot']}" if source.get("slot") is not None else "its container")
    rec.add_finding(NOTE, f"{state}, recoverable: this record was {state} from the store "
                          f"({where}); its bytes remain but the platform no longer holds it as a "
                          "record", 0, min(len(rec.data), 128), "record-recoverable")


def _decode_cper(rec: DecodedRecord, buf: bytes, n: int, bodies: bool = True) -> None:
    hv = _decode_header(rec, buf, n)
    _check_header(rec, hv, n)
    rec.header = _header_json(hv)
    if n < HEADER_SIZE:
        rec.extent = n
        _summarise(rec)
        return
    if hv["signature_start"] != cper.SIGNATURE:
        # Not a CPER record: reading descriptors out of random bytes only adds noise.
        rec.root.add(FieldNode("unparsed", "Not decoded", None, f"{n - HEADER_SIZE} bytes",
                               HEADER_SIZE, n - HEADER_SIZE, kind="gap"))
        rec.extent = n
        rec.summary = "Not a CPER record (no \"CPER\" signature)"
        return
    count = hv["section_count"]
    length = hv["length"]
    desc_end = HEADER_SIZE + DESCRIPTOR_SIZE * count
    if length > n:
        rec.add_finding(ERROR, f"RecordLength is {length} but only {n} bytes are present "
                               f"(truncated by {length - n} bytes)", 20, 4, "truncated")
    if length < desc_end:
        rec.add_finding(ERROR, f"RecordLength {length} is smaller than the header and "
                               f"{count} descriptors ({desc_end} bytes)", 20, 4, "length-too-small")
    bound = length if desc_end <= length <= n else n
    creator = hv["_creator"]
    windows = creator in guids.WINDOWS_CREATORS

    descs: list[tuple[FieldNode, dict, int]] = []
    first_body = bound
    walk = count
    if hv["signature_end"] != cper.SIGNATURE_END and count > MAX_UNTRUSTED_DESCRIPTORS:
        # A header this damaged is likely not a record at all: its SectionCount must not turn
        # filler into tens of thousands of sections.
        walk = MAX_UNTRUSTED_DESCRIPTORS
        rec.add_finding(ERROR, f"SectionCount is {count} in a header whose SignatureEnd is wrong; "
                               f"only the first {walk} descriptors are decoded", 10, 2,
                        "output-limit")
    for i in range(walk):
        doff = HEADER_SIZE + DESCRIPTOR_SIZE * i
        if doff >= first_body and descs:
            rec.add_finding(ERROR, f"SectionCount is {count} but section data begins at offset "
                                   f"{first_body}, so only {len(descs)} descriptor(s) are present",
                            10, 2, "section-count")
            break
        if doff + DESCRIPTOR_SIZE > n:
            rec.add_finding(ERROR, f"SectionCount is {count} but descriptor {i} (offset {doff}) "
                                   f"does not fit in the {n} bytes present", doff,
                            max(0, n - doff), "descriptor-truncated")
            if doff < n:
                node, dv, _ = decode_descriptor(rec, buf, doff, n, i, windows)
                rec.root.add(node)
            break
        node, dv, _ = decode_descriptor(rec, buf, doff, n, i, windows)
        rec.root.add(node)
        descs.append((node, dv, doff))
        so = dv["section_offset"]
        if HEADER_SIZE + DESCRIPTOR_SIZE <= so < first_body:
            first_body = so
    _decode_bodies(rec, buf, n, descs, count, length, creator, bodies)
    rec.extent = record_extent(buf)
    end_used = max([rec.extent] + [d[2] + DESCRIPTOR_SIZE for d in descs])
    if end_used < n:
        rec.root.add(FieldNode("trailing", "Trailing bytes", None,
                               f"{n - end_used} bytes after the record", end_used, n - end_used,
                               kind="gap"))
        rec.add_finding(NOTE, f"{n - end_used} bytes follow the record's end (offset {end_used})",
                        end_used, n - end_used, "trailing")
    _severity_consistency(rec)
    _memory_address_consistency(rec)
    _summarise(rec)


def _decode_bodies(rec, buf, n, descs, count, length, creator, bodies=True) -> None:
    # With a SectionCount larger than the descriptors present, judge by those present.
    desc_end = HEADER_SIZE + DESCRIPTOR_SIZE * min(count, max(len(descs), 1))
    fmp = creator == guids.LINUX_FMP_CREATOR
    ranges: list[tuple[int, int, int]] = []
    decoded: dict[tuple, DecodedSection] = {}
    for i, (dnode, dv, doff) in enumerate(descs):
        check_descriptor(rec, dv, doff, i)
        sv = descriptor_values(dv, i)
        section = DecodedSection(i, dnode, None, sv)
        rec.sections.append(section)
        so, sl = dv["section_offset"], dv["section_length"]
        if fmp and so == HEADER_SIZE and count >= 1:
            # Linux FMPM writes offset 128 though the body follows the descriptors (C17)
            rec.add_finding(NOTE, f"Descriptor {i}: Linux FMP record; SectionOffset 128 taken as "
                                  f"{desc_end} (known Linux quirk)", doff, 8, "fmp-offset")
            sl = min(sl, max(0, length - desc_end))
            so = desc_end
        if sl == 0:
            rec.add_finding(ERROR, f"Descriptor {i}: SectionLength is 0", doff + 4, 4, "length-zero")
            continue
        if so < desc_end:
            rec.add_finding(ERROR, f"Descriptor {i}: SectionOffset {so} points into the header or "
                                   f"descriptors (which end at {desc_end})", doff, 4,
                            "offset-overlaps-header")
            continue
        end = so + sl  # Python ints: no 32-bit overflow
        if end > length:
            rec.add_finding(ERROR, f"Descriptor {i}: section ends at {end}, beyond RecordLength "
                                   f"{length}", doff, 8, "section-beyond-length")
        if so >= n:
            rec.add_finding(ERROR, f"Descriptor {i}: SectionOffset {so} is beyond the {n} bytes "
                                   "present; the body is missing", doff, 4, "section-missing")
            continue
        avail = min(end, n) - so
        if end > n:
            rec.add_finding(ERROR, f"Descriptor {i}: body truncated, {avail} of {sl} bytes present",
                            so, avail, "section-truncated")
        tname = sv["type_name"]
        body = FieldNode(f"section_{i}", f"Section {i}: {tname}", None, f"{avail} bytes", so, avail,
                         kind="section")
        rec.root.add(body)
        section.body = body
        ranges.append((so, so + avail, i))
        if not bodies:
            continue
        # Descriptors that are the same bytes (after offset and length) and point at the very
        # same body share one decode: 65,535 such descriptors must not cost 65,535 decodes and
        # trees. The whole descriptor is in the key because decoders read its severity etc.
        key = (so, avail, sl, bytes(buf[doff + 8:doff + DESCRIPTOR_SIZE]))
        first = decoded.get(key)
        if first is None:
            decoded[key] = section
            decode_body(SectionContext(buf, so, avail, sl, body, rec, section, creator))
            _note_embedded(rec, buf, so, so + avail, i)
        else:
            _share_body(section, first)
    _check_placement(rec, ranges, desc_end, min(length, n) if length >= desc_end else n)


EMBEDDED_NOTED = 8  # embedded records named one by one per section; more are counted


def _note_embedded(rec: DecodedRecord, buf: bytes, start: int, end: int, index: int) -> None:
    """Name each whole record a section body holds (kept as part of it, ``boundary``), so an
    embedded fatal error is never invisible."""
    found, count = embedded_records(buf, start, end, EMBEDDED_NOTED)
    for at, length in found:
        if bytes(buf[at:at + 4]) == b"CPER":
            severity = struct.unpack_from("<I", buf, at + 12)[0]
            what = f"a whole CPER record at byte {at} ({cper.SEVERITY[severity]}, {length} bytes)"
        else:
            what = f"a whole WhLg entry at byte {at} ({length} bytes)"
        rec.add_finding(NOTE, f"Section {index} holds {what}; it is kept as part of the section "
                              "(decode those bytes on their own to read it)", at, length,
                        "embedded-record")
    if count > len(found):
        rec.add_finding(NOTE, f"Section {index} holds {count - len(found)} more whole records "
                              "after these", found[-1][0] + found[-1][1],
                        end - found[-1][0] - found[-1][1], "embedded-record")


def _share_body(section: DecodedSection, first: DecodedSection) -> None:
    """``section``'s body is ``first``'s bytes: reuse its decode instead of repeating it."""
    section.same_body_as = first.index
    section.fields = first.fields
    section.summary = first.summary
    section.component = first.component
    section.location = first.location
    section.body.description = (f"The same bytes as section {first.index}, decoded there "
                                "(not repeated here)")


def _check_placement(rec, ranges, desc_end, limit) -> None:
    ranges.sort()
    pos = min(desc_end, limit)
    prev = None
    for start, end, i in ranges:
        if prev is not None and start < prev[1]:
            rec.add_finding(ERROR, f"Section {i} (bytes {start}–{end - 1}) overlaps section "
                                   f"{prev[2]} (bytes {prev[0]}–{prev[1] - 1})", start,
                            min(end, prev[1]) - start, "overlap")
        elif start > pos:
            _gap(rec, pos, start)
        pos = max(pos, end)
        if prev is None or end > prev[1]:
            prev = (start, end, i)
    if limit > pos:
        _gap(rec, pos, limit)


def _gap(rec: DecodedRecord, start: int, end: int) -> None:
    rec.root.add(FieldNode(f"unused_{start}", "Unused bytes", None, f"{end - start} bytes",
                           start, end - start, kind="gap"))
    rec.add_finding(NOTE, f"{end - start} unused bytes at offset {start} (free space is allowed)",
                    start, end - start, "gap")


def _severity_consistency(rec: DecodedRecord) -> None:
    hs = rec.header.get("severity")
    secs = [s.values["severity"] for s in rec.sections if s.values.get("severity") is not None]
    if hs is None or not secs or hs not in cper.SEVERITY_RANK:
        return
    # each entry of a status block inside a section (a Microsoft generic section) is a section
    # with its own severity (ACPI Generic Error Data Entry)
    entries = [sev for s in rec.sections for _i, sev in s.entry_severities()]
    worse_entry = [e for e in entries if cper.SEVERITY_RANK.get(e, 0) > cper.SEVERITY_RANK[hs]]
    if worse_entry and not any(cper.SEVERITY_RANK.get(x, 0) > cper.SEVERITY_RANK[hs] for x in secs):
        worst = max(worse_entry, key=lambda x: cper.SEVERITY_RANK[x])
        rec.add_finding(WARNING, f"Record severity is {cper.severity_name(hs)} but an entry of a "
                                 f"section's error status block is {cper.severity_name(worst)}",
                        12, 4, "severity-mismatch")
        return
    worst = max(secs, key=lambda s: cper.SEVERITY_RANK.get(s, 0))
    if cper.SEVERITY_RANK.get(worst, 0) > cper.SEVERITY_RANK[hs]:
        rec.add_finding(WARNING, f"Record severity is {cper.severity_name(hs)} but a section is "
                                 f"{cper.severity_name(worst)}", 12, 4, "severity-mismatch")
    elif worst in cper.SEVERITY_RANK and cper.SEVERITY_RANK[worst] < cper.SEVERITY_RANK[hs] \
            and not any(cper.SEVERITY_RANK.get(e, 0) >= cper.SEVERITY_RANK[hs] for e in entries):
        # UEFI N.2.1: the record's severity is that of its most severe section
        rec.add_finding(WARNING, f"Record severity is {cper.severity_name(hs)} but no section is worse "
                                 f"than {cper.severity_name(worst)}", 12, 4, "severity-mismatch")


def _memory_address_consistency(rec: DecodedRecord) -> None:
    """Two memory sections of one record (e.g. Platform Memory and a Microsoft memory
    extension) that give different physical addresses describe different places."""
    seen: list[tuple[int, int, DecodedSection]] = []
    for s in rec.sections:
        addr = (s.location or {}).get("physical_address") if s.component == "memory" else None
        if not isinstance(addr, int):
            continue
        mask = (s.fields or {}).get("physical_address_mask") if isinstance(s.fields, dict) else None
        seen.append((addr, mask if isinstance(mask, int) and mask else -1, s))
    for (a, ma, sa), (b, mb, sb) in zip(seen, seen[1:]):
        if a & ma & mb != b & ma & mb:
            node = _field_with_value(sb.body, b, "address")
            where = (node.offset, node.length) if node is not None else \
                (sb.body.offset, sb.body.length) if sb.body is not None else (12, 4)
            rec.add_finding(WARNING, f"Sections {sa.index} and {sb.index} give different physical "
                                     f"addresses (0x{a:X} and 0x{b:X}): they name different memory "
                                     "locations", *where, "memory-address-mismatch")
            return


def _field_with_value(node: FieldNode | None, value: int, word: str, depth: int = 3) -> FieldNode | None:
    """The first field under ``node`` (breadth first, ``depth`` levels) whose name has ``word``
    and whose value is ``value``."""
    level = [node] if node is not None else []
    for _ in range(depth):
        level = [c for n in level for c in (n.children or ())]
        hit = next((c for c in level if word in c.name and c.value == value), None)
        if hit is not None:
            return hit
    return None


def _header_json(v: dict[str, Any]) -> dict[str, Any]:
    ts = v.get("_ts")
    vb = v.get("valid_bits", 0)
    out: dict[str, Any] = {
        "revision": v.get("revision"),
        "revision_text": cper.revision_text(v["revision"]) if "revision" in v else None,
        "section_count": v.get("section_count"),
        "severity": v.get("severity"),
        "severity_name": cper.severity_name(v["severity"]) if "severity" in v else None,
        "valid_bits": v.get("valid_bits"),
        "length": v.get("length"),
        "timestamp": ts.iso if ts is not None and vb & 2 else None,
        "timestamp_raw": ts.raw_hex if ts is not None else None,
        "timestamp_encoding": ts.encoding if ts is not None else None,
        "timestamp_precise": ts.precise if ts is not None else None,
        "platform_id": guids.guid_text(v["platform_id"]) if "platform_id" in v and vb & 1 else None,
        "partition_id": guids.guid_text(v["partition_id"]) if "partition_id" in v and vb & 4 else None,
        "creator_id": v.get("_creator") or None,
        "creator_name": None,
        "notify_type": guids.guid_text(v["notify_type"]) if "notify_type" in v else None,
        "notify_type_name": None,
        "record_id": v.get("record_id"),
        "flags": v.get("flags"),
        "flag_names": flag_names(cper.HEADER_FLAGS, v.get("flags", 0)),
        "persistence_info": v.get("persistence_info"),
    }
    if out["creator_id"]:
        out["creator_name"] = guids.name_of(out["creator_id"], "creator")
    if out["notify_type"]:
        out["notify_type_name"] = guids.name_of(out["notify_type"], "notify")
    p = v.get("persistence_info") or 0
    if p & 0xFFFF == PERSISTENCE_SIGNATURE:
        out["persistence"] = {"signature": "ER", "length": (p >> 16) & 0xFFFFFF,
                              "identifier": (p >> 40) & 0xFFFF, "attributes": (p >> 56) & 3,
                              "do_not_log": bool(p >> 58 & 1)}
    return out


def _summarise(rec: DecodedRecord) -> None:
    """Arrange for the summary to be made when first asked for."""
    rec._summarizer = _summarise_now


def _summarise_now(rec: DecodedRecord) -> None:
    """A one-line fallback summary; the explain module gives the full plain-language text."""
    from .explain import summarise_record  # imported when first needed: explain imports decode

    try:
        summarise_record(rec)
        return
    except Exception as exc:
        rec.add_finding(NOTE, f"Summary unavailable ({type(exc).__name__}: {exc})", 0, 0,
                        "internal")
    h = rec.header
    kinds = ", ".join(s.values.get("type_name") or "?" for s in rec.sections) or "no sections"
    rec.summary = f"{h.get('severity_name') or 'Unknown'} error record: {kinds}"
