"""JSON reports, streamed one record at a time.

``json``: one object, written so every record is one line and the generated-at time has a line
of its own::

    {"report": "whea-inspector", "version": 1,
    "generated_at": "2025-03-01T12:00:00Z",
    "title": ..., "inputs": [...], "filters": {...}, "problems": [...],
    "summary": {...},
    "records": [
    {record 1},
    {record 2}
    ]}

The records are spooled to a temporary file while the summary is built, then copied after it,
so the summary comes first and memory stays flat. Each record is the ``whea decode --json``
object (``whea_gui.decode.jsonout.record_to_json``) plus ``"index"``, its 1-based place in the
inputs, and ``"explanation"``: the plain-language explanation the window and the other report
formats show (``explain_record``'s dict: headline, severity_meaning, where, location parts,
detail, advice, every caveat, with the fields each statement cites).

``jsonl``: JSON Lines: a first line ``{"report": "whea-inspector", "version": 1,
"generated_at": ..., "title": ..., "inputs": ..., "filters": ...}``, one record object per line
as it is decoded, and a last line ``{"summary": {...}, "problems": [...]}`` (no temporary file).
"""

from __future__ import annotations

import json
from typing import Any

from ..core.model import DecodedRecord
from ..decode.jsonout import record_to_json
from .base import ReportWriter, Spool
from .explained import explain, explanation_json
from .summary import SummaryBuilder

REPORT_VERSION = 1


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "), default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def record_object(rec: DecodedRecord, index: int) -> dict[str, Any]:
    obj = {"index": index, **record_to_json(rec)}
    obj.setdefault("explanation", explanation_json(explain(rec)))  # added, never replacing a key
    return obj


class JsonWriter(ReportWriter):
    def __init__(self, out, meta) -> None:
        super().__init__(out, meta)
        self.spool = Spool()
        self.count = 0

    def add(self, rec: DecodedRecord, index: int) -> None:
        self.spool.write((",\n" if self.count else "") + _dump(record_object(rec, index)))
        self.count += 1
        self.detailed += 1

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        m = self.meta
        w = self.out.write
        w(f'{{"report": "whea-inspector", "version": {REPORT_VERSION},\n')
        w(f'"generated_at": {_dump(m.generated_at)},\n')
        w(f'"title": {_dump(m.title)}, "inputs": {_dump(m.inputs)}, "filters": {_dump(m.filters)}, '
          f'"problems": {_dump(m.problems)},\n')
        w(f'"summary": {_dump(summary)},\n')
        w('"records": [\n')
        self.spool.copy_to(self.out)
        w("\n]}\n" if self.count else "]}\n")

    def close(self) -> None:
        self.spool.close()


class JsonLinesWriter(ReportWriter):
    def __init__(self, out, meta) -> None:
        super().__init__(out, meta)
        m = meta
        self.out.write(_dump({"report": "whea-inspector", "version": REPORT_VERSION,
                              "generated_at": m.generated_at, "title": m.title,
                              "inputs": m.inputs, "filters": m.filters}) + "\n")

    def add(self, rec: DecodedRecord, index: int) -> None:
        self.out.write(_dump(record_object(rec, index)) + "\n")
        self.detailed += 1

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        self.out.write(_dump({"summary": summary, "problems": self.meta.problems}) + "\n")
