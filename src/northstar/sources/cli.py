"""`northstar sync [SOURCE]` and `northstar status`: thin wrappers over `sync` and the run log.

`register(app)` adds both commands to the main CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from northstar.errors import NorthstarError

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).",
)]


def _rate(done: float, seconds: float) -> str:
    return f"{done / seconds:,.0f}" if seconds > 0 else "-"


def _backfill_date(text: str) -> date:
    """`2024-01` (the first of that month) or `2024-01-15`."""
    try:
        return date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise NorthstarError(f"--backfill-from {text!r}: write a month as YYYY-MM or a date as "
                             "YYYY-MM-DD") from None


def sync_command(
    source: Annotated[str | None, typer.Argument(
        help="Source to collect, as named in sources.toml (default: every source).")] = None,
    project: ProjectDir = Path("."),
    backfill_from: Annotated[str | None, typer.Option(
        "--backfill-from", help="Re-read everything changed since this month or date "
        "(YYYY-MM or YYYY-MM-DD); records already in the ledger unchanged are not added "
        "again.")] = None,
    month: Annotated[str | None, typer.Option(
        "--month", help="Collect this closed month again (YYYY-MM) and freeze its values "
        "again; needs --reason.")] = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="Why the month is collected again (kept in the collection log).")
    ] = None,
    author: Annotated[str, typer.Option(
        help="Who asks for the run (default: your login).")] = "",
    objects: Annotated[list[str] | None, typer.Option(
        "--object", help="Only this object (repeatable), e.g. --object deals.")] = None,
) -> None:
    """Collect from the declared sources now: each source's run all or nothing."""
    import getpass
    import time

    from northstar.checks import after_refresh
    from northstar.collection.run import collect, rerun_month
    from northstar.collection.switch import switches
    from northstar.project import Project
    from northstar.sources.config import load_sources
    from northstar.sources.sync import Progress as Report

    out, err = Console(), Console(stderr=True)
    since = None if backfill_from is None else _backfill_date(backfill_from)
    if month is not None and (source is None or since is not None):
        raise NorthstarError("--month re-runs one source for one month: name the source, and "
                             "leave out --backfill-from")
    if month is not None and not (reason or "").strip():
        raise NorthstarError(f're-running {month} needs a reason, kept in the collection log: '
                             f'--reason "what was wrong"')
    if reason is not None and month is None:
        raise NorthstarError("--reason goes with --month (the month collected again)")
    who = author or getpass.getuser()
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
                if month is not None:
                    outcome = rerun_month(p, name, month, reason=reason or "", author=who,
                                          objects=objects, progress=report)
                else:
                    outcome = collect(p, name, backfill_from=since, objects=objects,
                                      progress=report, author=who)
                if outcome.failure is not None:
                    failures.append(str(outcome.failure))
                for r in outcome.runs:
                    took = ((r.finished_at or r.started_at) - r.started_at).total_seconds()
                    line = (f"{r.source} {r.object}: {r.fetched:,} read, {r.appended:,} new "
                            f"versions, {r.unchanged:,} unchanged, {r.pages} pages in "
                            f"{took:.1f}s")
                    if r.status == "ok":
                        out.print(f"[green]ok[/] {line}", highlight=False)
                    else:
                        out.print(f"[red]failed[/] {escape(f'{r.source} {r.object}: {r.error}')}",
                                  highlight=False)
                print_outcome(out, outcome)
                switch = switches(p).get(name)
                if outcome.ok and switch is None:
                    out.print(f"The schedule of {name} is off. Review what this run loaded, "
                              f"then turn it on: northstar source enable {name}",
                              highlight=False)
        after_refresh(p, out)
    if failures:
        raise NorthstarError("; ".join(failures))


def print_outcome(out: Console, outcome: Any) -> None:
    """The run's collection-log line, the values frozen again, what was left alone and the
    metric findings."""
    e = outcome.entry
    out.print(f"{e.source} {e.kind} run for {e.period}: {e.status} in {e.duration:.1f}s "
              "(collection log)", highlight=False, markup=False)
    for value in outcome.refrozen:
        out.print(f"  frozen again: {value}", highlight=False, markup=False)
    for value in outcome.kept:
        out.print(f"  [yellow]kept frozen[/] {escape(value)}", highlight=False)
    for value in e.skipped:
        out.print(f"  skipped: {value}", highlight=False, markup=False)
    for f in outcome.findings:
        out.print(f"  [yellow]{f.severity}[/] {escape(f'{f.metric} {f.period}: {f.message}')}",
                  highlight=False)


def status_command(project: ProjectDir = Path(".")) -> None:
    """The last run of every source object (when, how it went, how far it has read), the
    collection log and the data-quality findings of raw tables and metrics."""
    from northstar.collection.log import entries
    from northstar.project import Project
    from northstar.sources.quality import findings
    from northstar.sources.state import SyncState

    out = Console()
    with Project.open(project) as p:
        runs = SyncState(p.ledger).last_runs()
        found = findings(p.ledger, 20)
        logged = entries(p, 10)
        waiting = waiting_sources(p)
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
    if logged:
        styles = {"ok": "green", "failed": "red", "skipped": "yellow"}
        history = Table("started (UTC)", "source", "run", "period", "status", "took", "error",
                        title="Collection runs (newest first)")
        for e in logged:
            style = styles.get(e["status"], "")
            history.add_row(f"{e['started_at']:%Y-%m-%d %H:%M}", e["source"], e["kind"],
                            e["period"], f"[{style}]{e['status']}[/]",
                            f"{e['duration_s']:.1f}s", e["error"] or e["reason"] or "")
        out.print(history)
    if found:  # file loads (load-mapped) keep findings too
        colours = {"rejected": "red", "error": "red", "warning": "yellow", "review": "cyan"}
        issues = Table("found (UTC)", "severity", "source", "table or metric", "finding",
                       title="Data-quality findings (newest first)")
        for f in found:
            colour = colours.get(f["severity"], "")
            issues.add_row(f"{f['found_at']:%Y-%m-%d %H:%M}", f"[{colour}]{f['severity']}[/]",
                           f["source"], f["table_name"], f["message"])
        out.print(issues)


    if waiting:
        out.print("Metrics waiting for a source (a table they read has never loaded):",
                  highlight=False, markup=False)
        for line in waiting:
            out.print(f"- {line}", highlight=False, markup=False, soft_wrap=True)


def waiting_sources(p: Any) -> list[str]:
    """One line per source a metric waits for: its tables, what brings them in, and the
    metrics that wait; then the tables no source is known to bring in."""
    from northstar.sources.registry import explain, needs

    metrics: dict[str, list[str]] = {}
    for name in sorted(p.catalog.metrics):
        try:
            tables = p.metrics.waiting_for(p.catalog.get(name))
        except NorthstarError:  # a metric that cannot be read is `northstar compute`'s to say
            continue
        for table in tables:
            metrics.setdefault(table, []).append(name)
    lines = []
    found = needs(p.root, list(metrics))
    for need in found:
        if not (need.source or need.kind or need.declared):
            lines.append(f"{need.table} has never loaded and no source is known to bring it "
                         f"in. Waiting: {', '.join(metrics['raw_' + need.table])}.")
    by_source: dict[str, list[str]] = {}
    for need in found:
        if need.source or need.kind or need.declared:
            key = explain([n for n in found if n.advice == need.advice
                           and n.source == need.source])[0]
            for m in metrics["raw_" + need.table]:
                if m not in by_source.setdefault(key, []):
                    by_source[key].append(m)
    return [f"{line} Waiting: {', '.join(sorted(ms))}." for line, ms in by_source.items()] \
        + lines


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
    app.command("status")(status_command)
