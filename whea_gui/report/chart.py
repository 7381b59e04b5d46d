"""The report's timeline chart as a small inline SVG (no scripts, no external files): records
per time bin stacked by severity, storms shaded, threshold crossings marked.

Plain text output, so the same records give the same bytes; the PDF writer rasterises the same
SVG with Qt.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import numpy as np

from .summary import EPOCH

# (CPER severity code, label, colour) bottom-up; -1 = not a CPER severity
SERIES = ((1, "Fatal", "#c0392b"), (0, "Recoverable", "#e67e22"), (2, "Corrected", "#2e86c1"),
          (3, "Informational", "#95a5a6"), (-1, "Other", "#c8ccd0"))
WIDTHS = (1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400,
          7 * 86400, 28 * 86400, 91 * 86400, 364 * 86400)
MAX_BINS = 120
STORM_FILL = "#f9e79f"
CROSSING = "#8e44ad"


def bin_width(span: int) -> int:
    return next((w for w in WIDTHS if span / w <= MAX_BINS), WIDTHS[-1])


def width_text(w: int) -> str:
    for unit, name in ((86400 * 7, "week"), (86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if w % unit == 0:
            n = w // unit
            return f"{n} {name}{'s' if n != 1 else ''}"
    return f"{w} s"


def histogram(times: np.ndarray, severity: np.ndarray) -> tuple[int, int, np.ndarray]:
    """(first edge, bin width, counts[bins, series]) of the timed records."""
    t0, t1 = int(times.min()), int(times.max())
    w = bin_width(max(t1 - t0, 1))
    start = t0 - t0 % w
    nb = (t1 - start) // w + 1
    idx = (times - start) // w
    series = np.full(len(times), len(SERIES) - 1, np.int64)
    for i, (code, _, _) in enumerate(SERIES[:-1]):
        series[severity == code] = i
    counts = np.bincount(idx * len(SERIES) + series, minlength=nb * len(SERIES))
    return start, w, counts.reshape(nb, len(SERIES))


def _label(secs: float, w: int) -> str:
    t = EPOCH + dt.timedelta(seconds=int(secs))
    return t.strftime("%Y-%m-%d" if w >= 86400 else "%Y-%m-%d %H:%M")


def _epoch(text: str) -> int:
    return int((dt.datetime.fromisoformat(text) - EPOCH).total_seconds())


def timeline_svg(times: np.ndarray, severity: np.ndarray, storms: list[dict] = (),
                 thresholds: list[dict] = (), width: int = 880, height: int = 240) -> str:
    """The chart as SVG text ('' when no record has a time)."""
    if len(times) == 0:
        return ""
    start, w, counts = histogram(np.asarray(times, np.int64), np.asarray(severity))
    nb = len(counts)
    left, right, top, bottom = 48, 40, 26, 44
    pw, ph = width - left - right, height - top - bottom
    peak = max(int(counts.sum(axis=1).max()), 1)
    xs = pw / nb
    end = start + nb * w

    def x(secs: float) -> float:
        return left + (secs - start) / (end - start) * pw

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img" '
           f'aria-label="Records over time">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    for s in storms:
        a, b = x(_epoch(s["start"])), x(_epoch(s["end"]) + w)
        out.append(f'<rect x="{a:.1f}" y="{top}" width="{max(b - a, 2):.1f}" height="{ph}" '
                   f'fill="{STORM_FILL}"><title>Storm: {s["records"]} records</title></rect>')
    # y axis: 0, half, peak
    for v in sorted({0, peak // 2, peak}):
        y = top + ph - v / peak * ph
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#e5e7e9"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{v}</text>')
    for i in range(nb):
        y = top + ph
        for j, (_, _name, colour) in enumerate(SERIES):
            c = int(counts[i, j])
            if not c:
                continue
            h = c / peak * ph
            y -= h
            out.append(f'<rect class="bar" x="{left + i * xs + 0.5:.1f}" y="{y:.1f}" '
                       f'width="{max(xs - 1, 0.8):.1f}" height="{h:.1f}" fill="{colour}"/>')
    for c in thresholds:
        cx = x(_epoch(c["time"]))
        out.append(f'<line x1="{cx:.1f}" y1="{top}" x2="{cx:.1f}" y2="{top + ph}" stroke="{CROSSING}" '
                   f'stroke-dasharray="3,2"/>'
                   f'<path d="M{cx - 4:.1f},{top - 6} L{cx + 4:.1f},{top - 6} L{cx:.1f},{top} Z" '
                   f'fill="{CROSSING}"><title>{escape(c["rule"])} threshold crossed: '
                   f'{escape(c["location"])}</title></path>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#555"/>')
    for k in range(5):
        secs = start + (end - start) * k / 4
        anchor = ("start", "middle", "middle", "middle", "end")[k]
        out.append(f'<text x="{x(secs):.1f}" y="{top + ph + 15}" text-anchor="{anchor}" '
                   f'fill="#555">{_label(secs, w)}</text>')
    # legend
    lx = left
    legend = [(label, colour) for j, (_, label, colour) in enumerate(SERIES) if counts[:, j].any()]
    if storms:
        legend.append(("Storm", STORM_FILL))
    if thresholds:
        legend.append(("Threshold crossed", CROSSING))
    for label, colour in legend:
        out.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 14}" y="{height - 5}" fill="#333">{label}</text>')
        lx += 24 + 7 * len(label)
    out.append(f'<text x="{left}" y="{top - 10}" fill="#333">Records per {width_text(w)} '
               f'(peak {peak})</text>')
    out.append("</svg>")
    return "\n".join(out)
