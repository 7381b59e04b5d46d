"""Code generated once from each Layout: the direct values path of ``whea decode --json``.

``fields.Layout.decode`` and ``fields.layout_json`` read a layout's declarations field by field
on every call (issue #18 measured them at a quarter of ``decode --json``). From the same
declarations this module writes, on a layout's first use, Python source for

  * an unpacker: one ``struct.Struct.unpack_from`` for the whole block and a dict display of the
    values (a block cut short by the end of the bytes goes the field-by-field way, as before);
  * a JSON emitter per call shape (which fields are gated by a validation bit, written plain,
    converted, renamed, followed by computed keys, listed in a published order): every field's
    kind handling is decided once, a register's bit split is one dict display, a GUID's text one
    call.

Why generated source, and why not at once: a closure per field still costs a Python call and a
dispatch per field and per record; the generated function is one frame whose body is the
layout's fields written out: a 22-field ``layout_json`` went from 15.8 us (interpreted) to
4.5 us. But compiling it costs 1-1.5 ms (an unpacker 0.2 ms), the price of hundreds of calls,
and some layouts are made afresh for each record (a vendor block sized by its section). So a
call shape first gets a step plan (each field's kind handling decided once, walked in a loop:
5.6 us, made in microseconds), and generated code only once it is hot: a declaration (fields'
names, kinds, formats and bit splits, not the Layout object) used ``HOT_JSON`` times. What
neither covers (a values dict that lacks a field) goes the interpreted way of ``fields``. All
give the same answer by construction; ``tests/test_values_path.py`` checks it on every vector
and generated record, with step plans and with generated code.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from . import guids

# A Layout and a Field of ``fields`` (which imports this module: no import back, so no cycle).
Layout = Field = Any

# Uses of one declaration before its source is generated and compiled: about where compiling
# (1-1.5 ms for an emitter, 0.2 ms for an unpacker) has paid for itself in time saved per call
# over the step plan (emitter, ~1.5 us a call) or dict(zip()) (unpacker, ~0.35 us a call).
HOT_JSON = 1000
HOT_UNPACK = 600
MAX_CODE = 4096  # declarations and shapes counted; past this, new ones stay interpreted
# key -> [uses so far, the function in use (a step plan, then generated code), generated yet]
_CODE: dict[tuple, list] = {}


def signature(layout: Layout) -> tuple:
    """Everything of a layout's declarations the generated code depends on."""
    return tuple((f.name, f.kind, f.fmt, tuple((b.name, b.bit, b.width, bool(b.values))
                                               for b in f.bits))
                 for f in layout.fields)


def hot_unpacker(layout: Layout) -> Callable | None:
    """The generated unpacker of ``layout``'s declarations once they are hot; None before."""
    key = ("unpack", layout.struct.format, layout._names)
    entry = _CODE.get(key)
    if entry is None:
        if len(_CODE) >= MAX_CODE:
            return None
        entry = _CODE[key] = [0, None, False]
    if entry[1] is None:
        entry[0] += 1
        if entry[0] < HOT_UNPACK:
            return None
        entry[1] = unpacker(layout)
    return entry[1]


def emitter_entry(layout: Layout, shape: tuple, field_json: Callable, ascii_text: Callable
                  ) -> list | None:
    """[uses, emitter, generated] for a ``layout_json`` call shape, shared by every layout of
    the same declarations; the emitter is a step plan until ``generate`` replaces it."""
    if layout._signature is None:
        layout._signature = signature(layout)
    key = ("json", layout._signature, shape)
    entry = _CODE.get(key)
    if entry is None:
        if len(_CODE) >= MAX_CODE:
            return None
        entry = _CODE[key] = [0, step_emitter(layout, shape, field_json, ascii_text), False]
    return entry


def generate(entry: list, layout: Layout, shape: tuple, field_json: Callable,
             ascii_text: Callable) -> None:
    """Replace a hot entry's step plan by generated code."""
    entry[1] = json_emitter(layout, shape, field_json, ascii_text)
    entry[2] = True


# -- the step plan: no compiling, one loop over steps decided once ------------------------------
_PLAIN, _CONVERT = object(), object()


def _converter(f: Field, field_json: Callable, ascii_text: Callable) -> Callable | None:
    """``fields.field_json(f, x)`` for the kind decided now (None: an int field written as its
    number); a value of an unexpected type goes through ``field_json`` itself."""
    kind = f.kind
    guid_text = guids.guid_text
    if kind == "guid":
        return lambda x: guid_text(x) if x.__class__ is bytes else field_json(f, x)
    if kind in ("ascii", "sig"):
        return ascii_text
    if f.fmt.endswith("s"):
        return lambda x: x.hex() if x.__class__ is bytes else field_json(f, x)
    if f.bits and kind in ("flags", "hex"):
        splits = tuple((b.name, b.bit, (1 << b.width) - 1, b.width == 1 and not b.values)
                       for b in f.bits)

        def register(x):
            if x.__class__ is not int:
                return field_json(f, x)
            out = {"value": x}
            for name, bit, mask, flag in splits:
                out[name] = (x >> bit & mask) == 1 if flag else x >> bit & mask
            return out
        return register
    return None


def step_emitter(layout: Layout, shape: tuple, field_json: Callable, ascii_text: Callable
                 ) -> Callable:
    """``emit(fields, values, valid, convert, after, extra)`` as ``json_emitter`` gives, made of
    steps decided once per shape and walked in a loop (cheap to make: no compiling)."""
    valid_names, plain, omit, convert_names, after_names, keys, order, nulls = shape
    gated = set(valid_names or ())
    renamed = dict(keys or ())
    steps = []
    for f in layout.fields:
        name = f.name
        if name in omit:
            continue
        if convert_names and name in convert_names:
            conv = _CONVERT
        elif name in plain:
            conv = _PLAIN
        else:
            conv = _converter(f, field_json, ascii_text)
        steps.append((name, renamed.get(name, name), f, conv, name in gated,
                      bool(after_names and name in after_names)))
    steps = tuple(steps)
    needed = frozenset(s[0] for s in steps)

    def emit(_fields, values, valid, convert, after, extra):
        if not values.keys() >= needed:
            return None
        out = {}
        for name, key, f, conv, gate, follow in steps:
            x = values[name]
            ok = not gate or valid[name] is not False
            if not ok:
                out[key] = None
            elif conv is None:
                out[key] = x if x.__class__ is int else field_json(f, x)
            elif conv is _PLAIN:
                out[key] = x
            elif conv is _CONVERT:
                out[key] = convert[name](x)
            else:
                out[key] = conv(x)
            if follow:
                computed = after[name](x)
                out.update(computed if ok else dict.fromkeys(computed))
        return finish(out, extra, order, nulls)
    return emit


def finish(out: dict[str, Any], extra, order, nulls: bool) -> dict[str, Any]:
    """A layout's JSON object completed: ``extra`` keys after the fields, then the keys of
    ``order`` first in that order (null when ``nulls`` and not produced), the others after."""
    if extra:
        out.update(extra)
    if order:
        listed = {k: out.get(k) for k in order if nulls or k in out}
        listed.update(out)  # keys already listed keep their place; the others follow
        out = listed
    return out


def _exec(name: str, source: str, env: dict[str, Any]) -> Callable:
    code = compile(source, f"<layout {name}>", "exec")
    exec(code, env)  # noqa: S102 - our own source, made from the layout's declarations
    return env["_generated"]


def unpacker(layout: Layout) -> Callable[[Any, int, int], tuple[dict[str, Any], tuple]]:
    """``unpack(buf, offset, limit) -> (values, raw)``: the fields that fit whole below
    ``limit`` (``raw`` in field order, so ``len(raw)`` is how many fitted). It serves every
    layout of the same declarations (it keeps nothing of this Layout object but them)."""
    fields = layout.fields
    size = layout.size
    formats = [struct.Struct("<" + f.fmt).unpack_from for f in fields]
    sizes = [f.size for f in fields]
    names = tuple(f.name for f in fields)

    def partial(buf, offset: int, limit: int):
        raw = []
        off = offset
        for fmt, n in zip(formats, sizes):
            if off + n > limit:
                break
            raw.append(fmt(buf, off)[0])
            off += n
        return dict(zip(names, raw)), tuple(raw)

    if not fields:
        return lambda buf, offset, limit: ({}, ())
    locals_ = [f"v{i}" for i in range(len(fields))]
    display = ", ".join(f"{f.name!r}: {v}" for f, v in zip(fields, locals_))
    source = (
        "def _generated(buf, offset, limit):\n"
        f"    if offset + {size} <= limit:\n"
        "        raw = _unpack(buf, offset)\n"
        f"        {', '.join(locals_)}, = raw\n"
        f"        return {{{display}}}, raw\n"
        "    return _partial(buf, offset, limit)\n")
    return _exec(layout.name, source, {"_unpack": layout.struct.unpack_from, "_partial": partial})


# -- the JSON emitter -----------------------------------------------------------------------------
def shape_of(valid, plain, omit, convert, after, keys, order, nulls) -> tuple:
    """What of a ``layout_json`` call decides the code (not the values it passes)."""
    return (tuple(valid) if valid else None, tuple(plain), tuple(omit),
            tuple(convert) if convert else None, tuple(after) if after else None,
            tuple(keys.items()) if keys else None, tuple(order), nulls)


def _value_expr(f: Field, i: int, x: str) -> str:
    """An expression for ``fields.field_json(f, x)``: the kind decided here, the value's type
    checked at run time (anything unexpected goes through ``field_json`` itself)."""
    fallback = f"_field_json(_F[{i}], {x})"
    kind = f.kind
    if kind == "guid":
        return f"(_guid_text({x}) if {x}.__class__ is bytes else {fallback})"
    if kind in ("ascii", "sig"):
        return f"_ascii_text({x})"
    if f.fmt.endswith("s"):
        return f"({x}.hex() if {x}.__class__ is bytes else {fallback})"
    if f.bits and kind in ("flags", "hex"):
        parts = [f"'value': {x}"]
        for b in f.bits:
            mask = (1 << b.width) - 1
            bit = f"({x} >> {b.bit}) & {mask}"
            parts.append(f"{b.name!r}: " + (f"({bit}) == 1" if b.width == 1 and not b.values
                                            else f"{bit}"))
        return f"({{{', '.join(parts)}}} if {x}.__class__ is int else {fallback})"
    return f"({x} if {x}.__class__ is int else {fallback})"


def _flush(items: list[str], started: bool) -> str:
    """One statement adding ``items`` to ``out`` in order (a dict display: evaluated left to
    right, a repeated key keeping its first place and last value, as assignments would)."""
    display = "{" + ", ".join(items) + "}"
    return f"    out.update({display})" if started else f"    out = {display}"


def json_emitter(layout: Layout, shape: tuple, field_json: Callable, ascii_text: Callable
                 ) -> Callable:
    """``emit(fields, values, valid, convert, after, extra)`` for one call shape of
    ``layout_json`` (``fields``: the layout's, for values of unexpected types); it returns None
    when ``values`` lacks one of the layout's fields (a block cut short, a section's own
    subset): the interpreted ``layout_json`` then writes that object. It serves every layout
    of the same declarations. ``field_json`` and ``ascii_text`` are those of ``fields``."""

    valid_names, plain, omit, convert_names, after_names, keys, order, nulls = shape
    gated = set(valid_names or ())
    converted = set(convert_names or ())
    followed = set(after_names or ())
    renamed = dict(keys or ())
    used = [(i, f) for i, f in enumerate(layout.fields) if f.name not in omit]
    body = ["def _generated(_F, values, valid, convert, after, extra):"]
    if used:
        body.append("    try:")
        body += [f"        v{i} = values[{f.name!r}]" for i, f in used]
        body.append("    except KeyError:\n        return None")
    body += [f"    ok{i} = valid[{f.name!r}] is not False" for i, f in used if f.name in gated]
    run: list[str] = []  # key: value items of one dict display, up to a field with ``after``
    started = False
    for i, f in used:
        name, x = f.name, f"v{i}"
        if name in converted:
            expr = f"convert[{name!r}]({x})"
        elif name in plain:
            expr = x
        else:
            expr = _value_expr(f, i, x)
        if name in gated:
            expr = f"({expr} if ok{i} else None)"
        run.append(f"{renamed.get(name, name)!r}: {expr}")
        if name in followed:
            body.append(_flush(run, started))
            started, run = True, []
            body.append(f"    computed = after[{name!r}]({x})")
            body.append("    out.update(computed" + (f" if ok{i} else _fromkeys(computed))"
                                                      if name in gated else ")"))
    if run or not started:
        body.append(_flush(run, started))
    body.append("    if extra:\n        out.update(extra)")
    if order:
        listed = ("{k: out.get(k) for k in _ORDER}" if nulls
                  else "{k: out[k] for k in _ORDER if k in out}")
        body.append(f"    listed = {listed}\n    listed.update(out)\n    out = listed")
    body.append("    return out\n")
    env = {"_field_json": field_json, "_ascii_text": ascii_text,
           "_guid_text": guids.guid_text, "_fromkeys": dict.fromkeys, "_ORDER": tuple(order)}
    return _exec(layout.name, "\n".join(body), env)
