"""Fuzzing 5, F5-9: an export whose every input failed (no record in any) replaced a good
earlier export with an empty one; it is now refused and DIR keeps what it held, as a report
keeps its file (the same rule)."""

from __future__ import annotations

from whea_gui.cli import main


def _files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_export_of_only_failed_inputs_leaves_the_folder_as_it_was(tmp_path, vectors, capsys):
    out = tmp_path / "px"
    good = vectors / "DecodeWheaRecord" / "cper_memory_1sec_padded.bin"
    assert main(["export", str(out), str(good)]) == 0
    before = _files(out)
    assert any(name.startswith("records/") for name in before)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    capsys.readouterr()
    assert main(["export", str(out), str(notes)]) == 1  # the input failed, as in decode
    err = capsys.readouterr().err
    assert "no record was found" in err and "was left as it was" in err and "Traceback" not in err
    assert _files(out) == before
    # one good input beside the failed one is an export (its failure reported, exit 1)
    fatal = vectors / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin"
    assert main(["export", str(out), str(notes), str(fatal)]) == 1
    assert _files(out) != before
