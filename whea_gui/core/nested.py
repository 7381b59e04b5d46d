"""Section bodies nested inside other structures (GESB data entries, WHEA error-packet unions).

They are decoded by the same section registry as record-level bodies; findings are re-labelled
with where the body sits, so "Section 0: ..." from a decoder reads "GESB entry 0: ...".

Nesting is bounded: a status block can hold a Microsoft generic section that holds another
status block, and so on. Past ``MAX_NESTING`` levels a body is kept as raw bytes with a finding,
so a hostile chain costs bounded time, stack and output instead of a RecursionError.
"""

from __future__ import annotations

from .model import WARNING, DecodedRecord, DecodedSection, FieldNode
from .sections import SectionContext, decode_body

MAX_NESTING = 16  # real records nest one or two levels (CPER → generic section → GESB entry)


class TaggedRecord:
    """Forwards to the real record; findings get ``tag`` instead of the decoder's own prefix."""

    __slots__ = ("_record", "_prefix", "_tag", "nesting")

    def __init__(self, record: DecodedRecord, index: int, tag: str) -> None:
        self._record = record
        self._prefix = f"Section {index}: "
        self._tag = tag
        self.nesting = nesting_of(record) + 1

    def add_finding(self, level: str, message: str, offset: int, length: int, code: str = "",
                    node: FieldNode | None = None):
        if message.startswith(self._prefix):
            message = message[len(self._prefix):]
        return self._record.add_finding(level, f"{self._tag}: {message}", offset, length, code,
                                        node)

    def __getattr__(self, name: str):
        return getattr(self._record, name)


def nesting_of(record) -> int:
    """How many nested bodies ``record`` (a DecodedRecord or a TaggedRecord) sits inside."""
    return record.nesting if isinstance(record, TaggedRecord) else 0


def decode_nested(record: DecodedRecord, data: bytes, parent: FieldNode, *, name: str, label: str,
                  offset: int, length: int, declared_length: int, values: dict, tag: str,
                  creator_id: str = "") -> DecodedSection:
    """Add a body node under ``parent`` and run the registered decoder for ``values["type"]``."""
    index = values.get("index") or 0
    section = DecodedSection(index, None, None, values)
    body = parent.add(FieldNode(name, label, None, f"{length} bytes", offset, length,
                                kind="section"))
    section.body = body
    if length <= 0:
        return section
    if nesting_of(record) >= MAX_NESTING:
        record.add_finding(WARNING, f"{tag}: body nested more than {MAX_NESTING} levels deep; "
                                    "not decoded (shown as raw bytes)", offset, length,
                           "nesting-limit")
        section.summary = "Not decoded: nested too deep"
        return section
    ctx = SectionContext(data, offset, length, declared_length, body,
                         TaggedRecord(record, index, tag), section, creator_id)
    decode_body(ctx)
    return section
