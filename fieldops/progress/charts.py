"""Charts drawn on the server as SVG: no chart library, nothing fetched from
elsewhere, the same markup in the browser and in WeasyPrint's PDF. Each chart
carries a <title> and <desc>, and the page shows the same numbers as a table."""
import math

from markupsafe import Markup, escape

from fieldops.progress.format import figure, pct

INK, MUTED, GRID = "#1b2430", "#5b6675", "#d5dbe3"
ACHIEVED, TARGET = "#0b5cad", "#b9c7d8"
FONT = "font-family=\"'FieldOps Serif', 'Noto Sans', sans-serif\""


def _fmt(value, unit):
    """As every table prints it (12.345; 78,3%), with the one rounding of percentages."""
    if value is None:
        return "—"
    if unit == "%":
        return pct(value)
    return figure(value if isinstance(value, float) and not value.is_integer() else int(value)) + unit


def _svg(width, height, title, desc, body):
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>{body}</svg>"
    )


def _count_axis_top(top):
    """The axis' top for counts: four steps of a whole number of two significant digits
    (no tick at 1.294,5 people, and little room wasted above the line)."""
    raw = top / 4
    magnitude = 10 ** max(0, math.floor(math.log10(raw)) - 1) if raw >= 1 else 1
    return 4 * max(1, math.ceil(raw / magnitude) * magnitude)


def line_chart(points, *, title, unit="%", y_max=None, width=640, height=260, expected=None):
    """points: [(label, value or None)], e.g. coverage at the end of each month;
    expected: the target's schedule at the same points (drawn dashed), or None."""
    left, right, top, bottom = 48, 16, 16, 40
    values = [v for _, v in points if v is not None] + [v for v in expected or () if v is not None]
    y_max = y_max or max(values + [1])
    if unit != "%":
        y_max = _count_axis_top(y_max)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)
    parts = []
    for i in range(5):
        y = top + plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{MUTED}" '
                     f'{FONT}>{_fmt(y_max * (4 - i) / 4, unit)}</text>')
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + step * i
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="11" '
                     f'fill="{MUTED}" {FONT}>{escape(label)}</text>')
        if value is not None:
            y = top + plot_h * (1 - min(value, y_max) / y_max)
            coords.append((x, y, value))
    if expected:
        line = " ".join(f"{left + step * i:.1f},{top + plot_h * (1 - min(v, y_max) / y_max):.1f}"
                        for i, v in enumerate(expected) if v is not None)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{MUTED}" stroke-width="1.5" '
                     f'stroke-dasharray="6 4" class="chart-target"/>')
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACHIEVED}" stroke-width="2.5"/>')
        for x, y, value in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{ACHIEVED}"/>')
            parts.append(f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="11" fill="{INK}" '
                         f'{FONT}>{_fmt(value, unit)}</text>')
    desc = "; ".join(f"{label}: {_fmt(value, unit)}" for label, value in points)
    if expected:
        desc += " — " + "; ".join(f"{label}: {_fmt(v, unit)}" for (label, _v), v in zip(points, expected))
    return _svg(width, height, title, desc, "".join(parts))


def target_bars(rows, *, title, unit="", width=640, legend=("Target", "Achieved")):
    """rows: [(label, target or None, achieved)] — one pair of bars per child unit."""
    left, right, row_h, top = 150, 70, 34, 28
    height = top + row_h * max(len(rows), 1) + 8
    top_value = max([max(t or 0, a or 0) for _, t, a in rows] + [1])
    plot_w = width - left - right
    parts = [
        f'<rect x="{left}" y="6" width="12" height="12" fill="{TARGET}"/>'
        f'<text x="{left + 18}" y="16" font-size="11" fill="{MUTED}" {FONT}>{escape(legend[0])}</text>',
        f'<rect x="{left + 120}" y="6" width="12" height="12" fill="{ACHIEVED}"/>'
        f'<text x="{left + 138}" y="16" font-size="11" fill="{MUTED}" {FONT}>{escape(legend[1])}</text>',
    ]
    for i, (label, target, achieved) in enumerate(rows):
        y = top + row_h * i
        parts.append(f'<text x="{left - 8}" y="{y + 18}" text-anchor="end" font-size="12" fill="{INK}" '
                     f'{FONT}>{escape(label)}</text>')
        if target is not None:
            parts.append(f'<rect x="{left}" y="{y + 2}" width="{plot_w * target / top_value:.1f}" height="12" '
                         f'fill="{TARGET}"/>')
        bar = plot_w * (achieved or 0) / top_value
        parts.append(f'<rect x="{left}" y="{y + 15}" width="{bar:.1f}" height="12" fill="{ACHIEVED}"/>')
        parts.append(f'<text x="{left + bar + 6:.1f}" y="{y + 25}" font-size="11" fill="{INK}" {FONT}>'
                     f'{_fmt(achieved, unit)}{" / " + _fmt(target, unit) if target is not None else ""}</text>')
    desc = "; ".join(f"{label}: {_fmt(a, unit)} / {_fmt(t, unit)}" for label, t, a in rows)
    return _svg(width, height, title, desc, "".join(parts))


def category_bars(rows, *, title, unit="", width=640):
    """rows: [(label, value)] — e.g. people affected per obstacle category."""
    left, right, row_h, top = 200, 60, 26, 6
    height = top + row_h * max(len(rows), 1) + 6
    top_value = max([v for _, v in rows] + [1])
    plot_w = width - left - right
    parts = []
    for i, (label, value) in enumerate(rows):
        y = top + row_h * i
        bar = plot_w * value / top_value
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12" fill="{INK}" '
                     f'{FONT}>{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{bar:.1f}" height="15" fill="{ACHIEVED}"/>')
        parts.append(f'<text x="{left + bar + 6:.1f}" y="{y + 16}" font-size="11" fill="{INK}" {FONT}>'
                     f'{_fmt(value, unit)}</text>')
    desc = "; ".join(f"{label}: {_fmt(value, unit)}" for label, value in rows)
    return _svg(width, height, title, desc, "".join(parts))
