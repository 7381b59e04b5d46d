"""Nothing acknowledged is lost: SIGKILLed writers, concurrent writers, readers during writes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import TEMPLATE, child_record

from whea_gui.store import STATUS_SUCCESS, Store

CHILD = Path(__file__).with_name("writer_child.py")
REPO = Path(__file__).resolve().parents[2]
KILL_RUNS = 30

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def _spawn(path: Path, base: int, count: int, mode: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(CHILD), str(path), str(base), str(count), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read()
    return proc


def _unstamped(data: bytes) -> bytes:
    return data[:108] + bytes(8) + data[116:]


def _verify(path: Path, acked: set[int], template: bytes) -> None:
    with Store(path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for rid in acked:
            result = store.read_error_record(rid)
            assert result.status == STATUS_SUCCESS, f"acknowledged record {rid} was lost"
            assert _unstamped(result.record) == _unstamped(child_record(template, rid))
        table = store.record_table()
        assert acked <= {int(x) for x in table.record_id}


def test_sigkill_at_random_points_loses_no_acknowledged_write(tmp_path):
    """Each run kills the writer while it is writing: after it has acknowledged a random number
    of records (read from its output, so no timing guesses: under load the child is merely
    slower), plus a random sub-millisecond to few-millisecond delay so kills land at every
    point of a write (building, committing, syncing, printing)."""
    template = TEMPLATE.read_bytes()
    path = tmp_path / "kill.sqlite"
    rnd = random.Random(20240607)
    acked: set[int] = set()
    for run in range(KILL_RUNS):
        mode = "single" if run % 3 else "batch"
        proc = _spawn(path, base=(run + 1) * 1_000_000, count=100_000, mode=mode)
        seen = [proc.stdout.readline() for _ in range(rnd.randint(1, 60))]
        assert all(line.strip().isdigit() for line in seen), seen  # it is writing
        time.sleep(rnd.uniform(0.0, 0.005))
        assert proc.poll() is None  # still writing when killed
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        acked |= {int(x) for x in "".join(seen).split() + out.split()}
        _verify(path, acked, template)
    with Store(path) as store:
        # unacknowledged writes may have committed too (killed after commit, before print)
        assert len(store) >= len(acked)


def test_two_writers_and_a_reader_at_once(tmp_path):
    template = TEMPLATE.read_bytes()
    path = tmp_path / "busy.sqlite"
    Store(path).close()
    writers = [_spawn(path, 10_000, 120, "single"), _spawn(path, 20_000, 600, "batch")]
    seen_counts = []
    with Store(path) as reader:
        while any(w.poll() is None for w in writers):
            table = reader.record_table()
            seen_counts.append(len(table))
            rid, chain = 0, 0
            while True:  # walk the whole store with ReadErrorRecord while it grows
                res = reader.read_error_record(rid)
                if res.status != STATUS_SUCCESS:
                    assert len(table) == 0
                    break
                assert _unstamped(res.record) == _unstamped(child_record(template, res.record_id))
                chain += 1
                if res.next_record_id == res.record_id:
                    break
                rid = res.next_record_id
            assert chain >= len(table)
            time.sleep(0.01)
    outputs = [w.communicate(timeout=60) for w in writers]
    for w, (_, err) in zip(writers, outputs):
        assert w.returncode == 0, err
    acked = {int(x) for out, _ in outputs for x in out.split()}
    assert acked == set(range(10_000, 10_120)) | set(range(20_000, 20_600))
    assert seen_counts == sorted(seen_counts)  # the reader only ever saw the store grow
    _verify(path, acked, template)
