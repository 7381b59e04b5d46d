"""A store on a small volume (an NVRAM-sized partition) fills the volume, not its WAL: a
capacity-limited store folds the WAL back into the file after every write."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from store_helpers import TEMPLATE, build_record

from whea_gui.store import STATUS_DISK_FULL, STATUS_INSUFFICIENT_RESOURCES, Store
from whea_gui.store import store as store_module


def _wal(path) -> int:
    wal = f"{path}-wal"
    return os.path.getsize(wal) if os.path.exists(wal) else 0


def test_a_capacity_limited_store_keeps_its_wal_empty_and_fills_to_capacity(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "_small_volume", lambda folder: False)  # a big volume
    template = TEMPLATE.read_bytes()
    path = tmp_path / "nvram.sqlite"
    with Store(path) as s:
        s.set_capacity(max_bytes=200 * len(template))
        for rid in range(1, 400):
            result = s.write_error_record(build_record(template, rid))
            if not result.ok:
                break
            assert _wal(path) == 0, f"WAL holds {_wal(path)} bytes after write {rid}"
        assert result.status == STATUS_INSUFFICIENT_RESOURCES and rid == 201
        assert len(s) == 200
    with Store(path) as s:  # an unlimited store on a big volume still checkpoints lazily
        s.set_capacity(None, None)
        s.write_error_record(build_record(template, 1000))
        assert _wal(path) > 0
    with Store(path) as s:
        assert len(s) == 201 and s.get(1000) is not None


@pytest.fixture
def small_volume(tmp_path):
    """A 2 MB tmpfs (root only; skipped elsewhere)."""
    mount = tmp_path / f"vol-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a 2 MB tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_store_on_a_2mb_volume_fills_the_volume(small_volume):
    template = TEMPLATE.read_bytes()
    path = small_volume / "s.sqlite"
    acked = []
    with Store(path) as s:  # no capacity set: the small volume alone keeps the WAL small
        for rid in range(1, 5000):
            result = s.write_error_record(build_record(template, rid))
            if not result.ok:
                break
            acked.append(rid)
        assert result.status == STATUS_DISK_FULL and "disk full" in result.reason
    # before the fix 14 records fitted (the WAL grew to fill the volume); now > 1000 do
    assert len(acked) > 1000
    with Store(path) as s:
        assert [int(x) for x in s.record_ids()] == acked
