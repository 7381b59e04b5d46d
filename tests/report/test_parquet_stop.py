"""An export stopped by SIGTERM or Ctrl-C (SIGINT) removes its hidden ``.whea-parquet-*`` folder
and leaves an earlier export in DIR as it was (still readable by pyarrow). A real `whea export`
process gets a real signal while it is blocked reading its input from a pipe: the temporary
folder exists then, so the signal always lands mid-export (no timing involved)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from whea_gui.cli import main
from whea_gui.compose.generate import generate_records
from whea_gui.report.parquet import TMP_PREFIX
from whea_gui.report.stopping import Stopped, StopSignals

pa_ds = pytest.importorskip("pyarrow.dataset", reason="the Parquet export needs pyarrow")
REPO = Path(__file__).resolve().parents[2]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _rows(folder: Path, name: str) -> int:
    import pyarrow as pa
    parts = pa_ds.partitioning(pa.schema([("host", pa.string()), ("month", pa.string())]),
                               flavor="hive")
    return pa_ds.dataset(folder / name, format="parquet", partitioning=parts).to_table().num_rows


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(TMP_PREFIX)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stopped_export_removes_its_temporary_folder_and_keeps_the_earlier_one(tmp_path, capsys, sig):
    records = generate_records(None, 40, 7)
    earlier_input = tmp_path / "earlier.bin"
    earlier_input.write_bytes(b"".join(records[:25]))
    out = tmp_path / "out"
    assert main(["export", "--format", "parquet", str(out), str(earlier_input)]) == 0
    capsys.readouterr()
    before = _snapshot(out)
    assert _rows(out, "records") == 25 and before

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "whea_gui.cli", "export", "--format", "parquet",
                             str(out), "-"], stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, env=env, cwd=tmp_path)
    try:
        proc.stdin.write(b"".join(records))  # more records than before; the pipe stays open
        proc.stdin.flush()
        deadline = time.monotonic() + 120  # (a bound on waiting, not a measurement)
        while not _leftovers(tmp_path):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the export never made its temporary folder"
            time.sleep(0.02)
        proc.send_signal(sig)
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert code == 128 + sig, err
    assert f"stopped by {signal.Signals(sig).name}" in err and "left as it was" in err
    assert "Traceback" not in err
    assert _leftovers(tmp_path) == []
    assert _snapshot(out) == before  # the earlier export, byte for byte
    assert _rows(out, "records") == 25 and _rows(out, "sections") >= 25


def test_a_signal_inside_hold_waits_for_the_block_to_end():
    done = []
    with StopSignals() as guard:
        assert guard.active  # pytest runs tests in the main thread
        with pytest.raises(Stopped) as info:
            with guard.hold(committing=True):
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):  # the handler has run by now (between bytecodes)
                    pass
                done.append("moved into place")
    assert done == ["moved into place"]
    assert info.value.signum == signal.SIGTERM and info.value.committed
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored


def test_a_signal_outside_hold_stops_at_once_and_later_ones_are_ignored():
    with StopSignals():
        with pytest.raises(Stopped) as info:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
            pytest.fail("the signal did not stop the work")
        os.kill(os.getpid(), signal.SIGINT)  # during the cleanup: ignored
        for _ in range(1000):
            pass
    assert info.value.signum == signal.SIGINT and not info.value.committed
