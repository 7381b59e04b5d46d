"""The JSON Schema (draft 2020-12) of ``whea decode --json`` output, made from the declarations.

    python -m whea_gui.decode.schema > docs/schema/decode.schema.json

What comes from declarations: the header keys from the CPER / WhLg / status-block header
``Layout``s, the section keys from the descriptor ``Layout``, each finding ``code`` from the
finding catalogue, the section types from the section registry, and each section type's
``fields`` keys from the module that decodes it (the names of its ``Layout`` fields and bits, and
the keys its code writes, read from its source). Written here by hand: the keys computed beside
the layouts (``severity_name``, ``flag_names``, raw-byte keys, ...), listed in ``*_COMPUTED``.

Objects whose keys are fixed have ``additionalProperties: false``, so a renamed key fails.
The values inside a section's ``fields`` are not typed (section JSON is being derived from the
layouts, issue #17); their top-level key set is.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core import sections as registry
from ..core.fields import Field, Layout
from ..core.findings import CATALOGUE
from ..core.model import LEVELS
from ..formats import cper, gesb
from . import whlg

DRAFT = "https://json-schema.org/draft/2020-12/schema"
GUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
HEX_PATTERN = "^([0-9a-f]{2})*$"
NULL = {"type": "null"}

# Header keys: layout field → JSON key where they differ (None: not in the structured keys).
CPER_HEADER_RENAMED = {"signature_start": "signature_hex", "reserved": "reserved_hex"}
CPER_HEADER_COMPUTED = {
    "revision_text": {"type": "string"}, "severity_name": {"type": ["string", "null"]},
    "timestamp_raw": {"type": ["string", "null"]}, "timestamp_encoding": {"type": ["string", "null"]},
    "timestamp_precise": {"type": ["boolean", "null"]}, "creator_name": {"type": ["string", "null"]},
    "notify_type_name": {"type": ["string", "null"]}, "flag_names": {"type": "array", "items": {"type": "string"}},
    "persistence": {"type": "object"},
    "platform_id_raw": {"type": "string", "pattern": GUID_PATTERN},
    "partition_id_raw": {"type": "string", "pattern": GUID_PATTERN},
}
WHLG_HEADER_COMPUTED = {
    "type_name": {"type": "string"}, "owner_tag_text": {"type": ["string", "null"]},
    "id_name": {"type": "string"}, "flag_names": {"type": "array", "items": {"type": "string"}},
    "payload": {"type": ["object", "null"]}, "signature_hex": {"type": "string", "pattern": HEX_PATTERN},
}
GESB_HEADER_COMPUTED = {
    "error_severity_name": {"type": "string"}, "severity": {"type": "integer"},
    "severity_name": {"type": "string"}, "length": {"type": "integer"},
    "entry_count": {"type": "integer"},
}
SECTION_RECORD_HEADER = {  # a lone section with its descriptor (decode/single_section.py)
    "severity": {"type": ["integer", "null"]}, "severity_name": {"type": ["string", "null"]},
    "section_count": {"type": "integer"},
}
# Descriptor layout field → section key (decode/descriptor.py); the raw-byte keys keep the rest.
DESCRIPTOR_RENAMED = {"section_offset": "offset", "section_length": "length", "section_type": "type"}
SECTION_COMPUTED = {
    "index": {"type": "integer"}, "flag_names": {"type": "array", "items": {"type": "string"}},
    "type_name": {"type": ["string", "null"]}, "severity_name": {"type": ["string", "null"]},
    "summary": {"type": ["string", "null"]}, "component": {"type": ["string", "null"]},
    "location": {"type": ["object", "null"]}, "same_body_as": {"type": "integer"},
    "fields_omitted": {"const": True},
}
SECTION_RAW = {  # decode/rawjson.py, CPER records only
    "descriptor_offset": {"type": "integer"}, "fru_id_raw": {"type": "string", "pattern": GUID_PATTERN},
    "fru_text_hex": {"type": "string", "pattern": HEX_PATTERN},
    "fields_type": {"type": ["string", "null"]}, "body_offset": {"type": "integer"},
    "body_base64": {"type": "string"},
}
INT_OR_NULL = {"type": ["integer", "null"]}
# Kernel-WHEA Event ID 5 error-source tables (decode/error_source_table.py)
ERROR_SOURCE_TABLE_HEADER = {
    "error_source_count": INT_OR_NULL, "error_source_table_length": INT_OR_NULL,
    "error_record_format": INT_OR_NULL, "layout": {"enum": ["x64", "x86", None]},
    "entry_size": INT_OR_NULL, "entries": {"type": "integer", "minimum": 0},
    "length": {"type": "integer", "minimum": 0},
}
ERROR_SOURCE_ITEM = {
    "index": {"type": "integer"}, "offset": {"type": "integer"}, "length": {"type": "integer"},
    "source_type": INT_OR_NULL, "type_name": {"type": "string"},
    "error_source_id": INT_OR_NULL, "state_name": {"type": ["string", "null"]},
    "fields": {"type": "object", "properties": {"entry": {"type": "object"},
                                                "descriptor": {"type": "object"}},
               "required": ["entry", "descriptor"], "additionalProperties": False},
    "summary": {"type": "string"}, "component": {"type": ["string", "null"]},
    "location": {"type": ["object", "null"]},
}
GESB_ENTRY_COMPUTED = {"header_size": {"type": "integer"}, "validation_bits": {"type": "integer"},
                       "timestamp": {"type": ["string", "null"]}}  # 72-byte entries (revision >= 0x300)


def field_schema(f: Field, nullable: bool = True) -> dict[str, Any]:
    """The JSON value of a layout field as the header/descriptor code writes it."""
    if f.kind == "guid":
        out: dict[str, Any] = {"type": "string", "pattern": GUID_PATTERN}
    elif f.kind in ("bytes",):
        out = {"type": "string"}
    elif f.kind in ("ascii", "sig"):
        out = {"type": "string"}
    else:
        out = {"type": "integer", "minimum": 0}
    if nullable:
        out = {"anyOf": [out, NULL]}
    return out


def _closed(props: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(sorted(props.items())),
            "required": sorted(required), "additionalProperties": False}


def _layout_props(layout: Layout, renamed: dict[str, str | None] | None = None,
                  nullable: bool = True) -> dict[str, Any]:
    out = {}
    for f in layout.fields:
        key = (renamed or {}).get(f.name, f.name)
        if key is not None:
            out[key] = field_schema(f, nullable)
    return out


def cper_header() -> dict[str, Any]:
    props = _layout_props(cper.HEADER, CPER_HEADER_RENAMED)
    props["signature_hex"] = {"type": "string", "pattern": HEX_PATTERN}
    props["reserved_hex"] = {"type": "string", "pattern": HEX_PATTERN}
    props["timestamp"] = {"type": ["string", "null"]}  # ISO 8601 text when valid
    return _closed(props | CPER_HEADER_COMPUTED, ["revision", "severity", "length", "section_count"])


def whlg_header() -> dict[str, Any]:
    props = _layout_props(whlg.HEADER)
    props["signature"] = {"const": "WhLg"}
    return _closed(props | WHLG_HEADER_COMPUTED, ["signature", "type", "id"])


def gesb_header() -> dict[str, Any]:
    props = _layout_props(gesb.HEADER, nullable=False)
    for f in gesb.HEADER.fields:
        for b in f.bits:
            props[b.name] = {"type": "integer" if b.width > 1 else "boolean"}
    return {"anyOf": [_closed(props | GESB_HEADER_COMPUTED, ["block_status", "error_severity"]),
                      _closed({})]}  # empty when not even the block header fits


def section_item(raw_keys: bool, gesb_entry: bool = False) -> dict[str, Any]:
    props = _layout_props(cper.DESCRIPTOR, DESCRIPTOR_RENAMED)
    props["fru_text"] = {"type": ["string", "null"]}  # text up to the NUL (bytes in fru_text_hex)
    props |= SECTION_COMPUTED
    props["fields"] = {"type": ["object", "null"]}  # keys by section type: section_fields
    if raw_keys:
        props |= SECTION_RAW
    else:
        for key in ("valid_bits", "reserved"):  # only the raw-key pass adds these
            props.pop(key)
    if gesb_entry:
        props |= GESB_ENTRY_COMPUTED
    return _closed(props, ["index", "type", "severity", "fields"]) | {"$ref": "#/$defs/section_fields"}


def finding() -> dict[str, Any]:
    return _closed({"level": {"enum": list(LEVELS)}, "message": {"type": "string"},
                    "offset": {"type": "integer", "minimum": 0},
                    "length": {"type": "integer", "minimum": 0},
                    "code": {"enum": sorted(CATALOGUE)}},
                   ["level", "message", "offset", "length", "code"])


def tree_node() -> dict[str, Any]:
    return _closed({
        "name": {"type": "string"}, "label": {"type": "string"}, "value": True,
        "display": {"type": "string"}, "offset": {"type": "integer"}, "length": {"type": "integer"},
        "bit_offset": {"type": "integer"}, "bit_width": {"type": "integer"},
        "children": {"type": "array", "items": {"$ref": "#/$defs/tree_node"}},
        "children_omitted": {"type": "integer"},
    }, ["name", "label", "value", "display", "offset", "length"])


# --- section fields: keys per decoding module ---------------------------------------------

def _source_keys(source: str) -> set[str]:
    """String keys a module writes: dict displays, ``d[key] = ...`` (a constant, or a loop
    variable over a literal tuple, with constant suffixes: ``d[key + "_name"]``,
    ``d[f"{key}_hi"]``), ``dict(key=...)``, ``d.update(key=...)``, ``d.setdefault("key", ...)``,
    and the published names of ``layout_json(keys={field: key})`` (a dict display, or a name
    bound to one at module level)."""
    tree = ast.parse(source)
    loops: dict[str, set[str]] = {}
    bound = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             and isinstance(node.value, ast.Dict) for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, (ast.Tuple, ast.List)):
            for item in node.iter.elts:
                pairs = ([(node.target, item)] if not isinstance(node.target, ast.Tuple) else
                         list(zip(node.target.elts, item.elts)) if isinstance(item, ast.Tuple) else [])
                for target, value in pairs:
                    if isinstance(target, ast.Name) and isinstance(value, ast.Constant) \
                            and isinstance(value.value, str):
                        loops.setdefault(target.id, set()).add(value.value)

    def strings(expr) -> set[str]:
        if isinstance(expr, ast.Constant):
            return {expr.value} if isinstance(expr.value, str) else set()
        if isinstance(expr, ast.Name):
            return loops.get(expr.id, set())
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return {a + b for a in strings(expr.left) for b in strings(expr.right)}
        if isinstance(expr, ast.JoinedStr):
            out = {""}
            for part in expr.values:
                part = part.value if isinstance(part, ast.FormattedValue) else part
                out = {a + b for a in out for b in strings(part)}
            return out
        return set()

    keys: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys |= {s for k in node.keys if k is not None for s in strings(k)}
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript):
                    keys |= strings(t.slice)
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            if name in ("dict", "update"):
                keys |= {k.arg for k in node.keywords if k.arg}
            if name == "setdefault" and node.args:
                keys |= strings(node.args[0])
            for k in node.keywords:
                renamed = bound.get(k.value.id) if isinstance(k.value, ast.Name) else k.value
                if k.arg == "keys" and isinstance(renamed, ast.Dict):
                    keys |= {s for v in renamed.values for s in strings(v)}
    return keys


def _helper_modules(module) -> list:
    """``module`` and the modules of ``whea_gui.formats`` it imports (its helpers)."""
    out, seen, todo = [], set(), [module]
    while todo:
        mod = todo.pop()
        if mod.__name__ in seen:
            continue
        seen.add(mod.__name__)
        out.append(mod)
        for node in ast.walk(ast.parse(inspect.getsource(mod))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = mod.__name__.rsplit(".", node.level)[0]
                target = f"{base}.{node.module}" if node.module else base
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
                if node.module:
                    names += [f"{target}.{a.name}" for a in node.names]
                for name in names:
                    if name.startswith("whea_gui.formats") and name in sys.modules:
                        todo.append(sys.modules[name])
    return out


def module_keys(module) -> list[str]:
    keys: set[str] = set()
    for mod in _helper_modules(module):
        for value in vars(mod).values():
            if isinstance(value, Layout):
                for f in value.fields:
                    keys.add(f.name)
                    keys |= {b.name for b in f.bits}
        keys |= _source_keys(inspect.getsource(mod))
    return sorted(keys)


def section_fields() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ``fields`` schema switching on the section type, one keys schema per module)."""
    ours = "whea_gui."  # not decoders a test or a plug-in registered at run time
    by_module: dict[str, list[str]] = {}
    for guid, fn in registry.registered_decoders().items():
        if fn.__module__.startswith(ours):
            by_module.setdefault(fn.__module__, []).append(guid)
    fallbacks = sorted({fn.__module__ for fn in registry.fallback_decoders()
                        if fn.__module__.startswith(ours)})
    defs: dict[str, Any] = {}
    for name in sorted(set(by_module) | set(fallbacks)):
        keys = module_keys(importlib.import_module(name))
        defs[name.rsplit(".", 1)[1]] = {"type": "object", "propertyNames": {"enum": keys}}
    cases = [{"if": {"properties": {"type": {"enum": sorted(g)}}, "required": ["type"]},
              "then": {"properties": {"fields": {"anyOf": [
                  {"$ref": f"#/$defs/fields/{name.rsplit('.', 1)[1]}"}, NULL]}}}}
             for name, g in sorted(by_module.items())]
    known = sorted(g for gs in by_module.values() for g in gs)
    cases.append({"if": {"not": {"properties": {"type": {"enum": known}}, "required": ["type"]}},
                  "then": {"properties": {"fields": {"anyOf": [
                      *({"$ref": f"#/$defs/fields/{m.rsplit('.', 1)[1]}"} for m in fallbacks),
                      {"type": "object", "maxProperties": 0}, NULL]}}}})
    return {"allOf": cases}, defs


def _record_case(kind: str, header_ref: str, section_ref: str) -> dict[str, Any]:
    return {"if": {"properties": {"kind": {"const": kind}}},
            "then": {"properties": {"header": {"$ref": header_ref},
                                    "sections": {"items": {"$ref": section_ref}}}}}


def schema() -> dict[str, Any]:
    switch, field_defs = section_fields()
    return {
        "$schema": DRAFT,
        "$id": "https://github.com/whea-inspector/whea-inspector/docs/schema/decode.schema.json",
        "title": "whea decode --json: one record",
        "description": "Generated by python -m whea_gui.decode.schema; do not edit by hand.",
        "type": "object",
        "properties": {
            "kind": {"enum": ["cper", "whlg", "gesb", "section", "error_source_table", "unknown"]},
            "source": {"type": ["object", "null"]},
            "header": {"type": "object"},
            "sections": {"type": "array"},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            "summary": {"type": "string"},
            "length": {"type": "integer", "minimum": 0},
            "extra_bytes": {"type": "array", "items": _closed(
                {"offset": {"type": "integer"}, "length": {"type": "integer"}, "base64": {"type": "string"}},
                ["offset", "length", "base64"])},
            "payload_offset": {"type": "integer"},
            "payload_base64": {"type": "string"},
            "tree": {"$ref": "#/$defs/tree_node"},
            "data_base64": {"type": "string"},
        },
        "required": ["kind", "source", "header", "sections", "findings", "summary", "length",
                     "extra_bytes"],
        "additionalProperties": False,
        "allOf": [
            _record_case("cper", "#/$defs/cper_header", "#/$defs/cper_section"),
            _record_case("whlg", "#/$defs/whlg_header", "#/$defs/section"),
            _record_case("gesb", "#/$defs/gesb_header", "#/$defs/gesb_entry"),
            _record_case("section", "#/$defs/section_record_header", "#/$defs/section"),
            _record_case("error_source_table", "#/$defs/error_source_table_header",
                         "#/$defs/error_source"),
        ],
        "$defs": {
            "cper_header": cper_header(),
            "whlg_header": whlg_header(),
            "gesb_header": gesb_header(),
            "section_record_header": _closed(SECTION_RECORD_HEADER),
            "error_source_table_header": _closed(ERROR_SOURCE_TABLE_HEADER, ["entries", "length"]),
            "error_source": _closed(ERROR_SOURCE_ITEM, ["index", "offset", "length", "fields"]),
            "cper_section": section_item(raw_keys=True),
            "section": section_item(raw_keys=False),
            "gesb_entry": section_item(raw_keys=False, gesb_entry=True),
            "section_fields": switch,
            "fields": field_defs,
            "finding": finding(),
            "tree_node": tree_node(),
        },
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=1, sort_keys=False) + "\n"


SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schema" / "decode.schema.json"

if __name__ == "__main__":
    sys.stdout.write(schema_text())
