"""The field-service mart benchmark (bench/field_service.py) at a small size: its hand-written
SQL and Northstar agree on every KPI, unit and day, and a figure that differs fails the run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("northstar_bench_field_service",
                                                  BENCH / "field_service.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_hand_written_mart_equals_northstars_and_a_difference_fails(
        tmp_path: Path) -> None:
    bench = _bench()
    from build import build, project_dir

    build(tmp_path, 4_000, pack="field_service", log=lambda _m: None)
    folder = project_dir(tmp_path, 4_000, "field_service")
    north, hand = bench.run_northstar(folder), bench.run_handwritten(folder)
    assert bench.check(north["values"], hand["values"]) == len(north["values"]) > 1000
    assert {v[0] for v in north["values"]} == set(bench.KPIS)
    _, day, team, value = next(v[:4] for v in north["values"] if v[0] == "leads" and v[3])
    hand["values"]["leads"][f"{day}|{team}"] = str(int(value) + 1)
    with pytest.raises(SystemExit, match=r"BENCHMARK FAILED: 1 figures differ"):
        bench.check(north["values"], hand["values"])
