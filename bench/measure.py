"""One measurement, run in a fresh process: `python bench/measure.py MODE PROJECT_DIR`.

Modes: `northstar` (freezing off), `northstar-freeze` (freezing on: what a user sees the first
time, snapshots written) and `handwritten` (the SQL files in bench/handwritten/ run with the
duckdb API on the same file, read-only; bench/handwritten/<pack>/ for the pack the project
was built from). Prints one JSON object on stdout: wall times, the peak
resident memory of this process and every value computed, so the caller can compare them."""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from northstar.metrics.catalog import Catalog
    from northstar.periods import Calendar, Period

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build import pack_of  # noqa: E402

HANDWRITTEN = HERE / "handwritten"
DATA_END = date(2026, 10, 31)
"""Last day of the sample data (bench/build.py builds it with this end)."""
NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
"""The fixed clock: every month up to October 2026 is closed in America/Chicago."""
MONTHS = 13
CACHED_REPEATS = 200


@dataclass(frozen=True)
class Plan:
    """What the benchmark computes: metrics by grain, the periods asked for, the span read."""

    metrics: dict[str, list[str]]
    """grain -> names of the metrics of that grain (every metric that is not manual)."""
    periods: dict[str, list[str]]
    """grain -> periods asked for: the 13 closed months, or the periods overlapping them."""
    needed: dict[str, list[str]]
    """grain -> those periods plus their previous and same-period-last-year periods."""
    span: dict[str, tuple[date, date]]
    """grain -> [first day, day after the last) of the needed periods (company dates)."""
    uncovered: list[str]
    """Metrics of the pack left out: not manual, but no hand-written query to compare with."""


def handwritten_dir(pack: str) -> Path:
    """Where the hand-written queries of a pack's metrics are: one `<metric>.sql` each."""
    return HANDWRITTEN / pack


def read_plan(folder: Path) -> Plan:
    """The plan for a project folder, from its files alone (the database stays closed)."""
    from northstar.config import load_settings
    from northstar.metrics.catalog import load_catalog
    from northstar.people import load_people
    from northstar.periods import Calendar

    settings = load_settings(folder)
    calendar = Calendar(settings.company.timezone, settings.company.fiscal_year_start_month)
    return make_plan(calendar, load_catalog(folder, *load_people(folder)), pack_of(folder))


def make_plan(cal: Calendar, catalog: Catalog, pack: str) -> Plan:
    last = cal.containing("month", DATA_END)
    months = cal.last_n("month", MONTHS, ending=last)
    metrics: dict[str, list[str]] = {}
    uncovered: list[str] = []
    for m in catalog:
        if m.kind == "manual":
            continue
        if (handwritten_dir(pack) / f"{m.name}.sql").exists():
            metrics.setdefault(m.grain, []).append(m.name)
        else:
            uncovered.append(m.name)
    periods: dict[str, list[str]] = {}
    needed: dict[str, list[str]] = {}
    span: dict[str, tuple[date, date]] = {}
    for grain in metrics:
        wanted = _overlapping(cal, grain, months)
        every = sorted({q for p in wanted
                        for q in (p, cal.previous(p), cal.same_period_last_year(p))})
        periods[grain] = [str(p) for p in wanted]
        needed[grain] = [str(p) for p in every]
        span[grain] = (cal.dates(every[0])[0], cal.dates(every[-1])[1])
    return Plan(metrics, periods, needed, span, sorted(uncovered))


def _overlapping(cal: Calendar, grain: str, months: list[Period]) -> list[Period]:
    first = cal.containing(grain, cal.dates(months[0])[0])  # type: ignore[arg-type]
    end = cal.dates(months[-1])[1]
    out = [first]
    while cal.dates(cal.next(out[-1]))[0] < end:
        out.append(cal.next(out[-1]))
    return out


def _num(v: Any) -> Any:
    """JSON-safe number: Decimals as strings so no digit is lost, floats as they are."""
    if v is None or isinstance(v, float):
        return v
    if isinstance(v, Decimal | int):
        return str(v)
    raise TypeError(f"not a number: {v!r}")


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MiB.

    getrusage(RUSAGE_SELF).ru_maxrss would be the obvious source, but Linux carries it over
    an exec: a worker started by a parent that holds 180 MiB reports at least 180 MiB. The
    kernel's VmHWM (high-water mark of this process image) starts afresh at exec, so it is used
    where it exists; ru_maxrss is the fallback elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# -- Northstar ------------------------------------------------------------------------------------
def run_northstar(folder: Path, *, freeze: bool, repeats: int = CACHED_REPEATS) -> dict[str, Any]:
    from northstar.project import Project

    started = time.perf_counter()
    project = Project.open(folder)
    computer = project.metrics
    computer.freeze = freeze
    computer.now = NOW
    plan = make_plan(project.calendar, project.catalog, pack_of(folder))
    open_seconds = time.perf_counter() - started

    started, cpu_started = time.perf_counter(), time.process_time()
    results = []
    per_grain: dict[str, float] = {}
    for grain, names in plan.metrics.items():
        t0 = time.perf_counter()
        results += project.compute(names, plan.periods[grain])
        per_grain[grain] = time.perf_counter() - t0
    cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    cold_rss = peak_rss_mb()

    # Cold time per metric, each in the same process after the others (its own cache empty).
    values = [{
        "metric": r.metric, "period": r.period, "value": _num(r.value),
        "previous_period": r.previous_period, "previous": _num(r.previous),
        "last_year_period": r.last_year_period, "last_year": _num(r.last_year),
        "target": r.target, "origin": r.origin, "open": r.open, "pace": r.pace,
    } for r in results]

    cached: dict[str, float] = {}
    for grain, names in plan.metrics.items():
        period = plan.periods[grain][-2] if len(plan.periods[grain]) > 1 else \
            plan.periods[grain][-1]
        for name in names:
            project.compute([name], [period])  # warm (it already is)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                project.compute([name], [period])
                times.append(time.perf_counter() - t0)
            cached[name] = statistics.median(times) * 1000
    project.close()
    return {
        "mode": "northstar-freeze" if freeze else "northstar", "open_seconds": open_seconds,
        "cold_seconds": cold, "cold_cpu_seconds": cold_cpu, "cold_by_grain": per_grain,
        "peak_rss_mb": cold_rss,
        "peak_rss_mb_end": peak_rss_mb(), "cached_ms": cached, "values": values,
        "plan": plan_to_json(plan),
    }


# -- Hand-written SQL -----------------------------------------------------------------------------
VERSIONED_PACKS = {"agency"}
"""Packs whose hand-written SQL picks each record's version itself, as the pack's models do (the
agency's Stripe charges over GoHighLevel's copies, GoHighLevel's deals over the closers'
tracker): their ledgers may hold replaced records."""

INCLUDE = "-- include: "


def handwritten_sql(pack: str, metric: str) -> str:
    """A metric's query, each `-- include: _part.sql` line replaced by that file of the pack's
    folder: common table expressions ending with a comma, dropped before a closing SELECT."""
    lines = handwritten_sql_text(pack, f"{metric}.sql").splitlines()
    out = []
    for i, line in enumerate(lines):
        if not line.startswith(INCLUDE):
            out.append(line)
            continue
        part = handwritten_sql_text(pack, line.removeprefix(INCLUDE).strip()).rstrip()
        after = lines[i + 1] if i + 1 < len(lines) else ""
        if after.lstrip().upper().startswith("SELECT"):
            part = part.removesuffix(",")
        out.append(part)
    return "\n".join(out) + "\n"


def handwritten_sql_text(pack: str, name: str) -> str:
    return (handwritten_dir(pack) / name).read_text(encoding="utf-8")


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {"metrics": plan.metrics, "periods": plan.periods, "needed": plan.needed,
            "span": {g: [a.isoformat(), b.isoformat()] for g, (a, b) in plan.span.items()},
            "uncovered": plan.uncovered}


def plan_from_json(data: dict[str, Any]) -> Plan:
    return Plan(data["metrics"], data["periods"], data["needed"],
                {g: (date.fromisoformat(a), date.fromisoformat(b))
                 for g, (a, b) in data["span"].items()}, data["uncovered"])


def run_handwritten(folder: Path, plan: Plan) -> dict[str, Any]:
    """Northstar is not even imported here: the peak memory is DuckDB's and the SQL's alone."""
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(str(folder / "northstar.duckdb"), read_only=True)
    open_seconds = time.perf_counter() - started
    pack = pack_of(folder)
    replaced = con.sql("SELECT count(*) FROM ns_loads WHERE replaced > 0").fetchall()[0][0]
    if replaced and pack not in VERSIONED_PACKS:
        raise SystemExit("the hand-written SQL reads raw tables as they are; this ledger has "
                         "replaced records, so it would need a latest-version filter")
    queries = {name: handwritten_sql(pack, name)
               for names in plan.metrics.values() for name in names}
    per_metric: dict[str, float] = {}
    values: dict[str, dict[str, dict[str, Any]]] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    for grain, names in plan.metrics.items():
        start, end = plan.span[grain]
        for name in names:
            t0 = time.perf_counter()
            cur = con.execute(queries[name], {"start": start, "end": end})
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
            per_metric[name] = time.perf_counter() - t0
            values[name] = {str(r[0]): {"value": _num(r[1]),
                                        "target": _num(r[2]) if len(columns) > 2 else None}
                            for r in rows}
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    con.close()
    return {"mode": "handwritten", "open_seconds": open_seconds, "cold_seconds": wall,
            "cold_cpu_seconds": cpu,
            "per_metric_seconds": per_metric, "peak_rss_mb": peak_rss_mb(), "values": values}


def run_northstar_per_metric(folder: Path) -> dict[str, Any]:
    """Cold time of each metric alone (freezing off, empty cache) in one process.

    The metric's inputs are not cached either (take_rate computes net revenue and GMV)."""
    from northstar.project import Project

    project = Project.open(folder)
    project.metrics.freeze = False
    project.metrics.now = NOW
    plan = make_plan(project.calendar, project.catalog, pack_of(folder))
    per_metric: dict[str, float] = {}
    for grain, names in plan.metrics.items():
        for name in names:
            project.metrics._cache.clear()  # every metric starts cold, including its inputs
            t0 = time.perf_counter()
            project.compute([name], plan.periods[grain])
            per_metric[name] = time.perf_counter() - t0
    project.close()
    return {"mode": "northstar-per-metric", "per_metric_seconds": per_metric}


def main(argv: list[str]) -> None:
    """`measure.py MODE PROJECT_DIR [CACHED_REPEATS | PLAN_JSON_FILE]`."""
    mode, folder = argv[0], Path(argv[1])
    repeats = int(argv[2]) if len(argv) > 2 and mode.startswith("northstar") else CACHED_REPEATS
    if mode == "northstar":
        out = run_northstar(folder, freeze=False, repeats=repeats)
    elif mode == "northstar-freeze":
        out = run_northstar(folder, freeze=True, repeats=repeats)
    elif mode == "northstar-per-metric":
        out = run_northstar_per_metric(folder)
    elif mode == "handwritten":
        plan = plan_from_json(json.loads(Path(argv[2]).read_text(encoding="utf-8")))
        out = run_handwritten(folder, plan)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
