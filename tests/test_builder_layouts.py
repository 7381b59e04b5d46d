"""The builder packs section bodies with the decoder's layouts under the JSON names, so the
decoder's JSON of a body packs back to the same bytes (one description of each body)."""

from __future__ import annotations

import random

import pytest

from whea_gui.compose.bodies import io
from whea_gui.compose.generate import generate_records
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode import decode_record
from whea_gui.formats.sections import _pcie_regs as regs
from whea_gui.formats.sections import pcie


@pytest.mark.parametrize("seed", range(6))
def test_pcie_json_packs_back_to_the_same_body(seed):
    for data in generate_records(["pcie"], count=8, seed=seed):
        rec = decode_record(data)
        sec = rec.sections[0]
        assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
        assert io.pcie_body(sec.fields) == data[sec.body.offset:sec.body.end]


def test_pcie_registers_land_where_the_decoder_reads_them():
    r = random.Random(5)
    cap = {f.name: r.getrandbits(8 * f.size) for f in regs.CAPABILITY.fields}
    aer = {f.name: r.getrandbits(32) for f in regs.AER_HEAD.fields if not f.name.startswith("header_log")}
    aer["advanced_error_capabilities_and_control"] &= ~(1 << 18)  # TLP prefix log, not flit mode
    aer["header_log"] = [r.getrandbits(32) for _ in range(4)]
    aer["tlp_prefix_log"] = [r.getrandbits(32) for _ in range(4)]
    # all valid bits but bit 3: the device ID in its RCRB form (bit 8)
    values = {"validation_bits": 0x3F7, "port_type": 6, "version": 0x0400,
              "command_status": {"raw": 0x00100547}, "rcrb_high_address": 0x12,
              "device_id": {"vendor_id": 0x8086, "device_id": 0x1234, "class_code": 0x060400,
                            "rcrb_low_address": 0xFED1_C000, "primary_bus": 3, "secondary_bus": 4,
                            "slot": 9},
              "device_serial_number": 0x1122334455667788, "bridge_control_status": 0x00100000,
              "capability_structure": cap, "aer_info": aer}
    body = io.pcie_body(values)
    assert len(body) == 208
    head = pcie.HEAD.unpack(body)
    assert head["port_type"] == 6 and head["command_status"] == 0x00100547
    dev = pcie.DEVICE_ID_RCRB.unpack(body, pcie.OFF_DEVICE_ID)
    assert dev["rcrb_low_address"] == 0xFED1_C000 and dev["slot"] == 9 << 3
    assert regs.CAPABILITY.unpack(body, pcie.OFF_CAPABILITY) == cap
    got = regs.AER_HEAD.unpack(body, pcie.OFF_AER)
    assert [got[f"header_log_{i}"] for i in range(4)] == aer["header_log"]
    sec = decode_record(_record(body)).sections[0]
    assert sec.fields["device_id"]["rcrb_base_address"] == 0x12_FED1_C000
    assert sec.fields["aer_info"]["tlp_prefix_log"] == aer["tlp_prefix_log"]
    assert io.pcie_body(sec.fields) == body


def _record(body: bytes) -> bytes:
    parts = [SectionPart(make_descriptor(pcie.PCIE_GUID, severity=2), body)]
    return assemble(make_header(severity=2), parts)


def test_every_kind_generates_the_bytes_it_always_gave():
    """Pinned before the builders moved to the decoder's layouts (same bytes after). If this
    changes and the generator did not: a decoder Layout field was renamed and the builder now
    packs zero for the old name; rename it in build/bodies too. Re-pinned once on purpose when
    generated records were made self-consistent (audit F2-F4): only xpf-mca (and the kinds it
    accompanies: processor-generic, recovery-info), memory (its extension companion), the memory
    extensions, cxl-media/cxl-dram and pcie-summary (one entry per device) changed; every other
    kind's bytes are as before."""
    import hashlib

    from whea_gui.compose.generate import all_kinds
    digest = hashlib.sha256()
    for kind in all_kinds(standalone=False):
        for data in generate_records([kind], count=6, seed=11):
            digest.update(data)
    assert digest.hexdigest() == "0e6ea38e054b6e55c8ede37eefabbc95a028ea955de85459af835266003cf6b0"


@pytest.mark.parametrize("revision", [0x0201, 0x0300])
def test_status_block_entries_carry_the_section_where_the_decoder_reads_it(revision):
    """build.status_block packs with formats.gesb's layouts: a block holding each section of
    generated records decodes to those sections, with their descriptors' type, severity and
    FRU fields, and nothing swallowed."""
    from whea_gui.compose.layout import split_record
    from whea_gui.compose.status_block import entry_for_section, status_block
    from whea_gui.formats.cper import DESCRIPTOR
    for data in generate_records(["memory", "pcie", "arm"], count=6, seed=11):
        _, parts = split_record(data)
        block = status_block([entry_for_section(p.descriptor, p.body, revision=revision,
                                                timestamp=bytes(range(8))) for p in parts],
                             severity=parts[0].severity, raw=b"raw!")
        rec = decode_record(block, source={"kind": "gesb"})
        assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
        assert not [f for f in rec.findings if f.level == "error"], rec.findings
        assert len(rec.sections) == len(parts)
        for sec, part in zip(rec.sections, parts):
            d = DESCRIPTOR.unpack(part.descriptor)
            assert block[sec.body.offset:sec.body.end] == part.body
            assert sec.type_guid == part.type_guid and sec.values["severity"] == d["severity"]


def test_layout_read_and_write_touch_one_field_in_place():
    from whea_gui.formats.cper import DESCRIPTOR, HEADER
    data = bytearray(next(iter(generate_records(["memory"], count=1, seed=3))))
    HEADER.write(data, "record_id", 0x1122334455667788)
    DESCRIPTOR.write(data, "severity", 1, HEADER.size)
    rec = decode_record(bytes(data))
    assert rec.header["record_id"] == 0x1122334455667788 and rec.sections[0].values["severity"] == 1
    assert HEADER.read(data, "record_id") == 0x1122334455667788
    assert DESCRIPTOR.read(data, "severity", HEADER.size) == 1
    assert HEADER.read(data, "signature_start") == b"CPER"
