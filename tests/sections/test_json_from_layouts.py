"""Every section's ``fields`` JSON comes from its layouts (issue #17, step 2).

``core.fields.layout_json`` is the one way a section writes JSON: a Layout field's name is its
key, and the section's adapter (``after``/``convert``/``extra``) adds only computed keys. These
tests decode every shared vector and records of every kind the generator makes (whole and cut
short), with ``layout_json`` watched, and follow each key of every section's ``fields`` back to
where it came from. A key passes when a ``layout_json`` call made it (the same key with the same
value, copied or merged), or when it only holds objects that pass themselves (a list of entries,
a nested object). A key written by hand (``fields["x"] = v["x"]``, a dict display of values) has
no such origin and fails, naming the section module and the JSON path.

The adapter may not pass a Layout field off as computed: ``extra`` and ``after`` keys that are
the name of a field of the same layout fail at once. What the adapter computes (a ``convert``,
``after`` or ``extra`` value) is not looked into, except lists of objects (entries), which must
be made by ``layout_json`` too.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from typing import Any

import pytest
from vectorlib import load_golden_tool

from whea_gui.compose.generate import all_kinds, generate_records
from whea_gui.core import fields as core_fields
from whea_gui.core import sections as registry
from whea_gui.decode import decode_record
from whea_gui.sources import iter_path

golden = load_golden_tool()
_LAYOUT_JSON = core_fields.layout_json
# The documented keys of a section object (``sections[*]``), which nested sections (a status
# block's data entries, an error packet's V1 union) repeat around their own ``fields``: an
# object with a ``fields`` key may carry these.
SECTION_KEYS = {"type", "type_name", "fields", "summary", "component", "location"}


class Watch:
    """A stand-in for ``layout_json`` that remembers what it made."""

    def __init__(self) -> None:
        # id -> (the dict, kept alive so ids stay unique; a copy of what it held when made)
        self.made: dict[int, tuple[dict, dict]] = {}
        self.pairs: dict[str, list[Any]] = {}  # key -> every value made under it
        self.misuse: list[str] = []

    def __call__(self, layout, values, **kw) -> dict[str, Any]:
        names = {f.name for f in layout.fields}
        for key in set(kw.get("extra") or ()) & names:
            self.misuse.append(f"{layout.name}: extra key {key!r} is a field of the layout")
        if kw.get("after"):
            kw["after"] = {n: self._after(layout.name, names, n, fn) for n, fn in kw["after"].items()}
        out = _LAYOUT_JSON(layout, values, **kw)
        self.made[id(out)] = (out, dict(out))
        for key, value in out.items():
            self.pairs.setdefault(key, []).append(value)
        return out

    def _after(self, layout: str, names: set[str], field: str, fn: Callable) -> Callable:
        def watched(value):
            computed = fn(value)
            for key in set(computed) & names:
                self.misuse.append(f"{layout}: key {key!r} computed after {field!r} is a field "
                                   "of the layout")
            return computed
        return watched

    def made_pair(self, key: str, value: Any, snapshot: dict | None = None) -> bool:
        def same(v: Any) -> bool:
            return v is value or (type(v) is type(value) and v == value)
        if snapshot is not None and key in snapshot and same(snapshot[key]):
            return True
        return any(same(v) for v in self.pairs.get(key, ()))  # copied from a made dict

    def hand_built(self, obj: Any, path: str) -> list[str]:
        """JSON paths under ``obj`` whose key no ``layout_json`` call made.

        A dict ``layout_json`` returned passes for the keys it was returned with (a key set on
        it afterwards is judged like any other)."""
        if isinstance(obj, list):
            return [p for i, item in enumerate(obj) if isinstance(item, (dict, list))
                    for p in self.hand_built(item, f"{path}[{i}]")]
        if not isinstance(obj, dict):
            return []
        made = self.made.get(id(obj))
        snapshot = made[1] if made is not None and made[0] is obj else None
        section = "fields" in obj
        out = []
        for key, value in obj.items():
            here = f"{path}.{key}"
            if self.made_pair(key, value, snapshot):
                # a made value: its lists of entries must be made too
                if isinstance(value, list) and any(isinstance(v, dict) for v in value):
                    out += self.hand_built(value, here)
            elif section and key in SECTION_KEYS:  # a nested section: its own fields are checked
                out += self.hand_built(value, here) if key == "fields" else []
            elif isinstance(value, dict) or (isinstance(value, list) and value and all(
                    isinstance(v, dict) for v in value)) or value == []:
                out += self.hand_built(value, here)
            else:
                out.append(here)
        return out


@pytest.fixture
def watch(monkeypatch) -> Watch:
    """``layout_json`` watched wherever a module of ours imported it."""
    w = Watch()
    import whea_gui.formats.sections as package  # decoders are imported on first use: all now
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    for name, module in list(sys.modules.items()):
        if name.startswith("whea_gui") and getattr(module, "layout_json", None) is _LAYOUT_JSON:
            monkeypatch.setattr(module, "layout_json", w)
    return w


def _problems(watch: Watch, data: bytes, seen: dict[str, int]) -> list[str]:
    rec = decode_record(data)
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    decoders = registry.registered_decoders()
    out = []
    for sec in rec.sections:
        fn = decoders.get(sec.values.get("type"))
        module = fn.__module__ if fn else "fallback"
        if sec.fields:
            seen[module] = seen.get(module, 0) + 1
        out += [f"{module}: {p}" for p in watch.hand_built(sec.fields, f"section {sec.index}")]
    return out


def _cuts(data: bytes) -> list[bytes]:
    return [data] + [data[:n] for n in {len(data) - 1, len(data) - 7, len(data) - 40,
                                        len(data) * 2 // 3} if n > 0]


@pytest.mark.parametrize("kind", all_kinds(standalone=False))
def test_generated_sections_write_no_key_by_hand(kind, watch):
    seen: dict[str, int] = {}
    problems = []
    for data in generate_records([kind], count=6, seed=17):
        for cut in _cuts(data):
            problems += _problems(watch, cut, seen)
    assert seen, f"no section of kind {kind} had fields"
    assert not watch.misuse, watch.misuse[:5]
    assert not problems, sorted(set(problems))[:20]


def test_vector_sections_write_no_key_by_hand(watch):
    seen: dict[str, int] = {}
    problems = []
    for path in golden.vector_files():
        for ref in iter_path(str(path), on_problem=lambda _p: None):
            problems += [f"{path.name}: {p}" for p in _problems(watch, ref.data, seen)]
    assert not watch.misuse, watch.misuse[:5]
    assert not problems, sorted(set(problems))[:30]
    # every decoder of ours met at least one section it wrote fields for (with one record of
    # every kind the generator makes, for the kinds no vector holds)
    for kind in all_kinds(standalone=False):
        for data in generate_records([kind], count=1, seed=17):
            _problems(watch, data, seen)
    ours = {fn.__module__ for fn in registry.registered_decoders().values()
            if fn.__module__.startswith("whea_gui.")}
    assert not ours - set(seen), sorted(ours - set(seen))
    assert seen.get("fallback"), "no device-driver (fallback) section was met"


def test_the_watch_catches_a_key_written_by_hand(watch):
    """The check bites: a key added beside the layout's, or an entry built by hand, is named."""
    from whea_gui.formats.sections import dmar

    values = {"requester_id": 0x0108, "segment_number": 0, "fault_reason": 1, "access_type": 0,
              "address_type": 0, "architecture_type": 1, "device_address": 0x1000,
              "reserved": bytes(16)}
    made = dmar.layout_json(dmar.GENERIC, values, omit=("reserved",))
    assert watch.hand_built(made, "f") == []
    assert watch.hand_built({**made, "bus": 1}, "f") == ["f.bus"]
    made["fault_reason"] = 7  # changed after it was made
    assert watch.hand_built(made, "f") == ["f.fault_reason"]
    assert watch.hand_built({"entries": [{"segment_number": 0, "fault": 3}]}, "f") == \
        ["f.entries[0].fault"]
    watch(dmar.GENERIC, values, extra={"device_address": 1})
    assert watch.misuse
