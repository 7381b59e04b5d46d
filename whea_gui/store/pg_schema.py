"""The PostgreSQL store's schema and its versioned migrations (docs/fleet.md has the layout).

``whea_schema_version`` holds one row per migration applied (version, when). ``migrate`` runs
the missing steps inside one transaction under an advisory lock, so N importers that open a
new database at the same moment create the tables exactly once.

Version 1 layout — one row per stored record in ``whea_records``:

* key: ``(host, record_id)`` (unique); ``slot`` is the store order (a sequence: insertion
  order, never reused; PSHED's next-id order within a host);
* the record bytes exactly as stored (``data``) and their CRC-32 (``crc``);
* the columnar index as real columns: time (``ts``, NULL = no time; ``time_source``,
  ``event_time``), ``severity``, ``notify``/``creator`` GUIDs, ``section_types`` (GUID array),
  header fields, provenance (``src_path``, ``src_offset``, ``inserted_at``);
* what the timeline groups and counts by, computed once from the decoded record when it is
  written: ``notify_name``, ``section_name`` (first section's type), ``component`` and the
  fault keys ``location``, ``page_key``, ``dimm_key``, ``cpu_key`` — exactly the labels
  ``whea timeline`` shows (prefixed by the host, ``host | memory:node=0/card=1``); the
  record's plain-language ``summary`` and ``sections`` (JSON: per section its index, type,
  name, component, location fields and summary) — what the Parquet export writes, so an
  export never decodes.

Indexes serve the host and time-range queries: (host, slot), (host, ts), (ts), (record_id)
and the fault keys the threshold rules partition by.
"""

from __future__ import annotations

MIGRATION_LOCK = 0x57484541_5047  # pg_advisory_xact_lock key ("WHEA" "PG")

# COPY/INSERT column order of whea_records (slot and data last but one and last)
INDEX_COLUMNS = (
    "host", "record_id", "ts", "time_source", "event_time", "severity", "notify", "creator",
    "section_types", "section_count", "length", "flags", "kind", "problems", "src_path",
    "src_offset", "inserted_at", "notify_name", "section_name", "component", "location",
    "page_key", "dimm_key", "cpu_key", "summary", "sections",
)
RECORD_COLUMNS = ("slot", *INDEX_COLUMNS, "crc", "data")

_V1 = """
CREATE TABLE whea_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE SEQUENCE whea_records_slot_seq AS bigint;
CREATE TABLE whea_records (
    slot bigint PRIMARY KEY DEFAULT nextval('whea_records_slot_seq'),
    host text NOT NULL DEFAULT '',
    record_id bigint NOT NULL,
    ts bigint,
    time_source smallint NOT NULL,
    event_time bigint,
    severity smallint NOT NULL,
    notify text,
    creator text,
    section_types text[] NOT NULL,
    section_count integer NOT NULL,
    length integer NOT NULL,
    flags bigint NOT NULL,
    kind smallint NOT NULL,
    problems integer NOT NULL,
    src_path text,
    src_offset bigint NOT NULL DEFAULT 0,
    inserted_at bigint NOT NULL,
    notify_name text,
    section_name text,
    component text,
    location text,
    page_key text,
    dimm_key text,
    cpu_key text,
    summary text,
    sections jsonb,
    crc bigint NOT NULL,
    data bytea NOT NULL,
    CONSTRAINT whea_records_key UNIQUE (host, record_id));
ALTER SEQUENCE whea_records_slot_seq OWNED BY whea_records.slot;
CREATE INDEX whea_records_host_slot ON whea_records (host, slot);
CREATE INDEX whea_records_host_ts ON whea_records (host, ts);
CREATE INDEX whea_records_ts ON whea_records (ts);
CREATE INDEX whea_records_record_id ON whea_records (record_id);
CREATE INDEX whea_records_dimm ON whea_records (dimm_key, ts) WHERE dimm_key IS NOT NULL;
CREATE INDEX whea_records_page ON whea_records (page_key, ts) WHERE page_key IS NOT NULL;
CREATE INDEX whea_records_cpu ON whea_records (cpu_key, ts) WHERE cpu_key IS NOT NULL;
INSERT INTO whea_meta (key, value) VALUES ('application', 'whea-inspector store');
"""

# Version 2: running totals kept by the server itself, so timelines, thresholds and fault
# counts over millions of records read a few thousand rollup rows instead of the table.
# One statement-level trigger (transition tables: one call per COPY or DELETE, not per row)
# adds the inserted rows and subtracts the deleted ones, in the writer's transaction — exact
# under concurrent writers; rows are upserted in key order, so writers lock them in the same
# order. Existing records are counted once by the migration.
_ROLLUPS = {
    # hour of the record time (-1: no time), and what the timeline bins group by
    "whea_hour_counts": (
        "hour, time_source, severity, component, notify_name, section_name",
        "CASE WHEN ts IS NOT NULL AND time_source > 0 THEN ts / 3600 ELSE -1 END, time_source, "
        "severity, coalesce(component, ''), coalesce(notify_name, ''), coalesce(section_name, '')",
        "TRUE"),
    # minutes with records: where a storm can start
    "whea_minute_counts": ("minute", "ts / 60", "ts IS NOT NULL AND time_source > 0"),
    # threshold keys per UTC day and severity: which keys can reach a threshold in a window
    "whea_key_days": (
        "scope, key, day, severity",
        "s.scope, s.key, ts / 86400, severity",
        "ts IS NOT NULL AND time_source > 0 AND s.key IS NOT NULL"),
    "whea_location_counts": ("location", "location", "location IS NOT NULL"),
}
_KEY_SCOPES = ("CROSS JOIN LATERAL (VALUES ('page', page_key), ('dimm', dimm_key), "
               "('cpu', cpu_key)) AS s(scope, key)")


def _rollup_insert(table: str, source: str, sign: str) -> str:
    cols, exprs, where = _ROLLUPS[table]
    join = _KEY_SCOPES if table == "whea_key_days" else ""
    n = len(cols.split(","))
    order = ", ".join(str(i) for i in range(1, n + 1))
    return (f"INSERT INTO {table} AS t ({cols}, n) SELECT {exprs}, {sign} * count(*) FROM {source} "
            f"{join} WHERE {where} GROUP BY {order} ORDER BY {order} "
            f"ON CONFLICT ({cols}) DO UPDATE SET n = t.n + excluded.n")


_V2 = """
CREATE TABLE whea_hour_counts (hour bigint NOT NULL, time_source smallint NOT NULL,
    severity smallint NOT NULL, component text NOT NULL, notify_name text NOT NULL,
    section_name text NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (hour, time_source, severity, component, notify_name, section_name));
CREATE TABLE whea_minute_counts (minute bigint PRIMARY KEY, n bigint NOT NULL);
CREATE TABLE whea_key_days (scope text NOT NULL, key text NOT NULL, day bigint NOT NULL,
    severity smallint NOT NULL, n bigint NOT NULL, PRIMARY KEY (scope, key, day, severity));
CREATE TABLE whea_location_counts (location text PRIMARY KEY, n bigint NOT NULL);
CREATE INDEX whea_records_location ON whea_records (location, slot) WHERE location IS NOT NULL;
""" + ";\n".join(_rollup_insert(t, "whea_records", "1") for t in _ROLLUPS) + """;
CREATE FUNCTION whea_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE sign bigint := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
""" + "".join(f"    {_rollup_insert(t, 'changed', 'sign')};\n" for t in _ROLLUPS) + """    RETURN NULL;
END
$fn$;
CREATE TRIGGER whea_rollup_insert AFTER INSERT ON whea_records
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION whea_rollup();
CREATE TRIGGER whea_rollup_delete AFTER DELETE ON whea_records
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION whea_rollup();
"""

# Version 3, for threshold crossings (pg_timeline.candidate_ranges / crossings):
# * the key-days a hot run can start from (days with at least threshold / window-days records
#   of a key) are a range of an index on the count, not a pass over every key-day of the
#   scope (2.5M DIMM-days in a 10M-record store);
# * the fault-key indexes carry every column the window functions read (slot, severity,
#   time_source), so the records of the candidate ranges come from the index alone (an
#   index-only scan on pages VACUUM marked all-visible), not from one heap page per record;
# * the time index carries the time source, for storms (every timed record of the minutes
#   that can hold one, which on a busy fleet is nearly every record).
_V3 = ("CREATE INDEX whea_key_days_count ON whea_key_days (scope, n);\n"
       "DROP INDEX whea_records_ts;\n"
       "CREATE INDEX whea_records_ts ON whea_records (ts) INCLUDE (time_source);\n") + "".join(
    f"DROP INDEX whea_records_{scope};\n"
    f"CREATE INDEX whea_records_{scope} ON whea_records ({scope}_key, ts) "
    f"INCLUDE (slot, severity, time_source) WHERE {scope}_key IS NOT NULL;\n"
    for scope in ("dimm", "page", "cpu"))

# The oldest version a read-only open reads as it is: later steps only add indexes (its
# queries give the same answers, slower); older ones lack the rollups the queries read.
READABLE_FROM = 2

# MIGRATIONS[i] brings a database from version i to version i + 1.
MIGRATIONS: list[str] = [_V1, _V2, _V3]


def latest_version() -> int:
    return len(MIGRATIONS)


def current_version(conn) -> int:
    """0 for a database without the store's tables."""
    exists = conn.execute("SELECT to_regclass('whea_schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM whea_schema_version").fetchone()
    return int(row[0])


def migrate(conn, now: int) -> int:
    """Bring the schema to the latest version (one transaction); returns the version found."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS whea_schema_version ("
                     "version integer PRIMARY KEY, applied_at bigint NOT NULL)")
        found = current_version(conn)
        for version in range(found, latest_version()):
            conn.execute(MIGRATIONS[version])
            conn.execute("INSERT INTO whea_schema_version (version, applied_at) VALUES (%s, %s)",
                         (version + 1, now))
        if found == 0:
            conn.execute("INSERT INTO whea_meta (key, value) VALUES ('created_at', %s) "
                         "ON CONFLICT (key) DO NOTHING", (str(now),))
    return found
