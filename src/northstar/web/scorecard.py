"""The scorecard: every owner's metric, its goal and its last periods, for the weekly meeting."""

from __future__ import annotations

from typing import Any

from northstar.formatting import format_value
from northstar.periods import Period
from northstar.project import Project
from northstar.web.views import TREND_PERIODS, memo, periods_for


def scorecard(p: Project, department: str | None = None,
              n: int = TREND_PERIODS) -> list[dict[str, Any]]:
    """Every owner's metric with its last `n` periods, for the weekly meeting."""
    return memo(p, ("scorecard", department, n), lambda: _scorecard(p, department, n))


def _scorecard(p: Project, department: str | None, n: int) -> list[dict[str, Any]]:
    owners = [person for person in sorted(p.catalog.people.values(),
                                          key=lambda x: (x.department, x.name))
              if person.metric is not None and not (department and person.department != department)]
    by_periods: dict[tuple[Period, ...], list[str]] = {}
    for person in owners:  # computed together: side by side, closed periods frozen at once
        assert person.metric is not None
        m = p.catalog.get(person.metric)
        by_periods.setdefault(tuple(periods_for(p, m, n)), []).append(m.name)
    for periods, names in by_periods.items():
        p.metrics.compute(names, list(periods))
    rows: list[dict[str, Any]] = []
    for person in owners:
        assert person.metric is not None
        m = p.catalog.get(person.metric)
        values = p.metrics.compute([m.name], periods_for(p, m, n))
        rows.append({
            "person": person.id, "person_name": person.name, "title": person.title,
            "department": person.department, "metric": m.name, "metric_title": m.title,
            "unit": m.unit, "grain": m.grain, "proposal": person.proposal,
            "goal": format_value(values[-1].target, m.unit, m.decimals),
            "cells": [{"period": v.period, "value": None if v.value is None else float(v.value),
                       "formatted": format_value(v.value, m.unit, m.decimals),
                       "status": v.status} for v in values],
        })
    return rows
