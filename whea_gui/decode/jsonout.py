"""The ``whea decode --json`` object for a record: a public interface, extend, never rename."""

from __future__ import annotations

import base64
from typing import Any

from .model import DecodedRecord, FieldNode
from .rawjson import add_raw_keys


def record_to_json(rec: DecodedRecord, *, with_tree: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": rec.kind,
        "source": rec.source,
        "header": rec.header,
        "sections": [dict(s.values, fields=s.fields, summary=s.summary, component=s.component,
                          location=s.location) for s in rec.sections],
        "findings": [f.as_json() for f in rec.findings],
        "summary": rec.summary,
        "length": len(rec.data),
    }
    add_raw_keys(rec, out)  # what ``whea build`` needs to rebuild the exact bytes
    if with_tree:
        out["tree"] = node_to_json(rec.root)
        out["data_base64"] = base64.b64encode(rec.data).decode()
    return out


def json_value(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    return v


def node_to_json(node: FieldNode) -> dict[str, Any]:
    d: dict[str, Any] = {"name": node.name, "label": node.label, "value": json_value(node.value),
                         "display": node.display, "offset": node.offset, "length": node.length}
    if node.bit_width is not None:
        d["bit_offset"] = node.bit_offset
        d["bit_width"] = node.bit_width
    kids = node.children
    if kids:
        d["children"] = [node_to_json(c) for c in kids]
    return d
