"""`make bench`: the field-service daily KPI mart, Northstar against the same figures written by
hand in SQL, at the seed's scale.

    .venv/bin/python bench/field_service.py              # the seed's 160,000 jobs, 3 runs
    .venv/bin/python bench/field_service.py --docs       # and write docs/benchmarks.md
    .venv/bin/python bench/field_service.py --quick      # a few thousand rows, a smoke run

The sample painting contractor is built once with about 160,000 jobs (reused while
bench/.data/ holds it). Then, in fresh processes, each side computes the ten KPIs for every
business unit and every day of the 13 months before the data's end, with each day's previous
day and same weekday last year: Northstar through `compute(..., by="team")` (freezing off),
the hand-written SQL of bench/handwritten/field_service/ with the duckdb API on the same file.
Every hand-written figure must equal Northstar's (to the cent, ratios to 1e-9) or the run
fails. Target (issue 12): Northstar within 1.3x of the hand-written SQL."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build import END, build, project_dir  # noqa: E402
from common import write_section  # noqa: E402
from measure import peak_rss_mb  # noqa: E402
from run import machine  # noqa: E402

PACK = "field_service"
KPIS = ("leads", "estimates", "close_rate", "total_booked", "dollars_produced",
        "gross_margin", "warranty_share", "future_bookings", "dollars_collected",
        "outstanding_ar")
BALANCES = ("future_bookings", "outstanding_ar")
SEED_ROWS = 1_100_000
"""About the seed's 160,000 jobs (docs/field-service.md, the sample company)."""
NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
FIRST = date(2025, 10, 1)
"""The first of the 13 months ending with the data's last month (October 2026)."""
HANDWRITTEN = HERE / "handwritten" / PACK
DOCS = HERE.parent / "docs" / "benchmarks.md"
BEGIN, DONE = "<!-- field-service-bench:start -->", "<!-- field-service-bench:end -->"
TARGET = 1.3


def days() -> list[str]:
    out, d = [], FIRST
    while d <= END:
        out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def query(name: str) -> str:
    """A hand-written query: the shared CTEs, the files it includes, then its own text."""
    body = (HANDWRITTEN / f"{name}.sql").read_text(encoding="utf-8")
    parts = [(HANDWRITTEN / "_common.sql").read_text(encoding="utf-8").rstrip().rstrip(",")]
    own = []
    for line in body.splitlines():
        if line.startswith("-- include: "):
            parts.append((HANDWRITTEN / line.split(": ", 1)[1]).read_text(encoding="utf-8"))
        else:
            own.append(line)
    rest = "\n".join(own).strip()
    head = ",\n".join(p.strip() for p in parts)
    if rest.upper().startswith("SELECT") or rest.startswith(","):
        return f"{head}\n{rest}"
    return f"{head},\n{rest}"


def _num(v: Any) -> Any:
    return None if v is None else str(v)


# -- the two sides, each in its own process -------------------------------------------------------
def run_northstar(folder: Path) -> dict[str, Any]:
    from northstar.project import Project

    t0 = time.perf_counter()
    project = Project.open(folder)
    project.metrics.freeze = False
    project.metrics.now = NOW
    opened = time.perf_counter() - t0
    wanted = days()
    values: list[list[Any]] = []
    per_kpi: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    for name in KPIS:
        t = time.perf_counter()
        for v in project.compute([name], wanted, by="team"):
            values.append([name, v.period, v.slice["team"], _num(v.value), v.previous_period,
                           _num(v.previous), v.last_year_period, _num(v.last_year)])
        per_kpi[name] = time.perf_counter() - t
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    project.close()
    return {"open_s": opened, "wall_s": wall, "cpu_s": cpu, "per_kpi_s": per_kpi,
            "rss_mb": peak_rss_mb(), "values": values}


def run_handwritten(folder: Path) -> dict[str, Any]:
    """Northstar is not imported: the time and memory are DuckDB's and the SQL's alone."""
    import duckdb

    con = duckdb.connect(str(folder / "northstar.duckdb"), read_only=True)
    if con.sql("SELECT count(*) FROM ns_loads WHERE replaced > 0").fetchall()[0][0]:
        raise SystemExit("the hand-written SQL reads raw tables as they are; this ledger has "
                         "replaced records")
    first = FIRST - timedelta(days=364)  # the same weekday last year of the first day
    start, end = first, END + timedelta(days=1)
    texts = {name: query(name) for name in KPIS}
    values: dict[str, dict[str, Any]] = {}
    per_kpi: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    for name in KPIS:
        t = time.perf_counter()
        rows = con.execute(texts[name], {"start": start, "end": end}).fetchall()
        per_kpi[name] = time.perf_counter() - t
        values[name] = {f"{r[0].isoformat()}|{r[1]}": _num(r[2]) for r in rows}
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    return {"wall_s": wall, "cpu_s": cpu, "per_kpi_s": per_kpi, "rss_mb": peak_rss_mb(),
            "values": values}


def worker(mode: str, folder: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--worker", mode, str(folder)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the check ----------------------------------------------------------------------------------
def same(a: Any, b: Any, balance: bool) -> bool:
    if balance:  # a unit with nothing before a day has no balance in Northstar: it is 0
        a, b = a or "0", b or "0"
    if a is None or b is None:
        return a is None and b is None
    x, y = Decimal(str(a)), Decimal(str(b))
    return abs(x - y) < Decimal("0.005") or abs(x - y) <= Decimal("1e-9") * max(abs(x), abs(y))


def check(north: list[list[Any]], hand: dict[str, dict[str, Any]]) -> int:
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for name, day, team, value, prev_day, prev, last_day, last in north:
        got = hand[name]
        for d, v in ((day, value), (prev_day, prev), (last_day, last)):
            seen.add((name, f"{d}|{team}"))
            if not same(v, got.get(f"{d}|{team}"), name in BALANCES):
                problems.append(f"{name} {d} {team}: Northstar {v}, hand-written SQL "
                                f"{got.get(f'{d}|{team}')}")
    wanted = set(days())
    for name, rows in hand.items():  # a unit and day the SQL has that Northstar does not
        for key, v in rows.items():
            if key.split("|")[0] in wanted and (name, key) not in seen and not same(
                    v, None, name in BALANCES):
                problems.append(f"{name} {key}: hand-written SQL {v}, Northstar has none")
    problems = list(dict.fromkeys(problems))  # a day is also a next day's previous one
    if problems:
        raise SystemExit(f"BENCHMARK FAILED: {len(problems)} figures differ:\n  "
                         + "\n  ".join(problems[:30]))
    return len(north)


# -- the report ---------------------------------------------------------------------------------
def measure(data_dir: Path, rows: int, repeats: int) -> dict[str, Any]:
    info = build(data_dir, rows, pack=PACK, log=lambda m: print(m, flush=True))
    folder = project_dir(data_dir, rows, PACK)
    north, hand = [], []
    for i in range(repeats):
        print(f"  run {i + 1}/{repeats}: hand-written SQL ...", flush=True)
        hand.append(worker("handwritten", folder))
        print(f"  run {i + 1}/{repeats}: Northstar ...", flush=True)
        north.append(worker("northstar", folder))
    checked = check(north[0]["values"], hand[0]["values"])
    import duckdb

    con = duckdb.connect(str(folder / "northstar.duckdb"), read_only=True)
    jobs = con.sql("SELECT count(*) FROM raw_st_jobs").fetchall()[0][0]
    con.close()
    return {"rows": rows, "build": info, "jobs": jobs, "repeats": repeats, "checked": checked,
            "north": north, "hand": hand}


def report(r: dict[str, Any], host: dict[str, str]) -> str:
    def best(runs: list[dict[str, Any]], key: str) -> float:
        return float(min(x[key] for x in runs))

    n_wall, h_wall = best(r["north"], "wall_s"), best(r["hand"], "wall_s")
    n_cpu, h_cpu = best(r["north"], "cpu_s"), best(r["hand"], "cpu_s")
    ratio = n_wall / h_wall
    teams = len({v[2] for v in r["north"][0]["values"]})
    out = [f"Measured {host['date']} on: {host['cpu']}, {host['cores']} cores, "
           f"{host['memory']} RAM, {host['os']}, Python {host['python']}, DuckDB "
           f"{host['duckdb']}. Load average when the run began: {host['load']}.", "",
           f"The sample painting contractor with {r['jobs']:,} jobs "
           f"({r['build']['ledger_rows']:,} ledger rows; the seed: 161,332 jobs). Ten KPIs for "
           f"each of {teams} business units and each of the {len(days())} days of October 2025 "
           "to October 2026, each with its previous day and its same weekday last year: "
           f"{r['checked']:,} Northstar values, every one equal to the hand-written SQL's. Times "
           f"are the best of {r['repeats']} fresh-process runs per side.", "",
           "| | hand-written SQL | Northstar | ratio |", "|---|---:|---:|---:|",
           f"| all ten KPIs: wall | {h_wall:.2f} s | {n_wall:.2f} s | **{ratio:.2f}x** |",
           f"| all ten KPIs: CPU | {h_cpu:.2f} s | {n_cpu:.2f} s | {n_cpu / h_cpu:.2f}x |",
           f"| peak memory | {max(x['rss_mb'] for x in r['hand']):,.0f} MiB | "
           f"{max(x['rss_mb'] for x in r['north']):,.0f} MiB | |"]
    for name in KPIS:
        h = min(x["per_kpi_s"][name] for x in r["hand"])
        n = min(x["per_kpi_s"][name] for x in r["north"])
        out.append(f"| `{name}` | {h * 1000:,.0f} ms | {n * 1000:,.0f} ms | {n / h:.1f}x |")
    out += ["", f"Opening the project: {best(r['north'], 'open_s'):.2f} s (not counted). "
            f"Loading the company: {r['build']['load_seconds']:.1f} s "
            f"({r['build']['rows_per_second']:,} rows/s).", "",
            f"Target (issue 12): within {TARGET}x of the hand-written SQL: {ratio:.2f}x, "
            + ("met." if ratio <= TARGET else "**not met**."),
            f"Spread of the Northstar runs: "
            f"{statistics.pstdev([x['wall_s'] for x in r['north']]):.2f} s."]
    return "\n".join(out)


def write_docs(text: str) -> None:
    write_section(text, BEGIN, DONE, DOCS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=SEED_ROWS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5,000 rows, one run, no docs")
    parser.add_argument("--docs", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        mode, folder = args.worker[0], Path(args.worker[1])
        result = run_northstar(folder) if mode == "northstar" else run_handwritten(folder)
        print(json.dumps(result))
        return 0
    host = machine()
    if args.quick:
        with tempfile.TemporaryDirectory(prefix="northstar-bench-") as tmp:
            print(report(measure(Path(tmp), 5_000, 1), host))
        return 0
    text = report(measure(args.data_dir, args.rows, args.repeats), host)
    print()
    print(text)
    if args.docs:
        write_docs(text)
        print(f"\nwrote the figures into {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
