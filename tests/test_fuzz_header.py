"""Property tests: no mutated or truncated record makes the decoder raise."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vectorlib import DWR_CPER, LIBCPER_FULL

from whea_gui.decode import decode_buffer, record_to_json
from whea_gui.decode.record import decode_record

SEEDS = [p.read_bytes() for p in DWR_CPER + LIBCPER_FULL[::25]]


def _check(data: bytes) -> None:
    for rec in decode_buffer(data):
        record_to_json(rec)
        for node in rec.root.walk():  # builds every lazy child too
            assert node.offset >= 0 and node.length >= 0
            assert node.offset + node.length <= len(rec.data)
        for f in rec.findings:
            assert f.offset >= 0 and f.length >= 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), edits=st.lists(
    st.tuples(st.integers(0, 4095), st.integers(0, 255)), max_size=12),
    cut=st.integers(0, 5000))
def test_mutated_records_never_raise(seed, edits, cut):
    data = bytearray(seed)
    for pos, val in edits:
        if data:
            data[pos % len(data)] = val
    _check(bytes(data[:cut]))


@settings(max_examples=200, deadline=None)
@given(count=st.integers(0, 0xFFFF), length=st.integers(0, 0xFFFFFFFF),
       offset=st.integers(0, 0xFFFFFFFF), slen=st.integers(0, 0xFFFFFFFF))
def test_hostile_counts_and_lengths(count, length, offset, slen):
    data = bytearray(SEEDS[0])
    data[10:12] = count.to_bytes(2, "little")
    data[20:24] = length.to_bytes(4, "little")
    data[128:132] = offset.to_bytes(4, "little")
    data[132:136] = slen.to_bytes(4, "little")
    _check(bytes(data))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_with_cper_signature(tail):
    _check(b"CPER" + tail)
    _check(b"WhLg" + tail)


def test_bitflip_sweep_over_every_header_and_descriptor_byte():
    """Each header/descriptor byte is covered by a located field whose value follows a flip."""
    rng = random.Random(7)
    base = next(s for s in SEEDS if s[10] >= 4)
    for pos in range(4, 128 + 72 * base[10]):  # past the signature (a flip there means "not CPER")
        data = bytearray(base)
        data[pos] ^= 1 << rng.randrange(8)
        # keep the records alive: nodes hold only weak links to their parents
        rec_before, rec_after = decode_record(base), decode_record(bytes(data))
        before = rec_before.root.deepest_at(pos)
        after = rec_after.root.deepest_at(pos)
        assert before is not None and after is not None, pos
        # compare whole fields, not a bit child (a flipped reserved bit adds one)
        while before.kind == "bit":
            before = before.parent
        while after.kind == "bit":
            after = after.parent
        assert (before.offset, before.length) == (after.offset, after.length)
        assert before.offset <= pos < before.offset + before.length
        assert (before.value, before.display) != (after.value, after.display), before
