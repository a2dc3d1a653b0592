"""The cost of a load: what every append pays on top of writing its rows.

    .venv/bin/python bench/loads.py                 # 200 small loads, 50 corrections, 1M sample
    .venv/bin/python bench/loads.py --sample 0      # the small loads only

Small loads (10 rows each into one raw table) and single-row corrections show the fixed cost
of a load: the log entry, the hash chain, the checks made before it and the writes after it.
The sample company's load (the marketplace pack, seed 7, the rows `bench/run.py` builds) shows
the cost per row. Each figure is the best of `--repeats` runs in fresh project folders; the
machine and its load average are printed with them."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import machine  # noqa: E402


def small_loads(folder: Path, count: int) -> list[float]:
    from northstar.project import Project

    with Project.init(folder / "small", timezone="UTC") as project:
        times = []
        for i in range(count):
            data = pa.table({"id": [f"r{i}-{k}" for k in range(10)],
                             "amount": [float(k) for k in range(10)]})
            started = time.perf_counter()
            project.append("invoices", data, source="file")
            times.append(time.perf_counter() - started)
    return times


def corrections(folder: Path, count: int) -> list[float]:
    from northstar.project import Project

    with Project.init(folder / "corrections", timezone="UTC") as project:
        project.append("invoices", pa.table({"id": ["a"], "amount": [1.0]}), source="file")
        times = []
        for i in range(count):
            started = time.perf_counter()
            project.adjust_record("invoices", "a", "amount", str(i), author="bench",
                                  reason="bench")
            times.append(time.perf_counter() - started)
    return times


def sample(folder: Path, rows: int) -> tuple[int, float]:
    from northstar.packs import get_pack
    from northstar.project import Project

    pack = get_pack("marketplace")
    with Project.init(folder / "sample", pack=pack, timezone="America/Chicago") as project:
        started = time.perf_counter()
        written = project.load_sample(pack, rows, seed=7, end=date(2026, 10, 31))
        return written, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200, help="small loads per run")
    parser.add_argument("--corrections", type=int, default=50, help="corrections per run")
    parser.add_argument("--sample", type=int, default=1_000_000,
                        help="rows of the sample company (0: skip)")
    parser.add_argument("--repeats", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args(argv)
    print(machine())
    best_small = best_corr = best_sample = float("inf")
    written = 0
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            small = small_loads(Path(tmp), args.small)
            corr = corrections(Path(tmp), args.corrections)
            best_small = min(best_small, statistics.median(small))
            best_corr = min(best_corr, statistics.median(corr))
            if args.sample:
                written, seconds = sample(Path(tmp), args.sample)
                best_sample = min(best_sample, seconds)
    print(f"small load (10 rows), median: {best_small * 1000:.1f} ms")
    print(f"record correction, median: {best_corr * 1000:.1f} ms")
    if args.sample:
        print(f"sample company, {written:,} rows: {best_sample:.1f} s "
              f"({written / best_sample:,.0f} rows/s)")
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
