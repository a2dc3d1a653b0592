"""Thresholds and targets changed in the app. The metric file holds the reviewed defaults; an
override is appended (who, when, why) to `ns_web_thresholds` and applied on top of the file.
The newest override per metric wins; nothing is edited in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from northstar.errors import NorthstarError
from northstar.metrics.definition import Bands, Target
from northstar.project import Project
from northstar.web.store import THRESHOLDS


class ThresholdChange(BaseModel):
    """A new band or target for a metric. Omitted parts keep their current value."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1)
    relative_to: Literal["target", "absolute"] | None = None
    green: float | None = None
    yellow: float | None = None
    target: float | None = None
    reason: str = Field(min_length=1)


def thresholds(p: Project) -> list[dict[str, Any]]:
    overridden = {r[0] for r in p.engine.rows(f"SELECT DISTINCT metric FROM {THRESHOLDS}")}
    out = []
    for m in p.catalog:
        out.append({
            "metric": m.name, "title": m.title, "direction": m.direction, "unit": m.unit,
            "bands": m.bands.model_dump() if m.bands else None,
            "target": m.target.model_dump() if m.target else None,
            "source": "override" if m.name in overridden else "file",
        })
    return out


def apply_overrides(p: Project) -> None:
    """Put the newest override of each metric over its file's bands and target."""
    rows = p.engine.rows(
        f"SELECT metric, relative_to, green, yellow, target FROM (SELECT *, row_number() OVER "
        f"(PARTITION BY metric ORDER BY seq DESC) AS n FROM {THRESHOLDS}) AS t WHERE n = 1")
    for metric, relative_to, green, yellow, target in rows:
        m = p.catalog.metrics.get(str(metric))
        if m is None:
            continue
        update: dict[str, Any] = {}
        if green is not None and yellow is not None:
            update["bands"] = Bands(relative_to=relative_to or "target", green=float(green),
                                    yellow=float(yellow))
        if target is not None:
            update["target"] = Target(value=float(target))
        p.catalog.metrics[m.name] = m.model_copy(update=update)


def change(p: Project, body: ThresholdChange, author: str, at: datetime) -> dict[str, Any]:
    m = p.catalog.get(body.metric)
    bands = m.bands
    green = body.green if body.green is not None else (bands.green if bands else None)
    yellow = body.yellow if body.yellow is not None else (bands.yellow if bands else None)
    relative = body.relative_to or (bands.relative_to if bands else "target")
    if (green is None) != (yellow is None):
        raise NorthstarError("give both green and yellow: the metric has no bands yet")
    if green is not None and yellow is not None:
        if m.direction == "higher" and green < yellow:
            raise NorthstarError(f"{m.name}: higher is better, so green ({green}) must be at "
                                 f"or above yellow ({yellow})")
        if m.direction == "lower" and green > yellow:
            raise NorthstarError(f"{m.name}: lower is better, so green ({green}) must be at "
                                 f"or below yellow ({yellow})")
    target = body.target
    if target is None and m.target is not None and m.target.sql is None and not m.target.periods:
        target = m.target.value
    seq = int(p.engine.scalar(f"SELECT coalesce(max(seq), 0) + 1 FROM {THRESHOLDS}"))
    p.engine.execute(
        f"INSERT INTO {THRESHOLDS} (seq, metric, relative_to, green, yellow, target, author, "
        "reason, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, m.name, relative, None if green is None else str(green),
         None if yellow is None else str(yellow), None if target is None else str(target),
         author, body.reason, at])
    apply_overrides(p)
    from northstar.web.views import forget

    forget(p)  # the pages kept until the ledger moves (the scorecard's colours) are stale now
    return next(t for t in thresholds(p) if t["metric"] == m.name)
