"""What follows new data in the ledger, however it came in by hand (`load`, `load-mapped`,
`attach`): the checks, said on the console; the alert rules; the Asana goals. A scheduled or
hand-run `sync` does the same from `northstar.sources.sync`. None of them undoes the load: the
rows are in the ledger whatever a check, an alert channel or Asana says."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from northstar.project import Project

__all__ = ["after_new_data"]


def after_new_data(project: Project, console: Console) -> None:
    from northstar.alerts import after_collection as evaluate_alerts
    from northstar.asana import after_collection as push_goals
    from northstar.checks import after_refresh

    after_refresh(project, console)
    evaluate_alerts(project)  # a check failed, a metric turned red: one alert per change
    push_goals(project)  # the metrics that name an Asana goal push their new values
