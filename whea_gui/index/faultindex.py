"""Fault keys for the columnar index: decode a record's sections once, keep only its keys.

The keys (``faults.record_fault_keys``: component, location, page, DIMM, CPU) depend on the
section bodies, the descriptors and the PlatformID, never on the RecordId, the timestamp, the
severity or the PersistenceInfo that differ between otherwise identical records. A bounded cache
keyed by the record bytes with those fields blanked (plus the reader's host) makes a run of
repeated records cost one decode; the answer is the same as decoding each one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..decode.record import decode_record
from .faults import record_fault_keys

# header bytes that never change a fault key (FORMAT.md §2: Severity, ValidationBits' timestamp
# part is kept, Timestamp, RecordId, Flags, PersistenceInfo)
_BLANKED = ((12, 16), (24, 32), (96, 104), (104, 108), (108, 116))
CACHE_SIZE = 4096
Keys = tuple[str | None, ...]


def _host(source: Mapping | None) -> tuple:
    """What of the source a fault key can depend on (``faults.host_of`` reads these)."""
    src = source or {}
    return tuple(str(src.get(name)) for name in ("host", "computer", "hostname"))


def _cache_key(data: bytes, source: Mapping | None) -> tuple[tuple, bytes] | None:
    if len(data) < 128 or data[:4] != b"CPER":
        return None  # not a plain CPER record (WHEA-Logger packets etc.): decode every time
    b = bytearray(data)
    for lo, hi in _BLANKED:
        b[lo:hi] = bytes(hi - lo)
    return _host(source), bytes(b)


class FaultKeyer:
    """``keys(data, source)`` → the record's fault keys, decoding only records not seen before
    (modulo the blanked header fields). ``decoded`` counts the decodes actually done."""

    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        self._cache: OrderedDict = OrderedDict()
        self._size = cache_size
        self.decoded = 0

    def keys(self, data: bytes, source: Mapping | None = None, rec=None) -> Keys:
        """``rec``: the record already decoded (its keys are taken as they are)."""
        ck = _cache_key(data, source)
        if ck is not None:
            hit = self._cache.get(ck)
            if hit is not None:
                self._cache.move_to_end(ck)
                return hit
        if rec is None:
            rec = decode_record(data, source=dict(source or {}))
            self.decoded += 1
        out = record_fault_keys(rec)
        if ck is not None:
            self._cache[ck] = out
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return out

    def fill(self, table, datas: Iterable[bytes], sources: Iterable[Mapping | None],
             rows: Iterable[int] | None = None) -> None:
        """Compute the fault columns of ``table`` (every row, or ``rows``) from the records."""
        idx = range(len(table)) if rows is None else rows
        table.set_fault_keys(idx, (self.keys(bytes(d), s) for d, s in zip(datas, sources)))
