"""The PDF report, drawn by Qt's own PDF writer (QPdfWriter + QTextDocument; an offscreen
QGuiApplication is created when none is running).

Same content as the HTML report in Qt's rich-text subset: a contents page with page numbers
(two layout passes: lay out, find each record's page, fill in the numbers, lay out again), a
running header with the title and a footer "Page n of N" on every page. Qt stamps the time
into the PDF's metadata; those stamps are replaced by the report's generated-at time and the
document ID is derived from it, so the same input and generated-at give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from typing import Any

from ..decode.model import DecodedRecord
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
        self.details = Spool()
        self.toc: list[dict[str, Any]] = []
        self.rows_written = 0
        self._pages: dict[str, int] = {}  # anchor → page, from the previous layout pass

    def add(self, rec: DecodedRecord, index: int) -> None:
        self.rows.write(self.row_template.render(row=record_row(rec, index)))
        self.rows_written += 1
        if self.wants_detail():
            d = record_detail(rec, index)
            self.details.write(self.record_template.render(d=d))
            self.toc.append({"anchor": d.anchor, "title": d.title, "level": 1, "page": ""})
            self.detailed += 1

    def html(self, summary: dict[str, Any], chart: bool) -> str:
        m = self.meta
        toc = [{"anchor": "summary", "title": "Summary", "level": 0, "page": ""},
               {"anchor": "records", "title": "Record list", "level": 0, "page": ""}] + self.toc
        for e in toc:
            e["page"] = self._pages.get(e["anchor"], self._pages.get("*", ""))
        left = summary["records"] - self.detailed
        note = (f"Details follow for the first {self.detailed} records; {left} more are in the "
                "record list only.") if left > 0 else ""
        return "".join(environment().get_template("pdf.html.j2").generate(
            title=m.title, version=m.version, generated_at=m.generated_at, inputs=m.inputs,
            filters=m.filters, problems=m.problems, summary=summary, toc=toc,
            chart=chart, chart_width=CHART_PT[0], chart_height=CHART_PT[1],
            table_rows=_chunks(self.rows), details=_chunks(self.details), detail_note=note))

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        times, severity = builder.timed()
        svg = timeline_svg(times, severity, summary.get("storms", []), summary.get("thresholds", []),
                           CHART_W, CHART_H)
        self.out.write(render_pdf(self, summary, svg))

    def close(self) -> None:
        self.rows.close()
        self.details.close()


def doc_pages_guess(writer: PdfWriter) -> int:
    """An upper bound of the page count, for the width of the contents' page numbers."""
    return 10 + 6 * writer.detailed + writer.rows_written // 20


def _chunks(spool: Spool):
    from markupsafe import Markup
    for chunk in spool.chunks():
        yield Markup(chunk)


def _app():
    from PySide6.QtGui import QGuiApplication
    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["whea-report"])
    return app


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
    """Lay out, number the pages, fill in the contents, lay out again, and draw every page."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, QUrl, QUuid
    from PySide6.QtGui import (
        QFont,
        QPageLayout,
        QPageSize,
        QPainter,
        QPdfWriter,
        QTextDocument,
    )
    _app()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pdf = QPdfWriter(buf)
    pdf.setResolution(RESOLUTION)
    pdf.setTitle(writer.meta.title)
    pdf.setCreator(f"WHEA Inspector {writer.meta.version}")
    pdf.setDocumentId(QUuid(str(uuid.uuid5(uuid.NAMESPACE_URL, f"whea-report:{writer.meta.title}:"
                                                                f"{writer.meta.generated_at}"))))
    left, top, right, bottom = MARGINS_MM
    pdf.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                  QMarginsF(left, top, right, bottom), QPageLayout.Unit.Millimeter))
    page = pdf.pageLayout().paintRectPixels(RESOLUTION)
    mm = RESOLUTION / 25.4
    head, foot = HEADER_MM * mm, FOOTER_MM * mm
    body_h = page.height() - head - foot

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(pdf)
    doc.setPageSize(QSizeF(page.width(), body_h))
    doc.setDocumentMargin(0)
    font = QFont("DejaVu Sans")
    font.setPointSizeF(9)
    doc.setDefaultFont(font)
    if svg:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart.png"), _chart_image(svg))
    # Pass 1 with the widest page numbers in the contents, so filling them in moves nothing.
    writer._pages = {"*": 10 ** len(str(max(doc_pages_guess(writer), 1)))}
    doc.setHtml(writer.html(summary, bool(svg)))
    for _ in range(3):
        pages = _anchor_pages(doc, body_h)
        if pages == writer._pages:
            break
        writer._pages = pages
        doc.setHtml(writer.html(summary, bool(svg)))
    total = doc.pageCount()

    painter = QPainter(pdf)
    small = QFont("DejaVu Sans")
    small.setPointSizeF(7.5)
    for p in range(total):
        if p:
            pdf.newPage()
        painter.save()
        painter.translate(0, head - p * body_h)
        doc.drawContents(painter, QRectF(0, p * body_h, page.width(), body_h))
        painter.restore()
        painter.setFont(small)
        painter.setPen(0x566573)
        painter.drawText(QRectF(0, 0, page.width(), head * 0.7), 0x0001 | 0x0040,
                         writer.meta.title)  # AlignLeft | AlignBottom
        painter.drawText(QRectF(0, 0, page.width(), head * 0.7), 0x0002 | 0x0040,
                         "WHEA Inspector")  # AlignRight | AlignBottom
        painter.drawLine(0, int(head * 0.8), page.width(), int(head * 0.8))
        painter.drawText(QRectF(0, page.height() - foot * 0.7, page.width(), foot * 0.7),
                         0x0004 | 0x0020, f"Page {p + 1} of {total}")  # AlignHCenter | AlignTop
    painter.end()
    buf.close()
    return _fix_dates(bytes(data.data()), writer.meta.generated_at)


def _anchor_pages(doc, body_h: float) -> dict[str, int]:
    """1-based page of each named anchor (the ``<a name>`` in headings)."""
    layout = doc.documentLayout()
    pages: dict[str, int] = {}
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid():
                for name in frag.charFormat().anchorNames():
                    top = layout.blockBoundingRect(block).top()
                    pages.setdefault(name, int(top // body_h) + 1)
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
