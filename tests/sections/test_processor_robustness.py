"""Bad processor/firmware section bodies never raise: truncated bodies and hostile counts give a
partial located tree plus findings whose byte ranges lie inside the body."""

import json
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from procsec_build import body_of, check_located, wrap
from procsec_oracle import vector_files
from test_arm_ras import ms_node

from whea_gui.decode import decode_record, record_to_json
from whea_gui.formats.sections import arm, arm_ras, firmware_reference, ia32x64, ipf
from whea_gui.formats.sections import processor_generic as generic

KEYS = {"GenericProcessor": generic.GUID, "Ia32x64Processor": ia32x64.GUID,
        "ArmProcessor": arm.GUID, "ArmRas": arm_ras.GUID, "Firmware": firmware_reference.GUID}


def _seed_bodies():
    seeds = []
    for key, guid in KEYS.items():
        paths = vector_files(key)
        for p in paths[:1] + paths[1:22:4]:  # the example plus a spread of generated ones
            data = p.read_bytes()
            if struct.unpack_from("<H", data, 10)[0] == 1:
                seeds.append((guid, body_of(data)))
    seeds.append((arm_ras.MS_GUID, ms_node()))
    seeds.append((ipf.GUID, bytes(range(64))))
    dwr = vector_files("GenericProcessor")[0].parents[1] / "DecodeWheaRecord"
    zen4 = (dwr / "cper_cmci_amd_zen4_xpfmca_v4.bin").read_bytes()
    seeds.append((generic.GUID, zen4[416:608]))
    seeds.append((ia32x64.GUID, zen4[608:832]))
    return seeds


SEEDS = _seed_bodies()
# offsets of counts, lengths and offsets inside each body: the fields worth attacking
COUNT_FIELDS = {
    ia32x64.GUID: [(0, 2)],
    arm.GUID: [(4, 2), (6, 2), (8, 4), (41, 1), (44, 1)],
    arm_ras.GUID: [(8, 4), (12, 2), (14, 2)],
    arm_ras.MS_GUID: [(0, 4)],
    firmware_reference.GUID: [(1, 1)],
}


def _decode_and_check(guid: str, body: bytes, declared: int | None = None) -> None:
    rec = decode_record(wrap(body, guid, declared_length=declared))
    json.dumps(record_to_json(rec, with_tree=True))  # fields are plain JSON values
    assert not [f for f in rec.findings if f.code in ("decoder-failed", "internal")], rec.findings
    if not body:
        return
    sec = rec.sections[0]
    assert sec.fields is not None and sec.summary
    assert sec.body.children  # a partial tree, never an empty body
    check_located(rec)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), cut=st.integers(1, 800), keep_declared=st.booleans())
def test_truncated_bodies(seed, cut, keep_declared):
    guid, body = seed
    short = body[:cut]
    # either the descriptor agrees with the short body, or it still declares the full length
    # (the record itself is then truncated)
    _decode_and_check(guid, short, len(body) if keep_declared else None)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from([s for s in SEEDS if s[0] in COUNT_FIELDS]), data=st.data())
def test_hostile_counts(seed, data):
    guid, body = seed
    body = bytearray(body)
    for off, size in COUNT_FIELDS[guid]:
        if data.draw(st.booleans()) and off + size <= len(body):
            value = data.draw(st.integers(0, (1 << 8 * size) - 1))
            body[off:off + size] = value.to_bytes(size, "little")
    _decode_and_check(guid, bytes(body))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS),
       edits=st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 255)), min_size=1,
                      max_size=16))
def test_random_byte_edits(seed, edits):
    guid, body = seed
    body = bytearray(body)
    for pos, value in edits:
        body[pos % len(body)] = value
    _decode_and_check(guid, bytes(body))


@settings(max_examples=150, deadline=None)
@given(guid=st.sampled_from(sorted({g for g, _ in SEEDS})), body=st.binary(max_size=400))
def test_random_bodies(guid, body):
    _decode_and_check(guid, body)


def test_context_walk_with_huge_counts_stays_bounded():
    # ARM CONTEXT_INFO_NUM 65535 with zero-size contexts: one pass, every one located
    body = struct.pack("<IHHIB3xQQII", 0, 0, 0xFFFF, 40 + 8 * 300, 0, 0, 0, 0, 0)
    body += struct.pack("<HHI", 0, 3, 0) * 300
    rec = decode_record(wrap(body, arm.GUID))
    assert len(rec.sections[0].fields["context_info"]) == 300
    assert any(f.code == "count-overrun" for f in rec.findings)
    check_located(rec)
