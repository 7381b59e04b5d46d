"""CSV: one row per record with the record-list columns, streamed as records are decoded.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR: record text such as FRU strings is untrusted) get a leading apostrophe. There is no
generated-at line: the same input gives the same bytes.
"""

from __future__ import annotations

import csv
from typing import Any

from ..core.model import DecodedRecord
from .base import ReportWriter
from .rows import ROW_COLUMNS, record_row
from .summary import SummaryBuilder

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter(ReportWriter):
    needs_summary = False
    def __init__(self, out, meta) -> None:
        super().__init__(out, meta)
        self.csv = csv.writer(out, lineterminator="\r\n")
        self.csv.writerow(ROW_COLUMNS)

    def add(self, rec: DecodedRecord, index: int) -> None:
        row = record_row(rec, index)
        self.csv.writerow([safe_cell(row[c]) for c in ROW_COLUMNS])
        self.detailed += 1

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        pass
