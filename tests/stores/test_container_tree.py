"""The container's located tree says what it shows: every map entry holding a RecordID is a
node (a header slot's too), a variable's extent matches its findings with the alignment padding
as its own field, the summary counts HwErrRec variables by state, free space is labelled against
the same capacity `stats` shows; the structure window shows the selected place; a report's
Source line is words, not a Python dict."""

from __future__ import annotations

import shutil
import struct

from whea_gui.decode import decode_record
from whea_gui.formats import edk2_varstore as vs
from whea_gui.formats import erst_container as ec
from whea_gui.report.detail import record_detail
from whea_gui.report.markdown import detail_markdown
from whea_gui.sources.registry import iter_file
from whea_gui.store.erst import ErstStore, format_header
from whea_gui.store.varstore import VarStore


def rid(data: bytes) -> int:
    return struct.unpack_from("<Q", data, 96)[0]


def test_the_map_node_shows_every_entry_with_a_record_id(tmp_path, real_records):
    path = tmp_path / "e.bin"
    with ErstStore(path) as store:
        for r in real_records[:3]:
            assert store.write_error_record(r).ok
    lay = ec.parse(path.read_bytes())
    tree = ec.container_record(path.read_bytes())
    m = tree.root.find("map")
    assert [c.name for c in m.children] == [f"map_{s.index}" for s in lay.live()]
    assert "8 entries, 3 hold a RecordID" in m.display and "entry 0 describes" in m.display
    # a 4 KiB-slot file whose header slot's map entry holds a RecordID
    size, slot = 64 << 10, 4096
    data = bytearray(format_header(size, slot)) + bytearray(size - len(format_header(size, slot)))
    struct.pack_into("<Q", data, 24 + 8 * 0, 0x1234)
    tree = ec.container_record(bytes(data))
    entry = tree.root.find("map.map_0")
    assert entry is not None and entry.value == 0x1234 and not entry.valid
    assert any(f.code == "erst-map-stray" and f.offset == entry.offset for f in tree.findings)


def test_variable_extents_match_findings_and_padding_is_a_field(tmp_path, real_records,
                                                               ovmf_templates):
    path = tmp_path / "v.fd"
    shutil.copyfile(ovmf_templates[0], path)
    odd = next(r for r in real_records if len(r) % 4)
    with VarStore(path, in_place=True) as store:
        assert store.write_error_record(odd).ok
        assert store.write_error_record(real_records[0] if real_records[0] != odd
                                        else real_records[1]).ok
        assert store.clear_error_record(rid(odd)) == 0
        capacity = store.stats()["max_bytes"]
    data = path.read_bytes()
    lay = vs.parse(data)
    tree = vs.container_record(data)
    hw = [v for v in lay.variables if v.is_hw_error]
    i = lay.variables.index(hw[0])
    node = tree.root.find(f"variables.variable_{i}")
    deleted = next(f for f in tree.findings if f.code == "var-deleted")
    assert (node.offset, node.length) == (deleted.offset, deleted.length)
    pad = tree.root.find(f"variables.padding_{i}")
    assert pad.offset == hw[0].end and pad.length == vs.align4(hw[0].end) - hw[0].end > 0
    assert "2 of them HwErrRec (1 live, 1 deleted)" in tree.summary
    free = lay.store_end - lay.free_offset
    assert f"{free} of {capacity} bytes of variable space free" in tree.summary


def test_the_report_source_line_is_words(tmp_path, real_records, ovmf_templates):
    path = tmp_path / "v.fd"
    shutil.copyfile(ovmf_templates[0], path)
    with VarStore(path, in_place=True) as store:
        assert store.write_error_record(real_records[0]).ok
    ref = next(iter(iter_file(str(path))))
    rec = decode_record(ref.data, source=ref.source)
    text = detail_markdown(record_detail(rec, 1), [])
    line = next(x for x in text.splitlines() if x.startswith("Source:")).replace("\\", "")
    assert "NV|BS|RT|HR" in line and "[" not in line and "attribute names" in line


def test_the_structure_window_shows_the_selected_place(qtbot, tmp_path, real_records):
    from whea_gui.ui.container_view import ContainerView, container_record

    path = tmp_path / "e.bin"
    with ErstStore(path) as store:
        assert store.write_error_record(real_records[0]).ok
    view = ContainerView(container_record(str(path)))
    qtbot.addWidget(view)
    assert view.status.text().startswith("Offset 0x0 (0)") and "file 0x10000" in view.status.text()
    node = view.rec.root.find("header.record_count")
    view.select_node(node)
    assert view.status.text().startswith("Offset 0x14 (20) · 4 bytes · Record count")
    view.close()


def test_the_erst_summary_counts_add_up_to_the_slots(tmp_path, real_records):
    """A cleared record's slot is free to QEMU (its next write may take it) although the bytes
    are still there: the summary counts it once, among the free slots, and says so."""
    path = tmp_path / "e.bin"
    with ErstStore(path) as store:
        for r in real_records[:4]:
            assert store.write_error_record(r).ok
        assert store.clear_error_record(rid(real_records[1])) == 0
    lay = ec.parse(path.read_bytes())
    total = lay.slot_count - lay.first_index
    summary = ec.container_record(path.read_bytes()).summary
    assert len(lay.live()) == 3 and len(lay.cleared()) == 1
    assert summary.startswith(f"ERST backing file: 3 records, {total - 3} free slots (1 of them "
                              "still holding a cleared record")
    assert f"{total} slots of {lay.slot_size} bytes" in summary
