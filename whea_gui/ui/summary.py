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


MAX_SHOWN = {"advice": 2, "caveats": 1}  # lines shown above the tree; all are in the tooltip


def _explanation(rec: DecodedRecord) -> dict:
    if explain_record is None:
        return {}
    try:
        return explain_record(rec) or {}
    except Exception:  # an explanation bug must not hide the record
        return {}


def summary_html(rec: DecodedRecord, *, full: bool = False) -> str:
    """Headline, meaning, part and place, advice, caveats and a findings count (rich text)."""
    info = _explanation(rec)
    headline = info.get("headline") or rec.summary or "(no summary)"
    parts = [f"<b>{escape(str(headline))}</b>"]
    if info.get("severity_meaning"):
        parts.append(escape(str(info["severity_meaning"])))
    facts = []
    if info.get("component_name"):
        facts.append(f"<i>Part:</i> {escape(str(info['component_name']))}")
    where = info.get("where")
    if where and where not in headline:
        facts.append(f"<i>Where:</i> {escape(str(where))}")
    detail = info.get("detail")
    if detail and detail not in headline:
        facts.append(f"<i>Detail:</i> {escape(str(detail))}")
    if facts:
        parts.append(" · ".join(facts))
    for key, fmt in (("advice", "▸ {}"), ("caveats", "<i>{}</i>")):
        limit = None if full else MAX_SHOWN[key]
        items = [str(x) for x in info.get(key) or []]
        for item in items[:limit]:
            parts.append(fmt.format(escape(item)))
        if limit is not None and len(items) > limit:
            parts.append(f"<span style='color:#5f6368'>(+{len(items) - limit} more {key}: "
                         "hover to read)</span>")
    if not info and rec.summary and rec.summary != headline:
        parts.append(escape(rec.summary))
    errors = sum(f.level == ERROR for f in rec.findings)
    warnings = sum(f.level == WARNING for f in rec.findings)
    src = rec.source or {}
    line = [f"{rec.kind.upper()}, {len(rec.data)} bytes"]
    if src:
        line.append(f"{escape(str(src.get('path', '')))} @ {src.get('offset', 0)}")
    if errors or warnings:
        colour = "#b3261e" if errors else "#b35c00"
        line.append(f"<span style='color:{colour}'>{errors} error(s), {warnings} warning(s)</span>")
    parts.append(f"<span style='color:#5f6368'>{' · '.join(line)}</span>")
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
        self.setToolTip(summary_html(rec, full=True) if rec is not None else "")
