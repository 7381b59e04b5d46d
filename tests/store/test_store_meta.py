"""The store's own metadata is data too: a flipped byte in ``meta``, a dropped meta table or
damaged index rows are reported by every command (naming the store and what is damaged) and
rebuilt by ``check`` (in place, or salvaged into a new file for a read-only store)."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from whea_gui.cli import main
from whea_gui.sample import sample_store_path
from whea_gui.store import Store, StoreDamaged
from whea_gui.store.salvage import check_store

COMMANDS = [("list", "--limit", "1"), ("stats",), ("read", "0"), ("export", "-o", "OUT.bin"),
            ("write", "IN.bin"), ("import", "IN.bin"), ("clear", "5")]


def _run(capsys, *argv):
    code = main(["store", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def sample(tmp_path):
    """The bundled sample, opened once by this version (migrated), with its contents."""
    path = tmp_path / "s.wheastore"
    shutil.copy(sample_store_path(), path)
    with Store(path) as s:
        records = {(s.conn.execute("SELECT host FROM records WHERE slot = ?", (slot,)).fetchone()[0],
                    rid): data for slot, (rid, data) in enumerate(s, start=1)}
    assert len(records) == 400
    return path, records


def _flip_row_format(path):
    raw = bytearray(path.read_bytes())
    at = raw.find(b'[["record_id"')
    assert at > 0
    raw[at + 3] ^= 0x20  # "record_id" -> "Record_id": valid JSON, not our layout
    path.write_bytes(bytes(raw))


def _garble_row_format(path):
    raw = bytearray(path.read_bytes())
    at = raw.find(b'[["record_id"')
    raw[at + 1] ^= 0x01  # "[[" -> "[Z": not JSON at all
    path.write_bytes(bytes(raw))


def _drop_meta(path):
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE meta")
    conn.close()


def _garble_index_rows(path):
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE records SET idx = substr(idx, 1, 20) WHERE slot % 7 = 0")
    conn.close()


def _capacity_text(path):
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('max_bytes', 'l0O0')")
    conn.close()


DAMAGE = {"row_format flipped": (_flip_row_format, "meta.row_format"),
          "row_format not JSON": (_garble_row_format, "meta.row_format"),
          "meta dropped": (_drop_meta, "table meta is missing"),
          "capacity not a number": (_capacity_text, "meta.max_bytes")}


def _same_contents(path, records):
    with Store(path) as s:
        table = s.record_table()
        got = {(table.row(i)["host"], rid): data for i, (rid, data) in enumerate(s)}
    assert got == records


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_every_command_names_the_damage_and_check_rebuilds_it(tmp_path, capsys, monkeypatch,
                                                             sample, name):
    path, records = sample
    damage, words = DAMAGE[name]
    damage(path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "IN.bin").write_bytes(next(iter(records.values())))
    for argv in COMMANDS:
        code, _, err = _run(capsys, "--store", path, *argv)
        assert code == 2, argv
        assert "Traceback" not in err and str(path) in err and words in err, (argv, err)
        assert "metadata is damaged" in err and "whea store check" in err
    assert not (tmp_path / "OUT.bin").exists()
    with pytest.raises(StoreDamaged, match="metadata is damaged"):
        Store(path)
    code, out, err = _run(capsys, "--store", path, "check")
    assert code == 1 and "DAMAGED" in err and words in err
    assert "rebuilt the store's metadata and index in place" in out and "ok now (400 records)" in out
    assert check_store(str(path)).ok
    _same_contents(path, records)


def test_damaged_index_rows_are_rebuilt_from_the_record_bytes(capsys, sample):
    path, records = sample
    _garble_index_rows(path)
    report = check_store(str(path))
    assert not report.ok and report.repairable
    assert any("index rows do not have the" in p for p in report.problems)
    code, out, _ = _run(capsys, "--store", path, "check")
    assert code == 1 and "ok now (400 records)" in out
    _same_contents(path, records)


def test_a_read_only_store_with_damaged_metadata_is_salvaged_to_a_new_file(tmp_path, capsys, sample):
    path, records = sample
    _flip_row_format(path)
    path.chmod(0o444)
    before = path.read_bytes()
    new = tmp_path / "new.wheastore"
    code, out, err = _run(capsys, "--store", path, "check", "--salvage-to", new)
    assert code == 1 and "meta.row_format" in err
    assert f"salvaged 400 intact records into {new}" in out
    assert path.read_bytes() == before
    assert check_store(str(new)).ok
    _same_contents(new, records)
    # without --salvage-to, a read-only store is salvaged next to itself
    code, out, err = _run(capsys, "--store", path, "check")
    assert code == 1 and "read-only" in err and f"into {path}.salvaged.sqlite" in out


def test_check_on_a_read_only_store_whose_rows_need_another_layout_salvages(tmp_path, capsys,
                                                                             sample):
    """meta.row_format naming another valid layout (an older version's, or a flipped type code)
    used to make a read-only `check` refuse and salvage nothing."""
    path, records = sample
    with sqlite3.connect(path) as conn:
        text = conn.execute("SELECT value FROM meta WHERE key = 'row_format'").fetchone()[0]
        other = text.replace('["offset", "<i8"]', '["offset", "<u8"]')
        assert other != text
        conn.execute("UPDATE meta SET value = ? WHERE key = 'row_format'", (other,))
    conn.close()
    path.chmod(0o444)
    code, _, err = _run(capsys, "--store", path, "list")
    assert code == 2 and "open it once with write access" in err and "--salvage-to" in err
    new = tmp_path / "new.wheastore"
    code, out, err = _run(capsys, "--store", path, "check", "--salvage-to", new)
    assert code == 1 and "row layout" in err and f"salvaged 400 intact records into {new}" in out
    _same_contents(new, records)


def test_salvage_trusts_the_checked_bytes_over_a_damaged_record_id_column(tmp_path, capsys,
                                                                         sample):
    path, records = sample
    with sqlite3.connect(path) as conn:  # one flipped bit in one row's key column
        conn.execute("UPDATE records SET record_id = (record_id | 1024) - (record_id & 1024) "
                     "WHERE slot = 17")
    conn.close()
    new = tmp_path / "new.wheastore"
    code, out, err = _run(capsys, "--store", path, "check", "--salvage-to", new)
    assert code == 1 and "do not match its index columns" in err
    assert f"salvaged 400 intact records into {new}" in out
    _same_contents(new, records)
