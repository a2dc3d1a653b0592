"""bench/weekly.py at the web tests' size: every owner's row computes, and the closed weeks,
once frozen, give the same values."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "weekly.py"


def test_the_weekly_bench_runs_small(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("northstar_bench_weekly", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    result = bench.measure(3000, tmp_path / "p")
    assert result["owners"] > 10 and result["errors"] == 0
    assert result["rows"] > 0 and result["memo_ms"] < result["cold_ms"]
