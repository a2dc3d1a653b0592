"""The drill-through rows as people read them: columns headed in words, the measured column in
the metric's unit with its total over the whole period, other numbers with thousands
separators; and the headers of the CSV download, which keeps the values raw.

`views.drill` gives the rows as they are (the API returns them so); this module only
presents them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from northstar.engines.base import quote
from northstar.formatting import column_title, format_cell, unit_label
from northstar.web import views

if TYPE_CHECKING:
    from northstar.metrics.definition import MetricDef
    from northstar.project import Project

_SUM = re.compile(r"\s*sum\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", re.IGNORECASE)


def measured_column(m: MetricDef) -> str | None:
    """The column a `sum(column)` measure adds up; None for any other kind of formula (a
    count is the row count, a ratio has no one column)."""
    if m.kind != "measure" or m.measure is None:
        return None
    found = _SUM.fullmatch(m.measure)
    return found[1] if found else None


@dataclass
class DrillTable:
    """What drill.html draws: headings, rows of (text, class) cells and the total row."""

    header: list[tuple[str, str]] = field(default_factory=list)
    """(title, class): `num` for a column of numbers (right-aligned)."""
    rows: list[list[tuple[str, str]]] = field(default_factory=list)
    total: list[tuple[str, str]] | None = None
    """The measured column's total over every row of the period, not just this page."""


def drill_table(p: Project, d: dict[str, Any]) -> DrillTable:
    """Present `views.drill`'s page of rows."""
    m = p.catalog.get(d["metric"])
    columns: list[str] = list(d["columns"])
    measured = measured_column(m)
    if measured not in columns:
        measured = None
    numeric = [_numbers(r[i] for r in d["rows"]) for i in range(len(columns))]
    units = [m.unit if c == measured else None for c in columns]
    cls = ["num" if n else "" for n in numeric]
    table = DrillTable(
        [(column_title(c), cls[i]) for i, c in enumerate(columns)],
        [[(format_cell(v, units[i], m.decimals, compact=False, empty=""), cls[i])
          for i, v in enumerate(r)] for r in d["rows"]])
    if measured is not None:
        at = columns.index(measured)
        total = period_total(p, m, d["period"], measured)
        table.total = [("", "")] * len(columns)
        table.total[at] = (format_cell(total, m.unit, m.decimals, compact=False), "num")
        if at > 0:
            table.total[0] = (f"Total of {d['total']:,} rows", "")
    return table


def period_total(p: Project, m: MetricDef, period: str, column: str) -> Any:
    """The sum of `column` over every row behind `m` in `period`."""
    assert m.model is not None
    where = views.period_where(p, m, p.period(period))
    return p.engine.scalar(f"SELECT sum({quote(column)}) FROM {quote(m.model)} WHERE {where}")


def csv_header(m: MetricDef, columns: list[str]) -> list[str]:
    """The CSV download's header: each column in words, the measured one with its unit
    (Amount (USD)); the values below stay raw (a percent column holds fractions)."""
    measured = measured_column(m)
    return [unit_label(c, m.unit if c == measured else None) for c in columns]


def _numbers(values: Any) -> bool:
    seen = [v for v in values if v is not None]
    return bool(seen) and all(isinstance(v, int | float | Decimal) and not isinstance(v, bool)
                              for v in seen)
