"""RecordTable: the columnar record index (numpy) behind lists, filters, timelines and reports.

Built from raw record bytes without decoding (``index/header.py``), so millions of records can be
listed, filtered and sorted; only a record a person opens is decoded. String-like columns hold
small integer codes: ``notify``, ``creator``, ``path`` and ``host`` index ``strings``;
``section_types`` indexes ``type_lists`` (one tuple of section-type GUIDs per distinct list).
Code -1 means "none". The ``fault_*`` columns (component label, fault location key, and the
page / DIMM / CPU keys of the threshold rules: ``index.faults.record_fault_keys``) need the
section bodies decoded; they count only where ``fault_state`` is 1 (computed: ``index.faultindex``).
A table built with zeros for columns it does not know (another engine's rows) thus has no fault
keys rather than wrong ones.
Times are int64 seconds since 1970 (-1 = missing); ``times()`` gives
datetime64[s] with NaT.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..core import guids
from ..formats.cper import SEVERITY
from . import header as hdr
from .timestamps import MISSING, to_datetime64

TIME_NONE, TIME_RECORD, TIME_EVENT = 0, 1, 2
TIME_SOURCES = ("none", "record", "event")
SEVERITY_NAMES = tuple(SEVERITY[code].lower() for code in range(4)) + ("undefined",)

COLUMNS: tuple[tuple[str, str], ...] = (
    ("record_id", "<u8"),
    ("timestamp", "<i8"),      # record time, else event time, else -1
    ("time_source", "i1"),     # TIME_SOURCES
    ("event_time", "<i8"),     # time the source (event log) gives, -1 if none
    ("severity", "i1"),        # 0-3, 4 = undefined value, -1 = missing
    ("notify", "<i4"),
    ("creator", "<i4"),
    ("section_types", "<i4"),
    ("section_count", "<u2"),
    ("length", "<u4"),
    ("flags", "<u4"),
    ("kind", "i1"),            # header.KIND_NAMES
    ("problems", "<u2"),       # header.PROBLEM_NAMES bits
    ("path", "<i4"),
    ("offset", "<i8"),
    ("host", "<i4"),
    ("inserted_at", "<i8"),
    ("fault_state", "i1"),       # 1: the fault columns below are computed; 0: not (yet)
    ("fault_component", "<i4"),  # codes into ``strings``; -1 none
    ("fault_location", "<i4"),
    ("fault_page", "<i4"),
    ("fault_dimm", "<i4"),
    ("fault_cpu", "<i4"),
)
ROW_DTYPE = np.dtype([(name, code) for name, code in COLUMNS])  # packed: the store's index row
STRING_COLUMNS = ("notify", "creator", "path", "host")
FAULT_COLUMNS = ("fault_component", "fault_location", "fault_page", "fault_dimm", "fault_cpu")
FAULT_COMPUTED = 1  # ``fault_state`` of a row whose fault keys were computed
# what an analysis of every record reads (``analysis.from_record_table``, the metrics snapshot):
# 47 of the 96 bytes of a row. A table kept for one (``slim``) holds only these; the other
# columns read as their defaults through zero-stride views, which take no memory
ANALYSIS_COLUMNS = ("timestamp", "time_source", "severity", "notify", "section_types", "host",
                    "path", "kind", "fault_state", *FAULT_COLUMNS)


def to_epoch(value: Any) -> int:
    """Seconds since 1970 for a datetime (aware → UTC; naive taken as is), ISO text, number or
    datetime64; -1 when there is no usable value."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, np.datetime64):
        return MISSING if np.isnat(value) else int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return MISSING
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return int((value - dt.datetime(1970, 1, 1)).total_seconds() // 1)
    return MISSING


class RecordTable:
    __slots__ = ("columns", "strings", "type_lists")

    def __init__(self, columns: dict[str, np.ndarray], strings: Sequence[str] = (),
                 type_lists: Sequence[tuple[str, ...]] = ()) -> None:
        n = len(next(iter(columns.values()))) if columns else 0
        self.columns = {name: np.asarray(columns[name], dtype=code) if name in columns
                        else _default(name, code, n) for name, code in COLUMNS}
        self.strings = list(strings)
        self.type_lists = [tuple(t) for t in type_lists]

    # -- building -----------------------------------------------------------------------
    @classmethod
    def empty(cls) -> RecordTable:
        return cls({name: np.zeros(0, code) for name, code in COLUMNS})

    @classmethod
    def from_buffer(cls, buf, offsets, lengths=None, *, path: str | None = None,
                    host: str | None = None, base_offset: int = 0,
                    event_times: Sequence[Any] | np.ndarray | None = None) -> RecordTable:
        """Index the records at ``offsets`` of one buffer (e.g. a whole file) — the fast path."""
        hi = hdr.index_headers(buf, offsets, lengths)
        n = len(hi.kind)
        strings = list(hi.guids)
        cols = _header_columns(hi)
        cols["offset"] = np.asarray(offsets, dtype=np.int64) + base_offset
        for name, value in (("path", path), ("host", host)):
            if value is not None:
                strings.append(str(value))
                cols[name] = np.full(n, len(strings) - 1, np.int32)
        if event_times is not None:
            ev = np.asarray(event_times)
            if ev.dtype.kind != "i":
                ev = np.array([to_epoch(v) for v in ev], dtype=np.int64)
            cols["event_time"] = ev.astype(np.int64)
        _resolve_time(cols)
        return cls(cols, strings, hi.type_lists)

    @classmethod
    def from_records(cls, records: Iterable[tuple[bytes, dict | None]]) -> RecordTable:
        """Index (record bytes, source dict) pairs; the source may carry ``path``, ``offset``,
        ``host`` (or ``computer``) and ``time_created`` (the event time)."""
        datas: list[bytes] = []
        sources: list[dict] = []
        for data, source in records:
            datas.append(bytes(data))
            sources.append(source or {})
        lengths = np.fromiter((len(d) for d in datas), dtype=np.int64, count=len(datas))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if datas else lengths
        table = cls.from_buffer(b"".join(datas), offsets, lengths)
        table._add_provenance(sources)
        table._by_source_format(sources, datas)
        return table

    def _add_provenance(self, sources: list[dict]) -> None:
        pos = {s: i for i, s in enumerate(self.strings)}

        def code(value) -> int:
            if value is None or value == "":
                return -1
            return pos.setdefault(str(value), len(pos))

        cols = self.columns
        cols["path"] = np.array([code(s.get("path")) for s in sources], dtype=np.int32)
        cols["host"] = np.array([code(s.get("host") or s.get("computer")) for s in sources],
                                dtype=np.int32)
        cols["offset"] = np.array([int(s.get("offset") or 0) for s in sources], dtype=np.int64)
        cols["event_time"] = np.array([to_epoch(s.get("time_created")) for s in sources],
                                      dtype=np.int64)
        self.strings = list(pos)
        _resolve_time(cols)

    def _by_source_format(self, sources: list[dict], datas: list[bytes]) -> None:
        """What the header index cannot read from the bytes, from the reader's format:
        * the severity of ACPI status blocks (BERT/GHES records, read as "gesb"): the index reads
          CPER headers only, so a boot error's block was listed and charted as of unknown
          severity while the report and the explanation call it Fatal. ErrorSeverity is the u32
          at byte 16 of a Generic Error Status Block (the same codes as CPER's);
        * an Event ID 5 error-source table is of its own kind (no signature to tell it by)."""
        sev, kind = self.columns["severity"], self.columns["kind"]
        for i, (data, src) in enumerate(zip(datas, sources)):
            fmt = src.get("format") or src.get("kind")
            if fmt == "gesb" and len(data) >= 20:
                sev[i] = min(int.from_bytes(data[16:20], "little"), 4)
            elif fmt == hdr.KIND_NAMES[hdr.KIND_TABLE]:
                kind[i] = hdr.KIND_TABLE

    # -- access ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.columns["record_id"])

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.columns[name]
        except KeyError:
            raise AttributeError(name) from None

    def faults_known(self) -> np.ndarray:
        """Mask of rows whose fault columns have been computed."""
        return self.columns["fault_state"] == FAULT_COMPUTED

    def string_positions(self) -> dict[str, int]:
        """Each string's first code (the strings may hold repeats: a store's has '' for unused
        ids), for ``set_fault_keys`` called chunk by chunk."""
        pos: dict[str, int] = {}
        for i, text in enumerate(self.strings):
            pos.setdefault(text, i)
        return pos

    def set_fault_keys(self, rows: Iterable[int], keys: Iterable[Sequence[str | None]],
                       pos: dict[str, int] | None = None) -> None:
        """Fill the fault columns of ``rows`` from ``index.faults.record_fault_keys`` tuples.
        ``pos``: ``string_positions()`` kept by a caller that sets keys a chunk at a time (it is
        updated, and the strings appended to in place)."""
        if pos is None:
            strings = list(self.strings)
            pos = self.string_positions()
        else:
            strings = self.strings
        cols = [self.columns[name] for name in FAULT_COLUMNS]
        state = self.columns["fault_state"]
        for row, values in zip(rows, keys):
            state[row] = FAULT_COMPUTED
            for col, value in zip(cols, values):
                if not value:
                    col[row] = -1
                    continue
                code = pos.get(value)
                if code is None:
                    code = pos[value] = len(strings)
                    strings.append(value)
                col[row] = code
        self.strings = strings

    def fault_text(self, i: int, column: str = "fault_location") -> str | None:
        """A fault column of row ``i`` as text (None: no value or not computed)."""
        if self.columns["fault_state"][i] != FAULT_COMPUTED:
            return None
        return self.string(int(self.columns[column][i]))

    def times(self) -> np.ndarray:
        return to_datetime64(self.columns["timestamp"])

    def string(self, code: int) -> str | None:
        return self.strings[code] if 0 <= code < len(self.strings) else None

    def types_of(self, i: int) -> tuple[str, ...]:
        code = int(self.columns["section_types"][i])
        return self.type_lists[code] if 0 <= code < len(self.type_lists) else ()

    def row(self, i: int) -> dict[str, Any]:
        """One record as a plain dict with names resolved (for lists, JSON and reports)."""
        c = {name: col[i].item() for name, col in self.columns.items()}
        sev, ts = c["severity"], c["timestamp"]
        notify, creator = self.string(c["notify"]), self.string(c["creator"])
        types = self.types_of(i)
        problems = [text for bit, text in hdr.PROBLEM_NAMES.items() if c["problems"] & bit]
        return {
            "record_id": c["record_id"],
            "kind": hdr.KIND_NAMES[c["kind"]] if 0 <= c["kind"] < len(hdr.KIND_NAMES) else "unknown",
            "timestamp": _iso(ts), "time_source": TIME_SOURCES[c["time_source"]],
            "event_time": _iso(c["event_time"]),
            "severity": sev if sev >= 0 else None,
            "severity_name": SEVERITY_NAMES[sev].capitalize() if sev >= 0 else None,
            "notify_type": notify, "notify_type_name": guids.name_of(notify, "notify") if notify else None,
            "creator_id": creator, "creator_name": guids.name_of(creator, "creator") if creator else None,
            "section_types": list(types),
            "section_type_names": [guids.name_of(t, "section") for t in types],
            "section_count": c["section_count"], "length": c["length"], "flags": c["flags"],
            "problems": problems,
            "path": self.string(c["path"]), "offset": c["offset"], "host": self.string(c["host"]),
            "inserted_at": _iso(c["inserted_at"]),
            "fault_location": (self.string(c["fault_location"])
                               if c["fault_state"] == FAULT_COMPUTED else None),
        }

    # -- selection ------------------------------------------------------------------------
    def mask(self, *, text: str | None = None, severity: Iterable | None = None,
             types: Iterable[str] | None = None, start: Any = None, end: Any = None,
             source: str | None = None, kinds: Iterable[str] | None = None,
             record_ids: Iterable[int] | None = None) -> np.ndarray:
        """Boolean mask of rows matching every given condition (``start`` inclusive, ``end``
        exclusive; a time bound excludes rows without a time)."""
        c = self.columns
        m = np.ones(len(self), dtype=bool)
        if text:
            m &= self._text_mask(text)
        if severity is not None:
            m &= np.isin(c["severity"], [_severity_code(s) for s in severity])
        if types is not None:
            wanted = {_type_key(t) for t in types}
            codes = [i for i, lst in enumerate(self.type_lists)
                     if any(g in wanted or guids.name_of(g, "section").lower() in wanted for g in lst)]
            m &= np.isin(c["section_types"], codes)
        if start is not None:
            m &= (c["timestamp"] != MISSING) & (c["timestamp"] >= to_epoch(start))
        if end is not None:
            m &= (c["timestamp"] != MISSING) & (c["timestamp"] < to_epoch(end))
        if source:
            needle = source.lower()
            codes = [i for i, s in enumerate(self.strings) if needle in s.lower()]
            m &= np.isin(c["path"], codes) | np.isin(c["host"], codes)
        if kinds is not None:
            m &= np.isin(c["kind"], [hdr.KIND_NAMES.index(k) for k in kinds])
        if record_ids is not None:
            m &= np.isin(c["record_id"], np.array(list(record_ids), dtype=np.uint64))
        return m

    def filter(self, **conditions) -> np.ndarray:
        """Row indices matching ``conditions`` (see ``mask``)."""
        return np.flatnonzero(self.mask(**conditions))

    def _text_mask(self, text: str) -> np.ndarray:
        needle = text.strip().lower()
        c = self.columns
        hit = [i for i, s in enumerate(self.strings)
               if needle in s.lower() or needle in (guids.name_of(s, default="") or "").lower()]
        m = np.zeros(len(self), dtype=bool)
        for col in STRING_COLUMNS:
            m |= np.isin(c[col], hit)
        m |= np.isin(c["fault_location"], hit) & (c["fault_state"] == FAULT_COMPUTED)
        lists = [i for i, lst in enumerate(self.type_lists)
                 if any(needle in g or needle in guids.name_of(g, "section").lower() for g in lst)]
        m |= np.isin(c["section_types"], lists)
        sev = [i for i, name in enumerate(SEVERITY_NAMES) if needle in name]
        m |= np.isin(c["severity"], sev)
        try:
            m |= c["record_id"] == np.uint64(int(needle, 0))
        except (ValueError, OverflowError):
            pass
        return m

    def argsort(self, by: str = "timestamp", descending: bool = False) -> np.ndarray:
        """Stable order of rows by a column; missing times sort last either way."""
        key = self.columns[by]
        if by in ("timestamp", "event_time", "inserted_at"):
            missing = key == MISSING
            order = np.lexsort((-key if descending else key, missing))
            return order
        order = np.argsort(key, kind="stable")
        return order[::-1] if descending else order

    def take(self, idx) -> RecordTable:
        idx = np.asarray(idx)
        n = len(idx) if idx.dtype != bool else int(idx.sum())
        return RecordTable({k: _constant(k, v.dtype, n) if _is_constant(v) else v[idx]
                            for k, v in self.columns.items()}, self.strings, self.type_lists)

    @classmethod
    def holding(cls, columns: dict[str, np.ndarray], strings: Sequence[str] = (),
                type_lists: Sequence[tuple[str, ...]] = ()) -> RecordTable:
        """A slim table of only ``columns`` (the others never made, not even once)."""
        n = len(next(iter(columns.values()))) if columns else 0
        return cls({name: columns[name] if name in columns else _constant(name, code, n)
                    for name, code in COLUMNS}, strings, type_lists)

    def slim(self, keep: Iterable[str] = ANALYSIS_COLUMNS) -> RecordTable:
        """This table holding only the ``keep`` columns; the others read as their defaults (a
        zero-stride view each). For an analysis of a million rows: about half the memory."""
        keep = set(keep)
        n = len(self)
        return RecordTable({k: v if k in keep else _constant(k, v.dtype, n)
                            for k, v in self.columns.items()}, self.strings, self.type_lists)

    def sorted(self, by: str = "timestamp", descending: bool = False) -> RecordTable:
        return self.take(self.argsort(by, descending))

    @classmethod
    def concat(cls, tables: Sequence[RecordTable], consume: bool = False) -> RecordTable:
        """One table from several; string and type-list codes are remapped to shared tables.
        ``consume``: the tables are handed over, each column let go once joined (joining a
        million rows of chunks then holds one column twice at most, not every column)."""
        tables = list(tables)
        if not tables:
            return cls.empty()
        spos: dict[str, int] = {}
        lpos: dict[tuple[str, ...], int] = {}
        smaps, lmaps = [], []
        for t in tables:
            smaps.append(np.array([spos.setdefault(s, len(spos)) for s in t.strings] + [-1], np.int32))
            lmaps.append(np.array([lpos.setdefault(x, len(lpos)) for x in t.type_lists] + [-1], np.int32))
        n = sum(len(t) for t in tables)
        out: dict[str, np.ndarray] = {}
        for name, _ in COLUMNS:
            parts = []
            for t, smap, lmap in zip(tables, smaps, lmaps):
                col = t.columns.pop(name) if consume else t.columns[name]
                if _is_constant(col):
                    pass  # not held (``slim``): its default, no code to remap
                elif name in STRING_COLUMNS:
                    col = smap[col]  # -1 picks the trailing -1
                elif name in FAULT_COLUMNS:
                    col = np.where(col >= 0, smap[np.maximum(col, 0)], -1)
                elif name == "section_types":
                    col = lmap[col]
                parts.append(col)
            # one table (a store's index): its columns as they are, only the remapped ones new;
            # a copy of every column of 1M rows was ~200 MB more at the peak (bench_commands.py)
            if len(parts) == 1:
                out[name] = parts[0]
            elif all(_is_constant(p) for p in parts):  # a column no table holds (``slim``)
                out[name] = _constant(name, parts[0].dtype, n)
            else:
                out[name] = np.concatenate(parts)
            del parts
        return cls(out, list(spos), list(lpos))


# -- helpers --------------------------------------------------------------------------------
def _fill(name: str) -> int:
    return -1 if name in STRING_COLUMNS + FAULT_COLUMNS + ("section_types", "timestamp", "event_time",
                                           "inserted_at", "severity") else 0


def _default(name: str, code: str, n: int) -> np.ndarray:
    return np.full(n, _fill(name), dtype=code)


def _constant(name: str, code, n: int) -> np.ndarray:
    """A read-only column of ``n`` defaults that takes no memory (a zero-stride view)."""
    return np.broadcast_to(np.array(_fill(name), dtype=code), (n,))


def _is_constant(col: np.ndarray) -> bool:
    """A column made by ``_constant`` (no other column has a zero stride)."""
    return col.ndim == 1 and len(col) > 1 and col.strides[0] == 0


def _header_columns(hi: hdr.HeaderIndex) -> dict[str, np.ndarray]:
    n = len(hi.kind)
    return {
        "record_id": hi.record_id, "timestamp": hi.timestamp,
        "time_source": np.where(hi.timestamp != MISSING, TIME_RECORD, TIME_NONE).astype(np.int8),
        "event_time": np.full(n, MISSING, np.int64),
        "severity": hi.severity, "notify": hi.notify, "creator": hi.creator,
        "section_types": hi.section_types, "section_count": hi.section_count,
        "length": hi.length, "flags": hi.flags, "kind": hi.kind, "problems": hi.problems,
        "path": np.full(n, -1, np.int32), "offset": np.zeros(n, np.int64),
        "host": np.full(n, -1, np.int32), "inserted_at": np.full(n, MISSING, np.int64),
        "fault_state": np.zeros(n, np.int8),
        **{name: np.full(n, -1, np.int32) for name in FAULT_COLUMNS},
    }


def _resolve_time(cols: dict[str, np.ndarray]) -> None:
    """The record's own time when it has one, else the event time from the source."""
    own = np.where(cols["time_source"] == TIME_RECORD, cols["timestamp"], MISSING)
    ev = cols["event_time"]
    has_own = own != MISSING
    cols["timestamp"] = np.where(has_own, own, ev)
    cols["time_source"] = np.where(has_own, TIME_RECORD,
                                   np.where(ev != MISSING, TIME_EVENT, TIME_NONE)).astype(np.int8)


def _iso(secs: int) -> str | None:
    if secs == MISSING:
        return None
    return str(np.datetime64(secs, "s"))


def _severity_code(value) -> int:
    if isinstance(value, str):
        name = value.strip().lower()
        if name.isascii() and name.isdigit():
            return int(name)
        return SEVERITY_NAMES.index(name)
    return int(value)


def _type_key(value: str) -> str:
    return value.strip().lower()
