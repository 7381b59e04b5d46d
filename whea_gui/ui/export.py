"""File ▸ Export report: the records listed (after the list's filters) through whea_gui.report.

The export runs on the GUI thread (the PDF writer paints with Qt) behind a progress dialog that
keeps the window responsive and can cancel; the reports module writes to a temporary file and
only renames it into place when done, so a cancelled export leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QRadioButton,
    QVBoxLayout,
)

from ..report import EXTENSIONS, FilterError, ReportCancelled, write_report
from ..session.recordset import source_key_parts
from .record_model import RecordTableModel

FILE_FILTER = ("HTML report (*.html);;PDF report (*.pdf);;Markdown (*.md);;JSON (*.json);;"
               "JSON Lines (*.jsonl);;CSV (*.csv)")


class ListedRecords(Sequence):
    """(bytes, source) of the rows the record list shows, in the order shown."""

    def __init__(self, model: RecordTableModel) -> None:
        self.model = model
        self.rows = [model.record_index(r) for r in range(model.rowCount())]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        rs = self.model.records
        record = self.rows[i]
        return rs.data(record), rs.source(record)


class AllRecords(Sequence):
    """(bytes, source) of every loaded record, whatever the list's filters show."""

    def __init__(self, model: RecordTableModel) -> None:
        self.records = model.records

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.records.data(i), self.records.source(i)


def filter_words(panel) -> str:
    """The record list's filter as a person would say it ("" when none is set)."""
    parts = []
    text = panel.text.text().strip()
    if text:
        parts.append(f"text “{text}”")
    if panel.severity.currentData() is not None:
        parts.append(f"severity {panel.severity.currentText()}")
    if panel.section_type.currentData() is not None:
        parts.append(f"section type {panel.section_type.currentText()}")
    flt = panel.current_filter()
    if flt.time_from is not None or flt.time_to is not None:
        def when(t):
            return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        parts.append(f"time {when(flt.time_from)} to {when(flt.time_to)}")
    return "; ".join(parts)


def record_words(window) -> str:
    rec = window.current_record
    src = (rec.source or {}) if rec is not None else {}
    row = window.records_panel.view.currentIndex().row()
    where = f"{src.get('path', '')} @ {src.get('offset', 0)}" if src.get("path") else "pasted"
    return f"record {row + 1} of the list ({where})" if row >= 0 else f"the shown record ({where})"


class ExportChoice(QDialog):
    """What to export, said with numbers: all records, the filtered ones, or the selected one;
    and whether a PDF gets every field of each record."""

    def __init__(self, window, selected: bool = False) -> None:
        super().__init__(window)
        self.setWindowTitle("Export report")
        panel = window.records_panel
        total, shown = len(panel.records), panel.model.rowCount()
        self.words = filter_words(panel)
        self.all = QRadioButton(f"All {total:,} loaded records")
        self.filtered = QRadioButton(f"The {shown:,} records the list shows, filtered by "
                                     f"{self.words}" if self.words else "")
        self.selected = QRadioButton(f"The selected record: {record_words(window)}"
                                     if window.current_record is not None else "")
        group = QButtonGroup(self)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Export which records?"))
        for button in (self.all, self.filtered, self.selected):
            group.addButton(button)
            lay.addWidget(button)
        self.filtered.setVisible(bool(self.words))
        self.selected.setVisible(window.current_record is not None)
        self.all.setEnabled(total > 0)
        default = (self.selected if selected and window.current_record is not None
                   else self.filtered if self.words else self.all)
        default.setChecked(True)
        self.detail = QCheckBox("Every field of each record (a PDF is otherwise a summary: "
                                "overview, timeline, thresholds, one line per record)")
        lay.addWidget(self.detail)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Choose file…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def choice(self) -> str:
        return "selected" if self.selected.isChecked() else (
            "filtered" if self.filtered.isChecked() else "all")


def loaded_files(records) -> list[str]:
    """The files the window loaded (a source key may also name a host), for the header."""
    return sorted({source_key_parts(key)[1] for key in records.paths})


def export_listed(parent, model: RecordTableModel, out_path: str, *, title: str | None = None,
                  records=None, selection: str = "", detail: bool | None = None):
    """Write the listed records (or ``records``) to ``out_path`` (format from the extension);
    returns the ReportResult, or None when cancelled. Raises ValueError / FilterError.
    ``selection`` says in words which records these are (shown in the report's header)."""
    records = ListedRecords(model) if records is None else records
    dialog = QProgressDialog("Writing the report…", "Cancel", 0, max(len(records), 1), parent)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(400)

    def progress(done: int, total: int | None) -> None:
        dialog.setValue(min(done, dialog.maximum()))
        QApplication.processEvents()

    try:
        return write_report(records, out_path, title=title, progress=progress,
                            cancel=dialog.wasCanceled, selection=selection, detail=detail,
                            inputs=loaded_files(model.records))
    except ReportCancelled:
        return None
    finally:
        dialog.reset()
        dialog.deleteLater()


def export_dialog(window, *, selected: bool = False, choose=None) -> None:
    """Ask what to export (all, the filtered list, the selected record) and where, then write
    it (window: the MainWindow). ``choose(dialog)`` replaces the dialog's exec (tests)."""
    model = window.records_panel.model
    if not len(model.records):
        QMessageBox.information(window, "Export report", "There are no records to export.")
        return
    ask = ExportChoice(window, selected)
    if not (choose(ask) if choose is not None else ask.exec()):
        return
    what = ask.choice()
    total = len(model.records)
    if what == "selected":
        records, selection = [window.current_record], f"the selected {record_words(window)}"
    elif what == "filtered":
        records = None
        selection = f"the {model.rowCount():,} of {total:,} records listed, filtered by {ask.words}"
        if model.search_progress() is not None:  # the text search is still reading summaries
            selection += " (summaries still being searched: more records may match)"
    else:
        records, selection = AllRecords(model), ""
    path, _ = QFileDialog.getSaveFileName(window, "Export report", "whea-report.html", FILE_FILTER)
    if not path:
        return
    if not any(path.lower().endswith(ext) for ext in EXTENSIONS):
        path += ".html"
    try:
        result = export_listed(window, model, path, records=records, selection=selection,
                               detail=True if ask.detail.isChecked() else None)
    except (ValueError, FilterError, OSError) as exc:
        QMessageBox.warning(window, "Export report", f"The report could not be written: {exc}")
        return
    if result is None:
        window.message("Export cancelled; no file was written")
    else:
        window.message(f"Wrote {result.records:,} record(s) to {result.path} ({result.format})")
