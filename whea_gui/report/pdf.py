"""The PDF report, drawn by Qt's own PDF writer (QPdfWriter + QTextDocument; an offscreen
QGuiApplication is created when none is running).

By default a summary report: overview, timeline chart, thresholds, storms, top locations and
one line per record. With ``detail`` (``whea report --detail``, the export dialog's option)
each record also gets its own pages with the HTML report's per-record content. A contents page
with page numbers (lay out, find each part's page, fill in the numbers, lay out the contents
again), a running header with the title and a footer "Page n of N" on every page.

Each record's detail is its own small QTextDocument: laying out and drawing one document of a
thousand pages costs time in proportion to its length for every page drawn (400 detailed
records took ~100 s as one document, ~8 s as one document per record). Qt stamps the time
into the PDF's metadata; those stamps are replaced by the report's generated-at time and the
document ID is derived from it, so the same input and generated-at give the same bytes.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import re
import sys
import uuid
from typing import Any

from ..core.model import DecodedRecord
from .base import ReportWriter, Spool
from .chart import timeline_svg
from .detail import record_detail
from .html import environment
from .rows import record_row
from .summary import SummaryBuilder

A4 = "A4"
MARGINS_MM = (14, 12, 14, 12)  # left, top, right, bottom
HEADER_MM, FOOTER_MM = 7, 7
RESOLUTION = 300
CHART_W, CHART_H = 880, 240  # the SVG's size
CHART_PT = (700, 191)  # its size on the page, in the document's pixel units (about the text width)


class PdfWriter(ReportWriter):
    binary = True

    def __init__(self, out, meta) -> None:
        super().__init__(out, meta)
        env = environment()
        self.row_template = env.get_template("pdf_row.html.j2")
        self.record_template = env.get_template("pdf_record.html.j2")
        self.rows = Spool()
        self.details = Spool()  # every detailed record's HTML, one after another
        self.detail_sizes: list[int] = []  # characters of each, to read them back one by one
        self.toc: list[dict[str, Any]] = []

    def wants_detail(self) -> bool:
        """Only when asked for: the PDF's default is the summary with one line per record."""
        return self.meta.detail is True and super().wants_detail()

    def add(self, rec: DecodedRecord, index: int) -> None:
        self.rows.write(self.row_template.render(row=record_row(rec, index)))
        if self.wants_detail():
            d = record_detail(rec, index)
            html = self.record_template.render(d=d)
            self.details.write(html)
            self.detail_sizes.append(len(html))
            self.toc.append({"anchor": d.anchor, "title": d.title, "level": 1, "page": ""})
            self.detailed += 1

    def detail_pages(self):
        """Each detailed record's HTML, in order (read back from the spool)."""
        spool = self.details.file
        spool.flush()
        spool.seek(0)
        for size in self.detail_sizes:
            yield spool.read(size)

    def contents(self, summary: dict[str, Any], pages: dict[str, int]) -> str:
        """The front matter: title, inputs, and the contents with page numbers."""
        m = self.meta
        toc = [{"anchor": "summary", "title": "Summary", "level": 0},
               {"anchor": "records", "title": "Record list", "level": 0}] + self.toc
        toc = [dict(e, page=pages.get(e["anchor"], pages.get("*", ""))) for e in toc]
        return environment().get_template("pdf_front.html.j2").render(
            title=m.title, version=m.version, generated_at=m.generated_at, inputs=m.inputs,
            filters=m.filters, selection=m.selection, summary=summary, toc=toc,
            detailed=self.detailed)

    def body(self, summary: dict[str, Any], chart: bool) -> str:
        """Summary, record list and record details (each record from a new page)."""
        m = self.meta
        left = summary["records"] - self.detailed
        if not self.detailed:
            note = ("This is the summary report: one line per record. For every field of each "
                    "record, export with per-record detail (whea report --detail).")
        elif left > 0:
            note = (f"Details follow for the first {self.detailed} records; {left} more are in "
                    "the record list only.")
        else:
            note = ""
        return "".join(environment().get_template("pdf.html.j2").generate(
            problems=m.problems, summary=summary, chart=chart, chart_width=CHART_PT[0],
            chart_height=CHART_PT[1], table_rows=_chunks(self.rows), detail_note=note,
            selection=m.selection))

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        times, severity = builder.timed()
        svg = timeline_svg(times, severity, summary.get("storms", []), summary.get("thresholds", []),
                           CHART_W, CHART_H)
        self.out.write(render_pdf(self, summary, svg))

    def close(self) -> None:
        self.rows.close()
        self.details.close()


def _chunks(spool: Spool):
    from markupsafe import Markup
    for chunk in spool.chunks():
        yield Markup(chunk)


def _app():
    """The running Qt application, or a new offscreen one. A QApplication (not just a
    QGuiApplication), so the same process can still create widgets later (the window, tests)."""
    from PySide6.QtGui import QGuiApplication
    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        try:
            from PySide6.QtWidgets import QApplication
        except ImportError:  # a Qt without widgets: text documents and PDF need only QtGui
            app = QGuiApplication(["whea-report"])
        else:
            app = QApplication(["whea-report"])
    return app


def _protect_singletons() -> None:
    """PySide6 6.12 on CPython < 3.12 drops a reference to None/True/False on every void call;
    a long PDF makes enough such calls to free None ("none_dealloc" abort). When the binding
    does this, give the singletons a huge extra count (immortal, as on 3.12+). Same fix as the
    window applies (ui/compat.py)."""
    if _GUARDED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    from PySide6.QtCore import QObject
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    if sys.getrefcount(None) < before:
        for obj in (None, True, False):
            ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
    _GUARDED.append(True)


_GUARDED: list[bool] = []


def _chart_image(svg: str):
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer
    scale = 3  # print resolution
    image = QImage(CHART_W * scale, CHART_H * scale, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    return image


def render_pdf(writer: PdfWriter, summary: dict[str, Any], svg: str) -> bytes:
    """Lay out the body once and read each anchor's page; lay out the contents (small) with
    those numbers shifted by its own length; draw contents then body with running headers."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QUrl, QUuid
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument
    _app()
    _protect_singletons()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pdf = QPdfWriter(buf)
    pdf.setResolution(RESOLUTION)
    pdf.setTitle(writer.meta.title)
    pdf.setCreator(f"WHEA Inspector {writer.meta.version}")
    if hasattr(pdf, "setDocumentId"):  # Qt 6.8+; older ones make a random ID
        doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"whea-report:{writer.meta.title}:"
                                                f"{writer.meta.generated_at}")
        pdf.setDocumentId(QUuid(str(doc_id)))
    left, top, right, bottom = MARGINS_MM
    pdf.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                  QMarginsF(left, top, right, bottom), QPageLayout.Unit.Millimeter))
    frame = _Frame(pdf)

    body = frame.document(QTextDocument)
    if svg:
        body.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart.png"), _chart_image(svg))
    body.setHtml(writer.body(summary, bool(svg)))
    body_pages = _anchor_pages(body, frame.body_h)
    details = []  # one laid-out document per detailed record, each from a new page
    next_page = body.pageCount() + 1
    for entry, html in zip(writer.toc, writer.detail_pages(), strict=True):
        doc = frame.document(QTextDocument)
        doc.setHtml(html)
        details.append(doc)
        body_pages[entry["anchor"]] = next_page
        next_page += doc.pageCount()
    front = frame.document(QTextDocument)
    # widest numbers first, so filling in the real ones cannot add a line
    wide = {"*": int("9" * len(str(next_page + len(writer.toc) + 10)))}
    front.setHtml(writer.contents(summary, wide))
    for _ in range(3):
        lead = front.pageCount()
        front.setHtml(writer.contents(summary, {k: v + lead for k, v in body_pages.items()}))
        if front.pageCount() == lead:
            break
    total = front.pageCount() + next_page - 1

    painter = QPainter(pdf)
    number = 0
    for doc in (front, body, *details):
        for p in range(doc.pageCount()):
            if number:
                pdf.newPage()
            number += 1
            frame.draw_page(painter, doc, p, number, total, writer.meta.title)
    painter.end()
    buf.close()
    return _fix_dates(bytes(data.data()), writer.meta.generated_at)


class _Frame:
    """Page geometry: a running header and footer around the text block."""

    def __init__(self, pdf) -> None:
        from PySide6.QtGui import QFont
        self.pdf = pdf
        self.page = pdf.pageLayout().paintRectPixels(RESOLUTION)
        mm = RESOLUTION / 25.4
        self.head, self.foot = HEADER_MM * mm, FOOTER_MM * mm
        self.body_h = self.page.height() - self.head - self.foot
        self.font = QFont("DejaVu Sans")
        self.font.setPointSizeF(9)
        if hasattr(self.font, "setFeature"):  # Qt 6.7+
            # no ligatures: "fi" in a file name must copy out of the PDF as two letters
            self.font.setFeature(QFont.Tag("liga"), 0)
            self.font.setFeature(QFont.Tag("clig"), 0)
        self.small = QFont("DejaVu Sans")
        self.small.setPointSizeF(7.5)

    def document(self, cls):
        from PySide6.QtCore import QSizeF
        doc = cls()
        doc.documentLayout().setPaintDevice(self.pdf)
        doc.setPageSize(QSizeF(self.page.width(), self.body_h))
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self.font)
        return doc

    def draw_page(self, painter, doc, p: int, number: int, total: int, title: str) -> None:
        from PySide6.QtCore import QRectF, Qt
        w, head, foot = self.page.width(), self.head, self.foot
        # header, body, footer: the order text is read back (copying, screen readers)
        painter.setFont(self.small)
        painter.setPen(0x566573)
        band = QRectF(0, 0, w, head * 0.7)
        painter.drawText(band, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, title)
        painter.drawText(band, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                         "WHEA Inspector")
        painter.drawLine(0, int(head * 0.8), w, int(head * 0.8))
        painter.save()
        painter.translate(0, head - p * self.body_h)
        # a hair short of the page end: a block starting on the next page is not drawn clipped here
        doc.drawContents(painter, QRectF(0, p * self.body_h, w, self.body_h - 1))
        painter.restore()
        painter.setFont(self.small)
        painter.setPen(0x566573)
        painter.drawText(QRectF(0, self.page.height() - foot * 0.7, w, foot * 0.7),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         f"Page {number} of {total}")


def _anchor_pages(doc, body_h: float) -> dict[str, int]:
    """1-based page of each named anchor (the ``<a name>`` in headings): the page its first
    line sits on (a block's rectangle may begin in the previous page's bottom margin)."""
    layout = doc.documentLayout()
    pages: dict[str, int] = {}
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid():
                for name in frag.charFormat().anchorNames():
                    if name not in pages:
                        top = layout.blockBoundingRect(block).top()  # lays out up to here
                        line = block.layout().lineAt(0)
                        if line.isValid():
                            top += line.y() + line.height() / 2
                        pages[name] = int(top // body_h) + 1
            it += 1
        block = block.next()
    return pages


_PDF_DATE = re.compile(rb"\(D:\d{14}Z\)")
_XMP_DATE = re.compile(rb'(xmp:(?:CreateDate|ModifyDate|MetadataDate)=")[0-9T:+\-]{25}(")')


def _fix_dates(pdf: bytes, generated_at: str) -> bytes:
    """Replace Qt's wall-clock stamps with the generated-at time (same length: offsets hold)."""
    when = _parse_generated(generated_at)
    pdf_date = f"(D:{when:%Y%m%d%H%M%S}Z)".encode()
    xmp_date = f"{when:%Y-%m-%dT%H:%M:%S}+00:00".encode()
    pdf = _PDF_DATE.sub(pdf_date, pdf)
    return _XMP_DATE.sub(lambda m: m.group(1) + xmp_date + m.group(2), pdf)


def _parse_generated(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime(1980, 1, 1)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when
