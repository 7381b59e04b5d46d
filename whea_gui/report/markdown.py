"""Markdown for tickets and forum posts: a compact summary, then one section per record with
tables for the header and each section's fields and a list of findings.

``record_markdown(rec)`` is one record on its own (the window's "Copy record as Markdown").
Every value from a record is escaped so it shows as text (no stray tables, links or HTML).
"""

from __future__ import annotations

import re
from typing import Any

from ..core.model import DecodedRecord
from .base import ReportWriter, Spool
from .detail import FieldRow, RecordDetail, header_facts, record_detail
from .explained import Explanation
from .summary import SummaryBuilder

MD_LOCATIONS = 10  # a ticket wants the worst few; the other formats list more
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_SPACE = re.compile(r"[\r\n\t]+")


def md(value: Any) -> str:
    """Text safe in a Markdown paragraph or table cell."""
    text = _SPACE.sub(" ", str(value))
    text = "".join(ch if ch >= " " else f"\\x{ord(ch):02x}" for ch in text)
    return _SPECIAL.sub(r"\\\1", text)


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(md(c) for c in r) + " |" for r in rows]
    return out


def _field_table(rows: list[FieldRow]) -> list[str]:
    return _table(["Field", "Value", "Bytes"],
                  [["\u00a0\u00a0" * r.depth + r.label, r.value, r.where] for r in rows])


def explanation_markdown(e: Explanation) -> list[str]:
    """The explanation as a quote block: headline, how bad, part, where (with its parts), what
    failed, what to do and every caveat (none is ever left out)."""
    lines = [f"> **{md(e.headline)}**"]

    def para(text: str) -> None:
        lines.extend([">", f"> {text}"])

    if e.severity_meaning:
        para(f"How bad: {md(e.severity_meaning)}")
    if e.component_name:
        para(f"Part: {md(e.component_name)}")
    if e.where:
        para(f"Where: {md(e.where)}")
        if e.parts:
            lines.append(">")
            lines += ["> - " + f"{md(label)} {md(value)}".strip() for label, value in e.parts]
    if e.detail:
        para(f"What failed: {md(e.detail)}")
    if e.advice:
        para("What to do:")
        lines.append(">")
        lines += [f"> - {md(a)}" for a in e.advice]
    if e.caveats:
        para("Caveats (what the record cannot tell; read before acting):")
        lines.append(">")
        lines += [f"> - {md(c)}" for c in e.caveats]
    return lines


def detail_markdown(d: RecordDetail, facts: list[tuple[str, Any]], level: int = 2) -> str:
    h = "#" * level
    lines = [f"{h} {md(d.title)}", "", f"**{md(d.row['severity'])}** — {md(d.summary)}", ""]
    lines += explanation_markdown(d.explanation) + [""]
    lines += _table(["Header", "Value"], [[k, v] for k, v in facts]) + [""]
    src = ", ".join(f"{k} {v}" for k, v in d.provenance)
    lines += [f"Source: {md(src)}", ""]
    lines += [f"{h}# Findings", ""]
    if d.findings:
        lines += [f"- **{f.level}** @{f.offset}+{f.length}"
                  + (f" ({md(f.field)})" if f.field else "") + f": {md(f.message)}"
                  for f in d.findings]
    else:
        lines.append("None.")
    lines.append("")
    for s in d.sections:
        v = s.values
        lines += [f"{h}# Section {s.index}: {md(s.title)}", ""]
        facts_s = [["Severity", v.get("severity_name") or "?"], ["Type", v.get("type") or "?"]]
        if v.get("flag_names"):
            facts_s.append(["Flags", ", ".join(v["flag_names"])])
        if v.get("fru_text"):
            facts_s.append(["FRU text", v["fru_text"]])
        if v.get("fru_id"):
            facts_s.append(["FRU ID", v["fru_id"]])
        if s.component or s.location:
            facts_s.append(["Location", f"{s.component} {s.location}".strip()])
        if s.summary:
            lines += [md(s.summary), ""]
        lines += _table(["Descriptor", "Value"], facts_s) + [""]
        if s.same_body_as is not None:
            lines += [f"Body: the same bytes as section {s.same_body_as}'s (this descriptor points at "
                      "them too); its fields are shown there.", ""]
        elif s.body:
            lines += _field_table(s.body) + [""]
        else:
            lines += ["Body not decoded.", ""]
    if d.sections_not_shown:
        lines += [f"{d.sections_not_shown} more section(s) are not shown (at most {len(d.sections)} per "
                  "record in a report); `whea decode --json` lists every one.", ""]
    return "\n".join(lines)


def record_markdown(rec: DecodedRecord, index: int = 1, *, level: int = 2) -> str:
    """One record as Markdown (header facts, explanation, findings, section fields)."""
    return detail_markdown(record_detail(rec, index), header_facts(rec), level)


def summary_markdown(summary: dict[str, Any]) -> list[str]:
    lines = [f"- Records: **{summary['records']}** "
             f"({summary['records_with_errors']} with error findings)"]
    if summary.get("first_time"):
        lines.append(f"- Time span: {summary['first_time']} to {summary['last_time']}")
    if summary.get("time_note"):
        lines.append(f"- {summary['time_note']}")
    for key, label in (("by_severity", "Severity"), ("by_section_type", "Section types"),
                       ("by_component", "Components"), ("by_source", "Sources")):
        if summary.get(key):
            lines.append(f"- {label}: " + ", ".join(f"{md(k)} {v}" for k, v in summary[key].items()))
    lines.append("")
    if summary.get("by_location"):
        lines += ["Top fault locations:", ""]
        lines += _table(["Location", "Records"],
                        [[k, v] for k, v in list(summary["by_location"].items())[:MD_LOCATIONS]])
        lines.append("")
    if summary.get("thresholds"):
        lines += ["Thresholds crossed:", ""]
        lines += _table(["Rule", "Location", "Crossed at", "Peak", "Record"],
                        [[c["rule"], c["location"], c["time"], c["peak"], c["record"]]
                         for c in summary["thresholds"]])
        lines.append("")
    if summary.get("storms"):
        lines += ["Storms:", ""]
        lines += _table(["Start", "End", "Records", "First record"],
                        [[s["start"], s["end"], s["records"], s["first_record"]]
                         for s in summary["storms"]])
        lines.append("")
    return lines


class MarkdownWriter(ReportWriter):
    def __init__(self, out, meta) -> None:
        super().__init__(out, meta)
        self.rows = Spool()
        self.details = Spool()

    def add(self, rec: DecodedRecord, index: int) -> None:
        listed, detailed = self.wants_row(), self.wants_detail()
        if not (listed or detailed):
            return  # beyond both limits: the summary alone counts it
        d = record_detail(rec, index)
        row = d.row
        cells = [index, row["time"], row["severity"], row["section_types"] or row["notify_type"],
                 row["summary"], row["findings"]]
        if listed:
            self.rows.write("| " + " | ".join(md(c) for c in cells) + " |\n")
        if detailed:
            self.details.write(detail_markdown(d, header_facts(rec)) + "\n")
            self.detailed += 1

    def finish(self, summary: dict[str, Any], builder: SummaryBuilder) -> None:
        m = self.meta
        w = self.out.write
        w(f"# {md(m.title)}\n\n")
        w(f"Generated {m.generated_at} by WHEA Inspector {m.version}\n\n")
        if m.inputs:
            w(f"Inputs: {md(', '.join(m.inputs))}\n\n")
        if m.filters:
            w(f"Filters: {md(m.filters)}\n\n")
        w("\n".join(summary_markdown(summary)) + "\n")
        if m.problems:
            w("Input problems:\n\n" + "".join(f"- {md(p)}\n" for p in m.problems) + "\n")
        w("## Record list\n\n")
        notes = self.limit_notes(summary["records"])
        if notes and notes[0].startswith("The record list"):
            w(md(notes.pop(0)) + "\n\n")
        w("| # | Time | Severity | Sections | Summary | Findings |\n|---|---|---|---|---|---|\n")
        self.rows.copy_to(self.out)
        w("\n")
        for note in notes:
            w(md(note) + "\n\n")
        self.details.copy_to(self.out)

    def close(self) -> None:
        self.rows.close()
        self.details.close()
