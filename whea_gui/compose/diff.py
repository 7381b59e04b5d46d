"""Field-by-field comparison of two records (``whea diff``).

The two decoded FieldNode trees are aligned by path (``header.severity``,
``section_0.physical_address``); each field whose value or bytes differ is listed with both
displays and both byte ranges, plus the fields only one side has, plus the changed byte runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..core.model import DecodedRecord, FieldNode
from ..decode.record import decode_record


@dataclass
class FieldChange:
    path: str
    label: str
    change: str  # "changed" | "added" (only in B) | "removed" (only in A)
    old: str | None  # display text in A
    new: str | None  # display text in B
    old_range: tuple[int, int] | None  # (offset, length) in A
    new_range: tuple[int, int] | None

    def as_json(self) -> dict[str, Any]:
        def rng(r):
            return None if r is None else {"offset": r[0], "length": r[1]}
        return {"path": self.path, "label": self.label, "change": self.change, "old": self.old,
                "new": self.new, "old_range": rng(self.old_range), "new_range": rng(self.new_range)}


@dataclass
class RecordDiff:
    fields: list[FieldChange] = field(default_factory=list)
    byte_runs: list[tuple[int, int]] = field(default_factory=list)  # (offset, length) that differ
    length_a: int = 0
    length_b: int = 0

    @property
    def same(self) -> bool:
        return not self.fields and not self.byte_runs and self.length_a == self.length_b

    def as_json(self) -> dict[str, Any]:
        return {"same": self.same, "length_a": self.length_a, "length_b": self.length_b,
                "fields": [c.as_json() for c in self.fields],
                "byte_runs": [{"offset": o, "length": n} for o, n in self.byte_runs]}

    def text(self) -> str:
        if self.same:
            return "  identical"
        lines = []
        for c in self.fields:
            where = "  ".join(f"{side} @{r[0]}+{r[1]}" for side, r in (("A", c.old_range),
                                                                       ("B", c.new_range)) if r)
            if c.change == "changed":
                lines.append(f"  {c.path}: {c.old} -> {c.new}    {where}")
            elif c.change == "removed":
                lines.append(f"  - {c.path}: {c.old} (only in A)    {where}")
            else:
                lines.append(f"  + {c.path}: {c.new} (only in B)    {where}")
        if self.byte_runs:
            runs = ", ".join(f"{o}..{o + n - 1}" for o, n in self.byte_runs[:20])
            more = f" and {len(self.byte_runs) - 20} more" if len(self.byte_runs) > 20 else ""
            lines.append(f"  bytes differ: {runs}{more}")
        if self.length_a != self.length_b:
            lines.append(f"  length: {self.length_a} -> {self.length_b} bytes")
        return "\n".join(lines)


def _as_record(x: bytes | DecodedRecord) -> DecodedRecord:
    return x if isinstance(x, DecodedRecord) else decode_record(bytes(x))


def byte_runs(a: bytes, b: bytes) -> list[tuple[int, int]]:
    """Runs (offset, length) where the bytes differ; a length difference is one run at the end."""
    runs = []
    n = min(len(a), len(b))
    i = 0
    while i < n:
        if a[i] != b[i]:
            j = i
            while j < n and a[j] != b[j]:
                j += 1
            runs.append((i, j - i))
            i = j
        else:
            i += 1
    if len(a) != len(b):
        runs.append((n, max(len(a), len(b)) - n))
    return runs


def _index(root: FieldNode) -> dict[str, FieldNode]:
    out: dict[str, FieldNode] = {}
    for node in root.walk():
        if node is root:
            continue
        path = node.path
        key, k = path, 1
        while key in out:  # same-named siblings: keep them apart by order
            k += 1
            key = f"{path}#{k}"
        out[key] = node
    return out


def _norm(v: Any) -> Any:
    return json.loads(json.dumps(v, default=lambda x: bytes(x).hex()
                                 if isinstance(x, (bytes, bytearray, memoryview)) else str(x)))


def _is_field(node: FieldNode) -> bool:
    return node.value is not None or not node.has_children()


def _differs(na: FieldNode, a: bytes, nb: FieldNode, b: bytes) -> bool:
    if _norm(na.value) != _norm(nb.value):
        return True
    if na.bit_width is not None or nb.bit_width is not None:
        return False  # the other bits of the byte are reported by their own nodes
    return a[na.offset:na.end] != b[nb.offset:nb.end] or na.length != nb.length


def _top_missing(node: FieldNode, root: FieldNode, other: dict[str, FieldNode]) -> bool:
    """Only the outermost node of a subtree the other side lacks is listed."""
    return node.parent is root or node.parent.path in other


def diff_records(a: bytes | DecodedRecord, b: bytes | DecodedRecord) -> RecordDiff:
    ra, rb = _as_record(a), _as_record(b)
    da, db = ra.data, rb.data
    ia, ib = _index(ra.root), _index(rb.root)
    out = RecordDiff(byte_runs=byte_runs(da, db), length_a=len(da), length_b=len(db))
    for path, na in ia.items():
        nb = ib.get(path)
        if nb is None:
            if _top_missing(na, ra.root, ib):
                out.fields.append(FieldChange(path, na.label, "removed", na.display, None,
                                              (na.offset, na.length), None))
            continue
        if _is_field(na) and _is_field(nb) and _differs(na, da, nb, db):
            out.fields.append(FieldChange(path, na.label, "changed", na.display, nb.display,
                                          (na.offset, na.length), (nb.offset, nb.length)))
    for path, nb in ib.items():
        if path not in ia and _top_missing(nb, rb.root, ia):
            out.fields.append(FieldChange(path, nb.label, "added", None, nb.display, None,
                                          (nb.offset, nb.length)))
    return out
