"""The field-service pack's metrics on a company small enough to work out by hand, on DuckDB and
PostgreSQL: tests/field_service_fixture.py holds its rows (the business units, job types, jobs,
estimates, invoices, items, payments and pay items of a painting contractor in Chicago around
the spring clock change). Every expected figure below is worked out in the comments from those
rows, never from the SQL.

The days: Sunday 9 March 2025 (23 hours: 06:00 UTC to 05:00 UTC the next day) and Monday
10 March (05:00 UTC to 05:00 UTC); March is the month.

Leads (estimate job types, sales units, by creation): 10 March J1, J3 (cancelled, still a lead)
for Phoenix-Sales and J4 (23:59 local) for Tucson-Sales = 3; J5 is a PM Inspection, J7's unit
is not mapped, J8's type not categorised, J23 deleted. 9 March: J2 (23:30 local, its unit "Z-DO
NOT USE - West - Sales" reported as Phoenix-Sales) = 1. March: J1 J2 J3 J4 J9 = 5.

Estimates presented (created; estimate-type jobs, sales units, no change orders): 10 March E1,
E2 (Phoenix) and E4 (21:00 local, Tucson) = 3; sold that day E1 4,000 and E7 6,000 (presented
on the 3rd) = 2, booked 10,000. E5 is a change order, E6 on a production job, E8 deleted.
9 March: E3 presented and sold (23:00 local) for 2,500: 1 and 1. March: presented E1 E2 E3 E4
E7 = 5, sold E1 E3 E7 = 3, booked 12,500.

Dollars produced (production job types, production units, not cancelled, by first appointment):
10 March J10 5,000 (Phoenix) and J12 2,000 (21:00 local, Tucson) = 7,000; 9 March J11 3,000 (its
unit "Z-DO NOT USE - West- Production" reported as Phoenix-Production). March adds J16 4,500
and J18 3,500: 18,000. J13 and J14 are warranty, J15 cancelled, J19 a PM Inspection.
Job costs (item total cost + pay amount and adjustment, active rows): J10 600 + 1,400 + 100 =
2,100 (T3 and G7 are inactive); J11 300 + 900 = 1,200; J12 250; J16 500 + 1,500 = 2,000; J18
400 + 1,000 = 1,400. 10 March 2,350; 9 March 1,200; March 6,950.
Warranty costs: J13 40 + 160 = 200 and J14 50, both 10 March, Phoenix-Production: 250.

Dollars collected (payment dates, voided P4 left out): 10 March P1 5,000 + P2 3,000 + P3 1,000
(22:00 local) + P6 400 = 9,400: Phoenix-Production 5,000 (I10) + 2,000 (I11, the Z-West unit's
job) = 7,000; Tucson-Production 800 (I12) + 1,000 (I17) = 1,800; P2's unapplied 200 in its own
unit Phoenix-Sales; P6's 400, applied to an invoice never collected, in its own Tucson-Sales.
9 March P5 1,160. March 10,560.

Outstanding A/R (totals of active invoices dated up to the day, less what was applied to them
by then): end of 10 March billed I10 5,000 + I11 3,000 + I12 2,160 + I13 0 + I17 7,000 + I19 150
+ I31 300 = 17,610, paid A1 5,000 + A2 2,000 + A3 800 + A4 1,000 + A6 1,160 = 9,960: 7,650 (A7's
invoice is unknown, P4 voided, I30 voided). Phoenix-Production 8,150 - 7,000 = 1,150; Tucson-
Production 9,460 - 2,960 = 6,500 (I31 has no job: its own unit). End of 9 March: I11 + I12 +
I17 = 12,160 less A6 1,160 = 11,000. End of March: 17,610 + I16 4,500 + I18 3,500 + I20 2,500
= 28,110 less 9,960 = 18,150.

Future bookings (production jobs booked by the end and not started by then): end of 10 March
J16 4,500 (booked that day) + J17 7,000 = 11,500 (J12 started at 21:00). End of 9 March J10
5,000 + J12 2,000 + J17 7,000 = 14,000 (J11 started at 23:00). End of March J17 7,000 + J20
2,500 (booked, not scheduled yet) = 9,500."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from field_service_fixture import SOURCE, tables
from northstar.checks import read_checks, run_checks
from northstar.metrics.catalog import load_catalog
from northstar.metrics.definition import sql_probe
from northstar.models.views import read_model_files, table_references
from northstar.packs import get_pack
from northstar.people import load_people
from northstar.project import Project
from northstar.secret import load_or_create_secret
from northstar.web.app import create_app
from northstar.web.auth import Auth
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables

PACK = get_pack("field_service")


@pytest.fixture
def fsm(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    project = Project.init(tmp_path / "painting", pack=PACK, engine_url=engine_url,
                           timezone="America/Chicago")
    for name, data in tables().items():
        project.append(name, data, source=SOURCE)
    project.metrics.now = datetime(2025, 6, 15, tzinfo=UTC)
    yield project
    project.close()


def values(project: Project, period: str) -> dict[str, float | None]:
    return {v.metric: None if v.value is None else float(v.value)
            for v in project.compute(None, [period])}


def sliced(project: Project, metric: str, period: str, by: str = "team",
           **filters: str) -> dict[str, float | None]:
    return {str(v.slice[by]): None if v.value is None else float(v.value)
            for v in project.compute([metric], [period], by=by, filters=filters)}


MONDAY: dict[str, float | None] = {  # 10 March 2025
    "leads": 3, "estimates": 3, "estimates_sold": 2, "close_rate": 2 / 3,
    "total_booked": 10000, "dollars_produced": 7000, "job_costs": 2350,
    "gross_margin": (7000 - 2350) / 7000, "warranty_costs": 250, "warranty_share": 250 / 7000,
    "dollars_collected": 9400, "ar_billed": 17610, "ar_paid": 9960, "outstanding_ar": 7650,
    "future_bookings": 11500,
}

SUNDAY: dict[str, float | None] = {  # 9 March 2025, the 23-hour day the clocks went forward
    "leads": 1, "estimates": 1, "estimates_sold": 1, "close_rate": 1.0,
    "total_booked": 2500, "dollars_produced": 3000, "job_costs": 1200,
    "gross_margin": (3000 - 1200) / 3000, "warranty_costs": 0, "warranty_share": 0.0,
    "dollars_collected": 1160, "ar_billed": 12160, "ar_paid": 1160, "outstanding_ar": 11000,
    "future_bookings": 14000,
}

MARCH: dict[str, float | None] = {
    "leads": 5, "estimates": 5, "estimates_sold": 3, "close_rate": 3 / 5,
    "total_booked": 12500, "dollars_produced": 18000, "job_costs": 6950,
    "gross_margin": (18000 - 6950) / 18000, "warranty_costs": 250,
    "warranty_share": 250 / 18000, "dollars_collected": 10560,
    # balances at the month's end, not sums of its days
    "ar_billed": 28110, "ar_paid": 9960, "outstanding_ar": 18150, "future_bookings": 9500,
}


def _close(got: dict[str, float | None], expected: dict[str, float | None]) -> list[Any]:
    return [(name, got.get(name), want) for name, want in expected.items()
            if (want is None) != (got.get(name) is None)
            or (want is not None and got[name] != pytest.approx(want, rel=1e-9))]


def test_every_metric_is_in_the_expected_figures() -> None:
    with_files = {p.stem for p in PACK.metrics_dir.glob("*.yml")}
    assert with_files == set(MONDAY) == set(SUNDAY) == set(MARCH)


def test_every_metric_for_a_day(fsm: Project) -> None:
    assert _close(values(fsm, "2025-03-10"), MONDAY) == []


def test_every_metric_for_the_day_the_clocks_went_forward(fsm: Project) -> None:
    assert _close(values(fsm, "2025-03-09"), SUNDAY) == []


def test_every_metric_for_a_month_sums_flows_ends_balances_and_recomputes_ratios(
        fsm: Project) -> None:
    assert _close(values(fsm, "2025-03"), MARCH) == []


def test_every_kpi_by_business_unit_with_the_retired_units_folded_in(fsm: Project) -> None:
    day = "2025-03-10"
    assert sliced(fsm, "leads", day) == {"Phoenix-Sales": 2, "Tucson-Sales": 1}
    assert sliced(fsm, "leads", "2025-03-09") == {"Phoenix-Sales": 1}  # J2, a Z-West unit's
    assert sliced(fsm, "estimates", day) == {"Phoenix-Sales": 2, "Tucson-Sales": 1}
    # Tucson presented E4 and sold nothing: 0%, not "no value"
    assert sliced(fsm, "close_rate", day) == {"Phoenix-Sales": 1.0, "Tucson-Sales": 0.0}
    assert sliced(fsm, "total_booked", day) == {"Phoenix-Sales": 10000, "Tucson-Sales": 0}
    assert sliced(fsm, "dollars_produced", day) == {"Phoenix-Production": 5000,
                                                   "Tucson-Production": 2000}
    # Phoenix (5000 - 2100) / 5000; Tucson (2000 - 250) / 2000
    assert sliced(fsm, "gross_margin", day) == {"Phoenix-Production": pytest.approx(0.58),
                                               "Tucson-Production": pytest.approx(0.875)}
    assert sliced(fsm, "warranty_share", day) == {"Phoenix-Production": pytest.approx(0.05),
                                                 "Tucson-Production": 0.0}
    assert sliced(fsm, "dollars_collected", day) == {
        "Phoenix-Production": 7000, "Tucson-Production": 1800, "Phoenix-Sales": 200,
        "Tucson-Sales": 400}
    assert sliced(fsm, "dollars_collected", day, by="department") == {"production": 8800,
                                                                     "sales": 600}
    assert sliced(fsm, "outstanding_ar", day) == {"Phoenix-Production": 1150,
                                                 "Tucson-Production": 6500}
    assert sliced(fsm, "future_bookings", day) == {"Phoenix-Production": 4500,
                                                  "Tucson-Production": 7000}
    # the end of February: J10 (booked 20 February) and J17 (25 February); only I17 billed
    assert sliced(fsm, "future_bookings", "2025-02") == {"Phoenix-Production": 5000,
                                                        "Tucson-Production": 7000}
    assert sliced(fsm, "outstanding_ar", "2025-02") == {"Tucson-Production": 7000}
    # a filter is the same rows: one unit's leads, and leads by campaign
    [phoenix] = fsm.compute(["leads"], [day], filters={"team": "Phoenix-Sales"})
    assert phoenix.value == 2
    assert sliced(fsm, "leads", day, by="utm_campaign") == {"Google Ads": 2, "Yard Signs": 1}


def test_a_day_is_compared_with_the_day_before_and_the_same_weekday_last_year(
        fsm: Project) -> None:
    [v] = fsm.compute(["dollars_collected"], ["2025-03-10"])
    assert (v.previous_period, float(v.previous or 0)) == ("2025-03-09", 1160)
    assert (v.last_year_period, v.last_year) == ("2024-03-11", None)  # a Monday too
    # a balance is compared with where the day before ended
    [ar] = fsm.compute(["outstanding_ar"], ["2025-03-10"])
    assert float(ar.previous or 0) == 11000


def test_targets_and_status_for_the_company_and_for_one_unit(fsm: Project) -> None:
    def one(metric: str, period: str, **filters: str) -> tuple[float | None, str | None]:
        [v] = fsm.compute([metric], [period], filters=filters)
        return v.target, v.status

    # 3 leads against the company's 7 a day: red (yellow from 80%); Phoenix-Sales' own
    # target is 3, its 2 leads (67%) red too
    assert one("leads", "2025-03-10") == (7, "red")
    assert one("leads", "2025-03-10", team="Phoenix-Sales") == (3, "red")
    # a month's target of a daily total: 31 days x 14,000
    assert one("dollars_produced", "2025-03") == (pytest.approx(31 * 14000), "red")
    # ratios judged per unit by absolute bands: Phoenix closes 100% (green), Tucson 0% (red);
    # Phoenix's margin 58% is green (from 50%), its warranty share 5% red (beyond 2.5%)
    by = {v.slice["team"]: v.status for v in
          fsm.compute(["close_rate"], ["2025-03-10"], by="team")}
    assert by == {"Phoenix-Sales": "green", "Tucson-Sales": "red"}
    assert one("gross_margin", "2025-03-10", team="Phoenix-Production") == (0.50, "green")
    assert one("warranty_share", "2025-03-10", team="Phoenix-Production") == (0.015, "red")
    # a balance's target holds for a month as it is (not 31 times): 18,150 owed is green
    assert one("outstanding_ar", "2025-03") == (150000, "green")
    assert one("future_bookings", "2025-03") == (250000, "red")
    # by unit, each against its own: Phoenix-Production produced 5,000 of 4,400 (green),
    # Tucson-Production 2,000 of 2,200 (91%: yellow, from 85%)
    produced = {v.slice["team"]: (v.target, v.status) for v in
                fsm.compute(["dollars_produced"], ["2025-03-10"], by="team")}
    assert produced == {"Phoenix-Production": (4400, "green"),
                        "Tucson-Production": (2200, "yellow")}


def test_the_models_name_every_id_and_follow_payments_to_their_unit(fsm: Project) -> None:
    fsm.metrics.state()  # the views, built from the ledger as it is
    jobs = {r["job_id"]: r for r in fsm.engine.query(
        "SELECT * FROM dim_jobs ORDER BY job_id").to_pylist()}
    assert "J23" not in jobs  # deleted
    j2 = jobs["J2"]
    assert (j2["business_unit_name"], j2["business_unit"], j2["department"], j2["team"],
            j2["branch"]) == ("Z-DO NOT USE - West - Sales", "Phoenix-Sales", "sales",
                              "Phoenix-Sales", "Phoenix")
    assert (j2["job_type_name"], j2["job_type_category"], j2["campaign_name"]) == (
        "Estimate", "estimate", "Yard Signs")
    assert jobs["J11"]["start_at"] == datetime(2025, 3, 10, 4)
    assert (jobs["J7"]["business_unit_name"], jobs["J7"]["department"]) == ("Handyman", None)
    assert jobs["J8"]["job_type_category"] is None
    parts = {r["part_id"]: r for r in fsm.engine.query("SELECT * FROM dim_payments").to_pylist()}
    # P2: 2,000 to I11 (job J11, unit 14, reported as Phoenix-Production), 800 to I12
    # (Tucson-Production) and 200 unapplied, in P2's own unit
    assert (parts["A2"]["business_unit_name"], parts["A2"]["team"]) == (
        "Z-DO NOT USE - West- Production", "Phoenix-Production")
    assert parts["A3"]["team"] == "Tucson-Production"
    assert (parts["P2:unapplied"]["attributed_by"], float(parts["P2:unapplied"]["amount"]),
            parts["P2:unapplied"]["team"]) == ("payment", 200, "Phoenix-Sales")
    assert "A5" not in parts  # the voided payment
    invoices = {r["invoice_id"]: r for r in fsm.engine.query(
        "SELECT * FROM dim_invoices").to_pylist()}
    assert float(invoices["I10"]["materials_cost"]) == 600  # T3 inactive
    assert float(invoices["I12"]["applied"]) == 1960  # P2 800 + P5 1160; P4 voided
    assert invoices["I31"]["team"] == "Tucson-Production"  # no job: the invoice's own unit
    assert "I30" not in invoices


def test_the_checks_find_each_planted_mistake(fsm: Project) -> None:
    results = run_checks(fsm)
    failing = {r.name: r.failing for r in results if r.status == "fail"}
    # no report compared yet: the reconcile check waits for one
    assert [r.name for r in results if r.status == "waiting"] == ["reconcile"]
    assert failing == {
        "business_units_are_mapped": 1,  # Handyman (J7)
        "job_types_are_categorised": 1,  # Gutter Cleaning (J8)
        "jobs_have_known_business_units": 1,  # J21's unit 99
        "payments_without_invoice": 2,  # P2's unapplied 200, P6 on I99
        "invoice_balances_match_payments": 1,  # I18
        "production_jobs_have_invoices": 1,  # J14, a touch-up without an invoice
    }


def test_a_changed_job_type_list_is_a_new_version_and_closed_days_keep_their_values(
        fsm: Project) -> None:
    """Moving `Estimate` out of the estimate types: J2 and J9 are no longer leads. Days and
    months already closed (and so frozen, now that they have been read) keep their values
    until a recompute, which says why and is logged."""
    assert values(fsm, "2025-03")["leads"] == 5
    assert values(fsm, "2025-03-09")["leads"] == 1
    path = fsm.root / "reference" / "job_types.csv"
    path.write_text(path.read_text().replace("Estimate,estimate", "Estimate,excluded"))
    [load] = [r for r in fsm.load_reference() if r.load_id is not None]
    assert load.name == "ref_job_types"
    [march] = fsm.compute(["leads"], ["2025-03"])
    assert (march.value, march.origin) == (5, "frozen")
    redone = fsm.recompute("leads", "2025-03", reason="Estimate is no longer an estimate type",
                           author="dale_hughes")
    assert (redone.value, redone.origin) == (3, "frozen")  # J1 J3 J4
    [sunday] = fsm.compute(["leads"], ["2025-03-09"])
    assert sunday.value == 1  # still frozen
    assert fsm.recompute("leads", "2025-03-09", reason="new list", author="dale_hughes"
                         ).value == 0  # no lead that day any more: a count of nothing is 0


def test_the_models_metrics_and_checks_read_exactly_the_manifests_tables() -> None:
    models = read_model_files(PACK.models_dir)
    read = {r for m in models for r in m.references}
    catalog = load_catalog(PACK.root, *load_people(PACK.root))
    for metric in catalog:
        sql = [q for q in (metric.sql, metric.target.sql if metric.target else None) if q]
        read |= {metric.model} if metric.model else set()
        read |= {r for q in sql for r in table_references(sql_probe(q))}
    read |= {r for c in read_checks(PACK.checks_dir) for r in table_references(c.sql)}
    # report_columns is read by `northstar reconcile`, not by SQL
    references = {f"ref_{name}" for name in PACK.reference if name != "report_columns"}
    assert read - {m.name for m in models} == set(PACK.tables) | references
    assert catalog.owner_of(PACK.north_star) is not None
    assert {p.metric for p in catalog.people.values()} <= set(catalog.metrics)


DASHBOARDS = ("sales_daily", "production_daily", "phoenix_daily", "tucson_daily",
              "commercial_daily", "cabinets_daily", "branches", "trends")


def test_the_dashboards_render(fsm: Project) -> None:
    assert {p.stem for p in PACK.dashboards_dir.glob("*.yml")} == set(DASHBOARDS)
    fsm.metrics.now = None  # the boards show today and the last days
    ensure_tables(fsm.engine)
    auth = Auth(fsm.engine, load_or_create_secret(fsm.root), WebSettings())
    auth.add_user("andy", "andy_reyes", "viewer", "a long passphrase for andy")
    _, raw = auth.create_token("andy", "test")
    with TestClient(create_app(fsm, WebSettings(), schedule=False)) as client:
        client.headers["Authorization"] = f"Bearer {raw}"
        for name in DASHBOARDS:
            page = client.get(f"/dashboards/{name}")
            assert page.status_code == 200, name
        assert "Phoenix-Production" in client.get("/dashboards/production_daily").text
