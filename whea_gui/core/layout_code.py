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

Why generated source and not closures: a closure per field still costs a Python call and a
dispatch per field and per record; the generated function is one frame whose body is the
layout's fields written out, which is what made it faster (README, "Decode speed against
libcper"). Every generated function falls back to the interpreted one (``fields``) for what it
does not cover, so both give the same answer by construction; ``tests/test_values_path.py``
checks it on every vector and generated record.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from . import guids

# A Layout and a Field of ``fields`` (which imports this module: no import back, so no cycle).
Layout = Field = Any

# Shapes of ``layout_json`` calls compiled per layout; a call site whose shape changes with
# every record (it should not) falls back to the interpreted emitter past this many.
MAX_SHAPES = 64


def _exec(name: str, source: str, env: dict[str, Any]) -> Callable:
    code = compile(source, f"<layout {name}>", "exec")
    exec(code, env)  # noqa: S102 - our own source, made from the layout's declarations
    return env["_generated"]


def unpacker(layout: Layout) -> Callable[[Any, int, int], tuple[dict[str, Any], tuple]]:
    """``unpack(buf, offset, limit) -> (values, raw)``: the fields that fit whole below
    ``limit`` (``raw`` in field order, so ``len(raw)`` is how many fitted)."""
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
    return (tuple(valid) if valid else None, plain, omit, tuple(convert) if convert else None,
            tuple(after) if after else None, tuple(keys.items()) if keys else None, order, nulls)


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
    """``emit(values, valid, convert, after, extra)`` for one call shape of ``layout_json``;
    it returns None when ``values`` lacks one of the layout's fields (a block cut short, a
    section's own subset): the interpreted ``layout_json`` then writes that object.
    ``field_json`` and ``ascii_text`` are those of ``fields``, for values of unexpected types."""

    valid_names, plain, omit, convert_names, after_names, keys, order, nulls = shape
    gated = set(valid_names or ())
    converted = set(convert_names or ())
    followed = set(after_names or ())
    renamed = dict(keys or ())
    used = [(i, f) for i, f in enumerate(layout.fields) if f.name not in omit]
    body = ["def _generated(values, valid, convert, after, extra):"]
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
    env = {"_F": layout.fields, "_field_json": field_json, "_ascii_text": ascii_text,
           "_guid_text": guids.guid_text, "_fromkeys": dict.fromkeys, "_ORDER": tuple(order)}
    return _exec(layout.name, "\n".join(body), env)
