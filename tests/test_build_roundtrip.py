"""The same layout definitions build bytes: decode → build is byte-identical for headers and
descriptors of every vector, and construct parses what the fast path decodes."""

import struct

import pytest
from vectorlib import DWR_CPER, LIBCPER_FULL, ids

from whea_gui.formats.cper import DESCRIPTOR, DESCRIPTOR_SIZE, HEADER, HEADER_SIZE

ALL = DWR_CPER + LIBCPER_FULL


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_header_and_descriptors_rebuild_identically(path):
    data = path.read_bytes()
    values = HEADER.unpack(data, 0)
    assert HEADER.pack(values) == data[:HEADER_SIZE]
    parsed = HEADER.construct.parse(data[:HEADER_SIZE])
    assert {k: parsed[k] for k in values} == values
    assert HEADER.construct.build(parsed) == data[:HEADER_SIZE]
    count = struct.unpack_from("<H", data, 10)[0]
    for i in range(count):
        off = HEADER_SIZE + DESCRIPTOR_SIZE * i
        dv = DESCRIPTOR.unpack(data, off)
        assert DESCRIPTOR.pack(dv) == data[off:off + DESCRIPTOR_SIZE]
