"""Turn a value a person typed into the exact bytes of one located field (FieldNode).

Only the field's own bytes change; for a bit field only its bits. Shared by the record editor
and by ``whea build`` when it writes an edited body field back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from ..core import guids
from ..core.model import FieldNode
from ..formats.timestamp import decode_timestamp, encode_timestamp


class EditError(ValueError):
    """A value that cannot be written to a field (wrong type, too wide, unknown name)."""


def parse_int(value: Any, what: str = "value") -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            return int(text, 0)
        except ValueError:
            pass
    raise EditError(f"{what}: {value!r} is not a number")


def _enum_value(node: FieldNode, value: Any) -> int:
    """An int, or a name from the field's enum (``Fatal``), or ``"Fatal (1)"`` as displayed."""
    if not isinstance(value, str):
        return parse_int(value, node.path)
    table = getattr(node.spec, "enum", None) or getattr(node.spec, "values", None) or {}
    text = value.strip()
    if text.endswith(")") and "(" in text:
        text = text[:text.rindex("(")].strip()
    for k, name in table.items():
        if name.lower() == text.lower():
            return k
    if text.lower() in ("set", "true", "yes", "on"):
        return 1
    if text.lower() in ("clear", "false", "no", "off"):
        return 0
    try:
        return parse_int(value, node.path)
    except EditError:
        names = ", ".join(table.values())
        raise EditError(f"{node.path}: {value!r} is not one of: {names or 'no names known'}") from None


def encode_field(node: FieldNode, value: Any, current: bytes, *, creator: str = "",
                 encoding: str | None = None, precise: bool | None = None) -> bytes:
    """New bytes for ``node``'s byte range (``current`` is what is there now)."""
    n = node.length
    if node.bit_width is not None:
        v = _enum_value(node, value)
        width, shift = node.bit_width, node.bit_offset or 0
        if v < 0 or v >= 1 << width:
            raise EditError(f"{node.path}: {v} does not fit in {width} bit(s)")
        word = int.from_bytes(current, "little")
        mask = ((1 << width) - 1) << shift
        word = (word & ~mask) | (v << shift)
        return word.to_bytes(n, "little")
    kind = node.kind
    if kind == "timestamp":
        return _encode_timestamp(node, value, current, creator, encoding, precise)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _fit_bytes(node, bytes(value))
    if kind == "guid" or (n == 16 and isinstance(value, str) and _is_guid(value)):
        try:
            return guids.guid_bytes(str(value))
        except ValueError:
            raise EditError(f"{node.path}: {value!r} is not a GUID") from None
    if kind in ("ascii", "sig") or (isinstance(value, str) and kind in ("bytes", "text")):
        raw = str(value).encode("latin-1", errors="replace")
        return _fit_bytes(node, raw)
    if kind == "bytes" and isinstance(value, str):
        return _fit_bytes(node, bytes.fromhex(value))
    v = _enum_value(node, value) if kind == "enum" else parse_int(value, node.path)
    if n > 8 or n == 0:
        raise EditError(f"{node.path}: a {n}-byte field takes bytes, not a number")
    if v < 0:
        if v < -(1 << (8 * n - 1)):
            raise EditError(f"{node.path}: {v} does not fit in {n} byte(s)")
        v += 1 << (8 * n)
    if v >= 1 << (8 * n):
        raise EditError(f"{node.path}: {v} does not fit in {n} byte(s)")
    return v.to_bytes(n, "little")


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
        return True
    except ValueError:
        return False


def _fit_bytes(node: FieldNode, raw: bytes) -> bytes:
    if len(raw) > node.length:
        raise EditError(f"{node.path}: {len(raw)} bytes do not fit in {node.length}")
    return raw + bytes(node.length - len(raw))


def _encode_timestamp(node, value, current, creator, encoding, precise) -> bytes:
    old = decode_timestamp(current, creator)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise EditError(f"{node.path}: {value!r} is not an ISO date and time") from None
    if not isinstance(value, dt.datetime):
        raise EditError(f"{node.path}: a timestamp takes a datetime or ISO text")
    enc = encoding or (old.encoding if old.encoding in ("bcd", "binary", "unix") else "binary")
    if enc not in ("bcd", "binary", "unix"):
        raise EditError(f"{node.path}: encoding must be bcd, binary or unix")
    keep_precise = old.precise if precise is None else bool(precise)
    if enc == "unix" and value.replace(tzinfo=None) < dt.datetime(1970, 1, 1):
        raise EditError(f"{node.path}: a unix timestamp cannot go before 1970")
    raw = encode_timestamp(value.replace(tzinfo=None), encoding=enc, precise=keep_precise)
    if enc != "unix":
        # keep the reserved flag bits 1-7 of byte 3 as they were
        raw = raw[:3] + bytes([(current[3] & 0xFE) | (1 if keep_precise else 0)]) + raw[4:]
    return raw


def by_name(names: Mapping[int, str], text: str) -> int | None:
    text = text.strip()
    if text.endswith(")") and "(" in text:  # "Fatal (1)" as the window shows it
        text = text[:text.rindex("(")].strip()
    return next((k for k, n in names.items() if n.lower() == text.lower()), None)
