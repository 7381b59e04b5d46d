"""Editing records in the window: edit mode, undo/redo, fix-up, save, write into a store,
compare, and new records from templates. All record changes go through
``whea_gui.compose.RecordEditor``; this module only wires it to the window's panes.

Edits never repair anything by themselves ("Fix up" does, on request), so a malformed record can
be crafted on purpose. Edited records live in the session (per record index) until saved or
discarded; quitting, closing or opening something else asks first (``unsaved.confirm_discard``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QMessageBox,
    QToolBar,
)

from ..compose import EditError, RecordEditor, new_record
from ..session.labels import source_label
from .edit_delegate import FieldValueDelegate
from .field_model import VALUE
from .record_model import SEVERITY, SUMMARY, TIME

EDIT_TRIGGERS = (QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                 | QAbstractItemView.SelectedClicked)


class EditController(QObject):
    """Owns the RecordEditor of the record on show and the window's edit actions."""

    edited = Signal(str)  # what changed (the undo label), after the panes show it

    def __init__(self, window) -> None:
        super().__init__(window)  # the window is reached through parent(): no Python
        # reference cycle, so the window is never garbage-collected on a worker thread
        self.session = window.session
        model = window.field_model
        model.edit_handler = self.set_field
        self.delegate = FieldValueDelegate(self._choices, window.tree)
        window.tree.setItemDelegateForColumn(VALUE, self.delegate)
        self._build_actions()
        self.session.events.current.connect(lambda _i: self._update_actions())
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
        self.act_save.setToolTip("Save the shown record's bytes (as edited) to a file")
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

    @property
    def editor(self) -> RecordEditor | None:
        s = self.session
        return s.editor() if s.current >= 0 and s.has_editor(s.current) else None

    def _update_actions(self) -> None:
        have = self.window.current_record is not None
        ed = self.editor
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
        return self.session.editor()  # None when no record is shown

    def modified(self) -> bool:
        return self.session.current >= 0 and self.session.is_modified(self.session.current)

    def changed_runs(self) -> list[tuple[int, int]]:
        return self.session.changed_runs()

    def _show(self, path: str | None = None, label: str = "") -> None:
        """Tell the session the record changed: the panes show the fresh decode (edited bytes
        tinted), the list and title mark it modified."""
        w = self.window
        self.session.record_edited()
        if path:
            w.select_field(path)
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
        self.session.mark_saved(self.session.current)
        self.window.message(f"Saved {len(ed.data)} bytes to {path}")
        return len(ed.data)

    def confirm_discard(self, doing: str) -> bool:
        """Ask Save / Discard / Cancel when records were edited and not saved; True: go on."""
        modified = self.session.modified_records()
        if not modified:
            return True
        box = QMessageBox(QMessageBox.Warning, self.window.TITLE,
                          f"{len(modified)} edited record(s) are not saved.",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self.window)
        box.setObjectName("UnsavedEdits")
        box.setInformativeText(f"Save the edits before {doing}?")
        box.setDefaultButton(QMessageBox.Save)
        answer = box.exec()
        if answer == QMessageBox.Save:
            return self.save_modified()
        if answer == QMessageBox.Discard:
            self.session.discard_edits()
            return True
        return False

    def save_modified(self) -> bool:
        """Save every edited record, each to a file the user names; False if one was cancelled."""
        s = self.session
        for index in sorted(s.modified_records()):
            name = f"record-{index + 1}.cper"
            path, _ = QFileDialog.getSaveFileName(
                self.window, f"Save edited record {index + 1} ({source_label(s.records.source(index))})",
                name, "Error records (*.cper *.bin);;All files (*)")
            if not path:
                return False
            try:
                Path(path).write_bytes(s.data(index))
            except OSError as exc:
                QMessageBox.warning(self.window, "Save record", f"{path}: {exc.strerror or exc}")
                return False
            s.mark_saved(index)
        return True

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
            self.window, "Write into store", "whea-store.sqlite",
            "WHEA record stores (*.sqlite *.wheastore *.db);;All files (*)",
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
        job = self.window.load_bytes(data, "<new record>", replace=False)  # added, not replacing
        job.finished.connect(self._select_new)  # a bound slot: queued to the GUI thread
        return job

    def _select_new(self, _job=None) -> None:
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
        records = self.compare_choices()
        items = ["A file…"] + [text for _, text in records]
        from .record_dialogs import ComparePicker

        choice, ok = ComparePicker.choose(w, items)
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
            self.compare_with_record(records[items.index(choice) - 1][0]).show()

    def compare_choices(self, limit: int = 5000) -> list[tuple[int, str]]:
        """The listed records (as the list shows them, filtered and sorted) but the shown one:
        (record index, "time · severity · summary · source")."""
        model = self.window.records_panel.model
        out = []
        for row in range(min(model.rowCount(), limit + 1)):
            index = model.record_index(row)
            if index == self.session.current:
                continue
            cells = [model.data(model.index(row, col)) or "" for col in (TIME, SEVERITY, SUMMARY)]
            cells.append(source_label(self.session.records.source(index)))
            out.append((index, f"{row + 1}. " + " · ".join(c for c in cells if c)))
        return out[:limit]

    def compare_with_bytes(self, other: bytes, name: str):
        from .diff_view import DiffWindow

        ed = self.current_editor()
        mine = "shown record" + (" (edited)" if self.modified() else "")
        win = DiffWindow(ed.data, other, mine, name, parent=self.window)
        win.setAttribute(Qt.WA_DeleteOnClose)
        return win

    def compare_with_record(self, index: int):
        src = source_label(self.session.records.source(index))
        return self.compare_with_bytes(self.session.data(index), f"record {index + 1} ({src})")

    def compare_with_file(self, path: str | Path):
        """The first record of ``path`` (any format the readers know)."""
        from ..sources.registry import iter_file

        for ref in iter_file(str(path)):
            return self.compare_with_bytes(ref.data, Path(path).name)
        raise ValueError(f"{path}: no record found")
