"""The persistent error-record store: PSHED WriteErrorRecord / ReadErrorRecord / ClearErrorRecord
semantics over one SQLite file (WAL, synchronous=FULL: a write that returned success survives a
crash or power loss).

Records are keyed by (source host, header RecordId): a RecordId is unique per writer (one
machine's error-record store), not across a fleet, so each host's records form their own PSHED
store. Writing a key that is already stored replaces it, as ERST does (``replace=False`` keeps
the stored copy and answers STATUS_OBJECT_NAME_COLLISION); an identical copy (same host, same
bytes apart from PersistenceInfo) is not stored twice. ``read_error_record(0)`` reads the first
record (ERST's "unspecified id"); the next id of the last record is its own id (the PSHED "no
more records" signal).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import quote

import numpy as np

from ..index.faultindex import FaultKeyer
from ..index.table import ANALYSIS_COLUMNS, COLUMNS, FAULT_COLUMNS, ROW_DTYPE, STRING_COLUMNS, RecordTable
from . import meta, reindex, rules, schema
from .results import (
    DB_ERRORS,
    ReadResult,
    StoreDamaged,
    StoreError,
    WriteResult,
    WriteSummary,
    advance,
    crc_bytes,
    fit_capacity,
    locate_record,
    origin_bytes,
    signed,
    table_stats,
    unsigned,
    write_in_batches,
)
from .status import (
    STATUS_BUFFER_TOO_SMALL,
    STATUS_DISK_FULL,
    STATUS_INVALID_PARAMETER,
    STATUS_MEDIA_WRITE_PROTECTED,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    STATUS_UNSUCCESSFUL,
    WHEA_WRITE_FLAG_DUMMY,
)

DEFAULT_PATH = "whea-store.sqlite"
_SQLITE_CORRUPT, _SQLITE_NOTADB, _SQLITE_FULL, _SQLITE_READONLY = 11, 26, 13, 8
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_TOOBIG = 5, 6, 10, 18
_LOAD_CHUNK = 1 << 15  # slots per group_concat when loading the index (3 MB: SQLite builds
# the string by doubling, and 1 << 17 slots kept about 13 MB more resident for the whole run)


def host_of(source: dict | None) -> str:
    """The host a record came from, as the store keys it ('' when the source names none)."""
    source = source or {}
    return str(source.get("host") or source.get("computer") or "")


def location_text(fault_keys) -> str | None:
    """``records.location``: the fault location key, '' for none, None when not computed."""
    return None if fault_keys is None else (fault_keys[1] or "")


def _with_source(rec, source: dict):
    """The decoded record as its reader saw it: the fault keys name the source's host."""
    rec.source = dict(source or {})
    return rec


def _collision(result: WriteResult, key: tuple[str, int], other: str) -> None:
    host, rid = key
    result.status = STATUS_OBJECT_NAME_COLLISION
    result.reason = (f"RecordId 0x{rid:016X}{f' of host {host}' if host else ''} is already "
                     f"stored with other bytes ({other}); kept it (--replace replaces it)")


def _same_record(a: bytes, b: bytes) -> bool:
    """Equal apart from PersistenceInfo (header bytes 108-115), which the store stamps."""
    return len(a) == len(b) and a[:108] == b[:108] and a[116:] == b[116:]


KEYS_AT_ONCE = 16384  # fault keys set into the analysis table a chunk at a time

class Store:
    """One store file. ``readonly=None`` opens read-only when the file has no write permission.

    A store whose own metadata is damaged raises StoreDamaged naming what is damaged;
    ``strict=False`` (used by ``check``) opens it anyway and lists the damage in ``damage``.
    """

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, *, readonly: bool | None = None,
                 create: bool = True, timeout: float = 30.0, strict: bool = True) -> None:
        self.path = os.fspath(path)
        if os.path.isdir(self.path):
            raise StoreError(f"{self.path}: is a folder, not a store file")
        exists = os.path.exists(self.path)
        if not exists and (not create or readonly):
            raise StoreError(f"{self.path}: no store here (create one with `whea store init`)")
        if readonly is None:
            readonly = exists and _write_protected(self.path)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._names: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], int] = {}
        self._keyer = FaultKeyer()  # fault keys of records written or re-indexed
        self._conn = None
        self._copy: str | None = None  # a migrated temporary copy of an old read-only store
        self.strict = strict
        self.damage: list[str] = []
        self._limited = False  # a capacity is set: keep the WAL small (see _write)
        try:
            self._conn = self._connect(timeout)
            self._check_row_format()
        except DB_ERRORS as exc:
            self.close()
            raise self._error(exc) from exc
        except BaseException:
            self.close()
            raise

    # -- connection --------------------------------------------------------------------
    def _connect(self, timeout: float) -> sqlite3.Connection:
        conn = sqlite3.connect(self._uri(), uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            schema.configure(conn, readonly=self.readonly)
            if self._check_schema(conn) == "copy":
                conn.close()
                conn = self._migrated_copy(timeout)
            elif not self.readonly:
                schema.use_wal(conn)  # (only a file known to be a store)
        except BaseException:
            conn.close()
            raise
        return conn

    def _uri(self) -> str:
        mode = "ro" if self.readonly else "rwc"
        uri = f"file:{quote(os.path.abspath(self.path))}?mode={mode}"
        if self.readonly and not os.path.exists(self.path + "-wal"):
            # No writer has the store open (a WAL store keeps its -wal file while any connection
            # is open): read it as immutable, so looking at a store never creates -wal/-shm
            # files beside it (the bundled sample may sit in a read-only install folder).
            uri += "&immutable=1"
        return uri

    def _damaged(self, what: str) -> StoreDamaged:
        return StoreDamaged(f"{self.path}: the store's own metadata is damaged ({what}); "
                            f"`whea store check --store {self.path}` rebuilds it")

    def _check_schema(self, conn: sqlite3.Connection) -> str:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        latest = schema.latest_version()
        tables = schema.user_tables(conn)
        looks_like_store = {"records", "record_data"} <= tables
        if version > latest:
            raise StoreError(f"{self.path}: store schema version {version} was made by a newer "
                             f"WHEA Inspector (this one knows up to {latest})")
        if version == 0:
            if looks_like_store:
                self._note_damage(["the schema version in the SQLite header reads 0"])
                return "ok"
            if tables:
                raise StoreError(f"{self.path}: is an SQLite file but not a WHEA store")
        elif not looks_like_store:
            row = None
            if "meta" in tables:
                row = conn.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()
            if not row or row[0] != schema.APPLICATION:
                raise StoreError(f"{self.path}: is an SQLite file but not a WHEA store")
        if version:
            problems = meta.problems(conn)
            if problems:
                self._note_damage(problems)
                return "ok"  # no migration on top of damaged metadata
        if version < latest:
            if self.readonly:
                return "copy"
            schema.migrate(conn, int(time.time()))
        return "ok"

    def _note_damage(self, problems: list[str]) -> None:
        if self.strict:
            raise self._damaged("; ".join(problems))
        self.damage.extend(problems)

    def _migrated_copy(self, timeout: float) -> sqlite3.Connection:
        """An older store opened read-only is read through a migrated temporary copy; the file
        itself is never written (it may sit in a read-only install folder)."""
        fd, self._copy = tempfile.mkstemp(suffix=".wheastore")
        os.close(fd)
        src = sqlite3.connect(self._uri(), uri=True)
        schema.harden(src)
        dst = sqlite3.connect(self._copy, isolation_level=None, check_same_thread=False,
                              timeout=timeout)
        schema.harden(dst)
        try:
            src.backup(dst)
            src.close()
            schema.migrate(dst, int(time.time()))
        except BaseException:
            src.close()
            dst.close()
            raise
        return dst

    def _check_row_format(self) -> None:
        if self.damage:
            return
        stored = self.conn.execute("SELECT value FROM meta WHERE key = ?",
                                   (reindex.ROW_FORMAT_KEY,)).fetchone()
        current = reindex.row_format()
        self._limited = (self._capacity(self.conn) != (None, None)
                         or _small_volume(os.path.dirname(os.path.abspath(self.path))))
        if stored and stored[0] == current:
            if not self.readonly and self._fault_keys_stale():
                # same row layout, older fault-key derivation: rebuild the keys (a read-only
                # open shows the keys as they were stored)
                with self._lock, self._write() as conn:
                    reindex.reindex(self, conn, reindex.dtype_of(stored[0]))
            return
        if self.readonly:
            if stored and self._copy is None:
                if not self.strict:  # check: a rebuild it can do (in place, or by salvage)
                    self.damage.append("meta.row_format names another index row layout than "
                                       "this version writes; the index rows need rebuilding")
                    return
                raise StoreError(f"{self.path}: the store's index rows need rebuilding for this "
                                 "version; open it once with write access (or `whea store check "
                                 f"--store {self.path} --salvage-to NEW`)")
            if stored:  # the temporary copy: rebuild there
                with self._lock, self._write() as conn:
                    reindex.reindex(self, conn, reindex.dtype_of(stored[0]))
            return
        with self._lock, self._write() as conn:
            if stored:
                reindex.reindex(self, conn, reindex.dtype_of(stored[0]))
            else:  # a new store
                conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 ((reindex.ROW_FORMAT_KEY, current),
                                  (reindex.FAULT_KEYS_KEY, reindex.FAULT_KEYS_VERSION)))

    def _fault_keys_stale(self) -> bool:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?",
                                (reindex.FAULT_KEYS_KEY,)).fetchone()
        return row is None or row[0] != reindex.FAULT_KEYS_VERSION

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if self._copy is not None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    try:
                        os.unlink(self._copy + suffix)
                    except OSError:
                        pass
                self._copy = None

    def __del__(self) -> None:  # a forgotten store still removes its temporary copy
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to report to
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.path}: the store is closed")
        return self._conn

    def _error(self, exc: Exception) -> StoreError:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if isinstance(exc, UnicodeDecodeError):
            return StoreDamaged(f"{self.path}: the store file is damaged (SQLite reports damage "
                                f"in bytes it cannot even quote); `whea store check --store "
                                f"{self.path}` copies every intact record into a new store")
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB, _SQLITE_TOOBIG) or (
                code == _SQLITE_IOERR and "short read" in str(exc)):
            return StoreDamaged(f"{self.path}: the store file is damaged ({exc}); `whea store check "
                                f"--store {self.path}` copies every intact record into a new store")
        return StoreError(f"{self.path}: {exc}")

    @contextmanager
    def _read(self):
        """A consistent snapshot for several SELECTs (WAL: readers never block writers)."""
        with self._lock:
            conn = self.conn
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    if conn.in_transaction:
                        conn.execute("COMMIT")
            except DB_ERRORS as exc:
                raise self._error(exc) from exc

    @contextmanager
    def _write(self):
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            self._pending.clear()
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except DB_ERRORS:
                    pass
            raise
        self._names.update(self._pending)
        self._pending.clear()
        if self._limited and not self.readonly:
            self._shrink_wal(conn)

    def _shrink_wal(self, conn) -> None:
        """A capacity-limited store models a small NVRAM area on what may be a small volume:
        copy the WAL into the file and truncate it after every write, so the WAL never holds
        more than one transaction. (Left to SQLite, the WAL grows to ~16 MB before its first
        checkpoint.) A checkpoint is crash-safe; a busy reader only makes it partial."""
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except DB_ERRORS:
            pass  # the commit already happened; the next write tries again

    # -- capacity ----------------------------------------------------------------------
    def capacity(self) -> tuple[int | None, int | None]:
        """(max bytes, max records) configured for this store; None = unlimited."""
        with self._read() as conn:
            return self._capacity(conn)

    def _capacity(self, conn) -> tuple[int | None, int | None]:
        rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                                 "('max_bytes', 'max_records')").fetchall())
        out = []
        for key in ("max_bytes", "max_records"):
            value = rows.get(key)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise self._damaged(f"meta.{key} is {value!r}, not a count")
            out.append(value)
        return out[0], out[1]

    def set_capacity(self, max_bytes: int | None = None, max_records: int | None = None) -> None:
        """Limit the store like an NVRAM area of that size: a write that does not fit returns
        STATUS_INSUFFICIENT_RESOURCES."""
        self._require_writable()
        with self._lock, self._write() as conn:
            for key, value in (("max_bytes", max_bytes), ("max_records", max_records)):
                if value is None:
                    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    if int(value) < 0:
                        raise StoreError(f"{self.path}: a capacity cannot be negative ({value})")
                    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 (key, int(value)))
        self._limited = (max_bytes is not None or max_records is not None
                         or _small_volume(os.path.dirname(os.path.abspath(self.path))))
        if self._limited:
            self._shrink_wal(self.conn)

    def usage(self) -> tuple[int, int]:
        """(records stored, bytes stored)."""
        with self._read() as conn:
            return self._usage(conn)

    @staticmethod
    def _usage(conn) -> tuple[int, int]:
        count, used = conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM records").fetchone()
        return count, used

    def _require_writable(self) -> None:
        if self.readonly:
            raise StoreError(f"{self.path}: the store is read-only")

    # -- PSHED calls -------------------------------------------------------------------
    def write_error_record(self, record: bytes, flags: int = 0, *, source: dict | None = None,
                           replace: bool = True) -> WriteResult:
        """WriteErrorRecord: validate (full decode), then store under (host, header RecordId).

        ``WHEA_WRITE_FLAG_DUMMY`` validates and checks that the record would fit, storing nothing.
        ``replace`` False keeps a different record already stored under the same key
        (STATUS_OBJECT_NAME_COLLISION).
        """
        return self._write_batch([(record, source or {})], "full", flags, replace)[0]

    def read_error_record(self, record_id: int, buffer_length: int | None = None, *,
                          host: str | None = None) -> ReadResult:
        """ReadErrorRecord within one host's records (``host``; '' = records without a host).
        ``record_id`` 0 reads the host's first record; the next id is the host's next record.
        ``host`` None: the host is the one storing ``record_id`` (AmbiguousRecordId when several
        do); for id 0, the host of the store's first record. ``buffer_length`` None means
        "large enough"."""
        with self._read() as conn:
            row = self._locate(conn, record_id, host)
            if row is None:
                return ReadResult(STATUS_OBJECT_NOT_FOUND, b"", record_id, 0)
            slot, rhost, rid, length = row
            nxt = conn.execute("SELECT record_id FROM records WHERE host = ? AND slot > ? "
                               "ORDER BY slot LIMIT 1", (rhost, slot)).fetchone()
            next_id = unsigned(nxt[0]) if nxt else rid
            if buffer_length is not None and buffer_length < length:
                return ReadResult(STATUS_BUFFER_TOO_SMALL, b"", next_id, length)
            data = self._data(conn, slot, rid, rhost)
        return ReadResult(STATUS_SUCCESS, data, next_id, len(data))

    def _locate(self, conn, record_id: int, host: str | None):
        """(slot, host, record id, length) of the record a PSHED call names, or None."""
        return locate_record(conn, "records", "?", self.path, record_id, host)

    def hosts_of(self, record_id: int) -> list[str]:
        """The hosts that store a record with this RecordId."""
        with self._read() as conn:
            return [r[0] for r in conn.execute(
                "SELECT host FROM records WHERE record_id = ? ORDER BY slot", (signed(record_id),))]

    def clear_error_record(self, record_id: int, flags: int = 0, *, host: str | None = None) -> int:
        """ClearErrorRecord: STATUS_SUCCESS, or STATUS_OBJECT_NOT_FOUND when no such record
        (ERST's "record not found"; the PSHED page lists only STATUS_UNSUCCESSFUL). ``host`` as
        for ``read_error_record`` (id 0 is not "the first record" here: it is never stored)."""
        if self.readonly:
            return STATUS_MEDIA_WRITE_PROTECTED
        if record_id == rules.FIRST_RECORD_ID:
            return STATUS_OBJECT_NOT_FOUND
        with self._lock:
            try:
                with self._write() as conn:
                    row = self._locate(conn, record_id, host)
                    if row is None:
                        return STATUS_OBJECT_NOT_FOUND
                    conn.execute("DELETE FROM records WHERE slot = ?", (row[0],))
                    conn.execute("DELETE FROM record_data WHERE slot = ?", (row[0],))
            except DB_ERRORS as exc:
                return self._write_failure(exc)[0]
        return STATUS_SUCCESS

    def _data(self, conn, slot: int, record_id: int, host: str = "") -> bytes:
        row = conn.execute("SELECT crc, data FROM record_data WHERE slot = ?", (slot,)).fetchone()
        if row is None or not isinstance(row[1], bytes) or crc_bytes(row[1]) != row[0]:
            what = "is missing" if row is None else "fails its checksum"
            who = f" of host {host}" if host else ""
            raise StoreDamaged(f"{self.path}: the bytes of record 0x{record_id:016X}{who} {what}; "
                               f"`whea store check --store {self.path}` salvages the intact records")
        return bytes(row[1])

    # -- writing many ------------------------------------------------------------------
    def write_records(self, records: Iterable[tuple[bytes, dict | None]], *, validate: str = "full",
                      flags: int = 0, batch_size: int = 1000, replace: bool = True,
                      on_result: Callable[[WriteResult, dict], None] | None = None) -> WriteSummary:
        """Store many records, ``batch_size`` per transaction (``validate``: "full" decodes each
        record, "header" uses the vectorised header checks — for millions of records).
        ``replace`` as for ``write_error_record``."""
        return write_in_batches(records, batch_size,
                                lambda batch: self._write_batch(batch, validate, flags, replace),
                                on_result)

    def _write_batch(self, batch: list[tuple[bytes, dict]], validate: str, flags: int,
                     replace: bool = True) -> list[WriteResult]:
        datas = [d for d, _ in batch]
        if validate == "full":
            checked = [self._fully_checked(d, src) for d, src in batch]
        elif validate == "header":
            checked = rules.check_headers(datas)
        else:
            raise ValueError(f"validate must be 'full' or 'header', not {validate!r}")
        rules.refuse_bad_hosts(checked, [host_of(src) for _, src in batch])
        results, keys, todo = batch_plan(batch, checked, replace, self.readonly, self.path)
        if not todo:
            return results
        with self._lock:
            try:
                if flags & WHEA_WRITE_FLAG_DUMMY:
                    with self._read() as conn:
                        todo = self._against_store(conn, todo, checked, keys, results, replace)
                        self._fit(conn, checked, keys, todo, results)
                    return results
                try:
                    self._write_todo(todo, checked, keys, results, batch, replace)
                except DB_ERRORS as exc:
                    if getattr(exc, "sqlite_errorcode", 0) & 0xFF != _SQLITE_FULL:
                        raise
                    # the volume is full, maybe of WAL: fold the WAL into the file and try once
                    # more (a store on a small volume otherwise stops long before it is full)
                    self._shrink_wal(self.conn)
                    self._write_todo(todo, checked, keys, results, batch, replace)
            except DB_ERRORS as exc:
                status, reason = self._write_failure(exc)
                for i in todo:
                    if results[i].ok:
                        results[i].status, results[i].reason, results[i].replaced = status, reason, False
        return results

    def _fully_checked(self, data: bytes, source: dict) -> rules.Checked:
        """``rules.check_full`` plus the record's fault keys from that same decode (the decoded
        record itself is dropped at once: a batch must not hold thousands of field trees)."""
        checked = rules.check_full(data)
        if checked.decoded is not None:
            checked.fault_keys = self._keyer.keys(checked.data, source,
                                                  rec=_with_source(checked.decoded, source))
            checked.decoded = None
        return checked

    def _write_todo(self, todo, checked, keys, results, batch, replace) -> None:
        with self._write() as conn:
            found: dict = {}
            todo = self._against_store(conn, todo, checked, keys, results, replace, found)
            self._store(conn, checked, keys, todo, results, [src for _, src in batch], found)

    @staticmethod
    def _within_batch(todo, checked, keys, results, replace: bool) -> list[int]:
        """Records of one batch that share a key: an identical copy is a duplicate; of
        different ones the last wins (``replace``) or the first is kept."""
        chosen: dict[tuple[str, int], int] = {}
        for i in todo:
            j = chosen.get(keys[i])
            if j is None:
                chosen[keys[i]] = i
            elif _same_record(checked[i].data, checked[j].data):
                results[i].duplicate = True
                results[i].notes.append("an identical copy is earlier in the same input")
            elif replace:
                results[j].notes.append("replaced by a later record with the same host and RecordId")
                chosen[keys[i]] = i
            else:
                _collision(results[i], keys[i], "an earlier record of this import")
        return sorted(chosen.values())

    def _against_store(self, conn, todo, checked, keys, results, replace: bool,
                       found: dict | None = None) -> list[int]:
        """Drop duplicates of stored records, and (without ``replace``) records whose key is
        stored with other bytes. ``found`` receives the stored keys met (for ``_store``, in the
        same transaction, so it need not look them up again)."""
        existing = self._existing(conn, [keys[i] for i in todo])
        if found is not None:
            found.update(existing)
        out = []
        for i in todo:
            old = existing.get(keys[i])
            if old is None:
                out.append(i)
                continue
            stored = conn.execute("SELECT data FROM record_data WHERE slot = ?", (old[0],)).fetchone()
            if stored and isinstance(stored[0], bytes) and _same_record(stored[0], checked[i].data):
                results[i].duplicate = True
                results[i].notes.append("already stored (identical copy)")
            elif replace:
                out.append(i)
            else:
                _collision(results[i], keys[i], "the stored record")
        return out

    def _write_failure(self, exc: Exception) -> tuple[int, str]:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == _SQLITE_FULL:
            return STATUS_DISK_FULL, f"{self.path}: disk full, nothing was written ({exc})"
        if code == _SQLITE_READONLY:
            return STATUS_MEDIA_WRITE_PROTECTED, f"{self.path} cannot be written ({exc})"
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return STATUS_UNSUCCESSFUL, f"{self.path} is busy (another writer holds it): {exc}"
        error = self._error(exc)
        if isinstance(error, StoreDamaged):
            raise error from exc
        return STATUS_UNSUCCESSFUL, str(error)

    def _existing(self, conn, keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, int]]:
        """(host, record id) -> (slot, length) of the stored ones among ``keys``."""
        found: dict[tuple[str, int], tuple[int, int]] = {}
        ids = sorted({rid for _, rid in keys})
        wanted = set(keys)
        for i in range(0, len(ids), 500):
            part = [signed(x) for x in ids[i:i + 500]]
            marks = ",".join("?" * len(part))
            for slot, host, rid, length in conn.execute(
                    f"SELECT slot, host, record_id, length FROM records WHERE record_id IN ({marks})",
                    part):
                key = (host, unsigned(rid))
                if key in wanted:
                    found[key] = (slot, length)
        return found

    def _fit(self, conn, checked, keys, todo, results) -> list[int]:
        """Mark writes that would overflow the capacity; returns the ones that fit."""
        max_bytes, max_records = self._capacity(conn)
        if max_bytes is None and max_records is None:
            return todo
        count, used, shortest, longest = conn.execute(
            "SELECT count(*), coalesce(sum(length), 0), min(length), max(length) FROM records"
        ).fetchone()
        if count and (shortest < 128 or longest > rules.MAX_STORED_LENGTH):
            raise StoreDamaged(f"{self.path}: the index's length column is damaged (a record of "
                               f"{shortest if shortest < 128 else longest} bytes), so the used "
                               f"capacity is unknown; `whea store check --store {self.path}` "
                               "rebuilds it")
        existing = self._existing(conn, [keys[i] for i in todo])
        return fit_capacity(self.path, [len(checked[i].data) for i in todo], todo, keys, existing,
                            results, count, used, max_records, max_bytes)

    def _store(self, conn, checked, keys, todo, results, sources, existing: dict) -> None:
        """``existing``: the stored keys among ``todo``'s (``_against_store`` of this
        transaction looked them up)."""
        todo = self._fit(conn, checked, keys, todo, results)
        if not todo:
            return
        wanted = [keys[i] for i in todo]
        first_slot = self._next_slot(conn)
        slots = [first_slot + k for k in range(len(todo))]
        stamped = [rules.stamp(checked[i].data, slot) for i, slot in zip(todo, slots)]
        srcs = [sources[i] for i in todo]
        # a fully checked record was decoded already: its fault keys cost nothing more; the
        # header-only import leaves them to be computed when first needed (fault_state 0)
        fks = [checked[i].fault_keys for i in todo]
        rows = self._index_rows(conn, stamped, srcs, fault_keys=fks)
        self._replace(conn, existing, wanted, slots, stamped, rows, fks)
        for i in todo:
            results[i].replaced = keys[i] in existing

    @staticmethod
    def _next_slot(conn) -> int:
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
        return (seq[0] if seq else 0) + 1

    @staticmethod
    def _replace(conn, existing, keys, slots, datas, rows, fault_keys) -> None:
        """Delete the rows of ``existing`` keys and insert the new ones (inside a transaction).
        ``fault_keys``: per record its fault keys, or None when not computed."""
        old_slots = [(existing[key][0],) for key in keys if key in existing]
        conn.executemany("DELETE FROM records WHERE slot = ?", old_slots)
        conn.executemany("DELETE FROM record_data WHERE slot = ?", old_slots)
        conn.executemany(
            "INSERT INTO records (slot, host, record_id, ts, severity, length, inserted_at, idx, "
            "location) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((slot, host, signed(rid), int(row["timestamp"]), int(row["severity"]), len(data),
              int(row["inserted_at"]), row.tobytes(), location_text(fk))
             for (host, rid), slot, data, row, fk in zip(keys, slots, datas, rows, fault_keys)))
        origins: dict[str, bytes] = {}  # one host's origin bytes are the same for each record
        conn.executemany("INSERT INTO record_data (slot, crc, data, origin) VALUES (?, ?, ?, ?)",
                         ((slot, crc_bytes(data), data,
                           origins.get(host) or origins.setdefault(host, origin_bytes(host)))
                          for slot, data, (host, _) in zip(slots, datas, keys)))

    def restore_records(self, items: list[tuple[bytes, dict, int | None]], batch_size: int = 1000) -> None:
        """Store (bytes, source, inserted_at) exactly as given — already stamped records, e.g.
        salvaged ones. No validation, no new PersistenceInfo; a later item with the same
        (host, RecordId) replaces an earlier one."""
        self._require_writable()
        now = int(time.time())
        for start in range(0, len(items), batch_size):
            part = items[start:start + batch_size]
            last = {(host_of(src), rules.record_id_of(bytes(d))): k
                    for k, (d, src, _) in enumerate(part)}
            part = [part[k] for k in sorted(last.values())]
            datas = [bytes(d) for d, _, _ in part]
            keys = [(host_of(src), rules.record_id_of(d)) for d, (_, src, _) in zip(datas, part)]
            with self._lock:
                try:
                    with self._write() as conn:
                        existing = self._existing(conn, keys)
                        first = self._next_slot(conn)
                        slots = [first + k for k in range(len(part))]
                        srcs = [s or {} for _, s, _ in part]
                        fks = [self._keyer.keys(d, s) for d, s in zip(datas, srcs)]
                        rows = self._index_rows(conn, datas, srcs,
                                                [now if t is None else t for _, _, t in part], fks)
                        self._replace(conn, existing, keys, slots, datas, rows, fks)
                except DB_ERRORS as exc:
                    raise self._error(exc) from exc

    def _index_rows(self, conn, stamped: list[bytes], sources: list[dict],
                    inserted_at: list[int] | None = None,
                    fault_keys: list | None = None) -> np.ndarray:
        """Packed RecordTable rows with string codes replaced by ``names`` ids. ``fault_keys``:
        per record the ``faults.record_fault_keys`` tuple, or None (not computed)."""
        table = RecordTable.from_records(zip(stamped, sources))
        if fault_keys is not None:
            known = [i for i, k in enumerate(fault_keys) if k is not None]
            table.set_fault_keys(known, (fault_keys[i] for i in known))
        scodes = np.array(self._name_ids(conn, "s", table.strings) + [-1], np.int64)
        tcodes = np.array(self._name_ids(conn, "t", [",".join(t) for t in table.type_lists]) + [-1],
                          np.int64)
        rows = np.zeros(len(table), ROW_DTYPE)
        for name, _ in COLUMNS:
            rows[name] = table.columns[name]
        for name in STRING_COLUMNS:
            rows[name] = scodes[table.columns[name]]
        for name in FAULT_COLUMNS:  # -1 (none) stays
            col = table.columns[name]
            rows[name] = np.where(col >= 0, scodes[np.maximum(col, 0)], -1)
        rows["section_types"] = tcodes[table.columns["section_types"]]
        now = int(time.time())
        rows["inserted_at"] = now if inserted_at is None else [now if t < 0 else t for t in inserted_at]
        return rows

    def _name_ids(self, conn, kind: str, texts: list[str]) -> list[int]:
        out = []
        for text in texts:
            key = (kind, text)
            nid = self._names.get(key) or self._pending.get(key)
            if nid is None:
                row = conn.execute("SELECT id FROM names WHERE kind = ? AND text = ?", key).fetchone()
                nid = row[0] if row else conn.execute(
                    "INSERT INTO names (kind, text) VALUES (?, ?)", key).lastrowid
                self._pending[key] = nid
            out.append(nid)
        return out

    # -- reading many ------------------------------------------------------------------
    def __len__(self) -> int:
        return self.usage()[0]

    def get(self, record_id: int, host: str | None = None) -> bytes | None:
        result = self.read_error_record(record_id, host=host) if record_id else None
        return result.record if result and result.status == STATUS_SUCCESS else None

    def record_ids(self) -> np.ndarray:
        """Stored RecordIds in store order (uint64)."""
        with self._read() as conn:
            ids = np.fromiter((r[0] for r in conn.execute("SELECT record_id FROM records ORDER BY slot")),
                              dtype=np.int64)
        return ids.view(np.uint64)

    def iter_records(self, chunk: int = 256) -> Iterator[tuple[int, bytes]]:
        """(record id, bytes) in store order; sees records written while iterating."""
        last = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    "SELECT r.slot, r.record_id, d.crc, d.data FROM records r "
                    "LEFT JOIN record_data d ON d.slot = r.slot WHERE r.slot > ? ORDER BY r.slot "
                    "LIMIT ?", (last, chunk)).fetchall()
            if not rows:
                return
            for _slot, rid, crc, data in rows:
                if data is None or crc_bytes(data) != crc:
                    raise StoreDamaged(f"{self.path}: the bytes of record 0x{unsigned(rid):016X} "
                                       "are missing or fail their checksum; `whea store check` "
                                       "salvages the intact records")
                yield unsigned(rid), bytes(data)
            last = advance(last, rows, self.path)

    def analysis_table(self, keyer: FaultKeyer | None = None, chunk: int = 2048,
                       keep: Iterable[str] | None = None
                       ) -> tuple[RecordTable, np.ndarray, list[tuple[str, int]]]:
        """``record_table()`` with every row's fault keys, for an analysis of all records: one
        pass over the bytes checks each record's CRC and decodes only the records whose keys
        were not computed when they were stored (a header-only import). Returns the table, the
        positions of damaged records (missing or failing bytes; their keys stay unknown) and
        their (host, RecordId). ``keep``: the columns to hold (``record_table``)."""
        keyer = keyer or self._keyer
        table = self.record_table(keep)
        known = table.faults_known()
        bad: list[int] = []
        bad_keys: list[tuple[str, int]] = []
        todo_rows: list[int] = []
        todo_keys: list[tuple] = []
        strings = table.string_positions()
        for pos, host, rid, data in self._checked_bytes(chunk):
            if pos >= len(table):
                raise StoreDamaged(f"{self.path}: records were added while reading the index")
            if data is None:
                bad.append(pos)
                bad_keys.append((host, rid))
            elif not known[pos]:
                todo_rows.append(pos)
                todo_keys.append(keyer.keys(data, {"host": host} if host else {}))
                if len(todo_rows) >= KEYS_AT_ONCE:  # (a million keys held at once: ~130 MB)
                    table.set_fault_keys(todo_rows, todo_keys, strings)
                    todo_rows, todo_keys = [], []
        table.set_fault_keys(todo_rows, todo_keys, strings)
        return table, np.array(bad, np.int64), bad_keys

    def damaged_rows(self, chunk: int = 2048) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """Positions (in store order, as in ``record_table()``) and (host, RecordId) of the
        records whose bytes are missing or fail their checksum."""
        damaged = [(pos, host, rid) for pos, host, rid, data in self._checked_bytes(chunk) if data is None]
        return np.array([p for p, _, _ in damaged], np.int64), [(h, r) for _, h, r in damaged]

    def _checked_bytes(self, chunk: int) -> Iterator[tuple[int, str, int, bytes | None]]:
        """(position in store order, host, RecordId, bytes) of every record, read ``chunk`` rows
        at a time; the bytes are None when they are missing or fail their checksum."""
        last, pos = 0, 0
        while True:
            with self._read() as conn:
                part = conn.execute(
                    "SELECT r.slot, r.host, r.record_id, d.crc, d.data FROM records r LEFT JOIN "
                    "record_data d ON d.slot = r.slot WHERE r.slot > ? ORDER BY r.slot LIMIT ?",
                    (last, chunk)).fetchall()
            if not part:
                return
            for _slot, host, rid, crc, data in part:
                intact = isinstance(data, bytes) and crc_bytes(data) == crc
                yield pos, host, unsigned(rid), data if intact else None
                pos += 1
            last = advance(last, part, self.path)

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return self.iter_records()

    def record_table(self, keep: Iterable[str] | None = None) -> RecordTable:
        """The columnar index of every stored record, without reading a record's bytes.
        ``keep``: hold only these columns (``RecordTable.slim``), loaded chunk by chunk, so the
        whole 96-byte rows of a million records are never held at once."""
        keep = None if keep is None else set(keep)
        with self._read() as conn:
            top = conn.execute("SELECT max(id) FROM names").fetchone()[0]
            size = (-1 if top is None else top) + 1
            strings, type_lists = [""] * size, [()] * size
            # row by row: a fetchall of a million fault keys' names held a tuple each at once,
            # and the memory they left scattered stayed resident
            for nid, kind, text in conn.execute("SELECT id, kind, text FROM names"):
                if kind == "t":
                    type_lists[nid] = tuple(text.split(",")) if text else ()
                else:
                    strings[nid] = text
            count, lo, hi = conn.execute("SELECT count(*), min(slot), max(slot) FROM records").fetchone()
            held = [(name, code) for name, code in COLUMNS if keep is None or name in keep]
            cols = {name: np.zeros(count, code) for name, code in held}
            bad_rows = [0, 0]  # how many damaged rows, and the RecordId of the first

            def take(at: int, part: np.ndarray) -> None:
                bad = np.flatnonzero(meta.bad_index_rows(part, size))
                if len(bad) and not bad_rows[0]:
                    bad_rows[1] = int(part["record_id"][bad[0]])
                bad_rows[0] += len(bad)
                for name, _ in held:
                    cols[name][at:at + len(part)] = part[name]
            filled = self._load_rows(conn, take, count, lo, hi) if count else 0
        if filled != count:
            raise StoreDamaged(f"{self.path}: the record index has {filled} rows, expected {count}")
        if bad_rows[0]:
            raise StoreDamaged(
                f"{self.path}: {bad_rows[0]} index rows are damaged (values out of range, first at "
                f"record 0x{bad_rows[1]:016X}); `whea store check --store "
                f"{self.path}` rebuilds them from the record bytes")
        if keep is None:
            return RecordTable(cols, strings, type_lists)
        return RecordTable.holding(cols, strings, type_lists)

    def _load_rows(self, conn, take: Callable[[int, np.ndarray], None], count: int,
                   lo: int, hi: int) -> int:
        """Hand ``take(position, packed rows)`` the index rows in slot order, a chunk at a
        time; the number of rows read."""
        # group_concat joins the packed rows inside SQLite: one bytes object per chunk instead
        # of a Python object per row and column (text_factory=bytes keeps the bytes as they are)
        size = ROW_DTYPE.itemsize
        filled = 0
        old_factory = conn.text_factory
        conn.text_factory = bytes
        try:
            start = lo
            while start is not None and start <= hi:
                n, blob = conn.execute(
                    "SELECT count(*), group_concat(idx, '') FROM records WHERE slot >= ? AND slot < ?",
                    (start, start + _LOAD_CHUNK)).fetchone()
                if n and (blob is None or len(blob) != n * size):
                    parts = [r[0] for r in conn.execute(
                        "SELECT idx FROM records WHERE slot >= ? AND slot < ? ORDER BY slot",
                        (start, start + _LOAD_CHUNK))]
                    if len(parts) != n or not all(isinstance(p, bytes) for p in parts) or \
                            sum(map(len, parts)) != n * size:
                        raise StoreDamaged(f"{self.path}: damaged index rows near slot {start}; "
                                           f"`whea store check --store {self.path}` rebuilds "
                                           "them from the record bytes")
                    blob = b"".join(parts)
                if n:
                    if filled + n > count:
                        raise StoreDamaged(f"{self.path}: the index has more rows than it counts")
                    take(filled, np.frombuffer(blob, ROW_DTYPE))
                    filled += n
                # jump over empty slot ranges (a damaged max slot must not mean endless chunks)
                start = conn.execute("SELECT min(slot) FROM records WHERE slot >= ?",
                                     (start + _LOAD_CHUNK,)).fetchone()[0]
        finally:
            conn.text_factory = old_factory
        return filled

    # -- statistics --------------------------------------------------------------------
    def schema_version(self) -> int:
        with self._read() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    def stats(self) -> dict:
        table = self.record_table()
        max_bytes, max_records = self.capacity()
        count, used = self.usage()
        return {
            "path": self.path, "schema_version": self.schema_version(),
            "records": count, "bytes": used,
            "max_bytes": max_bytes, "max_records": max_records,
            "file_bytes": _file_bytes(self.path),
            **table_stats(table),
        }


SQLITE_MAGIC = b"SQLite format 3\x00"


def intact_analysis_table(path: str, keyer: FaultKeyer | None = None
                          ) -> tuple[RecordTable, list[str]] | None:
    """The analysis table of the SQLite store file ``path`` (``Store.analysis_table``) without
    its damaged records, and one message for each of them; None when ``path`` is no store file
    that opens (a reader of it then says why). For a whole-store analysis that decodes nothing
    (``whea timeline``, ``whea metrics``)."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as fh:
            if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                return None
        with Store(path, readonly=True) as store:
            table, bad, bad_keys = store.analysis_table(keyer, keep=ANALYSIS_COLUMNS)
    except (OSError, StoreError):
        return None
    said = [f"the bytes of record 0x{rid:016X}{f' of host {host}' if host else ''} are missing or "
            f"fail their checksum; `whea store check --store {path}` salvages the intact records"
            for host, rid in bad_keys]
    if len(bad):
        table = table.take(np.setdiff1d(np.arange(len(table)), bad))
    return table, said


def batch_plan(batch, checked, replace: bool, readonly: bool, path: str
               ) -> tuple[list[WriteResult], list[tuple[str, int]], list[int]]:
    """What every engine decides before touching its storage: a result per record (refused
    when its check failed), its (host, RecordId) key, and the positions still to write after
    the in-batch rules (a later copy of a key wins, identical copies are duplicates); none on
    a read-only store, whose records are answered STATUS_MEDIA_WRITE_PROTECTED."""
    results = [WriteResult(STATUS_INVALID_PARAMETER if not c.ok else STATUS_SUCCESS,
                           c.record_id, c.reason, notes=list(c.notes)) for c in checked]
    keys = [(host_of(src), c.record_id) for (_, src), c in zip(batch, checked)]
    todo = Store._within_batch([i for i, c in enumerate(checked) if c.ok], checked, keys,
                               results, replace)
    if todo and readonly:
        for i in todo:
            results[i].status, results[i].reason = STATUS_MEDIA_WRITE_PROTECTED, f"{path} is read-only"
        todo = []
    return results, keys, todo


SMALL_VOLUME = 256 << 20  # below this, every write folds the WAL back into the file


def _small_volume(folder: str) -> bool:
    """Is the store on a small file system (an NVRAM-sized partition, a small tmpfs)? There a
    WAL left to grow to its usual ~16 MB would fill the volume before the store does."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs on Windows: rely on the capacity setting
        return False
    return 0 < st.f_blocks * st.f_frsize < SMALL_VOLUME


def _write_protected(path: str) -> bool:
    # a file without write permission bits is read-only by intent, even for root
    return not os.access(path, os.W_OK) or os.stat(path).st_mode & 0o222 == 0


def _file_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
