"""Timeline input built incrementally: records go in one chunk at a time, only columns stay.

``TimelineBuilder`` turns (record bytes, source) pairs into compact columnar chunks (a
``RecordTable`` per chunk with its fault keys, plus per-record source label and provenance) and
drops the bytes; ``data()`` gives the ``TimelineData`` of everything added. Memory is the
analysis columns (``table.ANALYSIS_COLUMNS``: 48 bytes a record) plus 16 of provenance, whatever
the record size, and no decoded record is ever kept: fault keys
come from ``FaultKeyer`` (one decode per distinct record) or, for a store, from its index.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Mapping

import numpy as np

from . import faults as _faults
from .analysis import Categorical, TimelineData, from_record_table
from .faultindex import FaultKeyer
from .table import RecordTable

CHUNK = 4096


class _Labels:
    """A growing categorical column: codes in an int32 array, labels in first-seen order."""

    def __init__(self) -> None:
        self.codes = array("i")
        self.pos: dict[str, int] = {}
        self._labels: list[str] = []

    def add(self, value) -> int:
        code = -1 if value is None or value == "" else self.pos.setdefault(value, len(self.pos))
        self.codes.append(code)
        return code

    def extend_codes(self, codes: np.ndarray, labels: list) -> None:
        """Append codes into ``labels`` (-1 = none), remapped to this column's labels."""
        used = np.zeros(len(labels) + 1, bool)  # only labels a row has become groups
        used[np.where(codes >= 0, codes, len(labels))] = True
        lut = np.array([self.pos.setdefault(lab, len(self.pos)) if lab and used[i] else -1
                        for i, lab in enumerate(labels)] + [-1], dtype=np.int32)
        # as bytes: a list of a million Python ints on the way cost ~45 MB at the peak
        self.codes.frombytes(lut[np.where(codes >= 0, codes, len(labels))].tobytes())

    def label(self, code: int) -> str | None:
        if code < 0:
            return None
        if len(self._labels) != len(self.pos):
            self._labels = list(self.pos)
        return self._labels[code]

    def categorical(self) -> Categorical:
        return Categorical(np.frombuffer(self.codes, dtype=np.int32).copy() if self.codes
                           else np.zeros(0, np.int32), list(self.pos))


class TimelineBuilder:
    def __init__(self, keyer: FaultKeyer | None = None) -> None:
        self.keyer = keyer or FaultKeyer()
        self._tables: list[RecordTable] = []
        self._canon: dict = {}  # one object for each distinct string and type list
        self._pending: list[tuple[bytes, dict]] = []
        self.source = _Labels()  # the "source" group: host, else the file name
        self.prov_path = _Labels()  # the provenance the report prints: path ...
        self.prov_offset = array("q")  # ... and offset (-1 = the reader gave none)
        self.n = 0

    # -- adding -------------------------------------------------------------------------------
    def add(self, data: bytes, source: Mapping | None) -> None:
        src = dict(source or {})
        self._pending.append((bytes(data), src))
        self.source.add(_faults.source_label(src))
        self.prov_path.add(src.get("path"))
        offset = src.get("offset")
        self.prov_offset.append(int(offset) if isinstance(offset, int) and offset >= 0 else -1)
        self.n += 1
        if len(self._pending) >= CHUNK:
            self.flush()

    def add_all(self, pairs: Iterable[tuple[bytes, Mapping | None]]) -> None:
        for data, source in pairs:
            self.add(data, source)

    def flush(self) -> None:
        if not self._pending:
            return
        table = RecordTable.from_records(self._pending)
        self.keyer.fill(table, [d for d, _ in self._pending], [s for _, s in self._pending])
        # only what the analysis reads is kept, and one copy of each string: every chunk names
        # the same GUIDs, hosts and fault keys again (a million records: ~50 MB of repeats)
        table = table.slim()
        table.strings = [self._canon.setdefault(text, text) for text in table.strings]
        table.type_lists = [self._canon.setdefault(types, types) for types in table.type_lists]
        self._tables.append(table)
        self._pending.clear()

    def add_table(self, table: RecordTable, path: str) -> None:
        """Rows of a store's index (fault keys computed), read as records of the store ``path``:
        the source label is the row's host, else the store's file name; provenance is the
        store file at offset 0 (as reading the store as a source gives them)."""
        self.flush()
        n = len(table)
        host = table.columns["host"]
        name = os.path.basename(path) or path
        labels = [s or None for s in table.strings] + [name]
        self.source.extend_codes(np.where(host >= 0, host, len(table.strings)), labels)
        self.prov_path.extend_codes(np.zeros(n, np.int64), [path])
        self.prov_offset.frombytes(bytes(8 * n))  # offset 0 (q: 8 bytes each)
        self._tables.append(table)
        self.n += n

    # -- result -------------------------------------------------------------------------------
    def data(self) -> TimelineData:
        """The analysis input of everything added (once: the columns are handed over)."""
        self.flush()
        tables, self._tables = self._tables, []
        self._canon.clear()
        table = RecordTable.concat(tables, consume=True)
        del tables  # the chunks go as soon as they are joined; the table once analysed
        # labels as decoding records gave them; the table handed over, column by column
        data = from_record_table(table, first_seen=True, consume=True)
        del table
        data.groups["source"] = self.source.categorical()
        return data

    def source_of(self, i: int) -> dict:
        """``{"path", "offset"}`` of record ``i`` as the reader gave them."""
        code = self.prov_path.codes[i]
        offset = self.prov_offset[i]
        return {"path": self.prov_path.label(code), "offset": offset if offset >= 0 else None}

    def sources(self) -> Iterable[dict]:
        paths = list(self.prov_path.pos)
        for code, offset in zip(self.prov_path.codes, self.prov_offset):
            yield {"path": paths[code] if code >= 0 else None, "offset": offset if offset >= 0 else None}

