"""The field-service pack's sample company (Saguaro Painting Co.): deterministic, shaped as its
manifest and seed 003 say, and every KPI equal to the plain-Python oracle of
tests/field_service_oracle.py on DuckDB and PostgreSQL, for the company and for every
business unit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from field_service_oracle import Oracle, rows_of
from northstar.checks import run_checks
from northstar.packs import get_pack
from northstar.project import Project
from sample_helpers import digest, sample_tables

PACK = get_pack("field_service")
END = date(2026, 6, 15)
ROWS = 12_000
TZ = "America/Phoenix"


def generated(rows: int = ROWS, seed: int = 7, end: date = END) -> dict[str, list[Any]]:
    return sample_tables(PACK, rows, seed=seed, end=end)


@pytest.fixture(scope="module")
def tables() -> dict[str, list[Any]]:
    return generated()


@pytest.fixture(scope="module")
def oracle(tables: dict[str, list[Any]]) -> Oracle:
    return Oracle(rows_of(tables), PACK.root / "reference", TZ)


def test_the_same_seed_makes_the_same_company_and_another_seed_another(
        tables: dict[str, list[Any]]) -> None:
    assert digest(generated()) == digest(tables)
    assert digest(generated(seed=8)) != digest(tables)


def test_the_company_has_the_seeds_shape_at_its_default_size() -> None:
    """At the default size: about `rows` rows; jobs, estimates, invoices and payments in the
    seed's proportions (161,332 / 149,310 / 172,777 / 55,459); every table of the manifest;
    history from January 2020; nothing booked or paid after `end`."""
    company = PACK.sample_company
    assert company.name == "Saguaro Painting Co. (sample)" and company.timezone == TZ
    end = date(2026, 12, 7)
    data = rows_of(generated(company.rows, end=end))
    total = sum(len(rows) for rows in data.values())
    assert 0.85 * company.rows <= total <= 1.15 * company.rows
    # every table but the one `northstar reconcile` fills
    assert set(data) == set(PACK.tables) - {"reconciliation"}
    jobs, estimates = len(data["st_jobs"]), len(data["st_estimates"])
    invoices, payments = len(data["st_invoices"]), len(data["st_payments"])
    assert 0.75 < estimates / jobs < 1.05  # the seed: 0.93
    assert 0.95 < invoices / jobs < 1.15  # 1.07
    assert 0.25 < payments / jobs < 0.45  # 0.34
    stop = datetime(2026, 12, 8, 5, 30)  # 22:30 on 7 December in Phoenix
    assert max(j["created_on"] for j in data["st_jobs"]) <= stop
    assert max(p["paid_on"] for p in data["st_payments"]) <= stop
    assert min(j["created_on"] for j in data["st_jobs"]) < datetime(2020, 1, 8)
    units = {u["name"]: u for u in data["st_business_units"]}
    assert not units["Z-DO NOT USE - West - Sales"]["active"]
    west = {u["id"] for n, u in units.items() if n.startswith("Z-DO NOT USE")}
    used = [j["created_on"] for j in data["st_jobs"] if j["business_unit_id"] in west]
    assert used and max(used) < datetime(2021, 7, 2)  # retired in July 2021
    o = Oracle(data, PACK.root / "reference", TZ)
    # the summer lull: July's leads are well under March's
    assert (o.value("leads", "2025-07") or 0) < Decimal("0.6") * (o.value("leads", "2025-03")
                                                                 or 0)
    # open invoices and warranty work exist
    assert (o.value("outstanding_ar", "2026-11") or 0) > 0
    assert (o.value("warranty_costs", "2025") or 0) > 0


def test_the_sample_passes_its_error_checks_and_warns_of_unapplied_money(
        project: Project) -> None:
    results = {r.name: r for r in run_checks(project)}
    assert [n for n, r in results.items() if r.alarming] == []
    assert not results["payments_without_invoice"].passed  # overpayments left unapplied
    assert results["invoice_balances_match_payments"].passed


PERIODS = ["2025-03-14", "2025-07-05", "2026-06-14", "2025-03", "2025-Q4", "2025"]
UNIT_PERIODS = ["2025-03-14", "2026-01"]


@pytest.fixture
def project(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "saguaro", pack=PACK, engine_url=engine_url, timezone=TZ)
    p.load_sample(PACK, ROWS, seed=7, end=END)
    p.metrics.now = datetime(2026, 6, 16, 6, tzinfo=UTC)  # 23:00 on 15 June in Phoenix
    yield p
    p.close()


def _same(want: Decimal | None, have: Any) -> bool:
    if want is None or have is None:
        return want is None and have is None
    return abs(Decimal(str(have)) - want) <= max(Decimal("0.005"), abs(want) * Decimal("1e-9"))


def test_every_metric_equals_the_oracle(project: Project, oracle: Oracle) -> None:
    """Every metric of the pack for days (one in the lull, a Sunday), a month, a quarter and a
    year, and by business unit for a day and a month, on both engines, to the cent (ratios to
    1e-9)."""
    names = sorted(project.catalog.metrics)
    assert len(names) == 15
    got = {(v.metric, v.period): v.value for v in project.compute(names, PERIODS)}
    mismatches = [(n, p, oracle.value(n, p), got[(n, p)]) for n in names for p in PERIODS
                  if not _same(oracle.value(n, p), got[(n, p)])]
    for period in UNIT_PERIODS:
        for n in names:
            # a unit with a value only the day before or a year ago is listed without one
            have = {v.slice["team"]: v.value for v in
                    project.compute([n], [period], by="team") if v.value is not None}
            want = {t: v for t, v in oracle.by_unit(n, period).items() if v is not None}
            if set(have) != set(want):
                mismatches.append((n, period, sorted(map(str, want)), sorted(map(str, have))))
                continue
            mismatches += [(n, period, t, want[t], have[t]) for t in want
                           if not _same(want[t], have[t])]
    assert mismatches == []


def test_northstar_demo_builds_the_painting_contractor(tmp_path: Path) -> None:
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"),
                                          os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "northstar", "demo", "saguaro", "--pack", "field_service",
         "--rows", "4000", "--no-serve"], cwd=tmp_path, text=True, capture_output=True,
        timeout=300, env=env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "Saguaro Painting Co. (sample)" in proc.stdout
    for owner in ("Andy Reyes", "Dale Hughes", "Grace Kim"):
        assert owner in proc.stdout
    assert "America/Phoenix" in (tmp_path / "saguaro" / "northstar.toml").read_text()
    assert (tmp_path / "saguaro" / "reference" / "business_units.csv").exists()
