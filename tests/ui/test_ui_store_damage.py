"""A store whose records fail their checksum opens with the damage shown as a problem (naming
the store and `whea store check`), and the good records are listed and shown."""

from __future__ import annotations

import sqlite3
import sys

from conftest import VECTORS, load

from whea_gui.store import Store


def _damaged_store(path):
    datas = [p.read_bytes() for p in sorted(VECTORS.glob("DecodeWheaRecord/cper_*.bin"))]
    with Store(path) as st:
        st.write_records([(d, {"path": f"/logs/host-{i}.bin"}) for i, d in enumerate(datas)])
        good = {rid: data for rid, data in st}
    with sqlite3.connect(path) as conn:  # every third record's bytes no longer match their CRC
        bad = [r[0] for r in conn.execute("SELECT record_id FROM records WHERE slot % 3 = 0")]
        conn.execute("UPDATE record_data SET data = zeroblob(length(data)) WHERE slot % 3 = 0")
    conn.close()
    for rid in bad:
        del good[rid]
    return good, set(bad)


def test_a_store_with_damaged_records_lists_the_good_ones_and_names_the_damage(
        qtbot, window, tmp_path):
    path = tmp_path / "damaged.wheastore"
    good, bad = _damaged_store(path)
    assert good and bad
    caught = []
    hook = sys.excepthook
    sys.excepthook = lambda *exc: caught.append(exc)
    try:
        load(qtbot, window, [path])
        rows = window.records_panel.model.rowCount()
        shown = {}
        for row in range(rows):
            window.select_record(row)
            qtbot.wait(5)
            rec = window.current_record
            if rec is not None and rec.data:
                shown[int.from_bytes(rec.data[96:104], "little")] = rec.data
    finally:
        sys.excepthook = hook
    assert caught == []  # no StoreDamaged reached the exception hook
    assert shown == good  # every good record listed and shown byte for byte
    problems = [str(p) for p in window.problems]
    damage = [p for p in problems if str(path) in p and "checksum" in p]
    assert damage, problems
    assert all("whea store check" in p for p in damage)
    text = " ".join(damage)
    assert all(f"0x{rid:016X}" in text for rid in bad)
    assert f"{len(bad)} of {len(bad) + len(good)} records are damaged" in text
