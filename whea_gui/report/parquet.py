"""Parquet export for analytics engines (DuckDB, Spark, Polars): two tables, Hive-partitioned.

``FOLDER/records/host=H/month=YYYY-MM/part-N-M.parquet`` — one row per record;
``FOLDER/sections/host=H/month=YYYY-MM/part-N-M.parquet`` — one row per section
(a host's month in one folder, rows sorted by time; ``date`` YYYY-MM-DD is a column).
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

From a PostgreSQL store the export builds the Arrow columns straight from the columns the store
computed when each record was written (server-side cursors in host order; the sections are
taken apart from their jsonb column in the server; no decoding); from anything else it decodes
each record.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass

from ..core import guids
from ..decode import decode_record
from ..index import faults as _faults
from ..index.table import SEVERITY_NAMES
from ..sources.base import Problem
from ..store.pg_rows import timeline_fields
from ..store.store import host_of
from .inputs import NO_RECORD, is_store
from .stopping import StopSignals, no_hold

CHUNK = 250_000  # records per written part (bounded memory: a few hundred MB)
BLOCK = 50_000  # records turned into Arrow columns at a time
# Hive partition columns: a host's records of one UTC month share a folder (``month=YYYY-MM``;
# ``date`` stays a column). Day folders made files of a few hundred rows each — opening them
# dominated every query (docs/fleet.md, Figures).
PARTITIONING = ("host", "month")
PARTITION_HOST_CHARS = 120  # %-encoded host in a folder name (NAME_MAX is 255 bytes)
TMP_PREFIX = ".whea-parquet-"  # the hidden folder beside DIR while an export runs
MAX_PARTITIONS = 1 << 22  # host x month folders one part may touch (pyarrow's default is 1024)


def _schemas():
    import pyarrow as pa

    records = pa.schema([
        ("seq", pa.int64()), ("host", pa.string()), ("host_name", pa.string()),
        ("month", pa.string()), ("date", pa.string()), ("provenance", pa.string()),
        ("provenance_offset", pa.int64()),
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
        ("month", pa.string()), ("date", pa.string()), ("record_id", pa.uint64()),
        ("section_index", pa.int16()), ("type", pa.string()),
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
    """Decoded rows gathered column by column (the path for records that are not in a
    PostgreSQL store): turned into an Arrow table every ``BLOCK`` rows."""

    def __init__(self, schema) -> None:
        self.schema = schema
        self.cols: dict[str, list] = {name: [] for name in schema.names}
        self.n = 0

    def add(self, row: dict) -> None:
        for name, col in self.cols.items():
            col.append(row.get(name))
        self.n += 1

    def take(self):
        import pyarrow as pa

        table = pa.Table.from_pydict(self.cols, schema=self.schema)
        self.cols = {name: [] for name in self.schema.names}
        self.n = 0
        return table


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
_TIME_SOURCES = list(_faults.TIME_SOURCE_NAMES)


def _date(ts: int | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")


def _severity_code(value) -> int | None:
    """A CPER severity as the stores keep it: 0-3, and 4 for any value UEFI does not define
    (the field is a u32: a damaged header's must not overflow the int8 column)."""
    return min(value, 4) if isinstance(value, int) and value >= 0 else None


def _section_rows(base: dict, sections: list[dict]) -> list[dict]:
    return [{"seq": base["seq"], "host": base["host"], "date": base["date"],
             "month": base["month"], "record_id": base["record_id"],
             "section_index": s.get("index"),
             "type": s.get("type"), "type_name": s.get("type_name"),
             "component": s.get("component"), "location": s.get("location"),
             "location_fields": s.get("location_fields"), "severity": _severity_code(s.get("severity")),
             "summary": s.get("summary")} for s in sections]


def decoded_row(seq: int, data: bytes, source: dict) -> tuple[dict, list[dict]]:
    """(records row, sections rows) of one record, decoded."""
    host = host_of(source)
    rec = decode_record(data, source={**source, "host": host} if host else source)
    ts, tsrc = _faults.record_time(rec)
    header = rec.header or {}
    sev = _severity_code(header.get("severity"))
    fields = timeline_fields(rec, host)
    types = [s.values.get("type") for s in rec.sections if s.values.get("type")]
    date = _date(ts)
    row = {
        "seq": seq, "host": host or None, "date": date, "month": date[:7] if date else None,
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


# month= is this layout; date= (one folder per day) the layout before 2026-12-07, replaced alike
_OURS = re.compile(r"(host=[^/]+/(month|date)=[^/]+/)?part-(\d+-\d+|empty)\.parquet")


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
    """Arrow tables gathered into parts of about CHUNK records; each part is written as one
    file per (host, month) it holds, rows in the order they came (a store's: by host, then
    store order)."""

    def __init__(self, folder: str, replace: bool = False) -> None:
        self.folder = os.path.abspath(folder)
        if not replace:
            foreign = foreign_files(self.folder)
            if foreign:
                raise ForeignFiles(self.folder, foreign)
        self.tmp: str | None = None  # the hidden folder the tables are written in (start())
        self.schemas = _schemas()
        self.records, self.sections = _Columns(self.schemas[0]), _Columns(self.schemas[1])
        self.pending: list[tuple] = []  # (records table, sections table) not yet written
        self.pending_rows = 0
        self.written = [0, 0]  # rows written per table
        self.result = ExportResult(self.folder)
        self.hosts: dict[str | None, str | None] = {}  # host → partition value

    def start(self) -> None:
        """Make the temporary folder beside the destination (the tables move from it into
        place when complete; abort() removes it)."""
        parent = os.path.dirname(self.folder) or "."
        os.makedirs(parent, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix=TMP_PREFIX, dir=parent)

    def partition(self, host: str | None) -> str | None:
        part = self.hosts.get(host)
        if part is None and host is not None:
            part = self.hosts[host] = partition_host(host)
        return part

    def add(self, row: dict, sections: list[dict]) -> None:
        """One decoded record (``decoded_row``'s dicts)."""
        host = row.get("host")
        part = self.partition(host)
        for r in (row, *sections):
            r["host_name"], r["host"] = host, part
        self.records.add(row)
        for s in sections:
            self.sections.add(s)
        if self.records.n >= BLOCK or self.sections.n >= 4 * BLOCK:
            self.add_tables(self.records.take(), self.sections.take())

    def add_tables(self, records, sections) -> None:
        """Records and their sections as Arrow tables in the export's schemas."""
        self.pending.append((records, sections))
        self.pending_rows += records.num_rows
        self.result.records += records.num_rows
        self.result.sections += sections.num_rows
        if self.pending_rows >= CHUNK:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.dataset as ds

        if self.records.n:
            self.add_tables(self.records.take(), self.sections.take())
        if not self.pending:
            return
        part = self.result.parts
        for k, name in enumerate(("records", "sections")):
            table = pa.concat_tables([p[k] for p in self.pending])
            if not table.num_rows:
                continue
            ds.write_dataset(table, os.path.join(self.tmp, name),
                             format="parquet", partitioning=list(PARTITIONING),
                             partitioning_flavor="hive",
                             basename_template=f"part-{part}-{{i}}.parquet",
                             existing_data_behavior="overwrite_or_ignore",
                             max_partitions=MAX_PARTITIONS)
            self.written[k] += table.num_rows
        self.pending, self.pending_rows = [], 0
        self.result.parts += 1

    def finish(self) -> ExportResult:
        """Move the complete tables into place (a previous export's tables are replaced)."""
        self.flush()
        os.makedirs(self.folder, exist_ok=True)
        for k, name in enumerate(("records", "sections")):
            os.makedirs(os.path.join(self.tmp, name), exist_ok=True)
            if not self.written[k]:  # no rows: one empty file with the schema, so readers find it
                import pyarrow.parquet as pq
                pq.write_table(self.schemas[k].empty_table(),
                               os.path.join(self.tmp, name, "part-empty.parquet"))
            target = os.path.join(self.folder, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):  # --replace: a file or link where a table goes
                os.remove(target)
            os.replace(os.path.join(self.tmp, name), target)
        with open(os.path.join(self.folder, "_whea_export.json"), "w", encoding="utf-8") as fh:
            json.dump({"records": self.result.records, "sections": self.result.sections,
                       "layout": "hive: " + ", ".join(PARTITIONING),
                       "tables": ["records", "sections"]}, fh)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.result

    def abort(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def export_parquet(records_or_batch, folder, replace: bool = False) -> ExportResult:
    """Write (bytes, source) pairs — or the window's record ``Batch`` — as the two Parquet
    tables under ``folder`` (File → Export in the window calls this)."""
    return _write(folder, lambda export: _add_decoded(export, (
        decoded_row(0, bytes(data), dict(source or {})) for data, source in _pairs(records_or_batch))),
        replace)


def export_store_parquet(store, folder, replace: bool = False) -> ExportResult:
    """Export an open store: a PostgreSQL store from its columns (no decoding), another engine
    by decoding its records in store order."""
    return _write(folder, lambda export: _add_store(export, store), replace)


def export_inputs(paths: list[str], folder, on_problem, replace: bool = False, *,
                  signals: bool = False) -> ExportResult:
    """Export every record of the inputs, in order: files and folders as ``whea`` reads them
    everywhere (decoded), store specs (``postgresql://…``) from the store's columns.
    ``signals``: stop cleanly on SIGTERM / SIGINT (``_write``)."""
    from ..sources import iter_path
    from ..store import engine_of, open_store

    def fill(export):
        failed = 0
        for path in paths:
            if engine_of(path) != "sqlite":
                with open_store(path, readonly=True, create=False) as store:
                    _add_store(export, store)
                continue
            found = [0]
            _add_decoded(export, (decoded_row(0, bytes(ref.data), dict(ref.source))
                                  for ref in _counted(iter_path(path, on_problem=on_problem,
                                                                records_only=True), found)))
            if not found[0] and not is_store(path):  # as decode, timeline and report count it
                on_problem(Problem(path, None, NO_RECORD, "error"))
                failed += 1
        if failed and not export.result.records and not export.records.n:
            # an export of nothing but failed inputs must not replace the one DIR holds
            raise NothingExported(f"{failed} input(s) held no record and no record was found")
    return _write(folder, fill, replace, signals)


class NothingExported(Exception):
    """Every input failed and none held a record: DIR is left as it was."""


def _counted(refs, found: list[int]):
    for ref in refs:
        found[0] += 1
        yield ref


def _write(folder, fill, replace: bool = False, signals: bool = False) -> ExportResult:
    """``signals``: SIGTERM and SIGINT stop the export (``stopping.Stopped``) with the
    temporary folder removed and DIR as it was; they wait while the temporary folder is made
    and while the finished tables are moved into place (the command line asks for this)."""
    with StopSignals() if signals else nullcontext() as guard:
        hold = guard.hold if guard is not None and guard.active else no_hold
        export = _Export(os.fspath(folder), replace)
        try:
            with hold():
                export.start()
            fill(export)
            export.flush()  # the last part is written before the swap, which holds signals
            with hold(committing=True):
                result = export.finish()
            return result
        except BaseException:
            export.abort()
            raise


def _add_decoded(export: _Export, rows) -> None:
    for row, sections in rows:
        seq = export.result.records + export.records.n
        row["seq"] = seq
        for s in sections:
            s["seq"] = seq
        export.add(row, sections)


def _add_store(export: _Export, store) -> None:
    if not hasattr(store, "export_chunks"):
        table = store.record_table()
        rows = []
        for i, (_, data) in enumerate(store):
            src = {"host": table.string(int(table.host[i])) or "",
                   "path": table.string(int(table.path[i])), "offset": int(table.offset[i])}
            if table.event_time[i] >= 0:
                src["time_created"] = int(table.event_time[i])
            rows.append(decoded_row(0, data, src))
            if len(rows) >= BLOCK:
                _add_decoded(export, rows)
                rows = []
        _add_decoded(export, rows)
        return
    if export.records.n:  # decoded rows of earlier inputs first: the store's seq follow them
        export.add_tables(export.records.take(), export.sections.take())
    columns = _StoreColumns(export)
    for slots, records in store.export_chunks(BLOCK):
        export.add_tables(*columns.tables(slots, records))


def _read_csv(data: bytes, schema):
    """PostgreSQL ``COPY … (FORMAT csv)`` output as an Arrow table of ``schema``: unquoted
    empty fields are NULL, quoted ones ('""') empty strings, values may hold newlines."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not data:
        return schema.empty_table()
    return pcsv.read_csv(
        pa.BufferReader(data), read_options=pcsv.ReadOptions(column_names=schema.names),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False,
            null_values=[""]))


class _StoreColumns:
    """Arrow columns straight from a PostgreSQL store's columns — the ones the store computed
    from one decode when each record was written — sent by the server as CSV (COPY) and
    parsed by Arrow: no record is decoded again, and no Python object is made per row. The
    values are ``decoded_row``'s (a test compares both exports row by row)."""

    def __init__(self, export: _Export) -> None:
        import pyarrow as pa

        self.export = export
        self.base = export.result.records  # records exported before this store
        s, i64 = pa.string(), pa.int64()
        self.record_schema = pa.schema([
            ("host", s), ("slot", i64), ("src_path", s), ("src_offset", i64), ("ts", i64),
            ("time_source", i64), ("severity", i64), ("notify", s), ("notify_name", s),
            ("creator", s), ("record_id", i64), ("section_types", s),
            ("component", s), ("location", s), ("page_key", s), ("dimm_key", s), ("cpu_key", s),
            ("summary", s), ("length", i64), ("sections", s)])
        # one JSON line per record: {"s": [its section objects]} (pg_rows.section_rows)
        self.section_schema = pa.schema([("s", pa.list_(pa.struct([
            ("index", i64), ("type", s), ("type_name", s), ("component", s), ("location", s),
            ("location_fields", s), ("severity", i64), ("summary", s)])))])

    @staticmethod
    def _mapped(column, compute, type_):
        """``compute`` of each distinct value of ``column``, taken for every row."""
        import pyarrow as pa
        import pyarrow.compute as pc

        codes = pc.dictionary_encode(column)
        if isinstance(codes, pa.ChunkedArray):
            codes = codes.combine_chunks() if codes.num_chunks else pa.array([], column.type).dictionary_encode()
        values = pa.array([compute(v) for v in codes.dictionary.to_pylist()], type_)
        return values.take(codes.indices)

    def tables(self, slots, records: bytes):
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        rs, ss = self.export.schemas
        r = _read_csv(records, self.record_schema).combine_chunks()
        host = pc.if_else(pc.equal(r["host"], ""), pa.scalar(None, pa.string()), r["host"])
        ts = r["ts"].combine_chunks()
        missing = np.iinfo(np.int64).min
        day = np.floor_divide(ts.fill_null(0).to_numpy(), 86400)
        day[ts.is_null().to_numpy(zero_copy_only=False)] = missing
        days, inverse = np.unique(day, return_inverse=True)
        inverse = pa.array(inverse.ravel(), pa.int64())
        day_names = [None if d == missing else _date(int(d) * 86400) for d in days]
        date = pa.array(day_names, pa.string()).take(inverse)
        month = pa.array([d and d[:7] for d in day_names], pa.string()).take(inverse)
        sev = r["severity"]
        valid = pc.greater_equal(sev, 0)
        slot = r["slot"].to_numpy()
        table = pa.Table.from_arrays([
            pa.array(np.searchsorted(slots, slot) + self.base, pa.int64()),
            self._mapped(host, self.export.partition, pa.string()), host, month, date,
            r["src_path"], r["src_offset"],
            ts.cast(pa.timestamp("s", tz="UTC")), ts,
            pa.array(_TIME_SOURCES, pa.string()).take(r["time_source"]),
            pc.if_else(valid, sev.cast(pa.int8(), safe=False), pa.scalar(None, pa.int8())),
            pc.if_else(valid, pa.array([_SEV[k] for k in range(5)], pa.string()).take(
                pc.max_element_wise(pc.min_element_wise(sev, 4), 0)),
                pa.scalar(None, pa.string())),
            r["notify"], r["notify_name"], r["creator"],
            self._mapped(r["creator"], lambda g: guids.name_of(g, "creator") if g else None,
                         pa.string()),
            # a u64 RecordId is kept as signed 64-bit in the store: the same bits
            pa.array(r["record_id"].to_numpy().view(np.uint64), pa.uint64()),
            self._mapped(r["section_types"], lambda t: None if t is None else
                         (t.split(",") if t else []), pa.list_(pa.string())),
            self._mapped(r["section_types"], lambda t: None if t is None else
                         [guids.name_of(g, "section") for g in (t.split(",") if t else [])],
                         pa.list_(pa.string())),
            r["component"], r["location"], r["page_key"], r["dimm_key"], r["cpu_key"],
            r["summary"], r["length"].cast(pa.int32()),
        ], schema=rs)
        # each section with its record's columns: the JSON arrays read as lists of structs
        sec, owner = self._sections(r["sections"])
        base = table.select(["seq", "host", "host_name", "month", "date", "record_id"]).take(owner)
        return table, pa.Table.from_arrays([
            *base.columns, sec.field("index").cast(pa.int16()), sec.field("type"),
            sec.field("type_name"), sec.field("component"), sec.field("location"),
            sec.field("location_fields"),
            pc.min_element_wise(sec.field("severity"), 4).cast(pa.int8()),  # as _severity_code
            sec.field("summary")], schema=ss)

    def _sections(self, column):
        """The section objects of each record's JSON array (null: none) as one struct array,
        and the row of the record each belongs to."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.json as pj

        lines = pc.binary_join_element_wise('{"s":', pc.fill_null(column, "[]"), "}\n", "")
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        (s_type,) = self.section_schema.types
        if not len(lines):
            return pa.array([], s_type.value_type), pa.array([], pa.int64())
        ends = pc.binary_length(lines)
        offsets = lines.buffers()[1]
        first, last = (int.from_bytes(offsets[4 * i:4 * i + 4], "little")
                       for i in (lines.offset, lines.offset + len(lines)))
        data = lines.buffers()[2][first:last]
        parsed = pj.read_json(pa.BufferReader(data), read_options=pj.ReadOptions(
            block_size=max(1 << 20, pc.max(ends).as_py() + 1)), parse_options=pj.ParseOptions(
            explicit_schema=self.section_schema, unexpected_field_behavior="ignore"))
        lists = parsed["s"].combine_chunks() if parsed.num_rows else pa.array([], s_type)
        if len(lists) != len(lines):  # one line per record: a server that erred
            raise RuntimeError("the store's export sent sections that do not match its records")
        return pc.list_flatten(lists), pc.list_parent_indices(lists)
