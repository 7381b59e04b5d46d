"""`whea store` over the platform containers: an output never replaces the store's own files,
a refused init creates nothing, damage is named (regressions from a first user's report)."""

from __future__ import annotations

import os
import shutil

import pytest

from whea_gui.cli import main
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
