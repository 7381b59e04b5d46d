"""An ACPI Generic Error Status Block read as a record of its own (a BERT region's boot error,
a GHES buffer) has the severity its ErrorSeverity field gives (byte 16, CPER's codes): the
report's severity filter and counts, and the record list's and timeline's severity column, use
it (independent audit 4, A4-1: a fatal boot error was "Unknown" and `--severity fatal` lost it).
Records are made with the project's builder."""

from __future__ import annotations

import json
import random

from whea_gui.cli import main
from whea_gui.compose.bodies import catalog
from whea_gui.compose.status_block import data_entry, status_block
from whea_gui.index.table import RecordTable
from whea_gui.sources import iter_path


def _block_file(tmp_path, severity: int):
    kind = catalog.find("memory")
    body = kind.pack(random.Random(3), severity, {})
    path = tmp_path / f"bert_{severity}.bin"
    path.write_bytes(status_block([data_entry(kind.guid, body, severity=severity)], severity=severity))
    return path


def _report(path, tmp_path, *filters) -> dict:
    out = tmp_path / "r.json"
    assert main(["report", str(path), "-q", "-o", str(out), *filters]) in (0, 1)
    return json.loads(out.read_text())["summary"]


def test_a_fatal_boot_error_block_is_fatal_in_the_report_and_its_filter(tmp_path):
    path = _block_file(tmp_path, 1)
    assert [r.source["format"] for r in iter_path(str(path), lambda p: None)] == ["gesb"]
    assert _report(path, tmp_path)["by_severity"] == {"Fatal": 1}
    assert _report(path, tmp_path, "--severity", "fatal")["records"] == 1
    assert _report(path, tmp_path, "--severity", "corrected")["records"] == 0


def test_the_record_table_reads_a_blocks_severity(tmp_path):
    refs = [r for sev in (1, 2) for r in iter_path(str(_block_file(tmp_path, sev)), lambda p: None)]
    table = RecordTable.from_records((r.data, r.source) for r in refs)
    assert table.columns["severity"].tolist() == [1, 2]
    # the same bytes read without the reader's "gesb" format are no CPER header: no severity
    plain = RecordTable.from_records((r.data, {}) for r in refs)
    assert plain.columns["severity"].tolist() == [-1, -1]
