"""Columnar record list behind the record table (Qt-free).

Listing, sorting and filtering read only numpy columns taken from each record's fixed header and
descriptor bytes; nothing here runs the full decoder. The store helper's
``whea_gui.index.table.RecordTable`` is the long-term home of such a table: the GUI only needs
``len()``, the columns below and ``data(i)``/``source(i)``, so either can sit behind the model.

Category columns (notify type, section-type list, path) hold small integer ids into name lists,
so a text filter matches each distinct name once and turns the hits into a numpy mask.
"""

from __future__ import annotations

import calendar
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..decode.whlg import ENTRY_IDS, ENTRY_TYPE
from ..formats import cper, guids
from ..formats.timestamp import decode_timestamp

NO_TIME = np.iinfo(np.int64).min  # sorts first; means "no valid timestamp"
SEV_UNKNOWN = -1
KIND_CPER, KIND_WHLG, KIND_OTHER = 0, 1, 2
KIND_NAMES = {KIND_CPER: "CPER", KIND_WHLG: "WhLg", KIND_OTHER: "?"}
SEVERITY_NAMES = cper.SEVERITY
MAX_LISTED_SECTIONS = 256  # descriptors read for the type column (bounded against junk counts)

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

    def __len__(self) -> int:
        return len(self.data)


def _interner():
    ids: dict = {}
    keys: list = []

    def intern(key) -> int:
        i = ids.get(key)
        if i is None:
            i = ids[key] = len(keys)
            keys.append(key)
        return i
    return intern, keys


_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_ts_cache: dict[tuple[bytes, str], int] = {}


def timestamp_seconds(raw: bytes, creator: str) -> int:
    """Seconds since 1970 of the (local, naive) record time, or NO_TIME; decoded as the tree does."""
    key = (raw, creator if creator in guids.WINDOWS_CREATORS
           or creator == guids.LINUX_PSTORE_CREATOR else "")
    got = _ts_cache.get(key)
    if got is None:
        ts = decode_timestamp(raw, key[1])
        got = calendar.timegm(ts.value.timetuple()) if ts.value is not None else NO_TIME
        if len(_ts_cache) > 200_000:
            _ts_cache.clear()
        _ts_cache[key] = got
    return got


def make_batch(refs: Iterable) -> Batch:
    """Columns for RecordRefs (``.data`` bytes, ``.source`` dict) from their fixed-size parts."""
    datas: list[bytes] = []
    extra: dict[int, dict] = {}
    times, sevs, kinds, notifies, types, paths, offsets, lengths = ([] for _ in range(8))
    notify_id, notify_keys = _interner()
    type_id, type_keys = _interner()
    path_id, path_keys = _interner()
    for row, ref in enumerate(refs):
        data = bytes(ref.data)
        src = ref.source or {}
        datas.append(data)
        rest = {k: v for k, v in src.items() if k not in ("path", "offset", "kind")}
        if rest or src.get("kind") not in (None, "raw"):
            extra[row] = dict(src)
        paths.append(path_id(str(src.get("path", ""))))
        offsets.append(int(src.get("offset", 0) or 0))
        lengths.append(len(data))
        sig = data[:4]
        if sig == b"CPER" and len(data) >= 128:
            kinds.append(KIND_CPER)
            sev = _U32.unpack_from(data, 12)[0]
            sevs.append(sev if sev < 0x7FFF else SEV_UNKNOWN)
            creator = guids.guid_text(data[64:80])
            valid = _U32.unpack_from(data, 16)[0]
            times.append(timestamp_seconds(data[24:32], creator) if valid & 2 else NO_TIME)
            notifies.append(notify_id(guids.guid_text(data[80:96])))
            count = min(_U16.unpack_from(data, 10)[0], MAX_LISTED_SECTIONS)
            descs = []
            for i in range(count):
                d = 128 + 72 * i
                if d + 32 > len(data):
                    break
                descs.append(guids.guid_text(data[d + 16:d + 32]))
            types.append(type_id(tuple(descs)))
        elif sig == b"WhLg" and len(data) >= 24:
            kinds.append(KIND_WHLG)
            sevs.append(SEV_UNKNOWN)
            times.append(NO_TIME)
            notifies.append(notify_id(""))
            etype, _owner, eid = struct.unpack_from("<III", data, 12)
            types.append(type_id((f"whlg:{eid}:{etype}",)))
        else:
            kinds.append(KIND_OTHER)
            sevs.append(SEV_UNKNOWN)
            times.append(NO_TIME)
            notifies.append(notify_id(""))
            types.append(type_id(()))
    cols = {"time": times, "severity": sevs, "kind": kinds, "notify": notifies, "types": types,
            "path": paths, "offset": offsets, "length": lengths}
    arrays = {k: np.asarray(v, dtype=_DTYPES[k]) for k, v in cols.items()}
    return Batch(datas, extra, arrays, notify_keys, type_keys, path_keys)


def type_key_name(key: tuple[str, ...]) -> str:
    if len(key) == 1 and key[0].startswith("whlg:"):
        _, eid, etype = key[0].split(":")
        return f"Event {ENTRY_IDS.get(int(eid), hex(int(eid)))}"
    return ", ".join(guids.name_of(g, "section") for g in key) or "—"


def notify_key_name(key: str) -> str:
    return guids.name_of(key, "notify") if key else ""


class RecordSet:
    """Growing columnar table of records: numpy columns plus each record's bytes."""

    def __init__(self) -> None:
        self._n = 0
        self._cols = {k: np.empty(0, dtype=_DTYPES[k]) for k in COLUMNS}
        self._data: list[bytes] = []
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
        return self._data[i]

    def source(self, i: int) -> dict:
        src = self._extra.get(i)
        if src is not None:
            return dict(src)
        return {"path": self.paths[self._cols["path"][i]], "offset": int(self._cols["offset"][i]),
                "kind": "raw"}

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
        self._data.extend(batch.data)
        for row, src in batch.extra.items():
            self._extra[start + row] = src
        self._n = need
        return range(start, need)

    # -- text for cells (cheap: from the columns only) ---------------------------------------
    @staticmethod
    def severity_text_for(sev: int) -> str:
        if sev == SEV_UNKNOWN:
            return "—"
        return SEVERITY_NAMES.get(sev, f"Undefined ({sev})")

    def severity_text(self, i: int) -> str:
        sev = int(self._cols["severity"][i])
        if sev == SEV_UNKNOWN:
            key = self.type_keys[self._cols["types"][i]]
            if len(key) == 1 and key[0].startswith("whlg:"):
                return "Event: " + ENTRY_TYPE.get(int(key[0].split(":")[2]), "?")
        return self.severity_text_for(sev)

    def quick_summary(self, i: int) -> str:
        kind = int(self._cols["kind"][i])
        types = self.type_names[self._cols["types"][i]]
        if kind == KIND_WHLG:
            return f"WHEA event log entry: {types.removeprefix('Event ')}"
        if kind == KIND_OTHER:
            return "Not a CPER record"
        return f"{self.severity_text(i)} error record: {types}"
