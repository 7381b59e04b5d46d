"""whea build: decode -> JSON -> build gives identical bytes; structured edits change the bytes."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whea_gui.compose import EditError, RecordEditor, build_record
from whea_gui.core import guids
from whea_gui.decode import decode_record, record_to_json
from whea_gui.sources import iter_path
from whea_gui.sources.base import SourceError

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
ROOT = Path(__file__).resolve().parents[1]
RECORD_SUFFIXES = {".bin", ".cper", ".cperhex", ".evtx"}
# folders that hold records (libcper-schema holds JSON schemas: text is no longer read as bytes)
FOLDERS = sorted(p.name for p in VECTORS.iterdir()
                 if p.is_dir() and any(f.suffix in RECORD_SUFFIXES for f in p.rglob("*")))


def to_json(data: bytes) -> dict:
    """What `whea decode --json` prints for the record, read back as a person's JSON would be."""
    return json.loads(json.dumps(record_to_json(decode_record(data))))


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_vector_rebuilds_identically(folder):
    files = sorted(p for p in (VECTORS / folder).rglob("*") if p.is_file())
    assert files
    count = 0
    for path in files:
        try:
            refs = list(iter_path(path))
        except SourceError:
            continue  # not a record source (the readers say why); nothing to rebuild
        for ref in refs:
            rec = decode_record(ref.data, source=ref.source)
            obj = json.loads(json.dumps(record_to_json(rec)))
            built = build_record(obj)
            assert built.data == ref.data, f"{path} @ {ref.source.get('offset')}"
            assert built.warnings == []
            count += 1
    assert count >= 1


def load(name: str) -> bytes:
    return (VECTORS / name).read_bytes()


MEM2 = "DecodeWheaRecord/cper_memory_2sec_padded.bin"


def changed_offsets(a: bytes, b: bytes) -> set[int]:
    assert len(a) == len(b)
    return {i for i in range(len(a)) if a[i] != b[i]}


def test_header_severity_edit_changes_exactly_its_bytes():
    data = load(MEM2)
    obj = to_json(data)
    assert obj["header"]["severity"] == 2
    obj["header"]["severity"] = 1
    out = build_record(obj).data
    assert changed_offsets(data, out) == {12}
    assert struct.unpack_from("<I", out, 12)[0] == 1


def test_descriptor_edits_change_their_bytes():
    data = load(MEM2)
    obj = to_json(data)
    s1 = obj["sections"][1]
    doff = s1["descriptor_offset"]
    s1["severity"] = 0
    s1["flags"] = 0x9
    s1["fru_text"] = "DIMM_B2"
    s1["type"] = "61ec04fc-48e6-d813-25c9-8daa44750b12"
    out = build_record(obj).data
    assert struct.unpack_from("<I", out, doff + 48)[0] == 0
    assert struct.unpack_from("<I", out, doff + 12)[0] == 9
    assert out[doff + 52:doff + 72] == b"DIMM_B2".ljust(20, b"\0")
    assert out[doff + 16:doff + 32] == guids.guid_bytes(s1["type"])
    assert changed_offsets(data, out) <= set(range(doff, doff + 72))


def test_null_structured_values_fall_back_to_raw_bytes():
    # DWR issue #5: timestamp not marked valid (null in JSON) and its bytes are not zero
    data = load("DecodeWheaRecord/cper_boot_rev0101_venhw_section.bin")
    obj = to_json(data)
    assert obj["header"]["timestamp"] is None and obj["header"]["timestamp_raw"] != "00" * 8
    assert build_record(obj).data == data
    # a platform ID whose valid bit is clear: null in JSON, its bytes kept all the same
    ed = RecordEditor(load(MEM2))
    ed.set_field("header.platform_id", "11111111-2222-3333-4444-555555555555")
    obj = to_json(ed.data)
    assert obj["header"]["valid_bits"] & 1 == 0 and obj["header"]["platform_id"] is None
    assert build_record(obj).data == ed.data
    obj["header"]["platform_id"] = "66666666-2222-3333-4444-555555555555"
    obj["header"]["valid_bits"] |= 1
    out = build_record(obj).data
    assert out[32:48] == guids.guid_bytes("66666666-2222-3333-4444-555555555555")
    assert changed_offsets(ed.data, out) == {16, 32, 33, 34, 35}


def test_timestamp_edit_keeps_encoding():
    data = load(MEM2)  # Windows: binary timestamp
    obj = to_json(data)
    obj["header"]["timestamp"] = "2024-02-29T23:59:58"
    out = build_record(obj).data
    assert out[24:32] == bytes([58, 59, 23, data[27], 29, 2, 24, 20])
    uefi = load("libcper-examples/memory.cper")
    obj = to_json(uefi)
    obj["header"]["timestamp"] = "2024-02-29T23:59:58"
    obj["header"]["timestamp_encoding"] = "bcd"
    out = build_record(obj).data
    assert out[24:27] == bytes([0x58, 0x59, 0x23]) and out[28:32] == bytes([0x29, 0x02, 0x24, 0x20])


def test_body_base64_edit_and_fix_up():
    data = load(MEM2)
    obj = to_json(data)
    body = bytearray(base64.b64decode(obj["sections"][0]["body_base64"]))
    body[16:24] = struct.pack("<Q", 0x123456789A)
    obj["sections"][0]["body_base64"] = base64.b64encode(bytes(body)).decode()
    out = build_record(obj).data
    start = obj["sections"][0]["body_offset"]
    assert out[start + 16:start + 24] == struct.pack("<Q", 0x123456789A)
    # a longer body overlaps the next one until the layout is fixed up
    obj["sections"][0]["body_base64"] = base64.b64encode(bytes(body) + b"\x01" * 8).decode()
    obj["sections"][0]["length"] = len(body) + 8
    messy = decode_record(build_record(obj).data)
    assert messy.has_errors()
    fixed = build_record(obj, fix_up=True).data
    rec = decode_record(fixed)
    assert not rec.has_errors()
    assert [s.values["length"] for s in rec.sections] == [len(body) + 8, 77]
    assert struct.unpack_from("<I", fixed, 20)[0] == len(fixed)


def test_hand_written_json_builds_a_valid_record():
    obj = {"header": {"creator_id": "cf07c4bd-b789-4e18-b3c4-1f732cb57131",
                      "notify_type": "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890",
                      "timestamp": "2025-05-01T12:00:00", "severity": 2},
           "sections": [{"type": "a5bc1114-6f64-4ede-b863-3e83ed7c83b1", "severity": 2, "flags": 1,
                         "fru_text": "DIMM_A1"},
                        {"type": "9876ccad-47b4-4bdb-b65e-16f193c4f3db", "severity": 2}]}
    out = build_record(obj).data
    rec = decode_record(out)
    assert not rec.has_errors(), rec.findings
    assert rec.header["section_count"] == 2 and rec.header["length"] == len(out)
    assert rec.header["timestamp"] == "2025-05-01T12:00:00"
    assert rec.header["timestamp_encoding"] == "binary"
    assert [s.values["type_name"] for s in rec.sections] == ["Platform Memory", "Processor Generic"]
    assert rec.sections[0].values["fru_text"] == "DIMM_A1"
    assert [s.values["length"] for s in rec.sections] == [80, 192]


def test_whlg_header_edit():
    data = load("DecodeWheaRecord/whlg_cmci_restart.bin")
    obj = to_json(data)
    assert obj["kind"] == "whlg"
    obj["header"]["type"] = 2
    out = build_record(obj).data
    assert changed_offsets(data, out) == {12}


def test_bad_values_are_reported():
    obj = to_json(load(MEM2))
    obj["sections"][0]["fru_text"] = "x" * 21
    with pytest.raises(EditError, match="at most 20"):
        build_record(obj)
    obj = to_json(load(MEM2))
    obj["header"]["creator_id"] = "not-a-guid"
    with pytest.raises(EditError, match="not a GUID"):
        build_record(obj)


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *args], cwd=ROOT, input=stdin,
                          capture_output=True)


def test_cli_build_round_trip_and_exit_codes(tmp_path):
    src = VECTORS / "DecodeWheaRecord" / "cper_cmci_amd_zen4_xpfmca_v4.bin"
    both = tmp_path / "two.bin"
    both.write_bytes(src.read_bytes() + load(MEM2))
    js = run_cli("decode", "--json", str(both))
    assert js.returncode == 0
    jl = tmp_path / "two.jsonl"
    jl.write_bytes(js.stdout)
    out = tmp_path / "out.bin"
    res = run_cli("build", str(jl), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert out.read_bytes() == both.read_bytes()
    # a line that is not JSON is named and skipped; the good line beside it is still built
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"header": \n' + js.stdout.splitlines()[1] + b"\n")
    res = run_cli("build", str(bad), "-o", str(out))
    assert res.returncode == 1 and b"line 1: not JSON" in res.stderr
    assert out.read_bytes() == load(MEM2)
    assert run_cli("build", str(tmp_path / "missing.jsonl"), "-o", str(out)).returncode == 2
    assert run_cli("build", str(jl), "-o", str(tmp_path / "no" / "dir.bin")).returncode == 2
    assert run_cli("build", str(jl), "-o", str(out), "--max-size", "5G").returncode == 2
    # a record made malformed on purpose is still written, with exit status 1
    obj = json.loads(js.stdout.splitlines()[0])
    obj["header"]["length"] = 5
    jl.write_text(json.dumps(obj) + "\n")
    res = run_cli("build", str(jl), "-o", str(out))
    assert res.returncode == 1 and out.read_bytes()[20:24] == b"\x05\0\0\0"


# A section decoder registered by this test, so body-field edits are exercised whatever
# decoders the project has: fields named like their located nodes are written back.
TEST_GUID = "5e1ec7ed-0000-4000-8000-00000000b0d1"


def _register_test_decoder():
    from whea_gui.core.fields import Field, Layout
    from whea_gui.core.sections import register
    layout = Layout("test_body", [Field("counter", "Counter", 4), Field("address", "Address", 8, "hex"),
                                  Field("name", "Name", 8, "ascii")])

    @register(TEST_GUID)
    def decode_test(ctx):
        values, _ = layout.decode(ctx.data, ctx.offset, ctx.end, ctx.node)
        return {"counter": values["counter"], "address": values["address"],
                "name": bytes(values["name"]).rstrip(b"\0").decode(), "nested": {"address": 1}}
    return layout


def test_body_field_edits_in_json_are_written_back():
    _register_test_decoder()
    body = struct.pack("<IQ8s", 5, 0x1000, b"abc")
    obj = {"header": {"creator_id": guids.NULL_GUID},
           "sections": [{"type": TEST_GUID, "severity": 2, "body_base64": base64.b64encode(body).decode()}]}
    data = build_record(obj).data
    js = to_json(data)
    assert js["sections"][0]["fields"]["counter"] == 5
    assert build_record(js).data == data
    js["sections"][0]["fields"]["counter"] = 6
    js["sections"][0]["fields"]["address"] = "0x2000"
    js["sections"][0]["fields"]["name"] = "xyz"
    res = build_record(js)
    start = js["sections"][0]["body_offset"]
    assert res.data[start:start + 20] == struct.pack("<IQ8s", 6, 0x2000, b"xyz")
    assert changed_offsets(data, res.data) <= set(range(start, start + 20))
    assert res.warnings == []
    # a derived value with no field of its own cannot be written: said, not silently dropped
    js["sections"][0]["fields"]["nested"]["address"] = 2
    assert "nested.address" in build_record(js).warnings[0]
    # fields decoded as another section type are not applied to the new type
    js = to_json(data)
    js["sections"][0]["fields"]["counter"] = 99
    js["sections"][0]["type"] = "a5bc1114-6f64-4ede-b863-3e83ed7c83b1"
    out = build_record(js).data
    assert out[start:start + 4] == struct.pack("<I", 5)


def _mutated_record(seed_bytes: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    from whea_gui.compose import new_record
    data = bytearray(new_record("memory", "pcie") + seed_bytes)
    for pos, val in flips:
        data[pos % len(data)] = val
    return bytes(data[:max(0, len(data) - cut)])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.integers(0, 700),
       st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=12))
def test_any_damaged_record_rebuilds_identically(tail, cut, flips):
    data = _mutated_record(tail, cut, flips)
    obj = to_json(data)
    assert build_record(obj).data == data


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_rebuild_identically(data):
    assert build_record(to_json(data)).data == data
