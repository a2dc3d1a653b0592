"""Attaching a Fivetran warehouse: the real Fivetran QuickBooks and HubSpot sample tables, landed
in a DuckDB file and in a PostgreSQL schema, mapped to the canonical raw tables.

Expected values were worked out by hand from the CSVs in ../shared/fixtures/fivetran/:
- invoice_data.csv: 16 invoices, 11 with _fivetran_deleted TRUE; live: 40113, 40114, 40115,
  40116, 50001 (all customer 4783).
- invoice_line_data.csv, lines of those live invoices that post (SubTotalLineDetail left out):
  40113/0 2500 (account 999), 40114/1 1000 (account 999), 40114/2 175 (item 9999 -> income
  account 999), 40114/3 55650 (999), 40115/1 1005, 40116/1 500, 50001/1 1000 (999),
  50001/2 1000 (item 9999 -> 999) = 8 lines, 62,830.00, all on account 999 = number 4001.
  The deleted invoice 28957 has one line (3000): not loaded.
- Invoice dates: 40113, 40114 on 2021-01-19; 40115, 40116 on 2021-02-03; 50001 on 2021-02-05.
  So January 2021 = 2500 + 1000 + 175 + 55650 = 59,325.00; February = 1005 + 500 + 2000 = 3,505.
- credit_memo 999 (2021-01-10, customer 131) has the only credit memo line whose header exists:
  100 on item 9999 -> account 4001.
- bill_line 5000/0: 100 on account 873 (number 5005), bill 5000 dated 2024-01-01.
- payment 9001 (2026-02-01) line 0 pays 1000 on invoice 50001.
- bill_payment 9001 (2026-02-01, vendor 1) line 0 pays 500 on bill 5002.
- deal_data.csv: 44 deals, none deleted, 22 with an owner that owner_data.csv has.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

from conftest import PG_URL, REQUIRE_PG, pg_problem
from northstar.errors import NorthstarError
from northstar.packs import get_pack
from northstar.project import Project
from northstar.warehouse import AttachReport, AttachSpec, attach
from northstar.warehouse.landing import land_csvs

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fivetran"
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures/fivetran")

CONNECTORS = ("quickbooks", "hubspot")


@pytest.fixture(scope="module")
def duck_warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("wh") / "fivetran.duckdb"
    url = f"duckdb:///{path}"
    for connector in CONNECTORS:
        land_csvs(url, connector, FIXTURES / connector)
    return url


@pytest.fixture(scope="module")
def pg_warehouse() -> Iterator[tuple[str, str]]:
    """(url, schema prefix): the fixtures landed in two fresh PostgreSQL schemas."""
    problem = pg_problem()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {problem}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_URL}: {problem}")
    prefix = "ns_wh_" + uuid.uuid4().hex[:10]
    for connector in CONNECTORS:
        land_csvs(PG_URL, f"{prefix}_{connector}", FIXTURES / connector)
    try:
        yield PG_URL, prefix
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            for connector in CONNECTORS:
                con.execute(f"DROP SCHEMA {prefix}_{connector} CASCADE")


def duck_spec(url: str, **extra: object) -> AttachSpec:
    return AttachSpec.model_validate({"url": url, "quickbooks": {"schema": "quickbooks"},
                                      "hubspot": {"schema": "hubspot"}, **extra})


def pg_spec(url: str, prefix: str, **extra: object) -> AttachSpec:
    return AttachSpec.model_validate({
        "url": url, "quickbooks": {"schema": f"{prefix}_quickbooks"},
        "hubspot": {"schema": f"{prefix}_hubspot"}, **extra})


@pytest.fixture(scope="module")
def attached(tmp_path_factory: pytest.TempPathFactory,
             duck_warehouse: str) -> Iterator[tuple[Project, AttachReport]]:
    """One project with the DuckDB warehouse attached, shared by the read-only tests."""
    p = Project.init(tmp_path_factory.mktemp("attached") / "proj")
    report = attach(p, duck_spec(duck_warehouse))
    yield p, report
    p.close()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "proj")
    yield p
    p.close()


def latest(project: Project, name: str, columns: str = "*") -> list[dict[str, object]]:
    return project.engine.query(
        f"SELECT {columns} FROM raw_{name} ORDER BY source_id, load_id").to_pylist()


def test_invoice_lines_follow_fivetran_conventions(
        attached: tuple[Project, AttachReport]) -> None:
    project, report = attached
    lines = {r["id"]: r for r in latest(project, "invoice_lines")}
    assert sorted(lines) == ["40113-0", "40114-1", "40114-2", "40114-3", "40115-1", "40116-1",
                             "50001-1", "50001-2"]
    assert {r["invoice_id"] for r in lines.values()} == {"40113", "40114", "40115", "40116",
                                                         "50001"}
    assert sum(r["amount"] for r in lines.values()) == Decimal("62830.00")
    assert {r["account_number"] for r in lines.values()} == {"4001"}
    assert lines["40114-2"]["amount"] == Decimal("175.00")  # account found through the item
    assert lines["40113-0"]["txn_date"].isoformat() == "2021-01-19"
    assert lines["50001-1"]["currency_id"] == "EUR"
    assert all(r["department"] == "demand" and r["client_id"] == "4783" for r in lines.values())
    by_object = {o.name: o for o in report.objects}
    assert by_object["invoice_lines"].deleted_skipped == 1  # invoice 28957's line
    assert by_object["invoice_lines"].appended == 8
    assert report.appended == sum(o.appended for o in report.objects)


def test_other_quickbooks_objects(attached: tuple[Project, AttachReport]) -> None:
    project, _ = attached
    memo = latest(project, "credit_memo_lines")
    assert [(r["id"], r["customer_id"], r["account_number"], r["amount"]) for r in memo] == [
        ("999-0", "131", "4001", Decimal("100.00"))]
    payments = latest(project, "payments")
    assert [(r["invoice_id"], r["amount"], r["payment_date"].isoformat(), r["department"])
            for r in payments] == [("50001", Decimal("1000.00"), "2026-02-01", "finance")]
    # bill_payment_line: 17 lines naming a bill; their payments 23, 27, 28, 29 and 30 are
    # deleted (5 lines), leaving 131 (2 lines), 46 (3), 132 (2), 133, 134 (2), 150 and 9001
    paid = {r["id"]: r for r in latest(project, "bill_payments")}
    assert len(paid) == 12
    assert (paid["9001-0"]["bill_id"], paid["9001-0"]["supplier_id"], paid["9001-0"]["amount"],
            paid["9001-0"]["payment_date"].isoformat()) == (
        "5002", "1", Decimal("500.00"), "2026-02-01")
    bills = {r["id"]: r for r in latest(project, "bill_lines")}
    assert bills["5000-0"]["account_number"] == "5005"
    assert bills["5000-0"]["amount"] == Decimal("100.00")
    assert bills["5000-0"]["supplier_id"] == bills["5000-0"]["client_id"] == "100"
    # 15 bills, 6 deleted: none of the deleted ones' lines are in the ledger
    assert {r["bill_id"] for r in bills.values()} <= {"398", "399", "397", "401", "111",
                                                       "112", "5000", "5001", "5002"}


def test_hubspot_deals_owners_and_tags(attached: tuple[Project, AttachReport]) -> None:
    project, _ = attached
    deals = latest(project, "deals")
    assert len(deals) == 44
    with_owner = [d for d in deals if d["owner_email"] is not None]
    assert len(with_owner) == 22
    # no people.yml email matches, so owner_id keeps the HubSpot owner id
    assert all(d["owner_id"] == d["hubspot_owner_id"] for d in deals)
    assert {d["source_funnel"] for d in deals} == {"other"}  # no original source in the data
    assert len(latest(project, "owners")) == 100


def test_owner_email_maps_to_people(tmp_path: Path, duck_warehouse: str) -> None:
    # owner 35252170 (email gjMMJfwLmOf2YmxZCYCVVw== in owner_data.csv) owns 19 of the deals,
    # 40706000 two and 37790786 one.
    with Project.init(tmp_path / "p") as project:
        (project.root / "people.yml").write_text(
            "people:\n  - id: sam_whitaker\n    name: Sam\n    department: demand\n"
            "    email: GJMMJFWLMOF2YMXZCYCVVW==\n", encoding="utf-8")
        attach(project, duck_spec(duck_warehouse))
        owners = [(d["hubspot_owner_id"], d["owner_id"]) for d in latest(project, "deals")
                  if d["hubspot_owner_id"] is not None]
    assert sorted(set(owners)) == [("35252170", "sam_whitaker"), ("37790786", "37790786"),
                                   ("40706000", "40706000")]
    assert sum(1 for _, o in owners if o == "sam_whitaker") == 19


def test_reattach_appends_nothing(attached: tuple[Project, AttachReport],
                                  duck_warehouse: str) -> None:
    project, first = attached
    loads = project.engine.scalar("SELECT count(*) FROM ns_loads")
    second = attach(project, duck_spec(duck_warehouse))
    assert second.appended == 0
    assert project.engine.scalar("SELECT count(*) FROM ns_loads") == loads
    invoice = next(o for o in second.objects if o.name == "invoice_lines")
    assert invoice.cursor == datetime(2026, 2, 1, 12, 0)  # newest _fivetran_synced loaded
    # rows synced at the cursor are read again and found unchanged
    assert invoice.read == invoice.unchanged == 2
    deals = next(o for o in second.objects if o.name == "deals")
    assert deals.cursor is None and deals.unchanged == 44  # deal has no _fivetran_synced
    assert first.appended > 0


def test_changes_and_deletions_are_new_versions(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    url = f"duckdb:///{path}"
    land_csvs(url, "quickbooks", FIXTURES / "quickbooks")
    import duckdb

    # Some warehouses keep the flag as text: TRUE / true / FALSE.
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE quickbooks.invoice ALTER COLUMN _fivetran_deleted "
                "SET DATA TYPE VARCHAR")
    con.execute("UPDATE quickbooks.invoice SET _fivetran_deleted = CASE WHEN id % 2 = 0 "
                "THEN upper(_fivetran_deleted) ELSE _fivetran_deleted END")
    con.close()
    spec = AttachSpec.model_validate({"url": url, "quickbooks": {
        "schema": "quickbooks", "objects": ["invoice_lines"]}})
    first = attach(project, spec).objects[0]
    assert (first.appended, first.deleted_skipped) == (8, 1)
    con = duckdb.connect(str(path))
    con.execute("UPDATE quickbooks.invoice_line SET amount = 2600, "
                "_fivetran_synced = TIMESTAMP '2026-03-01 00:00:00' "
                "WHERE invoice_id = 40113 AND \"index\" = 0")
    con.execute("UPDATE quickbooks.invoice SET _fivetran_deleted = 'true', "
                "_fivetran_synced = TIMESTAMP '2026-03-02 00:00:00' WHERE id = 40116")
    con.close()
    report = attach(project, spec).objects[0]
    assert (report.appended, report.tombstones, report.deleted_skipped) == (2, 1, 0)
    versions = project.engine.rows(
        "SELECT source_id, amount, is_deleted FROM raw_invoice_lines WHERE load_id = ? "
        "ORDER BY source_id", [report.load_id])
    assert versions == [("40113-0", Decimal("2600.00"), False),
                        ("40116-1", Decimal("500.00"), True)]
    assert attach(project, spec).appended == 0


def test_unknown_object_and_missing_table(project: Project, duck_warehouse: str) -> None:
    spec = AttachSpec.model_validate({"url": duck_warehouse,
                                      "quickbooks": {"schema": "quickbooks",
                                                     "objects": ["deals"]}})
    with pytest.raises(NorthstarError, match="does not map from quickbooks"):
        attach(project, spec)
    spec = AttachSpec.model_validate({"url": duck_warehouse,
                                      "quickbooks": {"schema": "hubspot"}})
    with pytest.raises(NorthstarError, match=r"no table hubspot\.customer"):
        attach(project, spec)
    failed = project.engine.rows("SELECT table_name, status FROM ns_loads")
    assert ("raw_customers", "failed") in failed


@pytest.mark.postgres
def test_duckdb_and_postgres_warehouses_give_identical_ledgers(
        tmp_path: Path, duck_warehouse: str, pg_warehouse: tuple[str, str]) -> None:
    contents = []
    for i, spec in enumerate((duck_spec(duck_warehouse), pg_spec(*pg_warehouse))):
        with Project.init(tmp_path / f"p{i}") as project:
            attach(project, spec)
            tables = {}
            for name in project.ledger.tables():
                cols = [c for c, _ in project.engine.columns(name) or []
                        if c not in ("loaded_at",)]
                data = project.engine.query(
                    f"SELECT {', '.join(cols)} FROM {name} ORDER BY source_id")
                tables[name] = data
            contents.append(tables)
    duck, pg = contents
    assert sorted(duck) == sorted(pg)
    # the mapping's sixteen objects (bill payments the twelfth; the chart of accounts, journal
    # entry, deposit and purchase lines the last four)
    assert len(duck) == 16
    for name in duck:
        assert duck[name].to_pylist() == pg[name].to_pylist(), name


@pytest.mark.postgres
def test_postgres_warehouse_into_postgres_ledger(
        pg_schema_url: str, tmp_path: Path, pg_warehouse: tuple[str, str]) -> None:
    with Project.init(tmp_path / "p", engine_url=pg_schema_url) as project:
        attach(project, pg_spec(*pg_warehouse))
        total = project.engine.scalar("SELECT sum(amount) FROM raw_invoice_lines")
        assert total == Decimal("62830.00")
        assert attach(project, pg_spec(*pg_warehouse)).appended == 0


def test_marketplace_pack_computes_on_attached_fixtures(tmp_path: Path,
                                                        duck_warehouse: str) -> None:
    # The fixture's income account is 4001 and its expense account 5005; the spec translates
    # them to the pack's GMV (4110) and payout (4200) accounts.
    spec = duck_spec(duck_warehouse, accounts={"4001": "4110", "5005": "4200"})
    pack = get_pack("marketplace")
    with Project.init(tmp_path / "mp", pack=pack) as project:
        attach(project, spec)
        # The pack's other models read the platform's own exports too, which a QuickBooks/
        # HubSpot warehouse does not hold: those wait, and GMV and net revenue still compute.
        kept = project.engine.scalar(
            "SELECT min(source_account_number) FROM raw_invoice_lines")
        assert kept == "4001"
        values = {(v.metric, v.period): v.value for v in project.compute(
            ["gmv", "net_revenue"], ["2021-01", "2021-02", "2024-01"])}
    assert values[("gmv", "2021-01")] == pytest.approx(59325.0)
    assert values[("gmv", "2021-02")] == pytest.approx(3505.0)
    # January 2021: GMV less credit memo 999 (100)
    assert values[("net_revenue", "2021-01")] == pytest.approx(59225.0)
    assert values[("net_revenue", "2021-02")] == pytest.approx(3505.0)
    # January 2024: only the payout of bill 5000 (100 on account 5005 -> 4200)
    assert values[("net_revenue", "2024-01")] == pytest.approx(-100.0)


def test_bigquery_sql_is_generated_for_bigquery() -> None:
    from northstar.warehouse.adapters import BigQueryWarehouse, open_warehouse
    from northstar.warehouse.mapping import load_mapping, render

    warehouse = open_warehouse("bigquery://acme-data")
    assert isinstance(warehouse, BigQueryWarehouse)
    mapping = load_mapping()
    obj = mapping.objects["invoice_lines"]
    have: dict[str, set[str] | None] = {t: {"_fivetran_deleted", "_fivetran_synced"}
                                        for t in obj.tables}
    have["invoice_line"] = {"_fivetran_synced"}  # no detail_type etc.: NULL stand-ins
    sql = render(obj, mapping, warehouse.dialect, have,
                 warehouse.qualify("src_fivetran_qbo"), cursor=datetime(2025, 1, 2, 3, 4, 5))
    assert "FROM `acme-data`.src_fivetran_qbo.invoice)" in sql
    assert "CAST(NULL AS STRING) AS detail_type" in sql
    assert "AS NUMERIC) AS amount" in sql
    assert "GREATEST(COALESCE(i._fivetran_synced, l._fivetran_synced" in sql
    assert "CAST('2025-01-02 03:04:05' AS DATETIME)" in sql
    assert "varchar" not in sql.lower().replace("_varchar", "")
    assert warehouse.columns_sql("other-proj.hs") == (
        "SELECT table_name, lower(column_name) AS name FROM `other-proj.hs`."
        "INFORMATION_SCHEMA.COLUMNS")


def test_spec_files(tmp_path: Path) -> None:
    from northstar.warehouse import load_spec

    toml = tmp_path / "wh.toml"
    toml.write_text('url = "duckdb:///wh.duckdb"\n[quickbooks]\nschema = "qb"\n'
                    '[accounts]\n"4001" = "4110"\n', encoding="utf-8")
    spec = load_spec(toml)
    assert spec.quickbooks is not None and spec.quickbooks.schema_ == "qb"
    assert spec.accounts == {"4001": "4110"} and spec.base == tmp_path
    bad = tmp_path / "bad.yml"
    bad.write_text("url: duckdb:///x.duckdb\nquickbooks:\n  schema: qb\n  tables: [x]\n",
                   encoding="utf-8")
    with pytest.raises(NorthstarError, match=r"bad.yml:4: unknown key 'quickbooks.tables'"):
        load_spec(bad)
    empty = tmp_path / "empty.yml"
    empty.write_text("url: duckdb:///x.duckdb\n", encoding="utf-8")
    with pytest.raises(NorthstarError, match="names no connector"):
        load_spec(empty)


def test_arrow_of_fixture_landing_is_typed(duck_warehouse: str) -> None:
    import duckdb

    con = duckdb.connect(duck_warehouse[len("duckdb:///"):], read_only=True)
    try:
        t = con.sql("SELECT _fivetran_deleted, _fivetran_synced FROM quickbooks.invoice"
                    ).to_arrow_table()
    finally:
        con.close()
    assert t.schema.field("_fivetran_deleted").type == pa.bool_()
    assert pa.types.is_timestamp(t.schema.field("_fivetran_synced").type)


def test_touches_and_funnel_from_hubspot_sources(project: Project, tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "hs.duckdb"
    land_csvs(f"duckdb:///{path}", "hubspot", FIXTURES / "hubspot")
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE hubspot.deal ADD COLUMN property_hs_analytics_source VARCHAR")
    con.execute("ALTER TABLE hubspot.deal ADD COLUMN property_hs_analytics_latest_source VARCHAR")
    con.execute("UPDATE hubspot.deal SET property_hs_analytics_source = 'PAID_SEARCH', "
                "property_hs_analytics_latest_source = 'OFFLINE' WHERE deal_id = 1244495215")
    con.execute("UPDATE hubspot.deal SET property_hs_analytics_source = 'REFERRALS' "
                "WHERE deal_id = 1075671446")
    con.close()
    spec = AttachSpec.model_validate({"url": f"duckdb:///{path}", "hubspot": {
        "schema": "hubspot", "objects": ["deals"]}})
    attach(project, spec)
    deals = {d["id"]: d for d in latest(project, "deals")}
    paid, referred = deals["1244495215"], deals["1075671446"]
    assert (paid["first_touch"], paid["last_touch"], paid["source_funnel"]) == (
        "paid_ads", "event", "inbound")
    assert (referred["first_touch"], referred["last_touch"], referred["source_funnel"]) == (
        "referral", None, "referral")
    assert deals["1077598754"]["source_funnel"] == "other"
