"""Model tiles: the rows of a model view on a dashboard, as a table or a coloured matrix.

Some of what a team reads is not one number but a list: net payout retention by supplier with
its Unlinked and TOTAL rows, the customer development view, the cohort payout matrix. Those are
model views; a dashboard tile with `model:` shows them, filtered, sorted and optionally pivoted
(one row per cohort, one column per year), its cells formatted by `units` and, for a cohort
matrix, coloured green / yellow / red by the bands of the metric named in `bands_from`. A long
table is shown `PAGE_SIZE` rows at a time, with the rows `pinned` names (totals) on every
page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from northstar.engines.base import quote
from northstar.errors import NorthstarError
from northstar.formatting import column_title, format_cell, format_value
from northstar.ledger.schema import RAW_PREFIX
from northstar.metrics.sqlgen import literal

if TYPE_CHECKING:
    from northstar.metrics.definition import MetricDef
    from northstar.project import Project
    from northstar.web.dashboards import Tile

PAGE_SIZE = 25
"""Rows of a model table shown at a time (the pinned rows come on top of these)."""
PINNED = "ns_pinned"


@dataclass
class Grid:
    """What the template draws: a header row and rows of formatted cells, each with a colour
    class (green / yellow / red, or empty)."""

    header: list[str]
    rows: list[list[tuple[str, str]]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    """Per column: numbers (right-aligned) or text."""
    note: str | None = None
    matrix: tuple[list[str], list[str], list[list[float | None]]] | None = None
    """For a pivot: row labels, column labels and the raw numbers (for the heat map)."""
    colours: list[list[str | None]] = field(default_factory=list)
    """For a pivot: each cell's colour class as `colour` gives it, None where it is empty."""
    pinned: list[bool] = field(default_factory=list)
    """Per row: shown on every page (a total), not paged."""

    @property
    def pages(self) -> int:
        """How many pages the rows fill (at least one)."""
        return max(1, -(-(len(self.rows) - sum(self.pinned)) // PAGE_SIZE))

    def page(self, number: int) -> list[list[tuple[str, str]]]:
        """The rows of page `number` (1 is the first; past the last, the last), then the
        pinned rows, each where the order put it relative to the others."""
        start = (min(max(number, 1), self.pages) - 1) * PAGE_SIZE
        paged = [i for i in range(len(self.rows)) if not self._pinned(i)]
        keep = set(paged[start:start + PAGE_SIZE])
        return [r for i, r in enumerate(self.rows) if i in keep or self._pinned(i)]

    def _pinned(self, i: int) -> bool:
        return i < len(self.pinned) and self.pinned[i]


def model_query(tile: Tile, as_of: date | None = None) -> str:
    """The SELECT a model tile runs, in DuckDB's dialect. `{as_of}` in its conditions becomes
    `as_of`, the day the page is for (today in the company's time zone)."""
    assert tile.model is not None
    if tile.group_by:
        select = ", ".join([*(quote(c) for c in tile.group_by),
                            *(f"sum({quote(c)}) AS {quote(c)}" for c in tile.sum)])
    else:
        if tile.pivot is not None:
            cols = [tile.pivot.rows, tile.pivot.columns, tile.pivot.value]
        else:
            cols = tile.select
        select = ", ".join(quote(c) for c in cols) if cols else "*"
    if tile.pinned:
        select += f", ({tile.pinned}) AS {PINNED}"
    sql = f"SELECT {select} FROM {quote(tile.model)}"
    if tile.where:
        sql += f" WHERE ({tile.where})"
    if tile.group_by:
        sql += " GROUP BY " + ", ".join(quote(c) for c in tile.group_by)
    if tile.order_by:
        sql += f" ORDER BY {tile.order_by}"
    elif tile.pivot is not None:
        sql += f" ORDER BY {quote(tile.pivot.rows)}, {quote(tile.pivot.columns)}"
    sql += f" LIMIT {tile.limit}"
    if "{as_of}" in sql:
        sql = sql.replace("{as_of}", literal(as_of or date.today()))
    return sql


def thresholds(metric: MetricDef) -> tuple[float, float] | None:
    """A metric's green and yellow lines as values: fractions of a fixed target when the bands
    are relative to the target, the numbers themselves when absolute."""
    if metric.bands is None:
        return None
    b = metric.bands
    if b.relative_to == "absolute":
        return b.green, b.yellow
    if metric.target is None or metric.target.value is None:
        return None  # relative to a target that changes by period: no single line
    return b.green * metric.target.value, b.yellow * metric.target.value


def colour(value: float | None, lines: tuple[float, float] | None, higher: bool,
           base: bool = False) -> str:
    """green / yellow / red for a cell, or '' without bands or a value; 'base' for a cell
    that is its own comparison (a cohort's first year, 100% by definition), which says
    nothing good or bad."""
    if value is None or lines is None:
        return ""
    if base:
        return "base"
    green, yellow = lines
    if higher:
        return "green" if value >= green else "yellow" if value >= yellow else "red"
    return "green" if value <= green else "yellow" if value <= yellow else "red"


def band_legend(lines: tuple[float, float], higher: bool, unit: str | None,
                baseline: bool) -> str:
    """What a matrix's colours mean, in words, with the lines in the unit."""
    green, yellow = (format_value(v, unit or "number") for v in lines)
    if higher:
        text = f"Green: {green} or more · yellow: {yellow} or more · red: below {yellow}"
    else:
        text = f"Green: {green} or less · yellow: {yellow} or less · red: above {yellow}"
    return text + (" · grey: the cohort's first year, its own base." if baseline else ".")


@dataclass
class ModelRows:
    """A model tile's rows as its query returns them, before formatting: the page's grid and
    the JSON twin (`/api/models/{name}`) both start here."""

    columns: list[str]
    records: list[tuple[Any, ...]]
    pinned: list[bool]
    note: str | None = None
    """Why there are no rows to show (waiting for data, or a query that could not run)."""


def read_model(project: Project, tile: Tile) -> ModelRows:
    """Run a model tile's query: its columns, filter, order, limit and pinned rows."""
    assert tile.model is not None
    state = project.metrics.state()  # build the model views if the ledger moved
    if tile.model in project.models.waiting():
        tables = project.models.raw_dependencies(f"SELECT * FROM {quote(tile.model)}")
        missing = sorted(t.removeprefix(RAW_PREFIX) for t in tables
                         if t.startswith(RAW_PREFIX) and t not in state.versions)
        return ModelRows([], [], [], note="Waiting for data: nothing loaded into "
                         + (", ".join(missing) or "a table it reads") + ".")
    engine = project.engine
    try:
        table = engine.query(engine.transpile(model_query(tile, project.metrics.today())))
    except NorthstarError as exc:
        return ModelRows([], [], [], note=f"This table could not be read: {exc}")
    except Exception as exc:  # the driver's own error: a wrong column or condition in the file
        return ModelRows([], [], [], note="This table could not be read: "
                         f"{str(exc).splitlines()[0]}")
    names = list(table.column_names)
    data = [table.column(i).to_pylist() for i in range(table.num_columns)]
    pinned = [bool(v) for v in data.pop()] if tile.pinned else []
    if tile.pinned:
        names.pop()
    return ModelRows(names, list(zip(*data, strict=True)) if data else [], pinned)


def model_json(project: Project, tile: Tile, page: int, size: int) -> dict[str, Any]:
    """The JSON twin of a model tile: the rows its query returns, unformatted, `size` a page
    with the pinned rows (totals) on every page, each column's title and unit; for a matrix,
    the long rows and the `pivot` that lays them out."""
    got = read_model(project, tile)
    pinned = [i for i, pin in enumerate(got.pinned) if pin]
    shown_always = set(pinned)
    paged = [i for i in range(len(got.records)) if i not in shown_always]
    keep = set(paged[(page - 1) * size:page * size])
    return {
        "model": tile.model,
        "columns": [{"name": n, "title": column_title(n), "unit": tile.units.get(n)}
                    for n in got.columns],
        "rows": [dict(zip(got.columns, r, strict=True)) for i, r in enumerate(got.records)
                 if i in keep],
        "pinned": [dict(zip(got.columns, got.records[i], strict=True)) for i in pinned],
        "total": len(paged), "page": page, "size": size,
        "filter": {"where": tile.where, "order_by": tile.order_by, "limit": tile.limit},
        "pivot": tile.pivot.model_dump() if tile.pivot is not None else None,
        "note": got.note,
    }


def model_grid(project: Project, tile: Tile) -> Grid:
    """Run a model tile's query and lay its rows out for the page."""
    got = read_model(project, tile)
    if got.note is not None:
        return Grid([], note=got.note)
    names, records, pinned = got.columns, got.records, got.pinned
    if tile.pivot is None:
        numeric = [all(_is_number(r[i]) for r in records if r[i] is not None)
                   and any(r[i] is not None for r in records) for i in range(len(names))]
        return Grid([column_title(n) for n in names],
                    [[(format_cell(v, tile.units.get(n)), "num" if numeric[i] else "")
                      for i, (n, v) in enumerate(zip(names, r, strict=True))]
                     for r in records],
                    numeric=numeric, note=None if records else "No rows.", pinned=pinned)
    row_keys: list[Any] = list(dict.fromkeys(r[0] for r in records))
    pinned_keys = {r[0] for r, pin in zip(records, pinned or [False] * len(records),
                                          strict=True) if pin}
    col_keys: list[Any] = sorted(dict.fromkeys(r[1] for r in records), key=_sort_key)
    cell = {(r[0], r[1]): r[2] for r in records}
    metric = project.catalog.metrics.get(tile.bands_from) if tile.bands_from else None
    lines = thresholds(metric) if metric is not None else None
    higher = metric is None or metric.direction != "lower"
    unit = tile.units.get(tile.pivot.value)
    grid = Grid([column_title(tile.pivot.rows), *(str(c) for c in col_keys)],
                numeric=[False, *(True for _ in col_keys)],
                note=None if records else "No rows.",
                pinned=[rk in pinned_keys for rk in row_keys])
    numbers: list[list[float | None]] = []
    for rk in row_keys:
        values = [cell.get((rk, ck)) for ck in col_keys]
        as_float = [None if v is None else float(v) for v in values]
        numbers.append(as_float)
        # a cell whose row and column are the same (cohort 2023 in 2023) is its own base
        shades = [None if f is None else colour(f, lines, higher, str(rk) == str(ck))
                  for f, ck in zip(as_float, col_keys, strict=True)]
        grid.colours.append(shades)
        grid.rows.append([(str(rk), ""), *((format_cell(v, unit), shade or "num")
                                           for v, shade in zip(values, shades, strict=True))])
    grid.matrix = ([str(k) for k in row_keys], [str(k) for k in col_keys], numbers)
    return grid


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
