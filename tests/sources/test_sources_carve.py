"""Raw files and carving records out of arbitrary binaries."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from sources_helpers import DWR, VECTORS, dwr_records

from whea_gui.decode import decode_record
from whea_gui.sources import iter_bytes, iter_path, raw
from whea_gui.sources.carve import find_headers

MALFORMED = VECTORS / "malformed"


def _garbage(rng: random.Random, n: int) -> bytes:
    # Random bytes with the signatures' first letters removed, so no accidental header appears.
    return bytes(b for b in rng.randbytes(n * 2) if b not in b"CW")[:n]


def _blob_with_garbage(seed: int):
    rng = random.Random(seed)
    blob = bytearray(_garbage(rng, rng.randrange(1, 5000)))
    placed = []
    for name, data in dwr_records():
        placed.append((len(blob), name, data))
        blob += data
        blob += _garbage(rng, rng.randrange(1, 3000))
    return bytes(blob), placed


def test_carving_finds_every_dwr_record_at_its_offset(tmp_path):
    blob, placed = _blob_with_garbage(7)
    path = tmp_path / "crash.dmp"
    path.write_bytes(blob)
    problems = []
    refs = list(iter_path(path, problems.append))
    assert [(r.source["offset"], r.data) for r in refs] == [(off, data) for off, _n, data in placed]
    assert all(r.source["kind"] == "raw" and r.source["carved"] for r in refs)
    # every byte not in a record is reported once as a skipped range, with its path
    gaps = [(p.offset, p.length) for p in problems if "no CPER record" in p.message]
    covered = sorted(gaps + [(off, len(data)) for off, _n, data in placed])
    pos = 0
    for off, length in covered:
        assert off == pos
        pos += length
    assert pos == len(blob)
    assert all(p.path == str(path) for p in problems)


def test_carving_memory_mapped_and_in_memory_agree(tmp_path):
    blob, placed = _blob_with_garbage(11)
    path = tmp_path / "image.bin"
    path.write_bytes(blob)
    from_file = [(r.source["offset"], r.data) for r in iter_path(path)]
    from_bytes = [(r.source["offset"], r.data) for r in iter_bytes(blob, str(path))]
    assert from_file == from_bytes and len(from_file) == len(placed)


def test_header_checks_reject_lookalikes():
    good = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    bad_end = good[:6] + b"\0\0\0\0" + good[10:]
    bad_count = good[:10] + b"\0\0" + good[12:]
    bad_len = good[:20] + (100).to_bytes(4, "little") + good[24:]
    for data in (bad_end, bad_count, bad_len, b"CPER" + b"\xff" * 40):
        assert list(find_headers(b"xx" + data)) == []
    assert list(find_headers(b"xx" + good)) == [(2, 277)]
    whlg = (DWR / "whlg_cmci_restart.bin").read_bytes()
    assert list(find_headers(whlg)) == [(0, 48)]
    wrong_payload = whlg[:28] + (1).to_bytes(4, "little") + whlg[32:]
    assert list(find_headers(wrong_payload)) == []


def test_truncated_record_at_end_is_kept_and_reported():
    rec = (DWR / "cper_cmc_amd_xpfmca_v2r1.bin").read_bytes()
    blob = b"\0" * 100 + rec[:500]
    problems = []
    refs = list(iter_bytes(blob, "dump", problems.append))
    assert [(r.source["offset"], r.data) for r in refs] == [(100, rec[:500])]
    assert any(p.offset == 100 and "truncated" in p.message for p in problems)
    decoded = decode_record(refs[0].data)
    assert decoded.has_errors()  # the decoder says what is missing


def test_file_starting_with_record_then_garbage_then_record():
    a = (DWR / "cper_memory_2sec_padded.bin").read_bytes()
    b = (DWR / "whlg_process_hest.bin").read_bytes()
    blob = a + b"\x00\x11" * 300 + b
    problems = []
    refs = list(iter_bytes(blob, "x.bin", problems.append))
    assert [(r.source["offset"], r.data) for r in refs] == [(0, a), (len(a) + 600, b)]
    assert [(p.offset, p.length) for p in problems] == [(len(a), 600)]


def test_malformed_trailing_garbage_stays_with_the_record():
    data = (MALFORMED / "m22-trailing-garbage.cper").read_bytes()
    refs = list(iter_bytes(data, "m22"))
    assert len(refs) == 1 and refs[0].data == data
    rec = decode_record(refs[0].data)
    assert any(f.code == "trailing" for f in rec.findings)


def test_malformed_two_records_concatenated_are_split():
    data = (MALFORMED / "m23-two-records-concatenated.cper").read_bytes()
    refs = list(iter_bytes(data, "m23"))
    assert [r.source["offset"] for r in refs] == [0, 392]
    assert b"".join(r.data for r in refs) == data


def test_small_file_without_records_is_still_shown_but_marked():
    data = (MALFORMED / "m28-random-bytes-400.cper").read_bytes()
    problems = []
    refs = list(iter_bytes(data, "m28", problems.append))
    assert len(refs) == 1 and refs[0].data == data and refs[0].source["format"] == "unknown"
    assert any("no CPER record" in p.message for p in problems)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.cper"
    path.write_bytes(b"")
    problems = []
    refs = list(iter_path(path, problems.append))
    # an empty input is a problem, never a 0-byte "record" with vendor advice
    assert refs == []
    assert [(p.path, p.level, p.message) for p in problems] == [(str(path), "error", "the file is empty")]
    assert list(iter_bytes(b"", "clip", problems.append)) == [] and problems[-1].path == "clip"


_RECORDS = [d for _n, d in dwr_records()]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=300), st.sampled_from(range(len(_RECORDS)))), max_size=6),
       st.binary(max_size=300))
def test_carving_property(parts, tail):
    """Any garbage (signature letters removed) with records spliced in: each record is found
    at its offset, refs never overlap, and nothing raises."""
    blob = bytearray()
    expect = []
    for junk, idx in parts:
        blob += bytes(b for b in junk if b not in b"CW")
        expect.append((len(blob), _RECORDS[idx]))
        blob += _RECORDS[idx]
    blob += bytes(b for b in tail if b not in b"CW")
    refs = list(raw.read_bytes(bytes(blob), "p", lambda p: None))  # not detection: junk may look like XML
    got = [(r.source["offset"], r.data) for r in refs if r.source.get("format") != "unknown"]
    if expect and expect[0][0] == 0:
        # a file that starts with a record keeps bytes after its last record with it
        assert [o for o, _ in got] == [o for o, _ in expect]
        assert all(d.startswith(e) for (_, d), (_, e) in zip(got, expect))
    else:
        assert got == expect


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(blob):
    end = 0
    for ref in iter_bytes(blob, "fuzz"):
        off = ref.source["offset"]
        assert 0 <= off <= len(blob)
        if "encoding" in ref.source:  # hex/base64 text: the bytes are decoded, not a slice
            assert len(ref.data) <= len(blob)
            continue
        assert off >= end and blob[off:off + len(ref.data)] == ref.data
        end = off + len(ref.data)


def test_carving_libcper_generated_records_of_every_type():
    rng = random.Random(3)
    files = sorted((VECTORS / "libcper-generated").glob("*/0[01]?.cper"))
    files = [f for f in files if f.parent.name != "single-section"]
    blob = bytearray()
    placed = []
    for f in files:
        blob += _garbage(rng, rng.randrange(1, 200))
        placed.append((len(blob), f.read_bytes()))
        blob += placed[-1][1]
    refs = list(iter_bytes(bytes(blob), "gen.bin"))
    assert [(r.source["offset"], r.data) for r in refs] == placed


# -- amplification: carving is linear, output bounded by the input ----------------------------
import struct  # noqa: E402

from whea_gui.decode import boundary  # noqa: E402
from whea_gui.sources import base  # noqa: E402


def _count_checks(monkeypatch) -> list[int]:
    calls = []
    real = boundary.plausible_length

    def counting(buf, pos, end):
        calls.append(pos)
        return real(buf, pos, end)
    monkeypatch.setattr(boundary, "plausible_length", counting)
    return calls


def _plausible_header(count: int = 1024, length: int | None = None) -> bytes:
    length = length or 128 + 72 * count
    return b"CPER" + struct.pack("<HIHIII", 0x0101, 0xFFFFFFFF, count, 2, 0, length)


def test_signature_with_ff_filler_costs_no_check_per_repeat(monkeypatch):
    """CPER + FF FF FF FF repeated: no candidate survives the C-level pattern, so no Python
    work per repeat and one problem for the whole buffer."""
    calls = _count_checks(monkeypatch)
    blob = (b"CPER" + b"\xff" * 4) * 100_000
    problems = []
    refs = list(raw.read_buffer(b"\0" + blob, "ff.bin", problems.append))
    assert calls == [] and len(problems) == 1 and "no CPER record" in problems[0].message
    assert [r.source["format"] for r in refs] == []  # 800 kB: too big to be shown as bytes


def test_repeated_plausible_headers_are_each_checked_once_and_rejected(monkeypatch):
    """1,024-section headers back to back: each candidate is checked once, and a header whose
    first descriptor is another header's bytes is not a record (no 1,024-section garbage)."""
    calls = _count_checks(monkeypatch)
    unit = _plausible_header().ljust(128, b"\0")
    blob = b"\0" + unit * 5000 + bytes(200)
    problems = []
    refs = list(raw.read_buffer(blob, "hdrs.bin", problems.append))
    assert refs == [] and len(calls) == 5000 and len(set(calls)) == 5000
    assert len(problems) == 1


def test_headers_inside_a_carved_record_are_checked_once(monkeypatch):
    """A record whose section body holds copies of headers is carved once: each header inside
    it is checked once (could it be a record that cuts this one short?), the scan resumes after
    it, so the work and the refs stay linear in the input."""
    rec = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    inner = _plausible_header(1, 200)
    size = 64 << 10
    fake = bytearray(_plausible_header(1, size).ljust(128, b"\0"))
    fake += struct.pack("<II", 200, size - 200) + bytes(64)  # one body: the rest of the record
    fake += inner * (size // len(inner))
    fake = bytes(fake[:size])
    blob = b"\x00" * 10 + fake + rec
    calls = _count_checks(monkeypatch)
    problems = []
    refs = list(raw.read_buffer(blob, "nest.bin", problems.append))
    assert [(r.source["offset"], len(r.data)) for r in refs] == [(10, size), (10 + size, len(rec))]
    # the ~2,700 headers inside the first record: each looked at once, never again by the carver
    assert len(calls) == len(set(calls)) <= 2 + size // len(inner)
    assert sum(len(r.data) for r in refs) <= len(blob) and len(problems) <= 2 * len(refs) + 1


def test_a_truncated_record_does_not_swallow_the_next_one():
    """A record that declares more bytes than it has, followed by another record: the next one
    starts where it starts, in a file of concatenated records and when carving."""
    short = (VECTORS / "libcper-examples" / "nvidia_event_all_types.cper").read_bytes()
    assert struct.unpack_from("<I", short, 20)[0] > len(short)  # declares 568, has 440
    good = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    for lead in (b"", b"\x00" * 33):
        blob = lead + short + good
        problems = []
        refs = list(raw.read_buffer(blob, "t.bin", problems.append))
        assert [(r.source["offset"], r.data) for r in refs] == \
            [(len(lead), short), (len(lead) + len(short), good)]
        at = len(lead)
        assert [(p.offset, p.level, p.message) for p in problems
                if "cut short" in p.message] == [(at, "error", f"record at offset {at} is cut short "
                                                 f"at {at + 440} by a record that starts there (it "
                                                 "declares 568 bytes, 440 are present)")]


def test_damaged_headers_back_to_back_are_one_record_not_thousands():
    """Back-to-back broken headers ("CPER" + zeros): a damaged header's extent is a guess and is
    not ended by mere "CPER" filler (each guess used to copy up to 64 MB: quadratic), so the
    file is one record, not 2,000; past what the header claims plus 64 KiB, the filler is
    skipped and reported, not kept in a giant record."""
    blob = (b"CPER" + bytes(124)) * 2000
    problems = []
    refs = list(raw.read_buffer(blob, "z.bin", problems.append))
    keep = 128 + raw.TRAILING_KEPT
    assert [(r.source["offset"], r.data) for r in refs] == [(0, blob[:keep])]
    assert [(p.offset, p.length, p.level) for p in problems] == [(keep, len(blob) - keep, "note")]
    # "CPER" + FF FF FF FF filler: SectionCount reads 0x5245, so the header claims 1.5 MB
    blob = (b"CPER" + b"\xff" * 4) * 500_000
    refs = list(raw.read_buffer(blob, "ff.bin", lambda p: None))
    claim = 128 + 72 * 0x5245 + raw.TRAILING_KEPT
    assert [(r.source["offset"], len(r.data)) for r in refs] == [(0, claim)]
    good = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    refs = list(raw.read_buffer(blob + good, "ff.bin", lambda p: None))  # a real record after it
    assert [(r.source["offset"], len(r.data)) for r in refs] == [(0, claim), (len(blob), len(good))]


def test_a_record_then_a_huge_empty_tail_is_not_one_huge_record():
    rec = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    small, big = rec + bytes(100), rec + bytes(raw.TRAILING_KEPT + 1)
    assert [r.data for r in raw.read_buffer(small, "s", lambda p: None)] == [small]  # kept: trailing
    problems = []
    assert [r.data for r in raw.read_buffer(big, "b", problems.append)] == [rec]
    assert [(p.offset, p.length) for p in problems] == [(len(rec), raw.TRAILING_KEPT + 1)]


def _spy_releases(monkeypatch) -> list[int]:
    """Every ``PageReleaser.release(upto)`` call from now on, in order (pages still released)."""
    released: list[int] = []
    real = base.PageReleaser.release

    def spy(self, upto):
        released.append(upto)
        real(self, upto)
    monkeypatch.setattr(base.PageReleaser, "release", spy)
    return released


def _sparse_with_record(path, size: int, at: int):
    """A sparse file of ``size`` bytes (holes) with the memory record at ``at``."""
    rec = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    with open(path, "wb") as fh:
        fh.truncate(size)
        fh.seek(at)
        fh.write(rec)
    return path, rec


def test_pages_behind_the_scan_are_released(tmp_path, monkeypatch):
    """A big memory-mapped file is scanned front to back and released as it goes, so resident
    memory does not grow with the file (benchmarks/bench_streams.py measures it)."""
    released = _spy_releases(monkeypatch)
    monkeypatch.setattr(boundary, "WINDOW", 1 << 20)
    from whea_gui.sources import registry  # (its varstore sniff releases what it searched: not here)
    monkeypatch.setattr(registry, "_contains", lambda buf, needle: buf.find(needle) >= 0)
    monkeypatch.setattr(registry, "_evtx_damaged_header", lambda buf: False)  # (releases too)
    monkeypatch.setattr(registry, "SCAN_CHUNK", 1 << 30)  # (the blank-start look releases too)
    path, rec = _sparse_with_record(tmp_path / "sparse.img", 6 << 20, 5 << 20)
    refs = list(iter_path(path))
    assert [(r.source["offset"], r.data) for r in refs] == [(5 << 20, rec)]
    assert released and released == sorted(released) and released[-1] >= 5 << 20
    # a record at the start, then only holes: the scan for a next record releases pages too
    with open(path, "r+b") as fh:
        fh.write(rec)
        fh.seek(5 << 20)
        fh.write(bytes(len(rec)))
    released.clear()
    refs = list(iter_path(path))
    assert [(r.source["offset"], r.data) for r in refs] == [(0, rec)]
    assert released[-1] >= 5 << 20


def test_a_header_cut_at_its_end_inside_an_image_is_a_cut_record_not_skipped_bytes():
    # A record cut at (or just after) its 128-byte header end by the next record: its first
    # descriptor holds that record's header, so it is no header candidate of its own. The
    # carve said "bytes 0-5127 hold no CPER record" over it, though a CPER header is there.
    rng = random.Random(9)
    whole = (DWR / "cper_cmc_amd_xpfmca_v2r1.bin").read_bytes()
    for cut in (128, 200, 128 + 3 * 72):
        junk = _garbage(rng, 5000)
        problems = []
        refs = list(iter_bytes(junk + whole[:cut] + whole + junk, "disk.img", problems.append))
        assert [(r.source["offset"], len(r.data)) for r in refs] == [(5000, cut), (5000 + cut, len(whole))]
        said = [(p.offset, p.message) for p in problems]
        assert (5000, f"record at offset 5000 is cut short at {5000 + cut} by a record that starts "
                      f"there (it declares {len(whole)} bytes, {cut} are present)") in said, said
        assert (0, "5000 bytes hold no CPER record or WhLg entry; skipped") in said, said
        assert not any("hold no CPER" in m and o == 0 and "5000 bytes" not in m for o, m in said), said


def test_the_varstore_sniff_does_not_leave_a_big_file_resident(tmp_path, monkeypatch):
    """Before any reader runs, a raw file is searched for an edk2 NVRAM volume header; over a
    mapped file that search went through every page at once, so a 1M-record file (384 MB) was
    wholly resident before the first record was read (benchmarks/bench_commands.py: store import
    and timeline peaked at the file's size). It now searches a window at a time, releasing the
    pages behind it, and still finds a header that straddles two windows."""
    from whea_gui.formats.edk2_sniff import NV_DATA_FV_LE
    from whea_gui.sources import registry
    released = _spy_releases(monkeypatch)
    monkeypatch.setattr(base.PageReleaser, "STEP", 1 << 20)
    monkeypatch.setattr(registry, "FIND_STEP", 1 << 20)
    rec = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    path = tmp_path / "many.bin"
    path.write_bytes(rec * ((6 << 20) // len(rec)))
    first = next(iter(iter_path(path)))
    assert first.data == rec
    assert released and max(released) >= path.stat().st_size - (1 << 20)  # the search went by
    # a header across a window boundary is found (the windows overlap by the needle's length)
    for at in ((1 << 20) - 3, 1 << 20, (2 << 20) - len(NV_DATA_FV_LE)):
        buf = bytearray(3 << 20)
        buf[at:at + len(NV_DATA_FV_LE)] = NV_DATA_FV_LE
        assert registry._contains(bytes(buf), NV_DATA_FV_LE), at
    assert not registry._contains(bytes(3 << 20), NV_DATA_FV_LE)


def test_the_damaged_log_sniff_leaves_no_big_file_resident(tmp_path, monkeypatch):
    """The sniff for an event log with a damaged header looks at every 64 KiB chunk slot of the
    first 256 MiB; the kernel maps the pages around each, so a 1M-record file was 240 MB
    resident before the first record (bench_commands.py, store import). A file that starts with
    a record signature is no log; any other has the pages it looked at dropped."""
    from whea_gui.sources import evtx_header
    released = _spy_releases(monkeypatch)
    rec = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    assert not evtx_header.is_damaged_log(rec * 2000) and not released  # no slot looked at
    blob = bytes(64) + rec * 2000  # no signature at its start: the slots are looked at
    assert not evtx_header.is_damaged_log(blob)
    assert released and released[-1] >= len(blob) - evtx_header.CHUNK_SIZE


def test_the_reader_choice_releases_pages_as_it_looks(tmp_path, monkeypatch):
    """A 1 GB sparse file was wholly resident before its reader began (bench_streams
    sparse_1gb: 1.04 GB): the look for the first non-blank byte of a file that starts blank
    kept every page, and the damaged-log check of the first 256 MiB of chunk slots released
    them only at its end (and read ahead around each). Both release as they go now."""
    import mmap

    from whea_gui.sources import evtx_header, registry
    released = _spy_releases(monkeypatch)
    monkeypatch.setattr(base.PageReleaser, "STEP", 1 << 20)
    monkeypatch.setattr(registry, "SCAN_CHUNK", 1 << 20)
    monkeypatch.setattr(registry, "_contains", lambda buf, needle: buf.find(needle) >= 0)
    monkeypatch.setattr(registry, "_evtx_damaged_header", lambda buf: False)
    path, _rec = _sparse_with_record(tmp_path / "blank.img", 8 << 20, 7 << 20)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        assert registry.detect_input(mm, str(path)).name == "raw"
        assert len(released) >= 5 and released == sorted(released) and released[-1] >= 6 << 20
        released.clear()
        assert not evtx_header.is_damaged_log(mm)
        assert len(released) >= 5 and released[0] < 2 << 20  # during the look, not only after it


def _many_sections(copies: int) -> bytes:
    """The memory record with its descriptor repeated ``copies`` times, all at one body."""
    import struct
    rec = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    desc = bytearray(rec[128:200])
    offset, length = struct.unpack_from("<II", desc, 0)
    body = rec[offset:offset + length]
    struct.pack_into("<I", desc, 0, 128 + 72 * copies)
    head = bytearray(rec[:128])
    struct.pack_into("<H", head, 10, copies)
    struct.pack_into("<I", head, 20, 128 + 72 * copies + len(body))
    return bytes(head) + bytes(desc) * copies + body


def test_records_of_more_than_1024_sections_back_to_back_are_each_read():
    # the fresh check: a second record of more than 1,024 sections (SectionCount is 16 bits)
    # after another was lost, "4653304 bytes hold no CPER record" said of it
    big = _many_sections(1100)
    small = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
    for parts in ([big, big], [small, big, big], [big, small, big, big]):
        problems = []
        refs = list(iter_bytes(b"".join(parts), "many.bin", problems.append))
        assert [r.data for r in refs] == parts, [len(r.data) for r in refs]
        assert not any("hold no CPER" in p.message for p in problems), problems
    # such a header whose record is not all there, or whose descriptors point into the
    # descriptors, is no record start: the bytes stay with the record before
    cut = big[:-100]
    refs = list(iter_bytes(small + cut, "cut.bin", lambda p: None))
    assert refs[0].data == small
