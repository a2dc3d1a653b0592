"""`northstar asana push|list`: thin wrappers over `GoalPush`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from northstar.asana.push import Result

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]

LABELS = {"pushed": "[green]pushed[/]", "unchanged": "unchanged",
          "edited": "[yellow]edited by hand[/]", "failed": "[red]failed[/]",
          "no_value": "no value", "would_push": "[cyan]would push[/]"}


def line(r: Result) -> str:
    """One goal's outcome, as the CLI prints it (rich markup)."""
    p = r.plan
    name = f" ({r.goal.name})" if r.goal is not None else ""
    where = f"{p.metric.name} {p.period or ''} -> goal {p.goal}{name}"
    label = ("[green]up to date[/]" if r.outcome == "pushed" and not r.wrote
             else LABELS.get(r.outcome, r.outcome))
    return f"{label} {escape(where)}: {escape(r.message)}"


def register(app: typer.Typer) -> None:
    out = Console()
    asana_app = typer.Typer(help="Goal values pushed to Asana: each metric file's `asana:` "
                            "goal (docs/asana.md).", no_args_is_help=True)
    app.add_typer(asana_app, name="asana")

    @asana_app.command("push")
    def push(
        project: ProjectDir = Path("."),
        metric: Annotated[list[str] | None, typer.Option(
            "--metric", "-m", help="Only this metric's goal (repeatable).")] = None,
        overwrite: Annotated[list[str] | None, typer.Option(
            "--overwrite", help="Push this metric's value over a hand edit in Asana, this "
            "once (repeatable).")] = None,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="Read the goals and say what would be pushed; change nothing.")]
        = False,
    ) -> None:
        """Push each linked goal's value now, as after a collection: no call for a value that
        has not changed, a goal edited by hand left alone; exit 1 when a push failed."""
        from northstar.asana.push import GoalPush
        from northstar.project import Project

        with Project.open(project) as p:
            if not p.settings.asana.enabled and not dry_run:
                out.print("Pushes to Asana are off ([asana] enabled = false in northstar.toml).")
                return
            results = GoalPush(p).run(metric or None, dry_run=dry_run,
                                      overwrite=overwrite or (), author=getpass.getuser())
        for r in results:
            out.print(line(r), highlight=False, soft_wrap=True)
        if not results:
            out.print("No metric names an Asana goal: add `asana: {goal: \"...\"}` to a metric "
                      "file (docs/asana.md).")
        if any(r.outcome == "failed" for r in results):
            raise typer.Exit(1)

    @asana_app.command("list")
    def list_goals(project: ProjectDir = Path(".")) -> None:
        """Every linked goal: what Northstar last pushed, when, and how the last push went."""
        from northstar.asana.push import GoalPush, linked
        from northstar.project import Project

        with Project.open(project, read_only=True) as p:
            links = linked(p)
            states = GoalPush(p).log.states()
        if not links:
            out.print("No metric names an Asana goal.")
            return
        table = Table("metric", "goal", "period", "last pushed", "pushed (UTC)", "last push")
        for m in links:
            assert m.asana is not None
            s = states.get(m.asana.goal)
            goal = m.asana.goal + (f" {s.goal_name}" if s and s.goal_name else "")
            if s is None:
                table.add_row(m.name, goal, "", "", "", "not pushed yet")
                continue
            outcome = {"edited": "edited by hand", "no_value": "no value"}.get(s.outcome,
                                                                              s.outcome)
            table.add_row(m.name, goal, s.period or "",
                          "" if s.pushed_value is None else f"{s.pushed_value:g}",
                          f"{s.pushed_at:%Y-%m-%d %H:%M}" if s.pushed_at else "",
                          f"{outcome}: {s.message}" if s.message else outcome)
        out.print(table)
