"""Bytes from the JSON that ``whea decode --json`` writes (``whea build``).

Every header and descriptor field is packed with the shared construct layouts. A field's bytes
come from its structured key when that is set (so editing ``header.severity`` changes the
record), else from the raw key that ``decode/rawjson.py`` added (``signature_hex``,
``platform_id_raw``, ``reserved_hex``, ``timestamp_raw`` ...), else from a sensible default.
Bodies come from ``body_base64`` (or a default body of the section's kind), and a body field
edited in ``fields`` is written back through its located FieldNode. Bytes outside every field
come from ``extra_bytes``. Unedited JSON therefore rebuilds the identical record.

Hostile JSON never gets as far as the builder: ``parse_line`` bounds a line's size, encoding
and nesting, and ``jsonshape.validate`` checks every value the builder reads, and the size the
record will have, before a byte is allocated. Both raise ``BuildInputError`` naming the JSON
path; ``build_line`` does all three for one line of ``whea build`` input.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from ..core import guids
from ..core.model import FieldNode
from ..decode.record import decode_record
from ..decode.whlg import HEADER as WHLG_HEADER
from ..formats.cper import DESCRIPTOR, DESCRIPTOR_SIZE, HEADER, HEADER_SIZE, SEVERITY
from ..formats.timestamp import decode_timestamp, encode_timestamp
from .defaults import default_body, named_value
from .jsonshape import (
    DEFAULT_MAX_SIZE,
    MAX_DEPTH,
    BuildInputError,
    parse_iso,
    size_text,
    validate,
)
from .layout import (
    UEFI_REVISION,
    UEFI_SECTION_REVISION,
    WINDOWS_REVISION,
    WINDOWS_SECTION_REVISION,
    worst_severity,
)
from .values import EditError, encode_field, parse_int


@dataclass
class BuildResult:
    data: bytes
    warnings: list[str] = field(default_factory=list)


def build_record(obj: Any, *, fix_up: bool = False, max_size: int = DEFAULT_MAX_SIZE) -> BuildResult:
    """The record bytes for one ``whea decode --json`` object.

    Raises BuildInputError (an EditError) naming the JSON path of a value that cannot be built;
    nothing is allocated for the record until the whole object has passed ``validate``.
    """
    validate(obj, max_size=max_size)
    res = BuildResult(b"")
    kind = obj.get("kind") or "cper"
    buf = _Buffer(obj.get("length"))
    for extra in obj.get("extra_bytes") or []:
        buf.write(parse_int(extra.get("offset", 0), "extra_bytes.offset"), _b64(extra.get("base64")))
    if kind == "cper":
        _build_cper(obj, buf, res)
    elif kind == "whlg":
        _build_whlg(obj, buf)
    elif kind not in ("section", "unknown") and not obj.get("extra_bytes"):
        raise EditError(f"cannot build a record of kind {kind!r}")
    data = bytes(buf.data)
    if kind == "cper":
        data = _apply_field_edits(obj, data, res)
    if fix_up and kind == "cper":
        from .edit import RecordEditor
        ed = RecordEditor(data)
        try:
            ed.fix_up()
        except EditError as exc:
            raise BuildInputError("$", f"cannot lay the record out again (--fix-up): {exc}") from None
        data = ed.data
        if len(data) > max_size:  # fix-up fills lost bodies with zeros (bounded in split_record)
            raise BuildInputError("$", f"laid out again, the record is {len(data)} bytes, over the "
                                       f"{size_text(max_size)} record cap (use --max-size)")
    res.data = data
    return res


def build_jsonl(text: str, *, fix_up: bool = False,
                max_size: int = DEFAULT_MAX_SIZE) -> list[BuildResult]:
    """One result per JSON object (one per line, or a single JSON array of objects)."""
    text = text.strip()
    if text.startswith("["):
        objs = parse_line(text, max_size=max_size)
        if not isinstance(objs, list):
            raise BuildInputError("$", "expected an array of record objects")
    else:
        objs = [parse_line(line, max_size=max_size) for line in text.splitlines() if line.strip()]
    return [build_record(o, fix_up=fix_up, max_size=max_size) for o in objs]


def build_line(line: bytes | str, *, fix_up: bool = False,
               max_size: int = DEFAULT_MAX_SIZE) -> BuildResult:
    """One line of ``whea build`` input to record bytes; BuildInputError if it cannot be."""
    return build_record(parse_line(line, max_size=max_size), fix_up=fix_up, max_size=max_size)


def line_cap(max_size: int) -> int:
    """The longest JSON line worth reading for a record of ``max_size`` bytes: its body as
    base64 (4/3), the decoded fields beside it, and some room."""
    return 4 * max_size + (1 << 20)


def value_cap(max_size: int) -> tuple[int, int]:
    """The most JSON values, and of them objects and arrays, one line may hold. Parsed, a value
    costs 24-60 bytes and a container 60-100, so the parsed line stays near 100 MiB at the
    default cap; decoded records have one container per few record bytes at most."""
    return (1 << 20) + max_size // 16, (1 << 16) + max_size // 32


def parse_line(line: bytes | str, *, max_size: int = DEFAULT_MAX_SIZE) -> Any:
    """One JSON value from a line of input, with its size, encoding and nesting bounded."""
    if len(line) > line_cap(max_size):
        raise BuildInputError("", f"the line is {len(line)} bytes long, more than a record of "
                                  f"{size_text(max_size)} needs (use --max-size)")
    if isinstance(line, (bytes, bytearray)):
        try:
            text = bytes(line).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BuildInputError("", f"not UTF-8 text (byte 0x{line[exc.start]:02x} at column "
                                      f"{exc.start + 1})") from None
    else:
        text = line
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark some editors write
    most_values, most_containers = value_cap(max_size)
    values = text.count(",") + text.count(":") + 1
    containers = text.count("{") + text.count("[")
    if values > most_values or containers > most_containers:
        what = f"{values} JSON values" if values > most_values else f"{containers} objects and arrays"
        raise BuildInputError("", f"{what} on one line, more than a record of "
                                  f"{size_text(max_size)} needs (use --max-size)")
    _check_nesting(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildInputError("", f"not JSON ({exc.msg} at column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4300 digits
        limit = sys.get_int_max_str_digits()
        long_number = re.search(rf"\d{{{limit + 1},}}", text) if limit else None
        if long_number:
            raise BuildInputError("", f"not usable JSON: a number with more than {limit} digits at column "
                                      f"{long_number.start() + 1}; no record field is that "
                                      "large") from None
        raise BuildInputError("", f"not usable JSON ({str(exc)[:120]})") from None


def _check_nesting(text: str) -> None:
    """Refuse brackets nested deeper than MAX_DEPTH before parsing (the parser would recurse).
    Brackets inside strings are skipped."""
    depth = 0
    for m in _BRACKETS.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BuildInputError("", f"nested more than {MAX_DEPTH} levels deep "
                                          f"(column {m.start() + 1})")
        elif tok in "]}":
            depth -= 1


_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class _Buffer:
    """A growable byte buffer: the JSON ``length`` when given, longer if a piece needs it."""

    def __init__(self, length: Any) -> None:
        self.fixed = length is not None
        self.data = bytearray(parse_int(length, "length") if length is not None else 0)

    def write(self, offset: int, raw: bytes, *, clip: bool = False) -> None:
        end = offset + len(raw)
        if clip and self.fixed:
            raw = raw[:max(0, len(self.data) - offset)]
            end = offset + len(raw)
        if end > len(self.data):
            self.data.extend(bytes(end - len(self.data)))
        self.data[offset:end] = raw


def _b64(text: Any) -> bytes:
    return base64.b64decode(text or "")


def _guid(text: Any, what: str) -> bytes:
    try:
        return guids.guid_bytes(str(text))
    except ValueError:
        raise EditError(f"{what}: {text!r} is not a GUID") from None


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _section_type(text: Any) -> Any:
    """A section type as GUID text; a catalogue kind name (``memory``) stands for its GUID."""
    from .bodies import catalog
    kind = catalog.find(text) if isinstance(text, str) else None
    return kind.guid if kind is not None else text


# -- CPER ----------------------------------------------------------------------------------
def _build_cper(obj: dict, buf: _Buffer, res: BuildResult) -> None:
    h = obj.get("header") or {}
    sections = obj.get("sections") or []
    creator = guids.guid_text(guids.guid_bytes(h.get("creator_id") or guids.NULL_GUID))
    windows = creator in guids.WINDOWS_CREATORS
    placed = _place_sections(sections, parse_int(_first(h.get("section_count"), len(sections))))
    for s, (doff, boff, body) in zip(sections, placed):
        _write_descriptor(s, doff, boff, body, windows, buf)
        if body is not None:
            buf.write(boff, body)
    values = _header_values(h, sections, creator, windows, buf)
    for f in HEADER.fields:
        v = values.get(f.name)
        if v is None:
            continue
        raw = f.construct.build(v)
        off = HEADER.offsets[f.name]
        if buf.fixed and off + len(raw) > len(buf.data):
            continue  # a truncated header: the bytes that exist are in extra_bytes
        buf.write(off, raw)
    if h.get("length") is None and "length" not in _fitted(h) and len(buf.data) >= 24:
        HEADER.write(buf.data, "length", len(buf.data))


def _fitted(h: dict) -> set[str]:
    return {k for k, v in h.items() if v is not None}


def _place_sections(sections: list[dict], count: int) -> list[tuple[int, int, bytes | None]]:
    """(descriptor offset, body offset, body bytes) per section; missing places are laid out."""
    desc_end = HEADER_SIZE + DESCRIPTOR_SIZE * max(count, len(sections))
    out = []
    pos = desc_end
    for s in sections:
        end = s.get("body_offset")
        if end is not None and s.get("body_base64") is not None:
            pos = max(pos, parse_int(end) + len(_b64(s["body_base64"])))
    for i, s in enumerate(sections):
        doff = parse_int(_first(s.get("descriptor_offset"), HEADER_SIZE + DESCRIPTOR_SIZE * i))
        body = _section_body(s, i)
        boff = _first(s.get("body_offset"), s.get("offset"))
        if boff is None:
            boff = pos
            pos += len(body or b"")
        out.append((doff, parse_int(boff, f"sections[{i}].body_offset"), body))
    return out


def _section_body(s: dict, i: int) -> bytes | None:
    if s.get("body_base64") is not None:
        return _b64(s["body_base64"])
    if s.get("body_hex") is not None:
        return bytes.fromhex(s["body_hex"])
    if "body_offset" in s or s.get("offset") is not None and "descriptor_offset" in s:
        return None  # decoded without a body (missing or zero length): nothing to write
    return default_body(s, i)


def _write_descriptor(s: dict, doff: int, boff: int, body: bytes | None, windows: bool,
                      buf: _Buffer) -> None:
    i = s.get("index", "?")
    fru_id = _first(s.get("fru_id"), s.get("fru_id_raw"))
    vals = {
        "section_offset": parse_int(_first(s.get("offset"), boff)),
        "section_length": parse_int(_first(s.get("length"), len(body or b""))),
        "revision": parse_int(_first(s.get("revision"),
                                     WINDOWS_SECTION_REVISION if windows else UEFI_SECTION_REVISION)),
        "valid_bits": parse_int(_first(s.get("valid_bits"), (1 if s.get("fru_id") else 0)
                                       | (2 if s.get("fru_text") else 0))),
        "reserved": parse_int(_first(s.get("reserved"), 0)),
        "flags": parse_int(_first(s.get("flags"), 0)),
        "section_type": _guid(_section_type(s.get("type")) or guids.NULL_GUID, f"sections[{i}].type"),
        "fru_id": _guid(fru_id or guids.NULL_GUID, f"sections[{i}].fru_id"),
        "severity": _first(named_value(s.get("severity"), s.get("severity_name"), SEVERITY,
                                  f"sections[{i}].severity"), 2),
        "fru_text": _fru_text(s, i),
    }
    buf.write(doff, DESCRIPTOR.pack(vals))


def _fru_text(s: dict, i: int) -> bytes:
    raw = bytes.fromhex(s["fru_text_hex"]) if s.get("fru_text_hex") else None
    text = s.get("fru_text")
    if text is None:
        return raw if raw is not None else bytes(20)
    if raw is not None and raw.split(b"\0", 1)[0].decode("latin-1") == text:
        return raw
    enc = str(text).encode("latin-1", errors="replace")
    if len(enc) > 20:
        raise EditError(f"sections[{i}].fru_text: {len(enc)} characters, at most 20 fit")
    return enc + bytes(20 - len(enc))


def _header_values(h: dict, sections: list, creator: str, windows: bool, buf: _Buffer) -> dict:
    def guid_field(name):
        text = _first(h.get(name), h.get(name + "_raw"))
        return _guid(text, f"header.{name}") if text is not None else None

    truncated = buf.fixed and len(buf.data) < HEADER_SIZE

    def default(v):  # defaults only fill a header that is all there; a short one keeps its bytes
        return None if truncated else v

    sevs = [s.get("severity") for s in sections if isinstance(s.get("severity"), int)]
    worst = worst_severity([_SevOnly(v) for v in sevs]) if sevs else 2
    vb = h.get("valid_bits")
    if vb is None:
        vb = default((1 if h.get("platform_id") else 0) | (2 if h.get("timestamp") else 0)
                     | (4 if h.get("partition_id") else 0))
    return {
        "signature_start": bytes.fromhex(h["signature_hex"]) if h.get("signature_hex")
        else default(b"CPER"),
        "revision": _first(h.get("revision"), default(WINDOWS_REVISION if windows else UEFI_REVISION)),
        "signature_end": _first(h.get("signature_end"), default(0xFFFFFFFF)),
        "section_count": _first(h.get("section_count"), default(len(sections))),
        "severity": _first(named_value(h.get("severity"), h.get("severity_name"), SEVERITY,
                                  "header.severity"), default(worst)),
        "valid_bits": vb,
        "length": _first(h.get("length"), default(0)),
        "timestamp": _timestamp(h, creator, windows, default),
        "platform_id": guid_field("platform_id") or default(bytes(16)),
        "partition_id": guid_field("partition_id") or default(bytes(16)),
        "creator_id": _guid(creator, "header.creator_id") if h.get("creator_id") or not truncated
        else None,
        "notify_type": _guid(h["notify_type"], "header.notify_type") if h.get("notify_type")
        else default(bytes(16)),
        "record_id": _first(h.get("record_id"), default(0)),
        "flags": _first(h.get("flags"), default(0)),
        "persistence_info": _first(h.get("persistence_info"), default(0)),
        "reserved": bytes.fromhex(h["reserved_hex"]) if h.get("reserved_hex") else default(bytes(12)),
    } | {k: parse_int(v, f"header.{k}") for k, v in (
        ("revision", h.get("revision")), ("signature_end", h.get("signature_end")),
        ("section_count", h.get("section_count")), ("valid_bits", h.get("valid_bits")),
        ("length", h.get("length")), ("record_id", h.get("record_id")), ("flags", h.get("flags")),
        ("persistence_info", h.get("persistence_info"))) if v is not None}


class _SevOnly:
    def __init__(self, severity: int) -> None:
        self.severity = severity


def _timestamp(h: dict, creator: str, windows: bool, default) -> bytes | None:
    raw = bytes.fromhex(h["timestamp_raw"]) if h.get("timestamp_raw") else None
    iso = h.get("timestamp")
    precise = h.get("timestamp_precise")
    if raw is not None:
        old = decode_timestamp(raw, creator)
        if iso is not None and iso != old.iso:
            enc = h.get("timestamp_encoding") or old.encoding
            raw = _encode_ts(iso, enc, windows, old.precise if precise is None else precise)
        if precise is not None and len(raw) == 8 and bool(raw[3] & 1) != bool(precise) \
                and old.encoding != "unix":
            raw = raw[:3] + bytes([(raw[3] & 0xFE) | int(bool(precise))]) + raw[4:]
        return raw
    if iso is not None:
        return _encode_ts(iso, h.get("timestamp_encoding"), windows, bool(precise))
    return default(bytes(8))


def _encode_ts(iso: str, enc: str | None, windows: bool, precise: bool) -> bytes:
    value = parse_iso(iso, "$.header.timestamp")
    if enc not in ("bcd", "binary", "unix"):
        enc = "binary" if windows else "bcd"
    if enc == "unix" and value < UNIX_EPOCH:
        raise BuildInputError("$.header.timestamp", f"{value.isoformat()} is before 1970, which a "
                              "unix timestamp cannot hold (give timestamp_raw, or another "
                              "timestamp_encoding)")
    return encode_timestamp(value, encoding=enc, precise=precise)


UNIX_EPOCH = dt.datetime(1970, 1, 1)


# -- WhLg ----------------------------------------------------------------------------------
def _build_whlg(obj: dict, buf: _Buffer) -> None:
    h = obj.get("header") or {}
    if obj.get("payload_base64") is not None:
        buf.write(parse_int(obj.get("payload_offset", WHLG_HEADER.size)), _b64(obj["payload_base64"]))
    names = {"signature": None, "version": "version", "length": "length", "type": "type",
             "owner_tag": "owner_tag", "id": "id", "flags": "flags",
             "payload_length": "payload_length"}
    for f in WHLG_HEADER.fields:
        if f.name == "signature":
            v = bytes.fromhex(h["signature_hex"]) if h.get("signature_hex") else (
                b"WhLg" if h.get("signature") else None)
        else:
            v = named_value(h.get(names[f.name]), None, f.enum or {}, f"header.{f.name}")
        if v is None:
            continue
        off = WHLG_HEADER.offsets[f.name]
        if buf.fixed and off + f.size > len(buf.data):
            continue
        buf.write(off, f.construct.build(v))


# -- body fields edited in the JSON ----------------------------------------------------------
def _apply_field_edits(obj: dict, data: bytes, res: BuildResult) -> bytes:
    wanted = [(i, s.get("fields")) for i, s in enumerate(obj.get("sections") or [])
              if s.get("fields_type") in (None, s.get("type"))]
    if not any(f for _, f in wanted):
        return data
    rec = decode_record(data)
    buf = bytearray(data)
    for i, fields in wanted:
        if not fields or i >= len(rec.sections):
            continue
        sec = rec.sections[i]
        have = _norm(sec.fields or {})
        for path, value in _leaves(_norm(fields)):
            if _get(have, path) == value:
                continue
            node = _node_for(sec.body, path)
            where = f"sections[{i}].fields.{'.'.join(map(str, path))}"
            if node is None:
                res.warnings.append(f"{where} was changed but has no located field to write it "
                                    "to; edit body_base64 instead")
                continue
            cur = bytes(buf[node.offset:node.end])
            try:
                buf[node.offset:node.end] = encode_field(node, value, cur)
            except EditError as exc:  # a refused value fails the line, like any other build error
                raise BuildInputError(f"$.{where}", f"{exc}; nothing built from this line") from None
    return bytes(buf)


def _norm(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str))


def _leaves(x: Any, path: tuple = ()):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(x, list) and x and isinstance(x[0], (dict, list)):
        for i, v in enumerate(x):
            yield from _leaves(v, path + (i,))
    else:
        yield path, x


def _get(x: Any, path: tuple) -> Any:
    for p in path:
        try:
            x = x[p]
        except (KeyError, IndexError, TypeError):
            return _Missing
    return x


class _Missing:
    pass


def _list_path(path: tuple) -> str:
    """("error_info", 0, "ip") -> "error_info_0.ip": how decoders name list items."""
    parts: list[str] = []
    for p in path:
        if isinstance(p, int) and parts:
            parts[-1] = f"{parts[-1]}_{p}"
        else:
            parts.append(str(p))
    return ".".join(parts)


def _node_for(body: FieldNode | None, path: tuple) -> FieldNode | None:
    """The body node named like the JSON path (exact dotted path, else a unique name match)."""
    if body is None:
        return None
    names = [str(p) for p in path]
    for candidate in (".".join(names), _list_path(path)):
        node = body.find(candidate)
        if node is not None and node is not body:
            return node
    # else a unique node whose path ends with the whole JSON path (decoders may group fields)
    base = len(body.path) + 1
    tails = {".".join(names), _list_path(path)}
    hits = [n for n in body.walk() if n is not body
            and any(n.path[base:] == t or n.path[base:].endswith("." + t) for t in tails)]
    return hits[0] if len(hits) == 1 else None
