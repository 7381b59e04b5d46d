"""Timestamps whose century byte is an ordinal century (21 for 2000-2099; audit 2, M6/L7).

Project Mu firmware writes BCD with ``Century = BCD((Year / 100 + 1) % 100)`` (mu_plus
MsWheaPkg MsWheaReportHER.c); Windows revision 1.1 BOOT records write binary with century 21
(FORMAT.md §13 sample B: DecodeWheaRecord issue #5, posted 2024-05-30, holds 2024-05-30). The
date is accepted when the UEFI reading is implausible and the ordinal one is not, and the tree
and a note say which convention was assumed; an impossible date is still reported."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tests.vectorlib import VECTORS
from whea_gui.compose.layout import assemble, make_header
from whea_gui.decode.record import decode_record
from whea_gui.formats.timestamp import decode_timestamp
from whea_gui.index import timestamps as vts

BOOT_REV0101 = VECTORS / "DecodeWheaRecord" / "cper_boot_rev0101_venhw_section.bin"
FIRMWARE_CREATOR = "8efebc4a-5222-409c-a59f-6f06ddb79678"  # not a Windows creator: BCD is tried
WINDOWS_CREATOR = "cf07c4bd-b789-4e18-b3c4-1f732cb57131"


def _bcd(n: int) -> int:
    return (n // 10) << 4 | n % 10


def _mu_bytes(t: dt.datetime, precise: bool = True) -> bytes:
    """The eight bytes as mu_plus writes them (BCD, ordinal century)."""
    return bytes((_bcd(t.second), _bcd(t.minute), _bcd(t.hour), int(precise), _bcd(t.day),
                  _bcd(t.month), _bcd(t.year % 100), _bcd((t.year // 100 + 1) % 100)))


def _with_timestamp(raw: bytes, creator: str, valid: bool = True) -> bytes:
    data = bytearray(assemble(make_header(creator=creator, severity=1), []))
    data[24:32] = raw
    data[16] = data[16] & ~2 | (2 if valid else 0)
    return bytes(data)


def _epoch(raw: bytes, creator_class: int) -> int:
    return int(vts.decode_timestamps(np.frombuffer(raw, np.uint8), np.array([creator_class]))[0])


def test_project_mu_bcd_ordinal_century_is_read_and_said():
    when = dt.datetime(2026, 7, 6, 16, 54, 31)
    raw = _mu_bytes(when)
    assert raw.hex() == "3154160106072621"
    ts = decode_timestamp(raw, FIRMWARE_CREATOR)
    assert ts.value == when and ts.encoding == "bcd" and ts.convention == "ordinal century"
    rec = decode_record(_with_timestamp(raw, FIRMWARE_CREATOR))
    assert rec.header["timestamp"] == "2026-07-06T16:54:31"
    assert rec.root.find("header.timestamp").display == "2026-07-06 16:54:31 (bcd, ordinal century, precise)"
    notes = [f for f in rec.findings if f.code == "timestamp-century"]
    assert len(notes) == 1 and notes[0].level == "note" and (notes[0].offset, notes[0].length) == (24, 8)
    assert "0x21 (21) is read as an ordinal century" in notes[0].message
    assert "read as UEFI says, the year would be 2126" in notes[0].message
    assert not any(f.code == "timestamp" for f in rec.findings)
    assert _epoch(raw, vts.CREATOR_OTHER) == int((when - dt.datetime(1970, 1, 1)).total_seconds())


def test_uefi_century_is_read_as_before_with_no_note():
    when = dt.datetime(2026, 7, 6, 16, 54, 31)
    raw = _mu_bytes(when)[:7] + bytes((0x20,))  # UEFI: century 20
    ts = decode_timestamp(raw, FIRMWARE_CREATOR)
    assert ts.value == when and ts.convention == "" and ts.note == ""
    rec = decode_record(_with_timestamp(raw, FIRMWARE_CREATOR))
    assert not any(f.code == "timestamp-century" for f in rec.findings)
    assert "ordinal" not in rec.root.find("header.timestamp").display


def test_windows_boot_record_binary_ordinal_century():
    data = BOOT_REV0101.read_bytes()
    assert data[24:32].hex() == "2b2a08001e051815"
    rec = decode_record(data)
    node = rec.root.find("header.timestamp")
    assert node.display == "(not valid) 2024-05-30 08:42:43 (binary, ordinal century, imprecise)"
    assert rec.header["timestamp"] is None  # not marked valid: not a time of the record
    assert not any(f.code.startswith("timestamp") for f in rec.findings)
    marked = decode_record(data[:16] + bytes((data[16] | 2,)) + data[17:])
    assert marked.header["timestamp"] == "2024-05-30T08:42:43"
    assert [f.code for f in marked.findings if f.code.startswith("timestamp")] == ["timestamp-century"]
    # the same rule from a Windows creator (binary only) and in the record table
    assert decode_timestamp(data[24:32], WINDOWS_CREATOR).value == dt.datetime(2024, 5, 30, 8, 42, 43)
    for cls in (vts.CREATOR_WINDOWS, vts.CREATOR_OTHER):
        assert _epoch(data[24:32], cls) == int((dt.datetime(2024, 5, 30, 8, 42, 43)
                                                 - dt.datetime(1970, 1, 1)).total_seconds())


def test_impossible_dates_are_still_reported():
    for raw, creator in ((bytes.fromhex("3154160106132621"), FIRMWARE_CREATOR),  # month 13
                         (bytes.fromhex("3154160106072621"), WINDOWS_CREATOR),  # minute 0x54 = 84
                         (bytes.fromhex("000000000101ff63"), WINDOWS_CREATOR),  # year 99xx
                         # 2100-02-29: a plausible year, an impossible day; never 2000-02-29
                         (bytes.fromhex("000000001d020015"), WINDOWS_CREATOR)):
        ts = decode_timestamp(raw, creator)
        assert ts.convention == "" and ts.problem, raw.hex()
        rec = decode_record(_with_timestamp(raw, creator))
        assert any(f.code == "timestamp" and f.level == "warning" for f in rec.findings)
        assert not any(f.code == "timestamp-century" for f in rec.findings)
        assert _epoch(raw, vts.CREATOR_WINDOWS if creator == WINDOWS_CREATOR else vts.CREATOR_OTHER) == vts.MISSING


def test_all_digit_bytes_no_reading_makes_plausible_are_told_in_bcd():
    # audit 3, N7: a Mu record whose century byte is 0x99 or 0x19 (minute byte 0x54). No reading
    # is plausible; the bytes are decimal digits as UEFI writes them, so the problem is told in
    # BCD (9926 / 1926, minute 54), not in a binary reading with minute 84
    when = dt.datetime(2026, 7, 6, 16, 54, 31)
    for century, year in ((0x99, 9926), (0x19, 1926)):
        raw = _mu_bytes(when)[:7] + bytes((century,))
        ts = decode_timestamp(raw, FIRMWARE_CREATOR)
        assert (ts.encoding, ts.value, ts.problem) == ("bcd", when.replace(year=year), f"implausible year {year}")
        rec = decode_record(_with_timestamp(raw, FIRMWARE_CREATOR))
        assert [f.message for f in rec.findings if f.code == "timestamp"] == \
            [f"Timestamp looks wrong: implausible year {year}"]
        assert "84" not in rec.root.find("header.timestamp").display
    # a Windows creator's bytes are binary: the same bytes are still read that way
    raw = _mu_bytes(when)[:7] + b"\x99"
    assert decode_timestamp(raw, WINDOWS_CREATOR).encoding == "binary"


def test_libcper_vectors_timestamps_read_as_libcper_reads_them():
    # libcper's generator writes random all-digit BCD dates (years 0222-9999): both decoders read
    # them as BCD; ours adds that the year is implausible
    import json
    compared = 0
    for path in sorted((VECTORS / "libcper-examples").glob("*.cper")):
        expected = json.loads(path.with_suffix(".json").read_text())["header"].get("timestamp")
        rec = decode_record(path.read_bytes())
        if expected and not expected.startswith("0000"):
            assert rec.header["timestamp"] == expected.removesuffix("+00:00"), path.name
            compared += 1
    assert compared >= 15
