"""The streaming ``whea timeline`` (index columns + fault keys, nothing decoded kept) gives the
same answer as the previous decode-everything analysis: every count, crossing, storm, top
location and per-record time, on generated fleets with repeated faults, real vectors and stores."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import pytest

from whea_gui.cli import main
from whea_gui.cli.timeline import analyse
from whea_gui.compose.generate import RepeatFault, Storm, generate_records
from whea_gui.decode import decode_record
from whea_gui.index.analysis import from_decoded
from whea_gui.sources import iter_path
from whea_gui.store import Store

VECTORS = Path(__file__).resolve().parents[1].parent.parent / "shared" / "vectors"


def _old(paths: list, **opts) -> dict:
    """The analysis as ``whea timeline`` made it before: every record decoded and kept."""
    args = argparse.Namespace(by=opts.get("by", "severity"), bin=None, top=opts.get("top", 10),
                              storm=opts.get("storm", 10), storm_window=60, threshold=[])
    records, sources = [], []
    for p in paths:
        for ref in iter_path(str(p)):
            records.append(decode_record(ref.data, source=ref.source))
            sources.append({k: ref.source.get(k) for k in ("path", "offset")})
    report = analyse(from_decoded(records), sources, args)
    report["record_times"] = list(report["record_times"])
    return json.loads(json.dumps(report))


def _new(capsys, paths: list, *extra: str) -> dict:
    code = main(["timeline", *map(str, paths), "--json", *extra])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    """3,000 generated records over a week on three hosts, with a storm and a DIMM that keeps
    failing (so thresholds are crossed), in one file."""
    records = generate_records(None, 3000, seed=11, hosts=["web-01", "db-01", "db-02"],
                               start=dt.datetime(2025, 5, 1), span=dt.timedelta(days=7),
                               storm=Storm(count=300, duration=dt.timedelta(seconds=50)),
                               repeat=RepeatFault(count=40))
    path = tmp_path_factory.mktemp("fleet") / "fleet.bin"
    path.write_bytes(b"".join(records))
    return path


@pytest.mark.parametrize("by", ["severity", "component", "source", "section", "notify"])
def test_streaming_equals_decoding_everything_on_a_generated_fleet(capsys, fleet, by):
    new = _new(capsys, [fleet], "--by", by, "--top", "25")
    old = _old([fleet], by=by, top=25)
    assert new == old
    assert new["records"] == 3000 and new["crossings"] and new["storms"]
    assert len(new["top_locations"]) == 25  # the comparison covers real figures


def test_streaming_equals_decoding_everything_on_the_vectors(capsys):
    paths = [VECTORS / "DecodeWheaRecord", VECTORS / "evtx", VECTORS / "libcper-generated"]
    paths = [p for p in paths if p.exists()]
    new = _new(capsys, paths, "--top", "50")
    old = _old(paths, top=50)
    assert new == old and new["records"] > 100 and new["top_locations"]


def test_a_store_is_analysed_from_its_index_as_when_its_records_were_decoded(capsys, fleet, tmp_path):
    store_path = tmp_path / "fleet.sqlite"
    with Store(store_path) as s:
        refs = [(r.data, r.source) for r in iter_path(fleet)]
        assert s.write_records(refs[:2000]).written == 2000  # full check: keys stored
        assert s.write_records(refs[2000:], validate="header").written == 1000  # keys unknown
    new = _new(capsys, [store_path], "--top", "25")
    old = _old([store_path], top=25)
    assert new == old and new["crossings"]


def test_record_times_stream_past_a_chunk_without_losing_a_source():
    import numpy as np

    from whea_gui.cli.timeline import _record_times
    from whea_gui.index.analysis import TimelineData

    n = 150_000  # more than two of the 65,536-entry chunks
    data = TimelineData(np.arange(n) + 1_700_000_000)
    out = list(_record_times(data, [{"path": "p", "offset": i} for i in range(n)]))
    assert len(out) == n and [o["source"]["offset"] for o in out] == list(range(n))
    assert out[0]["time"] == "2023-11-14T22:13:20Z" and out[-1]["time_source"] == "record"
