"""What a new user's fleet walkthrough found (2026-12-07): a file that holds no record counted as
one by the counting commands, an export that crashed on a header's undefined severity, and a
report that replaced an existing file with an empty one when no input could be read."""

from __future__ import annotations

import json
import random
import sqlite3
import struct

import pytest

from whea_gui.cli import main
from whea_gui.compose.generate import generate_records

pq = pytest.importorskip("pyarrow.parquet", reason="the Parquet export needs pyarrow")


def _garbage(tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(random.Random(4).randbytes(50_000))  # no "CPER"/"WhLg" anywhere in it
    assert b"CPER" not in path.read_bytes() and b"WhLg" not in path.read_bytes()
    return path


def test_a_file_without_records_is_counted_by_no_command(tmp_path, capsys):
    garbage = _garbage(tmp_path)
    assert main(["timeline", str(garbage), "--json"]) == 1  # (the input held no record)
    out, err = capsys.readouterr()
    assert json.loads(out)["records"] == 0 and "no CPER record or WhLg entry found" in err
    assert main(["metrics", str(garbage), "--textfile", str(tmp_path / "m.prom")]) == 1
    assert "whea_records_total{" not in (tmp_path / "m.prom").read_text()
    # every command that reads it says the input failed (exit 1), as decode does
    assert main(["export", "--format", "parquet", str(tmp_path / "pq"), str(garbage)]) == 1
    assert "no record found in this input" in capsys.readouterr().err
    # `whea decode` (and `whea report`, a document of each item) still show the bytes, to
    # inspect a damaged record
    assert main(["decode", "--json", str(garbage)]) in (0, 1)
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_an_undefined_header_severity_is_exported_as_4(tmp_path, capsys):
    data = bytearray(generate_records(["memory"], 1, seed=2)[0])
    struct.pack_into("<I", data, 12, 1_774_262)  # a damaged header's severity (a u32)
    for i in range(struct.unpack_from("<H", data, 10)[0]):  # and its sections' (descriptor +48)
        struct.pack_into("<I", data, 128 + 72 * i + 48, 1_774_262)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rec.bin").write_bytes(bytes(data))
    assert main(["export", "--format", "parquet", str(tmp_path / "out"), str(tmp_path / "in")]) in (0, 1)
    capsys.readouterr()
    records, sections = ([row for f in sorted((tmp_path / "out" / name).rglob("*.parquet"))
                          for row in pq.read_table(f).to_pylist()] for name in ("records", "sections"))
    assert [r["severity"] for r in records] == [4] and {s["severity"] for s in sections} == {4}


def test_a_report_from_an_input_it_cannot_read_replaces_no_report(tmp_path, capsys):
    not_a_store = tmp_path / "other.sqlite"
    with sqlite3.connect(not_a_store) as db:
        db.execute("CREATE TABLE t(x)")
    kept = tmp_path / "keep.html"
    kept.write_text("OLD")
    assert main(["report", str(not_a_store), "-o", str(kept)]) == 2
    assert kept.read_text() == "OLD"
    err = capsys.readouterr().err
    assert f"{kept} was not written" in err
    assert f"{not_a_store}: is an SQLite file but not a WHEA store" in err
    assert err.count(str(not_a_store)) == 1  # (it was named twice: "x.sqlite: x.sqlite: …")
    # with one good input beside it, the report is written and names the unreadable one
    good = tmp_path / "good.bin"
    good.write_bytes(generate_records(["memory"], 1, seed=2)[0])
    assert main(["report", str(not_a_store), str(good), "-q", "-o", str(tmp_path / "r.json")]) == 2
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["records"] == 1


def test_a_record_cut_inside_its_header_is_refused_as_cut_not_as_no_cper(tmp_path, capsys):
    cut = tmp_path / "trunc.cper"
    cut.write_bytes(generate_records(["pcie"], 1, seed=3)[0][:100])  # starts with "CPER"
    store = str(tmp_path / "s.wheastore")
    assert main(["store", "--store", store, "write", str(cut)]) == 1
    err = capsys.readouterr().err
    assert "a CPER record cut short: only 100 of the header's 128 bytes are present" in err
    assert 'no "CPER" signature' not in err


def test_importing_a_folder_that_holds_the_target_store_skips_the_stores_own_files(tmp_path, capsys):
    # recheck N8: the store's WAL/SHM files were reported as inputs holding no record, and the
    # store itself read as a source of its own records
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "rec.bin").write_bytes(generate_records(["memory"], 2, seed=5)[0])
    store = str(folder / "s.wheastore")
    for _ in range(2):  # the second time the store (and its -wal/-shm) is in the folder
        code = main(["store", "--store", store, "import", "--host", "h", str(folder)])
        err = capsys.readouterr().err
        assert code == 0, err
        assert "s.wheastore" not in err, err
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 1
