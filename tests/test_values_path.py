"""The direct values path of ``whea decode --json`` (issue #18) gives what the located tree gives.

Every record is decoded two ways from the same layout declarations:
  * the reference way (``core.fields.reference_decode``): every layout read field by field, every
    field node made at decode time, the whole tree walked before anything is written;
  * the direct way: each block unpacked at once, JSON written by a step plan or by code generated
    from the layout (``core.layout_code``), field nodes left to be made when someone reads them.
The JSON line (``decode --json``), the findings, the explanation (every statement and the tree
paths it cites) and the whole located tree (``--tree``: every node, offset, display) must be the
same. Records: every shared vector, records of every kind ``whea generate`` makes (whole and
cut at several points), and hypothesis's byte edits of them. The direct way runs twice: with the
step plans, and with generated code for every layout from its first use.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vectorlib import VECTORS

from whea_gui.compose.generate import all_kinds, generate_records
from whea_gui.core import layout_code
from whea_gui.core.fields import Bits, Field, Layout, layout_json, reference_decode
from whea_gui.core.model import FieldNode
from whea_gui.decode import decode_record, record_to_json
from whea_gui.decode.explain import explain_record
from whea_gui.decode.jsonout import json_line
from whea_gui.sources import iter_path

FOLDERS = ["DecodeWheaRecord", "libcper-examples", "libcper-generated", "malformed"]


def _vector_records() -> list[tuple[bytes, dict]]:
    out = []
    for folder in FOLDERS:
        for ref in iter_path(str(VECTORS / folder), on_problem=lambda pr: None):
            out.append((ref.data, ref.source))
    return out


def _cuts(data: bytes) -> list[bytes]:
    """The record whole and cut short: in the header, in the first descriptor, at the first
    body's start, inside it, and one byte before the end."""
    points = {20, 100, 128 + 30, len(data) // 2, len(data) - 1}
    if len(data) >= 128 + 72:
        points.add(struct.unpack_from("<I", data, 128)[0] + 9)  # 9 bytes into the first body
    return [data] + [data[:p] for p in sorted(points) if 0 < p < len(data)]


def _generated_records() -> list[tuple[bytes, dict]]:
    out = []
    for kind in all_kinds(standalone=False):
        for creator in ("windows", "uefi"):
            for data in generate_records([kind], 1, seed=11, creator=creator):
                out.extend((cut, {}) for cut in _cuts(data))
    return out


VECTOR_RECORDS = _vector_records()
GENERATED = _generated_records()


def _no_decoder_failure(rec) -> None:
    bad = [f.message for f in rec.findings if f.code in ("internal", "decoder-failed")]
    assert not bad, bad


def _reference(data: bytes, source: dict) -> tuple[bytes, dict, bytes, list]:
    with reference_decode():
        rec = decode_record(data, source=source)
        for node in rec.root.walk():  # the whole located tree, made now
            node.display  # noqa: B018
        line = json_line(record_to_json(rec))
        explained = explain_record(rec)
        tree = json_line(record_to_json(rec, with_tree=True))
    return line, explained, tree, [f.as_json() for f in rec.findings]


def _direct(data: bytes, source: dict) -> tuple[bytes, dict, bytes, list]:
    rec = decode_record(data, source=source)
    _no_decoder_failure(rec)
    line = json_line(record_to_json(rec))
    explained = explain_record(rec)
    tree = json_line(record_to_json(rec, with_tree=True))  # nodes made on demand now
    return line, explained, tree, [f.as_json() for f in rec.findings]


def _same_both_ways(data: bytes, source: dict) -> None:
    line, explained, tree, findings = _direct(data, source)
    ref_line, ref_explained, ref_tree, ref_findings = _reference(data, source)
    assert line == ref_line
    assert explained == ref_explained
    assert findings == ref_findings
    assert tree == ref_tree


@pytest.fixture(params=["step plans", "generated code"])
def direct_way(request, monkeypatch):
    """The direct way as a long run sees it (generated code) or a short one (step plans)."""
    if request.param == "generated code":
        monkeypatch.setattr(layout_code, "HOT_JSON", 1)
        monkeypatch.setattr(layout_code, "HOT_UNPACK", 1)
    return request.param


def test_every_vector_both_ways(direct_way):
    assert len(VECTOR_RECORDS) > 500
    for data, source in VECTOR_RECORDS:
        _same_both_ways(data, source)


def test_every_generated_kind_whole_and_cut_both_ways(direct_way):
    assert len(GENERATED) > 100
    for data, source in GENERATED:
        _same_both_ways(data, source)


def test_generated_code_was_used_and_is_shared_by_declaration(monkeypatch):
    monkeypatch.setattr(layout_code, "HOT_JSON", 1)
    monkeypatch.setattr(layout_code, "HOT_UNPACK", 1)
    for data, source in VECTOR_RECORDS[:50]:
        record_to_json(decode_record(data, source=source))
    made = [key for key, entry in layout_code._CODE.items() if entry[2] or
            (key[0] == "unpack" and entry[1] is not None)]
    assert any(key[0] == "json" for key in made) and any(key[0] == "unpack" for key in made)
    # two Layout objects of the same declarations share one entry (layouts made per record)
    a = Layout("a", [Field("x", "X", 4, "hex"), Field("g", "G", 16, "guid")])
    b = Layout("b", [Field("x", "X", 4, "hex"), Field("g", "G", 16, "guid")])
    shape = layout_code.shape_of(None, (), (), None, None, None, (), False)
    assert layout_code.emitter_entry(a, shape, None, None) is layout_code.emitter_entry(b, shape, None, None)


def test_the_json_path_leaves_the_header_fields_unmade():
    """``decode --json`` reads values, not nodes: the header's 16 field nodes are made only
    when the tree is read."""
    data, source = next((d, s) for d, s in VECTOR_RECORDS if d[:4] == b"CPER")
    rec = decode_record(data, source=source)
    record_to_json(rec)
    header = next(c for c in rec.root._children if c.name == "header")
    assert header._children is None and header.has_children()
    names = [c.name for c in header.children]
    assert names[:3] == ["signature_start", "revision", "signature_end"]
    with reference_decode():
        ref = decode_record(data, source=source)
    assert [(c.name, c.offset, c.length, c.display) for c in ref.root.find("header").children] == \
        [(c.name, c.offset, c.length, c.display) for c in header.children]


# -- layout_json's options, generated and interpreted ---------------------------------------------
_LAYOUT = Layout("probe", [
    Field("valid_bits", "Valid", 4, "flags", bits=(Bits(0, "a", "A"), Bits(1, "b", "B", width=3),
                                                   Bits(4, "c", "C", values={1: "one"}))),
    Field("count", "Count", 2, "int"),
    Field("kind", "Kind", 1, "enum", enum={1: "one"}),
    Field("guid", "GUID", 16, "guid"),
    Field("name", "Name", 8, "ascii"),
    Field("blob", "Blob", 3, "bytes"),
    Field("odd", "Odd", 3, "hex"),
    Field("reserved", "Reserved", 4, "hex"),
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(min_size=_LAYOUT.size, max_size=_LAYOUT.size),
       cut=st.integers(0, len(_LAYOUT.fields)),
       gated=st.sets(st.sampled_from(_LAYOUT._names)), gate_on=st.booleans(),
       plain=st.sets(st.sampled_from(_LAYOUT._names)), omit=st.sets(st.sampled_from(_LAYOUT._names)),
       converted=st.sets(st.sampled_from(_LAYOUT._names)),
       followed=st.sets(st.sampled_from(_LAYOUT._names)),
       renamed=st.dictionaries(st.sampled_from(_LAYOUT._names), st.sampled_from(["k1", "k2", "count"])),
       order=st.lists(st.sampled_from(["k1", "count", "guid", "data", "absent"]), unique=True),
       nulls=st.booleans(), extra=st.booleans(), odd_value=st.booleans())
def test_layout_json_options_same_all_three_ways(raw, cut, gated, gate_on, plain, omit, converted,
                                                 followed, renamed, order, nulls, extra, odd_value):
    values = dict(list(_LAYOUT.unpack(raw).items())[:cut])
    if odd_value and "count" in values:
        values["count"] = b"\x01\x02"  # a value of a type its field does not declare
    kwargs = dict(
        valid={name: gate_on for name in sorted(gated)} or None, plain=tuple(sorted(plain)),
        omit=tuple(sorted(omit)), convert={name: repr for name in sorted(converted)} or None,
        after={name: (lambda v, n=name: {f"{n}_len": len(repr(v))}) for name in sorted(followed)} or None,
        keys=renamed or None, extra={"data": 1} if extra else None, order=tuple(order), nulls=nulls)
    with reference_decode():
        expected = layout_json(_LAYOUT, values, **kwargs)
    shape = layout_code.shape_of(kwargs["valid"], kwargs["plain"], kwargs["omit"], kwargs["convert"],
                                 kwargs["after"], kwargs["keys"], kwargs["order"], nulls)
    from whea_gui.core.fields import ascii_text, field_json
    for emitter in (layout_code.step_emitter(_LAYOUT, shape, field_json, ascii_text),
                    layout_code.json_emitter(_LAYOUT, shape, field_json, ascii_text)):
        got = emitter(_LAYOUT.fields, values, kwargs["valid"], kwargs["convert"], kwargs["after"],
                      kwargs["extra"])
        needed = [f.name for f in _LAYOUT.fields if f.name not in omit]
        if all(name in values for name in needed):
            assert got is not None
            assert list(got.items()) == list(expected.items())  # the same keys in the same order
        else:
            assert got is None  # layout_json then writes it the interpreted way
    assert list(layout_json(_LAYOUT, values, **kwargs).items()) == list(expected.items())


def test_register_split_generated_as_declared():
    from whea_gui.formats.sections import memory

    layout = next(v for v in vars(memory).values()
                  if isinstance(v, Layout) and any(f.bits for f in v.fields))
    raw = bytes(range(7, 7 + layout.size))
    values = layout.unpack(raw)
    with reference_decode():
        expected = layout_json(layout, values)
    from whea_gui.core.fields import ascii_text, field_json
    shape = layout_code.shape_of(None, (), (), None, None, None, (), False)
    got = layout_code.json_emitter(layout, shape, field_json, ascii_text)(
        layout.fields, values, None, None, None, None)
    assert got == expected
    assert any(isinstance(v, dict) and "value" in v for v in got.values())  # a register split


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick=st.integers(0, 10_000), edits=st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)),
                                                    max_size=6),
       cut=st.one_of(st.none(), st.integers(0, 4096)))
def test_edited_records_both_ways(pick, edits, cut):
    data, source = (VECTOR_RECORDS + GENERATED)[pick % (len(VECTOR_RECORDS) + len(GENERATED))]
    buf = bytearray(data)
    for pos, value in edits:
        if buf:
            buf[pos % len(buf)] = value
    if cut is not None:
        buf = buf[:cut]
    _same_both_ways(bytes(buf), source)


def _make_some_nodes(rec, every: int, start: int) -> int:
    """Make the lazy children (layout fields, bit fields, register parts) of every ``every``-th
    node, as a window or an earlier lookup would have: the explanation must not depend on which
    ones were made first."""
    made, stack, i = 0, [rec.root], 0
    while stack:
        node = stack.pop()
        i += 1
        if i % every == start and node._children is None and node.has_children():
            node.children  # noqa: B018
            made += 1
        stack.extend(reversed(node._children or ()))
    return made


def test_citations_do_not_depend_on_which_nodes_were_made_first():
    # arm-ras/015 cut at 544 bytes (found by test_edited_records_both_ways): with the auxiliary
    # context's nodes made and the error syndrome's not, the address was cited from the context
    # register instead of the syndrome's ERR_ADDR, which a reference decode cites
    path = VECTORS / "libcper-generated/arm-ras/015.cper"
    data = path.read_bytes()[:544]
    source = {"path": str(path), "kind": "raw", "offset": 0}
    _, ref_explained, _, _ = _reference(data, source)
    where = next(s for s in ref_explained["statements"] if s["kind"] == "where")
    assert "section_0.error_syndrome_0.err_addr" in where["cites"]
    made_any = 0
    cases = [(data, source)] + VECTOR_RECORDS[::7] + GENERATED[::5]
    for data, source in cases:  # noqa: B020 (the cut record first, then the others)
        _, ref_explained, _, _ = _reference(data, source)
        for every, start in ((2, 0), (2, 1), (3, 1)):
            rec = decode_record(data, source=source)
            made_any += _make_some_nodes(rec, every, start)
            assert explain_record(rec) == ref_explained, (source, len(data), every, start)
    assert made_any > 100  # the lookups really met trees made in different orders


def test_reference_mode_makes_every_node_at_decode_time():
    data, source = next((d, s) for d, s in VECTOR_RECORDS if d[:4] == b"CPER")
    with reference_decode():
        rec = decode_record(data, source=source)
    header = rec.root.find("header")
    assert header._children is not None and isinstance(header._children[0], FieldNode)
