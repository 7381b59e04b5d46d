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


# -- hostile structure: deep nesting, shared bodies, bounded output ---------------------------

from whea_gui.compose.layout import DESCRIPTOR_SIZE, HEADER_SIZE, make_descriptor, make_header  # noqa: E402
from whea_gui.compose.status_block import data_entry, status_block  # noqa: E402
from whea_gui.core.model import MAX_FINDINGS_PER_CODE  # noqa: E402
from whea_gui.core.nested import MAX_NESTING  # noqa: E402
from whea_gui.decode import decode_record, record_to_json  # noqa: E402
from whea_gui.decode.jsonout import SHARED_FIELDS_REPEATED, node_to_json  # noqa: E402
from whea_gui.formats.cper import DESCRIPTOR, HEADER  # noqa: E402

GENERIC_GUID = "e71254e8-c1b9-4940-ab76-909703a4320f"
MEMORY_GUID = "a5bc1114-6f64-4ede-b863-3e83ed7c83b1"
PCIE_GUID = "d995e954-bbc1-430f-ad91-b44dcb3c6f35"
PCIE_BODY = (VECTORS / "libcper-examples" / "pcie.cper").read_bytes()[200:408]


def _entry(guid: str, body: bytes) -> bytes:
    return data_entry(guid, body, revision=0x201)


def nested_status_block(depth: int) -> bytes:
    """A status block whose entry is a Microsoft generic section holding another block, ``depth``
    times, around a memory section."""
    blk = status_block([_entry(MEMORY_GUID, bytes(80))])
    for _ in range(depth):
        blk = status_block([_entry(GENERIC_GUID, blk)])
    return blk


def shared_body_record(count: int, body: bytes = PCIE_BODY) -> bytes:
    """``count`` identical descriptors that all point at one body."""
    hdr = bytearray(make_header())
    start = HEADER_SIZE + DESCRIPTOR_SIZE * count
    HEADER.write(hdr, "section_count", count)
    HEADER.write(hdr, "length", start + len(body))
    return bytes(hdr) + make_descriptor(PCIE_GUID, offset=start, length=len(body)) * count + body


def _codes(obj) -> set[str]:
    return {f["code"] for f in obj["findings"]}


def test_json_tree_of_a_status_block_nested_180_deep(capsys, tmp_path):
    path = tmp_path / "deep.bin"
    path.write_bytes(nested_status_block(180))
    code, out, err = _run(capsys, path, "--json", "--tree")
    obj = json.loads(out)  # no RecursionError: one complete JSON line
    assert code == 0 and obj["kind"] == "gesb" and "Traceback" not in err
    limit = [f for f in obj["findings"] if f["code"] == "nesting-limit"]
    assert len(limit) == 1 and f"more than {MAX_NESTING} levels" in limit[0]["message"]
    assert not _codes(obj) & {"internal", "decoder-failed"}
    depth, node = 0, obj["tree"]
    while node.get("children"):
        node = node["children"][-1]
        depth += 1
    assert depth > 3 * MAX_NESTING  # decoded down to the limit, not given up at once
    code, out, _ = _run(capsys, path)  # the text tree too
    assert code == 0 and "nested more than" in out


def test_descriptors_sharing_one_body_decode_it_once(capsys, tmp_path):
    count = 3000
    path = tmp_path / "shared.cper"
    path.write_bytes(shared_body_record(count))
    code, out, _ = _run(capsys, path, "--json")
    obj = json.loads(out)
    sections = obj["sections"]
    assert len(sections) == count
    first = sections[0]
    assert first["fields"]["port_type_name"] and "same_body_as" not in first
    for i, s in enumerate(sections[1:], 1):
        assert SECTION_KEYS | {"fields", "summary", "component", "location"} <= s.keys()
        assert s["same_body_as"] == 0 and s["index"] == i and s["summary"] == first["summary"]
        if i <= SHARED_FIELDS_REPEATED:
            assert s["fields"] == first["fields"]
        else:
            assert s["fields"] is None and s["fields_omitted"] is True
    # one overlap finding per pair would be 2,999: bounded, with a finding that says so
    overlaps = [f for f in obj["findings"] if f["code"] == "overlap"]
    assert len(overlaps) == MAX_FINDINGS_PER_CODE
    (held,) = [f for f in obj["findings"] if f["code"] == "output-limit"]
    assert held["level"] == "error" and f"{count - 1 - MAX_FINDINGS_PER_CODE} more" in held["message"]
    assert code == 1 and not _codes(obj) & {"internal", "decoder-failed"}
    rec = decode_record(path.read_bytes())
    decoded = [s for s in rec.sections if s.body.children]
    assert len(decoded) == 1 and "same bytes as section 0" in rec.sections[7].body.description
    assert len(out) < 20 * path.stat().st_size  # no per-descriptor copy of the decoded body


def test_descriptors_differing_in_severity_are_decoded_each():
    data = bytearray(shared_body_record(2))
    DESCRIPTOR.write(data, "severity", 1, HEADER_SIZE + DESCRIPTOR_SIZE)  # second one fatal
    rec = decode_record(bytes(data))
    assert [s.same_body_as for s in rec.sections] == [None, None]
    assert all(s.body.children for s in rec.sections)


def test_tree_json_is_bounded_with_a_finding():
    rec = decode_record(shared_body_record(40))
    limits = []
    tree = node_to_json(rec.root, limits, max_nodes=150)
    assert len(tree["children"]) == 81 and any("children_omitted" in c for c in tree["children"])
    (note,) = limits
    assert note.code == "output-limit" and "150 nodes" in note.message
    deep = node_to_json(rec.root, limits, max_depth=1)
    assert all("children" not in c for c in deep["children"])
    obj = record_to_json(rec, with_tree=True)
    assert "output-limit" not in _codes(obj)  # the default bound leaves a real record whole


def test_damaged_header_with_a_huge_section_count_decodes_a_bounded_number(capsys, tmp_path):
    """"CPER" + FF FF FF FF filler reads as SectionCount 21,061 with a wrong SignatureEnd: the
    record is reported, but not as tens of thousands of garbage sections."""
    from whea_gui.decode.record import MAX_UNTRUSTED_DESCRIPTORS

    path = tmp_path / "ff.bin"
    path.write_bytes((b"CPER" + b"\xff" * 4) * 200_000)
    code, out, _ = _run(capsys, path, "--json")
    (obj,) = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and obj["header"]["section_count"] == 0x5245
    assert len(obj["sections"]) == MAX_UNTRUSTED_DESCRIPTORS
    assert {"signature-end", "output-limit"} <= _codes(obj)
    assert not _codes(obj) & {"internal", "decoder-failed"}
    assert len(out) < 3 * path.stat().st_size
