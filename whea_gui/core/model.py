"""The located decode tree: FieldNode, Finding, DecodedSection, DecodedRecord.

A FieldNode is the single "field location" object that the tree view, the hex view, reports
and JSON all share (Wireshark's FieldInformation is the model): it knows where it sits in the
record's bytes (``offset``/``length`` relative to the record start, and ``bit_offset``/
``bit_width`` for bit fields, counted from bit 0 of the little-endian integer at ``offset``).
"""

from __future__ import annotations

import bisect
import heapq
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
NOTE = "note"
LEVELS = (ERROR, WARNING, NOTE)
MAX_FINDINGS_PER_CODE = 256


@dataclass(slots=True)
class Finding:
    level: str
    message: str
    offset: int
    length: int
    code: str = ""
    # The node this finding judges (weakly: the node lists its findings, and trees have no
    # reference cycles). Set by ``attach``; see ``DecodedRecord.add_finding``.
    _node: Any = field(default=None, repr=False, compare=False)
    # True when placed by its bytes (not named by the decoder): it moves down to a child that
    # covers its bytes when lazy children are made.
    _by_bytes: bool = field(default=False, repr=False, compare=False)

    @property
    def node(self) -> FieldNode | None:
        return self._node() if self._node is not None else None

    def attach(self, node: FieldNode, *, by_bytes: bool = False) -> None:
        """Make ``node`` the one this finding judges (Wireshark's expert info on a tree item)."""
        self._by_bytes = by_bytes
        old = self.node
        if old is node:
            return
        if old is not None and old.findings:
            old.findings.remove(self)
        self._node = weakref.ref(node)
        if node.findings is None:
            node.findings = []
        node.findings.append(self)

    def as_json(self) -> dict:
        return {"level": self.level, "message": self.message, "offset": self.offset,
                "length": self.length, "code": self.code}


class FieldNode:
    """One decoded field with its location. Children may be built lazily (flag bits).

    A node links to its parent weakly (no reference cycles, so a discarded tree is freed at
    once instead of by the cyclic collector): keep the record or root alive while walking up.
    """

    __slots__ = ("name", "label", "value", "_display", "_fmt", "offset", "length", "bit_offset",
                 "bit_width", "kind", "description", "_parent", "_children", "_make_children",
                 "_later",
                 "__weakref__",
                 "valid", "spec", "findings")

    def __init__(self, name: str, label: str, value: Any, display: str, offset: int,
                 length: int, *, bit_offset: int | None = None, bit_width: int | None = None,
                 kind: str = "int", description: str = "", children: list | None = None,
                 make_children: Callable[[FieldNode], list] | None = None,
                 valid: bool = True, fmt: Callable[[], str] | None = None,
                 spec: Any = None) -> None:
        self.name = name
        self.label = label
        self.value = value
        self._display = display
        self._fmt = fmt  # computes the display text on first use (most nodes are never shown)
        self.offset = offset
        self.length = length
        self.bit_offset = bit_offset
        self.bit_width = bit_width
        self.kind = kind
        self.description = description
        self._parent = None  # a weak reference: trees have no cycles, so they free at once
        self._children = None
        self._make_children = make_children
        self._later = None  # nodes (and makers) added while the lazy children were not made
        self.valid = valid
        self.spec = spec  # the Field/Bits definition it came from (enum names for editing)
        self.findings: list[Finding] | None = None  # the findings that judge this node
        if children:
            self._children = []
            for c in children:
                self.add(c)

    @property
    def display(self) -> str:
        if self._display is None:
            if self._fmt is not None:
                self._display = self._fmt()
                self._fmt = None
            elif self.spec is not None and hasattr(self.spec, "text_of"):  # a layout Field
                self._display = self.spec.text_of(self.value)
            else:
                self._display = ""
        return self._display

    @display.setter
    def display(self, text: str) -> None:
        self._display = text
        self._fmt = None

    # -- tree --------------------------------------------------------------------------
    @property
    def parent(self) -> FieldNode | None:
        ref = self._parent
        return ref() if ref is not None else None

    @parent.setter
    def parent(self, node: FieldNode | None) -> None:
        self._parent = weakref.ref(node) if node is not None else None

    @property
    def children(self) -> list[FieldNode]:
        if self._children is None:
            self._materialise()
        return self._children

    def _materialise(self) -> None:
        self._children = kids = []
        make, self._make_children = self._make_children, None
        later, self._later = self._later, None
        if make is None and later is None:
            return
        ref = weakref.ref(self)
        if make is not None:
            for c in make(self):
                c._parent = ref
                kids.append(c)
        for item in later or ():  # in the order they were added, after the lazy children
            if isinstance(item, FieldNode):
                kids.append(item)
            else:
                for c in item(self):
                    c._parent = ref
                    kids.append(c)
        for f in [f for f in self.findings or () if f._by_bytes]:  # down to the new children
            f.attach(self.deepest_covering(f.offset, f.length), by_bytes=True)

    def add(self, child: FieldNode) -> FieldNode:
        child._parent = weakref.ref(self)
        if self._children is None:
            if self._make_children is not None or self._later is not None:
                # the lazy children are not made yet: this one waits behind them, in order
                self.defer(child)
                return child
            self._children = []
        self._children.append(child)
        return child

    def defer(self, item: FieldNode | Callable[[FieldNode], list]) -> None:
        """Add a node, or a maker of nodes, after the children made so far or still to be
        made, without making the lazy ones now (listing thousands of records needs values)."""
        if self._children is not None:
            if isinstance(item, FieldNode):
                self.add(item)
            else:
                for c in item(self):
                    self.add(c)
        elif self._make_children is None and self._later is None and not isinstance(item, FieldNode):
            self._make_children = item
        elif self._later is None:
            self._later = [item]
        else:
            self._later.append(item)

    def has_children(self) -> bool:
        return bool(self._children) or self._make_children is not None or bool(self._later)

    def walk(self) -> Iterator[FieldNode]:
        """This node and all below it, depth first in order (no recursion: trees can be deep)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    @property
    def path(self) -> str:
        parts = []
        node: FieldNode | None = self
        while node is not None and node.parent is not None:
            parts.append(node.name)
            node = node.parent
        return ".".join(reversed(parts))

    def find(self, path: str) -> FieldNode | None:
        """Child by dotted path of names (``header.flags.recovered``)."""
        node: FieldNode | None = self
        for part in path.split(".") if path else []:
            if node is None:
                return None
            node = next((c for c in node.children if c.name == part), None)
        return node

    def deepest_at(self, offset: int) -> FieldNode | None:
        """The deepest node whose byte range covers ``offset`` (hex click → tree)."""
        if not (self.offset <= offset < self.offset + self.length) and self.parent is not None:
            return None
        best = self if self.parent is not None else None
        node = self
        while True:  # down the first child that covers ``offset`` (a loop: trees can be deep)
            kids = node.children
            if len(kids) >= _COVER_INDEX_MIN:  # a record of 65,535 sections: no scan of them all
                hit = _first_cover(node, kids, offset)
            else:
                hit = next((c for c in kids
                            if c.length > 0 and c.offset <= offset < c.offset + c.length), None)
            if hit is None:
                return best
            best = node = hit

    def deepest_covering(self, offset: int, length: int) -> FieldNode:
        """The deepest node made so far (this one at least) whose bytes cover all of
        ``offset``..``offset + length``. Lazy children are not made for it (listing thousands
        of records must stay cheap); bit nodes are never chosen (a byte range cannot tell one
        bit of a byte from another)."""
        end = offset + max(length, 1)
        node = self
        while True:
            kids = node._children
            if kids is None:
                return node
            if len(kids) >= _COVER_INDEX_MIN:
                hit = _first_cover(node, kids, offset)
            else:
                hit = next((c for c in kids
                            if c.length > 0 and c.offset <= offset < c.offset + c.length), None)
            if hit is None or hit.kind == "bit" or hit.offset + hit.length < end:
                return node
            node = hit

    @property
    def end(self) -> int:
        return self.offset + self.length

    def __repr__(self) -> str:
        bits = f" bits {self.bit_offset}+{self.bit_width}" if self.bit_width is not None else ""
        return f"<FieldNode {self.path or self.name} @{self.offset}+{self.length}{bits} = {self.display}>"


# -- which child covers a byte, for nodes with many children -------------------------------------
_COVER_INDEX_MIN = 64
_cover_indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _first_cover(node: FieldNode, kids: list[FieldNode], offset: int) -> FieldNode | None:
    """The first of ``kids`` (in order) whose bytes cover ``offset``, by bisection over
    precomputed segments: deepest_at for each finding of a 65,535-section record would otherwise
    scan every section once per finding. The index is rebuilt when children were added."""
    cached = _cover_indexes.get(node)
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), *_cover_segments(kids))
        _cover_indexes[node] = cached
    _, starts, owners = cached
    at = bisect.bisect_right(starts, offset) - 1
    if at < 0 or owners[at] < 0:
        return None
    return kids[owners[at]]


def _cover_segments(kids: list[FieldNode]) -> tuple[list[int], list[int]]:
    """Cut the covered bytes into segments at every child's start and end; for each segment,
    the position of the first child (in order) that covers it, or -1. O(m log m) for m kids."""
    spans = sorted((c.offset, c.offset + c.length, i) for i, c in enumerate(kids) if c.length > 0)
    cuts = sorted({p for a, b, _ in spans for p in (a, b)})
    starts: list[int] = []
    owners: list[int] = []
    active: list[tuple[int, int]] = []  # (position, end): the first child still covering on top
    nxt = 0
    for cut in cuts:
        while nxt < len(spans) and spans[nxt][0] <= cut:
            a, b, i = spans[nxt]
            heapq.heappush(active, (i, b))
            nxt += 1
        while active and active[0][1] <= cut:  # ended before this segment
            heapq.heappop(active)
        starts.append(cut)
        owners.append(active[0][0] if active else -1)
    return starts, owners


@dataclass(slots=True)
class DecodedSection:
    index: int
    descriptor: FieldNode | None
    body: FieldNode | None
    values: dict = field(default_factory=dict)  # the JSON-facing descriptor values
    fields: dict | None = None  # decoded body (sections issue)
    summary: str = ""  # one plain-language sentence set by the body decoder
    # What failed and where, for explanations and fault grouping (set by body decoders):
    # component: "cpu" | "memory" | "pcie" | "pci" | "firmware" | "iommu" | "cxl" | "platform" | ...
    component: str = ""
    location: dict = field(default_factory=dict)  # e.g. {"apic_id": 13, "bank": 5}
    # Index of an earlier section whose body is the very same bytes: this one was not decoded
    # again and shares that section's fields, summary, component and location.
    same_body_as: int | None = None
    # location keys left out because their fields lie in bytes the input did not give (read as
    # 00: a redacted or missing hex row, unreadable characters)
    unread_keys: tuple[str, ...] = ()

    @property
    def type_guid(self) -> str:
        return self.values.get("type", "")

    def entry_severities(self) -> list[tuple[int, object]]:
        """(index, severity) of each Generic Error Data Entry the section carries (the status
        block of a Microsoft generic section): each entry is a section of its own, with its own
        severity (ACPI), which the record's severity checks count as a section's."""
        entries = self.fields.get("entries") if isinstance(self.fields, dict) else None
        if not isinstance(entries, list):
            return []
        return [(i, e.get("severity")) for i, e in enumerate(entries) if isinstance(e, dict)]


@dataclass(slots=True)
class DecodedRecord:
    """A decoded record (CPER, a single section, or a WhLg event entry) and its findings."""

    data: bytes
    kind: str  # "cper" | "whlg" | "section" | "unknown"
    root: FieldNode
    header: dict = field(default_factory=dict)
    sections: list[DecodedSection] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    source: dict = field(default_factory=dict)
    extent: int = 0  # bytes of ``data`` that belong to this record
    _summary: str = ""
    # The plain-language summary is made on first use: listing a store needs none of them.
    _summarizer: Callable[[DecodedRecord], None] | None = None

    @property
    def summary(self) -> str:
        if self._summarizer is not None:
            make, self._summarizer = self._summarizer, None
            make(self)
        return self._summary

    @summary.setter
    def summary(self, text: str) -> None:
        self._summarizer = None
        self._summary = text

    # Findings per code are bounded (a hostile record can repeat one problem 65,535 times):
    # past the limit they are counted, and ``close_findings`` adds one finding that says so.
    _per_code: dict = field(default_factory=dict)
    _held_back: dict = field(default_factory=dict)  # code -> [count, worst level, first Finding]

    _attached: bool = False  # whether findings are attached to nodes as they are added

    def add_finding(self, level: str, message: str, offset: int, length: int,
                    code: str = "", node: FieldNode | None = None) -> Finding:
        """Record a finding; ``node`` is the node it judges when the caller has it, otherwise
        ``attach_findings`` picks the deepest node covering its bytes once the tree is built."""
        f = Finding(level, message, offset, length, code)
        seen = self._per_code.get(code, 0)
        self._per_code[code] = seen + 1
        if seen < MAX_FINDINGS_PER_CODE:
            self.findings.append(f)
            if node is not None:
                f.attach(node)
            elif self._attached:  # added after decoding (e.g. by the summary)
                f.attach(self.root.deepest_covering(offset, length), by_bytes=True)
            return f
        if node is not None:  # held back: the node does not list it, the output-limit note does
            f._node = weakref.ref(node)
        held = self._held_back.get(code)
        if held is None:
            self._held_back[code] = [1, level, f]
        else:
            held[0] += 1
            if LEVELS.index(level) < LEVELS.index(held[1]):
                held[1] = level
        return f

    def close_findings(self) -> None:
        """One finding per code that hit the limit, as severe as the worst one held back."""
        for code, (count, level, first) in self._held_back.items():
            f = Finding(
                level, f"{count} more finding(s) like \"{first.message}\" (code {code or 'none'}) "
                       f"are not listed: at most {MAX_FINDINGS_PER_CODE} per code and record",
                first.offset, first.length, "output-limit")
            if first.node is not None:
                f.attach(first.node)
            self.findings.append(f)
        self._held_back.clear()

    def attach_findings(self) -> None:
        """Give each finding not yet attached the deepest node covering its bytes (the root
        when none does; it moves further down when lazy children are made), and attach later
        findings as they come."""
        for f in self.findings:
            if f.node is None:
                f.attach(self.root.deepest_covering(f.offset, f.length), by_bytes=True)
        self._attached = True

    def has_errors(self) -> bool:
        return any(f.level == ERROR for f in self.findings)


def new_record(data: bytes, kind: str, root_name: str, root_label: str, source: dict | None,
               decode: Callable[[DecodedRecord, bytes, int], None]) -> DecodedRecord:
    """A record whose ``decode(rec, buf, n)`` fills it in; never raises.

    The last line of defence for every record kind: a decoder bug becomes an error finding
    over the whole record, and the bytes are kept.
    """
    buf = bytes(data)
    n = len(buf)
    rec = DecodedRecord(buf, kind, FieldNode(root_name, root_label, None, "", 0, n, kind="record"),
                        source=dict(source or {}))
    try:
        decode(rec, buf, n)
    except Exception as exc:
        rec.add_finding(ERROR, f"Decoder failure ({type(exc).__name__}: {exc}); the bytes are kept",
                        0, n, "internal")
        rec.extent = rec.extent or n
    rec.close_findings()
    rec.attach_findings()
    return rec

