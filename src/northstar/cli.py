"""The command line. Each command is a thin wrapper over `Project`; output goes through rich.

A user's mistake exits non-zero with one line on stderr, never a traceback.

The CLI starts fast: at module level only typer, rich's console and the light parts of
Northstar are imported. `Project` (and with it DuckDB, PyArrow, SQLGlot and pydantic) is
imported inside the commands that open a project; tests/test_cli_startup.py guards this."""

from __future__ import annotations

import getpass
import json
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from northstar import __version__
from northstar.errors import NorthstarError
from northstar.formatting import format_attainment, format_change, format_value
from northstar.ledger.schema import TAGS

if TYPE_CHECKING:
    from northstar.metrics.catalog import Catalog
    from northstar.project import Project

app = typer.Typer(
    help="Northstar: KPIs computed from an append-only ledger, one metric per owner.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

STATUS_STYLE = {"green": "green", "yellow": "yellow", "red": "red", "grey": "bright_black"}
DEMO_MARKER = ".northstar-demo"

ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT",
    help="Project folder (holds northstar.toml).", show_default=True,
)]
Author = Annotated[str, typer.Option(help="Who makes this change (default: your login).")]
DEFAULT_ENGINE = "duckdb:///northstar.duckdb"
ENGINE_HELP = ("Engine URL: duckdb:///northstar.duckdb, postgresql://user@host:5432/db, "
               "spark://local[2] or sc://host:15002/;warehouse=... (docs/engines.md).")


def _open(folder: Path) -> Project:
    """Open a project folder. `Project` is imported here, not at the top, so that the CLI
    starts without DuckDB, PyArrow and SQLGlot (`northstar --help` needs none of them)."""
    from northstar.project import Project

    return Project.open(folder)


def _file_errors(catalog: Catalog) -> int:
    """Say on stderr which metric files did not load (their metrics are left out); how many."""
    for error in catalog.errors:
        err.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    return len(catalog.errors)


def _author(value: str) -> str:
    return value or getpass.getuser()


def _tags(values: list[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in values:
        key, sep, val = item.partition("=")
        if not sep or not val:
            raise NorthstarError(f"--tag {item!r}: write TAG=VALUE, e.g. --tag department=sales")
        if key not in TAGS:
            raise NorthstarError(f"--tag {key!r} is not a tag; tags are: {', '.join(TAGS)}")
        tags[key] = val
    return tags


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    name: Annotated[str, typer.Option(help="Company name.")] = "My company",
    timezone: Annotated[str, typer.Option(help="IANA timezone for period bounds.")] = "UTC",
    fiscal_year_start_month: Annotated[int, typer.Option(
        help="Month (1-12) the fiscal year starts in.")] = 1,
    engine: Annotated[str, typer.Option(help=ENGINE_HELP)] = DEFAULT_ENGINE,
    pack: Annotated[str | None, typer.Option(
        help="Start from a business pack's files (see `northstar packs`), e.g. marketplace.",
    )] = None,
    admin_url: Annotated[str | None, typer.Option(
        "--admin-url", envvar="NORTHSTAR_ADMIN_URL",
        help="PostgreSQL: first run `northstar db setup` with this admin connection (the "
        "ledger's owner role and the app's role of --engine), never stored.")] = None,
) -> None:
    """Create a project: northstar.toml, metrics/, models/, checks/, dashboards/, macros/,
    reference/ and people.yml."""
    from northstar.config import CONFIG_FILE
    from northstar.engines import needs
    from northstar.packs import get_pack
    from northstar.project import Project

    chosen = get_pack(pack) if pack else None
    if not 1 <= fiscal_year_start_month <= 12:
        raise NorthstarError("--fiscal-year-start-month must be between 1 and 12")
    needs.engine(engine)  # before anything is created: say what to install, if anything
    if admin_url is not None:
        from northstar.engines.cli import print_setup
        from northstar.engines.pg_setup import setup_roles

        if not engine.startswith(("postgresql://", "postgres://")):
            raise NorthstarError("--admin-url is for a project on PostgreSQL: give --engine "
                                 "postgresql://APP_ROLE@host:5432/db as well")
        if (folder / CONFIG_FILE).exists():
            raise NorthstarError(f"{folder.resolve() / CONFIG_FILE} already exists; to set up "
                                 "the roles of that project run `northstar db setup`")
        print_setup(out, setup_roles(engine, admin_url))
    with Project.init(folder, name=name, timezone=timezone, engine_url=engine,
                      fiscal_year_start_month=fiscal_year_start_month, pack=chosen) as project:
        out.print(f"Created project in [bold]{project.root}[/] "
                  f"({len(project.catalog)} metrics, engine {project.settings.engine.url})")


@app.command("packs")
def list_packs(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
               ) -> None:
    """List the installed business packs: name, what each is for, and the sources it reads."""
    from northstar.packs import registered

    packs, errors = registered()
    if as_json:
        out.print_json(json.dumps([
            {"name": p.name, "title": p.title, "description": p.description,
             "version": p.version, "north_star": p.north_star,
             "sources": {s.name: [*s.tables, *s.optional_tables] for s in p.sources},
             "reference": sorted(p.reference)} for _, p in sorted(packs.items())]))
    else:
        table = Table("pack", "what it is for", "sources (raw tables)")
        for name, p in sorted(packs.items()):
            table.add_row(name, f"[bold]{escape(p.title)}[/]\n{escape(p.description)}",
                          "\n".join(f"{s.name}: {', '.join((*s.tables, *s.optional_tables))}"
                                    for s in p.sources))
        out.print(table)
    for error in errors.values():
        err.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(1)


@app.command()
def reference(project: ProjectDir = Path(".")) -> None:
    """Load the project's reference files (reference/*.csv) that changed since their last load:
    one load each, rows no longer in a file marked deleted."""
    with _open(project) as p:
        loads = p.load_reference()
        if not loads:
            out.print("No reference files in reference/.")
        for r in loads:
            if r.load_id is None:
                out.print(f"{r.name}: unchanged ({r.rows:,} rows)")
            else:
                out.print(f"{r.name}: {r.rows:,} rows" + (f", {r.removed:,} removed"
                                                          if r.removed else "")
                          + f" (load {r.load_id})")


@app.command()
def load(
    table: Annotated[str, typer.Argument(help="Raw object name, e.g. invoices.")],
    file: Annotated[Path, typer.Argument(help="A .csv or .jsonl file.")],
    source: Annotated[str, typer.Option(help="Source system the file came from.")] = "file",
    id_column: Annotated[str, typer.Option(help="Column with each record's stable id.")] = "id",
    tag: Annotated[list[str] | None, typer.Option(
        help="Tag every row: TAG=VALUE (repeatable).")] = None,
    project: ProjectDir = Path("."),
) -> None:
    """Append a file to a raw ledger table: every row, or nothing."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from northstar.refresh import after_new_data

    with _open(project) as p:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            bar.add_task(f"Reading, checking and appending {file.name}", total=None)
            result = p.load_file(table, file, source=source, id_column=id_column,
                                 tags=_tags(tag or []))
        out.print(f"Loaded {result.rows:,} rows into raw_{table} (load {result.load_id}"
                  + (f", {result.replaced:,} new versions of known records" if result.replaced
                     else "") + ")")
        after_new_data(p, out)


@app.command()
def adjust(
    reason: Annotated[str, typer.Option(help="Why the correction is made (required).")],
    table: Annotated[str | None, typer.Option(help="Raw object of the record to correct.")] = None,
    record: Annotated[str | None, typer.Option(help="Id of the record to correct.")] = None,
    field: Annotated[str | None, typer.Option(help="Field of the record to correct.")] = None,
    value: Annotated[str | None, typer.Option(help="The corrected value.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric whose value to correct.")] = None,
    period: Annotated[str | None, typer.Option(help="Period of the metric value.")] = None,
    delta: Annotated[str | None, typer.Option(help="Amount netted into the metric value.")] = None,
    effective: Annotated[str | None, typer.Option(help="Effective date, YYYY-MM-DD.")] = None,
    author: Author = "",
    project: ProjectDir = Path("."),
) -> None:
    """Append a correction: a record's field (--table --record --field --value) or a metric's
    value for a period (--metric --period --delta). History is never edited."""
    eff = None
    if effective:
        try:
            eff = date.fromisoformat(effective)
        except ValueError:
            raise NorthstarError(f"--effective {effective!r} is not a date (YYYY-MM-DD)") from None
    record_mode = any(x is not None for x in (table, record, field, value))
    metric_mode = any(x is not None for x in (metric, period, delta))
    if record_mode == metric_mode:
        raise NorthstarError("correct either a record (--table --record --field --value) or a "
                             "metric (--metric --period --delta)")
    with _open(project) as p:
        if record_mode:
            if table is None or record is None or field is None or value is None:
                raise NorthstarError("a record correction needs --table, --record, --field and "
                                     "--value")
            result = p.adjust_record(table, record, field, value, author=_author(author),
                                     reason=reason, effective=eff)
            out.print(f"Corrected {table} {record}.{field} -> {value} (load {result.load_id})")
        else:
            if metric is None or period is None or delta is None:
                raise NorthstarError("a metric correction needs --metric, --period and --delta")
            result = p.adjust_metric(metric, period, delta, author=_author(author),
                                     reason=reason, effective=eff)
            out.print(f"Netted {delta} into {metric} for {period} (load {result.load_id})")


@app.command()
def explain(
    check: Annotated[str, typer.Argument(help="The check whose row is explained, e.g. "
                                              "supplier_take_rate_explained.")],
    record: Annotated[str, typer.Argument(help="What the row is about, as the check names "
                                               "it (a supplier's name).")],
    period: Annotated[str, typer.Argument(help="Its period, as the check shows it (2025).")],
    reason: Annotated[str, typer.Option(help="What explains it (required).")],
    author: Author = "",
    project: ProjectDir = Path("."),
) -> None:
    """Explain a row a check flags, such as a supplier's negative take rate in a year: the
    check passes for that row from now on, and the reason is kept with who gave it."""
    with _open(project) as p:
        result = p.explain(check, record, period, author=_author(author), reason=reason)
        out.print(f"Explained {record} {period} for {check} (load {result.load_id})")


@app.command("set-manual")
def set_manual(
    metric: Annotated[str, typer.Argument(help="Metric name.")],
    period: Annotated[str, typer.Argument(help="Period, e.g. 2025-01 or 2025-Q1.")],
    value: Annotated[str | None, typer.Argument(help="The value (omit with --release).")] = None,
    note: Annotated[str | None, typer.Option(help="Where the number comes from.")] = None,
    release: Annotated[bool, typer.Option(
        "--release", help="Hand the period back to collection.")] = False,
    author: Author = "",
    project: ProjectDir = Path("."),
) -> None:
    """Enter a metric's value by hand for a period; collection never overwrites it."""
    with _open(project) as p:
        result = p.set_manual(metric, period, value, author=_author(author), note=note,
                              release=release)
        what = "handed back to collection" if release else f"set to {value}"
        out.print(f"{metric} {period} {what} (load {result.load_id})")


@app.command()
def compute(
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", help="Metric to compute (repeatable; default: all).")] = None,
    period: Annotated[list[str] | None, typer.Option(
        help="Period (repeatable): 2025-03-14, 2025-01, 2025-Q1, 2025-W03, 2025.")] = None,
    last: Annotated[int | None, typer.Option(
        help="The last N periods of each metric's grain, ending with the current one.")] = None,
    by: Annotated[str | None, typer.Option(help="Slice by a tag, e.g. owner_id.")] = None,
    where: Annotated[list[str] | None, typer.Option(
        help="Filter by a tag: TAG=VALUE (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    project: ProjectDir = Path("."),
) -> None:
    """Compute metric values with target, status and the two comparisons."""
    if last is not None and period:
        raise NorthstarError("give --period or --last, not both")
    if last is not None and not 1 <= last <= 120:
        raise NorthstarError("--last must be between 1 and 120")
    filters = _tags(where or [])
    with _open(project) as p:
        failed = _file_errors(p.catalog)
        names = metric or list(p.catalog.metrics)
        values = []
        computed = []
        groups: dict[tuple[str, ...] | None, list[str]] = {}
        for name in names:  # metrics with the same periods are computed together (side by side)
            periods = tuple(period) if period else None
            if last is not None:
                grain = p.catalog.get(name).grain
                periods = tuple(str(x) for x in p.calendar.last_n(grain, last))
            groups.setdefault(periods, []).append(name)
        for periods, group in groups.items():
            done, errors = p.metrics.compute_each(
                group, [p.period(x) for x in periods] if periods else None, by, filters)
            values += done
            for name in group:  # a metric that fails is reported; the others still compute
                if name in errors:
                    err.print(f"[red]error:[/] {escape(str(errors[name]))}", highlight=False,
                              soft_wrap=True)
                    failed += 1
                else:
                    computed.append(name)
        order = {name: i for i, name in enumerate(names)}
        values.sort(key=lambda v: order[v.metric])  # stable: each metric's periods in order
        for name in computed:
            waiting = p.metrics.waiting_for(p.catalog.get(name))
            if waiting:
                err.print(f"note: {name} has no data until {', '.join(waiting)} "
                          f"{'has' if len(waiting) == 1 else 'have'} a first load",
                          highlight=False, soft_wrap=True)
        for name in computed:  # rows that arrived after a period froze are never silent
            closed = sorted({p.period(v.period) for v in values
                             if v.metric == name and not v.open and not v.slice})
            for late in p.metrics.late_data(name, closed):
                unit = p.catalog.get(name).unit
                err.print(f"note: late data for {name} {late.period}: frozen at "
                          f"{format_value(late.frozen, unit)}, the ledger now gives "
                          f"{format_value(late.live, unit)}; to take it in: northstar "
                          f"recompute {name} {late.period} --reason '...'",
                          highlight=False, soft_wrap=True)
    if as_json:
        sys.stdout.write(json.dumps([v.as_dict() for v in values], indent=2) + "\n")
    else:
        table = Table(show_lines=False)
        for col in ("metric", "period", *([by] if by else []), "value", "target", "status",
                    "of target", "vs prev", "vs last year", ""):
            table.add_column(col, justify="right" if col in ("value", "target", "of target")
                             else "left")
        for v in values:
            style = STATUS_STYLE.get(v.status or "", "")
            places = p.catalog.metrics[v.metric].decimals  # as the metric file asks
            target = format_value(v.target, v.unit, places)
            if v.pace_target is not None:  # an open total is judged by the target by today
                target = f"{format_value(v.pace_target, v.unit, places)} of {target}"
            table.add_row(
                v.metric, f"{v.period} so far ({v.elapsed:.0%})" if v.open else v.period,
                *([str(v.slice.get(by) or "(none)")] if by else []),
                v.label or format_value(v.value, v.unit, places), target,
                f"[{style}]{v.status}[/]" if style else "—",
                format_attainment(v.attainment) or "—",
                format_change(v.value, v.previous, unit=v.unit),
                format_change(v.value, v.last_year, unit=v.unit),
                v.origin if v.origin != "computed" else "",
            )
        out.print(table)
    if failed:
        raise typer.Exit(1)


@app.command()
def recompute(
    metric: Annotated[str, typer.Argument(help="Metric name.")],
    period: Annotated[str, typer.Argument(help="The closed period to recompute.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the ledger).")],
    author: Author = "",
    project: ProjectDir = Path("."),
) -> None:
    """Recompute a frozen (closed) period from today's ledger; the act is logged."""
    with _open(project) as p:
        v = p.recompute(metric, period, reason=reason, author=_author(author))
        out.print(f"{metric} {period} re-frozen at {format_value(v.value, v.unit)}")


@app.command()
def reconcile(
    report: Annotated[list[Path], typer.Argument(
        help="ServiceTitan report exports (CSV or Excel), business units as rows.")],
    period: Annotated[str | None, typer.Option(
        help="The period of a report without a Date column or date range, e.g. 2025-03.")
    ] = None,
    project: ProjectDir = Path("."),
) -> None:
    """Compare ServiceTitan report exports with Northstar's values, row by row, and name every
    difference (the field-service pack); the check `reconcile` fails until there are none."""
    from northstar.packs.field_service.reconcile import reconcile as run

    differ = 0
    with _open(project) as p:
        for path in report:
            found = run(p, path, period=period)
            out.print(f"{found.report}: {found.compared:,} figures compared, "
                      f"{len(found.differences):,} differ")
            for column in found.unknown_columns:
                out.print(f"  column {column!r} is not in reference/report_columns.csv: "
                          "not compared")
            for d in found.differences:
                unit = p.catalog.get(d.metric).unit
                mine = format_value(d.northstar, unit)
                theirs = format_value(d.report, unit) if d.report is not None else "no row"
                out.print(f"  {d.business_unit} {d.period} {d.metric}: report {theirs}, "
                          f"Northstar {mine} ({d.why}"
                          + (f"; lines {d.lines}" if d.lines else "") + ")", highlight=False)
            differ += len(found.differences)
    if differ:
        raise typer.Exit(1)


@app.command()
def verify(project: ProjectDir = Path(".")) -> None:
    """Re-hash the ledger and check the project's definitions; name every table, load, view
    and file changed behind its back."""
    with _open(project) as p:
        report = p.verify()
    for note in report.notes:
        err.print(f"note: {escape(note)}", highlight=False, soft_wrap=True)
    if report.ok:
        out.print(f"[green]OK[/]: {report.loads} loads, {report.rows:,} rows and "
                  f"{report.definitions} definitions versions match the hash chain")
        return
    for problem in report.problems:
        err.print(f"[red]TAMPERED[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
    err.print(f"{len(report.problems)} problem(s) in {report.loads} loads")
    raise typer.Exit(1)


definitions_app = typer.Typer(help="The project's definitions (metric, model, check and "
                              "dashboard files, mappings, the model views) under the chain.",
                              no_args_is_help=True)
app.add_typer(definitions_app, name="definitions")


@definitions_app.command("record")
def definitions_record(project: ProjectDir = Path(".")) -> None:
    """Rebuild the model views from the files and record the definitions (after an edit)."""
    with _open(project) as p:
        before = p.definitions.newest()
        rec = p.record_definitions()
    what = "unchanged" if before is not None and before.version == rec.version else "recorded"
    out.print(f"Definitions version {rec.version} {what}: {len(rec.files)} files, "
              f"{len(rec.views)} views (after load {rec.after_load})")


docs_app = typer.Typer(help="Documents written from the project's own files and data.",
                       no_args_is_help=True)
app.add_typer(docs_app, name="docs")


@docs_app.command("calc")
def docs_calc(
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the reference here (default: print it).")] = None,
    period: Annotated[str | None, typer.Option(
        help="The worked examples' period (metrics of another grain: their last closed "
        "period).")] = None,
    project: ProjectDir = Path("."),
) -> None:
    """The calculation reference: each metric's formula in words and SQL, the tables it
    reads and a worked example on this project's data (Markdown)."""
    from northstar.calcref import calculation_reference

    with _open(project) as p:
        text = calculation_reference(p, period)
    if out_file is None:
        sys.stdout.write(text)
        return
    out_file.write_text(text, encoding="utf-8")
    out.print(f"Wrote the calculation reference to {out_file}", soft_wrap=True)


@app.command()
def findings(project: ProjectDir = Path("."),
             as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Data-quality findings: sources that disagree on a fact one of them owns."""
    with _open(project) as p:
        rows = p.findings()
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    if not rows:
        out.print("No findings.")
        return
    table = Table("object", "record", "field", "owner says", "other source says")
    for r in rows:
        table.add_row(r["object"], r["record_key"], r["field"],
                      f"{r['owner_value']} ({r['owner_source']})",
                      f"{r['other_value']} ({r['other_source']})")
    out.print(table)


@app.command()
def log(project: ProjectDir = Path("."),
        limit: Annotated[int, typer.Option(help="How many loads to show.")] = 20) -> None:
    """The collection log: the newest loads first."""
    with _open(project) as p:
        rows = p.ledger.log(limit).to_pylist()
    table = Table("load", "table", "source", "rows", "finished (UTC)", "status", "error")
    for r in rows:
        table.add_row(str(r["load_id"]), r["table_name"], r["source_name"], f"{r['row_count']:,}",
                      f"{r['finished_at']:%Y-%m-%d %H:%M:%S}", r["status"], r["error"] or "")
    out.print(table)


@app.command("metrics")
def list_metrics(project: ProjectDir = Path("."),
                 as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
                 ) -> None:
    """The project's metrics: name, title, department, grain and owner. Metric files that do
    not load are named on stderr (and the exit code is 1)."""
    with _open(project) as p:
        catalog = p.catalog
        failed = _file_errors(catalog)
        rows = []
        for m in sorted(catalog, key=lambda x: x.name):
            owner = catalog.owner_of(m.name)
            rows.append({"name": m.name, "title": m.title, "kind": m.kind, "grain": m.grain,
                         "unit": m.unit, "department": m.department,
                         "owner": owner.id if owner else None,
                         "file": str(catalog.files[m.name])})
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        table = Table("metric", "title", "department", "grain", "owner")
        for r in rows:
            table.add_row(r["name"], r["title"], r["department"], r["grain"], r["owner"] or "")
        out.print(table)
    if failed:
        raise typer.Exit(1)


@app.command()
def schedule(
    systemd: Annotated[bool, typer.Option(
        "--systemd", help="Write a systemd service and timer instead of printing the schedule.")
    ] = False,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the systemd files (default: PROJECT/systemd).")] = None,
    project: ProjectDir = Path("."),
) -> None:
    """When collection runs (daily 22:30 America/Chicago unless northstar.toml says otherwise)."""
    from northstar.config import CONFIG_FILE, load_settings
    from northstar.schedule import collection_window, cron_for, next_runs, systemd_units
    from northstar.sources import load_sources

    root = project.resolve()
    if not (root / CONFIG_FILE).exists():
        raise NorthstarError(f"{root} is not a Northstar project (no {CONFIG_FILE})")
    settings = load_settings(root).schedule
    if systemd:
        folder = out_dir or root / "systemd"
        folder.mkdir(parents=True, exist_ok=True)
        exe = shutil.which("northstar") or f"{sys.executable} -m northstar"
        units = systemd_units(root, settings, exe, source)
        for name, text in units.items():
            (folder / name).write_text(text, encoding="utf-8")
            out.print(f"wrote {folder / name}")
        timer = next(n for n in units if n.endswith(".timer"))
        out.print(f"Install: sudo cp {folder}/northstar-sync-* /etc/systemd/system/ && "
                  f"sudo systemctl daemon-reload && sudo systemctl enable --now {timer}",
                  soft_wrap=True)
        return
    now = datetime.now(UTC)
    declared = sorted(set(load_sources(root)) | set(settings.sources))
    names = [source] if source else declared or ["(every source)"]
    table = Table("source", "crontab", "timezone", "next runs", "collects")
    for name in names:
        key = "" if name == "(every source)" else name
        months = settings.sources[key].closed_months if key in settings.sources else None
        window = collection_window(now, settings.timezone,
                                   settings.closed_months if months is None else months)
        runs = ", ".join(f"{r:%a %Y-%m-%d %H:%M %Z}" for r in next_runs(settings, key, now, 3))
        table.add_row(name, cron_for(settings, key), settings.timezone, runs,
                      f"{window.start:%Y-%m} .. {window.end:%Y-%m} (excl.)")
    out.print(table)


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="Folder for the sample company.")] = Path(
        "demo-company"),
    rows: Annotated[int | None, typer.Option(
        help="Approximate ledger rows to generate (default: the pack's).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same company).")] = 7,
    pack: Annotated[str, typer.Option(
        help="The business pack whose sample company to build (see `northstar packs`).",
    )] = "marketplace",
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="Serve the web app afterwards.")] = True,
    port: Annotated[int, typer.Option(help="Port for the web app (on 127.0.0.1).")] = 8000,
    engine: Annotated[str, typer.Option(help=ENGINE_HELP)] = DEFAULT_ENGINE,
) -> None:
    """Build a pack's sample company (default: the marketplace) and show every owner's metric."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from northstar.engines import needs
    from northstar.packs import get_pack
    from northstar.project import Project

    chosen = get_pack(pack)
    company = chosen.sample_company
    rows = company.rows if rows is None else rows
    if not company.min_rows <= rows <= 20_000_000:
        raise NorthstarError(f"--rows must be between {company.min_rows:,} and 20,000,000 for "
                             f"the {chosen.name} sample company")
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).exists():
            raise NorthstarError(f"{folder} exists and is not a demo folder; choose another")
        shutil.rmtree(folder)
    needs.engine(engine)
    with Project.init(folder, name=company.name, timezone=company.timezone, pack=chosen,
                      engine_url=engine) as p:
        (p.root / DEMO_MARKER).write_text("made by `northstar demo`; safe to delete\n")
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
                "{task.completed:,.0f}/{task.total:,.0f} rows"), TimeElapsedColumn(),
                console=err, transient=True) as bar:
            task = bar.add_task("Loading the sample company", total=rows)

            def advance(name: str, n: int) -> None:
                bar.update(task, advance=n, description=f"Loading {name}")

            total = p.load_sample(chosen, rows, seed=seed, progress=advance)
        out.print(f"Loaded {total:,} ledger rows into {_where(p)}")
        for name, body in chosen.sample_files(rows, seed=seed).items():
            path = p.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            out.print(f"Wrote {path}")
        _scorecard(p)
        if not serve:
            return
        from northstar.web.demo import create_demo_users

        passwords = create_demo_users(p, chosen.north_star)
        owner = p.catalog.owner_of(chosen.north_star)
        north_star = p.catalog.get(chosen.north_star).title
    from northstar.web.cli import run_server

    out.print("\n[bold]Log in[/] (these passwords are shown only now):")
    for user, password in passwords.items():
        who = "admin" if user == "demo-admin" else (
            f"{owner.name}, owner of {north_star.lower()}" if owner else "metric owner")
        out.print(f"  {user:<11} {password}   ({who})", highlight=False)
    run_server(folder, "127.0.0.1", port, out)


def _where(p: Project) -> str:
    """Where the ledger is kept, as a user would look for it."""
    url = p.settings.engine.url
    if url == DEFAULT_ENGINE:
        return str(p.root / "northstar.duckdb")
    if url.startswith("spark://") and "warehouse=" not in url:
        from northstar.engines.spark import WAREHOUSE

        return f"{p.root / WAREHOUSE} ({url})"
    return url.split("@", 1)[-1] if url.startswith(("postgresql://", "postgres://")) else url


def _scorecard(p: Project) -> None:
    table = Table(title=f"{p.settings.company.name}: every owner's metric, last closed period")
    for col in ("owner", "metric", "period", "value", "target", "status", "vs last year"):
        table.add_column(col, justify="right" if col in ("value", "target") else "left",
                         overflow="fold")
    actions: list[tuple[str, str, str]] = []
    for person in sorted(p.catalog.people.values(), key=lambda x: (x.department, x.id)):
        if person.metric is None:
            continue
        m = p.catalog.get(person.metric)
        period = p.calendar.previous(p.calendar.current(m.grain))
        v = p.compute([m.name], [str(period)])[0]
        style = STATUS_STYLE.get(v.status or "", "")
        table.add_row(person.name, m.title, v.period,
                      v.label or format_value(v.value, v.unit, m.decimals),
                      format_value(v.target, v.unit, m.decimals),
                      f"[{style}]{v.status}[/]" if style else "—",
                      format_change(v.value, v.last_year, unit=v.unit))
        if v.action and v.status in ("yellow", "red"):
            actions.append((person.name, f"[{style}]{v.status}[/]", v.action.strip()))
    out.print(table)
    if actions:
        out.print("\n[bold]What to do[/]")
        for name, status, action in actions:
            out.print(f"  {name} ({status}): {action}", highlight=False)


def _register_extensions() -> None:
    from northstar.alerts.cli import register as register_alerts
    from northstar.asana.cli import register as register_asana
    from northstar.ask.cli import register as register_ask
    from northstar.checks import register as register_checks
    from northstar.collection.cli import register as register_collection
    from northstar.engines.cli import register as register_db
    from northstar.sources import register as register_sources
    from northstar.warehouse.cli import register as register_warehouse
    from northstar.web.cli import register as register_web
    from northstar.web.qbr_cli import register as register_report
    from northstar.web.weekly_cli import register as register_weekly

    register_sources(app)
    register_collection(app)
    register_db(app)
    register_warehouse(app)
    register_checks(app)
    register_web(app)
    register_report(app)
    register_weekly(app)
    register_alerts(app)
    register_asana(app)
    register_ask(app)


_register_extensions()


@app.callback(invoke_without_command=True)
def _root(version: Annotated[bool, typer.Option("--version", help="Show the version.")] = False
          ) -> None:
    if version:
        out.print(f"northstar {__version__}")
        raise typer.Exit()


def main(argv: list[str] | None = None) -> Any:
    """Entry point: user mistakes become one line on stderr and a non-zero exit code."""
    try:
        return app(args=argv)
    except NorthstarError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written was kept")
        sys.exit(130)
