"""``whea store ...``: the persistent record store from the command line (docs/store.md)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sqlite3
import sys

from ..decode import decode_record, record_to_json
from ..sources import iter_path
from ..sources.base import SourceError
from ..store import (
    DEFAULT_PATH,
    STATUS_INVALID_PARAMETER,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    WHEA_WRITE_FLAG_DUMMY,
    RecordStore,
    Store,
    StoreDamaged,
    StoreError,
    engine_of,
    open_store,
    redact,
    status_name,
)
from ..store.rules import MAX_HOST_BYTES, host_problem
from ..store.salvage import check_store, repair, salvage
from . import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ._args import count, end_time, iso_time, output_problem, utf8_text
from ._output import AtomicOutput, same_file_problem
from .decode import render_text

HELP = "keep records in a persistent store (PSHED write/read/clear semantics)"
EPILOG = """The store: --store SPEC, else $WHEA_STORE, else ./whea-store.sqlite. SPEC is a SQLite
file path, or an engine named by a prefix (postgresql://…, erst:FILE, uefi:FILE; docs/stores.md).
Records are keyed by (host, RecordId): each host's records form their own PSHED store.
Record ids are decimal or 0x-hex; `read 0` reads the first record.

exit status:
  0  done
  1  a record was refused, kept (same key, other bytes) or not found; an input failed;
     writing the output failed; `check`: damage found (and repaired or salvaged)
  2  unusable arguments, or a store that cannot be used or written (missing, damaged, full);
     list, stats, read, export and check never create a store: a missing, empty or non-store
     file is refused
"""


def register(sub) -> None:
    p = sub.add_parser("store", help=HELP, description=HELP + ".", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", metavar="PATH", help="store file")
    cmds = p.add_subparsers(dest="store_command", metavar="COMMAND")
    p.set_defaults(func=lambda args: _usage(p))

    def cmd(name, func, help_text):
        c = cmds.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        c.add_argument("--store", metavar="PATH", default=argparse.SUPPRESS, help="store file")
        c.set_defaults(func=lambda args: _guard(func, args))
        return c

    c = cmd("init", run_init, "create a store (optionally limited like an NVRAM area)")
    c.add_argument("--max-bytes", type=count(0), metavar="N", help="capacity in record bytes")
    c.add_argument("--max-records", type=count(0), metavar="N", help="capacity in records")

    c = cmd("write", run_write, "WriteErrorRecord every record of each FILE (full validation)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--dummy", action="store_true", help="WHEA_WRITE_FLAG_DUMMY: validate only")
    c.add_argument("--replace", action="store_true",
                   help="replace a stored record with the same host and RecordId but other bytes")
    c.add_argument("--host", type=host_name, help="host name to record as the records' origin "
                   f"(at most {MAX_HOST_BYTES} bytes, no control characters)")

    c = cmd("read", run_read, "ReadErrorRecord: show a record (0 = the first) or save its bytes")
    c.add_argument("record_id", metavar="ID")
    c.add_argument("--host", type=utf8_text, help="the host whose record (needed when several hosts have ID)")
    c.add_argument("-o", "--output", metavar="FILE", help="write the record's bytes to FILE")
    c.add_argument("--json", action="store_true", help="the decoded record as JSON")

    c = cmd("clear", run_clear, "ClearErrorRecord for each ID")
    c.add_argument("record_ids", nargs="+", metavar="ID")
    c.add_argument("--host", type=utf8_text, help="the host whose records (needed when several hosts have an ID)")

    c = cmd("list", run_list, "list stored records from the index (no decoding)")
    _filters(c)
    c.add_argument("--json", action="store_true", help="JSON Lines, one object per record")
    c.add_argument("--limit", type=count(0), metavar="N", help="at most N records")
    c.add_argument("--sort", choices=("store", "time"), default="store",
                   help="store order (default) or by time, newest first")

    c = cmd("import", run_import, "store the records of any input (files, event logs, ...)")
    c.add_argument("sources", nargs="+", metavar="SOURCE")
    c.add_argument("--host", type=host_name, help="host name to record as the records' origin "
                   f"(at most {MAX_HOST_BYTES} bytes, no control characters)")
    c.add_argument("--fast", action="store_true",
                   help="check headers only instead of decoding every record (millions of records)")
    c.add_argument("--replace", action="store_true",
                   help="replace a stored record with the same host and RecordId but other bytes")

    c = cmd("export", run_export, "write stored records out (a folder: one .cper file each)")
    c.add_argument("-o", "--output", metavar="DIR|FILE",
                   help="a folder (existing, or ending in /) or one file; default standard output")
    _filters(c)

    c = cmd("stats", run_stats, "counts, capacity, time range")
    c.add_argument("--json", action="store_true")

    c = cmd("check", run_check, "integrity check; rebuild damaged metadata, or salvage intact "
                                "records of a damaged store into a new one")
    c.add_argument("-o", "--salvage-to", dest="output", metavar="NEW",
                   help="salvage into NEW instead of repairing in place (default when records "
                        "are damaged or the store is read-only: STORE.salvaged.sqlite)")


def _filters(c) -> None:
    c.add_argument("--severity", type=utf8_text, action="append", help="fatal, corrected, recoverable, informational")
    c.add_argument("--type", action="append", help="section type GUID or name")
    c.add_argument("--since", type=iso_time, metavar="TIME", help="time from (ISO date/time)")
    c.add_argument("--until", type=end_time, metavar="TIME",
                   help="time before (ISO date/time; a date alone: the end of that day)")
    c.add_argument("--text", help="text in names, GUIDs, sources or the record id")
    c.add_argument("--source", type=utf8_text, help="text in the source path or host")


def host_name(text: str) -> str:
    """``--host``: UTF-8, at most MAX_HOST_BYTES, no control characters (store.rules)."""
    text = utf8_text(text)
    problem = host_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _guard(func, args) -> int:
    try:
        return func(args)
    except StoreError as exc:
        print(f"whea: {redact(exc, store_path(args))}", file=sys.stderr)
        return EXIT_USAGE
    except (sqlite3.Error, UnicodeDecodeError) as exc:  # should have been a StoreError
        print(f"whea: {redact(store_path(args))}: the store cannot be read ({exc})",
              file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"whea: {redact(exc.filename or store_path(args))}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE


def store_path(args) -> str:
    return getattr(args, "store", None) or os.environ.get("WHEA_STORE") or DEFAULT_PATH


def parse_id(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        try:
            value = int(text, 16)
        except ValueError:
            raise StoreError(f"{text!r} is not a record id (decimal or 0x-hex)") from None
    if not 0 <= value < 1 << 64:
        raise StoreError(f"{text!r} is not a 64-bit record id")
    return value


def _open(args, *, create: bool = False, readonly: bool | None = None) -> RecordStore:
    return open_store(store_path(args), create=create, readonly=readonly)


SQLITE_MAGIC = b"SQLite format 3\x00"


def _existing_store(args) -> str:
    """The store path of a read-only command, refused (a usage error) unless it is an existing
    SQLite file: opening anything else would turn it into a new, empty store."""
    path = store_path(args)
    if engine_of(path) != "sqlite":
        return path  # a server or a platform container: its engine checks it when opened
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise StoreError(f"{path}: no store here (create one with `whea store init`)") from None
    except IsADirectoryError:
        raise StoreError(f"{path}: is a folder, not a store file") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise StoreError(f"{path}: an empty file, not a store (left as it is)")
    if head != SQLITE_MAGIC:
        raise StoreError(f"{path}: not a store (no SQLite header; left as it is; if it is a "
                         "damaged store, `whea store check --store PATH -o NEW` salvages it)")
    return path


def _open_existing(args) -> Store:
    """An existing store for a command that only reads it (read, list, export, stats, check of
    a container): opened read-only, so reading never changes it — an old schema is read
    through a migrated copy (SQLite) or as it is (PostgreSQL), an ERST file never formatted."""
    _existing_store(args)
    return _open(args, create=False, readonly=True)


def _check_output(path: str | None, *, folder: bool = False, args=None) -> None:
    problem = output_problem(path, folder=folder) if path else None
    if problem:
        raise StoreError(f"cannot write {problem}; nothing was written")
    if path and args is not None:
        _refuse_store_file(path, args)


CONTAINER_ENGINES = ("erst", "uefi", "varstore")


def store_files(args) -> list[str]:
    """The files the store is kept in: an SQLite file with its -wal/-shm/-journal, an ERST
    file, a UEFI store with the copy its writes go to. None for a server."""
    path = store_path(args)
    engine = engine_of(path)
    if engine == "sqlite":
        return [path] + [path + tail for tail in ("-wal", "-shm", "-journal")]
    if engine not in CONTAINER_ENGINES:
        return []
    target = path.partition(":")[2]
    if engine == "erst":
        return [target]
    from ..store.varstore import default_copy
    return [target, default_copy(target)]


def _refuse_store_file(output: str, args) -> None:
    """An output that is one of the store's own files (also through a link) would replace the
    store: refused as an unusable argument before anything is opened or written."""
    files = store_files(args)
    same = same_file_problem(output, [f for f in files if os.path.exists(f)])
    real = os.path.realpath(output)
    if same is None:
        same = next((f"{output} is the store's file {f}; writing it would replace the store "
                     "(name another output)" for f in files if os.path.realpath(f) == real), None)
    if same:
        raise StoreError(f"{same}; nothing was written")


def _check_by_checksums(args, spec: str) -> int:
    """``check`` of a store that is not a SQLite file (a server, a platform container): the
    checksum of every record, read through the engine. Damage is listed, not salvaged (the
    engine keeps its own storage; --output applies to SQLite files only)."""
    if args.output is not None:
        raise StoreError(f"{redact(spec)}: -o/--output (salvage) applies to SQLite store files; "
                         "this store is checked in place")
    with open_store(spec, readonly=True, create=False) as store:
        _bad, keys = store.damaged_rows()
        total = len(store)
        name = store.path
    if not keys:
        print(f"{name}: ok ({total} records, every checksum matches)")
        return EXIT_OK
    print(f"{name}: DAMAGED: {len(keys)} of {total} records fail their checksum", file=sys.stderr)
    for host, rid in keys[:20]:
        print(f"  record {rid:#x}" + (f" of host {host!r}" if host else ""), file=sys.stderr)
    if len(keys) > 20:
        print(f"  … and {len(keys) - 20} more", file=sys.stderr)
    return EXIT_FINDINGS


# -- commands -----------------------------------------------------------------------------
def run_init(args) -> int:
    path = store_path(args)
    engine = engine_of(path)
    server = engine in ("postgresql", "postgres")  # the server store creates its schema
    target = path if engine == "sqlite" or server else path.partition(":")[2]
    existed = server or os.path.exists(target)
    if not existed:
        _check_output(target)
    limits = args.max_bytes is not None or args.max_records is not None
    if limits and engine in CONTAINER_ENGINES:  # refused before a file is made
        raise StoreError(f"{path}: the capacity of this store is fixed by its container; "
                         "--max-bytes/--max-records do not apply; nothing was created")
    with open_store(path, create=True) as store:
        if limits and not hasattr(store, "set_capacity"):
            raise StoreError(f"{path}: the capacity of this store is fixed by its container; "
                             "--max-bytes/--max-records do not apply")
        if limits:
            store.set_capacity(args.max_bytes, args.max_records)
        count_, used = store.usage()
        limit_b, limit_r = store.capacity()
    state = "ready" if server else "exists" if existed else "created"
    print(f"{store.path}: store {state}, {count_} records ({used} bytes); capacity "
          f"{_limit(limit_b, 'bytes')}, {_limit(limit_r, 'records')}")
    return EXIT_OK


def _limit(value, unit: str) -> str:
    return f"{value} {unit}" if value is not None else f"unlimited {unit}"


class _Inputs:
    """Reads each input in turn for a batch write; a failing input (unreadable, or a reader
    that raises) is reported with its file name and place, and the next input is read."""

    def __init__(self, paths: list[str], host: str | None = None, store: str | None = None) -> None:
        self.paths, self.host = paths, host
        # the target store's own files, when a folder read holds them: never inputs of it
        self.own = {os.path.realpath(store + end) for end in ("", "-wal", "-shm", "-journal")} \
            if store and engine_of(store) == "sqlite" else set()
        self.failures: list[str] = []
        self.read = 0  # inputs read to the end
        self.events = 0  # WhLg event-log entries skipped
        self.tables = 0  # Kernel-WHEA Event ID 5 error-source tables skipped

    def _problem(self, path: str, failed: list[bool]):
        def report(problem) -> None:
            if self._own(getattr(problem, "path", None)):
                return  # the store's own WAL/SHM files, met in a folder
            print(f"whea: {problem}", file=sys.stderr)
            if getattr(problem, "level", "error") == "error" and not failed[0]:
                failed[0] = True
                self.failures.append(str(problem))
        return report

    def _own(self, path) -> bool:
        return bool(self.own) and isinstance(path, str) and os.path.realpath(path) in self.own

    def __iter__(self):
        for path in self.paths:
            failed = [False]
            done = 0
            try:
                for ref in iter_path(path, on_problem=self._problem(path, failed), records_only=True):
                    if self._own(ref.source.get("path")):
                        continue  # the target store read as a source: its records are its own
                    done += 1
                    if ref.data[:4] == b"WhLg":  # an event-log entry, not an error record
                        self.events += 1
                        continue
                    if ref.source.get("format") == "error_source_table":  # Event ID 5's list
                        self.tables += 1
                        continue
                    source = dict(ref.source)
                    if self.host:
                        source["host"] = self.host
                    yield ref, source
            except SourceError as exc:
                self._fail(str(exc), failed)
                continue
            except Exception as exc:  # noqa: BLE001 - one input's reader bug must not stop the rest
                self._fail(f"{path}: the reader failed after {done} records "
                           f"({type(exc).__name__}: {exc})", failed)
                continue
            self.read += 1

    def _fail(self, message: str, failed: list[bool]) -> None:
        print(f"whea: {message}", file=sys.stderr)
        if failed[0]:
            self.failures[-1] = message
        else:
            self.failures.append(message)


def _record_status(result) -> int:
    if result.ok:
        return EXIT_OK
    if result.status in (STATUS_INVALID_PARAMETER, STATUS_OBJECT_NAME_COLLISION):
        return EXIT_FINDINGS
    return EXIT_USAGE  # the store is full, read-only or busy


def _where(source: dict) -> str:
    return f"{source.get('path', '?')}@{source.get('offset', 0)}"


def run_write(args) -> int:
    status = EXIT_OK
    flags = WHEA_WRITE_FLAG_DUMMY if args.dummy else 0
    inputs = _Inputs(args.files, args.host)
    with _open(args, create=True) as store:
        for ref, source in inputs:
            where = _where(source)
            result = store.write_error_record(ref.data, flags, source=source, replace=args.replace)
            if result.ok:
                verb = ("validated" if args.dummy else "already stored" if result.duplicate
                        else "replaced" if result.replaced else "wrote")
                print(f"{verb} 0x{result.record_id:016X} from {where}")
            else:
                print(f"whea: {where}: {result.status_name}: {result.reason}", file=sys.stderr)
                status = max(status, _record_status(result))
            for note in result.notes:
                print(f"whea: {where}: note: {note}", file=sys.stderr)
    if inputs.failures:
        print(f"{len(inputs.failures)} input{'s' if len(inputs.failures) > 1 else ''} failed: "
              + "; ".join(inputs.failures), file=sys.stderr)
        status = max(status, EXIT_FINDINGS)
    return status


def run_read(args) -> int:
    rid = parse_id(args.record_id)
    _check_output(args.output, args=args)
    with _open_existing(args) as store:
        result = store.read_error_record(rid, host=args.host)
        hosts = (store.hosts_of(result.record_id) if args.host is None and result.record
                 else [args.host or ""])
    if result.status == STATUS_OBJECT_NOT_FOUND:
        what = "the store is empty" if rid == 0 else f"no record 0x{rid:016X}"
        if args.host is not None:
            what += f" for host {args.host!r}"
        print(f"whea: {store.path}: {what} (STATUS_OBJECT_NOT_FOUND)", file=sys.stderr)
        return EXIT_FINDINGS
    last = result.next_record_id == result.record_id  # docs/store.md: the last answers its own id
    nxt = f"0x{result.next_record_id:016X}" + (" (its own: the last record)" if last else "")
    whose = _whose(hosts)
    if args.output:
        with open(args.output, "wb") as fh:
            fh.write(result.record)
        print(f"record 0x{result.record_id:016X}{whose}: {result.length} bytes written to "
              f"{args.output}; next record id {nxt}")
        return EXIT_OK
    rec = decode_record(result.record, source={"path": f"{store.path} record 0x{result.record_id:016X}",
                                               "offset": 0})
    if args.json:
        out = record_to_json(rec)
        out["next_record_id"] = result.next_record_id
        out["last_record"] = last
        out["hosts"] = hosts
        print(json.dumps(out))
    else:
        print(f"record 0x{result.record_id:016X}{whose} ({result.length} bytes), next record id "
              f"{nxt}")
        print(render_text(rec))
    return EXIT_FINDINGS if rec.has_errors() else EXIT_OK


def run_clear(args) -> int:
    ids = [parse_id(t) for t in args.record_ids]
    status = EXIT_OK
    with _open(args, create=False) as store:
        for rid in ids:
            code = store.clear_error_record(rid, host=args.host)
            if code == STATUS_SUCCESS:
                print(f"cleared 0x{rid:016X}")
            else:
                read_only = getattr(store, "readonly", False) and code != STATUS_OBJECT_NOT_FOUND
                why = " (the store is read-only)" if read_only else ""
                print(f"whea: {getattr(store, 'path', '')}: 0x{rid:016X}: {status_name(code)}{why}",
                      file=sys.stderr)
                status = max(status, EXIT_FINDINGS if code == STATUS_OBJECT_NOT_FOUND else EXIT_USAGE)
    return status


def _selected(store: Store, args):
    table = store.record_table()
    try:
        idx = table.filter(text=args.text, severity=args.severity, types=args.type,
                           start=args.since, end=args.until, source=args.source)
    except ValueError as exc:
        raise StoreError(f"bad filter: {exc}") from None
    return table, idx


def _damage(store) -> list[str]:
    """A platform container's structural damage (file and byte offset each), else []; its
    warnings are printed now (they do not change the exit status)."""
    warnings = getattr(store, "warnings", None)
    for text in warnings() if callable(warnings) else []:
        print(f"whea: {text}", file=sys.stderr)
    damage = getattr(store, "damage", None)
    return damage() if callable(damage) else []


def _report_damage(damage: list[str]) -> int:
    """Print the damage after the records that could be read: exit 1 when there is some."""
    for text in damage:
        print(f"whea: {text} (the records before the damage are listed; "
              "`whea store check` shows every finding)", file=sys.stderr)
    return EXIT_FINDINGS if damage else EXIT_OK


def run_list(args) -> int:
    with _open_existing(args) as store:
        table, idx = _selected(store, args)
        damage = _damage(store)
    if args.sort == "time":
        idx = idx[table.take(idx).argsort("timestamp", descending=True)]
    if args.limit is not None:
        idx = idx[:args.limit]
    out = sys.stdout
    for i in idx:
        row = table.row(int(i))
        if args.json:
            row["record_id_hex"] = f"0x{row['record_id']:016X}"
            out.write(json.dumps(row) + "\n")
            continue
        when = row["timestamp"] or "-"
        if row["time_source"] == "event":
            when += " (event)"
        types = "+".join(row["section_type_names"]) or "-"
        where = f"{row['path']}@{row['offset']}" if row["path"] else ""
        if row["host"]:
            where = f"{row['host']}:{where}"
        out.write(f"0x{row['record_id']:016X}  {when:<28} {row['severity_name'] or '-':<13} "
                  f"{row['notify_type_name'] or '-':<32} {types}  {row['length']} B  {where}\n")
    return _report_damage(damage)


def _whose(hosts: list[str]) -> str:
    """`` of host 'x'`` for a read: the host when one stores the id, else the choice."""
    if len(hosts) == 1:
        return f" of host {hosts[0]!r}" if hosts[0] else ""
    return (" of one of the hosts " + ", ".join(repr(h) for h in hosts)
            + " (the store's first host; --host chooses)")


SAME_FAILURE_SHOWN = 5  # lines per failure status before an import only counts them


# RecordId 0 is reserved by the store (it reads the first record), but real records carry it:
# Windows revision 1.1 BOOT records from BERT (DecodeWheaRecord issue #5). An import gives such a
# record an id made from its bytes (bit 63 set, so it reads as assigned, never FILETIME-like),
# writes it into the stored copy's header and says so. The same bytes always get the same id,
# so importing them again finds the stored copy. write_error_record still refuses id 0 (PSHED).
ASSIGNED_ID_BIT = 1 << 63


def assign_import_id(data: bytes) -> tuple[bytes, int] | None:
    """(the record with an assigned RecordId, that id) for a CPER record whose RecordId is 0."""
    if len(data) < 104 or data[:4] != b"CPER" or any(data[96:104]):
        return None
    length = int.from_bytes(data[20:24], "little")
    digest = hashlib.blake2b(data[:length] if 128 <= length <= len(data) else data, digest_size=8)
    rid = int.from_bytes(digest.digest(), "little") | ASSIGNED_ID_BIT
    if rid == 0xFFFFFFFFFFFFFFFF:  # ERST's "no record"
        rid ^= 1
    return data[:96] + rid.to_bytes(8, "little") + data[104:], rid


def run_import(args) -> int:
    status = EXIT_OK
    inputs = _Inputs(args.sources, args.host, store_path(args))
    seen: dict[str, int] = {}
    assigned = 0

    def with_id(data: bytes, source: dict) -> bytes:
        nonlocal assigned
        got = assign_import_id(data)
        if got is None:
            return data
        assigned += 1
        if assigned <= SAME_FAILURE_SHOWN:
            print(f"whea: {_where(source)}: RecordId 0 is reserved by the store (it reads the first "
                  f"record); stored as RecordId 0x{got[1]:016X}, made from the record's bytes and "
                  "written into the stored copy's header", file=sys.stderr)
        return got[0]

    def on_result(result, source):
        nonlocal status
        if result.ok:
            return
        status = max(status, _record_status(result))
        n = seen[result.status_name] = seen.get(result.status_name, 0) + 1
        if n <= SAME_FAILURE_SHOWN:
            print(f"whea: {_where(source)}: {result.status_name}: {result.reason}", file=sys.stderr)
        if n == SAME_FAILURE_SHOWN:
            print(f"whea: (further {result.status_name} records are counted, not listed)",
                  file=sys.stderr)

    records = ((with_id(ref.data, source), source) for ref, source in inputs)
    with _open(args, create=True) as store:
        summary = store.write_records(records, validate="header" if args.fast else "full",
                                      on_result=on_result, replace=args.replace)
    print(_import_summary(summary, inputs))
    if assigned:
        print(f"{assigned} record{'s' if assigned > 1 else ''} had RecordId 0 (reserved) and "
              f"{'were' if assigned > 1 else 'was'} given an id made from the record's bytes "
              "(bit 63 set)")
    for name, n in seen.items():
        if n > SAME_FAILURE_SHOWN:
            print(f"whea: {n:,} records in all failed with {name} "
                  f"({n - SAME_FAILURE_SHOWN:,} not listed above)", file=sys.stderr)
    if inputs.events:
        print(f"skipped {inputs.events} WhLg event-log entries (the store keeps CPER error records)")
    if inputs.tables:
        print(f"skipped {inputs.tables} error-source tables (Event ID 5; the store keeps CPER "
              "error records)")
    if inputs.failures:
        status = max(status, EXIT_FINDINGS)
    return status


def _import_summary(summary, inputs: _Inputs) -> str:
    parts = [f"{summary.written - summary.duplicates} stored"]
    if summary.replaced:
        parts.append(f"{summary.replaced} of them replaced an earlier copy (--replace)")
    if summary.duplicates:
        parts.append(f"{summary.duplicates} already stored (identical copies)")
    if summary.refused:
        parts.append(f"{summary.refused} refused as invalid")
    if summary.collisions:
        parts.append(f"{summary.collisions} not stored: the same host and RecordId is stored "
                     "with other bytes (--replace replaces)")
    if summary.failed:
        parts.append(f"{summary.failed} could not be written")
    parts.append(f"from {inputs.read} of {len(inputs.paths)} inputs")
    text = ", ".join(parts)
    if inputs.failures:
        n = len(inputs.failures)
        text += f"; {n} input{'s' if n > 1 else ''} failed: " + "; ".join(inputs.failures)
    return text


def _export_name(host: str, rid: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", host)[:80]
    return f"{safe}-{rid:016X}.cper" if host else f"{rid:016X}.cper"


def run_export(args) -> int:
    out = args.output
    folder = bool(out) and (os.path.isdir(out) or out.endswith(("/", os.sep)))
    _check_output(out, folder=folder, args=args)
    if not out and sys.stdout.isatty():
        raise StoreError("refusing to write binary records to a terminal; use -o FILE or a pipe")
    damaged = 0
    with _open_existing(args) as store:
        structure = _damage(store)
        table, idx = _selected(store, args)
        keys = [(table.string(int(table.host[i])) or "", int(table.record_id[i])) for i in idx]

        def records():
            """(host, id, bytes) of each intact record; a damaged one is reported and skipped."""
            nonlocal damaged
            for host, rid in keys:
                try:
                    yield host, rid, store.read_error_record(rid, host=host).record
                except StoreDamaged as exc:
                    print(f"whea: {exc}", file=sys.stderr)
                    damaged += 1

        if folder:
            os.makedirs(out, exist_ok=True)
            for host, rid, data in records():
                with open(os.path.join(out, _export_name(host, rid)), "wb") as fh:
                    fh.write(data)
        else:
            sink = AtomicOutput(out or "-")  # a file appears only when complete
            try:
                for _, _, data in records():
                    sink.write(data)
                sink.commit()
            except BaseException:
                sink.discard()
                raise
    skipped = f"; {damaged} damaged records left out" if damaged else ""
    print(f"exported {len(keys) - damaged} records to {out or 'standard output'}{skipped}",
          file=sys.stderr)
    return max(EXIT_FINDINGS if damaged else EXIT_OK, _report_damage(structure))


def run_stats(args) -> int:
    with _open_existing(args) as store:
        stats = store.stats()
    damage = stats.get("damage") or []
    if args.json:
        print(json.dumps(stats))
        return _report_damage(damage)
    print(f"store        {stats['path']} (schema version {stats['schema_version']}, "
          f"{stats['file_bytes']} bytes on disk)")
    print(f"records      {stats['records']} ({stats['bytes']} bytes of records)")
    print(f"capacity     {_limit(stats['max_bytes'], 'bytes')}, {_limit(stats['max_records'], 'records')}")
    print("severity     " + (", ".join(f"{k} {v}" for k, v in stats["severity"].items() if v) or "-"))
    print(f"time range   {stats['first_time'] or '-'} .. {stats['last_time'] or '-'}")
    hostless = stats.get("records_without_host") or 0
    hosts = ", ".join(stats["hosts"]) or "-"
    if hostless:  # so the hosts listed are not read as every record's
        hosts += f" (and {hostless} record{'s' if hostless != 1 else ''} without a host)"
    print(f"sources      {stats['sources']} files; hosts: {hosts}")
    if damage:
        print(f"damage       {len(damage)} problems (below); records after the damage are not counted")
    return _report_damage(damage)


def _check_container(args) -> int:
    """`check` of an ERST file or a UEFI variable store: the container's findings; such a
    container is never rebuilt or salvaged here (its readable records export as they are)."""
    path = store_path(args)
    if args.output is not None:
        raise StoreError(f"{path}: salvage (-o) is for SQLite stores; `whea store export -o FILE` "
                         "writes this container's readable records")
    try:
        store = _open_existing(args)
    except StoreDamaged as exc:
        print(f"{path}: DAMAGED (unusable)\n  {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    with store:
        findings = store.findings()
        records = len(store)
        where = store.path
    errors = [f for f in findings if f.level == "error"]
    for f in findings:
        print(f"  {f.level}: {where} at byte offset {f.offset}: {f.message}",
              file=sys.stderr if f.level == "error" else sys.stdout)
    if errors:
        print(f"{path}: DAMAGED ({len(errors)} errors; {records} records readable before the "
              "damage; not repaired: the container is left as it is)", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"{path}: ok ({records} records; {len(findings)} notes and warnings)")
    return EXIT_OK


def run_check(args) -> int:
    path = store_path(args)
    if engine_of(path) in CONTAINER_ENGINES:
        return _check_container(args)
    if engine_of(path) != "sqlite":
        return _check_by_checksums(args, path)
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        _existing_store(args)  # missing, a folder or empty: nothing to check or salvage
    report = check_store(path)
    if report.ok:
        print(f"{path}: ok ({report.records} records, integrity check passed, every checksum matches)")
        return EXIT_OK
    print(f"{path}: DAMAGED", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    if report.repairable and args.output is None and not report.readonly:
        result = repair(path)
        print(f"rebuilt the store's metadata and index in place: {result}")
        after = check_store(path)
        if after.ok:
            print(f"{path}: ok now ({after.records} records)")
            return EXIT_FINDINGS
        print(f"{path}: still damaged after the rebuild; salvaging", file=sys.stderr)
    elif report.repairable and args.output is None:
        print(f"{path} is read-only: salvaging into a new store instead of rebuilding in place",
              file=sys.stderr)
    output = args.output or f"{path}.salvaged.sqlite"
    _check_output(output, args=args)
    result = salvage(path, output)
    print(f"salvaged {result.recovered} intact records into {output} "
          f"({result.from_tables} read through SQLite, {result.from_pages} found in the file's pages; "
          f"{result.bad_copies} damaged copies left out)")
    for note in result.notes:
        print(f"  note: {note}")
    return EXIT_FINDINGS
