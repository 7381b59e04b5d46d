"""The plain-language summary shown above the field tree."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from ..decode.model import ERROR, WARNING, DecodedRecord

try:  # written by the explain helper; used when present
    from ..decode.explain import explain_record
except ImportError:  # pragma: no cover - depends on what is merged
    explain_record = None

WELCOME = ("<h3>WHEA Inspector</h3>"
           "<p>Open error records with <b>File ▸ Open</b> (Ctrl+O) or <b>Open folder</b>, drop files "
           "on this window, or paste hex / Base64 with <b>Edit ▸ Paste record</b> (Ctrl+Shift+V).</p>"
           "<p>Windows WHEA records, UEFI CPER files, concatenated dumps and WhLg entries are "
           "recognised by their content.</p>")


def summary_html(rec: DecodedRecord) -> str:
    """Headline, meaning, where, advice and a findings count, as small rich text."""
    parts: list[str] = []
    info = None
    if explain_record is not None:
        try:
            info = explain_record(rec)
        except Exception:  # an explanation bug must not hide the record
            info = None
    headline = (info or {}).get("headline") or rec.summary or "(no summary)"
    parts.append(f"<b>{escape(str(headline))}</b>")
    if info:
        for key in ("severity_meaning", "component", "where"):
            if info.get(key):
                parts.append(escape(str(info[key])))
        for item in info.get("advice") or []:
            parts.append("▸ " + escape(str(item)))
        for item in info.get("caveats") or []:
            parts.append(f"<i>{escape(str(item))}</i>")
    elif rec.summary and rec.summary != headline:
        parts.append(escape(rec.summary))
    errors = sum(f.level == ERROR for f in rec.findings)
    warnings = sum(f.level == WARNING for f in rec.findings)
    src = rec.source or {}
    where = f"{escape(str(src.get('path', '')))} @ {src.get('offset', 0)}" if src else ""
    facts = [f"{rec.kind.upper()}, {len(rec.data)} bytes"]
    if where:
        facts.append(where)
    if errors or warnings:
        colour = "#b3261e" if errors else "#b35c00"
        facts.append(f"<span style='color:{colour}'>{errors} error(s), {warnings} warning(s)</span>")
    parts.append(f"<span style='color:#5f6368'>{' · '.join(facts)}</span>")
    return "<br>".join(parts)


class SummaryLabel(QLabel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.RichText)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.setMargin(6)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        self.setObjectName("summary")
        self.show_record(None)

    def show_record(self, rec: DecodedRecord | None) -> None:
        self.setText(summary_html(rec) if rec is not None else WELCOME)
