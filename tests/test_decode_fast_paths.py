"""The fast paths of ``whea decode`` (issue #18) give what the plain paths give, and the section
``fields`` derived from layouts (issue #17) say what the located tree says.

Every test runs over the real bytes of the shared vectors and over records made by the builder
(``whea_gui.compose.generate``); nothing here is timed (figures are in benchmarks/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from vectorlib import VECTORS

from whea_gui.compose.generate import all_kinds, generate_records
from whea_gui.core.fields import register_json
from whea_gui.decode import decode_record, record_to_json
from whea_gui.decode.jsonout import json_line
from whea_gui.formats.cper import HEADER
from whea_gui.sources import iter_path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["DecodeWheaRecord", "libcper-examples", "malformed", "libcper-generated/pcie",
           "libcper-generated/memory", "libcper-generated/multi"]


def _vector_records():
    for folder in FOLDERS:
        for ref in iter_path(str(VECTORS / folder), on_problem=lambda pr: None):
            yield ref.data, ref.source


def _generated_records():
    for kind in all_kinds(standalone=False):
        for creator in ("windows", "uefi"):
            for data in generate_records([kind], 2, seed=5, creator=creator):
                yield data, {}


def _all_records():
    yield from _vector_records()
    yield from _generated_records()


def _whea(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "whea_gui.cli", *args], capture_output=True,
                          env=env, timeout=600)


def _no_decoder_failure(rec) -> None:
    bad = [f.message for f in rec.findings if f.code in ("internal", "decoder-failed")]
    assert not bad, bad


# -- start-up: decode imports only what decoding needs ----------------------------------------
HEAVY = ("PySide6", "pyqtgraph", "jinja2", "numpy", "construct", "whea_gui.report", "whea_gui.ui",
         "whea_gui.store", "whea_gui.index", "whea_gui.compose")


def test_decode_loads_neither_qt_nor_report_nor_numpy():
    code = (
        "import sys, io\n"
        "from whea_gui.cli import main\n"
        "sys.stdout = io.TextIOWrapper(io.BytesIO())\n"
        f"status = main(['decode', '--json', {str(VECTORS / 'DecodeWheaRecord')!r}])\n"
        "sys.stdout = sys.__stdout__\n"
        "print(status, sorted(m for m in sys.modules))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300, check=True).stdout
    status, _, names = out.partition(" ")
    loaded = set(eval(names))  # a list literal printed by the child
    assert "whea_gui.formats.sections.memory" in loaded  # it did decode
    assert int(status) == 0
    for heavy in HEAVY:
        assert not any(m == heavy or m.startswith(heavy + ".") for m in loaded), heavy


def test_help_still_lists_every_command():
    out = _whea("--help").stdout.decode()
    for name in ("build", "decode", "diff", "generate", "report", "store", "timeline"):
        assert name in out


# -- --jobs N: the same bytes, the same order, the same exit status ---------------------------
@pytest.mark.parametrize("extra", [["--json"], ["--json", "--tree"], []])
def test_jobs_output_is_the_one_process_output(extra):
    paths = [str(VECTORS / f) for f in ("DecodeWheaRecord", "malformed", "libcper-generated/multi",
                                        "evtx")]
    one = _whea("decode", *extra, *paths)
    two = _whea("decode", *extra, "--jobs", "2", *paths)
    assert one.stdout and one.stdout.count(b"\n") > 100
    assert two.stdout == one.stdout
    assert two.returncode == one.returncode == 1
    assert two.stderr == one.stderr


def test_jobs_rejects_nonsense():
    assert _whea("decode", "--jobs", "x", str(VECTORS / "evtx")).returncode == 2
    assert _whea("decode", "--jobs", "-1", str(VECTORS / "evtx")).returncode == 2


# -- raw keys from fixed offsets == raw keys from the header's field nodes ---------------------
def test_header_fields_present_follow_from_the_fixed_offsets():
    seen = 0
    for data, source in _all_records():
        rec = decode_record(data, source=source)
        if rec.kind != "cper":
            continue
        header = rec.root.find("header")
        from_nodes = {c.name: (c.offset, c.end) for c in header.children}
        n = len(rec.data)
        from_offsets = {f.name: (HEADER.offsets[f.name], HEADER.offsets[f.name] + f.size)
                        for f in HEADER.fields if HEADER.offsets[f.name] + f.size <= n}
        assert from_nodes == from_offsets
        out = record_to_json(rec)
        if "signature_end" in from_nodes:
            assert out["header"]["signature_end"] == header.find("signature_end").value
        seen += 1
    assert seen > 300


def test_compact_leaves_out_only_the_raw_keys():
    data = (VECTORS / "DecodeWheaRecord" / "cper_cmci_intel_xpfmca_v4_memext.bin").read_bytes()
    rec = decode_record(data)
    full, compact = record_to_json(rec), record_to_json(rec, raw_keys=False)
    assert "extra_bytes" in full and "extra_bytes" not in compact
    assert "body_base64" in full["sections"][0] and "body_base64" not in compact["sections"][0]
    assert compact["header"].items() <= full["header"].items()
    for s_full, s_compact in zip(full["sections"], compact["sections"]):
        assert s_compact.items() <= s_full.items()


# -- the fast encoder writes the same JSON values as json.dumps -------------------------------
def test_fast_encoder_gives_the_values_json_dumps_gives():
    count = 0
    for data, source in _all_records():
        rec = decode_record(data, source=source)
        _no_decoder_failure(rec)
        for tree in (False, True):
            obj = record_to_json(rec, with_tree=tree)
            line = json_line(obj)
            assert line.endswith(b"\n") and b"\n" not in line[:-1]
            assert json.loads(line) == json.loads(json.dumps(obj))
        count += 1
    assert count > 300


def test_encoder_falls_back_for_what_it_refuses():
    big = {"n": 1 << 200, "text": "caf\u00e9"}
    assert json.loads(json_line(big)) == big


# -- fields derived from layouts say what the tree says -----------------------------------------
DERIVED = {"d995e954-bbc1-430f-ad91-b44dcb3c6f35": "pcie",  # PCI Express
           "a5bc1114-6f64-4ede-b863-3e83ed7c83b1": "memory",  # platform memory
           "61ec04fc-48e6-d813-25c9-8daa44750b12": "memory2",
           "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8": "xpf_mca"}


def _node_of(body, name: str):
    return next((n for n in body.walk() if n.name == name and n is not body and n.kind != "bit"),
                None)


# Keys an adapter computes from more than one field (the tree shows the parts)
COMPUTED = {"row"}  # memory: the row field plus the extended row bits 16-17


def _check_against_tree(sec) -> int:
    """Each key of ``fields`` that names a tree node: a number equals the node's value, a
    register's ``value`` equals it and each bit equals the bits of the value, null means the
    node is marked not valid. Returns how many keys were checked."""
    checked = 0
    fields = sec.fields or {}
    for key, value in fields.items():
        node = _node_of(sec.body, key)
        if node is None or node.kind == "struct" or node.value is None or key in COMPUTED:
            continue
        if value is None:
            assert node.valid is False or node.parent.valid is False, (key, node)
        elif isinstance(value, dict) and "value" in value and isinstance(node.value, int) \
                and node.spec is not None and getattr(node.spec, "bits", ()):
            assert value["value"] == node.value, key
            bits = register_json(node.spec.bits, node.value)
            shared = [k for k in value if k in bits]  # an adapter may add or leave out bits
            assert len(shared) > 1 and all(value[k] == bits[k] for k in shared), key
        elif isinstance(value, int) and not isinstance(value, bool) and isinstance(node.value, int):
            assert value == node.value, key
        else:
            continue
        checked += 1
    return checked


def test_layout_derived_fields_match_the_located_tree():
    checked = {name: 0 for name in DERIVED.values()}
    for data, source in _all_records():
        rec = decode_record(data, source=source)
        _no_decoder_failure(rec)
        for sec in rec.sections:
            kind = DERIVED.get(sec.type_guid)
            if kind and sec.body is not None and sec.same_body_as is None:
                checked[kind] += _check_against_tree(sec)
    assert all(n > 20 for n in checked.values()), checked


def test_invalid_pcie_fields_are_null_not_missing():
    from whea_gui.compose.generate import generate_records as gen
    nulls = 0
    for data in gen(["pcie"], 20, seed=3):
        rec = decode_record(data)
        for sec in rec.sections:
            if sec.type_guid != "d995e954-bbc1-430f-ad91-b44dcb3c6f35" or not sec.fields:
                continue
            vb = sec.fields["validation_bits"]
            for bit, key in ((0, "port_type"), (1, "version"), (2, "command_status"),
                             (4, "device_serial_number"), (5, "bridge_control_status"),
                             (6, "capability_structure"), (7, "aer_info")):
                assert key in sec.fields
                assert (sec.fields[key] is None) == (not vb >> bit & 1), key
                nulls += sec.fields[key] is None
    assert nulls > 0


def test_listed_commands_and_plugins_are_the_modules_there():
    import pkgutil

    import whea_gui.cli as cli
    import whea_gui.formats.sections as plugins
    from whea_gui.core.sections import _plugin_names
    scanned = sorted(m.name for m in pkgutil.iter_modules(cli.__path__) if not m.name.startswith("_"))
    assert cli.command_names() == scanned
    assert _plugin_names(plugins.__path__) == sorted(
        m.name for m in pkgutil.iter_modules(plugins.__path__) if not m.name.startswith("_"))


def test_plugin_index_is_what_the_modules_register():
    from whea_gui.core import sections
    from whea_gui.formats.sections import MODULE_OF_GUID
    sections._load_plugins()
    prefix = "whea_gui.formats.sections."  # other tests may register decoders of their own
    registered = {guid: fn.__module__[len(prefix):] for guid, fn in sections._DECODERS.items()
                  if fn.__module__.startswith(prefix)}
    assert MODULE_OF_GUID == registered
    from whea_gui.formats.sections import FALLBACK_MODULES
    with_fallbacks = {fn.__module__[len(prefix):] for _applies, fn in sections._FALLBACKS
                      if fn.__module__.startswith(prefix)}
    assert set(FALLBACK_MODULES) == with_fallbacks


def test_a_record_imports_only_the_decoders_it_needs():
    code = (
        "import sys\n"
        "from whea_gui.decode import decode_record\n"
        f"rec = decode_record(open({str(VECTORS / 'libcper-generated' / 'pcie' / '000.cper')!r}, 'rb').read())\n"
        "assert rec.sections[0].fields, rec.findings\n"
        "print(sorted(m for m in sys.modules if m.startswith('whea_gui.formats.sections.')))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300, check=True).stdout
    loaded = eval(out)
    assert "whea_gui.formats.sections.pcie" in loaded
    assert "whea_gui.formats.sections.nvidia_event" not in loaded
    assert "whea_gui.formats.sections.ms_xpf_mca" not in loaded
