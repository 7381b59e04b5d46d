"""RecordTable against independent oracles: libcper's JSON, DecodeWheaRecord's README values,
and this project's full decoder (decode_record) on the same bytes."""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from whea_gui.decode import decode_record, split_records
from whea_gui.index import header as hdr
from whea_gui.index.table import TIME_EVENT, TIME_NONE, TIME_RECORD, RecordTable, to_epoch

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"


def _iso(value: str | None) -> str | None:
    return value[:19] if value else None


def _pairs(paths):
    return [(p.read_bytes(), {"path": str(p), "offset": 0}) for p in paths]


def test_windows_records_match_readme_and_decoder():
    paths = sorted(DWR.glob("*.bin"))
    table = RecordTable.from_records(_pairs(paths))
    assert len(table) == len(paths)
    for i, path in enumerate(paths):
        row = table.row(i)
        rec = decode_record(path.read_bytes())
        assert row["path"] == str(path)
        if rec.kind != "cper":
            assert row["kind"] == "whlg" and row["timestamp"] is None
            continue
        h = rec.header
        assert row["record_id"] == h["record_id"]
        assert row["severity"] == h["severity"]
        assert row["timestamp"] == _iso(h["timestamp"])
        assert row["time_source"] == ("record" if h["timestamp"] else "none")
        assert row["notify_type"] == h["notify_type"]
        assert row["creator_id"] == h["creator_id"]
        assert row["section_types"] == [s.values["type"] for s in rec.sections]
        assert row["section_count"] == h["section_count"]
        assert row["length"] == len(rec.data)
        assert row["flags"] == h["flags"]
        assert row["problems"] == []
    # values quoted in vectors/DecodeWheaRecord/README.md (the maintainer's own decodes)
    by_name = {p.name: table.row(i) for i, p in enumerate(paths)}
    mce = by_name["cper_mce_fatal_amd_xpfmca_v3.bin"]
    assert mce["record_id"] == 133742532178400704
    assert mce["timestamp"] == "2024-10-24T14:20:20"
    assert mce["severity_name"] == "Fatal" and mce["notify_type_name"].startswith("MCE")
    intel = by_name["cper_cmci_intel_xpfmca_v4_memext.bin"]
    assert intel["record_id"] == 0x01DBEA259DBFA6D8
    assert intel["timestamp"] == "2025-07-01T02:01:34"
    assert len(intel["section_types"]) == 5
    storport = by_name["cper_devicedriver_storport_nullsection.bin"]
    assert storport["record_id"] == 133506556525740266
    assert storport["timestamp"] == "2024-01-25T21:08:17"  # binary: 0x11 is not read as BCD 11
    boot = by_name["cper_boot_rev0101_venhw_section.bin"]
    assert boot["timestamp"] is None and boot["time_source"] == "none"  # TimeStamp not valid


def _libcper_files():
    files = sorted((VECTORS / "libcper-generated").glob("*/*.cper"))
    files += sorted((VECTORS / "libcper-examples").glob("*.cper"))
    return [f for f in files if f.with_suffix(".json").exists() and f.parent.name != "single-section"]


def test_libcper_records_match_libcper_json():
    files = _libcper_files()
    assert len(files) > 500
    datas = [f.read_bytes() for f in files]
    # one buffer: the fast path (lengths: one file, nvidia_event_all_types, is cut short)
    buf = b"".join(datas)
    lengths = [len(d) for d in datas]
    offsets = np.cumsum([0] + lengths[:-1])
    table = RecordTable.from_buffer(buf, offsets, lengths, path="libcper")
    checked_time = 0
    for i, f in enumerate(files):
        oracle = json.loads(f.with_suffix(".json").read_text())
        h = oracle["header"]
        row = table.row(i)
        assert row["record_id"] == h["recordID"], f
        assert row["severity"] == min(h["severity"]["code"], 4), f
        assert row["section_count"] == h["sectionCount"], f
        assert row["length"] == min(h["recordLength"], len(datas[i])), f
        assert row["section_types"] == [d["sectionType"]["data"] for d in oracle["sectionDescriptors"]], f
        assert row["notify_type"] == h["notificationType"]["guid"], f
        ts = h.get("timestamp")
        if ts and 1990 <= int(ts[:4]) <= 2100 and datas[i][16] & 2:
            assert row["timestamp"] == ts[:19], f
            checked_time += 1
        elif ts and not 1990 <= int(ts[:4]) <= 2100:
            assert row["timestamp"] is None, f  # implausible years never reach a timeline
    assert checked_time >= 1  # nvidia_cmet_info: a BCD time libcper decodes to 2025-03-21


def test_structural_problems_are_decoder_errors():
    paths = sorted((VECTORS / "malformed").glob("*.cper")) + sorted(DWR.glob("cper_*.bin"))
    datas = [p.read_bytes() for p in paths]
    table = RecordTable.from_records((d, {}) for d in datas)
    for i, data in enumerate(datas):
        if table.problems[i] & hdr.STRUCTURAL and table.kind[i] == hdr.KIND_CPER:
            assert decode_record(data).has_errors(), paths[i].name
    names = {p.name: i for i, p in enumerate(paths)}
    assert table.problems[names["m09-bad-signature-end.cper"]] & hdr.BAD_SIGNATURE_END
    assert table.problems[names["m07-truncated-by-1.cper"]] & hdr.TRUNCATED
    assert table.problems[names["m16-section-count-0.cper"]] & hdr.NO_SECTIONS
    assert table.kind[names["m01-empty.cper"]] == hdr.KIND_UNKNOWN


def test_event_time_fills_in_for_missing_record_time():
    whlg = (DWR / "whlg_cmci_restart.bin").read_bytes()
    boot = (DWR / "cper_boot_rev0101_venhw_section.bin").read_bytes()
    mce = (DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    when = dt.datetime(2024, 11, 9, 9, 55, 33, tzinfo=dt.UTC)
    table = RecordTable.from_records([
        (whlg, {"time_created": when}),
        (boot, {"time_created": "2024-11-09T09:55:33.65Z"}),
        (mce, {"time_created": when}),  # has its own time: the record's wins
        (boot, {}),
    ])
    assert list(table.time_source) == [TIME_EVENT, TIME_EVENT, TIME_RECORD, TIME_NONE]
    assert table.row(0)["timestamp"] == table.row(1)["timestamp"] == "2024-11-09T09:55:33"
    assert table.row(2)["timestamp"] == "2024-10-24T14:20:20"
    assert table.row(2)["event_time"] == "2024-11-09T09:55:33"
    assert np.isnat(table.times()[3])


def test_from_buffer_without_lengths_equals_from_records():
    raw = (VECTORS / "malformed" / "m23-two-records-concatenated.cper").read_bytes()
    extra = b"".join(p.read_bytes() for p in sorted(DWR.glob("*.bin")))
    buf = raw + extra
    spans = list(split_records(buf))
    a = RecordTable.from_buffer(buf, [o for o, _ in spans])
    b = RecordTable.from_records((buf[o:o + n], {"offset": o}) for o, n in spans)
    assert len(a) == len(b) == len(spans)
    for i in range(len(a)):
        ra, rb = a.row(i), b.row(i)
        assert ra == rb


def test_chunked_indexing_equals_single_chunk(monkeypatch):
    datas = [p.read_bytes() for p in sorted(DWR.glob("*.bin"))] * 7
    whole = RecordTable.from_records((d, {}) for d in datas)
    monkeypatch.setattr(hdr, "CHUNK", 5)
    chunked = RecordTable.from_records((d, {}) for d in datas)
    assert [whole.row(i) for i in range(len(whole))] == [chunked.row(i) for i in range(len(chunked))]


def test_guid_hash_collisions_are_resolved():
    mix, mask = int(hdr._MIX), (1 << 64) - 1
    lo1, hi1, lo2 = 12345, 999, 54321
    hi2 = ((lo1 * mix & mask) ^ hi1) ^ (lo2 * mix & mask)  # same hash key, different GUID
    lo = np.array([lo1, lo2, lo1, lo2], dtype=np.uint64)
    hi = np.array([hi1, hi2, hi1, hi2], dtype=np.uint64)
    codes, first = hdr._unique_pairs(lo, hi)
    assert codes[0] == codes[2] != codes[1] == codes[3]
    assert sorted(first) == [0, 1]


def _table_from_dwr():
    paths = sorted(DWR.glob("*.bin"))
    pairs = _pairs(paths)
    for i, (_, src) in enumerate(pairs):
        src["host"] = "alpha" if i % 2 else "beta"
        src["time_created"] = 1_700_000_000 + i
    return RecordTable.from_records(pairs)


def test_filters_agree_with_row_by_row_selection():
    t = _table_from_dwr()
    rows = [t.row(i) for i in range(len(t))]

    def brute(pred):
        return [i for i, r in enumerate(rows) if pred(r)]

    assert list(t.filter(severity=["fatal"])) == brute(lambda r: r["severity"] == 1)
    assert list(t.filter(severity=[2, 3])) == brute(lambda r: r["severity"] in (2, 3))
    xpf = "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8"
    assert list(t.filter(types=[xpf])) == brute(lambda r: xpf in r["section_types"])
    assert list(t.filter(types=["Platform Memory"])) == brute(
        lambda r: "a5bc1114-6f64-4ede-b863-3e83ed7c83b1" in r["section_types"])
    start, end = "2024-06-01", dt.datetime(2025, 6, 1)
    assert list(t.filter(start=start, end=end)) == brute(
        lambda r: r["timestamp"] is not None and "2024-06-01" <= r["timestamp"] < "2025-06-01")
    assert list(t.filter(text="cmci")) == brute(
        lambda r: "CMCI" in (r["notify_type_name"] or "") or "cmci" in r["path"])
    assert list(t.filter(text="0x01DBEA259DBFA6D8")) == brute(lambda r: r["record_id"] == 0x01DBEA259DBFA6D8)
    assert list(t.filter(source="alpha")) == brute(lambda r: r["host"] == "alpha")
    assert list(t.filter(kinds=["whlg"], source="beta")) == brute(
        lambda r: r["kind"] == "whlg" and r["host"] == "beta")
    assert len(t.filter(text="cmci", severity=["fatal"])) == 0


def test_sort_take_and_concat():
    t = _table_from_dwr()
    order = t.argsort("timestamp")
    times = t.timestamp[order]
    present = times[times >= 0]
    assert (np.diff(present) >= 0).all()
    assert (times[len(present):] == -1).all()  # missing times sort last
    desc = t.sorted("timestamp", descending=True).timestamp
    assert (np.diff(desc[desc >= 0]) <= 0).all()
    a, b = t.take(np.arange(0, len(t), 2)), t.take(np.arange(1, len(t), 2))
    b.strings = list(reversed(b.strings))  # different code spaces must be remapped
    remap = {i: len(b.strings) - 1 - i for i in range(len(b.strings))}
    for col in ("notify", "creator", "path", "host"):
        b.columns[col] = np.array([remap.get(int(c), -1) if c >= 0 else -1 for c in b.columns[col]],
                                  dtype=np.int32)
    both = RecordTable.concat([a, b])
    expect = [t.row(i) for i in range(0, len(t), 2)] + [t.row(i) for i in range(1, len(t), 2)]
    assert [both.row(i) for i in range(len(both))] == expect
    assert len(RecordTable.concat([])) == 0


def test_to_epoch_forms():
    assert to_epoch("1970-01-02T00:00:00Z") == 86400
    assert to_epoch(dt.datetime(1970, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == 0
    assert to_epoch(np.datetime64("1970-01-01T00:01:00")) == 60
    assert to_epoch(5) == 5
    assert to_epoch("not a time") == -1 and to_epoch(None) == -1


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_tables(count):
    data = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    t = RecordTable.from_records([(data, {})] * count)
    assert len(t) == count
    assert len(t.filter(text="memory")) == count


def test_short_and_odd_buffers_never_raise():
    rec = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    for cut in (0, 3, 4, 20, 64, 100, 127, 128, 200, 230, len(rec) - 1):
        t = RecordTable.from_records([(rec[:cut], {})])
        assert len(t) == 1
        if cut >= 128:
            assert t.problems[0] & hdr.TRUNCATED
    big = bytearray(rec)
    struct.pack_into("<H", big, 10, 65535)  # SectionCount far beyond the bytes present
    t = RecordTable.from_records([(bytes(big), {})])
    assert t.problems[0] & hdr.TYPES_TRUNCATED
    assert t.section_count[0] == 65535
