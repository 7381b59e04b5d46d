"""What the main window gets beyond its panes, installed with one call: keyboard navigation and
the find bar, View → Theme, Help → Keyboard shortcuts, and View menu entries that bring a dock
to the front (Qt's own toggle hides a dock that is open but behind another tab)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea

from .field_model import FIELD, MEANING, OFFSET, RAW, SIZE, VALUE
from .navigation import install_navigation
from .shortcuts import install_shortcuts_help
from .theme import _menu, install_theme


def install_extras(window) -> None:
    view = _menu(window, "&View")
    fix_dock_menu(window, view)
    install_navigation(window)
    install_theme(window, view)
    install_shortcuts_help(window)
    window._fit = FitSmallScreens(window)


TIMELINE_HEIGHT = 430  # the timeline dock opens this high when the window has room
FINDINGS_SMALL_PX = 60  # the findings dock, shrunk to give a small window's timeline room
TREE_MIN_ROWS = 10  # the field tree always shows this many rows (and its Value column)
SUMMARY_MIN_PX = 60


def tree_rows_height(tree, rows: int = TREE_MIN_ROWS) -> int:
    row = tree.sizeHintForRow(0) if tree.model() and tree.model().rowCount() else 0
    row = max(row, tree.fontMetrics().height() + 4)
    scroll = tree.horizontalScrollBar().sizeHint().height()
    return tree.header().sizeHint().height() + rows * row + scroll + 2 * tree.frameWidth()


class FitSmallScreens(QObject):
    """On a small window (1024×700) the explanation above the tree would take the tree's rows:
    put it in a scroll area capped so the tree keeps ten rows, and start the docks smaller."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        summary = window.summary
        self.left = summary.parentWidget()
        layout = self.left.layout()
        self.scroll = QScrollArea()
        self.scroll.setObjectName("SummaryScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.insertWidget(layout.indexOf(summary), self.scroll)
        self.scroll.setWidget(summary)  # moves the label into the scroll area
        self.left.installEventFilter(self)
        window.installEventFilter(self)
        window.recordShown.connect(lambda _i: QTimer.singleShot(0, self.cap_summary))
        window.timeline_dock.visibilityChanged.connect(
            lambda shown: shown and QTimer.singleShot(0, self.fit_timeline))
        self._first_show = True

    def eventFilter(self, obj, event) -> bool:
        if obj is self.left and event.type() == QEvent.Resize:
            self.cap_summary()
        elif obj is self.window and event.type() == QEvent.Show and self._first_show:
            self._first_show = False
            QTimer.singleShot(0, self.fit_to_screen)
            if self.window.settings.value("window/state") is None:
                QTimer.singleShot(0, self.first_layout)  # after the window's own first sizes
            if self.window.settings.value("window/tree_header") is None:
                QTimer.singleShot(0, self.arrange_tree_columns)
        return False

    def cap_summary(self) -> None:
        """The explanation's whole height when there is room, else what leaves the tree its
        rows (the rest scrolls)."""
        room = max(SUMMARY_MIN_PX, self.left.height() - tree_rows_height(self.window.tree) - 2)
        summary = self.window.summary
        width = self.scroll.viewport().width() or self.left.width()
        wanted = summary.heightForWidth(width) if summary.hasHeightForWidth() else -1
        if wanted < 0:
            wanted = summary.sizeHint().height()
        height = min(wanted, room)
        if height != self.scroll.height():
            self.scroll.setFixedHeight(height)
            tree = self.window.tree
            if tree.currentIndex().isValid():  # the selected field stays in view
                QTimer.singleShot(0, tree, lambda: tree.scrollTo(tree.currentIndex()))

    def arrange_tree_columns(self) -> None:
        """Meaning right after Value (the raw bytes are in the hex view beside the tree; raw,
        offset and size follow), widths shared so Field, Value and Meaning fit the tree."""
        tree = self.window.tree
        header = tree.header()
        header.moveSection(header.visualIndex(MEANING), VALUE + 1)
        room = tree.viewport().width()
        field, value = max(150, int(room * 0.26)), max(170, int(room * 0.32))
        tree.setColumnWidth(FIELD, field)
        tree.setColumnWidth(VALUE, value)
        tree.setColumnWidth(MEANING, max(220, room - field - value))
        for col, width in ((RAW, 150), (OFFSET, 55), (SIZE, 55)):
            tree.setColumnWidth(col, width)

    def fit_to_screen(self) -> None:
        """A remembered or default size larger than the screen's free area (a 1600×1000 window
        on a 1600×1000 screen with a panel) would hide the status bar below its edge: shrink and
        move the window into the available geometry, title bar included. Not offscreen, where
        there is no edge and renders ask for exact sizes."""
        w = self.window
        screen = w.screen()
        if screen is None or QGuiApplication.platformName() == "offscreen" \
                or w.isMaximized() or w.isFullScreen():
            return
        frame = fitted_frame(w.frameGeometry(), w.geometry(), screen.availableGeometry())
        extra_w = w.frameGeometry().width() - w.width()
        extra_h = w.frameGeometry().height() - w.height()
        if frame.size() != w.frameGeometry().size():
            w.resize(frame.width() - extra_w, frame.height() - extra_h)
        if frame.topLeft() != w.frameGeometry().topLeft():
            w.move(frame.topLeft())

    def fit_timeline(self) -> None:
        """The timeline dock as high as TIMELINE_HEIGHT, but never taking the field tree's ten
        rows: on a small window it gets what is left and its plots scroll (they keep a readable
        minimum height inside the dock's scroll area)."""
        w = self.window
        dock = w.timeline_dock
        if not dock.isVisible():
            return
        keep = tree_rows_height(w.tree) + SUMMARY_MIN_PX + 8
        findings = w.findings_dock
        if findings.isVisible() and dock.height() < TIMELINE_HEIGHT \
                and findings.height() > FINDINGS_SMALL_PX:  # the timeline is worth more room
            w.resizeDocks([findings], [FINDINGS_SMALL_PX], Qt.Vertical)
            spare_findings = findings.height() - FINDINGS_SMALL_PX
        else:
            spare_findings = 0
        spare = max(0, w.centralWidget().height() + spare_findings - keep)
        target = min(TIMELINE_HEIGHT, dock.height() + spare)
        if target > dock.height():
            w.resizeDocks([dock], [target], Qt.Vertical)
        elif w.centralWidget().height() < keep:  # the tree lost its rows: give them back
            w.resizeDocks([dock], [max(120, dock.height() - (keep - w.centralWidget().height()))],
                          Qt.Vertical)

    def fit_problems(self) -> None:
        """The Problems dock tall enough for six rows (title bar and tab bar on top)."""
        w = self.window
        dock = w.problems_dock
        table = w.problems_panel
        title = dock.height() - table.height()
        target = table.rows_height() + max(title, 0)
        if dock.isVisible() and table.height() < table.rows_height():
            w.resizeDocks([dock], [target], Qt.Vertical)
            if dock.height() < target:  # Qt ignored it (a tabbed dock): hold a minimum meanwhile
                dock.setMinimumHeight(target)
                QTimer.singleShot(200, dock, lambda: dock.setMinimumHeight(0))  # dropped if the dock goes first

    def first_layout(self) -> None:
        w = self.window
        height = w.height()
        if height >= 880:
            return
        records = max(130, min(240, int(height * 0.24)))
        findings = max(70, min(95, int(height * 0.12)))
        w.resizeDocks([w.records_dock, w.findings_dock], [records, findings], Qt.Vertical)
        self.cap_summary()


def fitted_frame(frame: QRect, inner: QRect, available: QRect) -> QRect:
    """``frame`` (the window with its title bar and borders around ``inner``) made to fit in
    ``available``: no larger, then moved inside."""
    width = min(frame.width(), available.width())
    height = min(frame.height(), available.height())
    x = min(max(frame.x(), available.x()), available.x() + available.width() - width)
    y = min(max(frame.y(), available.y()), available.y() + available.height() - height)
    return QRect(x, y, width, height)


def dock_on_top(dock) -> bool:
    """Shown and not covered by another dock of its tab group."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def show_or_hide_dock(window, dock, name: str) -> None:
    if dock_on_top(dock):
        dock.hide()
    else:
        window.raise_dock(name)


def fix_dock_menu(window, view_menu) -> None:
    docks = {"records": window.records_dock, "timeline": window.timeline_dock,
             "findings": window.findings_dock}
    window.dock_actions = {}
    for name, dock in docks.items():
        toggle = dock.toggleViewAction()
        act = QAction(dock.windowTitle().split(" —")[0], window, checkable=True)
        act.setToolTip(f"Show the {name} pane in front (again: hide it)")
        act.triggered.connect(lambda _=False, d=dock, n=name: show_or_hide_dock(window, d, n))
        dock.visibilityChanged.connect(lambda _shown, d=dock, a=act: a.setChecked(dock_on_top(d)))
        act.setChecked(dock_on_top(dock))
        if toggle in view_menu.actions():
            view_menu.insertAction(toggle, act)
            view_menu.removeAction(toggle)
        else:
            view_menu.addAction(act)
        window.dock_actions[name] = act
