"""Data checks that run with every refresh, like a warehouse's data tests.

A check is one file `checks/<name>.sql` in the project: a SELECT, in DuckDB's dialect like the
models, that returns the rows that are wrong. No rows means the check passes. The file opens
with a comment header saying what the check guards, in plain words, and how bad a failure is:

    -- description: Net payouts in the NPR summary equal the P&L on accounts 4200-4230,
    --   for every year.
    -- severity: error
    select ... where abs(summary - pnl) >= 0.01

Like a model file, a check may call the SQL macros (`{{ year_of('month') }}`, docs/packs.md).

A check that cannot run (a model it reads is missing, the SQL is wrong) fails too, with the
driver's message: a check never passes silently. A check that reads a ledger table nothing has
loaded yet (a source not connected, a warehouse without the platform's exports) is *waiting for
data*: not passed, shown as waiting, and not counted as a failure by `northstar check`.

`cached_checks` keeps the results per ledger head (the newest load in ns_loads, plus record
corrections and the check files), so a page view reruns the checks only when something changed."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from northstar.errors import ConfigError, NorthstarError
from northstar.ledger.schema import RAW_PREFIX
from northstar.models.templating import MACROS_DIR, SqlTemplates, Value

if TYPE_CHECKING:
    from rich.console import Console

    from northstar.project import Project

__all__ = ["CHECKS_DIR", "CheckFile", "CheckResult", "after_refresh", "cached_checks",
           "latest_checks", "read_checks", "register", "run_checks", "summary"]

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
    waiting: list[str] = field(default_factory=list)
    """Ledger tables it reads that nothing has loaded yet (then it did not run)."""

    @property
    def status(self) -> Literal["pass", "fail", "error", "waiting"]:
        """pass, fail (rows came back), error (could not run) or waiting (for data)."""
        if self.waiting:
            return "waiting"
        if self.passed:
            return "pass"
        return "error" if self.error else "fail"

    @property
    def alarming(self) -> bool:
        """An error-severity check that failed or could not run (waiting is not alarming)."""
        return self.severity == "error" and self.status in ("fail", "error")

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "severity": self.severity,
                "status": self.status, "passed": self.passed, "failing": self.failing,
                "sample": self.sample, "error": self.error, "waiting": self.waiting}


def parse_check(path: Path, templates: SqlTemplates | None = None) -> CheckFile:
    """Read one check file: its header comment, then one SELECT (its macros expanded: those of
    `templates`, by default the platform's and those in `macros/` beside the check's folder)."""
    templates = templates or SqlTemplates.for_folder(path.parent)
    text = templates.render(path.read_text(encoding="utf-8"), path)
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


def read_checks(folder: Path, variables: dict[str, Value] | None = None) -> list[CheckFile]:
    """Every `*.sql` check in a folder, by name (`variables`: the project's `[vars]`)."""
    templates = SqlTemplates.for_folder(folder, variables)
    return [parse_check(p, templates) for p in sorted(folder.glob("*.sql"))]


def run_checks(project: Project, *, sample_rows: int = 10) -> list[CheckResult]:
    """Run every check of the project against the current ledger (views rebuilt first)."""
    checks = read_checks(project.root / CHECKS_DIR, project.settings.vars)
    if not checks:
        return []
    try:
        state = project.metrics.state()  # build or refresh the model views the checks read
    except NorthstarError as exc:  # a model that does not build: no check can be trusted
        return [CheckResult(c.name, c.description, c.severity, passed=False, failing=0,
                            error=str(exc)) for c in checks]
    engine = project.engine
    results: list[CheckResult] = []
    for check in checks:
        missing = _unloaded(project, check, state.versions)
        if missing:
            results.append(CheckResult(
                check.name, check.description, check.severity, passed=False, failing=0,
                error="waiting for data: nothing loaded into " + ", ".join(missing),
                waiting=missing))
            continue
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


def _unloaded(project: Project, check: CheckFile, versions: dict[str, int]) -> list[str]:
    """The ledger tables a check reads (through the models) that no load has filled yet."""
    try:
        tables = project.models.raw_dependencies(check.sql)
    except Exception:  # SQL the parser does not follow: let the engine say what is wrong
        return []
    return sorted(t[len(RAW_PREFIX):] for t in tables
                  if t.startswith(RAW_PREFIX) and t not in versions)


_CACHE: weakref.WeakKeyDictionary[Project, tuple[tuple[Any, ...], list[CheckResult]]] = (
    weakref.WeakKeyDictionary())


def _cache_key(project: Project) -> tuple[Any, ...]:
    folder = project.root / CHECKS_DIR
    sql = (*folder.glob("*.sql"), *(project.root / MACROS_DIR).glob("*.sql"))  # checks, macros
    files = tuple(sorted((str(p), st.st_mtime_ns, st.st_size) for p in sql for st in [p.stat()]))
    state = project.metrics.state()
    variables = tuple(sorted(project.settings.vars.items()))
    return (state.head, tuple(sorted(state.record_versions.items())), files, variables)


def cached_checks(project: Project) -> list[CheckResult]:
    """run_checks, reused while the ledger head (newest load), the record corrections and the
    check files are unchanged: viewing the integrity page twice runs the checks once."""
    found = _CACHE.get(project)
    if found is not None and found[0] == _cache_key(project):
        return found[1]
    results = run_checks(project)
    # the models may have been rebuilt while running: key on the state the results reflect
    _CACHE[project] = (_cache_key(project), results)
    return results


def latest_checks(project: Project) -> list[CheckResult] | None:
    """The results of the last run of the checks if nothing changed since, without running
    them (None otherwise): what a page shows in its banner at no cost."""
    found = _CACHE.get(project)
    if found is None or found[0] != _cache_key(project):
        return None
    return found[1]


def summary(results: list[CheckResult]) -> str:
    """One line for the end of a refresh: how many checks passed, and which failed."""
    bad = [r for r in results if r.alarming]
    warn = [r for r in results if not r.passed and not r.waiting and r.severity == "warning"]
    waiting = sum(1 for r in results if r.waiting)
    passed = sum(1 for r in results if r.passed)
    parts = [f"{passed} passed"]
    if waiting:
        parts.append(f"{waiting} waiting for data")
    if warn:
        parts.append(f"{len(warn)} warning ({', '.join(r.name for r in warn)})")
    if bad:
        parts.append(f"{len(bad)} FAILED ({', '.join(r.name for r in bad)}): run `northstar "
                     "check` for the rows")
    return "Data checks: " + ", ".join(parts)


def after_refresh(project: Project, console: Console) -> list[CheckResult]:
    """Run the checks once new data is in (load, sync, attach) and say how they went, in red
    when one fails. The refresh itself stands: the rows are in the ledger either way."""
    if not any((project.root / CHECKS_DIR).glob("*.sql")):
        return []
    results = cached_checks(project)
    bad = any(r.alarming for r in results)
    console.print(summary(results), style="bold red" if bad else None, highlight=False,
                  markup=False)
    return results


def register(app: typer.Typer) -> None:
    """Add `northstar check` to the command line."""

    @app.command("check")
    def check(project: ProjectOption = Path("."), as_json: JsonOption = False) -> None:
        """Run the project's data checks; exit 1 when an error-severity check fails or a
        metric file does not load."""
        import json
        import sys

        from rich.console import Console
        from rich.markup import escape

        from northstar.project import Project

        with Project.open(project) as p:
            results = run_checks(p)
            broken = p.catalog.errors
        for error in broken:  # a metric file with a mistake fails the check, as it always did
            Console(stderr=True).print(f"[red]error:[/] {escape(str(error))}", highlight=False,
                                       soft_wrap=True)
        if as_json:
            sys.stdout.write(json.dumps([r.as_dict() for r in results], indent=2, default=str)
                             + "\n")
        else:
            out = Console()
            if not results:
                out.print("No checks in this project (add SQL files under checks/).")
            for r in results:
                mark = "[green]PASS[/]" if r.passed else "[dim]WAIT[/]" if r.waiting else (
                    "[red]FAIL[/]" if r.severity == "error" else "[yellow]WARN[/]")
                detail = f" ({r.error})" if r.error else (
                    f" ({r.failing} failing row(s))" if r.failing else "")
                out.print(f"{mark} {r.name}{detail}: {r.description}")
        if broken or any(r.alarming for r in results):
            raise typer.Exit(1)
