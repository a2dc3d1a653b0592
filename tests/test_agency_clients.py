"""The agency pack's client-success, program-delivery and operations metrics on a book small
enough to work out by hand, on both engines.

Six clients in the delivery file from January 2024 (one onboarded before it) to March 2025:
upgrades and a downgrade, health scores moving, first leads, two clients past $100k (one of
them lost afterwards), two lost; and a few days of the automations' run log, March's at the
seed's 88%. Every expected figure below is worked out in the comments from the rows, never from
the SQL. Dates are dates: the project's timezone does not move them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import sample_helpers
from agency_oracle.clients import ClientsOracle
from agency_sample import SAMPLE_END, SAMPLE_ROWS, SAMPLE_SEED, dashboards_as
from msp_oracle import rows_of
from northstar.metrics.catalog import load_catalog
from northstar.metrics.definition import sql_probe
from northstar.models.views import read_model_files, table_references
from northstar.packs.agency import PACK
from northstar.people import load_people
from northstar.project import Project
from sample_helpers import oracle_mismatches

MONEY = pa.decimal128(18, 2)
FIRST, LAST = date(2024, 1, 1), date(2025, 3, 1)  # the file's first and last months


def _months() -> list[date]:
    out, d = [], FIRST
    while d <= LAST:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


# Each client: onboarded, first lead, past $100k, churned, owner, funnel, and its MRR and
# health score from a month on ("2024-01": first month's, later entries change them).
CLIENTS: dict[str, dict[str, Any]] = {
    # onboarded before the file starts; upgraded in December 2024 and March 2025
    "A": dict(onboarded="2023-10-15", lead="2023-11-04", past="2024-08-10", churned=None,
              owner="marcus_bell", funnel="vsl",
              mrr={"2024-01": 2000, "2024-12": 2500, "2025-03": 3000},
              health={"2024-01": 80, "2025-02": 70, "2025-03": 72}),
    # lost on Monday 10 February 2025 (its February row is the last)
    "B": dict(onboarded="2024-01-20", lead="2024-02-14", past=None, churned="2025-02-10",
              owner="tessa_grant", funnel="vsl",
              mrr={"2024-01": 1500}, health={"2024-01": 60, "2025-01": 40}),
    # downgraded in January 2025, past $100k on 25 January, lost on 5 March
    "C": dict(onboarded="2024-06-03", lead="2024-06-13", past="2025-01-25", churned="2025-03-05",
              owner="marcus_bell", funnel="vsl",
              mrr={"2024-06": 3000, "2025-01": 2000}, health={"2024-06": 90}),
    "D": dict(onboarded="2025-01-08", lead="2025-02-08", past=None, churned=None,
              owner="tessa_grant", funnel="webinar",
              mrr={"2025-01": 1000}, health={"2025-01": 50, "2025-03": 55}),
    "E": dict(onboarded="2025-02-12", lead="2025-02-26", past=None, churned=None,
              owner="marcus_bell", funnel="webinar",
              mrr={"2025-02": 2000}, health={"2025-02": 75}),
    "F": dict(onboarded="2025-02-20", lead="2025-03-20", past=None, churned=None,
              owner="tessa_grant", funnel="webinar",
              mrr={"2025-02": 1200}, health={"2025-02": 65}),
}
# Days from onboarding to the first lead: A 20 (November 2023), B 25 (February 2024),
# C 10 (June 2024), D 31 (February 2025), E 14 (February 2025), F 28 (March 2025).


def _d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def snapshots() -> pa.Table:
    """One row per client and month it was a client in, each milestone known from the month
    it happened in on (the delivery file as it is kept)."""
    rows: list[dict[str, Any]] = []
    for cid, c in CLIENTS.items():
        onboarded, churned = _d(c["onboarded"]), _d(c["churned"])
        assert onboarded is not None
        mrr = health = 0
        for month in _months():
            key = f"{month:%Y-%m}"
            mrr, health = c["mrr"].get(key, mrr), c["health"].get(key, health)
            if onboarded >= date(month.year + (month.month == 12), month.month % 12 + 1, 1):
                continue  # not a client yet
            month_end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)

            def known(day: date | None, month_end: date = month_end) -> date | None:
                return day if day is not None and day < month_end else None

            rows.append({"id": f"{cid}:{key}", "client_id": cid, "client_name": f"Client {cid}",
                         "month": month, "mrr": Decimal(mrr), "health_score": health,
                         "onboarded_on": onboarded, "first_lead_on": known(_d(c["lead"])),
                         "hit_100k_on": known(_d(c["past"])), "churned_on": known(churned),
                         "department": "client_success", "owner_id": c["owner"],
                         "source_funnel": c["funnel"]})
            if churned is not None and churned < month_end:
                break  # the churn month is the client's last row
    return pa.table({
        "id": pa.array([r["id"] for r in rows], pa.string()),
        "client_id": pa.array([r["client_id"] for r in rows], pa.string()),
        "client_name": pa.array([r["client_name"] for r in rows], pa.string()),
        "month": pa.array([r["month"] for r in rows], pa.date32()),
        "mrr": pa.array([r["mrr"] for r in rows], MONEY),
        "health_score": pa.array([r["health_score"] for r in rows], pa.int64()),
        **{k: pa.array([r[k] for r in rows], pa.date32())
           for k in ("onboarded_on", "first_lead_on", "hit_100k_on", "churned_on")},
        **{k: pa.array([r[k] for r in rows], pa.string())
           for k in ("department", "owner_id", "source_funnel")}})


# (workflow, day, runs, succeeded)
RUNS = [
    ("Booked call reminders", "2025-01-31", 10, 10),
    ("Booked call reminders", "2025-02-03", 100, 99),
    ("No-show recovery", "2025-02-03", 50, 47),
    ("Booked call reminders", "2025-02-28", 50, 50),
    ("Booked call reminders", "2025-03-01", 100, 88),  # the seed's 88%
]
# February: (99 + 47 + 50) / (100 + 50 + 50) = 196 / 200 = 0.98.  March: 88 / 100 = 0.88.
# Q1: (10 + 196 + 88) / (10 + 200 + 100) = 294 / 310.


def automation_runs() -> pa.Table:
    return pa.table({
        "id": [f"{w}:{d}" for w, d, _, _ in RUNS], "date": pa.array(
            [date.fromisoformat(d) for _, d, _, _ in RUNS], pa.date32()),
        "workflow": [w for w, _, _, _ in RUNS],
        "runs": pa.array([r for _, _, r, _ in RUNS], pa.int64()),
        "succeeded": pa.array([s for _, _, _, s in RUNS], pa.int64()),
        "failed": pa.array([r - s for _, _, r, s in RUNS], pa.int64()),
        "department": ["operations"] * len(RUNS), "owner_id": ["ravi_shah"] * len(RUNS)})


@pytest.fixture
def agency(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    project = Project.init(tmp_path / "agency", pack=PACK, engine_url=engine_url,
                           timezone="America/Denver")
    project.append("client_snapshots", snapshots(), source="delivery")
    project.append("automation_runs", automation_runs(), source="automations")
    project.metrics.now = datetime(2025, 6, 15, tzinfo=UTC)
    yield project
    project.close()


METRICS = ["active_clients", "mrr", "new_clients", "clients_lost", "health_score_total",
           "clients_past_100k", "client_health", "nrr", "client_churn", "share_past_100k",
           "median_days_to_first_lead", "automation_success"]


def values(project: Project, period: str, **kw: Any) -> dict[str, float | None]:
    return {v.metric: None if v.value is None else float(v.value)
            for v in project.compute(METRICS, [period], **kw)}


# -- the expected figures ----------------------------------------------------------------------
FEBRUARY = {
    # at 1 March: A, C, D, E, F (B lost on 10 February)
    "active_clients": 5,
    "mrr": 2500 + 2000 + 1000 + 2000 + 1200,  # A (since December), C (since January), D, E, F
    "new_clients": 2,  # E, F
    "clients_lost": 1,  # B
    "health_score_total": 70 + 90 + 50 + 75 + 65,  # 350
    "clients_past_100k": 2,  # A (August 2024), C (25 January)
    "client_health": 350 / 5,
    # active at the end of February 2024: A (2,000) and B (1,500); now A pays 2,500, B nothing
    "nrr": 2500 / 3500,
    # at February's start: 5 - 2 new + 1 lost = 4 (A, B, C, D)
    "client_churn": 1 / 1 / 4,
    "share_past_100k": 2 / 5,
    "median_days_to_first_lead": (14 + 31) / 2,  # E and D: an even count takes the middle two
    "automation_success": 196 / 200,
}
QUARTER = {
    # at 1 April: A, D, E, F (C lost on 5 March); a level is the quarter's last day
    "active_clients": 4,
    "mrr": 3000 + 1000 + 2000 + 1200,  # A upgraded again in March
    "new_clients": 3,  # D, E, F
    "clients_lost": 2,  # B, C
    "health_score_total": 72 + 55 + 75 + 65,  # 267
    "clients_past_100k": 1,  # A; C had passed, and left
    "client_health": 267 / 4,
    # active at the end of March 2024: A (2,000), B (1,500); A pays 3,000 now
    "nrr": 3000 / 3500,
    # at the quarter's start (the end of 2024: A, B, C): 4 - 3 + 2 = 3; two lost over 3 months
    "client_churn": 2 / 3 / 3,
    "share_past_100k": 1 / 4,
    "median_days_to_first_lead": 28,  # E 14, F 28, D 31
    "automation_success": 294 / 310,
}
JANUARY = {
    "active_clients": 4,  # A, B, C, D
    "mrr": 2500 + 1500 + 2000 + 1000,
    "client_health": (80 + 40 + 90 + 50) / 4,  # 65: B's score fell to 40
    "client_churn": 0.0,  # nobody lost, of 4 - 1 new (D) + 0 = 3
    "nrr": (2500 + 1500) / 3500,  # A and B, active at the end of January 2024
    "median_days_to_first_lead": None,  # no first lead in January 2025
    "automation_success": 1.0,  # 10 of 10
}
WEEK = {
    # 2025-W07 is Monday 10 to Sunday 16 February: B leaves on the Monday, E joins on the 12th;
    # at its end A, C, D, E with February's figures (F joins on the 20th)
    "active_clients": 4,
    "mrr": 2500 + 2000 + 1000 + 2000,
    "client_health": (70 + 90 + 50 + 75) / 4,
    # 1 lost of 4 - 1 + 1 = 4 at the week's start, over 7 / 30.4375 of a month
    "client_churn": 1 / (7 / 30.4375) / 4,
    "median_days_to_first_lead": None,  # no first lead that week (D on the 8th, E the 26th)
    "automation_success": None,  # no runs that week
}
YEAR_2024 = {
    "active_clients": 3,  # A, B, C
    "mrr": 2500 + 1500 + 3000,
    "new_clients": 2,  # B, C (A onboarded in 2023)
    "client_churn": 0.0,
    # a year before the end of 2024 the file had no retainers yet: nothing to compare with
    "nrr": None,
    "median_days_to_first_lead": (25 + 10) / 2,  # B, C (A's came in 2023)
}


def _close(got: dict[str, float | None], expected: dict[str, Any]) -> list[Any]:
    return [(name, got.get(name), want) for name, want in expected.items()
            if (want is None) != (got.get(name) is None)
            or (want is not None and got[name] != pytest.approx(want, rel=1e-9))]


def test_every_metric_of_the_clients_and_operations_has_expected_figures() -> None:
    files = {p.stem for p in PACK.metrics_dir.glob("*.yml")}
    assert set(METRICS) <= files
    assert set(FEBRUARY) == set(QUARTER) == set(METRICS)


@pytest.mark.parametrize(("period", "expected"), [
    ("2025-02", FEBRUARY), ("2025-Q1", QUARTER), ("2025-01", JANUARY), ("2025-W07", WEEK),
    ("2024", YEAR_2024)])
def test_each_period(agency: Project, period: str, expected: dict[str, Any]) -> None:
    assert _close(values(agency, period), expected) == []


def test_sliced_by_success_manager(agency: Project) -> None:
    def by_owner(metric: str) -> dict[str, float | None]:
        return {v.slice["owner_id"]: None if v.value is None else float(v.value)
                for v in agency.compute([metric], ["2025-02"], by="owner_id")}

    # marcus_bell: A, C, E; tessa_grant: B (lost in February), D, F
    assert by_owner("mrr") == {"marcus_bell": 2500 + 2000 + 2000, "tessa_grant": 1000 + 1200}
    assert by_owner("client_health") == pytest.approx(
        {"marcus_bell": (70 + 90 + 75) / 3, "tessa_grant": (50 + 65) / 2})
    # tessa's start: 2 - 1 new (F) + 1 lost (B) = 2; marcus's: 3 - 1 (E) + 0 = 2
    assert by_owner("client_churn") == {"marcus_bell": 0.0, "tessa_grant": 0.5}
    assert by_owner("median_days_to_first_lead") == {"marcus_bell": 14, "tessa_grant": 31}


def test_targets_status_and_the_seeds_88_percent(agency: Project) -> None:
    def one(metric: str, period: str) -> tuple[float | None, str | None, float | None]:
        v = agency.compute([metric], [period])[0]
        return v.target, v.status, v.attainment

    # the seed: automation success at 88% against 99% turns red at 89% of the goal
    target, status, attainment = one("automation_success", "2025-03")
    assert (target, status) == (0.99, "red") and round(attainment or 0, 2) == 0.89
    assert one("automation_success", "2025-02")[1] == "yellow"  # 98%: yellow from 97%
    # 30% more clients and MRR than a year before: A and B at the end of February 2024
    assert one("active_clients", "2025-02")[:2] == (pytest.approx(2 * 1.3), "green")
    assert one("mrr", "2025-02")[:2] == (pytest.approx(3500 * 1.3), "green")
    assert one("client_health", "2025-01")[:2] == (75, "yellow")  # 65 is yellow's edge
    assert one("nrr", "2025-02")[:2] == (0.9, "red")  # 71%: yellow from 80%
    assert one("nrr", "2025-Q1")[1] == "yellow"  # 86%
    assert one("client_churn", "2025-01")[1] == "green"
    assert one("share_past_100k", "2025-02")[1] == "yellow"  # 40%, yellow's edge
    assert one("median_days_to_first_lead", "2025-Q1")[1] == "yellow"  # 28 days: to 30


def test_the_clients_model_has_one_row_per_client_with_its_milestones(agency: Project) -> None:
    agency.models.refresh()
    rows = agency.engine.query(
        "select client_id, days_to_first_lead, churned_on from clients order by client_id"
    ).to_pylist()
    assert [(r["client_id"], r["days_to_first_lead"], r["churned_on"]) for r in rows] == [
        ("A", 20, None), ("B", 25, date(2025, 2, 10)), ("C", 10, date(2025, 3, 5)),
        ("D", 31, None), ("E", 14, None), ("F", 28, None)]


def test_the_models_and_metrics_read_the_delivery_file_and_the_run_log() -> None:
    mine = {"clients", "clients_changes", "automations"}
    models = [m for m in read_model_files(PACK.models_dir) if m.name in mine]
    assert {m.name for m in models} == mine
    read = {r for m in models for r in m.references}
    catalog = load_catalog(PACK.root, *load_people(PACK.root))
    for name in METRICS:
        metric = catalog.metrics[name]
        sql = [q for q in (metric.sql, metric.target.sql if metric.target else None) if q]
        read |= {metric.model} if metric.model else set()
        read |= {r for q in sql for r in table_references(sql_probe(q))}
    assert read - mine == {"client_snapshots", "automation_runs"}
    owners = {catalog.owner_of(name) for name in METRICS} - {None}
    assert {p.id for p in owners} == {"hannah_lee", "marcus_bell", "tessa_grant", "leah_morgan",
                                      "ravi_shah"}


def test_the_three_dashboards_render(agency: Project) -> None:
    pages = dashboards_as(agency, "hannah_lee",
                          ("client_success", "program_delivery", "operations"))
    assert {n: p.status_code for n, p in pages.items()} == dict.fromkeys(pages, 200)
    assert "Net revenue retention (NRR)" in pages["client_success"].text
    assert "Median days to first lead" in pages["program_delivery"].text
    assert "Automation success rate" in pages["operations"].text


# -- the sample company against the oracle -----------------------------------------------------
SAMPLE_PERIODS = ["2024-06", "2024", "2025-01", "2025-03", "2025-Q2", "2025-Q4", "2025", "2026-05",
                  "2026-06", "2025-W10"]


@pytest.fixture(scope="module")
def sample_tables() -> dict[str, list[Any]]:
    return sample_helpers.sample_tables(PACK, SAMPLE_ROWS, seed=SAMPLE_SEED, end=SAMPLE_END)


@pytest.fixture(scope="module")
def oracle(sample_tables: dict[str, list[Any]]) -> ClientsOracle:
    return ClientsOracle(rows_of(sample_tables))


def test_the_sample_company_equals_the_oracle_on_both_engines(
        summit: Project, oracle: ClientsOracle) -> None:
    """Every metric here for a month, the seed's bad automation month (March of the second
    year), a quarter, a year, the month under way and a week, on each engine, to the cent
    (ratios to 1e-9)."""
    got = {(v.metric, v.period): v.value for v in summit.compute(METRICS, SAMPLE_PERIODS)}
    assert oracle_mismatches(got, oracle.value, METRICS, SAMPLE_PERIODS) == []
    # the oracle is not trivially empty: the book has clients, NRR a year behind it, and the
    # broken reminders' webhook shows in March 2025
    assert (oracle.value("active_clients", "2026-05") or 0) >= 15
    assert oracle.value("nrr", "2025-Q4") is not None
    march, may = oracle.value("automation_success", "2025-03"), oracle.value(
        "automation_success", "2025-05")
    assert march is not None and may is not None and march < may - Decimal("0.01")
