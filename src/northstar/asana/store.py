"""What Northstar last pushed to each Asana goal: the table `ns_asana_goals`, beside the
alert log in the project's database.

Why a table of its own and not the ledger: a goal's row changes in place (what was pushed
last, how the last try went), which a ledger table refuses by design. Every push is also in
the collection run log (`northstar.collection.log`, source `asana`), which is append-only.

One row per goal: the metric and period pushed; what Northstar wanted to push (`wanted_*`, in
the metric's unit: a rerun that wants the same makes no call) and what Asana holds since
Northstar's last write (`pushed_*`, in the goal's unit: a goal showing anything else was edited
by hand); the goal's value when last read; and the last outcome with its message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from northstar.engines.base import Engine

__all__ = ["GOALS", "GoalLog", "GoalState"]

GOALS = "ns_asana_goals"

DDL = f"""CREATE TABLE IF NOT EXISTS {GOALS} (
  goal VARCHAR PRIMARY KEY,
  metric VARCHAR NOT NULL,
  period VARCHAR,
  wanted_value DOUBLE PRECISION,
  wanted_target DOUBLE PRECISION,
  pushed_value DOUBLE PRECISION,
  pushed_target DOUBLE PRECISION,
  pushed_at TIMESTAMP,
  goal_value DOUBLE PRECISION,
  goal_name VARCHAR,
  outcome VARCHAR NOT NULL,
  message VARCHAR,
  checked_at TIMESTAMP NOT NULL
)"""

COLUMNS = ("goal", "metric", "period", "wanted_value", "wanted_target", "pushed_value",
           "pushed_target", "pushed_at", "goal_value", "goal_name", "outcome", "message",
           "checked_at")

OUTCOMES = ("pushed", "edited", "failed", "no_value")
"""`pushed`: Asana holds Northstar's value; `edited`: someone changed the goal by hand, left
alone; `failed`: the push did not happen (the message says why; tried again next time);
`no_value`: the metric has no value to push yet."""


@dataclass(frozen=True)
class GoalState:
    """One goal's row."""

    goal: str
    metric: str
    period: str | None
    wanted_value: float | None
    wanted_target: float | None
    pushed_value: float | None
    pushed_target: float | None
    pushed_at: datetime | None
    goal_value: float | None
    goal_name: str | None
    outcome: str
    message: str | None
    checked_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in COLUMNS}


class GoalLog:
    """Reads and writes `ns_asana_goals`; every timestamp is naive UTC."""

    def __init__(self, engine: Engine, *, create: bool = True) -> None:
        self.engine = engine
        if create:
            engine.execute(DDL)

    def states(self) -> dict[str, GoalState]:
        """goal gid -> its row (empty when the table does not exist yet)."""
        if GOALS not in self.engine.relations():
            return {}
        rows = self.engine.rows(f"SELECT {', '.join(COLUMNS)} FROM {GOALS} ORDER BY goal")
        return {str(r[0]): GoalState(*r) for r in rows}

    def save(self, state: GoalState) -> None:
        with self.engine.transaction():
            self.engine.execute(f"DELETE FROM {GOALS} WHERE goal = ?", [state.goal])
            marks = ", ".join("?" for _ in COLUMNS)
            self.engine.execute(f"INSERT INTO {GOALS} ({', '.join(COLUMNS)}) VALUES ({marks})",
                                [getattr(state, c) for c in COLUMNS])
