"""The inspector session without Qt: collection, filter, following the listed records, field
selection by tree or byte, edits and their modified state, problems, provenance labels."""

import numpy as np
from vectorlib import VECTORS

from whea_gui.compose import new_record
from whea_gui.session import InspectorSession, nearest_visible
from whea_gui.session.labels import offset_text, problems_status, source_label
from whea_gui.session.recordquery import RecordFilter, filter_rows
from whea_gui.session.recordset import make_batch
from whea_gui.sources import Problem, RecordRef, iter_path


def _session(kinds=("memory", "pcie", "memory", "processor-generic")):
    s = InspectorSession()
    refs = [RecordRef(new_record(k, seed=i), {"path": f"r{i}.cper", "offset": 0, "kind": "raw"})
            for i, k in enumerate(kinds)]
    s.add_batch(make_batch(refs))
    return s


def _record(events):
    seen = []
    for name in ("collection", "filter", "current", "record", "field", "hover", "modified",
                 "problems"):
        getattr(events, name).connect(lambda *a, _n=name: seen.append((_n, a)))
    return seen


def test_the_session_imports_no_qt():
    import ast
    from pathlib import Path

    import whea_gui.session
    pkg = Path(whea_gui.session.__file__).parent
    for path in pkg.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith(("PySide", "PyQt", "pyqtgraph")) or ".ui" in n
                           for n in names), (path.name, names)


def test_adding_and_resetting_the_collection_tells_observers():
    s = _session()
    seen = _record(s.events)
    assert len(s.records) == 4
    s.set_filter(RecordFilter(text="pci"))
    assert s.select(1)
    assert not s.select(1)  # the same record again: no event
    s.reset()
    assert len(s.records) == 0 and s.current == -1 and s.filter == RecordFilter()
    names = [n for n, _ in seen]
    assert names == ["filter", "current", "collection", "filter", "current"]


def test_nearest_visible_record():
    rows = np.array([7, 2, 9])
    assert nearest_visible(2, rows) == 2  # still listed: kept
    assert nearest_visible(5, rows) == 7  # |7-5| = 2 < |2-5| = 3
    assert nearest_visible(8, rows) == 7  # a tie (7, 9): the earlier record
    assert nearest_visible(-1, rows) == 7  # nothing shown: the first listed
    assert nearest_visible(3, np.array([], dtype=np.int64)) == -1


def test_filtering_out_the_shown_record_shows_the_nearest_listed_one():
    s = _session()
    s.select(1)  # the PCIe record
    s.set_filter(RecordFilter(text="memory"))
    rows = filter_rows(s.records, s.filter)
    assert list(rows) == [0, 2]
    assert s.follow_visible(rows) == 0
    assert s.record.data == s.records.data(0)
    s.set_filter(RecordFilter(text="no such thing"))
    assert s.follow_visible(filter_rows(s.records, s.filter)) == -1
    assert s.record is None


def test_time_range_is_part_of_the_filter():
    s = _session()
    s.set_time_range(10, 20)
    assert (s.filter.time_from, s.filter.time_to) == (10, 20) and s.filter.active
    s.clear_filter()
    assert not s.filter.active


def test_tree_and_byte_selection_without_flags():
    s = _session()
    s.select(0)
    seen = _record(s.events)
    node = s.record.root.find("header.severity")
    s.select_field(node)
    assert s.selection.path == "header.severity" and s.selection.cursor is None
    assert s.selection.scroll
    s.click_byte(node.offset)  # a click on the field's byte: the cursor is that byte, no scroll
    assert s.selection.cursor == node.offset and not s.selection.scroll
    s.select_field(node)  # the tree echoing the same field: keeps the clicked cursor, no event
    assert s.selection.cursor == node.offset
    assert [n for n, _ in seen] == ["field", "field"]
    s.hover_byte(node.offset)
    assert s.hovered is not None and s.hovered.path == "header.severity"
    s.hover_byte(-1)
    assert s.hovered is None


def test_edits_mark_records_modified_until_saved_or_discarded():
    s = _session()
    s.select(2)
    seen = _record(s.events)
    ed = s.editor()
    assert not s.is_modified(2) and s.modified_records() == set()
    before = s.records.data(2)
    ed.set_field("header.record_id", 4242)
    s.record_edited()
    assert s.modified_records() == {2}
    assert s.record.data == bytes(ed.data) != before
    assert s.changed_runs() and s.original(2) == before
    assert ("modified", ({2},)) in seen
    s.mark_saved(2)
    assert s.modified_records() == set()
    ed.set_field("header.record_id", 7)
    s.record_edited()
    s.discard_edits()
    assert s.modified_records() == set() and s.record.data == before
    ed2 = s.editor()
    ed2.set_field("header.record_id", 9)
    ed2.undo()
    assert not s.is_modified(2)  # undone back to the opened bytes: nothing to lose


def test_problems_are_kept_and_counted():
    s = InspectorSession()
    problems = []
    list(iter_path(VECTORS / "malformed", problems.append))
    assert problems  # the malformed vectors give load problems
    for p in problems:
        s.add_problem(p)
    assert len(s.problems) == len(problems)
    s.add_problem(Problem("x.bin", 12, "bad", "error"))
    counts = s.problem_counts()
    assert counts["error"] >= 1
    assert "1 error" in problems_status([Problem("x", 1, "m", "error")])
    assert problems_status([]) == ""


def test_provenance_labels_say_what_an_offset_is():
    raw = {"path": "/a/b.bin", "offset": 4096, "kind": "raw"}
    assert source_label(raw) == "b.bin @4096"
    assert offset_text(raw, 16).endswith("file 0x1010 (4112)")
    event = {"path": "/logs/System.evtx", "offset": 4608, "kind": "evtx", "event_record_id": 77,
             "event_id": 19}
    assert source_label(event) == "System.evtx · event 77"
    text = offset_text(event, 16)
    assert "event 77 RawData +16" in text and "file" not in text
    table = {**event, "event_id": 5, "field": "ErrorSourceTable", "format": "error_source_table"}
    assert "event 77 ErrorSourceTable +16" in offset_text(table, 16)  # the field the bytes are
    store = {"path": "/s/x.wheastore", "offset": 0, "kind": "store", "record_id": 0x1234}
    assert "@0" not in source_label(store) and "0x0000000000001234" in source_label(store)
    assert "file" not in offset_text(store, 3)
    store["origin_path"] = "/logs/host-1.bin"
    assert source_label(store) == "host-1.bin · store record 0x0000000000001234"
    # an ERST slot's record and a variable's data are bytes of the file, not text
    for kind in ("erst", "uefi-varstore"):
        assert offset_text({"path": "/f/e.bin", "offset": 8192, "kind": kind}, 16) \
            .endswith("file 0x2010 (8208)")


def test_loosening_a_filter_that_listed_nothing_shows_a_record_again():
    s = _session()
    s.select(1)
    s.set_filter(RecordFilter(text="no such thing"))
    assert s.follow_visible(filter_rows(s.records, s.filter)) == -1
    s.set_filter(RecordFilter(text="memory"))  # records [0, 2]: the nearest to record 1 is 0
    assert s.follow_visible(filter_rows(s.records, s.filter)) == 0
    assert s.record.data == s.records.data(0)
    s.select(-1)  # the user chose none: a sort does not pick one
    assert s.follow_visible(filter_rows(s.records, s.filter)) == -1
    # but a filter change that lists records shows the first listed one
    assert s.follow_visible(filter_rows(s.records, s.filter), filtered=True) == 0


def test_load_status_counts_files_without_records_before_the_first_error():
    from whea_gui.session.labels import load_status

    probs = [Problem("/a/very/long/folder/m01-empty.cper", 0, "the input is empty", "error"),
             Problem("/a/very/long/folder/m00.bin", 512, "trailing bytes", "warning")]
    text = load_status(1, 1, probs, ["/a/very/long/folder/m00.bin"])
    assert text.startswith("Loaded 1 record; 1 in all; 1 file skipped: no record read; problems:")
    assert text.endswith("first error: m01-empty.cper @0: the input is empty")


def test_offset_words_for_text_inputs_do_not_repeat_text():
    src = {"path": "r.txt", "offset": 40, "kind": "text"}
    assert "decoded from text text" not in offset_text(src, 3)
    assert "decoded from text that starts at byte 40" in offset_text(src, 3)
