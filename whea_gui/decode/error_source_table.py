"""A Kernel-WHEA Event ID 5 ErrorSourceTable as an item of its own (kind "error_source_table").

Not an error record: the list of error sources Windows registered when WHEA started. The
event reader (sources/winevent.py) yields the table's bytes with ``source["format"]`` set to
``KIND`` and the event's own values (``ErrorSourceCount``, ``ErrorSourceTableLength``,
``ErrorRecordFormat``) in ``source["error_source_table"]``. Each error source becomes one entry
of ``sections`` (its kernel entry and descriptor in ``fields``, located by byte offset), so the
tree, hex view, findings, lists and JSON work as for other kinds; ``header`` holds the table's
facts. The layout is ``formats.error_source_table``.
"""

from __future__ import annotations

from collections import Counter

from ..core.model import NOTE, DecodedRecord, DecodedSection, FieldNode, new_record
from ..formats import error_source_table as est

KIND = "error_source_table"  # also its source["format"] (sources/winevent.py TABLE_FORMAT)


def decode_error_source_table(data: bytes, *, source: dict | None = None) -> DecodedRecord:
    rec = new_record(data, KIND, "error_source_table", "WHEA error source table", source, _decode)
    rec.summary = table_summary(rec)
    return rec


def _declared(source: dict, key: str) -> int | None:
    value = (source.get("error_source_table") or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def where_of(source: dict) -> str:
    """The file and event the table came from, for messages."""
    path = source.get("path") or "(input)"
    rid = source.get("event_record_id")
    event = f"event record {rid} (Event ID {source.get('event_id', 5)})" if rid is not None else "Event ID 5"
    return f"{path}: {event} ErrorSourceTable"


def _decode(rec: DecodedRecord, buf: bytes, n: int) -> None:
    source = rec.source
    count = _declared(source, "error_source_count")
    declared = _declared(source, "error_source_table_length")
    table = est.decode_table(buf, 0, n, rec.root, rec.add_finding, where=where_of(source),
                             count=count, declared_length=declared)
    rec.header = {"error_source_count": count, "error_source_table_length": declared,
                  "error_record_format": _declared(source, "error_record_format"),
                  "layout": table.layout.name if table.layout else None,
                  "entry_size": table.layout.size if table.layout else None,
                  "entries": len(table.entries), "length": n}
    for e in table.entries:
        d = e.descriptor
        values = {"index": e.index, "offset": e.offset, "length": e.length,
                  "source_type": d.get("type", e.wrapper.get("type")),
                  "type_name": f"{e.type_name} error source",
                  "error_source_id": d.get("error_source_id"), "state_name": d.get("state_name")}
        rec.sections.append(DecodedSection(e.index, e.node, e.node.find("descriptor"), values,
                                           {"entry": e.wrapper, "descriptor": d},
                                           summary=_entry_summary(e)))
    rec.extent = n
    if table.used < n:
        rest = n - table.used
        rec.root.add(FieldNode("unused", "Bytes after the counted entries", bytes(buf[table.used:]),
                               f"{rest} bytes", table.used, rest, kind="gap"))
        if not any(f.code in ("error-source-layout", "count") for f in rec.findings):
            rec.add_finding(NOTE, f"{where_of(source)}: {rest} bytes after the last entry "
                                  f"(table byte {table.used})", table.used, rest, "trailing")


def _entry_summary(e: est.SourceEntry) -> str:
    d = e.descriptor
    parts = [f"{e.type_name} error source {d.get('error_source_id', '?')}"]
    if d.get("state_name"):
        parts.append(d["state_name"].lower())
    if d.get("flag_names"):
        parts.append(", ".join(d["flag_names"]))
    return "; ".join(parts)


def table_summary(rec: DecodedRecord) -> str:
    """"Error source table: 9 error sources (PCIe 3, CMC 1, ...)" — what the list shows."""
    kinds = Counter(s.values.get("type_name", "?").removesuffix(" error source") for s in rec.sections)
    n = len(rec.sections)
    listed = ", ".join(f"{k} {c}" for k, c in kinds.most_common())
    return (f"WHEA error source table: {n} error source{'s' if n != 1 else ''}"
            + (f" ({listed})" if listed else ""))
