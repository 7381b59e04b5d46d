"""Editing records in the window: edit mode, undo/redo, fix-up, save, write into a store,
compare, and new records from templates. All record changes go through
``whea_gui.build.RecordEditor``; this module only wires it to the window's panes.

Edits never repair anything by themselves ("Fix up" does, on request), so a malformed record can
be crafted on purpose. Edited records are kept per record index while the window is open.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QToolBar,
)

from ..build import EditError, RecordEditor, new_record
from ..build.diff import byte_runs
from .edit_delegate import FieldValueDelegate
from .field_model import VALUE

CHANGED_TINT = QColor("#ffd54f")  # edited bytes, drawn over the section colours
EDIT_TRIGGERS = (QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                 | QAbstractItemView.SelectedClicked)


class EditController(QObject):
    """Owns the RecordEditor of the record on show and the window's edit actions."""

    edited = Signal(str)  # what changed (the undo label), after the panes show it

    def __init__(self, window) -> None:
        super().__init__(window)  # the window is reached through parent(): no Python
        # reference cycle, so the window is never garbage-collected on a worker thread
        self.editor: RecordEditor | None = None
        self._index = -2  # record index the editor belongs to
        self._original = b""
        self._editors: dict[int, tuple[RecordEditor, bytes]] = {}  # edited records only
        self._showing = False
        model = window.field_model
        model.edit_handler = self.set_field
        self.delegate = FieldValueDelegate(self._choices, window.tree)
        window.tree.setItemDelegateForColumn(VALUE, self.delegate)
        self._build_actions()
        window.recordShown.connect(self._record_shown)
        self._update_actions()

    @property
    def window(self):
        return self.parent()

    # -- actions -----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        w = self.window
        self.act_edit_mode = w._action("&Edit mode", self.set_edit_mode, "Ctrl+Shift+E",
                                       checkable=True)
        self.act_undo = w._action("&Undo", self.undo, QKeySequence("Ctrl+Z"))
        self.act_redo = w._action("&Redo", self.redo, QKeySequence("Ctrl+Shift+Z"))
        self.act_fix_up = w._action("&Fix up lengths, offsets and counts", self.fix_up)
        self.act_save = w._action("&Save record as…", self.save_dialog, QKeySequence.Save)
        self.act_store = w._action("&Write into store…", self.store_dialog)
        self.act_new = w._action("&New record…", self.new_record_dialog, QKeySequence.New)
        self.act_compare = w._action("&Compare with…", self.compare_dialog, "Ctrl+D")
        self.act_sections = w._action("Add, remove or move &sections…", self.sections_dialog)
        menus = {m.title(): m for m in (a.menu() for a in w.menuBar().actions()) if m is not None}
        edit = menus.get("&Edit")
        edit.addSeparator()
        for act in (self.act_edit_mode, self.act_undo, self.act_redo, self.act_fix_up,
                    self.act_sections):
            edit.addAction(act)
        file_menu = menus.get("&File")
        first = file_menu.actions()[0]
        file_menu.insertAction(first, self.act_new)
        export = w.act_export
        for act in (self.act_save, self.act_store, self.act_compare):
            file_menu.insertAction(export, act)
        tb = w.findChild(QToolBar, "MainToolBar")
        tb.addSeparator()
        for act in (self.act_edit_mode, self.act_undo, self.act_redo, self.act_compare):
            tb.addAction(act)

    def _update_actions(self) -> None:
        have = self.window.current_record is not None
        ed = self.editor if self._index == self.window._record_index else None
        self.act_undo.setEnabled(bool(ed and ed.can_undo))
        self.act_redo.setEnabled(bool(ed and ed.can_redo))
        for act in (self.act_fix_up, self.act_save, self.act_store, self.act_compare,
                    self.act_sections):
            act.setEnabled(have)

    # -- edit mode ---------------------------------------------------------------------------
    @property
    def edit_mode(self) -> bool:
        return self.window.field_model.editable

    def set_edit_mode(self, on: bool) -> None:
        self.act_edit_mode.setChecked(bool(on))
        self.window.field_model.set_editable(bool(on))
        self.window.tree.setEditTriggers(EDIT_TRIGGERS if on else QAbstractItemView.NoEditTriggers)
        self.window.message("Edit mode: double-click a value to change it; bits toggle with a "
                            "click" if on else "Edit mode off")

    def _choices(self, path: str) -> dict[int, str]:
        ed = self.current_editor()
        return ed.choices(path) if ed is not None else {}

    # -- the editor of the record on show ----------------------------------------------------
    def current_editor(self) -> RecordEditor | None:
        w = self.window
        rec = w.current_record
        if rec is None:
            return None
        if self.editor is None or self._index != w._record_index:
            self._index = w._record_index
            self.editor = RecordEditor(rec.data, source=rec.source)
            self._original = bytes(rec.data)
        return self.editor

    def _record_shown(self, index: int) -> None:
        if self._showing:
            return
        kept = self._editors.get(index)
        if kept is None:
            self.editor, self._index = None, -2
            self._update_actions()
            return
        self.editor, self._original = kept
        self._index = index
        self._show()

    def modified(self) -> bool:
        return self.editor is not None and self.editor.data != self._original

    def changed_runs(self) -> list[tuple[int, int]]:
        if self.editor is None:
            return []
        return byte_runs(self._original, self.editor.data)

    def _show(self, path: str | None = None, label: str = "") -> None:
        """Show the editor's fresh decode: tree, hex (edited bytes tinted), findings."""
        w, ed = self.window, self.editor
        if w._record_index >= 0:
            self._editors[w._record_index] = (ed, self._original)
        self._showing = True
        try:
            keep = path or (w.current_node().path if w.current_node() is not None else None)
            w.show_record(ed.record)
            n = len(ed.data)
            changed = [(o, min(k, n - o), CHANGED_TINT) for o, k in self.changed_runs() if o < n]
            w.hex.set_regions(w._regions(ed.record) + changed)
            if keep:
                w.select_field(keep)
        finally:
            self._showing = False
        if label:
            w.message(label + (f" — {len(self.changed_runs())} changed byte run(s) since opened"
                               if self.modified() else ""))
        self._update_actions()
        self.edited.emit(label)

    # -- edits -------------------------------------------------------------------------------
    def set_field(self, path: str, value) -> bool:
        ed = self.current_editor()
        if ed is None:
            return False
        try:
            ed.set_field(path, value)
        except (EditError, KeyError) as exc:
            self.window.message(f"Not changed: {exc}")
            return False
        self._show(path, f"Set {path}")
        return True

    def undo(self) -> str | None:
        ed = self.current_editor()
        label = ed.undo() if ed is not None else None
        if label:
            self._show(label=f"Undone: {label}")
        return label

    def redo(self) -> str | None:
        ed = self.current_editor()
        label = ed.redo() if ed is not None else None
        if label:
            self._show(label=f"Redone: {label}")
        return label

    def fix_up(self) -> bool:
        return self._structure(lambda ed: ed.fix_up(), "Fixed up lengths, offsets and counts")

    def add_section(self, kind: str, index: int | None = None) -> bool:
        return self._structure(lambda ed: ed.add_section(kind, index=index), f"Added {kind}")

    def remove_section(self, index: int) -> bool:
        return self._structure(lambda ed: ed.remove_section(index), f"Removed section {index}")

    def move_section(self, index: int, new_index: int) -> bool:
        return self._structure(lambda ed: ed.move_section(index, new_index),
                               f"Moved section {index} to {new_index}")

    def _structure(self, change, label: str) -> bool:
        ed = self.current_editor()
        if ed is None:
            return False
        try:
            change(ed)
        except (EditError, ValueError) as exc:
            self.window.message(f"Not changed: {exc}")
            return False
        self._show(label=label)
        return True

    # -- save / store ------------------------------------------------------------------------
    def save_record(self, path: str | Path) -> int:
        ed = self.current_editor()
        if ed is None:
            raise EditError("no record is shown")
        Path(path).write_bytes(ed.data)
        self.window.message(f"Saved {len(ed.data)} bytes to {path}")
        return len(ed.data)

    def save_dialog(self) -> None:
        if self.current_editor() is None:
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Save record as", "record.cper",
                                              "Error records (*.cper *.bin);;All files (*)")
        if path:
            try:
                self.save_record(path)
            except OSError as exc:
                QMessageBox.warning(self.window, "Save record", f"{path}: {exc.strerror or exc}")

    def write_into_store(self, path: str | Path):
        """WriteErrorRecord into the store at ``path``; returns the WriteResult (its NTSTATUS)."""
        from ..store import Store

        ed = self.current_editor()
        if ed is None:
            raise EditError("no record is shown")
        with Store(path) as store:
            result = store.write_error_record(ed.data, source=ed.record.source or {})
        text = f"WriteErrorRecord: {result.status_name} (0x{result.status:08X})"
        if result.reason:
            text += f" — {result.reason}"
        self.window.message(text)
        return result

    def store_dialog(self) -> None:
        if self.current_editor() is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Write into store", "", "WHEA stores (*.sqlite *.db);;All files (*)",
            options=QFileDialog.DontConfirmOverwrite)
        if not path:
            return
        try:
            result = self.write_into_store(path)
        except Exception as exc:  # noqa: BLE001 - a store that cannot be opened: say why
            QMessageBox.warning(self.window, "Write into store", f"{path}: {exc}")
            return
        QMessageBox.information(self.window, "Write into store",
                                self.window.status_message.toolTip() or str(result.status))

    # -- new records, sections, compare ------------------------------------------------------
    def open_new(self, kinds: list[str]):
        """Build a record of these section kinds and open it in the window (edit mode on)."""
        data = new_record(*kinds)
        job = self.window.load_bytes(data, "<new record>")
        job.finished.connect(lambda _job: self._select_new())
        return job

    def _select_new(self) -> None:
        panel = self.window.records_panel
        rows = panel.model.rowCount()
        if rows:
            panel.select_row(rows - 1)
        self.set_edit_mode(True)

    def new_record_dialog(self) -> None:
        from .record_dialogs import NewRecordDialog

        dlg = NewRecordDialog(self.window)
        if dlg.exec() and dlg.kinds():
            self.open_new(dlg.kinds())

    def sections_dialog(self) -> None:
        from .record_dialogs import SectionsDialog

        if self.current_editor() is not None:
            SectionsDialog(self, self.window).exec()

    def compare_dialog(self) -> None:
        w = self.window
        ed = self.current_editor()
        if ed is None:
            return
        rs = w.records_panel.records
        items = ["A file…"] + [f"Record {i + 1}" for i in range(len(rs))]
        choice, ok = QInputDialog.getItem(w, "Compare with", "Compare the shown record with:",
                                          items, 0, False)
        if not ok:
            return
        if choice == items[0]:
            path, _ = QFileDialog.getOpenFileName(w, "Compare with a record file")
            if path:
                try:
                    self.compare_with_file(path).show()
                except (OSError, ValueError) as exc:
                    QMessageBox.warning(w, "Compare", str(exc))
        else:
            self.compare_with_record(items.index(choice) - 1).show()

    def compare_with_bytes(self, other: bytes, name: str):
        from .diff_view import DiffWindow

        ed = self.current_editor()
        mine = "shown record" + (" (edited)" if self.modified() else "")
        win = DiffWindow(ed.data, other, mine, name, parent=self.window)
        win.setAttribute(Qt.WA_DeleteOnClose)
        return win

    def compare_with_record(self, index: int):
        w = self.window
        kept = self._editors.get(index)
        data = kept[0].data if kept else w.records_panel.records.data(index)
        return self.compare_with_bytes(data, f"record {index + 1}")

    def compare_with_file(self, path: str | Path):
        """The first record of ``path`` (any format the readers know)."""
        from ..sources.registry import iter_file

        for ref in iter_file(str(path)):
            return self.compare_with_bytes(ref.data, Path(path).name)
        raise ValueError(f"{path}: no record found")
