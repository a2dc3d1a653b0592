"""`make bench`: the compared metrics on Apache Spark (local mode) against DuckDB and the
hand-written SQL, on the same sample company.

    .venv/bin/python bench/spark.py                   # 1 million and 10 million ledger rows
    .venv/bin/python bench/spark.py --rows 1000000    # one size
    .venv/bin/python bench/spark.py --quick           # a few thousand rows, a smoke run

For each size: the marketplace company of bench/run.py (bench/build.py, reused while its stamp
matches) on DuckDB, and the same company (same generator, seed and end) loaded into a project
on `spark://local[2]` (bench/.data/spark/<rows>/, reused the same way). Then, each in a fresh
process: the hand-written SQL on the DuckDB file, Northstar on DuckDB and Northstar on Spark,
cold, every compared metric for the 13 closed months (bench/measure.py's plan). Every Spark
value must equal the hand-written SQL's (to the cent), or the run fails. Also measured: the
fixed cost of one trivial query on each engine, and the peak memory of the Spark run, this
process and the JVM it starts together. Full runs write the figures into docs/benchmarks.md
between the Spark markers."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build import END, SEED, STAMP, TIMEZONE, build, generator_fingerprint  # noqa: E402
from build import project_dir as duckdb_dir  # noqa: E402
from common import run_worker  # noqa: E402
from measure import peak_rss_mb, plan_to_json, read_plan, run_northstar  # noqa: E402
from run import check, machine, metric_facts, worker, write_docs  # noqa: E402

PACK = "marketplace"
ENGINE = "spark://local[2]"
BEGIN = "<!-- bench:spark:begin (written by bench/spark.py; do not edit by hand) -->"
END_MARK = "<!-- bench:spark:end -->"
TRIVIAL = "SELECT 1 AS one"
TRIVIAL_REPEATS = 20


# -- the Spark company ----------------------------------------------------------------------
def spark_dir(data_dir: Path, rows: int) -> Path:
    return data_dir / "spark" / str(rows) / "project"


def build_spark(data_dir: Path, rows: int, log: Any = print) -> dict[str, Any]:
    """The company with `rows` ledger rows in a Spark project, built once and reused while its
    stamp matches. Models Spark cannot build yet are taken out of the project (with the
    metrics that read them) and listed in the stamp, so the rest can be measured."""
    folder = spark_dir(data_dir, rows)
    stamp = folder.parent / STAMP
    wanted = {"pack": PACK, "rows": rows, "seed": SEED, "end": END.isoformat(),
              "timezone": TIMEZONE, "generator": generator_fingerprint(PACK)}
    if stamp.exists():
        info: dict[str, Any] = json.loads(stamp.read_text(encoding="utf-8"))
        if all(info.get(k) == v for k, v in wanted.items()):
            log(f"reusing the {rows:,}-row Spark company in {folder}")
            return info
    from northstar.packs import get_pack
    from northstar.project import Project

    if folder.parent.exists():
        shutil.rmtree(folder.parent)
    folder.parent.mkdir(parents=True)
    log(f"building the {rows:,}-row {PACK} company on Spark in {folder} ...")
    pack = get_pack(PACK)
    started = time.perf_counter()
    with Project.init(folder, pack=pack, timezone=TIMEZONE, engine_url=ENGINE,
                      name=f"Benchmark {PACK} on Spark ({rows:,} rows)") as project:
        written = project.load_sample(pack, rows, seed=SEED, end=END)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    left_out = build_views(folder, log)
    info = {**wanted, "ledger_rows": written, "load_seconds": round(load_seconds, 3),
            "rows_per_second": round(written / load_seconds),
            "views_seconds": round(time.perf_counter() - started, 3),
            "warehouse_bytes": sum(f.stat().st_size for f in
                                   (folder / "spark-warehouse").rglob("*") if f.is_file()),
            "left_out": left_out}
    stamp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    log(f"  {written:,} rows in {load_seconds:.1f} s ({info['rows_per_second']:,} rows/s)")
    return info


def build_views(folder: Path, log: Any = print) -> dict[str, str]:
    """Create the model views; a model Spark rejects is removed, with every model and metric
    whose SQL names it. Returns {file left out: why}."""
    from northstar.errors import ConfigError
    from northstar.project import Project

    left_out: dict[str, str] = {}
    while True:
        try:
            with Project.open(folder) as project:
                project.metrics.state()
            return left_out
        except ConfigError as exc:
            path = Path(exc.path or "")
            if path.parent.name != "models" or not path.exists():
                raise
            reason = str(exc).split(": ", 1)[-1]
            log(f"  left out: {path.name} ({reason[:160]})")
            gone = [path]
            name = path.stem
            for other in [*(folder / "models").glob("*.sql"), *(folder / "metrics").glob("*")]:
                if other != path and re.search(rf"\b{re.escape(name)}\b", other.read_text()):
                    gone.append(other)
            for file in gone:
                left_out[f"{file.parent.name}/{file.name}"] = (
                    reason if file == path else f"reads {name}")
                file.unlink()


# -- the measuring worker (a fresh process) -------------------------------------------------
def descendants(pid: int) -> list[int]:
    """Every process started, directly or not, by `pid` (the JVM that pyspark launches)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def hwm_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MiB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def trivial_ms(folder: Path) -> float:
    """Median wall time of one trivial query through the project's engine, in ms: the fixed
    cost every statement pays (on Spark: parse, plan, schedule a job, return Arrow)."""
    from northstar.project import Project

    with Project.open(folder) as project:
        project.engine.query(TRIVIAL)  # warm
        times = []
        for _ in range(TRIVIAL_REPEATS):
            t0 = time.perf_counter()
            project.engine.query(TRIVIAL)
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def count_spark_statements() -> list[int]:
    """From now on, count the SQL statements the Spark engine hands to Spark (a list of one
    number, counted up in place)."""
    from northstar.engines.spark import SparkEngine

    count = [0]
    run = SparkEngine._run

    def counted(self: SparkEngine, sql: str) -> Any:
        count[0] += 1
        return run(self, sql)

    SparkEngine._run = counted  # type: ignore[method-assign]
    return count


def measure_engine(folder: Path) -> dict[str, Any]:
    """Northstar cold on the project's engine (bench/measure.py's run, one cached repeat), then
    the trivial query's cost and the memory of this process and of any JVM it started."""
    statements = count_spark_statements()
    result = run_northstar(folder, freeze=False, repeats=1)
    result["statements"] = statements[0]
    result["trivial_ms"] = trivial_ms(folder)
    jvm = [hwm_mb(p) for p in descendants(os.getpid())]
    result["python_rss_mb"] = peak_rss_mb()
    result["jvm_rss_mb"] = sum(jvm)
    result["peak_rss_mb"] = result["python_rss_mb"] + result["jvm_rss_mb"]
    del result["cached_ms"]
    return result


def engine_worker(folder: Path) -> dict[str, Any]:
    return run_worker(__file__, [str(folder)])


# -- one size -------------------------------------------------------------------------------
def measure_size(data_dir: Path, rows: int, *, repeats: int,
                 log: Any = print) -> dict[str, Any]:
    duck_info = build(data_dir, rows, pack=PACK, log=log)
    spark_info = build_spark(data_dir, rows, log=log)
    duck, spark = duckdb_dir(data_dir, rows, PACK), spark_dir(data_dir, rows)
    plan = read_plan(duck)
    plan_file = duck.parent / "plan.json"
    plan_file.write_text(json.dumps(plan_to_json(plan)), encoding="utf-8")
    hand, north, on_spark = [], [], []
    for i in range(repeats):
        log(f"  run {i + 1}/{repeats}: hand-written SQL on DuckDB ...")
        hand.append(worker("handwritten", duck, str(plan_file)))
        log(f"  run {i + 1}/{repeats}: Northstar on DuckDB ...")
        north.append(engine_worker(duck))
        log(f"  run {i + 1}/{repeats}: Northstar on Spark (local[2]) ...")
        on_spark.append(engine_worker(spark))
    units, sql_targets = metric_facts(spark)
    for run in on_spark:
        check(run["values"], hand[0]["values"], units, sql_targets)
    computed = sorted({v["metric"] for v in on_spark[0]["values"]})
    log(f"  checked: {len(on_spark[0]['values'])} Spark rows equal the hand-written SQL")

    def best(runs: list[dict[str, Any]], key: str) -> float:
        return float(min(r[key] for r in runs))

    return {
        "rows": rows, "repeats": repeats, "duckdb_build": duck_info, "spark_build": spark_info,
        "metrics": computed, "checked_rows": len(on_spark[0]["values"]),
        "handwritten_s": best(hand, "cold_seconds"),
        "handwritten_rss_mb": max(r["peak_rss_mb"] for r in hand),
        "duckdb_s": best(north, "cold_seconds"), "duckdb_open_s": best(north, "open_seconds"),
        "duckdb_rss_mb": max(r["peak_rss_mb"] for r in north),
        "duckdb_trivial_ms": best(north, "trivial_ms"),
        "spark_s": best(on_spark, "cold_seconds"), "spark_open_s": best(on_spark, "open_seconds"),
        "spark_cpu_s": best(on_spark, "cold_cpu_seconds"),
        "spark_python_rss_mb": max(r["python_rss_mb"] for r in on_spark),
        "spark_jvm_rss_mb": max(r["jvm_rss_mb"] for r in on_spark),
        "spark_trivial_ms": best(on_spark, "trivial_ms"),
        "spark_by_grain_s": on_spark[0]["cold_by_grain"],
        "spark_statements": on_spark[0]["statements"],
    }


def report(results: list[dict[str, Any]], host: dict[str, str]) -> str:
    import pyspark

    out = [f"Measured {host['date']} on: {host['cpu']}, {host['cores']} cores, "
           f"{host['memory']} RAM, {host['os']}, Python {host['python']}, DuckDB "
           f"{host['duckdb']}, Spark {pyspark.__version__} in local mode (`{ENGINE}`, "
           f"default JVM heap). Load average when the run began: {host['load']}.", ""]
    first = results[0]
    out += [f"Metrics compared ({len(first['metrics'])}): "
            + ", ".join(f"`{m}`" for m in first["metrics"]) + ".", ""]
    if first["spark_build"].get("left_out"):
        out += ["Left out of the Spark project because Spark does not build them yet "
                "(issue 16, item 3): " + "; ".join(
                    f"`{f}` ({why[:120]})" for f, why in
                    first["spark_build"]["left_out"].items()) + ".", ""]
    out += [f"Times are the best of {first['repeats']} fresh-process run(s) per side; every "
            "Spark value was checked equal to the hand-written SQL's.", ""]
    out += ["| | " + " | ".join(f"{r['rows']:,} rows" for r in results) + " |",
            "|---|" + "---:|" * len(results)]

    def row(label: str, cells: list[str]) -> None:
        out.append(f"| {label} | " + " | ".join(cells) + " |")

    row("load into Spark (rows/s)", [f"{r['spark_build']['load_seconds']:.0f} s "
                                     f"({r['spark_build']['rows_per_second']:,}/s)"
                                     for r in results])
    row("hand-written SQL on DuckDB, all metrics", [f"{r['handwritten_s']:.2f} s"
                                                    for r in results])
    row("Northstar on DuckDB, cold", [f"{r['duckdb_s']:.2f} s" for r in results])
    row("**Northstar on Spark, cold**", [f"**{r['spark_s']:.1f} s**" for r in results])
    row("Spark / DuckDB", [f"{r['spark_s'] / r['duckdb_s']:.0f}x" for r in results])
    row("Spark / hand-written SQL", [f"{r['spark_s'] / r['handwritten_s']:.0f}x"
                                     for r in results])
    row("opening the project: DuckDB / Spark (JVM start)",
        [f"{r['duckdb_open_s']:.2f} s / {r['spark_open_s']:.1f} s" for r in results])
    row("SQL statements the Spark run sent (mean time each)",
        [f"{r['spark_statements']:,} ({r['spark_s'] / max(r['spark_statements'], 1) * 1000:.0f}"
         " ms)" for r in results])
    row("one trivial query (fixed cost): DuckDB / Spark",
        [f"{r['duckdb_trivial_ms']:.2f} ms / {r['spark_trivial_ms']:.0f} ms" for r in results])
    row("peak memory, hand-written SQL / Northstar on DuckDB",
        [f"{r['handwritten_rss_mb']:,.0f} / {r['duckdb_rss_mb']:,.0f} MiB" for r in results])
    row("peak memory, Northstar on Spark: Python + JVM",
        [f"{r['spark_python_rss_mb']:,.0f} + {r['spark_jvm_rss_mb']:,.0f} MiB"
         for r in results])
    row("values checked equal", [f"{r['checked_rows']} rows" for r in results])
    if len(results) > 1:
        a, b = results[0], results[-1]
        grow = b["rows"] / a["rows"]
        out += ["", f"Growth from {a['rows']:,} to {b['rows']:,} rows ({grow:.0f}x the rows): "
                f"Spark {b['spark_s'] / a['spark_s']:.2f}x the time, DuckDB "
                f"{b['duckdb_s'] / a['duckdb_s']:.2f}x, hand-written SQL "
                f"{b['handwritten_s'] / a['handwritten_s']:.2f}x."]
    return "\n".join(out)


def run(sizes: list[int], data_dir: Path, *, repeats: int) -> list[dict[str, Any]]:
    results = []
    for rows in sizes:
        print(f"{PACK} on Spark, {rows:,} rows:", flush=True)
        results.append(measure_size(data_dir, rows, repeats=repeats,
                                    log=lambda msg: print(msg, flush=True)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", default="1000000,10000000",
                        help="comma-separated ledger sizes (default: 1000000,10000000)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 3,000 rows in a temporary folder, docs untouched")
    parser.add_argument("--repeats", type=int, default=1,
                        help="fresh-process runs per side (default 1: a Spark run is long)")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite the docs page")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(measure_engine(args.worker)))
        return 0
    host = machine()
    if args.quick:
        with tempfile.TemporaryDirectory(prefix="northstar-bench-spark-") as tmp:
            print(report(run([3_000], Path(tmp), repeats=1), host))
        return 0
    sizes = [int(s.replace("_", "")) for s in args.rows.split(",") if s.strip()]
    text = report(run(sizes, args.data_dir, repeats=args.repeats), host)
    print()
    print(text)
    if not args.no_docs:
        write_docs(text, begin=BEGIN, end=END_MARK)
        print("\nwrote the figures into docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    from run import Mismatch

    try:
        sys.exit(main())
    except Mismatch as exc:
        print(f"\nBENCHMARK FAILED: Spark and the hand-written SQL disagree. {exc}",
              file=sys.stderr)
        sys.exit(2)
