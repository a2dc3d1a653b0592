"""bench/ask.py on a small company: every evaluation question it times gets an answer or a
reading to choose from, and the report has its table (`make bench` runs it on 1M rows)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("northstar_bench_ask", BENCH / "ask.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_ask_benchmark_times_every_question(tmp_path: Path) -> None:
    bench = _module()
    bench.build(tmp_path, 3_000, log=lambda _m: None)
    result = bench.measure(bench.project_dir(tmp_path, 3_000))
    assert result["questions"] >= 120
    assert len(result["once"]) == result["questions"] - 1
    assert len(result["again"]) == 2 * result["questions"]
    text = bench.report(3_000, result, {"date": "today", "cpu": "cpu", "cores": "2",
                                        "memory": "1 GiB", "os": "Linux", "python": "3",
                                        "duckdb": "2", "load": "0"})
    assert "| 3,000 |" in text and "| n/a |" in text
