"""Explanations never contradict themselves: generated records of every section kind (alone,
mixed, with validation bits cleared, with bytes zeroed) and every shared vector."""

from __future__ import annotations

import random

import pytest

from tests import explain_checks
from tests.vectorlib import VECTORS
from whea_gui.compose.bodies import catalog
from whea_gui.compose.generate import all_kinds, generate_records
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

SEEDS = range(12)
# Section kinds whose body starts with a 64-bit validation-bits word (UEFI N.2.x layouts).
VALID_BITS_FIRST = {"processor-generic", "ia32x64", "arm", "memory", "memory2", "pcie", "pci-bus",
                    "pci-component", "cxl-protocol", "cxl-media", "cxl-dram", "cxl-memory-module",
                    "cxl-pswitch", "cxl-vswitch", "cxl-mld"}


def _explain_and_check(data: bytes, bases: dict, label: str) -> dict:
    rec = decode_record(data)
    e = explain_record(rec)
    explain_checks.check(rec, e, bases, label)
    if e["state"] == "record":
        want = e["headline"] + (f". {e['advice'][0]}" if e["advice"] else "")
        assert rec.summary == want and "\n" not in rec.summary
    return e


def _mixed_record(r: random.Random, clear_valid_bits: bool, zero_bytes: bool) -> bytes:
    kinds = r.sample(catalog.KINDS, r.randint(1, 4))
    parts = []
    worst = 3
    for kind in kinds:
        sev = r.choice([0, 1, 2, 3])
        worst = {0: 0, 1: 1}.get(sev, worst) if sev in (0, 1) else worst if worst in (0, 1) else min(worst, sev)
        body = bytearray(kind.pack(random.Random(r.getrandbits(32)), sev, {}))
        if clear_valid_bits and kind.key in VALID_BITS_FIRST and len(body) >= 8:
            vb = int.from_bytes(body[:8], "little") & r.getrandbits(64)
            body[:8] = vb.to_bytes(8, "little")
        if zero_bytes and body:
            for _ in range(r.randint(1, 4)):
                at = r.randrange(len(body))
                body[at:at + r.randint(1, 8)] = bytes(min(8, len(body) - at))[:len(body[at:at + 8])]
        flags = r.getrandbits(8) & 0xFF
        parts.append(SectionPart(make_descriptor(kind.guid, severity=sev, flags=flags,
                                                 fru_text=r.choice([None, "DIMM_A1", "SLOT 3"])),
                                 bytes(body)))
    if r.random() < 0.2:  # an all-zero descriptor beside the real sections
        parts.append(SectionPart(bytes(72), bytes(16)))
    header = make_header(severity=r.choice([0, 1, 2, 3]), flags=r.getrandbits(9))
    return assemble(header, parts, set_severity=r.random() < 0.5)


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_records_of_every_kind(seed):
    bases: dict = {}
    kinds = all_kinds(standalone=False)
    for data in generate_records(kinds, count=len(kinds) * 2, seed=seed, repeat=seed % 3 == 0,
                                 storm=seed % 4 == 0, creator="mixed"):
        _explain_and_check(data, bases, f"seed {seed}")
    explain_checks.check_bases(bases)


@pytest.mark.parametrize("seed", SEEDS)
def test_mixed_records_with_valid_bits_cleared(seed):
    r = random.Random(1000 + seed)
    bases: dict = {}
    for i in range(40):
        data = _mixed_record(r, clear_valid_bits=i % 2 == 0, zero_bytes=i % 5 == 0)
        _explain_and_check(data, bases, f"seed {seed} record {i}")
    explain_checks.check_bases(bases)


def test_bases_check_catches_a_mixed_base():
    bases: dict = {}
    for text in ("row 0x20A8C", "row 44172"):
        for label, base in explain_checks.number_bases(text):
            bases.setdefault(label, {}).setdefault(base, text)
    with pytest.raises(AssertionError):
        explain_checks.check_bases(bases)


VECTOR_FILES = sorted(p for p in VECTORS.rglob("*") if p.is_file()
                      and p.suffix not in (".json", ".md") and not p.name.startswith("LICENSE"))


@pytest.mark.parametrize("group", sorted({p.relative_to(VECTORS).parts[0] for p in VECTOR_FILES}))
def test_every_shared_vector(group):
    from whea_gui.sources import iter_path
    bases: dict = {}
    seen = 0
    for path in VECTOR_FILES:
        if path.relative_to(VECTORS).parts[0] != group:
            continue
        for ref in iter_path(str(path), on_problem=lambda pr: None):
            rec = decode_record(ref.data, source=ref.source)
            e = explain_record(rec)
            explain_checks.check(rec, e, bases, str(path.relative_to(VECTORS)))
            seen += 1
    assert seen
    explain_checks.check_bases(bases)
