"""File → Export report: the dialog says what will be exported (all, the filtered list, the
selected record) with numbers, and the report's header records the filter that produced it."""

import json

from conftest import VECTORS, load
from PySide6.QtWidgets import QFileDialog

from whea_gui.ui import export


def _export(window, monkeypatch, out, pick, detail=False, selected=False):
    seen = {}

    def choose(dialog):
        seen["labels"] = {name: getattr(dialog, name).text() for name in ("all", "filtered", "selected")}
        seen["visible"] = {name: not getattr(dialog, name).isHidden()
                           for name in ("all", "filtered", "selected")}
        seen["default"] = dialog.choice()
        getattr(dialog, pick).setChecked(True)
        dialog.detail.setChecked(detail)
        return True

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    export.export_dialog(window, selected=selected, choose=choose)
    return seen


def test_export_dialog_names_the_records_and_the_report_records_the_filter(
        qtbot, window, tmp_path, monkeypatch):
    load(qtbot, window, [VECTORS / "DecodeWheaRecord"])
    panel = window.records_panel
    total = len(panel.records)
    out = tmp_path / "all.json"
    seen = _export(window, monkeypatch, out, "all")
    assert seen["labels"]["all"] == f"All {total:,} loaded records"
    assert seen["visible"] == {"all": True, "filtered": False,  # no filter set: not offered
                               "selected": window.current_record is not None}
    doc = json.loads(out.read_text())
    assert len(doc["records"]) == total and "window" not in doc["filters"]
    # the header names the files the window loaded, not "(records given directly)"
    loaded = sorted(str(p) for p in (VECTORS / "DecodeWheaRecord").rglob("*") if p.is_file())
    assert doc["inputs"] and set(doc["inputs"]) <= set(loaded)

    panel.text.setText("xpf mca")
    panel.apply_filter()
    qtbot.waitUntil(lambda: panel.model.search_progress() is None, timeout=30_000)
    listed = panel.model.rowCount()
    assert 0 < listed < total
    window.select_record(1)
    out = tmp_path / "filtered.json"
    seen = _export(window, monkeypatch, out, "filtered")
    assert seen["default"] == "filtered"  # with a filter set, the filtered list is proposed
    assert seen["labels"]["filtered"] == (f"The {listed:,} records the list shows, filtered by "
                                          "text “xpf mca”")
    doc = json.loads(out.read_text())
    assert len(doc["records"]) == listed
    assert doc["filters"]["window"] == (f"the {listed:,} of {total:,} records listed, filtered "
                                        "by text “xpf mca”")

    out = tmp_path / "one.html"
    seen = _export(window, monkeypatch, out, "selected", selected=True)
    assert seen["default"] == "selected" and seen["labels"]["selected"].startswith(
        "The selected record: record 2 of the list (")
    html = out.read_text()
    assert "window: the selected record 2 of the list" in html
    assert window.current_record.summary.split(" ")[0] in html

    import pypdf

    out = tmp_path / "one.pdf"  # the detail option reaches the PDF writer
    _export(window, monkeypatch, out, "selected", detail=True)
    front = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "every field of 1 record" in front
    _export(window, monkeypatch, out, "selected", detail=False)
    front = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "Summary report: overview" in front
