"""Folder walks (content detection, progress, cancellation) and the CLI on every source kind."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

import sources_helpers as h

from whea_gui.cli._progress import ProgressBar
from whea_gui.sources import iter_path
from whea_gui.sources.folder import Progress

ROOT = Path(__file__).resolve().parents[2]
MEM = (h.VECTORS / "libcper-generated" / "memory" / "000.cper").read_bytes()
CMCI = (h.DWR / "cper_cmci_amd_xpfmca_v2r2.bin").read_bytes()
WHLG = (h.DWR / "whlg_process_einj.bin").read_bytes()


def _tree(root: Path) -> dict[str, int]:
    """A folder like a support bundle; returns file name → records expected from it."""
    (root / "win").mkdir(parents=True)
    (root / "linux" / "acpi" / "data").mkdir(parents=True)
    (root / "bmc").mkdir()
    shutil.copy(h.EVTX, root / "win" / "Kernel-WHEA-Operational.evtx")
    (root / "win" / "record.txt").write_text(h.ev_bytes(CMCI))
    (root / "win" / "notes.txt").write_text("The machine froze twice on Tuesday.\n")
    (root / "a.bin").write_bytes(CMCI + WHLG)
    (root / "crash.dmp").write_bytes(b"\x11" * 5000 + MEM + b"\x22" * 3000)
    (root / "empty.cper").write_bytes(b"")
    (root / "random.dat").write_bytes(bytes(range(256)) * 3)
    blk = h.gesb([h.gede(d, b) for d, b in h.cper_sections(MEM)])
    (root / "linux" / "acpi" / "data" / "BERT").write_bytes(blk + b"\0" * 32)
    (root / "linux" / "acpi" / "BERT").write_bytes(h.bert_table(len(blk) + 32))
    (root / "linux" / "HwErrRec0002-414e6bdd-e47b-47cc-b244-bb61020cf516").write_bytes(
        struct.pack("<I", 0xF) + MEM)
    entry = {"@odata.id": "/redfish/v1/Systems/1/LogServices/EventLog/Entries/1", "Id": "1",
             "DiagnosticDataType": "CPER", "DiagnosticData": base64.b64encode(CMCI).decode()}
    (root / "bmc" / "entry.json").write_text(json.dumps(entry))
    return {"Kernel-WHEA-Operational.evtx": 52, "record.txt": 1,  # 47 WhLg + 5 Event ID 5 tables
            "a.bin": 2, "crash.dmp": 1,
            "BERT": 1, "HwErrRec0002-414e6bdd-e47b-47cc-b244-bb61020cf516": 1, "entry.json": 1}


def test_folder_walk_finds_every_kind_once(tmp_path):
    expected = _tree(tmp_path)
    problems, updates = [], []
    refs = list(iter_path(tmp_path, problems.append, progress=updates.append))
    by_file: dict[str, int] = {}
    for r in refs:
        by_file[Path(r.source["path"]).name] = by_file.get(Path(r.source["path"]).name, 0) + 1
    assert by_file == expected  # data/BERT read once, through the table; no garbage records
    kinds = {r.source["kind"] for r in refs}
    assert kinds == {"evtx", "text", "raw", "gesb", "efivar", "redfish"}
    bert = next(r for r in refs if r.source["kind"] == "gesb")
    assert bert.source["container"] == "bert"
    # progress: a start report, then one per file, counts and bytes only growing
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert updates[0] == Progress(0, len(files), 0, sum(p.stat().st_size for p in files), 0, "")
    assert [u.files_done for u in updates] == list(range(len(files) + 1))
    assert updates[-1].bytes_done == updates[-1].bytes_total and updates[-1].records == len(refs)
    assert any(p.path.endswith("notes.txt") for p in problems)
    assert any(p.path.endswith("random.dat") and "no CPER record" in p.message for p in problems)


def test_folder_walk_can_be_cancelled(tmp_path):
    _tree(tmp_path)
    stop = threading.Event()
    seen = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.files_done == 1:
            stop.set()

    problems = []
    refs = list(iter_path(tmp_path, problems.append, progress=progress, cancel=stop))
    assert seen[-1].files_done == 1 and any("cancelled after 1" in p.message for p in problems)
    assert len(refs) == seen[-1].records
    # a callable works too, and can stop in the middle of a file's records
    calls = []
    refs = list(iter_path(tmp_path / "win", cancel=lambda: len(calls.append(1) or calls) > 10))
    assert 0 < len(refs) < 47


def test_dangling_link_in_folder_is_reported(tmp_path):
    (tmp_path / "a.bin").write_bytes(CMCI)
    os.symlink(tmp_path / "missing", tmp_path / "gone.bin")
    problems = []
    refs = list(iter_path(tmp_path, problems.append))
    assert [r.data for r in refs] == [CMCI]
    assert any(p.path.endswith("gone.bin") and p.level == "error" for p in problems)


def test_progress_bar_draws_and_finishes():
    out = io.StringIO()
    bar = ProgressBar(out, delay=0)
    bar(Progress(1, 4, 10, 40, 3, "a"))
    bar(Progress(4, 4, 40, 40, 9, "d"))
    text = out.getvalue()
    assert "1/4 files" in text and "4/4 files" in text and "9 records" in text and text.endswith("\n")


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=120)


def test_cli_decodes_a_folder_as_json_lines(tmp_path):
    expected = _tree(tmp_path)
    proc = _cli("decode", "--json", str(tmp_path))
    lines = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert len(lines) == sum(expected.values())
    kinds = {(x["kind"], x["source"]["kind"]) for x in lines}
    assert ("gesb", "gesb") in kinds and ("whlg", "evtx") in kinds and ("cper", "redfish") in kinds
    evtx = next(x for x in lines if x["source"]["kind"] == "evtx")
    assert {"event_record_id", "event_id", "provider", "time_created", "computer", "channel"} <= set(evtx["source"])
    assert "no CPER record" in proc.stderr.decode()  # random.dat, with its path
    assert "\r[" not in proc.stderr.decode()  # no progress bar when stderr is not a terminal


def test_cli_reads_pasted_hex_from_stdin():
    proc = _cli("decode", "--json", "-", stdin=h.windbg_db(CMCI).encode())
    lines = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert len(lines) == 1 and lines[0]["source"]["kind"] == "text" and lines[0]["length"] == len(CMCI)


def test_cli_exit_status_for_a_damaged_event_log(tmp_path):
    blob = bytearray(h.EVTX.read_bytes())
    for i in range(4096 + 65536 + 612, 4096 + 65536 + 900):
        blob[i] ^= 0x5A
    (tmp_path / "bad.evtx").write_bytes(bytes(blob))
    proc = _cli("decode", str(tmp_path / "bad.evtx"))
    assert proc.returncode == 1 and "damaged chunk" in proc.stderr.decode()
    assert _cli("decode", str(tmp_path / "missing.bin")).returncode == 2


# -- streams: each input read once; batches that go on after a failure ------------------------
BAD_XML = ('<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">'
           '<System><Provider Name="Microsoft-Windows-WHEA-Logger"/></System><EventData>'
           '<Data Name="RawData">435045</Data></Event></Events>\n')


def _objs(proc) -> list[dict]:
    return [json.loads(x) for x in proc.stdout.decode().splitlines()]


def test_cli_reads_a_process_substitution(tmp_path):
    (tmp_path / "rec.cper").write_bytes(CMCI)
    proc = subprocess.run(["bash", "-c", f'"{sys.executable}" -m whea_gui.cli decode --json '
                                         f'<(cat "{tmp_path / "rec.cper"}")'],
                          cwd=ROOT, capture_output=True, timeout=120)
    (obj,) = _objs(proc)
    assert proc.returncode == 0 and obj["length"] == len(CMCI) and obj["findings"] == []
    assert obj["source"]["path"].startswith("/dev/fd/") and b"empty" not in proc.stderr


def test_cli_reads_a_fifo_once_while_a_writer_sends_records(tmp_path):
    fifo = tmp_path / "records.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as fh:  # blocks until the reader opens: a second open would hang
            fh.write(CMCI + WHLG)
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    proc = _cli("decode", "--json", str(fifo))  # the timeout in _cli turns a hang into a failure
    writer.join(timeout=10)
    objs = _objs(proc)
    assert proc.returncode == 0 and [(o["kind"], o["source"]["offset"]) for o in objs] == \
        [("cper", 0), ("whlg", len(CMCI))]


def test_cli_reads_binary_records_from_standard_input():
    proc = _cli("decode", "--json", "-", stdin=CMCI + WHLG)
    objs = _objs(proc)
    assert proc.returncode == 0 and [o["source"]["path"] for o in objs] == ["<stdin>"] * 2


def test_a_long_stream_spills_to_a_temporary_file(monkeypatch):
    from whea_gui.sources import base
    monkeypatch.setattr(base, "SPOOL_MEMORY", 4096)
    monkeypatch.setattr(base, "READ_CHUNK", 1000)
    blob = (b"\x11" * 3000 + CMCI) * 20
    r, w = os.pipe()

    def write() -> None:
        with os.fdopen(w, "wb") as fh:
            fh.write(blob)
    threading.Thread(target=write, daemon=True).start()
    seen = []
    with base.open_input(f"/dev/fd/{r}") as inp:
        seen.append(type(inp.buf).__name__)
        refs = [(ref.source["offset"], ref.data) for ref in iter_path_buffer(inp)]
    os.close(r)
    assert seen == ["mmap"]
    assert refs == [(3000 + i * (3000 + len(CMCI)), CMCI) for i in range(20)]


def iter_path_buffer(inp):
    from whea_gui.sources import raw
    return raw.read_buffer(inp.buf, inp.name, lambda p: None)


def test_cli_empty_file_is_a_failed_input_not_a_record(tmp_path):
    (tmp_path / "empty.cper").write_bytes(b"")
    proc = _cli("decode", "--json", str(tmp_path / "empty.cper"))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b""
    assert "empty.cper at byte offset 0: the file is empty" in err
    assert "decoded 0 record(s) from 1 input; 1 input failed" in err


def test_cli_batch_goes_on_after_a_failed_input_and_counts(tmp_path):
    (tmp_path / "a.cper").write_bytes(CMCI)
    (tmp_path / "bad.xml").write_text(BAD_XML)
    (tmp_path / "b.bin").write_bytes(WHLG + CMCI)
    paths = [str(tmp_path / n) for n in ("a.cper", "bad.xml", "missing.bin", "b.bin")]
    proc = _cli("decode", "--json", *paths)
    objs = _objs(proc)
    err = proc.stderr.decode()
    assert [o["source"]["path"] for o in objs] == [paths[0], paths[3], paths[3]]
    assert "bad.xml" in err and "missing.bin: cannot read" in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("whea: decoded 3 record(s) from 4 inputs; 2 inputs failed: ")
    assert "bad.xml" in last and "missing.bin" in last
    assert proc.returncode == 2  # a file that cannot be opened is an unusable argument
    proc = _cli("decode", "--json", paths[0], paths[1], paths[3])
    assert proc.returncode == 1 and len(_objs(proc)) == 3


def test_reader_exception_is_reported_with_the_file_and_the_batch_goes_on(tmp_path, monkeypatch,
                                                                          capsys):
    """A reader bug on one input is caught at the batch level: reported (not swallowed), with
    the file name and place, and the inputs after it are still decoded."""
    from whea_gui.cli import main
    from whea_gui.sources import eventxml

    def broken(data, path, on_problem):
        yield from ()
        raise RuntimeError("reader bug")
    monkeypatch.setattr(eventxml, "read_bytes", broken)
    (tmp_path / "a.cper").write_bytes(CMCI)
    (tmp_path / "bad.xml").write_text(BAD_XML)
    (tmp_path / "b.cper").write_bytes(CMCI)
    code = main(["decode", "--json", *(str(tmp_path / n) for n in ("a.cper", "bad.xml", "b.cper"))])
    out, err = capsys.readouterr()
    assert code == 1 and len(out.splitlines()) == 2
    assert f"{tmp_path / 'bad.xml'}: reading stopped before any record (RuntimeError: reader bug)" in err
    assert "1 input failed" in err
    # the same inside a folder walk: the file is named and the walk goes on to the next file
    problems = []
    refs = list(iter_path(tmp_path, problems.append))
    assert len(refs) == 2
    (bug,) = [p for p in problems if "reader bug" in p.message]
    assert bug.path == str(tmp_path / "bad.xml") and bug.level == "error"


def test_folder_walk_goes_on_after_a_file_that_fails_midway(tmp_path, monkeypatch):
    from whea_gui.sources import raw

    real = raw.read_buffer

    def fails_after_first(buf, path, on_problem):
        for i, ref in enumerate(real(buf, path, on_problem)):
            if i == 1 and path.endswith("a.bin"):
                raise ValueError("boom")
            yield ref
    monkeypatch.setattr(raw, "read_buffer", fails_after_first)
    (tmp_path / "a.bin").write_bytes(CMCI + WHLG + CMCI)
    (tmp_path / "b.bin").write_bytes(WHLG)
    problems = []
    refs = list(iter_path(tmp_path, problems.append))
    assert [(Path(r.source["path"]).name, r.source["offset"]) for r in refs] == [("a.bin", 0), ("b.bin", 0)]
    (bug,) = [p for p in problems if "boom" in p.message]
    assert "after the record at byte offset 0" in bug.message and bug.path.endswith("a.bin")


def test_cli_input_that_yields_no_record_counts_as_failed(tmp_path):
    """A cut-off XML export (no complete <Event>) and a large binary with no record decode
    nothing: each is a failed input (exit 1) beside a good one, which is still printed."""
    (tmp_path / "a.cper").write_bytes(CMCI)
    (tmp_path / "cut.xml").write_text(BAD_XML[:120])
    (tmp_path / "zeros.img").write_bytes(bytes(200_000))
    paths = [str(tmp_path / n) for n in ("a.cper", "cut.xml", "zeros.img")]
    proc = _cli("decode", "--json", *paths)
    last = proc.stderr.decode().strip().splitlines()[-1]
    assert proc.returncode == 1 and len(_objs(proc)) == 1
    assert last.startswith("whea: decoded 1 record(s) from 3 inputs; 2 inputs failed: ")
    assert "cut.xml" in last and "zeros.img" in last and "no CPER record" in last
