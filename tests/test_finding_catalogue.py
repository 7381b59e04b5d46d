"""Every finding code is registered once in whea_gui.core.findings, no finding is more severe
than its registered level, no registered code is dead, and docs/findings.md is current."""

import ast
import random
from pathlib import Path

import pytest
from vectorlib import VECTORS

from whea_gui.compose.bodies.catalog import KINDS
from whea_gui.compose.generate import generate_records
from whea_gui.core.findings import CATALOGUE, LEVEL_RANK, markdown
from whea_gui.decode import decode_record
from whea_gui.sources import iter_path

ROOT = Path(__file__).resolve().parents[1]
FINDING_CALLS = {"add_finding", "finding", "add", "Finding"}


def _literal_codes() -> dict[str, str]:
    """Codes written as literals at finding calls in the decoding packages: code -> file."""
    out = {}
    for pkg in ("core", "formats", "decode"):
        for path in (ROOT / "whea_gui" / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name not in FINDING_CALLS:
                    continue
                code = next((k.value.value for k in node.keywords
                             if k.arg == "code" and isinstance(k.value, ast.Constant)), None)
                last = node.args[-1] if node.args else None
                if code is None and len(node.args) >= 4 and isinstance(last, ast.Constant) \
                        and isinstance(last.value, str) and " " not in last.value:
                    code = last.value
                if code:
                    out[code] = str(path.relative_to(ROOT))
    return out


def test_every_literal_code_is_registered():
    codes = _literal_codes()
    assert len(codes) > 80  # the scan finds the calls (not vacuous)
    assert sorted(c for c in codes if c not in CATALOGUE) == []


def test_no_registered_code_is_dead():
    source = "\n".join(p.read_text() for p in (ROOT / "whea_gui").rglob("*.py")
                       if p.name != "findings.py" or p.parent.name != "core")
    assert sorted(c for c in CATALOGUE if f'"{c}"' not in source) == []


def _records():
    for path in sorted(VECTORS.rglob("*")):
        if path.is_file() and path.suffix not in (".json", ".md") and not path.name.startswith("LICENSE"):
            for ref in iter_path(path, lambda p: None):
                yield ref.data
    for seed in range(3):
        yield from generate_records([k.key for k in KINDS], 60, seed)


def _mutants(data: bytes, rng: random.Random):
    yield data[: rng.randrange(len(data) + 1)]
    buf = bytearray(data)
    for _ in range(4):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    yield bytes(buf)


def test_emitted_findings_are_registered_and_no_more_severe():
    rng = random.Random(17)
    seen: dict[str, set[str]] = {}
    for data in _records():
        for blob in (data, *_mutants(data, rng)):
            for f in decode_record(blob).findings:
                seen.setdefault(f.code, set()).add(f.level)
    assert len(seen) > 60
    unregistered = sorted(c for c in seen if c not in CATALOGUE)
    assert unregistered == []
    too_severe = sorted((c, lv) for c, levels in seen.items() for lv in levels
                        if LEVEL_RANK[lv] > LEVEL_RANK[CATALOGUE[c].level])
    assert too_severe == []
    assert "internal" not in seen and "decoder-failed" not in seen


def test_docs_findings_md_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "findings.md").read_text() == markdown()


@pytest.mark.parametrize("code", ["signature", "section-truncated", "layout-version"])
def test_catalogue_rows_name_level_title_and_source(code):
    k = CATALOGUE[code]
    assert k.level in LEVEL_RANK and k.title and k.spec
