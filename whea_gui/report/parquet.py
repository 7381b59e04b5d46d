"""Parquet export for analytics engines (DuckDB, Spark, Polars): two tables, Hive-partitioned.

``FOLDER/records/host=H/date=YYYY-MM-DD/part-N.parquet`` — one row per record;
``FOLDER/sections/host=H/date=YYYY-MM-DD/part-N.parquet`` — one row per section.
A record without a host or a time lands in ``__HIVE_DEFAULT_PARTITION__`` (read back as NULL).
The columns (docs/fleet.md lists them) are the timeline's own: ``ts``/``time`` is the record's
time as ``whea timeline`` takes it (own timestamp, else the event time), and ``location``,
``page_key``, ``dimm_key``, ``cpu_key`` are the fault keys it groups and counts thresholds by
(prefixed with the host), so a query over the export reproduces its counts and crossings;
``seq`` is the input order, which breaks ties at the same second as the timeline does.
``host`` is the partition key: the host name itself, except that a name whose folder name
would be too long or unsafe (over PARTITION_HOST_CHARS once %-encoded, or holding control
characters) is shortened to its start plus ``~`` and a hash of the whole name, so one odd host
cannot make the export fail; ``host_name`` always holds the full name.

From a PostgreSQL store the export reads the columns the store computed when each record was
written (a server-side cursor, no decoding); from anything else it decodes each record.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

from ..core import guids
from ..decode import decode_record
from ..index import faults as _faults
from ..index.table import SEVERITY_NAMES
from ..store.pg_rows import timeline_fields
from ..store.store import host_of

CHUNK = 250_000  # rows per written part (bounded memory: a few hundred MB)
PARTITION_HOST_CHARS = 120  # %-encoded host in a folder name (NAME_MAX is 255 bytes)
MAX_PARTITIONS = 1 << 22  # host x date folders one part may touch (pyarrow's default is 1024)


def _schemas():
    import pyarrow as pa

    records = pa.schema([
        ("seq", pa.int64()), ("host", pa.string()), ("host_name", pa.string()),
        ("date", pa.string()), ("provenance", pa.string()), ("provenance_offset", pa.int64()),
        ("time", pa.timestamp("s", tz="UTC")), ("ts", pa.int64()), ("time_source", pa.string()),
        ("severity", pa.int8()), ("severity_name", pa.string()),
        ("notify", pa.string()), ("notify_name", pa.string()),
        ("creator", pa.string()), ("creator_name", pa.string()),
        ("record_id", pa.uint64()), ("section_types", pa.list_(pa.string())),
        ("section_names", pa.list_(pa.string())), ("component", pa.string()),
        ("location", pa.string()), ("page_key", pa.string()), ("dimm_key", pa.string()),
        ("cpu_key", pa.string()), ("summary", pa.string()), ("length", pa.int32()),
    ])
    sections = pa.schema([
        ("seq", pa.int64()), ("host", pa.string()), ("host_name", pa.string()),
        ("date", pa.string()), ("record_id", pa.uint64()), ("section_index", pa.int16()), ("type", pa.string()),
        ("type_name", pa.string()), ("component", pa.string()), ("location", pa.string()),
        ("location_fields", pa.string()), ("severity", pa.int8()), ("summary", pa.string()),
    ])
    return records, sections


@dataclass
class ExportResult:
    folder: str
    records: int = 0
    sections: int = 0
    parts: int = 0


class _Columns:
    """Rows gathered column by column, written as one part per CHUNK rows."""

    def __init__(self, schema) -> None:
        self.schema = schema
        self.cols: dict[str, list] = {name: [] for name in schema.names}
        self.n = 0
        self.written = 0  # rows written in parts so far

    def add(self, row: dict) -> None:
        for name, col in self.cols.items():
            col.append(row.get(name))
        self.n += 1

    def flush(self, folder: str, part: int) -> None:
        import pyarrow as pa
        import pyarrow.dataset as ds

        if not self.n:
            return
        table = pa.Table.from_pydict(self.cols, schema=self.schema)
        ds.write_dataset(table, folder, format="parquet", partitioning=["host", "date"],
                         partitioning_flavor="hive", basename_template=f"part-{part}-{{i}}.parquet",
                         existing_data_behavior="overwrite_or_ignore",
                         max_partitions=MAX_PARTITIONS)
        self.written += self.n
        self.cols = {name: [] for name in self.schema.names}
        self.n = 0


def partition_host(host: str | None) -> str | None:
    """The ``host=`` partition value of ``host``: itself when its folder name is short and
    safe, else its start, ``~`` and 16 hex digits of its SHA-256 (distinct hosts stay apart)."""
    import hashlib
    from urllib.parse import quote

    if host is None:
        return None
    if len(quote(host, safe="")) <= PARTITION_HOST_CHARS and host.isprintable():
        return host
    head = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-._") else "_"
                   for ch in host[:40])
    return f"{head}~{hashlib.sha256(host.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


_SEV = {i: name.capitalize() for i, name in enumerate(SEVERITY_NAMES)}


def _date(ts: int | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")


def _section_rows(base: dict, sections: list[dict]) -> list[dict]:
    return [{"seq": base["seq"], "host": base["host"], "date": base["date"],
             "record_id": base["record_id"], "section_index": s.get("index"),
             "type": s.get("type"), "type_name": s.get("type_name"),
             "component": s.get("component"), "location": s.get("location"),
             "location_fields": s.get("location_fields"), "severity": s.get("severity"),
             "summary": s.get("summary")} for s in sections]


def decoded_row(seq: int, data: bytes, source: dict) -> tuple[dict, list[dict]]:
    """(records row, sections rows) of one record, decoded."""
    host = host_of(source)
    rec = decode_record(data, source={**source, "host": host} if host else source)
    ts, tsrc = _faults.record_time(rec)
    header = rec.header or {}
    sev = header.get("severity") if isinstance(header.get("severity"), int) else None
    fields = timeline_fields(rec, host)
    types = [s.values.get("type") for s in rec.sections if s.values.get("type")]
    row = {
        "seq": seq, "host": host or None, "date": _date(ts),
        # a record read from a store names where it came from before it was stored
        "provenance": source.get("origin_path") or source.get("path"),
        "provenance_offset": int((source.get("origin_offset") if source.get("origin_path")
                                  else source.get("offset")) or 0),
        "time": ts, "ts": ts, "time_source": _faults.TIME_SOURCE_NAMES[tsrc],
        "severity": sev, "severity_name": _SEV.get(min(sev, 4)) if sev is not None else None,
        "notify": header.get("notify_type") or None, "notify_name": fields["notify_name"],
        "creator": header.get("creator_id") or None,
        "creator_name": guids.name_of(header["creator_id"], "creator") if header.get("creator_id") else None,
        "record_id": header.get("record_id") if isinstance(header.get("record_id"), int) else None,
        "section_types": types, "section_names": [guids.name_of(t, "section") for t in types],
        **{k: fields[k] for k in ("component", "location", "page_key", "dimm_key", "cpu_key",
                                  "summary")},
        "length": len(data),
    }
    return row, _section_rows(row, fields["sections"])


def _pairs(records_or_batch) -> Iterable[tuple[bytes, dict]]:
    """(bytes, source) pairs from pairs, or from the window's Batch (``data`` + provenance)."""
    data = getattr(records_or_batch, "data", None)
    if data is None:
        yield from records_or_batch
        return
    source_of = getattr(records_or_batch, "source_of", None)
    extra = getattr(records_or_batch, "extra", {}) or {}
    for i in range(len(data)):
        src = source_of(i) if callable(source_of) else dict(extra.get(i, {}))
        yield data[i], src


class ForeignFiles(OSError):
    """The output folder's tables hold files this exporter did not write; ``files`` names
    them (nothing was written or removed)."""

    def __init__(self, folder: str, files: list[str]) -> None:
        self.files = files
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        super().__init__(f"{folder} holds files an export did not write ({shown}); an export "
                         "replaces records/ and sections/ whole: choose another folder, move "
                         "them, or pass --replace to delete them")


_OURS = re.compile(r"(host=[^/]+/date=[^/]+/)?part-(\d+-\d+|empty)\.parquet")


def foreign_files(folder: str) -> list[str]:
    """Files under ``folder``/records and /sections that no export wrote (relative paths)."""
    found = []
    for name in ("records", "sections"):
        top = os.path.join(folder, name)
        if os.path.lexists(top) and not os.path.isdir(top):
            found.append(name)
            continue
        for root, _dirs, files in os.walk(top):
            for f in files:
                rel = os.path.relpath(os.path.join(root, f), top).replace(os.sep, "/")
                if not _OURS.fullmatch(rel):
                    found.append(f"{name}/{rel}")
    return sorted(found)


class _Export:
    def __init__(self, folder: str, replace: bool = False) -> None:
        self.folder = os.path.abspath(folder)
        if not replace:
            foreign = foreign_files(self.folder)
            if foreign:
                raise ForeignFiles(self.folder, foreign)
        parent = os.path.dirname(self.folder) or "."
        os.makedirs(parent, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix=".whea-parquet-", dir=parent)
        rs, ss = _schemas()
        self.records, self.sections = _Columns(rs), _Columns(ss)
        self.result = ExportResult(self.folder)
        self.hosts: dict[str | None, str | None] = {}  # host → partition value

    def add(self, row: dict, sections: list[dict]) -> None:
        host = row.get("host")
        part = self.hosts.get(host) if host in self.hosts else self.hosts.setdefault(
            host, partition_host(host))
        for r in (row, *sections):
            r["host_name"], r["host"] = host, part
        self.records.add(row)
        for s in sections:
            self.sections.add(s)
        self.result.records += 1
        self.result.sections += len(sections)
        if self.records.n >= CHUNK or self.sections.n >= 4 * CHUNK:
            self.flush()

    def flush(self) -> None:
        part = self.result.parts
        self.records.flush(os.path.join(self.tmp, "records"), part)
        self.sections.flush(os.path.join(self.tmp, "sections"), part)
        self.result.parts += 1

    def finish(self) -> ExportResult:
        """Move the complete tables into place (a previous export's tables are replaced)."""
        self.flush()
        os.makedirs(self.folder, exist_ok=True)
        for name, cols in (("records", self.records), ("sections", self.sections)):
            os.makedirs(os.path.join(self.tmp, name), exist_ok=True)
            if not cols.written:  # no rows: one empty file with the schema, so readers find it
                import pyarrow.parquet as pq
                pq.write_table(cols.schema.empty_table(),
                               os.path.join(self.tmp, name, "part-empty.parquet"))
            target = os.path.join(self.folder, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):  # --replace: a file or link where a table goes
                os.remove(target)
            os.replace(os.path.join(self.tmp, name), target)
        with open(os.path.join(self.folder, "_whea_export.json"), "w", encoding="utf-8") as fh:
            json.dump({"records": self.result.records, "sections": self.result.sections,
                       "layout": "hive: host, date", "tables": ["records", "sections"]}, fh)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.result

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def export_parquet(records_or_batch, folder, replace: bool = False) -> ExportResult:
    """Write (bytes, source) pairs — or the window's record ``Batch`` — as the two Parquet
    tables under ``folder`` (File → Export in the window calls this)."""
    return _write(folder, (decoded_row(0, bytes(data), dict(source or {}))
                           for data, source in _pairs(records_or_batch)), replace)


def export_store_parquet(store, folder, replace: bool = False) -> ExportResult:
    """Export an open store: a PostgreSQL store from its columns (no decoding), another engine
    by decoding its records in store order."""
    return _write(folder, _store_rows(store), replace)


def export_inputs(paths: list[str], folder, on_problem, replace: bool = False) -> ExportResult:
    """Export every record of the inputs, in order: files and folders as ``whea`` reads them
    everywhere (decoded), store specs (``postgresql://…``) from the store's columns."""
    from ..sources import iter_path
    from ..store import engine_of, open_store

    def rows():
        for path in paths:
            if engine_of(path) != "sqlite":
                with open_store(path, readonly=True, create=False) as store:
                    yield from _store_rows(store)
                continue
            for ref in iter_path(path, on_problem=on_problem):
                yield decoded_row(0, bytes(ref.data), dict(ref.source))
    return _write(folder, rows(), replace)


def _write(folder, rows, replace: bool = False) -> ExportResult:
    export = _Export(os.fspath(folder), replace)
    try:
        for seq, (row, sections) in enumerate(rows):
            row["seq"] = seq
            for s in sections:
                s["seq"] = seq
            export.add(row, sections)
        return export.finish()
    except BaseException:
        export.abort()
        raise


def _store_rows(store):
    if not hasattr(store, "export_rows"):
        table = store.record_table()
        for i, (_, data) in enumerate(store):
            src = {"host": table.string(int(table.host[i])) or "",
                   "path": table.string(int(table.path[i])), "offset": int(table.offset[i])}
            if table.event_time[i] >= 0:
                src["time_created"] = int(table.event_time[i])
            yield decoded_row(0, data, src)
        return
    names: dict[tuple[str, str], str] = {}

    def name(guid: str | None, kind: str) -> str | None:
        if not guid:
            return None
        key = (guid, kind)
        if key not in names:
            names[key] = guids.name_of(guid, kind)
        return names[key]

    for rows in store.export_rows():
        for (_slot, host, path, offset, ts, tsrc, sev, notify, notify_name, creator, rid,
             types, comp, loc, page, dimm, cpu, summary, length, sections) in rows:
            row = {
                "seq": 0, "host": host or None, "date": _date(ts), "provenance": path,
                "provenance_offset": offset, "time": ts, "ts": ts,
                "time_source": _faults.TIME_SOURCE_NAMES[tsrc],
                "severity": sev if sev >= 0 else None,
                "severity_name": _SEV.get(min(sev, 4)) if sev >= 0 else None,
                "notify": notify, "notify_name": notify_name, "creator": creator,
                "creator_name": name(creator, "creator"),
                "record_id": rid + (1 << 64) if rid < 0 else rid,
                "section_types": types, "section_names": [name(t, "section") for t in types],
                "component": comp, "location": loc, "page_key": page, "dimm_key": dimm,
                "cpu_key": cpu, "summary": summary, "length": length,
            }
            yield row, _section_rows(row, sections or [])
