"""Chart specs for plotly.js (served by the app itself from the plotly wheel, never a CDN).

Each function returns a plain figure dict; the page puts it in a `data-figure` attribute and
static/app.js draws it. Every number a chart shows (axis ticks, hover labels, bar and funnel
labels, the bullet's value) is written in Python by northstar.formatting, never by plotly's
own number formats, so it reads exactly as the tile's headline does; `value_axis` and
`period_axis` are where units and periods meet plotly.

plotly.js draws its text (annotations, hover labels, tick and category labels) through an
HTML subset: `<a href>` becomes a live link, `<b>` bold. Every text that comes from stored data
(a note, a slice's name, a cell) goes through `plain` first, so it is shown as typed."""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Iterable
from typing import Any

from northstar.formatting import format_delta, format_period, format_tick, format_value

COLOURS = {"green": "#1a7f37", "yellow": "#9a6700", "red": "#cf222e", "grey": "#656d76",
           None: "#0969da"}
"""Status colours; the same as --green, --yellow, --red and --grey in static/style.css.
White text on each reads at 4.5:1 or more (WCAG AA), and each stands out on a white page."""
BASELINE = "#eaeef2"
"""A cell that is its own comparison (a cohort's first year): neutral, dark text."""
PLAIN = "#ffffff"
"""A cell with no bands to colour it."""
BLUE = "#0969da"
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "height": 260,
           "showlegend": True, "legend": {"orientation": "h", "x": 0, "y": 1.15},
           "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}
MAX_PERIOD_LABELS = 13


def plain(text: object) -> str:
    """`text` as plotly should show it, literally: plotly splits its HTML subset on `<...>`
    tags, then turns the entities `&lt;` `&gt;` `&amp;` of the remaining text into the
    characters, so escaping these three leaves no tag and shows every character as typed."""
    return html.escape(str(text), quote=False)


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def nice_ticks(lo: float, hi: float, *, whole: bool = False, count: int = 5) -> list[float]:
    """About `count` round steps (1, 2, 2.5 or 5 times a power of ten) from at or below `lo`
    to at or above `hi`; whole steps only when `whole` (a count has no half)."""
    lo, hi = min(lo, hi), max(lo, hi)
    if lo == hi:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        if lo == hi:
            hi = lo + 1.0
    raw = (hi - lo) / count
    mag = 10.0 ** math.floor(math.log10(raw))
    if whole:
        mag = max(mag, 1.0)
    steps = (1, 2, 5, 10) if whole and mag == 1.0 else (1, 2, 2.5, 5, 10)
    step = next(m * mag for m in steps if m * mag >= raw * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def _ticks(unit: str, values: Iterable[float | None]) -> dict[str, Any]:
    nums = [v for v in values if v is not None] or [0.0, 1.0]
    ticks = nice_ticks(min(nums), max(nums), whole=unit == "count")
    return {"tickmode": "array", "tickvals": ticks,
            "ticktext": [format_tick(t, unit) for t in ticks]}


def value_axis(unit: str, values: Iterable[float | None], *,
               zero: bool = False) -> dict[str, Any]:
    """A value axis whose ticks read in the unit ($150K, 35%, 2.5x), spanning `values` (and
    0 when `zero`: bars start there). Margins grow to fit the labels."""
    nums = [*values, *([0.0] if zero else [])]
    return {**_ticks(unit, nums), "automargin": True}


def period_axis(periods: list[str]) -> dict[str, Any]:
    """A category axis of periods labelled as people write them (Nov '25, Q4 '25), at most
    `MAX_PERIOD_LABELS` of them (always the last), never cut: margins grow to fit."""
    step = max(1, math.ceil(len(periods) / MAX_PERIOD_LABELS))
    shown = periods[::-1][::step][::-1]
    return {"type": "category", "tickmode": "array", "tickvals": shown,
            "ticktext": [plain(format_period(p, short=True)) for p in shown],
            "automargin": True}


def _hover(texts: list[str]) -> dict[str, Any]:
    return {"hovertext": [plain(t) for t in texts], "hoverinfo": "text"}


def trend(points: list[dict[str, Any]], unit: str, decimals: int | None = None,
          ) -> dict[str, Any]:
    """Value per period with the target as a dashed line; markers coloured by status (the
    legend shows the line, not a status)."""
    x = [pt["period"] for pt in points]
    labels = [format_period(p) for p in x]
    y = [_num(pt["value"]) for pt in points]
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines", "name": "Actual", "x": x, "y": y,
         "line": {"color": BLUE}, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "markers", "name": "Actual", "showlegend": False,
         "x": x, "y": y,
         "marker": {"size": 9, "color": [COLOURS.get(pt.get("status")) for pt in points]},
         **_hover([f"{lbl}: {pt.get('label') or format_value(pt['value'], unit, decimals)}"
                   + (" so far" if pt.get("open") else "")
                   + (f" ({pt['status']})" if pt.get("status") else "")
                   for lbl, pt in zip(labels, points, strict=True)])},
    ]
    if points and points[-1].get("open"):  # the period in progress: a hollow marker
        data[1]["marker"]["symbol"] = ["circle"] * (len(points) - 1) + ["circle-open"]
    targets = [_num(pt.get("target")) for pt in points]
    if any(t is not None for t in targets):
        data.append({"type": "scatter", "mode": "lines", "name": "Target", "x": x, "y": targets,
                     "line": {"dash": "dash", "color": "#57606a"},
                     **_hover([f"{lbl}: target {format_value(t, unit, decimals)}"
                               for lbl, t in zip(labels, targets, strict=True)])})
    return {"data": data, "layout": {**_LAYOUT, "xaxis": period_axis(x),
                                     "yaxis": value_axis(unit, [*y, *targets])}}


def with_annotations(figure: dict[str, Any], points: list[dict[str, Any]],
                     notes: list[dict[str, Any]]) -> dict[str, Any]:
    """Put each dated note on the trend, at the period it falls in."""
    value_of = {pt["period"]: _num(pt["value"]) for pt in points}
    marks = [{"x": n["period"], "y": value_of[n["period"]], "text": plain(n["note"]),
              "showarrow": True, "arrowhead": 2, "ax": 0, "ay": -35, "font": {"size": 11},
              "bgcolor": "#fff8c5", "bordercolor": "#d4a72c"}
             for n in notes if value_of.get(n["period"]) is not None]
    figure["layout"] = {**figure["layout"], "annotations": marks}
    return figure


def with_pacing(figure: dict[str, Any], period: str, expected: float,
                text: str) -> dict[str, Any]:
    """Mark where the current period's running total should be today (`text`: formatted)."""
    figure["data"].append({"type": "scatter", "mode": "markers", "name": "Pace for today",
                           "x": [period], "y": [expected],
                           "marker": {"symbol": "line-ew-open", "size": 22,
                                      "color": "#8250df", "line": {"width": 3}},
                           **_hover([f"{format_period(period)}: pace for today {text}"])})
    return figure


def waterfall(points: list[dict[str, Any]], unit: str, decimals: int | None = None,
              ) -> dict[str, Any]:
    """Start value, then each period's change, coloured up/down. A rate's changes are in
    points."""
    if not points:
        return {"data": [], "layout": _LAYOUT}
    x = [pt["period"] for pt in points]
    levels = [_num(pt["value"]) or 0.0 for pt in points]
    y = [levels[0]] + [cur - prev for prev, cur in itertools.pairwise(levels)]
    labels = [format_period(p) for p in x]
    hover = [f"{labels[0]}: {format_value(levels[0], unit, decimals)}"] + [
        f"{lbl}: {format_delta(d, unit, decimals)} (to {format_value(v, unit, decimals)})"
        for lbl, d, v in zip(labels[1:], y[1:], levels[1:], strict=True)]
    return {"data": [{"type": "waterfall", "x": x, "y": y,
                      "measure": ["absolute"] + ["relative"] * (len(y) - 1),
                      "increasing": {"marker": {"color": COLOURS["green"]}},
                      "decreasing": {"marker": {"color": COLOURS["red"]}},
                      "totals": {"marker": {"color": BLUE}},
                      "textposition": "none", "name": "Change", **_hover(hover)}],
            "layout": {**_LAYOUT, "showlegend": False, "xaxis": period_axis(x),
                       "yaxis": value_axis(unit, levels, zero=True)}}


def banded_waterfall(amounts: list[dict[str, Any]], retention: list[dict[str, Any]],
                     unit: str, retention_unit: str, decimals: int | None = None,
                     retention_decimals: int | None = None) -> dict[str, Any]:
    """Dollars by period as a waterfall (the first period in full, then each period's change
    from the one before), every bar coloured by the status of a retention metric in its
    period (net payouts coloured by NPR: green at 100% or more...). Only periods with data:
    one without dollars, or the period under way with nothing yet, is left out; a period whose
    retention has no status (nothing the year before) is grey."""
    judged = {pt["period"]: pt for pt in retention}
    shown = [pt for pt in amounts if pt["value"] is not None
             and not (pt.get("open") and float(pt["value"]) == 0)]
    if not shown:
        return {"data": [], "layout": _LAYOUT}
    x = [pt["period"] for pt in shown]
    levels = [float(pt["value"]) for pt in shown]
    base = [0.0, *levels[:-1]]
    y = [levels[0]] + [cur - prev for prev, cur in itertools.pairwise(levels)]
    colours, hover = [], []
    for i, pt in enumerate(shown):
        r = judged.get(pt["period"], {})
        status = r.get("status")
        colours.append(COLOURS.get(status) if status in COLOURS and status else COLOURS["grey"])
        text = f"{format_period(pt['period'])}: {format_value(levels[i], unit, decimals)}"
        if i:
            text += f" ({format_delta(y[i], unit, decimals)})"
        if r.get("value") is not None:
            rate = r.get("label") or format_value(r["value"], retention_unit,
                                                  retention_decimals)
            text += f", {rate}"
        text += f" ({status})" if status else ""
        hover.append(text)
    return {"data": [{"type": "bar", "x": x, "y": y, "base": base, "name": "Change",
                      "marker": {"color": colours}, **_hover(hover)}],
            "layout": {**_LAYOUT, "showlegend": False, "xaxis": period_axis(x),
                       "yaxis": value_axis(unit, levels, zero=True)}}


def bars(labels: list[str], values: list[float | None], unit: str,
         decimals: int | None = None, *, funnel: bool = False) -> dict[str, Any]:
    """One bar per slice, or a funnel; each labelled with its value in the unit."""
    texts = [format_value(v, unit, decimals) for v in values]
    trace: dict[str, Any] = {"type": "funnel" if funnel else "bar", "name": "Value",
                             **_hover([f"{lbl}: {t}" for lbl, t in
                                       zip(labels, texts, strict=True)])}
    labels = [plain(lbl) for lbl in labels]
    layout: dict[str, Any] = {**_LAYOUT, "showlegend": False}
    if funnel:
        trace.update(y=labels, x=values, text=texts, textinfo="text", textposition="auto",
                     cliponaxis=False, marker={"color": BLUE})
        layout.update(xaxis={"visible": False},  # the first stage on top
                      yaxis={"automargin": True, "autorange": "reversed"})
    else:
        trace.update(x=labels, y=values, marker={"color": BLUE})
        layout.update(xaxis={"type": "category", "automargin": True},
                      yaxis=value_axis(unit, values, zero=True))
    return {"data": [trace], "layout": layout}


_LEVELS = ("red", "yellow", "green", "base", "")
_CELL = {"red": COLOURS["red"], "yellow": COLOURS["yellow"], "green": COLOURS["green"],
         "base": BASELINE, "": PLAIN}


def heatmap(rows: list[str], cols: list[str], texts: list[list[str]],
            colours: list[list[str | None]]) -> dict[str, Any]:
    """A slice x period matrix, each cell written in its unit and coloured by what it means:
    green / yellow / red by the bands, neutral for a cell that is its own base ('base', a
    cohort's first year) or without bands (''), blank where there is no value (None).

    The colour is chosen in Python (tables.colour), the very rule the table's cells use, so
    no value on a band's line can land on the wrong side of plotly's colour scale."""
    n = len(_LEVELS)
    scale: list[list[Any]] = []
    for i, level in enumerate(_LEVELS):
        scale += [[i / n, _CELL[level]], [(i + 1) / n, _CELL[level]]]
    z = [[None if c is None else _LEVELS.index(c) for c in row] for row in colours]
    texts = [["" if c is None else plain(t) for t, c in zip(trow, crow, strict=True)]
             for trow, crow in zip(texts, colours, strict=True)]
    rows = [plain(r) for r in rows]
    hover = [[f"{r} · {plain(format_period(c))}: {t}" for c, t in zip(cols, row, strict=True)]
             for r, row in zip(rows, texts, strict=True)]
    return {"data": [{"type": "heatmap", "x": cols, "y": rows, "z": z, "zmin": -0.5,
                      "zmax": n - 0.5, "colorscale": scale, "showscale": False,
                      "xgap": 2, "ygap": 2, "text": texts, "texttemplate": "%{text}",
                      "hovertext": hover, "hoverinfo": "text"}],
            "layout": {**_LAYOUT, "showlegend": False, "xaxis": period_axis(cols),
                       "yaxis": {"type": "category", "automargin": True,
                                 "autorange": "reversed"}}}


def bullet(value: float, target: float | None, unit: str,
           decimals: int | None = None) -> dict[str, Any]:
    """Value against target; the value beside the gauge is the tile's headline, written by
    format_value (plotly's own number would round 41.2% to 0)."""
    value = float(value)
    ends = [value, 0.0, *([float(target) * 1.2] if target is not None else [])]
    axis = _ticks(unit, ends)
    gauge: dict[str, Any] = {"shape": "bullet", "bar": {"color": BLUE},
                             "axis": {**axis, "range": [axis["tickvals"][0],
                                                        axis["tickvals"][-1]]}}
    if target is not None:
        gauge["threshold"] = {"line": {"color": "#24292f", "width": 3}, "value": target,
                              "thickness": 0.9}
    number = {"text": format_value(value, unit, decimals), "x": 1, "xref": "paper",
              "xanchor": "right", "y": 0.55, "yref": "paper", "yanchor": "middle",
              "showarrow": False, "font": {"size": 26, "color": "#24292f"}}
    return {"data": [{"type": "indicator", "mode": "gauge", "value": value, "gauge": gauge,
                      "domain": {"x": [0, 0.66], "y": [0, 1]}}],
            "layout": {**_LAYOUT, "height": 120, "annotations": [number],
                       "margin": {"l": 20, "r": 10, "t": 10, "b": 25}}}
