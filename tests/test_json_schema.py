"""``whea decode --json`` output against docs/schema/decode.schema.json (JSON Schema 2020-12).

The schema is generated (``python -m whea_gui.decode.schema``); it must equal what is
committed, validate every shared vector's output (with and without ``--tree``) and records
of every kind the generator makes, and be strict enough that a renamed key fails.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from vectorlib import in_status_block, load_golden_tool

from whea_gui.compose.generate import all_kinds, generate_records
from whea_gui.decode import decode_record, record_to_json
from whea_gui.decode.schema import SCHEMA_PATH, schema_text

jsonschema = pytest.importorskip("jsonschema")

golden = load_golden_tool()

VECTORS = golden.vector_files()
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _problems(obj) -> list[str]:
    return [f"{e.json_path}: {e.message[:300]}" for e in VALIDATOR.iter_errors(obj)]


def _vector_objects(path: Path) -> list[dict]:
    return [json.loads(line) for line in golden.vector_output(path).splitlines()
            if not line.startswith("problem: ")]


def test_committed_schema_is_the_generated_one():
    """Regenerate with: python -m whea_gui.decode.schema > docs/schema/decode.schema.json"""
    assert SCHEMA_PATH.read_text() == schema_text()


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", VECTORS, ids=[str(p.relative_to(golden.VECTORS)) for p in VECTORS])
def test_every_vector_output_validates(path):
    for obj in _vector_objects(path):
        assert not _problems(obj), _problems(obj)[:5]


@pytest.mark.parametrize("kind", all_kinds(standalone=False))
def test_generated_records_of_every_kind_validate(kind):
    for data in generate_records([kind], count=4, seed=17):
        rec = decode_record(data)
        assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
        for with_tree in (False, True):
            obj = json.loads(json.dumps(record_to_json(rec, with_tree=with_tree)))
            assert not _problems(obj), _problems(obj)[:5]


def _sample() -> dict:
    for path in VECTORS:
        for obj in _vector_objects(path):
            if obj["kind"] == "cper" and any(s["type_name"] == "PCI Express" and s["fields"]
                                             for s in obj["sections"]):
                return obj
    raise AssertionError("no PCIe vector")


@pytest.mark.parametrize("where", ["top", "header", "section", "fields", "finding", "tree"])
def test_a_renamed_key_fails_validation(where):
    obj = copy.deepcopy(_sample())
    assert not _problems(obj)
    sec = next(s for s in obj["sections"] if s["type_name"] == "PCI Express")
    target = {"top": obj, "header": obj["header"], "section": sec, "fields": sec["fields"],
              "finding": obj["findings"][0] if obj["findings"] else None,
              "tree": obj.get("tree")}[where]
    if target is None:
        obj["findings"] = [{"level": "note", "message": "m", "offset": 0, "length": 0,
                            "code": "reserved"}]
        obj["tree"] = {"name": "record", "label": "Record", "value": None, "display": "",
                       "offset": 0, "length": 1}
        assert not _problems(obj)
        target = obj["findings"][0] if where == "finding" else obj["tree"]
    key = next(iter(target))
    target[key + "_renamed"] = target.pop(key)
    assert _problems(obj), f"renaming {where} key {key!r} still validates"


def test_every_pcie_field_key_rename_fails():
    """Not just the first key: each top-level key of a PCIe section's fields, renamed, fails."""
    obj = _sample()
    sec = next(i for i, s in enumerate(obj["sections"]) if s["type_name"] == "PCI Express")
    for key in obj["sections"][sec]["fields"]:
        bad = copy.deepcopy(obj)
        fields = bad["sections"][sec]["fields"]
        fields[key.replace("_", "-") if "_" in key else key + "x"] = fields.pop(key)
        assert _problems(bad), key


SINGLE = golden.VECTORS / "libcper-generated" / "single-section"


@pytest.mark.parametrize("path", sorted(SINGLE.glob("*.cper")), ids=lambda p: p.stem)
def test_single_sections_and_status_blocks_validate(path):
    """Records of kind "section" (a descriptor and body) and "gesb" (the same body wrapped in an
    ACPI Generic Error Status Block with one 72-byte data entry)."""
    data = path.read_bytes()
    rec = decode_record(data, source={"format": "section"})
    assert rec.kind == "section"
    gesb = decode_record(in_status_block(data), source={"format": "gesb"})
    assert gesb.kind == "gesb" and len(gesb.sections) == 1
    for r in (rec, gesb):
        assert not [f for f in r.findings if f.code in ("internal", "decoder-failed")]
        for with_tree in (False, True):
            obj = json.loads(json.dumps(record_to_json(r, with_tree=with_tree)))
            assert not _problems(obj), _problems(obj)[:5]
