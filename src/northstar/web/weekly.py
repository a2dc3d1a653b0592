"""The weekly meeting's scorecard, as EOS teams run it in Ninety or Bloom Growth: every owner's
metric for the last 13 ISO weeks, whatever the metric's own grain, with each week's goal, the
attainment (value against goal, the right way round for the metric) and its colour.

Nothing is worked out here that the metric layer does not: a monthly metric is computed for
each ISO week by the same `MetricComputer.compute` the other pages use, which also gives the
week's target (a monthly target spread by the week's working days in the month, or the metric
file's `weekly_target`) and its status by the metric's bands. docs/weekly.md states the rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from northstar.errors import NorthstarError
from northstar.formatting import format_attainment, format_value
from northstar.metrics.compute import MetricValue
from northstar.metrics.definition import MetricDef
from northstar.periods import Period
from northstar.project import Project
from northstar.web import issues
from northstar.web.scorecard import cell_title, dates_text, period_label
from northstar.web.views import memo

DEFAULT_WEEKS = 13
"""A quarter of weeks: the EOS scorecard's 13."""
MAX_WEEKS = 53

_DASH = "\N{EN DASH}"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def meeting_week(p: Project, week: str | None = None) -> Period:
    """The week a meeting view ends with: `week` (2025-W07), else the current ISO week in the
    company's timezone. A week that has not begun yet has nothing to show."""
    now = p.metrics.now or datetime.now(UTC)
    current = p.calendar.current("week", now)
    if not week:
        return current
    found = p.calendar.parse(week)
    if found.kind != "week":
        raise NorthstarError(f"{week!r} is a {found.kind}; the weekly view ends with an ISO "
                             "week such as 2025-W07")
    if found > current:
        raise NorthstarError(f"{found} has not begun yet; the current week is {current}")
    return found


def weekly(p: Project, weeks: int = DEFAULT_WEEKS, ending: Period | None = None,
           department: str | None = None) -> dict[str, Any]:
    """Every owner's metric for the `weeks` ISO weeks ending with `ending` (default: the
    current week, open and judged by its pace), oldest first. Kept while the ledger and the
    date stay the same (`views.memo`); the issues are added by the caller."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise NorthstarError(f"asked for {weeks} weeks: ask for 1 to {MAX_WEEKS}")
    last = ending or meeting_week(p)
    return memo(p, ("weekly", weeks, last, department or None),
                lambda: _weekly(p, weeks, last, department or None))


def view(p: Project, weeks: int = DEFAULT_WEEKS, week: str | None = None,
         department: str | None = None) -> dict[str, Any]:
    """The weekly view's data, as the page and `GET /api/weekly` show it: the scorecard and
    the issues open during its last week."""
    last = meeting_week(p, week)
    card = weekly(p, weeks, last, department or None)
    listed = [issues.as_dict(p, i, last) for i in issues.during(p, last)]
    if department:
        owned = {r["metric"] for r in card["rows"]}
        listed = [i for i in listed if i["metric"] in owned]
    return {**card, "issues": listed}


def marks(data: dict[str, Any]) -> dict[str, list[int]]:
    """`metric|week` -> the unsolved issues opened on that cell."""
    out: dict[str, list[int]] = {}
    for i in data["issues"]:
        if not i["solved"]:
            out.setdefault(f"{i['metric']}|{i['week']}", []).append(i["id"])
    return out


def _weekly(p: Project, n: int, last: Period, department: str | None) -> dict[str, Any]:
    weeks = p.calendar.last_n("week", n, last)
    owned = [(person, p.catalog.get(person.metric))
             for person in sorted(p.catalog.people.values(), key=lambda x: (x.department, x.name))
             if person.metric is not None and department in (None, person.department)
             and person.metric not in p.catalog.left_out]  # its file's error: /integrity
    # one read for every metric and week: statements side by side, closed weeks frozen at once
    done, errors = p.metrics.compute_each([m.name for _, m in owned], weeks)
    values = {(v.metric, v.period): v for v in done}
    rows: list[dict[str, Any]] = []
    for person, m in owned:
        row: dict[str, Any] = {
            "person": person.id, "person_name": person.name, "title": person.title,
            "department": person.department, "metric": m.name, "metric_title": m.title,
            "unit": m.unit, "grain": m.grain, "direction": m.direction,
            "pace": p.metrics.pace_kind(m), "weekly_target": m.weekly_target is not None,
            "proposal": person.proposal,
        }
        if m.name in errors:  # one metric that fails is its row's message, not the view's
            rows.append({**row, "error": str(errors[m.name]), "goal": None,
                         "goal_formatted": _DASH, "goal_varies": False, "cells": []})
            continue
        cells = [_cell(p, m, w, values[(m.name, str(w))], _place(i, n))
                 for i, w in enumerate(weeks)]
        closed = [c for c in cells if not c["open"]] or cells
        rows.append({**row, "error": None, "goal": closed[-1]["goal"],
                     "goal_formatted": closed[-1]["goal_formatted"],
                     "goal_varies": len({c["goal_formatted"] for c in cells}) > 1,
                     "cells": cells})
    reviewed = next((i for i in range(n - 1, -1, -1)
                     if not p.calendar.is_open(weeks[i], p.metrics.now)), n - 1)
    return {
        "week": str(last), "label": period_label(p.calendar, last),
        "dates": dates_text(p.calendar, last), "weeks": n, "department": department,
        "timezone": p.calendar.timezone,
        "span": f"{period_label(p.calendar, weeks[0])} {_DASH} {period_label(p.calendar, last)}",
        "columns": [_column(p, w, _place(i, n)) for i, w in enumerate(weeks)],
        "rows": rows,
        "reviewed": str(weeks[reviewed]),
        "counts": {s: sum(1 for r in rows if r["cells"] and r["cells"][reviewed]["status"] == s)
                   for s in ("green", "yellow", "red", "grey")},
    }


def _place(index: int, count: int) -> str:
    """`last` (the week the view ends with), `before` (beside it) or `older`."""
    return "last" if index == count - 1 else "before" if index == count - 2 else "older"


def _column(p: Project, week: Period, place: str) -> dict[str, Any]:
    first = p.calendar.dates(week)[0]
    return {"week": str(week), "label": period_label(p.calendar, week, short=True),
            "starts": f"{first.day} {_MONTHS[first.month - 1]}",
            "dates": dates_text(p.calendar, week), "place": place,
            "open": p.calendar.is_open(week, p.metrics.now)}


def _cell(p: Project, m: MetricDef, week: Period, v: MetricValue, place: str) -> dict[str, Any]:
    share = v.attainment  # an open total's against the goal by today, as its status
    title = cell_title(m, f"{period_label(p.calendar, week)} ({dates_text(p.calendar, week)})",
                       v, v.target, v.pace_target, v.status, share)
    return {
        "week": v.period, "place": place, "open": v.open, "elapsed": v.elapsed,
        "value": None if v.value is None else float(v.value),
        "formatted": format_value(v.value, m.unit, m.decimals),
        "goal": v.target, "goal_formatted": format_value(v.target, m.unit, m.decimals),
        "goal_to_date": v.pace_target, "attainment": share,
        "attainment_formatted": format_attainment(share), "status": v.status,
        "origin": v.origin, "title": title,
    }
