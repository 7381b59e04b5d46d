"""edk2 variable stores against virt-firmware and Debian's OVMF templates: we read what
virt-firmware writes, virt-firmware reads what we write (byte-identical records), writes go to
a copy, free space is honoured and the fault-tolerant-write areas are never touched."""

from __future__ import annotations

import hashlib
import shutil
import struct
import uuid

import pytest
from virt.firmware.efi import efivar
from virt.firmware.varstore.edk2 import Edk2VarStore

from whea_gui.formats import edk2_varstore as vs
from whea_gui.sources.registry import iter_file
from whea_gui.store import open_store
from whea_gui.store.results import StoreDamaged
from whea_gui.store.status import (
    STATUS_INSUFFICIENT_RESOURCES,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
)
from whea_gui.store.varstore import VarStore, default_copy

HW_GUID = "414e6bdd-e47b-47cc-b244-bb61020cf516"


def rid(data: bytes) -> int:
    return struct.unpack_from("<Q", data, 96)[0]


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def virtfw_add(path, records: dict[str, bytes], attr: int = 0xF) -> None:
    store = Edk2VarStore(str(path))
    varlist = store.get_varlist()
    for name, data in records.items():
        varlist[name] = efivar.EfiVar(name, guid=HW_GUID, attr=attr, data=data)
    store.write_varstore(str(path), varlist)


@pytest.fixture(params=["OVMF_VARS.fd", "OVMF_VARS_4M.fd"])
def template(request, ovmf_templates, tmp_path):
    src = next(p for p in ovmf_templates if p.name == request.param)
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    return dst


def test_we_read_what_virt_firmware_writes(template, real_records):
    records = {f"HwErrRec{k:04X}": r for k, r in enumerate(real_records[:6], start=1)}
    virtfw_add(template, records)
    virtfw_add(template, {"Timeout": b"\x05\x00"})  # another variable in between is skipped
    problems = []
    refs = list(iter_file(str(template), problems.append))
    assert [p for p in problems if p.level != "note"] == []
    assert {r.source["variable"]: r.data for r in refs} == records
    for r in refs:
        assert r.source["kind"] == "uefi-varstore" and r.source["state"] == "added"
        assert r.source["attributes"] == 0xF and r.source["vendor_guid"] == HW_GUID
        assert r.source["attribute_names"] == ["NV", "BS", "RT", "HR"]
    with open_store(f"uefi:{template}", readonly=True) as store:
        assert sorted(int(i) for i in store.record_ids()) == sorted(rid(r) for r in records.values())
        for r in records.values():
            assert store.get(rid(r)) == r


def test_virt_firmware_reads_what_we_write(template, real_records):
    original = digest(template)
    copy = default_copy(str(template))
    with open_store(f"uefi:{template}") as store:
        for r in real_records[:5]:
            result = store.write_error_record(r)
            assert result.status == STATUS_SUCCESS, result.reason
        assert store.path == copy
    assert digest(template) == original  # the file itself is never written
    varlist = Edk2VarStore(copy).get_varlist()
    hw = {name: var for name, var in varlist.items() if name.startswith("HwErrRec")}
    assert sorted(hw) == [f"HwErrRec{k:04X}" for k in range(5)]
    assert [hw[n].data for n in sorted(hw)] == real_records[:5]
    assert {str(v.guid) for v in hw.values()} == {HW_GUID}
    assert {v.attr for v in hw.values()} == {0xF}
    # virt-firmware writing the same variables back gives the very bytes we wrote
    vf = Edk2VarStore(copy)
    assert vf.bytes_varstore(vf.get_varlist()) == open(copy, "rb").read()


def test_writes_accumulate_in_the_copy_and_in_place_only_when_asked(template, real_records):
    with VarStore(template) as store:
        store.write_error_record(real_records[0])
    with VarStore(template) as store:  # opened again: reads and writes the copy
        assert store.path == default_copy(str(template))
        store.write_error_record(real_records[1])
        assert len(store) == 2
    with VarStore(template, readonly=True) as store:
        assert len(store) == 0  # the original
    with VarStore(template, in_place=True) as store:
        store.write_error_record(real_records[2])
    varlist = Edk2VarStore(str(template)).get_varlist()
    assert [(str(v.name), v.data) for v in varlist.values()] == [("HwErrRec0000", real_records[2])]


def test_clear_and_replace_keep_the_old_bytes_recoverable(template, real_records):
    a, b = real_records[0], real_records[1]
    changed = bytearray(a)
    changed[250] ^= 0x55
    with VarStore(template, in_place=True) as store:
        store.write_error_record(a)
        store.write_error_record(b)
        result = store.write_error_record(bytes(changed))
        assert result.replaced
        assert store.clear_error_record(rid(b)) == STATUS_SUCCESS
        assert store.clear_error_record(rid(b)) == STATUS_OBJECT_NOT_FOUND
        assert [d for _i, d in store.iter_records()] == [bytes(changed)]
        assert sorted(d for _r, d, _s in store.deleted_records()) == sorted([a, b])
    # virt-firmware sees only the added variable; we offer the deleted ones as recoverable
    varlist = Edk2VarStore(str(template)).get_varlist()
    assert [v.data for v in varlist.values()] == [bytes(changed)]
    refs = list(iter_file(str(template)))
    states = {r.source["variable"]: (r.source["state"], r.source.get("recoverable", False)) for r in refs}
    assert states == {"HwErrRec0000": ("deleted", True), "HwErrRec0001": ("deleted", True),
                      "HwErrRec0002": ("added", False)}


def test_free_space_is_honoured_and_the_ftw_areas_never_touched(template, real_records):
    before = open(template, "rb").read()
    lay = vs.parse(before)
    assert lay.ftw_offset is not None and lay.ftw_offset >= lay.store_end
    statuses = []
    with VarStore(template, in_place=True) as store:
        big = real_records[6]  # a few KB each: fill the store
        for k in range(2000):
            data = bytearray(big)
            struct.pack_into("<Q", data, 96, 0x5000 + k)
            status = store.write_error_record(bytes(data)).status
            statuses.append(status)
            if status != STATUS_SUCCESS:
                break
        used = store.layout.free_offset
    assert statuses[-1] == STATUS_INSUFFICIENT_RESOURCES and statuses.count(STATUS_SUCCESS) > 5
    after = open(template, "rb").read()
    assert after[lay.store_end:] == before[lay.store_end:]  # event log, FTW working block, spare
    assert after[:lay.store_offset + vs.STORE_HEADER_SIZE] == before[:lay.store_offset + vs.STORE_HEADER_SIZE]
    assert lay.store_end - used < len(big) + 200
    assert len(Edk2VarStore(str(template)).get_varlist()) == statuses.count(STATUS_SUCCESS)


def test_a_flash_image_is_read_through_its_nvram_volume(template, real_records, tmp_path):
    virtfw_add(template, {"HwErrRec0001": real_records[0]})
    descriptor = bytearray(b"\xff" * 0x1000)
    descriptor[16:20] = b"\x5a\xa5\xf0\x0f"  # an Intel flash descriptor signature
    image = tmp_path / "flash.rom"
    code = open("/usr/share/OVMF/OVMF_CODE.fd", "rb").read()
    image.write_bytes(bytes(descriptor) + template.read_bytes() + code)
    problems = []
    refs = list(iter_file(str(image), problems.append))
    assert [r.data for r in refs] == [real_records[0]]
    assert refs[0].source["offset"] > 0x1000
    assert any("0x1000" in p.message for p in problems if p.level == "note")
    # the combined OVMF.fd layout (variables first, then code) is read the same way
    combined = tmp_path / "OVMF.fd"
    combined.write_bytes(template.read_bytes() + code)
    assert [r.data for r in iter_file(str(combined))] == [real_records[0]]


def _set_size(buf: bytearray, var: vs.Variable, which: str, value: int, auth: bool) -> int:
    at = var.offset + (60 if auth else 32) - 24 + (0 if which == "name" else 4)
    struct.pack_into("<I", buf, at, value)
    return at


@pytest.mark.parametrize("which", ["data", "name"])
def test_a_size_running_past_the_store_is_an_error_at_its_offset(template, real_records, which):
    virtfw_add(template, {"HwErrRec0001": real_records[0], "HwErrRec0002": real_records[1],
                          "HwErrRec0003": real_records[2]})
    buf = bytearray(template.read_bytes())
    lay = vs.parse(bytes(buf))
    third = lay.hw_errors()[2]
    at = _set_size(buf, third, which, 0xFFFFFF00, lay.authenticated)
    template.write_bytes(bytes(buf))
    problems = []
    refs = list(iter_file(str(template), problems.append))
    # the variables before it still read; a NameSize past the store whose name still ends with
    # its NUL is read by the NUL, so that variable's record is read too (with the error); a
    # DataSize past the store with nothing valid after it: its record is carved out and named
    assert [r.data for r in refs] == real_records[:3]
    errors = [p for p in problems if p.level == "error"]
    if which == "data":
        assert refs[2].source["damaged_variable"] == third.offset
        assert refs[2].source["offset"] == third.data_offset
        carved = errors.pop()
        assert f"carved out of them at 0x{third.data_offset:X}" in carved.message
    assert [(p.offset, p.path) for p in errors] == [(at, str(template))]
    assert ("disagrees with its name's UCS-2 NUL" if which == "name" else
            "runs past the store") in errors[0].message


def test_hostile_volume_headers_are_errors_naming_the_offset(template, tmp_path):
    data = bytearray(template.read_bytes())
    cases = {}
    bad = bytearray(data)
    bad[16:32] = uuid.uuid4().bytes_le  # not the NV data GUID: no NVRAM volume at all
    cases["no volume"] = (bad, 0)
    bad = bytearray(data)
    bad[40:44] = b"_FVX"  # read by its block map and store header (the eighth session)
    cases["damaged signature"] = (bad, 40)
    bad = bytearray(data)
    struct.pack_into("<H", bad, 48, 7)
    cases["odd header length"] = (bad, 48)
    bad = bytearray(data)
    struct.pack_into("<I", bad, 0x48 + 16, 0x7FFFFFFF)
    cases["store size past the volume"] = (bad, 0x48 + 16)
    bad = bytearray(data)
    bad[0x48:0x58] = uuid.uuid4().bytes_le
    cases["unknown store GUID"] = (bad, 0x48)
    for name, (blob, offset) in cases.items():
        lay = vs.parse(bytes(blob))
        errors = [f for f in lay.findings if f.level == "error"]
        assert errors and errors[0].offset == offset, name
        path = tmp_path / f"{name.replace(' ', '-')}.fd"
        path.write_bytes(bytes(blob))
        # (an odd header length is read past by its block map, F7-17; a store size past the
        # volume is read up to the volume's end: both open, with the error, and refuse writes)
        if name not in ("store size past the volume", "odd header length", "damaged signature"):
            with pytest.raises(StoreDamaged, match=rf"{path.name} at byte offset {offset}"):
                VarStore(path, readonly=True)
