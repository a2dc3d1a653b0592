"""Where Northstar's cold compute spends its time, and what two changes to the metric layer
would save: `python bench/whatif.py [ROWS] [REPEATS]` on a company `run.py` has built.

Runs the benchmark's cold compute in this process, REPEATS times per variant (the caches of the
metric layer emptied between runs), with the metric layer as it is and with these patches,
applied here by monkeypatching, never in src/:

- `batch`: a query metric (`sql:`) or a SQL target runs once per metric for all its periods
  (the per-period statements joined with UNION ALL, each tagged with its period), instead of
  once per period. `MetricComputer._live` (the `else` branch) and `MetricComputer._target`.
- `parse-once`: each model file is parsed by SQLGlot once per process instead of on every
  dependency lookup (`ModelFile.references` in models/views.py, called from
  `ModelBuilder._deps` for every metric).

- `fetch-direct`: `DuckDBEngine` answers `rows()` with `con.execute(sql).fetchall()` instead
  of the inherited `Engine.rows` -> `query()` -> `con.sql(sql).to_arrow_table()`: with this
  duckdb build, `con.sql` binds the statement once to describe the lazy relation and again to
  run it, and the result then goes through Arrow only to become Python tuples.

- `known-head` (cached reads only): `MetricComputer.state()` asks DuckDB for the ledger head
  (`SELECT coalesce(max(load_id), 0) FROM ns_loads`) on every read. An open DuckDB file has
  one writer, this process, so the ledger could keep its head in memory and the read could
  skip the statement (PostgreSQL would keep asking).

It prints the number of SQL statements, the time spent inside DuckDB, and CPU and wall time of
the best run per variant, and checks that every variant returns the same numbers."""

from __future__ import annotations

import functools
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


def _union(computer: Any, sql: str, periods: Sequence[Any]) -> str:
    from northstar.metrics.sqlgen import fill_placeholders

    parts = []
    for i, p in enumerate(periods):
        filled = fill_placeholders(sql, computer._bounds(p), computer._bounds(
            computer.calendar.same_period_last_year(p)))
        parts.append(f"SELECT {i} AS ns_i, * FROM ({filled}) AS ns_q{i}")
    return " UNION ALL ".join(parts)


@contextmanager
def batched() -> Iterator[None]:
    from northstar.metrics import compute as c

    live, compute = c.MetricComputer._live, c.MetricComputer._compute

    def _live(self: Any, m: Any, periods: list[Any], by: Any, filters: Any,
              state: Any) -> Any:
        if m.kind != "sql":
            return live(self, m, periods, by, filters, state)
        out: dict[Any, dict[Any, Any]] = {p: {None: None} for p in periods}
        for row in self._run(m, _union(self, m.sql, periods)):
            out[periods[row[0]]][None] = c._number(row[-1])
        return out

    def _compute(self: Any, names: Any, periods: Any, by: Any, filters: Any,
                 state: Any) -> Any:
        for name in names:  # fill the target cache for every period in one statement
            m = self.catalog.get(name)
            if m.target is None or m.target.sql is None or by or not periods:
                continue
            deps = self._dependencies(f"{m.name}#target", m.target.sql)
            version = tuple(sorted((t, state.versions.get(t, 0)) for t in deps))
            todo = [p for p in periods if str(p) not in m.target.periods
                    and (m.name, "target", m.target.sql, p, version) not in self._cache]
            if todo:
                got = {r[0]: r[-1] for r in self._run(m, _union(self, m.target.sql, todo))}
                for i, p in enumerate(todo):
                    value = got.get(i)
                    self._cache[(m.name, "target", m.target.sql, p, version)] = {
                        None: None if value is None else c._number(value)}
        return compute(self, names, periods, by, filters, state)

    c.MetricComputer._live, c.MetricComputer._compute = _live, _compute  # type: ignore[method-assign]
    try:
        yield
    finally:
        c.MetricComputer._live, c.MetricComputer._compute = live, compute  # type: ignore[method-assign]


@contextmanager
def parse_once() -> Iterator[None]:
    from northstar.models import views

    original = views.ModelFile.references
    views.ModelFile.references = functools.cache(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        views.ModelFile.references = original  # type: ignore[method-assign]


@contextmanager
def fetch_direct() -> Iterator[None]:
    from northstar.engines.duckdb import DuckDBEngine

    def rows(self: Any, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self.con.execute(
            sql, list(params) if params is not None else None).fetchall()
        return result

    DuckDBEngine.rows = rows  # type: ignore[method-assign]
    try:
        yield
    finally:
        del DuckDBEngine.rows


@contextmanager
def known_head() -> Iterator[None]:
    from northstar.metrics import compute as c

    state = c.MetricComputer.state

    def cached_state(self: Any) -> Any:
        return self._state if self._state is not None else state(self)

    c.MetricComputer.state = cached_state  # type: ignore[method-assign]
    try:
        yield
    finally:
        c.MetricComputer.state = state  # type: ignore[method-assign]


def measure(folder: Path, repeats: int) -> dict[str, Any]:
    from northstar.project import Project

    project = Project.open(folder)
    computer = project.metrics
    computer.freeze = False
    computer.now = NOW
    plan = make_plan(project.calendar, project.catalog)
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

    engine.rows = counted  # type: ignore[method-assign]
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
    "parse-once": [parse_once],
    "batch": [batched],
    "fetch-direct": [fetch_direct],
    "known-head": [known_head],
    "all four": [batched, parse_once, fetch_direct, known_head],
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
             "| rows | variant | SQL statements | cold CPU | cold wall | inside DuckDB (wall) "
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
