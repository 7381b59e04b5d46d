"""Rows of ``whea_records``: the columnar index of records as SQL values, and back.

The header columns come from the vectorised header index (``RecordTable.from_records``), the
timeline columns (names, component, fault keys) from the decoded record — the same functions
``whea timeline`` uses (``index.faults.record_fault``, host prefix as in
``index.analysis.fault_columns``), so a query over the columns counts what the timeline counts.
"""

from __future__ import annotations

import json
import zlib

import numpy as np

from ..index import faults as _faults
from ..index.table import COLUMNS, RecordTable
from .results import signed

TIMELINE_COLUMNS = ("notify_name", "section_name", "component", "location", "page_key",
                    "dimm_key", "cpu_key", "summary", "sections")


def timeline_fields(rec, host: str) -> dict:
    """What the timeline groups a decoded record by. ``host`` is the store's key host: a record
    read back from the store carries it as its source host, so the prefix matches the timeline's
    (no host: the record's PlatformID, as ``faults.host_of`` falls back to)."""
    comp, key, scopes = _faults.record_fault(rec)
    prefix = host or _faults.host_of({}, rec.header)

    def prefixed(value):
        if not value:
            return None
        return f"{prefix} | {value}" if prefix else value

    first = rec.sections[0].values if rec.sections else {}
    return {
        "notify_name": (rec.header or {}).get("notify_type_name") or None,
        "section_name": first.get("type_name") or None,
        "component": _faults.COMPONENT_LABELS.get(comp, comp.upper()) if comp else None,
        "location": prefixed(key),
        "page_key": prefixed(scopes.get("page")),
        "dimm_key": prefixed(scopes.get("dimm")),
        "cpu_key": prefixed(scopes.get("cpu")),
        "summary": rec.summary or None,
        "sections": section_rows(rec),
    }


def section_rows(rec) -> list[dict]:
    """Per section: index, type GUID and name, component, fault key, location fields, summary,
    severity — the Parquet sections table's rows (JSON-safe values)."""
    out = []
    for sec in rec.sections:
        comp = sec.component or _faults.component_of_section_type(sec.values.get("type"))
        sev = sec.values.get("severity")
        out.append({"index": sec.index, "type": sec.values.get("type") or None,
                    "type_name": sec.values.get("type_name") or None, "component": comp or None,
                    "location": _faults.location_key(comp, sec.location) or None,
                    "location_fields": json.dumps(sec.location, default=str, sort_keys=True)
                    if sec.location else None,
                    "severity": sev if isinstance(sev, int) else None,
                    "summary": sec.summary or None})
    return out


def index_rows(datas: list[bytes], sources: list[dict], hosts: list[str], now: int,
               timeline: list[dict], inserted_at: list[int] | None = None) -> list[tuple]:
    """One tuple per record in ``pg_schema.INDEX_COLUMNS`` order."""
    from psycopg.types.json import Jsonb  # only the PostgreSQL store writes these rows

    table = RecordTable.from_records(zip(datas, sources))
    c = table.columns
    out = []
    for i, data in enumerate(datas):
        types = list(table.type_lists[c["section_types"][i]]) if c["section_types"][i] >= 0 else []
        ts = int(c["timestamp"][i])
        ev = int(c["event_time"][i])
        tl = timeline[i]
        out.append((
            hosts[i], signed(int(c["record_id"][i])), ts if ts >= 0 else None,
            int(c["time_source"][i]), ev if ev >= 0 else None, int(c["severity"][i]),
            table.string(int(c["notify"][i])), table.string(int(c["creator"][i])), types,
            int(c["section_count"][i]), len(data), int(c["flags"][i]), int(c["kind"][i]),
            int(c["problems"][i]), table.string(int(c["path"][i])), int(c["offset"][i]),
            now if inserted_at is None or inserted_at[i] < 0 else inserted_at[i],
            *(Jsonb(tl[k]) if k == "sections" else tl[k] for k in TIMELINE_COLUMNS)))
    return out


def crc32(data: bytes) -> int:
    return zlib.crc32(data)


# -- back to a RecordTable --------------------------------------------------------------
TABLE_SELECT = ("record_id, coalesce(ts, -1), time_source, coalesce(event_time, -1), severity, "
                "notify, creator, section_types, section_count, length, flags, kind, problems, "
                "src_path, src_offset, host, inserted_at")


def table_from_rows(rows: list[tuple]) -> RecordTable:
    """A RecordTable from rows selected with ``TABLE_SELECT`` (string codes built here)."""
    n = len(rows)
    cols = {name: np.zeros(n, code) for name, code in COLUMNS}
    strings: dict[str, int] = {}
    lists: dict[tuple, int] = {}

    def code(text) -> int:
        return -1 if text is None or text == "" else strings.setdefault(text, len(strings))

    for i, r in enumerate(rows):
        cols["record_id"][i] = r[0] + (1 << 64) if r[0] < 0 else r[0]
        cols["timestamp"][i], cols["time_source"][i], cols["event_time"][i] = r[1], r[2], r[3]
        cols["severity"][i] = r[4]
        cols["notify"][i], cols["creator"][i] = code(r[5]), code(r[6])
        cols["section_types"][i] = lists.setdefault(tuple(r[7] or ()), len(lists))
        cols["section_count"][i], cols["length"][i], cols["flags"][i] = r[8], r[9], r[10]
        cols["kind"][i], cols["problems"][i] = r[11], r[12]
        cols["path"][i], cols["offset"][i] = code(r[13]), r[14]
        cols["host"][i], cols["inserted_at"][i] = code(r[15]), r[16]
    return RecordTable(cols, list(strings), list(lists))
