"""Dashboard files: `dashboards/<name>.yml`, a page of tiles (metric + tag filter + visual).

A tile shows either a metric (`metric:`) or the rows of a model view (`model:`), such as the
NPR-by-supplier table or a cohort matrix, optionally pivoted and coloured by a metric's bands.
A new dashboard is a new file, not new code. Mistakes are reported as file:line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from northstar.errors import ConfigError
from northstar.files import load_yaml, validate
from northstar.ledger.schema import TAGS
from northstar.metrics.catalog import Catalog
from northstar.metrics.definition import Unit

Visual = Literal["number", "trend", "waterfall", "cohort", "funnel", "bullet", "table"]
DASHBOARDS_DIR = "dashboards"
MODELS_DIR = "models"
COLUMN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Pivot(BaseModel):
    """Turn a long model (one row per row-key and column-key) into a matrix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rows: str = Field(pattern=COLUMN)
    """The column whose values become the rows (e.g. the cohort year)."""
    columns: str = Field(pattern=COLUMN)
    """The column whose values become the columns (e.g. the year)."""
    value: str = Field(pattern=COLUMN)
    """The column that fills the cells."""


class Tile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str | None = None
    """A metric declared in metrics/ (or give `model`)."""
    model: str | None = None
    """A model view in models/ whose rows the tile shows as a table or a cohort matrix."""
    title: str | None = None
    """Shown instead of the metric's own title."""
    visual: Visual = "number"
    """How the tile draws the metric."""
    filter: dict[str, str] = {}
    """Tag filter, e.g. {department: demand}; only tags the metric can be sliced by."""
    by: str | None = None
    """Slice the metric by this tag (one row or bar per value)."""
    periods: int = Field(13, ge=1, le=60)
    """How many periods a trend or table shows."""
    ahead: int = Field(0, ge=0, le=24)
    """Metric tiles: how many of those periods come after the current one (a forecast)."""
    bars: str | None = None
    """Waterfall tiles: the metric whose values are the bars (net payouts for NPR), each bar
    coloured by the status of the tile's metric in its period; periods without a bar value
    are left out."""
    select: list[str] = []
    """Model tiles: the columns shown, in order (all columns when empty)."""
    where: str | None = None
    """Model tiles: a SQL condition on the model's columns, e.g. `total_ltv >= 10000`."""
    order_by: str | None = None
    """Model tiles: a SQL ORDER BY list, e.g. `row_kind = 'total', total_ltv desc`."""
    limit: int = Field(200, ge=1, le=5000)
    """Model tiles: at most this many rows (before pivoting)."""
    pivot: Pivot | None = None
    """Model tiles: show a matrix instead of the rows (required for `cohort`)."""
    units: dict[str, Unit] = {}
    """Model tiles: how to format a column (usd, percent, ratio, count, days, number)."""
    bands_from: str | None = None
    """Model cohort tiles: the metric whose green/yellow bands colour the cells."""
    pinned: str | None = None
    """Model tiles: a SQL condition on the model's columns for rows shown on every page
    (a table shows 25 rows a page), e.g. `row_kind <> 'supplier'` for the totals."""
    group_by: list[str] = []
    """Model tiles: one row per value of these columns (after `where`), with the `sum`
    columns added up, e.g. overdue bills by Bill.com status."""
    sum: list[str] = []
    """Model tiles with `group_by`: the columns added up in each group."""

    @model_validator(mode="after")
    def _one_source(self) -> Tile:
        if (self.metric is None) == (self.model is None):
            raise ValueError("a tile shows either a metric (`metric:`) or a model (`model:`)")
        model_only = {"select": self.select, "where": self.where, "order_by": self.order_by,
                      "pivot": self.pivot, "units": self.units, "bands_from": self.bands_from,
                      "pinned": self.pinned, "group_by": self.group_by, "sum": self.sum}
        if self.metric is not None:
            given = [k for k, v in model_only.items() if v]
            if given:
                raise ValueError(f"{', '.join(given)}: only for a model tile (`model:`)")
            if self.bars is not None and self.visual != "waterfall":
                raise ValueError("bars: only for a waterfall tile")
            if self.ahead >= self.periods:
                raise ValueError(f"ahead: {self.ahead} leaves no period up to today out of "
                                 f"{self.periods}: show more periods or fewer ahead")
            return self
        if self.ahead or self.bars:
            raise ValueError("ahead and bars: only for a metric tile (`metric:`)")
        if self.filter or self.by:
            raise ValueError("filter and by slice a metric; a model tile uses `where`")
        if self.visual not in ("table", "cohort"):
            raise ValueError(f"a model tile is drawn as `table` or `cohort`, not {self.visual!r}")
        if self.visual == "cohort" and self.pivot is None:
            raise ValueError("a cohort tile over a model needs `pivot` (rows, columns, value)")
        for col in [*self.select, *self.units, *self.group_by, *self.sum]:
            if not re.match(COLUMN, col):
                raise ValueError(f"{col!r} is not a column name")
        if self.sum and not self.group_by:
            raise ValueError("sum adds up columns per group: give group_by too")
        if self.group_by and (self.select or self.pinned):
            raise ValueError("a grouped tile shows its group_by and sum columns: leave out "
                             "select and pinned")
        return self

    @property
    def heading(self) -> str:
        """The title shown: the tile's own, the metric's, or the model's name in words."""
        return self.title or (self.model or self.metric or "").replace("_", " ").capitalize()


class Dashboard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    """URL slug; must match the file name."""
    title: str
    description: str = ""
    tiles: list[Tile] = Field(min_length=1)


def load_dashboard(path: Path, catalog: Catalog) -> Dashboard:
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("a dashboard file holds one mapping of fields", path=str(path), line=1)
    board = validate(Dashboard, data, path, lines)
    if board.name != path.stem:
        raise ConfigError(f"name {board.name!r} must match the file name {path.stem!r}",
                          path=str(path), line=lines.get(("name",)))
    for i, tile in enumerate(board.tiles):
        where: tuple[Any, ...] = ("tiles", i)
        if tile.model is not None:
            _check_model_tile(tile, i, path, lines, catalog)
            continue
        assert tile.metric is not None
        if tile.metric not in catalog.metrics:
            raise ConfigError(f"tiles.{i}.metric: no metric {tile.metric!r} in metrics/",
                              path=str(path), line=lines.get((*where, "metric")))
        if tile.bars is not None and tile.bars not in catalog.metrics:
            raise ConfigError(f"tiles.{i}.bars: no metric {tile.bars!r} in metrics/",
                              path=str(path), line=lines.get((*where, "bars")))
        if tile.bars is not None and catalog.metrics[tile.bars].grain != catalog.metrics[
                tile.metric].grain:
            raise ConfigError(f"tiles.{i}.bars: {tile.bars} is measured per "
                              f"{catalog.metrics[tile.bars].grain}, {tile.metric} per "
                              f"{catalog.metrics[tile.metric].grain}", path=str(path),
                              line=lines.get((*where, "bars")))
        dims = catalog.metrics[tile.metric].dimensions
        for tag in [*tile.filter, *([tile.by] if tile.by else [])]:
            if tag not in TAGS:
                raise ConfigError(f"tiles.{i}: {tag!r} is not a tag; tags are: "
                                  f"{', '.join(TAGS)}", path=str(path),
                                  line=lines.get((*where, "filter" if tag in tile.filter
                                                  else "by")))
            if tag not in dims:
                allowed = ", ".join(dims) or "nothing"
                raise ConfigError(f"tiles.{i}: {tile.metric} cannot be sliced by {tag!r}; "
                                  f"it can be sliced by {allowed}", path=str(path),
                                  line=lines.get((*where, "filter" if tag in tile.filter
                                                  else "by")))
    return board


def _check_model_tile(tile: Tile, i: int, path: Path, lines: dict[tuple[Any, ...], int],
                      catalog: Catalog) -> None:
    assert tile.model is not None
    models = path.parent.parent / MODELS_DIR
    if not (models / f"{tile.model}.sql").exists():
        known = ", ".join(sorted(p.stem for p in models.glob("*.sql"))) or "none"
        raise ConfigError(f"tiles.{i}.model: no model {tile.model!r} in models/ (models: "
                          f"{known})", path=str(path), line=lines.get(("tiles", i, "model")))
    if tile.bands_from is not None:
        metric = catalog.metrics.get(tile.bands_from)
        if metric is None or metric.bands is None:
            why = "no such metric" if metric is None else "it has no bands"
            raise ConfigError(f"tiles.{i}.bands_from: cannot colour by {tile.bands_from!r} "
                              f"({why})", path=str(path),
                              line=lines.get(("tiles", i, "bands_from")))


def load_dashboards(root: Path, catalog: Catalog) -> dict[str, Dashboard]:
    """Every dashboard file of the project, by name."""
    boards: dict[str, Dashboard] = {}
    for path in sorted((root / DASHBOARDS_DIR).glob("*.y*ml")):
        board = load_dashboard(path, catalog)
        boards[board.name] = board
    return boards
