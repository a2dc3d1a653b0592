"""Data checks that run with every refresh, like a warehouse's data tests.

A check is one file `checks/<name>.sql` in the project: a SELECT, in DuckDB's dialect like the
models, that returns the rows that are wrong. No rows means the check passes. The file opens
with a comment header saying what the check guards, in plain words, and how bad a failure is:

    -- description: Net payouts in the NPR summary equal the P&L on accounts 4200-4230,
    --   for every year.
    -- severity: error
    select ... where abs(summary - pnl) >= 0.01

A check that cannot run (a model it reads is missing, the SQL is wrong) fails too, with the
driver's message: a check never passes silently."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from northstar.errors import ConfigError, NorthstarError

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["CHECKS_DIR", "CheckFile", "CheckResult", "read_checks", "register", "run_checks"]

CHECKS_DIR = "checks"
Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")
ProjectOption = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_KEY = re.compile(r"^--\s*(description|severity)\s*:\s*(.*)$")


@dataclass(frozen=True)
class CheckFile:
    """One check as declared in its file."""

    name: str
    path: Path
    description: str
    severity: Severity
    sql: str


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on today's ledger."""

    name: str
    description: str
    severity: Severity
    passed: bool
    failing: int
    """How many rows the check returned (0 when it passed or could not run)."""
    sample: list[dict[str, Any]] = field(default_factory=list)
    """The first failing rows, for the integrity page."""
    error: str | None = None
    """Why the check could not run, when it could not."""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "severity": self.severity,
                "passed": self.passed, "failing": self.failing, "sample": self.sample,
                "error": self.error}


def parse_check(path: Path) -> CheckFile:
    """Read one check file: its header comment, then one SELECT."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []
    in_header = True
    for line in text.splitlines():
        stripped = line.strip()
        if in_header and stripped.startswith("--"):
            match = _KEY.match(stripped)
            if match:
                current = match.group(1)
                fields[current] = match.group(2).strip()
            elif current == "description" and stripped[2:].strip():
                fields[current] += " " + stripped[2:].strip()
            continue
        if in_header and not stripped:
            continue
        in_header = False
        body.append(line)
    sql = "\n".join(body).strip().rstrip(";").strip()
    if not fields.get("description"):
        raise ConfigError("a check starts with a `-- description:` comment saying what it "
                          "guards", path=str(path), line=1)
    severity: Severity
    severity = fields.get("severity", "error")  # type: ignore[assignment]
    if severity not in SEVERITIES:
        raise ConfigError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}",
                          path=str(path))
    if not sql:
        raise ConfigError("the check has no SELECT after its header", path=str(path))
    if ";" in sql:
        raise ConfigError("a check is one SELECT statement", path=str(path))
    return CheckFile(path.stem, path, fields["description"], severity, sql)


def read_checks(folder: Path) -> list[CheckFile]:
    """Every `*.sql` check in a folder, by name."""
    return [parse_check(p) for p in sorted(folder.glob("*.sql"))]


def run_checks(project: Project, *, sample_rows: int = 10) -> list[CheckResult]:
    """Run every check of the project against the current ledger (views rebuilt first)."""
    checks = read_checks(project.root / CHECKS_DIR)
    if not checks:
        return []
    try:
        project.metrics.state()  # build or refresh the model views the checks read
    except NorthstarError as exc:  # a model that does not build: no check can be trusted
        return [CheckResult(c.name, c.description, c.severity, passed=False, failing=0,
                            error=str(exc)) for c in checks]
    engine = project.engine
    results: list[CheckResult] = []
    for check in checks:
        try:
            # one query when the check passes (the usual case); a count only for long lists
            found = engine.query(engine.transpile(
                f"SELECT * FROM ({check.sql}) AS ns_check LIMIT {int(sample_rows) + 1}"
            )).to_pylist()
            sample: list[dict[str, Any]] = found[:sample_rows]
            failing = len(found)
            if failing > sample_rows:
                failing = int(engine.scalar(engine.transpile(
                    f"SELECT count(*) FROM ({check.sql}) AS ns_check")))
        except Exception as exc:  # the driver's message names the table or column at fault
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            results.append(CheckResult(check.name, check.description, check.severity,
                                       passed=False, failing=0, error=message))
            continue
        results.append(CheckResult(check.name, check.description, check.severity,
                                   passed=failing == 0, failing=failing, sample=sample))
    return results


def register(app: typer.Typer) -> None:
    """Add `northstar check` to the command line."""

    @app.command("check")
    def check(project: ProjectOption = Path("."), as_json: JsonOption = False) -> None:
        """Run the project's data checks; exit 1 when an error-severity check fails."""
        import json
        import sys

        from rich.console import Console

        from northstar.project import Project

        with Project.open(project) as p:
            results = run_checks(p)
        if as_json:
            sys.stdout.write(json.dumps([r.as_dict() for r in results], indent=2, default=str)
                             + "\n")
        else:
            out = Console()
            if not results:
                out.print("No checks in this project (add SQL files under checks/).")
            for r in results:
                mark = "[green]PASS[/]" if r.passed else (
                    "[red]FAIL[/]" if r.severity == "error" else "[yellow]WARN[/]")
                detail = f" ({r.error})" if r.error else (
                    f" ({r.failing} failing row(s))" if r.failing else "")
                out.print(f"{mark} {r.name}{detail}: {r.description}")
        if any(not r.passed and r.severity == "error" for r in results):
            raise typer.Exit(1)
