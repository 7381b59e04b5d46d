"""A huge ERST backing file is never copied whole: reading, listing and writing a 256 MiB sparse
file (one record, or a header QEMU refuses) keeps Python's allocations far below its size
(tracemalloc peak; the mmap the file is read through is not an allocation)."""

from __future__ import annotations

import struct
import tracemalloc

from whea_gui.sources.registry import iter_file
from whea_gui.store import open_store
from whea_gui.store.erst import format_header

SIZE = 256 << 20
BOUND = 24 << 20  # a tenth of the file: a copy of it could never fit


def _sparse_erst(path, record: bytes, *, bad_header: bool = False, slot: int = 8192) -> None:
    with open(path, "wb") as fh:
        head = bytearray(format_header(SIZE, slot))
        if bad_header:
            head[16:18] = b"\x00\x02"  # version 0x0200: QEMU refuses the header
        fh.write(head)
        fh.truncate(SIZE)
        last = SIZE // slot - 1
        fh.seek(last * slot)
        fh.write(record + b"\xff" * (slot - len(record)))
        fh.seek(24 + 8 * last)
        fh.write(struct.pack("<Q", struct.unpack_from("<Q", record, 96)[0]))
        fh.seek(20)
        fh.write(struct.pack("<I", 1))


def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_a_huge_erst_file_does_not_copy_it(tmp_path, real_records):
    path = tmp_path / "huge.bin"
    _sparse_erst(path, real_records[0])
    refs, peak = _peak(lambda: [r.data for r in iter_file(str(path))])
    assert refs == [real_records[0]]
    assert peak < BOUND, peak


def test_listing_and_writing_a_huge_erst_store_stays_bounded(tmp_path, real_records):
    path = tmp_path / "huge.bin"
    _sparse_erst(path, real_records[0])

    def work():
        with open_store(f"erst:{path}") as store:
            before = len(store.record_table())
            assert store.write_error_record(real_records[1]).ok
            assert store.stats()["records"] == 2
            return before, [d for _rid, d in store.iter_records()]

    (before, stored), peak = _peak(work)
    assert before == 1 and stored == [real_records[1], real_records[0]]
    assert peak < BOUND, peak


def test_a_huge_file_with_a_refused_header_is_carved_without_a_copy(tmp_path, real_records):
    path = tmp_path / "bad.bin"
    _sparse_erst(path, real_records[0], bad_header=True)
    problems = []
    refs, peak = _peak(lambda: [r.data for r in iter_file(str(path), problems.append)])
    assert real_records[0] in refs
    assert any(p.offset == 16 and p.level == "error" for p in problems)
    assert peak < BOUND, peak


def test_a_huge_file_of_small_slots_with_a_cleared_record(tmp_path, real_records):
    """4 KiB slots (65,536 of them): the cleared record is still found, cheaply."""
    path = tmp_path / "small.bin"
    rec = next(r for r in real_records if len(r) <= 4096)
    _sparse_erst(path, rec, slot=4096)
    with open(path, "r+b") as fh:  # clear it as the device does: zero the map entry and count
        fh.seek(24 + 8 * (SIZE // 4096 - 1))
        fh.write(bytes(8))
        fh.seek(20)
        fh.write(bytes(4))
    refs, peak = _peak(lambda: list(iter_file(str(path))))
    assert [(r.data, r.source["state"]) for r in refs] == [(rec, "cleared")]
    assert peak < BOUND, peak
