"""The Spark benchmark (bench/spark.py) at a small size: the company loaded into Spark gives
the hand-written SQL's numbers on every compared metric, and the JVM whose memory it reports
is found. One sample build; the computing runs in this process, on the session's JVM."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
ROWS = 1_000  # the marketplace sample's smallest


def _bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("northstar_bench_spark", BENCH / "spark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone already
        return b""


def test_spark_gives_the_hand_written_numbers_and_its_jvm_is_measured(
        spark_url: str, tmp_path: Path) -> None:
    bench = _bench()
    assert spark_url == bench.ENGINE
    from build import build, project_dir
    from measure import read_plan, run_handwritten, run_northstar
    from run import Mismatch, check, metric_facts

    build(tmp_path, ROWS, log=lambda _m: None)
    info = bench.build_spark(tmp_path, ROWS, log=lambda _m: None)
    spark = bench.spark_dir(tmp_path, ROWS)
    for name in info["left_out"]:  # models Spark cannot build yet, and what reads them
        assert not (spark / name).exists()
    hand = run_handwritten(project_dir(tmp_path, ROWS), read_plan(project_dir(tmp_path, ROWS)))
    north = run_northstar(spark, freeze=False, repeats=1)
    units, sql_targets = metric_facts(spark)
    check(north["values"], hand["values"], units, sql_targets)  # raises Mismatch if any differ
    metrics = {v["metric"] for v in north["values"]}
    assert len(metrics) >= 10 and metrics <= set(hand["values"])
    # one value off by a cent fails the run
    row = next(v for v in north["values"] if v["metric"] == "gmv" and v["value"] is not None)
    hand["values"]["gmv"][row["period"]]["value"] = str(float(row["value"]) + 0.01)
    with pytest.raises(Mismatch, match=rf"gmv {row['period']} value"):
        check(north["values"], hand["values"], units, sql_targets)
    # the JVM pyspark started is this process's child, and has a resident peak
    jvms = [p for p in bench.descendants(os.getpid()) if b"java" in _cmdline(p)]
    assert jvms and all(bench.hwm_mb(p) > 0 for p in jvms)
    assert bench.trivial_ms(spark) > 0
    # built once: the stamp says so, and the next run reuses it
    assert bench.build_spark(tmp_path, ROWS, log=lambda _m: None) == info
