"""``whea decode``: the JSON Lines interface scripts rely on, text output and exit codes."""

import json
import subprocess
import sys

from vectorlib import VECTORS

from whea_gui.cli import main

HEADER_KEYS = {"revision", "section_count", "severity", "severity_name", "valid_bits", "length",
               "timestamp", "timestamp_raw", "platform_id", "partition_id", "creator_id",
               "creator_name", "notify_type", "notify_type_name", "record_id", "flags",
               "flag_names", "persistence_info"}
SECTION_KEYS = {"index", "offset", "length", "revision", "flags", "flag_names", "type", "type_name",
                "severity", "severity_name", "fru_id", "fru_text"}


def _run(capsys, *args):
    code = main(["decode", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lines_public_keys_and_types(capsys):
    path = VECTORS / "DecodeWheaRecord" / "cper_cmci_intel_xpfmca_v4_memext.bin"
    code, out, _ = _run(capsys, path, "--json")
    assert code == 0
    (line,) = out.splitlines()
    obj = json.loads(line)
    assert obj["source"] == {"path": str(path), "offset": 0, "kind": "raw"}
    assert HEADER_KEYS <= obj["header"].keys()
    h = obj["header"]
    assert h["timestamp"] == "2025-07-01T02:01:34"
    assert h["timestamp_raw"] == path.read_bytes()[24:32].hex() == "2201020001071914"
    assert isinstance(h["record_id"], int) and h["record_id"] == 0x01DBEA259DBFA6D8
    assert h["creator_id"] == "cf07c4bd-b789-4e18-b3c4-1f732cb57131"
    assert h["notify_type"] == "919448b2-3739-4b7f-a8f1-e0062805c2a3"
    assert len(obj["sections"]) == 5
    for s in obj["sections"]:
        assert SECTION_KEYS <= s.keys()
        assert s["type"] == s["type"].lower()
    assert obj["findings"] == []


def test_concatenated_records_each_with_offset(capsys, tmp_path):
    a = (VECTORS / "DecodeWheaRecord" / "cper_memory_1sec_padded.bin").read_bytes()
    b = (VECTORS / "DecodeWheaRecord" / "whlg_cmci_restart.bin").read_bytes()
    c = (VECTORS / "DecodeWheaRecord" / "cper_cmc_amd_xpfmca_v2r1.bin").read_bytes()
    f = tmp_path / "three.bin"
    f.write_bytes(a + b + c)
    code, out, _ = _run(capsys, f, "--json")
    objs = [json.loads(x) for x in out.splitlines()]
    assert [o["source"]["offset"] for o in objs] == [0, len(a), len(a) + len(b)]
    assert [o["kind"] for o in objs] == ["cper", "whlg", "cper"]
    assert code == 0


def test_exit_status_1_for_error_findings_and_record_still_shown(capsys):
    code, out, _ = _run(capsys, VECTORS / "malformed" / "m09-bad-signature-end.cper", "--json")
    assert code == 1
    obj = json.loads(out)
    assert any(f["level"] == "error" and f["offset"] == 6 and f["length"] == 4 for f in obj["findings"])
    assert obj["sections"][0]["type_name"] == "Processor Generic"


def test_exit_status_2_for_unreadable_file(capsys, tmp_path):
    code, _, err = _run(capsys, tmp_path / "missing.bin")
    assert code == 2
    assert "missing.bin" in err and "cannot read" in err


def test_text_tree_shows_fields_with_locations(capsys):
    code, out, _ = _run(capsys, VECTORS / "DecodeWheaRecord" / "cper_mce_fatal_amd_xpfmca_v3.bin")
    assert code == 0
    assert "Error severity: Fatal (1)" in out
    assert "Timestamp: 2024-10-24 14:20:20 (binary, imprecise)" in out
    line = next(x for x in out.splitlines() if "Previous error: set" in x)
    assert line.rstrip().endswith("@104+1 bit 1")


def test_tree_json_carries_locations(capsys):
    code, out, _ = _run(capsys, VECTORS / "DecodeWheaRecord" / "cper_boot_rev0101_venhw_section.bin",
                        "--json", "--tree")
    obj = json.loads(out)
    header = obj["tree"]["children"][0]
    names = {c["name"]: c for c in header["children"]}
    assert (names["record_id"]["offset"], names["record_id"]["length"]) == (96, 8)
    bits = {c["name"]: c for c in names["valid_bits"]["children"]}
    assert bits["platform_id_valid"]["bit_offset"] == 0 and bits["platform_id_valid"]["value"] == 1


def test_console_entry_point_help_mentions_exit_status():
    out = subprocess.run([sys.executable, "-m", "whea_gui.cli", "decode", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "exit status" in out and "2  unusable arguments" in out
