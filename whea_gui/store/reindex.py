"""Keep the packed index rows (``records.idx``) in step with the RecordTable columns.

The store remembers the row layout it wrote (``meta.row_format``). When ``index.table.COLUMNS``
changes — someone adds a column, e.g. a fault location — opening the store with write access
rebuilds every row from the record bytes in one transaction, keeping each record's provenance
(path, offset, host, event time, insertion time) from its old row.
"""

from __future__ import annotations

import json

import numpy as np

from ..index.table import ROW_DTYPE

ROW_FORMAT_KEY = "row_format"


def row_format(dtype: np.dtype = ROW_DTYPE) -> str:
    return json.dumps(dtype.descr)


def dtype_of(text: str) -> np.dtype:
    return np.dtype([tuple(field) for field in json.loads(text)])


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


def reindex(store, conn, old: np.dtype, chunk: int = 5000) -> int:
    """Rewrite every index row in the current layout (inside the caller's transaction)."""
    names = dict(conn.execute("SELECT id, text FROM names WHERE kind = 's'").fetchall())
    last, done = 0, 0
    while True:
        rows = conn.execute("SELECT r.slot, r.idx, d.data FROM records r JOIN record_data d "
                            "ON d.slot = r.slot WHERE r.slot > ? ORDER BY r.slot LIMIT ?",
                            (last, chunk)).fetchall()
        if not rows:
            break
        olds = [np.frombuffer(idx, old)[0] for _, idx, _ in rows]
        provenance = [source_of(row, names) for row in olds]
        new = store._index_rows(conn, [bytes(d) for _, _, d in rows], [p[0] for p in provenance],
                                [p[1] if p[1] is not None else -1 for p in provenance])
        conn.executemany("UPDATE records SET idx = ?, ts = ?, severity = ? WHERE slot = ?",
                         ((r.tobytes(), int(r["timestamp"]), int(r["severity"]), slot)
                          for r, (slot, _, _) in zip(new, rows)))
        last = rows[-1][0]
        done += len(rows)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                 (ROW_FORMAT_KEY, row_format()))
    return done
