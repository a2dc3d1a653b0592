"""The scorecard an EOS team runs: one row per owner's measurable, its goal, its last periods.

Every row is shown at the scorecard's grain (week, month or quarter) where its metric allows
(`shown_per`), computed for that grain's periods; the others are grouped apart, each group at
its metrics' own grain. A converted period's goal is worked out here (`goal_of`), and a
running total shown at another grain is judged against it here (`status_of_cell`): the metric
layer judges a period against the metric's own target, which is per period of its own grain.
docs/web.md ("The scorecard") states the rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from northstar.formatting import format_attainment, format_value
from northstar.metrics.attainment import judged_attainment
from northstar.metrics.compute import MetricValue
from northstar.metrics.definition import MetricDef
from northstar.metrics.status import status_of
from northstar.periods import Calendar, Period, PeriodKind
from northstar.project import Project
from northstar.web.views import memo

Grain = Literal["week", "month", "quarter"]
GRAINS: tuple[Grain, ...] = ("week", "month", "quarter")
DEFAULT_GRAIN: Grain = "month"
DEFAULT_PERIODS: dict[str, int] = {"week": 13, "month": 13, "quarter": 8}
"""Columns of the main grid when none are asked for: a quarter of weeks, a year of months
(and the same month last year), two years of quarters."""

_FINENESS: dict[str, int] = {"day": -1, "week": 0, "month": 1, "quarter": 2, "year": 3}
_PER: dict[str, str] = {"week": "Weekly", "month": "Monthly", "quarter": "Quarterly",
                        "year": "Yearly"}
_DASH = "\N{EN DASH}"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def scorecard(p: Project, department: str | None = None, grain: Grain = DEFAULT_GRAIN,
              n: int | None = None) -> dict[str, Any]:
    """Every owner's metric at `grain` with its last `n` periods (the grain's default when
    None), grouped apart where a metric cannot be shown at `grain`."""
    n = n or DEFAULT_PERIODS[grain]
    return memo(p, ("scorecard", department, grain, n),
                lambda: _scorecard(p, department, grain, n))


def shown_per(p: Project, m: MetricDef, grain: Grain) -> PeriodKind:
    """The grain metric `m` is shown at on a scorecard of `grain`: `grain` itself where the
    metric allows, else its own. A total or a rate can be shown at its own grain or a coarser
    one (computed for the coarser period: a sum, or the rate over it), never a finer one (a
    yearly rate has no monthly value). A level (a balance as of a period's end) can be shown at
    any grain. A manual metric has values only for the periods they were entered for."""
    if m.grain == grain or m.kind == "manual":
        return m.grain
    if p.metrics.pace_kind(m) == "level" or _FINENESS[m.grain] < _FINENESS[grain]:
        return grain
    return m.grain


def goal_of(p: Project, m: MetricDef, period: Period, v: MetricValue) -> float | None:
    """The goal of metric `m` for `period`, shown at any grain; `v` is its computed value.

    A period of the metric's own grain, one named in `target.periods`, a `target.sql` (run for
    the period itself) and any rate or level: the target the metric layer gives (`v.target`).
    A total at another grain: the sum of the targets of the metric's own periods in it, each
    pro-rated by the share of its days inside (a monthly 100 is 300 a quarter; a weekly 70 is
    310 in a 31-day month); None when one of them has no target."""
    t = m.target
    if (t is None or period.kind == m.grain or p.metrics.pace_kind(m) != "total"
            or str(period) in t.periods or t.sql is not None):
        return v.target
    total = 0.0
    for own, share in overlaps(p.calendar, m.grain, period):
        target = t.periods.get(str(own), t.value)
        if target is None:
            return None
        total += target * share
    return total


def overlaps(cal: Calendar, kind: PeriodKind, period: Period) -> list[tuple[Period, float]]:
    """The periods of `kind` that overlap `period` (`Calendar.overlaps`)."""
    return cal.overlaps(kind, period)


def status_of_cell(p: Project, m: MetricDef, period: Period, v: MetricValue,
                   goal: float | None) -> str | None:
    """The colour of a cell. A total shown at another grain is judged against its converted
    goal (pro-rated to the time gone while the period is open), with absolute bands scaled by
    the number of the metric's periods it holds; everything else keeps the metric layer's
    status, whose target already is the goal."""
    if period.kind == m.grain or p.metrics.pace_kind(m) != "total":
        return v.status
    scale = v.elapsed if v.open and v.elapsed is not None else 1.0
    if m.bands is not None and m.bands.relative_to == "absolute":
        scale *= sum(share for _, share in overlaps(p.calendar, m.grain, period))
    return status_of(m, v.value, goal, scale=scale)


def period_label(cal: Calendar, period: Period, *, short: bool = False) -> str:
    """A period as people name it: Nov 2026, Q4 2026, 2026, W49 (W49 2026 unless `short`),
    Fri 14 Mar 2025 (14 Mar when `short`); quarters and years of a
    fiscal year that does not start in January get FY (Q1 FY2027)."""
    fy = "FY" if cal.fiscal_year_start_month != 1 else ""
    if period.kind == "day":
        d = period.day
        day = f"{d.day} {_MONTHS[d.month - 1]}"
        return day if short else f"{_WEEKDAYS[d.weekday()]} {day} {d.year}"
    if period.kind == "month":
        return f"{_MONTHS[period.index - 1]} {period.year}"
    if period.kind == "quarter":
        return f"Q{period.index} {fy}{period.year}"
    if period.kind == "year":
        return f"{fy}{period.year}"
    return f"W{period.index}" if short else f"W{period.index} {period.year}"


def dates_text(cal: Calendar, period: Period) -> str:
    """A period's first and last days, joined by an en dash: 1-30 Nov 2026, 30 Nov - 6 Dec 2026."""
    first, end = cal.dates(period)
    last = end - timedelta(days=1)

    def day(d: date, year: bool) -> str:
        return f"{d.day} {_MONTHS[d.month - 1]}" + (f" {d.year}" if year else "")

    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}{_DASH}{day(last, True)}"
    return f"{day(first, first.year != last.year)} {_DASH} {day(last, True)}"


def cell_title(m: MetricDef, label: str, v: MetricValue, goal: float | None,
               to_date: float | None, status: str | None,
               attainment: float | None = None) -> str:
    """A cell's hover: the period, the value, the goal it was judged by (`to_date` for an open
    total), the colour and the attainment ("Dec 2026 so far: $5.12K, goal by today $6.16K of
    $33.55K: red; 83% of goal by today")."""
    text = _judged(m, label, v, goal, to_date, status)
    if attainment is None:
        return text
    return (f"{text}; {format_attainment(attainment)} of goal"
            + (" by today" if to_date is not None else ""))


def _judged(m: MetricDef, label: str, v: MetricValue, goal: float | None,
            to_date: float | None, status: str | None) -> str:
    def fmt(x: float | Decimal | None) -> str:
        return format_value(x, m.unit, m.decimals)

    when = label
    if v.open:
        when += " as of today" if v.pace == "level" else " so far"
    text = f"{when}: {'no data' if v.value is None else fmt(v.value)}"
    if goal is None:
        text += ", no goal"
    elif to_date is not None:
        text += f", goal by today {fmt(to_date)} of {fmt(goal)}"
    else:
        text += f", goal {fmt(goal)}"
    if status is not None:
        return f"{text}: {status}"
    if v.open and v.pace == "rate":
        return f"{text}: too early to grade (until {m.pace.minimum:.0%} of the period is gone)"
    return text


def _scorecard(p: Project, department: str | None, grain: Grain, n: int) -> dict[str, Any]:
    owned = [(person, p.catalog.get(person.metric))
             for person in sorted(p.catalog.people.values(), key=lambda x: (x.department, x.name))
             if person.metric is not None and department in (None, "", person.department)
             and person.metric not in p.catalog.left_out]  # its file's error: /integrity
    shown = {m.name: shown_per(p, m, grain) for _, m in owned}
    kinds = sorted(set(shown.values()) | {grain}, key=lambda k: (k != grain, _FINENESS[k]))
    main = p.calendar.last_n(grain, n, None, p.metrics.now)
    columns = {k: main if k == grain else _covering(p, k, main[0], n) for k in kinds}
    values: dict[tuple[str, str], MetricValue] = {}
    failed: dict[str, str] = {}
    for kind in kinds:  # one read per grain: side by side, closed periods frozen at once
        names = [name for name, per in shown.items() if per == kind]
        if names:
            done, errors = p.metrics.compute_each(names, columns[kind])
            values.update(((v.metric, v.period), v) for v in done)
            failed.update((name, str(exc)) for name, exc in errors.items())
    rows: list[dict[str, Any]] = []
    for person, m in owned:
        row = {
            "person": person.id, "person_name": person.name, "title": person.title,
            "department": person.department, "metric": m.name, "metric_title": m.title,
            "unit": m.unit, "grain": m.grain, "per": shown[m.name],
            "pace": p.metrics.pace_kind(m), "proposal": person.proposal,
        }
        if m.name in failed:  # one metric that fails is its row's message, not the page's
            rows.append({**row, "error": failed[m.name], "goal": _DASH, "goal_period": "",
                         "goal_varies": False, "cells": []})
            continue
        periods = columns[shown[m.name]]
        cells = [_cell(p, m, per, values[(m.name, str(per))], _place(i, len(periods)))
                 for i, per in enumerate(periods)]
        closed = [c for c in cells if not c["open"]] or cells
        rows.append({
            **row, "error": None,
            "goal": closed[-1]["goal_formatted"], "goal_period": closed[-1]["period"],
            "goal_varies": len({c["goal_formatted"] for c in cells}) > 1,
            "cells": cells,
        })
    groups = [{"per": k, "main": k == grain, "title": f"{_PER[k]} measurables",
               "note": "" if k == grain else f"Measured per {k}: they cannot be shown per {grain}.",
               "columns": [_column(p, per, _place(i, len(columns[k])))
                           for i, per in enumerate(columns[k])]}
              for k in kinds]
    return {"department": department, "grain": grain, "periods": n, "grains": list(GRAINS),
            "groups": groups, "rows": rows}


def _covering(p: Project, kind: PeriodKind, first: Period, n: int) -> list[Period]:
    """The periods of `kind` over the same stretch of time as the main grid, which begins
    with `first`: at least the last closed one and the open one, at most `n`."""
    start = p.calendar.containing(kind, p.calendar.dates(first)[0])
    current = p.calendar.current(kind, p.metrics.now)
    count = 1
    while start < current and count < n:
        start, count = p.calendar.next(start), count + 1
    return p.calendar.last_n(kind, max(count, min(2, n)), None, p.metrics.now)


def _place(index: int, count: int) -> str:
    """`open` (the last column: the period under way), `last-closed` (beside it) or
    `older`: a narrow screen shows only the first two."""
    return "open" if index == count - 1 else "last-closed" if index == count - 2 else "older"


def _column(p: Project, period: Period, place: str) -> dict[str, Any]:
    """A period column's header: its name, its days and, for a week (named by its number
    alone), the day it starts."""
    first = p.calendar.dates(period)[0]
    return {"period": str(period), "label": period_label(p.calendar, period, short=True),
            "dates": dates_text(p.calendar, period), "place": place,
            "starts": f"{first.day} {_MONTHS[first.month - 1]}" if period.kind == "week" else "",
            "open": p.calendar.is_open(period, p.metrics.now)}


def _cell(p: Project, m: MetricDef, period: Period, v: MetricValue,
          place: str) -> dict[str, Any]:
    goal = goal_of(p, m, period, v)
    status = status_of_cell(p, m, period, v, goal)
    to_date = goal * v.elapsed if (goal is not None and v.open and v.pace == "total"
                                   and v.elapsed is not None) else None
    share = v.attainment
    if period.kind != m.grain and p.metrics.pace_kind(m) == "total":  # against its own goal
        share = judged_attainment(v.value, to_date if to_date is not None else goal,
                                  m.direction, label=v.label, graded=not v.open or bool(v.elapsed))
    return {
        "period": v.period, "place": place, "open": v.open, "elapsed": v.elapsed,
        "value": None if v.value is None else float(v.value),
        "formatted": v.label or format_value(v.value, m.unit, m.decimals),
        "goal": goal, "goal_formatted": format_value(goal, m.unit, m.decimals),
        "goal_to_date": to_date, "status": status, "attainment": share,
        "attainment_formatted": format_attainment(share),
        "title": cell_title(m, period_label(p.calendar, period), v, goal, to_date, status,
                            share),
    }
