"""File ▸ Export report: the records listed (after the list's filters) through whea_gui.report.

The export runs on the GUI thread (the PDF writer paints with Qt) behind a progress dialog that
keeps the window responsive and can cancel; the reports module writes to a temporary file and
only renames it into place when done, so a cancelled export leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

from ..report import EXTENSIONS, FilterError, ReportCancelled, write_report
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


def export_listed(parent, model: RecordTableModel, out_path: str, *, title: str | None = None,
                  records=None):
    """Write the listed records (or ``records``) to ``out_path`` (format from the extension);
    returns the ReportResult, or None when cancelled. Raises ValueError / FilterError."""
    records = ListedRecords(model) if records is None else records
    dialog = QProgressDialog("Writing the report…", "Cancel", 0, max(len(records), 1), parent)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(400)

    def progress(done: int, total: int | None) -> None:
        dialog.setValue(min(done, dialog.maximum()))
        QApplication.processEvents()

    try:
        return write_report(records, out_path, title=title, progress=progress,
                            cancel=dialog.wasCanceled)
    except ReportCancelled:
        return None
    finally:
        dialog.reset()
        dialog.deleteLater()


def export_dialog(window, *, selected: bool = False) -> None:
    """Ask where to write, then export the listed records — the whole collection, or the
    filtered view when a filter is set — or only the selected record (window: the MainWindow)."""
    model = window.records_panel.model
    records = None
    if selected:
        rec = window.current_record
        if rec is None:
            QMessageBox.information(window, "Export report", "No record is selected.")
            return
        records = [rec]
    elif not model.rowCount():
        QMessageBox.information(window, "Export report", "There are no listed records to export.")
        return
    path, _ = QFileDialog.getSaveFileName(window, "Export report", "whea-report.html", FILE_FILTER)
    if not path:
        return
    if not any(path.lower().endswith(ext) for ext in EXTENSIONS):
        path += ".html"
    try:
        result = export_listed(window, model, path, records=records)
    except (ValueError, FilterError, OSError) as exc:
        QMessageBox.warning(window, "Export report", f"The report could not be written: {exc}")
        return
    if result is None:
        window.message("Export cancelled; no file was written")
    else:
        window.message(f"Wrote {result.records:,} record(s) to {result.path} ({result.format})")
