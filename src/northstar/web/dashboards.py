"""Dashboard files: `dashboards/<name>.yml`, a page of tiles (metric + tag filter + visual).

A new dashboard is a new file, not new code. Mistakes are reported as file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from northstar.errors import ConfigError
from northstar.files import load_yaml, validate
from northstar.ledger.schema import TAGS
from northstar.metrics.catalog import Catalog

Visual = Literal["number", "trend", "waterfall", "cohort", "funnel", "bullet", "table"]
DASHBOARDS_DIR = "dashboards"


class Tile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    """A metric declared in metrics/."""
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
        if tile.metric not in catalog.metrics:
            raise ConfigError(f"tiles.{i}.metric: no metric {tile.metric!r} in metrics/",
                              path=str(path), line=lines.get((*where, "metric")))
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


def load_dashboards(root: Path, catalog: Catalog) -> dict[str, Dashboard]:
    """Every dashboard file of the project, by name."""
    boards: dict[str, Dashboard] = {}
    for path in sorted((root / DASHBOARDS_DIR).glob("*.y*ml")):
        board = load_dashboard(path, catalog)
        boards[board.name] = board
    return boards
