"""CSV: one row per record with the record-list columns, then the explanation's columns
(headline, how bad, part, where, location parts, what failed, advice, caveats: several advice
or caveats are one cell, one per line), streamed as records are decoded.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR: record text such as FRU strings is untrusted) get a leading apostrophe. There is no
generated-at line: the same input gives the same bytes.
"""

from __future__ import annotations

import csv
from typing import Any

from ..core.model import DecodedRecord
from .base import ReportWriter
from .explained import Explanation, explain, parts_text
from .rows import ROW_COLUMNS, record_row
from .summary import SummaryBuilder

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPLANATION_COLUMNS = ("headline", "severity_meaning", "component_name", "where",
                       "location_parts", "detail", "advice", "caveats")
CSV_COLUMNS = ROW_COLUMNS + EXPLANATION_COLUMNS


def explanation_cells(e: Explanation) -> dict[str, str]:
    return {"headline": e.headline, "severity_meaning": e.severity_meaning,
            "component_name": e.component_name, "where": e.where,
            "location_parts": parts_text(e), "detail": e.detail,
            "advice": "\n".join(e.advice), "caveats": "\n".join(e.caveats)}


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter(ReportWriter):
    needs_summary = False
    def __init__(self, out, meta) -> None:
        super().__init__(out, meta)
        self.csv = csv.writer(out, lineterminator="\r\n")
        self.csv.writerow(CSV_COLUMNS)

    def add(self, rec: DecodedRecord, index: int) -> None:
        row = record_row(rec, index) | explanation_cells(explain(rec))
        self.csv.writerow([safe_cell(row[c]) for c in CSV_COLUMNS])
        self.detailed += 1

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        pass
