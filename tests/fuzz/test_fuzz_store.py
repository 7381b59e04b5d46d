"""Seeded fuzzing of store files: byte flips and truncations anywhere, and aimed at the SQLite
header, the meta table, the names table and the index pages. Every store command must end with
exit 0/1/2 and, when not 0, a message naming the store — never a traceback — and ``check`` must
salvage (or rebuild) what is readable: everything it keeps is byte for byte an original record
of the right host, and nothing intact is lost when the damage spared the record tables."""

from __future__ import annotations

import io
import os
import random
import sqlite3
import struct
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from whea_gui.cli import build_parser
from whea_gui.store import Store
from whea_gui.store.results import crc_bytes

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
TEMPLATE = VECTORS / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin"
CASES = int(os.environ.get("WHEA_FUZZ_STORE_CASES", "200"))
SEED = int(os.environ.get("WHEA_FUZZ_STORE_SEED", str(0x5EED15)), 0)


def _record(template: bytes, rid: int, severity: int) -> bytes:
    out = bytearray(template)
    struct.pack_into("<Q", out, 96, rid)
    struct.pack_into("<I", out, 12, severity)
    return bytes(out)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A closed store (no WAL): 3 hosts x 20 records with colliding RecordIds, a capacity."""
    folder = tmp_path_factory.mktemp("fuzz-base")
    path = folder / "base.sqlite"
    template = TEMPLATE.read_bytes()
    with Store(path) as s:
        s.set_capacity(max_bytes=10 << 20)
        s.write_records([(_record(template, rid, n % 4), {"host": f"host{n}", "path": f"h{n}.evtx",
                                                           "offset": rid})
                         for n in range(3) for rid in range(1, 21)])
        originals = {}
        for row in s.conn.execute("SELECT r.host, r.record_id, d.data FROM records r JOIN "
                                  "record_data d USING (slot)"):
            originals[(row[0], row[1])] = bytes(row[2])
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    roots = dict(conn.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0"))
    conn.close()
    assert not os.path.exists(f"{path}-wal") and len(originals) == 60
    return path, originals, page_size, roots


def _mutate(raw: bytes, rnd: random.Random, page_size: int, roots: dict) -> tuple[bytes, str, bool]:
    """(damaged bytes, what was done, whether the record tables' pages were spared)."""
    data = bytearray(raw)
    kind = rnd.choice(["flip", "flip", "header", "meta", "names", "index", "truncate", "zero-page"])
    spared = False
    if kind == "flip":
        for _ in range(rnd.randint(1, 8)):
            data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
    elif kind == "header":
        for _ in range(rnd.randint(1, 3)):
            data[rnd.randrange(100)] ^= 1 << rnd.randrange(8)
    elif kind in ("meta", "names", "index"):
        name = {"meta": "meta", "names": "names"}.get(kind) or rnd.choice(
            [n for n in roots if n.startswith(("records_", "sqlite_autoindex"))])
        start = (roots[name] - 1) * page_size
        for _ in range(rnd.randint(1, 6)):
            data[start + rnd.randrange(page_size)] ^= 1 << rnd.randrange(8)
        kind = f"{kind}:{name}"
        spared = True
    elif kind == "truncate":
        del data[rnd.choice([rnd.randrange(len(data)), rnd.randrange(200),
                             page_size * rnd.randrange(1, len(data) // page_size)]):]
    else:
        page = rnd.randrange(len(data) // page_size)
        data[page * page_size:(page + 1) * page_size] = bytes(page_size)
        kind = f"zero-page {page + 1}"
    return bytes(data), kind, spared


PARSER = build_parser()  # built once: `whea` itself builds it once per run


def _run(*argv) -> tuple[int, str, str]:
    """One `whea store ...` command, as main() runs it (any exception escaping is a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        args = PARSER.parse_args(["store", *map(str, argv)])
        code = args.func(args)
    return code, out.getvalue(), err.getvalue()


def _contents(path) -> dict:
    with Store(path, readonly=True) as s:
        table = s.record_table()
        return {(table.row(i)["host"], rid): data for i, (rid, data) in enumerate(s)}


def _intact_images(raw: bytes, originals: dict) -> set:
    """Keys of the originals whose stored image (CRC, then the bytes) is still in the file."""
    return {key for key, data in originals.items() if crc_bytes(data) + data in raw}


def test_damaged_store_files_never_end_in_a_traceback(tmp_path, base):
    path, originals, page_size, roots = base
    raw = path.read_bytes()
    template = TEMPLATE.read_bytes()
    new_record = tmp_path / "new.bin"
    new_record.write_bytes(_record(template, 999, 1))
    rnd = random.Random(SEED)
    outcomes: dict[str, int] = {}
    for case in range(CASES):
        damaged, what, spared = _mutate(raw, rnd, page_size, roots)
        folder = tmp_path / f"case{case}"
        folder.mkdir()
        store = folder / "s.sqlite"
        store.write_bytes(damaged)
        label = f"case {case} ({what})"
        for argv in (("list",), ("stats",), ("read", "0"), ("read", "5", "--host", "host1"),
                     ("export", "-o", folder / "out.bin"), ("list", "--json", "--since", "2020-01-01")):
            code, _, err = _run("--store", store, *argv)
            assert code in (0, 1, 2), (label, argv, code)
            if code:
                assert err.strip() and str(store) in err, (label, argv, err)
            assert "Traceback" not in err
        code, out, err = _run("--store", store, "check", "--salvage-to", folder / "salvaged.sqlite")
        assert code in (0, 1, 2), (label, "check", code)
        outcomes[f"check={code}"] = outcomes.get(f"check={code}", 0) + 1
        if code == 2:  # not recognisable as a store at all (e.g. the header's magic is gone)
            assert err.strip() and str(store) in err, (label, err)
            continue
        if (folder / "salvaged.sqlite").exists():
            kept = _contents(folder / "salvaged.sqlite")
        else:  # healthy, or rebuilt in place
            kept = _contents(store)
        for (host, rid), data in kept.items():  # nothing made up: original bytes, right host
            if host:
                assert originals.get((host, rid)) == data, (label, host, rid)
            else:  # its host could not be read back (cut off, damaged): kept without one
                assert data in {originals[(h, rid)] for h in ("host0", "host1", "host2")}, (
                    label, rid)
        if spared:
            intact = _intact_images(damaged, originals)
            assert intact <= set(kept), (label, sorted(intact - set(kept))[:5])
        code, _, err = _run("--store", store, "write", new_record)
        assert code in (0, 1, 2) and (code == 0 or str(store) in err), (label, "write", err)
    assert outcomes.get("check=1", 0) > CASES // 3, outcomes  # most cases did find damage
