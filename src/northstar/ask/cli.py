"""`northstar ask "question"`: the project's numbers, asked in plain words, from the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from northstar.errors import NorthstarError

if TYPE_CHECKING:
    from northstar.ask.core import Asker, Result
    from northstar.project import Project

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]


def ask_command(
    question: Annotated[str | None, typer.Argument(
        help="The question, in plain words: \"what was net revenue last month?\"")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", "-u", help="Answer as this user of the web app sees the numbers (and log "
        "the question under their name).")] = None,
    plan: Annotated[str | None, typer.Option(
        help="Run a plan (JSON, as `--json` prints one) instead of reading a question: what "
        "an asked-back choice runs.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    project: ProjectDir = Path("."),
) -> None:
    """Ask the project's numbers a question: the answer is the tile's number, with its period,
    target, status, formula and the page behind it. Nothing is written but the audit entry."""
    from northstar.ask.core import answer_plan, ask
    from northstar.project import Project

    if (question is None) == (plan is None):
        raise NorthstarError("give a question, or --plan with a plan's JSON (not both)")
    with Project.open(project) as p:
        asker = _asker(p, user)
        if plan is not None:
            try:
                data = json.loads(plan)
            except json.JSONDecodeError as exc:
                raise NorthstarError(f"--plan is not JSON: {exc.msg} (at {exc.pos})") from None
            result: Result = answer_plan(p, data, asker)
        else:
            assert question is not None
            result = ask(p, question, asker)
        _audit(p, asker, question, plan, result)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    else:
        show(Console(), result)
    if result.kind != "answer":
        raise typer.Exit(1)


def _asker(p: Project, user: str | None) -> Asker:
    from northstar.ask.core import Asker

    if user is None:
        return Asker("cli")
    from northstar.secret import load_or_create_secret
    from northstar.web.auth import Auth
    from northstar.web.settings import WebSettings
    from northstar.web.store import ensure_tables

    ensure_tables(p.engine)
    found = Auth(p.engine, load_or_create_secret(p.root), WebSettings()).get_user(user)
    if found is None:
        raise NorthstarError(f"--user {user!r} is no user of the web app (or is disabled); "
                             "the admin page lists the users")
    return Asker(found.username, found.role, found.person_id)


def _audit(p: Project, asker: Asker, question: str | None, plan: str | None,
           result: Result) -> None:
    """Every question and its answer go to the audit log, as the web app's do."""
    from northstar.ask.core import audit_detail
    from northstar.web.audit import AuditLog
    from northstar.web.settings import WebSettings
    from northstar.web.store import ensure_tables

    ensure_tables(p.engine)
    AuditLog(p.engine).record(WebSettings().clock(), asker.name, "ask", result.kind,
                              audit_detail(question, plan, result), "cli")


def show(out: Console, result: Result) -> None:
    """An answer as a person reads it in a terminal."""
    if result.kind == "refused":
        out.print(escape(result.message), highlight=False)
        return
    if result.kind == "clarify":
        out.print(escape(result.message), highlight=False)
        for i, choice in enumerate(result.choices, start=1):
            plan = json.dumps(choice.plan.model_dump(mode="json", exclude_defaults=True))
            out.print(f"  {i}. {escape(choice.label)}", highlight=False)
            out.print(f"     northstar ask --plan '{escape(plan)}'", style="dim",
                      highlight=False)
        return
    for item in result.items:
        out.print(escape(item.text), highlight=False)
        rows = item.series or item.slices
        if rows:
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
            table.add_column("Period" if item.series else "Slice")
            table.add_column(item.title, justify="right")
            if item.slices:
                table.add_column("Change", justify="right")
                for s in item.slices:
                    table.add_row(escape(s.label), s.formatted, s.change)
            else:
                table.add_column("Status")
                for x in item.series:
                    table.add_row(x.label + (" (so far)" if x.open else ""), x.formatted,
                                  x.status or "")
            out.print(table)
        out.print(f"[dim]How it is computed:[/] {escape(item.description)}", highlight=False)
        out.print(f"[dim]Formula:[/] {escape(item.formula)}", highlight=False)
        out.print("[dim]" + " · ".join(f"{escape(x.label)}: {escape(x.href)}"
                                       for x in item.links) + "[/]", highlight=False)
    for error in result.errors:
        out.print(f"[red]not computed:[/] {escape(error)}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask_command)
