"""Report filters on a generated timeline, checked against what the generator planted."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_helpers import timeline, timeline_items

from whea_gui.report import FilterError, ReportFilters, write_report

SEV = {"recoverable": 0, "fatal": 1, "corrected": 2, "informational": 3}


def _indices(tmp_path, filters, items=None) -> list[int]:
    out = tmp_path / "f.jsonl"
    write_report(items or timeline_items(), out, filters=filters)
    lines = out.read_text(encoding="utf-8").splitlines()[1:-1]
    return [json.loads(x)["index"] for x in lines]


def test_time_window(tmp_path):
    gens = timeline()
    t0, t1 = gens[30].time, gens[80].time
    got = _indices(tmp_path, {"since": t0.isoformat(), "until": t1.isoformat()})
    assert got == [i for i, g in enumerate(gens, 1) if t0 <= g.time <= t1]
    day = gens[50].time.date()
    got = _indices(tmp_path, {"until": day.isoformat()})  # a date alone: the whole day
    assert got == [i for i, g in enumerate(gens, 1) if g.time.date() <= day]
    assert got[-1] > 0 and gens[got[-1] - 1].time.date() == day


def test_severity_type_source_and_record(tmp_path):
    gens = timeline()
    got = _indices(tmp_path, {"severity": ["Fatal", "recoverable"]})
    assert got == [i for i, g in enumerate(gens, 1) if g.severity in (0, 1)]
    assert got  # the timeline has some
    got = _indices(tmp_path, {"types": ["platform memory"]})
    # a name matches as a substring: "Platform Memory 2" sections count too
    assert got == [i for i, g in enumerate(gens, 1) if g.kinds[0] in ("memory", "memory2")]
    assert len(got) >= 14  # the repeated DIMM fault
    got = _indices(tmp_path, {"types": ["d995e954-bbc1-430f-ad91-b44dcb3c6f35"]})  # PCIe by GUID
    assert got == [i for i, g in enumerate(gens, 1) if "pcie" in g.kinds]
    got = _indices(tmp_path, {"source": "NODE-B"})
    assert got == [i for i, g in enumerate(gens, 1) if g.host == "node-b"]
    assert _indices(tmp_path, {"record": 17}) == [17]
    assert _indices(tmp_path, {"record": 17, "severity": ["fatal"]}) == (
        [17] if gens[16].severity == 1 else [])


def test_notify_type_filter(tmp_path):
    gens = timeline()
    got = _indices(tmp_path, {"types": ["PCIe"]})  # the PCIe notify type names match too
    assert set(got) >= {i for i, g in enumerate(gens, 1) if "pcie" in g.kinds}


@pytest.mark.parametrize("bad", [{"since": "yesterday"}, {"severity": ["bad"]}, {"record": 0}])
def test_bad_values_are_refused(bad):
    with pytest.raises(FilterError):
        ReportFilters.coerce(bad)


@settings(max_examples=40, deadline=None)
@given(lo=st.integers(0, 119), width=st.integers(0, 120),
       sev=st.sets(st.sampled_from(sorted(SEV)), max_size=3))
def test_any_window_and_severities(tmp_path_factory, lo, width, sev):
    gens = timeline()
    t0 = gens[lo].time - dt.timedelta(seconds=1)
    t1 = gens[min(lo + width, len(gens) - 1)].time
    got = _indices(tmp_path_factory.mktemp("h"), {"since": t0.isoformat(), "until": t1.isoformat(),
                                                  "severity": sorted(sev)})
    codes = {SEV[s] for s in sev}
    assert got == [i for i, g in enumerate(gens, 1)
                   if t0 <= g.time <= t1 and (not codes or g.severity in codes)]
