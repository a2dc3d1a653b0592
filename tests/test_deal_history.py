"""Pipeline coverage from each deal's stage and amount as they were when the quarter began.

A company in Chicago with a quota of 1,000 for 2025-Q2 and five deals due to close in that
quarter, whose stages moved during it. Q2 begins at local midnight on 1 April 2025, which is
05:00 UTC (Central Daylight Time, UTC-5). Every figure below is worked out by hand in the
comments from the rows, on DuckDB and on PostgreSQL (the `engine_url` fixture runs both).

- A, created 10 Feb: appointmentscheduled (10%) and 1,000, then qualifiedtobuy (40%) on 5 Mar.
  On 1 April: qualifiedtobuy, 40%, 1,000. Later contractsent, 1,500 on 12 Apr, won.
- B, created 20 Jan: qualifiedtobuy (20%) and 2,000, then decisionmakerboughtin (60%) at 03:00
  UTC on 1 April, which is 22:00 on 31 March in Chicago: before the start. On 1 April:
  decisionmakerboughtin, 60%, 2,000. Lost in June.
- C, created 15 Nov 2024: appointmentscheduled (10%) and 500, then contractsent (80%) at exactly
  05:00 UTC on 1 April, the quarter's first instant, which counts. On 1 April: contractsent,
  80%, 500. Still open.
- D, created at 06:00 UTC on 1 April, after the start: not in the quarter's coverage.
- E, created 1 Dec 2024, 800, lost on 20 March: not open when the quarter began.

Entering Q2: A 1,000 + B 2,000 + C 500 = 3,500 (D was created after the start, E was already
lost). Weighted: A 1,000 x 0.4 = 400, B 2,000 x 0.6 = 1,200, C 500 x 0.8 = 400: 2,000.
Scored (deal score from the stage probability then): A is a customer (C1, x 1.25) referral
(x 1.15): 0.4 x 1.25 x 1.15 = 0.575 -> 575; B outbound (x 0.8): 0.6 x 0.8 = 0.48 -> 960; C's
cycle is 227 days (15 Nov to 30 Jun, > 180: x 0.5): 0.8 x 0.5 = 0.4 -> 200. Total 1,735.
Today's stages would instead give A 1,500 (won) + B 0 (lost) + C 400 = 1,900 weighted: the
figures differ, as they should."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from northstar.packs import get_pack
from northstar.project import Project

PACK = get_pack("marketplace")
D = Decimal
PROBABILITY = {"appointmentscheduled": "0.10", "qualifiedtobuy": "0.20",
               "decisionmakerboughtin": "0.60", "contractsent": "0.80", "closedwon": "1.00",
               "closedlost": "0.00"}


def deal(deal_id: str, company: str, amount: str, stage: str, funnel: str, created: datetime,
         close: date) -> dict[str, Any]:
    return {"id": deal_id, "company_id": company, "owner_id": "riley_chen",
            "deal_name": deal_id, "amount": D(amount), "stage": stage,
            "stage_probability": D(PROBABILITY[stage]), "create_date": created,
            "close_date": close, "department": "demand", "source_funnel": funnel,
            "first_touch": "event", "last_touch": "sales_call"}


def moved(deal_id: str, prop: str, value: str, when: datetime,
          probability: str | None = None) -> dict[str, Any]:
    return {"id": f"{deal_id}-{prop}-{when:%Y%m%d%H%M%S}", "deal_id": deal_id, "property": prop,
            "value": value, "changed_at": when,
            "stage_probability": None if probability is None else D(probability),
            "source": "CRM_UI"}


def stage(deal_id: str, name: str, when: datetime, probability: str | None = None
          ) -> dict[str, Any]:
    return moved(deal_id, "dealstage", name, when, probability or PROBABILITY[name])


DEALS = [
    deal("A", "C1", "1500.00", "closedwon", "referral", datetime(2025, 2, 10, 12),
         date(2025, 5, 20)),
    deal("B", "PRS-1", "2000.00", "closedlost", "outbound", datetime(2025, 1, 20, 9),
         date(2025, 6, 10)),
    deal("C", "PRS-2", "500.00", "contractsent", "inbound", datetime(2024, 11, 15, 15),
         date(2025, 6, 30)),
    deal("D", "PRS-3", "900.00", "appointmentscheduled", "inbound", datetime(2025, 4, 1, 6),
         date(2025, 6, 1)),
    deal("E", "PRS-4", "800.00", "closedlost", "event", datetime(2024, 12, 1, 10),
         date(2025, 4, 15)),
]
HISTORY = [
    stage("A", "appointmentscheduled", datetime(2025, 2, 10, 12)),
    moved("A", "amount", "1000", datetime(2025, 2, 10, 12)),
    stage("A", "qualifiedtobuy", datetime(2025, 3, 5, 16), "0.40"),
    stage("A", "contractsent", datetime(2025, 4, 10, 14)),
    moved("A", "amount", "1500", datetime(2025, 4, 12, 9)),
    stage("A", "closedwon", datetime(2025, 5, 20, 17)),
    stage("B", "qualifiedtobuy", datetime(2025, 1, 20, 9)),
    moved("B", "amount", "2000.00", datetime(2025, 1, 20, 9)),
    stage("B", "decisionmakerboughtin", datetime(2025, 4, 1, 3)),  # 22:00 on 31 March, Chicago
    stage("B", "closedlost", datetime(2025, 6, 10, 12)),
    stage("C", "appointmentscheduled", datetime(2024, 11, 15, 15)),
    moved("C", "amount", "500", datetime(2024, 11, 15, 15)),
    stage("C", "contractsent", datetime(2025, 4, 1, 5)),  # the quarter's first instant
    stage("D", "appointmentscheduled", datetime(2025, 4, 1, 6)),
    moved("D", "amount", "900", datetime(2025, 4, 1, 6)),
    stage("E", "appointmentscheduled", datetime(2024, 12, 1, 10)),
    moved("E", "amount", "800", datetime(2024, 12, 1, 10)),
    stage("E", "closedlost", datetime(2025, 3, 20, 11)),
]
QUOTA = [{"id": "Q-2025Q2", "owner_id": "riley_chen", "period_start": date(2025, 4, 1),
          "quota": D("1000.00"), "department": "demand"}]
CUSTOMERS = [{"id": "C1", "name": "Customer One", "created_date": date(2023, 1, 1)}]


def open_project(root: Path, url: str, *, history: bool = True) -> Project:
    project = Project.init(root, pack=PACK, engine_url=url, timezone="America/Chicago")
    project.append("customers", pa.Table.from_pylist(CUSTOMERS), source="hubspot")
    project.append("quotas", pa.Table.from_pylist(QUOTA), source="hubspot")
    project.append("deals", pa.Table.from_pylist(DEALS), source="hubspot")
    if history:
        project.append("deal_property_history", pa.Table.from_pylist(HISTORY), source="hubspot")
    project.metrics.now = datetime(2025, 8, 1, tzinfo=UTC)
    return project


@pytest.fixture
def company(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    project = open_project(tmp_path / "p", engine_url)
    yield project
    project.close()


def value(project: Project, metric: str, period: str = "2025-Q2") -> float | None:
    v = project.compute([metric], [period])[0].value
    return None if v is None else float(v)


def test_coverage_uses_stage_and_amount_at_the_start_of_the_quarter(company: Project) -> None:
    expected = {
        "pipeline_entering": 3500.0,
        "pipeline_entering_weighted": 2000.0,
        "pipeline_entering_scored": 1735.0,
        "pipeline_coverage": 3.5,
        "pipeline_coverage_weighted": 2.0,
        "pipeline_coverage_scored": 1.735,
    }
    got = {name: value(company, name) for name in expected}
    assert got == pytest.approx(expected, rel=1e-9)


def test_each_deal_as_it_stood_when_the_quarter_began(company: Project) -> None:
    company.compute(["pipeline_entering"], ["2025-Q2"])  # builds the views
    rows = company.engine.rows(
        "SELECT deal_id, stage_at_quarter_start, amount_at_quarter_start, "
        "probability_at_quarter_start, open_at_quarter_start, quarter_start_at "
        "FROM scored_deals ORDER BY deal_id")
    start = datetime(2025, 4, 1, 5)  # local midnight in Chicago, in UTC
    assert [(r[0], r[1], None if r[2] is None else float(r[2]),
             None if r[3] is None else float(r[3]), bool(r[4]), r[5]) for r in rows] == [
        ("A", "qualifiedtobuy", 1000.0, 0.4, True, start),
        ("B", "decisionmakerboughtin", 2000.0, 0.6, True, start),
        ("C", "contractsent", 500.0, 0.8, True, start),
        ("D", None, None, None, False, start),  # created an hour after the start
        ("E", "closedlost", 800.0, 0.0, False, start),  # lost before the quarter began
    ]


def test_a_seller_slice_reads_the_same_history(company: Project) -> None:
    by_owner = company.compute(["pipeline_coverage_weighted"], ["2025-Q2"], by="owner_id")
    assert {v.slice["owner_id"]: v.value for v in by_owner} == {
        "riley_chen": pytest.approx(2.0)}


def test_without_history_coverage_waits_instead_of_using_todays_stages(
        engine_url: str, tmp_path: Path) -> None:
    project = open_project(tmp_path / "p", engine_url, history=False)
    try:
        for name in ("pipeline_coverage", "pipeline_coverage_weighted",
                     "pipeline_coverage_scored", "pipeline_entering"):
            assert value(project, name) is None, name
            m = project.catalog.get(name)
            assert project.metrics.waiting_for(m) == ["raw_deal_property_history"], name
        # what does not need the history keeps working from the deals themselves
        assert value(project, "win_rate") == pytest.approx(1 / 3)  # A won; B and E lost
    finally:
        project.close()
