"""A record cut short and followed by a whole record (a dump, a paste of two RawData lines):
the whole record is read in full, the cut one ends where it starts, and the cut is reported as
an error naming the file and both offsets. Embedded copies and chance "CPER" bytes inside a
record's sections do not split it (decode.boundary)."""

from __future__ import annotations

import base64
import struct

import pytest
from sources_helpers import DWR

from whea_gui.cli import main
from whea_gui.compose import build_record
from whea_gui.decode import decode_buffer, decode_record, split_records
from whea_gui.sources import iter_bytes, raw

ZEN4 = (DWR / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes()  # 2063 bytes, XPF MCA at 832+1192
FATAL = (DWR / "cper_mce_fatal_amd_xpfmca_v3.bin").read_bytes()  # 1019 bytes, fatal LS error
MEMORY = (DWR / "cper_memory_1sec_padded.bin").read_bytes()
FW_REFERENCE = "81212a96-09ed-4996-9471-8d729c8e69ed"
VENDOR = "12345678-1234-5678-9abc-def012345678"


def _read(blob: bytes, path: str = "dump.bin"):
    problems = []
    refs = list(raw.read_buffer(blob, path, problems.append))
    return refs, problems


def _cut_problems(problems):
    return [(p.path, p.offset, p.level, p.message) for p in problems if "cut short" in p.message]


def _no_swallowed(rec) -> None:
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]


def test_cut_record_then_whole_record_both_shown_and_cut_reported(tmp_path):
    blob = ZEN4[:1500] + FATAL  # the cut lands inside the XPF MCA body the first one claims
    refs, problems = _read(blob)
    assert [(r.source["offset"], r.data) for r in refs] == [(0, ZEN4[:1500]), (1500, FATAL)]
    assert _cut_problems(problems) == [("dump.bin", 0, "error", "record at offset 0 is cut short "
                                        "at 1500 by a record that starts there (it declares 2063 "
                                        "bytes, 1500 are present)")]
    fatal = decode_record(refs[1].data, source=refs[1].source)
    _no_swallowed(fatal)
    assert not fatal.has_errors() and fatal.header["severity"] == 1
    cut = decode_record(refs[0].data)
    assert any(f.code == "truncated" for f in cut.findings)
    # the same split when the buffer is decoded directly (decode_buffer / split_records)
    assert list(split_records(blob)) == [(0, 1500), (1500, len(FATAL))]
    assert [r.source["offset"] for r in decode_buffer(blob)] == [0, 1500]
    # through the CLI: both records, and exit 1 (part of a record is missing)
    path = tmp_path / "two.bin"
    path.write_bytes(blob)
    assert _cli_stdout(path) == 1


def _cli_stdout(path) -> int:
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        status = main(["decode", str(path)])
    assert buf.getvalue().count("(cper,") == 2
    return status


def test_cli_exit_status_and_both_records(tmp_path, capsys):
    path = tmp_path / "two.bin"
    path.write_bytes(ZEN4[:700] + ZEN4)  # cut inside the IA32/X64 section, then the same record
    assert main(["decode", str(path)]) == 1
    out, err = capsys.readouterr()
    assert f"== {path} @ 0 (cper, 700 bytes)" in out and f"== {path} @ 700 (cper, 2063 bytes)" in out
    assert f"{path} at bytes 0–699: record at offset 0 is cut short at 700" in err


@pytest.mark.parametrize("first,second", [(ZEN4, FATAL), (FATAL, ZEN4), (ZEN4, MEMORY),
                                          (FATAL, FATAL)], ids=["zen4-fatal", "fatal-zen4",
                                                                "zen4-memory", "fatal-fatal"])
def test_every_cut_point_keeps_the_whole_record_after_it(first, second):
    """Wherever the first record is cut (inside its header, descriptors, any section body, or
    after them), the record after it is found whole at its offset, and the file's bytes are
    all accounted for."""
    for cut in range(4, len(first) - 1, 7):
        blob = first[:cut] + second
        refs, problems = _read(blob)
        got = [(r.source["offset"], r.data) for r in refs]
        assert (cut, second) in got, cut
        assert got[0][0] == 0 and b"".join(d for _o, d in got) == blob, cut
        assert refs[-1].data == second  # the whole record keeps its own length


def test_two_hex_lines_first_cut_short():
    """Two RawData lines pasted one after the other, the first cut short."""
    text = (ZEN4[:1500].hex().upper() + "\n" + FATAL.hex().upper() + "\n").encode()
    problems = []
    refs = list(iter_bytes(text, "paste.txt", problems.append))
    assert [r.data for r in refs] == [ZEN4[:1500], FATAL]
    cut = [p for p in problems if "cut short" in p.message]
    assert len(cut) == 1 and cut[0].path == "paste.txt" and cut[0].level == "error"
    assert "record at offset 0 is cut short at 1500" in cut[0].message


def _wrap(body: bytes, section_type: str, severity: int = 2) -> bytes:
    obj = {"kind": "cper", "header": {"severity": severity},
           "sections": [{"type": section_type, "severity": severity,
                         "body_base64": base64.b64encode(body).decode()}]}
    return build_record(obj).data


@pytest.mark.parametrize("section_type,lead", [
    (FW_REFERENCE, struct.pack("<BB6xQ16s", 2, 2, 0, bytes(16))),  # a firmware record: 32-byte header
    (VENDOR, b""),  # a vendor section carrying a whole record
], ids=["firmware-reference", "vendor"])
def test_a_record_embedded_in_a_section_that_carries_data_is_not_split(section_type, lead):
    outer = _wrap(lead + FATAL + bytes(8), section_type)
    for blob in (outer, outer + MEMORY, b"\0" * 40 + outer + MEMORY):
        refs, problems = _read(blob)
        start = blob.index(outer)
        assert (start, outer) in [(r.source["offset"], r.data) for r in refs]
        assert _cut_problems(problems) == []
        assert len(list(split_records(outer))) == 1


def test_chance_cper_bytes_in_a_fixed_layout_section_do_not_split():
    """'CPER' and even a whole-looking header written into the XPF MCA registers: the header
    does not start a whole record that fits the data, so the record stays whole."""
    rec = bytearray(ZEN4)
    rec[900:910] = b"CPER\x10\x02\xff\xff\xff\xff"  # the pattern alone
    hdr = bytearray(FATAL[:200])
    struct.pack_into("<I", hdr, 20, 4000)  # a header that claims more than the data holds
    rec[1200:1400] = hdr
    for blob in (bytes(rec), bytes(rec) + MEMORY):
        refs, problems = _read(blob)
        assert refs[0].data == bytes(rec) and _cut_problems(problems) == []
        assert list(split_records(bytes(rec)))[0] == (0, len(rec))


def test_a_whole_record_inside_a_fixed_layout_section_cuts_the_record_there():
    """A whole record that fits inside the XPF MCA bank dump's claimed bytes: a bank dump never
    carries a record, so the first record was cut short there."""
    blob = ZEN4[:900] + FATAL + ZEN4[900 + len(FATAL):]  # same length as ZEN4, FATAL at 900
    refs, problems = _read(blob)
    assert [r.source["offset"] for r in refs] == [0, 900]
    assert refs[0].data == ZEN4[:900] and refs[1].data.startswith(FATAL)  # ZEN4's rest: trailing
    assert [p.offset for p in problems if "cut short" in p.message] == [0]
