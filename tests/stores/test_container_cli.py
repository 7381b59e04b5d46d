"""`whea store` over the platform containers: an output never replaces the store's own files,
a refused init creates nothing, damage is named (regressions from a first user's report)."""

from __future__ import annotations

import os
import shutil
import struct

import pytest
from conftest import DWR

from whea_gui.cli import main
from whea_gui.formats import edk2_varstore as vs
from whea_gui.store import Store
from whea_gui.store.erst import ErstStore
from whea_gui.store.varstore import VarStore, default_copy


def run(capsys, *argv):
    code = main(["store", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def erst_file(tmp_path, real_records):
    path = tmp_path / "s.bin"
    with ErstStore(path) as store:
        for r in real_records[:3]:
            assert store.write_error_record(r).ok
    return path


@pytest.fixture
def uefi_file(tmp_path, ovmf_templates, real_records):
    path = tmp_path / "uv.fd"
    shutil.copyfile(ovmf_templates[0], path)
    with VarStore(path, in_place=True) as store:
        for r in real_records[:2]:
            assert store.write_error_record(r).ok
    return path


def _unchanged(paths):
    return {str(p): p.read_bytes() for p in paths}


@pytest.mark.parametrize("command", [["read", "0"], ["export"]])
def test_output_onto_the_erst_file_or_a_link_to_it_is_refused(erst_file, capsys, command):
    before = erst_file.read_bytes()
    link = erst_file.parent / "link.bin"
    link.symlink_to(erst_file.name)
    hard = erst_file.parent / "hard.bin"
    os.link(erst_file, hard)
    for out in (erst_file, link, hard):
        code, _out, err = run(capsys, "--store", f"erst:{erst_file}", *command, "-o", out)
        assert code == 2, err
        assert "replace" in err and "nothing was written" in err
        assert erst_file.read_bytes() == before
    # through the link as the store spec too
    code, _out, err = run(capsys, "--store", f"erst:{link}", *command, "-o", erst_file)
    assert code == 2 and erst_file.read_bytes() == before


@pytest.mark.parametrize("command", [["read", "0"], ["export"]])
def test_output_onto_the_uefi_store_or_its_copy_is_refused(uefi_file, capsys, real_records,
                                                           command):
    copy = default_copy(str(uefi_file))
    with VarStore(uefi_file) as store:  # writes go to the copy
        assert store.write_error_record(real_records[3]).ok
    before = _unchanged([uefi_file, type(uefi_file)(copy)])
    for out in (uefi_file, copy):
        code, _out, err = run(capsys, "--store", f"uefi:{uefi_file}", *command, "-o", out)
        assert code == 2, err
        assert "nothing was written" in err
    assert _unchanged([uefi_file, type(uefi_file)(copy)]) == before


def test_read_output_onto_the_sqlite_store_or_its_wal_is_refused(tmp_path, capsys, real_records):
    path = tmp_path / "q.sqlite"
    with Store(path) as store:
        store.write_error_record(real_records[0])
    before = path.read_bytes()
    for out in (path, f"{path}-wal"):
        code, _out, err = run(capsys, "--store", path, "read", "0", "-o", out)
        assert code == 2, err
        assert "nothing was written" in err
    assert path.read_bytes() == before and not os.path.exists(f"{path}-wal")
    out = tmp_path / "r.bin"  # another output still works
    code, _o, err = run(capsys, "--store", path, "read", "0", "-o", out)
    assert code == 0 and len(out.read_bytes()) == len(real_records[0])


def test_a_refused_init_creates_no_file(tmp_path, capsys):
    for spec, name in (("erst", "newinit.bin"), ("uefi", "newinit.fd")):
        path = tmp_path / name
        code, _out, err = run(capsys, "--store", f"{spec}:{path}", "init", "--max-records", "3")
        assert code == 2 and "do not apply" in err
        assert not path.exists()


def _damaged_uefi(uefi_file, which: str):
    """The second HwErrRec variable's NameSize or DataSize made to run past the store."""
    data = bytearray(uefi_file.read_bytes())
    lay = vs.parse(bytes(data))
    var = [v for v in lay.variables if v.is_hw_error][1]
    at = var.offset + lay.header_layout.size - 24 + (0 if which == "name" else 4)
    struct.pack_into("<I", data, at, 0x00FFFFFF)
    uefi_file.write_bytes(bytes(data))
    return at


@pytest.mark.parametrize("which", ["name", "data", "cut"])
def test_a_damaged_uefi_store_is_reported_by_list_stats_write_and_check(uefi_file, capsys,
                                                                       real_records, which):
    if which == "cut":
        data = uefi_file.read_bytes()
        lay = vs.parse(data)
        var = [v for v in lay.variables if v.is_hw_error][1]
        uefi_file.write_bytes(data[:var.data_offset + 40])  # cut inside the second record
        at = 32  # the volume length runs past the file's end
    else:
        at = _damaged_uefi(uefi_file, which)
    spec = f"uefi:{uefi_file}"
    code, out, err = run(capsys, "--store", spec, "list")
    assert code == 1, err
    # the record before the damage; a NameSize past the store whose name still ends with its
    # NUL is read by the NUL (the damaged variable's record too), still an error
    listed = 2 if which == "name" else 1
    assert len(out.splitlines()) == listed
    assert f"{uefi_file} at byte offset {at}:" in err
    code, out, err = run(capsys, "--store", spec, "stats")
    assert code == 1 and f"records      {listed} " in out and "damage" in out
    assert f"byte offset {at}" in err
    code, out, err = run(capsys, "--store", spec, "write", DWR / "cper_cmci_intel_xpfmca_v4_memext.bin")
    assert code == 2 and "damaged" in err and f"byte offset {at}" in err
    assert "free bytes" not in err and "INSUFFICIENT" not in err
    code, out, err = run(capsys, "--store", spec, "check")
    assert code == 1 and "DAMAGED" in err and f"byte offset {at}" in err


@pytest.mark.parametrize("kind", ["erst", "uefi"])
def test_check_of_a_good_container_reports_ok(erst_file, uefi_file, capsys, kind):
    path = erst_file if kind == "erst" else uefi_file
    code, out, err = run(capsys, "--store", f"{kind}:{path}", "check")
    assert code == 0 and "ok (" in out and "no store here" not in err
    code, _out, err = run(capsys, "--store", f"{kind}:{path}", "check", "-o", path.parent / "x")
    assert code == 2 and "SQLite" in err


def test_read_only_commands_never_format_or_create_an_erst_file(tmp_path, capsys):
    path = tmp_path / "zero.bin"
    path.write_bytes(bytes(64 << 10))
    for command in (["list"], ["stats"], ["export", "-o", tmp_path / "out.cper"], ["check"]):
        run(capsys, "--store", f"erst:{path}", *command)
        assert path.read_bytes() == bytes(64 << 10), command
    missing = tmp_path / "missing.bin"
    for command in (["list"], ["clear", "1"], ["read", "0"]):
        code, _out, err = run(capsys, "--store", f"erst:{missing}", *command)
        assert code == 2 and not missing.exists(), command


@pytest.mark.parametrize("kind", ["erst", "uefi"])
def test_an_endless_device_is_named_as_not_a_store_file(capsys, kind):
    code, _out, err = run(capsys, "--store", f"{kind}:/dev/zero", "list")
    assert code == 2 and "/dev/zero: not a regular file" in err
    assert "0 bytes" not in err


def test_clear_on_a_read_only_erst_file_names_the_file(erst_file, capsys, real_records):
    os.chmod(erst_file, 0o444)
    try:
        rid = struct.unpack_from("<Q", real_records[0], 96)[0]
        code, _out, err = run(capsys, "--store", f"erst:{erst_file}", "clear", f"0x{rid:X}")
        assert code == 2 and str(erst_file) in err and "STATUS_MEDIA_WRITE_PROTECTED" in err
        assert "read-only" in err
    finally:
        os.chmod(erst_file, 0o644)


def test_an_erst_file_whose_storage_offset_leaves_no_slots_says_so(tmp_path, capsys, real_records):
    path = tmp_path / "noslots.bin"
    with ErstStore(path):
        pass
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 12, 0xFFFFE000)  # a multiple of 8192: QEMU accepts it
    path.write_bytes(bytes(data))
    code, out, err = run(capsys, "--store", f"erst:{path}", "list")
    assert code == 0 and out == ""
    assert "no slots" in err and f"{path} at byte offset 12" in err
    code, _out, err = run(capsys, "--store", f"erst:{path}", "write", DWR / "cper_cmci_intel_xpfmca_v4_memext.bin")
    assert code == 2 and "has no slots" in err and "is full" not in err
