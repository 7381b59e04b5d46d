"""The main window's menus, tool bar and status bar (File, Edit, View, Help). Other parts add their own
entries: the edit controller (New, Save, Write into store, Compare, edit actions), and further
View entries go after ``window.view_menu``'s dock toggles."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QProgressBar, QToolButton

from .export import export_dialog


def build_menus(w) -> None:
    mb = w.menuBar()
    file_menu = mb.addMenu("&File")
    lo = w.loading_control
    w.act_open = w._action("&Open…", lambda: lo.open_dialog(), QKeySequence.Open)
    w.act_open.setToolTip("Open files in place of the records listed now")
    w.act_add = w._action("&Add to collection…", lambda: lo.open_dialog(replace=False),
                          "Ctrl+Alt+O")
    w.act_open_folder = w._action("Open &folder…", lo.open_folder_dialog, "Ctrl+Shift+O")
    w.act_open_store = w._action("Open s&tore…", lo.open_store_dialog)
    w.recent_menu = QMenu("Open &recent", w)
    w.recent_menu.aboutToShow.connect(lambda: lo.fill_recent(w.recent_menu))
    w.act_paste = w._action("&Paste record", lo.paste_record, "Ctrl+Shift+V")
    w.act_export = w._action("&Export report…", lambda: export_dialog(w), "Ctrl+E")
    w.act_export_selected = w._action("Export &selected record…",
                                      lambda: export_dialog(w, selected=True))
    w.act_clear = w._action("&Close all records", w.clear_records)
    w.act_quit = w._action("&Quit", w.close, QKeySequence.Quit)
    for item in (w.act_open, w.act_add, w.act_open_folder, w.act_open_store, w.recent_menu,
                 w.act_paste, None, w.act_export, w.act_export_selected, None, w.act_clear, None,
                 w.act_quit):
        if item is None:
            file_menu.addSeparator()
        elif isinstance(item, QMenu):
            file_menu.addMenu(item)
        else:
            file_menu.addAction(item)

    edit = mb.addMenu("&Edit")
    insp = w.inspector
    w.act_copy_value = w._action("Copy &value", lambda: insp.copy_field("value"), "Ctrl+C")
    w.act_copy_bytes = w._action("Copy &bytes as hex", lambda: insp.copy_field("bytes"),
                                 "Ctrl+Shift+C")
    w.act_copy_text = w._action("Copy subtree as &text", lambda: insp.copy_field("text"))
    w.act_copy_json = w._action("Copy subtree as &JSON", lambda: insp.copy_field("json"))
    w.act_copy_markdown = w._action("Copy record as &Markdown", insp.copy_record_markdown)
    w.act_copy_value.setShortcutContext(w.WIDGET_SHORTCUT)
    w.tree.addAction(w.act_copy_value)
    for act in (w.act_copy_value, w.act_copy_bytes, w.act_copy_text, w.act_copy_json,
                w.act_copy_markdown):
        edit.addAction(act)
    edit.addSeparator()
    edit.addAction(w.act_paste)

    w.view_menu = view = mb.addMenu("&View")
    w.act_hex_numbers = w._action("&Hexadecimal numbers", w.set_hex_numbers, "Ctrl+H",
                                  checkable=True)
    view.addAction(w.act_hex_numbers)
    view.addSeparator()
    for dock in (w.records_dock, w.timeline_dock, w.findings_dock, w.problems_dock):
        view.addAction(dock.toggleViewAction())
    w.columns_menu = view.addMenu("Record list &columns")
    w.columns_menu.aboutToShow.connect(_fill_columns(w))
    help_menu = mb.addMenu("&Help")
    w.act_open_sample = w._action("Open &sample data", w.open_sample)
    help_menu.addAction(w.act_open_sample)
    help_menu.addAction(w._action("&About", w.about))

    tb = w.addToolBar("Main")
    tb.setObjectName("MainToolBar")
    tb.setMovable(False)
    for act in (w.act_open, w.act_open_folder, w.act_paste, w.act_hex_numbers):
        tb.addAction(act)


def build_status(w) -> None:
    sb = w.statusBar()
    w.status_offset = QLabel()
    w.status_field = QLabel()
    w.status_selection = QLabel()
    w.status_message = QLabel()  # load results and problems (showMessage would hide the rest)
    w.status_message.setObjectName("StatusMessage")
    w.progress = QProgressBar()
    w.progress.setMaximumWidth(220)
    w.progress.setTextVisible(True)
    w.cancel_button = QToolButton(text="Cancel")
    w.cancel_button.clicked.connect(w.cancel_loading)
    for label in (w.status_offset, w.status_field, w.status_selection):
        sb.addWidget(label)
    sb.addPermanentWidget(w.status_message)
    sb.addPermanentWidget(w.progress)
    sb.addPermanentWidget(w.cancel_button)
    w.progress.hide()
    w.cancel_button.hide()


def _fill_columns(w):
    def fill() -> None:
        w.columns_menu.clear()
        for act in w.records_panel.column_actions(w.columns_menu):
            w.columns_menu.addAction(act)
    return fill
