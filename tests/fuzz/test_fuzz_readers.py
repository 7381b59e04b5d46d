"""Fuzzing the structured readers (Redfish, event XML, wevtutil output, .evtx, BERT/GESB,
efivarfs, pstore) with seeded mutators over inputs built around the shared vectors.

Each case runs under a deadline (SIGALRM) and tracemalloc: an exception escaping the reader, a
time-out, a traced peak over the bound, or output breaking the reader contract (problems
naming the file with an offset inside it, JSON-serialisable provenance) fails the test. A
sample goes through ``python -m whea_gui.cli decode`` to check exit codes end to end, and a
good record beside a bad one must come out with its exact bytes. ``benchmarks/fuzz_soak.py``
runs the same cases longer.
"""

from __future__ import annotations

import json
import os
import random
import re
import struct
import subprocess
import sys
from pathlib import Path

import fuzzlib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whea_gui.sources import eventxml, iter_bytes, iter_path, redfish
from whea_gui.sources.winevent import checked_int, parse_time

REPO = Path(__file__).resolve().parents[2]
# cases per reader in CI: about 3,000 in all (benchmarks/fuzz_soak.py --cases N for more)
CASES = {"redfish": 500, "eventxml": 300, "live": 100, "evtx": 120, "gesb": 900, "efivar": 400,
         "pstore": 400, "erst": 300, "uefi_varstore": 300}


@pytest.fixture(scope="module")
def corpus() -> fuzzlib.Corpus:
    return fuzzlib.Corpus()


def _no_internal(problems) -> None:
    """Readers that catch errors must not have hidden a crash of their own behind a problem."""
    for p in problems:
        assert not re.search(r"\b(Traceback|AttributeError|TypeError|KeyError|IndexError|struct\.error)\b",
                             p.message), p


@pytest.mark.parametrize("reader", fuzzlib.READERS)
def test_mutated_inputs_never_break_the_reader_contract(reader, corpus):
    tried, failures = fuzzlib.fuzz(reader, CASES[reader], seed=2026, corpus=corpus)
    assert tried == CASES[reader]
    assert not failures, f"{len(failures)} of {tried} cases failed, e.g. " + "; ".join(
        f"case {n}: {f}" for n, f in failures[:5])


def test_the_check_catches_what_it_is_for():
    """The harness itself: an escaping exception, a time-out and a memory blow-up each fail."""
    def raises(data, path, sink):
        raise ValueError("boom")
        yield

    def hangs(data, path, sink):
        while True:
            pass
        yield

    def hoards(data, path, sink):
        keep = [bytes(1 << 20) for _ in range(64)]
        yield from ()
        del keep

    assert fuzzlib.check_case(raises, b"x")[0] == "ValueError: boom"
    assert fuzzlib.check_case(hangs, b"x", seconds=0.3)[0].startswith("timeout")
    assert fuzzlib.check_case(hoards, b"x")[0].startswith("memory")


def test_ten_thousand_unclosed_event_tags_are_read_in_linear_time():
    """690 KB of unclosed ``<Event`` tags took 28 s (a quadratic regex scan); the good event
    after them must come out well inside the per-case deadline."""
    record = fuzzlib.dwr_records()[0]
    text = fuzzlib.unclosed_events(10_000) + fuzzlib.wevtutil_event(record, rid=77) + "</Events>"
    data = text.encode()
    assert len(data) > 690_000
    failure, refs, problems = fuzzlib.check_case(eventxml.read_bytes, data, "unclosed.xml")
    assert failure is None, failure
    assert [(r.source["event_record_id"], r.data) for r in refs] == [(77, record)]
    unclosed = [p for p in problems if "no closing </Event>" in p.message]
    assert len(unclosed) == eventxml.MAX_EVENT_PROBLEMS and unclosed[0].offset == len("<Events>")
    assert any("more events are unclosed" in p.message and "9950" in p.message for p in problems)


# -- a good record beside a bad one ------------------------------------------------------------
def test_redfish_good_entry_beside_a_hostile_one(corpus):
    for n in range(60):
        rng = random.Random(f"redfish-pair:{n}")
        record = rng.choice(corpus.cper)
        good = fuzzlib.redfish_entry("good", record)
        bad = fuzzlib.redfish_entry("bad", rng.choice(corpus.cper))
        key = rng.choice([k for k in fuzzlib.REDFISH_KEYS if k != "Members"])
        bad[key] = "__HOSTILE__"
        members = [bad, good] if rng.random() < 0.5 else [good, bad]
        hostile = rng.choice(fuzzlib.HOSTILE_JSON)
        if rng.random() < 0.5:
            text = json.dumps({"Members": members})
        else:  # JSON Lines
            text = "\n".join(json.dumps(m) for m in members)
        text = text.replace('"__HOSTILE__"', hostile)
        failure, refs, problems = fuzzlib.check_case(redfish.read_bytes, text.encode(), "pair.json")
        assert failure is None, (n, failure)
        assert [r.data for r in refs if r.source["entry_id"] == "good"] == [record], (n, key, hostile[:20])
        _no_internal(problems)


def test_event_xml_good_event_between_hostile_ones(corpus):
    for n in range(60):
        rng = random.Random(f"xml-pair:{n}")
        record = rng.choice(corpus.records)
        good = fuzzlib.wevtutil_event(record, rid=424242)
        bads = []
        for i in range(2):
            bad = fuzzlib.hostile_event_xml(rng, corpus.records, corpus.xml_events)
            bads.append(re.sub(r"</?Events>", "", bad).replace("<EventRecordID>", f"<EventRecordID>{i}"))
        text = f"<Events>{bads[0]}\r\n{good}\r\n{bads[1]}</Events>"
        data = text.encode("utf-8", "surrogatepass")
        failure, refs, problems = fuzzlib.check_case(eventxml.read_bytes, data, "pair.xml")
        assert failure is None, (n, failure)
        # (a hostile event cut short by a stray "</Event>" leaves its RawData outside every
        # event: read then as hex text, with no event id: F7-6)
        got = [r for r in refs if r.source.get("event_record_id") == 424242]
        assert [r.data for r in got] == [record], n
        assert data[got[0].source["offset"]:got[0].source["offset"] + 6] == b"<Event"
        _no_internal(problems)


def test_evtx_damage_in_one_chunk_keeps_every_event_of_the_others(corpus):
    pristine = list(iter_bytes(corpus.evtx, "log.evtx"))
    assert len(pristine) == 52  # 47 WhLg entries and 5 Event ID 5 error-source tables
    for n in range(40):
        rng = random.Random(f"evtx-pair:{n}")
        chunk = rng.randrange(3)
        start = 4096 + 65536 * chunk
        stop = min(len(corpus.evtx), start + 65536)
        data = fuzzlib.mutate_bytes(rng, corpus.evtx, ops=rng.randint(1, 30), start=start, stop=stop)
        data = data[:len(corpus.evtx)] if len(data) > len(corpus.evtx) else data
        failure, refs, problems = fuzzlib.check_case(lambda d, p, s: iter_bytes(d, p, s), data, "log.evtx")
        assert failure is None, (n, failure)
        got = {(r.source["event_record_id"], r.data) for r in refs}
        for ref in pristine:
            if not start <= ref.source["offset"] < stop:
                assert (ref.source["event_record_id"], ref.data) in got, (n, chunk, ref.source)
        out_ids = {r.source["event_record_id"] for r in refs}
        out_offsets = {r.source["offset"] for r in refs}
        for ref in pristine:  # an event that did not come out is named by record id or place
            rid = ref.source["event_record_id"]
            if rid in out_ids or ref.source["offset"] in out_offsets:
                continue
            assert any(_names_record(p.message, rid) or (p.level != "note" and p.offset is not None
                                                         and start <= p.offset < stop)
                       for p in problems), (n, rid, [str(p) for p in problems])
        _no_internal(problems)


def _names_record(message: str, rid: int) -> bool:
    """``event record 42 (…)`` or ``event record(s) 6–25, 30 could not be read``."""
    m = re.search(r"event record(?:\(s\))? ([0-9–, ]+)", message)
    if not m:
        return False
    for part in m.group(1).split(","):
        bounds = [int(x) for x in part.strip().split("–") if x.strip().isdigit()]
        if bounds and bounds[0] <= rid <= bounds[-1]:
            return True
    return False


def test_status_block_good_beside_a_bad_one(corpus):
    from whea_gui.sources import acpi
    for n in range(150):
        rng = random.Random(f"gesb-pair:{n}")
        good, other = rng.choice(corpus.blocks), rng.choice(corpus.blocks)
        if rng.random() < 0.5:  # good first, anything after it
            region = good + fuzzlib.mutate_bytes(rng, other)
            want_at = 0
        else:  # a block garbled past its header (its length intact), then the good one
            bad = fuzzlib.mutate_bytes(rng, other, start=20, stop=len(other))[:len(other)]
            bad = bad.ljust(len(other), b"\0")
            region = bad + good
            want_at = len(bad)
        failure, refs, problems = fuzzlib.check_case(acpi.read_bytes, region, "region.bin")
        assert failure is None, (n, failure)
        assert [r.data for r in refs if r.source["offset"] == want_at] == [good], n
        _no_internal(problems)


def test_efivar_and_pstore_files_beside_damaged_ones(tmp_path, corpus):
    rng = random.Random("files-pair")
    record = corpus.cper[3]
    guid = "414e6bdd-e47b-47cc-b244-bb61020cf516"
    (tmp_path / f"HwErrRec0001-{guid}").write_bytes(struct.pack("<I", 0xF) + record)
    for i in range(2, 12):
        damaged = fuzzlib.mutate_bytes(rng, struct.pack("<I", 0xF) + rng.choice(corpus.cper))
        (tmp_path / f"HwErrRec{i:04X}-{guid}").write_bytes(damaged)
    (tmp_path / "dmesg-erst-1").write_bytes(fuzzlib.mutate_bytes(rng, b"Panic#3 Part1\n<0>MCE\n" * 4))
    problems = []
    refs = list(iter_path(tmp_path, problems.append))
    got = [r for r in refs if r.source["path"].endswith("HwErrRec0001-" + guid)]
    assert [r.data for r in got] == [record] and got[0].source["kind"] == "efivar"
    _no_internal(problems)


# -- end to end: the CLI ------------------------------------------------------------------------
def test_cli_exit_codes_on_mutated_files(tmp_path, corpus):
    """A sample of each reader's cases through ``whea decode``: exit 0, 1 or 2 and never a
    traceback (an uncaught exception also exits 1, so stderr is checked too)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for reader in fuzzlib.READERS:
        make = fuzzlib.case_maker(reader, corpus)
        paths = []
        for n in range(5):
            data = make(random.Random(f"cli:{reader}:{n}"))
            path = tmp_path / f"{reader}-{n}.bin"
            path.write_bytes(data)
            paths.append(str(path))
        proc = subprocess.run([sys.executable, "-m", "whea_gui.cli", "decode", "--json", *paths],
                              capture_output=True, env=env, cwd=tmp_path, timeout=120)
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode in (0, 1, 2), (reader, proc.returncode, err[-2000:])
        assert "Traceback" not in err, (reader, err[-3000:])
        decoded = {json.loads(line)["source"].get("path") for line in proc.stdout.splitlines()}
        for p in paths:  # every file was reached (a crash would stop the run early)
            assert p in err or p in decoded, (reader, p)


# -- hypothesis: the value checks ---------------------------------------------------------------
_digits = st.text("0123456789", min_size=1, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.builds(
    lambda y, mo, d, h, mi, s, frac, zone: f"{y}-{mo}-{d}T{h}:{mi}:{s}{frac}{zone}",
    st.text("0123456789", min_size=4, max_size=4), st.text("0123456789", min_size=2, max_size=2),
    st.text("0123456789", min_size=2, max_size=2), st.text("0123456789", min_size=2, max_size=2),
    st.text("0123456789", min_size=2, max_size=2), st.text("0123456789", min_size=2, max_size=2),
    st.one_of(st.just(""), _digits.map(lambda d: "." + d)),
    st.one_of(st.just("Z"), st.just(""), st.builds(lambda s, h, m: f"{s}{h}:{m}", st.sampled_from("+-"),
                                                    st.text("0123456789", min_size=2, max_size=2),
                                                    st.text("0123456789", min_size=2, max_size=2))))))
def test_any_system_time_is_normalised_or_kept_with_an_issue(text):
    value, issue = parse_time(text)
    if issue is None:
        assert value is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", value)
    else:
        assert isinstance(issue, str) and "kept as text" in issue
        assert value[:50] == text[:50]  # the raw text, clipped only when very long


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_number_text_is_a_value_in_range_or_an_issue(text):
    issues = []
    value = checked_int(text, "EventID", 0xFFFF, issues)
    assert (value is None) == bool(issues) or not text.strip()
    if value is not None:
        assert 0 <= value <= 0xFFFF


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=3), max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(fuzzlib.REDFISH_KEYS + ["Links", "Links"]), value=_json)
def test_any_json_value_in_a_log_entry_keeps_the_good_entry(key, value):
    record = fuzzlib.dwr_records()[1]
    bad = fuzzlib.redfish_entry("bad", record)
    if key == "Links" and isinstance(value, dict):
        bad["Links"] = {"OriginOfCondition": value}
    else:
        bad[key] = value
    text = json.dumps({"Members": [bad, fuzzlib.redfish_entry("good", record)]})
    failure, refs, problems = fuzzlib.check_case(redfish.read_bytes, text.encode(), "h.json", memory=False)
    assert failure is None, failure
    assert [r.data for r in refs if r.source["entry_id"] == "good"] == [record]
    _no_internal(problems)


def test_the_deadline_gives_an_outer_alarm_back():
    import signal
    signal.setitimer(signal.ITIMER_REAL, 0)
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 100)
        with fuzzlib.deadline(1):
            pass
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 98 < left <= 100 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
