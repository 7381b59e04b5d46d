"""A status block whose DataLength is impossible (past the region, or not filled by its own
entries) must not swallow the block after it: the walk resynchronises on the next plausible
block, reports where, and both blocks are decoded (docs/sources.md). An ErrorDataEntryCount
that disagrees with the entries found is a warning."""

from __future__ import annotations

import struct

import sources_helpers as h

from whea_gui.cli import main
from whea_gui.decode import decode_record
from whea_gui.sources import iter_bytes

GEN = h.VECTORS / "libcper-generated"
MEM = (GEN / "memory" / "000.cper").read_bytes()
MULTI = (GEN / "multi" / "000.cper").read_bytes()


def _block(record: bytes, **kw) -> bytes:
    return h.gesb([h.gede(d, b, v3=True) for d, b in h.cper_sections(record)], **kw)


def _with_data_length(block: bytes, data_length: int) -> bytes:
    return block[:12] + struct.pack("<I", data_length) + block[16:]


def _no_swallowed(rec) -> None:
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]


def _read(region: bytes, path: str = "region.bin"):
    problems = []
    refs = list(iter_bytes(region, path, problems.append))
    return refs, problems


def test_huge_data_length_does_not_swallow_the_next_block():
    first = _block(MEM, severity=2)
    second = _block(MULTI, severity=1)
    bad = _with_data_length(first, 0x7FFFFFFF)
    refs, problems = _read(bad + second)
    assert [(r.source["offset"], r.data) for r in refs] == [(0, bad), (len(bad), second)]
    [err] = [p for p in problems if p.level == "error"]
    assert (err.path, err.offset, err.length) == ("region.bin", 0, len(bad))
    assert (f"a plausible status block starts at {len(bad)}" in err.message
            and "2147483667 bytes but only" in err.message)
    one, two = (decode_record(r.data, source=r.source) for r in refs)
    _no_swallowed(one)
    _no_swallowed(two)
    assert one.header["severity"] == 2 and len(one.sections) == len(h.cper_sections(MEM))
    assert any(f.code == "gesb-truncated" for f in one.findings)  # DataLength is still wrong
    assert not two.has_errors() and two.header["severity"] == 1
    assert len(two.sections) == len(h.cper_sections(MULTI))


def test_data_length_that_fits_but_covers_the_next_block_is_cut_there():
    """DataLength reaches exactly the region's end, so nothing is "truncated", but the entries
    end where the next block starts."""
    first = _block(MEM)
    second = _block(MULTI, severity=1)
    bad = _with_data_length(first, len(first) - 20 + len(second))
    refs, problems = _read(bad + second)
    assert [(r.source["offset"], r.data) for r in refs] == [(0, bad), (len(bad), second)]
    assert [p.offset for p in problems if p.level == "error"] == [0]


def test_consistent_blocks_and_truncated_last_block_are_unchanged():
    a, b = _block(MEM), _block(MULTI)
    refs, problems = _read(a + b)
    assert [r.data for r in refs] == [a, b] and not [p for p in problems if p.level != "note"]
    refs, problems = _read(a + b[:-30])  # a cut last block: kept, a warning, no resync
    assert [r.data for r in refs] == [a, b[:-30]]
    assert [p.level for p in problems if "truncated" in p.message] == ["warning"]


def test_in_a_bert_table_file_and_through_the_cli(tmp_path, capsys):
    first = _with_data_length(_block(MEM), 0x7FFFFFFF)
    second = _block(MULTI, severity=1)
    region = first + second
    path = tmp_path / "bert.dat"
    path.write_bytes(h.bert_table(len(region)) + region)
    assert main(["decode", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.count("(gesb,") == 2 and f"@ {48 + len(first)} (gesb, {len(second)} bytes)" in out
    assert f"{path} at bytes 48–{48 + len(first) - 1}: status block at offset 48" in err


def test_entry_count_disagreeing_with_the_entries_is_a_warning():
    block = _block(MULTI)
    n = len(h.cper_sections(MULTI))
    status = struct.unpack_from("<I", block)[0]
    for count, level in [(1023, "warning"), (n + 1, "warning"), (n | 0x100, "note")]:
        changed = struct.pack("<I", status & ~(0x3FF << 4) | count << 4) + block[4:]
        rec = decode_record(changed, source={"kind": "gesb"})
        found = [(f.level, f.offset) for f in rec.findings if f.code == "gesb-entry-count"]
        assert found == [(level, 0)], count
        assert len(rec.sections) == n  # the entries are walked by DataLength all the same
