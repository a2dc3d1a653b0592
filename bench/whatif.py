"""Where Northstar's cold compute spends its time, and what the metric layer's current
shortcuts save: `python bench/whatif.py [--docs] [ROWS,ROWS...] [REPEATS]` on a company
`run.py` has built.

Runs the benchmark's cold compute in this process, REPEATS times per variant (the caches of the
metric layer emptied between runs), with the code as it is and with one of its shortcuts
taken away, by monkeypatching here, never in src/:

- `one at a time`: the statements of a read run one after another on the project's
  connection, as they did before `MetricComputer._prefetch` ran them side by side
  (`DuckDBEngine.rows_side_by_side`, one cursor per core).
- `parse again`: what the views' build recorded (each model's references, each view's column
  types; `ModelBuilder.ensure` reads it back) is forgotten and SQLGlot's parse cache
  (`models.views.table_references`) emptied before each run, so model files and metric SQL
  are parsed and column types asked for again, as before they were kept.

It prints the number of SQL statements, the time spent waiting for DuckDB, and CPU and wall
time of the best run per variant, and checks that every variant returns the same numbers."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build import project_dir  # noqa: E402
from measure import NOW, make_plan  # noqa: E402


@contextmanager
def one_at_a_time() -> Iterator[None]:
    from northstar.engines.duckdb import DuckDBEngine

    original = DuckDBEngine.runs_side_by_side
    DuckDBEngine.runs_side_by_side = property(lambda self: False)  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        DuckDBEngine.runs_side_by_side = original  # type: ignore[method-assign]


@contextmanager
def parse_again() -> Iterator[None]:
    from northstar.metrics import compute as c
    from northstar.models import views

    original = c.MetricComputer.state

    def state(self: Any) -> Any:
        if self._state is None:  # a cold read: nothing parsed or recorded yet
            self.models._built = {}
            self.models._found = None
            self.models._files = None
            views.table_references.cache_clear()
            found = original(self)
            self.models._built = {}
            return found
        return original(self)

    c.MetricComputer.state = state  # type: ignore[method-assign]
    try:
        yield
    finally:
        c.MetricComputer.state = original  # type: ignore[method-assign]


def measure(folder: Path, repeats: int) -> dict[str, Any]:
    from northstar.project import Project

    project = Project.open(folder)
    computer = project.metrics
    computer.freeze = False
    computer.now = NOW
    plan = make_plan(project.calendar, project.catalog, "marketplace")
    engine = project.engine
    rows = engine.rows  # bound now, so a patched class method is what gets counted
    sql_stats = {"statements": 0, "seconds": 0.0}

    def counted(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        t0 = time.perf_counter()
        try:
            return rows(sql, params)
        finally:
            sql_stats["statements"] += 1
            sql_stats["seconds"] += time.perf_counter() - t0

    side = engine.rows_side_by_side  # bound now, like `rows`

    def counted_side(statements: Sequence[str]) -> list[Any]:
        t0 = time.perf_counter()
        try:
            return side(statements)
        finally:
            if engine.runs_side_by_side and len(statements) > 1:
                sql_stats["statements"] += len(statements)
            sql_stats["seconds"] += time.perf_counter() - t0

    engine.rows = counted  # type: ignore[method-assign]
    engine.rows_side_by_side = counted_side  # type: ignore[method-assign]
    best: dict[str, Any] = {}
    for _ in range(repeats):
        computer._cache.clear()
        computer._deps.clear()
        computer._state = None
        sql_stats.update(statements=0, seconds=0.0)
        wall, cpu = time.perf_counter(), time.process_time()
        values = []
        for grain, names in plan.metrics.items():
            values += [(r.metric, r.period, r.value, r.previous, r.last_year, r.target)
                       for r in project.compute(names, plan.periods[grain])]
        run = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
               "statements": sql_stats["statements"], "in_duckdb": sql_stats["seconds"],
               "values": values}
        if not best or run["cpu"] < best["cpu"]:
            best = run
    reads = []
    for grain, names in plan.metrics.items():  # one closed period of every metric, again
        period = plan.periods[grain][-2]
        for name in names:
            for _ in range(50):
                t0 = time.perf_counter()
                project.compute([name], [period])
                reads.append(time.perf_counter() - t0)
    best["cached_ms"] = statistics.median(reads) * 1000
    project.close()
    return best


VARIANTS: dict[str, list[Callable[[], Any]]] = {
    "as is": [],
    "one at a time": [one_at_a_time],
    "parse again": [parse_again],
    "both": [one_at_a_time, parse_again],
    "as is, again": [],  # how far the same code moves between runs on this machine
}


BEGIN = "<!-- whatif:begin (written by bench/whatif.py --docs; do not edit by hand) -->"
END = "<!-- whatif:end -->"


def main(argv: list[str]) -> None:
    """`whatif.py [--docs] [ROWS,ROWS...] [REPEATS]`."""
    docs = "--docs" in argv
    args = [a for a in argv if a != "--docs"]
    sizes = [int(s) for s in args[0].split(",")] if args else [1_000_000]
    repeats = int(args[1]) if len(args) > 1 else 5
    lines = [f"Best of {repeats} in-process runs by CPU time (the machine's load average was "
             + " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " at the start).", "",
             "| rows | variant | SQL statements | cold CPU | cold wall | waiting for DuckDB (wall) "
             "| cached read (median) |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for rows in sizes:
        folder = project_dir(HERE / ".data", rows)
        if not folder.exists():
            raise SystemExit(f"no {rows:,}-row company yet: run bench/run.py --rows {rows}")
        baseline = None
        for name, patches in VARIANTS.items():
            with contextlib_stack(patches):
                run = measure(folder, repeats)
            if baseline is None:
                baseline = run
            elif run["values"] != baseline["values"]:
                raise SystemExit(f"variant {name!r} changed the numbers")
            line = (f"| {rows:,} | {name} | {run['statements']} | {run['cpu']:.2f} s "
                    f"({run['cpu'] / baseline['cpu'] - 1:+.0%}) | {run['wall']:.2f} s | "
                    f"{run['in_duckdb']:.2f} s | {run['cached_ms']:.2f} ms |")
            print(line, flush=True)
            lines.append(line)
    if docs:
        from run import DOCS, write_docs

        write_docs("\n".join(lines), DOCS, begin=BEGIN, end=END)
        print(f"wrote the table into {DOCS}")


@contextmanager
def contextlib_stack(patches: list[Callable[[], Any]]) -> Iterator[None]:
    from contextlib import ExitStack

    with ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch())
        yield


if __name__ == "__main__":
    main(sys.argv[1:])
