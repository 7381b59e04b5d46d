"""whea build under the hostile JSON of issue #15: every case gets a message naming the JSON path,
nothing is allocated for a record over the cap, and the CLI keeps building the good lines."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from whea_gui.compose.bodies import catalog
from whea_gui.compose.fromjson import build_line, build_record
from whea_gui.compose.jsonshape import BuildInputError, validate
from whea_gui.compose.layout import split_record
from whea_gui.core import guids
from whea_gui.decode import decode_record, record_to_json
from whea_gui.formats.cper import DESCRIPTOR, HEADER

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT.parent / "shared" / "vectors"
MEM2 = VECTORS / "DecodeWheaRecord" / "cper_memory_2sec_padded.bin"
PSTORE = guids.LINUX_PSTORE_CREATOR


def vector_json() -> dict:
    return json.loads(json.dumps(record_to_json(decode_record(MEM2.read_bytes()))))


def refused(obj_or_line, **kw) -> str:
    line = obj_or_line if isinstance(obj_or_line, bytes) else json.dumps(obj_or_line).encode()
    with pytest.raises(BuildInputError) as err:
        build_line(line, **kw)
    return str(err.value)


def with_header(**values) -> dict:
    obj = vector_json()
    obj["header"].update(values)
    return obj


def test_the_reported_cases_get_messages_naming_the_place():
    assert refused([vector_json()]).startswith("$: expected one JSON object per line")
    assert refused({"sections": [vector_json()["sections"][0], 5]}) == \
        "$.sections[1]: expected an object, got the number 5"
    obj = vector_json()
    obj["sections"][0]["type"] = 5
    assert refused(obj) == "$.sections[0].type: expected text, got the number 5"
    assert refused(with_header(revision=70000)) == \
        "$.header.revision: 70000 does not fit in 2 byte(s) (0 to 65535)"
    assert refused(with_header(signature_hex="4350455200")) == \
        "$.header.signature_hex: 5 byte(s) of hex, expected exactly 4"
    assert refused(b'{"sections": ' + b"[" * 5000 + b"]" * 5000 + b"}").startswith(
        "nested more than 32 levels deep")
    line = json.dumps(vector_json()).encode().replace(b'"kind"', b'"\xffkind"', 1)
    assert refused(line).startswith("not UTF-8 text (byte 0xff")
    assert refused({"length": 1e14}) == "$.length: expected an integer, got the fraction 100000000000000.0"
    assert refused({"header": {"creator_id": "not-a-guid"}}).startswith(
        "$.header.creator_id: 'not-a-guid' is not a GUID")
    assert refused(b'{"length": ' + b"9" * 5000 + b"}").startswith("not usable JSON")
    assert refused({"kind": "evtx"}).startswith("$.kind: 'evtx': whea build makes cper and whlg")


def test_sizes_are_checked_before_anything_is_allocated():
    tracemalloc.start()
    try:
        for obj, path in [({"length": 3000000000}, "$.length"), ({"length": 10**14}, "$.length"),
                          ({"extra_bytes": [{"offset": 4000000000, "base64": "QUJD"}]},
                           "$.extra_bytes[0].offset"),
                          ({"sections": [{"body_offset": 2**32 - 8, "body_base64": "QUJDRA=="}]},
                           "$.sections[0].body_offset")]:
            msg = refused(obj)
            assert msg.startswith(path + ":") and "exceeds the 16 MiB record cap (use --max-size)" in msg
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20
    assert refused({"length": 3000000000}) == \
        "$.length: 3000000000 exceeds the 16 MiB record cap (use --max-size)"
    # a larger cap is allowed, up to what CPER's u32 RecordLength can say
    assert len(build_record({"length": 20 << 20}, max_size=32 << 20).data) == 20 << 20
    assert "u32 RecordLength" in refused({"length": 2**32}, max_size=2**40)


def test_declared_lengths_are_field_values_not_allocations():
    # malformed on purpose: a descriptor and the header may claim any u32
    obj = vector_json()
    obj["sections"][1]["length"] = 3000000000
    obj["header"]["length"] = 0xFFFFFFFF
    out = build_line(json.dumps(obj).encode()).data
    assert len(out) == len(MEM2.read_bytes())
    assert struct.unpack_from("<I", out, 20)[0] == 0xFFFFFFFF
    assert decode_record(out).has_errors()
    obj["sections"][1]["length"] = 2**32
    assert refused(obj).startswith("$.sections[1].length: 4294967296 does not fit in 4 byte(s)")


def test_year_one_and_out_of_range_timestamps():
    obj = with_header(timestamp="0001-01-01T00:00:00")  # Windows creator: binary timestamp
    out = build_line(json.dumps(obj).encode()).data
    assert out[24:27] == b"\0\0\0" and out[28:32] == bytes([1, 1, 1, 0])
    assert decode_record(out).header["timestamp"] == "0001-01-01T00:00:00"
    obj = with_header(timestamp="0001-01-01T00:00:00", timestamp_encoding="bcd")
    assert build_line(json.dumps(obj).encode()).data[28:32] == bytes([1, 1, 0x01, 0])
    # a unix timestamp (Linux pstore) cannot go before 1970: said, with the way out
    obj = with_header(creator_id=PSTORE, timestamp="0001-01-01T00:00:00", timestamp_raw=None,
                      timestamp_encoding="unix")
    assert refused(obj).startswith("$.header.timestamp: 0001-01-01T00:00:00 is before 1970")
    assert refused(with_header(timestamp="10000-01-01T00:00:00")).startswith(
        "$.header.timestamp: '10000-01-01T00:00:00' is not an ISO date")
    assert refused(with_header(timestamp_raw="ff" * 9)) == \
        "$.header.timestamp_raw: 9 byte(s) of hex, expected exactly 8"
    # an unencodable value with the raw bytes given: the raw bytes stay when the text is unchanged
    raw = bytes([0x99, 0x99, 0x99, 0, 0x99, 0x99, 0x99, 0x99])
    obj = {"header": {"creator_id": PSTORE, "timestamp_raw": raw.hex(), "timestamp": None}}
    assert build_line(json.dumps(obj).encode()).data[24:32] == raw


def test_names_and_kind_keys_are_accepted_where_the_builder_knows_them():
    obj = {"header": {"creator_id": guids.NULL_GUID, "severity": "Fatal"},
           "sections": [{"type": "memory", "severity": "Recoverable (0)"}]}
    rec = decode_record(build_line(json.dumps(obj).encode()).data)
    assert rec.header["severity"] == 1 and rec.sections[0].values["severity"] == 0
    assert rec.sections[0].values["type"] == catalog.find("memory").guid
    assert refused({"header": {"severity": "Dreadful"}}) == \
        "$.header.severity: 'Dreadful' is not a number"


def test_the_size_check_knows_the_size_of_default_bodies():
    obj = {"header": {"creator_id": guids.NULL_GUID},
           "sections": [{"type": k.key, "severity": k.severity} for k in catalog.KINDS]}
    assert validate(obj) == len(build_record(obj).data)
    many = {"sections": [{"type": "xpf-mca"}] * 13000}
    assert validate(many) == len(build_record(many).data) < 16 << 20
    many["sections"] *= 2  # 26000 sections of 1264 bytes each: past the cap, said before building
    assert refused(many).startswith("$.sections: the bytes reach 32864128, past the 16 MiB")


def test_fix_up_does_not_fill_gigabytes_of_lost_bodies():
    data = bytearray(MEM2.read_bytes())
    count = 300
    head = bytearray(data[:128])
    HEADER.write(head, "section_count", count)
    desc = bytearray(data[128:200])
    DESCRIPTOR.write(desc, "section_offset", 0xFFFFFF00)  # bodies far past the end
    DESCRIPTOR.write(desc, "section_length", 0xFFFFFF)
    rec = bytes(head + desc * count)
    with pytest.raises(Exception, match="MiB of section bodies are missing"):
        split_record(rec)
    msg = refused(json.dumps(record_to_json(decode_record(rec))).encode(), fix_up=True)
    assert msg.startswith("$: cannot lay the record out again (--fix-up)")


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *args], cwd=ROOT, input=stdin,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_builds_good_lines_and_names_bad_ones(tmp_path):
    good = json.dumps(vector_json()).encode()
    bad = json.dumps({"sections": [{}, {"body_offset": 3000000000, "body_base64": "AAAA"}]}).encode()
    jl = tmp_path / "rec.jsonl"
    jl.write_bytes(b"\n".join([good, b"", bad, b"[1, 2]", b"\xff\xfe", good]) + b"\n")
    out = tmp_path / "out.bin"
    res = run_cli("build", str(jl), "-o", str(out))
    err = res.stderr.decode()
    assert res.returncode == 1, err
    assert f"{jl}: line 3: $.sections[1].body_offset: 3000000000 exceeds the 16 MiB record cap" in err
    assert f"{jl}: line 4: $: expected one JSON object per line" in err
    assert f"{jl}: line 5: not UTF-8 text" in err
    assert "3 line(s) could not be built, 2 record(s) written" in err
    assert out.read_bytes() == MEM2.read_bytes() * 2
    assert "Traceback" not in err
    # standard input and output work the same
    res = run_cli("build", "-", "-o", "-", stdin=jl.read_bytes())
    assert res.returncode == 1 and res.stdout == MEM2.read_bytes() * 2
    # an over-long line is skipped without being read into memory whole
    big = tmp_path / "big.jsonl"
    big.write_bytes(b'{"pad": "' + b"A" * (5 << 20) + b'"}\n' + good + b"\n")
    res = run_cli("build", str(big), "-o", str(out), "--max-size", "1M")
    assert res.returncode == 1 and b"line 1: longer than" in res.stderr
    assert out.read_bytes() == MEM2.read_bytes()
    # unusable arguments: exit 2 and OUT untouched
    for args in (["--max-size", "0"], ["--max-size", "4G"], ["--max-size", "lots"]):
        res = run_cli("build", str(jl), "-o", str(out), *args)
        assert res.returncode == 2 and out.read_bytes() == MEM2.read_bytes(), args
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    assert run_cli("build", str(empty), "-o", str(out)).returncode == 2
    assert out.read_bytes() == MEM2.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl", "empty.jsonl", "out.bin",
                                                          "rec.jsonl"]


def test_body_field_values_that_cannot_be_written_are_edit_errors():
    from whea_gui.compose.values import EditError, encode_field
    from whea_gui.core.model import FieldNode
    blob = FieldNode("blob", "Blob", b"", "", 0, 4, kind="bytes")
    with pytest.raises(EditError, match="do not fit"):
        encode_field(blob, "too long", bytes(4))
    ts = FieldNode("ts", "Time", None, "", 0, 8, kind="timestamp")
    with pytest.raises(EditError, match="before 1970"):
        encode_field(ts, "1969-12-31T23:59:59", bytes(8), encoding="unix")
    assert encode_field(ts, "0001-01-01T00:00:00", bytes(8), encoding="binary")[4:] == b"\1\1\1\0"


def test_cli_writes_through_links_and_into_fifos(tmp_path):
    import threading
    jl = tmp_path / "rec.jsonl"
    jl.write_bytes(json.dumps(vector_json()).encode() + b"\n")
    target = tmp_path / "real.bin"
    target.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(target)
    assert run_cli("build", str(jl), "-o", str(link)).returncode == 0
    assert link.is_symlink() and target.read_bytes() == MEM2.read_bytes()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    res = run_cli("build", str(jl), "-o", str(fifo))
    reader.join(30)
    assert res.returncode == 0 and got == [MEM2.read_bytes()]
    assert fifo.is_fifo()
