"""Seeded fuzzing of raw inputs, carving, concatenations and the ``whea decode`` batch path.

Every case is built from the shared vectors with structure-aware mutations (counts, lengths,
offsets, signatures, duplicated descriptors, truncation, filler, embedded headers). Asserted:
no exception escapes; refs are in order, disjoint and the input's own bytes; the JSON written
is bounded relative to the input; decoders raise on nothing (no ``internal`` or
``decoder-failed`` finding); a good record beside a bad one is always found; the CLI exits
0, 1 or 2 only. Deterministic: the seeds are fixed, so a failure reproduces.
"""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path

import pytest

from whea_gui.cli import main
from whea_gui.decode import decode_record, record_to_json
from whea_gui.sources import iter_bytes, iter_path, raw

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
SWALLOWED = {"internal", "decoder-failed"}


def _load() -> list[bytes]:
    files = sorted((VECTORS / "DecodeWheaRecord").glob("*.bin"))
    files += sorted((VECTORS / "libcper-examples").glob("*.cper"))
    files += [p for p in sorted((VECTORS / "libcper-generated").glob("*/00[0-2].cper"))
              if p.parent.name != "single-section"]
    return [p.read_bytes() for p in files]


RECORDS = _load()
CPER_RECORDS = [r for r in RECORDS if r[:4] == b"CPER"]


def junk(rng: random.Random, n: int, *, signatures: bool = True) -> bytes:
    """Filler: zeros, random bytes or repeated patterns, optionally with stray signatures."""
    kind = rng.randrange(4)
    if kind == 0:
        out = bytearray(n)
    elif kind == 1:
        out = bytearray(rng.randbytes(n))
    elif kind == 2:
        out = bytearray((b"CPER\xff\xff\xff\xff" if signatures else b"\xff\xfe") * (n // 2 + 1))[:n]
    else:
        out = bytearray(bytes([rng.randrange(256)]) * n)
    if not signatures:
        out = bytearray(b if b not in b"CW" else 0 for b in out)
    elif n > 8 and rng.random() < 0.5:
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(n - 4)
            out[at:at + 4] = rng.choice((b"CPER", b"WhLg"))
    return bytes(out)


def mutate(rng: random.Random, rec: bytes, *, keep_extent: bool = False) -> bytes:
    """A structure-aware mutant. With ``keep_extent`` the record keeps its bytes count and
    RecordLength, so it cannot swallow a record placed after it."""
    b = bytearray(rec)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(12)
        cper = b[:4] == b"CPER" and len(b) >= 128
        count = struct.unpack_from("<H", b, 10)[0] if cper else 0
        descs = [128 + 72 * i for i in range(count) if 128 + 72 * i + 72 <= len(b)]
        if op == 0 and cper:
            struct.pack_into("<H", b, 10, rng.choice((0, 1, 2, min(count + 1, 65535), 1024, 65535)))
        elif op == 1 and cper and not keep_extent:
            struct.pack_into("<I", b, 20, rng.choice((0, 127, len(b) // 2, len(b) + 999, 0xFFFFFFFF)))
        elif op == 2 and descs:  # a section offset/length pointing anywhere
            d = rng.choice(descs)
            struct.pack_into("<II", b, d, rng.choice((0, 128, len(b) - 1, len(b) + 5, 0xFFFFFFF0)),
                             rng.choice((0, 1, 8, 72, len(b), 0xFFFFFFFF)))
        elif op == 3 and len(descs) >= 2:  # one descriptor copied over another (shared body)
            src, dst = rng.sample(descs, 2)
            b[dst:dst + 72] = b[src:src + 72]
        elif op == 4 and descs:  # the section type of another record
            d = rng.choice(descs)
            other = rng.choice(CPER_RECORDS)
            if len(other) >= 200:
                b[d + 16:d + 32] = other[144:160]
        elif op == 5 and len(b) > 8 and not keep_extent:
            del b[rng.randrange(8, len(b)):]
        elif op == 6 and len(b) > 4:  # byte flips in a body or header
            for _ in range(rng.randrange(1, 16)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 7 and len(b) > 16:  # a 32-bit field set to an extreme
            at = rng.randrange(0, len(b) - 4) & ~3
            struct.pack_into("<I", b, at, rng.choice((0, 1, 0x7FFFFFFF, 0xFFFFFFFF)))
        elif op == 8 and cper:
            b[6:10] = rng.choice((b"\0\0\0\0", b"\xff\xff\xff\xfe"))
        elif op == 9 and len(b) > 64:  # a copy of the record's own header inside it
            at = rng.randrange(32, len(b) - 32)
            b[at:at + 24] = b[:24]
        elif op == 10 and cper:
            struct.pack_into("<I", b, 12, rng.choice((0, 3, 4, 0xFFFFFFFF)))
        elif op == 11 and len(b) > 40:
            b[rng.randrange(len(b) - 4):][:4] = rng.choice((b"CPER", b"WhLg"))
    return bytes(b)


def check_record(ref, *, budget: int) -> int:
    rec = decode_record(ref.data, source=ref.source)
    codes = {f.code for f in rec.findings}
    assert not codes & SWALLOWED, (ref.source, [f.message for f in rec.findings if f.code in SWALLOWED])
    text = json.dumps(record_to_json(rec))
    # bounded output: a constant factor of the record's bytes, plus a fixed allowance
    assert len(text) <= budget * len(ref.data) + 256_000, (ref.source, len(text), len(ref.data))
    return len(text)


def check_refs(blob: bytes, refs) -> None:
    """Raw refs are the input's own bytes, in order and disjoint (filler may also be taken
    for hex text or another format: those refs carry decoded bytes, so only raw ones count)."""
    end = 0
    for ref in refs:
        if ref.source.get("kind") != "raw":
            continue
        off = ref.source["offset"]
        assert off >= end and blob[off:off + len(ref.data)] == ref.data
        end = off + len(ref.data)


@pytest.mark.parametrize("seed", range(10))
def test_carving_mutants_in_filler(seed):
    """Records, mutants and filler mixed: nothing raises, output stays bounded, and every
    intact record placed after only extent-keeping mutants and filler is found."""
    rng = random.Random(1000 + seed)
    for _case in range(150):
        blob = bytearray(junk(rng, rng.randrange(1, 3000), signatures=False))
        good_at = []
        for _ in range(rng.randrange(1, 5)):
            rec = rng.choice(RECORDS)
            if rng.random() < 0.5:
                blob += mutate(rng, rec, keep_extent=True)
            else:
                good_at.append((len(blob), rec))
                blob += rec
            blob += junk(rng, rng.randrange(0, 500), signatures=False)
        blob = bytes(blob)
        problems = []
        refs = list(raw.read_buffer(blob, "fuzz.bin", problems.append))
        check_refs(blob, refs)
        found = {(r.source["offset"], r.data[:len(rec)]) for r in refs for _o, rec in good_at}
        for off, rec in good_at:
            assert (off, rec) in found or any(
                r.source["offset"] < off < r.source["offset"] + len(r.data) for r in refs), off
        for ref in refs:
            check_record(ref, budget=40)


@pytest.mark.parametrize("seed", range(10))
def test_concatenated_records_with_a_bad_one_keep_the_good_ones(seed):
    """Concatenated records (a file that starts with a signature) with extent-keeping mutants
    among them: every intact record comes out at its own offset with its own bytes."""
    rng = random.Random(2000 + seed)
    for _case in range(150):
        blob = bytearray()
        good = []
        for _ in range(rng.randrange(2, 6)):
            rec = rng.choice(RECORDS)
            if rng.random() < 0.4:
                blob += mutate(rng, rec, keep_extent=True)
            else:
                good.append((len(blob), rec))
                blob += rec
        blob = bytes(blob)
        refs = list(iter_bytes(blob, "cat.bin"))
        check_refs(blob, refs)
        starts = {r.source["offset"]: r.data for r in refs}
        for off, rec in good:
            # found at its offset; only a mutant right before it may keep it as trailing bytes
            # when that mutant's own signature was destroyed (then it is inside that ref)
            assert starts.get(off, b"").startswith(rec) or any(
                o < off and o + len(d) >= off + len(rec) and blob[o:o + 4] not in (b"CPER", b"WhLg")
                for o, d in starts.items()), (off, sorted(starts))
        for ref in refs:
            check_record(ref, budget=40)


@pytest.mark.parametrize("seed", range(10))
def test_free_mutants_and_hostile_filler_never_raise(seed):
    """Any mutation (lengths, truncation, embedded headers) and filler full of signatures:
    no exception, refs within the input, bounded output, no swallowed decoder exception."""
    rng = random.Random(3000 + seed)
    for _case in range(200):
        parts = [junk(rng, rng.randrange(0, 2000))]
        for _ in range(rng.randrange(0, 4)):
            parts.append(mutate(rng, rng.choice(RECORDS)))
            parts.append(junk(rng, rng.randrange(0, 400)))
        blob = b"".join(parts)
        refs = list(iter_bytes(blob, "hostile.bin"))
        check_refs(blob, refs)
        assert sum(len(r.data) for r in refs if r.source["kind"] == "raw") <= max(len(blob), 1)
        for ref in refs:
            check_record(ref, budget=40)


@pytest.mark.parametrize("seed", range(8))
def test_structure_aware_mutants_decode_without_swallowed_exceptions(seed):
    """Each shared vector, mutated in place many times and decoded directly (not carved)."""
    rng = random.Random(4000 + seed)
    for rec in RECORDS:
        for _ in range(4):
            data = mutate(rng, rec)
            check_record(type("Ref", (), {"data": data, "source": {"path": "m"}})(), budget=40)


@pytest.mark.parametrize("seed", range(3))
def test_batch_decode_of_good_and_bad_files(seed, tmp_path, capsys):
    """A batch of files, some bad (empty, filler, truncated, mutated, unreadable): exit code 0,
    1 or 2 only, every good file's record is printed, and every failure names its file."""
    rng = random.Random(5000 + seed)
    for case in range(6):
        folder = tmp_path / f"c{case}"
        folder.mkdir()
        paths, good = [], []
        for i in range(rng.randrange(2, 6)):
            p = folder / f"f{i}.bin"
            kind = rng.randrange(5)
            if kind == 0:
                rec = rng.choice(RECORDS)
                p.write_bytes(rec)
                good.append(str(p))
            elif kind == 1:
                p.write_bytes(b"")
            elif kind == 2:
                p.write_bytes(junk(rng, rng.randrange(1, 5000)))
            elif kind == 3:
                p.write_bytes(mutate(rng, rng.choice(RECORDS)))
            else:
                p = folder / f"missing{i}.bin"
            paths.append(str(p))
        code = main(["decode", "--json", *paths])
        out, err = capsys.readouterr()
        assert code in (0, 1, 2) and "Traceback" not in err
        printed = [json.loads(line) for line in out.splitlines()]
        for o in printed:
            assert not {f["code"] for f in o["findings"]} & SWALLOWED
        assert {o["source"]["path"] for o in printed} >= set(good)
        for p in paths:
            if p.endswith(("missing0.bin", "missing1.bin", "missing2.bin", "missing3.bin",
                           "missing4.bin", "missing5.bin")):
                assert f"{p}: cannot read" in err and code == 2
        if len(paths) > 1:
            assert f"from {len(paths)} inputs" in err.strip().splitlines()[-1]
        # the folder as one input: the walk reaches every good file too
        refs = list(iter_path(folder, lambda pr: None))
        assert {r.source["path"] for r in refs} >= set(good)
