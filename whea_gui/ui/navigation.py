"""Keyboard navigation for the main window: Tab/F6 between the panes, a find bar for the field
tree (names and values) and the hex view (hex bytes or text), go to an offset, F3/Shift+F3.

Installed from the window with ``install_navigation(window)``; it only uses the window's public
widgets (records list, tree, hex view, findings) and ``select_field``, so it keeps no record state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QWidget,
)

MAX_MATCHES = 10_000  # a 50 MB buffer of zeros must not make a list of fifty million offsets
_HEX_QUERY = re.compile(r"^(?:0x)?(?:[0-9a-fA-F]{2}[\s,:-]*)+$")
_OFFSET = re.compile(r"^\s*(\+)?\s*(0x[0-9a-fA-F]+|[0-9a-fA-F]+h|\d+)\s*$", re.IGNORECASE)

# the keys this module adds, for Help → Keyboard shortcuts
SHORTCUTS = (
    ("Tab / Shift+Tab", "Next / previous pane: records, field tree, hex, findings"),
    ("F6 / Shift+F6", "Next / previous pane (also from inside a pane that uses Tab)"),
    ("Ctrl+F", "Find in the field tree (names, values) or, from the hex view, in the bytes"),
    ("F3 / Shift+F3", "Next / previous match (also Enter / Shift+Enter in the find bar)"),
    ("Ctrl+G", "Go to a byte offset (decimal, 0x1A or 1Ah; +N from the cursor)"),
    ("Escape", "Close the find bar and return to the pane"),
)


def panes(window) -> list[QWidget]:
    """The panes Tab and F6 cycle through, in reading order, the visible ones only."""
    candidates = (window.records_panel.view, window.tree, window.hex, window.findings_view)
    return [w for w in candidates if w.isVisible() and w.isEnabled()]


def focus_pane(window, step: int) -> QWidget | None:
    order = panes(window)
    if not order:
        return None
    focused = window.focusWidget()
    here = next((i for i, w in enumerate(order)
                 if focused is not None and (focused is w or w.isAncestorOf(focused))), None)
    target = order[0 if here is None and step > 0 else -1 if here is None
                   else (here + step) % len(order)]
    target.setFocus(Qt.TabFocusReason if step > 0 else Qt.BacktabFocusReason)
    return target


class _PaneTabs(QObject):
    """Tab/Shift+Tab in a pane moves to the next pane (tables would otherwise trap Tab in
    their cells, and the hex view has no use for it)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Tab, Qt.Key_Backtab) \
                and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            back = event.key() == Qt.Key_Backtab or bool(event.modifiers() & Qt.ShiftModifier)
            focus_pane(self.window, -1 if back else 1)
            return True
        return False


# -- searching --------------------------------------------------------------------------------
def parse_byte_query(text: str) -> tuple[bytes, str]:
    """Bytes to look for and how they were read: ``DE AD be:ef`` → hex bytes; anything else,
    or text in quotes, → the text's bytes (Latin-1, as the hex view's text column shows them)."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        return stripped[1:-1].encode("latin-1", "replace"), "text"
    if _HEX_QUERY.match(stripped):
        digits = re.sub(r"[^0-9a-fA-F]", "", stripped[2:] if stripped[:2].lower() == "0x"
                        else stripped)
        return bytes.fromhex(digits), "hex bytes"
    return text.encode("latin-1", "replace"), "text"


def find_bytes(data, needle: bytes, limit: int = MAX_MATCHES) -> list[int]:
    """Offsets of ``needle`` in ``data`` (overlapping matches count), at most ``limit``."""
    if not needle:
        return []
    buf = bytes(data) if isinstance(data, memoryview) else data
    out, at = [], buf.find(needle)
    while at >= 0 and len(out) < limit:
        out.append(at)
        at = buf.find(needle, at + 1)
    return out


def find_fields(root, query: str, value_text=None, limit: int = MAX_MATCHES) -> list:
    """Fields whose label, name or value contains ``query`` (case-insensitive), tree order."""
    q = query.strip().lower()
    if root is None or not q:
        return []
    out = []
    for node in root.walk():
        if node is root:
            continue
        texts = (node.label, node.name, node.display, value_text(node) if value_text else "")
        if any(q in (t or "").lower() for t in texts):
            out.append(node)
            if len(out) >= limit:
                break
    return out


def parse_offset(text: str, cursor: int = 0) -> int | None:
    """``26``, ``0x1A``, ``1Ah``; ``+16`` from the cursor. None when it is not a number."""
    m = _OFFSET.match(text)
    if m is None:
        return None
    token = m.group(2).lower()
    if token.startswith("0x"):
        value = int(token, 16)
    elif token.endswith("h"):
        value = int(token[:-1], 16)
    else:
        value = int(token)
    return cursor + value if m.group(1) else value


@dataclass
class Search:
    scope: str  # "tree" | "hex"
    query: str
    matches: list = field(default_factory=list)  # FieldNodes or byte offsets
    length: int = 0  # bytes per hex match
    how: str = ""
    current: int = -1
    record: object = None  # the record searched (a new record means a new search)


class FindBar(QToolBar):
    """A bar at the bottom of the window: Find (tree or hex) and Go to offset."""

    def __init__(self, window) -> None:
        super().__init__("Find", window)
        self.setObjectName("FindBar")
        self.setMovable(False)
        self.window = window
        self.mode = "find"
        self._texts: dict[str, str] = {}  # what each mode last had in the edit
        self.scope = "tree"
        self.search: Search | None = None
        self.prompt = QLabel("Find:")
        self.edit = QLineEdit()
        self.edit.setObjectName("FindEdit")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMaximumWidth(360)
        self.edit.returnPressed.connect(self._enter)
        self.edit.installEventFilter(self)
        self.result = QLabel()
        self.result.setObjectName("FindResult")
        prev_button = QToolButton(text="Previous", toolTip="Previous match (Shift+F3)")
        prev_button.clicked.connect(lambda: self.step(-1))
        next_button = QToolButton(text="Next", toolTip="Next match (F3)")
        next_button.clicked.connect(lambda: self.step(1))
        close = QToolButton(text="✕", toolTip="Close (Escape)")
        close.clicked.connect(self.close_bar)
        self.step_buttons = (prev_button, next_button)
        for w in (self.prompt, self.edit, prev_button, next_button, self.result):
            self.addWidget(w)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.addWidget(spacer)
        self.addWidget(close)
        self._return_to: QWidget | None = None
        self.hide()

    # -- opening ---------------------------------------------------------------------------
    def open_find(self) -> None:
        focused = self.window.focusWidget()
        hex_view = self.window.hex
        if focused is hex_view or (focused is not None and hex_view.isAncestorOf(focused)):
            self.scope = "hex"
        elif focused is self.window.tree or (focused is not None
                                              and self.window.tree.isAncestorOf(focused)):
            self.scope = "tree"
        elif not self.isVisible() or self.mode != "find":
            self.scope = "tree"
        self._open("find", "Find in hex (bytes like DE AD, or text):" if self.scope == "hex"
                   else "Find field (name or value):")

    def open_goto(self) -> None:
        self._open("goto", "Go to offset (26, 0x1A, 1Ah, +16):")

    def _open(self, mode: str, prompt: str) -> None:
        focused = self.window.focusWidget()
        if focused is not None and focused is not self.edit:
            self._return_to = focused
        if mode != self.mode:  # a find text is no offset (nor the other way round)
            self._texts[self.mode] = self.edit.text()
            self.edit.setText(self._texts.get(mode, ""))
        self.mode = mode
        self.prompt.setText(prompt)
        for b in self.step_buttons:
            b.setVisible(mode == "find")
        self.result.clear()
        self.show()
        self.edit.setFocus(Qt.ShortcutFocusReason)
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        target = self._return_to if self._return_to is not None else self.window.tree
        if target.isVisible():
            target.setFocus(Qt.OtherFocusReason)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and event.type() == QEvent.KeyPress:
            if event.key() == Qt.Key_Escape:
                self.close_bar()
                return True
            if event.key() in (Qt.Key_Return, Qt.Key_Enter) \
                    and event.modifiers() & Qt.ShiftModifier and self.mode == "find":
                self.step(-1)
                return True
        return False

    def _enter(self) -> None:
        if self.mode == "goto":
            self.go_to(self.edit.text())
        else:
            self.step(1)

    # -- find ------------------------------------------------------------------------------
    def _run_search(self, query: str) -> Search:
        win = self.window
        rec = win.current_record
        if self.scope == "hex":
            needle, how = parse_byte_query(query)
            return Search("hex", query, find_bytes(win.hex.data(), needle), len(needle), how,
                          record=rec)
        model = win.field_model
        value_text = (lambda n: model.cell_text(n, 1)) if hasattr(model, "cell_text") else None
        return Search("tree", query, find_fields(rec.root if rec else None, query, value_text),
                      how="field", record=rec)

    def step(self, direction: int) -> bool:
        """Go to the next (1) or previous (-1) match, searching again when the query, the scope
        or the record changed. Returns whether a match was shown."""
        if self.mode == "find":
            query = self.edit.text()
        else:  # F3 after a go-to repeats the last search
            query = self.search.query if self.search is not None else ""
        if not query.strip():
            self.open_find()
            return False
        s = self.search
        scope = self.scope if self.mode == "find" or s is None else s.scope
        if s is None or s.query != query or s.scope != scope \
                or s.record is not self.window.current_record:
            self.scope = scope
            s = self.search = self._run_search(query)
            s.current = -1 if direction > 0 else 0
        if not s.matches:
            self.result.setText(f"No field matches “{s.query}”" if s.scope == "tree"
                                else f"No match for “{s.query}” as {s.how}")
            return False
        s.current = (s.current + direction) % len(s.matches)
        self._show_match(s)
        more = "+" if len(s.matches) >= MAX_MATCHES else ""
        found = f"{s.current + 1} of {len(s.matches)}{more}"
        self.result.setText(f"{found} matching fields" if s.scope == "tree"
                            else f"{found} matches as {s.how}")
        return True

    def _show_match(self, s: Search) -> None:
        win = self.window
        if s.scope == "tree":
            win.select_field(s.matches[s.current])
        else:
            offset = s.matches[s.current]
            win.hex.set_selection(offset, s.length, scroll=True)
            win.hex.ensure_visible(offset, s.length)

    # -- go to offset ----------------------------------------------------------------------
    def go_to(self, text: str) -> bool:
        win = self.window
        size = len(win.hex.data())
        offset = parse_offset(text, max(win.hex.cursor_offset(), 0))
        if offset is None:
            self.result.setText(f"“{text}” is not an offset: use 26, 0x1A, 1Ah or +16")
            return False
        if not 0 <= offset < size:
            self.result.setText(f"Offset {offset} is outside this record (0–{max(size - 1, 0)})"
                                if size else "No record is shown")
            return False
        win.hex.set_selection(offset, 1, scroll=True)
        win.hex.byteClicked.emit(offset)  # as a click: the deepest field there is selected too
        win.hex.ensure_visible(offset)
        self.result.setText(f"At offset {offset} (0x{offset:X})")
        self.hide()
        win.hex.setFocus(Qt.OtherFocusReason)
        return True


def install_navigation(window) -> FindBar:
    """Tab/F6 pane cycling, Ctrl+F find, F3/Shift+F3, Ctrl+G go to offset."""
    filt = _PaneTabs(window)
    for w in (window.records_panel.view, window.tree, window.hex, window.findings_view):
        if isinstance(w, QAbstractItemView):
            w.setTabKeyNavigation(False)
        w.installEventFilter(filt)
    window._pane_tabs = filt
    bar = FindBar(window)
    window.addToolBar(Qt.BottomToolBarArea, bar)
    window.find_bar = bar

    def key(seq, slot) -> QShortcut:
        sc = QShortcut(QKeySequence(seq), window, context=Qt.WindowShortcut)
        sc.activated.connect(slot)
        return sc

    window.navigation_shortcuts = [
        key("F6", lambda: focus_pane(window, 1)),
        key("Shift+F6", lambda: focus_pane(window, -1)),
        key(QKeySequence.Find, bar.open_find),
        key("Ctrl+G", bar.open_goto),
        key("F3", lambda: bar.step(1)),
        key("Shift+F3", lambda: bar.step(-1)),
    ]
    return bar
