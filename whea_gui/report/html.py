"""The HTML report: one self-contained file (inline CSS, the chart as inline SVG, no scripts),
readable on screen and printable (print CSS puts each record on its own page).

Rows and record details are rendered as records stream in and spooled to temporary files; the
page is assembled once the summary is known, so memory stays flat.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..core.model import DecodedRecord
from .base import ReportWriter, Spool
from .chart import timeline_svg
from .detail import record_detail
from .rows import record_row
from .summary import SummaryBuilder

TEMPLATES = Path(__file__).resolve().parent / "templates"


def when(text: str | None) -> str:
    """An ISO time as people read it (a space, not "T", between date and time)."""
    return (text or "").replace("T", " ")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["when"] = when
    return env


def _markup_chunks(spool: Spool):
    for chunk in spool.chunks():
        yield Markup(chunk)


class HtmlWriter(ReportWriter):
    def __init__(self, out, meta) -> None:
        super().__init__(out, meta)
        env = environment()
        self.row_template = env.get_template("row.html.j2")
        self.record_template = env.get_template("record.html.j2")
        self.rows = Spool()
        self.details = Spool()

    def add(self, rec: DecodedRecord, index: int) -> None:
        if self.wants_row():
            self.rows.write(self.row_template.render(row=record_row(rec, index),
                                                     anchor=f"record-{index}"))
        if self.wants_detail():
            self.details.write(self.record_template.render(d=record_detail(rec, index)))
            self.detailed += 1

    def context(self, summary: dict[str, Any], builder: SummaryBuilder) -> dict[str, Any]:
        times, severity = builder.timed()
        chart = timeline_svg(times, severity, summary.get("storms", []),
                             summary.get("thresholds", []))
        return {"title": self.meta.title, "version": self.meta.version,
                "generated_at": self.meta.generated_at, "inputs": self.meta.inputs,
                "filters": self.meta.filters, "problems": self.meta.problems,
                "summary": summary, "chart": Markup(chart),
                "detail_note": " ".join(self.limit_notes(summary["records"])[-1:]
                                        if self.detailed < summary["records"] else []),
                "list_note": " ".join(n for n in self.limit_notes(summary["records"])
                                      if n.startswith("The record list"))}

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        ctx = self.context(summary, builder)
        ctx["table_rows"] = _markup_chunks(self.rows)
        ctx["details"] = _markup_chunks(self.details)
        for piece in environment().get_template("report.html.j2").generate(**ctx):
            self.out.write(piece)

    def close(self) -> None:
        self.rows.close()
        self.details.close()
