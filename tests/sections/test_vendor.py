"""Vendor sections libcper knows: Ampere (8 bytes) and NVIDIA (32 + 16·n): oracle and bad input."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import (
    Rule,
    build_record,
    check_located,
    decode_bad_body,
    libcper_sections,
    load_case,
    matches_libcper,
    mutate,
    section_body,
    section_findings,
)

from whea_gui.decode import decode_record
from whea_gui.formats.sections.vendor import NVIDIA_GUID

AMPERE_RULES = [Rule(r"typeId", "type_id"), Rule(r"subTypeId", "subtype_id"),
                Rule(r"instanceId", "instance_id")]
NVIDIA_RULES = [
    Rule(r"signature", "signature"),
    Rule(r"severity\.code", "severity"), Rule(r"severity\.name", "severity_name"),
    Rule(r"errorType", "error_type"), Rule(r"errorInstance", "error_instance"), Rule(r"socket", "socket"),
    Rule(r"registerCount", "register_count"), Rule(r"instanceBase", "instance_base"),
    Rule(r"registers\[(\d+)\]\.(address|value)", r"registers[\1].\2"),
    Rule(r"CMETInfo\[(\d+)\]\.ChannelAddress", r"registers[\1].address", theirs=lambda s: int(s, 16)),
    Rule(r"CMETInfo\[(\d+)\]\.ErrorCount", r"registers[\1].cmet_info.error_count"),
    Rule(r"CMETInfo\[(\d+)\]\.ChannelEnabled", r"registers[\1].cmet_info.channel_enabled"),
    Rule(r"CMETInfo\[(\d+)\]\.ChannelIsSpare", r"registers[\1].cmet_info.channel_is_spare"),
    Rule(r"CMETInfo\[(\d+)\]\.DisabledReason\.raw", r"registers[\1].cmet_info.disabled_reason"),
    Rule(r"CMETInfo\[(\d+)\]\.DisabledReason\.value", r"registers[\1].cmet_info.disabled_reason_name",
         theirs=str.lower, mine=str.lower),
]
KINDS = {"Ampere": (("ampere",), (), AMPERE_RULES),
         "Nvidia": (("nvidia",), ("nvidia", "nvidia_cmet_info"), NVIDIA_RULES)}
CASES = [(key, rel, i) for key, (dirs, ex, _r) in KINDS.items() for rel, i in libcper_sections(key, dirs, ex)]


def test_oracle_cases_exist():
    assert len(CASES) >= 21 + 23


@pytest.mark.parametrize("key,rel,index", CASES)
def test_matches_libcper(key, rel, index):
    rec, sec, oracle = load_case(rel, index, key)
    result = matches_libcper(oracle, sec, rec, KINDS[key][2])
    assert result.compared >= 3
    check_located(rec)
    assert sec.component == "platform" and sec.summary


def nvidia_body(count, regs, signature=b"PCIe-DPC") -> bytes:
    head = signature.ljust(16, b"\0") + struct.pack("<HHBBBBQ", 7, 2, 1, 1, count, 0, 0x1000)
    return head + b"".join(struct.pack("<QQ", a, v) for a, v in regs)


def test_nvidia_summary_and_registers():
    rec = decode_record(build_record(NVIDIA_GUID, nvidia_body(1, [(0x10, 0x20)])))
    sec = rec.sections[0]
    assert sec.summary == "NVIDIA PCIe-DPC error (fatal) on socket 1, type 7 instance 2"
    assert sec.fields["registers"] == [{"address": 0x10, "value": 0x20}]
    assert not section_findings(rec)


def test_nvidia_register_count_beyond_the_section_is_an_error():
    rec = decode_record(build_record(NVIDIA_GUID, nvidia_body(200, [(1, 2)])))
    check_located(rec)
    err = [f for f in section_findings(rec) if f.code == "count-exceeds-section"]
    assert err and (err[0].offset, err[0].length) == (222, 1)
    assert len(rec.sections[0].fields["registers"]) == 1


@settings(max_examples=120, deadline=None)
@given(kind=st.sampled_from(["ampere", "nvidia"]), cut=st.integers(0, 140),
       flips=st.lists(st.tuples(st.integers(0, 139), st.integers(0, 255)), max_size=6),
       count=st.integers(0, 255), declared_more=st.booleans())
def test_truncated_and_mutated_bodies_never_raise(kind, cut, flips, count, declared_more):
    guid, body = section_body(f"libcper-generated/{kind}/002.cper")
    words = [(22, 1, count)] if kind == "nvidia" else []
    body = mutate(body + bytes(12), cut, flips, words)
    decode_bad_body(guid, body, declared_length=len(body) + 16 if declared_more and body else None)
