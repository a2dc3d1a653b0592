"""`northstar weekly [--weeks 13] [--week 2025-W07] [--department D] [--json]`: the weekly
meeting's scorecard and open issues in the terminal, the same data `/weekly` shows."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]
STYLE = {"green": "white on green", "yellow": "black on yellow", "red": "white on red",
         "grey": "bright_black"}


def register(app: typer.Typer) -> None:
    out = Console()

    @app.command("weekly")
    def weekly(
        weeks: Annotated[int, typer.Option(
            help="How many ISO weeks, ending with --week.", min=1, max=53)] = 13,
        week: Annotated[str, typer.Option(
            help="The last week shown, e.g. 2025-W07 (default: this week).")] = "",
        department: Annotated[str, typer.Option(help="Only this department.")] = "",
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        project: ProjectDir = Path("."),
    ) -> None:
        """The weekly meeting: every owner's metric for the last weeks (whatever its grain),
        each week's goal, attainment and colour, and the issues still open."""
        from northstar.project import Project
        from northstar.web.weekly import view

        with Project.open(project) as p:
            data = view(p, weeks, week or None, department or None)
        if as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
            return
        out.print(f"[bold]Weekly meeting {escape(data['label'])}[/] ({escape(data['dates'])}; "
                  f"weeks cut in {escape(data['timezone'])})", highlight=False)
        _issues(out, data["issues"])
        out.print(_table(data))

    def _issues(console: Console, issues: list[dict[str, Any]]) -> None:
        open_ = [i for i in issues if not i["solved"]]
        if not issues:
            console.print("No open issues.")
            return
        console.print(f"\n[bold]Issues[/] ({len(open_)} open)", highlight=False)
        for i in issues:
            state = (f"solved by {escape(i['solved_by'] or '')}" if i["solved"] else
                     f"carried {i['carried']} week{'s' if i['carried'] != 1 else ''}"
                     if i["carried"] else "new")
            console.print(f"  #{i['id']} {escape(i['metric_title'])} {escape(i['week_label'])}: "
                          f"{escape(i['note'])} ({escape(i['person_name'])}; {state})",
                          highlight=False, soft_wrap=True)
        console.print()


def _table(data: dict[str, Any]) -> Table:
    table = Table(title=f"{data['span']}: value and attainment per ISO week")
    table.add_column("owner", overflow="fold")
    table.add_column("measurable", overflow="fold")
    table.add_column("goal", justify="right")
    for c in data["columns"]:
        table.add_column(c["label"] + (" so far" if c["open"] else ""), justify="right")
    for r in data["rows"]:
        if r["error"]:
            table.add_row(escape(r["person_name"]), escape(r["metric_title"]), "—",
                          f"[red]could not compute: {escape(r['error'])}[/]")
            continue
        cells = []
        for c in r["cells"]:
            text = escape(c["formatted"])
            if c["attainment_formatted"]:
                text += f"\n{c['attainment_formatted']}"
            style = STYLE.get(c["status"] or "")
            cells.append(f"[{style}]{text}[/]" if style else text)
        table.add_row(escape(r["person_name"]), escape(r["metric_title"]),
                      escape(r["goal_formatted"]), *cells)
    return table
