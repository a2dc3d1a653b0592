"""The field-service pack fed by its connector: ServiceTitan, synced from its local fake
(tests/fakes/servicetitan.py) into a project made with `--pack field_service`, gives the pack's
KPIs. Expected values are worked out by hand from the fake's records.

The fake's six jobs (i = 0..5) are created on 2-7 January 2024 at 15:00 UTC, 08:00 in Phoenix;
unit i % 4 (11 Phoenix-Sales, 12 Phoenix-Production, 13 "Z-DO NOT USE - West - Sales", 14
"Z-DO NOT USE - West- Production"), job type i % 5 (ESTIMATE-RES-EXT, Interior Repaint,
Warranty, PM Inspection, Touchup); job i's total is 250.50 + 100 i, its appointment two days
after it is created; an estimate (sold) for even i; an invoice each, with 33.19 of paint cost;
a payment of the whole total an hour later unless i % 3 == 2; 250.00 of pay each."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.project import FAST_RETRY
from fakes.servicetitan import ENV, ServiceTitanFake, sources_toml
from northstar.packs import get_pack
from northstar.project import Project
from northstar.sources.sync import sync


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    os.environ.update(ENV)
    p = Project.init(tmp_path / "painting", timezone="America/Phoenix",
                     engine_url=f"duckdb:///{tmp_path / 'ledger.duckdb'}",
                     pack=get_pack("field_service"))
    yield p
    p.close()


def value(p: Project, metric: str, period: str, **filters: str) -> Decimal | float | None:
    [v] = p.compute([metric], [period], filters=filters)
    return None if v.value is None else v.value


def test_servicetitan_jobs_estimates_invoices_and_payments_reach_the_kpis(
        project: Project) -> None:
    with ServiceTitanFake() as fake:
        (project.root / "sources.toml").write_text(
            (sources_toml("st") + FAST_RETRY.format(name="st")).replace("{url}", fake.url),
            encoding="utf-8")
        sync(project, "st")
    # job 0 is the only estimate-type job in a sales unit: one lead, on 2 January
    assert value(project, "leads", "2024-01") == 1
    assert value(project, "leads", "2024-01-02", team="Phoenix-Sales") == 1
    # its estimate, 250.50, sold that day (jobs 2 and 4 are warranty types: not counted)
    assert value(project, "total_booked", "2024-01") == Decimal("250.50")
    assert value(project, "close_rate", "2024-01") == pytest.approx(1.0)
    # job 1, an Interior Repaint in Phoenix-Production, starts on 5 January: 350.50 produced,
    # 33.19 of paint and 250.00 of pay against it
    assert value(project, "dollars_produced", "2024-01-05") == Decimal("350.50")
    assert value(project, "gross_margin", "2024-01-05") == pytest.approx(
        (350.50 - 33.19 - 250.00) / 350.50)
    # paid: jobs 0, 1, 3 and 4 (250.50 + 350.50 + 550.50 + 650.50)
    assert value(project, "dollars_collected", "2024-01") == Decimal("1802.00")
    # open at January's end: jobs 2 (450.50, a Z-West sales unit's: Phoenix-Sales) and 5
    # (750.50, Phoenix-Production)
    assert value(project, "outstanding_ar", "2024-01") == pytest.approx(1201.00)
    assert value(project, "outstanding_ar", "2024-01", team="Phoenix-Sales") == pytest.approx(
        450.50)
