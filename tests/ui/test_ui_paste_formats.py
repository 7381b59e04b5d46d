"""The window's paste and ``whea decode -`` read the same text the same way (issue #13).

For real ``hexdump``/``od``/``xxd`` output and the WinDbg / Event Viewer layouts of a few shared
vectors, the text is pasted into the window (clipboard → Paste record) and fed to the CLI's
``decode --json --tree -`` on standard input. Both must give the same records (bytes and
provenance apart from the path), the same problems, and the file's bytes.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import VECTORS
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
from hexformats import PYTHON_FORMATS, TOOLS, run_tool_on  # noqa: E402

from whea_gui.cli import main as cli_main  # noqa: E402

CASES = [VECTORS / "DecodeWheaRecord" / "cper_cmc_amd_xpfmca_v2r1.bin",  # the record
         VECTORS / "DecodeWheaRecord" / "cper_memory_1sec_padded.bin",  # 277 bytes: partial lines
         VECTORS / "malformed" / "m23-two-records-concatenated.cper"]  # two records, one dump
FORMATS = list(TOOLS) + list(PYTHON_FORMATS)
ROOT = Path(__file__).resolve().parents[2]


def _text(path: Path, fmt: str) -> str:
    return run_tool_on(TOOLS[fmt], path) if fmt in TOOLS else PYTHON_FORMATS[fmt](path.read_bytes())


def _plain(source: dict) -> dict:
    return json.loads(json.dumps({k: v for k, v in source.items() if k != "path"}))


def _decode_stdin(text: str, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))
    capsys.readouterr()
    code = cli_main(["decode", "--json", "--tree", "-"])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    records = [(base64.b64decode(r["data_base64"]), _plain(r["source"])) for r in rows]
    problems = [line.removeprefix("whea: <stdin>") for line in err.splitlines()]
    return records, problems, code


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_window_paste_and_decode_stdin_agree(qtbot, window, monkeypatch, capsys, path, fmt):
    text = _text(path, fmt)
    QApplication.clipboard().setText(text)
    with qtbot.waitSignal(window.loadFinished, timeout=30_000):
        window.paste_record()
    qtbot.waitUntil(lambda: not window.loading, timeout=30_000)
    rs = window.records_panel.records
    pasted = [(rs.data(i), _plain(rs.source(i))) for i in range(len(rs))]
    assert all(rs.source(i)["path"] == "<clipboard>" for i in range(len(rs)))
    shown = [str(p).removeprefix("<clipboard>") for p in window.problems]

    records, problems, code = _decode_stdin(text, monkeypatch, capsys)
    assert pasted == records
    assert shown == problems
    assert b"".join(data for data, _ in records) == path.read_bytes()
    assert code in (0, 1) and not any(" internal" in p or "decoder-failed" in p for p in problems)


def test_decode_stdin_as_a_process_reads_the_collapsed_hexdump_whole():
    path = CASES[0]
    text = run_tool_on(["hexdump", "-C"], path)
    done = subprocess.run([sys.executable, "-m", "whea_gui.cli", "decode", "--json", "-"], input=text,
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["length"] for r in rows] == [928] and done.returncode == 0, done.stderr
    assert rows[0]["source"]["style"] == "dump-8" and rows[0]["source"]["line"] == 1


# Issue #13/#15: pieces of an event on one line, and xxd -e, pasted as a new user did
MORE_TEXTS = {
    "one-line event without System": lambda d: (
        '<Event><EventData><Data Name="ErrorSource">3</Data>'
        f'<Data Name="RawData">{d.hex()}</Data></EventData></Event>'),
    "one-line Data fields": lambda d: (
        f'<Data Name="Length">{len(d)}</Data><Data Name="RawData">{d.hex().upper()}</Data>'),
    "xxd -e": lambda d: subprocess.run(["xxd", "-e"], input=d, capture_output=True,
                                       check=True).stdout.decode("ascii"),
}


@pytest.mark.parametrize("fmt", list(MORE_TEXTS))
@pytest.mark.parametrize("path", CASES[:2], ids=lambda p: p.name)
def test_window_paste_reads_event_pieces_and_xxd_e_as_decode_stdin(qtbot, window, monkeypatch, capsys,
                                                                   path, fmt):
    text = MORE_TEXTS[fmt](path.read_bytes())
    QApplication.clipboard().setText(text)
    with qtbot.waitSignal(window.loadFinished, timeout=30_000):
        window.paste_record()
    qtbot.waitUntil(lambda: not window.loading, timeout=30_000)
    rs = window.records_panel.records
    pasted = [(rs.data(i), _plain(rs.source(i))) for i in range(len(rs))]
    records, problems, code = _decode_stdin(text, monkeypatch, capsys)
    assert pasted == records and [d for d, _ in records] == [path.read_bytes()]
    assert records[0][1]["kind"] == ("text" if fmt == "xxd -e" else "eventxml")
    assert code == 0 and not any(" internal" in p or "decoder-failed" in p for p in problems)


@pytest.mark.parametrize("text", ["The machine rebooted twice.", '<Data Name="Length">277</Data>',
                                  "<Event><EventData><Data Name='ErrorSource'>3</Data></EventData></Event>"])
def test_paste_refuses_text_without_a_record_instead_of_decoding_its_characters(text):
    from whea_gui.session.paste import PasteError, clipboard_bytes
    with pytest.raises(PasteError, match="neither hex nor Base64") as info:
        clipboard_bytes(text)
    assert "nothing to decode" in str(info.value)
