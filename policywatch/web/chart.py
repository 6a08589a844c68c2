"""A threshold over time as server-rendered SVG: no script, no external resource.

A threshold holds from the version that sets it until the next one, so each series is
drawn as steps: flat until the next version, then up or down. Each point carries a
``<title>`` (the browser shows it on hover) with the date, the threshold and the notice.
Every string that reaches the SVG is escaped; colours are presentation attributes, not
``style``, so the page's Content-Security-Policy needs no inline styles.
"""

from __future__ import annotations

import math
from datetime import date
from html import escape
from typing import Any

WIDTH, HEIGHT = 520, 240
LEFT, RIGHT, TOP, BOTTOM = 84, 16, 16, 34
LEGEND_LINE = 18
PALETTE = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d",
           "#b7950b")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return None


def _nice_step(value: float) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) at or above ``value``.

    >>> _nice_step(0.825), _nice_step(3_750_000), _nice_step(0)
    (1.0, 5000000.0, 1.0)
    """
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value * (1 - 1e-9):
            return float(step * magnitude)
    return float(10 * magnitude)


def axis_ticks(highest: float, count: int = 4) -> list[float]:
    """Round ticks from 0 to above ``highest``, about ``count`` steps.

    >>> axis_ticks(3)
    [0.0, 1.0, 2.0, 3.0, 4.0]
    >>> axis_ticks(15_000_000)
    [0.0, 5000000.0, 10000000.0, 15000000.0, 20000000.0]
    """
    step = _nice_step(highest * 1.1 / count)
    steps = max(1, math.ceil(highest * 1.1 / step - 1e-9))
    return [step * index for index in range(steps + 1)]


def threshold_svg(chart: dict[str, Any], *, today: date | None = None) -> str:
    """The SVG of one chart from :func:`policywatch.web.pages.threshold_charts`; each
    series runs on to ``today`` (default: the current date)."""
    from policywatch.nlp.link.diff import format_value

    series = [s for s in chart["series"] if any(_day(p["date"]) for p in s["points"])]
    title = f"{chart['tier_label']['zh']} · {chart['metric_label']['zh']} / " \
            f"{chart['tier_label']['en']}: {chart['metric_label']['en']}"
    legend_height = LEGEND_LINE * len(series) + 8
    total_height = HEIGHT + legend_height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
           f'viewBox="0 0 {WIDTH} {total_height}" width="{WIDTH}" height="{total_height}" '
           f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    days = [_day(p["date"]) for s in series for p in s["points"]]
    days = [d for d in days if d]
    if not days:
        out.append(f'<text x="{LEFT}" y="{TOP + 20}" font-size="13" fill="#666">'
                   "没有带日期的版本 / no dated version</text></svg>")
        return "".join(out)
    first, last = min(days), max(days)
    end = max(last, today or date.today())  # a threshold holds until it is changed
    start_year, end_year = first.year, end.year + 1
    x0, x1 = date(start_year, 1, 1).toordinal(), date(end_year, 1, 1).toordinal()
    ticks = axis_ticks(max(p["value"] for s in series for p in s["points"]))
    top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * (day.toordinal() - x0) / max(1, x1 - x0)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    unit = chart.get("unit")
    # axes and grid
    out.append('<g font-size="11" fill="#555">')
    for value in ticks:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
                   f'y2="{y(value):.1f}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                   f"{escape(format_value(value, unit, 'zh'))}</text>")
    years = list(range(start_year, end_year + 1))
    stride = max(1, len(years) // 8)
    for year in years[::stride]:
        px = x(date(year, 1, 1))
        out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                   f'stroke="#f0f0f0"/>')
        out.append(f'<text x="{px:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                   f"{year}</text>")
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
               f'y2="{HEIGHT - BOTTOM}" stroke="#999"/></g>')
    # series as steps
    for index, entry in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        width = 2.5 if entry.get("own") else 1.4
        dash = "" if entry.get("own") else ' stroke-dasharray="5 3"'
        points = sorted((p for p in entry["points"] if _day(p["date"])),
                        key=lambda p: (p["date"], p["value"]))
        path: list[str] = []
        for position, point in enumerate(points):
            px, py = x(_day(point["date"])), y(point["value"])  # type: ignore[arg-type]
            if position == 0:
                path.append(f"M{px:.1f},{py:.1f}")
            else:
                path.append(f"H{px:.1f}V{py:.1f}")
        if points:
            path.append(f"H{x(end):.1f}")
        out.append(f'<path class="series" d="{" ".join(path)}" fill="none" stroke="{colour}" '
                   f'stroke-width="{width}"{dash}/>')
        for point in points:
            px, py = x(_day(point["date"])), y(point["value"])  # type: ignore[arg-type]
            label = (f"{point['date']} {point['label']} · notice #{point['notice_id']} "
                     f"(version {point['version_id']}) · {entry['name']}")
            out.append(f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="4" '
                       f'fill="{colour}"><title>{escape(label)}</title></circle>')
    # legend
    for index, entry in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        ly = HEIGHT + 4 + index * LEGEND_LINE
        dash = "" if entry.get("own") else ' stroke-dasharray="5 3"'
        out.append(f'<line x1="{LEFT}" x2="{LEFT + 24}" y1="{ly + 6}" y2="{ly + 6}" '
                   f'stroke="{colour}" stroke-width="2.5"{dash}/>')
        suffix = "" if entry.get("own") else "（对比 / for comparison）"
        out.append(f'<text x="{LEFT + 32}" y="{ly + 10}" font-size="12" fill="#333">'
                   f"{escape(entry['name'] + suffix)}</text>")
    out.append("</svg>")
    return "".join(out)
