"""Metric SQL: written once in DuckDB's dialect, bounded by periods, sliced by tags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from northstar.engines.base import quote
from northstar.metrics.definition import MetricDef

Bounds = tuple[str, date, date, datetime, datetime]
"""(period label, local start date, local end date, UTC start, UTC end)."""


_DAY = timedelta(days=1)


def literal(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return f"DATE '{value.isoformat()}'"


def text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def measure_sql(metric: MetricDef, periods: list[Bounds], *, time_is_date: bool,
                by: str | None = None, filters: dict[str, str] | None = None,
                also: Sequence[MetricDef] = ()) -> str:
    """One query for many periods: a CASE puts each row in its period, then GROUP BY.

    `also`: metrics over the same rows (the model, time column, filter and cumulative of
    `metric`), whose measures come as further columns (`value_2`, ...) of the same scan.

    A cumulative metric's rows are put in the first period whose end is after them, every row
    before the first period in the first: the running total over the periods (in order) is
    then each period's balance (`running_totals`)."""
    assert metric.model and metric.measure and metric.time_column
    t = quote(metric.time_column)
    ordered = sorted(periods, key=lambda b: b[1])

    def lo(b: Bounds) -> str:
        return literal(b[1] if time_is_date else b[3])

    def hi(b: Bounds) -> str:
        return literal(b[2] if time_is_date else b[4])

    # Periods of one kind never overlap, so after the WHERE keeps rows inside some period,
    # "the first period whose end is after t" is the period that holds t.
    days = _day_branches(t, ordered, time_is_date=time_is_date,
                         cumulative=metric.cumulative)
    branches = (days if days is not None and len(days) < len(ordered) else
                [(hi(b), text_literal(b[0])) for b in ordered])
    case = " ".join(f"WHEN {t} < {bound} THEN {label}" for bound, label in branches)
    spans: list[list[Bounds]] = []
    for b in ordered:
        if spans and spans[-1][-1][2] == b[1]:
            spans[-1].append(b)
        else:
            spans.append([b])
    where = " OR ".join(f"({t} >= {lo(s[0])} AND {t} < {hi(s[-1])})" for s in spans)
    if metric.cumulative:
        where = f"{t} < {hi(ordered[-1])}"
    conditions = [f"({where})"]
    if metric.filter:
        conditions.append(f"({metric.filter})")
    for tag, value in sorted((filters or {}).items()):
        conditions.append(f"{quote(tag)} = {text_literal(value)}")
    slice_col = f", {quote(by)} AS ns_slice" if by else ""
    group = "1, 2" if by else "1"
    more = "".join(f", {x.measure} AS value_{i}" for i, x in enumerate(also, start=2))
    return (f"SELECT CASE {case} END AS ns_period{slice_col}, {metric.measure} AS value{more} "
            f"FROM {quote(metric.model)} WHERE {' AND '.join(conditions)} GROUP BY {group}")


def _day_branches(t: str, ordered: list[Bounds], *, time_is_date: bool, cumulative: bool,
                  ) -> list[tuple[str, str]] | None:
    """The CASE branches that put a row in its local day, for periods that are all whole days
    (None otherwise): one branch per run of consecutive days of 24 hours at one UTC offset
    (the row's instant moved by that offset, as a date, is its local day), one per day the
    clocks change, so a year of days is a handful of branches instead of 365. The label is
    the day as a DATE, which reads back as the day's period. As for the one-branch-a-period
    CASE, a row before a period falls in it (what a cumulative metric's rows need: those
    before the first period, and in a gap between two, count in the one after)."""
    if not ordered or any(b[2] - b[1] != _DAY or b[0] != b[1].isoformat() for b in ordered):
        return None

    def lo(b: Bounds) -> str:
        return literal(b[1] if time_is_date else b[3])

    def hi(b: Bounds) -> str:
        return literal(b[2] if time_is_date else b[4])

    def offset(b: Bounds) -> timedelta | None:
        """How far the day's local midnight is from its UTC start, for a day of 24 hours."""
        if time_is_date:
            return timedelta(0)
        return None if b[4] - b[3] != _DAY else datetime.combine(b[1], time()) - b[3]

    out: list[tuple[str, str]] = []
    run: list[Bounds] = []
    run_shift = timedelta(0)

    def close() -> None:
        if len(run) == 1:
            out.append((hi(run[0]), literal(run[0][1])))
        elif run:
            seconds = int(run_shift.total_seconds())
            moved = (t if time_is_date else
                     f"CAST({t} + INTERVAL '{seconds}' SECOND AS DATE)" if seconds else
                     f"CAST({t} AS DATE)")
            out.append((hi(run[-1]), moved))
        run.clear()

    for i, b in enumerate(ordered):
        if cumulative and (i == 0 or ordered[i - 1][2] != b[1]):
            close()
            out.append((lo(b), literal(b[1])))  # the rows before it count in it
        shift = offset(b)
        if shift is None:  # a day of 23 or 25 hours: its own branch
            close()
            out.append((hi(b), literal(b[1])))
            continue
        if run and (run[-1][2] != b[1] or run_shift != shift):
            close()
        if not run:
            run_shift = shift
        run.append(b)
    close()
    return out


def as_of_day(current: Bounds, today: date) -> date:
    """The day a period's value is for (`{as_of}`): its last day once it is over, `today` while
    it is under way (or still to come); for the first days of a period, the last of them."""
    return min(current[2] - timedelta(days=1), today)


def fill_placeholders(sql: str, current: Bounds, prior: Bounds, as_of: date) -> str:
    """Put a period's bounds, and the day its value is for, where a query metric or target
    asks for them."""
    values = {
        "as_of": literal(as_of),
        "period_start": literal(current[1]), "period_end": literal(current[2]),
        "prior_start": literal(prior[1]), "prior_end": literal(prior[2]),
        "period_start_utc": literal(current[3]), "period_end_utc": literal(current[4]),
        "prior_start_utc": literal(prior[3]), "prior_end_utc": literal(prior[4]),
    }
    out = sql
    for name, lit in values.items():
        out = out.replace("{" + name + "}", lit)
    return out


def running_totals(rows: list[tuple[Any, ...]], labels: list[str], sliced: bool,
                   ) -> list[tuple[Any, ...]]:
    """A cumulative metric's rows (period label, [slice,] value), one per period that holds
    rows, made into each period's balance: the running total over `labels`, which are in the
    periods' order. A slice that has rows before a period has a balance for it, even when no
    row falls in it."""
    by_slice: dict[Any, dict[str, Any]] = {}
    for row in rows:
        by_slice.setdefault(row[1] if sliced else None, {})[str(row[0])] = row[-1]
    out: list[tuple[Any, ...]] = []
    for s, values in by_slice.items():
        total: Any = None
        for label in labels:
            v = values.get(label)
            if v is not None:
                total = v if total is None else total + v
            if total is not None:
                out.append((label, s, total) if sliced else (label, total))
    return out
