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
    return {"Kernel-WHEA-Operational.evtx": 47, "record.txt": 1, "a.bin": 2, "crash.dmp": 1,
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
