"""A small trend drawn as inline SVG by the server: a line through the values, a dot per
period in its status colour, each dot titled with its formatted value.

Drawn here and not by plotly.js because the QBR's PDF is rendered without JavaScript
(WeasyPrint): inline SVG is the one chart the page, its print and the PDF all show alike."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from northstar.web.charts import BLUE, COLOURS

WIDTH, HEIGHT, PAD = 132.0, 36.0, 5.0


def sparkline(values: Sequence[float | None], statuses: Sequence[str | None],
              titles: Sequence[str]) -> Markup:
    """The SVG for `values` (oldest first; None is a gap in the line)."""
    known = [v for v in values if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    span = (hi - lo) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)

    def y(v: float) -> float:
        middle = HEIGHT / 2 if hi == lo else HEIGHT - PAD - (v - lo) / span * (HEIGHT - 2 * PAD)
        return round(middle, 1)

    points = [(round(PAD + i * step, 1), None if v is None else y(v))
              for i, v in enumerate(values)]
    runs: list[list[str]] = [[]]
    for x, yy in points:
        if yy is None:
            runs.append([])
        else:
            runs[-1].append(f"{x},{yy}")
    lines = "".join(f'<polyline points="{" ".join(r)}" fill="none" stroke="{BLUE}" '
                    'stroke-width="1.5"/>' for r in runs if len(r) > 1)
    dots = "".join(
        f'<circle cx="{x}" cy="{yy}" r="3" fill="{COLOURS.get(s, COLOURS[None])}">'
        f"<title>{escape(t)}</title></circle>"
        for (x, yy), s, t in zip(points, statuses, titles, strict=True) if yy is not None)
    label = escape("; ".join(titles))
    return Markup(f'<svg class="sparkline" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" width="{WIDTH:g}" '
                  f'height="{HEIGHT:g}" role="img" aria-label="{label}">{lines}{dots}</svg>')
