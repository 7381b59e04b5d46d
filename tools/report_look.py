"""Look-check: render report pages to PNG so a person can see them (not a test, not a runtime
dependency). PDF pages via pypdfium2 (pip install pypdfium2); HTML via headless Chromium when
installed (apt-get install chromium); Markdown, CSV and JSON drawn with Qt.

Run: python tools/report_look.py REPORT.pdf|REPORT.html [--pages 1,2,5] [--out DIR] [--width PX]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path


def _save_rgb(array, path: Path) -> None:
    from PySide6.QtGui import QGuiApplication, QImage
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])
    h, w, channels = array.shape
    fmt = QImage.Format.Format_BGR888 if channels == 3 else QImage.Format.Format_ARGB32
    image = QImage(array.tobytes(), w, h, w * channels, fmt)
    image.save(str(path))


def pdf_pages(pdf: Path, pages: list[int], out: Path, scale: float) -> list[Path]:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(pdf))
    made = []
    for p in pages:
        if p > len(doc):
            continue
        bitmap = doc[p - 1].render(scale=scale)
        path = out / f"{pdf.stem}-page{p}.png"
        _save_rgb(bitmap.to_numpy(), path)
        made.append(path)
    print(f"{pdf}: {len(doc)} pages")
    return made


def html_page(html: Path, out: Path, width: int, height: int) -> list[Path]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("chromium is not installed (apt-get install chromium)")
    path = out / f"{html.stem}-html.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},{height}", f"--screenshot={path}",
                    html.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    return [path]


def text_page(report: Path, out: Path, width: int, height: int) -> list[Path]:
    """Markdown as Qt renders it, CSV as a table, JSON as text: the top of the file."""
    import csv
    import html

    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QTextDocument
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])
    text = report.read_text(encoding="utf-8")
    doc = QTextDocument()
    doc.setDefaultFont(QFont("DejaVu Sans", 9))
    if report.suffix == ".md":
        doc.setMarkdown(text[:60000])
    elif report.suffix == ".csv":
        rows = list(csv.reader(text.splitlines()[:40]))
        cells = "".join("<tr>" + "".join(f"<td>{html.escape(c[:90])}</td>" for c in r) + "</tr>"
                        for r in rows)
        doc.setHtml(f'<table border="1" cellspacing="0" cellpadding="3" style="font-size:8pt">{cells}</table>')
    else:
        doc.setHtml("<pre style='font-size:8pt'>" + html.escape("\n".join(
            line[:160] for line in text.splitlines()[:80])) + "</pre>")
    doc.setTextWidth(width - 20)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(10, 10)
    doc.drawContents(painter, QRectF(0, 0, width - 20, height - 20))
    painter.end()
    path = out / f"{report.stem}-{report.suffix[1:]}.png"
    image.save(str(path))
    return [path]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("report", type=Path)
    ap.add_argument("--pages", default="1,2,3")
    ap.add_argument("--out", type=Path, default=Path("/tmp"))
    ap.add_argument("--scale", type=float, default=1.2)
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=1600)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.report.suffix.lower() == ".pdf":
        made = pdf_pages(args.report, [int(p) for p in args.pages.split(",")], args.out, args.scale)
    elif args.report.suffix.lower() in (".md", ".csv", ".json", ".jsonl"):
        made = text_page(args.report, args.out, args.width, args.height)
    else:
        made = html_page(args.report, args.out, args.width, args.height)
    for m in made:
        print(m)


if __name__ == "__main__":
    main()
