"""Keep the packed index rows (``records.idx``) in step with the RecordTable columns.

The store remembers the row layout it wrote (``meta.row_format``). When ``index.table.COLUMNS``
changes — someone adds a column, e.g. a fault location — opening the store with write access
rebuilds every row from the record bytes in one transaction, keeping each record's provenance
(path, offset, host, event time, insertion time) from its old row. Each record is decoded once
to compute its fault keys (``index.faultindex``; repeated records share one decode).
"""

from __future__ import annotations

import numpy as np

from ..index.table import ROW_DTYPE
from .meta import FAULT_KEYS_KEY, FAULT_KEYS_VERSION, ROW_FORMAT_KEY, row_format
from .meta import parse_row_format as dtype_of
from .results import advance

__all__ = ["FAULT_KEYS_KEY", "FAULT_KEYS_VERSION", "ROW_FORMAT_KEY", "dtype_of", "reindex",
           "row_format", "source_of"]


def source_of(row, names: dict[int, str]) -> tuple[dict, int | None]:
    """(source dict, inserted_at) from an index row of any layout that has those fields."""
    fields = row.dtype.names or ()
    source: dict = {}

    def code(name):
        return int(row[name]) if name in fields and int(row[name]) in names else None

    if code("path") is not None:
        source["path"] = names[code("path")]
        if "offset" in fields:
            source["offset"] = int(row["offset"])
    if code("host") is not None:
        source["host"] = names[code("host")]
    if "event_time" in fields and int(row["event_time"]) >= 0:
        source["time_created"] = int(row["event_time"])
    inserted = int(row["inserted_at"]) if "inserted_at" in fields else -1
    return source, inserted if inserted >= 0 else None


def reindex(store, conn, old: np.dtype | None, chunk: int = 5000) -> int:
    """Rewrite every index row in the current layout (inside the caller's transaction).
    ``old`` None: the old layout is unknown (damaged metadata); a row of the current size is
    read as the current layout, any other loses its provenance."""
    names = dict(conn.execute("SELECT id, text FROM names WHERE kind = 's'").fetchall())
    last, done = 0, 0
    while True:
        rows = conn.execute("SELECT r.slot, r.idx, d.data, r.host FROM records r JOIN record_data "
                            "d ON d.slot = r.slot WHERE r.slot > ? ORDER BY r.slot LIMIT ?",
                            (last, chunk)).fetchall()
        if not rows:
            break
        provenance = [_provenance(idx, old, names) for _, idx, _, _ in rows]
        for (source, _), (_, _, _, host) in zip(provenance, rows):
            if host:  # the key column is the authority on the host
                source["host"] = host
        datas = [bytes(d) for _, _, d, _ in rows]
        sources = [p[0] for p in provenance]
        keys = [store._keyer.keys(d, s) for d, s in zip(datas, sources)]
        new = store._index_rows(conn, datas, sources,
                                [p[1] if p[1] is not None else -1 for p in provenance], keys)
        conn.executemany("UPDATE records SET idx = ?, ts = ?, severity = ?, length = ?, "
                         "location = ? WHERE slot = ?",
                         ((r.tobytes(), int(r["timestamp"]), int(r["severity"]), len(d),
                           k[1] or "", slot)
                          for r, (slot, _, d, _), k in zip(new, rows, keys)))
        last = advance(last, rows, getattr(store, 'path', 'store'))
        done += len(rows)
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     ((ROW_FORMAT_KEY, row_format()), (FAULT_KEYS_KEY, FAULT_KEYS_VERSION)))
    return done


def _provenance(idx, old: np.dtype | None, names: dict[int, str]) -> tuple[dict, int | None]:
    dtype = old if old is not None else ROW_DTYPE
    if not isinstance(idx, bytes) or len(idx) != dtype.itemsize:
        return {}, None
    return source_of(np.frombuffer(idx, dtype)[0], names)
