"""Exit status and output of ``whea report``, ``timeline`` and ``build`` when an input fails
(audit 2, L1 and L4): as ``whea decode``, an input that holds no record is a failed input (1),
an input that cannot be read at all is an unusable argument (2) and then no existing output is
replaced, and a build line whose field value is refused builds nothing."""

from __future__ import annotations

import json

import sources.sources_helpers as h

from whea_gui.cli import main
from whea_gui.decode import decode_record, record_to_json

RECORD = (h.DWR / "cper_memory_1sec_padded.bin").read_bytes()


def test_report_and_timeline_fail_on_an_input_that_holds_no_record(tmp_path, capsys):
    garbage = tmp_path / "g.bin"
    garbage.write_bytes(b"garbage")
    good = tmp_path / "good.bin"
    good.write_bytes(RECORD)
    assert main(["report", str(good), "-o", str(tmp_path / "ok.md"), "-q"]) == 0
    assert main(["report", str(garbage), "-o", str(tmp_path / "k.md"), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"{garbage}: no record found in this input" in err
    # F7-15: no report of no record (it replaced an existing one; an unopenable input did not)
    assert f"no record was read (the errors are listed above); {tmp_path / 'k.md'} was not written" in err
    assert not (tmp_path / "k.md").exists()
    assert main(["timeline", str(good)]) == 0
    assert main(["timeline", str(garbage), str(good)]) == 1
    assert f"{garbage}: no record found in this input" in capsys.readouterr().err


def test_report_on_a_missing_input_replaces_no_existing_output(tmp_path, capsys):
    existing = tmp_path / "existing.md"
    existing.write_text("an earlier report\n")
    good = tmp_path / "good.bin"
    good.write_bytes(RECORD)
    assert main(["report", str(tmp_path / "missing.bin"), str(good), "-o", str(existing)]) == 2
    assert existing.read_text() == "an earlier report\n"
    err = capsys.readouterr().err
    assert f"{tmp_path / 'missing.bin'}: no such file or folder; {existing} was not written" in err
    assert set(tmp_path.iterdir()) == {existing, good}  # no temporary file left either


def test_report_of_inputs_that_give_no_record_replaces_no_existing_output(tmp_path, capsys):
    # F7-15: prose (a text with no record) replaced the report there with an empty one
    existing = tmp_path / "existing.html"
    existing.write_text("an earlier report\n")
    prose = tmp_path / "notes.txt"
    prose.write_text("no hex here, only words\n" * 300)
    assert main(["report", str(prose), "-o", str(existing), "-q"]) == 1
    assert existing.read_text() == "an earlier report\n"
    assert set(tmp_path.iterdir()) == {existing, prose}
    assert f"{existing} was not written" in capsys.readouterr().err
    # with a filter too: no record was read, so the filter left nothing out (fresh check 4)
    for flt in (["--since", "2020-01-01"], ["--severity", "fatal"], ["--type", "memory"], ["--record", "1"]):
        assert main(["report", str(prose), "-o", str(existing), "-q", *flt]) == 1, flt
        assert existing.read_text() == "an earlier report\n", flt
    capsys.readouterr()
    # filters that leave every record out still give an (empty) report: nothing failed
    good = tmp_path / "good.bin"
    good.write_bytes(RECORD)
    assert main(["report", str(good), "-o", str(existing), "-q", "--since", "2100-01-01"]) == 0
    assert "an earlier report" not in existing.read_text()


def test_report_of_a_record_beyond_the_inputs_replaces_no_existing_output(tmp_path, capsys):
    # fresh check 10: --record past the end was refused (exit 2) after the report was replaced
    existing = tmp_path / "existing.md"
    existing.write_text("an earlier report\n")
    good = tmp_path / "good.bin"
    good.write_bytes(RECORD)
    assert main(["report", str(good), "--record", "5", "-o", str(existing), "-q"]) == 2
    assert existing.read_text() == "an earlier report\n"
    assert f"no record 5: the inputs hold 1 record(s); {existing} was not written" in capsys.readouterr().err


def test_build_with_a_refused_field_value_fails_and_writes_nothing(tmp_path, capsys):
    obj = record_to_json(decode_record(RECORD))
    obj["sections"][0]["fields"]["validation_bits"] = "x"
    lines = tmp_path / "edited.jsonl"
    lines.write_text(json.dumps(obj) + "\n")
    out = tmp_path / "x.bin"
    assert main(["build", str(lines), "-o", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "line 1: $.sections[0].fields.validation_bits: " in err and "'x' is not a number" in err
    # the same line unedited builds the record back
    obj["sections"][0]["fields"]["validation_bits"] = record_to_json(
        decode_record(RECORD))["sections"][0]["fields"]["validation_bits"]
    lines.write_text(json.dumps(obj) + "\n")
    assert main(["build", str(lines), "-o", str(out)]) == 0
    assert out.read_bytes() == RECORD
