"""`northstar sync [SOURCE]` and `northstar status`: thin wrappers over `sync` and the run log.

`register(app)` adds both commands to the main CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from northstar.errors import NorthstarError

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).",
)]


def _rate(done: float, seconds: float) -> str:
    return f"{done / seconds:,.0f}" if seconds > 0 else "-"


def sync_command(
    source: Annotated[str | None, typer.Argument(
        help="Source to collect, as named in sources.toml (default: every source).")] = None,
    project: ProjectDir = Path("."),
    backfill_from: Annotated[str | None, typer.Option(
        "--backfill-from", help="Re-read everything changed since this date (YYYY-MM-DD); "
        "records already in the ledger unchanged are not added again.")] = None,
    objects: Annotated[list[str] | None, typer.Option(
        "--object", help="Only this object (repeatable), e.g. --object deals.")] = None,
) -> None:
    """Collect from the declared sources now: each source's run all or nothing."""
    import time

    from northstar.checks import after_refresh
    from northstar.project import Project
    from northstar.sources.config import load_sources
    from northstar.sources.sync import Progress as Report
    from northstar.sources.sync import SyncFailed, sync

    out, err = Console(), Console(stderr=True)
    since = None
    if backfill_from is not None:
        try:
            since = date.fromisoformat(backfill_from)
        except ValueError:
            raise NorthstarError(f"--backfill-from {backfill_from!r}: write a date as "
                                 "YYYY-MM-DD") from None
    failures: list[str] = []
    with Project.open(project) as p:
        names = [source] if source else list(load_sources(p.root))
        if not names:
            raise NorthstarError(f"no sources declared in {p.root / 'sources.toml'}")
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), console=err,
                      transient=True) as bar:
            task = bar.add_task("starting", total=None, stats="")
            started = time.monotonic()

            def report(r: Report) -> None:
                took = time.monotonic() - started
                bar.update(task, description=f"{r.source} {r.object}", stats=(
                    f"{r.fetched:,} rows ({_rate(r.fetched, took)}/s), {r.pages:,} pages "
                    f"({_rate(r.pages, took)}/s)"))

            for name in names:
                started = time.monotonic()
                try:
                    runs = sync(p, name, backfill_from=since, progress=report, objects=objects)
                except SyncFailed as exc:
                    runs = exc.runs
                    failures.append(str(exc))
                for r in runs:
                    took = ((r.finished_at or r.started_at) - r.started_at).total_seconds()
                    line = (f"{r.source} {r.object}: {r.fetched:,} read, {r.appended:,} new "
                            f"versions, {r.unchanged:,} unchanged, {r.pages} pages in "
                            f"{took:.1f}s")
                    if r.status == "ok":
                        out.print(f"[green]ok[/] {line}", highlight=False)
                    else:
                        out.print(f"[red]failed[/] {r.source} {r.object}: {r.error}",
                                  highlight=False)
        after_refresh(p, out)
    if failures:
        raise NorthstarError("; ".join(failures))


def status_command(project: ProjectDir = Path(".")) -> None:
    """The last run of every source object: when, how it went, how far it has read."""
    from northstar.project import Project
    from northstar.sources.quality import findings
    from northstar.sources.state import SyncState

    out = Console()
    with Project.open(project) as p:
        runs = SyncState(p.ledger).last_runs()
        found = findings(p.ledger, 20)
    if not runs:
        out.print("No source has run yet: declare one in sources.toml and run `northstar sync`.")
    else:
        table = Table("source", "object", "finished (UTC)", "status", "read", "new",
                      "read up to", "error")
        for r in runs:
            style = "green" if r["status"] == "ok" else "red"
            finished = r["finished_at"]
            table.add_row(r["source"], r["object"],
                          f"{finished:%Y-%m-%d %H:%M}" if finished else "",
                          f"[{style}]{r['status']}[/]", f"{r['fetched']:,}",
                          f"{r['appended']:,}",
                          f"{r['cursor']:%Y-%m-%d %H:%M}" if r["cursor"] else "",
                          r["error"] or "")
        out.print(table)
    if found:  # file loads (load-mapped) keep findings too
        colours = {"rejected": "red", "warning": "yellow", "review": "cyan"}
        issues = Table("found (UTC)", "severity", "source", "table", "finding",
                       title="Data-quality findings (newest first)")
        for f in found:
            colour = colours.get(f["severity"], "")
            issues.add_row(f"{f['found_at']:%Y-%m-%d %H:%M}", f"[{colour}]{f['severity']}[/]",
                           f["source"], f["table_name"], f["message"])
        out.print(issues)


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
    app.command("status")(status_command)
