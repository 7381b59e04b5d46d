"""F7-12 (fuzzing campaign 7): UTF-16 text with one byte inserted or deleted. From the damage
on, every ASCII character reads one byte off ("A\\0" as "\\0A", a CJK character), so the whole
text was judged not to be text: the records before the damage were lost too, and a bogus record
was decoded from the text's own bytes. The text is now decoded in runs: the records before the
damage and those after the damaged one are read, and the damaged one is named where it is.
Inputs: the shared real Windows records (../shared/vectors/DecodeWheaRecord) written as a
UTF-16 hex dump, base64 and Event Viewer XML, as Windows tools save text."""

from __future__ import annotations

import base64

import pytest
from hexformats import ev_xml_event

from whea_gui.sources import iter_path
from whea_gui.sources.eventxml import byte_offset_function
from whea_gui.sources.sniff import decode_text_strays, text_codec

NAMES = ("cper_memory_1sec_padded.bin", "cper_mce_fatal_amd_xpfmca_v3.bin", "cper_cmc_amd_xpfmca_v2r1.bin")


def _records(vectors) -> list[bytes]:
    return [(vectors / "DecodeWheaRecord" / n).read_bytes() for n in NAMES]


def _hexdump(data: bytes) -> str:
    """``hexdump -C`` without the '*' folding (every line written)."""
    lines = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk[:8]) + "  " + " ".join(f"{b:02x}" for b in chunk[8:])
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{at:08x}  {hexes:<48}  |{text}|")
    return "\n".join(lines) + f"\n{len(data):08x}\n"


def _texts(records) -> dict[str, str]:
    return {
        "hexdump": "".join(f"Record {i + 1}:\n{_hexdump(r)}\n" for i, r in enumerate(records)),
        "base64": "".join(f"Record {i + 1}:\n" + base64.encodebytes(r).decode() + "\n"
                          for i, r in enumerate(records)),
        "eventxml": "<Events>\r\n" + "".join(ev_xml_event(r) for r in records) + "</Events>\r\n",
    }


def _damage(raw: bytes, at: int, how: str) -> bytes:
    return raw[:at] + b"A" + raw[at:] if how == "inserted" else raw[:at] + raw[at + 1:]


@pytest.mark.parametrize("codec,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                       ("utf-16-le", b"")])
@pytest.mark.parametrize("form", ["hexdump", "base64", "eventxml"])
@pytest.mark.parametrize("how", ["inserted", "deleted"])
def test_one_byte_inserted_or_deleted_in_the_middle_record_loses_only_that_record(
        tmp_path, vectors, codec, bom, form, how):
    records = _records(vectors)
    text = _texts(records)[form]
    middle = text.index("Record 2:") if form != "eventxml" else text.index("<Event ", text.index("</Event>"))
    at = len(bom) + 2 * (middle + 300) + 1  # an odd offset inside the middle record's text
    raw = _damage(bom + text.encode(codec), at, how)
    path = tmp_path / f"records-{form}.txt"
    path.write_bytes(raw)
    problems: list = []
    got = [r.data for r in iter_path(str(path), problems.append)]
    assert records[0] in got and records[2] in got, (got, problems)  # before and after the damage
    assert not any(d[:4] != b"CPER" and d[:4] != records[1][:4] for d in got)  # nothing bogus
    if records[1] not in got:  # the damaged one is named (a byte in an event's markup, not
        assert problems, got    # in its RawData, can leave the event whole)


def test_undamaged_utf16_text_has_no_strays_and_byte_offsets_count_a_stray_once(vectors):
    records = _records(vectors)
    text = _texts(records)["eventxml"]
    whole = b"\xff\xfe" + text.encode("utf-16-le")
    assert decode_text_strays(whole) == (text, [])
    raw = _damage(whole, 2 + 2 * 4001 + 1, "inserted")
    decoded, strays = decode_text_strays(raw)
    assert len(strays) == 1 and decoded[strays[0]] == "\ufffd"
    assert text_codec(raw) == ("utf-16-le", 2)
    offset_of = byte_offset_function(raw, decoded)
    last = decoded.rindex("<Event ")  # after the damage: its byte offset is where its bytes are
    assert raw[offset_of(last):offset_of(last) + 14] == "<Event ".encode("utf-16-le")



@pytest.mark.parametrize("form", ["hexdump", "base64", "eventxml"])
def test_a_hundred_damaged_records_lose_none_of_the_others(tmp_path, vectors, form):
    # the fresh check: after the 64th damaged place every later record was lost, silently
    records = _records(vectors)
    many = [records[i % 3] for i in range(200)]
    text = _texts(many)[form]
    raw = bytearray(b"\xff\xfe" + text.encode("utf-16-le"))
    starts = [m for m in range(len(text)) if text.startswith("Record " if form != "eventxml" else "<Event ", m)]
    assert len(starts) == 200
    for k in reversed(range(1, 200, 2)):  # one byte inserted inside every second record
        at = 2 + 2 * (starts[k] + 200) + 1
        raw[at:at] = b"A"
    path = tmp_path / f"many-{form}.txt"
    path.write_bytes(bytes(raw))
    problems: list = []
    got = [r.data for r in iter_path(str(path), problems.append)]
    untouched = [many[k] for k in range(0, 200, 2)]
    assert all(d[:4] == b"CPER" for d in got)  # nothing made from the text's own bytes
    counts = {r: sum(1 for d in got if d == r) for r in records}
    assert all(counts[r] >= untouched.count(r) for r in records)


def test_utf16_without_a_bom_damaged_early_is_still_utf16(tmp_path, vectors):
    # the fresh check: a byte inserted 427 bytes in swapped the NULs' side inside the 512 bytes
    # that tell the encoding, so the text was read as Latin-1 and "2,123 NULs inserted" was said
    records = _records(vectors)
    text = _texts(records)["base64"]
    raw = text.encode("utf-16-le")
    raw = raw[:427] + b"A" + raw[427:]
    assert text_codec(raw) == ("utf-16-le", 0)
    path = tmp_path / "early.txt"
    path.write_bytes(raw)
    problems: list = []
    got = [r.data for r in iter_path(str(path), problems.append)]
    assert records[1] in got and records[2] in got
    assert not [p for p in problems if "NUL character" in p.message]


@pytest.mark.parametrize("name", ["cper_memory_1sec_padded.bin", "cper_mce_fatal_amd_xpfmca_v3.bin"])
def test_a_binary_record_is_never_taken_for_utf16_text(vectors, name):
    data = (vectors / "DecodeWheaRecord" / name).read_bytes()
    assert not text_codec(data)[0].startswith("utf-16")
