"""`northstar db setup`: the owner role and the app's role on PostgreSQL (docs/deploy.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from northstar.errors import NorthstarError

if TYPE_CHECKING:
    from northstar.engines.pg_setup import SetupReport

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]
AdminUrl = Annotated[str, typer.Option(
    "--admin-url", envvar="NORTHSTAR_ADMIN_URL",
    help="A connection with the right to create roles, to the project's database, e.g. "
    "postgresql://postgres@127.0.0.1:5432/kpi (used for this command only, never stored).")]

db_app = typer.Typer(help="The project's database: roles and privileges on PostgreSQL.",
                     no_args_is_help=True)


@db_app.command("setup")
def setup_command(
    admin_url: AdminUrl,
    owner: Annotated[str | None, typer.Option(
        help="The owner role's name (default: the app's role with _owner).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would change and the SQL, change nothing.")] = False,
    sql: Annotated[bool, typer.Option(
        "--sql", help="Print only the SQL script of the changes (with --dry-run: to review "
        "or run by hand).")] = False,
    project: ProjectDir = Path("."),
) -> None:
    """Give the ledger to an owner role (NOLOGIN) and leave the app's role (the user of the
    engine URL) only INSERT and SELECT on it. Safe to run again: it changes only what is not
    so already, and says what it did."""
    from northstar.config import CONFIG_FILE, load_settings
    from northstar.engines.pg_setup import setup_roles

    root = project.resolve()
    if not (root / CONFIG_FILE).exists():
        raise NorthstarError(f"{root} is not a Northstar project (no {CONFIG_FILE})")
    url = load_settings(root).engine.url
    if not url.startswith(("postgresql://", "postgres://")):
        raise NorthstarError("northstar db setup is for a project on PostgreSQL; this project's "
                             f"engine is {url.split(':', 1)[0]}")
    report = setup_roles(url, admin_url, owner=owner, dry_run=dry_run)
    if sql:
        sys.stdout.write(report.script())
        return
    print_setup(Console(), report)


def print_setup(out: Console, report: SetupReport) -> None:
    out.print(f"Database {escape(report.database)}, schema {escape(report.schema)}: the ledger "
              f"belongs to {escape(report.owner)}, the project connects as "
              f"{escape(report.app)}", highlight=False, soft_wrap=True)
    for change in report.changes:
        out.print(f"  [green]+[/] {escape(change.what)}", highlight=False, soft_wrap=True)
        for sql in change.sql:
            for line in sql.splitlines():
                out.print(f"      [dim]{escape(line)}[/]", highlight=False, soft_wrap=True)
    for what in report.unchanged:
        out.print(f"  = {escape(what)}", highlight=False, soft_wrap=True)
    for note in report.notes:
        out.print(f"note: {escape(note)}", highlight=False, soft_wrap=True)
    if report.dry_run:
        out.print("Dry run: nothing was changed; the statements above are what would run.")
    elif report.changes:
        out.print(f"{len(report.changes)} change(s) made. `northstar verify` checks the "
                  "triggers and the roles from now on.")
    else:
        out.print("Nothing to change: the roles were set up already.")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
