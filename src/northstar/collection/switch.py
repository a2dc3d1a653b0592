"""Whether the schedule collects a source: off until an admin turns it on.

A new source is collected by hand first (`northstar sync SOURCE --backfill-from 2024-01`); once
someone has reviewed what landed, an admin turns its schedule on. The switch is kept in the
ledger table `ns_source_schedule`, one appended row per change with who made it and why, so the
hash chain covers it and the newest row per source is the state. `enabled = false` under
`[schedule.sources.NAME]` in northstar.toml keeps a source off whatever the switch says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from northstar.errors import NorthstarError
from northstar.ledger.store import utcnow
from northstar.sources.config import get_source, load_sources
from northstar.sources.registry import connector_class
from northstar.sources.state import RUNS

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["SWITCHES", "Switch", "enabled", "set_schedule", "switches"]

SWITCHES = "ns_source_schedule"


@dataclass(frozen=True)
class Switch:
    source: str
    enabled: bool
    author: str
    reason: str | None
    at: datetime
    """When it was switched (UTC)."""


def switches(project: Project) -> dict[str, Switch]:
    """The newest switch of every source that has been switched."""
    if SWITCHES not in project.engine.relations():
        return {}
    rows = project.engine.rows(
        f"SELECT source, enabled, author, reason, switched_at FROM (SELECT *, row_number() "
        f"OVER (PARTITION BY source_id ORDER BY load_id DESC, row_seq DESC) AS n "
        f"FROM {SWITCHES}) AS s WHERE n = 1")
    return {str(s): Switch(str(s), bool(e), str(a), r, at) for s, e, a, r, at in rows}


def forced_off(project: Project, source: str) -> bool:
    """northstar.toml says `enabled = false` for this source."""
    override = project.settings.schedule.sources.get(source)
    return override is not None and not override.enabled


def enabled(project: Project, source: str) -> bool:
    """The schedule collects `source`: switched on, and not turned off in northstar.toml."""
    found = switches(project).get(source)
    return found is not None and found.enabled and not forced_off(project, source)


def unreviewed(project: Project, source: str) -> list[str]:
    """The objects of `source` that have never been collected without an error."""
    cfg = get_source(project.root, source)
    cls = connector_class(cfg.kind)
    wanted = cfg.objects or [o.name for o in cls.objects]
    done: set[str] = set()
    if RUNS in project.engine.relations():
        done = {str(o) for (o,) in project.engine.rows(
            f"SELECT DISTINCT object FROM {RUNS} WHERE source = ? AND status = 'ok'", [source])}
    return [o for o in wanted if o not in done]


def set_schedule(project: Project, source: str, on: bool, *, author: str,
                 reason: str | None = None) -> Switch:
    """Turn the schedule of `source` on or off. On needs a good run of every object first:
    the backfill an admin reviewed."""
    cfg = get_source(project.root, source)  # a declared source, or a clear error
    if on:
        missing = unreviewed(project, source)
        if missing:
            raise NorthstarError(
                f"{source} has not been collected in full yet ({', '.join(missing)} never "
                f"ran without an error): run the backfill by hand, `northstar sync {source} "
                f"--backfill-from 2024-01`, review what it loaded, then enable the schedule")
        if forced_off(project, source):
            raise NorthstarError(
                f"northstar.toml turns {source}'s schedule off ([schedule.sources.{source}] "
                "enabled = false); remove that line to let the switch decide")
    import pyarrow as pa

    at = utcnow()
    row = {"id": cfg.name, "source": cfg.name, "enabled": on, "author": author,
           "reason": reason, "switched_at": at}
    schema = pa.schema([("id", pa.string()), ("source", pa.string()), ("enabled", pa.bool_()),
                        ("author", pa.string()), ("reason", pa.string()),
                        ("switched_at", pa.timestamp("us"))])
    project.ledger.append(SWITCHES, pa.Table.from_pylist([row], schema=schema),
                          source="northstar", id_column="id")
    return Switch(cfg.name, on, author, reason, at)


def overview(project: Project) -> list[dict[str, Any]]:
    """Every declared source: its schedule (on or off, by whom, when, why) and whether it
    may be switched on yet (for `northstar source list` and the admin page)."""
    found = switches(project)
    out = []
    for name in sorted(load_sources(project.root)):
        switch = found.get(name)
        out.append({
            "source": name, "enabled": enabled(project, name),
            "forced_off": forced_off(project, name),
            "author": switch.author if switch else None,
            "reason": switch.reason if switch else None,
            "at": switch.at if switch else None,
            "unreviewed": unreviewed(project, name),
        })
    return out
