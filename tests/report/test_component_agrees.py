"""A record is counted under the component its explanation names: a machine check logged by a
memory controller (an AMD SMCA UMC bank by MCA_IPID, an Intel memory-controller MCACOD) is
Memory in the report's Components count, the timeline's by-component bins and the store's
component column, as the explanation says "memory (machine check from the memory controller)".
Real bytes: the shared XPF MCA vectors as the audit changed them (tests/test_explain_audit.py),
the same vectors unchanged (a decode-unit and an instruction-fetch bank: CPU), and generator
records."""

from __future__ import annotations

import json
import sqlite3

from tests.test_explain_audit import AMD_UMC, AMD_ZEN4, INTEL_MC, INTEL_MEMEXT, _patched
from tests.vectorlib import VECTORS
from whea_gui.cli import main
from whea_gui.compose.generate import generate_records
from whea_gui.decode.explain import component_of_record, explain_record
from whea_gui.decode.record import decode_record
from whea_gui.index import faults
from whea_gui.report import write_report
from whea_gui.store import Store
from whea_gui.store.meta import FAULT_KEYS_KEY, FAULT_KEYS_VERSION

MC_PART = "memory (machine check from the memory controller)"


def _records() -> list[tuple[bytes, str]]:
    """(bytes, the part the explanation must name) for two memory-controller and two core
    machine checks."""
    return [(_patched(AMD_ZEN4, AMD_UMC), MC_PART), (_patched(INTEL_MEMEXT, INTEL_MC), MC_PART),
            ((VECTORS / AMD_ZEN4).read_bytes(), "processor (CPU)"),
            ((VECTORS / INTEL_MEMEXT).read_bytes(), "processor (CPU)")]


def _decoded(data: bytes):
    rec = decode_record(data)
    assert not [x for x in rec.findings if x.code in ("internal", "decoder-failed")]
    return rec


def test_the_record_component_is_the_part_the_explanation_names():
    for data, part in _records():
        rec = _decoded(data)
        e = explain_record(rec)
        assert e["component_name"] == part
        want = "memory" if part == MC_PART else "cpu"
        assert component_of_record(rec) == want
        comp, key, scopes = faults.record_fault(rec)
        assert comp == want
        assert faults.record_fault_keys(rec)[0] == ("Memory" if want == "memory" else "CPU")
        if want == "memory":  # located by the CPU and bank that logged it, not counted against it
            assert key.startswith("cpu:logged-by-") and "cpu" not in scopes


def test_report_components_agree_with_the_explanations(tmp_path):
    items = [(data, {"path": f"r{i}.bin"}) for i, (data, _) in enumerate(_records())]
    write_report(items, tmp_path / "r.json")
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["by_component"] == {"Memory": 2, "CPU": 2}
    names = [r["explanation"]["component_name"] for r in report["records"]]
    assert names.count(MC_PART) == 2 and names.count("processor (CPU)") == 2
    write_report(items, tmp_path / "r.md")
    line = next(x for x in (tmp_path / "r.md").read_text(encoding="utf-8").splitlines()
                if x.startswith("- Components: "))
    assert sorted(line.removeprefix("- Components: ").split(", ")) == ["CPU 2", "Memory 2"]


def test_generated_memory_controller_checks_count_as_memory(tmp_path):
    recs = [_decoded(data) for data in generate_records(["xpf-mca"], 24, 3)]
    named = [explain_record(r)["component_name"] for r in recs]
    assert MC_PART in named and "processor (CPU)" in named  # both kinds are in the sample
    write_report(recs, tmp_path / "g.json")
    by = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))["summary"]["by_component"]
    assert by == {k: v for k, v in (("Memory", named.count(MC_PART)),
                                    ("CPU", named.count("processor (CPU)"))) if v}


def _timeline_components(capsys, *args) -> dict[str, int]:
    assert main(["timeline", "--by", "component", "--json", *args]) == 0
    bins = json.loads(capsys.readouterr().out)["bins"]
    return {label: sum(row[i] for row in bins["counts"]) for i, label in enumerate(bins["labels"])}


def test_timeline_and_store_count_by_the_explained_component(tmp_path, capsys, monkeypatch):
    raw = tmp_path / "mc.bin"
    raw.write_bytes(b"".join(data for data, _ in _records()))
    assert _timeline_components(capsys, str(raw)) == {"Memory": 2, "CPU": 2}

    # a store written by the previous derivation (the section's component) and no version mark
    path = tmp_path / "old.wheastore"
    with monkeypatch.context() as m:
        m.setattr(faults, "record_component", lambda f: f.component)
        with Store(path) as store:
            # (a patched vector keeps its RecordId: one host each keeps all four)
            store.write_records((data, {"host": f"h{i}"}) for i, (data, _) in enumerate(_records()))
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM meta WHERE key = ?", (FAULT_KEYS_KEY,))
    conn.commit()
    conn.close()
    # read-only: the keys as they were stored
    with Store(path, readonly=True) as store:
        assert len(store) == 4
    assert _timeline_components(capsys, "--store", str(path)) == {"CPU": 4}
    # the next open with write access re-derives them and marks the store
    with Store(path) as store:
        assert store.conn.execute("SELECT value FROM meta WHERE key = ?",
                                  (FAULT_KEYS_KEY,)).fetchone()[0] == FAULT_KEYS_VERSION
    assert _timeline_components(capsys, "--store", str(path)) == {"Memory": 2, "CPU": 2}


def test_the_bundled_sample_store_has_current_fault_keys():
    """(the app opens it read-only: keys of an older derivation would stay in what it shows)"""
    from whea_gui.sample import sample_store_path
    with Store(sample_store_path(), readonly=True) as store:
        assert store.conn.execute("SELECT value FROM meta WHERE key = ?",
                                  (FAULT_KEYS_KEY,)).fetchone()[0] == FAULT_KEYS_VERSION
