"""Batch import and write go on past a failing input; bad option values and unwritable outputs
are usage errors with a message, never a traceback or a silently ignored value."""

from __future__ import annotations

import pytest
from store_helpers import DWR, TEMPLATE, build_record

import whea_gui.cli.store as store_cli
from whea_gui.cli import main
from whea_gui.store import Store


def _run(capsys, *argv, cmd="store"):
    code = main([cmd, *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _event(record: bytes, rid: int, time: str) -> str:
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            "<Provider Name='Microsoft-Windows-WHEA-Logger'/><EventID>18</EventID>"
            f"<TimeCreated SystemTime='{time}'/><EventRecordID>{rid}</EventRecordID>"
            "<Channel>System</Channel><Computer>hostX</Computer></System><EventData>"
            f"<Data Name='Length'>{len(record)}</Data><Data Name='RawData'>{record.hex()}</Data>"
            "</EventData></Event>")


@pytest.fixture
def good_and_bad(tmp_path):
    template = TEMPLATE.read_bytes()
    good = tmp_path / "good.bin"
    good.write_bytes(b"".join(build_record(template, rid) for rid in range(1, 401)))
    cmci = (DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()
    events = [_event(build_record(cmci, 9000 + i), i, f"2024-{m:02d}-09T09:55:33.6500000Z")
              for i, m in enumerate((1, 2, 13, 4), start=1)]  # event 3: month 13
    bad = tmp_path / "bad.xml"
    bad.write_text("<Events>" + "".join(events) + "</Events>", encoding="utf-8")
    return good, bad


def test_import_stores_every_good_input_and_reports_the_bad_one(tmp_path, capsys, good_and_bad):
    good, bad = good_and_bad
    store = tmp_path / "s.sqlite"
    missing = tmp_path / "missing.bin"
    code, out, err = _run(capsys, "--store", store, "import", good, bad, missing)
    assert code == 1
    assert "Traceback" not in err
    assert out.startswith("404 stored") and "missing.bin" in out and "1 input failed" in out
    # the event whose SystemTime has month 13 is kept (its time as raw text) and named
    assert "bad.xml" in err and "month" in err.lower()
    with Store(store) as s:
        ids = {int(x) for x in s.record_table().record_id}
    assert set(range(1, 401)) <= ids and len(ids) == 404


def test_a_reader_that_raises_is_reported_and_the_import_goes_on(tmp_path, capsys, monkeypatch):
    template = TEMPLATE.read_bytes()
    first, broken, last = (tmp_path / n for n in ("first.bin", "broken.bin", "last.bin"))
    first.write_bytes(b"".join(build_record(template, r) for r in range(1, 6)))
    broken.write_bytes(b"".join(build_record(template, r) for r in range(100, 106)))
    last.write_bytes(b"".join(build_record(template, r) for r in range(200, 206)))
    real = store_cli.iter_path

    def flaky(path, on_problem=None, **kw):
        for n, ref in enumerate(real(path, on_problem=on_problem, **kw)):
            if str(path).endswith("broken.bin") and n == 3:
                raise RuntimeError("reader bug at record 4")
            yield ref

    monkeypatch.setattr(store_cli, "iter_path", flaky)
    store = tmp_path / "s.sqlite"
    code, out, err = _run(capsys, "--store", store, "import", first, broken, last)
    assert code == 1
    message = f"{broken}: the reader failed after 3 records (RuntimeError: reader bug at record 4)"
    assert message in err and message in out  # reported, not swallowed
    assert out.startswith("14 stored") and "from 2 of 3 inputs" in out and "1 input failed" in out
    with Store(store) as s:
        ids = {int(x) for x in s.record_table().record_id}
    assert ids == set(range(1, 6)) | {100, 101, 102} | set(range(200, 206))


def test_outputs_in_missing_folders_are_refused_before_anything_is_written(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    _run(capsys, "--store", store, "write", DWR / "cper_cmci_amd_xpfmca_v2r2.bin")
    missing = tmp_path / "no" / "such" / "dir"
    for argv in (("read", "0", "-o", missing / "x"), ("export", "-o", missing / "x.bin"),
                 ("export", "-o", f"{missing}/"), ("read", "0", "-o", tmp_path)):
        code, out, err = _run(capsys, "--store", store, *argv)
        assert code == 2, argv
        assert "Traceback" not in err and "nothing was written" in err and out == ""
        assert str(argv[-1]).rstrip("/") in err
    assert not (tmp_path / "no").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("s.sqlite")) == []


@pytest.mark.parametrize("argv, bad", [
    (("store", "list", "--since", "garbage"), "garbage"),
    (("store", "list", "--until", "2025-13-01"), "2025-13-01"),
    (("store", "export", "--since", "yesterday"), "yesterday"),
    (("store", "list", "--limit", "-1"), "-1"),
    (("store", "list", "--limit", "ten"), "ten"),
    (("store", "init", "--max-bytes", "-5"), "-5"),
    (("store", "init", "--max-records", "x"), "x"),
    (("report", "IN", "-o", "OUT.json", "--since", "garbage"), "garbage"),
    (("report", "IN", "-o", "OUT.json", "--record", "0"), "0"),
    (("report", "IN", "-o", "OUT.json", "--detail-limit", "-1"), "-1"),
    (("timeline", "IN", "--bin", "0"), "0"),
    (("timeline", "IN", "--top", "-1"), "-1"),
    (("timeline", "IN", "--storm", "0"), "0"),
    (("timeline", "IN", "--storm-window", "-60"), "-60"),
])
def test_bad_times_and_counts_are_usage_errors(tmp_path, capsys, monkeypatch, argv, bad):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "IN"
    src.write_bytes((DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes())
    _run(capsys, "--store", tmp_path / "s.sqlite", "write", src)
    argv = ("store", "--store", tmp_path / "s.sqlite", *argv[1:]) if argv[0] == "store" else argv
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:  # argparse rejected the value
        code = exit_.code
    _, err = capsys.readouterr()
    assert code == 2 and bad in err and "Traceback" not in err
    assert not (tmp_path / "OUT.json").exists()


def test_list_limit_and_time_bounds_work(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    template = TEMPLATE.read_bytes()
    with Store(store) as s:  # the template's own time is 2024-10-24 (binary Windows time)
        s.write_records([(build_record(template, r), {}) for r in range(1, 6)])
    code, out, _ = _run(capsys, "--store", store, "list", "--limit", "0")
    assert code == 0 and out == ""
    code, out, _ = _run(capsys, "--store", store, "list", "--limit", "5")
    assert len(out.splitlines()) == 5
    day = out.split()[1][:10]
    code, out, _ = _run(capsys, "--store", store, "list", "--since", day, "--until", day)
    assert code == 0 and len(out.splitlines()) == 5  # a date alone as --until: the whole day
    code, out, _ = _run(capsys, "--store", store, "list", "--until", day + "T00:00:00")
    assert code == 0 and out == ""


def test_export_leaves_out_damaged_records_and_says_so(tmp_path, capsys):
    import sqlite3

    store = tmp_path / "s.sqlite"
    template = TEMPLATE.read_bytes()
    with Store(store) as s:
        s.write_records([(build_record(template, r), {}) for r in range(1, 7)])
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE record_data SET data = zeroblob(length(data)) WHERE slot IN (2, 5)")
    conn.close()
    out = tmp_path / "all.bin"
    code, _, err = _run(capsys, "--store", store, "export", "-o", out)
    assert code == 1 and "exported 4 records" in err and "2 damaged records left out" in err
    assert "0x0000000000000002" in err and "0x0000000000000005" in err
    blob = out.read_bytes()
    assert len(blob) == 4 * len(template)
    assert [int.from_bytes(blob[k * 1019 + 96:k * 1019 + 104], "little") for k in range(4)] == [1, 3, 4, 6]
