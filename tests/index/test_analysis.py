"""Timeline analysis on constructed data and real records: exact bin counts, rolling 24 h
rates, threshold crossings, storms, fault grouping and the time-source fallback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.core.model import DecodedRecord, DecodedSection, FieldNode
from whea_gui.decode.record import decode_record
from whea_gui.index.analysis import (
    NONE_LABEL,
    OTHER_LABEL,
    Categorical,
    TimelineData,
    fault_columns,
    from_decoded,
)
from whea_gui.index.faults import location_key, record_time, scope_keys
from whea_gui.index.rates import ThresholdRule, crossings, default_rules, rolling_counts, storms
from whea_gui.index.timebins import DAY, HOUR, MINUTE, WEEK, bin_edges, choose_bin_width, width_text

VECTORS = Path(__file__).resolve().parents[1].parent.parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
T0 = 1_717_200_000  # 2024-06-01 00:00:00 UTC
CORRECTED, FATAL, RECOVERABLE = 2, 1, 0


# -- bin width and edges -------------------------------------------------------------------
@pytest.mark.parametrize("span, width", [
    (300 * 60, MINUTE),  # exactly 300 one-minute bins is allowed
    (300 * 60 + 1, 5 * MINUTE),
    (HOUR, 15),  # an hour: 240 bins of 15 s
    (DAY, 5 * MINUTE),  # 288 bins
    (30 * DAY, 3 * HOUR),  # a month: 240 bins
    (365 * DAY, WEEK),  # a year: 53 weekly bins
    (0, 1),
])
def test_bin_width_follows_span(span, width):
    assert choose_bin_width(span) == width


def test_bin_widths_give_40_to_300_bins_for_spans_beyond_a_few_minutes():
    """docs/timeline.md promises 40-300 bins; the thinnest case is just over 300 days, where a
    day is too narrow (> 300 bins) and a week gives 43."""
    spans = [10 * MINUTE * 1.01 ** i for i in range(1300)]  # 10 minutes to nearly 8 years
    spans += [2 * HOUR, 9 * HOUR, 3 * DAY, 17 * DAY, 90 * DAY, 301 * DAY, 400 * DAY, 4 * 365 * DAY]
    for span in spans:
        w = choose_bin_width(span)
        assert 40 <= span / w <= 300, (span, w)
    assert 301 * DAY / choose_bin_width(301 * DAY) < 50  # so "50 to 300" would not hold


def test_width_text():
    assert width_text(WEEK) == "1 week"
    assert width_text(3 * HOUR) == "3 hours"
    assert width_text(15) == "15 seconds"


def test_edges_are_aligned_and_cover_the_end():
    e = bin_edges(T0 + 90, T0 + 180, 60)
    assert list(e - T0) == [60, 120, 180, 240]  # 180 is on an edge: it opens the third bin
    week = bin_edges(T0 + 3 * DAY, T0 + 20 * DAY, WEEK)
    starts = [dt.datetime.fromtimestamp(x, dt.UTC) for x in week]
    assert all(s.weekday() == 0 and s.hour == 0 for s in starts)  # Mondays 00:00 UTC
    assert starts[0] <= dt.datetime.fromtimestamp(T0 + 3 * DAY, dt.UTC) < starts[1]


def test_histogram_counts_with_edges_half_open():
    times = T0 + np.array([60, 119, 120, 179, 180, 3000])
    d = TimelineData(times, severity=[2, 2, 1, 2, 0, 2])
    h = d.histogram(T0 + 60, T0 + 180, width=60)
    assert h.labels == ["Fatal", "Recoverable", "Corrected"]
    assert h.counts.tolist() == [[0, 0, 2], [1, 0, 1], [0, 1, 0]]
    assert h.bin_at(T0 + 120) == 1 and h.bin_at(T0 + 240) is None
    whole = d.histogram()
    assert whole.counts.sum() == 6 and whole.width == 15  # span 2940 s → 196 bins of 15 s


def test_histogram_by_group_keeps_top_groups_and_other():
    hosts = ["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"] + [""]
    d = TimelineData(T0 + np.arange(12) * 10, groups={"source": hosts})
    h = d.histogram(by="source", max_groups=2, width=60)
    assert h.labels == ["a", "b", OTHER_LABEL, NONE_LABEL]
    assert h.counts.sum(axis=0).tolist() == [5, 3, 3, 1]
    assert h.counts.tolist() == [[5, 1, 0, 0], [0, 2, 3, 1]]


def test_records_without_time_are_left_out_of_bins():
    d = TimelineData([T0, np.nan, T0 + 5, None, T0 + 61], severity=[2] * 5)
    assert d.timed == 3
    assert d.histogram(width=60).counts.sum() == 3
    assert d.time_source_names() == ["record", "none", "record", "none", "record"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40 * DAY), min_size=1, max_size=300), st.integers(0, 40 * DAY),
       st.integers(0, 40 * DAY))
def test_histogram_counts_every_record_in_range_exactly_once(offsets, a, b):
    d = TimelineData(T0 + np.asarray(offsets), severity=[2] * len(offsets))
    lo, hi = T0 + min(a, b), T0 + max(a, b)
    h = d.histogram(lo, hi)
    inside = sum(lo <= T0 + o <= hi for o in offsets)
    # the bins cover [lo, hi] and may reach a little beyond on both sides
    in_bins = sum(h.edges[0] <= T0 + o < h.edges[-1] for o in offsets)
    assert h.counts.sum() == in_bins >= inside
    assert len(h.counts) <= 301


# -- rolling counts and thresholds -------------------------------------------------------
def test_rolling_24h_window_is_closed():
    t = np.array([0, HOUR, DAY, DAY + 1, DAY + HOUR])
    r = rolling_counts(t, np.zeros(5, np.int32), DAY)
    # t=DAY still sees t=0 (window [0, DAY]); t=DAY+1 no longer does
    assert r.counts.tolist() == [1, 2, 3, 3, 4]


def test_rolling_counts_per_group_and_ties():
    t = np.array([0, 0, 0, 10, 10, 20])
    g = np.array([0, 1, 0, 1, 0, -1])
    r = rolling_counts(t, g, 15)
    assert r.groups.tolist() == [0, 0, 0, 1, 1]
    assert r.counts.tolist() == [1, 2, 3, 1, 2]  # ties count in arrival order
    assert r.index.tolist() == [0, 2, 4, 1, 3]


def _dimm_data(offsets, dimms, severities=None):
    n = len(offsets)
    return TimelineData(T0 + np.asarray(offsets), severity=severities or [CORRECTED] * n,
                        faults={"dimm": dimms, "location": dimms})


def test_eleven_corrected_errors_on_one_dimm_cross_at_the_tenth():
    offsets = [i * HOUR for i in range(11)] + [i * HOUR for i in range(9)]
    dimms = ["memory:node=0/card=0/module=1"] * 11 + ["memory:node=0/card=0/module=2"] * 9
    d = _dimm_data(offsets, dimms)
    rule = next(r for r in default_rules() if r.scope == "dimm")
    assert (rule.threshold, rule.window) == (10, DAY)
    [c] = d.crossings(rule)
    assert c.label == "memory:node=0/card=0/module=1"
    assert c.time == T0 + 9 * HOUR  # the 10th error reaches the threshold
    assert (c.count, c.peak, c.until) == (10, 11, T0 + 10 * HOUR)
    assert c.record == 9


def test_crossing_counts_only_corrected_and_rearms_after_falling_below():
    # 10 errors in the first day, then 30 h of silence, then 10 more: two crossings
    offsets = [i * 60 for i in range(10)] + [30 * HOUR + i * 60 for i in range(10)]
    sev = [CORRECTED] * 20
    d = _dimm_data(offsets, ["dimm-a"] * 20, sev)
    rule = ThresholdRule("DIMM", "dimm", 10)
    assert [c.time - T0 for c in d.crossings(rule)] == [540, 30 * HOUR + 540]
    # one fatal error among the first ten: the first day stays below the threshold
    sev[3] = FATAL
    d = _dimm_data(offsets, ["dimm-a"] * 20, sev)
    assert [c.time - T0 for c in d.crossings(rule)] == [30 * HOUR + 540]
    # a rule over every severity counts it again
    assert len(d.crossings(ThresholdRule("any", "dimm", 10, severities=()))) == 2


def test_sliding_window_keeps_one_episode_while_above():
    # one error every 2 h for 3 days: 13 in any closed 24 h window ⇒ one long episode
    offsets = [i * 2 * HOUR for i in range(36)]
    d = _dimm_data(offsets, ["x"] * 36)
    [c] = d.crossings(ThresholdRule("DIMM", "dimm", 10))
    assert c.time == T0 + 18 * HOUR and c.peak == 13 and c.until == T0 + 70 * HOUR


def test_threshold_rules_default_from_mcelog_and_rasdaemon():
    rules = {r.scope: r for r in default_rules()}
    assert {s: (r.threshold, r.window) for s, r in rules.items()} == {
        "page": (10, DAY), "dimm": (10, DAY), "cpu": (18, DAY)}
    assert all(r.severities == (CORRECTED,) for r in rules.values())


def test_crossings_function_on_empty_and_zero_threshold():
    r = rolling_counts(np.zeros(0, np.int64), np.zeros(0, np.int32), DAY)
    assert crossings(r, 10) == []
    r = rolling_counts(np.arange(5), np.zeros(5, np.int32), DAY)
    assert crossings(r, 0) == []


def test_rate_curve_steps_up_and_back_down():
    d = _dimm_data([0, 10, 20], ["x"] * 3)
    [(label, xs, ys)] = d.rate_curves(ThresholdRule("DIMM", "dimm", 2, window=100))
    assert label == "x"
    assert ys.max() == 3 and ys[-1] == 0
    assert xs[0] == T0 and xs[-1] == T0 + 120
    # at T0+105 the first record has left the window (it left after T0+100)
    i = np.searchsorted(xs, T0 + 105, side="right") - 1
    assert ys[i] == 2


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5 * DAY), st.integers(0, 3)), min_size=1, max_size=120),
       st.integers(1, 2 * DAY))
def test_rolling_counts_match_brute_force(events, window):
    events.sort(key=lambda e: e[0])
    t = np.array([e[0] for e in events])
    g = np.array([e[1] for e in events])
    r = rolling_counts(t, g, window)
    for pos, i in enumerate(r.index):
        brute = sum(1 for j in range(i + 1) if g[j] == g[i] and t[i] - window <= t[j] <= t[i])
        assert r.counts[pos] == brute


# -- storms --------------------------------------------------------------------------------
def test_storm_detection_exact():
    burst = [1000 + i * 5 for i in range(12)]  # 12 records in 55 s
    quiet = [0, 500, 5000, 9000]
    t = np.array(sorted(burst + quiet))
    [s] = storms(t, 10, 60)
    assert (s.start, s.end, s.count, s.peak, s.duration) == (1000, 1055, 12, 12, 55)
    assert storms(t, 13, 60) == []


def test_storm_window_is_half_open():
    ten_in_60 = np.arange(10) * (60 / 9)  # first and last exactly 60 s apart
    assert storms(np.floor(ten_in_60).astype(int), 10, 60) == []
    assert len(storms(np.arange(10) * 6, 10, 60)) == 1  # 0..54 s


def test_overlapping_bursts_merge_and_separate_ones_do_not():
    t = np.concatenate([np.arange(0, 100, 5), np.arange(10_000, 10_030, 3)])
    found = storms(t, 10, 60)
    assert [(s.start, s.end, s.count) for s in found] == [(0, 95, 20), (10_000, 10_027, 10)]
    d = TimelineData(T0 + t)
    assert [(s.start - T0, s.count) for s in d.storms(10)] == [(0, 20), (10_000, 10)]


# -- faults --------------------------------------------------------------------------------
@pytest.mark.parametrize("component, location, key", [
    ("cpu", {"apic_id": 13, "bank": 5}, "cpu:apic=13:bank=5"),
    ("cpu", {"apic_id": 13}, "cpu:apic=13"),
    ("cpu", {"apic_id": 13, "processor_number": 13, "bank": 3}, "cpu:apic=13:bank=3"),
    ("cpu", {"processor_id": 4}, "cpu:cpu=4"),
    ("cpu", {"mpidr": 0x81000100, "processor_id": 0x81000100}, "cpu:mpidr=0x81000100"),
    ("memory", {"physical_address": 0x12345678, "node": 0, "card": 1, "module": 3},
     "memory:node=0/card=1/module=3"),
    ("memory", {"physical_address": 0x12345678}, "memory:page=0x12345"),
    ("pcie", {"segment": 0, "bus": 0x3B, "device": 0, "function": 0}, "pcie:0000:3b:00.0"),
    ("pcie", {"bus": 1, "device": 0x1F, "function": 7}, "pcie:0000:01:1f.7"),
    ("firmware", {"record_id": 0x1234ABCD}, "firmware:0x1234ABCD"),
    ("cpu", {}, ""),
    ("", {}, ""),
])
def test_location_keys(component, location, key):
    assert location_key(component, location) == key


def test_scope_keys_give_page_dimm_and_cpu():
    mem = scope_keys("memory", {"physical_address": 0x12345678, "node": 0, "card": 1, "module": 3})
    assert mem == {"page": "page:0x12345", "dimm": "memory:node=0/card=1/module=3"}
    assert scope_keys("cpu", {"apic_id": 2, "bank": 7}) == {"cpu": "cpu:apic=2"}
    assert scope_keys("pcie", {"bus": 1, "device": 0, "function": 0}) == {}


def _record(component, location, severity=CORRECTED, when="2024-06-01T00:00:00", type_guid=""):
    root = FieldNode("record", "CPER record", None, "", 0, 0)
    rec = DecodedRecord(b"", "cper", root, header={"severity": severity, "timestamp": when})
    rec.sections.append(DecodedSection(0, None, None, {"type": type_guid, "type_name": "x"},
                                       component=component, location=location))
    return rec


def test_fault_grouping_counts_distinct_faults_beside_errors():
    recs = ([_record("memory", {"physical_address": 0x1000 * i, "node": 0, "card": 0, "module": 1})
             for i in range(6)]
            + [_record("cpu", {"apic_id": 4, "bank": 5}) for _ in range(3)]
            + [_record("pcie", {"segment": 0, "bus": 2, "device": 0, "function": 1})]
            + [_record("", {}), _record("", {})])
    cols = fault_columns(recs)
    assert cols["location"].labels == ["memory:node=0/card=0/module=1", "cpu:apic=4:bank=5",
                                       "pcie:0000:02:00.1"]
    assert len(set(cols["page"].labels)) == 6 and cols["dimm"].labels == ["memory:node=0/card=0/module=1"]
    d = from_decoded(recs)
    assert d.fault_summary() == {"errors": 12, "located": 10, "unlocated": 2, "faults": 3}
    assert d.top_locations(2) == [("memory:node=0/card=0/module=1", 6), ("cpu:apic=4:bank=5", 3)]
    assert d.groups["component"].labels == ["Memory", "CPU", "PCIe"]
    assert d.histogram(by="component").labels == ["Memory", "CPU", "PCIe", NONE_LABEL]


def test_top_locations_in_a_time_range():
    d = _dimm_data([0, 10, 20, 30, 40], ["a", "b", "a", "c", "a"])
    assert d.top_locations(5) == [("a", 3), ("b", 1), ("c", 1)]
    assert d.top_locations(5, T0 + 15, T0 + 30) == [("a", 1), ("c", 1)]
    assert d.fault_summary(T0 + 15, T0 + 30)["errors"] == 2


def test_component_falls_back_to_the_section_type():
    rec = decode_record((DWR / "cper_memory_1sec_padded.bin").read_bytes())
    d = from_decoded([rec])
    assert d.groups["component"].labels == ["Memory"]
    assert d.groups["section"].labels == ["Platform Memory"]
    assert d.groups["notify"].labels == [rec.header["notify_type_name"]]


# -- time source ---------------------------------------------------------------------------
def test_record_timestamp_is_used_when_valid():
    data = (DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()
    # the Event Log said TimeCreated 2024-11-09T09:55:33.65Z for this record
    rec = decode_record(data, source={"path": "x.evtx", "time_created": "2024-11-09T09:55:40Z"})
    when = dt.datetime(2024, 11, 9, 9, 55, 33, tzinfo=dt.UTC).timestamp()
    assert record_time(rec) == (when, 1)


def test_event_time_is_used_when_the_timestamp_is_not_valid():
    data = bytearray((DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes())
    data[16] &= ~2  # clear the TimeStamp valid bit
    rec = decode_record(bytes(data), source={"time_created": "2024-11-09T09:55:33.65Z"})
    assert rec.header["timestamp"] is None
    t, src = record_time(rec)
    assert (t, src) == (int(dt.datetime(2024, 11, 9, 9, 55, 33, tzinfo=dt.UTC).timestamp()), 2)


def test_implausible_timestamp_falls_back_and_missing_gives_none():
    data = bytearray((DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes())
    data[31] = 0x63  # century 99: year 9924
    rec = decode_record(bytes(data), source={"time_created": 1_731_146_133})
    assert rec.header["timestamp"] is not None  # decoded, but not a believable date
    assert record_time(rec) == (1_731_146_133, 2)
    rec = decode_record(bytes(data), source={"path": "a.bin"})
    assert record_time(rec) == (None, 0)


def test_time_source_column_over_mixed_records():
    good = decode_record((DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes(), source={"host": "h1"})
    whlg = decode_record((DWR / "whlg_cmci_restart.bin").read_bytes(),
                         source={"host": "h2", "time_created": "2024-11-10T00:00:00Z"})
    boot = decode_record((DWR / "cper_boot_rev0101_venhw_section.bin").read_bytes(),
                         source={"path": "/logs/boot.bin"})
    mem = decode_record((DWR / "cper_memory_1sec_padded.bin").read_bytes(),
                        source={"path": "/logs/mem.bin"})
    assert boot.header["platform_id"] and mem.header["platform_id"] is None
    d = from_decoded([good, whlg, boot, mem])
    assert d.time_source_names() == ["record", "event", "none", "record"]
    assert d.time_source_counts() == {"none": 1, "record": 2, "event": 1}
    # host from the reader, else the file name
    assert d.groups["source"].labels == ["h1", "h2", "boot.bin", "mem.bin"]
    assert d.timed == 3 and d.span()[0] == record_time(good)[0]


def test_columns_accept_datetime64_and_codes():
    times = np.array(["2024-06-01T00:00:00", "NaT", "2024-06-01T00:01:00"], dtype="datetime64[s]")
    d = TimelineData(times, severity=[2, 2, 1],
                     groups={"notify": (np.array([0, 1, 0]), ["CMC", "MCE"])},
                     time_source=["record", "none", "event"])
    assert d.timed == 2 and d.span() == (T0, T0 + 60)
    h = d.histogram(by="notify", width=60)
    assert h.labels == ["CMC"] and h.counts.tolist() == [[1], [1]]  # the MCE record has no time
    assert d.time_source_names() == ["record", "none", "event"]
    with pytest.raises(ValueError):
        TimelineData([1, 2], groups={"notify": ["a"]})


def test_categorical_from_values():
    c = Categorical.from_values(["b", "a", "", None, "b"])
    assert c.codes.tolist() == [0, 1, -1, -1, 0] and c.labels == ["b", "a"]


def test_fault_keys_are_per_host_when_the_host_is_known():
    recs = [_record("cpu", {"apic_id": 1, "bank": 5}) for _ in range(3)]
    recs[0].source = {"host": "node01"}
    recs[1].source = {"host": "node02"}
    cols = fault_columns(recs)
    assert cols["location"].labels == ["node01 | cpu:apic=1:bank=5", "node02 | cpu:apic=1:bank=5",
                                       "cpu:apic=1:bank=5"]
    assert cols["cpu"].labels == ["node01 | cpu:apic=1", "node02 | cpu:apic=1", "cpu:apic=1"]


# -- end to end: generated record bytes → decode → analysis --------------------------------
def test_generated_fleet_bytes_give_storm_hosts_and_cpu_faults():
    from whea_gui.compose.generate import Storm, generate_timeline, host_platform_id

    gen = generate_timeline(["ia32x64", "memory"], 90, seed=11, hosts=["alpha", "beta"],
                            storm=Storm(count=25, kind="ia32x64", duration=dt.timedelta(seconds=50)))
    recs = [decode_record(g.data, source={"path": "fleet.bin"}) for g in gen]
    d = from_decoded(recs)
    assert d.timed == 90 and d.time_source_counts()["record"] == 90
    platforms = {f"platform {host_platform_id(h)[:8]}" for h in ("alpha", "beta")}
    assert d.groups["source"].labels == ["fleet.bin"]
    storm_times = sorted(int(g.time.replace(tzinfo=dt.UTC).timestamp()) for g in gen if g.role == "storm")
    [storm] = d.storms(10, 60)
    assert storm.start <= storm_times[0] and storm.end >= storm_times[-1]
    inside = sum(storm.start <= int(g.time.replace(tzinfo=dt.UTC).timestamp()) <= storm.end for g in gen)
    assert storm.count == inside >= 25
    cpu_keys = [k for k in d.faults["location"].labels if "cpu:apic=" in k]
    # fault keys carry the machine (here its PlatformID): the same APIC ID on two hosts is two faults
    assert cpu_keys and {k.split(" | ")[0] for k in cpu_keys} == platforms
    assert set(d.groups["component"].labels) == {"CPU", "Memory"}


def test_fault_location_of_real_windows_records():
    def fault(name):
        from whea_gui.index.faults import record_fault
        return record_fault(decode_record((DWR / name).read_bytes()))

    # the maintainer's decode: LocalAPICId 13; the MCA section adds the bank
    assert fault("cper_cmci_amd_zen4_xpfmca_v4.bin") == ("cpu", "cpu:apic=13:bank=3",
                                                         {"cpu": "cpu:apic=13"})
    # an empty memory section first (no valid bits), then the processor sections
    assert fault("cper_mce_fatal_amd_xpfmca_v3.bin")[:2] == ("cpu", "cpu:apic=11:bank=0")
    assert fault("cper_memory_2sec_padded.bin") == ("memory", "memory:node=0/card=0",
                                                    {"dimm": "memory:node=0/card=0"})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 2000), min_size=0, max_size=150), st.integers(2, 8),
       st.integers(1, 120))
def test_storms_match_brute_force(offsets, min_count, window):
    t = np.array(sorted(offsets), dtype=np.int64)
    spans = []  # index ranges of every window holding at least min_count records
    for j in range(len(t)):
        k = j
        while k + 1 < len(t) and t[k + 1] - t[j] < window:
            k += 1
        if k - j + 1 >= min_count:
            spans.append([j, k])
    merged = []
    for j, k in spans:  # windows sharing a record are one storm
        if merged and j <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], k)
        else:
            merged.append([j, k])
    found = storms(t, min_count, window)
    assert [(s.first, s.first + s.count - 1) for s in found] == [tuple(m) for m in merged]
    assert all(s.start == t[s.first] and s.end == t[s.first + s.count - 1] for s in found)
    from whea_gui.index import rates
    whole, rates._STORM_BLOCK = rates._STORM_BLOCK, 7  # windows counted a few records at a time
    try:
        assert storms(t, min_count, window) == found
    finally:
        rates._STORM_BLOCK = whole


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4 * DAY), st.integers(0, 2), st.sampled_from([0, 1, 2])),
                min_size=1, max_size=80), st.integers(1, 6), st.integers(HOUR, 2 * DAY))
def test_crossings_match_brute_force(events, threshold, window):
    events.sort(key=lambda e: e[0])
    d = TimelineData(T0 + np.array([e[0] for e in events]), severity=[e[2] for e in events],
                     faults={"dimm": [f"d{e[1]}" for e in events]})
    got = [(c.label, c.time - T0) for c in d.crossings(ThresholdRule("r", "dimm", threshold, window))]
    expected = []
    for g in sorted({e[1] for e in events}):
        mine = [e[0] for e in events if e[1] == g and e[2] == CORRECTED]
        above = False
        for i, ti in enumerate(mine):
            count = sum(1 for tj in mine[:i + 1] if ti - window <= tj)
            if count >= threshold and not above:
                expected.append((f"d{g}", ti))
            above = count >= threshold
    assert sorted(got, key=lambda x: (x[1], x[0])) == sorted(expected, key=lambda x: (x[1], x[0]))


def test_empty_and_timeless_data():
    empty = TimelineData(np.zeros(0, np.int64))
    assert empty.span() is None and empty.histogram().counts.shape[0] >= 1
    assert empty.storms(2) == [] and empty.top_locations() == []
    assert empty.crossings(default_rules()[1]) == []  # no fault columns at all
    none = TimelineData([None, None], severity=[2, 2])
    assert none.timed == 0 and none.time_source_counts()["none"] == 2
    assert int(none.histogram().counts.sum()) == 0


# -- the columnar RecordTable -----------------------------------------------------------------
def _refs():
    from whea_gui.sources import iter_path
    paths = sorted(DWR.glob("*.bin")) + [VECTORS / "evtx" / "kernel_whea_operational_52events.evtx"]
    return [ref for p in paths for ref in iter_path(p)]


def test_record_table_gives_the_same_timeline_as_decoded_records():
    from whea_gui.index.analysis import from_record_table
    from whea_gui.index.table import RecordTable

    refs = _refs()
    table = RecordTable.from_records((r.data, r.source) for r in refs)
    decoded = [decode_record(r.data, source=r.source) for r in refs]
    a, b = from_record_table(table), from_decoded(decoded)
    assert a.n == b.n == 76  # 24 files' records, 47 WhLg entries and 5 Event ID 5 tables
    assert a.time_source_names() == b.time_source_names()
    assert a.time_source_counts() == {"none": 14, "record": 10, "event": 52}
    assert np.array_equal(a.times[a.time_source > 0], b.times[b.time_source > 0])
    for by in ("severity", "notify", "section", "source"):
        ha, hb = a.histogram(by=by, width=WEEK), b.histogram(by=by, width=WEEK)
        assert dict(zip(ha.labels, ha.counts.sum(0))) == dict(zip(hb.labels, hb.counts.sum(0))), by
    # the table never decodes bodies: fault columns come from decoded records when wanted
    assert a.top_locations() == []
    c = from_record_table(table, faults=fault_columns(decoded))
    assert c.top_locations(3) == b.top_locations(3)
    assert c.fault_summary() == b.fault_summary()


def test_fault_key_leaves_out_an_impossible_pci_function():
    """libcper's CXL media example gives function 0xF1 (> 7); the headline leaves it out as
    impossible, and the fault key must not present it as a place either (audit F7)."""
    from whea_gui.decode import decode_record
    from whea_gui.index.faults import location_key

    rec = decode_record((VECTORS / "libcper-examples" / "cxlcomponent-media.cper").read_bytes())
    sec = rec.sections[0]
    assert sec.location["function"] == 0xF1  # the location keeps the raw value (JSON shows it)
    key = location_key(sec.component, sec.location)
    assert key.startswith("cxl:0fad:9e:0f") and ".f1" not in key, key
    assert "0fad:9e:0f" in rec.summary and ".f1" not in rec.summary.lower()
    # a device above 31 stops the key at the bus, as the headline does
    assert location_key("pcie", {"segment": 0, "bus": 3, "device": 40, "function": 0}) == "pcie:0000:03"
    assert location_key("pcie", {"segment": 0, "bus": 3, "device": 4, "function": 2}) == "pcie:0000:03:04.2"
