"""Error Recovery Information sections of every size a writer produced (FORMAT.md §8.10, §8.2)."""

from __future__ import annotations

import struct

import pytest

try:
    from _ms_build import DWR, build_record
except ImportError:  # pragma: no cover
    from tests.sections._ms_build import DWR, build_record

from whea_gui.decode.record import decode_record

RECOVERY = "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc"
ZEN4 = DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin"
RECORD_LENGTH_AT = 20
DESCRIPTOR_AT = 128
DESCRIPTOR_SIZE = 72


def _no_swallowed(rec) -> None:
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]


def _shrink_last_section(data: bytes, drop: int) -> bytes:
    """The Zen 4 record with its last section (recovery info, 39 bytes) cut by ``drop`` bytes and
    every length (record length, section length) made consistent, as a real writer would."""
    count = struct.unpack_from("<H", data, 10)[0]
    desc = DESCRIPTOR_AT + (count - 1) * DESCRIPTOR_SIZE
    off, length = struct.unpack_from("<II", data, desc)
    assert off + length == len(data)
    out = bytearray(data[:len(data) - drop])
    struct.pack_into("<I", out, RECORD_LENGTH_AT, len(out))
    struct.pack_into("<I", out, desc + 4, length - drop)
    return bytes(out)


def test_real_shaped_38_byte_section_is_a_layout_not_an_error():
    src = ZEN4.read_bytes()
    assert src[-1] == 0  # the dropped byte is the last byte of an empty ProcessName
    rec = decode_record(_shrink_last_section(src, 1))
    _no_swallowed(rec)
    sec = rec.sections[3]
    assert sec.type_guid == RECOVERY and sec.values["length"] == 38
    assert not [f for f in rec.findings if f.level == "error"], rec.findings
    [note] = [f for f in rec.findings if f.code == "recovery-info-layout"]
    assert note.level == "note" and "38-byte" in note.message and note.offset == 2024
    f = sec.fields
    assert f["layout"] == "windows10-2019" and f["layout_size"] == 38
    # same bytes as the 39-byte original: action 0x01 at +1, IRQL 0xFF at +13
    assert f["recovery_action_names"] == ["none_attempted"] and f["irql"] == 0xFF
    name = sec.body.find("process_name")
    assert (name.offset, name.length) == (2024 + 19, 19)
    # the original 39-byte record: no layout note, current layout
    orig = decode_record(src)
    assert orig.sections[3].fields["layout"] == "wdk-10.0.26100"
    assert not [x for x in orig.findings if x.code == "recovery-info-layout"]


def test_35_byte_layout_with_32_bit_action():
    body = (b"\x01" + struct.pack("<I", 0b1010) + struct.pack("<I", 1) + b"\x02\x01"
            + struct.pack("<I", 0) + b"notepad.exe".ljust(20, b"\0"))
    assert len(body) == 35
    rec = decode_record(build_record([(RECOVERY, body)]))
    _no_swallowed(rec)
    sec = rec.sections[0]
    assert not [f for f in rec.findings if f.level in ("error", "warning")], rec.findings
    assert [f.code for f in rec.findings] == ["recovery-info-layout"]
    f = sec.fields
    assert f["layout_size"] == 35 and f["recovery_action_names"] == ["terminate_process", "mark_page_bad"]
    assert f["recovery_type_name"] == "ActionRequired" and f["irql"] == 2
    assert f["recovery_succeeded"] is True and f["process_name"] == "notepad.exe"
    base = sec.values["offset"]
    assert sec.body.find("recovery_type").offset == base + 5
    assert sec.body.find("process_name").offset == base + 15


@pytest.mark.parametrize("size", [1, 10, 20, 34, 36, 37])
def test_malformed_sizes_are_errors(size):
    body = (b"\x00" + struct.pack("<Q", 1) + bytes(30))[:size]
    rec = decode_record(build_record([(RECOVERY, body)]))
    _no_swallowed(rec)
    assert any(f.level == "error" and f.code == "section-too-small" for f in rec.findings)


def test_record_truncated_inside_a_38_byte_section_is_reported():
    data = _shrink_last_section(ZEN4.read_bytes(), 1)
    for cut in range(1, 38):
        rec = decode_record(data[:len(data) - cut])
        _no_swallowed(rec)
        assert any(f.level == "error" for f in rec.findings)


def test_values_that_do_not_fit_the_layout_are_flagged():
    # a 39-byte body decoded as the current layout, with a type and reason no writer produces
    body = b"\x07" + struct.pack("<Q", 1 << 40) + struct.pack("<I", 9) + b"\x40\x01" \
        + struct.pack("<I", 99) + bytes(20)
    rec = decode_record(build_record([(RECOVERY, body)]))
    _no_swallowed(rec)
    codes = [f.code for f in rec.findings if f.level == "warning"]
    assert codes.count("recovery-info-value") == 4 and "reserved" in codes
