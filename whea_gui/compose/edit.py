"""Editing records (Qt-free; the GUI's edit widgets call this).

``RecordEditor`` changes exactly the bytes of one located field, re-decodes, and keeps undo/redo
stacks of whole-record snapshots (records are kilobytes, so snapshots are simpler and safer than
inverse operations). Nothing is fixed behind a person's back: counts, offsets and lengths only
change in ``fix_up`` and the section operations, so malformed records can be made on purpose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.model import DecodedRecord, FieldNode
from ..decode.record import decode_record
from ..formats.cper import SEVERITY
from .layout import (
    UEFI_SECTION_REVISION,
    WINDOWS_CREATOR,
    WINDOWS_SECTION_REVISION,
    SectionPart,
    assemble,
    make_descriptor,
    make_header,
    split_record,
)
from .values import EditError, encode_field

__all__ = ["EditError", "RecordEditor", "SectionTemplate", "new_record"]


class RecordEditor:
    def __init__(self, data: bytes = b"", *, source: dict | None = None) -> None:
        self._data = bytes(data)
        self._source = dict(source or {})
        self._undo: list[tuple[str, bytes]] = []
        self._redo: list[tuple[str, bytes]] = []
        self._record = decode_record(self._data, source=self._source)

    # -- state -------------------------------------------------------------------------
    @property
    def data(self) -> bytes:
        return self._data

    @property
    def record(self) -> DecodedRecord:
        return self._record

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def history(self) -> list[str]:
        """Labels of the edits that can be undone, oldest first."""
        return [label for label, _ in self._undo]

    def find(self, path: str) -> FieldNode:
        node = self._record.root.find(path)
        if node is None or node.parent is None:
            raise KeyError(f"no field {path!r} in this record")
        return node

    def choices(self, path: str) -> dict[int, str]:
        """The named values of an enum or multi-bit field (for a drop-down); {} if none."""
        node = self.find(path)
        spec = node.spec
        table = getattr(spec, "enum", None) or getattr(spec, "values", None)
        if table:
            return dict(table)
        if node.bit_width == 1:
            return {0: "clear", 1: "set"}
        return {}

    # -- edits -------------------------------------------------------------------------
    def set_field(self, path: str, value: Any, *, encoding: str | None = None,
                  precise: bool | None = None) -> bytes:
        """Write ``value`` into the field at ``path``; returns the field's new bytes.

        Numbers (int or "0x.." text), enum names, bit values, GUID text, text/bytes, and
        timestamps (datetime or ISO text; ``encoding`` "bcd" | "binary" | "unix", default the
        one in use) are accepted. Raises EditError (the record is unchanged) when it cannot fit.
        """
        node = self.find(path)
        current = self._data[node.offset:node.end]
        new = encode_field(node, value, current, creator=self._record.header.get("creator_id") or "",
                           encoding=encoding, precise=precise)
        self.set_bytes(node.offset, new, label=f"Set {path}")
        return new

    def set_bytes(self, offset: int, raw: bytes, *, label: str = "") -> None:
        if offset < 0 or offset + len(raw) > len(self._data):
            raise EditError(f"bytes {offset}..{offset + len(raw)} are outside the record "
                            f"({len(self._data)} bytes)")
        new = self._data[:offset] + bytes(raw) + self._data[offset + len(raw):]
        self.replace(new, label or f"Set {len(raw)} bytes at {offset}")

    def replace(self, data: bytes, label: str = "Replace record") -> None:
        """Any whole-record change (one undo step)."""
        data = bytes(data)
        if data == self._data:
            return
        self._undo.append((label, self._data))
        self._redo.clear()
        self._set(data)

    def undo(self) -> str | None:
        if not self._undo:
            return None
        label, before = self._undo.pop()
        self._redo.append((label, self._data))
        self._set(before)
        return label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        label, after = self._redo.pop()
        self._undo.append((label, self._data))
        self._set(after)
        return label

    def _set(self, data: bytes) -> None:
        self._data = data
        self._record = decode_record(data, source=self._source)

    # -- structure ---------------------------------------------------------------------
    def fix_up(self, *, set_severity: bool = False) -> None:
        """Make the record consistent: signatures, SectionCount, offsets, lengths, RecordLength.

        Descriptors follow the header and bodies follow in descriptor order; unused bytes and
        trailing data are dropped. ``set_severity`` also sets the header severity to the most
        severe section's.
        """
        if self._record.kind != "cper":
            raise EditError("fix-up applies to CPER records")
        header, parts = split_record(self._data)
        self.replace(assemble(header, parts, set_severity=set_severity), "Fix up lengths and offsets")

    def sections(self) -> list[SectionPart]:
        return split_record(self._data)[1]

    def add_section(self, kind: str | SectionPart, *, index: int | None = None, seed: int = 0,
                    severity: int | str | None = None, flags: int = 0, fru_text: str | None = None,
                    fru_id: str | None = None, values: dict | None = None) -> None:
        """Insert a section (a catalogue kind name, GUID, or a ready SectionPart) and lay out."""
        header, parts = split_record(self._data)
        part = kind if isinstance(kind, SectionPart) else template_part(
            SectionTemplate(kind, severity=severity, flags=flags, fru_text=fru_text,
                            fru_id=fru_id, values=values or {}),
            self._windows(), seed)
        parts.insert(len(parts) if index is None else index, part)
        self.replace(assemble(header, parts), f"Add section {getattr(kind, 'type_guid', kind)}")

    def remove_section(self, index: int) -> None:
        header, parts = split_record(self._data)
        if not 0 <= index < len(parts):
            raise EditError(f"there is no section {index} (the record has {len(parts)})")
        parts.pop(index)
        self.replace(assemble(header, parts), f"Remove section {index}")

    def move_section(self, index: int, new_index: int) -> None:
        header, parts = split_record(self._data)
        if not (0 <= index < len(parts) and 0 <= new_index < len(parts)):
            raise EditError(f"section positions must be 0..{len(parts) - 1}")
        parts.insert(new_index, parts.pop(index))
        self.replace(assemble(header, parts), f"Move section {index} to {new_index}")

    def _windows(self) -> bool:
        from ..core import guids
        return (self._record.header.get("creator_id") or "") in guids.WINDOWS_CREATORS


# -- new records ---------------------------------------------------------------------------
@dataclass
class SectionTemplate:
    """One section for ``new_record``: a catalogue kind (``"memory"``) or section GUID."""

    kind: str
    severity: int | str | None = None
    flags: int = 0
    fru_text: str | None = None
    fru_id: str | None = None
    values: dict = field(default_factory=dict)  # body overrides, by the packer's names
    body: bytes | None = None  # ready body bytes instead of the packer's


def _severity(value: int | str | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, str):
        for k, name in SEVERITY.items():
            if name.lower() == value.lower():
                return k
        raise EditError(f"unknown severity {value!r} (one of {', '.join(SEVERITY.values())})")
    return int(value)


def template_part(t: SectionTemplate, windows: bool, seed: int = 0) -> SectionPart:
    import random

    from .bodies import catalog
    kind = catalog.find(t.kind)
    sev = _severity(t.severity, kind.severity if kind else 2)
    if kind is None:
        guid = catalog.guid_of(t.kind)
        body = t.body if t.body is not None else bytes(16)
    else:
        guid = kind.guid
        body = t.body if t.body is not None else kind.pack(random.Random(seed), sev, dict(t.values))
    rev = WINDOWS_SECTION_REVISION if windows else UEFI_SECTION_REVISION
    flags = t.flags if t.flags else 1  # a lone or first section is normally the primary one
    return SectionPart(make_descriptor(guid, severity=sev, flags=flags, fru_id=t.fru_id,
                                       fru_text=t.fru_text, revision=rev), body)


def new_record(*templates: str | SectionTemplate, creator: str = WINDOWS_CREATOR,
               notify: str | None = None, severity: int | str | None = None,
               timestamp: dt.datetime | None = None, timestamp_encoding: str | None = None,
               precise: bool = False, record_id: int = 0, flags: int = 0,
               platform_id: str | None = None, seed: int = 0) -> bytes:
    """A valid record with sensible defaults for each section kind (see ``bodies.catalog``).

    The header severity defaults to the most severe section's, the notification type to the
    first section kind's usual one, the timestamp to 2025-01-01 00:00:00.
    """
    from ..core import guids
    from .bodies import catalog
    tpls = [t if isinstance(t, SectionTemplate) else SectionTemplate(t) for t in templates]
    windows = creator in guids.WINDOWS_CREATORS
    parts = [template_part(t, windows, seed + i) for i, t in enumerate(tpls)]
    for i, p in enumerate(parts[1:], 1):  # only the first section is primary by default
        if not tpls[i].flags:
            p.descriptor = p.descriptor[:12] + bytes(4) + p.descriptor[16:]
    first = catalog.find(tpls[0].kind) if tpls else None
    if notify is None:
        notify = first.notify_for(_severity(tpls[0].severity, first.severity)) if first else guids.NULL_GUID
    header = make_header(creator=creator, notify=notify, severity=_severity(severity, 2),
                         timestamp=timestamp or dt.datetime(2025, 1, 1),
                         timestamp_encoding=timestamp_encoding, precise=precise,
                         platform_id=platform_id, record_id=record_id, flags=flags)
    return assemble(header, parts, set_severity=severity is None)


def kinds() -> Iterable[str]:
    from .bodies import catalog
    return [k.key for k in catalog.KINDS]
