"""The shape ``whea build`` accepts (what ``whea decode --json`` writes), checked before building.

Everything here runs before a single record byte is allocated: types, ranges, string lengths,
nesting depth, and the size the record would have. A problem is reported as a
``BuildInputError`` whose message starts with the JSON path (``$.sections[1].revision: 70000
does not fit in 2 bytes``), so a person can find the value in their editor.

The integer, GUID and byte-string keys of the record header, the section descriptor and the
WhLg header are derived from the shared layouts (``formats/cper.py``, ``decode/whlg.py``): an
N-byte integer field takes 0 .. 2^(8N)-1, a GUID field GUID text, a byte field hex text of
exactly N bytes. Keys the builder does not read (names, summaries, findings, source) are not
checked, so decode output may grow new keys without breaking ``whea build``.

Declared sizes (``header.length``, ``sections[i].length``) are field values: any u32 is fine,
because a malformed record can be made on purpose. Only bytes that are really written count
against the record cap: ``$.length``, offsets where bytes go, and the bodies themselves.
"""

from __future__ import annotations

import binascii
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core import guids
from ..core.fields import Layout
from ..decode.whlg import HEADER as WHLG_HEADER
from ..formats.cper import DESCRIPTOR, DESCRIPTOR_SIZE, HEADER, HEADER_SIZE
from .values import EditError, by_name

MIB = 1 << 20
DEFAULT_MAX_SIZE = 16 * MIB
CPER_MAX_SIZE = 0xFFFFFFFF  # RecordLength is a u32: no record can be longer
MAX_DEPTH = 32  # decoded JSON nests about 10 deep; deeper is not ours

class BuildInputError(EditError):
    """JSON that cannot be built; ``path`` is where (``$.header.revision``), may be empty."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def show(value: Any, limit: int = 40) -> str:
    """A value for a message, cut short (hostile input can be megabytes long)."""
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "an array"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a {value.bit_length()}-bit number"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 5] + "...'"


def size_text(n: int) -> str:
    return f"{n // MIB} MiB" if n % MIB == 0 else f"{n} bytes"


def got(value: Any) -> str:
    """What a value is, for "expected X, got Y"."""
    if value is None or isinstance(value, bool):
        return json_word(value)
    if isinstance(value, (dict, list)):
        return show(value)
    kind = {str: "text", float: "the fraction"}.get(type(value), "the number")
    return f"{kind} {show(value)}"


def json_word(value: Any) -> str:
    return {None: "null", True: "true", False: "false"}[value]


# -- value specs ------------------------------------------------------------------------------
class Spec:
    """One JSON value the builder reads. ``check`` raises BuildInputError; null always passes
    (it means "take the raw bytes or the default")."""

    def check(self, value: Any, path: str) -> None:
        raise NotImplementedError


def _int_value(value: Any, path: str) -> int:
    """An integer as ``parse_int`` reads it (JSON number, or text such as "0x1F")."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BuildInputError(path, f"expected an integer, got {got(value)}")
    if isinstance(value, int):
        return value
    try:
        return int(value.strip().replace("_", ""), 0)
    except ValueError:
        raise BuildInputError(path, f"{show(value)} is not a number") from None


@dataclass(frozen=True)
class UInt(Spec):
    size: int  # bytes
    names: Mapping[int, str] | None = None  # e.g. severity: "Fatal" is accepted for 1

    def check(self, value: Any, path: str) -> None:
        if value is None:
            return
        if isinstance(value, str) and self.names and by_name(self.names, value) is not None:
            return
        n = _int_value(value, path)
        if n < 0 or n >> (8 * self.size):
            raise BuildInputError(path, f"{show(n)} does not fit in {self.size} byte(s) "
                                        f"(0 to {(1 << 8 * self.size) - 1})")


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise BuildInputError(path, f"expected text, got {got(value)}")
    return value


@dataclass(frozen=True)
class Guid(Spec):
    also: tuple[str, ...] = ()  # other words accepted (section kind names)

    def check(self, value: Any, path: str) -> None:
        if value is None:
            return
        text = _text(value, path)
        if text.strip().lower() in self.also:
            return
        try:
            guids.guid_bytes(text)
        except ValueError:
            raise BuildInputError(path, f"{show(value)} is not a GUID "
                                        "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)") from None


@dataclass(frozen=True)
class Hex(Spec):
    size: int | None = None  # exact byte count, None = any

    def check(self, value: Any, path: str) -> None:
        if value is None:
            return
        hex_length(value, path, self.size)


def hex_length(value: Any, path: str, size: int | None = None) -> int:
    text = _text(value, path)
    try:
        n = len(bytes.fromhex(text)) if len(text) < 4096 else _hex_count(text)
    except ValueError:
        raise BuildInputError(path, f"{show(value)} is not hex digits") from None
    if size is not None and n != size:
        raise BuildInputError(path, f"{n} byte(s) of hex, expected exactly {size}")
    return n


_HEX = re.compile(r"(?:\s*[0-9A-Fa-f]{2})*\s*")


def _hex_count(text: str) -> int:
    """Bytes in a long hex string, counted without making them."""
    if not _HEX.fullmatch(text):
        raise ValueError
    return sum(1 for c in text if not c.isspace()) // 2


_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def base64_length(value: Any, path: str) -> int:
    """Bytes a base64 string decodes to, counted (and the string checked) without decoding."""
    if value is None:
        return 0
    text = _text(value, path)
    if len(text) % 4 or not _B64.fullmatch(text) or "=" in text.rstrip("="):
        if len(text) < 4096:  # say what is wrong with a short one
            try:
                binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
            except (binascii.Error, UnicodeEncodeError) as exc:
                raise BuildInputError(path, f"not base64 ({exc})") from None
        raise BuildInputError(path, "not base64")
    return len(text) // 4 * 3 - (len(text) - len(text.rstrip("=")))


@dataclass(frozen=True)
class Base64(Spec):
    def check(self, value: Any, path: str) -> None:
        base64_length(value, path)


@dataclass(frozen=True)
class Text(Spec):
    max_bytes: int | None = None  # after encoding as latin-1 (what the record holds)

    def check(self, value: Any, path: str) -> None:
        if value is None:
            return
        text = _text(value, path)
        if self.max_bytes is not None and len(text) > self.max_bytes:
            raise BuildInputError(path, f"{len(text)} characters, at most {self.max_bytes} fit")


@dataclass(frozen=True)
class Flag(Spec):
    def check(self, value: Any, path: str) -> None:
        if value is not None and not isinstance(value, bool):
            raise BuildInputError(path, f"expected true or false, got {got(value)}")


@dataclass(frozen=True)
class IsoTime(Spec):
    def check(self, value: Any, path: str) -> None:
        if value is not None:
            parse_iso(value, path)


def parse_iso(value: Any, path: str) -> dt.datetime:
    text = _text(value, path)
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise BuildInputError(path, f"{show(value)} is not an ISO date and time "
                                    "(YYYY-MM-DDTHH:MM:SS, years 1 to 9999)") from None


@dataclass(frozen=True)
class AnyJSON(Spec):
    """Free-form JSON (decoded body ``fields``): only its nesting is limited."""

    def check(self, value: Any, path: str) -> None:
        check_depth(value, path)


@dataclass(frozen=True)
class Obj(Spec):
    keys: Mapping[str, Spec]
    required: tuple[str, ...] = ()

    def check(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            raise BuildInputError(path, f"expected an object, got {got(value)}")
        for key in self.required:
            if value.get(key) is None:
                raise BuildInputError(f"{path}.{key}", "missing")
        for key, spec in self.keys.items():
            if key in value:
                spec.check(value[key], f"{path}.{key}")


@dataclass(frozen=True)
class Array(Spec):
    item: Spec
    max_items: int | None = None

    def check(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            raise BuildInputError(path, f"expected an array, got {got(value)}")
        if self.max_items is not None and len(value) > self.max_items:
            raise BuildInputError(path, f"{len(value)} items, at most {self.max_items}")
        for i, v in enumerate(value):
            if v is None:
                raise BuildInputError(f"{path}[{i}]", "expected an item, got null")
            self.item.check(v, f"{path}[{i}]")


def check_depth(value: Any, path: str, limit: int = MAX_DEPTH) -> None:
    """Nesting deeper than ``limit`` is refused (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            if d > limit:
                raise BuildInputError(path, f"nested more than {limit} levels deep")
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))


# -- the shape, from the layouts ----------------------------------------------------------------
def layout_keys(layout: Layout, rename: Mapping[str, str], raw: Mapping[str, str]) -> dict[str, Spec]:
    """JSON keys of a layout's fields: integers by size, GUIDs (and their ``_raw`` twin), byte
    fields under their hex key (``raw``: field name -> JSON key; fields not named are skipped)."""
    keys: dict[str, Spec] = {}
    for f in layout.fields:
        name = rename.get(f.name, f.name)
        if f.kind == "guid":
            keys[name] = keys[name + "_raw"] = Guid()
        elif f.fmt.endswith("s"):
            if f.name in raw:
                keys[raw[f.name]] = Hex(f.size)
        else:
            keys[name] = UInt(f.size, f.enum)
    return keys


def _section_kinds() -> tuple[str, ...]:
    from .bodies import catalog
    names = set()
    for k in catalog.KINDS:
        names.update((k.key, *k.aliases))
    return tuple(sorted(names))


def _shapes() -> tuple[Obj, Obj]:
    header = layout_keys(HEADER, {}, {"signature_start": "signature_hex", "timestamp": "timestamp_raw",
                                      "reserved": "reserved_hex"})
    header.update(timestamp=IsoTime(), timestamp_encoding=Text(), timestamp_precise=Flag(),
                  severity_name=Text())
    section = layout_keys(DESCRIPTOR, {"section_offset": "offset", "section_length": "length",
                                       "section_type": "type"}, {"fru_text": "fru_text_hex"})
    section.update(type=Guid(also=_section_kinds()), fru_text=Text(20), severity_name=Text(),
                   descriptor_offset=UInt(4), body_offset=UInt(4), body_base64=Base64(),
                   body_hex=Hex(), fields=AnyJSON(), fields_type=Text())
    extra = Obj({"offset": UInt(4), "base64": Base64()}, required=("offset",))
    common = {"kind": Text(), "length": UInt(8), "extra_bytes": Array(extra)}
    whlg_header = layout_keys(WHLG_HEADER, {}, {"signature": "signature_hex"})
    whlg_header["signature"] = Text()
    cper = Obj(common | {"header": Obj(header), "sections": Array(Obj(section), 0xFFFF)})
    whlg = Obj(common | {"header": Obj(whlg_header), "payload_offset": UInt(4),
                         "payload_base64": Base64()})
    return cper, whlg


CPER_SHAPE, WHLG_SHAPE = _shapes()
BUILDABLE_KINDS = ("cper", "whlg", "section", "unknown")


# -- the check ------------------------------------------------------------------------------------
@dataclass
class _Extent:
    """The furthest byte a record would reach, and the first JSON key that goes past the cap."""

    cap: int
    end: int = 0
    path: str = ""
    value: Any = None

    def reach(self, end: int, path: str, value: Any = None) -> None:
        """Bytes up to ``end`` are written because of the key at ``path`` (``value``: its value,
        when it is an offset or length the person wrote)."""
        if end > self.cap and not self.path:
            self.path, self.value, self.end = path, value, end
        elif not self.path:
            self.end = max(self.end, end)

    def message(self) -> str:
        cap = size_text(self.cap)
        how = " (use --max-size)" if self.cap < CPER_MAX_SIZE else " (CPER's u32 RecordLength)"
        if self.value is not None and _int_value(self.value, "") > self.cap:
            return f"{show(self.value)} exceeds the {cap} record cap{how}"
        start = "" if self.value is None else f"from {show(self.value)}, "
        return f"{start}the bytes reach {self.end}, past the {cap} record cap{how}"


def validate(obj: Any, *, max_size: int = DEFAULT_MAX_SIZE) -> int:
    """Check one decoded-JSON object; the size the record will have at most. Raises
    BuildInputError naming the first bad value."""
    if not isinstance(obj, dict):
        raise BuildInputError("$", f"expected one JSON object per line (as 'whea decode --json' "
                                   f"writes), got {got(obj)}")
    kind = obj.get("kind")
    if kind is None:
        kind = "cper"
    if not isinstance(kind, str) or kind not in BUILDABLE_KINDS and not obj.get("extra_bytes"):
        raise BuildInputError("$.kind", f"{show(kind)}: whea build makes cper and whlg records "
                                        "(other kinds only from their extra_bytes)")
    (WHLG_SHAPE if kind == "whlg" else CPER_SHAPE).check(obj, "$")
    cap = min(max_size, CPER_MAX_SIZE)
    ext = _extent(obj, kind, cap)
    if ext.path:
        raise BuildInputError(ext.path, ext.message())
    return ext.end


def _extent(obj: dict, kind: str, cap: int) -> _Extent:
    ext = _Extent(cap)
    if obj.get("length") is not None:
        ext.reach(_int_value(obj["length"], "$.length"), "$.length", obj["length"])
    for i, extra in enumerate(obj.get("extra_bytes") or []):
        path = f"$.extra_bytes[{i}]"
        ext.reach(_int_value(extra["offset"], "") + base64_length(extra.get("base64"), ""),
                  path + ".offset", extra["offset"])
    header = obj.get("header") or {}
    if kind == "whlg":
        ext.reach(WHLG_HEADER.size if header else 0, "$.header")
        if obj.get("payload_base64") is not None:
            start = obj.get("payload_offset")
            start = WHLG_HEADER.size if start is None else _int_value(start, "")
            ext.reach(start + base64_length(obj["payload_base64"], ""), "$.payload_offset",
                      obj.get("payload_offset"))
        return ext
    if kind != "cper":
        return ext
    ext.reach(HEADER_SIZE, "$.header")
    sections = obj.get("sections") or []
    count = header.get("section_count")
    count = len(sections) if count is None else _int_value(count, "")
    pos = HEADER_SIZE + DESCRIPTOR_SIZE * max(count, len(sections))
    laid_out = 0
    for i, s in enumerate(sections):
        path = f"$.sections[{i}]"
        doff = s.get("descriptor_offset")
        doff = HEADER_SIZE + DESCRIPTOR_SIZE * i if doff is None else _int_value(doff, "")
        ext.reach(doff + DESCRIPTOR_SIZE, path + ".descriptor_offset", s.get("descriptor_offset"))
        n = _body_length(s, i)
        start = s.get("body_offset") if s.get("body_offset") is not None else s.get("offset")
        if start is None:
            laid_out += n
        elif n:  # an offset with no body bytes is only a descriptor value
            key = "body_offset" if s.get("body_offset") is not None else "offset"
            ext.reach(_int_value(start, "") + n, f"{path}.{key}", s[key])
            if s.get("body_offset") is not None and s.get("body_base64") is not None:
                pos = max(pos, _int_value(s["body_offset"], "") + n)
    if laid_out:
        ext.reach(pos + laid_out, "$.sections", None)
    return ext


def _body_length(s: dict, i: int) -> int:
    """Body bytes the builder writes for a section (as ``fromjson._section_body`` picks them)."""
    if s.get("body_base64") is not None:
        return base64_length(s["body_base64"], "")
    if s.get("body_hex") is not None:
        return hex_length(s["body_hex"], "")
    if "body_offset" in s or s.get("offset") is not None and "descriptor_offset" in s:
        return 0  # decoded without a body
    from .defaults import default_body  # small (~1 KiB at most): made, measured, dropped
    return len(default_body(s, i) or b"")
