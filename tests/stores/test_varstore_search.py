"""Finding the NVRAM volume in a flash image: "_FVH" noise never hides a real volume, every NV
volume header is tried until one is usable, and a cut-short file is named for what is missing."""

from __future__ import annotations

import shutil

import pytest

from whea_gui.cli import main
from whea_gui.formats import edk2_varstore as vs
from whea_gui.store.results import StoreDamaged
from whea_gui.store.varstore import VarStore


@pytest.fixture
def ovmf_with_record(ovmf_templates, real_records, tmp_path) -> bytes:
    path = tmp_path / "vars.fd"
    shutil.copyfile(ovmf_templates[0], path)
    with VarStore(path, in_place=True) as store:
        assert store.write_error_record(real_records[0]).ok
    return path.read_bytes()


def test_a_volume_behind_a_megabyte_of_fvh_noise_is_found(ovmf_with_record, real_records,
                                                          tmp_path):
    image = bytearray(b"\xff" * (16 << 20))
    for at in range(0, 1 << 20, 16):
        image[at:at + 4] = b"_FVH"
    image[8 << 20:(8 << 20) + len(ovmf_with_record)] = ovmf_with_record
    path = tmp_path / "flash.bin"
    path.write_bytes(bytes(image))
    lay = vs.parse(bytes(image))
    assert lay.usable and lay.fv_offset == 8 << 20
    with VarStore(path, readonly=True) as store:
        assert [d for _r, d in store.iter_records()] == [real_records[0]]
    problems = []  # the reader, asked for this file's records, finds them too
    from whea_gui.sources import uefi_varstore
    refs = list(uefi_varstore.read_bytes(bytes(image), str(path), problems.append))
    assert [r.data for r in refs] == [real_records[0]]
    assert not [p for p in problems if p.level == "error"]


def test_a_bad_nv_volume_is_passed_over_for_a_good_one(ovmf_with_record, real_records, tmp_path):
    bad = bytearray(ovmf_with_record)
    hlen = vs.parse(bytes(bad)).fv["header_length"]
    bad[hlen:hlen + 16] = b"\xff" * 16  # the variable store signature is gone
    image = bytes(bad) + ovmf_with_record
    lay = vs.parse(image)
    assert lay.usable and lay.fv_offset == len(bad)
    skipped = [f for f in lay.findings if f.code == "fv-skipped"]
    assert len(skipped) == 1 and skipped[0].level == "warning" and skipped[0].offset == hlen
    assert "ffffffff-ffff-ffff-ffff-ffffffffffff" in skipped[0].message
    path = tmp_path / "two.fd"
    path.write_bytes(image)
    with VarStore(path, readonly=True) as store:
        assert [d for _r, d in store.iter_records()] == [real_records[0]]


def test_a_file_cut_inside_the_store_header_says_so(ovmf_templates, tmp_path, capsys):
    data = ovmf_templates[0].read_bytes()
    hlen = vs.parse(data).fv["header_length"]
    path = tmp_path / "cut.fd"
    path.write_bytes(data[:hlen + 10])
    with pytest.raises(StoreDamaged) as err:
        VarStore(path, readonly=True)
    assert "no room for a variable store header" in str(err.value)
    assert f"byte offset {hlen}" in str(err.value)
    assert main(["store", "--store", f"uefi:{path}", "list"]) == 2
    assert "no room for a variable store header" in capsys.readouterr().err


def test_whea_decode_reads_a_volume_behind_a_prefix_as_a_variable_store(
        ovmf_templates, real_records, tmp_path, capsys):
    """A flash dump the other readers do not claim (no Intel descriptor; the volume 64 KiB in,
    behind "_FVH" noise) is read as a variable store, not carved for "CPER" signatures: the
    cleared record is said to be deleted and recoverable instead of shown as a live one."""
    import json
    import struct
    path = tmp_path / "vars.fd"
    shutil.copyfile(ovmf_templates[0], path)
    with VarStore(path, in_place=True) as store:
        for data in real_records[:2]:
            assert store.write_error_record(data).ok
        cleared = struct.unpack_from("<Q", real_records[1], 96)[0]
        assert store.clear_error_record(cleared) == 0
    noise = bytearray(64 << 10)
    for at in range(0, len(noise), 4096):
        noise[at + 40:at + 44] = b"_FVH"
    image = tmp_path / "dump.bin"
    image.write_bytes(bytes(noise) + path.read_bytes())
    assert main(["decode", "--json", str(image)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    states = [(o["source"]["variable"], o["source"]["state"], o["source"].get("recoverable"))
              for o in out]
    assert states == [("HwErrRec0000", "added", None), ("HwErrRec0001", "deleted", True)]
    assert [o["source"]["offset"] >= len(noise) for o in out] == [True, True]


def test_a_hwerrrec_variable_under_a_damaged_vendor_guid_is_named_not_lost_silently(ovmf_with_record,
                                                                                   real_records, tmp_path):
    # fuzzing 5, F5-18: one field of the GUID changed made the record vanish with no word
    image = bytearray(ovmf_with_record)
    guid = vs.HW_ERROR_GUID.bytes_le
    at = image.find(guid)
    assert at > 0 and image.find(guid, at + 1) < 0
    image[at] ^= 0xFF
    from whea_gui.sources import uefi_varstore
    problems = []
    refs = list(uefi_varstore.read_bytes(bytes(image), "vars.fd", problems.append))
    assert refs == []  # not a HwErrRec variable to the firmware
    said = [p for p in problems if "holds a record but its vendor GUID" in p.message]
    assert len(said) == 1 and said[0].level == "warning" and said[0].length == len(real_records[0])
    assert bytes(image[said[0].offset:said[0].offset + 4]) == b"CPER"
    # a damaged name under the hardware error GUID is named too (recheck 5, N-10)
    image = bytearray(ovmf_with_record)
    name = "HwErrRec".encode("utf-16-le")
    at = image.find(name)
    image[at:at + 2] = "X".encode("utf-16-le")
    problems = []
    assert list(uefi_varstore.read_bytes(bytes(image), "vars.fd", problems.append)) == []
    said = [p for p in problems if "holds a record but its name is not HwErrRec####" in p.message]
    assert len(said) == 1 and said[0].level == "warning"
