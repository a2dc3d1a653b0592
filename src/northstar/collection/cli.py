"""`northstar collect [SOURCE]` (what the systemd timer runs) and `northstar source
list|enable|disable` (the schedule's switch per source)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from northstar.errors import NorthstarError

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]
Author = Annotated[str, typer.Option(help="Who makes this change (default: your login).")]

source_app = typer.Typer(help="The sources and their schedules: a new source's schedule is "
                         "off until its backfill is reviewed.", no_args_is_help=True)


def collect_command(
    source: Annotated[str | None, typer.Argument(
        help="Source to collect (default: every source on the default schedule; a source "
        "with a crontab line of its own has a timer of its own).")] = None,
    project: ProjectDir = Path("."),
) -> None:
    """One scheduled run, as the systemd timer makes it: the current month and the closed
    months before it, for every source whose schedule is on, logged."""
    from northstar.checks import after_refresh
    from northstar.collection.run import run_timer
    from northstar.project import Project
    from northstar.sources.cli import print_outcome

    out = Console()
    with Project.open(project) as p:
        outcomes, own = run_timer(p, source, now=datetime.now(UTC))
        for name in own:
            out.print(f"{name}: has a schedule of its own; its own timer collects it "
                      f"(northstar schedule --systemd --source {name})", highlight=False)
        for outcome in outcomes:
            print_outcome(out, outcome)
        after_refresh(p, out)
    failures = [str(o.failure) for o in outcomes if o.failure is not None]
    if failures:
        raise NorthstarError("; ".join(failures))


@source_app.command("list")
def list_sources(project: ProjectDir = Path(".")) -> None:
    """Every declared source: its schedule (on or off, by whom, why) and its last runs."""
    from northstar.collection.log import entries
    from northstar.collection.switch import overview
    from northstar.project import Project

    out = Console()
    with Project.open(project) as p:
        rows = overview(p)
        last = {name: entries(p, 1, name) for name in (r["source"] for r in rows)}
    if not rows:
        out.print("No sources declared: add one to sources.toml.")
        return
    table = Table("source", "schedule", "switched (UTC)", "by", "why", "last run")
    for r in rows:
        if r["forced_off"]:
            state = "[yellow]off (northstar.toml)[/]"
        elif r["enabled"]:
            state = "[green]on[/]"
        elif r["unreviewed"]:
            state = "off: backfill first"
        else:
            state = "off"
        run = last[r["source"]]
        ran = (f"{run[0]['kind']} {run[0]['period']} {run[0]['status']} "
               f"{run[0]['started_at']:%Y-%m-%d %H:%M}") if run else "never"
        table.add_row(r["source"], state, f"{r['at']:%Y-%m-%d %H:%M}" if r["at"] else "",
                      r["author"] or "", r["reason"] or "", ran)
    out.print(table)


@source_app.command("enable")
def enable(
    source: Annotated[str, typer.Argument(help="Source, as named in sources.toml.")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the ledger).")] = None,
    author: Author = "",
    project: ProjectDir = Path("."),
) -> None:
    """Turn a source's schedule on, once its backfill has been run by hand and reviewed."""
    _switch(project, source, True, author, reason)


@source_app.command("disable")
def disable(
    source: Annotated[str, typer.Argument(help="Source, as named in sources.toml.")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the ledger).")] = None,
    author: Author = "",
    project: ProjectDir = Path("."),
) -> None:
    """Turn a source's schedule off (it can still be collected by hand)."""
    _switch(project, source, False, author, reason)


def _switch(folder: Path, source: str, on: bool, author: str, reason: str | None) -> None:
    from northstar.collection.switch import set_schedule
    from northstar.project import Project

    with Project.open(folder) as p:
        done = set_schedule(p, source, on, author=author or getpass.getuser(), reason=reason)
    Console().print(f"The schedule of {done.source} is {'on' if on else 'off'} (by "
                    f"{done.author}).", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("collect")(collect_command)
    app.add_typer(source_app, name="source")
