"""ERST backing files against QEMU's real acpi-erst device (qtest protocol, no guest): what QEMU
writes we read byte for byte, what we write QEMU reads back with the same bytes and ids, the
headers QEMU refuses we flag as errors, and a record QEMU cleared we offer as recoverable."""

from __future__ import annotations

import struct

import pytest
from qemu_erst import start_refused

from whea_gui.decode import decode_record
from whea_gui.formats import erst_container as ec
from whea_gui.sources.registry import iter_file
from whea_gui.store import open_store
from whea_gui.store.erst import ErstStore, create_file, format_header
from whea_gui.store.results import StoreDamaged
from whea_gui.store.status import (
    STATUS_INSUFFICIENT_RESOURCES,
    STATUS_INVALID_PARAMETER,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
)

SUCCESS, NOT_ENOUGH_SPACE, FAILED, STORE_EMPTY, NOT_FOUND = 0, 1, 3, 4, 5
INVALID_HEADER = "ERST backend storage header is invalid"


def rid(data: bytes) -> int:
    return struct.unpack_from("<Q", data, 96)[0]


def with_id(data: bytes, record_id: int) -> bytes:
    out = bytearray(data)
    struct.pack_into("<Q", out, 96, record_id)
    return bytes(out)


def blank(tmp_path, name="erst.bin", size=256 * 1024):
    path = tmp_path / name
    path.write_bytes(bytes(size))  # QEMU formats an all-zero file when it starts
    return path


def test_records_qemu_writes_are_read_byte_for_byte(tmp_path, erst_device, real_records):
    path = blank(tmp_path)
    dev = erst_device(path)
    assert dev.slot_size == ec.DEFAULT_SLOT
    for r in real_records:
        assert dev.write(r) == SUCCESS
    assert dev.record_count() == len(real_records)
    cleared = real_records[2]
    assert dev.clear(rid(cleared)) == SUCCESS
    live = [r for r in real_records if r is not cleared]
    device_ids = dev.record_ids()
    dev.close()

    with ErstStore(path, readonly=True) as store:
        assert [int(i) for i in store.record_ids()] == device_ids == [rid(r) for r in live]
        assert [data for _id, data in store.iter_records()] == live
        for r in live:
            assert store.get(rid(r)) == r
        (crid, cdata, csrc), = store.cleared_records()
        assert (crid, cdata, csrc["recoverable"]) == (rid(cleared), cleared, True)

    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert [p for p in problems if p.level != "note"] == []
    assert [r.data for r in refs if r.source["state"] == "live"] == live
    recovered = [r for r in refs if r.source["state"] == "cleared"]
    assert [(r.data, r.source["recoverable"]) for r in recovered] == [(cleared, True)]
    assert recovered[0].source["kind"] == "erst" and recovered[0].source["offset"] % 8192 == 0
    assert any(p.offset == recovered[0].source["offset"] and "recoverable" in p.message for p in problems)


def test_records_we_write_qemu_reads_back_with_identical_bytes_and_ids(tmp_path, erst_device,
                                                                       real_records):
    path = tmp_path / "ours.bin"
    with open_store(f"erst:{path}", size=128 * 1024) as store:
        for r in real_records[:10]:
            assert store.write_error_record(r).status == STATUS_SUCCESS
        # an overwrite in place and a clear, by the device's rules
        changed = bytearray(real_records[0])
        changed[128 + 72 + 10] ^= 0xFF  # a byte inside the first section body
        slot_before = store.layout.live()[0].index
        result = store.write_error_record(bytes(changed), replace=True)
        assert result.replaced and store.layout.live()[0].index == slot_before
        assert store.clear_error_record(rid(real_records[1])) == STATUS_SUCCESS
        expected = [bytes(changed)] + real_records[2:10]
        assert [int(i) for i in store.record_ids()] == [rid(r) for r in expected]

    dev = erst_device(path)
    assert dev.record_count() == len(expected)
    assert dev.record_ids() == [rid(r) for r in expected]
    for r in expected:
        status, data = dev.read(rid(r))
        assert status == SUCCESS and data == r
    assert dev.read(rid(real_records[1]))[0] == NOT_FOUND  # cleared: the device agrees
    # the device then writes into the slot our clear freed (its first free slot)
    assert dev.write(real_records[10]) == SUCCESS
    dev.close()
    with ErstStore(path, readonly=True) as store:
        slot = next(s for s in store.layout.live() if s.map_id == rid(real_records[10]))
        assert slot.index == store.layout.first_index + 1


def test_a_file_we_create_is_one_qemu_accepts_unchanged(tmp_path, erst_device, real_records):
    path = tmp_path / "fresh.bin"
    create_file(str(path), 64 * 1024)
    before = path.read_bytes()
    dev = erst_device(path)
    assert dev.record_count() == 0
    dev.close()
    assert path.read_bytes() == before  # QEMU kept our header as it is: it is its own format
    zero = tmp_path / "zero.bin"
    zero.write_bytes(bytes(64 * 1024))
    dev = erst_device(zero)
    dev.close()
    assert zero.read_bytes() == before


def test_the_device_rules_and_ours_refuse_the_same_writes(tmp_path, erst_device, real_records,
                                                          zero_id_record):
    big = bytearray(real_records[0]) + bytes(9000)  # longer than an 8 KiB slot
    struct.pack_into("<I", big, 20, len(big))
    all_ones = with_id(real_records[0], (1 << 64) - 1)
    path = blank(tmp_path, size=64 * 1024)  # 8 slots, the first holds the header: 7 records
    dev = erst_device(path)
    device = [dev.write(bytes(big)), dev.write(zero_id_record), dev.write(all_ones)]
    fill = [with_id(real_records[0], 0x1000 + k) for k in range(8)]
    device += [dev.write(r) for r in fill]
    dev.close()
    assert device == [FAILED, FAILED, FAILED] + [SUCCESS] * 7 + [NOT_ENOUGH_SPACE]

    ours_path = tmp_path / "ours.bin"
    with ErstStore(ours_path, size=64 * 1024) as store:
        ours = [store.write_error_record(bytes(big)).status,
                store.write_error_record(zero_id_record).status,
                store.write_error_record(all_ones).status]
        ours += [store.write_error_record(r).status for r in fill]
        assert store.capacity() == (7 * 8192, 7)
    assert ours == [STATUS_INVALID_PARAMETER] * 3 + [STATUS_SUCCESS] * 7 + [STATUS_INSUFFICIENT_RESOURCES]
    # and the two files hold the same slots and map
    assert ours_path.read_bytes() == path.read_bytes()


def test_records_in_a_16k_slot_store(tmp_path, erst_device, real_records):
    path = blank(tmp_path, size=128 * 1024)
    dev = erst_device(path, record_size=16384)
    assert dev.slot_size == 16384
    for r in real_records[:5]:
        assert dev.write(r) == SUCCESS
    dev.close()
    with ErstStore(path, readonly=True) as store:
        assert store.layout.slot_size == 16384
        assert [d for _i, d in store.iter_records()] == real_records[:5]


def _header(**fields) -> bytes:
    """A 64 KiB file with QEMU's own header, some header fields changed."""
    head = bytearray(format_header(64 * 1024))
    at = {"magic": (0, "8s"), "record_size": (8, "<I"), "storage_offset": (12, "<I"),
          "version": (16, "<H"), "reserved": (18, "<H"), "record_count": (20, "<I")}
    for name, value in fields.items():
        off, fmt = at[name]
        struct.pack_into(fmt, head, off, value)
    return bytes(head) + bytes(64 * 1024 - len(head))


REFUSED = {
    "bad magic": (_header(magic=b"ERSTSTOX"), "ERST backend storage header is invalid", 0),
    "version 0x0200": (_header(version=0x0200), INVALID_HEADER, 16),
    "reserved set": (_header(reserved=1), INVALID_HEADER, 18),
    "offset not a slot multiple": (_header(storage_offset=0x2100), INVALID_HEADER, 12),
    "slot size 0": (_header(record_size=0), "ERST record_size 0 is invalid", 8),
    "slot size 1000": (_header(record_size=1000), "ERST record_size 1000 is invalid", 8),
    "slot size huge": (_header(record_size=1 << 31), INVALID_HEADER, 12),
    "slot larger than the file": (_header(record_size=1 << 20, storage_offset=1 << 20),
                                  "requires storage size be multiple", 0),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_headers_qemu_refuses_we_flag_as_errors(tmp_path, erst_device, case, real_records):
    data, qemu_says, offset = REFUSED[case]
    path = tmp_path / "bad.bin"
    data = bytearray(data)
    # a good record in slot 1, so the carving fallback has something to find
    data[8192:8192 + len(real_records[0])] = real_records[0]
    path.write_bytes(bytes(data))
    stderr = start_refused(str(path))
    assert qemu_says in stderr, stderr
    lay = ec.parse(path.read_bytes())
    assert lay.errors and not lay.valid
    assert offset in [f.offset for f in lay.errors]
    with pytest.raises(StoreDamaged, match=r"bad\.bin at byte offset \d+"):
        ErstStore(path)
    assert path.read_bytes() == bytes(data)  # never written
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert any(p.level == "error" and p.path == str(path) and p.offset is not None for p in problems)
    # the header is refused: the good record is carved out of the bytes
    assert [r.data for r in refs] == [real_records[0]]


def test_a_storage_offset_inside_the_map_is_flagged_and_the_device_cannot_write(
        tmp_path, erst_device, real_records):
    """QEMU accepts storage offset 0 (a multiple of the slot size), but then slot 0 is the
    header: its first-free search answers 0, which it treats as "no slot"."""
    path = tmp_path / "zero-offset.bin"
    path.write_bytes(_header(storage_offset=0))
    dev = erst_device(path)
    assert dev.write(real_records[0]) == NOT_ENOUGH_SPACE
    dev.close()
    lay = ec.parse(path.read_bytes())
    assert [f.code for f in lay.errors] == ["erst-map-overlap"]
    with pytest.raises(StoreDamaged, match="overlap"):
        ErstStore(path)


def test_a_record_count_below_the_map_hides_records_from_the_device_and_from_us(
        tmp_path, erst_device, real_records):
    path = tmp_path / "count.bin"
    with ErstStore(path) as store:
        for r in real_records[:3]:
            store.write_error_record(r)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 20, 2)
    path.write_bytes(bytes(data))
    dev = erst_device(path)
    device = [dev.read(rid(r))[0] for r in real_records[:3]]
    dev.close()
    assert device == [SUCCESS, SUCCESS, NOT_FOUND]
    with ErstStore(path, readonly=True) as store:
        assert [store.read_error_record(rid(r)).status for r in real_records[:3]] == \
            [STATUS_SUCCESS, STATUS_SUCCESS, STATUS_OBJECT_NOT_FOUND]
        assert "erst-record-count" in [f.code for f in store.layout.findings]
    problems = []
    refs = list(iter_file(str(path), problems.append))
    assert [r.data for r in refs] == real_records[:3]  # the reader still shows the hidden one
    assert refs[2].source.get("hidden_by_record_count") is True
    assert any(p.offset == 20 and "record count" in p.message for p in problems)


def test_a_map_entry_without_a_record_and_an_overflowing_record(tmp_path, erst_device, real_records):
    path = tmp_path / "damaged.bin"
    with ErstStore(path) as store:
        for r in real_records[:3]:
            store.write_error_record(r)
        first = store.layout.first_index
    data = bytearray(path.read_bytes())
    data[first * 8192:first * 8192 + 4] = b"\xff" * 4  # slot of record 0: no CPER any more
    struct.pack_into("<I", data, (first + 1) * 8192 + 20, 9000)  # record 1 overflows its slot
    path.write_bytes(bytes(data))
    dev = erst_device(path)
    device = [dev.read(rid(r))[0] for r in real_records[:3]]
    dev.close()
    # QEMU copies slot 0's bytes blindly (its length field is intact) but fails the overflow
    assert device == [SUCCESS, FAILED, SUCCESS]
    lay = ec.parse(bytes(data))
    codes = {f.code: f.offset for f in lay.errors}
    assert codes["erst-map-no-record"] == lay.map_offset(first)
    assert codes["erst-record-overflow"] == (first + 1) * 8192 + 20
    problems = []
    refs = list(iter_file(str(path), problems.append))
    # the good record still reads; the overflowing one is kept as far as its slot goes (decoded
    # as a truncated record, the error reported at its RecordLength), not dropped
    slot1 = bytes(data[(first + 1) * 8192:(first + 2) * 8192])
    assert [r.data for r in refs] == [slot1, real_records[2]]
    assert [(p.offset, p.level) for p in problems if "overflows" in p.message] == \
        [((first + 1) * 8192 + 20, "error")]
    assert any(f.code == "truncated" for f in decode_record(refs[0].data).findings)
    with ErstStore(path, readonly=True) as store:  # the device's read of it fails
        assert store.read_error_record(rid(real_records[1])).status == STATUS_OBJECT_NOT_FOUND
        assert store.read_error_record(rid(real_records[2])).record == real_records[2]


def test_whea_store_over_erst_answers_as_the_device(tmp_path, erst_device, real_records,
                                                    zero_id_record):
    """``whea store --store erst:FILE``: written records QEMU reads back; the refused one is
    answered with its NTSTATUS and exit 1; ``clear`` then ``read`` agree with the device."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(repo))
    files = []
    for k, r in enumerate(real_records[:3] + [zero_id_record]):
        f = tmp_path / f"r{k}.cper"
        f.write_bytes(r)
        files.append(str(f))
    spec = f"erst:{tmp_path / 'cli.bin'}"

    def whea(*args):
        return subprocess.run([sys.executable, "-m", "whea_gui.cli", "store", "--store", spec, *args],
                              capture_output=True, text=True, env=env, timeout=120)

    init = whea("init")  # creates the backing file itself, never an SQLite file named erst:…
    assert init.returncode == 0 and "store created, 0 records" in init.stdout
    assert (tmp_path / "cli.bin").read_bytes()[:8] == b"ERSTSTOR"
    assert not any(p.name.startswith("erst:") for p in Path.cwd().iterdir())
    refused = whea("init", "--max-bytes", "4096")
    assert refused.returncode == 2 and "fixed by its container" in refused.stderr
    done = whea("write", *files)
    assert done.returncode == 1 and "STATUS_INVALID_PARAMETER" in done.stderr
    assert whea("clear", hex(rid(real_records[1]))).returncode == 0
    listed = whea("list", "--json")
    assert listed.returncode == 0
    dev = erst_device(tmp_path / "cli.bin")
    assert dev.record_ids() == [rid(real_records[0]), rid(real_records[2])]
    assert dev.read(rid(real_records[2])) == (SUCCESS, real_records[2])
    assert dev.read(rid(real_records[1]))[0] == NOT_FOUND
