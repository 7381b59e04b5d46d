"""The ``whea decode --json`` object for a record: a public interface, extend, never rename.

Output is bounded: the located tree (``--tree``) is built without recursion and stops at
``MAX_TREE_NODES`` nodes or ``MAX_TREE_DEPTH`` levels with an ``output-limit`` finding, and a
section whose body is the same bytes as an earlier section's (``same_body_as``) does not repeat
that section's decoded fields once ``SHARED_FIELDS_REPEATED`` such sections have repeated them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..core.model import NOTE, DecodedRecord, FieldNode, Finding
from .rawjson import add_raw_keys

MAX_TREE_NODES = 200_000  # about 30 MB of JSON; real records have a few thousand nodes
MAX_TREE_DEPTH = 200  # far deeper than any real record (nested bodies stop at 16 levels)
SHARED_FIELDS_REPEATED = 16  # sections sharing a body whose ``fields`` are still written out


def _fast_encoder():
    """orjson's encoder: of json, msgspec and orjson it wrote our objects fastest and imports
    in the least time (README, Benchmarks). Each line gets its newline from orjson itself."""
    try:
        import orjson
    except ImportError:  # a declared dependency; the standard library still gives the same JSON
        return None
    option = orjson.OPT_APPEND_NEWLINE
    return lambda obj: orjson.dumps(obj, option=option)


_ENCODE = _fast_encoder()


def json_line(obj: Any) -> bytes:
    """One JSON Lines line (UTF-8, ending in a newline) for ``obj``.

    The fast encoder and ``json.dumps`` give the same JSON values; text differs only in that
    non-ASCII characters are written as UTF-8 instead of ``\\u`` escapes (decode output holds
    no floats, where the two would differ on NaN). What orjson refuses (an integer beyond 64
    bits, a key that is not a string) goes through ``json.dumps``.
    """
    if _ENCODE is not None:
        try:
            return _ENCODE(obj)
        except TypeError:
            pass
    return (json.dumps(obj) + "\n").encode("utf-8")


def record_to_json(rec: DecodedRecord, *, with_tree: bool = False,
                   raw_keys: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": rec.kind,
        "source": rec.source,
        "header": rec.header,
        "sections": _sections_json(rec),
        "findings": [f.as_json() for f in rec.findings],
        "summary": rec.summary,
        "length": len(rec.data),
    }
    if raw_keys:
        add_raw_keys(rec, out)  # what ``whea build`` needs to rebuild the exact bytes
    if with_tree:
        limits: list[Finding] = []
        out["tree"] = node_to_json(rec.root, limits)
        out["findings"].extend(f.as_json() for f in limits)
        out["data_base64"] = base64.b64encode(rec.data).decode()
    return out


def _sections_json(rec: DecodedRecord) -> list[dict[str, Any]]:
    out = []
    repeated = 0
    for s in rec.sections:
        d = dict(s.values, fields=s.fields, summary=s.summary, component=s.component,
                 location=s.location)
        if s.same_body_as is not None:
            d["same_body_as"] = s.same_body_as
            repeated += 1
            if repeated > SHARED_FIELDS_REPEATED:
                d["fields"] = None  # decoded once: read them from section ``same_body_as``
                d["fields_omitted"] = True
        out.append(d)
    return out


def json_value(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    return v


def _node_dict(node: FieldNode) -> dict[str, Any]:
    d: dict[str, Any] = {"name": node.name, "label": node.label, "value": json_value(node.value),
                         "display": node.display, "offset": node.offset, "length": node.length}
    if node.bit_width is not None:
        d["bit_offset"] = node.bit_offset
        d["bit_width"] = node.bit_width
    return d


def node_to_json(node: FieldNode, limits: list[Finding] | None = None, *,
                 max_nodes: int = MAX_TREE_NODES, max_depth: int = MAX_TREE_DEPTH) -> dict[str, Any]:
    """``node`` and everything below it as nested dicts, without recursion.

    When a bound cuts in, the cut node gets ``"children_omitted": N`` and a note goes to
    ``limits`` (if given) saying where and why.
    """
    top = _node_dict(node)
    count = 1
    cut_nodes = cut_depth = 0
    first_cut: FieldNode | None = None
    stack: list[tuple[FieldNode, dict, int]] = [(node, top, 0)]
    while stack:
        n, d, depth = stack.pop()
        kids = n.children
        if not kids:
            continue
        if depth + 1 > max_depth or count + len(kids) > max_nodes:
            d["children_omitted"] = len(kids)
            if depth + 1 > max_depth:
                cut_depth += 1
            else:
                cut_nodes += 1
            first_cut = first_cut or n
            continue
        count += len(kids)
        child_dicts = [_node_dict(c) for c in kids]
        d["children"] = child_dicts
        # reversed, so the first child is expanded first (the output order does not depend on it)
        stack.extend((c, cd, depth + 1) for c, cd in zip(reversed(kids), reversed(child_dicts)))
    if limits is not None and first_cut is not None:
        why = []
        if cut_nodes:
            why.append(f"{max_nodes} nodes")
        if cut_depth:
            why.append(f"{max_depth} levels")
        limits.append(Finding(NOTE, f"Field tree output stopped at {' and '.join(why)}; "
                                    f"{cut_nodes + cut_depth} node(s) list no children "
                                    f"(\"children_omitted\"), first at {first_cut.path or 'the root'}",
                              first_cut.offset, first_cut.length, "output-limit"))
    return top
