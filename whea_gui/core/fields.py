"""A small declarative layout language shared by parsing, locating and building.

A ``Layout`` is a list of ``Field``s. From it we derive, once:
  * a ``construct`` Struct (used to *build* bytes and, in tests, to cross-check parsing),
  * a ``struct.Struct`` for the hot located-decode path (one ``unpack_from`` per structure),
  * each field's byte offset, so every decoded value becomes a located FieldNode.

Bit fields are described by ``Bits`` entries on an integer field; their nodes are made lazily,
so listing thousands of records does not pay for flag children nobody expands.

Values and JSON go the direct way (issue #18): from each layout's declarations ``layout_code``
makes step plans and, once a declaration is hot, generated code that unpacks a block in one
call and writes its JSON without FieldNodes; a decode ``lazy=True`` makes the field nodes only
when someone reads the tree. ``reference_decode()``
switches every layout back to the interpreted, node-first way, which the property test
(tests/test_values_path.py) holds the direct way to.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import guids, layout_code
from .model import FieldNode

# True inside ``reference_decode()``: every Layout decodes the interpreted way and builds its
# field nodes at once, and ``layout_json`` reads the declarations field by field.
_REFERENCE = [False]


@contextmanager
def reference_decode() -> Iterator[None]:
    """Decode the reference way while inside: every field node made at decode time, values and
    JSON read field by field (no generated code). What the direct way must equal."""
    saved = _REFERENCE[0]
    _REFERENCE[0] = True
    try:
        yield
    finally:
        _REFERENCE[0] = saved

_INT_FMT = {1: "B", 2: "H", 4: "I", 8: "Q"}


def _cs():
    """``construct``, imported on first use: only building bytes needs it, and its import is
    a sixth of ``whea decode``'s start-up."""
    import construct
    return construct


@dataclass(frozen=True)
class Bits:
    """A named bit or bit range inside an integer field (bit 0 = least significant)."""

    bit: int
    name: str
    label: str
    width: int = 1
    meaning: str = ""
    values: Mapping[int, str] | None = None  # enum names for multi-bit values


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    size: int
    kind: str = "int"  # int | hex | enum | flags | guid | bytes | ascii | sig
    enum: Mapping[int, str] | None = None
    bits: Sequence[Bits] = ()
    guid_kind: str | None = None
    description: str = ""
    reserved_mask: int = 0  # bits that are reserved (only reported when set)

    def text_of(self, value: Any) -> str:
        """The display text of a value of this field (FieldNode asks for it on first use)."""
        return display_value(self, value)

    @property
    def fmt(self) -> str:
        if self.kind in ("guid", "bytes", "ascii", "sig") or self.size not in _INT_FMT:
            return f"{self.size}s"
        return _INT_FMT[self.size]

    @property
    def construct(self):
        cs = _cs()
        if self.fmt.endswith("s"):
            return cs.Bytes(self.size)
        return {1: cs.Int8ul, 2: cs.Int16ul, 4: cs.Int32ul, 8: cs.Int64ul}[self.size]


class DeferredFields(functools.partial):
    """A layout's field nodes, made when first asked for. A reference decode makes them at once;
    lookups that must see the same tree either way (citations) make these, not bit fields."""


class Layout:
    """A fixed-size packed little-endian structure."""

    def __init__(self, name: str, fields: Sequence[Field]) -> None:
        self.name = name
        self.fields = tuple(fields)
        self.offsets: dict[str, int] = {}
        off = 0
        for f in self.fields:
            self.offsets[f.name] = off
            off += f.size
        self.size = off
        self.struct = struct.Struct("<" + "".join(f.fmt for f in self.fields))
        self._construct = None
        self._by_name = {f.name: f for f in self.fields}
        self._names = tuple(f.name for f in self.fields)
        # generated code (layout_code), once the declaration is hot: the unpacker, and the
        # JSON emitter of each layout_json call shape
        self._unpack: Callable | None = None
        self._emitters: dict[tuple, list] = {}
        self._signature: tuple | None = None

    @property
    def construct(self):
        """The ``construct`` Struct that builds this layout's bytes (made on first use)."""
        if self._construct is None:
            self._construct = _cs().Struct(*[f.name / f.construct for f in self.fields])
        return self._construct

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def unpack(self, buf, offset: int = 0) -> dict[str, Any]:
        return dict(zip((f.name for f in self.fields), self.struct.unpack_from(buf, offset)))

    def pack(self, values: Mapping[str, Any]) -> bytes:
        return self.construct.build({f.name: values[f.name] for f in self.fields})

    def read(self, buf, name: str, offset: int = 0) -> Any:
        """One field of the structure that starts at ``offset`` (bytes for a byte field)."""
        return struct.unpack_from("<" + self._by_name[name].fmt, buf, offset + self.offsets[name])[0]

    def write(self, buf: bytearray, name: str, value: Any, offset: int = 0) -> None:
        """Set one field of the structure that starts at ``offset``, in place: for fixing up a
        count, length or offset in bytes already laid out."""
        struct.pack_into("<" + self._by_name[name].fmt, buf, offset + self.offsets[name], value)

    def decode(self, buf, offset: int, limit: int, parent: FieldNode,
               fmt_hooks: Mapping[str, Callable[[Field, Any, int], FieldNode]] | None = None,
               lazy: bool = False) -> tuple[dict[str, Any], int]:
        """Decode fields at ``offset`` into ``parent``; fields past ``limit`` are left out.

        Returns the values decoded and how many fields fitted (== len(fields) when whole).
        With ``lazy`` the child nodes are made when first asked for (listing thousands of
        records needs the values, not the nodes).
        """
        if _REFERENCE[0]:
            return self._decode_reference(buf, offset, limit, parent, fmt_hooks)
        unpack = self._unpack
        if unpack is None:
            unpack = self._unpack = layout_code.hot_unpacker(self)
        if unpack is not None:
            values, raw = unpack(buf, offset, limit)
        elif offset + self.size <= limit:
            raw = self.struct.unpack_from(buf, offset)
            values = dict(zip(self._names, raw))
        else:
            raw = self._fitting(buf, offset, limit)
            values = dict(zip(self._names, raw))
        if lazy and parent._children is None:
            parent.defer(DeferredFields(self._deferred_nodes, raw, offset, fmt_hooks))
        else:
            for node in self._nodes(raw, offset, fmt_hooks):
                parent.add(node)
        return values, len(raw)

    def _fitting(self, buf, offset: int, limit: int) -> list:
        """The values of the fields that fit whole below ``limit``, read one by one."""
        raw = []
        off = offset
        for f in self.fields:
            if off + f.size > limit:
                break
            raw.append(struct.unpack_from("<" + f.fmt, buf, off)[0])
            off += f.size
        return raw

    def _decode_reference(self, buf, offset, limit, parent, hooks) -> tuple[dict[str, Any], int]:
        """The interpreted decode: field by field, every node made now."""
        raw = self._fitting(buf, offset, limit)
        for node in self._nodes(raw, offset, hooks):
            parent.add(node)
        return dict(zip(self._names, raw)), len(raw)

    def _deferred_nodes(self, raw, offset, hooks, _parent: FieldNode) -> list[FieldNode]:
        return self._nodes(raw, offset, hooks)

    def _nodes(self, raw, offset, hooks) -> list[FieldNode]:
        nodes, off = [], offset
        for f, v in zip(self.fields, raw):
            hook = hooks.get(f.name) if hooks else None
            nodes.append(hook(f, v, off) if hook else make_node(f, v, off))
            off += f.size
        return nodes


def hexint(value: int, size: int) -> str:
    return f"0x{value:0{size * 2}X}"


def make_node(f: Field, value: Any, offset: int, *, display: str | None = None,
              valid: bool = True) -> FieldNode:
    """The FieldNode for one field value, with its display text and lazy bit children."""
    kind = f.kind
    make_children = None
    if f.bits or f.reserved_mask:
        make_children = _bit_children_factory(f, value, offset)
    if kind == "guid":
        value = guids.guid_text(value)
    # With no display given, FieldNode.display formats (spec, value) on first use.
    return FieldNode(f.name, f.label, value, display, offset, f.size, kind=kind,
                     description=f.description, make_children=make_children, valid=valid,
                     spec=f)


def display_value(f: Field, value: Any) -> str:
    kind = f.kind
    if kind == "int":
        return str(value)
    if kind == "hex":
        return hexint(value, f.size)
    if kind == "enum":
        name = (f.enum or {}).get(value)
        return f"{name} ({value})" if name else f"Unknown ({value})"
    if kind == "flags":
        names = [b.label for b in f.bits if b.width == 1 and value >> b.bit & 1]
        return hexint(value, f.size) + (f" ({', '.join(names)})" if names else "")
    if kind == "guid":
        text = value if isinstance(value, str) else guids.guid_text(value)
        if f.guid_kind:
            name = guids.name_of(text, f.guid_kind, "")
            return f"{name} {{{text}}}" if name else text
        return text
    if kind in ("ascii", "sig"):
        return ascii_text(value)
    if kind == "bytes":
        return bytes(value).hex(" ").upper() if len(value) <= 32 else f"{len(value)} bytes"
    return str(value)


def ascii_text(raw: bytes) -> str:
    text = bytes(raw).split(b"\0", 1)[0]
    return "".join(chr(c) if 32 <= c < 127 else f"\\x{c:02x}" for c in text)


def bytes_text(raw: bytes) -> str:
    """Bytes for a message: hex, then the printable ASCII (others as '.'), e.g. 43 50 45 58 ("CPEX")."""
    raw = bytes(raw)
    shown = "".join(chr(c) if 32 <= c < 127 and c != 34 else "." for c in raw)
    return f'{raw.hex(" ").upper()} ("{shown}")' if raw else "(no bytes)"


def _bit_children_factory(f: Field, value: int, offset: int):
    def make(_parent: FieldNode) -> list[FieldNode]:
        return bit_nodes(f.bits, value, offset, f.size, f.reserved_mask)
    return make


def bit_nodes(bits: Sequence[Bits], value: int, offset: int, size: int,
              reserved_mask: int = 0) -> list[FieldNode]:
    """One node per named bit (set or clear) plus one per set reserved bit."""
    nodes = []
    covered = 0
    for b in bits:
        mask = (1 << b.width) - 1
        covered |= mask << b.bit
        v = (value >> b.bit) & mask
        if b.width == 1 and not b.values:
            disp = "set" if v else "clear"
        elif b.values:
            name = b.values.get(v)
            disp = f"{name} ({v})" if name else f"Unknown ({v})"
        else:
            disp = f"{v} (0x{v:X})"
        node = _bit_node(b.name, b.label, v, disp, offset, size, b.bit, b.width, b.meaning)
        node.spec = b
        nodes.append(node)
    reserved = value & reserved_mask & ~covered
    bit = 0
    while reserved:
        if reserved & 1:
            nodes.append(_bit_node(f"reserved_bit_{bit}", f"Bit {bit} (reserved)", 1,
                                   "set (reserved, should be 0)", offset, size, bit, 1,
                                   "A reserved bit that is set"))
        reserved >>= 1
        bit += 1
    return nodes


def _bit_node(name, label, v, disp, offset, size, bit, width, meaning) -> FieldNode:
    # Narrow the byte range to the bytes that hold the bits, so the hex view marks them.
    first = bit // 8
    last = (bit + width - 1) // 8
    if last >= size:
        last = size - 1
    return FieldNode(name, label, v, disp, offset + first, last - first + 1,
                     bit_offset=bit - first * 8, bit_width=width, kind="bit",
                     description=meaning)


# -- the ``fields`` JSON of a section, derived from its layouts --------------------------------
# One rule for every section (issue #17): each Layout Field's name is its JSON key; a register
# (an integer field with named bits) is {"value": N, <bit name>: bool | int, ...}; a field whose
# validation bit is clear is null; a field the body does not reach is left out. A section adds
# only its computed keys (names from tables, split values) in a small adapter of its own.

def register_json(bits: Sequence[Bits], value: int) -> dict[str, Any]:
    """A register: ``value`` (its number) plus each named bit field (bool for a one-bit flag,
    int for a multi-bit field or one with named values)."""
    out: dict[str, Any] = {"value": value}
    for b in bits:
        v = (value >> b.bit) & ((1 << b.width) - 1)
        out[b.name] = bool(v) if b.width == 1 and not b.values else v
    return out


def field_json(f: Field, value: Any) -> Any:
    """The JSON value of one decoded field, by its kind."""
    kind = f.kind
    if kind == "guid":
        return value if isinstance(value, str) else guids.guid_text(value)
    if kind in ("ascii", "sig"):
        return ascii_text(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if f.bits and kind in ("flags", "hex"):
        return register_json(f.bits, value)
    return value


def layout_json(layout: Layout, values: Mapping[str, Any], *,
                valid: Mapping[str, bool] | None = None, plain: Sequence[str] = (),
                omit: Sequence[str] = (), convert: Mapping[str, Callable[[Any], Any]] | None = None,
                after: Mapping[str, Callable[[Any], Mapping[str, Any]]] | None = None,
                keys: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None,
                order: Sequence[str] = (), nulls: bool = False) -> dict[str, Any]:
    """The JSON object of ``layout``'s decoded ``values``, in layout order.

    ``valid``: field name → its validation bit (False makes the value null); ``plain``: fields
    written as their number even though they have named bits (validation-bit words, whose bits
    already show as nulls); ``omit``: fields the section writes in another shape (its adapter).
    The section's adapter, kept next to the field it explains: ``convert`` gives a field's value
    another shape (a BOOLEAN byte as true/false); ``after`` adds computed keys right after a
    field (a name from a table), null too when the field is not valid; ``extra`` adds computed
    keys that belong to no one field (an entry's index), after the fields.
    Published shapes older than this rule: ``keys`` maps a field name to the JSON key it was
    published under; ``order`` lists keys in their published order where that differs from the
    byte order (keys it does not list follow, in the order made); with ``nulls`` a listed key that
    was not produced (its field lies past the bytes present) is written as null.

    The step plan (or, once hot, the generated code) of this layout and call shape writes the
    object when ``values`` holds every field it writes (``layout_code``); otherwise, and in
    ``reference_decode()``, the declarations are read field by field below. All give the same
    object (tests/test_values_path.py).
    """
    if not _REFERENCE[0]:
        try:
            shape = layout_code.shape_of(valid, plain, omit, convert, after, keys, order, nulls)
            entry = layout._emitters.get(shape)
        except TypeError:  # an option that is not a sequence of names (unhashable): no plan
            entry = shape = None
        if entry is None and shape is not None:
            entry = layout_code.emitter_entry(layout, shape, field_json, ascii_text)
            if entry is not None:
                layout._emitters[shape] = entry
        if entry is not None:
            if not entry[2]:
                entry[0] += 1
                if entry[0] >= layout_code.HOT_JSON:
                    layout_code.generate(entry, layout, shape, field_json, ascii_text)
            out = entry[1](layout.fields, values, valid, convert, after, extra)
            if out is not None:
                return out
    return _layout_json_interpreted(layout, values, valid, plain, omit, convert, after, keys,
                                    extra, order, nulls)


def _layout_json_interpreted(layout, values, valid, plain, omit, convert, after, keys, extra,
                             order, nulls) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in layout.fields:
        name = f.name
        if name in omit or name not in values:
            continue
        value = values[name]
        key = keys.get(name, name) if keys else name
        ok = valid is None or valid.get(name, True) is not False
        if not ok:
            out[key] = None
        elif convert and name in convert:
            out[key] = convert[name](value)
        elif name in plain:
            out[key] = value
        else:
            out[key] = field_json(f, value)
        if after and name in after:
            computed = after[name](value)
            out.update(computed if ok else dict.fromkeys(computed))
    return layout_code.finish(out, extra, order, nulls)
