"""``whea decode --json`` of one record loads only what decoding that record needs (issue #18:
start-up is most of a small decode). Run in a fresh interpreter; the modules it loaded are read
from ``sys.modules``. No timing here: the start-up figure is in benchmarks/bench_decode_process.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT.parent / "shared" / "vectors"

# Never needed to decode a binary record to JSON Lines: the window, the plots, the report
# templates, the other sub-commands (their argparse set-up included), the store and index, the
# text and XML readers' parsers.
FORBIDDEN = ("PySide6", "pyqtgraph", "jinja2", "numpy", "construct", "sqlite3", "xml.etree",
             "whea_gui.ui", "whea_gui.report", "whea_gui.session", "whea_gui.store", "whea_gui.index",
             "whea_gui.compose", "whea_gui.cli.build", "whea_gui.cli.diff", "whea_gui.cli.export",
             "whea_gui.cli.generate", "whea_gui.cli.metrics", "whea_gui.cli.report",
             "whea_gui.cli.store", "whea_gui.cli.timeline", "whea_gui.sources.hexlines")

CHILD = """
import io, json, sys
from whea_gui.cli import main
out = io.BytesIO()
sys.stdout = io.TextIOWrapper(out)
status = main(['decode', '--json', sys.argv[1]])
sys.stdout.flush()
lines = out.getvalue().decode().splitlines()
sys.stdout = sys.__stdout__
print(json.dumps({"status": status, "records": len(lines), "modules": sorted(sys.modules),
                  "sections": [s.get("type_guid") or s.get("section_type") for s in json.loads(lines[0]).get("sections", [])] if lines else []}))
"""


def _decode_in_child(path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                         env=env, timeout=300, check=True, cwd=str(ROOT.parent)).stdout
    return json.loads(out)


def _forbidden(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]


@pytest.mark.parametrize("record", ["DecodeWheaRecord/cper_boot_rev0101_venhw_section.bin",
                                    "libcper-generated/memory/000.cper",
                                    "libcper-generated/unknown/020.cper"])
def test_decode_json_of_one_record_imports_nothing_forbidden(record):
    got = _decode_in_child(VECTORS / record)
    assert got["records"] == 1
    assert _forbidden(got["modules"]) == []


def test_a_section_type_without_decoder_loads_only_the_fallback_decoders():
    got = _decode_in_child(VECTORS / "libcper-generated" / "unknown" / "020.cper")
    assert got["records"] == 1
    plugins = {m.rsplit(".", 1)[1] for m in got["modules"] if m.startswith("whea_gui.formats.sections.")}
    # the fallback (device-driver sections) is tried; no decoder of a known type is loaded
    assert "device_driver" in plugins
    assert not {p for p in plugins if not p.startswith("_")} - {"device_driver"}


def test_decoding_the_memory_record_loads_its_decoder_and_no_other():
    got = _decode_in_child(VECTORS / "libcper-generated" / "memory" / "000.cper")
    plugins = {m.rsplit(".", 1)[1] for m in got["modules"] if m.startswith("whea_gui.formats.sections.")}
    assert "memory" in plugins
    assert "pcie" not in plugins and "arm" not in plugins and "ia32x64" not in plugins
