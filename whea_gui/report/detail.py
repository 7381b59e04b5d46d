"""What a report shows for one record, independent of the output format: field rows with their
byte ranges (set flag bits included), sections, findings with the field they fall in, the
plain-language explanation and provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.model import DecodedRecord, DecodedSection, FieldNode
from .explained import Explanation, explain
from .rows import record_row

MAX_DISPLAY = 2000  # longer display texts (raw dumps) are cut; JSON keeps every byte
# Sections shown in full in one record's detail; a hostile record can have 65,535 (F7-1: a
# 203 MB page). The rest are counted under the last one shown; the JSON export has them all.
MAX_SECTIONS_SHOWN = 128


@dataclass(slots=True)
class FieldRow:
    depth: int
    label: str
    value: str
    where: str  # "@offset+length", with "bit n" / "bits a..b" for bit fields
    kind: str
    valid: bool = True


@dataclass(slots=True)
class SectionView:
    index: int
    title: str
    values: dict  # the descriptor's JSON values (type, severity, flags, FRU ...)
    summary: str
    component: str
    location: str
    descriptor: list[FieldRow]
    body: list[FieldRow]
    same_body_as: int | None = None  # the body is that earlier section's bytes: not repeated


@dataclass(slots=True)
class FindingView:
    level: str
    message: str
    offset: int
    length: int
    field: str  # label path of the field the finding starts in


@dataclass(slots=True)
class RecordDetail:
    index: int
    anchor: str
    title: str
    row: dict
    kind: str
    summary: str
    header: list[FieldRow]
    sections: list[SectionView]
    other: list[FieldRow]  # gaps, trailing bytes, entry payloads
    findings: list[FindingView]
    explanation: Explanation
    provenance: list[tuple[str, str]] = field(default_factory=list)
    sections_not_shown: int = 0  # past MAX_SECTIONS_SHOWN


def _words(value: Any) -> str:
    """A provenance value as a reader would write it (never a Python list or True)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_words(v)}" for k, v in value.items())
    return str(value)


def where_text(node: FieldNode) -> str:
    text = f"@{node.offset}+{node.length}"
    if node.bit_width is not None:
        hi = node.bit_offset + node.bit_width - 1
        text += f" bit {node.bit_offset}" if node.bit_width == 1 else f" bits {node.bit_offset}..{hi}"
    return text


def _display(node: FieldNode) -> str:
    text = node.display
    if len(text) > MAX_DISPLAY:
        text = text[:MAX_DISPLAY] + f" … ({len(text) - MAX_DISPLAY} more characters; see the JSON export)"
    return text


def field_rows(node: FieldNode, depth: int = 0) -> list[FieldRow]:
    """The node's descendants as indented rows; flag bits that are clear are left out."""
    rows: list[FieldRow] = []
    for child in node.children:
        if child.kind == "bit" and not child.value:
            continue
        rows.append(FieldRow(depth, child.label, _display(child), where_text(child), child.kind,
                             child.valid))
        if child.kind != "timestamp":  # its per-byte parts repeat the decoded time
            rows.extend(field_rows(child, depth + 1))
    return rows


def _location_text(location: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in location.items() if v is not None)


# the descriptor values the record templates print; a part of another kind (an error source of
# an Event ID 5 table) lacks some of them
_SECTION_DEFAULTS = {"severity_name": None, "flag_names": [], "fru_text": None, "fru_id": None,
                     "type": None}


def _section_view(s: DecodedSection) -> SectionView:
    v = {**_SECTION_DEFAULTS, **s.values}
    # a body another section already shows (the same offset, length and descriptor) has the
    # same fields at the same bytes: said once
    body = field_rows(s.body) if s.body is not None and s.same_body_as is None else []
    return SectionView(s.index, v.get("type_name") or v.get("type") or "Unknown section", v,
                       s.summary, s.component, _location_text(s.location or {}),
                       field_rows(s.descriptor) if s.descriptor is not None else [],
                       body, s.same_body_as)


def _label_path(node: FieldNode | None) -> str:
    parts = []
    while node is not None and node.parent is not None:
        parts.append(node.label)
        node = node.parent
    return " › ".join(reversed(parts))


def record_detail(rec: DecodedRecord, index: int) -> RecordDetail:
    row = record_row(rec, index)
    used = {id(s.descriptor) for s in rec.sections} | {id(s.body) for s in rec.sections}
    header: list[FieldRow] = []
    other: list[FieldRow] = []
    for node in rec.root.children:
        if id(node) in used:
            continue
        if node.name == "header":
            header = field_rows(node)
        else:
            other.append(FieldRow(0, node.label, _display(node), where_text(node), node.kind,
                                  node.valid))
            other.extend(field_rows(node, 1))
    findings = [FindingView(f.level, f.message, f.offset, f.length,
                            _label_path(rec.root.deepest_at(f.offset)) if f.length else "")
                for f in rec.findings]
    src = rec.source or {}
    prov = [(str(k).replace("_", " "), _words(v)) for k, v in src.items() if v not in (None, "")]
    prov += [("record kind", rec.kind), ("bytes", str(len(rec.data)))]
    if rec.extent and rec.extent != len(rec.data):
        prov.append(("record extent", str(rec.extent)))
    title = f"Record {index}: {row['severity']}"
    if row["section_types"]:
        title += f" — {row['section_types']}"
    elif row["notify_type"]:
        title += f" — {row['notify_type']}"
    shown = rec.sections[:MAX_SECTIONS_SHOWN]
    return RecordDetail(index, f"record-{index}", title, row, rec.kind, rec.summary, header,
                        [_section_view(s) for s in shown], other, findings,
                        explain(rec), prov, len(rec.sections) - len(shown))


def header_facts(rec: DecodedRecord) -> list[tuple[str, Any]]:
    """A few header values for compact tables (Markdown)."""
    h = rec.header or {}
    keys = (("Severity", "severity_name"), ("Revision", "revision_text"), ("Time", "timestamp"),
            ("Creator", "creator_name"), ("Notify type", "notify_type_name"),
            ("Record ID", "record_id"), ("Platform ID", "platform_id"), ("Flags", "flag_names"),
            ("Length", "length"), ("Entry", "id_name"), ("Type", "type_name"),
            ("Owner", "owner_tag_text"))
    out = []
    for label, key in keys:
        v = h.get(key)
        if v in (None, "", []):
            continue
        out.append((label, ", ".join(v) if isinstance(v, list) else v))
    return out
