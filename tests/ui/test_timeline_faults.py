"""The window's timeline counts thresholds over every record: fault keys come from a store's
index without decoding, or from a background decode of all records (no size limit), and until
that has finished the panel says so instead of showing "0 crossings"."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import load

from whea_gui.cli import main
from whea_gui.compose.generate import RepeatFault, Storm, generate_records
from whea_gui.store import Store


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    records = generate_records(["memory", "xpf-mca", "pcie"], 1500, seed=4,
                               hosts=["web-01", "db-01"], start=dt.datetime(2025, 4, 1),
                               span=dt.timedelta(days=5), repeat=RepeatFault(count=30),
                               storm=Storm(count=200, kind="pcie", duration=dt.timedelta(seconds=40)))
    path = tmp_path_factory.mktemp("fleet") / "fleet.bin"
    path.write_bytes(b"".join(records))
    return path


def _cli_crossings(capsys, path) -> list[tuple[str, str]]:
    assert main(["timeline", str(path), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    return sorted((c["location"], c["time"]) for c in rep["crossings"])


def _window_crossings(window) -> list[tuple[str, str]]:
    return sorted((c.label, dt.datetime.fromtimestamp(c.time, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
                  for c in window.timeline.crossings)


def test_a_file_gets_every_fault_key_in_the_background_and_says_so_meanwhile(qtbot, window, fleet,
                                                                              capsys):
    want = _cli_crossings(capsys, fleet)
    assert want  # the repeated DIMM fault crosses its threshold
    load(qtbot, window, [fleet])
    with qtbot.waitSignal(window.faultsReady, timeout=120_000):
        window.raise_dock("timeline")
        # shown at once, before the worker has decoded anything: no count passes for the answer
        text = window.timeline.tabs.cross_summary.text()
        assert "being computed" in text and "1,500" in text and "crossings in" not in text
    assert _window_crossings(window) == want
    assert "crossings in" in window.timeline.tabs.cross_summary.text()
    assert window.timeline.data.faults_note == ""


def test_a_store_gives_its_fault_keys_without_decoding(qtbot, window, fleet, capsys, tmp_path):
    store = tmp_path / "fleet.sqlite"
    with Store(store) as s:
        assert s.write_records(_refs(fleet)).written == 1500
    want = _cli_crossings(capsys, store)
    assert want
    load(qtbot, window, [store])
    window.raise_dock("timeline")
    qtbot.waitUntil(lambda: window.timeline.data is not None and window.timeline.data.n == 1500)
    assert window.timeline_link.fault_job is None  # nothing to decode: the store's index has the keys
    assert _window_crossings(window) == want


def _refs(path):
    from whea_gui.sources import iter_path
    return [(r.data, r.source) for r in iter_path(path)]
