"""The marketplace pack's other ways in (issue 18 item 1): quotas from a HubSpot company
property, ad spend from Fivetran's Facebook Ads and Google Ads schemas, the platform's MongoDB
collections as Fivetran lands them, and the factoring and monthly finance templates.

The warehouse is a DuckDB file built from the CSVs in tests/fixtures/fivetran_marketplace/
(written in the connectors' shapes) plus the shared QuickBooks sample (../shared/fixtures/
fivetran/quickbooks, which the ad spend budget and the reconciliation read). Expected values,
worked out by hand from those rows:

Quotas (property `sales_quota_total`, set as `[vars] hubspot_quota_property`):
- quarters: Q4 2024 (deal 901 created), Q1 2025 (values set 15 Jan, 20 Mar), Q2 2025 (901
  closes), Q3 2025 (902 closes; value set 2 Jul), and the quarter of the day the test runs.
- company 1 (owner 101), history 40000 (15 Jan 2025), 45000 (20 Mar 2025), 50000 (2 Jul
  2025): nothing in Q4 2024 (not set yet), Q1 45000, Q2 45000, Q3 50000, this quarter 50000.
- company 2 (owner 102), no history: its current 30000 in each of the five quarters.
- company 3 is deleted, company 4 has no value: no rows.
- so the quota is 30000 for Q4 2024, 75000 for Q1 and Q2 2025, 80000 for Q3 2025 (owner 101:
  50000) and 80000 for this quarter: 4 + 5 = 9 rows.

Ad spend:
- Facebook, campaign 501 (ads 11 and 12, ad 11's newest ad_history row), 1 Mar 2025: 12.50 +
  7.25 = 19.75, clicks 20 + 5 = 25, leads 2 (only action_type `lead`); campaign 502, 2 Mar:
  20.00, 10 clicks, 1 lead; campaign 501, 1 Apr: 3.10, 1 click, 0 leads.
- Google, campaign 7901, 1 Mar: (15,500,000 + 4,250,000) micros = 19.75, clicks 40, leads
  1.5 + 1.25 = 2.75 -> 3; campaign 7902, 15 Mar: 2.00, 5 clicks, 0 leads.
- March 2025 = 19.75 + 20.00 + 19.75 + 2.00 = 61.50 (Facebook 39.75, Google 21.75); April
  2025 = 3.10.

MongoDB: invoices INV-1001 (1500.00) and INV-1002 (250.50) (INV-1003 is deleted), 3 invoice
lines, 2 remittances (B-30002, B-30003), 1 contract. The books (the shared QuickBooks sample)
have no invoice in March 2025, so both platform invoices are missing in accounting: March's
invoice count variance is 2 and its dollar variance 1500.00 + 250.50 = 1750.50.

Templates: the pack's factoring_statements.csv and monthly_finance.csv (one example row each,
January 2025) load with their mappings: factoring balance 612,500.00, reserves 73,500.00,
capacity 1,000,000 - 612,500 = 387,500.00, fees 7,656.25; cash 845,000.00, working capital
1,210,000.00 - 480,000.00 = 730,000.00.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from conftest import PG_URL, REQUIRE_PG, pg_problem
from fakes.hubspot import TOKEN, HubSpotFake
from fakes.project import FAST_RETRY, close_all, make_project
from northstar.errors import ConfigError
from northstar.packs import get_pack
from northstar.project import Project
from northstar.sources import hubspot
from northstar.sources.sync import sync
from northstar.warehouse import AttachSpec, attach, load_mapped
from northstar.warehouse.landing import land_csvs
from northstar.warehouse.mapping import load_mapping, render

HERE = Path(__file__).resolve().parent / "fixtures" / "fivetran_marketplace"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fivetran"
if not SHARED.exists():
    SHARED = Path("/work/shared/fixtures/fivetran")
TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "northstar" / "packs" / \
    "marketplace" / "templates"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('wh') / 'fivetran.duckdb'}"
    land_csvs(url, "quickbooks", SHARED / "quickbooks")
    for connector in ("hubspot", "facebook_ads", "google_ads", "mongodb"):
        land_csvs(url, connector, HERE / connector)
    return url


def spec(url: str) -> AttachSpec:
    return AttachSpec.model_validate({
        "url": url, "quickbooks": {"schema": "quickbooks"},
        "hubspot": {"schema": "hubspot", "objects": ["quotas"]},
        "facebook_ads": {"schema": "facebook_ads"}, "google_ads": {"schema": "google_ads"},
        "mongodb": {"schema": "mongodb"}, "accounts": {"4001": "4110", "5005": "4200"}})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("mp") / "mp"
    with Project.init(root, pack=get_pack("marketplace"), timezone="UTC") as p:
        p.settings.vars["hubspot_quota_property"] = "sales_quota_total"
        attach(p, spec(warehouse))
        yield p


def rows(project: Project, table: str, columns: str) -> list[tuple[object, ...]]:
    found = project.engine.query(f"SELECT {columns} FROM raw_{table} ORDER BY 1").to_pylist()
    return [tuple(r.values()) for r in found]


def value(project: Project, metric: str, period: str, **filters: str) -> float | None:
    [v] = project.compute([metric], [period], filters=filters or None)
    return None if v.value is None else float(v.value)


def test_quotas_from_the_company_property_set_in_settings(project: Project) -> None:
    found = rows(project, "quotas", "id, period_start, quota, owner_id")
    assert len(found) == 9
    by_quarter: dict[str, Decimal] = {}
    for _, start, quota, _ in found:
        key = str(start)
        by_quarter[key] = by_quarter.get(key, Decimal(0)) + Decimal(str(quota))
    today = date.today()
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1).isoformat()
    assert by_quarter == {"2024-10-01": 30000, "2025-01-01": 75000, "2025-04-01": 75000,
                          "2025-07-01": 80000, this_quarter: 80000}
    assert value(project, "quota", "2025-Q2") == pytest.approx(75000)
    assert value(project, "quota", "2025-Q3") == pytest.approx(80000)
    assert value(project, "quota", "2025-Q3", owner_id="101") == pytest.approx(50000)
    assert value(project, "quota", "2024-Q4") == pytest.approx(30000)


def test_quota_property_name_must_be_a_plain_name() -> None:
    obj = load_mapping().objects["quotas"]
    assert obj.values({}) == {"hubspot_quota_property": "total_quota"}
    with pytest.raises(ConfigError, match="not a plain name"):
        obj.values({"hubspot_quota_property": "total quota; drop"})


def test_ad_spend_from_facebook_and_google_schemas(project: Project) -> None:
    found = rows(project, "ad_spend", "id, campaign, spend, clicks, leads, utm_source")
    assert found == [
        ("facebook-501-2025-03-01", "Spring Brands", Decimal("19.75"), 25, 2, "facebook"),
        ("facebook-501-2025-04-01", "Spring Brands", Decimal("3.10"), 1, 0, "facebook"),
        ("facebook-502-2025-03-02", "Retarget", Decimal("20.00"), 10, 1, "facebook"),
        ("google-7901-2025-03-01", "Search Brand", Decimal("19.75"), 40, 3, "google"),
        ("google-7902-2025-03-15", "Display Prospecting", Decimal("2.00"), 5, 0, "google"),
    ]
    assert value(project, "ad_spend", "2025-03") == pytest.approx(61.50)
    assert value(project, "ad_spend", "2025-04") == pytest.approx(3.10)
    assert value(project, "ad_spend", "2025-03", utm_source="google") == pytest.approx(21.75)


def test_platform_collections_from_mongodb(project: Project) -> None:
    assert rows(project, "platform_invoices", "id, total") == [
        ("INV-1001", Decimal("1500.00")), ("INV-1002", Decimal("250.50"))]
    assert rows(project, "platform_invoice_lines", "id, invoice_id, supplier_id, amount") == [
        ("65f1b1", "INV-1001", "S1", Decimal("1000.00")),
        ("65f1b2", "INV-1001", "S2", Decimal("500.00")),
        ("65f1b3", "INV-1002", "S1", Decimal("250.50"))]
    assert rows(project, "remittance_lines", "bill_id, supplier_id, amount") == [
        ("B-30002", "S1", Decimal("800.00")), ("B-30003", "S2", Decimal("400.00"))]
    assert rows(project, "contracts", "id, customer_id, amount") == [
        ("65f3d1", "C1", Decimal("12000.00"))]
    assert value(project, "invoice_count_variance", "2025-03") == 2
    assert value(project, "invoice_dollar_variance", "2025-03") == pytest.approx(1750.50)


@pytest.fixture
def bookless(tmp_path: Path) -> Iterator[Project]:
    """A marketplace project with no books attached: cash and working capital come from the
    monthly finance figures (with books, from the balance sheet built from them)."""
    with Project.init(tmp_path / "mp", pack=get_pack("marketplace"), timezone="UTC") as p:
        yield p


def test_factoring_and_monthly_finance_templates_load(bookless: Project) -> None:
    project = bookless
    copied = project.root / "templates"  # `init --pack` copies them into the project
    for name in ("factoring_statements", "monthly_finance"):
        for ext in ("csv", "yml"):
            assert (copied / f"{name}.{ext}").read_bytes() == \
                (TEMPLATES / f"{name}.{ext}").read_bytes()
        report = load_mapped(project, copied / f"{name}.csv", copied / f"{name}.yml")
        assert report.appended == 1
        again = load_mapped(project, copied / f"{name}.csv", copied / f"{name}.yml")
        assert again.appended == 0
    assert value(project, "factoring_balance", "2025-01") == pytest.approx(612500)
    assert value(project, "factoring_reserves", "2025-01") == pytest.approx(73500)
    assert value(project, "factoring_capacity", "2025-01") == pytest.approx(387500)
    assert value(project, "factoring_fees", "2025-01") == pytest.approx(7656.25)
    assert value(project, "cash", "2025-01") == pytest.approx(845000)
    assert value(project, "working_capital", "2025-01") == pytest.approx(730000)


HUBSPOT_TOML = """
[crm]
kind = "hubspot"
base_url = "{url}"
token_env = "NS_TEST_HUBSPOT_TOKEN"
quota_property = "total_quota"
""" + FAST_RETRY.format(name="crm")


def test_hubspot_connector_reads_the_quota_property(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Companies 1001 (owner 101) and 1002 (owner 102) have total_quota 40000 and 25000.50;
    the others have none. A run in Q4 2026: two quotas rows for 2026-10-01. A run in the same
    quarter appends nothing; the first run of Q1 2027 reads every company again (no changed-
    since filter) and gives the two rows for 2027-01-01, the Q4 rows staying as they were."""
    os.environ["NS_TEST_HUBSPOT_TOKEN"] = TOKEN
    quarter = [date(2026, 10, 1)]
    monkeypatch.setattr(hubspot, "this_quarter", lambda: quarter[0])
    with HubSpotFake(companies=6, contacts=0, deals=0) as fake:
        fake.touch("companies", "1001", total_quota="40000")
        fake.touch("companies", "1002", total_quota="25000.50")
        p = make_project(tmp_path, HUBSPOT_TOML.replace("{url}", fake.url))
        try:
            sync(p, "crm", objects=["companies"])
            start = date(2026, 10, 1)
            assert p.engine.query(
                "SELECT source_id, company_id, period_start, quota, owner_id FROM raw_quotas "
                "ORDER BY 1").to_pylist() == [
                {"source_id": f"1001-{start}", "company_id": "1001", "period_start": start,
                 "quota": Decimal("40000.00"), "owner_id": "101"},
                {"source_id": f"1002-{start}", "company_id": "1002", "period_start": start,
                 "quota": Decimal("25000.50"), "owner_id": "102"}]
            searches = [r.json() for r in fake.requests if r.path.endswith("/companies/search")]
            assert "total_quota" in searches[0]["properties"]
            assert sum(r.appended for r in sync(p, "crm", objects=["companies"])) == 0
            searches = [r.json() for r in fake.requests if r.path.endswith("/companies/search")]
            assert "filterGroups" in searches[-1]  # same quarter: only the changed companies
            quarter[0] = date(2027, 1, 1)
            sync(p, "crm", objects=["companies"])
            searches = [r.json() for r in fake.requests if r.path.endswith("/companies/search")]
            assert "filterGroups" not in searches[-1]  # a new quarter: every company
            assert p.engine.rows("SELECT period_start, sum(quota) FROM raw_quotas GROUP BY 1 "
                                 "ORDER BY 1") == [(date(2026, 10, 1), Decimal("65000.50")),
                                                   (date(2027, 1, 1), Decimal("65000.50"))]
        finally:
            close_all()


NEW_CONNECTORS = ("hubspot", "facebook_ads", "google_ads", "mongodb")
NEW_TABLES = ("raw_quotas", "raw_ad_spend", "raw_platform_invoices", "raw_platform_invoice_lines",
              "raw_remittance_lines", "raw_contracts")


def test_postgres_warehouse_gives_the_same_rows(tmp_path: Path, warehouse: str) -> None:
    """The same SELECTs, transpiled for PostgreSQL, give the DuckDB warehouse's rows."""
    problem = pg_problem()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {problem}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_URL}: {problem}")
    prefix = "ns_mkt_" + uuid.uuid4().hex[:10]
    for connector in NEW_CONNECTORS:
        land_csvs(PG_URL, f"{prefix}_{connector}", HERE / connector)
    try:
        pg = AttachSpec.model_validate({
            "url": PG_URL, **{c: {"schema": f"{prefix}_{c}"} for c in NEW_CONNECTORS}})
        pg.hubspot.objects = ["quotas"]  # type: ignore[union-attr]
        duck = spec(warehouse).model_copy(update={"quickbooks": None})
        contents = []
        for i, each in enumerate((duck, pg)):
            with Project.init(tmp_path / f"p{i}", timezone="UTC") as p:
                p.settings.vars["hubspot_quota_property"] = "sales_quota_total"
                attach(p, each)
                found = {}
                for table in NEW_TABLES:
                    cols = [c for c, _ in p.engine.columns(table) or []
                            if c not in ("loaded_at", "load_id", "source_name")]
                    found[table] = p.engine.query(
                        f"SELECT {', '.join(cols)} FROM {table} ORDER BY source_id").to_pylist()
                contents.append(found)
        assert all(contents[0][t] for t in NEW_TABLES)
        assert contents[0] == contents[1]
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            for connector in NEW_CONNECTORS:
                con.execute(f"DROP SCHEMA {prefix}_{connector} CASCADE")


def test_new_selects_translate_for_bigquery() -> None:
    mapping = load_mapping()
    names = ("quotas", "ad_spend_facebook", "ad_spend_google", "platform_invoices",
             "platform_invoice_lines", "remittance_lines", "contracts")
    for name in names:
        obj = mapping.objects[name]
        have: dict[str, set[str] | None] = {t: {"_fivetran_synced"} for t in obj.tables}
        sql = render(obj, mapping, "bigquery", have, ("acme-data", "src"),
                     values={"hubspot_quota_property": "total_quota"})
        assert "`acme-data`.src." in sql, name
        assert "varchar" not in sql.lower().replace("_varchar", ""), name
    assert {mapping.objects[n].table for n in ("ad_spend_facebook", "ad_spend_google")} == \
        {"ad_spend"}
