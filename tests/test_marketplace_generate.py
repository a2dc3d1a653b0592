"""The marketplace pack's sample company: deterministic, sized as asked, calibrated to the
customer's figures at every size, and consistent with the pack's people and metric files."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

import marketplace_oracle as oracle
from northstar.metrics.definition import MetricDef
from northstar.models.templating import SqlTemplates
from northstar.packs import SampleTable
from northstar.packs.marketplace import PACK

# the sample package: `generate`, and the people the rows name; batches are cut in its arrays
gen = importlib.import_module("northstar.packs.marketplace.sample")
arrays = importlib.import_module("northstar.packs.sample_arrays")

END = date(2025, 9, 30)
LAST_FULL = 2024


@cache
def batches(rows: int, seed: int = 7, end: date = END) -> tuple[SampleTable, ...]:
    return tuple(gen.generate(rows=rows, seed=seed, end=end))


@cache
def tables(rows: int, end: date = END) -> oracle.Tables:
    return oracle.collect(batches(rows, end=end))


def year(y: int) -> tuple[date, date]:
    return date(y, 1, 1), date(y + 1, 1, 1)


def people() -> list[dict[str, Any]]:
    data = yaml.safe_load(PACK.people_file.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = data["people"]
    return found


def metric_files() -> dict[str, dict[str, Any]]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(PACK.metrics_dir.glob("*.yml"))}


# -- determinism and size ----------------------------------------------------------------------
def test_same_seed_gives_identical_tables() -> None:
    first = list(gen.generate(rows=5_000, seed=7, end=END))
    again = list(gen.generate(rows=5_000, seed=7, end=END))
    assert [(b.name, b.source, b.id_column) for b in first] == [
        (b.name, b.source, b.id_column) for b in again]
    assert all(a.data.equals(b.data) for a, b in zip(first, again, strict=True))


def test_different_seed_gives_different_tables() -> None:
    first = {b.name: b.data for b in gen.generate(rows=5_000, seed=7, end=END)}
    other = {b.name: b.data for b in gen.generate(rows=5_000, seed=8, end=END)}
    assert not first["invoice_lines"].equals(other["invoice_lines"])
    assert not first["deals"].equals(other["deals"])


@pytest.mark.parametrize("rows", [5_000, 200_000])
@pytest.mark.parametrize("end", [END, date(2026, 1, 5), date(2024, 12, 31)])
def test_row_count_is_within_ten_percent(rows: int, end: date) -> None:
    total = sum(b.data.num_rows for b in gen.generate(rows=rows, seed=3, end=end))
    assert 0.9 * rows <= total <= 1.1 * rows


def test_batches_are_split_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = Counter[str]()
    for b in batches(5_000):
        assert b.data.num_rows <= gen.BATCH_ROWS
        whole[b.name] += b.data.num_rows
    monkeypatch.setattr(arrays, "BATCH_ROWS", 300)
    split = Counter[str]()
    for b in gen.generate(rows=5_000, seed=7, end=END):
        assert 0 < b.data.num_rows <= 300
        split[b.name] += b.data.num_rows
    assert split == whole


def test_default_end_is_today() -> None:
    today = date.today()
    got = {b.name: b.data for b in gen.generate(rows=3_000, seed=1)}
    dates = got["invoice_lines"].column("txn_date").to_pylist()
    assert max(dates) <= today
    assert min(dates) >= date(today.year - 3, 1, 1)


# -- shape -------------------------------------------------------------------------------------
EXPECTED = {
    "customers": ("hubspot", {"id", "name", "created_date", "industry", "department"}),
    "suppliers": ("platform", {"id", "name", "first_listed_date", "event_type"}),
    "invoice_lines": ("quickbooks", {"id", "invoice_id", "customer_id", "txn_date", "due_date",
                                     "account_number", "amount", "department", "owner_id",
                                     "client_id"}),
    "credit_memo_lines": ("quickbooks", {"id", "credit_memo_id", "customer_id", "txn_date",
                                         "account_number", "amount", "department", "owner_id",
                                         "client_id"}),
    "payments": ("quickbooks", {"id", "invoice_id", "customer_id", "payment_date", "amount",
                                "department", "client_id"}),
    "bill_lines": ("quickbooks", {"id", "bill_id", "doc_number", "supplier_id", "txn_date",
                                  "due_date",
                                  "account_number", "amount", "bill_pay_status", "department",
                                  "client_id"}),
    "billcom_bills": ("billcom", {"id", "vendor_id", "invoice_number", "due_date", "amount",
                                  "due_amount", "payment_status", "approval_status"}),
    "billcom_vendors": ("billcom", {"id", "name", "network_status", "bank_account_on_file",
                                    "track_1099", "tax_id_on_file"}),
    "bill_payments": ("quickbooks", {"id", "bill_payment_id", "bill_id", "supplier_id",
                                     "payment_date", "amount", "department", "client_id"}),
    "vendor_credit_lines": ("quickbooks", {"id", "vendor_credit_id", "supplier_id", "txn_date",
                                           "account_number", "amount", "department",
                                           "client_id"}),
    "deals": ("hubspot", {"id", "company_id", "owner_id", "deal_name", "amount", "stage",
                          "stage_probability", "create_date", "close_date", "department",
                          "source_funnel", "utm_source", "utm_medium", "utm_campaign"}),
    "deal_property_history": ("hubspot", {"id", "deal_id", "property", "value", "changed_at",
                                          "source", "stage_probability"}),
    "quotas": ("hubspot", {"id", "owner_id", "period_start", "quota"}),
    "ad_spend": ("ads", {"id", "spend_date", "channel", "campaign", "spend", "clicks", "leads",
                         "department", "utm_source", "utm_medium", "utm_campaign"}),
    "platform_invoices": ("platform", {"id", "invoice_date", "total"}),
    "platform_invoice_lines": ("platform", {"id", "invoice_id", "supplier_id", "event_date",
                                            "amount", "department", "client_id"}),
    "remittance_lines": ("platform", {"id", "bill_id", "supplier_id", "remitted_date", "amount"}),
    "profit_and_loss": ("quickbooks", {"id", "month", "account_number", "amount"}),
    "contracts": ("hubspot", {"id", "customer_id", "signed_date", "start_date", "end_date",
                              "amount", "owner_id", "client_id"}),
    "factoring_statements": ("manual", {"id", "statement_date", "balance", "reserves",
                                        "facility_limit", "fees"}),
    "monthly_finance": ("manual", {"id", "month", "cash_balance", "current_assets",
                                   "current_liabilities", "operating_expenses",
                                   "budget_net_revenue"}),
}
MONEY = {"amount", "quota", "spend", "total", "balance", "reserves", "facility_limit", "fees",
         "cash_balance", "current_assets", "current_liabilities", "operating_expenses",
         "budget_net_revenue"}
DATES = {"created_date", "first_listed_date", "txn_date", "due_date", "payment_date",
         "close_date", "period_start", "spend_date", "invoice_date", "remitted_date", "month",
         "event_date",
         "signed_date", "start_date", "end_date", "statement_date"}


def test_tables_have_the_documented_columns_and_types() -> None:
    seen: dict[str, SampleTable] = {}
    for b in batches(5_000):
        seen.setdefault(b.name, b)
        assert b.id_column == "id"
    assert set(seen) == set(EXPECTED)
    for name, (source, columns) in EXPECTED.items():
        b = seen[name]
        assert b.source == source, name
        assert columns <= set(b.data.column_names), name
        schema = b.data.schema
        for col in schema.names:
            t = schema.field(col).type
            if col in MONEY:
                assert t == pa.decimal128(18, 2), (name, col)
            elif col in DATES:
                assert t == pa.date32(), (name, col)
            elif col == "create_date":
                assert t == pa.timestamp("us"), (name, col)
            elif col == "stage_probability":
                assert t == pa.decimal128(5, 2), (name, col)
            elif col == "id" or col.endswith("_id"):
                assert t == pa.string(), (name, col)


def test_schema_is_the_same_in_every_batch_of_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "BATCH_ROWS", 500)
    schemas: dict[str, pa.Schema] = {}
    for b in gen.generate(rows=5_000, seed=7, end=END):
        assert schemas.setdefault(b.name, b.data.schema) == b.data.schema, b.name


def test_ids_are_unique_per_table() -> None:
    for name, rows in tables(5_000).items():
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), name
        assert all(isinstance(i, str) and i for i in ids), name


def test_references_point_at_existing_records() -> None:
    t = tables(5_000)
    customers = {r["id"] for r in t["customers"]}
    suppliers = {r["id"] for r in t["suppliers"]}
    invoices = {r["invoice_id"] for r in t["invoice_lines"]}
    assert {r["customer_id"] for r in t["invoice_lines"]} <= customers
    assert {r["customer_id"] for r in t["credit_memo_lines"]} <= customers
    assert {r["invoice_id"] for r in t["payments"]} <= invoices
    assert {r["supplier_id"] for r in t["bill_lines"]} - {None} <= suppliers
    won = {r["company_id"] for r in t["deals"] if r["stage"] == "closedwon"}
    assert won <= customers
    assert all(r["client_id"] == r["customer_id"] for r in t["invoice_lines"])
    assert all(r["client_id"] == r["supplier_id"] for r in t["bill_lines"])


def test_accounts_and_signs_follow_the_chart_of_accounts() -> None:
    t = tables(5_000)
    for r in t["invoice_lines"]:
        if r["account_number"] == "4190":
            assert r["amount"] < 0
        else:
            assert "4110" <= r["account_number"] <= "4169" and r["amount"] > 0
    assert all("4110" <= r["account_number"] <= "4169" and r["amount"] > 0
               for r in t["credit_memo_lines"])
    for name in ("bill_lines", "vendor_credit_lines"):
        assert all("4200" <= r["account_number"] <= "4230" and r["amount"] > 0 for r in t[name])
    statuses = {r["bill_pay_status"] for r in t["bill_lines"]}
    assert statuses <= {"Approved", "Pending", "W-9 Missing", "Not Onboarded", "Paid"}


def test_nothing_is_dated_after_end() -> None:
    t = tables(5_000)
    for name, col in (("invoice_lines", "txn_date"), ("credit_memo_lines", "txn_date"),
                      ("payments", "payment_date"), ("bill_lines", "txn_date"),
                      ("vendor_credit_lines", "txn_date"), ("ad_spend", "spend_date"),
                      ("suppliers", "first_listed_date"), ("customers", "created_date")):
        assert max(r[col] for r in t[name]) <= END, name
    assert max(r["create_date"] for r in t["deals"]).date() <= END
    open_deals = [r for r in t["deals"] if r["stage"] not in ("closedwon", "closedlost")]
    assert open_deals and all(r["close_date"] > END for r in open_deals)


# -- people and metrics ------------------------------------------------------------------------
def test_every_owner_id_is_a_person() -> None:
    ids = {p["id"] for p in people()}
    for name, rows in tables(5_000).items():
        owners = {r.get("owner_id") for r in rows} - {None}
        assert owners <= ids, (name, owners - ids)
    assert set(gen.SELLERS) | set(gen.ACCOUNT_MANAGERS) <= ids


def test_every_person_owns_exactly_one_metric() -> None:
    """One metric per person, one person per owned metric; the other metrics (company figures
    on the leadership and finance dashboards) have no owner field."""
    folks = people()
    assert len(folks) == 18
    assert len({p["id"] for p in folks}) == len(folks)
    owned = Counter(p["metric"] for p in folks)
    files = metric_files()
    assert set(owned) <= set(files)
    assert all(n == 1 for n in owned.values())
    by_id = {p["id"]: p for p in folks}
    for name, data in files.items():
        assert data["name"] == name
        if name in owned:
            assert by_id[data["owner"]]["metric"] == name
        else:
            assert "owner" not in data, name


def test_metric_files_follow_the_format() -> None:
    parsed = {name: MetricDef.model_validate(data) for name, data in metric_files().items()}
    # building blocks (quota, pipeline entering the quarter) only feed ratios: no status
    blocks = {ref for m in parsed.values() for ref in m.referenced_metrics()} - {
        "net_revenue", "gmv"}
    # and the dollars a waterfall's bars show, coloured by the retention metric's status
    blocks |= {t["bars"] for path in PACK.dashboards_dir.glob("*.yml")
               for t in yaml.safe_load(path.read_text())["tiles"] if "bars" in t}
    for name, metric in parsed.items():
        assert metric.description.strip(), name
        if name in blocks:
            assert metric.owner is None and metric.target is None, name
            continue
        assert metric.bands is not None, name
        # a target, or bands in the unit itself (EBITDA: green at break-even or better)
        assert metric.target is not None or metric.bands.relative_to == "absolute", name
        assert all((metric.actions.green, metric.actions.yellow, metric.actions.red,
                    metric.actions.grey)), name
        if metric.kind == "measure" and metric.dimensions == []:
            pytest.fail(f"{name}: a measure over a tagged model should list dimensions")


def test_the_oracle_covers_every_computed_metric() -> None:
    computed = {n for n, d in metric_files().items() if not d.get("manual")}
    assert set(oracle.ORACLE) == computed


def test_pack_points_at_its_files() -> None:
    assert PACK.name == "marketplace"
    assert PACK.generate is gen.generate
    assert PACK.people_file.exists()
    assert len(list(PACK.models_dir.glob("*.sql"))) >= 4
    assert (PACK.models_dir / "revenue_lines.sql").exists()


# -- calibration (plain Python over the generated rows) -----------------------------------------
def _f(value: Decimal | None) -> float:
    assert value is not None
    return float(value)


@pytest.mark.parametrize("rows", [5_000, 50_000])
def test_calibration_matches_the_customer(rows: int) -> None:
    t = tables(rows)
    start, end = year(LAST_FULL)
    by_customer = sorted(oracle._billings_by_customer(t, start, end).values(), reverse=True)
    total = sum(by_customer, Decimal(0))
    assert 0.35 <= float(by_customer[0] / total) <= 0.46
    assert 0.53 <= float((by_customer[0] + by_customer[1]) / total) <= 0.65
    assert 1.00 <= _f(oracle.nrr(t, start, end)) <= 1.15
    assert 0.30 <= _f(oracle.logo_retention(t, start, end)) <= 0.45
    assert 0.25 <= _f(oracle.take_rate(t, start, end)) <= 0.35
    assert 0.85 <= _f(oracle.collection_rate(t, start, end)) <= 0.95
    q4 = oracle.gmv(t, date(LAST_FULL, 10, 1), end)
    assert 0.08 <= _f(q4) / _f(oracle.gmv(t, start, end)) <= 0.14
    quarters = [date(LAST_FULL, m, 1) for m in (1, 4, 7, 10)] + [end]
    coverage = [_f(oracle.pipeline_coverage(t, a, b))
                for a, b in pairwise(quarters)]
    assert 3.4 <= sum(coverage) / 4 <= 4.4
    # customers: about 90 in the first year, about 50 in the last full year; suppliers about 150
    assert 80 <= len(oracle._buyers(t, *year(LAST_FULL - 2))) <= 100
    assert 45 <= len(oracle._buyers(t, start, end)) <= 55
    assert 140 <= len(t["suppliers"]) <= 160


def test_past_quarters_coverage_differs_from_todays_stages() -> None:
    """Weighted coverage from each deal's stage when its quarter began is not what today's
    stages give (won 100%, lost 0%): the history is what makes the two differ (issue 18)."""
    t = tables(5_000)
    customers = {c["id"] for c in t["customers"]}
    quarters = [date(y, m, 1) for y in (2022, 2023, 2024, 2025) for m in (1, 4, 7, 10)]
    differ = 0
    for a, b in pairwise(quarters[:-1]):  # the 14 quarters before Q4 2025 (of 2022-2025)
        if b > END:
            break
        then = oracle.pipeline_entering_weighted(t, a, b)
        entering = [d for d in t["deals"] if a <= d["close_date"] < b
                    and d["create_date"].date() < a]
        today = sum((d["amount"] * d["stage_probability"] for d in entering), Decimal(0))
        assert then is not None and then > 0
        differ += then != today
        # the score from the stage then is at most 0.95 and never 1 (no deal was won then)
        scored = oracle.pipeline_entering_scored(t, a, b)
        assert scored is not None and scored <= Decimal("0.95") * oracle.pipeline_entering(
            t, a, b)
        assert all(oracle.deal_score(d, customers) <= 1 for d in entering)
    assert differ >= 12


def test_revenue_grows_with_rows_but_customers_do_not() -> None:
    small, large = tables(5_000), tables(50_000)
    start, end = year(LAST_FULL)
    assert _f(oracle.gmv(large, start, end)) > 5 * _f(oracle.gmv(small, start, end))
    assert len(small["customers"]) == len(large["customers"])
    assert len(small["suppliers"]) == len(large["suppliers"])


@pytest.mark.parametrize("end", [date(2026, 1, 5), date(2025, 12, 31)])
def test_calibration_holds_for_other_end_dates(end: date) -> None:
    t = tables(20_000, end=end)
    start, stop = year(end.year - 1)
    assert 0.35 <= _f(oracle.top_customer_share(t, start, stop)) <= 0.46
    assert 1.00 <= _f(oracle.nrr(t, start, stop)) <= 1.15
    q4 = oracle.gmv(t, date(end.year - 1, 10, 1), stop)
    assert 0.08 <= _f(q4) / _f(oracle.gmv(t, start, stop)) <= 0.14


def test_models_are_single_selects() -> None:
    templates = SqlTemplates.for_folder(PACK.models_dir)  # as the engine sees them: expanded
    for path in sorted(Path(PACK.models_dir).glob("*.sql")):
        text = templates.render(path.read_text(encoding="utf-8"), path).strip().rstrip(";")
        assert ";" not in text, path.name
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        assert body.lstrip().lower().startswith(("select", "with")), path.name
