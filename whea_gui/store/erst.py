"""The PSHED calls over QEMU's ``acpi-erst`` backing file, with the device's own rules
(QEMU hw/acpi/erst.c; the layout is in formats/erst_container.py):

- a record is written when its RecordLength is at least 128 and fits one slot, and its RecordID
  is neither 0 nor all-ones (else STATUS_INVALID_PARAMETER, the device's "failed");
- a RecordID the map already holds is overwritten in its slot; a new one takes the first free
  slot (map entry 0); with none free: STATUS_INSUFFICIENT_RESOURCES (the device's "not enough
  space"). The slot's bytes after the record are filled with 0xFF, as QEMU does;
- a lookup walks the map from the first storage slot and stops after ``record count`` non-zero
  entries, as QEMU's does (a damaged count hides records: the layout reports it);
- a clear zeroes the map entry and lowers the count; the record's bytes stay in the slot, and
  the reader offers them as recoverable.

Records are stored exactly as given (the device does not stamp PersistenceInfo). The file is
changed through ``pwrite`` + ``fsync`` of the bytes that change; a file QEMU refuses is refused
here too (StoreDamaged naming the byte offset) and never written.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading

import numpy as np

from ..formats import erst_container as ec
from . import rules
from ._container import ContainerStore, refused, require_file, write_protected
from .results import StoreDamaged, StoreError, WriteResult
from .status import (
    STATUS_INSUFFICIENT_RESOURCES,
    STATUS_INVALID_PARAMETER,
    STATUS_MEDIA_WRITE_PROTECTED,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    STATUS_UNSUCCESSFUL,
    WHEA_WRITE_FLAG_DUMMY,
)

DEFAULT_SIZE = 64 * 1024  # QEMU's documented example backing size


def format_header(size: int, slot_size: int = ec.DEFAULT_SLOT) -> bytes:
    """The header QEMU writes into an unformatted file (map zeroed, count 0), up to the
    storage offset (the header and map rounded up to whole slots)."""
    if slot_size < ec.MIN_SLOT or slot_size & (slot_size - 1):
        raise StoreError(f"slot size {slot_size} is not a power of two of at least {ec.MIN_SLOT}")
    if size < 2 * slot_size or size % slot_size:
        raise StoreError(f"size {size} must be a multiple of the slot size {slot_size} with room "
                         "for the header and one slot")
    map_end = ec.HEADER_SIZE + 8 * (size // slot_size)
    storage = -(-map_end // slot_size) * slot_size
    head = ec.MAGIC + struct.pack("<IIHHI", slot_size, storage, ec.VERSION, 0, 0)
    return head + bytes(storage - len(head))


def create_file(path: str, size: int = DEFAULT_SIZE, slot_size: int = ec.DEFAULT_SLOT) -> None:
    """A new backing file as QEMU leaves one it formatted: header, zero map, zero slots."""
    header = format_header(size, slot_size)
    with open(path, "xb") as fh:
        fh.write(header)
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())


class ErstStore(ContainerStore):
    kind = "erst"

    def __init__(self, path, *, readonly: bool | None = None, create: bool = True,
                 size: int = DEFAULT_SIZE, slot_size: int = ec.DEFAULT_SLOT) -> None:
        super().__init__()
        self.path = os.fspath(path)
        if not require_file(self.path, create, readonly, "ERST backing file"):
            create_file(self.path, size, slot_size)
        if readonly is None:
            readonly = write_protected(self.path)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._fd = os.open(self.path, os.O_RDONLY if readonly else os.O_RDWR)
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _read_all(self):
        """The file mapped read-only (never copied: a backing file may be gigabytes); the
        mapping is shared, so it sees every pwrite at once."""
        size = os.fstat(self._fd).st_size
        old = getattr(self, "_buf", None)
        if isinstance(old, mmap.mmap) and len(old) == size:
            return old
        self._release()
        if size == 0:
            return b""
        return mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ)

    def _release(self) -> None:
        old, self._buf = getattr(self, "_buf", None), b""
        if isinstance(old, mmap.mmap):
            try:
                old.close()
            except BufferError:
                pass  # a view is still alive; the mapping goes with it

    def _open(self) -> None:
        buf = self._read_all()
        lay = ec.parse(buf, self._fd)
        if not lay.formatted and not self.readonly and len(buf) >= ec.HEADER_SIZE:
            # QEMU formats an all-zero header when it starts; so do we before the first use
            slot = ec.DEFAULT_SLOT
            if len(buf) % slot == 0 and len(buf) >= 2 * slot:
                self._pwrite(format_header(len(buf), slot), 0)
                buf = self._read_all()
                lay = ec.parse(buf, self._fd)
        if lay.formatted:
            fatal = [f for f in lay.errors if f.code in ("erst-header", "erst-magic", "erst-size",
                                                         "erst-map-overlap")]
            if fatal:
                f = fatal[0]
                raise StoreDamaged(f"{self.path} at byte offset {f.offset}: {f.message}")
        self._layout = lay
        self._buf = buf
        self._entries = [(s.map_id, ec.record_bytes(buf, s),
                          {"path": self.path, "offset": s.offset, "kind": "erst", "slot": s.index,
                           "state": s.state})
                         # a record past its slot's end: QEMU's read fails, so the device does
                         # not answer with it (`whea decode` of the file shows what the slot holds)
                         for s in lay.live() if s.visible and s.kept == s.length]

    def _pwrite(self, data: bytes, offset: int) -> None:
        if os.pwrite(self._fd, data, offset) != len(data):
            raise OSError(f"short write at byte offset {offset}")

    @property
    def layout(self) -> ec.ErstLayout:
        return self._layout

    def schema_version(self) -> str:
        v = self._layout.header.get("version")
        return f"ERST 0x{v:04X}" if v is not None else "ERST (unformatted)"

    # -- the device's lookup rules ---------------------------------------------------------
    def _storage_map(self) -> np.ndarray:
        """The map entries of the storage slots (a copy: 8 bytes per slot)."""
        lay = self._layout
        first = min(lay.first_index, lay.slot_count)
        return np.frombuffer(self._buf, dtype="<u8", count=lay.slot_count - first,
                             offset=ec.HEADER_SIZE + 8 * first).copy()

    def _lookup(self, record_id: int) -> int | None:
        """The device's lookup: the first ``record count`` non-zero entries are searched."""
        lay = self._layout
        if not lay.slot_size or record_id == ec.EMPTY_ID:
            return None
        ids = self._storage_map()
        used = np.flatnonzero(ids)[:lay.header["record_count"]]
        hit = used[ids[used] == np.uint64(record_id)]
        return int(hit[0]) + lay.first_index if len(hit) else None

    def _first_free(self) -> int | None:
        lay = self._layout
        if not lay.slot_size:
            return None
        free = np.flatnonzero(self._storage_map() == ec.EMPTY_ID)
        return int(free[0]) + lay.first_index if len(free) else None

    # -- PSHED calls ---------------------------------------------------------------------
    def _write_checked(self, c: rules.Checked, flags: int, replace: bool) -> WriteResult:
        if not c.ok:
            return refused(c)
        lay = self._layout
        result = WriteResult(STATUS_SUCCESS, c.record_id, notes=list(c.notes))
        if not lay.slot_size:
            result.status, result.reason = STATUS_UNSUCCESSFUL, f"{self.path} is not formatted"
            return result
        if len(c.data) > lay.slot_size:
            result.status = STATUS_INVALID_PARAMETER
            result.reason = (f"RecordLength {len(c.data)} does not fit a {lay.slot_size}-byte slot "
                             "(the device refuses it)")
            return result
        if self.readonly:
            result.status, result.reason = STATUS_MEDIA_WRITE_PROTECTED, f"{self.path} is read-only"
            return result
        with self._lock:
            index = self._lookup(c.record_id)
            if index is not None:
                at = index * lay.slot_size
                old = bytes(self._buf[at:at + min(len(c.data) + 1, lay.slot_size)])
                same = old[:len(c.data)] == c.data and (len(old) == len(c.data) or old[-1] == 0xFF)
                if same:
                    result.duplicate = True
                    result.notes.append("already stored (identical copy)")
                    return result
                if not replace:
                    result.status = STATUS_OBJECT_NAME_COLLISION
                    result.reason = (f"RecordId 0x{c.record_id:016X} is already stored in slot "
                                     f"{index} with other bytes; kept it (--replace replaces it)")
                    return result
                result.replaced = True
            else:
                index = self._first_free()
                if lay.slot_count <= lay.first_index:
                    result.status = STATUS_INSUFFICIENT_RESOURCES
                    result.reason = (f"{self.path} has no slots: its storage offset "
                                     f"0x{lay.header['storage_offset']:X} is at or past the end of "
                                     f"the {lay.size}-byte file")
                    return result
                if index is None:
                    result.status = STATUS_INSUFFICIENT_RESOURCES
                    result.reason = (f"{self.path} is full: all {lay.slot_count - lay.first_index} "
                                     "slots hold a record (the device's \"not enough space\")")
                    return result
            if flags & WHEA_WRITE_FLAG_DUMMY:
                return result
            slot = c.data + b"\xff" * (lay.slot_size - len(c.data))
            try:
                self._pwrite(slot, index * lay.slot_size)
                if not result.replaced:
                    self._pwrite(struct.pack("<Q", c.record_id), lay.map_offset(index))
                    count = lay.header["record_count"] + 1
                    self._pwrite(struct.pack("<I", count & 0xFFFFFFFF), 20)
                os.fsync(self._fd)
            except OSError as exc:
                result.status = STATUS_UNSUCCESSFUL
                result.reason = f"{self.path}: cannot write slot {index}: {exc.strerror or exc}"
            self._open()
        return result

    def clear_error_record(self, record_id: int, flags: int = 0, *, host: str | None = None) -> int:
        """ClearErrorRecord as the device does it: zero the map entry, lower the count; the
        bytes stay in the slot (recoverable). Id 0 is never stored (not found); all-ones is
        refused as the device refuses it."""
        if self.readonly:
            return STATUS_MEDIA_WRITE_PROTECTED
        if record_id == rules.INVALID_RECORD_ID:
            return STATUS_INVALID_PARAMETER
        with self._lock:
            index = self._lookup(record_id) if not host else None
            if index is None:
                return STATUS_OBJECT_NOT_FOUND
            count = self._layout.header["record_count"] - 1
            try:
                self._pwrite(bytes(8), self._layout.map_offset(index))
                self._pwrite(struct.pack("<I", count & 0xFFFFFFFF), 20)
                os.fsync(self._fd)
            except OSError:
                return STATUS_UNSUCCESSFUL
            self._open()
        return STATUS_SUCCESS

    def cleared_records(self) -> list[tuple[int, bytes, dict]]:
        """Records cleared but still in their slots: (RecordID, bytes, provenance)."""
        return [(s.record_id, ec.record_bytes(self._buf, s),
                 {"path": self.path, "offset": s.offset, "kind": "erst", "slot": s.index,
                  "state": ec.CLEARED, "recoverable": True})
                for s in self._layout.cleared()]

    def capacity(self) -> tuple[int | None, int | None]:
        lay = self._layout
        slots = max(lay.slot_count - lay.first_index, 0)
        return slots * lay.slot_size, slots

    def close(self) -> None:
        self._release()
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            os.close(fd)
