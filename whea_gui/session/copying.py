"""Text for the copy actions: a value, a field's bytes, a subtree as indented text or JSON."""

from __future__ import annotations

import json

from ..core.model import DecodedRecord, FieldNode
from ..decode.jsonout import node_to_json


def node_location(node: FieldNode) -> str:
    loc = f"@{node.offset}+{node.length}"
    if node.bit_width is not None:
        last = node.bit_offset + node.bit_width - 1
        loc += f" bit {node.bit_offset}" + (f"..{last}" if node.bit_width > 1 else "")
    return loc


def subtree_text(node: FieldNode, indent: str = "  ") -> str:
    lines: list[str] = []

    def walk(n: FieldNode, depth: int) -> None:
        label = f"{indent * depth}{n.label}: {n.display}" if n.display else f"{indent * depth}{n.label}"
        lines.append(f"{label}  {node_location(n)}")
        for c in n.children:
            walk(c, depth + 1)
    walk(node, 0)
    return "\n".join(lines)


def subtree_json(node: FieldNode) -> str:
    return json.dumps(node_to_json(node), indent=2)


def node_bytes_hex(rec: DecodedRecord, node: FieldNode) -> str:
    return rec.data[node.offset:node.offset + node.length].hex(" ").upper()
