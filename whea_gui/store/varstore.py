"""The PSHED calls over an edk2 variable store: records are ``HwErrRec####`` variables (vendor
GUID 414e6bdd-e47b-47cc-b244-bb61020cf516, attributes NV|BS|RT|HR; UEFI Appendix P).

Writing never changes the file it was opened on unless ``in_place=True``: the first write copies
it to ``copy_to`` (default ``NAME.whea-copy.EXT`` beside it) and writes there; a later store
opened on the same file for writing reads and writes that copy again, so writes accumulate
there. Opened read-only, the original is read.

- a write appends a new variable after the last one, as edk2 does, when the store's free space
  (erased 0xFF bytes up to the store's end) holds it; else STATUS_INSUFFICIENT_RESOURCES. The
  fault-tolerant-write areas after the store are never touched.
- a RecordID already held by an added ``HwErrRec`` variable is replaced as edk2 replaces a
  variable: the old one is marked deleted (State 0x3F → 0x3D), the new one appended.
- a clear marks the variable deleted; its bytes stay, and the reader offers them as
  recoverable (state "deleted").
"""

from __future__ import annotations

import os
import shutil
import threading

from ..formats import edk2_varstore as vs
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

DELETED_STATE_MASK = 0xFD  # clearing VAR_DELETED's bit (edk2: State &= VAR_DELETED)


def default_copy(path: str) -> str:
    root, ext = os.path.splitext(path)
    return f"{root}.whea-copy{ext}"


class VarStore(ContainerStore):
    kind = "uefi"

    def __init__(self, path, *, readonly: bool | None = None, create: bool = False,
                 in_place: bool = False, copy_to: str | None = None) -> None:
        super().__init__()
        self.original = os.fspath(path)
        require_file(self.original, False, True, "UEFI variable store")
        if readonly is None:
            readonly = False if not in_place else write_protected(self.original)
        self.readonly = readonly
        self.in_place = in_place
        self.copy_path = self.original if in_place else (copy_to or default_copy(self.original))
        # reads come from the copy once one exists (it holds earlier writes and the original)
        use_copy = not readonly and not in_place and os.path.exists(self.copy_path)
        self.path = self.copy_path if use_copy else self.original
        self._lock = threading.RLock()
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                buf = fh.read()
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read: {exc.strerror or exc}") from exc
        lay = vs.parse(buf)
        if not lay.usable:
            f = [f for f in lay.findings if f.level == "error"][-1]  # the one that stopped it
            raise StoreDamaged(f"{self.path} at byte offset {f.offset}: {f.message}")
        self._buf, self._layout = buf, lay
        self._entries = [(rules.record_id_of(self._data(v)), self._data(v), self._source(v))
                         for v in lay.hw_errors() if v.live]

    def _data(self, v: vs.Variable) -> bytes:
        return bytes(self._buf[v.data_offset:v.end])

    def _source(self, v: vs.Variable) -> dict:
        return {"path": self.path, "offset": v.data_offset, "kind": "uefi-varstore",
                "variable": v.name, "vendor_guid": str(v.guid), "attributes": v.attributes,
                "state": v.state_text}

    @property
    def layout(self) -> vs.VarStoreLayout:
        return self._layout

    def schema_version(self) -> str:
        return "edk2 authenticated variables" if self._layout.authenticated else "edk2 variables"

    def deleted_records(self) -> list[tuple[int, bytes, dict]]:
        """HwErrRec variables marked deleted whose bytes remain: recoverable."""
        out = []
        for v in self._layout.hw_errors():
            if v.state_text == vs.DELETED:
                src = self._source(v)
                src["recoverable"] = True
                out.append((rules.record_id_of(self._data(v)), self._data(v), src))
        return out

    def capacity(self) -> tuple[int | None, int | None]:
        lay = self._layout
        first = vs.align4(lay.store_offset + vs.STORE_HEADER_SIZE)
        return lay.store_end - first, None

    # -- writing -------------------------------------------------------------------------
    def _target(self) -> str:
        """The file writes go to; the copy is made from the original on the first write."""
        if not self.in_place and self.path == self.original:
            if os.path.exists(self.copy_path):
                raise StoreError(f"{self.copy_path} exists already; open it as the store, or "
                                 "remove it")
            shutil.copyfile(self.original, self.copy_path)
            self.path = self.copy_path
        return self.path

    def _patch(self, edits: list[tuple[int, bytes]]) -> None:
        target = self._target()
        with open(target, "r+b") as fh:
            for offset, data in edits:
                fh.seek(offset)
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self._load()

    def _live_by_id(self, record_id: int) -> vs.Variable | None:
        for v in self._layout.hw_errors():
            if v.live and rules.record_id_of(self._data(v)) == record_id:
                return v
        return None

    def _next_name(self) -> str | None:
        used = {int(v.name[8:], 16) for v in self._layout.variables if v.is_hw_error}
        nxt = max(used) + 1 if used else 0
        if nxt > 0xFFFF:
            free = sorted(set(range(0x10000)) - used)
            if not free:
                return None
            nxt = free[0]
        return f"HwErrRec{nxt:04X}"

    def _write_checked(self, c: rules.Checked, flags: int, replace: bool) -> WriteResult:
        if not c.ok:
            return refused(c)
        result = WriteResult(STATUS_SUCCESS, c.record_id, notes=list(c.notes))
        if self.readonly:
            result.status, result.reason = STATUS_MEDIA_WRITE_PROTECTED, f"{self.path} is read-only"
            return result
        damage = self.damage()
        if damage:  # where the free space begins is unknown: appending could overwrite data
            result.status = STATUS_UNSUCCESSFUL
            result.reason = (f"the variable store is damaged, nothing is written to it: {damage[0]} "
                             "(`whea store check` lists the damage)")
            return result
        with self._lock:
            lay = self._layout
            old = self._live_by_id(c.record_id)
            if old is not None:
                if self._data(old) == c.data:
                    result.duplicate = True
                    result.notes.append(f"already stored as {old.name} (identical copy)")
                    return result
                if not replace:
                    result.status = STATUS_OBJECT_NAME_COLLISION
                    result.reason = (f"RecordId 0x{c.record_id:016X} is already stored as {old.name} "
                                     "with other bytes; kept it (--replace replaces it)")
                    return result
            name = self._next_name()
            if name is None:
                result.status, result.reason = STATUS_INSUFFICIENT_RESOURCES, "all HwErrRec names are used"
                return result
            blob = vs.variable_bytes(lay, name, c.data)
            free_end = lay.store_end
            if any(f.code == "varstore-free-space" for f in lay.findings):
                free_end = lay.free_offset  # unerased bytes: nothing can be appended safely
            if lay.free_offset + len(blob) > free_end:
                result.status = STATUS_INSUFFICIENT_RESOURCES
                result.reason = (f"{self.path}: the variable store has {free_end - lay.free_offset} "
                                 f"free bytes and {name} needs {len(blob)}")
                return result
            if flags & WHEA_WRITE_FLAG_DUMMY:
                return result
            edits = [(lay.free_offset, blob)]
            if old is not None:
                edits.append((old.offset + 2, bytes([old.state & DELETED_STATE_MASK])))
                result.replaced = True
                result.notes.append(f"{old.name} marked deleted")
            try:
                self._patch(edits)
            except (OSError, StoreError) as exc:
                result.status = STATUS_UNSUCCESSFUL
                result.reason = f"{self.path}: cannot write: {getattr(exc, 'strerror', None) or exc}"
                return result
            result.notes.append(f"stored as {name} in {self.path}")
        return result

    def clear_error_record(self, record_id: int, flags: int = 0, *, host: str | None = None) -> int:
        if self.readonly:
            return STATUS_MEDIA_WRITE_PROTECTED
        if record_id == rules.INVALID_RECORD_ID:
            return STATUS_INVALID_PARAMETER
        with self._lock:
            v = self._live_by_id(record_id) if record_id and not host else None
            if v is None:
                return STATUS_OBJECT_NOT_FOUND
            try:
                self._patch([(v.offset + 2, bytes([v.state & DELETED_STATE_MASK]))])
            except (OSError, StoreError):
                return STATUS_UNSUCCESSFUL
        return STATUS_SUCCESS
