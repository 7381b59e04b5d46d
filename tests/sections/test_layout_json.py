"""core.fields.layout_json, the one rule of section ``fields`` (issue #17): layout names are the
keys, registers are {"value": N, bits}, a field not valid is null and so are the keys its
``after`` adapter adds, a field the bytes do not reach is left out."""

from __future__ import annotations

from whea_gui.core.fields import Bits, Field, Layout, layout_json
from whea_gui.core.model import FieldNode

LAYOUT = Layout("example", [
    Field("kind", "Kind", 1, "enum", enum={1: "one"}),
    Field("status", "Status", 2, "hex", bits=(Bits(0, "busy", "Busy"), Bits(4, "code", "Code", 4))),
    Field("flag", "Flag", 1, "int"),
    Field("name", "Name", 4, "ascii"),
])
RAW = LAYOUT.pack({"kind": 1, "status": 0x51, "flag": 2, "name": b"AB\0\0"})


def _values(raw: bytes) -> dict:
    values, _count = LAYOUT.decode(raw, 0, len(raw), FieldNode("root", "Root", None, "", 0, len(raw)))
    return values


def test_layout_names_register_shape_and_adapters():
    out = layout_json(LAYOUT, _values(RAW), convert={"flag": bool},
                      after={"kind": lambda k: {"kind_name": {1: "one"}.get(k)}})
    assert out == {"kind": 1, "kind_name": "one", "status": {"value": 0x51, "busy": True, "code": 5},
                   "flag": True, "name": "AB"}
    assert list(out) == ["kind", "kind_name", "status", "flag", "name"]  # layout order


def test_not_valid_is_null_with_its_computed_keys_and_unreached_is_left_out():
    values = _values(RAW[:4])  # the body ends inside "name"
    out = layout_json(LAYOUT, values, valid={"kind": False, "status": True},
                      after={"kind": lambda k: {"kind_name": "one"}}, plain=("status",))
    assert out == {"kind": None, "kind_name": None, "status": 0x51, "flag": 2}


def test_published_names_order_and_nulls_for_unreached_keys():
    """``keys`` renames, ``extra`` adds keys of no one field, ``order`` puts listed keys first
    (the rest follow as made), ``nulls`` writes a listed key the bytes do not reach as null."""
    kw = dict(keys={"flag": "count"}, plain=("status",), extra={"index": 3},
              after={"kind": lambda k: {"kind_name": "one"}}, order=("index", "name", "count"))
    whole = layout_json(LAYOUT, _values(RAW), **kw)
    assert list(whole) == ["index", "name", "count", "kind", "kind_name", "status"]
    assert whole["count"] == 2 and whole["name"] == "AB" and "flag" not in whole
    cut = _values(RAW[:3])  # the body ends inside "flag"
    assert list(layout_json(LAYOUT, cut, **kw)) == ["index", "kind", "kind_name", "status"]
    assert layout_json(LAYOUT, cut, nulls=True, **kw) == {
        "index": 3, "name": None, "count": None, "kind": 1, "kind_name": "one", "status": 0x51}
