"""Chart specs: every number a chart shows is written by the one formatter (the expected
texts are worked out here by hand from the unit); the status colours pass WCAG AA."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from northstar.formatting import format_value
from northstar.web import charts, tables

CSS = Path(charts.__file__).parent / "static" / "style.css"


def _figure_text(fig: dict[str, Any]) -> str:
    return json.dumps(fig)


def _point(period: str, value: float | None, target: float | None = None,
           status: str | None = None) -> dict[str, Any]:
    return {"period": period, "value": value, "target": target, "status": status}


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.412, "percent", "41.2%"),   # plotly's ",.0f" wrote "0"
    (0.754, "percent", "75.4%"),   # ... "1"
    (0.7, "ratio", "0.7x"),        # ... "1"
    (5122.4, "usd", "$5.12K"),     # ... "5,122"
])
def test_the_bullet_value_reads_like_the_headline(value: float, unit: str, text: str) -> None:
    fig = charts.bullet(value, 0.5, unit)
    number = fig["layout"]["annotations"][0]
    assert number["text"] == text == format_value(value, unit)
    assert fig["data"][0]["mode"] == "gauge"          # plotly draws no number of its own
    assert "valueformat" not in _figure_text(fig)


def test_bullet_axis_reads_in_the_unit_and_spans_value_and_target() -> None:
    # 41.2% against a 30% target: the axis runs to 36% (target x 1.2) or the value, in 10%
    # steps -> 0% .. 50%
    axis = charts.bullet(0.412, 0.30, "percent")["data"][0]["gauge"]["axis"]
    assert axis["ticktext"] == ["0%", "10%", "20%", "30%", "40%", "50%"]
    assert axis["range"] == [0.0, 0.5]
    # a loss below zero still shows: -$5K against a $0 target
    axis = charts.bullet(-5000, 0, "usd", 0)["data"][0]["gauge"]["axis"]
    assert axis["ticktext"][0] == "-$5K" and axis["range"][0] == -5000


def test_trend_axes_and_hover_use_the_formatter() -> None:
    points = [_point("2025-11", 0.35, 0.4, "red"), _point("2025-12", 0.412, 0.4, "green")]
    fig = charts.trend(points, "percent")
    layout = fig["layout"]
    assert layout["xaxis"]["ticktext"] == ["Nov '25", "Dec '25"]
    assert layout["xaxis"]["automargin"] and layout["yaxis"]["automargin"]
    # 0.35 .. 0.412: 0.062 / 5 = 0.0124, the next round step is 0.02: 0.34 .. 0.42
    assert layout["yaxis"]["ticktext"] == ["34%", "36%", "38%", "40%", "42%"]
    line, markers, target = fig["data"]
    assert markers["hovertext"] == ["Nov 2025: 35.0% (red)", "Dec 2025: 41.2% (green)"]
    assert target["hovertext"] == ["Nov 2025: target 40.0%", "Dec 2025: target 40.0%"]
    # the legend shows the blue line; the status colours are on a trace it leaves out
    assert line.get("showlegend", True)
    assert "marker" not in line and line["line"]["color"] == charts.BLUE
    assert markers["showlegend"] is False
    assert markers["marker"]["color"] == [charts.COLOURS["red"], charts.COLOURS["green"]]


def test_money_ticks_carry_the_dollar() -> None:
    fig = charts.trend([_point("2025-10", -10_000), _point("2025-11", 31_000)], "usd")
    # 41000 / 5 = 8200 -> steps of 10K from -10K to 40K
    assert fig["layout"]["yaxis"]["ticktext"] == ["-$10K", "$0", "$10K", "$20K", "$30K",
                                                  "$40K"]


def test_waterfall_steps_of_a_rate_are_points() -> None:
    points = [_point("2024", 0.40), _point("2025", 0.412), _point("2026", 0.35)]
    trace = charts.waterfall(points, "percent")["data"][0]
    assert trace["y"] == [0.40, pytest.approx(0.012), pytest.approx(-0.062)]
    assert trace["hovertext"] == ["2024: 40.0%", "2025: +1.2 pts (to 41.2%)",
                                  "2026: -6.2 pts (to 35.0%)"]


def test_funnel_and_bar_labels_are_in_the_unit() -> None:
    fig = charts.bars(["inbound", "outbound"], [51_969.0, 38_232.5], "usd", funnel=True)
    assert fig["data"][0]["text"] == ["$51.97K", "$38.23K"]   # not "38.2325k"
    assert fig["data"][0]["hovertext"] == ["inbound: $51.97K", "outbound: $38.23K"]
    bars = charts.bars(["Ada", "Bo"], [0.5, 1.25], "ratio")
    # bars start at 0; 1.25 / 5 = 0.25 a step
    assert bars["layout"]["yaxis"]["ticktext"] == ["0x", "0.25x", "0.5x", "0.75x", "1x",
                                                   "1.25x"]


LINK = '<a href="https://evil.example/x">pay here</a> & <b>now</b>'
ESCAPED = '&lt;a href="https://evil.example/x"&gt;pay here&lt;/a&gt; &amp; &lt;b&gt;now&lt;/b&gt;'


def test_stored_text_reaches_plotly_without_a_tag() -> None:
    """plotly.js turns <a>, <b> ... into markup but &lt; &gt; &amp; into the characters: the
    escaped form is what shows the text as typed."""
    points = [_point("2025-11", 10.0), _point("2025-12", 12.0)]
    fig = charts.with_annotations(charts.trend(points, "count"), points,
                                  [{"period": "2025-12", "note": LINK}])
    (mark,) = fig["layout"]["annotations"]
    assert mark["text"] == ESCAPED and (mark["x"], mark["y"]) == ("2025-12", 12.0)
    bars = charts.bars([LINK, "Bo"], [1.0, 2.0], "count")["data"][0]
    assert bars["x"] == [ESCAPED, "Bo"] and bars["hovertext"][0] == f"{ESCAPED}: 1"
    heat = charts.heatmap([LINK], ["2025"], [["<i>5</i>"]], [["green"]])["data"][0]
    assert heat["y"] == [ESCAPED] and heat["text"] == [["&lt;i&gt;5&lt;/i&gt;"]]
    assert heat["hovertext"] == [[f"{ESCAPED} · 2025: &lt;i&gt;5&lt;/i&gt;"]]
    assert "<" not in json.dumps([mark, bars, heat])


def _cell_colour(fig: dict[str, Any], row: int, col: int) -> str:
    """The colour plotly paints a heat-map cell: its z on the trace's step colour scale."""
    trace = fig["data"][0]
    at = (trace["z"][row][col] - trace["zmin"]) / (trace["zmax"] - trace["zmin"])
    scale = trace["colorscale"]  # a step per level: [start, colour], [end, colour]
    return str(next(scale[i][1] for i in range(0, len(scale), 2)
                    if scale[i][0] <= at <= scale[i + 1][0]))


def test_the_cohort_base_is_neutral_and_a_value_on_the_green_line_is_green() -> None:
    lines = (1.0, 0.5)  # npr: green at 100%, yellow from 50%
    values = [[1.0, 0.721], [None, 1.0000000000000002]]
    shades = [[None if v is None else tables.colour(v, lines, True, base=(r == c))
               for c, v in enumerate(row)] for r, row in enumerate(values)]
    assert shades == [["base", "yellow"], [None, "base"]]
    texts = [[format_value(v, "percent") for v in row] for row in values]
    fig = charts.heatmap(["2024", "2025"], ["2024", "2025"], texts, shades)
    assert _cell_colour(fig, 0, 0) == charts.BASELINE
    assert _cell_colour(fig, 0, 1) == charts.COLOURS["yellow"]
    assert fig["data"][0]["text"] == [["100.0%", "72.1%"], ["", "100.0%"]]
    assert fig["data"][0]["z"][1][0] is None
    # exactly on the green line (1.0) is green: the colour is chosen in Python, not by
    # where 1.0 falls on a continuous scale
    assert tables.colour(1.0, lines, True) == "green"
    green = charts.heatmap(["a"], ["2025"], [["100.0%"]], [["green"]])
    assert _cell_colour(green, 0, 0) == charts.COLOURS["green"]


def test_band_legend_says_what_the_colours_mean() -> None:
    assert tables.band_legend((1.0, 0.5), True, "percent", True) == (
        "Green: 100.0% or more · yellow: 50.0% or more · red: below 50.0% · grey: the "
        "cohort's first year, its own base.")
    assert tables.band_legend((5, 10), False, "days", False) == (
        "Green: 5.0 days or less · yellow: 10.0 days or less · red: above 10.0 days.")


# -- colours ---------------------------------------------------------------------------------
def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _css_vars() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", CSS.read_text(encoding="utf-8"))
    assert root is not None
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root[1]))


def test_contrast_is_worked_out_right() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    # the old amber: white text on it read at 3.3:1, below AA's 4.5:1
    assert contrast("#ffffff", "#b08800") == pytest.approx(3.30, abs=0.01)


@pytest.mark.parametrize("status", ["green", "yellow", "red", "grey"])
def test_white_text_on_every_status_colour_passes_wcag_aa(status: str) -> None:
    css = _css_vars()
    assert css[status].lower() == charts.COLOURS[status]  # pages and charts agree
    assert contrast("#ffffff", css[status]) >= 4.5, (status, css[status])


def test_text_on_a_neutral_cell_passes_wcag_aa() -> None:
    css = _css_vars()
    assert css["base"].lower() == charts.BASELINE
    assert contrast(css["ink"], css["base"]) >= 4.5
    assert "td.cell.base { background:var(--base); color:var(--ink); }" in CSS.read_text()
