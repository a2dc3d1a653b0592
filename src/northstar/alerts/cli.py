"""`northstar alerts check|list|validate` and `northstar digest send|preview`: thin wrappers
over `Alerts` and `digest`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]
PersonOption = Annotated[list[str] | None, typer.Option(
    "--person", help="Only this person (an id from people.yml; repeatable).")]


def register(app: typer.Typer) -> None:
    out = Console()
    alerts_app = typer.Typer(help="Alerts as alerts.yml declares them (docs/alerts.md).",
                             no_args_is_help=True)
    digest_app = typer.Typer(help="The weekly digest: each person's metric, and for leads "
                             "their department's scorecard.", no_args_is_help=True)
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(digest_app, name="digest")

    @alerts_app.command("check")
    def check(project: ProjectDir = Path(".")) -> None:
        """Evaluate every rule now and send what it raises (and any delivery that is due);
        exit 1 when a delivery failed."""
        from northstar.alerts.service import Alerts
        from northstar.project import Project

        with Project.open(project) as p, Alerts(p) as alerts:
            raised, sent = alerts.check()
            rows = {a["id"]: a for a in alerts.log.alerts(max(len(raised), 1) + 50)}
        for alert_id in raised:
            a = rows[alert_id]
            note = " (held back: quiet period)" if a["outcome"] == "quiet" else ""
            out.print(f"[bold]{escape(a['title'])}[/]{note}  rule {escape(a['rule'])}",
                      highlight=False)
        for s in sent:
            d = s.delivery
            where = f"{d.channel} {d.address or d.recipient}"
            if s.ok:
                out.print(f"[green]sent[/] {escape(where)}", highlight=False)
            else:
                later = f"; tried again at {s.next_at:%Y-%m-%d %H:%M} UTC" if s.next_at else ""
                out.print(f"[red]failed[/] {escape(where)}: {escape(s.error or '')}{later}",
                          highlight=False)
        if not raised and not sent:
            out.print("Nothing changed: no alert.")
        if any(not s.ok for s in sent):
            raise typer.Exit(1)

    @alerts_app.command("list")
    def list_alerts(project: ProjectDir = Path("."),
                    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 30,
                    ) -> None:
        """The alert log: every alert raised, and how each delivery went."""
        from northstar.alerts.store import AlertLog
        from northstar.project import Project

        with Project.open(project, read_only=True) as p:
            known = "ns_alerts" in p.engine.relations()
            found = AlertLog(p.engine, create=False).alerts(limit) if known else []
        if not found:
            out.print("No alert yet.")
            return
        table = Table("raised (UTC)", "rule", "alert", "deliveries")
        for a in found:
            deliveries = "; ".join(
                f"{d.recipient} {d.status}" + (f" ({d.last_error})" if d.last_error
                                               and d.status != "sent" else "")
                for d in a["deliveries"]) or ("held back (quiet period)"
                                             if a["outcome"] == "quiet" else "-")
            table.add_row(f"{a['created_at']:%Y-%m-%d %H:%M}", a["rule"], a["title"],
                          deliveries)
        out.print(table)

    @alerts_app.command("validate")
    def validate(project: ProjectDir = Path(".")) -> None:
        """Check alerts.yml: every rule, channel and metric it names."""
        from northstar.alerts.rules import ALERTS_FILE, load_alerts
        from northstar.errors import ConfigError
        from northstar.project import Project

        with Project.open(project, read_only=True) as p:
            cfg = load_alerts(p.root, set(p.catalog.metrics))
        if cfg is None:
            raise ConfigError(f"no {ALERTS_FILE} in {project.resolve()}")
        when = (f"on {cfg.digest.day} at {cfg.digest.time:%H:%M}" if cfg.digest.enabled
                else "off")
        out.print(f"{ALERTS_FILE}: {len(cfg.rules)} rule(s), {len(cfg.channels)} channel(s); "
                  f"digest {when}.", highlight=False)

    @digest_app.command("send")
    def send(project: ProjectDir = Path("."), person: PersonOption = None,
             dry_run: Annotated[bool, typer.Option(
                 "--dry-run", help="Print the digests instead of sending them.")] = False,
             force: Annotated[bool, typer.Option(
                 "--force", help="Send again to someone who had this week's already.")] = False,
             ) -> None:
        """Send this week's digest now (to everyone, or --person)."""
        from northstar.alerts import digest
        from northstar.alerts.service import Alerts
        from northstar.project import Project

        with Project.open(project) as p, Alerts(p) as alerts:
            results = digest.send(alerts, person or None, dry_run=dry_run, force=force)
        failed = False
        for d, outcome in results:
            if dry_run:
                out.print(f"[bold]To {escape(d.person.name)} <{escape(d.person.email or '-')}>: "
                          f"{escape(d.subject)}[/]", highlight=False)
                out.print(d.text, markup=False, highlight=False)
            else:
                failed |= outcome.startswith("failed")
                colour = "red" if outcome.startswith("failed") else "green"
                out.print(f"[{colour}]{escape(outcome)}[/] {escape(d.person.name)}",
                          highlight=False)
        if not results:
            out.print("Nobody to send a digest to: give people an email in people.yml.")
        if failed:
            raise typer.Exit(1)
