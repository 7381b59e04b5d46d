"""Test support for the memory/PCI/DMAr/CCIX/CXL/FMP/vendor section decoders.

* ``VECTORS`` and the libcper oracle records of a section type (``libcper_sections``),
* ``flatten`` and ``compare_with_libcper``: map libcper's JSON names to ours and compare values,
* ``build_record``: a minimal CPER record around a section body,
* ``check_located``: every node inside its section body, bit nodes with bit offset/width,
  findings with in-range byte ranges.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whea_gui.compose.layout import (
    WINDOWS_SECTION_REVISION,
    SectionPart,
    assemble,
    make_descriptor,
    make_header,
    with_declared_length,
)
from whea_gui.core.model import DecodedRecord, DecodedSection, FieldNode
from whea_gui.decode import decode_record

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"  # repo root, then beside it
GENERATED = VECTORS / "libcper-generated"
EXAMPLES = VECTORS / "libcper-examples"
DWR = VECTORS / "DecodeWheaRecord"


# -- the oracle ---------------------------------------------------------------------------------------
def libcper_sections(json_key: str, generated_dirs: tuple[str, ...] = (),
                     examples: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """(record path, section index) of every libcper-decoded section whose JSON key is ``json_key``,
    from the named generated folders (and their single-section files), the named examples and all
    multi-section records."""
    paths = []
    for d in generated_dirs:
        paths += sorted((GENERATED / d).glob("*.cper"))
        paths += sorted((GENERATED / "single-section").glob(f"{d}-[0-9][0-9][0-9].cper"))
    paths += [EXAMPLES / f"{name}.cper" for name in examples]
    paths += sorted((GENERATED / "multi").glob("*.cper"))
    out = []
    for p in paths:
        doc = json.loads(p.with_suffix(".json").read_text())
        for i, sec in enumerate(doc["sections"] if "sections" in doc else [doc["section"]]):
            if json_key in sec:
                out.append((str(p.relative_to(VECTORS)), i))
    return out


def load_case(rel: str, index: int, json_key: str) -> tuple[DecodedRecord, DecodedSection, dict]:
    """Our decode and libcper's JSON of one section. A single-section file (a descriptor and the body,
    no record header) is decoded by putting its body into a record of our own."""
    path = VECTORS / rel
    doc = json.loads(path.with_suffix(".json").read_text())
    data = path.read_bytes()
    if "section" in doc:
        offset, length = struct.unpack_from("<II", data, 0)
        guid = str(uuid.UUID(bytes_le=data[16:32]))
        data = build_record(guid, data[offset:offset + length])
        oracle = doc["section"][json_key]
    else:
        oracle = doc["sections"][index][json_key]
    rec = decode_record(data, source={"path": str(path)})
    return rec, rec.sections[index], oracle


def flatten(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Leaf (dotted path, value) pairs; list items as ``name[i]``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def get_path(obj: Any, path: str) -> Any:
    """Value at a dotted path (``a.b[2].c``); KeyError when absent."""
    for part in path.split("."):
        m = re.fullmatch(r"([^\[]+)((?:\[\d+\])*)", part)
        obj = obj[m.group(1)]
        for idx in re.findall(r"\[(\d+)\]", m.group(2)):
            obj = obj[int(idx)]
    return obj


_WORDS = {"supported": 1, "notsupported": 0, "enabled": 1, "disabled": 0, "passing": 1, "failed": 0,
          "fatal": 1, "nonfatal": 0}


def norm(v: Any) -> Any:
    """libcper's value spellings → plain numbers (bools and Supported/Enabled/Fatal words → 0/1)."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str) and v.replace("_", "").lower() in _WORDS:
        return _WORDS[v.replace("_", "").lower()]
    return v


def b64(v: str) -> bytes:
    return base64.b64decode(v)


@dataclass
class Rule:
    """How one libcper leaf is checked: a regex on its path → (our fields path, value transforms)."""

    pattern: str
    # our path (regex groups expand, or a function of the match); None: only ``fallback``, or skipped
    ours: str | Callable[[re.Match], str] | None
    theirs: Callable[[Any], Any] = norm
    mine: Callable[[Any], Any] = norm
    reason: str = ""  # why a leaf is not compared, or why it is read from the tree
    # Where libcper prints a field its validation bit leaves out of our ``fields`` (or raw bytes),
    # read the value from our located tree instead: (section, record, match) -> value.
    fallback: Callable[[DecodedSection, DecodedRecord, re.Match], Any] | None = None


@dataclass
class Comparison:
    compared: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    via_tree: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


def matches_libcper(oracle: dict, sec: DecodedSection, rec: DecodedRecord,
                    rules: list[Rule]) -> Comparison:
    """``compare_with_libcper``, failing on any libcper field no rule maps or any value that
    differs; the comparison is returned for checks of how much was compared."""
    result = compare_with_libcper(oracle, sec, rec, rules)
    assert not result.unmapped and not result.mismatches, (result.unmapped, result.mismatches)
    return result


def compare_with_libcper(oracle: dict, sec: DecodedSection, rec: DecodedRecord,
                         rules: list[Rule]) -> Comparison:
    out = Comparison()
    fields = sec.fields or {}
    for path, theirs in flatten(oracle):
        rule, m = next(((r, re.fullmatch(r.pattern, path)) for r in rules
                        if re.fullmatch(r.pattern, path)), (None, None))
        if rule is None:
            out.unmapped.append(path)
            continue
        if rule.ours is None and rule.fallback is None:
            out.skipped[path] = rule.reason
            continue
        if rule.ours is None:
            ours_path = "(tree)"
        else:
            ours_path = rule.ours(m) if callable(rule.ours) else m.expand(rule.ours)
        try:
            if rule.ours is None:
                raise KeyError(path)
            got = get_path(fields, ours_path)
            if got is None:  # null: the validation bit leaves it out, as a missing key did before
                raise KeyError(ours_path)
            mine = rule.mine(got)
        except (KeyError, IndexError, TypeError):
            if rule.fallback is None:
                out.mismatches.append(f"{path}: libcper has {theirs!r}, we have no {ours_path}")
                continue
            mine = rule.mine(rule.fallback(sec, rec, m))
            out.via_tree.append(path)
        expected = rule.theirs(theirs)
        if expected != mine:
            out.mismatches.append(f"{path}: libcper {expected!r} != ours {mine!r} ({ours_path})")
        out.compared += 1
    return out


def tree_value(path: str, transform: Callable[[Any], Any] = lambda v: v):
    """A fallback reading the raw decoded value from the section's tree (for fields marked invalid)."""
    def get(sec: DecodedSection, _rec: DecodedRecord, _m=None) -> Any:
        node = sec.body.find(path)
        assert node is not None, f"tree has no {path}"
        return transform(node.value)
    return get


def body_bytes(rel_offset: int, length: int):
    """A fallback reading raw body bytes."""
    def get(sec: DecodedSection, rec: DecodedRecord, _m=None) -> bytes:
        start = sec.body.offset + rel_offset
        return rec.data[start:start + length]
    return get


# Generic error status (§6.0), as embedded in memory and PCI sections
STATUS_RULES = [
    Rule(r"errorStatus\.errorType\.value", "error_status.error_type"),
    Rule(r"errorStatus\.errorType\.name", "error_status.error_type_name"),
    Rule(r"errorStatus\.errorType\.description", None, reason="prose description of the error type"),
    Rule(r"errorStatus\.addressSignal", "error_status.address"),
    Rule(r"errorStatus\.controlSignal", "error_status.control"),
    Rule(r"errorStatus\.dataSignal", "error_status.data"),
    Rule(r"errorStatus\.detectedByResponder", "error_status.responder"),
    Rule(r"errorStatus\.detectedByRequester", "error_status.requester"),
    Rule(r"errorStatus\.firstError", "error_status.first_error"),
    Rule(r"errorStatus\.overflowDroppedLogs", "error_status.overflow"),
]

# -- building records -----------------------------------------------------------------------------------
def build_record(section_type: str, body: bytes, *, severity: int = 2, declared_length: int | None = None,
                 creator: str = "00000000-0000-0000-0000-000000000000") -> bytes:
    """A one-section CPER record (revision 2.16) with ``body`` at offset 200."""
    header = make_header(creator=creator, severity=severity, record_id=1, revision=0x0210)
    part = SectionPart(make_descriptor(section_type, severity=severity, flags=1,
                                       revision=WINDOWS_SECTION_REVISION), body)
    return with_declared_length(assemble(header, [part]), 0, declared_length)


def section_body(rel: str, index: int = 0) -> tuple[str, bytes]:
    """(section type GUID, body bytes) of section ``index`` of a vector record."""
    data = (VECTORS / rel).read_bytes()
    d = 128 + 72 * index
    off, ln = struct.unpack_from("<II", data, d)
    guid = str(uuid.UUID(bytes_le=data[d + 16:d + 32]))
    return guid, data[off:off + ln]


# -- location checks -----------------------------------------------------------------------------------
def check_located(rec: DecodedRecord) -> None:
    """Every node of every decoded body lies inside that body; bit nodes carry bit offset/width;
    every finding's byte range lies inside the record's bytes."""
    n = len(rec.data)
    for f in rec.findings:
        assert 0 <= f.offset and f.length >= 0 and f.offset + f.length <= n, f
    for sec in rec.sections:
        if sec.body is None:
            continue
        lo, hi = sec.body.offset, sec.body.offset + sec.body.length
        for node in sec.body.walk():
            assert lo <= node.offset and node.offset + node.length <= hi, (
                f"{node!r} outside section body {lo}..{hi}")
            if node.kind == "bit":
                assert node.bit_offset is not None and node.bit_width, node
                assert 0 <= node.bit_offset < 8 * node.length, node


def section_findings(rec: DecodedRecord, index: int = 0) -> list:
    prefix = f"Section {index}: "
    return [f for f in rec.findings if f.message.startswith(prefix)]


def assert_no_decoder_failure(rec: DecodedRecord) -> None:
    bad = [f for f in rec.findings if f.code == "decoder-failed"]
    assert not bad, bad


def walk_names(node: FieldNode) -> set[str]:
    return {n.path for n in node.walk()}


# -- malformed input ------------------------------------------------------------------------------------
def mutate(body: bytes, cut: int, flips: list[tuple[int, int]], words: list[tuple[int, int, int]] = ()
           ) -> bytes:
    """``body`` with byte flips, little-endian words overwritten ((offset, size, value)), then cut."""
    out = bytearray(body)
    for off, size, value in words:
        if off + size <= len(out):
            out[off:off + size] = (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")
    for i, v in flips:
        if i < len(out):
            out[i] = v
    return bytes(out[:cut])


def decode_bad_body(section_type: str, body: bytes, *, declared_length: int | None = None
                    ) -> DecodedRecord:
    """Decode a record holding a (possibly broken) body and check the never-raise guarantees:
    no decoder failure, findings and nodes located in range, and a partial tree when bytes exist."""
    rec = decode_record(build_record(section_type, body, declared_length=declared_length))
    assert_no_decoder_failure(rec)
    check_located(rec)
    if body:
        sec = rec.sections[0]
        assert sec.body is not None and sec.body.length == len(body)
        assert sec.fields is not None  # the decoder ran and returned what it could
        if len(body) >= 8:
            assert sec.body.children, "a partial tree is expected"
    return rec
