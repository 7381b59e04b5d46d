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


def test_a_record_is_counted_listed_and_filtered_by_the_severity_it_is_explained_with(tmp_path):
    """Recheck 4, O1: a Corrected record whose Microsoft generic section holds a Fatal status
    block entry (or whose section is marked Fatal) is explained as Fatal (UEFI: a record is as
    severe as its worst section); the report's counts, record list and --severity follow it,
    where they followed the header and listed the record as Corrected beside a Fatal headline."""
    from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
    mem, cpu = catalog.find("memory"), catalog.find("processor-generic")
    block = status_block([data_entry(mem.guid, mem.pack(random.Random(7), 2, {}), severity=2),
                          data_entry(cpu.guid, cpu.pack(random.Random(7), 1, {}), severity=1)], severity=2)
    entry = assemble(make_header(severity=2),
                     [SectionPart(make_descriptor(catalog.guid_of("generic-error"), severity=2), block)])
    section = assemble(make_header(severity=2),
                       [SectionPart(make_descriptor(mem.guid, severity=1), mem.pack(random.Random(7), 1, {}))])
    for data in (entry, section):
        path = tmp_path / "r.bin"
        path.write_bytes(data)
        summary = _report(path, tmp_path)
        assert summary["by_severity"] == {"Fatal": 1}, summary["by_severity"]
        assert _report(path, tmp_path, "--severity", "fatal")["records"] == 1
        assert _report(path, tmp_path, "--severity", "corrected")["records"] == 0
        out = tmp_path / "r.md"
        assert main(["report", str(path), "-q", "-o", str(out)]) in (0, 1)
        row = next(line for line in out.read_text().splitlines() if line.startswith("| 1 |"))
        assert "| Fatal |" in row and "| Corrected |" not in row and "Fatal" in row.split("|")[5]
