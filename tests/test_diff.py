"""whea diff: known pairs list exactly the changed fields, with both byte ranges."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from whea_gui.compose import RecordEditor
from whea_gui.compose.diff import byte_runs, diff_records

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
ROOT = Path(__file__).resolve().parents[1]
MEM2 = VECTORS / "DecodeWheaRecord" / "cper_memory_2sec_padded.bin"


def paths(d):
    return [(c.path, c.change) for c in d.fields]


def test_identical_records():
    data = MEM2.read_bytes()
    d = diff_records(data, bytes(data))
    assert d.same and d.fields == [] and d.byte_runs == []


def test_known_edits_list_exactly_those_fields():
    a = MEM2.read_bytes()
    ed = RecordEditor(a)
    ed.set_field("header.severity", "Fatal")
    ed.set_field("header.flags.simulated", 1)
    ed.set_field("descriptor_1.fru_text", "DIMM_B2")
    d = diff_records(a, ed.data)
    assert paths(d) == [("header.severity", "changed"), ("header.flags", "changed"),
                        ("header.flags.simulated", "changed"),
                        ("descriptor_1.fru_text", "changed")]
    sev = d.fields[0]
    assert (sev.old, sev.new) == ("Corrected (2)", "Fatal (1)")
    assert sev.old_range == sev.new_range == (12, 4)
    assert d.fields[2].old == "clear" and d.fields[2].new == "set"
    assert d.byte_runs == byte_runs(a, ed.data)
    assert (12, 1) in d.byte_runs and (104, 1) in d.byte_runs


def test_bytes_after_nul_in_text_count_as_a_change():
    a = MEM2.read_bytes()
    b = bytearray(a)
    b[128 + 52 + 15] = 0x41  # after the FRU text's NUL: same text, different bytes
    d = diff_records(a, bytes(b))
    assert paths(d) == [("descriptor_0.fru_text", "changed")]


def test_removed_section_is_listed_once_with_its_ranges():
    a = MEM2.read_bytes()
    ed = RecordEditor(a)
    ed.remove_section(1)
    d = diff_records(a, ed.data)
    got = dict(paths(d))
    assert got["descriptor_1"] == "removed" and got["section_1"] == "removed"
    assert got["header.section_count"] == "changed" and got["header.length"] == "changed"
    assert not any(p.startswith("descriptor_1.") for p in got)  # not every child again
    removed = next(c for c in d.fields if c.path == "section_1")
    assert removed.old_range == (349, 77) and removed.new_range is None
    assert d.length_a == 426 and d.length_b == 277 and d.byte_runs[-1] == (277, 149)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *args], cwd=ROOT,
                          capture_output=True, text=True)


def test_cli_exit_codes_and_json(tmp_path):
    a = MEM2.read_bytes()
    ed = RecordEditor(a)
    ed.set_field("header.record_id", 42)
    fa, fb = tmp_path / "a.bin", tmp_path / "b.bin"
    fa.write_bytes(a)
    fb.write_bytes(ed.data)
    same = run_cli("diff", str(fa), str(fa))
    assert same.returncode == 0 and "identical" in same.stdout
    res = run_cli("diff", str(fa), str(fb), "--json")
    assert res.returncode == 1
    obj = json.loads(res.stdout)
    assert [c["path"] for c in obj["fields"]] == ["header.record_id"]
    assert obj["fields"][0]["old_range"] == {"offset": 96, "length": 8}
    text = run_cli("diff", str(fa), str(fb))
    assert text.returncode == 1 and "header.record_id" in text.stdout
    assert run_cli("diff", str(fa), str(tmp_path / "missing.bin")).returncode == 2


def test_cli_reports_input_problems_and_never_calls_them_identical(tmp_path):
    # two copies of a file with no record: nothing was compared, so not "identical" (exit 1)
    junk = tmp_path / "junk.txt"
    junk.write_text("nothing here, but words!\n")
    res = run_cli("diff", str(junk), str(junk))
    assert res.returncode == 1 and "identical" not in res.stdout
    assert f"{junk}: no record to compare" in res.stderr
    assert "nothing to decode" in res.stderr  # the reader's own problem is printed, not dropped
    # a cut record after a good one is still a record: listed as only in B, exit 1
    a = MEM2.read_bytes()
    good, damaged = tmp_path / "good.bin", tmp_path / "damaged.bin"
    good.write_bytes(a)
    damaged.write_bytes(a + b"CPER" + bytes(60))  # a second record cut inside its header
    res = run_cli("diff", str(good), str(damaged))
    assert res.returncode == 1
    assert "record 0" in res.stdout and "record 1: only in B" in res.stdout
