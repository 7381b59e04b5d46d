"""Cleared (ERST) and deleted (UEFI) records are marked wherever they appear: decode's text
header and a finding on the record; timeline and report count live records only and say which
ones they left out (docs/stores.md)."""

from __future__ import annotations

import json
import shutil
import struct

from whea_gui.cli import main
from whea_gui.report.filters import ReportFilters
from whea_gui.report.inputs import select_records
from whea_gui.store.erst import ErstStore
from whea_gui.store.varstore import VarStore


def _rid(data: bytes) -> int:
    return struct.unpack_from("<Q", data, 96)[0]


def _erst_with_a_cleared_record(tmp_path, records):
    path = tmp_path / "c.bin"
    with ErstStore(path) as store:
        for r in records[:4]:
            assert store.write_error_record(r).ok
        assert store.clear_error_record(_rid(records[1])) == 0
    return path


def _uefi_with_a_deleted_record(tmp_path, template, records):
    path = tmp_path / "v.fd"
    shutil.copyfile(template, path)
    with VarStore(path, in_place=True) as store:
        for r in records[:3]:
            assert store.write_error_record(r).ok
        assert store.clear_error_record(_rid(records[1])) == 0
    return path


def test_decode_marks_the_cleared_and_deleted_records(tmp_path, capsys, real_records,
                                                     ovmf_templates):
    for path, word in ((_erst_with_a_cleared_record(tmp_path, real_records), "CLEARED"),
                       (_uefi_with_a_deleted_record(tmp_path, ovmf_templates[0], real_records),
                        "DELETED")):
        main(["decode", str(path)])
        out = capsys.readouterr().out
        heads = [line for line in out.splitlines() if line.startswith("== ")]
        marked = [h for h in heads if f"{word}, RECOVERABLE" in h]
        assert len(marked) == 1 and len(heads) >= 3, heads
        main(["decode", "--json", str(path)])
        recs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        codes = [[f["code"] for f in r["findings"]] for r in recs]
        assert sum("record-recoverable" in c for c in codes) == 1
        flagged = next(r for r, c in zip(recs, codes) if "record-recoverable" in c)
        assert flagged["header"]["record_id"] == _rid(real_records[1])
        assert not any(code in ("internal", "decoder-failed") for c in codes for code in c)


def test_timeline_and_report_count_live_records_only(tmp_path, capsys, real_records):
    path = _erst_with_a_cleared_record(tmp_path, real_records)
    assert main(["timeline", "--json", str(path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["records"] == 3
    assert "not counted" in captured.err and "slot 2" in captured.err
    notes = []
    selected = list(select_records([str(path)], ReportFilters(), notes.append))
    assert sorted(_rid(s.record.data) for s in selected) == sorted(
        _rid(r) for r in (real_records[0], real_records[2], real_records[3]))
    assert [n.offset for n in notes if "not counted" in n.message] == [2 * 8192]
