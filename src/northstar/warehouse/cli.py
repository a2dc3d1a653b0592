"""Command-line commands for attaching a warehouse and loading mapped files. `register(app)`
adds them to the `northstar` command; each is a thin wrapper over the functions it calls."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["register"]

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT",
    help="Project folder (holds northstar.toml).", show_default=True,
)]


def register(app: typer.Typer) -> None:
    """Add `northstar attach` and `northstar load-mapped` to a Typer app."""
    out = Console()

    @app.command("attach")
    def attach_command(
        spec: Annotated[Path, typer.Argument(help="Attach spec (.toml or .yml): the warehouse "
                                             "url and each Fivetran connector's schema.")],
        project: ProjectDir = Path("."),
    ) -> None:
        """Read the QuickBooks and HubSpot tables Fivetran lands in a warehouse (DuckDB file,
        PostgreSQL schema, BigQuery) into the ledger. Only new or changed rows are appended."""
        from northstar.project import Project
        from northstar.refresh import after_new_data
        from northstar.warehouse.attach import ObjectReport, attach
        from northstar.warehouse.spec import load_spec

        attach_spec = load_spec(spec)
        table = Table("object", "source", "read", "unchanged", "deleted", "appended", "load")

        def show(o: ObjectReport) -> None:
            table.add_row(o.name, o.source, str(o.read), str(o.unchanged),
                          str(o.deleted_skipped + o.tombstones), str(o.appended),
                          str(o.load_id) if o.load_id is not None else "-")

        with Project.open(project) as p:
            with out.status(f"attaching {attach_spec.url} ..."):
                report = attach(p, attach_spec, progress=show)
            out.print(table)
            out.print(f"{report.appended} row(s) appended from {len(report.objects)} object(s)")
            after_new_data(p, out)

    @app.command("load-mapped")
    def load_mapped_command(
        file: Annotated[Path, typer.Argument(help="CSV or spreadsheet CSV export to load (or a "
                                             "QuickBooks Desktop P&L by month, CSV or .xlsx).")],
        mapping: Annotated[Path, typer.Option(
            "--mapping", "-m", help="Column mapping (.yml): target table, format, id, columns, "
                                    "types, date formats, tag rules.")],
        project: ProjectDir = Path("."),
    ) -> None:
        """Append a CSV export to the raw table its mapping names: every row, or none."""
        from northstar.project import Project
        from northstar.refresh import after_new_data
        from northstar.warehouse.files import load_mapped

        with Project.open(project) as p:
            report = load_mapped(p, file, mapping)
            if report.load_id is None:
                out.print(f"{file.name}: all {report.read} row(s) already in "
                          f"raw_{report.table}; nothing appended")
            else:
                out.print(f"{file.name}: {report.appended} row(s) appended to "
                          f"raw_{report.table} (load {report.load_id}; {report.unchanged} "
                          "unchanged)")
            if report.unmapped_accounts:
                from rich.markup import escape

                listed = escape(", ".join(report.unmapped_accounts))
                out.print(f"[yellow]Warning[/]: {len(report.unmapped_accounts)} account(s) in "
                          f"{escape(file.name)} are not in reference/"
                          f"{report.accounts_reference}.csv, so no metric counts them: {listed}. "
                          "Add each with its category, then run `northstar reference`.",
                          highlight=False, soft_wrap=True)
            if report.load_id is not None:
                after_new_data(p, out)
