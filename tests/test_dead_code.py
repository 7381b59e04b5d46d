"""No dead code (issue #17): vulture finds nothing unused in whea_gui that tests, tools and
benchmarks do not use either, apart from what Qt and the registries call by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from whea_gui.decode.explain import tables
from whea_gui.formats import cper
from whea_gui.index import table
from whea_gui.store import results

ROOT = Path(__file__).resolve().parents[1]

# Called by Qt (event handlers, delegate overrides) or by name through a table, not by our code.
CALLED_BY_NAME = (
    "createEditor", "setEditorData", "setModelData", "updateEditorGeometry", "paintEvent",
    "mouseMoveEvent", "wheelEvent", "contextMenuEvent", "dragEnterEvent",
    "CsvWriter", "HtmlWriter", "JsonWriter", "JsonLinesWriter", "MarkdownWriter",  # report.writer.FORMATS
    "stale_skipped",  # a counter the salvage report carries for its readers
    "MESSAGE",  # a column number named for the reader of the findings model
    "eventFilter",  # QObject.installEventFilter calls it
    "itersize",  # psycopg reads it: rows per round trip of a server-side cursor
    "readable", "seekable",  # the io.RawIOBase protocol (sources/evtx_header.PatchedFile)
    # held on the window so the Python wrappers of an event filter, shortcuts and actions live
    # as long as the window (PySide drops an unreferenced event filter)
    "_pane_tabs", "navigation_shortcuts", "act_shortcuts",
)


def test_vulture_finds_no_unused_code():
    vulture = pytest.importorskip("vulture")
    del vulture
    proc = subprocess.run(
        [sys.executable, "-m", "vulture", "whea_gui", "tests", "tools", "benchmarks",
         "--min-confidence", "60", "--ignore-decorators", "@register,@*.register,@register_*,@pytest.fixture",
         "--ignore-names", ",".join(CALLED_BY_NAME)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    unused = [line for line in proc.stdout.splitlines() if line.startswith("whea_gui/")]
    assert not unused, "\n".join(unused)


def test_severity_names_are_declared_once():
    assert tables.SEVERITY_WORD is cper.SEVERITY
    assert tables.SEVERITY_RANK is cper.SEVERITY_RANK
    assert table.SEVERITY_NAMES[:4] == tuple(cper.SEVERITY[c].lower() for c in range(4))
    assert results.SEVERITY_KEYS is table.SEVERITY_NAMES  # store stats count under the index's names
