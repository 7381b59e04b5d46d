"""Columnar record list behind the record table (Qt-free).

Listing, sorting and filtering read only numpy columns taken from each record's fixed header and
descriptor bytes (indexed by ``whea_gui.index.table.RecordTable``); nothing here runs the full
decoder. Records arrive in batches while a file loads, so the set grows; it keeps each batch's
RecordTable for the timeline, and each record's bytes (or a lazy sequence, for a store).

Category columns (notify type, section-type list, path) hold small integer ids into name lists,
so a text filter matches each distinct name once and turns the hits into a numpy mask.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..core import guids
from ..decode.whlg import ENTRY_IDS, ENTRY_TYPE
from ..formats import cper
from ..index.table import RecordTable

NO_TIME = np.iinfo(np.int64).min  # sorts first; means "no valid timestamp"
SEV_UNKNOWN = -1
KIND_CPER, KIND_WHLG, KIND_OTHER = 0, 1, 2
KIND_NAMES = {KIND_CPER: "CPER", KIND_WHLG: "WhLg", KIND_OTHER: "?"}
SEVERITY_NAMES = cper.SEVERITY

COLUMNS = ("time", "severity", "kind", "notify", "types", "path", "offset", "length")
_DTYPES = {"time": np.int64, "severity": np.int16, "kind": np.int8, "notify": np.int32,
           "types": np.int32, "path": np.int32, "offset": np.int64, "length": np.int64}


@dataclass
class Batch:
    """Records read together, with columns computed off the GUI thread.

    Category columns hold ids local to the batch (into the ``*_keys`` lists); ``RecordSet.extend``
    maps them to global ids.
    """

    data: list[bytes]
    extra: dict[int, dict]  # batch row -> provenance beyond path/offset/kind
    columns: dict[str, np.ndarray]
    notify_keys: list[str] = field(default_factory=list)
    type_keys: list[tuple[str, ...]] = field(default_factory=list)
    path_keys: list[str] = field(default_factory=list)
    table: RecordTable | None = None  # the index rows these columns came from, when known
    source_of: object = None  # row -> provenance dict, for lazily read batches (a store)

    def __len__(self) -> int:
        return len(self.data)


_WHLG = struct.Struct("<III")  # Type, OwnerTag, Id at offset 12 of a WhLg entry header
_KIND_FROM_TABLE = np.array([KIND_OTHER, KIND_CPER, KIND_WHLG, KIND_OTHER], dtype=np.int8)  # by table kind


def _codes_to_local(codes: np.ndarray, names: list) -> tuple[np.ndarray, list]:
    """Table codes (-1 = none) → batch-local ids into a key list ("" for none)."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    keys = [names[c] if 0 <= c < len(names) else "" for c in uniq.tolist()]
    return inverse.astype(np.int32).ravel(), keys


HOST_SEP = "\x1f"  # a source key is "host<HOST_SEP>path" when the record's host is known


def source_key_parts(key: str) -> tuple[str, str]:
    """(host, path) of a source key ("" when the host is unknown)."""
    host, sep, path = key.partition(HOST_SEP)
    return (host, path) if sep else ("", key)


def _source_codes(path_codes: np.ndarray, host_codes: np.ndarray, strings) -> tuple[np.ndarray, list]:
    """Local codes and keys for (host, path) pairs, so the Source column can name the host."""
    pairs = np.stack([np.asarray(path_codes, np.int64), np.asarray(host_codes, np.int64)], axis=1)
    if len(pairs) == 0:
        return np.zeros(0, np.int32), []
    uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
    keys = []
    for p, h in uniq:
        path = strings[p] if p >= 0 else ""
        keys.append(f"{strings[h]}{HOST_SEP}{path}" if h >= 0 else path)
    return inverse.reshape(-1).astype(np.int32), keys


TABLE_KEY = ("error_source_table",)  # the type key of a Kernel-WHEA Event ID 5 error-source table


def batch_from_table(table: RecordTable, data, extra: dict[int, dict] | None = None,
                     whlg: dict[int, tuple[int, int]] | None = None,
                     tables: list[int] | None = None) -> Batch:
    """A Batch from the store helper's RecordTable (its columns, our category ids).

    ``data`` is a sequence of record bytes (a list, or a lazy sequence for a store);
    ``whlg`` gives (entry type, entry id) for WhLg rows, which the table does not index;
    ``tables`` the rows that are error-source tables (no signature: the reader says so).
    """
    c = table.columns
    n = len(table)
    time = np.where(c["timestamp"] >= 0, c["timestamp"], NO_TIME).astype(np.int64)
    severity = np.asarray(c["severity"], dtype=np.int16)
    severity = np.where(severity < 0, SEV_UNKNOWN, severity).astype(np.int16)
    kind = _KIND_FROM_TABLE[np.clip(c["kind"], 0, len(_KIND_FROM_TABLE) - 1)]
    notify, notify_keys = _codes_to_local(c["notify"], table.strings)
    path, path_keys = _source_codes(c["path"], c["host"], table.strings)
    types, type_keys = _codes_to_local(c["section_types"], table.type_lists)
    type_keys = [k if isinstance(k, tuple) else () for k in type_keys]
    if whlg:
        index = {k: i for i, k in enumerate(type_keys)}
        for row, (etype, eid) in whlg.items():
            key = (f"whlg:{eid}:{etype}",)
            if key not in index:
                index[key] = len(type_keys)
                type_keys.append(key)
            types[row] = index[key]
    if tables:
        if TABLE_KEY not in type_keys:
            type_keys.append(TABLE_KEY)
        types[np.asarray(tables, dtype=np.int64)] = type_keys.index(TABLE_KEY)
    cols = {"time": time, "severity": severity, "kind": kind, "notify": notify, "types": types,
            "path": path, "offset": np.asarray(c["offset"], dtype=np.int64),
            "length": np.asarray(c["length"], dtype=np.int64)}
    assert all(len(v) == n for v in cols.values())
    return Batch(data, extra or {}, cols, notify_keys, type_keys, path_keys)


def make_batch(refs: Iterable) -> Batch:
    """Columns for RecordRefs (``.data`` bytes, ``.source`` dict) from their fixed-size parts,
    indexed by ``whea_gui.index`` (vectorised over headers and descriptors; nothing decoded)."""
    datas: list[bytes] = []
    sources: list[dict] = []
    extra: dict[int, dict] = {}
    whlg: dict[int, tuple[int, int]] = {}
    tables: list[int] = []
    for row, ref in enumerate(refs):
        data = bytes(ref.data)
        src = dict(ref.source or {})
        datas.append(data)
        sources.append(src)
        if any(k not in ("path", "offset", "kind") for k in src) or src.get("kind") not in (None, "raw"):
            extra[row] = src
        if data[:4] == b"WhLg" and len(data) >= 24:
            etype, _owner, eid = _WHLG.unpack_from(data, 12)
            whlg[row] = (etype, eid)
        elif src.get("format") == TABLE_KEY[0]:
            tables.append(row)
    table = RecordTable.from_records(zip(datas, sources))
    batch = batch_from_table(table, datas, extra, whlg, tables)
    batch.columns["length"] = np.fromiter((len(d) for d in datas), np.int64, len(datas))
    batch.table = table
    return batch


def type_key_name(key: tuple[str, ...]) -> str:
    if len(key) == 1 and key[0].startswith("whlg:"):
        _, eid, etype = key[0].split(":")
        return f"Event {ENTRY_IDS.get(int(eid), hex(int(eid)))}"
    if key == TABLE_KEY:
        return "Error source table"
    return ", ".join(guids.name_of(g, "section") for g in key) or "—"


def notify_key_name(key: str) -> str:
    return guids.name_of(key, "notify") if key else ""


class RecordSet:
    """Growing columnar table of records: numpy columns plus each record's bytes."""

    def __init__(self) -> None:
        self._n = 0
        self._cols = {k: np.empty(0, dtype=_DTYPES[k]) for k in COLUMNS}
        self._chunk_starts: list[int] = []
        self._chunks: list = []  # record bytes per batch: lists, or lazy sequences (a store)
        self._source_fns: dict[int, object] = {}  # chunk start -> row provenance function
        self._tables: list[RecordTable] = []
        self._table: RecordTable | None = None
        self._extra: dict[int, dict] = {}
        self.notify_keys: list[str] = []
        self.notify_names: list[str] = []
        self.type_keys: list[tuple[str, ...]] = []
        self.type_names: list[str] = []
        self.paths: list[str] = []
        self._ids: dict[str, dict] = {"notify": {}, "types": {}, "path": {}}

    def __len__(self) -> int:
        return self._n

    def column(self, name: str) -> np.ndarray:
        return self._cols[name][:self._n]

    def data(self, i: int) -> bytes:
        k = bisect.bisect_right(self._chunk_starts, i) - 1
        if k < 0 or i >= self._n:
            raise IndexError(i)
        return self._chunks[k][i - self._chunk_starts[k]]

    def table(self) -> RecordTable:
        """The index rows of every record, in record order (for the timeline)."""
        if self._table is None or len(self._table) != self._n:
            self._table = RecordTable.concat(self._tables) if self._tables else RecordTable.empty()
        return self._table

    def source(self, i: int) -> dict:
        src = self._extra.get(i)
        if src is not None:
            return dict(src)
        if self._source_fns:
            start = self._chunk_starts[bisect.bisect_right(self._chunk_starts, i) - 1]
            fn = self._source_fns.get(start)
            if fn is not None:
                return fn(i - start)
        host, path = source_key_parts(self.paths[self._cols["path"][i]])
        src = {"path": path, "offset": int(self._cols["offset"][i]), "kind": "raw"}
        if host:
            src["host"] = host
        return src

    def _global_ids(self, kind: str, keys: list, names: list, store: list, name_of) -> np.ndarray:
        ids = self._ids[kind]
        out = np.empty(len(keys), dtype=np.int32)
        for j, key in enumerate(keys):
            gid = ids.get(key)
            if gid is None:
                gid = ids[key] = len(store)
                store.append(key)
                if names is not None:
                    names.append(name_of(key))
            out[j] = gid
        return out

    def extend(self, batch: Batch) -> range:
        """Append a batch; returns the new rows' indices."""
        m = len(batch)
        start = self._n
        if m == 0:
            return range(start, start)
        maps = {
            "notify": self._global_ids("notify", batch.notify_keys, self.notify_names,
                                       self.notify_keys, notify_key_name),
            "types": self._global_ids("types", batch.type_keys, self.type_names, self.type_keys,
                                      type_key_name),
            "path": self._global_ids("path", batch.path_keys, None, self.paths, str),
        }
        need = start + m
        for name in COLUMNS:
            col = self._cols[name]
            if len(col) < need:
                grown = np.empty(max(need, 2 * len(col), 1024), dtype=col.dtype)
                grown[:start] = col[:start]
                self._cols[name] = col = grown
            values = batch.columns[name]
            col[start:need] = maps[name][values] if name in maps else values
        self._chunk_starts.append(start)
        self._chunks.append(batch.data)
        if batch.source_of is not None:
            self._source_fns[start] = batch.source_of
        if batch.table is not None and len(self._tables) == len(self._chunks) - 1:
            self._tables.append(batch.table)
        else:  # a batch without index rows: no timeline for this set
            self._tables = []
        for row, src in batch.extra.items():
            self._extra[start + row] = src
        self._n = need
        return range(start, need)

    # -- text for cells (cheap: from the columns only) ---------------------------------------
    @staticmethod
    def severity_text_for(sev: int) -> str:
        if sev == SEV_UNKNOWN:
            return "—"
        return SEVERITY_NAMES.get(sev, "Undefined")  # the index keeps 4 for any value above 3

    def severity_text(self, i: int) -> str:
        sev = int(self._cols["severity"][i])
        if sev == SEV_UNKNOWN:
            key = self.type_keys[self._cols["types"][i]]
            if len(key) == 1 and key[0].startswith("whlg:"):
                return "Event: " + ENTRY_TYPE.get(int(key[0].split(":")[2]), "?")
            if key == TABLE_KEY:
                return "Configuration"
        return self.severity_text_for(sev)

    def quick_summary(self, i: int) -> str:
        kind = int(self._cols["kind"][i])
        types = self.type_names[self._cols["types"][i]]
        if kind == KIND_WHLG:
            return f"WHEA event log entry: {types.removeprefix('Event ')}"
        if self.type_keys[self._cols["types"][i]] == TABLE_KEY:
            return "WHEA error source table (Kernel-WHEA Event ID 5): the error sources Windows set up"
        if kind == KIND_OTHER:
            return "Not a CPER record"
        return f"{self.severity_text(i)} error record: {types}"
