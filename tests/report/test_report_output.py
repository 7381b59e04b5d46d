"""Writing: atomic output (cancel, Ctrl-C, errors), determinism, malformed input, the CLI."""

from __future__ import annotations

import difflib
import json
import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_helpers import FIXED_AT, MALFORMED, dwr_files, timeline_items

from whea_gui.cli import main
from whea_gui.report import ReportCancelled, write_report
from whea_gui.report.html import environment

TEXT_FORMATS = ("html", "md", "json", "jsonl", "csv")


def _listing(path):
    return sorted(p.name for p in path.iterdir())


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_cancel_leaves_no_file(tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(ReportCancelled):
        write_report(timeline_items(), out, cancel=cancel)
    assert _listing(tmp_path) == []


def test_interrupt_keeps_the_old_file(tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old report")

    def progress(done, total):
        if done == 7:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_report(timeline_items(), out, progress=progress)
    assert out.read_text() == "old report"
    assert _listing(tmp_path) == ["r.html"]


def test_progress_counts_records(tmp_path):
    seen = []
    items = timeline_items(30)
    write_report(items, tmp_path / "r.csv", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 30) for i in range(1, 31)]
    seen.clear()
    write_report(dwr_files(), tmp_path / "r.csv", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(dwr_files()), None)  # paths: the total is not known in advance


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_same_input_same_bytes_but_the_generated_line(tmp_path, fmt):
    items = timeline_items(40)
    a, b, c = (tmp_path / f"{n}.{fmt}" for n in "abc")
    write_report(items, a, generated_at=FIXED_AT)
    write_report(items, b, generated_at=FIXED_AT)
    write_report(items, c, generated_at="2031-01-02T03:04:05Z")
    assert a.read_bytes() == b.read_bytes()
    old = a.read_text(encoding="utf-8").splitlines()
    new = c.read_text(encoding="utf-8").splitlines()
    changed = [line for line in difflib.unified_diff(old, new, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    if fmt == "csv":
        assert changed == []  # no generated-at line at all
    else:
        assert len(changed) == 2 and FIXED_AT in changed[0] and "2031-01-02T03:04:05Z" in changed[1]


def test_source_date_epoch_sets_the_generated_time(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "r.json"
    write_report(dwr_files()[:2], out)
    assert json.loads(out.read_text())["generated_at"] == "2023-11-14T22:13:20Z"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blobs=st.lists(st.binary(max_size=600), min_size=1, max_size=4), cut=st.integers(0, 2000))
def test_any_bytes_give_a_complete_report(tmp_path, blobs, cut):
    base = sorted(MALFORMED.glob("*.cper"))[cut % 8].read_bytes()
    items = [(b, {"path": f"blob{i}"}) for i, b in enumerate(blobs)] + [(base[:cut], {"path": "cut"})]
    for fmt in ("html", "md", "jsonl"):
        out = tmp_path / f"r.{fmt}"
        result = write_report(items, out, generated_at=FIXED_AT)
        assert result.records == len(items)
        text = out.read_text(encoding="utf-8")
        if fmt == "jsonl":
            lines = [json.loads(x) for x in text.splitlines()]
            assert [x["source"]["path"] for x in lines[1:-1]] == [s["path"] for _, s in items]
        else:
            for i in range(1, len(items) + 1):
                assert f"Record {i}: " in text
    assert _listing(tmp_path) == ["r.html", "r.jsonl", "r.md"]


def test_templates_are_package_data():
    import tomllib
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = data["whea_gui"]
    names = environment().list_templates()
    assert "report.html.j2" in names and "report.css" in names
    from fnmatch import fnmatch
    for name in names:
        assert any(fnmatch(f"report/templates/{name}", p) for p in patterns), name


# -- the command line ----------------------------------------------------------------------
def test_cli_formats_exit_codes_and_filters(tmp_path, capsys):
    files = [str(p) for p in dwr_files()]
    assert main(["report", *files, "-o", str(tmp_path / "a.html"), "-q"]) == 0
    assert main(["report", *files, "-o", str(tmp_path / "a.out"), "--format", "csv", "-q"]) == 0
    assert (tmp_path / "a.out").read_text().startswith("index,time,")
    bad = [str(p) for p in sorted(MALFORMED.glob("*.cper"))[:3]]
    assert main(["report", *bad, "-o", str(tmp_path / "b.md"), "-q"]) == 1  # error findings
    assert main(["report", *files, "-o", str(tmp_path / "c.txt")]) == 2
    assert "cannot tell the report format" in capsys.readouterr().err
    assert main(["report", *files, "-o", str(tmp_path / "d.md"), "--since", "soon"]) == 2
    # a missing input is an unusable argument: refused before the output is opened (audit 2 L1)
    assert main(["report", str(tmp_path / "missing.bin"), files[0], "-o", str(tmp_path / "e.json"),
                 "-q"]) == 2
    assert not (tmp_path / "e.json").exists()
    assert "missing.bin: no such file or folder; " in capsys.readouterr().err
    assert main(["report", *files, "-o", str(tmp_path / "f.jsonl"), "--record", "3", "-q"]) == 0
    lines = (tmp_path / "f.jsonl").read_text().splitlines()
    assert [json.loads(x)["index"] for x in lines[1:-1]] == [3]
    assert main(["report", *files, "-o", str(tmp_path / "g.jsonl"), "--record", "99", "-q"]) == 2
    assert main(["report", *files, "-o", str(tmp_path / "h.jsonl"), "--severity", "fatal",
                 "--type", "xpf", "-q"]) == 0
    lines = [json.loads(x) for x in (tmp_path / "h.jsonl").read_text().splitlines()[1:-1]]
    assert lines and all(x["header"]["severity_name"] == "Fatal" for x in lines)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_progress_on_stderr(tmp_path, capsys, monkeypatch):
    from whea_gui.cli import report as cli_report
    monkeypatch.setattr(cli_report, "PROGRESS_EVERY", 0.0)
    files = [str(p) for p in dwr_files()]
    assert main(["report", *files, "-o", str(tmp_path / "a.csv")]) == 0
    err = capsys.readouterr().err
    assert "whea report: 5 records" in err and f"{len(files)} records → " in err


def test_cli_writes_to_stdout(capfd):
    assert main(["report", str(dwr_files()[0]), "-o", "-", "--format", "jsonl"]) == 0
    sys.stdout.flush()
    out = capfd.readouterr().out.splitlines()
    assert json.loads(out[-1])["summary"]["records"] == 1
    assert os.path.basename(json.loads(out[1])["source"]["path"]) == dwr_files()[0].name


def test_a_record_store_is_an_input(tmp_path):
    from whea_gui.store import Store
    items = timeline_items(25)
    path = tmp_path / "fleet.wheastore"
    with Store(path) as store:
        store.write_records(items)
    out = tmp_path / "r.jsonl"
    result = write_report([path], out, filters={"source": "node-b"})
    lines = [json.loads(x) for x in out.read_text().splitlines()[1:-1]]
    want = [data for data, src in items if src["host"] == "node-b"]
    assert result.unreadable == 0 and len(lines) == len(want) > 0
    assert sorted(x["header"]["record_id"] for x in lines) == sorted(
        int.from_bytes(d[96:104], "little") for d in want)
    assert all(x["source"]["kind"] == "store" and x["source"]["host"] == "node-b" for x in lines)


def test_a_device_or_link_given_as_output_is_written_through_never_replaced(tmp_path):
    """`whea report -o /dev/full` used to rename a file over the device node (as root)."""
    import os
    import stat
    import subprocess
    import sys
    from pathlib import Path

    vector = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / \
        "DecodeWheaRecord" / "cper_memory_1sec_padded.bin"
    target = tmp_path / "real.html"
    link = tmp_path / "link.html"
    link.symlink_to(target)
    run = [sys.executable, "-m", "whea_gui.cli", "report", str(vector), "-q", "-o"]
    assert subprocess.run(run + [str(link)], capture_output=True).returncode == 0
    assert link.is_symlink() and target.read_text().startswith("<!")
    device = tmp_path / "full"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # what /dev/full is
    except OSError:
        return  # not root: the link case above still ran
    res = subprocess.run(run + [str(device), "--format", "json"], capture_output=True, text=True)
    assert res.returncode == 1 and "No space left" in res.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
