"""The benchmark's hand-written SQL (bench/handwritten/) must keep agreeing with Northstar.

`make bench` fails when a hand-written value differs from the metric layer's; this runs the same
check on a few thousand rows so a change to a metric, a model or the generator that breaks the
oracle shows up in `make test`, not only on a benchmark day."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from northstar.metrics.catalog import load_catalog
from northstar.packs import get_pack
from northstar.people import load_people

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("northstar_bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _bench_module()


def test_handwritten_sql_equals_northstar_on_a_small_company(tmp_path: Path) -> None:
    # raises bench.Mismatch when any value, previous, last-year value or SQL target differs
    result = bench.oracle(tmp_path, 3_000)
    # Every hand-written query is a pack metric, and each of those was compared for its
    # periods: October 2025 to October 2026 is 13 months, 5 quarters (2025-Q4..2026-Q4), 2 years.
    pack = get_pack("marketplace")
    grains = {m.name: m.grain for m in load_catalog(pack.root, *load_people(pack.root))}
    handwritten = sorted(p.stem for p in (BENCH / "handwritten" / "marketplace").glob("*.sql"))
    assert set(handwritten) <= set(grains)
    assert result["metrics"] == len(handwritten) >= 17
    periods = {"month": 13, "quarter": 5, "year": 2}
    assert result["checked_rows"] == sum(periods[grains[m]] for m in handwritten)
    assert result["uncovered"] == sorted(set(grains) - set(handwritten) - {
        m.name for m in load_catalog(pack.root, *load_people(pack.root)) if m.manual})
    # the company is reused while its stamp matches: same data, not loaded again
    again = bench.build(tmp_path, 3_000, log=lambda _msg: None)
    assert again["load_seconds"] == result["build"]["load_seconds"]


def test_the_oracle_fails_on_a_wrong_number() -> None:
    row = {"metric": "gmv", "period": "2026-01", "value": "100.00",
           "previous_period": "2025-12", "previous": "90.00",
           "last_year_period": "2025-01", "last_year": None, "target": 110.0}
    hand: dict[str, dict[str, dict[str, Any]]] = {"gmv": {
        "2026-01": {"value": "100.00", "target": 110.0},
        "2025-12": {"value": "90.00", "target": None},
    }}
    units, targets = {"gmv": "usd"}, {"gmv"}
    bench.check([row], hand, units, targets)  # equal: no error
    hand["gmv"]["2025-12"]["value"] = "90.01"
    with pytest.raises(bench.Mismatch, match=r"gmv 2025-12 previous: Northstar 90.00"):
        bench.check([row], hand, units, targets)
    hand["gmv"]["2025-12"]["value"] = "90.004"  # within a cent for money
    bench.check([row], hand, units, targets)
    hand["gmv"]["2026-01"]["target"] = 110.5
    with pytest.raises(bench.Mismatch, match="gmv 2026-01 target"):
        bench.check([row], hand, units, targets)
    bench.check([row], hand, units, set())  # a target that is not a SQL formula is not compared
    assert bench.same(0.1 + 0.2, 0.3, "percent")
    assert not bench.same(0.3001, 0.3, "percent")
    assert not bench.same(None, 0.0, "count")


def test_the_agency_packs_handwritten_sql_equals_northstar(tmp_path: Path) -> None:
    # The agency's ledger holds replaced records (GoHighLevel's copies of Stripe's charges, the
    # closers' tracker sheet's deals): its queries pick versions as the models do.
    result = bench.oracle(tmp_path, 12_000, pack="agency")
    folder = BENCH / "handwritten" / "agency"
    handwritten = sorted(p.stem for p in folder.glob("*.sql") if not p.stem.startswith("_"))
    assert {"mer", "ad_spend", "net_cash", "cpl", "cost_per_booked_call", "show_rate",
            "close_rate", "booked_calls", "hook_rate", "nrr", "client_churn", "mrr",
            "automation_success", "ebitda_margin"} <= set(handwritten)
    assert result["metrics"] == len(handwritten)
    assert result["checked_rows"] == 13 * len(handwritten)  # every agency metric is monthly
    assert not set(handwritten) & set(result["uncovered"])
