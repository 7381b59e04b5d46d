"""Damaged store files: a clear error, and `check` salvages every intact record (no more)."""

from __future__ import annotations

import random
import re
import zlib

import pytest
from store_helpers import child_record

from whea_gui.store import Store, StoreDamaged, StoreError
from whea_gui.store.salvage import check_store, salvage

RECORDS = 1500


@pytest.fixture(scope="module")
def healthy(tmp_path_factory, template):
    """A closed store with RECORDS records, some cleared, and its surviving records' bytes."""
    path = tmp_path_factory.mktemp("salvage") / "healthy.sqlite"
    with Store(path) as store:
        items = [(child_record(template, rid), {"path": "gen.bin", "offset": rid, "host": "h1"})
                 for rid in range(1, RECORDS + 1)]
        assert store.write_records(items, validate="header").written == RECORDS
        cleared = set(range(1, RECORDS + 1, 9))
        for rid in cleared:
            store.clear_error_record(rid)
        kept = {rid: data for rid, data in store}
    assert not (path.parent / "healthy.sqlite-wal").exists()  # checkpointed on close
    return path, kept, cleared


def _intact(kept: dict[int, bytes], damaged: bytes) -> set[int]:
    """Oracle: records whose checksum and bytes are still in the file, verbatim (a verbatim
    copy starts with "CPER", so looking at each "CPER" equals a substring search)."""
    size = len(next(iter(kept.values())))
    starts = [m.start() for m in re.finditer(b"CPER", damaged)]
    present = {damaged[p - 4:p + size] for p in starts if p >= 4}
    return {rid for rid, data in kept.items()
            if zlib.crc32(data).to_bytes(4, "little") + data in present}


def _salvaged(path, tmp_path) -> tuple[dict[int, bytes], object]:
    out = tmp_path / "salvaged.sqlite"
    report = salvage(str(path), str(out))
    with Store(out) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {rid: data for rid, data in store}, report


def _damage_and_check(tmp_path, healthy, damaged: bytes):
    path, kept, cleared = healthy
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(damaged)
    report = check_store(str(bad))
    assert not report.ok and report.problems
    got, salvage_report = _salvaged(bad, tmp_path)
    expected = _intact(kept, damaged)
    assert set(got) == expected
    assert all(got[rid] == kept[rid] for rid in got)  # byte for byte, nothing corrupt
    assert not set(got) & cleared  # cleared records stay cleared
    return got, salvage_report


def test_healthy_store_checks_ok(healthy):
    path, kept, _ = healthy
    report = check_store(str(path))
    assert report.ok and report.records == len(kept)


def test_truncated_store(tmp_path, healthy):
    path, kept, _ = healthy
    raw = path.read_bytes()
    damaged = raw[: len(raw) * 55 // 100]
    bad = tmp_path / "t.sqlite"
    bad.write_bytes(damaged)
    with pytest.raises(StoreDamaged, match="damaged.*whea store check"):
        with Store(bad) as store:
            store.record_table()
            list(store)
    got, report = _damage_and_check(tmp_path, healthy, damaged)
    assert 0 < len(got) < len(kept)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_byte_corrupted_store(tmp_path, healthy, seed):
    path, kept, _ = healthy
    raw = bytearray(path.read_bytes())
    rnd = random.Random(seed)
    for _ in range(25):
        pos = rnd.randrange(100, len(raw) - 64)  # keep the 100-byte file header
        n = rnd.randrange(1, 64)
        raw[pos:pos + n] = rnd.randbytes(n)
    damaged = bytes(raw)
    got, report = _damage_and_check(tmp_path, healthy, damaged)
    assert len(got) > len(kept) // 2
    assert report.recovered == len(got)


def test_file_header_destroyed(tmp_path, healthy):
    path, kept, _ = healthy
    raw = bytearray(path.read_bytes())
    raw[:100] = bytes(100)  # SQLite no longer recognises the file at all
    bad = tmp_path / "h.sqlite"
    bad.write_bytes(bytes(raw))
    with pytest.raises(StoreError, match="h.sqlite"):
        Store(bad, create=False)
    got, report = _damage_and_check(tmp_path, healthy, bytes(raw))
    assert report.from_pages == len(got) > 0


def test_not_a_store_at_all(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(random.Random(0).randbytes(50_000))
    assert not check_store(str(junk)).ok
    got, report = _salvaged(junk, tmp_path)
    assert got == {} and report.recovered == 0


def test_salvage_refuses_to_overwrite(tmp_path, healthy):
    path, _, _ = healthy
    existing = tmp_path / "exists.sqlite"
    existing.write_bytes(b"")
    with pytest.raises(StoreError, match="already exists"):
        salvage(str(path), str(existing))


def test_salvage_keeps_provenance_when_the_index_is_readable(tmp_path, healthy):
    path, kept, _ = healthy
    got, report = _salvaged(path, tmp_path)  # salvaging a healthy store copies it all
    assert set(got) == set(kept) and report.index_complete and report.from_pages == 0
    with Store(tmp_path / "salvaged.sqlite") as store:
        table = store.record_table()
        row = table.row(0)
        assert row["path"] == "gen.bin" and row["host"] == "h1" and row["offset"] == row["record_id"]


def test_decode_reads_the_intact_records_of_a_truncated_store(tmp_path, healthy, capsys):
    # F7-8: `decode`, `timeline` and `report` gave exit 2 and no record for a cut store that
    # `store check` salvages: they now read what a salvage would copy, with an error (exit 1)
    from whea_gui.cli import main
    from whea_gui.sources import iter_path
    path, kept, cleared = healthy
    raw = path.read_bytes()
    bad = tmp_path / "t.sqlite"
    bad.write_bytes(raw[: len(raw) * 55 // 100])
    problems = []
    refs = list(iter_path(str(bad), problems.append))
    expected = _intact(kept, bad.read_bytes())
    assert 0 < len(expected) < len(kept)
    assert {r.source["record_id"]: r.data for r in refs} == {rid: kept[rid] for rid in expected}
    assert not {r.source["record_id"] for r in refs} & cleared
    [problem] = [p for p in problems if p.level == "error"]
    assert f"{len(expected)} intact record(s) are read from it all the same" in problem.message
    capsys.readouterr()
    assert main(["decode", "--json", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == len(expected) and "all the same" in err
    # reading it wrote nothing beside it either (the fresh check: -wal and -shm files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.sqlite"]


def test_decode_reads_the_records_a_damaged_unique_index_hides(tmp_path, template, capsys):
    # F7-9: a damaged page of the records table's unique index made `decode` find no record
    # (the lookup by RecordId went through it) while `list` showed them all
    import sqlite3

    from whea_gui.cli import main
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        items = [(child_record(template, rid), {"path": "g.bin", "offset": rid}) for rid in range(1, 41)]
        assert store.write_records(items, validate="header").written == 40
        kept = {rid: data for rid, data in store}
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name LIKE "
                        "'sqlite_autoindex_records%'").fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    raw = bytearray(path.read_bytes())
    at = (root - 1) * page
    assert raw[at] in (0x0A, 0x02)  # an index b-tree page
    raw[at + 8:at + 16] = b"\xff" * 8  # its cell pointers: the index gives no row
    path.write_bytes(bytes(raw))
    assert main(["decode", "--json", str(path)]) == 1
    out, err = capsys.readouterr()
    got = {}
    import json
    for line in out.splitlines():
        obj = json.loads(line)
        got[obj["source"]["record_id"]] = obj
    assert set(got) == set(kept), err
    assert "could not be read by their RecordId" in err and "store file is damaged" in err


def _small_store(tmp_path, template, n=12):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        items = [(child_record(template, rid), {"path": "g.bin", "offset": rid}) for rid in range(1, n + 1)]
        assert store.write_records(items, validate="header").written == n
        kept = {rid: data for rid, data in store}
    return path, kept


def _decoded_ids(capsys, path) -> tuple[int, list[int], str]:
    import json

    from whea_gui.cli import main
    capsys.readouterr()
    rc = main(["decode", "--json", str(path)])
    out, err = capsys.readouterr()
    return rc, [json.loads(line)["source"]["record_id"] for line in out.splitlines()], err


def test_an_index_row_overwritten_by_another_records_row_reads_each_record_once(tmp_path, template, capsys):
    # fresh check 3: a damaged index row naming another record gave that record twice (the
    # second under the wrong provenance) and lost the record whose row it was
    import sqlite3
    path, kept = _small_store(tmp_path, template)
    conn = sqlite3.connect(path)
    other = conn.execute("SELECT idx FROM records WHERE record_id = 3").fetchone()[0]
    conn.execute("UPDATE records SET idx = ? WHERE record_id = 7", (other,))
    conn.commit()
    conn.close()
    rc, ids, err = _decoded_ids(capsys, path)
    assert rc == 1 and sorted(ids) == sorted(kept), ids
    assert "1 index row(s) name a record already read" in err


def test_a_store_whose_row_layout_is_another_versions_is_read_as_salvaged(tmp_path, template, capsys):
    # fresh check 8: a damaged meta.row_format (another layout) refused every record (exit 2)
    import json
    import sqlite3
    path, kept = _small_store(tmp_path, template)
    conn = sqlite3.connect(path)
    layout = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'row_format'").fetchone()[0])
    conn.execute("UPDATE meta SET value = ? WHERE key = 'row_format'", (json.dumps(layout[:-1]),))
    conn.commit()
    conn.close()
    before = path.read_bytes()
    rc, ids, err = _decoded_ids(capsys, path)
    assert rc == 1 and sorted(ids) == sorted(kept)
    assert "need rebuilding" in err and f"{len(kept)} intact record(s) are read from it all the same" in err
    assert path.read_bytes() == before  # read, never rebuilt in place


def test_records_whose_bytes_fail_are_each_named(tmp_path, template, capsys):
    import sqlite3
    path, kept = _small_store(tmp_path, template)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE record_data SET data = zeroblob(length(data)) WHERE slot IN (2, 3, 4)")
    conn.commit()
    conn.close()
    rc, ids, err = _decoded_ids(capsys, path)
    assert rc == 1 and len(ids) == len(kept) - 3
    lines = [line for line in err.splitlines() if "fails its checksum" in line and "decoded" not in line]
    assert len(lines) == 3, lines
    for rid in (2, 3, 4):
        assert sum(f"0x{rid:016X}" in line for line in lines) == 1, (rid, lines)


def test_a_store_whose_sqlite_header_is_gone_is_read_as_a_store(tmp_path, template, capsys):
    # the fresh check: read as raw bytes, its provenance was lost, and `decode` said exit 0
    # where `timeline` and `report` said 1 (a message of their own)
    import json

    from whea_gui.cli import main
    path, kept = _small_store(tmp_path, template)
    raw = bytearray(path.read_bytes())
    raw[:100] = bytes(100)
    path.write_bytes(bytes(raw))
    capsys.readouterr()
    assert main(["decode", "--json", str(path)]) == 1
    out, err = capsys.readouterr()
    sources = [json.loads(line)["source"] for line in out.splitlines()]
    assert sorted(s["record_id"] for s in sources) == sorted(kept)
    assert {s["kind"] for s in sources} == {"store"}
    assert err.count("the store file is damaged") == 2  # the problem, and the run's summary line
    assert main(["timeline", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("the store file is damaged") == 1 and "by its name" not in err


def test_a_store_failing_part_way_through_gives_no_record_twice(tmp_path, template, monkeypatch):
    # the last read of the change: damage met after some records were given fell back to the
    # salvage of every record, giving those again
    from whea_gui.index.table import RecordTable
    from whea_gui.sources import iter_path
    path, kept = _small_store(tmp_path, template)
    real = RecordTable.row

    def row(self, i):
        if i == 5:
            raise StoreDamaged(f"{path}: the store file is damaged (a test)")
        return real(self, i)
    monkeypatch.setattr(RecordTable, "row", row)
    problems = []
    ids = [r.source["record_id"] for r in iter_path(str(path), problems.append)]
    assert sorted(ids) == sorted(kept) and len(ids) == len(set(ids))
    assert any("a test" in p.message and p.level == "error" for p in problems)
