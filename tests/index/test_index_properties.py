"""Property tests: the vectorised paths agree with the scalar decoder on arbitrary bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.core import guids
from whea_gui.decode import decode_record
from whea_gui.formats.timestamp import PLAUSIBLE_YEARS, decode_timestamp
from whea_gui.index import header as hdr
from whea_gui.index import timestamps as vts
from whea_gui.index.table import RecordTable

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
BASE = (VECTORS / "DecodeWheaRecord" / "cper_memory_2sec_padded.bin").read_bytes()

CREATORS = [("00000000-0000-0000-0000-000000000000", vts.CREATOR_OTHER),
            (sorted(guids.WINDOWS_CREATORS)[0], vts.CREATOR_WINDOWS),
            (guids.LINUX_PSTORE_CREATOR, vts.CREATOR_PSTORE)]

# date-like bytes (so many cases are real dates) mixed with arbitrary ones
date_byte = st.one_of(st.integers(0, 0x99), st.integers(0, 255))


def _scalar_epoch(raw: bytes, creator: str) -> int:
    ts = decode_timestamp(raw, creator)
    if ts.value is None or ts.value.year not in PLAUSIBLE_YEARS:
        return -1
    return int((ts.value - dt.datetime(1970, 1, 1)).total_seconds())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(date_byte, min_size=8, max_size=8), st.integers(0, 2)),
                min_size=1, max_size=12))
def test_vectorised_timestamps_equal_scalar_rule(cases):
    raw = np.array([c[0] for c in cases], dtype=np.uint8)
    classes = np.array([CREATORS[c[1]][1] for c in cases], dtype=np.int8)
    got = vts.decode_timestamps(raw, classes)
    expect = [_scalar_epoch(bytes(c[0]), CREATORS[c[1]][0]) for c in cases]
    assert list(got) == expect


def test_known_timestamp_encodings():
    windows = sorted(guids.WINDOWS_CREATORS)[0]
    # DWR issue #9 bytes: binary 2025-01-23 23:19:28 (0x1c is not BCD)
    raw = bytes.fromhex("1c13170017011914")
    assert _scalar_epoch(raw, windows) == int(vts.decode_timestamps(
        np.frombuffer(raw, np.uint8), np.array([vts.CREATOR_WINDOWS]))[0])
    # BCD for a firmware creator: 2019-12-31 23:59:58
    bcd = bytes([0x58, 0x59, 0x23, 0, 0x31, 0x12, 0x19, 0x20])
    got = vts.decode_timestamps(np.frombuffer(bcd, np.uint8), np.array([vts.CREATOR_OTHER]))[0]
    assert str(np.datetime64(int(got), "s")) == "2019-12-31T23:59:58"
    # 29 February only in leap years
    for year, ok in ((2024, True), (2023, False), (2000, True), (2100, False)):
        b = bytes([0, 0, 0, 0, 29, 2, year % 100, year // 100])
        v = vts.decode_timestamps(np.frombuffer(b, np.uint8), np.array([vts.CREATOR_WINDOWS]))[0]
        assert (v != -1) == ok, year


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)), max_size=12),
       st.integers(0, len(BASE)))
def test_mutated_headers_never_raise_and_structural_means_error(edits, cut):
    data = bytearray(BASE)
    for pos, value in edits:
        data[pos % 232] = value  # header and both descriptors
    data = bytes(data[:cut])
    table = RecordTable.from_records([(data, {})])
    assert len(table) == 1
    if table.kind[0] == hdr.KIND_CPER and table.problems[0] & hdr.STRUCTURAL:
        assert decode_record(data).has_errors()
    if table.kind[0] == hdr.KIND_CPER and len(data) >= 104:
        assert int(table.record_id[0]) == int.from_bytes(data[96:104], "little")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=8))
def test_random_buffers_and_offsets(buf, offsets):
    offsets = [o for o in offsets if o <= len(buf)]
    table = RecordTable.from_buffer(buf, offsets)
    assert len(table) == len(offsets)
    assert (table.length <= np.maximum(len(buf) - np.array(offsets, dtype=np.int64), 0)).all()
