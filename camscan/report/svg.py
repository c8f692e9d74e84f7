"""Hand-built inline SVG charts for the HTML reports: no script, no fonts, no external assets.

Every label goes through :func:`camscan.sanitize.clean` and XML escaping, so a device-supplied
maker name stays text. Charts scale to their container (``viewBox`` + ``width: 100%``) and carry a
``<title>`` and ``role="img"`` for screen readers. Output is deterministic (goldens compare it).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from camscan.sanitize import clean

# Colour-blind-safe palette (Okabe–Ito), restricted red first.
PALETTE = ("#c62828", "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#666")
_FONT = "font-family='system-ui,sans-serif' font-size='12'"


def _x(text: str, limit: int = 40) -> str:
    return html.escape(clean(text, limit), quote=True)


def bar_chart(title: str, items: Sequence[tuple[str, int]], colour: str = PALETTE[0]) -> str:
    """Horizontal bars, one per (label, count), largest first; an empty list says so."""
    rows = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    row_h, label_w, bar_w, top = 22, 190, 300, 26
    height = top + max(len(rows), 1) * row_h + 6
    peak = max((n for _, n in rows), default=0) or 1
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' role='img' "
        f"viewBox='0 0 {label_w + bar_w + 50} {height}' {_FONT}>"
        f"<title>{_x(title, 120)}</title>"
        f"<text x='0' y='16' font-weight='600'>{_x(title, 80)}</text>"
    ]
    if not rows:
        parts.append(f"<text x='0' y='{top + 14}' fill='#555'>none</text>")
    for i, (label, count) in enumerate(rows):
        y = top + i * row_h
        width = round(bar_w * count / peak)
        parts.append(
            f"<text x='{label_w - 6}' y='{y + 14}' text-anchor='end'>{_x(label, 28)}</text>"
            f"<rect x='{label_w}' y='{y + 2}' width='{width}' height='{row_h - 6}' "
            f"fill='{colour}'/>"
            f"<text x='{label_w + width + 4}' y='{y + 14}'>{count}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str, points: Sequence[str], series: Mapping[str, Sequence[int]], limit: int = 8
) -> str:
    """One line per series over the x ``points`` (e.g. dates), with a legend.

    ``series`` maps a name to one count per point; the ``limit`` largest (by last value) are
    drawn, the rest summed into "other".
    """
    ranked = sorted(series.items(), key=lambda kv: (-(kv[1][-1] if kv[1] else 0), kv[0]))
    shown = list(ranked[:limit])
    if len(ranked) > limit:
        rest = [sum(v[i] for _, v in ranked[limit:]) for i in range(len(points))]
        shown.append(("other", rest))
    left, top, plot_w, plot_h = 40, 28, 460, 160
    legend_x = left + plot_w + 20
    height = max(top + plot_h + 40, top + 18 * len(shown) + 10)
    peak = max((max(v, default=0) for _, v in shown), default=0) or 1
    step = plot_w / max(len(points) - 1, 1)

    def xy(i: int, value: int) -> tuple[str, str]:
        return f"{left + i * step:.1f}", f"{top + plot_h - plot_h * value / peak:.1f}"

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' role='img' "
        f"viewBox='0 0 {legend_x + 190} {height}' {_FONT}>"
        f"<title>{_x(title, 120)}</title>"
        f"<text x='0' y='16' font-weight='600'>{_x(title, 80)}</text>"
        f"<line x1='{left}' y1='{top + plot_h}' x2='{left + plot_w}' y2='{top + plot_h}' "
        "stroke='#999'/>"
        f"<line x1='{left}' y1='{top}' x2='{left}' y2='{top + plot_h}' stroke='#999'/>"
        f"<text x='{left - 4}' y='{top + 10}' text-anchor='end'>{peak}</text>"
        f"<text x='{left - 4}' y='{top + plot_h}' text-anchor='end'>0</text>"
    ]
    if points:
        parts.append(
            f"<text x='{left}' y='{top + plot_h + 16}'>{_x(points[0], 20)}</text>"
            f"<text x='{left + plot_w}' y='{top + plot_h + 16}' text-anchor='end'>"
            f"{_x(points[-1], 20)}</text>"
        )
    else:
        parts.append(f"<text x='{left + 8}' y='{top + 20}' fill='#555'>no runs</text>")
    for n, (name, values) in enumerate(shown):
        colour = PALETTE[n % len(PALETTE)]
        coords = " ".join(",".join(xy(i, v)) for i, v in enumerate(values))
        if len(values) == 1:
            cx, cy = xy(0, values[0])
            parts.append(f"<circle cx='{cx}' cy='{cy}' r='3' fill='{colour}'/>")
        elif values:
            parts.append(
                f"<polyline points='{coords}' fill='none' stroke='{colour}' stroke-width='2'/>"
            )
        y = top + 18 * n
        parts.append(
            f"<rect x='{legend_x}' y='{y}' width='10' height='10' fill='{colour}'/>"
            f"<text x='{legend_x + 14}' y='{y + 10}'>{_x(name, 24)} "
            f"({values[-1] if values else 0})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
