"""The record table's cheap columns agree with the full decoder; filters and sorts are correct."""

import calendar
import datetime as dt
import random

import numpy as np
import pytest
from conftest import VECTORS

from whea_gui.decode import decode_record
from whea_gui.formats.timestamp import PLAUSIBLE_YEARS
from whea_gui.session.recordquery import RecordFilter, filter_rows, sort_rows
from whea_gui.session.recordset import NO_TIME, RecordSet, make_batch
from whea_gui.sources import RecordRef, iter_path

VECTOR_FILES = sorted(VECTORS.glob("DecodeWheaRecord/*.bin")) + \
    sorted(VECTORS.glob("libcper-generated/*/00[1-3].cper")) + \
    sorted(VECTORS.glob("malformed/*.cper"))


def _refs(paths):
    return [ref for p in paths for ref in iter_path(p)]


@pytest.fixture(scope="module")
def table():
    refs = _refs(VECTOR_FILES)
    rs = RecordSet()
    rs.extend(make_batch(refs[: len(refs) // 2]))  # two batches: ids must be remapped globally
    rs.extend(make_batch(refs[len(refs) // 2:]))
    return rs, refs


def test_vectors_are_there():
    assert len(VECTOR_FILES) > 60


def test_columns_agree_with_the_decoder(table):
    rs, refs = table
    assert len(rs) == len(refs)
    for i, ref in enumerate(refs):
        rec = decode_record(ref.data, source=ref.source)
        assert rs.data(i) == ref.data
        assert rs.source(i)["path"] == ref.source["path"]
        assert rs.source(i)["offset"] == ref.source["offset"]
        h = rec.header
        if rec.kind == "cper" and len(ref.data) >= 128 and ref.data[:4] == b"CPER":
            assert rs.column("severity")[i] == h["severity"], ref.source
            ts = h.get("timestamp")
            t = rs.column("time")[i]
            if ts is None or dt.datetime.fromisoformat(ts).year not in PLAUSIBLE_YEARS:
                assert t == NO_TIME  # (an implausible year is no usable time, as in the timeline)
            else:
                want = calendar.timegm(dt.datetime.fromisoformat(ts).timetuple())
                assert t == want, ref.source
            names = rs.notify_names[rs.column("notify")[i]]
            assert names == h["notify_type_name"]
            listed = rs.type_names[rs.column("types")[i]]
            decoded = ", ".join(s.values["type_name"] for s in rec.sections) or "—"
            if len(rec.sections) == h["section_count"]:
                assert listed == decoded, ref.source
        elif rec.kind == "whlg":
            assert rs.type_names[rs.column("types")[i]] == f"Event {h['id_name']}"
            assert rs.severity_text(i) == f"Event: {h['type_name']}"


def test_quick_summary_names_severity_and_types(table):
    rs, refs = table
    for i in range(len(rs)):
        text = rs.quick_summary(i)
        if rs.column("kind")[i] == 0:
            assert text.startswith(rs.severity_text(i))
            assert rs.type_names[rs.column("types")[i]] in text


def _synthetic(n, seed=1):
    """A RecordSet built from real column arrays (bytes shared, so a big n stays small)."""
    from whea_gui.session.recordset import Batch
    rng = np.random.default_rng(seed)
    data = (VECTORS / "DecodeWheaRecord/cper_cmc_amd_xpfmca_v2r1.bin").read_bytes()
    times = rng.integers(1_600_000_000, 1_700_000_000, n)
    times[rng.random(n) < 0.05] = NO_TIME
    cols = {
        "time": times.astype(np.int64),
        "severity": rng.integers(-1, 4, n).astype(np.int16),
        "kind": np.zeros(n, np.int8),
        "notify": rng.integers(0, 3, n).astype(np.int32),
        "types": rng.integers(0, 4, n).astype(np.int32),
        "path": rng.integers(0, 2, n).astype(np.int32),
        "offset": np.arange(n, dtype=np.int64) * 928,
        "length": np.full(n, 928, np.int64),
    }
    notify = ["2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890", "e8f56ffe-919c-4cc5-ba88-65abe14913bb", ""]
    types = [("9876ccad-47b4-4bdb-b65e-16f193c4f3db",), ("a5bc1114-6f64-4ede-b863-3e83ed7c83b1",),
             ("d995e954-bbc1-430f-ad91-b44dcb3c6f35", "9876ccad-47b4-4bdb-b65e-16f193c4f3db"), ()]
    rs = RecordSet()
    rs.extend(Batch([data] * n, {}, cols, notify, types, ["/x/b.bin", "/x/a.bin"]))
    return rs


def test_filters_match_a_plain_python_filter():
    rs = _synthetic(5000)
    sev = rs.column("severity")
    t = rs.column("time")
    got = filter_rows(rs, RecordFilter(severity=2))
    assert got.tolist() == [i for i in range(len(rs)) if sev[i] == 2]
    lo, hi = 1_620_000_000, 1_650_000_000
    got = filter_rows(rs, RecordFilter(time_from=lo, time_to=hi))
    assert got.tolist() == [i for i in range(len(rs)) if t[i] != NO_TIME and lo <= t[i] <= hi]
    mem = "a5bc1114-6f64-4ede-b863-3e83ed7c83b1"
    got = filter_rows(rs, RecordFilter(section_type=mem))
    assert got.tolist() == [i for i in range(len(rs)) if mem in rs.type_keys[rs.column("types")[i]]]
    # text matches type names, notify names, severities and file names, case-insensitively
    got = set(filter_rows(rs, RecordFilter(text="PLATFORM MEMORY")).tolist())
    want = {i for i in range(len(rs)) if "platform memory" in rs.type_names[rs.column("types")[i]].lower()}
    assert got == want and want
    got = set(filter_rows(rs, RecordFilter(text="a.bin")).tolist())
    assert got == {i for i in range(len(rs)) if rs.paths[rs.column("path")[i]].endswith("a.bin")}
    got = set(filter_rows(rs, RecordFilter(text="corrected")).tolist())
    notify = rs.column("notify")
    assert got == {i for i in range(len(rs))
                   if sev[i] == 2 or "corrected" in rs.notify_names[notify[i]].lower()}
    # cached full summaries are searched too
    got = filter_rows(rs, RecordFilter(text="bank 5"), summaries={17: "MCA bank 5 error"})
    assert got.tolist() == [17]


@pytest.mark.parametrize("key", ["time", "severity", "notify", "types", "summary", "source"])
@pytest.mark.parametrize("descending", [False, True])
def test_sorts_are_stable_and_ordered(key, descending):
    rs = _synthetic(3000, seed=7)
    rows = filter_rows(rs, RecordFilter(severity=None))
    got = sort_rows(rs, rows, key, descending)
    assert sorted(got.tolist()) == rows.tolist()

    def keyf(i):
        if key == "time":
            return rs.column("time")[i]
        if key == "severity":
            return {1: 0, 0: 1, 2: 2, 3: 3}.get(int(rs.column("severity")[i]), 9)
        if key == "notify":
            return rs.notify_names[rs.column("notify")[i]].lower()
        if key == "types":
            return rs.type_names[rs.column("types")[i]].lower()
        if key == "summary":
            return (rs.severity_text_for(int(rs.column("severity")[i])).lower(),
                    rs.type_names[rs.column("types")[i]].lower())
        return (rs.paths[rs.column("path")[i]].lower(), rs.column("offset")[i])
    # Python's sort is stable: equal keys stay in record order in both directions
    want = sorted(rows.tolist(), key=keyf, reverse=descending)  # stable both ways
    assert got.tolist() == want


def test_random_batches_keep_ids_consistent():
    refs = _refs(VECTOR_FILES)
    rnd = random.Random(3)
    rs = RecordSet()
    pos = 0
    while pos < len(refs):
        step = rnd.randint(1, 9)
        rs.extend(make_batch(refs[pos:pos + step]))
        pos += step
    whole = make_batch(refs)
    assert [rs.type_names[i] for i in rs.column("types")] == \
        [rs.type_names[rs.type_keys.index(whole.type_keys[i])] for i in whole.columns["types"]]
    assert [rs.paths[i] for i in rs.column("path")] == [r.source["path"] for r in refs]


def test_non_record_bytes_are_listed_not_dropped():
    b = make_batch([RecordRef(b"hello", {"path": "x", "offset": 0}), RecordRef(b"", {"path": "y"})])
    rs = RecordSet()
    rs.extend(b)
    assert len(rs) == 2
    assert rs.quick_summary(0) == "Not a CPER record"
    assert rs.data(1) == b""
