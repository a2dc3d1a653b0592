"""The marketplace pack on an attached Fivetran warehouse: the real QuickBooks and HubSpot
sample tables (../shared/fixtures/fivetran) landed in DuckDB and attached into a project made
with the pack, ledger on DuckDB and on PostgreSQL. Every pack metric computes for a few periods
of its own grain without raising; a metric reading a table the warehouse does not hold (the
platform's exports, the factoring statement, the P&L) comes back empty and grey; GMV and net
revenue have the values worked out by hand in tests/test_warehouse_attach.py; and the checks
run, each one waiting for the data it lacks instead of failing with a driver error.

Expected values (from test_warehouse_attach.py's reading of the CSVs, with the spec translating
income account 4001 -> 4110 and expense account 5005 -> 4200):
- GMV: January 2021 = 2500 + 1000 + 175 + 55650 = 59,325.00; February 2021 = 1005 + 500 + 2000
  = 3,505.00; Q1 2021 and the year 2021 = 62,830.00 (no other invoice lines).
- Net revenue: January 2021 = 59,325 - credit memo 999 (100) = 59,225.00; February = 3,505.00;
  January 2024 = -100.00 (bill 5000's payout on 5005 -> 4200); Q1 2021 and 2021 = 62,730.00;
  Q1 2024 and 2024 = -100.00.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from northstar.checks import run_checks
from northstar.packs import get_pack
from northstar.project import Project
from northstar.warehouse import AttachSpec, attach
from northstar.warehouse.landing import land_csvs

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fivetran"
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures/fivetran")

PERIODS = {"month": ["2021-01", "2021-02", "2024-01"], "quarter": ["2021-Q1", "2024-Q1"],
           "year": ["2021", "2024"]}
# tables the fixtures' QuickBooks and HubSpot schemas do not hold (the platform's exports and
# the manual inputs): what reads them waits. The fixtures' deal_property_history names its
# properties by hash only (no dealstage or amount): nothing of it loads, and coverage waits.
NOT_IN_WAREHOUSE = {"raw_remittance_lines", "raw_platform_invoices",
                    "raw_platform_invoice_lines", "raw_profit_and_loss",
                    "raw_factoring_statements", "raw_monthly_finance", "raw_contracts",
                    "raw_quotas", "raw_ad_spend", "raw_deal_property_history"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('wh') / 'fivetran.duckdb'}"
    for connector in ("quickbooks", "hubspot"):
        land_csvs(url, connector, FIXTURES / connector)
    return url


@pytest.fixture
def project(tmp_path: Path, engine_url: str, warehouse: str) -> Iterator[Project]:
    spec = AttachSpec.model_validate({
        "url": warehouse, "quickbooks": {"schema": "quickbooks"},
        "hubspot": {"schema": "hubspot"}, "accounts": {"4001": "4110", "5005": "4200"}})
    with Project.init(tmp_path / "mp", pack=get_pack("marketplace"), engine_url=engine_url,
                      timezone="UTC") as p:
        report = attach(p, spec)
        assert report.appended > 0
        yield p


def test_every_metric_computes_on_the_fivetran_fixtures(project: Project) -> None:
    loaded = set(project.ledger.versions())
    assert not loaded & NOT_IN_WAREHOUSE
    assert {"raw_invoice_lines", "raw_bill_lines", "raw_deals"} <= loaded
    catalog = project.catalog
    assert len(catalog.metrics) >= 50
    values = {}
    for grain, periods in PERIODS.items():
        names = [n for n, m in catalog.metrics.items() if m.grain == grain]
        assert names, grain
        for v in project.compute(names, periods):  # raises on any metric that cannot compute
            values[(v.metric, v.period)] = v
    assert {m for m, _ in values} == set(catalog.metrics)
    assert len(values) == sum(len(PERIODS[m.grain]) for m in catalog.metrics.values())

    waiting = {n for n, m in catalog.metrics.items() if project.metrics.waiting_for(m)}
    # the factoring facility, the budget and contracts live outside QuickBooks and HubSpot
    assert {"factoring_balance", "factoring_capacity", "budget_attainment",
            "unspent_contracts", "bill_count_variance"} <= waiting
    assert "gmv" not in waiting and "net_revenue" not in waiting
    for name in waiting:
        assert set(project.metrics.waiting_for(catalog.get(name))) <= NOT_IN_WAREHOUSE, name
        for period in PERIODS[catalog.get(name).grain]:
            v = values[(name, period)]
            assert v.value is None and v.status in (None, "grey"), (name, period, v.value)

    # the monthly money metrics roll up to quarters and years too (one call per period kind:
    # see test_overlapping_periods_in_one_call below)
    for kind in ("quarter", "year"):
        for v in project.compute(["gmv", "net_revenue", "take_rate"], PERIODS[kind]):
            values[(v.metric, v.period)] = v

    def value(metric: str, period: str) -> float | None:
        found = values[(metric, period)].value
        return None if found is None else float(found)

    assert value("gmv", "2021-01") == pytest.approx(59325.0)
    assert value("gmv", "2021-02") == pytest.approx(3505.0)
    assert value("gmv", "2021-Q1") == pytest.approx(62830.0)
    assert value("gmv", "2021") == pytest.approx(62830.0)
    assert value("gmv", "2024-01") is None  # no invoice lines that month
    assert value("net_revenue", "2021-01") == pytest.approx(59225.0)
    assert value("net_revenue", "2021-02") == pytest.approx(3505.0)
    assert value("net_revenue", "2024-01") == pytest.approx(-100.0)
    assert value("net_revenue", "2021-Q1") == pytest.approx(62730.0)
    assert value("net_revenue", "2024-Q1") == pytest.approx(-100.0)
    assert value("net_revenue", "2021") == pytest.approx(62730.0)
    assert value("net_revenue", "2024") == pytest.approx(-100.0)
    # take rate = net revenue / GMV: 62,730 / 62,830 over the year 2021
    assert value("take_rate", "2021") == pytest.approx(62730.0 / 62830.0)


# the checks that read only QuickBooks: the P&L is built from the fixtures' books
ON_THE_BOOKS = {"pnl_match", "customer_cohort_total_matches_pnl", "gl_balances"}


def test_checks_run_and_wait_for_the_missing_exports(project: Project) -> None:
    results = run_checks(project)
    assert len(results) >= 8
    by_name = {r.name: r for r in results}
    for r in results:  # the rest cannot run without the platform's exports
        if r.name in ON_THE_BOOKS:
            continue
        assert r.status == "waiting", (r.name, r.error)
        assert not r.passed and not r.alarming
        assert r.error is not None and r.error.startswith("waiting for data")
        assert set(r.waiting) <= {t[len("raw_"):] for t in NOT_IN_WAREHOUSE}
    assert by_name["books_match_reported_pnl"].waiting == ["profit_and_loss"]
    assert by_name["supplier_net_revenue_formula"].waiting == ["remittance_lines"]
    assert by_name["invoice_reconciliation"].waiting == ["platform_invoices"]
    # payouts: bill 5000's 100 on 5005 (-> 4200) in 2024, in the summary and in the books
    assert by_name["pnl_match"].status == "pass"
    # credit memo 999 (100.00, 2021-01-10) is for customer 131, who has no invoice and so no
    # cohort: the P&L's 2021 sampling income is 62,830 - 100 = 62,730, the cohorts' 62,830
    cohort = by_name["customer_cohort_total_matches_pnl"]
    assert cohort.status == "fail" and cohort.failing == 1
    assert [(r["year"], float(r["difference"])) for r in cohort.sample] == [(2021, 100.0)]
    # Fivetran's synthetic journal entries do not balance (entry 44 is one debit line of
    # 99,205 on account 50, which the chart of accounts does not hold either)
    assert by_name["gl_balances"].status == "fail" and by_name["gl_balances"].failing > 1
    entry = project.engine.query(
        "SELECT sum(debit) AS debits, sum(credit) AS credits FROM gl_entries "
        "WHERE source_type = 'journal_entry' AND source_id = '44'").to_pylist()
    assert [(float(r["debits"]), float(r["credits"])) for r in entry] == [(99205.0, 0.0)]


@pytest.mark.parametrize("engine_url", ["duckdb", "postgres"], indirect=True)
def test_overlapping_periods_in_one_call(project: Project) -> None:
    found = {v.period: v.value for v in project.compute(["net_revenue"], ["2024-Q1", "2024"])}
    assert found["2024-Q1"] is not None and float(found["2024-Q1"]) == pytest.approx(-100.0)
    assert found["2024"] is not None and float(found["2024"]) == pytest.approx(-100.0)
