"""A custom-painted hex view: offset | 16 hex bytes | ASCII, painting only the visible rows.

Layers, bottom to top: section colours, finding tints/underlines, the selected field (filled), the
bits of a selected bit field (ticks under each byte, most significant bit on the left), the hovered
field (outline) and the cursor (box). Nothing is decoded here: the view paints bytes and ranges it
is given, so a 50 MB buffer scrolls as fast as a small record.
"""

from __future__ import annotations

import base64
import bisect
import math

from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QFontMetricsF,
    QKeySequence,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QMenu

from .palette import HexColours

ROW_BYTES = 16
_PRINTABLE = "".join(chr(c) if 32 <= c < 127 else "." for c in range(256))


def monospace_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    if not QFontMetrics(font).horizontalAdvance("0") or font.family().lower() in ("", "monospace"):
        font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.Monospace)
    font.setFixedPitch(True)
    return font


class HexView(QAbstractScrollArea):
    byteClicked = Signal(int)  # the user put the cursor on a byte (click or arrow keys)
    hoverChanged = Signal(int)  # byte under the mouse, -1 when none
    selectionChanged = Signal(int, int)  # start, length

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._data: bytes | memoryview = b""
        self._regions: list[tuple[int, int, object]] = []  # sorted (start, end, QColor)
        self._region_starts: list[int] = []
        self._findings: list[tuple[int, int, str]] = []  # (start, end, level)
        self._sel = (0, 0)
        self._anchor = 0
        self._cursor = -1
        self._bits: tuple[int, int, int] | None = None  # (byte offset, bit offset, width)
        self._hover: tuple[int, int] | None = None
        self._hover_byte = -1
        self._dragging = False
        self.placeholder = "No record selected"
        self._colours: tuple[int, HexColours] | None = None  # (palette cache key, colours)
        self.setFont(monospace_font())
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setContextMenuPolicy(Qt.DefaultContextMenu)
        self.setMinimumWidth(200)
        self._metrics()

    # -- geometry ----------------------------------------------------------------------------
    def _metrics(self) -> None:
        fm = QFontMetrics(self.font())
        # fractional advance: strings drawn in one call must line up with the computed cells
        self._cw = max(QFontMetricsF(self.font()).horizontalAdvance("0"), 1.0)
        self._ascent = fm.ascent()
        self._lh = fm.height() + 7  # room under the text for bit ticks
        digits = max(8, len(f"{max(len(self._data) - 1, 0):X}"))
        self._digits = digits
        m = round(self._cw / 2) + 2
        self._x_off = m
        self._x_hex = m + (digits + 2) * self._cw
        self._x_ascii = self._x_hex + (ROW_BYTES * 3 + 2) * self._cw
        self._width = math.ceil(self._x_ascii + ROW_BYTES * self._cw + m)
        self._update_scrollbars()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._metrics()

    def sizeHint(self) -> QSize:
        extra = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth() + 4
        return QSize(self._width + extra, 400)

    @property
    def row_count(self) -> int:
        return (len(self._data) + ROW_BYTES - 1) // ROW_BYTES

    def visible_rows(self) -> int:
        return max(1, self.viewport().height() // self._lh)

    def _update_scrollbars(self) -> None:
        vis = self.visible_rows()
        vbar = self.verticalScrollBar()
        vbar.setRange(0, max(0, self.row_count - vis))
        vbar.setPageStep(vis)
        vbar.setSingleStep(1)
        hbar = self.horizontalScrollBar()
        hbar.setRange(0, max(0, self._width - self.viewport().width()))
        hbar.setPageStep(self.viewport().width())
        hbar.setSingleStep(math.ceil(self._cw))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_scrollbars()

    def _hex_x(self, col: int) -> int:
        return self._x_hex + col * 3 * self._cw + (self._cw if col >= 8 else 0)

    def _ascii_x(self, col: int) -> int:
        return self._x_ascii + col * self._cw

    def byte_at(self, pos: QPoint) -> int:
        """The byte offset under a viewport point, or -1."""
        x = pos.x() + self.horizontalScrollBar().value()
        row = self.verticalScrollBar().value() + pos.y() // self._lh
        col = -1
        if self._x_hex - self._cw / 2 <= x < self._x_ascii - self._cw:
            rel = x - self._x_hex
            if rel >= 8 * 3 * self._cw:
                rel -= self._cw
            col = max(0, min(ROW_BYTES - 1, int(rel // (3 * self._cw))))
        elif self._x_ascii <= x < self._x_ascii + ROW_BYTES * self._cw:
            col = int((x - self._x_ascii) // self._cw)
        if col < 0 or pos.y() < 0:
            return -1
        off = row * ROW_BYTES + col
        return off if 0 <= off < len(self._data) else -1

    def point_of(self, offset: int, ascii_column: bool = False) -> QPoint:
        """The viewport point at the centre of ``offset``'s hex (or ASCII) cell."""
        row = offset // ROW_BYTES - self.verticalScrollBar().value()
        col = offset % ROW_BYTES
        x = (self._ascii_x(col) + self._cw / 2) if ascii_column else (self._hex_x(col) + self._cw)
        return QPoint(int(x) - self.horizontalScrollBar().value(), row * self._lh + self._lh // 2)

    # -- content -----------------------------------------------------------------------------
    def set_data(self, data: bytes | memoryview) -> None:
        self._data = data
        self._regions, self._region_starts, self._findings = [], [], []
        self._sel = (0, 0)
        self._cursor = -1
        self._bits = None
        self._hover = None
        self._hover_byte = -1
        self._metrics()
        self.verticalScrollBar().setValue(0)
        self.viewport().update()

    def data(self) -> bytes | memoryview:
        return self._data

    def set_regions(self, regions) -> None:
        """Background colours: iterable of (start, length, QColor); later entries win."""
        spans = sorted(((s, s + n, c) for s, n, c in regions if n > 0), key=lambda r: r[0])
        self._regions = spans
        self._region_starts = [s for s, _, _ in spans]
        self.viewport().update()

    def set_findings(self, findings) -> None:
        """Iterable of (start, length, level)."""
        spans = sorted((s, s + max(n, 1), lvl) for s, n, lvl in findings)
        errors: list[tuple[int, int, str]] = []  # merged, so overlapping errors tint once
        for s, e, lvl in spans:
            if lvl != "error":
                continue
            if errors and s <= errors[-1][1]:
                errors[-1] = (errors[-1][0], max(e, errors[-1][1]), lvl)
            else:
                errors.append((s, e, lvl))
        self._findings = errors + [sp for sp in spans if sp[2] != "error"]
        self.viewport().update()

    def selection(self) -> tuple[int, int]:
        return self._sel

    def cursor_offset(self) -> int:
        return self._cursor

    def selected_bytes(self) -> bytes:
        s, n = self._sel
        return bytes(self._data[s:s + n])

    def set_selection(self, start: int, length: int, *, cursor: int | None = None,
                      scroll: bool = True) -> None:
        n = len(self._data)
        start = max(0, min(start, n))
        length = max(0, min(length, n - start))
        self._sel = (start, length)
        self._anchor = start
        self._cursor = start if cursor is None else max(-1, min(cursor, n - 1))
        if scroll and length:
            self.ensure_visible(start, length)
        self.viewport().update()
        self.selectionChanged.emit(start, length)

    def set_bit_mark(self, offset: int | None, bit_offset: int = 0, bit_width: int = 0) -> None:
        self._bits = None if offset is None or not bit_width else (offset, bit_offset, bit_width)
        self.viewport().update()

    def set_hover_range(self, start: int | None, length: int = 0) -> None:
        new = None if start is None or length <= 0 else (start, length)
        if new != self._hover:
            self._hover = new
            self.viewport().update()

    def hover_range(self) -> tuple[int, int] | None:
        return self._hover

    def ensure_visible(self, start: int, length: int = 1) -> None:
        vbar = self.verticalScrollBar()
        first, last = start // ROW_BYTES, (start + max(length, 1) - 1) // ROW_BYTES
        top, vis = vbar.value(), self.visible_rows()
        if first < top or first >= top + vis:
            # show the start, with the whole range when it fits, and a little context above
            vbar.setValue(max(0, first - (1 if last - first + 2 <= vis else 0)))
        elif last >= top + vis and last - first < vis:
            vbar.setValue(last - vis + 1)

    # -- painting ----------------------------------------------------------------------------
    def colours(self) -> HexColours:
        """The painted colours, derived from the current palette (recomputed when it changes)."""
        pal = self.palette()
        if self._colours is None or self._colours[0] != pal.cacheKey():
            self._colours = (pal.cacheKey(), HexColours(pal))
        return self._colours[1]

    def paintEvent(self, event) -> None:
        p = QPainter(self.viewport())
        p.setFont(self.font())
        pal = self.palette()
        c = self.colours()
        p.fillRect(self.viewport().rect(), pal.base())
        if not len(self._data):
            p.setPen(pal.placeholderText().color())
            p.drawText(self.viewport().rect(), Qt.AlignCenter, self.placeholder)
            return
        p.translate(-self.horizontalScrollBar().value(), 0)
        top = self.verticalScrollBar().value()
        last = min(self.row_count, top + self.viewport().height() // self._lh + 2)
        gutter = QRectF(0, 0, self._x_hex - self._cw, self.viewport().height())
        p.fillRect(gutter, c.gutter)
        for row in range(top, last):
            self._paint_row(p, row, (row - top) * self._lh, c)
        self._paint_outline(p, top, last, self._hover, QPen(c.hover, 1, Qt.DashLine))
        if 0 <= self._cursor < len(self._data) and top <= self._cursor // ROW_BYTES < last:
            self._paint_outline(p, top, last, (self._cursor, 1), QPen(c.cursor, 1))

    def _paint_row(self, p: QPainter, row: int, y: int, c: HexColours) -> None:
        start = row * ROW_BYTES
        chunk = bytes(self._data[start:start + ROW_BYTES])
        n = len(chunk)
        end = start + n
        # section colours
        if self._regions:
            i = max(0, bisect.bisect_right(self._region_starts, end) - 1)
            lo = bisect.bisect_left(self._region_starts, start)
            for s, e, colour in self._regions[max(0, min(lo, i) - 8):i + 1]:
                if e <= start or s >= end:
                    continue
                self._fill_span(p, max(s, start), min(e, end), y, c.tint(colour))
        # findings: errors tinted, warnings and notes underlined
        marks = []
        for s, e, level in self._findings:
            if e <= start or s >= end:
                continue
            a, b = max(s, start), min(e, end)
            if level == "error":
                self._fill_span(p, a, b, y, c.error_background)
            marks.append((a, b, level))
        # selection
        ss, sn = self._sel
        sel_a, sel_b = max(ss, start), min(ss + sn, end)
        bit_field = self._bits is not None
        if sel_a < sel_b:  # a bit field gets a light fill so its bit ticks stay readable
            self._fill_span(p, sel_a, sel_b, y, c.selection_light if bit_field else c.selection)
        # text
        base_y = y + self._ascent + 1
        p.setPen(c.text)
        p.drawText(QPointF(self._x_off, base_y), f"{start:0{self._digits}X}")
        hex_cells = [f"{b:02X}" for b in chunk]
        asc = chunk.decode("latin-1").translate(_TRANSLATE)
        selected = set(range(sel_a - start, sel_b - start)) if sel_a < sel_b and not bit_field \
            else set()
        error_cols = set()
        for a, b, level in marks:
            if level == "error":
                error_cols.update(range(a - start, b - start))
        groups = ((None, lambda col: col not in selected and col not in error_cols),
                  (c.error_text, lambda col: col in error_cols and col not in selected),
                  (c.selection_text, lambda col: col in selected))
        for colour, keep in groups:
            cols = [col for col in range(n) if keep(col)]
            if not cols:
                continue
            p.setPen(c.text if colour is None else colour)
            hex_left = "".join(hex_cells[c] + " " if c in cols else "   " for c in range(min(n, 8)))
            hex_right = "".join(hex_cells[c] + " " if c in cols else "   " for c in range(8, n))
            p.drawText(QPointF(self._hex_x(0), base_y), hex_left)
            if hex_right:
                p.drawText(QPointF(self._hex_x(8), base_y), hex_right)
            p.drawText(QPointF(self._x_ascii, base_y),
                       "".join(asc[c] if c in cols else " " for c in range(n)))
        # underlines for warnings/notes
        for a, b, level in marks:
            if level == "error":
                continue
            pen = QPen(c.levels.get(level, c.levels["note"]), 1,
                       Qt.SolidLine if level == "warning" else Qt.DotLine)
            p.setPen(pen)
            uy = y + self._lh - 2
            p.drawLine(QLineF(self._hex_x(a % ROW_BYTES) - self._cw / 2 + 1, uy,
                              self._hex_x((b - 1) % ROW_BYTES) + 2.5 * self._cw - 1, uy))
        if self._bits is not None:
            self._paint_bits(p, start, end, y, c)

    def _fill_span(self, p: QPainter, a: int, b: int, y: int, colour) -> None:
        """Fill bytes [a, b) of one row in both the hex and the ASCII columns."""
        ca, cb = a % ROW_BYTES, (b - 1) % ROW_BYTES
        h = self._lh - 1
        x0 = self._hex_x(ca) - self._cw / 2
        x1 = self._hex_x(cb) + 2.5 * self._cw
        p.fillRect(QRectF(x0, y, x1 - x0, h), colour)
        p.fillRect(QRectF(self._ascii_x(ca), y, (cb - ca + 1) * self._cw, h), colour)

    def _paint_bits(self, p: QPainter, start: int, end: int, y: int, c: HexColours) -> None:
        off, bit0, width = self._bits
        first_byte = off + bit0 // 8
        last_byte = off + (bit0 + width - 1) // 8
        step = 3 * self._cw / 8  # eight ticks across the byte's cell
        ty = y + self._lh - 6
        for byte in range(max(first_byte, start), min(last_byte + 1, end)):
            x = self._hex_x(byte % ROW_BYTES) - self._cw / 2 + 0.5
            for k in range(8):  # bit 7 drawn leftmost, as the hex digits read
                absolute = (byte - off) * 8 + k
                bx = x + (7 - k) * step
                if bit0 <= absolute < bit0 + width:
                    p.fillRect(QRectF(bx, ty, step - 1, 5), c.bit_on)
                else:
                    p.fillRect(QRectF(bx, ty + 3, step - 1, 2), c.bit_off)

    def _paint_outline(self, p: QPainter, top: int, last: int, rng, pen: QPen) -> None:
        """Outline a byte range as one shape per column area (a run of row segments)."""
        if rng is None:
            return
        s, n = rng
        e = s + n
        a, b = max(s, top * ROW_BYTES), min(e, last * ROW_BYTES, len(self._data))
        if a >= b:
            return
        p.setPen(pen)
        h = self._lh - 1
        for row in range(a // ROW_BYTES, (b - 1) // ROW_BYTES + 1):
            rs = row * ROW_BYTES
            seg_a, seg_b = max(a, rs), min(b, rs + ROW_BYTES)  # bytes [seg_a, seg_b) in this row
            y = (row - top) * self._lh
            top_to = min(seg_b, s + ROW_BYTES)  # bytes with nothing of the range above them
            bottom_from = max(seg_a, e - ROW_BYTES)  # bytes with nothing of the range below them
            for x_of, w in ((lambda c: self._hex_x(c) - self._cw / 2, 3 * self._cw),
                            (self._ascii_x, self._cw)):
                def x(off, _x_of=x_of):
                    return _x_of(off % ROW_BYTES)
                left, right = x(seg_a), x(seg_b - 1) + w - 1
                p.drawLine(QLineF(left, y, left, y + h))
                p.drawLine(QLineF(right, y, right, y + h))
                if seg_a < top_to:
                    p.drawLine(QLineF(left, y, x(top_to - 1) + w - 1, y))
                if bottom_from < seg_b:
                    p.drawLine(QLineF(x(bottom_from), y + h, right, y + h))

    # -- input -------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return super().mousePressEvent(event)
        off = self.byte_at(event.position().toPoint())
        if off < 0:
            return
        if event.modifiers() & Qt.ShiftModifier and self._cursor >= 0:
            self._extend_to(off)
            return
        self._anchor = off
        self._dragging = True
        self._cursor = off
        self._sel = (off, 1)
        self.viewport().update()
        self.selectionChanged.emit(off, 1)
        self.byteClicked.emit(off)

    def mouseMoveEvent(self, event) -> None:
        off = self.byte_at(event.position().toPoint())
        if self._dragging and event.buttons() & Qt.LeftButton and off >= 0:
            self._extend_to(off)
        if off != self._hover_byte:
            self._hover_byte = off
            self.hoverChanged.emit(off)

    def mouseReleaseEvent(self, event) -> None:
        self._dragging = False
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:
        if self._hover_byte != -1:
            self._hover_byte = -1
            self.hoverChanged.emit(-1)
        super().leaveEvent(event)

    def _extend_to(self, off: int) -> None:
        a, b = sorted((self._anchor, off))
        self._cursor = off
        self._sel = (a, b - a + 1)
        self.ensure_visible(off)
        self.viewport().update()
        self.selectionChanged.emit(*self._sel)

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        vbar = self.verticalScrollBar()
        vbar.setValue(vbar.value() - round(steps * 3))

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.Copy):
            self.copy("hex")
            return
        if event.matches(QKeySequence.SelectAll):
            self.set_selection(0, len(self._data), scroll=False)
            return
        n = len(self._data)
        if not n:
            return super().keyPressEvent(event)
        cur = max(self._cursor, 0)
        key = event.key()
        vis = self.visible_rows()
        ctrl = bool(event.modifiers() & Qt.ControlModifier)
        moves = {
            Qt.Key_Left: cur - 1, Qt.Key_Right: cur + 1,
            Qt.Key_Up: cur - ROW_BYTES, Qt.Key_Down: cur + ROW_BYTES,
            Qt.Key_PageUp: cur - ROW_BYTES * vis, Qt.Key_PageDown: cur + ROW_BYTES * vis,
            Qt.Key_Home: 0 if ctrl else cur - cur % ROW_BYTES,
            Qt.Key_End: n - 1 if ctrl else min(n - 1, cur - cur % ROW_BYTES + ROW_BYTES - 1),
        }
        if key not in moves:
            return super().keyPressEvent(event)
        target = max(0, min(n - 1, moves[key]))
        if event.modifiers() & Qt.ShiftModifier:
            if self._cursor < 0:
                self._anchor = cur
            self._extend_to(target)
            return
        self._cursor = target
        self._anchor = target
        self._sel = (target, 1)
        self.ensure_visible(target)
        self.viewport().update()
        self.selectionChanged.emit(target, 1)
        self.byteClicked.emit(target)

    # -- copy --------------------------------------------------------------------------------
    def selection_text(self, fmt: str = "hex") -> str:
        raw = self.selected_bytes()
        if fmt == "hex":
            return raw.hex(" ").upper()
        if fmt == "hex-compact":
            return raw.hex().upper()
        if fmt == "base64":
            return base64.b64encode(raw).decode()
        if fmt == "ascii":
            return raw.decode("latin-1").translate(_TRANSLATE)
        if fmt == "c-array":  # paste into a test or a firmware table
            rows = [", ".join(f"0x{b:02X}" for b in raw[i:i + 12]) for i in range(0, len(raw), 12)]
            return (f"const unsigned char bytes[{len(raw)}] = {{\n    "
                    + ",\n    ".join(rows) + "\n};")
        if fmt == "python":
            return repr(raw)
        raise ValueError(fmt)

    def copy(self, fmt: str = "hex") -> None:
        if self._sel[1]:
            QApplication.clipboard().setText(self.selection_text(fmt))

    def contextMenuEvent(self, event) -> None:
        menu = QMenu(self)
        for label, fmt in (("Copy bytes as hex", "hex"), ("Copy bytes as compact hex", "hex-compact"),
                           ("Copy bytes as Base64", "base64"), ("Copy as ASCII", "ascii"),
                           ("Copy as C array", "c-array"), ("Copy as Python bytes", "python")):
            act = QAction(label, menu)
            act.setEnabled(bool(self._sel[1]))
            act.triggered.connect(lambda _=False, f=fmt: self.copy(f))
            menu.addAction(act)
        menu.exec(event.globalPos())


_TRANSLATE = {i: ch for i, ch in enumerate(_PRINTABLE)}
