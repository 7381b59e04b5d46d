"""A device without an end (/dev/zero) is read up to a limit and reported, never spilled to
disk without bound; the bytes read before the limit are still searched for records. Pipes have
no limit (the user's own stream)."""

from __future__ import annotations

import io
import os

import pytest

from whea_gui.cli import main
from whea_gui.compose import new_record
from whea_gui.sources import base


class Endless(io.RawIOBase):
    """A stream that never ends: the given bytes, then zeros forever."""

    def __init__(self, prefix: bytes = b"") -> None:
        self.prefix = prefix
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = len(buf)
        head = self.prefix[self.served:self.served + n]
        buf[:len(head)] = head
        buf[len(head):n] = bytes(n - len(head))
        self.served += n
        return n


def test_stream_stops_at_the_limit_and_says_so():
    record = new_record("memory")
    src = Endless(record)
    inp = base._stream_input("endless", io.BufferedReader(src), limit=3 << 20)
    assert inp.size == 3 << 20 and inp.cut_at == 3 << 20
    assert bytes(inp.buf[:len(record)]) == record
    problem = inp.cut_problem()
    assert problem.level == "error" and problem.offset == 3 << 20
    assert "did not end" in problem.message and problem.path == "endless"
    assert src.served <= (3 << 20) + base.READ_CHUNK + 1  # read no further than needed


def test_the_limit_holds_past_the_memory_spool(monkeypatch):
    monkeypatch.setattr(base, "SPOOL_MEMORY", 1 << 20)  # the spill-to-file path
    inp = base._stream_input("endless", io.BufferedReader(Endless()), limit=5 << 20)
    try:
        assert inp.size == 5 << 20 and inp.cut_at == 5 << 20
    finally:
        base._close(inp)


def test_a_stream_that_ends_at_the_limit_is_not_cut():
    data = b"x" * 1000
    inp = base._stream_input("short", io.BytesIO(data), limit=1000)
    assert inp.cut_at is None and inp.cut_problem() is None and inp.data() == data


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_decode_dev_zero_ends_with_a_problem(monkeypatch, capsys):
    # and from standard input: `whea decode - < /dev/zero`
    monkeypatch.setattr(base, "MAX_DEVICE", 8 << 20)
    rc = main(["decode", "/dev/zero"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "/dev/zero" in err and "did not end" in err


def test_limit_applies_to_devices_only(tmp_path):
    with open(os.devnull, "rb") as dev:
        assert base._device_limit(dev) == base.MAX_DEVICE
    r, w = os.pipe()
    try:
        with os.fdopen(r, "rb") as pipe:
            assert base._device_limit(pipe) is None
    finally:
        os.close(w)
    with open(tmp_path / "x", "wb") as fh:
        assert base._device_limit(fh) is None
