"""A record store opened as a source: every record with the provenance the store kept, and
looking at it leaves the store's folder untouched."""

import shutil

from vectorlib import DWR_CPER

from whea_gui.sources import iter_path
from whea_gui.store import Store

# Real Windows records with distinct, non-reserved RecordIds (id 0 means "first" to the store).
RECORDS = [p for p in DWR_CPER if p.read_bytes()[96:104] != bytes(8)][:4]


def _unstamped(data: bytes) -> bytes:
    """The record without PersistenceInfo, which the store stamps as Windows does."""
    return data[:108] + data[116:]


def test_store_is_read_as_a_source_without_touching_its_folder(tmp_path):
    path = tmp_path / "fleet.wheastore"
    with Store(path) as store:
        store.write_records((p.read_bytes(), {"path": p.name, "host": f"host-{i}"})
                            for i, p in enumerate(RECORDS))
    before = sorted(x.name for x in tmp_path.iterdir())
    refs = list(iter_path(path))
    assert sorted(x.name for x in tmp_path.iterdir()) == before  # no -wal / -shm created
    assert len(refs) == 4
    assert {r.source["kind"] for r in refs} == {"store"}
    assert {r.source["host"] for r in refs} == {f"host-{i}" for i in range(4)}
    assert {_unstamped(r.data) for r in refs} == {_unstamped(p.read_bytes()) for p in RECORDS}
    assert all(r.data[108:110] == b"ER" for r in refs)


def test_bundled_sample_store_reads_read_only(tmp_path):
    from whea_gui.sample import sample_store_path

    copy = tmp_path / "sample.wheastore"
    shutil.copy(sample_store_path(), copy)
    copy.chmod(0o444)
    refs = list(iter_path(copy))
    assert len(refs) == 400
    assert sorted(x.name for x in tmp_path.iterdir()) == ["sample.wheastore"]
