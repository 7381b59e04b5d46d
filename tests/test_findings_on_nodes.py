"""Each finding knows the node it judges and each node lists its findings (Wireshark's expert
info on tree items): given by the decoder, or the deepest non-bit node covering the bytes."""

from __future__ import annotations

import pytest
from vectorlib import in_status_block, load_golden_tool

from whea_gui.core.model import NOTE, WARNING, FieldNode, new_record
from whea_gui.decode import decode_record
from whea_gui.sources import iter_path

golden = load_golden_tool()
VECTORS = golden.vector_files()
CMC = golden.VECTORS / "DecodeWheaRecord" / "cper_cmc_amd_xpfmca_v2r1.bin"


def _check(rec) -> int:
    """After every lazy child has been made (findings placed by their bytes move down as
    children appear), each finding sits on the deepest non-bit node covering its bytes."""
    nodes = list(rec.root.walk())
    for f in rec.findings:
        node = f.node
        assert node is not None, f
        assert f in node.findings
        end = f.offset + max(f.length, 1)
        if node is not rec.root:
            assert node.offset <= f.offset and end <= node.end, (f, node)
            assert node.kind != "bit"
        # deepest: no non-bit child covers the whole range (unless the decoder chose the node)
        assert not any(c.kind != "bit" and c.length > 0 and c.offset <= f.offset and end <= c.end
                       for c in node.children) or f.code == "decoder-failed", (f, node)
    attached = [f for n in nodes for f in (n.findings or ())]
    assert sorted(map(id, attached)) == sorted(map(id, rec.findings))
    return len(rec.findings)


@pytest.mark.parametrize("path", VECTORS, ids=[str(p.relative_to(golden.VECTORS)) for p in VECTORS])
def test_every_finding_of_every_vector_sits_on_the_node_it_judges(path):
    for ref in iter_path(str(path), on_problem=lambda _p: None):
        _check(decode_record(ref.data, source=ref.source))


def test_a_reserved_validation_bit_judges_the_byte_not_one_of_its_bits():
    data = bytearray(CMC.read_bytes())
    data[128 + 10] |= 0xF0  # descriptor 0: reserved validation bits
    rec = decode_record(bytes(data))
    f = next(f for f in rec.findings if f.code == "reserved" and f.offset == 138)
    assert f.node.path == "descriptor_0"  # its fields are not made yet
    list(rec.root.walk())  # make every lazy node, flag bits too
    assert f.node.path == "descriptor_0.valid_bits"
    _check(rec)


def test_findings_move_down_when_lazy_children_are_made():
    """Placing findings must not build the lazy nodes (listing records stays cheap): a header
    finding waits on the header node until its fields are made, then sits on its field."""
    data = bytearray(CMC.read_bytes())
    data[6:10] = (0xFFFF_FFFE).to_bytes(4, "little")  # signature end: not 0xFFFFFFFF
    rec = decode_record(bytes(data))
    f = next(f for f in rec.findings if f.offset == 6)
    header = next(c for c in rec.root.children if c.name == "header")
    assert header._children is None and f.node is header
    assert header.find("signature_end") is not None  # makes the header's children
    assert f.node.path == "header.signature_end" and f in f.node.findings
    assert f not in (header.findings or [])


def test_a_node_given_by_the_decoder_wins_and_later_findings_are_attached_too():
    def decode(rec, buf, n):
        a = rec.root.add(FieldNode("a", "A", 1, "1", 0, 4))
        b = a.add(FieldNode("b", "B", 1, "1", 0, 2))
        rec.add_finding(WARNING, "about a, by the decoder", 0, 2, "reserved", node=a)
        rec.add_finding(NOTE, "about b's bytes", 0, 2, "reserved")
        assert b.findings is None  # positional attachment waits until the tree is built

    rec = new_record(bytes(8), "unknown", "record", "Record", None, decode)
    a = rec.root.find("a")
    b = rec.root.find("a.b")
    assert [f.message for f in a.findings] == ["about a, by the decoder"]
    assert [f.message for f in b.findings] == ["about b's bytes"]
    late = rec.add_finding(NOTE, "past the tree", 6, 2, "trailing")
    assert late.node is rec.root and late in rec.root.findings
    assert rec.findings[0].as_json() == {"level": WARNING, "message": "about a, by the decoder",
                                         "offset": 0, "length": 2, "code": "reserved"}


def test_findings_held_back_per_code_keep_the_first_ones_node():
    def decode(rec, buf, n):
        node = rec.root.add(FieldNode("x", "X", 0, "0", 0, 4))
        for _ in range(300):
            rec.add_finding(NOTE, "again", 0, 4, "reserved", node=node)

    rec = new_record(bytes(8), "unknown", "record", "Record", None, decode)
    limit = next(f for f in rec.findings if f.code == "output-limit")
    assert limit.node is rec.root.find("x")
    _check(rec)


SINGLE = sorted((golden.VECTORS / "libcper-generated" / "single-section").glob("*.cper"))


@pytest.mark.parametrize("path", SINGLE, ids=lambda p: p.stem)
def test_findings_of_nested_sections_sit_on_nodes_too(path):
    """A status block's entries are decoded through the nested-section wrapper (TaggedRecord),
    which must pass the node on."""
    rec = decode_record(in_status_block(path.read_bytes()), source={"format": "gesb"})
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    _check(rec)
