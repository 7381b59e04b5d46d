"""Fuzzing 5, F5-6: a WhLg entry cut short (its Length runs past the data) swallowed the whole
record after it, and a UEFI variable holding a cut record then a whole one decoded the second
from the first's section bytes. As for a CPER record cut short (docs/sources.md), a whole record
starting inside the cut item ends it there. Inputs are the shared real records
(../shared/vectors/DecodeWheaRecord) cut and joined."""

from __future__ import annotations

import struct

from whea_gui.sources import iter_path

D = "DecodeWheaRecord"


def _read(path):
    problems = []
    refs = list(iter_path(str(path), problems.append))
    return refs, problems


def test_a_cut_whlg_entry_ends_where_a_whole_record_starts(tmp_path, vectors):
    entry = (vectors / D / "whlg_wheainit_1.bin").read_bytes()
    assert struct.unpack_from("<I", entry, 8)[0] > 600  # its Length: the cut entry claims more
    for name in ("cper_mce_fatal_amd_xpfmca_v3.bin", "whlg_add_remove_error_source.bin"):
        after = (vectors / D / name).read_bytes()
        path = tmp_path / f"cut_then_{name}"
        path.write_bytes(entry[:600] + after)
        refs, problems = _read(path)
        assert [r.data for r in refs] == [entry[:600], after], [str(p) for p in problems]
        assert [r.source["offset"] for r in refs] == [0, 600]
        cut = [p for p in problems if "cut short at 600" in p.message]
        assert len(cut) == 1 and cut[0].level == "error"
    # with more data after it than the entry's Length claims (recheck 5): the same cut
    fatal = (vectors / D / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    good = (vectors / D / "cper_memory_1sec_padded.bin").read_bytes()
    path = tmp_path / "cut_then_many.bin"
    path.write_bytes(entry[:600] + fatal + good * 20)
    refs, problems = _read(path)
    assert [r.data for r in refs] == [entry[:600], fatal] + [good] * 20, [str(p) for p in problems]
    # an entry missing only its last few bytes (recheck 6): the header after it starts before
    # the Length's end and runs past it
    hest = (vectors / D / "whlg_process_hest.bin").read_bytes()
    for k in (1, 7, 9):
        path = tmp_path / f"short_{k}.bin"
        path.write_bytes(hest[:-k] + fatal)
        refs, problems = _read(path)
        assert [r.data for r in refs] == [hest[:-k], fatal], (k, [str(p) for p in problems])
    # a whole entry keeps what its payload holds
    refs, _ = _read(vectors / D / "whlg_wheainit_1.bin")
    assert [r.data for r in refs] == [entry]


def test_a_variable_holding_a_cut_record_then_a_whole_one_shows_both(tmp_path, vectors):
    fatal = (vectors / D / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    good = (vectors / D / "cper_memory_1sec_padded.bin").read_bytes()
    path = tmp_path / "HwErrRec0001-414e6bdd-e47b-47cc-b244-bb61020cf516"
    path.write_bytes(struct.pack("<I", 0x0F) + fatal[:500] + good)
    refs, problems = _read(path)
    assert [r.data for r in refs] == [fatal[:500], good], [str(p) for p in problems]
    assert [r.source["offset"] for r in refs] == [4, 504]
    assert all(r.source["kind"] == "efivar" for r in refs)
    assert any("cut short at 504" in p.message and p.level == "error" for p in problems)


def test_a_variable_holding_a_whole_record_after_its_own_shows_it(tmp_path, vectors):
    # fuzzing 5, F5-19: a whole second record after the declared length was only "N bytes
    # after the record's declared length"
    good = (vectors / D / "cper_memory_1sec_padded.bin").read_bytes()
    fatal = (vectors / D / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()
    path = tmp_path / "HwErrRec0002-414e6bdd-e47b-47cc-b244-bb61020cf516"
    path.write_bytes(struct.pack("<I", 0x0F) + good + fatal)
    refs, problems = _read(path)
    assert [r.data for r in refs] == [good, fatal], [str(p) for p in problems]
    assert [r.source["offset"] for r in refs] == [4, 4 + len(good)]
    # bytes after the record that hold no record stay its trailing bytes
    path.write_bytes(struct.pack("<I", 0x0F) + good + bytes(40))
    refs, _ = _read(path)
    assert [r.data for r in refs] == [good + bytes(40)]
