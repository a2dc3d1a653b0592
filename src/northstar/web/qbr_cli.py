"""`northstar report qbr 2025-Q1 [--out FILE.pdf]`: the quarterly business review as a PDF,
the same report the QBR page shows (its template and print stylesheet, through WeasyPrint)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from northstar.errors import NorthstarError

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]
PAPERS = {"a4": "A4", "letter": "letter"}


def register(app: typer.Typer) -> None:
    out = Console()
    report_app = typer.Typer(help="Reports written as files (the quarterly business review).",
                             no_args_is_help=True)
    app.add_typer(report_app, name="report")

    @report_app.command("qbr")
    def report_qbr(
        quarter: Annotated[str, typer.Argument(
            help="The quarter, e.g. 2025-Q1 (default: the last closed one).")] = "",
        output: Annotated[Path | None, typer.Option(
            "--out", "-o", help="The PDF to write (default: qbr-QUARTER.pdf here).")] = None,
        paper: Annotated[str, typer.Option(help="a4 or letter (landscape).")] = "a4",
        project: ProjectDir = Path("."),
    ) -> None:
        """Write the QBR for a quarter as a PDF, laid out by the project's qbr.yml."""
        from northstar.project import Project
        from northstar.web import qbr, qbr_pdf

        if paper.lower() not in PAPERS:
            raise NorthstarError(f"--paper {paper!r}: use a4 or letter")
        with Project.open(project) as p:
            q = qbr.quarter(p, quarter or None)
            data = qbr_pdf.pdf(p, q, "A4" if paper.lower() == "a4" else "letter")
        target = output or Path(f"qbr-{q}.pdf")
        target.write_bytes(data)
        out.print(f"Wrote the QBR for {q} to {target} ({len(data) / 1024:,.0f} KiB).",
                  markup=False)
