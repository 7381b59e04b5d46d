"""`whea store ...` end to end: exit codes, messages, files written."""

from __future__ import annotations

import json
import os

import pytest
from store_helpers import DWR, VECTORS

from whea_gui.cli import main
from whea_gui.decode import decode_record
from whea_gui.store import Store


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "cli.sqlite"
    monkeypatch.setenv("WHEA_STORE", str(path))
    return path


def run(capsys, *argv):
    code = main(["store", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_init_write_list_read_clear(store_path, capsys):
    code, out, _ = run(capsys, "init", "--max-records", "100")
    assert code == 0 and "created" in out and "100 records" in out
    files = sorted(DWR.glob("cper_*.bin"))
    code, out, err = run(capsys, "write", *files)
    assert code == 1  # the boot record with RecordId 0 is refused
    assert "STATUS_INVALID_PARAMETER" in err and "reserved" in err
    assert out.count("wrote 0x") == 10
    code, out, _ = run(capsys, "list")
    assert code == 0 and len(out.splitlines()) == 10
    assert "0x01DBEA259DBFA6D8  2025-07-01T02:01:34" in out
    code, out, _ = run(capsys, "list", "--sort", "time", "--limit", "2")
    assert [line[:18] for line in out.splitlines()] == ["0x01DC5518E0AAB1C0", "0x01DC1BFFF8D95BE4"]
    code, out, _ = run(capsys, "list", "--json", "--severity", "fatal")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 4 and all(r["severity_name"] == "Fatal" for r in rows)
    code, out, _ = run(capsys, "read", "0")
    assert code == 0 and out.startswith("record 0x01DC5518E0AAB1C0 (928 bytes), next record id 0x")
    code, out, _ = run(capsys, "read", "0x01DBEA259DBFA6D8", "--json")
    obj = json.loads(out)
    assert obj["header"]["record_id"] == 0x01DBEA259DBFA6D8 and obj["header"]["persistence"]["signature"] == "ER"
    code, out, _ = run(capsys, "clear", "0x01DBEA259DBFA6D8", "12345")
    assert code == 1 and "cleared 0x01DBEA259DBFA6D8" in out
    code, _, err = run(capsys, "read", "0x01DBEA259DBFA6D8")
    assert code == 1 and "no record" in err
    code, _, err = run(capsys, "read", "not-an-id")
    assert code == 2 and "not a record id" in err


def test_read_to_file_and_last_record(store_path, capsys, tmp_path):
    data = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    run(capsys, "write", DWR / "cper_memory_1sec_padded.bin")
    out_file = tmp_path / "one.cper"
    code, out, _ = run(capsys, "--store", store_path, "read", "0", "-o", out_file)
    assert code == 0 and "last record" in out
    saved = out_file.read_bytes()
    assert len(saved) == len(data) and saved[108:110] == b"ER"
    assert not decode_record(saved).has_errors()


def test_import_with_provenance_and_export(store_path, capsys, tmp_path):
    sources = [DWR / "cper_mce_fatal_amd_xpfmca_v3.bin", VECTORS / "malformed" / "m22-trailing-garbage.cper",
               VECTORS / "malformed" / "m09-bad-signature-end.cper", DWR / "whlg_cmci_restart.bin"]
    code, out, err = run(capsys, "import", *sources, "--host", "server7")
    assert code == 1 and "m09-bad-signature-end.cper@0: STATUS_INVALID_PARAMETER" in err
    assert out.startswith("2 stored, 1 refused as invalid") and "skipped 1 WhLg event-log entries" in out
    with Store(store_path) as store:
        table = store.record_table()
    assert {table.row(i)["host"] for i in range(len(table))} == {"server7"}
    assert str(sources[0]) in {table.row(i)["path"] for i in range(len(table))}
    folder = tmp_path / "out"
    code, _, err = run(capsys, "export", "-o", f"{folder}/")
    assert code == 0 and "exported 2 records" in err
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"server7-{int(r):016X}.cper" for r in table.record_id)
    single = tmp_path / "all.bin"
    code, _, _ = run(capsys, "export", "-o", single, "--severity", "fatal")
    assert code == 0 and single.read_bytes()[:4] == b"CPER"
    assert len(single.read_bytes()) == 1019


def test_fast_import_of_many(store_path, capsys, tmp_path, make_record):
    blob = tmp_path / "many.bin"
    blob.write_bytes(b"".join(make_record(rid) for rid in range(1, 301)))
    code, out, _ = run(capsys, "import", "--fast", blob)
    assert code == 0 and out.startswith("300 stored, from 1 of 1 inputs")
    code, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert stats["records"] == 300 and stats["sources"] == 1


def test_stats_and_check_text(store_path, capsys):
    run(capsys, "write", DWR / "cper_cmci_amd_xpfmca_v2r2.bin")
    code, out, _ = run(capsys, "stats")
    assert code == 0 and "records      1 (936 bytes of records)" in out
    # written without --host: the empty host list is not read as "no records"
    assert "hosts: - (and 1 record without a host)" in out
    code, out, _ = run(capsys, "check")
    assert code == 0 and "ok (1 records" in out


def test_stats_times_are_utc_with_z_as_the_timeline_prints_them(store_path, capsys):
    files = sorted(DWR.glob("cper_*.bin"))
    run(capsys, "write", *files)
    code, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert main(["timeline", "--json", "--store", str(store_path)]) == 0
    span = json.loads(capsys.readouterr().out)["span"]
    # the same instants in the same form: ISO UTC with Z (the keys are unchanged)
    assert (stats["first_time"], stats["last_time"]) == (span["start"], span["end"])
    assert stats["first_time"].endswith("Z") and stats["last_time"].endswith("Z")
    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert f"time range   {span['start']} .. {span['end']}" in out


def test_check_salvages_a_damaged_store(store_path, capsys, make_record):
    with Store(store_path) as store:
        store.write_records([(make_record(r), {}) for r in range(1, 401)], validate="header")
    raw = store_path.read_bytes()
    store_path.write_bytes(raw[: len(raw) // 2])
    code, _, err = run(capsys, "list")
    assert code == 2 and "damaged" in err and str(store_path) in err
    code, out, err = run(capsys, "check")
    assert code == 1 and "DAMAGED" in err
    salvaged = f"{store_path}.salvaged.sqlite"
    assert f"into {salvaged}" in out
    with Store(salvaged) as store:
        assert 0 < len(store) < 400
        assert all(data == make_record(rid)[:108] + data[108:116] + make_record(rid)[116:]
                   for rid, data in store)


def test_errors_and_usage(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WHEA_STORE", str(tmp_path / "absent.sqlite"))
    code, _, err = run(capsys, "list")
    assert code == 2 and "no store here" in err
    assert not os.path.exists(tmp_path / "absent.sqlite")
    code, _, err = run(capsys, "write", tmp_path / "missing.bin")
    assert code == 1 and "1 input failed" in err and "missing.bin" in err  # an input failed
    code, _, _ = run(capsys)
    assert code == 2
