"""The record store on a PostgreSQL server (psycopg 3): the same PSHED calls and semantics as the
embedded SQLite ``Store`` (docs/store.md), for a fleet's many writers.

``PostgresStore("postgresql://user@host:port/db")`` — ``open_store`` picks it for such a spec.
Records are keyed by (host, RecordId); an identical copy is not stored twice; a key stored with
other bytes is replaced (``replace=True``, ERST semantics) or kept (STATUS_OBJECT_NAME_COLLISION).
Each batch is one transaction: its rows go in with COPY; when another writer stored one of the
batch's keys meanwhile, the unique key refuses the COPY, the transaction rolls back and the
batch is classified again against what is now stored — so concurrent importers neither lose
nor duplicate records. Timelines and thresholds run in the server (``store.pg_timeline``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import psycopg
from psycopg import errors as pg_errors

from ..index.table import RecordTable
from . import pg_rows, pg_schema, rules
from .backend import redact
from .results import (
    SEVERITY_KEYS,
    ReadResult,
    StoreDamaged,
    StoreError,
    WriteResult,
    WriteSummary,
    fit_capacity,
    locate_record,
    signed,
    time_text,
    unsigned,
    write_in_batches,
)
from .status import (
    STATUS_BUFFER_TOO_SMALL,
    STATUS_DISK_FULL,
    STATUS_MEDIA_WRITE_PROTECTED,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    STATUS_UNSUCCESSFUL,
    WHEA_WRITE_FLAG_DUMMY,
)
from .store import _collision, _same_record, host_of

CAPACITY_LOCK = 0x57484541_4341  # serialises writers while a capacity is set
RETRIES = 20  # a batch re-classified after a concurrent writer stored one of its keys
_RETRYABLE = (pg_errors.UniqueViolation, pg_errors.SerializationFailure,
              pg_errors.DeadlockDetected)


class PostgresStore:
    """One store in a PostgreSQL database (tables ``whea_*``; see ``pg_schema``)."""

    def __init__(self, url: str, *, readonly: bool | None = None, create: bool = True,
                 timeout: float = 30.0, strict: bool = True,
                 settings: dict[str, str] | None = None) -> None:
        scheme, _, rest = str(url).partition("://")
        self.url = f"{scheme.lower()}://{rest}"  # libpq knows the scheme in lower case only
        self.path = redact(self.url)
        self.readonly = bool(readonly)
        self.strict = strict
        self.damage: list[str] = []
        self._lock = threading.RLock()
        self._conn = None
        try:
            # ``settings``: server settings from the first statement on (e.g. lock_timeout, so
            # even the schema check cannot wait on a lock past it)
            extra = {"options": " ".join(f"-c {k}={v}" for k, v in settings.items())} if settings else {}
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=max(1, int(timeout)),
                                         **extra)
        except psycopg.Error as exc:
            raise StoreError(f"{self.path}: cannot connect "
                             f"({redact(_first_line(exc), self.url)})") from None
        try:
            self._check_schema(create)
            if self.readonly:
                self._conn.execute("SET default_transaction_read_only = on")
        except BaseException:
            self.close()
            raise

    # -- connection ----------------------------------------------------------------------
    def _check_schema(self, create: bool) -> None:
        conn = self.conn
        try:
            version = pg_schema.current_version(conn)
            if version == 0 and conn.execute("SELECT to_regclass('whea_records') IS NOT NULL").fetchone()[0]:
                raise StoreError(f"{self.path}: has a whea_records table but no schema version; "
                                 "not a WHEA store made by this program")
            latest = pg_schema.latest_version()
            if version > latest:
                raise StoreError(f"{self.path}: store schema version {version} was made by a newer "
                                 f"WHEA Inspector (this one knows up to {latest})")
            if version < latest:
                if version == 0 and (not create or self.readonly):
                    raise StoreError(f"{self.path}: no store in this database (create one with "
                                     "`whea store init`)")
                if self.readonly and version < pg_schema.READABLE_FROM:
                    raise StoreError(f"{self.path}: the store's schema (version {version}) needs "
                                     "upgrading: run `whea store --store URL init` once with "
                                     "write access")
                if not self.readonly:
                    pg_schema.migrate(conn, int(time.time()))
            app = conn.execute("SELECT value FROM whea_meta WHERE key = 'application'").fetchone()
            if not app or app[0] != "whea-inspector store":
                raise StoreError(f"{self.path}: whea_meta does not name this application; not a "
                                 "WHEA store")
        except psycopg.Error as exc:
            raise StoreError(f"{self.path}: {_first_line(exc)}") from None

    @property
    def conn(self):
        if self._conn is None:
            raise StoreError(f"{self.path}: the store is closed")
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to report to
            pass

    def _query(self, sql: str, params=(), *, one: bool = False):
        with self._lock:
            try:
                cur = self.conn.execute(sql, params)
                return cur.fetchone() if one else cur.fetchall()
            except psycopg.Error as exc:
                raise StoreError(f"{self.path}: {_first_line(exc)}") from None

    def schema_version(self) -> int:
        with self._lock:
            return pg_schema.current_version(self.conn)

    # -- capacity ------------------------------------------------------------------------
    def capacity(self) -> tuple[int | None, int | None]:
        rows = dict(self._query("SELECT key, value FROM whea_meta WHERE key IN "
                                "('max_bytes', 'max_records')"))
        out = []
        for key in ("max_bytes", "max_records"):
            value = rows.get(key)
            if value is not None and not (value.isascii() and value.isdigit()):
                raise StoreDamaged(f"{self.path}: whea_meta.{key} is {value!r}, not a count")
            out.append(None if value is None else int(value))
        return out[0], out[1]

    def set_capacity(self, max_bytes: int | None = None, max_records: int | None = None) -> None:
        if self.readonly:
            raise StoreError(f"{self.path}: the store is read-only")
        with self._lock, self.conn.transaction():
            for key, value in (("max_bytes", max_bytes), ("max_records", max_records)):
                if value is None:
                    self.conn.execute("DELETE FROM whea_meta WHERE key = %s", (key,))
                    continue
                if int(value) < 0:
                    raise StoreError(f"{self.path}: a capacity cannot be negative ({value})")
                self.conn.execute("INSERT INTO whea_meta (key, value) VALUES (%s, %s) ON CONFLICT "
                                  "(key) DO UPDATE SET value = excluded.value", (key, str(int(value))))

    def usage(self) -> tuple[int, int]:
        count, used = self._query("SELECT count(*), coalesce(sum(length), 0) FROM whea_records",
                                  one=True)
        return int(count), int(used)

    def __len__(self) -> int:
        return self.usage()[0]

    # -- PSHED calls ---------------------------------------------------------------------
    def write_error_record(self, record: bytes, flags: int = 0, *, source: dict | None = None,
                           replace: bool = True) -> WriteResult:
        return self._write_batch([(record, source or {})], "full", flags, replace)[0]

    def read_error_record(self, record_id: int, buffer_length: int | None = None, *,
                          host: str | None = None) -> ReadResult:
        with self._lock:
            try:
                with self.conn.transaction():
                    row = self._locate(record_id, host)
                    if row is None:
                        return ReadResult(STATUS_OBJECT_NOT_FOUND, b"", record_id, 0)
                    slot, rhost, rid, length = row
                    nxt = self.conn.execute(
                        "SELECT record_id FROM whea_records WHERE host = %s AND slot > %s "
                        "ORDER BY slot LIMIT 1", (rhost, slot)).fetchone()
                    next_id = unsigned(nxt[0]) if nxt else rid
                    if buffer_length is not None and buffer_length < length:
                        return ReadResult(STATUS_BUFFER_TOO_SMALL, b"", next_id, length)
                    crc, data = self.conn.execute(
                        "SELECT crc, data FROM whea_records WHERE slot = %s", (slot,)).fetchone()
            except psycopg.Error as exc:
                raise StoreError(f"{self.path}: {_first_line(exc)}") from None
        data = self._verified(bytes(data), crc, rid, rhost)
        return ReadResult(STATUS_SUCCESS, data, next_id, len(data))

    def _verified(self, data: bytes, crc: int, rid: int, host: str) -> bytes:
        if pg_rows.crc32(data) != crc:
            who = f" of host {host}" if host else ""
            raise StoreDamaged(f"{self.path}: the bytes of record 0x{rid:016X}{who} fail their "
                               "checksum")
        return data

    def _locate(self, record_id: int, host: str | None):
        return locate_record(self.conn, "whea_records", "%s", self.path, record_id, host)

    def hosts_of(self, record_id: int) -> list[str]:
        return [r[0] for r in self._query("SELECT host FROM whea_records WHERE record_id = %s "
                                          "ORDER BY slot", (signed(record_id),))]

    def clear_error_record(self, record_id: int, flags: int = 0, *, host: str | None = None) -> int:
        if self.readonly:
            return STATUS_MEDIA_WRITE_PROTECTED
        if record_id == rules.FIRST_RECORD_ID:
            return STATUS_OBJECT_NOT_FOUND
        with self._lock:
            try:
                with self.conn.transaction():
                    row = self._locate(record_id, host)
                    if row is None:
                        return STATUS_OBJECT_NOT_FOUND
                    self.conn.execute("DELETE FROM whea_records WHERE slot = %s", (row[0],))
            except psycopg.Error as exc:
                return self._write_failure(exc)[0]
        return STATUS_SUCCESS

    # -- writing many --------------------------------------------------------------------
    def write_records(self, records: Iterable[tuple[bytes, dict | None]], *, validate: str = "full",
                      flags: int = 0, batch_size: int = 1000, replace: bool = True,
                      on_result: Callable[[WriteResult, dict], None] | None = None) -> WriteSummary:
        return write_in_batches(records, batch_size,
                                lambda batch: self._write_batch(batch, validate, flags, replace),
                                on_result)

    def _write_batch(self, batch, validate: str, flags: int, replace: bool) -> list[WriteResult]:
        checked, timeline = _check(batch, validate)
        return self.write_checked(batch, checked, timeline, flags, replace)

    def write_checked(self, batch, checked, timeline, flags: int = 0,
                      replace: bool = True) -> list[WriteResult]:
        """Store a batch already checked and decoded (``_check``): the transaction part of a
        write — classification against stored keys, capacity, COPY — retried when another
        writer stored one of its keys meanwhile."""
        from .store import batch_plan  # the in-batch rules are the SQLite store's, shared
        results, keys, todo = batch_plan(batch, checked, replace, self.readonly, self.path)
        if not todo:
            return results
        with self._lock:
            for attempt in range(RETRIES):
                fresh = [WriteResult(r.status, r.record_id, r.reason, notes=list(r.notes),
                                     duplicate=r.duplicate) for r in results]
                try:
                    with self.conn.transaction():
                        self._apply(todo, checked, timeline, keys, fresh, batch, replace,
                                    dummy=bool(flags & WHEA_WRITE_FLAG_DUMMY))
                    return fresh
                except _RETRYABLE:
                    if attempt == RETRIES - 1:
                        reason = f"{self.path}: other writers kept storing the same keys; gave up"
                        return _failed(results, todo, STATUS_UNSUCCESSFUL, reason)
                    time.sleep(0.001 * (attempt + 1))
                except psycopg.Error as exc:
                    status, reason = self._write_failure(exc)
                    return _failed(results, todo, status, reason)
        return results

    def _apply(self, todo, checked, timeline, keys, results, batch, replace, *, dummy) -> None:
        conn = self.conn
        existing = self._existing(conn, [keys[i] for i in todo])
        keep = []
        for i in todo:
            old = existing.get(keys[i])
            if old is None:
                keep.append(i)
            elif _same_record(old[2], checked[i].data):
                results[i].duplicate = True
                results[i].notes.append("already stored (identical copy)")
            elif replace:
                keep.append(i)
            else:
                _collision(results[i], keys[i], "the stored record")
        keep = self._fit(conn, checked, keys, keep, results, existing)
        if dummy or not keep:
            return
        old_slots = [existing[keys[i]][0] for i in keep if keys[i] in existing]
        if old_slots:
            conn.execute("DELETE FROM whea_records WHERE slot = ANY(%s)", (old_slots,))
        slots = [r[0] for r in conn.execute(
            "SELECT nextval('whea_records_slot_seq') FROM generate_series(1, %s)", (len(keep),))]
        stamped = [rules.stamp(checked[i].data, slot) for i, slot in zip(keep, slots)]
        rows = pg_rows.index_rows(stamped, [batch[i][1] for i in keep], [keys[i][0] for i in keep],
                                  int(time.time()), [timeline[i] for i in keep])
        copy_rows(conn, ((slot, *row, pg_rows.crc32(data), data)
                         for slot, row, data in zip(slots, rows, stamped)))
        for i in keep:
            results[i].replaced = keys[i] in existing

    def _existing(self, conn, keys):
        """(host, id) -> (slot, length, bytes) of the stored ones among ``keys``, locked."""
        if not keys:
            return {}
        hosts = [h for h, _ in keys]
        ids = [signed(r) for _, r in keys]
        rows = conn.execute(
            "SELECT r.slot, r.host, r.record_id, r.length, r.data FROM whea_records r "
            "JOIN unnest(%s::text[], %s::bigint[]) AS k(host, record_id) "
            "ON r.host = k.host AND r.record_id = k.record_id FOR UPDATE OF r",
            (hosts, ids)).fetchall()
        return {(h, unsigned(rid)): (slot, length, bytes(data)) for slot, h, rid, length, data in rows}

    def _fit(self, conn, checked, keys, todo, results, existing) -> list[int]:
        limits = dict(conn.execute("SELECT key, value FROM whea_meta WHERE key IN "
                                   "('max_bytes', 'max_records')").fetchall())
        if not limits or not todo:
            return todo
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CAPACITY_LOCK,))
        max_bytes = int(limits["max_bytes"]) if "max_bytes" in limits else None
        max_records = int(limits["max_records"]) if "max_records" in limits else None
        count, used = conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM whea_records").fetchone()
        return fit_capacity(self.path, [len(checked[i].data) for i in todo], todo, keys, existing,
                            results, count, used, max_records, max_bytes)

    def _write_failure(self, exc: Exception) -> tuple[int, str]:
        text = _first_line(exc)
        if isinstance(exc, pg_errors.DiskFull):
            return STATUS_DISK_FULL, f"{self.path}: disk full, nothing was written ({text})"
        if isinstance(exc, (pg_errors.ReadOnlySqlTransaction, pg_errors.InsufficientPrivilege)):
            return STATUS_MEDIA_WRITE_PROTECTED, f"{self.path} cannot be written ({text})"
        return STATUS_UNSUCCESSFUL, f"{self.path}: {text}"

    # -- reading many --------------------------------------------------------------------
    def get(self, record_id: int, host: str | None = None) -> bytes | None:
        result = self.read_error_record(record_id, host=host) if record_id else None
        return result.record if result and result.status == STATUS_SUCCESS else None

    def record_ids(self) -> np.ndarray:
        rows = self._query("SELECT record_id FROM whea_records ORDER BY slot")
        return np.fromiter((r[0] for r in rows), np.int64, len(rows)).view(np.uint64)

    def iter_records(self, chunk: int = 256) -> Iterator[tuple[int, bytes]]:
        for _slot, _host, rid, data in self.iter_keyed(chunk):
            yield rid, data

    def iter_keyed(self, chunk: int = 256, *, after: int = 0) -> Iterator[tuple[int, str, int, bytes]]:
        """(slot, host, record id, bytes) in store order, by pages (sees later appends)."""
        last = after
        while True:
            rows = self._query("SELECT slot, host, record_id, crc, data FROM whea_records WHERE "
                               "slot > %s ORDER BY slot LIMIT %s", (last, chunk))
            if not rows:
                return
            for slot, host, rid, crc, data in rows:
                yield slot, host, unsigned(rid), self._verified(bytes(data), crc, unsigned(rid), host)
            last = rows[-1][0]

    def iter_provenance(self, chunk: int = 500):
        """(record id, bytes or StoreDamaged, provenance) in store order, by keyset pages; the
        provenance has the keys ``sources.store_file`` gives (host, origin_path, ...)."""
        last = 0
        while True:
            rows = self._query("SELECT slot, host, record_id, crc, data, src_path, src_offset, "
                               "event_time, inserted_at FROM whea_records WHERE slot > %s "
                               "ORDER BY slot LIMIT %s", (last, chunk))
            if not rows:
                return
            for _slot, host, rid, crc, data, path, offset, event, inserted in rows:
                rid = unsigned(rid)
                try:
                    payload = self._verified(bytes(data), crc, rid, host)
                except StoreDamaged as exc:
                    payload = exc
                prov = {"host": host, "origin_path": path, "origin_offset": offset,
                        "time_created": _iso(event), "inserted_at": _iso(inserted)}
                yield rid, payload, prov
            last = rows[-1][0]

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return self.iter_records()

    def damaged_rows(self, chunk: int = 2048) -> tuple[np.ndarray, list[tuple[str, int]]]:
        rows: list[int] = []
        keys: list[tuple[str, int]] = []
        last, pos = 0, 0
        while True:
            part = self._query("SELECT slot, host, record_id, crc, data FROM whea_records WHERE "
                               "slot > %s ORDER BY slot LIMIT %s", (last, chunk))
            if not part:
                return np.array(rows, np.int64), keys
            for _slot, host, rid, crc, data in part:
                if pg_rows.crc32(bytes(data)) != crc:
                    rows.append(pos)
                    keys.append((host, unsigned(rid)))
                pos += 1
            last = part[-1][0]

    def record_table(self) -> RecordTable:
        """The columnar index of every stored record (the whole table: for big stores page it
        with ``table_page``)."""
        return pg_rows.table_from_rows(self._query(
            f"SELECT {pg_rows.TABLE_SELECT} FROM whea_records ORDER BY slot"))

    def table_page(self, after_slot: int = 0, limit: int = 10000) -> tuple[RecordTable, np.ndarray]:
        """One page of the index in store order: (table, slots) of up to ``limit`` records
        after ``after_slot`` — a keyset page over the primary key, never the whole table."""
        rows = self._query(f"SELECT {pg_rows.TABLE_SELECT}, slot FROM whea_records WHERE slot > %s "
                           "ORDER BY slot LIMIT %s", (after_slot, limit))
        return (pg_rows.table_from_rows([r[:-1] for r in rows]),
                np.array([r[-1] for r in rows], np.int64))

    # the export's columns (CSV): record time, fault keys and the rest as stored; last, the
    # ``sections`` column's objects (pg_rows.section_rows) as JSON text, taken apart by the
    # client's Arrow JSON reader: the server only prints them
    EXPORT_COLUMNS = ("host", "slot", "src_path", "src_offset", "ts", "time_source", "severity",
                      "notify", "notify_name", "creator", "record_id",
                      "array_to_string(section_types, ',')",  # GUIDs: no comma in them
                      "component", "location", "page_key", "dimm_key", "cpu_key", "summary",
                      "length", "CASE jsonb_typeof(sections) WHEN 'array' THEN sections::text END")

    def export_chunks(self, chunk: int = 50_000) -> Iterator[tuple[np.ndarray, bytes]]:
        """The export's rows as CSV (``COPY … TO STDOUT``: NULL unquoted-empty, '' quoted),
        for runs of about ``chunk`` records in (host, slot) order: the records'
        ``EXPORT_COLUMNS``, sections included. Yields ``(slots, records)``; ``slots`` are
        every slot in store order (a record's position there is its ``seq``). A host's
        records come together, so an export writes few large files; the client holds two
        runs: the next is read while the caller converts this one. One repeatable-read
        snapshot: concurrent writers cannot make the runs disagree."""
        from concurrent.futures import ThreadPoolExecutor

        from psycopg import sql

        def copy(query: str, params) -> bytes:
            out = bytearray()
            with self.conn.cursor().copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(
                    sql.SQL(query).format(*map(sql.Literal, params)))) as stream:
                for block in stream:
                    out += block
            return bytes(out)

        with self._lock, self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            slots = np.array(self.conn.execute(
                "SELECT coalesce(array_agg(slot ORDER BY slot), '{}') FROM whea_records",
                binary=True).fetchone()[0], np.int64)
            starts: list[tuple[str, int]] = []  # (host, slot) where each run begins
            size = chunk
            for host, count in self.conn.execute("SELECT host, count(*) FROM whea_records "
                                                 "GROUP BY host ORDER BY host").fetchall():
                if size + count > chunk:
                    starts.append((host, -1))  # slots are >= 1
                    size = 0
                if count > chunk:  # one host's records in runs of ``chunk``
                    starts += [(host, r[0]) for r in self.conn.execute(
                        "SELECT slot FROM (SELECT slot, row_number() OVER (ORDER BY slot) AS i "
                        "FROM whea_records WHERE host = %s) x WHERE i %% %s = 1 AND i > 1",
                        (host, chunk))]
                    size = count % chunk
                else:
                    size += count
            if not starts:
                return
            cols = ", ".join(self.EXPORT_COLUMNS)
            with ThreadPoolExecutor(1) as pool:
                def fetch(k: int):
                    where, params = "(host, slot) >= ({}, {})", list(starts[k])
                    if k + 1 < len(starts):
                        where += " AND (host, slot) < ({}, {})"
                        params += list(starts[k + 1])
                    return pool.submit(copy, f"SELECT {cols} FROM whea_records WHERE {where} "
                                       "ORDER BY host, slot", params)

                ahead = fetch(0)
                for k in range(len(starts)):
                    records = ahead.result()
                    if k + 1 < len(starts):
                        ahead = fetch(k + 1)
                    yield slots, records

    def estimated_count(self) -> int:
        """The record count: exact for a small store, the planner's estimate (no table scan)
        for one of more than 100,000 rows."""
        estimate = self._query("SELECT reltuples::bigint FROM pg_class WHERE relname = "
                               "'whea_records'", one=True)
        if estimate and estimate[0] > 100_000:
            return int(estimate[0])
        return self.usage()[0]

    def stats(self) -> dict:
        count, used = self.usage()
        max_bytes, max_records = self.capacity()
        sev = dict.fromkeys(SEVERITY_KEYS, 0)
        names = list(sev)
        for s, n in self._query("SELECT severity, count(*) FROM whea_records WHERE severity >= 0 "
                                "GROUP BY severity"):
            sev[names[min(int(s), 4)]] += int(n)
        lo, hi, sources = self._query("SELECT min(ts), max(ts), count(DISTINCT src_path) FROM "
                                      "whea_records", one=True)
        hosts = [r[0] for r in self._query("SELECT DISTINCT host FROM whea_records WHERE host <> '' "
                                           "ORDER BY host")]
        hostless = self._query("SELECT count(*) FROM whea_records WHERE coalesce(host, '') = ''",
                               one=True)[0]
        size = self._query("SELECT pg_total_relation_size('whea_records')", one=True)[0]
        return {
            "path": self.path, "schema_version": self.schema_version(),
            "records": count, "bytes": used, "max_bytes": max_bytes, "max_records": max_records,
            "file_bytes": int(size), "severity": sev,
            "first_time": time_text(lo), "last_time": time_text(hi),
            "hosts": hosts, "records_without_host": int(hostless), "sources": int(sources),
        }


def copy_rows(conn, rows: Iterable[tuple]) -> None:
    """COPY rows (``pg_schema.RECORD_COLUMNS`` order) into whea_records."""
    cols = ", ".join(pg_schema.RECORD_COLUMNS)
    with conn.cursor().copy(f"COPY whea_records ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _check(batch, validate: str):
    """(Checked per record, timeline fields per record): one decode per record serves both the
    full validation and the fault-location columns."""
    from ..core.model import ERROR
    from ..decode import decode_record

    if validate not in ("full", "header"):
        raise ValueError(f"validate must be 'full' or 'header', not {validate!r}")
    datas = [d for d, _ in batch]
    checked = rules.check_headers(datas) if validate == "header" else [rules.precheck(d) for d in datas]
    rules.refuse_bad_hosts(checked, [host_of(src) for _, src in batch])
    timeline = []
    for c, (_, src) in zip(checked, batch):
        if not c.ok:
            timeline.append({})
            continue
        host = host_of(src)
        rec = decode_record(c.data, source={"host": host} if host else {})
        if validate == "full":
            errors = [f for f in rec.findings if f.level == ERROR]
            if errors:
                f = errors[0]
                more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
                c.reason = (f"invalid record: {f.message} (bytes {f.offset}–"
                            f"{f.offset + max(f.length, 1) - 1}){more}")
        timeline.append(pg_rows.timeline_fields(rec, host))
    return checked, timeline


def _failed(results, todo, status: int, reason: str) -> list[WriteResult]:
    for i in todo:
        if results[i].ok and not results[i].duplicate:
            results[i].status, results[i].reason, results[i].replaced = status, reason, False
    return results


def _iso(secs):
    return None if secs is None or secs < 0 else str(np.datetime64(int(secs), "s"))


def _first_line(exc: Exception) -> str:
    """The driver's message, first line, passwords hidden (libpq may repeat the conninfo)."""
    return redact((str(exc).strip().splitlines() or [type(exc).__name__])[0])
