"""Chart specs for plotly.js (served by the app itself from the plotly wheel, never a CDN).

Each function returns a plain figure dict; the page puts it in a `data-figure` attribute and
static/app.js draws it."""

from __future__ import annotations

import itertools
from typing import Any

from northstar.formatting import format_value

COLOURS = {"green": "#1a7f37", "yellow": "#b08800", "red": "#cf222e", "grey": "#8c959f",
           None: "#0969da"}
_LAYOUT = {"margin": {"l": 50, "r": 10, "t": 30, "b": 40}, "height": 260,
           "showlegend": True, "legend": {"orientation": "h", "x": 0, "y": 1.15},
           "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def trend(points: list[dict[str, Any]], unit: str) -> dict[str, Any]:
    """Value per period with the target as a dashed line; markers coloured by status."""
    x = [pt["period"] for pt in points]
    data: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "lines+markers", "name": "Actual", "x": x,
        "y": [_num(pt["value"]) for pt in points],
        "text": [format_value(pt["value"], unit) for pt in points], "hoverinfo": "x+text",
        "marker": {"size": 9, "color": [COLOURS.get(pt.get("status")) for pt in points]},
        "line": {"color": "#0969da"},
    }]
    if any(pt.get("target") is not None for pt in points):
        data.append({"type": "scatter", "mode": "lines", "name": "Target", "x": x,
                     "y": [_num(pt.get("target")) for pt in points],
                     "line": {"dash": "dash", "color": "#57606a"}})
    return {"data": data, "layout": {**_LAYOUT, "xaxis": {"type": "category"}}}


def with_annotations(figure: dict[str, Any], points: list[dict[str, Any]],
                     notes: list[dict[str, Any]]) -> dict[str, Any]:
    """Put each dated note on the trend, at the period it falls in."""
    value_of = {pt["period"]: _num(pt["value"]) for pt in points}
    marks = [{"x": n["period"], "y": value_of[n["period"]], "text": n["note"], "showarrow": True,
              "arrowhead": 2, "ax": 0, "ay": -35, "font": {"size": 11},
              "bgcolor": "#fff8c5", "bordercolor": "#d4a72c"}
             for n in notes if value_of.get(n["period"]) is not None]
    figure["layout"] = {**figure["layout"], "annotations": marks}
    return figure


def with_pacing(figure: dict[str, Any], period: str, expected: float) -> dict[str, Any]:
    """Mark where the current period's running total should be today."""
    figure["data"].append({"type": "scatter", "mode": "markers", "name": "Pace for today",
                           "x": [period], "y": [expected],
                           "marker": {"symbol": "line-ew-open", "size": 22,
                                      "color": "#8250df", "line": {"width": 3}}})
    return figure


def waterfall(points: list[dict[str, Any]], unit: str) -> dict[str, Any]:
    """Start value, then each period's change, coloured up/down."""
    if not points:
        return {"data": [], "layout": _LAYOUT}
    x = [points[0]["period"]] + [pt["period"] for pt in points[1:]]
    y = [_num(points[0]["value"]) or 0.0]
    measure = ["absolute"]
    for prev, cur in itertools.pairwise(points):
        y.append((_num(cur["value"]) or 0.0) - (_num(prev["value"]) or 0.0))
        measure.append("relative")
    return {"data": [{"type": "waterfall", "x": x, "y": y, "measure": measure,
                      "increasing": {"marker": {"color": COLOURS["green"]}},
                      "decreasing": {"marker": {"color": COLOURS["red"]}},
                      "name": "Change"}],
            "layout": {**_LAYOUT, "showlegend": False, "xaxis": {"type": "category"}}}


def bars(labels: list[str], values: list[float | None], *, funnel: bool = False,
         ) -> dict[str, Any]:
    kind = "funnel" if funnel else "bar"
    trace: dict[str, Any] = {"type": kind, "name": "Value"}
    if funnel:
        trace.update(y=labels, x=values)
    else:
        trace.update(x=labels, y=values, marker={"color": "#0969da"})
    return {"data": [trace], "layout": {**_LAYOUT, "showlegend": False}}


def heatmap(rows: list[str], cols: list[str], z: list[list[float | None]],
            green: float, yellow: float) -> dict[str, Any]:
    """A slice x period matrix; cells green at or above `green`, yellow above `yellow`."""
    top = max([v for row in z for v in row if v is not None] + [green * 1.5, 1.0])
    scale = [[0, COLOURS["red"]], [yellow / top, COLOURS["red"]],
             [yellow / top, COLOURS["yellow"]], [green / top, COLOURS["yellow"]],
             [green / top, COLOURS["green"]], [1, COLOURS["green"]]]
    return {"data": [{"type": "heatmap", "x": cols, "y": rows, "z": z, "zmin": 0, "zmax": top,
                      "colorscale": scale, "showscale": False, "xgap": 2, "ygap": 2}],
            "layout": {**_LAYOUT, "showlegend": False, "xaxis": {"type": "category"},
                       "yaxis": {"type": "category", "automargin": True}}}


def bullet(value: float | None, target: float | None, unit: str) -> dict[str, Any]:
    top = max(v for v in (value or 0.0, (target or 0.0) * 1.2, 1.0))
    gauge: dict[str, Any] = {"shape": "bullet", "axis": {"range": [0, top]},
                             "bar": {"color": "#0969da"}}
    if target is not None:
        gauge["threshold"] = {"line": {"color": "#24292f", "width": 3}, "value": target,
                              "thickness": 0.9}
    return {"data": [{"type": "indicator", "mode": "number+gauge", "value": value or 0.0,
                      "number": {"valueformat": ",.0f"}, "gauge": gauge}],
            "layout": {**_LAYOUT, "height": 120, "margin": {"l": 20, "r": 20, "t": 10,
                                                            "b": 20}}}
