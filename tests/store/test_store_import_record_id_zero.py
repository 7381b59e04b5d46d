"""``whea store import`` keeps real records whose RecordId is 0 (Windows rev 1.1 BOOT records;
audit 2, L2): the stored copy gets an id made from the record's bytes (bit 63 set), the output
says so, a second import finds the stored copy, and the PSHED write still refuses id 0."""

from __future__ import annotations

from store_helpers import DWR

from whea_gui.cli import main
from whea_gui.cli.store import ASSIGNED_ID_BIT, assign_import_id
from whea_gui.store import Store

BOOT = DWR / "cper_boot_rev0101_venhw_section.bin"


def _run(capsys, *argv):
    code = main(["store", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_assigns_an_id_and_says_so(tmp_path, capsys):
    data = BOOT.read_bytes()
    assert data[96:104] == bytes(8)
    new, rid = assign_import_id(data)
    assert rid & ASSIGNED_ID_BIT and int.from_bytes(new[96:104], "little") == rid
    assert new[:96] == data[:96] and new[104:] == data[104:]  # only the RecordId differs
    assert assign_import_id(data) == (new, rid)  # the same bytes, the same id
    assert assign_import_id(new) is None  # a record with an id keeps it

    db = tmp_path / "s.db"
    code, out, err = _run(capsys, "--store", db, "import", BOOT)
    assert code == 0, err
    assert out.startswith("1 stored") and "had RecordId 0 (reserved)" in out
    assert f"stored as RecordId 0x{rid:016X}" in err
    code, out, _err = _run(capsys, "--store", db, "import", BOOT)
    assert code == 0 and "1 already stored (identical copies)" in out
    with Store(db) as store:
        got = store.read_error_record(rid)
        assert got.record[:96] == data[:96] and got.record[96:104] == rid.to_bytes(8, "little")
        assert got.record[128:] == data[128:]


def test_pshed_write_still_refuses_record_id_zero(tmp_path):
    with Store(tmp_path / "w.db") as store:
        result = store.write_error_record(BOOT.read_bytes())
    assert not result.ok and "RecordId 0x0 is reserved" in result.reason
