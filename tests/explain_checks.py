"""Mechanical checks that an explanation does not contradict itself (shared by the tests).

``check(rec, e, bases)`` asserts, for one decoded record and its ``explain_record`` dict:
exactly one severity statement and a headline in its words; advice that points at a place only
when a place is named; a caveat whenever no place is named; the headline's component is the
component of the section the headline cites; no memory error placed on a PCI address unless
the section itself names a PCI device; no "no action"/"no hardware" advice beside advice to act;
every claim cites tree paths that exist. ``bases`` collects, over many records, the number base
each kind of number was shown in, so one kind in two bases fails ``check_bases``.
"""

from __future__ import annotations

import re

from whea_gui.decode.explain.facts import component_of
from whea_gui.decode.explain.rules import (
    CXL_MEDIA_PART_NAME,
    FIRMWARE_DATA_PART,
    FIRMWARE_RECORD_PART,
    MCA_PART_NAME,
)
from whea_gui.decode.explain.tables import COMPONENT_NAME, IOMMU_INTERRUPT_NAME

NUMBER = re.compile(r"\b(physical address|MCi_ADDR|error address|device address|DRAM device|"
                    r"bank group|MCA bank|DIMM slot|memory controller|APIC ID|chip ID|row|column|"
                    r"rank|bank|channel|socket|node|card|module|core|CPU) (0x[0-9A-Fa-f]+|\d+)\b")
ACT = re.compile(r"\b(replace|Reseat|plan to)\b", re.I)
LOCATED = re.compile(r"location shown|named in the location|at the location|"
                     r"same (CPU|processor|module|DIMM) \(|device at |module at |part at ")


def number_bases(text: str) -> list[tuple[str, str]]:
    return [(label, "hex" if value.lower().startswith("0x") else "dec")
            for label, value in NUMBER.findall(text)]


def check(rec, e: dict, bases: dict | None = None, where_from: str = "") -> None:
    ctx = f"{where_from}: {e.get('headline')!s}"
    said = e["statements"]
    kinds = [s["kind"] for s in said]
    advice = [s for s in said if s["kind"] == "advice"]
    caveats = [s for s in said if s["kind"] == "caveat"]
    assert kinds.count("headline") == 1, ctx
    assert e["advice"] == [s["text"] for s in advice] and e["caveats"] == [s["text"] for s in caveats]
    if e.get("state") in ("not_cper", "empty"):
        assert not rec.data or (rec.kind in ("cper", "unknown") and rec.data[:4] != b"CPER"), ctx
        assert "severity" not in kinds and not advice and not e["severity"], ctx
        assert "error" not in e["headline"].lower().replace("error report", ""), ctx
        return
    if e.get("state") in ("whlg", "error_source_table"):  # no hardware error to explain
        return
    # how bad: one statement, and the headline uses its word
    assert kinds.count("severity") == 1, ctx
    word = e["severity"]
    if word not in ("unknown", ""):
        assert e["headline"].lower().startswith(word), ctx
    else:
        assert "severity not stated" in e["headline"], ctx
    # where: advice pointing at a place needs a place, and names it
    for s in advice:
        if s["uses_location"] or LOCATED.search(s["text"]):
            assert e["where"], ctx + " / " + s["text"]
            assert s["uses_location"], ctx + " / " + s["text"]
    if not e["where"]:
        assert any(c["topic"] == "location" for c in caveats), ctx
    # what to do: never "nothing" beside "act"
    texts = [s["text"] for s in advice]
    if any("no hardware needs attention" in t for t in texts):
        assert len(texts) == 1, ctx
    if any(t.startswith("No action needed") for t in texts):
        assert not any(ACT.search(t) and not t.startswith("If ") for t in texts), ctx
    # one cause per record: memory blamed and CPU degradation never together; an overflowed
    # bank (more than one error) is never "a single event"
    joined = " ".join(texts)
    if "memory (DIMMs)" in joined:
        assert "CPU may be degrading" not in joined, ctx
    if any("overflow bit is set" in c["text"] for c in caveats):
        assert "for a single event" not in joined, ctx
    # the headline's component is the component of the section it names
    lead = [int(m) for c in e["cites"].get("headline", [])
            for m in re.findall(r"^(?:descriptor|section)_(\d+)\.(?:error_status_block\.entry_\d+\."
                                r"header\.)?section_type$", c)]
    if rec.kind == "cper" and rec.sections:
        assert lead, f"{ctx}: the headline does not cite the lead section's type"
    if rec.sections and lead and "and no section present names the failing part" in e["headline"]:
        # a cut-short record whose sections present name nothing blames no part
        assert e["component"] == "" and not re.search(r"DIMM|memory test|microcode|[Rr]eseat", joined), ctx
    elif rec.sections and lead:
        comp = component_of(rec.sections[lead[0]])
        assert e["component"] == comp, ctx
        if comp in COMPONENT_NAME:
            # a machine check names the part its facts point at (MCA_PART_NAME), else the CPU
            names = (COMPONENT_NAME[comp],) + {"cpu": tuple(MCA_PART_NAME.values()),
                                               "cxl": tuple(CXL_MEDIA_PART_NAME.values()),
                                               "iommu": (IOMMU_INTERRUPT_NAME,)}.get(comp, ())
            # (a headline without a severity word starts with the component name, capitalised)
            headline = e["headline"][:1].lower() + e["headline"][1:]
            if e["component_name"] in (FIRMWARE_RECORD_PART, FIRMWARE_DATA_PART):
                # a firmware error record reference names no part: the firmware recorded it
                assert "recorded by the platform firmware" in headline, ctx
            else:
                assert any(n in headline for n in names), ctx
                assert e["component_name"] in headline, ctx
        if comp == "":
            # a decoded section with a known component would have been chosen instead
            assert not any(component_of(s) for s in rec.sections), ctx
        if comp == "memory" and "bus" not in (rec.sections[lead[0]].location or {}):
            assert "PCI" not in e["headline"] and "PCI" not in e["where"], ctx
    # every claim cites fields that exist
    for s in said:
        for path in s["cites"]:
            assert rec.root.find(path) is not None, f"{ctx}: cited {path!r} is not in the tree"
        if s["kind"] in ("headline", "severity", "where", "what"):
            assert s["cites"], f"{ctx}: {s['kind']} cites nothing"
    for p in e["location"]:
        assert p["cites"], ctx
    assert not any(f.code in ("internal", "decoder-failed") for f in rec.findings), ctx
    if bases is not None:
        own = " ".join([e["headline"], e["where"], e["detail"]] + texts + [c["text"] for c in caveats])
        for label, base in number_bases(own):
            bases.setdefault(label, {}).setdefault(base, ctx)


def check_bases(bases: dict) -> None:
    mixed = {label: seen for label, seen in bases.items() if len(seen) > 1}
    assert not mixed, f"a kind of number is shown in two bases: {mixed}"


def explained(data: bytes, what: str):
    """(record, explanation, its statements' text) of ``data``, with the checks above run and
    no decoder failure swallowed (no ``internal`` / ``decoder-failed`` finding)."""
    from whea_gui.decode.explain import explain_record
    from whea_gui.decode.record import decode_record
    rec = decode_record(data)
    assert not [x for x in rec.findings if x.code in ("internal", "decoder-failed")]
    e = explain_record(rec)
    check(rec, e, None, what)
    return rec, e, " ".join(s["text"] for s in e["statements"])


def build_record(kind_key: str, severity: int, over: dict, patch=None) -> bytes:
    """A one-section record of the builder's ``kind_key`` (seeded), its body optionally patched
    in place (``patch(bytearray)``) before it is assembled."""
    import random

    from whea_gui.compose.bodies import catalog
    from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
    kind = catalog.find(kind_key)
    body = bytearray(kind.pack(random.Random(5), severity, dict(over)))
    if patch is not None:
        patch(body)
    return assemble(make_header(severity=severity),
                    [SectionPart(make_descriptor(kind.guid, severity=severity), bytes(body))])
