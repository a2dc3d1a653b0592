"""`make bench`: Northstar's metric layer against the same aggregates written by hand in SQL.

    .venv/bin/python bench/run.py                      # 1 million and 10 million ledger rows
    .venv/bin/python bench/run.py --rows 1000000       # one size
    .venv/bin/python bench/run.py --quick              # a few thousand rows, a smoke run
    .venv/bin/python bench/run.py --pack msp --rows 1000000   # another pack's sample company

For each size: build the pack's sample company once (reused while bench/.data/ holds it), then
in fresh processes: compute every non-manual pack metric for the 13 closed months before the
data's end with Northstar (freezing off, then on), and run the hand-written SQL in
bench/handwritten/<pack>/. Every hand-written value must equal Northstar's, or the run fails.
Figures go to stdout and, for full runs, into docs/benchmarks.md between the pack's markers."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build import DEFAULT_PACK, build, project_dir  # noqa: E402
from common import write_section  # noqa: E402
from measure import (  # noqa: E402
    CACHED_REPEATS,
    plan_to_json,
    read_plan,
    run_handwritten,
    run_northstar,
)

DOCS = HERE.parent / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:begin (written by bench/run.py; do not edit by hand) -->"
END = "<!-- bench:end -->"


def markers(pack: str) -> tuple[str, str]:
    """The docs page's begin and end markers for a pack's figures."""
    if pack == DEFAULT_PACK:
        return BEGIN, END
    return (f"<!-- bench:{pack}:begin (written by bench/run.py --pack {pack}; do not edit by "
            f"hand) -->", f"<!-- bench:{pack}:end -->")
TARGET_RATIO = 1.3
TARGET_CACHED_MS = 5.0
TARGET_MEMORY_MB = 4096.0


class Mismatch(Exception):
    """A hand-written value differs from Northstar's."""


# -- running the workers --------------------------------------------------------------------------
def worker(mode: str, folder: Path, extra: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "measure.py"), mode, str(folder)]
    if extra is not None:
        cmd.append(extra)
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_size(data_dir: Path, rows: int, *, repeats: int, cached_repeats: int,
                 pack: str = DEFAULT_PACK, log: Any = print) -> dict[str, Any]:
    info = build(data_dir, rows, pack=pack, log=log)
    folder = project_dir(data_dir, rows, pack)
    plan = read_plan(folder)
    plan_file = folder.parent / "plan.json"
    plan_file.write_text(json.dumps(plan_to_json(plan)), encoding="utf-8")

    hand: list[dict[str, Any]] = []
    north: list[dict[str, Any]] = []
    for i in range(repeats):  # alternate, so neither side always runs on a warmer machine
        log(f"  run {i + 1}/{repeats}: hand-written SQL ...")
        hand.append(worker("handwritten", folder, str(plan_file)))
        log(f"  run {i + 1}/{repeats}: Northstar, cold, freezing off ...")
        north.append(worker("northstar", folder, str(cached_repeats)))
    log("  Northstar, each metric cold on its own ...")
    per_metric = worker("northstar-per-metric", folder)
    log("  Northstar, cold, freezing on (on a copy of the project) ...")
    copy = folder.parent / "freeze-copy"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(folder, copy)
    try:
        frozen = worker("northstar-freeze", copy, str(cached_repeats))
    finally:
        shutil.rmtree(copy)

    units, sql_targets = metric_facts(folder)
    for run in [*north, frozen]:
        check(run["values"], hand[0]["values"], units, sql_targets)
    checked = len(north[0]["values"])
    log(f"  checked: {checked} Northstar rows (value, previous, last year, SQL target) equal "
        "the hand-written SQL")

    def best(runs: list[dict[str, Any]], key: str) -> float:
        return float(min(r[key] for r in runs))

    hand_metric = {m: min(r["per_metric_seconds"][m] for r in hand)
                   for m in hand[0]["per_metric_seconds"]}
    return {
        "rows": rows, "build": info, "repeats": repeats, "checked_rows": checked,
        "metrics": sum(len(v) for v in plan.metrics.values()),
        "periods": plan.periods,
        "uncovered": plan.uncovered,
        "northstar_cold_s": best(north, "cold_seconds"),
        "northstar_cold_runs_s": [r["cold_seconds"] for r in north],
        "northstar_cpu_s": best(north, "cold_cpu_seconds"),
        "northstar_open_s": best(north, "open_seconds"),
        "handwritten_s": best(hand, "cold_seconds"),
        "handwritten_runs_s": [r["cold_seconds"] for r in hand],
        "handwritten_cpu_s": best(hand, "cold_cpu_seconds"),
        "frozen_cold_s": frozen["cold_seconds"],
        "northstar_rss_mb": max(r["peak_rss_mb"] for r in north),
        "frozen_rss_mb": frozen["peak_rss_mb"],
        "handwritten_rss_mb": max(r["peak_rss_mb"] for r in hand),
        "cached_ms": {m: statistics.median(r["cached_ms"][m] for r in north)
                      for m in north[0]["cached_ms"]},
        "frozen_cached_ms": frozen["cached_ms"],
        "northstar_metric_s": per_metric["per_metric_seconds"],
        "handwritten_metric_s": hand_metric,
    }


def oracle(data_dir: Path, rows: int, pack: str = DEFAULT_PACK) -> dict[str, Any]:
    """The check alone, in this process (no timing worth the name): build the company, compute
    the metrics with Northstar and with the hand-written SQL, raise Mismatch if they differ."""
    info = build(data_dir, rows, pack=pack, log=lambda _msg: None)
    folder = project_dir(data_dir, rows, pack)
    north = run_northstar(folder, freeze=False, repeats=1)
    plan = read_plan(folder)
    hand = run_handwritten(folder, plan)
    check(north["values"], hand["values"], *metric_facts(folder))
    return {"build": info, "metrics": sum(len(v) for v in plan.metrics.values()),
            "checked_rows": len(north["values"]), "uncovered": plan.uncovered}


# -- the oracle -----------------------------------------------------------------------------------
def metric_facts(folder: Path) -> tuple[dict[str, str], set[str]]:
    """Each metric's unit, and the metrics whose target is a SQL formula."""
    from northstar.metrics.catalog import load_catalog
    from northstar.people import load_people

    catalog = load_catalog(folder, *load_people(folder))
    units: dict[str, str] = {m.name: str(m.unit) for m in catalog}
    sql_targets = {m.name for m in catalog if m.target is not None and m.target.sql is not None}
    return units, sql_targets


def same(a: Any, b: Any, unit: str) -> bool:
    """Equal to the cent (money) or to 1e-9 relative (everything else)."""
    if a is None or b is None:
        return a is None and b is None
    x, y = Decimal(str(a)), Decimal(str(b))
    diff = abs(x - y)
    if unit == "usd" and diff < Decimal("0.005"):
        return True
    return diff <= Decimal("1e-9") * max(abs(x), abs(y))


def check(northstar: list[dict[str, Any]], hand: dict[str, dict[str, dict[str, Any]]],
          units: dict[str, str], sql_targets: set[str]) -> None:
    """Raise Mismatch naming every number that differs between the two."""
    problems = []
    for row in northstar:
        name = row["metric"]
        if name not in hand:
            problems.append(f"{name}: no hand-written SQL result")
            continue
        got = hand[name]
        pairs = [(row["period"], "value", row["value"], "value"),
                 (row["previous_period"], "previous", row["previous"], "value"),
                 (row["last_year_period"], "last year", row["last_year"], "value")]
        if name in sql_targets:
            pairs.append((row["period"], "target", row["target"], "target"))
        for period, what, theirs, field in pairs:
            if " days " in period:
                continue  # an open period's first-days comparison: tests/test_open_periods.py
            mine = got.get(period, {}).get(field)
            if (what == "value" and mine is None and row.get("open")
                    and row.get("pace") == "total"):
                mine = 0  # the period in progress with no rows yet: "0 so far"
            if not same(theirs, mine, units[name] if field == "value" else "usd"):
                problems.append(f"{name} {period} {what}: Northstar {theirs}, hand-written "
                                f"SQL {mine}")
    if problems:
        raise Mismatch(f"{len(problems)} values differ:\n  " + "\n  ".join(problems[:40]))


# -- reporting ------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    import duckdb

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "duckdb": duckdb.__version__,
            "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(results: list[dict[str, Any]], host: dict[str, str]) -> str:
    """The figures as Markdown (printed, and written into docs/benchmarks.md)."""
    out = [f"Measured {host['date']} on: {host['cpu']}, {host['cores']} cores, "
           f"{host['memory']} RAM, {host['os']}, Python {host['python']}, "
           f"DuckDB {host['duckdb']}. Load average when the run began: {host['load']}.", ""]
    first = results[0]
    names = sorted(m for names in first["periods_by_metric"].values() for m in names)
    out += [f"Metrics compared ({len(names)}): " + ", ".join(f"`{m}`" for m in names) + ".", ""]
    if first["uncovered"]:
        out += [f"**Not benchmarked** — pack metrics with no hand-written query in "
                f"`bench/handwritten/{first['build'].get('pack', DEFAULT_PACK)}/` yet "
                f"({len(first['uncovered'])}): "
                + ", ".join(f"`{m}`" for m in first["uncovered"]) + ".", ""]
    out += [f"Times are the best of {first['repeats']} fresh-process runs per side.", ""]
    out += ["| | " + " | ".join(f"{r['rows']:,} rows" for r in results) + " |",
            "|---|" + "---:|" * len(results)]

    def row(label: str, cells: list[str]) -> None:
        out.append(f"| {label} | " + " | ".join(cells) + " |")

    row("ledger rows written", [f"{r['build']['ledger_rows']:,}" for r in results])
    row("load time (rows/s)", [f"{r['build']['load_seconds']:.1f} s "
                               f"({r['build']['rows_per_second']:,}/s)" for r in results])
    row("database file", [f"{r['build']['db_bytes'] / 2**20:,.0f} MiB" for r in results])
    row("hand-written SQL, all metrics: wall (CPU)",
        [f"{r['handwritten_s']:.2f} s ({r['handwritten_cpu_s']:.2f} s)" for r in results])
    row("Northstar cold compute, freezing off: wall (CPU)",
        [f"{r['northstar_cold_s']:.2f} s ({r['northstar_cpu_s']:.2f} s)" for r in results])
    row("**ratio Northstar / hand-written**: wall (CPU)",
        [f"**{ratio(r):.2f}x** ({r['northstar_cpu_s'] / r['handwritten_cpu_s']:.2f}x)"
         for r in results])
    row("Northstar cold compute, freezing on", [f"{r['frozen_cold_s']:.2f} s" for r in results])
    row("opening the project", [f"{r['northstar_open_s']:.2f} s" for r in results])
    row("cached read per metric, median (worst)",
        [f"{statistics.median(r['cached_ms'].values()):.2f} ms "
         f"({max(r['cached_ms'].values()):.2f} ms)" for r in results])
    row("cached read, freezing on, median (worst)",
        [f"{statistics.median(r['frozen_cached_ms'].values()):.2f} ms "
         f"({max(r['frozen_cached_ms'].values()):.2f} ms)" for r in results])
    row("peak memory, Northstar (freezing off / on)",
        [f"{r['northstar_rss_mb']:,.0f} / {r['frozen_rss_mb']:,.0f} MiB" for r in results])
    row("peak memory, hand-written SQL", [f"{r['handwritten_rss_mb']:,.0f} MiB"
                                          for r in results])
    row("values checked equal", [f"{r['checked_rows']} rows x 3-4 numbers" for r in results])

    biggest = max(results, key=lambda r: r["rows"])
    out += ["", "Targets (from the issue):", ""]
    out.append(f"- Cold compute within {TARGET_RATIO}x of hand-written SQL: "
               + "; ".join(f"{r['rows']:,} rows {ratio(r):.2f}x, "
                           f"{verdict(ratio(r) <= TARGET_RATIO)}" for r in results) + ".")
    out.append(f"- Cached read under {TARGET_CACHED_MS:g} ms per metric: "
               + "; ".join(f"{r['rows']:,} rows worst {max(r['cached_ms'].values()):.2f} ms, "
                           f"{verdict(max(r['cached_ms'].values()) < TARGET_CACHED_MS)}"
                           for r in results) + ".")
    mem = max(biggest["northstar_rss_mb"], biggest["frozen_rss_mb"])
    out.append(f"- {biggest['rows']:,} rows within 4 GB of memory: peak {mem:,.0f} MiB, "
               f"{verdict(mem <= TARGET_MEMORY_MB)}.")
    out += ["", "Per metric, cold (each metric alone, its inputs not cached) and cached:", ""]
    out += ["| metric | grain | " + " | ".join(
        f"{r['rows']:,}: hand-written / Northstar / ratio / cached" for r in results) + " |",
        "|---|---|" + "---:|" * len(results)]
    grains = {m: g for g, names in results[0]["periods_by_metric"].items() for m in names}
    for m in sorted(grains, key=lambda m: (["month", "quarter", "year"].index(grains[m]), m)):
        cells = []
        for r in results:
            h, n = r["handwritten_metric_s"][m] * 1000, r["northstar_metric_s"][m] * 1000
            cells.append(f"{h:,.0f} ms / {n:,.0f} ms / {n / h:.1f}x / "
                         f"{r['cached_ms'][m]:.2f} ms")
        out.append(f"| {m} | {grains[m]} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def ratio(r: dict[str, Any]) -> float:
    return float(r["northstar_cold_s"] / r["handwritten_s"])


def write_docs(text: str, path: Path = DOCS, *, begin: str = BEGIN, end: str = END) -> None:
    write_section(text, begin, end, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pack", default=DEFAULT_PACK,
                        help="the pack whose sample company is measured (default: marketplace)")
    parser.add_argument("--rows", default="1000000,10000000",
                        help="comma-separated ledger sizes (default: 1000000,10000000)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 5,000 rows in a temporary folder, one repeat, "
                             "docs untouched")
    parser.add_argument("--repeats", type=int, default=3,
                        help="fresh-process runs per side; the median is reported")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite the docs page")
    args = parser.parse_args(argv)
    host = machine()  # the load average before the benchmark adds to it
    if args.quick:
        with tempfile.TemporaryDirectory(prefix="northstar-bench-") as tmp:
            results = run([5_000], Path(tmp), repeats=1, cached_repeats=20, pack=args.pack)
        print(report(results, host))
        return 0
    sizes = [int(s.replace("_", "")) for s in args.rows.split(",") if s.strip()]
    results = run(sizes, args.data_dir, repeats=args.repeats, cached_repeats=CACHED_REPEATS,
                  pack=args.pack)
    text = report(results, host)
    print()
    print(text)
    if not args.no_docs:
        begin, end = markers(args.pack)
        write_docs(text, begin=begin, end=end)
        print(f"\nwrote the figures into {DOCS}")
    return 0


def run(sizes: list[int], data_dir: Path, *, repeats: int, cached_repeats: int,
        pack: str = DEFAULT_PACK) -> list[dict[str, Any]]:
    results = []
    for rows in sizes:
        print(f"{pack}, {rows:,} rows:", flush=True)
        result = measure_size(data_dir, rows, repeats=repeats, cached_repeats=cached_repeats,
                              pack=pack, log=lambda msg: print(msg, flush=True))
        result["periods_by_metric"] = read_plan(project_dir(data_dir, rows, pack)).metrics
        results.append(result)
    return results


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Mismatch as exc:
        print(f"\nBENCHMARK FAILED: the hand-written SQL and Northstar disagree. {exc}",
              file=sys.stderr)
        sys.exit(2)
