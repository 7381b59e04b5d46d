"""The plain-language summary shown above the field tree."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy

from ..core.model import ERROR, WARNING, DecodedRecord
from ..decode.explain import explain_record
from ..session.labels import source_label

WELCOME = ("<h3>WHEA Inspector</h3>"
           "<p>Open error records with <b>File ▸ Open</b> (Ctrl+O) or <b>Open folder</b>, drop files "
           "on this window, or paste hex / Base64 with <b>Edit ▸ Paste record</b> (Ctrl+Shift+V).</p>"
           "<p>Windows WHEA records, UEFI CPER files, concatenated dumps and WhLg entries are "
           "recognised by their content.</p>")


MAX_ADVICE = 3  # advice lines shown above the tree (all are in the tooltip); caveats: all, always
LINK = "field:"  # anchors that select a field in the tree (SummaryLabel.field_requested)
GREY = "#5f6368"


def _explanation(rec: DecodedRecord) -> dict:
    try:
        return explain_record(rec) or {}
    except Exception:  # an explanation bug must not hide the record
        return {}


def _linked(text: str, cites, *, underline: bool = False) -> str:
    """``text`` escaped, as a link to the first cited field when there is one."""
    cites = [c for c in cites or () if isinstance(c, str) and c]
    if not cites:
        return escape(text)
    style = "color:inherit" + ("" if underline else ";text-decoration:none")
    return f"<a href='{LINK}{escape(cites[0], quote=True)}' style='{style}'>{escape(text)}</a>"


def _where_html(info: dict) -> str:
    parts = info.get("location") or []
    if parts:
        return ", ".join(_linked(f"{p['label']} {p['value']}".strip(), p.get("cites"), underline=True)
                         for p in parts)
    return escape(str(info.get("where") or ""))


def summary_html(rec: DecodedRecord, *, full: bool = False) -> str:
    """Headline, meaning, part and place, advice, every caveat and a findings count (rich text).

    Caveats (what the record cannot tell, or where it contradicts itself) are always shown: a
    reader must not act on the advice without seeing them.
    """
    info = _explanation(rec)
    headline = info.get("headline") or rec.summary or "(no summary)"
    parts = [f"<b>{escape(str(headline))}</b>"]
    if info.get("severity_meaning"):
        parts.append(escape(str(info["severity_meaning"])))
    facts = []
    if info.get("component_name"):
        facts.append(f"<i>Part:</i> {escape(str(info['component_name']))}")
    if info.get("where"):
        facts.append(f"<i>Where:</i> {_where_html(info)}")
    detail = info.get("detail")
    if detail and detail not in headline:
        facts.append(f"<i>Detail:</i> {_linked(str(detail), (info.get('cites') or {}).get('detail'))}")
    if facts:
        parts.append(" · ".join(facts))
    said = info.get("statements") or []
    advice = [s for s in said if s.get("kind") == "advice"] or \
        [{"text": a, "cites": []} for a in info.get("advice") or []]
    caveats = [s for s in said if s.get("kind") == "caveat"] or \
        [{"text": c, "cites": []} for c in info.get("caveats") or []]
    limit = None if full else MAX_ADVICE
    for item in advice[:limit]:
        parts.append("▸ " + escape(str(item["text"])))
    if limit is not None and len(advice) > limit:
        parts.append(f"<span style='color:{GREY}'>(+{len(advice) - limit} more advice: hover to "
                     "read)</span>")
    for item in caveats:
        parts.append("<span style='color:#8a5300'>⚠ " + _linked(str(item["text"]), item.get("cites"))
                     + "</span>")
    if not info and rec.summary and rec.summary != headline:
        parts.append(escape(rec.summary))
    errors = sum(f.level == ERROR for f in rec.findings)
    warnings = sum(f.level == WARNING for f in rec.findings)
    src = rec.source or {}
    line = [f"{rec.kind.upper()}, {len(rec.data)} bytes"]
    if src:
        line.append(escape(source_label(src, full_path=True)))
    if errors or warnings:
        colour = "#b3261e" if errors else "#b35c00"
        line.append(f"<span style='color:{colour}'>{errors} error(s), {warnings} warning(s)</span>")
    parts.append(f"<span style='color:{GREY}'>{' · '.join(line)}</span>")
    return "<br>".join(parts)


class SummaryLabel(QLabel):
    """The explanation pane; clicking a cited part (where, detail, a caveat) emits
    ``field_requested`` with the field's tree path."""

    field_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.RichText)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.LinksAccessibleByMouse)
        self.setOpenExternalLinks(False)
        self.linkActivated.connect(self._link)
        self.setMargin(6)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        self.setObjectName("summary")
        self.show_record(None)

    def _link(self, href: str) -> None:
        if href.startswith(LINK):
            self.field_requested.emit(href[len(LINK):])

    def show_record(self, rec: DecodedRecord | None) -> None:
        self._rec = rec
        self.setText(self._themed(summary_html(rec) if rec is not None else WELCOME))
        self.setToolTip(self._themed(summary_html(rec, full=True)) if rec is not None else "")

    def _themed(self, html: str) -> str:
        """Qt's rich text knows no ``inherit``, and fixed greys vanish on a dark palette."""
        pal = self.palette()
        html = html.replace("color:inherit", f"color:{pal.text().color().name()}")
        if pal.base().color().lightness() >= 128:
            return html
        for light, dark in ((GREY, pal.placeholderText().color().name()), ("#8a5300", "#f0b45a"),
                            ("#b3261e", "#ff8a80"), ("#b35c00", "#ffb74d")):
            html = html.replace(light, dark)
        return html

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and hasattr(self, "_rec"):
            self.show_record(self._rec)
